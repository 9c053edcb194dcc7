//! Rows → one Parquet file.

use hooklake_schema::arrow::row_schema;
use parquet::arrow::ArrowSchemaConverter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::IngestError;

/// zstd level 1: most of the ratio of higher levels on JSON-heavy columns,
/// at the least CPU (Arrow C++ and DuckDB default to it too).
const ZSTD_LEVEL: i32 = 1;

/// Columns whose values are (nearly) unique per row, where a dictionary only
/// costs time and space: a unique 8-byte value takes 8 bytes in the
/// dictionary and an index besides.
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

/// Numbers and times that grow from row to row (in delivery order): delta
/// encoding stores the differences, bit-packed, not 8 bytes a row (in a
/// stream's files: [`FileLayout`]; sizes in docs/benchmarks.md,
/// "Measurements behind the code's choices").
const DELTA_COLUMNS: [&str; 4] = ["received_at", "merged_at", "number", "pull_request_id"];

/// Columns written without compression: a dictionary (few distinct logins,
/// branches, counts), delta encoding or their 8 bytes a row already make
/// them small, and every compressed column costs each row group a zstd
/// compressor and decompressor, made and dropped.
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

/// Which files a writer makes. The two differ in what memory buys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileLayout {
    /// A batch's files (serve, the Lambda, the poller): small partitions,
    /// encoded once, in a process whose peak memory is its cost (the
    /// Lambda's price is by the MB), read once more by compaction.
    /// `payload` pages of 1 MiB (parquet's default), plain numbers, and
    /// the values inside lists uncompressed.
    Batch,
    /// A stream's files ([`crate::stream`]: `import`, compaction): many row
    /// groups a file, where bytes a row add up. `payload` pages of 4 MiB
    /// (payloads of one repository share most of their text, and zstd
    /// finds that only within a page), and delta encoding on growing
    /// numbers and times.
    Stream,
}

impl FileLayout {
    fn payload_page_bytes(self) -> usize {
        match self {
            FileLayout::Batch => 1024 * 1024,
            FileLayout::Stream => 4 * 1024 * 1024,
        }
    }

    /// Delta encoding pays in a stream's many rows, but parquet's delta
    /// encoder starts with a 1 MiB buffer (`DEFAULT_BIT_WRITER_SIZE`) per
    /// column, which a batch's small files do not repay in the Lambda's
    /// memory.
    fn delta_encoding(self) -> bool {
        self == FileLayout::Stream
    }

    /// Whether the values inside lists are compressed. They are
    /// dictionary-encoded, and in a batch's small files zstd's frames make
    /// them bigger, not smaller; each compressed chunk also costs its writer
    /// and every reader (compaction) a zstd compressor and decompressor.
    fn compresses_lists(self) -> bool {
        self == FileLayout::Stream
    }
}

/// How hooklake writes Parquet: zstd on long and unique columns,
/// dictionaries on repetitive ones, and min/max statistics per column
/// chunk (so Athena and DataFusion can skip row groups), except on
/// `payload`, whose first 64 bytes say nothing a query could skip by.
/// Statistics per page as well cost 15 bytes a row on a stream's small row
/// groups, where a page is nearly always the whole chunk. `layout` sets the
/// `payload` page size, delta encoding and compression inside lists
/// ([`FileLayout`]).
///
/// Codecs and dictionary tables live only while a row group is encoded
/// ([`crate::stream`] closes a row group at each encode): they cost time
/// per row group, not memory per open file.
pub fn writer_properties(layout: FileLayout) -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(ZSTD_LEVEL).expect("valid zstd level"),
        ))
        .set_dictionary_enabled(true)
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_column_statistics_enabled(ColumnPath::from("payload"), EnabledStatistics::None)
        .set_column_data_page_size_limit(ColumnPath::from("payload"), layout.payload_page_bytes())
        .set_created_by(format!("hooklake {}", env!("CARGO_PKG_VERSION")));
    for column in UNIQUE_COLUMNS {
        builder = builder.set_column_dictionary_enabled(ColumnPath::from(column), false);
    }
    if layout.delta_encoding() {
        for column in DELTA_COLUMNS {
            builder = builder
                .set_column_encoding(ColumnPath::from(column), Encoding::DELTA_BINARY_PACKED);
        }
    }
    for column in UNCOMPRESSED_COLUMNS {
        builder =
            builder.set_column_compression(ColumnPath::from(column), Compression::UNCOMPRESSED);
    }
    if !layout.compresses_lists() {
        for column in list_value_columns() {
            builder = builder.set_column_compression(column, Compression::UNCOMPRESSED);
        }
    }
    builder.build()
}

/// The leaf columns inside lists (`labels`, `changed_files`' lists of
/// paths), from the row schema: repeated, so their repetition level is
/// above zero.
fn list_value_columns() -> Vec<ColumnPath> {
    let parquet_schema = ArrowSchemaConverter::new()
        .convert(&row_schema())
        .expect("the row schema converts to Parquet");
    parquet_schema
        .columns()
        .iter()
        .filter(|column| column.max_rep_level() > 0)
        .map(|column| column.path().clone())
        .collect()
}

pub(crate) fn encode_err(e: impl std::fmt::Display) -> IngestError {
    IngestError::Encode(e.to_string())
}
