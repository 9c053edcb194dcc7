//! `GET /repos/{owner}/{repo}/pulls/{number}/files`, every page.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hooklake_schema::row::{ChangedFiles, ChangedFilesStatus, PullRequestRow};
use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, LINK, USER_AGENT};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::auth::{app_jwt, CachedToken, Credentials, TokenCache};
use crate::deliveries::{self, Hook, HookDelivery};
use crate::files::{changed_files, next_link, PullFile, MAX_LISTED_FILES, PER_PAGE};
use crate::pulls;
use crate::rate::rate_limited;
use crate::GitHubError;

/// GitHub's REST API.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// The REST API version hooklake is written against.
const API_VERSION: &str = "2022-11-28";

/// What GitHub says a merged pull request changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enrichment {
    /// Every file.
    Complete(ChangedFiles),
    /// The first 3,000 files: GitHub lists no more.
    Truncated(ChangedFiles),
    /// The repository or pull request is gone (deleted, or no longer visible).
    NotFound,
}

impl Enrichment {
    /// Writes this into a row's `changed_files` and its status.
    pub fn apply(self, row: &mut PullRequestRow) {
        let (files, status) = match self {
            Enrichment::Complete(files) => (Some(files), ChangedFilesStatus::Complete),
            Enrichment::Truncated(files) => (Some(files), ChangedFilesStatus::Truncated),
            Enrichment::NotFound => (None, ChangedFilesStatus::NotFound),
        };
        row.changed_files = files;
        row.changed_files_status = status;
    }
}

/// A GitHub REST client for one set of credentials.
#[derive(Debug)]
pub struct GitHubClient {
    http: reqwest::Client,
    api_url: String,
    credentials: Credentials,
    tokens: TokenCache,
    /// One token exchange at a time: concurrent lookups wait for it
    /// instead of each asking GitHub for its own token.
    exchange: tokio::sync::Mutex<()>,
    /// `x-ratelimit-remaining` of GitHub's last answer; -1 before one.
    rate_limit_remaining: std::sync::atomic::AtomicI64,
}

#[derive(Deserialize)]
struct InstallationToken {
    token: String,
    expires_at: DateTime<Utc>,
}

impl GitHubClient {
    /// A client for `api_url` (normally [`DEFAULT_API_URL`]; GitHub
    /// Enterprise Server: `https://HOST/api/v3`).
    pub fn new(api_url: &str, credentials: Credentials) -> Result<Self, GitHubError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| GitHubError::Transport {
                url: api_url.into(),
                message: e.to_string(),
            })?;
        Ok(GitHubClient {
            http,
            api_url: api_url.trim_end_matches('/').to_owned(),
            credentials,
            tokens: TokenCache::default(),
            exchange: tokio::sync::Mutex::new(()),
            rate_limit_remaining: std::sync::atomic::AtomicI64::new(-1),
        })
    }

    /// Requests left in GitHub's rate limit, as its last answer said.
    pub fn rate_limit_remaining(&self) -> Option<u64> {
        u64::try_from(
            self.rate_limit_remaining
                .load(std::sync::atomic::Ordering::Relaxed),
        )
        .ok()
    }

    /// [`check`], noting the rate limit GitHub reports on every answer.
    async fn check(
        &self,
        response: reqwest::Response,
        url: &str,
    ) -> Result<reqwest::Response, GitHubError> {
        let remaining = response
            .headers()
            .get("x-ratelimit-remaining")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok());
        if let Some(remaining) = remaining {
            self.rate_limit_remaining
                .store(remaining, std::sync::atomic::Ordering::Relaxed);
        }
        check(response, url).await
    }

    fn request(&self, method: reqwest::Method, url: &str, bearer: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, url)
            .header(ACCEPT, "application/vnd.github+json")
            .header("X-GitHub-Api-Version", API_VERSION)
            .header(USER_AGENT, concat!("hooklake/", env!("CARGO_PKG_VERSION")))
            .header(AUTHORIZATION, format!("Bearer {bearer}"))
    }

    /// Sends a request and maps a non-2xx answer to its error.
    async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        bearer: &str,
    ) -> Result<reqwest::Response, GitHubError> {
        let response = self
            .request(method, url, bearer)
            .send()
            .await
            .map_err(|e| transport(url, e))?;
        self.check(response, url).await
    }

    /// The bearer token for API calls: the token itself, or a cached (or
    /// freshly exchanged) installation token.
    async fn bearer(&self) -> Result<String, GitHubError> {
        let (app_id, installation_id, key) = match &self.credentials {
            Credentials::Token(token) => return Ok(token.clone()),
            Credentials::App {
                app_id,
                installation_id,
                private_key_pem,
            } => (*app_id, *installation_id, private_key_pem),
        };
        if let Some(token) = self.tokens.get(Utc::now()) {
            return Ok(token);
        }
        let _exchanging = self.exchange.lock().await;
        let now = Utc::now();
        if let Some(token) = self.tokens.get(now) {
            return Ok(token); // another lookup exchanged it while this one waited
        }
        let jwt = app_jwt(app_id, key, now)?;
        let url = format!(
            "{}/app/installations/{installation_id}/access_tokens",
            self.api_url
        );
        let response = self
            .request(reqwest::Method::POST, &url, &jwt)
            .send()
            .await
            .map_err(|e| transport(&url, e))?;
        let response = self.check(response, &url).await?;
        let token: InstallationToken = response.json().await.map_err(|e| transport(&url, e))?;
        self.tokens.put(CachedToken {
            token: token.token.clone().into(),
            expires_at: token.expires_at,
        });
        Ok(token.token)
    }

    /// Every file of pull request `number` in `repository` (`owner/name`).
    /// `expected` is the payload's `changed_files` count, if known: fewer
    /// listed than that means GitHub truncated the list.
    pub async fn changed_files(
        &self,
        repository: &str,
        number: i64,
        expected: Option<i64>,
    ) -> Result<Enrichment, GitHubError> {
        let bearer = self.bearer().await?;
        let mut url = format!(
            "{}/repos/{repository}/pulls/{number}/files?per_page={PER_PAGE}",
            self.api_url
        );
        let mut files: Vec<PullFile> = Vec::new();
        loop {
            let response = self
                .request(reqwest::Method::GET, &url, &bearer)
                .send()
                .await
                .map_err(|e| transport(&url, e))?;
            if response.status() == reqwest::StatusCode::NOT_FOUND
                || response.status() == reqwest::StatusCode::GONE
            {
                return Ok(Enrichment::NotFound);
            }
            let response = self.check(response, &url).await?;
            let next = link_next(response.headers());
            let page: Vec<PullFile> =
                response.json().await.map_err(|e| GitHubError::Unexpected {
                    status: 200,
                    url: url.clone(),
                    message: format!("not a file list: {e}"),
                })?;
            let empty = page.is_empty();
            files.extend(page);
            match next {
                Some(next) if !empty && files.len() < MAX_LISTED_FILES => url = next,
                _ => break,
            }
        }
        let truncated =
            files.len() >= MAX_LISTED_FILES || expected.is_some_and(|n| n > files.len() as i64);
        let changed = changed_files(&files);
        Ok(if truncated {
            Enrichment::Truncated(changed)
        } else {
            Enrichment::Complete(changed)
        })
    }
}

