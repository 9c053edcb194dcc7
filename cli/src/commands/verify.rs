//! `hooklake verify`: the merged pull requests the lake misses (--repair: backfill them).

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use hooklake::github::GitHubArgs;

use super::args::{AnyLakeArg, RangeArgs};

#[derive(Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    range: RangeArgs,
    #[command(flatten)]
    lake: AnyLakeArg,
    /// Backfill the missing pull requests (then the exit status is 0 if all were written).
    #[arg(long)]
    repair: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: hooklake::maintain::StatusFormat,
    /// With --repair: time each batch of 100 may spend listing changed files.
    #[arg(long, default_value = "10m", value_parser = humantime::parse_duration)]
    enrich_budget: Duration,
    #[command(flatten)]
    github: GitHubArgs,
}

pub async fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let range = args.range.range()?;
    let lake = hooklake::lake::Lake::open(&args.lake.lake).await?;
    let enricher = args.github.enricher().await?;
    let options = hooklake_maintain::backfill::BackfillOptions {
        enrich_budget: args.enrich_budget,
    };
    let (report, repaired) = hooklake::backfill::verify(
        &enricher,
        &args.range.repo,
        range,
        &lake,
        args.repair,
        &options,
    )
    .await?;
    let complete = report.is_complete()
        || repaired
            .as_ref()
            .is_some_and(|r| r.written + r.gone.len() == report.missing.len());
    let both = serde_json::json!({"verify": &report, "repaired": &repaired});
    hooklake::backfill::print(&both, args.format, || {
        hooklake::backfill::render_verify(&report, repaired.as_ref())
    });
    if !complete {
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
