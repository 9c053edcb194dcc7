//! `hooklake ingest`: the SQS poller into an S3 lake.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use hooklake::github::GitHubArgs;
#[cfg(feature = "aws")]
use hooklake::ingest;
#[cfg(feature = "aws")]
use hooklake_aws::poller::PollerOptions;

#[cfg(feature = "aws")]
#[derive(Args)]
pub struct IngestArgs {
    /// The delivery queue's URL (terraform output queue_url).
    #[arg(long, env = "HOOKLAKE_QUEUE_URL")]
    queue_url: String,
    /// The table location, s3://BUCKET/PREFIX (terraform output table_location).
    #[arg(long, env = "HOOKLAKE_LAKE")]
    lake: String,
    /// Most messages per batch (one Parquet object per partition per batch).
    #[arg(long, default_value_t = PollerOptions::default().batch_size)]
    batch_size: usize,
    /// Longest wait to fill a batch once its first message arrived.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    batch_window: Duration,
    /// Exit once the queue is empty instead of waiting for more (backfills).
    #[arg(long)]
    exit_when_empty: bool,
    /// Time a batch may spend looking up changed files; rows not reached are
    /// written 'pending' and repaired later. Keep it well below the queue's
    /// visibility timeout.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    enrich_budget: Duration,
    #[command(flatten)]
    github: GitHubArgs,
}

#[cfg(feature = "aws")]
pub async fn run(args: IngestArgs) -> anyhow::Result<ExitCode> {
    let options = PollerOptions {
        batch_size: args.batch_size.max(1),
        batch_window: args.batch_window,
        exit_when_empty: args.exit_when_empty,
        enrich_budget: args.enrich_budget,
        ..PollerOptions::default()
    };
    let enricher = args.github.enricher().await?;
    let stats = ingest::run(&args.queue_url, &args.lake, enricher, options).await?;
    eprintln!(
        "ingested {} row(s) in {} batch(es); {} message(s) failed and stay queued; {} SQS call(s) failed and were retried",
        stats.rows, stats.batches, stats.failed, stats.sqs_errors
    );
    Ok(ExitCode::SUCCESS)
}
