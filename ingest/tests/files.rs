//! The ingest core's files: partitioning, deterministic keys, and what an
//! independent Parquet reader (the `parquet` crate's own reader, not Arrow's
//! writer path) sees in them.

use bytes_reader::read_rows;
use chrono::{DateTime, Duration, Utc};
use hooklake_ingest::plan::{file_id, PlannedFile};
use hooklake_ingest::rows::row_from_line;
use hooklake_ingest::stream::{PartitionedWriter, WriterLimits};
use hooklake_schema::envelope::Envelope;
use hooklake_schema::row::PullRequestRow;

mod bytes_reader {
    use parquet::file::reader::{FileReader, SerializedFileReader};

    /// One column chunk of a file's first row group.
    #[derive(Debug)]
    pub struct Chunk {
        pub path: String,
        pub codec: String,
        pub dictionary: bool,
        pub delta: bool,
    }

    /// Row count and the column chunks of the first row group (codec, and
    /// whether it has a dictionary page), via the low-level reader.
    pub fn read_rows(bytes: Vec<u8>) -> (i64, Vec<Chunk>) {
        let reader = SerializedFileReader::new(bytes::Bytes::from(bytes)).unwrap();
        let meta = reader.metadata();
        let chunks = meta.row_groups()[0]
            .columns()
            .iter()
            .map(|c| Chunk {
                path: c.column_path().string(),
                codec: format!("{:?}", c.compression()),
                dictionary: c.dictionary_page_offset().is_some(),
                delta: c
                    .encodings()
                    .any(|e| e == parquet::basic::Encoding::DELTA_BINARY_PACKED),
            })
            .collect();
        (meta.file_metadata().num_rows(), chunks)
    }
}

fn row(i: usize, day: i64) -> PullRequestRow {
    let merged_at: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z")
        .unwrap()
        .to_utc()
        + Duration::days(day);
    let payload = serde_json::json!({
        "action": "closed",
        "pull_request": {"id": i, "number": i, "title": format!("t{i}"), "merged": true,
            "merged_at": merged_at.to_rfc3339(), "html_url": "u", "base": {"ref": "main"}, "head": {"ref": "f"}},
        "repository": {"id": 1, "full_name": "o/r"}
    })
    .to_string();
    row_from_line(
        &Envelope::inline(format!("d{i:04}"), "pull_request", None, merged_at, payload).to_line(),
    )
    .unwrap()
}

fn batch(rows: Vec<PullRequestRow>) -> Vec<PlannedFile> {
    let mut writer = PartitionedWriter::for_batch(10_000);
    for row in rows {
        assert!(writer.push(row).unwrap().is_empty());
    }
    let mut files = writer.finish_all().unwrap();
    files.sort_by(|a, b| a.key.cmp(&b.key));
    files
}

#[test]
fn a_batch_is_one_file_per_partition_named_after_its_deliveries() {
    let rows: Vec<_> = (0..10).map(|i| row(i, (i % 3) as i64)).collect();
    let files = batch(rows.clone());
    assert_eq!(files.len(), 3);
    assert_eq!(files.iter().map(|f| f.rows).sum::<usize>(), 10);
    let first: Vec<String> = ["d0000", "d0003", "d0006", "d0009"]
        .map(String::from)
        .into();
    assert_eq!(files[0].deliveries, first);
    assert_eq!(
        files[0].key,
        format!("merged_date=2026-01-01/part-{}.parquet", file_id(&first))
    );
    let (n, chunks) = read_rows(files[0].bytes.clone());
    assert_eq!(n, 4);
    let chunk = |path: &str| chunks.iter().find(|c| c.path == path).unwrap();
    // zstd where values are long or unique; none where a dictionary or an
    // 8-byte number already makes the column small, nor inside a batch's
    // lists (hooklake_ingest::encode::FileLayout).
    for path in ["payload", "title", "html_url", "delivery_id"] {
        assert!(chunk(path).codec.starts_with("ZSTD"), "{path}: {chunks:?}");
    }
    for path in [
        "repository",
        "merged_at",
        "number",
        "changed_files_status",
        "labels.list.item",
        "changed_files.added.list.item",
        "changed_files.renamed.list.item.filename",
    ] {
        assert_eq!(chunk(path).codec, "UNCOMPRESSED", "{path}");
    }
    // A batch's numbers are plain: delta encoding is a stream's
    // (FileLayout::Stream), whose encoder's buffers would cost the Lambda.
    for path in ["received_at", "merged_at", "number", "pull_request_id"] {
        assert!(!chunk(path).delta, "{path}: {chunks:?}");
    }
    // Dictionaries where values repeat; none where each row has its own.
    for path in [
        "repository",
        "repository_id",
        "base_ref",
        "changed_files_status",
    ] {
        assert!(chunk(path).dictionary, "{path}: {chunks:?}");
    }
    for path in [
        "delivery_id",
        "payload",
        "received_at",
        "merged_at",
        "number",
        "pull_request_id",
    ] {
        assert!(!chunk(path).dictionary, "{path}: {chunks:?}");
    }
    // The same deliveries in another order: the same keys.
    let again = batch(rows.into_iter().rev().collect());
    assert_eq!(
        again.iter().map(|f| &f.key).collect::<Vec<_>>(),
        files.iter().map(|f| &f.key).collect::<Vec<_>>()
    );
}

#[test]
fn a_delivery_sent_fifty_times_is_one_row() {
    let files = batch((0..50).map(|_| row(7, 0)).chain([row(8, 0)]).collect());
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].rows, 2);
    assert_eq!(read_rows(files[0].bytes.clone()).0, 2);
}

#[test]
fn the_memory_limit_closes_the_largest_open_file() {
    let limits = WriterLimits {
        max_rows_per_file: 1_000_000,
        memory_limit: 64 * 1024,
        ..Default::default()
    };
    let mut writer = PartitionedWriter::new(limits);
    let mut files = Vec::new();
    for i in 0..400 {
        files.extend(writer.push(row(i, (i % 20) as i64)).unwrap());
        assert!(
            writer.held_bytes() <= limits.memory_limit,
            "{} bytes held after row {i}",
            writer.held_bytes()
        );
    }
    files.extend(writer.finish_all().unwrap());
    assert_eq!(files.iter().map(|f| f.rows).sum::<usize>(), 400);
    assert!(files.len() > 20, "files closed early: {}", files.len());
    for f in &files {
        assert_eq!(read_rows(f.bytes.clone()).0 as usize, f.rows);
    }
}

#[test]
fn streaming_writer_closes_files_at_the_row_limit_and_is_deterministic() {
    let write = || {
        let mut w = PartitionedWriter::new(WriterLimits {
            max_rows_per_file: 4,
            ..WriterLimits::default()
        });
        let mut files = Vec::new();
        for i in 0..20 {
            files.extend(w.push(row(i, (i % 2) as i64)).unwrap());
        }
        files.extend(w.finish_all().unwrap());
        files
    };
    let files = write();
    // 10 rows per partition, at most 4 per file: 4 + 4 + 2 in each of 2 partitions.
    assert_eq!(files.len(), 6);
    assert_eq!(files.iter().map(|f| f.rows).sum::<usize>(), 20);
    for f in &files {
        assert_eq!(read_rows(f.bytes.clone()).0 as usize, f.rows);
    }
    let keys = |fs: &[PlannedFile]| {
        let mut k: Vec<_> = fs.iter().map(|f| f.key.clone()).collect();
        k.sort();
        k
    };
    assert_eq!(keys(&files), keys(&write()));
}
