//! `hooklake compact`: rewrite partitions as few large files.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use hooklake::github::GitHubArgs;
use hooklake::maintain;

use super::args::{AnyLakeArg, SelectionArgs};

#[derive(Args)]
pub struct CompactArgs {
    #[command(flatten)]
    lake: AnyLakeArg,
    #[command(flatten)]
    select: SelectionArgs,
    /// Size of the files written, about (Athena reads files of 128 MB or more best).
    #[arg(long, default_value = "128MiB")]
    target_size: bytesize::ByteSize,
    /// Bytes of rows and encoded pages held at once (files close early past it).
    #[arg(long, default_value = "256MiB")]
    memory_limit: bytesize::ByteSize,
    /// Time the whole run may spend looking up changed files; rows not reached keep
    /// their status for the next run.
    #[arg(long, default_value = "10m", value_parser = humantime::parse_duration)]
    enrich_budget: Duration,
    /// Print the plan (files in and out, bytes, duplicates, rows to repair); change nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    github: GitHubArgs,
}

pub async fn run(args: CompactArgs) -> anyhow::Result<ExitCode> {
    let lake = hooklake::lake::Lake::open_existing(&args.lake.lake).await?;
    let request = maintain::CompactRequest {
        selection: args.select.selection()?,
        options: hooklake_maintain::compact::CompactOptions {
            target_file_bytes: args.target_size.as_u64().max(1),
            memory_limit: args.memory_limit.as_u64().max(1),
            enrich_until: std::time::Instant::now() + args.enrich_budget,
        },
        dry_run: args.dry_run,
    };
    let enricher = args.github.enricher().await?;
    if !maintain::compact(&lake, request, &enricher).await? {
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
