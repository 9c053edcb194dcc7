//! hooklake's ingest Lambda: SQS batches → partitioned Parquet in S3.
//!
//! A thin shell: the Lambda runtime client (`lambda_runtime`) in, the
//! batch handler of `hooklake-aws` in the middle, `ReportBatchItemFailures`
//! out. Settings (environment):
//!
//! - `HOOKLAKE_LAKE`: the table location, `s3://bucket/prefix`.
//! - `HOOKLAKE_GITHUB_SECRET_ARN` (optional): Secrets Manager secret with
//!   the GitHub token or App credentials; read on first use, not at start,
//!   so cold starts stay short. Without it rows are written with
//!   `changed_files_status = no_credentials`.
//! - `HOOKLAKE_GITHUB_API_URL` (optional): GitHub Enterprise Server's API.
//! - `HOOKLAKE_ENRICH_MARGIN` (optional, default 5s): time kept back from
//!   the invocation's deadline for encoding and putting; enrichment stops
//!   there, and rows it did not reach are written `pending`.
//! - `HOOKLAKE_AWS_OPERATION_TIMEOUT`, `HOOKLAKE_AWS_ATTEMPT_TIMEOUT`,
//!   `HOOKLAKE_AWS_CONNECT_TIMEOUT` (optional): AWS SDK timeouts.
//!
//! The function never waits on GitHub past its own deadline: it reads the
//! deadline from the invocation and no message fails for GitHub's sake.

use anyhow::Context;
use aws_lambda_events::event::sqs::SqsBatchResponse;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hooklake_aws::{Ingestor, Message, S3Lake};
use hooklake_github::{Enricher, GitHubClient, DEFAULT_API_URL};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde::Deserialize;
use tokio::sync::OnceCell;

/// The SQS event as Lambda delivers it, with only the fields this function
/// reads. (`aws_lambda_events`' `SqsEvent` also decodes every record's
/// attribute maps, a third of the decoding time of a 10,000-message event.)
#[derive(Debug, Deserialize)]
struct SqsBatch {
    #[serde(rename = "Records")]
    records: Vec<SqsRecord>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct SqsRecord {
    message_id: String,
    body: String,
}

struct State {
    config: aws_config::SdkConfig,
    lake_url: String,
    secret_arn: Option<String>,
    api_url: String,
    /// Kept back from the deadline for encoding and putting.
    enrich_margin: Duration,
    ingestor: OnceCell<Ingestor>,
}

impl State {
    /// The ingestor, built on the first batch (credentials included).
    async fn ingestor(&self) -> anyhow::Result<&Ingestor> {
        self.ingestor
            .get_or_try_init(|| async {
                let s3 = hooklake_aws::s3_client(&self.config);
                let lake = S3Lake::new(s3.clone(), &self.lake_url)?;
                let github = match &self.secret_arn {
                    Some(arn) => {
                        let credentials =
                            hooklake_aws::credentials::load(&self.config, arn).await?;
                        Some(GitHubClient::new(&self.api_url, credentials)?)
                    }
                    None => None,
                };
                anyhow::Ok(Ingestor::new(lake, s3, Enricher::new(github)))
            })
            .await
    }
}

/// When enrichment must stop: `margin` before the invocation's deadline
/// (milliseconds since the epoch, from the Runtime API), or at once if that
/// has passed.
fn enrich_until(deadline_ms: u64, margin: Duration) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let left = Duration::from_millis(deadline_ms.saturating_sub(now_ms));
    Instant::now() + left.saturating_sub(margin)
}

/// Kept back from the invocation's deadline to encode and put the batch.
const DEFAULT_ENRICH_MARGIN: Duration = Duration::from_secs(5);

async fn handle(state: &State, event: LambdaEvent<SqsBatch>) -> Result<SqsBatchResponse, Error> {
    let enrich_until = enrich_until(event.context.deadline, state.enrich_margin);
    let ingestor = state.ingestor().await?;
    let messages: Vec<Message> = event
        .payload
        .records
        .into_iter()
        .map(|r| Message {
            id: r.message_id,
            body: r.body,
        })
        .collect();
    let count = messages.len();
    let started = std::time::Instant::now();
    let report = ingestor.process(messages, enrich_until).await;
    let process_ms = started.elapsed().as_millis() as u64;
    for failure in &report.failed {
        tracing::warn!(message_id = %failure.message_id, kind = ?failure.kind, reason = %failure.reason, "message not written; SQS retries it");
    }
    tracing::info!(
        messages = count,
        rows = report.rows,
        failed = report.failed.len(),
        files = report.files.len(),
        lookups = report.enrichment.lookups,
        enrichment = ?report.enrichment.statuses,
        process_ms,
        "batch done"
    );
    let mut response = SqsBatchResponse::default();
    for failure in report.failed {
        response.add_failure(failure.message_id);
    }
    Ok(response)
}

fn main() -> Result<(), Error> {
    // One arena: the batch's threads share what the previous batch freed.
    hooklake_ingest::alloc::tune_malloc_for_batches(true);
    // The batch's CPU work (decoding, encoding) runs on rayon's pool, which
    // includes this thread: on N cores, N threads, not N + 1.
    rayon::ThreadPoolBuilder::new()
        .use_current_thread()
        .build_global()
        .context("cannot start the worker threads")?;
    // One thread for I/O: Lambda hands the function one batch at a time, and
    // the batch's S3 puts overlap as async I/O.
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
    let lake_url = std::env::var("HOOKLAKE_LAKE")
        .context("HOOKLAKE_LAKE is not set; set it to the table location, s3://BUCKET/PREFIX")?;
    let enrich_margin = match std::env::var("HOOKLAKE_ENRICH_MARGIN") {
        Ok(value) => humantime::parse_duration(value.trim()).with_context(|| {
            format!("HOOKLAKE_ENRICH_MARGIN={value:?} is not a duration; write it like 5s")
        })?,
        Err(_) => DEFAULT_ENRICH_MARGIN,
    };
    let state = State {
        config: hooklake_aws::load_config().await?,
        lake_url,
        secret_arn: std::env::var("HOOKLAKE_GITHUB_SECRET_ARN")
            .ok()
            .filter(|s| !s.is_empty()),
        api_url: std::env::var("HOOKLAKE_GITHUB_API_URL")
            .unwrap_or_else(|_| DEFAULT_API_URL.to_owned()),
        enrich_margin,
        ingestor: OnceCell::new(),
    };
    let state = &state;
    lambda_runtime::run(service_fn(move |event| handle(state, event))).await
}
