//! `hooklake status`: what the lake holds, or where one delivery is.

use std::process::ExitCode;

use clap::Args;
use hooklake::maintain;

use super::args::{AnyLakeArg, SelectionArgs};

#[derive(Args)]
pub struct StatusArgs {
    #[command(flatten)]
    lake: AnyLakeArg,
    #[command(flatten)]
    select: SelectionArgs,
    /// Files below this size, in partitions of several files, count as small.
    #[arg(long, default_value = "128MiB")]
    small_below: bytesize::ByteSize,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: hooklake::maintain::StatusFormat,
    /// Trace one delivery by its GitHub delivery id (the X-GitHub-Delivery
    /// header; GitHub's "Recent Deliveries" lists it). Exit status 1 when it
    /// is neither queued nor in the lake.
    #[arg(long, value_name = "ID")]
    delivery: Option<String>,
    /// serve's queue file, for --delivery on a local lake (default: the one
    /// serve uses inside the lake).
    #[arg(long, value_name = "FILE")]
    queue: Option<std::path::PathBuf>,
}

pub async fn run(args: StatusArgs) -> anyhow::Result<ExitCode> {
    if args.delivery.is_some() {
        let lake = hooklake::lake::Lake::open(&args.lake.lake).await?;
        let queue = match (&lake, args.queue) {
            (_, Some(queue)) => Some(queue),
            (hooklake::lake::Lake::Local(_), None) => Some(hooklake::serve::default_queue_path(
                std::path::Path::new(&args.lake.lake),
            )),
            #[cfg(feature = "aws")]
            (hooklake::lake::Lake::S3(_), None) => None,
        };
        let found = maintain::delivery_status(
            &lake,
            &args.select.selection()?,
            args.delivery.as_deref().unwrap_or_default(),
            queue.as_deref(),
            args.format,
        )
        .await?;
        if !found {
            return Ok(ExitCode::FAILURE);
        }
    } else {
        let lake = hooklake::lake::Lake::open_existing(&args.lake.lake).await?;
        let clean = maintain::status(
            &lake,
            &args.select.selection()?,
            args.small_below.as_u64(),
            args.format,
        )
        .await?;
        if !clean {
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}
