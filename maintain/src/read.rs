//! Reading lake files back: summaries (a few columns, for planning and
//! status) and rows in batches (for rewriting), in bounded memory.

use std::collections::HashSet;
use std::fs::File;

use arrow_array::{BooleanArray, RecordBatch};
use arrow_select::filter::filter_record_batch;
use hooklake_github::pulls::MergedRange;
use hooklake_ingest::cpu::cpu_bound;
use hooklake_ingest::lake::{LakeError, LakeStore};
use hooklake_schema::arrow::as_row_batch;
use hooklake_schema::decode::{
    rows_from_batch, summaries_from_batch, DecodeError, RowSummary, SUMMARY_COLUMNS,
};
use hooklake_schema::row::PullRequestRow;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;

use crate::select::Selection;

/// Rows decoded at a time: with payloads of tens of KB, tens of MB.
pub const READ_BATCH_ROWS: usize = 1024;

/// Why a lake file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Fetching it failed, or it is gone.
    #[error(transparent)]
    Lake(#[from] LakeError),
    /// Not Parquet, truncated, or corrupt.
    #[error("not a readable Parquet file: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// Parquet, but not rows of the lake's schema (current or older).
    #[error("not rows of the lake's schema: {0}")]
    Decode(#[from] DecodeError),
    /// Parquet, but a batch could not be read.
    #[error("not a readable Parquet file: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
}

impl ReadError {
    /// The file was deleted after it was listed (another run compacted the
    /// partition): not the file's fault.
    pub fn is_gone(&self) -> bool {
        matches!(self, ReadError::Lake(LakeError::NotFound { .. }))
    }
}

fn reader(file: File, projection: Option<&[&str]>) -> Result<ParquetRecordBatchReader, ReadError> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)?.with_batch_size(READ_BATCH_ROWS);
    let builder = match projection {
        Some(columns) => {
            let mask = ProjectionMask::columns(builder.parquet_schema(), columns.iter().copied());
            builder.with_projection(mask)
        }
        None => builder,
    };
    Ok(builder.build()?)
}

/// The summary of every row of a file (the payload is not read).
pub fn summaries(file: File) -> Result<Vec<RowSummary>, ReadError> {
    let mut out = Vec::new();
    for batch in reader(file, Some(&SUMMARY_COLUMNS))? {
        out.extend(summaries_from_batch(&batch?)?);
    }
    Ok(out)
}

/// The summaries of the lake file at `key` (fetched, then read off the
/// async threads).
pub async fn fetch_summaries<L: LakeStore>(
    lake: &L,
    key: &str,
) -> Result<Vec<RowSummary>, ReadError> {
    let fetched = lake.fetch(key).await?;
    cpu_bound(|| summaries(fetched.file))
}

/// A file's rows, [`READ_BATCH_ROWS`] at a time, as Arrow batches.
pub fn batches(
    file: File,
) -> Result<impl Iterator<Item = Result<RecordBatch, ReadError>>, ReadError> {
    Ok(reader(file, None)?.map(|batch| Ok(batch?)))
}

/// What [`split`] makes of a batch.
#[derive(Debug, Default)]
pub struct Split {
    /// Kept rows that go to the new file as they are, in the current
    /// schema, with their delivery ids: no row is built.
    pub direct: Option<(RecordBatch, Vec<String>)>,
    /// Kept rows of an older schema, decoded.
    pub rows: Vec<PullRequestRow>,
    /// Kept rows to look up again, decoded.
    pub repair: Vec<PullRequestRow>,
}

/// Splits a batch of a lake file by `keep` (which rows to keep) into the
/// rows that are copied through and those to repair (when `repairing`,
/// the kept rows with a repairable enrichment status).
pub fn split(batch: &RecordBatch, keep: &[bool], repairing: bool) -> Result<Split, ReadError> {
    let summaries = summaries_from_batch(batch)?;
    let kept = |i: usize| keep.get(i).copied().unwrap_or(false);
    let repairable = |i: usize| repairing && summaries[i].changed_files_status.is_repairable();
    let direct: Vec<bool> = (0..batch.num_rows())
        .map(|i| kept(i) && !repairable(i))
        .collect();
    let repair: Vec<bool> = (0..batch.num_rows())
        .map(|i| kept(i) && repairable(i))
        .collect();
    let subset = |mask: &[bool]| -> Result<RecordBatch, ReadError> {
        if mask.iter().all(|&m| m) {
            return Ok(batch.clone());
        }
        Ok(filter_record_batch(
            batch,
            &BooleanArray::from(mask.to_vec()),
        )?)
    };
    let mut out = Split::default();
    if repair.contains(&true) {
        out.repair = rows_from_batch(&subset(&repair)?)?;
    }
    if direct.contains(&true) {
        let rows = subset(&direct)?;
        match as_row_batch(&rows) {
            Some(rows) => {
                let ids = summaries
                    .into_iter()
                    .zip(&direct)
                    .filter(|(_, &d)| d)
                    .map(|(s, _)| s.delivery_id)
                    .collect();
                out.direct = Some((rows, ids));
            }
            None => out.rows = rows_from_batch(&rows)?,
        }
    }
    Ok(out)
}

/// The columns that identify a merged pull request across deliveries.
pub const PULL_KEY_COLUMNS: [&str; 2] = ["repository_id", "number"];

/// `(repository_id, number)` of every row of a file (nothing else is read).
pub fn pull_keys(file: File) -> Result<Vec<(i64, i64)>, ReadError> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int64Type;
    let mut out = Vec::new();
    for batch in reader(file, Some(&PULL_KEY_COLUMNS))? {
        let batch = batch?;
        let int64 = |name: &'static str| {
            let column = batch
                .column_by_name(name)
                .ok_or(DecodeError::MissingColumn(name))?;
            column
                .as_primitive_opt::<Int64Type>()
                .ok_or_else(|| DecodeError::WrongType {
                    column: name,
                    found: column.data_type().to_string(),
                    expected: "Int64",
                })
        };
        let (repository, number) = (int64("repository_id")?, int64("number")?);
        out.extend(
            repository
                .values()
                .iter()
                .zip(number.values().iter())
                .map(|(r, n)| (*r, *n)),
        );
    }
    Ok(out)
}

/// `(repository_id, number)` of every row in the partitions of `range`.
pub async fn lake_pulls<L: LakeStore>(
    lake: &L,
    range: &MergedRange,
) -> Result<HashSet<(i64, i64)>, ReadError> {
    let selection = Selection {
        since: Some(range.since),
        until: Some(range.until),
        partitions: Vec::new(),
    };
    let mut keys = HashSet::new();
    for partition in selection.partitions(lake).await? {
        for file in lake.files(&partition).await? {
            let fetched = match lake.fetch(&file.key).await {
                Ok(fetched) => fetched,
                // Compacted away since it was listed: its rows are in a new
                // file, which a second listing finds.
                Err(hooklake_ingest::lake::LakeError::NotFound { .. }) => {
                    return Box::pin(lake_pulls(lake, range)).await;
                }
                Err(e) => return Err(e.into()),
            };
            keys.extend(cpu_bound(|| pull_keys(fetched.file))?);
        }
    }
    Ok(keys)
}
