//! `hooklake rotate-secret`: a new webhook secret with no delivery refused.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use hooklake::github::GitHubArgs;

#[derive(Args)]
pub struct RotateSecretArgs {
    /// A hook to switch: repo:OWNER/NAME:ID, org:ORG:ID or app; repeatable, every hook
    /// that sends to the Worker (terraform output webhook_hooks).
    #[arg(long = "hook", value_name = "HOOK", required = true)]
    hooks: Vec<hooklake_github::deliveries::Hook>,
    /// The webhook URL GitHub posts to (terraform output webhook_url).
    #[arg(long, env = "HOOKLAKE_WEBHOOK_URL")]
    worker_url: String,
    /// The Cloudflare account the Worker is in.
    #[arg(long, env = "CLOUDFLARE_ACCOUNT_ID")]
    cloudflare_account: String,
    /// The Worker's name (wrangler.toml's `name`).
    #[arg(long, default_value = "hooklake-edge")]
    worker_name: String,
    /// How long both secrets stay accepted after GitHub switched: deliveries GitHub
    /// signed just before the switch are still on their way.
    #[arg(long, default_value = "2m", value_parser = humantime::parse_duration)]
    overlap: Duration,
    /// Longest wait for the Worker to apply a new secret.
    #[arg(long, default_value = "2m", value_parser = humantime::parse_duration)]
    propagation: Duration,
    /// Cloudflare's API (as for wrangler).
    #[arg(long, env = "CLOUDFLARE_API_BASE_URL", default_value = hooklake::rotate::CLOUDFLARE_API)]
    cloudflare_api_url: String,
    /// Only give a Worker without a WEBHOOK_SECRET its first one (the deploy workflow);
    /// leave a Worker that has one alone.
    #[arg(long)]
    only_if_unset: bool,
    #[command(flatten)]
    github: GitHubArgs,
}

pub async fn run(args: RotateSecretArgs) -> anyhow::Result<ExitCode> {
    let token = std::env::var("CLOUDFLARE_API_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .context(
            "rotate-secret changes the Worker's secrets through Cloudflare's API: set \
             CLOUDFLARE_API_TOKEN to a token with \"Workers Scripts: Edit\"",
        )?;
    let Some(github) = args.github.client().await? else {
        anyhow::bail!(
            "rotate-secret switches the hooks' secret on GitHub: set {} (or \
             --github-credentials FILE, --github-secret-arn ARN) to credentials with \
             \"Webhooks: Read and write\"",
            hooklake::github::TOKEN_VAR
        );
    };
    let worker = hooklake::rotate::WorkerSecrets::new(
        &args.cloudflare_api_url,
        &args.cloudflare_account,
        &args.worker_name,
        token.into(),
    )?;
    hooklake::rotate::Rotation {
        worker: &worker,
        github: &github,
        hooks: &args.hooks,
        worker_url: &args.worker_url,
        overlap: args.overlap,
        propagation: args.propagation,
    }
    .run(args.only_if_unset)
    .await?;
    Ok(ExitCode::SUCCESS)
}
