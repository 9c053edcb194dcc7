//! hooklake's Lambda: one binary, two jobs, picked by the function's
//! handler setting (`_HANDLER`, which the `provided.al2023` runtime sets
//! from it):
//!
//! - `bootstrap` (or anything else): [`ingest`], SQS batches → partitioned
//!   Parquet in S3.
//! - `compact`: [`compact`], the scheduled lake maintenance.
//! - `redeliver`: [`redeliver`], the scheduled redelivery of what GitHub
//!   failed to deliver (its settings are in the module).
//!
//! Thin shells: the Lambda runtime client (`lambda_runtime`) in,
//! `hooklake-aws` and `hooklake-maintain` in the middle. Settings
//! (environment):
//!
//! - `HOOKLAKE_LAKE`: the table location, `s3://bucket/prefix`.
//! - `HOOKLAKE_GITHUB_SECRET_ARN` (optional): Secrets Manager secret with
//!   the GitHub token or App credentials; read on first use, not at start,
//!   so cold starts stay short. Without it rows are written with
//!   `changed_files_status = no_credentials` (and compaction repairs none).
//! - `HOOKLAKE_GITHUB_API_URL` (optional): GitHub Enterprise Server's API.
//! - `HOOKLAKE_AWS_OPERATION_TIMEOUT`, `HOOKLAKE_AWS_ATTEMPT_TIMEOUT`,
//!   `HOOKLAKE_AWS_CONNECT_TIMEOUT` (optional): AWS SDK timeouts.
//! - ingest: `HOOKLAKE_ENRICH_MARGIN` (default 5s): time kept back from
//!   the invocation's deadline for encoding and putting; enrichment stops
//!   there, and rows it did not reach are written `pending`.
//! - compact: `HOOKLAKE_COMPACT_RECENT_DAYS` (default 7),
//!   `HOOKLAKE_COMPACT_MARGIN` (default 2m), `HOOKLAKE_COMPACT_TARGET_SIZE`
//!   (default 128MiB), `HOOKLAKE_COMPACT_MEMORY_LIMIT` (default 256MiB).

mod compact;
mod ingest;
mod redeliver;
mod settings;

use anyhow::Context;
use lambda_runtime::Error;

fn main() -> Result<(), Error> {
    // One arena: the batch's threads share what the previous batch freed.
    hooklake_ingest::alloc::tune_malloc_for_batches(true);
    // The CPU work (decoding, encoding) runs on rayon's pool, which
    // includes this thread: on N cores, N threads, not N + 1.
    rayon::ThreadPoolBuilder::new()
        .use_current_thread()
        .build_global()
        .context("cannot start the worker threads")?;
    // One thread for I/O: Lambda hands the function one event at a time,
    // and its S3 requests overlap as async I/O.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(run())
}

async fn run() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_target(false)
        .without_time() // CloudWatch stamps every line
        .init();
    match std::env::var("_HANDLER").as_deref() {
        // Needs no lake: its own settings.
        Ok("redeliver") => redeliver::run().await,
        Ok("compact") => compact::run(settings::Settings::from_env().await?).await,
        _ => ingest::run(settings::Settings::from_env().await?).await,
    }
}
