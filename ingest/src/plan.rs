//! Rows → the files of one batch, under deterministic keys.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use hooklake_schema::partition::{partition_date, partition_dir};
use hooklake_schema::row::PullRequestRow;
use sha2::{Digest, Sha256};

use crate::encode::encode_owned_rows;
use crate::IngestError;

/// One Parquet file to put in the lake.
#[derive(Debug, Clone)]
pub struct PlannedFile {
    /// Key relative to the table root, e.g.
    /// `merged_date=2026-11-27/part-0123abcd….parquet`.
    pub key: String,
    /// The whole file.
    pub bytes: Vec<u8>,
    /// Rows in the file.
    pub rows: usize,
}

/// A batch's id: derived from its message ids (in order), so that the same
/// batch retried after a crash or a failed put writes the same keys and
/// overwrites instead of duplicating.
///
/// ```
/// use hooklake_ingest::plan::batch_id;
/// assert_eq!(batch_id(["a", "b"]), batch_id(["a", "b"]));
/// assert_ne!(batch_id(["a", "b"]), batch_id(["a"]));
/// ```
pub fn batch_id<I, S>(message_ids: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut hash = Sha256::new();
    for id in message_ids {
        hash.update(id.as_ref().as_bytes());
        hash.update(b"\n");
    }
    hex::encode(&hash.finalize()[..16])
}

/// Groups rows by partition and encodes one file per partition.
pub fn plan_files(
    batch_id: &str,
    rows: Vec<PullRequestRow>,
) -> Result<Vec<PlannedFile>, IngestError> {
    let mut partitions: BTreeMap<NaiveDate, Vec<PullRequestRow>> = BTreeMap::new();
    for row in rows {
        partitions
            .entry(partition_date(&row))
            .or_default()
            .push(row);
    }
    partitions
        .into_iter()
        .map(|(date, rows)| plan_partition(&partition_dir(date), batch_id, rows))
        .collect()
}

/// The key of a file under the table root, e.g.
/// `merged_date=2026-11-27/part-0123abcd….parquet`: `id` derives from the
/// messages or deliveries in the file, so rewriting them overwrites it.
pub fn file_key(partition: &str, id: &str) -> String {
    format!("{partition}/part-{id}.parquet")
}

/// Encodes the rows of one partition (`merged_date=…`) as one file.
pub fn plan_partition(
    partition: &str,
    batch_id: &str,
    rows: Vec<PullRequestRow>,
) -> Result<PlannedFile, IngestError> {
    let count = rows.len();
    Ok(PlannedFile {
        key: file_key(partition, batch_id),
        bytes: encode_owned_rows(rows)?,
        rows: count,
    })
}
