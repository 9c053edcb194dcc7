//! serve's scheduled lake maintenance (`--compact-every`). The batcher runs
//! it one partition at a time, only when no batch is due: it never runs
//! beside a flush, and a flush waits for one partition at most.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use hooklake_github::Enricher;
use hooklake_ingest::local::LocalLake;
use hooklake_maintain::compact::{
    compact_one, CompactOptions, CompactReport, LogProgress, DEFAULT_MEMORY_LIMIT,
    DEFAULT_TARGET_FILE_BYTES,
};
use hooklake_maintain::select::Selection;
use hooklake_schema::metrics::{Sample, FAILURES};

/// The first run comes this soon after start at the latest (serve may be
/// restarted more often than the interval).
const FIRST_RUN_AFTER: Duration = Duration::from_secs(60);

/// Time one partition's compaction may spend looking up changed files.
const ENRICH_BUDGET: Duration = Duration::from_secs(30);

/// When maintenance runs, and the partitions left in the current run.
#[derive(Debug)]
pub struct Schedule {
    every: Duration,
    next_run: Instant,
    pending: VecDeque<String>,
}

impl Schedule {
    /// Runs every `every`, the first within a minute of start.
    pub fn new(every: Duration) -> Self {
        Schedule {
            every,
            next_run: Instant::now() + every.min(FIRST_RUN_AFTER),
            pending: VecDeque::new(),
        }
    }

    /// Whether a partition waits, or a new run is due.
    pub fn is_due(&self) -> bool {
        !self.pending.is_empty() || Instant::now() >= self.next_run
    }

    /// Compacts the next partition of the run (starting a run if one is
    /// due). Failures are logged; the next run tries again.
    pub async fn step(
        &mut self,
        lake: &LocalLake,
        enricher: &Enricher,
        metrics: &super::metrics::ServeMetrics,
    ) {
        if self.pending.is_empty() {
            if Instant::now() < self.next_run {
                return;
            }
            self.next_run = Instant::now() + self.every;
            match hooklake_ingest::lake::LakeStore::partitions(lake).await {
                Ok(partitions) => self.pending = partitions.into(),
                Err(err) => {
                    tracing::error!(error = %err, "maintenance cannot list the lake; trying again at the next run");
                    return;
                }
            }
        }
        let Some(partition) = self.pending.pop_front() else {
            return;
        };
        let options = CompactOptions {
            target_file_bytes: DEFAULT_TARGET_FILE_BYTES,
            memory_limit: DEFAULT_MEMORY_LIMIT,
            enrich_until: Instant::now() + ENRICH_BUDGET,
        };
        // No partition named: only rewritten if it needs it (several
        // files, duplicates, rows to repair).
        let mut report = CompactReport::default();
        let step = compact_one(
            lake,
            &partition,
            &Selection::all(),
            Some(enricher),
            &options,
            &LogProgress,
            &mut report,
        )
        .await;
        metrics.record(&report.samples());
        if step.is_err() {
            metrics.record(&[Sample::labelled(&FAILURES, "compaction", 1.0)]);
        }
        match step {
            Ok(()) => {
                for bad in &report.bad_files {
                    tracing::error!(file = %bad.key, reason = %bad.reason, "unreadable lake file kept; its partition is not compacted");
                }
                // A failed partition: compact_one has logged it.
            }
            Err(err) => {
                tracing::error!(error = %err, "maintenance failed; trying again at the next run")
            }
        }
    }
}
