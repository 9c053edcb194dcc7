//! serve's scheduled lake maintenance (`--compact-every`): the compaction
//! driver (`hooklake_maintain::driver`) with the scheduled policy, as the
//! Lambda runs it. The batcher takes one step, one partition, only when no
//! batch is due: it never runs beside a flush, and a flush waits for one
//! partition at most.

use std::time::{Duration, Instant};

use hooklake_github::Enricher;
use hooklake_ingest::local::LocalLake;
use hooklake_maintain::compact::{
    CompactOptions, LogProgress, DEFAULT_MEMORY_LIMIT, DEFAULT_TARGET_FILE_BYTES,
};
use hooklake_maintain::driver::{Driver, Policy, DEFAULT_RECENT_DAYS};
use hooklake_schema::metrics::{Sample, FAILURES};

/// The first run comes this soon after start at the latest (serve may be
/// restarted more often than the interval).
const FIRST_RUN_AFTER: Duration = Duration::from_secs(60);

/// Time one partition's compaction may spend looking up changed files.
const ENRICH_BUDGET: Duration = Duration::from_secs(30);

/// When maintenance runs, and the run in progress.
#[derive(Debug)]
pub struct Schedule {
    every: Duration,
    next_run: Instant,
    run: Option<Driver>,
}

impl Schedule {
    /// Runs every `every`, the first within a minute of start.
    pub fn new(every: Duration) -> Self {
        Schedule {
            every,
            next_run: Instant::now() + every.min(FIRST_RUN_AFTER),
            run: None,
        }
    }

    /// Whether a partition waits, or a new run is due.
    pub fn is_due(&self) -> bool {
        self.run.is_some() || Instant::now() >= self.next_run
    }

    /// Compacts the next partition of the run (starting a run if one is
    /// due). Failures are logged; the next run tries again.
    pub async fn step(
        &mut self,
        lake: &LocalLake,
        enricher: &Enricher,
        metrics: &super::metrics::ServeMetrics,
    ) {
        if self.run.is_none() {
            if Instant::now() < self.next_run {
                return;
            }
            self.next_run = Instant::now() + self.every;
            let policy = Policy::Scheduled {
                today: chrono::Utc::now().date_naive(),
                recent_days: DEFAULT_RECENT_DAYS,
            };
            match Driver::start(lake, &policy).await {
                Ok(driver) => self.run = Some(driver),
                Err(err) => {
                    tracing::error!(error = %err, "maintenance cannot list the lake; trying again at the next run");
                    return;
                }
            }
        }
        let Some(driver) = self.run.as_mut() else {
            return;
        };
        let options = CompactOptions {
            target_file_bytes: DEFAULT_TARGET_FILE_BYTES,
            memory_limit: DEFAULT_MEMORY_LIMIT,
            enrich_until: Instant::now() + ENRICH_BUDGET,
        };
        let step = driver
            .step(lake, Some(enricher), &options, &LogProgress)
            .await;
        let done = driver.is_done();
        if step.is_err() || done {
            let report = self
                .run
                .take()
                .map(Driver::finish)
                .unwrap_or_default()
                .report;
            metrics.record(&report.samples());
            for bad in &report.bad_files {
                tracing::error!(file = %bad.key, reason = %bad.reason, "unreadable lake file kept; its partition is not compacted");
            }
        }
        if let Err(err) = step {
            metrics.record(&[Sample::labelled(&FAILURES, "compaction", 1.0)]);
            tracing::error!(error = %err, "maintenance failed; trying again at the next run");
        }
    }
}
