//! Drains the durable queue into the lake, batch by batch.

use std::time::Duration;

use hooklake_github::{enrich_rows, GitHubClient, DEFAULT_CONCURRENCY};
use hooklake_ingest::local::LocalLake;
use hooklake_ingest::plan::plan_files;
use hooklake_ingest::policy::FlushPolicy;
use hooklake_ingest::rows::row_from_line;
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

/// Where batches go: the lake, and GitHub for the changed files (without
/// credentials rows say `no_credentials`).
#[derive(Debug, Clone)]
pub struct Sink {
    pub lake: LocalLake,
    pub github: Option<std::sync::Arc<GitHubClient>>,
}

/// Writes one claimed batch to the lake, then removes it from the queue.
/// Envelopes that cannot become rows are kept as dead letters; they never
/// block the rest of the batch. If GitHub cannot be asked now (rate limit,
/// outage), the whole batch stays claimed and is retried: never written
/// half-enriched, never dropped.
pub async fn flush_batch(
    queue: &DurableQueue,
    sink: &Sink,
    batch: Batch,
) -> anyhow::Result<Flushed> {
    let reader = queue.clone();
    let claimed = batch.clone();
    let (mut rows, dead) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let envelopes = reader.load(&claimed)?;
        let mut rows = Vec::with_capacity(envelopes.len());
        let mut dead = Vec::new();
        for line in envelopes {
            match row_from_line(&line) {
                Ok(row) => rows.push(row),
                Err(err) => {
                    tracing::warn!(batch = %claimed.id, error = %err, "envelope cannot be ingested; kept as a dead letter");
                    dead.push((line, err.to_string()));
                }
            }
        }
        Ok((rows, dead))
    })
    .await??;
    let enriched = enrich_rows(sink.github.as_deref(), &mut rows, DEFAULT_CONCURRENCY).await;
    if let Some(error) = enriched.into_iter().find_map(Result::err) {
        if let Some(wait) = error.retry_after() {
            tokio::time::sleep(wait.min(Duration::from_secs(60))).await;
        }
        anyhow::bail!("cannot list changed files: {error}");
    }
    let lake = sink.lake.clone();
    let claimed = batch.clone();
    let (files, rows) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let count = rows.len();
        let files = plan_files(&claimed.id, rows)?;
        for file in &files {
            lake.put(&file.key, &file.bytes)?;
        }
        Ok((files.len(), count))
    })
    .await??;
    let flushed = Flushed {
        rows,
        files,
        dead_letters: dead.len(),
    };
    queue.complete(&batch, dead).await?;
    tracing::info!(batch = %batch.id, rows, files, dead_letters = flushed.dead_letters, "flushed batch to the lake");
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

/// Runs until `stop` turns true: flushes whenever the policy says a batch is due.
/// A failed write is retried (the batch stays claimed), never dropped.
pub async fn run(
    queue: DurableQueue,
    sink: Sink,
    policy: FlushPolicy,
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
            Ok(None) => TICK,
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