impl GitHubClient {
    /// The bearer for a hook's log: the App's own JWT for [`Hook::App`],
    /// the usual token otherwise.
    async fn hook_bearer(&self, hook: &Hook) -> Result<String, GitHubError> {
        match (hook, &self.credentials) {
            (
                Hook::App,
                Credentials::App {
                    app_id,
                    private_key_pem,
                    ..
                },
            ) => app_jwt(*app_id, private_key_pem, Utc::now()),
            (Hook::App, Credentials::Token(_)) => Err(GitHubError::BadCredentials(
                "the App's webhook log is read with the App's own JWT: give App credentials \
                 (app_id, installation_id, private_key), not a token"
                    .into(),
            )),
            _ => self.bearer().await,
        }
    }

    /// One page of `hook`'s delivery log, newest first, and the URL of the
    /// next (older) page. `next` is the URL a previous page returned; `None`
    /// starts at the newest delivery.
    pub async fn deliveries_page(
        &self,
        hook: &Hook,
        next: Option<&str>,
    ) -> Result<(Vec<HookDelivery>, Option<String>), GitHubError> {
        let url = next.map(str::to_owned).unwrap_or_else(|| {
            format!(
                "{}{}?per_page={}",
                self.api_url,
                hook.deliveries_path(),
                deliveries::PER_PAGE
            )
        });
        let bearer = self.hook_bearer(hook).await?;
        let response = self.send(reqwest::Method::GET, &url, &bearer).await?;
        let next = link_next(response.headers());
        let page: Vec<HookDelivery> =
            response.json().await.map_err(|e| GitHubError::Unexpected {
                status: 200,
                url: url.clone(),
                message: format!("not a list of deliveries: {e}"),
            })?;
        Ok((page, next))
    }

    /// Asks GitHub to send delivery `id` (an attempt's `id`, not its guid)
    /// of `hook` again. GitHub answers 202 and logs the new attempt under
    /// the same guid.
    pub async fn redeliver(&self, hook: &Hook, id: u64) -> Result<(), GitHubError> {
        let url = format!("{}{}/{id}/attempts", self.api_url, hook.deliveries_path());
        let bearer = self.hook_bearer(hook).await?;
        self.send(reqwest::Method::POST, &url, &bearer)
            .await
            .map(drop)
    }
}

impl GitHubClient {
    /// Sets the secret GitHub signs `hook`'s deliveries with ("Update a
    /// webhook configuration": only `secret` is sent, so the URL and content
    /// type stay as they are). Every delivery GitHub sends after the answer
    /// is signed with it.
    pub async fn set_hook_secret(
        &self,
        hook: &Hook,
        secret: &SecretString,
    ) -> Result<(), GitHubError> {
        let update = serde_json::json!({ "secret": secret.expose_secret() });
        self.hook_config_request(hook, Some(update)).await.map(drop)
    }

