//! Compaction: each partition rewritten as few files as the target size
//! allows, one row per delivery (its best-enriched copy), repairable rows
//! looked up again when GitHub credentials are given.
//!
//! **Crash-safe at every step.** A partition is planned from a listing (the
//! snapshot) and a read of a few columns of each file; its new files are
//! put (atomically, durably) before any file is deleted, and only files of
//! the snapshot are deleted, never one written since. Keys derive from the
//! delivery ids a file holds ([`hooklake_ingest::plan`]). So:
//!
//! - killed at any moment, no row is lost; the worst left behind is a
//!   window in which a delivery is in an old and a new file, which the
//!   deduplicating view hides and the next run removes;
//! - a file a writer (serve, the Lambda) adds meanwhile is left alone, and
//!   compacted by the next run;
//! - two runs on one partition lose nothing: a file one of them deleted
//!   makes the other skip the partition ([`ReadError::is_gone`]), and every
//!   file either deletes has its rows in a file it put first.
//!
//! **Bad files.** A file that cannot be read is never deleted: its
//! partition is left as it is, and the run reports it.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use hooklake_github::enrich::Enricher;
use hooklake_ingest::cpu::cpu_bound;
use hooklake_ingest::lake::{LakeFile, LakeStore};
use hooklake_ingest::plan::PlannedFile;
use hooklake_ingest::put;
use hooklake_ingest::stream::{PartitionedWriter, WriterLimits};
use hooklake_schema::row::PullRequestRow;
use serde::Serialize;

use crate::read::{batches, fetch_summaries, split, ReadError};

/// Default encoded size of a compacted file: AWS's Athena tuning advice
/// (files of 128 MB or more).
pub const DEFAULT_TARGET_FILE_BYTES: u64 = 128 * 1024 * 1024;

/// Default bytes of rows and encoded pages held at once.
pub const DEFAULT_MEMORY_LIMIT: u64 = 256 * 1024 * 1024;

/// Why a partition whose files another run deleted is skipped.
pub(crate) const CHANGED_MEANWHILE: &str = "files were deleted meanwhile (another compaction?)";

/// Repairable rows looked up together.
const REPAIR_CHUNK_ROWS: usize = 256;

/// How a run works.
#[derive(Debug, Clone)]
pub struct CompactOptions {
    /// Encoded bytes per output file, about.
    pub target_file_bytes: u64,
    /// Bytes of rows and encoded pages held at once, at most (besides the
    /// plan: about 100 bytes per delivery of the partition at hand).
    pub memory_limit: u64,
    /// No lookups start after this; rows not reached keep a repairable
    /// status for the next run.
    pub enrich_until: Instant,
}

/// A file the run could not read, and why. It is never deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadFile {
    pub key: String,
    pub reason: String,
}

/// What compacting one partition involves.
#[derive(Debug, Clone)]
pub struct PartitionPlan {
    pub partition: String,
    /// The snapshot: the files read, and deleted once the new ones are in.
    pub inputs: Vec<LakeFile>,
    pub bytes_in: u64,
    pub rows_in: usize,
    /// Distinct deliveries: the rows the partition will hold.
    pub deliveries: usize,
    /// Kept rows whose enrichment is repairable.
    pub repairable: usize,
    /// Files that cannot be read: the partition is left as it is.
    pub bad_files: Vec<BadFile>,
    /// Files deleted since the listing: the partition is left to the run
    /// that deleted them.
    pub changed: bool,
    /// Per input, which of its rows are kept.
    keep: Vec<Vec<bool>>,
}

impl PartitionPlan {
    /// Rows that are extra copies of a delivery.
    pub fn duplicates(&self) -> usize {
        self.rows_in - self.deliveries
    }

    /// Whether rewriting the partition changes anything: several files, a
    /// duplicate, or (when lookups are possible) a row to repair.
    pub fn needs_work(&self, can_repair: bool) -> bool {
        self.inputs.len() > 1 || self.duplicates() > 0 || (can_repair && self.repairable > 0)
    }

