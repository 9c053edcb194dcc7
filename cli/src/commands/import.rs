//! `hooklake import`: files of envelopes into a lake (a directory or s3://).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use hooklake::import;
use hooklake_ingest::lake::LakeStore;

use super::args::AnyLakeArg;

#[derive(Args)]
pub struct ImportArgs {
    /// Files of envelopes, one per line; `-` reads standard input.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    lake: AnyLakeArg,
    /// Rows per Parquet file (per partition) at most.
    #[arg(long, default_value_t = 100_000)]
    max_rows_per_file: usize,
    /// Bytes held in memory by the open files of all partitions together (rows
    /// waiting to be encoded, encoded row groups not yet written); past it the
    /// largest file is written out. Bounds memory whatever the input's size
    /// (e.g. 256MiB, 1GiB). Rows wait in up to a quarter of it: more makes
    /// bigger row groups when many partitions are open.
    #[arg(long, default_value = "256MiB")]
    memory_limit: bytesize::ByteSize,
}

pub async fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let lake = hooklake::lake::Lake::open(&args.lake.lake).await?;
    let limits = hooklake_ingest::stream::WriterLimits {
        max_rows_per_file: args.max_rows_per_file.max(1),
        memory_limit: args.memory_limit.as_u64().try_into().unwrap_or(usize::MAX),
        ..Default::default()
    };
    let location = lake.location();
    let files = args.files.clone();
    let report =
        tokio::task::spawn_blocking(move || import::import(&lake, &files, limits)).await??;
    for failure in &report.failed {
        eprintln!("error: {failure}");
    }
    eprintln!(
        "imported {} row(s) into {} file(s) in {}; {} line(s) failed",
        report.rows,
        report.files_written,
        location,
        report.failed.len()
    );
    if !report.failed.is_empty() {
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
