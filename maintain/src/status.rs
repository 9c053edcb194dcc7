//! `hooklake status`: what the lake holds, read from its files' summary
//! columns (never the payloads).

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use hooklake_ingest::lake::{LakeError, LakeStore};
use serde::Serialize;

use crate::compact::BadFile;
use crate::read::fetch_summaries;
use crate::select::Selection;

/// One partition's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PartitionStatus {
    pub partition: String,
    pub files: usize,
    pub bytes: u64,
    /// Files below the compaction target in a partition of several files:
    /// what `hooklake compact` would merge.
    pub small_files: usize,
    pub rows: usize,
    /// Distinct delivery ids.
    pub deliveries: usize,
    /// Rows that repeat a delivery (`rows - deliveries`).
    pub duplicate_rows: usize,
    /// Rows by `changed_files_status`.
    pub statuses: BTreeMap<String, usize>,
    /// Rows whose enrichment maintenance would repair.
    pub repairable_rows: usize,
    pub newest_merged_at: Option<DateTime<Utc>>,
    /// When the newest row's delivery reached the edge (freshness).
    pub newest_received_at: Option<DateTime<Utc>>,
}

/// The whole lake's figures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LakeStatus {
    pub location: String,
    pub partitions: Vec<PartitionStatus>,
    /// Every partition added up.
    pub total: PartitionStatus,
    /// Files that could not be read (not counted above).
    pub unreadable: Vec<BadFile>,
}

fn add(total: &mut PartitionStatus, p: &PartitionStatus) {
    total.files += p.files;
    total.bytes += p.bytes;
    total.small_files += p.small_files;
    total.rows += p.rows;
    total.deliveries += p.deliveries;
    total.duplicate_rows += p.duplicate_rows;
    total.repairable_rows += p.repairable_rows;
    for (status, n) in &p.statuses {
        *total.statuses.entry(status.clone()).or_default() += n;
    }
    total.newest_merged_at = total.newest_merged_at.max(p.newest_merged_at);
    total.newest_received_at = total.newest_received_at.max(p.newest_received_at);
}

/// Reads the status of the selected partitions. `small_file_bytes`: files
/// below it count as small (the compaction target).
pub async fn status<L: LakeStore>(
    lake: &L,
    selection: &Selection,
    small_file_bytes: u64,
) -> Result<LakeStatus, LakeError> {
    let mut lake_status = LakeStatus {
        location: lake.location(),
        total: PartitionStatus {
            partition: "total".into(),
            ..PartitionStatus::default()
        },
        ..LakeStatus::default()
    };
    for partition in selection.partitions(lake).await? {
        let files = lake.files(&partition).await?;
        let mut p = PartitionStatus {
            partition: partition.clone(),
            ..PartitionStatus::default()
        };
        let several = files.len() > 1;
        let mut seen: HashSet<String> = HashSet::new();
        for file in files {
            let rows = match fetch_summaries(lake, &file.key).await {
                Ok(rows) => rows,
                Err(err) if err.is_gone() => continue,
                Err(err) => {
                    lake_status.unreadable.push(BadFile {
                        key: file.key,
                        reason: err.to_string(),
                    });
                    continue;
                }
            };
            p.files += 1;
            p.bytes += file.size;
            p.small_files += usize::from(several && file.size < small_file_bytes);
            p.rows += rows.len();
            for row in rows {
                let status = row.changed_files_status;
                *p.statuses.entry(status.as_str().to_owned()).or_default() += 1;
                p.repairable_rows += usize::from(status.is_repairable());
                p.newest_merged_at = p.newest_merged_at.max(row.merged_at);
                p.newest_received_at = p.newest_received_at.max(row.received_at);
                seen.insert(row.delivery_id);
            }
        }
        p.deliveries = seen.len();
        p.duplicate_rows = p.rows - p.deliveries;
        if p.files > 0 {
            add(&mut lake_status.total, &p);
            lake_status.partitions.push(p);
        }
    }
    Ok(lake_status)
}

/// One row of a delivery, and the file it is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryRow {
    /// The file's key under the table root (`merged_date=…/part-….parquet`).
    pub key: String,
    pub changed_files_status: String,
    pub merged_at: Option<DateTime<Utc>>,
    pub received_at: Option<DateTime<Utc>>,
}

/// Every row of `delivery_id` in the selected partitions, and its file
/// (more than one only until compaction removes duplicates). Reads the
/// summary columns of each file, never the payloads.
pub async fn find_delivery<L: LakeStore>(
    lake: &L,
    selection: &Selection,
    delivery_id: &str,
) -> Result<(Vec<DeliveryRow>, Vec<BadFile>), LakeError> {
    let mut found = Vec::new();
    let mut unreadable = Vec::new();
    for partition in selection.partitions(lake).await? {
        for file in lake.files(&partition).await? {
            let rows = match fetch_summaries(lake, &file.key).await {
                Ok(rows) => rows,
                Err(err) if err.is_gone() => continue,
                Err(err) => {
                    unreadable.push(BadFile {
                        key: file.key,
                        reason: err.to_string(),
                    });
                    continue;
                }
            };
            found.extend(
                rows.into_iter()
                    .filter(|r| r.delivery_id == delivery_id)
                    .map(|r| DeliveryRow {
                        key: file.key.clone(),
                        changed_files_status: r.changed_files_status.as_str().to_owned(),
                        merged_at: r.merged_at,
                        received_at: r.received_at,
                    }),
            );
        }
    }
    Ok((found, unreadable))
}