    /// Whether the partition can be rewritten.
    pub fn is_ready(&self) -> bool {
        self.bad_files.is_empty() && !self.changed
    }

    /// Output files, about (at least one).
    pub fn files_out_estimate(&self, target_file_bytes: u64) -> u64 {
        self.bytes_in.div_ceil(target_file_bytes.max(1)).max(1)
    }
}

/// Plans one partition from its files: reads their summaries (delivery id,
/// status, times; not the payloads) and picks, for each delivery, the copy
/// to keep: a final enrichment status over a repairable one, otherwise the
/// first in key order.
pub async fn plan_partition<L: LakeStore>(
    lake: &L,
    partition: &str,
    inputs: Vec<LakeFile>,
) -> PartitionPlan {
    // delivery id → (input, row, has a final status)
    let mut best: HashMap<String, (u32, u32, bool)> = HashMap::new();
    let mut plan = PartitionPlan {
        partition: partition.to_owned(),
        bytes_in: inputs.iter().map(|f| f.size).sum(),
        keep: Vec::with_capacity(inputs.len()),
        inputs,
        rows_in: 0,
        deliveries: 0,
        repairable: 0,
        bad_files: Vec::new(),
        changed: false,
    };
    for (index, input) in plan.inputs.iter().enumerate() {
        let rows = match fetch_summaries(lake, &input.key).await {
            Ok(rows) => rows,
            Err(err) if err.is_gone() => {
                plan.changed = true;
                plan.keep.push(Vec::new());
                continue;
            }
            Err(err) => {
                plan.bad_files.push(BadFile {
                    key: input.key.clone(),
                    reason: err.to_string(),
                });
                plan.keep.push(Vec::new());
                continue;
            }
        };
        plan.rows_in += rows.len();
        plan.keep.push(vec![false; rows.len()]);
        for (row, summary) in rows.into_iter().enumerate() {
            let is_final = !summary.changed_files_status.is_repairable();
            let candidate = (index as u32, row as u32, is_final);
            best.entry(summary.delivery_id)
                .and_modify(|kept| {
                    if is_final && !kept.2 {
                        *kept = candidate;
                    }
                })
                .or_insert(candidate);
        }
    }
    plan.deliveries = best.len();
    for (input, row, is_final) in best.into_values() {
        plan.keep[input as usize][row as usize] = true;
        plan.repairable += usize::from(!is_final);
    }
    plan
}

/// What compacting a partition did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PartitionOutcome {
    pub partition: String,
    pub files_in: usize,
    pub files_out: usize,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub rows_in: usize,
    pub rows_out: usize,
    /// Repairable rows that now have a final status.
    pub repaired: usize,
    /// Why the partition was left as it is, if it was.
    pub skipped: Option<String>,
}

