//! Rows → one Parquet file.

use hooklake_schema::arrow::{row_schema, rows_to_batch};
use hooklake_schema::row::PullRequestRow;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::IngestError;

/// zstd level 3: close to the best ratio on JSON-heavy columns at a fraction
/// of higher levels' CPU.
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
    let encode_err = |e: &dyn std::fmt::Display| IngestError::Encode(e.to_string());
    let batch = rows_to_batch(rows).map_err(|e| encode_err(&e))?;
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, row_schema(), Some(writer_properties()))
        .map_err(|e| encode_err(&e))?;
    writer.write(&batch).map_err(|e| encode_err(&e))?;
    writer.close().map_err(|e| encode_err(&e))?;
    Ok(bytes)
}
