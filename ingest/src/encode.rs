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
/// costs time and space: a unique 8-byte value takes 8 bytes in the
/// dictionary and an index besides, and each dictionary column costs every
/// open file a hash table of 4,096 slots (heaptrack: 74 KB each). Without
/// dictionaries on the four unique numbers, `bench/import.sh 85000 60
/// 256MiB` peaked at 340 MB instead of 363, at 109 bytes per delivery
/// instead of 114 (docs/benchmarks.md).
const UNIQUE_COLUMNS: [&str; 9] = [
    "delivery_id",
    "payload",
    "html_url",
    "title",
    "merge_commit_sha",
    "received_at",
    "merged_at",
    "number",
    "pull_request_id",
];

/// Columns written without compression: a dictionary (few distinct
/// logins, branches, counts) or 8 bytes a row (timestamps, numbers) already
/// makes them small. Each compressed column costs every open file a zstd
/// compressor and, in parquet 59, a decompressor it never uses (heaptrack):
/// `bench/import.sh 85000 60 256MiB` (60 partitions open) peaked at 427 MB
/// with every column zstd and 364 MB with these 14 uncompressed, for 23
/// bytes more per delivery (0.6% of the 3,674 a real payload takes;
/// docs/benchmarks.md).
const UNCOMPRESSED_COLUMNS: [&str; 14] = [
    "received_at",
    "merged_at",
    "number",
    "pull_request_id",
    "repository",
    "repository_id",
    "author_login",
    "merged_by_login",
    "base_ref",
    "additions",
    "deletions",
    "commits",
    "changed_files_count",
    "changed_files_status",
];

/// How hooklake writes Parquet: zstd where it pays, dictionaries on
/// repetitive columns, page statistics (so Athena and DataFusion can skip
/// pages).
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
    for column in UNCOMPRESSED_COLUMNS {
        builder =
            builder.set_column_compression(ColumnPath::from(column), Compression::UNCOMPRESSED);
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
