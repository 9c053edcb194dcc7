//! `hooklake backfill`: pull requests merged in a date range, from GitHub's API.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use hooklake::github::GitHubArgs;

use super::args::{AnyLakeArg, RangeArgs};

#[derive(Args)]
pub struct BackfillArgs {
    #[command(flatten)]
    range: RangeArgs,
    #[command(flatten)]
    lake: AnyLakeArg,
    /// Where the position is saved: a file, or s3://BUCKET/KEY
    /// [default: hooklake-backfill-<owner>-<name>.json in the current directory].
    #[arg(long, value_name = "FILE|S3_URL")]
    state: Option<String>,
    /// Send the deliveries to this SQS queue (the deployment's delivery queue) instead
    /// of writing the lake: its ingest writes and enriches them like any delivery.
    /// --lake still says which lake holds the pull requests to leave alone.
    #[arg(long, value_name = "URL")]
    queue_url: Option<String>,
    /// Time each batch of 100 may spend listing changed files (waiting out rate limits);
    /// rows not reached are written with a repairable status that `compact` fills in.
    #[arg(long, default_value = "10m", value_parser = humantime::parse_duration)]
    enrich_budget: Duration,
    /// Output format of the closing report.
    #[arg(long, value_enum, default_value = "text")]
    format: hooklake::maintain::StatusFormat,
    #[command(flatten)]
    github: GitHubArgs,
}

pub async fn run(args: BackfillArgs) -> anyhow::Result<ExitCode> {
    let range = args.range.range()?;
    let lake = hooklake::lake::Lake::open(&args.lake.lake).await?;
    let enricher = args.github.enricher().await?;
    let options = hooklake_maintain::backfill::BackfillOptions {
        enrich_budget: args.enrich_budget,
    };
    let job = hooklake_maintain::backfill::Backfill {
        enricher: &enricher,
        repository: &args.range.repo,
        range,
        options,
    };
    let report = hooklake::backfill::backfill(
        &job,
        &lake,
        args.queue_url.as_deref(),
        args.state.as_deref(),
    )
    .await?;
    hooklake::backfill::print(&report, args.format, || {
        format!(
            "{}: {} pull requests merged from {} to {} not yet in the lake ({} already were); \
             {} rows written and {} deliveries queued by this run ({} gone from GitHub, {} without \
             changed files yet: `hooklake compact` fills them in); {} GitHub requests\n",
            args.range.repo,
            report.merged,
            range.since,
            range.until,
            report.already_in_lake,
            report.written,
            report.queued,
            report.gone.len(),
            report.not_enriched,
            report.github_requests
        )
    });
    Ok(ExitCode::SUCCESS)
}