    /// Points `hook` at `url` ("Update a webhook configuration": only `url`
    /// is sent, so the secret GitHub signs with stays as it is, unlike an
    /// update that sends the whole configuration) and returns the
    /// configuration GitHub answers.
    pub async fn set_hook_url(&self, hook: &Hook, url: &str) -> Result<HookConfig, GitHubError> {
        self.hook_config_request(hook, Some(serde_json::json!({ "url": url })))
            .await
    }

    /// `hook`'s configuration as GitHub answers it (a set secret reads
    /// `********`).
    pub async fn hook_config(&self, hook: &Hook) -> Result<HookConfig, GitHubError> {
        self.hook_config_request(hook, None).await
    }

    /// `GET` `hook`'s configuration, or `PATCH` it with `update` (only the
    /// fields sent change), and the configuration GitHub answers.
    async fn hook_config_request(
        &self,
        hook: &Hook,
        update: Option<serde_json::Value>,
    ) -> Result<HookConfig, GitHubError> {
        let url = format!("{}{}", self.api_url, hook.config_path());
        let bearer = self.hook_bearer(hook).await?;
        let request = match update {
            Some(update) => self
                .request(reqwest::Method::PATCH, &url, &bearer)
                .json(&update),
            None => self.request(reqwest::Method::GET, &url, &bearer),
        };
        let response = request.send().await.map_err(|e| transport(&url, e))?;
        let response = self.check(response, &url).await?;
        response.json().await.map_err(|e| GitHubError::Unexpected {
            status: 200,
            url: url.clone(),
            message: format!("not a webhook configuration: {e}"),
        })
    }
}

/// A webhook's configuration, the fields hooklake reads (GitHub's
/// `webhook-config`).
#[derive(Debug, Clone, Deserialize)]
pub struct HookConfig {
    /// Where GitHub posts deliveries.
    #[serde(default)]
    pub url: Option<String>,
    /// `********` when a secret is set; absent or empty when none is.
    #[serde(default)]
    pub secret: Option<String>,
}

impl HookConfig {
    /// Whether GitHub signs this hook's deliveries.
    pub fn has_secret(&self) -> bool {
        self.secret.as_deref().is_some_and(|s| !s.is_empty())
    }
}

impl GitHubClient {
    /// One page of `repository`'s closed pull requests, oldest created
    /// first (an order new pull requests do not disturb), and the next page's URL (`next` from the previous page;
    /// `None` starts at the first).
    pub async fn closed_pulls_page(
        &self,
        repository: &str,
        next: Option<&str>,
    ) -> Result<(Vec<pulls::ClosedPull>, Option<String>), GitHubError> {
        let url = next.map(str::to_owned).unwrap_or_else(|| {
            format!(
                "{}/repos/{repository}/pulls?state=closed&sort=created&direction=asc&per_page={}",
                self.api_url,
                pulls::PER_PAGE
            )
        });
        let bearer = self.bearer().await?;
        let response = self.send(reqwest::Method::GET, &url, &bearer).await?;
        let next = link_next(response.headers());
        let page = response.json().await.map_err(|e| GitHubError::Unexpected {
            status: 200,
            url: url.clone(),
            message: format!("not a list of pull requests: {e}"),
        })?;
        Ok((page, next))
    }

    /// The full pull request object (what a webhook carries as
    /// `pull_request`); `None` if GitHub no longer has it.
    pub async fn pull(
        &self,
        repository: &str,
        number: i64,
    ) -> Result<Option<serde_json::Value>, GitHubError> {
        let url = format!("{}/repos/{repository}/pulls/{number}", self.api_url);
        let bearer = self.bearer().await?;
        match self.send(reqwest::Method::GET, &url, &bearer).await {
            Ok(response) => response
                .json()
                .await
                .map(Some)
                .map_err(|e| GitHubError::Unexpected {
                    status: 200,
                    url,
                    message: format!("not a pull request: {e}"),
                }),
            Err(GitHubError::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }
}

fn link_next(headers: &HeaderMap) -> Option<String> {
    headers
        .get(LINK)
        .and_then(|v| v.to_str().ok())
        .and_then(next_link)
}

fn transport(url: &str, error: reqwest::Error) -> GitHubError {
    GitHubError::Transport {
        url: url.to_owned(),
        message: error.to_string(),
    }
}

/// Maps a non-2xx answer to its error (rate limits first).
async fn check(response: reqwest::Response, url: &str) -> Result<reqwest::Response, GitHubError> {
    let status = response.status().as_u16();
    if response.status().is_success() {
        return Ok(response);
    }
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let now = Utc::now().timestamp().max(0) as u64;
    if let Some(retry_after) = rate_limited(status, &header, now, &body) {
        return Err(GitHubError::RateLimited { retry_after });
    }
    let message: String = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| body.chars().take(200).collect());
    let url = url.to_owned();
    Err(match status {
        401 | 403 => GitHubError::Auth {
            status,
            url,
            message,
        },
        404 => GitHubError::NotFound { url },
        500..=599 => GitHubError::Server { status, url },
        _ => GitHubError::Unexpected {
            status,
            url,
            message,
        },
    })
}
