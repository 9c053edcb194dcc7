//! `hooklake rotate-secret`: a new webhook secret, with no delivery refused
//! on the way.
//!
//! The secret lives in two places only: the Worker's secrets (write-only)
//! and GitHub's hook configuration (write-only). Nothing else holds it: not
//! Terraform's state, not a file. The Worker accepts `WEBHOOK_SECRET` and,
//! during a rotation, `WEBHOOK_SECRET_NEXT`, so the order below keeps every
//! delivery verifiable:
//!
//! 1. a new random secret becomes the Worker's `WEBHOOK_SECRET_NEXT`;
//! 2. a signed `ping` shows the Worker accepts it (Cloudflare applies a
//!    secret within seconds, not at once);
//! 3. GitHub's hooks are switched to it;
//! 4. the overlap passes: deliveries GitHub signed with the old secret
//!    just before the switch still arrive;
//! 5. it becomes `WEBHOOK_SECRET` and `WEBHOOK_SECRET_NEXT` is deleted;
//! 6. a `ping` signed with it is accepted. (The old secret is refused as
//!    soon as Cloudflare applies step 5; nothing here knows the old secret
//!    to check that.)
//!
//! A run killed between 3 and 5 leaves both secrets accepted; the next run
//! starts over with a new one (deliveries GitHub signs in the seconds
//! between that run's steps 1 and 3 are refused, and `hooklake redeliver`
//! asks for them again).

use std::time::{Duration, Instant};

use anyhow::Context;
use hooklake_github::deliveries::Hook;
use hooklake_github::GitHubClient;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::send::{self, Delivery};

/// The Worker setting GitHub's current secret is in.
pub const CURRENT: &str = "WEBHOOK_SECRET";
/// The Worker setting a rotation stages the new secret in.
pub const NEXT: &str = "WEBHOOK_SECRET_NEXT";

/// Cloudflare's API root (`CLOUDFLARE_API_BASE_URL`, as for wrangler).
pub const CLOUDFLARE_API: &str = "https://api.cloudflare.com/client/v4";

/// 32 random bytes, hex: 256 bits, as GitHub's docs suggest a high-entropy
/// string.
pub fn new_secret() -> anyhow::Result<SecretString> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).context("reading the system's random source")?;
    Ok(hex::encode(bytes).into())
}

/// The Worker's secrets, through Cloudflare's API ("Add Worker secret",
/// "Delete Worker secret"). A change deploys a new version of the Worker.
pub struct WorkerSecrets {
    client: reqwest::Client,
    /// `{api}/accounts/{account}/workers/scripts/{worker}/secrets`
    secrets_url: String,
    token: SecretString,
}

impl WorkerSecrets {
    pub fn new(
        api: &str,
        account: &str,
        worker: &str,
        token: SecretString,
    ) -> anyhow::Result<Self> {
        Ok(WorkerSecrets {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()?,
            secrets_url: format!(
                "{}/accounts/{account}/workers/scripts/{worker}/secrets",
                api.trim_end_matches('/')
            ),
            token,
        })
    }

    /// Sets secret `name` of the Worker to `value`.
    pub async fn put(&self, name: &str, value: &SecretString) -> anyhow::Result<()> {
        let request = self
            .client
            .put(&self.secrets_url)
            .json(&json!({"name": name, "text": value.expose_secret(), "type": "secret_text"}));
        self.send(request, &format!("setting the Worker's {name}"), false)
            .await
            .map(drop)
    }

    /// The names of the Worker's secrets (their values cannot be read).
    pub async fn names(&self) -> anyhow::Result<Vec<String>> {
        #[derive(serde::Deserialize)]
        struct Listed {
            result: Vec<Named>,
        }
        #[derive(serde::Deserialize)]
        struct Named {
            name: String,
        }
        let what = "listing the Worker's secrets";
        let response = self
            .send(self.client.get(&self.secrets_url), what, false)
            .await?;
        let listed: Listed = response
            .json()
            .await
            .with_context(|| format!("{what}: Cloudflare's answer is not a list of secrets"))?;
        Ok(listed.result.into_iter().map(|n| n.name).collect())
    }

    /// Deletes secret `name` of the Worker (absent is fine).
    pub async fn delete(&self, name: &str) -> anyhow::Result<()> {
        let request = self.client.delete(format!("{}/{name}", self.secrets_url));
        self.send(request, &format!("deleting the Worker's {name}"), true)
            .await
            .map(drop)
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
        absent_is_fine: bool,
    ) -> anyhow::Result<reqwest::Response> {
        let response = request
            .bearer_auth(self.token.expose_secret())
            .send()
            .await
            .with_context(|| format!("{what}: cannot reach Cloudflare's API"))?;
        let status = response.status();
        if status.is_success() || (absent_is_fine && status == reqwest::StatusCode::NOT_FOUND) {
            return Ok(response);
        }
        let body = response.text().await.unwrap_or_default();
        let hint = match status.as_u16() {
            401 | 403 => "; CLOUDFLARE_API_TOKEN needs the permission \"Workers Scripts: Edit\" on the account",
            404 => "; check --cloudflare-account and --worker-name (wrangler.toml's name)",
            _ => "",
        };
        anyhow::bail!("{what}: Cloudflare answered {status}: {body}{hint}")
    }
}

