//! Reading lake files back: summaries (a few columns, for planning and
//! status) and rows in batches (for rewriting), in bounded memory.

use std::fs::File;

use hooklake_ingest::lake::{LakeError, LakeStore};
use hooklake_ingest::pipeline::cpu_bound;
use hooklake_schema::decode::{
    rows_from_batch, summaries_from_batch, DecodeError, RowSummary, SUMMARY_COLUMNS,
};
use hooklake_schema::row::PullRequestRow;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;

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

/// A file's rows, [`READ_BATCH_ROWS`] at a time.
pub fn row_batches(
    file: File,
) -> Result<impl Iterator<Item = Result<Vec<PullRequestRow>, ReadError>>, ReadError> {
    Ok(reader(file, None)?.map(|batch| Ok(rows_from_batch(&batch?)?)))
}
