//! `hooklake compact` and `hooklake status`: lake maintenance over a local
//! directory or an S3 prefix (thin shells over `hooklake-maintain`).

use std::time::Instant;

use crate::lake::Lake;
use hooklake_github::Enricher;
use hooklake_ingest::lake::LakeStore;
use hooklake_maintain::compact::{
    CompactOptions, CompactReport, PartitionOutcome, PartitionPlan, Progress,
};
use hooklake_maintain::driver::{self, Policy};
use hooklake_maintain::select::Selection;
use hooklake_maintain::status::{self, LakeStatus, PartitionStatus};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar over the bytes of the partitions being rewritten.
struct Bar {
    bar: ProgressBar,
}

impl Bar {
    fn new(total_bytes: u64, partitions: usize) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} compacting {msg} {wide_bar} {bytes}/{total_bytes} ({binary_bytes_per_sec}, {eta})",
            )
            .expect("valid progress template"),
        );
        bar.set_message(format!("0/{partitions} partitions"));
        Bar { bar }
    }
}

impl Progress for Bar {
    fn partition_started(&self, plan: &PartitionPlan) {
        self.bar.set_message(plan.partition.clone());
    }
    fn bytes_read(&self, bytes: u64) {
        self.bar.inc(bytes);
    }
    fn partition_done(&self, outcome: &PartitionOutcome) {
        if let Some(reason) = &outcome.skipped {
            self.bar
                .println(format!("skipped {}: {reason}", outcome.partition));
        }
    }
}

/// Maintenance settings from the command line.
pub struct CompactRequest {
    pub selection: Selection,
    pub options: CompactOptions,
    pub dry_run: bool,
}

/// `hooklake compact`: prints the plan (`dry_run`) or compacts, and says
/// what it did. Returns whether the run was clean (the exit status).
pub async fn compact(
    lake: &Lake,
    request: CompactRequest,
    enricher: &Enricher,
) -> anyhow::Result<bool> {
    let can_repair = enricher.has_credentials();
    if request.dry_run {
        let plans = driver::plan(lake, &request.selection, can_repair).await?;
        print!("{}", render_plans(&plans, &request.options, can_repair));
        return Ok(plans.iter().all(|p| p.bad_files.is_empty()));
    }
    // Listing first gives the bar its total (cheap next to reading).
    let mut total_bytes = 0;
    let partitions = request.selection.partitions(lake).await?;
    for partition in &partitions {
        total_bytes += lake
            .files(partition)
            .await?
            .iter()
            .map(|f| f.size)
            .sum::<u64>();
    }
    let bar = Bar::new(total_bytes, partitions.len());
    let started = Instant::now();
    let policy = Policy::Selected(request.selection);
    let report = driver::run(lake, &policy, Some(enricher), &request.options, &bar, None)
        .await?
        .report;
    bar.bar.finish_and_clear();
    eprint!("{}", render_report(&report, started.elapsed()));
    Ok(report.is_clean())
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn render_plans(plans: &[PartitionPlan], options: &CompactOptions, can_repair: bool) -> String {
    let mut out = String::new();
    if plans.is_empty() {
        out.push_str("nothing to compact\n");
        return out;
    }
    out.push_str(&format!(
        "{:<24} {:>9} {:>9} {:>12} {:>10} {:>10} {:>10}\n",
        "partition", "files in", "files out", "bytes in", "rows", "duplicates", "to repair"
    ));
    for p in plans {
        out.push_str(&format!(
            "{:<24} {:>9} {:>9} {:>12} {:>10} {:>10} {:>10}\n",
            p.partition,
            p.inputs.len(),
            p.files_out_estimate(options.target_file_bytes),
            mb(p.bytes_in),
            p.rows_in,
            p.duplicates(),
            if can_repair {
                p.repairable.to_string()
            } else {
                format!("({})", p.repairable)
            },
        ));
        for bad in &p.bad_files {
            out.push_str(&format!(
                "  unreadable, left as it is: {}: {}\n",
                bad.key, bad.reason
            ));
        }
    }
    if !can_repair && plans.iter().any(|p| p.repairable > 0) {
        out.push_str(
            "(n): rows without changed files that need GitHub credentials to repair (see --help)\n",
        );
    }
    out.push_str("dry run: nothing was written or deleted\n");
    out
}

fn render_report(report: &CompactReport, elapsed: std::time::Duration) -> String {
    let mut out = String::new();
    let t = report.totals();
    out.push_str(&format!(
        "compacted {} partition(s) in {:.1?}: {} file(s) → {}, {} → {}, {} row(s) → {} ({} duplicate(s) removed), {} row(s) repaired\n",
        t.rewritten,
        elapsed,
        t.files_in,
        t.files_out,
        mb(t.bytes_in),
        mb(t.bytes_out),
        t.rows_in,
        t.rows_out,
        t.rows_in - t.rows_out,
        t.repaired,
    ));
    for p in report.partitions.iter().filter(|p| p.skipped.is_some()) {
        out.push_str(&format!(
            "skipped {}: {}\n",
            p.partition,
            p.skipped.as_deref().unwrap_or_default()
        ));
    }
    for bad in &report.bad_files {
        out.push_str(&format!(
            "error: cannot read {}: {}; the file was kept and its partition left as it is (move the file away, then run again)\n",
            bad.key, bad.reason
        ));
    }
    for (partition, reason) in &report.failed {
        out.push_str(&format!(
            "error: {partition} was not compacted (nothing of it was deleted): {reason}\n"
        ));
    }
    out
}

/// Output of `hooklake status`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum StatusFormat {
    /// A table per partition and a total.
    Text,
    /// One JSON document (for scripts).
    Json,
}

