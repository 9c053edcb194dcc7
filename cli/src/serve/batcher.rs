//! Drains the durable queue into the lake, batch by batch, through the one
//! ingest pipeline (`hooklake_ingest::pipeline`).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hooklake_github::Enricher;
use hooklake_ingest::local::LocalLake;
use hooklake_ingest::metrics::batch_samples;
use hooklake_ingest::pipeline::{FailureKind, Message, NoPayloadStore, Pipeline};
use hooklake_ingest::policy::FlushPolicy;
use tokio::sync::watch;

use super::queue::{Batch, DurableQueue, QueueError};

/// How often the batcher looks at the queue.
const TICK: Duration = Duration::from_millis(200);
/// Pause after a failed write before trying the same batch again.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// What one flushed batch did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Flushed {
    pub rows: usize,
    pub files: usize,
    pub dead_letters: usize,
}

/// Where batches go: the lake, and GitHub for the changed files.
#[derive(Debug, Clone)]
pub struct Sink {
    pub lake: LocalLake,
    pub enricher: Arc<Enricher>,
    /// Time a batch may spend on enrichment before it is written anyway.
    pub enrich_budget: Duration,
    /// The last attempt to write the lake, for `/healthz`.
    pub health: Arc<Mutex<WriteHealth>>,
    /// Where each batch's figures go (`/metrics`).
    pub metrics: Arc<super::metrics::ServeMetrics>,
}

/// Whether the batcher can write the lake (why not is in the log).
#[derive(Debug, Default, Clone)]
pub struct WriteHealth {
    /// The last flush could not write the lake; false once one could.
    pub lake_unwritable: bool,
}

/// Writes one claimed batch to the lake, then removes it from the queue.
///
/// GitHub never holds a batch back: enrichment stops at the budget and
/// its faults become row statuses. Envelopes that cannot become rows are
/// kept as dead letters; they never block the rest of the batch. Only a
/// failed write keeps the batch claimed, to be retried (the same
/// deliveries give the same files, so nothing is duplicated).
pub async fn flush_batch(
    queue: &DurableQueue,
    sink: &Sink,
    batch: Batch,
) -> anyhow::Result<Flushed> {
    let reader = queue.clone();
    let claimed = batch.clone();
    let lines = tokio::task::spawn_blocking(move || reader.load(&claimed)).await??;
    let messages: Vec<Message> = lines
        .into_iter()
        .enumerate()
        .map(|(index, body)| Message {
            id: index.to_string(),
            body,
        })
        .collect();
    let started = Instant::now();
    let enrich_until = started + sink.enrich_budget;
    let pipeline = Pipeline {
        parallel: false,
        ..Pipeline::new(&sink.lake, &NoPayloadStore, &sink.enricher)
    };
    let report = pipeline.run(messages, enrich_until).await;
    sink.metrics
        .record(&batch_samples(&report, started.elapsed()));

    let write_failure = report.failed.iter().find(|f| f.kind == FailureKind::Write);
    if let Some(failure) = write_failure {
        let error = format!("cannot write the lake: {}", failure.reason);
        sink.health.lock().expect("health lock").lake_unwritable = true;
        anyhow::bail!(error);
    }
    sink.health.lock().expect("health lock").lake_unwritable = false;

    // Everything else that failed can never become a row here: keep it.
    let dead: Vec<(String, String)> = report
        .failed
        .iter()
        .filter_map(|f| {
            tracing::warn!(batch = %batch.id, error = %f.reason, "envelope cannot be ingested; kept as a dead letter");
            Some((f.message.clone()?, f.reason.clone()))
        })
        .collect();
    let flushed = Flushed {
        rows: report.rows,
        files: report.files.len(),
        dead_letters: dead.len(),
    };
    queue.complete(&batch, dead).await?;
    tracing::info!(
        batch = %batch.id,
        rows = flushed.rows,
        files = flushed.files,
        dead_letters = flushed.dead_letters,
        lookups = report.enrichment.lookups,
        enrichment = ?report.enrichment.statuses,
        "flushed batch to the lake"
    );
    Ok(flushed)
}

/// Flushes everything waiting, regardless of the policy.
pub async fn flush_all(
    queue: &DurableQueue,
    sink: &Sink,
    policy: FlushPolicy,
) -> anyhow::Result<Flushed> {
    let mut total = Flushed::default();
    while let Some(batch) = queue.claim(policy, true).await? {
        let f = flush_batch(queue, sink, batch).await?;
        total.rows += f.rows;
        total.files += f.files;
        total.dead_letters += f.dead_letters;
    }
    Ok(total)
}

/// Runs until `stop` turns true: flushes whenever the policy says a batch is
/// due, and between batches runs the lake's scheduled maintenance.
/// A failed write is retried (the batch stays claimed), never dropped.
pub async fn run(
    queue: DurableQueue,
    sink: Sink,
    policy: FlushPolicy,
    mut maintenance: Option<super::maintenance::Schedule>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow() {
            return;
        }
        let claimed: Result<Option<Batch>, QueueError> = queue.claim(policy, false).await;
        let pause = match claimed {
            Ok(Some(batch)) => match flush_batch(&queue, &sink, batch).await {
                Ok(_) => Duration::ZERO,
                Err(err) => {
                    tracing::error!(error = %format!("{err:#}"), "flush failed; the batch stays queued and will be retried");
                    RETRY_PAUSE
                }
            },
            // Nothing due: the lake's maintenance may take a partition.
            Ok(None) => match maintenance.as_mut().filter(|m| m.is_due()) {
                Some(schedule) => {
                    schedule
                        .step(&sink.lake, &sink.enricher, &sink.metrics)
                        .await;
                    Duration::ZERO
                }
                None => TICK,
            },
            Err(err) => {
                tracing::error!(error = %err, "cannot read the queue");
                RETRY_PAUSE
            }
        };
        if !pause.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = stop.changed() => {}
            }
        }
    }
}