/// What a rotation needs.
pub struct Rotation<'a> {
    pub worker: &'a WorkerSecrets,
    pub github: &'a GitHubClient,
    pub hooks: &'a [Hook],
    /// The webhook URL, for the signed pings.
    pub worker_url: &'a str,
    /// How long both secrets stay accepted after GitHub switched.
    pub overlap: Duration,
    /// Longest wait for the Worker to apply a secret.
    pub propagation: Duration,
}

impl Rotation<'_> {
    /// Runs the six steps; progress on stderr. A Worker without a
    /// `WEBHOOK_SECRET` yet (a first deployment: it accepts nothing) gets
    /// the new secret as `WEBHOOK_SECRET` at once, then GitHub is switched.
    /// With `only_if_unset`, a Worker that has one is left alone.
    pub async fn run(&self, only_if_unset: bool) -> anyhow::Result<()> {
        let has_secret = self.worker.names().await?.iter().any(|n| n == CURRENT);
        if has_secret && only_if_unset {
            eprintln!("the Worker has a {CURRENT}; nothing to do (--only-if-unset)");
            return Ok(());
        }
        if !has_secret {
            return self.first_secret().await;
        }
        let secret = new_secret()?;
        self.worker.put(NEXT, &secret).await?;
        eprintln!("1/6 the Worker has a new {NEXT}");
        self.until_accepted(&secret).await?;
        eprintln!("2/6 the Worker accepts deliveries signed with it");
        self.switch_github(&secret).await?;
        eprintln!("3/6 GitHub signs with the new secret");
        eprintln!(
            "4/6 both secrets accepted for {}",
            humantime::format_duration(self.overlap)
        );
        tokio::time::sleep(self.overlap).await;
        self.worker.put(CURRENT, &secret).await?;
        self.worker.delete(NEXT).await?;
        eprintln!("5/6 the new secret is the Worker's {CURRENT}; {NEXT} deleted");
        self.until_accepted(&secret).await?;
        eprintln!(
            "6/6 the Worker accepts it; the old secret is refused once Cloudflare has applied \
             the deletion (seconds)"
        );
        Ok(())
    }

    async fn first_secret(&self) -> anyhow::Result<()> {
        let secret = new_secret()?;
        self.worker.put(CURRENT, &secret).await?;
        eprintln!("1/3 the Worker had no {CURRENT}; it has one now");
        self.until_accepted(&secret).await?;
        eprintln!("2/3 the Worker accepts deliveries signed with it");
        self.switch_github(&secret).await?;
        eprintln!("3/3 done");
        Ok(())
    }

    async fn switch_github(&self, secret: &SecretString) -> anyhow::Result<()> {
        for hook in self.hooks {
            self.github
                .set_hook_secret(hook, secret)
                .await
                .with_context(|| {
                    format!(
                        "switching {hook} to the new secret (the Worker accepts it: run again \
                         once fixed); the credentials need {}",
                        hook.permission()
                    )
                })?;
            eprintln!("    {hook} signs with the new secret");
        }
        Ok(())
    }

    /// Pings the Worker with a delivery signed with `secret` until it is
    /// accepted (the Worker answers `ping` only once the signature holds).
    async fn until_accepted(&self, secret: &SecretString) -> anyhow::Result<()> {
        let client = send::client()?;
        let started = Instant::now();
        loop {
            let ping = Delivery::signed(
                "ping",
                r#"{"zen":"hooklake: rotating the webhook secret","hook_id":0}"#,
                secret.expose_secret(),
                false,
            );
            let answer = send::post(&client, self.worker_url, &ping).await;
            match answer {
                Ok(answer) if (200..300).contains(&answer.status) => return Ok(()),
                Ok(answer) if started.elapsed() >= self.propagation => anyhow::bail!(
                    "the Worker at {} still answers {} {} to a ping signed with the new secret \
                     after {}; nothing was switched on GitHub's side past this step",
                    self.worker_url,
                    answer.status,
                    answer.body.trim(),
                    humantime::format_duration(self.propagation)
                ),
                Err(e) if started.elapsed() >= self.propagation => return Err(e),
                _ => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        }
    }
}

/// Points every hook at `url`, keeping the secret each signs with: the way
/// a webhook's URL changes in a hooklake deployment (scripts/deploy-worker.sh
/// after each deploy). Terraform's github provider would send the whole
/// configuration with the secret it holds, which is none (hooklake keeps the
/// secret out of Terraform), and GitHub would sign with nothing. A hook
/// already at `url` is left alone; one that has no secret after the change
/// is an error.
pub async fn point_hooks(github: &GitHubClient, hooks: &[Hook], url: &str) -> anyhow::Result<()> {
    for hook in hooks {
        let context = || {
            format!(
                "pointing {hook} at {url}; the credentials need {}",
                hook.permission()
            )
        };
        let before = github.hook_config(hook).await.with_context(context)?;
        if before.url.as_deref() == Some(url) {
            eprintln!("{hook} already posts to {url}");
            continue;
        }
        let after = github.set_hook_url(hook, url).await.with_context(context)?;
        if before.has_secret() && !after.has_secret() {
            anyhow::bail!(
                "{hook} lost its secret when its URL changed to {url}: GitHub now signs its \
                 deliveries with nothing and the Worker refuses them; run `hooklake \
                 rotate-secret` to give it one"
            );
        }
        eprintln!(
            "{hook} posts to {url} (was {}), still signed with its secret",
            before.url.as_deref().unwrap_or("no URL")
        );
    }
    Ok(())
}
