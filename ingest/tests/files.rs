//! The ingest core's files: partitioning, deterministic keys, and what an
//! independent Parquet reader (the `parquet` crate's own reader, not Arrow's
//! writer path) sees in them.

use bytes_reader::read_rows;
use chrono::{DateTime, Duration, Utc};
use hooklake_ingest::plan::{batch_id, plan_files};
use hooklake_ingest::rows::row_from_line;
use hooklake_ingest::stream::PartitionedWriter;
use hooklake_schema::envelope::Envelope;
use hooklake_schema::row::PullRequestRow;

mod bytes_reader {
    use parquet::file::reader::{FileReader, SerializedFileReader};

    /// Row count and the codec of each column chunk, via the low-level reader.
    pub fn read_rows(bytes: Vec<u8>) -> (i64, Vec<String>) {
        let reader = SerializedFileReader::new(bytes::Bytes::from(bytes)).unwrap();
        let meta = reader.metadata();
        let codecs = meta.row_groups()[0]
            .columns()
            .iter()
            .map(|c| format!("{:?}", c.compression()))
            .collect();
        (meta.file_metadata().num_rows(), codecs)
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

#[test]
fn plan_writes_one_zstd_file_per_partition_under_stable_keys() {
    let rows: Vec<_> = (0..10).map(|i| row(i, (i % 3) as i64)).collect();
    let id = batch_id(rows.iter().map(|r| r.delivery_id.as_str()));
    let files = plan_files(&id, rows.clone()).unwrap();
    assert_eq!(files.len(), 3);
    assert_eq!(files.iter().map(|f| f.rows).sum::<usize>(), 10);
    assert_eq!(
        files[0].key,
        format!("merged_date=2026-01-01/part-{id}.parquet")
    );
    let (n, codecs) = read_rows(files[0].bytes.clone());
    assert_eq!(n, 4);
    assert!(codecs.iter().all(|c| c.starts_with("ZSTD")), "{codecs:?}");
    let again = plan_files(&id, rows).unwrap();
    assert_eq!(
        again.iter().map(|f| &f.key).collect::<Vec<_>>(),
        files.iter().map(|f| &f.key).collect::<Vec<_>>()
    );
}

#[test]
fn streaming_writer_closes_files_at_the_row_limit_and_is_deterministic() {
    let write = || {
        let mut w = PartitionedWriter::new(4);
        let mut files = Vec::new();
        for i in 0..20 {
            files.extend(w.push(row(i, (i % 2) as i64)).unwrap());
        }
        files.extend(w.finish().unwrap());
        files
    };
    let files = write();
    // 10 rows per partition, at most 4 per file: 4 + 4 + 2 in each of 2 partitions.
    assert_eq!(files.len(), 6);
    assert_eq!(files.iter().map(|f| f.rows).sum::<usize>(), 20);
    for f in &files {
        assert_eq!(read_rows(f.bytes.clone()).0 as usize, f.rows);
    }
    let keys = |fs: &[hooklake_ingest::plan::PlannedFile]| {
        let mut k: Vec<_> = fs.iter().map(|f| f.key.clone()).collect();
        k.sort();
        k
    };
    assert_eq!(keys(&files), keys(&write()));
}
