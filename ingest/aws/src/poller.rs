//! `hooklake ingest`: the batch handler in a long-polling loop, for running
//! on ECS, Kubernetes or a VM instead of Lambda.
//!
//! A message is deleted only after its row is in S3; a failed message is
//! left to reappear (rate-limited ones after GitHub's wait). Stopping
//! (SIGTERM) stops receiving, finishes the batch in hand, and exits.

use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::batch::{Ingestor, Message};
use crate::queue::{Queue, Received, MAX_BATCH};
use crate::AwsError;

/// How the poller gathers batches.
#[derive(Debug, Clone)]
pub struct PollerOptions {
    /// Most messages per batch (per Parquet write).
    pub batch_size: usize,
    /// Longest wait to fill a batch once its first message arrived.
    pub batch_window: Duration,
    /// Stop once the queue is empty (backfills, tests) instead of waiting.
    pub exit_when_empty: bool,
}

impl Default for PollerOptions {
    fn default() -> Self {
        PollerOptions {
            batch_size: 1000,
            batch_window: Duration::from_secs(10),
            exit_when_empty: false,
        }
    }
}

/// Totals of a poller run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PollStats {
    pub batches: usize,
    pub rows: usize,
    pub failed: usize,
}

/// Gathers one batch: long-polls until the first message, then fills up to
/// `batch_size` within `batch_window`. Returns early (possibly empty) on stop.
async fn gather(
    queue: &Queue,
    options: &PollerOptions,
    stop: &mut watch::Receiver<bool>,
) -> Result<Vec<Received>, AwsError> {
    let mut batch: Vec<Received> = Vec::new();
    let mut started: Option<Instant> = None;
    while batch.len() < options.batch_size && !*stop.borrow() {
        if started.is_some_and(|s| s.elapsed() >= options.batch_window) {
            break;
        }
        let wait = if batch.is_empty() && !options.exit_when_empty {
            Duration::from_secs(20)
        } else {
            Duration::from_secs(1)
        };
        let want = (options.batch_size - batch.len()).min(MAX_BATCH);
        let received = tokio::select! {
            received = queue.receive(want, wait, None) => received?,
            _ = stop.changed() => break,
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
    Ok(batch)
}

/// Runs until `stop` turns true (or, with `exit_when_empty`, the queue is empty).
pub async fn run(
    ingestor: &Ingestor,
    queue: &Queue,
    options: &PollerOptions,
    mut stop: watch::Receiver<bool>,
) -> Result<PollStats, AwsError> {
    let mut stats = PollStats::default();
    loop {
        let mut batch = gather(queue, options, &mut stop).await?;
        if batch.is_empty() {
            if *stop.borrow() || options.exit_when_empty {
                return Ok(stats);
            }
            continue;
        }
        // The bodies move into the batch; `batch` keeps ids and receipts.
        let messages: Vec<Message> = batch
            .iter_mut()
            .map(|m| Message {
                id: m.id.clone(),
                body: std::mem::take(&mut m.body),
            })
            .collect();
        let report = ingestor.process(messages).await;
        let failed = report.failed_ids();
        let done: Vec<&str> = batch
            .iter()
            .filter(|m| !failed.contains(m.id.as_str()))
            .map(|m| m.receipt.as_str())
            .collect();
        let delayed =
            report.delayed_receipts(batch.iter().map(|m| (m.id.as_str(), m.receipt.as_str())));
        queue.delete(&done).await?;
        if let Err(error) = queue.delay(&delayed).await {
            // Not fatal: the messages reappear after the queue's timeout.
            tracing::warn!(%error, "cannot extend the visibility of rate-limited messages");
        }
        stats.batches += 1;
        stats.rows += report.rows;
        stats.failed += report.failed.len();
        tracing::info!(
            messages = batch.len(),
            rows = report.rows,
            failed = report.failed.len(),
            objects = report.objects.len(),
            "batch written"
        );
        if *stop.borrow() {
            return Ok(stats);
        }
    }
}
