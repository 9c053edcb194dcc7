//! The one compaction driver: which partitions a run takes ([`Policy`], as
//! data) and the run itself, a partition at a time ([`Driver`]). `hooklake
//! compact` runs a [`Policy::Selected`] to the end; the Lambda runs
//! [`Policy::Scheduled`] (or [`Policy::All`]) until its deadline; serve's
//! schedule takes one [`Driver::step`] between batches.

use std::collections::VecDeque;
use std::time::Instant;

use chrono::NaiveDate;
use hooklake_github::enrich::Enricher;
use hooklake_ingest::lake::{LakeError, LakeFile, LakeStore};
use serde::Serialize;

use crate::compact::{
    compact_partition, plan_partition, CompactError, CompactOptions, CompactReport,
    PartitionOutcome, PartitionPlan, Progress, CHANGED_MEANWHILE,
};
use crate::select::{self, Selection};

/// Days before today whose partitions a scheduled run always looks at.
pub const DEFAULT_RECENT_DAYS: u32 = 7;

/// Which partitions a run takes, in which order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Policy {
    /// The partitions of a selection, oldest first; each rewritten if it
    /// needs work (several files, a duplicate, a row to repair) or is named.
    Selected(Selection),
    /// Every partition merged in the `recent_days` days up to `today`
    /// (late deliveries, rows waiting for their changed files) and any
    /// older one of several files, newest first ([`select::is_scheduled`]).
    Scheduled { today: NaiveDate, recent_days: u32 },
    /// Every partition, newest first (a sweep).
    All,
}

impl Policy {
    /// The partitions this policy takes now, in the order a run takes them.
    pub async fn partitions<L: LakeStore>(&self, lake: &L) -> Result<Vec<String>, LakeError> {
        match self {
            Policy::Selected(selection) => selection.partitions(lake).await,
            Policy::Scheduled { today, recent_days } => {
                select::scheduled(lake, *today, *recent_days).await
            }
            Policy::All => Ok(lake.partitions().await?.into_iter().rev().collect()),
        }
    }

    /// The selection whose named partitions are rewritten even when nothing
    /// else would make them.
    fn forced(&self) -> Selection {
        match self {
            Policy::Selected(selection) => selection.clone(),
            _ => Selection::all(),
        }
    }
}

/// What a run did, and what it left.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunReport {
    #[serde(flatten)]
    pub report: CompactReport,
    /// Partitions the policy took.
    pub partitions: usize,
    /// Partitions not reached (a deadline came first), in the order the
    /// next run would take them.
    pub left: Vec<String>,
}

/// A run in progress: the partitions still to do and what the done ones
/// gave. It holds no lake or client, so a shell can keep it between steps.
#[derive(Debug)]
pub struct Driver {
    forced: Selection,
    pending: VecDeque<String>,
    partitions: usize,
    report: CompactReport,
}

impl Driver {
    /// Lists the partitions `policy` takes now.
    pub async fn start<L: LakeStore>(lake: &L, policy: &Policy) -> Result<Driver, LakeError> {
        let pending: VecDeque<String> = policy.partitions(lake).await?.into();
        Ok(Driver {
            forced: policy.forced(),
            partitions: pending.len(),
            pending,
            report: CompactReport::default(),
        })
    }

    /// Whether every partition was done.
    pub fn is_done(&self) -> bool {
        self.pending.is_empty()
    }

    /// Plans and (if it needs it) rewrites the next partition. A failed
    /// partition is in the report, not an error; listing the lake failing
    /// is.
    pub async fn step<L: LakeStore>(
        &mut self,
        lake: &L,
        enricher: Option<&Enricher>,
        options: &CompactOptions,
        progress: &dyn Progress,
    ) -> Result<(), LakeError> {
        let Some(partition) = self.pending.pop_front() else {
            return Ok(());
        };
        compact_one(
            lake,
            &partition,
            &self.forced,
            enricher,
            options,
            progress,
            &mut self.report,
        )
        .await
    }