/// Why a partition's rewrite stopped. Nothing of the snapshot was deleted.
#[derive(Debug, thiserror::Error)]
pub enum CompactError {
    #[error("cannot read {key}: {source}")]
    Read {
        key: String,
        #[source]
        source: ReadError,
    },
    #[error("cannot encode the new files: {0}")]
    Encode(#[from] hooklake_ingest::IngestError),
    #[error("cannot put {key}: {reason}")]
    Put { key: String, reason: String },
    #[error(transparent)]
    Delete(#[from] hooklake_ingest::lake::LakeError),
}

/// Told what a run does, as it does it (a progress bar, logs).
pub trait Progress: Sync {
    /// A partition's rewrite starts.
    fn partition_started(&self, _plan: &PartitionPlan) {}
    /// Bytes of input read (compressed, as stored).
    fn bytes_read(&self, _bytes: u64) {}
    /// A partition is done, rewritten or skipped.
    fn partition_done(&self, _outcome: &PartitionOutcome) {}
}

/// A [`Progress`] that shows nothing.
pub struct NoProgress;
impl Progress for NoProgress {}

/// A [`Progress`] that logs each partition done (`tracing`): for runs
/// nobody watches (serve's schedule, the Lambda).
pub struct LogProgress;

impl Progress for LogProgress {
    fn partition_done(&self, o: &PartitionOutcome) {
        match &o.skipped {
            Some(reason) => {
                tracing::warn!(partition = %o.partition, reason, "partition left as it is")
            }
            None => tracing::info!(
                partition = %o.partition,
                files_in = o.files_in,
                files_out = o.files_out,
                rows_in = o.rows_in,
                rows_out = o.rows_out,
                repaired = o.repaired,
                "partition compacted"
            ),
        }
    }
}

/// Rewrites a planned partition (see the module's documentation for what
/// makes this safe). A plan that is not [ready](PartitionPlan::is_ready) is
/// skipped.
pub async fn compact_partition<L: LakeStore>(
    lake: &L,
    plan: &PartitionPlan,
    enricher: Option<&Enricher>,
    options: &CompactOptions,
    progress: &dyn Progress,
) -> Result<PartitionOutcome, CompactError> {
    let mut outcome = PartitionOutcome {
        partition: plan.partition.clone(),
        files_in: plan.inputs.len(),
        bytes_in: plan.bytes_in,
        rows_in: plan.rows_in,
        ..PartitionOutcome::default()
    };
    if !plan.bad_files.is_empty() {
        outcome.skipped = Some(format!(
            "{} unreadable file(s); the partition is left as it is",
            plan.bad_files.len()
        ));
        return Ok(outcome);
    }
    if plan.changed {
        outcome.skipped = Some(CHANGED_MEANWHILE.into());
        return Ok(outcome);
    }
    progress.partition_started(plan);
    let mut writer = PartitionedWriter::new(WriterLimits {
        max_rows_per_file: usize::MAX,
        memory_limit: usize::try_from(options.memory_limit).unwrap_or(usize::MAX),
        max_file_bytes: usize::try_from(options.target_file_bytes).unwrap_or(usize::MAX),
    })
    .with_parallel(false);
    let mut written: HashSet<String> = HashSet::new();
    let mut to_repair: Vec<PullRequestRow> = Vec::new();
    let repairing = enricher.filter(|e| e.has_credentials());

    for (input, keep) in plan.inputs.iter().zip(&plan.keep) {
        let read_err = |source: ReadError| CompactError::Read {
            key: input.key.clone(),
            source,
        };
        let fetched = lake
            .fetch(&input.key)
            .await
            .map_err(|e| read_err(e.into()))?;
        let mut batches = batches(fetched.file).map_err(read_err)?;
        let mut row_index = 0usize;
        while let Some(batch) = cpu_bound(|| batches.next()) {
            let batch = batch.map_err(read_err)?;
            let end = (row_index + batch.num_rows()).min(keep.len());
            let keep = &keep[row_index.min(end)..end];
            row_index += batch.num_rows();
            let split = cpu_bound(|| split(&batch, keep, repairing.is_some())).map_err(read_err)?;
            if let Some((rows, deliveries)) = split.direct {
                let done = cpu_bound(|| writer.push_batch(&plan.partition, rows, deliveries))?;
                put_files(lake, done, &mut written, &mut outcome).await?;
            }
            push(lake, &mut writer, split.rows, &mut written, &mut outcome).await?;
            to_repair.extend(split.repair);
            if let Some(enricher) = repairing {
                if to_repair.len() >= REPAIR_CHUNK_ROWS {
                    let rows = std::mem::take(&mut to_repair);
                    let rows = repair(enricher, rows, options, &mut outcome).await;
                    push(lake, &mut writer, rows, &mut written, &mut outcome).await?;
                }
            }
        }
        progress.bytes_read(input.size);
    }
    if let Some(enricher) = repairing {
        let rows = repair(
            enricher,
            std::mem::take(&mut to_repair),
            options,
            &mut outcome,
        )
        .await;
        push(lake, &mut writer, rows, &mut written, &mut outcome).await?;
    }
    let last = cpu_bound(|| writer.finish_all())?;
    put_files(lake, last, &mut written, &mut outcome).await?;

    // Every kept row is in a new file: only now may the snapshot go. A new
    // file under an input's key (the same deliveries) replaced it: keep it.
    for input in &plan.inputs {
        if !written.contains(&input.key) {
            lake.delete(&input.key).await?;
        }
    }
    progress.partition_done(&outcome);
    Ok(outcome)
}

async fn repair(
    enricher: &Enricher,
    mut rows: Vec<PullRequestRow>,
    options: &CompactOptions,
    outcome: &mut PartitionOutcome,
) -> Vec<PullRequestRow> {
    if rows.is_empty() {
        return rows;
    }
    enricher.enrich(&mut rows, options.enrich_until).await;
    outcome.repaired += rows
        .iter()
        .filter(|r| !r.changed_files_status.is_repairable())
        .count();
    rows
}

async fn push<L: LakeStore>(
    lake: &L,
    writer: &mut PartitionedWriter,
    rows: Vec<PullRequestRow>,
    written: &mut HashSet<String>,
    outcome: &mut PartitionOutcome,
) -> Result<(), CompactError> {
    let done = cpu_bound(|| {
        let mut done = Vec::new();
        for row in rows {
            done.extend(writer.push(row)?);
        }
        Ok::<_, hooklake_ingest::IngestError>(done)
    })?;
    put_files(lake, done, written, outcome).await
}

async fn put_files<L: LakeStore>(
    lake: &L,
    files: Vec<PlannedFile>,
    written: &mut HashSet<String>,
    outcome: &mut PartitionOutcome,
) -> Result<(), CompactError> {
    // One file at a time: a compaction holds at most one encoded file.
    let files = put::put_files(lake, files, 1)
        .await
        .all_written()
        .map_err(|file| CompactError::Put {
            key: file.key,
            reason: file.reason,
        })?;
    for file in files {
        outcome.files_out += 1;
        outcome.bytes_out += file.bytes as u64;
        outcome.rows_out += file.rows;
        written.insert(file.key);
    }
    Ok(())
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CompactReport {
    pub partitions: Vec<PartitionOutcome>,
    /// Files that could not be read (their partitions were left as they are).
    pub bad_files: Vec<BadFile>,
    /// Partitions whose rewrite failed, and why (nothing of them was deleted).
    pub failed: Vec<(String, String)>,
}

/// The rewritten partitions' figures, added up (skipped ones left out).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Partitions rewritten.
    pub rewritten: usize,
    pub files_in: usize,
    pub files_out: usize,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub rows_in: usize,
    pub rows_out: usize,
    pub repaired: usize,
}

impl CompactReport {
    /// What the rewritten partitions add up to.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for p in self.partitions.iter().filter(|p| p.skipped.is_none()) {
            t.rewritten += 1;
            t.files_in += p.files_in;
            t.files_out += p.files_out;
            t.bytes_in += p.bytes_in;
            t.bytes_out += p.bytes_out;
            t.rows_in += p.rows_in;
            t.rows_out += p.rows_out;
            t.repaired += p.repaired;
        }
        t
    }

    /// The shared metrics of this run (an EMF line per Lambda invocation).
    pub fn samples(&self) -> Vec<hooklake_schema::metrics::Sample> {
        use hooklake_schema::metrics::{self, Sample};
        let t = self.totals();
        let mut samples = vec![
            Sample::new(&metrics::PARTITIONS_COMPACTED, t.rewritten as f64),
            Sample::new(&metrics::ROWS_REPAIRED, t.repaired as f64),
            Sample::new(&metrics::FILES_WRITTEN, t.files_out as f64),
            Sample::new(&metrics::BYTES_WRITTEN, t.bytes_out as f64),
        ];
        // Like every labelled value, only when it happened: each name is a
        // CloudWatch custom metric, billed once it has data.
        let failed = self.bad_files.len() + self.failed.len();
        if failed > 0 {
            samples.push(Sample::labelled(
                &metrics::FAILURES,
                "compaction",
                failed as f64,
            ));
        }
        samples
    }

    /// Whether everything selected was compacted (the exit status).
    pub fn is_clean(&self) -> bool {
        self.bad_files.is_empty() && self.failed.is_empty()
    }
}
