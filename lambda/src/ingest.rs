//! The ingest job: an SQS batch in, partitioned Parquet out,
//! `ReportBatchItemFailures` back.
//!
//! It never waits on GitHub past its own deadline: it reads the deadline
//! from the invocation and no message fails for GitHub's sake.

use std::time::Duration;

use aws_lambda_events::event::sqs::SqsBatchResponse;
use hooklake_aws::emf::print_emf;
use hooklake_aws::{Ingestor, Message};
use hooklake_ingest::metrics::{batch_samples, oldest_message_age};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde::Deserialize;
use tokio::sync::OnceCell;

use crate::settings::{before_deadline, duration_var, Settings};

/// Kept back from the invocation's deadline to encode and put the batch
/// (`HOOKLAKE_ENRICH_MARGIN`).
const DEFAULT_ENRICH_MARGIN: Duration = Duration::from_secs(5);

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
    attributes: SqsAttributes,
}

/// The one attribute read: when SQS got the message, for the queue-age metric.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SqsAttributes {
    #[serde(rename = "SentTimestamp")]
    sent_timestamp: Option<String>,
}

struct State {
    settings: Settings,
    /// The function's name: the metrics' `source` dimension.
    source: String,
    enrich_margin: Duration,
    ingestor: OnceCell<Ingestor>,
}

impl State {
    /// The ingestor, built on the first batch (credentials included).
    async fn ingestor(&self) -> anyhow::Result<&Ingestor> {
        self.ingestor
            .get_or_try_init(|| async {
                let (lake, s3) = self.settings.lake()?;
                anyhow::Ok(Ingestor::new(lake, s3, self.settings.enricher().await?))
            })
            .await
    }
}

async fn handle(state: &State, event: LambdaEvent<SqsBatch>) -> Result<SqsBatchResponse, Error> {
    let enrich_until = before_deadline(event.context.deadline, state.enrich_margin);
    let ingestor = state.ingestor().await?;
    let oldest_age = oldest_message_age(
        event
            .payload
            .records
            .iter()
            .filter_map(|r| r.attributes.sent_timestamp.as_deref()?.parse().ok()),
        chrono::Utc::now().timestamp_millis(),
    );
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
        tracing::warn!(message_id = %failure.message_id, delivery_id = failure.delivery_id.as_deref().unwrap_or("-"), kind = failure.kind.as_str(), reason = %failure.reason, "message not written; SQS retries it");
    }
    let mut samples = batch_samples(&report, started.elapsed());
    samples.extend(oldest_age);
    print_emf(&samples, &state.source);
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

pub async fn run(settings: Settings) -> Result<(), Error> {
    let state = State {
        settings,
        source: crate::settings::metrics_source(),
        enrich_margin: duration_var("HOOKLAKE_ENRICH_MARGIN", DEFAULT_ENRICH_MARGIN)?,
        ingestor: OnceCell::new(),
    };
    let state = &state;
    lambda_runtime::run(service_fn(move |event| handle(state, event))).await
}
