//! Rows → one Parquet file.

use arrow_array::RecordBatch;
use hooklake_schema::arrow::{row_schema, rows_to_batch};
use hooklake_schema::row::PullRequestRow;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::IngestError;

/// zstd level 1: most of the ratio of higher levels on JSON-heavy columns,
/// at the least CPU (Arrow C++ and DuckDB default to it too).
const ZSTD_LEVEL: i32 = 1;

/// Columns whose values are (nearly) unique per row, where a dictionary only
/// costs time and space.
const UNIQUE_COLUMNS: [&str; 5] = [
    "delivery_id",
    "payload",
    "html_url",
    "title",
    "merge_commit_sha",
];

/// How hooklake writes Parquet: zstd, dictionaries on repetitive columns,
/// page statistics (so Athena and DataFusion can skip pages).
pub fn writer_properties() -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(ZSTD_LEVEL).expect("valid zstd level"),
        ))
        .set_dictionary_enabled(true)
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_created_by(format!("hooklake {}", env!("CARGO_PKG_VERSION")));
    for column in UNIQUE_COLUMNS {
        builder = builder.set_column_dictionary_enabled(ColumnPath::from(column), false);
    }
    builder.build()
}

/// Encodes rows as one Parquet file (one row group: files are sized by the
/// flush policy to a few tens of MB at most).
pub fn encode_rows(rows: &[PullRequestRow]) -> Result<Vec<u8>, IngestError> {
    encode_batch(&rows_to_batch(rows).map_err(encode_err)?)
}

fn encode_batch(batch: &RecordBatch) -> Result<Vec<u8>, IngestError> {
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, row_schema(), Some(writer_properties()))
        .map_err(encode_err)?;
    writer.write(batch).map_err(encode_err)?;
    writer.close().map_err(encode_err)?;
    Ok(bytes)
}

pub(crate) fn encode_err(e: impl std::fmt::Display) -> IngestError {
    IngestError::Encode(e.to_string())
}