    /// The report so far; the partitions not done are `left`.
    pub fn finish(self) -> RunReport {
        RunReport {
            report: self.report,
            partitions: self.partitions,
            left: self.pending.into(),
        }
    }
}

/// Runs `policy` on `lake`, a partition at a time, starting none after
/// `stop_at` (if given).
pub async fn run<L: LakeStore>(
    lake: &L,
    policy: &Policy,
    enricher: Option<&Enricher>,
    options: &CompactOptions,
    progress: &dyn Progress,
    stop_at: Option<Instant>,
) -> Result<RunReport, LakeError> {
    let mut driver = Driver::start(lake, policy).await?;
    while !driver.is_done() && stop_at.is_none_or(|at| Instant::now() < at) {
        driver.step(lake, enricher, options, progress).await?;
    }
    Ok(driver.finish())
}

/// Compacts the selected partitions, one at a time (planned just before its
/// rewrite, so the snapshot is fresh and memory holds one partition's plan).
pub async fn compact<L: LakeStore>(
    lake: &L,
    selection: &Selection,
    enricher: Option<&Enricher>,
    options: &CompactOptions,
    progress: &dyn Progress,
) -> Result<CompactReport, LakeError> {
    let policy = Policy::Selected(selection.clone());
    Ok(run(lake, &policy, enricher, options, progress, None)
        .await?
        .report)
}

/// Plans the selected partitions that need work, one after another (for
/// `--dry-run`).
pub async fn plan<L: LakeStore>(
    lake: &L,
    selection: &Selection,
    can_repair: bool,
) -> Result<Vec<PartitionPlan>, LakeError> {
    let mut plans = Vec::new();
    for partition in selection.partitions(lake).await? {
        let files = lake.files(&partition).await?;
        if let Some(plan) = plan_if_needed(lake, &partition, files, selection, can_repair).await {
            plans.push(plan);
        }
    }
    Ok(plans)
}

pub(crate) async fn plan_if_needed<L: LakeStore>(
    lake: &L,
    partition: &str,
    files: Vec<LakeFile>,
    selection: &Selection,
    can_repair: bool,
) -> Option<PartitionPlan> {
    if files.is_empty() {
        return None;
    }
    let plan = plan_partition(lake, partition, files).await;
    let wanted =
        selection.is_forced(partition) || !plan.bad_files.is_empty() || plan.needs_work(can_repair);
    wanted.then_some(plan)
}

/// Plans one partition and, if it needs work (or `selection` names it),
/// rewrites it; adds what happened to `report`.
async fn compact_one<L: LakeStore>(
    lake: &L,
    partition: &str,
    selection: &Selection,
    enricher: Option<&Enricher>,
    options: &CompactOptions,
    progress: &dyn Progress,
    report: &mut CompactReport,
) -> Result<(), LakeError> {
    let can_repair = enricher.is_some_and(Enricher::has_credentials);
    let files = lake.files(partition).await?;
    let Some(plan) = plan_if_needed(lake, partition, files, selection, can_repair).await else {
        return Ok(());
    };
    report.bad_files.extend(plan.bad_files.iter().cloned());
    match compact_partition(lake, &plan, enricher, options, progress).await {
        Ok(outcome) => {
            if outcome.skipped.is_some() {
                progress.partition_done(&outcome);
            }
            report.partitions.push(outcome);
        }
        Err(CompactError::Read { source, .. }) if source.is_gone() => {
            let outcome = PartitionOutcome {
                partition: partition.to_owned(),
                skipped: Some(CHANGED_MEANWHILE.into()),
                ..PartitionOutcome::default()
            };
            progress.partition_done(&outcome);
            report.partitions.push(outcome);
        }
        Err(err) => {
            tracing::error!(partition, error = %err, "partition not compacted; nothing of it was deleted");
            report.failed.push((partition.to_owned(), err.to_string()));
        }
    }
    Ok(())
}