/// `hooklake status`. Returns whether every file could be read.
pub async fn status(
    lake: &Lake,
    selection: &Selection,
    small_file_bytes: u64,
    format: StatusFormat,
) -> anyhow::Result<bool> {
    let status = status::status(lake, selection, small_file_bytes).await?;
    match format {
        StatusFormat::Json => println!("{}", serde_json::to_string_pretty(&status)?),
        StatusFormat::Text => print!("{}", render_status(&status)),
    }
    Ok(status.unreadable.is_empty())
}

/// Where one delivery is: serve's queue (pending, in a batch, a dead
/// letter) and the lake files holding its row. Returns whether it was
/// found anywhere.
pub async fn delivery_status(
    lake: &Lake,
    selection: &Selection,
    delivery_id: &str,
    queue: Option<&std::path::Path>,
    format: StatusFormat,
) -> anyhow::Result<bool> {
    let queued = match queue.filter(|q| q.exists()) {
        Some(path) => crate::serve::queue::find_delivery(path, delivery_id)?,
        None => None,
    };
    let (rows, unreadable) = status::find_delivery(lake, selection, delivery_id).await?;
    let location = lake.location();
    match format {
        StatusFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "delivery_id": delivery_id,
                "lake": location,
                "queue": queued,
                "rows": rows,
                "unreadable": unreadable,
            }))?
        ),
        StatusFormat::Text => {
            let mut out = format!("delivery {delivery_id}\n");
            let since = |ms: i64| {
                chrono::DateTime::from_timestamp_millis(ms)
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .unwrap_or_default()
            };
            match &queued {
                Some(crate::serve::queue::QueuedDelivery::Pending { enqueued_at_ms }) => out
                    .push_str(&format!(
                        "  queued since {}, waiting for the next batch\n",
                        since(*enqueued_at_ms)
                    )),
                Some(crate::serve::queue::QueuedDelivery::InBatch { enqueued_at_ms }) => out
                    .push_str(&format!(
                        "  queued since {}, in a batch being written\n",
                        since(*enqueued_at_ms)
                    )),
                Some(crate::serve::queue::QueuedDelivery::DeadLetter {
                    failed_at_ms,
                    error,
                }) => out.push_str(&format!(
                    "  a dead letter since {}: {error}\n",
                    since(*failed_at_ms)
                )),
                None => {}
            }
            for row in &rows {
                out.push_str(&format!(
                    "  in the lake: {}/{} (changed_files_status {})\n",
                    location.trim_end_matches('/'),
                    row.key.trim_start_matches('/'),
                    row.changed_files_status
                ));
            }
            for bad in &unreadable {
                out.push_str(&format!(
                    "  unreadable, not searched: {}: {}\n",
                    bad.key, bad.reason
                ));
            }
            if queued.is_none() && rows.is_empty() {
                out.push_str("  not found: not queued here and not in the lake. On AWS, look in the dead-letter queue (hooklake dlq dump) and in GitHub's Recent Deliveries for its answer.\n");
            }
            print!("{out}");
        }
    }
    Ok(queued.is_some() || !rows.is_empty())
}

fn render_status(status: &LakeStatus) -> String {
    let mut out = format!("lake: {}\n", status.location);
    out.push_str(&format!(
        "{:<24} {:>6} {:>12} {:>6} {:>10} {:>10} {:>10}  {:<20} {}\n",
        "partition",
        "files",
        "bytes",
        "small",
        "rows",
        "duplicates",
        "repairable",
        "newest merged_at",
        "statuses"
    ));
    let line = |p: &PartitionStatus| {
        let statuses: Vec<String> = p.statuses.iter().map(|(s, n)| format!("{s}={n}")).collect();
        format!(
            "{:<24} {:>6} {:>12} {:>6} {:>10} {:>10} {:>10}  {:<20} {}\n",
            p.partition,
            p.files,
            mb(p.bytes),
            p.small_files,
            p.rows,
            p.duplicate_rows,
            p.repairable_rows,
            p.newest_merged_at
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default(),
            statuses.join(" ")
        )
    };
    for p in &status.partitions {
        out.push_str(&line(p));
    }
    out.push_str(&line(&status.total));
    if let Some(received) = status.total.newest_received_at {
        out.push_str(&format!(
            "freshness: newest delivery received {} ({} ago)\n",
            received.format("%Y-%m-%dT%H:%M:%SZ"),
            humantime::format_duration(std::time::Duration::from_secs(
                (chrono::Utc::now() - received).num_seconds().max(0) as u64
            ))
        ));
    }
    for bad in &status.unreadable {
        out.push_str(&format!("error: cannot read {}: {}\n", bad.key, bad.reason));
    }
    out
}
