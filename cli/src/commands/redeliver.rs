//! `hooklake redeliver`: ask GitHub again for the deliveries it failed to make.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use hooklake::github::GitHubArgs;

#[derive(Args)]
pub struct RedeliverArgs {
    /// A repository's hook: OWNER/NAME (with --hook).
    #[arg(long, value_name = "OWNER/NAME", requires = "hook")]
    repo: Option<String>,
    /// An organization's hook (with --hook).
    #[arg(long, value_name = "ORG", requires = "hook")]
    org: Option<String>,
    /// The GitHub App's own webhook (App credentials: the log is read with its JWT).
    #[arg(long)]
    app: bool,
    /// The hook's id (`gh api repos/OWNER/NAME/hooks --jq '.[] | [.id, .config.url]'`).
    #[arg(long, value_name = "ID")]
    hook: Option<u64>,
    /// Where the watermark and the requests made are kept: a file, or s3://BUCKET/KEY
    /// [default: hooklake-redeliver-<hook>.json in the current directory].
    #[arg(long, env = "HOOKLAKE_REDELIVER_STATE", value_name = "FILE|S3_URL")]
    state: Option<String>,
    /// List what would be redelivered; ask for nothing, save nothing.
    #[arg(long)]
    dry_run: bool,
    /// Pause between two redelivery requests (GitHub's secondary rate limits weigh a
    /// POST more than a GET).
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    pace: Duration,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: hooklake::maintain::StatusFormat,
    #[command(flatten)]
    github: GitHubArgs,
}

impl RedeliverArgs {
    pub fn hook(&self) -> anyhow::Result<hooklake_github::deliveries::Hook> {
        use hooklake_github::deliveries::Hook;
        let id = self.hook.unwrap_or_default();
        Ok(match (&self.repo, &self.org) {
            (Some(repository), _) => {
                anyhow::ensure!(
                    repository.split('/').filter(|p| !p.is_empty()).count() == 2,
                    "--repo takes OWNER/NAME, e.g. --repo octo-org/octo-repo (got {repository:?})"
                );
                Hook::Repository {
                    repository: repository.clone(),
                    id,
                }
            }
            (None, Some(organization)) => Hook::Organization {
                organization: organization.clone(),
                id,
            },
            (None, None) => Hook::App,
        })
    }
}

pub async fn run(args: RedeliverArgs) -> anyhow::Result<ExitCode> {
    let options = hooklake_github::redeliver::RedeliverOptions {
        dry_run: args.dry_run,
        pace: args.pace,
    };
    let clean = hooklake::redeliver::run(
        &args.hook()?,
        args.state.as_deref(),
        &options,
        &args.github,
        args.format,
    )
    .await?;
    if !clean {
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
