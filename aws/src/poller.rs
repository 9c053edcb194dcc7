//! `hooklake ingest`: the batch handler in a long-polling loop, for running
//! on ECS, Kubernetes or a VM instead of Lambda.
//!
//! A message is deleted only after its row is in S3; a failed message is
//! left to reappear after the queue's visibility timeout. SQS or S3 errors
//! never stop the loop: they are logged and retried with backoff, and a
//! message whose delete failed is simply received again and rewritten
//! (same deliveries, same object key). Stopping (SIGTERM) stops receiving,
//! finishes the batch in hand, and exits.

use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::emf::print_emf;
use hooklake_ingest::metrics::{batch_samples, oldest_message_age};

use crate::batch::Ingestor;
use crate::queue::{Queue, Received, MAX_BATCH};
use crate::Message;

/// How the poller gathers batches.
#[derive(Debug, Clone)]
pub struct PollerOptions {
    /// Most messages per batch (per Parquet write).
    pub batch_size: usize,
    /// Longest wait to fill a batch once its first message arrived.
    pub batch_window: Duration,
    /// Stop once the queue is empty (backfills, tests) instead of waiting.
    pub exit_when_empty: bool,
    /// Time a batch may spend on enrichment before its rows are written
    /// (the rest `pending`). Keep it well below the queue's visibility timeout.
    pub enrich_budget: Duration,
    /// Longest long poll; kept below the SDK's attempt timeout.
    pub long_poll: Duration,
}

impl Default for PollerOptions {
    fn default() -> Self {
        PollerOptions {
            batch_size: 1000,
            batch_window: Duration::from_secs(10),
            exit_when_empty: false,
            enrich_budget: Duration::from_secs(30),
            long_poll: Duration::from_secs(20),
        }
    }
}

/// Totals of a poller run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PollStats {
    pub batches: usize,
    pub rows: usize,
    pub failed: usize,
    /// SQS calls that failed (and were retried).
    pub sqs_errors: usize,
}

/// First pause after an SQS error; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Sleeps `pause`, or less if stopped; returns whether stopped.
async fn pause(pause: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(pause) => {}
        _ = stop.changed() => {}
    }
    *stop.borrow()
}

/// Gathers one batch: long-polls until the first message, then fills up to
/// `batch_size` within `batch_window`. Returns early (possibly empty) on
/// stop; an SQS error ends a batch that has messages, and is otherwise
/// retried after a backoff.
async fn gather(
    queue: &Queue,
    options: &PollerOptions,
    stop: &mut watch::Receiver<bool>,
    stats: &mut PollStats,
) -> Vec<Received> {
    let mut batch: Vec<Received> = Vec::new();
    let mut started: Option<Instant> = None;
    let mut backoff = FIRST_BACKOFF;
    while batch.len() < options.batch_size && !*stop.borrow() {
        if started.is_some_and(|s| s.elapsed() >= options.batch_window) {
            break;
        }
        let wait = if batch.is_empty() && !options.exit_when_empty {
            options.long_poll.min(Duration::from_secs(20))
        } else {
            Duration::from_secs(1)
        };
        let want = (options.batch_size - batch.len()).min(MAX_BATCH);
        let received = tokio::select! {
            received = queue.receive(want, wait, None) => received,
            _ = stop.changed() => break,
        };
        let received = match received {
            Ok(received) => {
                backoff = FIRST_BACKOFF;
                received
            }
            Err(error) => {
                stats.sqs_errors += 1;
                tracing::warn!(%error, retry_in_ms = backoff.as_millis() as u64, "cannot receive; retrying");
                if !batch.is_empty() || pause(backoff, stop).await {
                    break;
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        if received.is_empty() {
            if !batch.is_empty() || options.exit_when_empty {
                break;
            }
            continue;
        }
        started.get_or_insert_with(Instant::now);
        batch.extend(received);
    }
    batch
}

/// Deletes the done messages, retrying a failed call a few times; what
/// still fails is logged and reappears later (and is rewritten in place).
async fn delete_done(queue: &Queue, receipts: &[&str], stats: &mut PollStats) {
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=4 {
        match queue.delete(receipts).await {
            Ok(()) => return,
            Err(error) => {
                stats.sqs_errors += 1;
                tracing::warn!(%error, attempt, "cannot delete written messages; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
    tracing::error!(
        messages = receipts.len(),
        "gave up deleting written messages: they will be received again and rewritten to the same objects"
    );
}

/// Runs until `stop` turns true (or, with `exit_when_empty`, the queue is empty).
pub async fn run(
    ingestor: &Ingestor,
    queue: &Queue,
    options: &PollerOptions,
    mut stop: watch::Receiver<bool>,
) -> PollStats {
    let mut stats = PollStats::default();
    // The metrics' `source`: the queue's name.
    let source = format!(
        "poller:{}",
        queue.url().rsplit('/').next().unwrap_or_default()
    );
    loop {
        let mut batch = gather(queue, options, &mut stop, &mut stats).await;
        if batch.is_empty() {
            if *stop.borrow() || options.exit_when_empty {
                return stats;
            }
            continue;
        }
        let enrich_until = Instant::now() + options.enrich_budget;
        // The bodies move into the batch; `batch` keeps ids and receipts.
        let messages: Vec<Message> = batch
            .iter_mut()
            .map(|m| Message {
                id: m.id.clone(),
                body: std::mem::take(&mut m.body),
            })
            .collect();
        let started = Instant::now();
        let report = ingestor.process(messages, enrich_until).await;
        let mut samples = batch_samples(&report, started.elapsed());
        samples.extend(oldest_message_age(
            batch.iter().filter_map(|m| m.sent_at_ms),
            chrono::Utc::now().timestamp_millis(),
        ));
        print_emf(&samples, &source);
        let failed = report.failed_ids();
        let done: Vec<&str> = batch
            .iter()
            .filter(|m| !failed.contains(m.id.as_str()))
            .map(|m| m.receipt.as_str())
            .collect();
        delete_done(queue, &done, &mut stats).await;
        stats.batches += 1;
        stats.rows += report.rows;
        stats.failed += report.failed.len();
        for failure in &report.failed {
            tracing::warn!(message_id = %failure.message_id, delivery_id = failure.delivery_id.as_deref().unwrap_or("-"), kind = failure.kind.as_str(), reason = %failure.reason, "message not written; it stays queued");
        }
        tracing::info!(
            messages = batch.len(),
            rows = report.rows,
            failed = report.failed.len(),
            files = report.files.len(),
            lookups = report.enrichment.lookups,
            enrichment = ?report.enrichment.statuses,
            "batch written"
        );
        if *stop.borrow() {
            return stats;
        }
    }
}
