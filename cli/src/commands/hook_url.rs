//! `hooklake hook-url`: point the webhooks at a new URL, keeping their secret.

use std::process::ExitCode;

use clap::Args;
use hooklake::github::GitHubArgs;

#[derive(Args)]
pub struct HookUrlArgs {
    /// A hook to point: repo:OWNER/NAME:ID, org:ORG:ID or app; repeatable
    /// (terraform output webhook_hooks).
    #[arg(long = "hook", value_name = "HOOK", required = true)]
    hooks: Vec<hooklake_github::deliveries::Hook>,
    /// The webhook URL GitHub should post to (terraform output worker_url).
    #[arg(long, env = "HOOKLAKE_WEBHOOK_URL")]
    url: String,
    #[command(flatten)]
    github: GitHubArgs,
}

pub async fn run(args: HookUrlArgs) -> anyhow::Result<ExitCode> {
    let Some(github) = args.github.client().await? else {
        anyhow::bail!(
            "hook-url changes the hooks' URL on GitHub: set {} (or --github-credentials \
             FILE, --github-secret-arn ARN) to credentials with \"Webhooks: Read and write\"",
            hooklake::github::TOKEN_VAR
        );
    };
    hooklake::rotate::point_hooks(&github, &args.hooks, &args.url).await?;
    Ok(ExitCode::SUCCESS)
}
