//! The compaction job, on a schedule (EventBridge): the lake's recent
//! partitions and any older one of several files, each rewritten as few
//! files as the target size allows, one row per delivery, rows without
//! their changed files looked up again. The same code as `hooklake
//! compact` (`hooklake-maintain`), crash-safe at every step, so a run cut
//! off by the function's timeout loses nothing.
//!
//! The event is EventBridge's scheduled event (its `time` says which day
//! "today" is), or the rule's constant input:
//! `{"recent_days": 7}` to widen or narrow the window, `{"all": true}` for a
//! full sweep of every partition (older one-file partitions still holding
//! repairable rows are only revisited by a sweep).
//!
//! A run that meets a file it cannot read, or a partition it cannot
//! rewrite, ends in an invocation error (after doing everything else), so
//! the function's `Errors` metric and its alarm show it.

use std::time::Duration;

use anyhow::Context;
use bytesize::ByteSize;
use chrono::{DateTime, NaiveDate, Utc};
use hooklake_aws::emf::print_emf;
use hooklake_aws::S3Lake;
use hooklake_github::Enricher;
use hooklake_maintain::compact::{
    self, CompactOptions, LogProgress, Totals, DEFAULT_MEMORY_LIMIT, DEFAULT_TARGET_FILE_BYTES,
};
use hooklake_maintain::driver::{self, Policy, RunReport, DEFAULT_RECENT_DAYS};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

use crate::settings::{before_deadline, duration_var, Settings};

/// Kept back from the deadline: no partition starts, and no lookup, after
/// it (`HOOKLAKE_COMPACT_MARGIN`). Only for tidiness: a rewrite the
/// timeout cuts off leaves at worst a duplicate window the next run removes.
const DEFAULT_MARGIN: Duration = Duration::from_secs(120);

/// What one invocation is asked to do.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Request {
    /// EventBridge's scheduled time.
    time: Option<DateTime<Utc>>,
    recent_days: Option<u32>,
    all: bool,
}

/// What one invocation did: the function's response, and its log line.
#[derive(Debug, Default, Serialize)]
struct Summary {
    /// Partitions looked at.
    partitions: usize,
    /// What the rewritten ones add up to.
    #[serde(flatten)]
    totals: Totals,
    /// Partitions left as they were, and why.
    skipped: Vec<(String, String)>,
    bad_files: Vec<compact::BadFile>,
    failed: Vec<(String, String)>,
    /// Partitions the deadline left for the next run.
    left: Vec<String>,
}

impl Summary {
    fn new(run: RunReport) -> Summary {
        let RunReport {
            report,
            partitions,
            left,
        } = run;
        Summary {
            partitions,
            totals: report.totals(),
            skipped: report
                .partitions
                .into_iter()
                .filter_map(|p| Some((p.partition, p.skipped?)))
                .collect(),
            bad_files: report.bad_files,
            failed: report.failed,
            left,
        }
    }
}

struct State {
    settings: Settings,
    /// The function's name: the metrics' `source` dimension.
    source: String,
    recent_days: u32,
    margin: Duration,
    target_file_bytes: u64,
    memory_limit: u64,
    clients: OnceCell<(S3Lake, Enricher)>,
}

async fn handle(state: &State, event: LambdaEvent<serde_json::Value>) -> Result<Summary, Error> {
    let stop_at = before_deadline(event.context.deadline, state.margin);
    // Any other event (a console test's `{}`) is a run of the defaults.
    let request: Request = serde_json::from_value(event.payload).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "the event is not a schedule's; compacting as scheduled by default");
        Request::default()
    });
    let (lake, enricher) = state
        .clients
        .get_or_try_init(|| async {
            let (lake, _) = state.settings.lake()?;
            anyhow::Ok((lake, state.settings.enricher().await?))
        })
        .await?;
    let today: NaiveDate = request.time.unwrap_or_else(Utc::now).date_naive();
    let recent_days = request.recent_days.unwrap_or(state.recent_days);
    let policy = if request.all {
        Policy::All
    } else {
        Policy::Scheduled { today, recent_days }
    };
    tracing::info!(%today, recent_days, all = request.all, "compaction starts");
    let options = CompactOptions {
        target_file_bytes: state.target_file_bytes,
        memory_limit: state.memory_limit,
        enrich_until: stop_at,
    };
    let run = driver::run(
        lake,
        &policy,
        Some(enricher),
        &options,
        &LogProgress,
        Some(stop_at),
    )
    .await?;
    print_emf(&run.report.samples(), &state.source);
    let summary = Summary::new(run);
    tracing::info!(
        partitions = summary.partitions,
        rewritten = summary.totals.rewritten,
        files_in = summary.totals.files_in,
        files_out = summary.totals.files_out,
        rows_out = summary.totals.rows_out,
        repaired = summary.totals.repaired,
        left = summary.left.len(),
        "compaction done"
    );
    if !summary.left.is_empty() {
        tracing::warn!(left = ?summary.left, "the deadline came first; the next run goes on with these partitions");
    }
    if summary.bad_files.is_empty() && summary.failed.is_empty() {
        return Ok(summary);
    }
    let mut problems: Vec<String> = summary
        .bad_files
        .iter()
        .map(|b| {
            format!(
                "cannot read {} ({}); it was kept, and its partition left as it is",
                b.key, b.reason
            )
        })
        .collect();
    problems.extend(
        summary
            .failed
            .iter()
            .map(|(p, why)| format!("{p} not compacted: {why}")),
    );
    for problem in &problems {
        tracing::error!("{problem}");
    }
    Err(format!(
        "compacted {} of {} partitions; {}",
        summary.totals.rewritten,
        summary.partitions,
        problems.join("; ")
    )
    .into())
}

/// A size setting (`128MiB`), or `default` when unset.
fn size_var(name: &str, default: u64) -> anyhow::Result<u64> {
    match std::env::var(name) {
        Ok(value) => value
            .trim()
            .parse::<ByteSize>()
            .map(|size| size.as_u64().max(1))
            .map_err(|e| {
                anyhow::anyhow!("{name}={value:?} is not a size ({e}); write it like 128MiB")
            }),
        Err(_) => Ok(default),
    }
}

pub async fn run(settings: Settings) -> Result<(), Error> {
    let recent_days = match std::env::var("HOOKLAKE_COMPACT_RECENT_DAYS") {
        Ok(value) => value.trim().parse().with_context(|| {
            format!("HOOKLAKE_COMPACT_RECENT_DAYS={value:?} is not a number of days")
        })?,
        Err(_) => DEFAULT_RECENT_DAYS,
    };
    let state = State {
        settings,
        source: crate::settings::metrics_source(),
        recent_days,
        margin: duration_var("HOOKLAKE_COMPACT_MARGIN", DEFAULT_MARGIN)?,
        target_file_bytes: size_var("HOOKLAKE_COMPACT_TARGET_SIZE", DEFAULT_TARGET_FILE_BYTES)?,
        memory_limit: size_var("HOOKLAKE_COMPACT_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)?,
        clients: OnceCell::new(),
    };
    let state = &state;
    lambda_runtime::run(service_fn(move |event| handle(state, event))).await
}
