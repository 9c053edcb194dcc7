//! Compaction and status on a local lake: the maintenance acceptance lake
//! (at a fifth of its size), a writer racing the run, a corrupt file, two runs
//! at once, files of an older schema.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hooklake_github::{Credentials, Enricher, GitHubClient};
use hooklake_ingest::lake::{Fetched, LakeError, LakeFile, LakeStore};
use hooklake_ingest::local::LocalLake;
use hooklake_ingest::put::Sink;
use hooklake_maintain::compact::{CompactOptions, NoProgress, DEFAULT_TARGET_FILE_BYTES};
use hooklake_maintain::driver::compact;
use hooklake_maintain::select::Selection;
use hooklake_maintain::status::{status, LakeStatus};
use hooklake_schema::row::ChangedFilesStatus;
use hooklake_tests::fake_github::FakeGitHub;
use hooklake_tests::lake::{build_lake, lake_row, write_parquet, BuiltLake, LakeSpec};

fn options() -> CompactOptions {
    CompactOptions {
        target_file_bytes: DEFAULT_TARGET_FILE_BYTES,
        memory_limit: 64 * 1024 * 1024,
        enrich_until: Instant::now() + Duration::from_secs(120),
    }
}

async fn enricher(github: &FakeGitHub) -> Enricher {
    Enricher::new(Some(
        GitHubClient::new(&github.url(), Credentials::Token("test-token".into())).unwrap(),
    ))
}

/// A lake of `files` small files over `partitions` days (the acceptance
/// lake's mix of duplicates and `unavailable` rows).
fn small_lake(
    files: usize,
    partitions: usize,
    seed: u64,
) -> (tempfile::TempDir, BuiltLake, LocalLake) {
    let dir = tempfile::tempdir().unwrap();
    let spec = LakeSpec {
        files,
        partitions,
        ..LakeSpec::default()
    };
    let built = build_lake(dir.path(), spec, seed);
    let lake = LocalLake::open(dir.path()).unwrap();
    (dir, built, lake)
}

async fn lake_status(lake: &LocalLake) -> LakeStatus {
    status(lake, &Selection::all(), DEFAULT_TARGET_FILE_BYTES)
        .await
        .unwrap()
}

/// The acceptance lake's shape at a fifth of its size (the 10,000-file
/// lake runs through the CLI, killed and all: cli/tests/compact_cli.rs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_files_become_one_per_partition_enriched_and_deduplicated() {
    let dir = tempfile::tempdir().unwrap();
    let spec = LakeSpec {
        files: 2_000,
        ..LakeSpec::default()
    };
    let built = build_lake(dir.path(), spec, 7);
    let lake = LocalLake::open(dir.path()).unwrap();
    let github = FakeGitHub::start(HashMap::new()).await;

    let before = lake_status(&lake).await;
    assert_eq!(before.partitions.len(), 30);
    assert_eq!(before.total.files, 2_000);
    assert_eq!(before.total.rows, built.rows);
    assert_eq!(before.total.deliveries, built.deliveries.len());
    assert_eq!(
        before.total.duplicate_rows,
        built.rows - built.deliveries.len()
    );
    assert!(before.total.duplicate_rows > 0);
    assert_eq!(before.total.statuses["unavailable"], built.unavailable_rows);
    assert_eq!(before.total.small_files, 2_000);

    let enricher = enricher(&github).await;
    let report = compact(
        &lake,
        &Selection::all(),
        Some(&enricher),
        &options(),
        &NoProgress,
    )
    .await
    .unwrap();
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(report.partitions.len(), 30);

    let after = lake_status(&lake).await;
    assert_eq!(after.total.files, 30);
    assert_eq!(after.total.rows, built.deliveries.len());
    assert_eq!(after.total.deliveries, built.deliveries.len());
    assert_eq!(after.total.duplicate_rows, 0);
    assert_eq!(after.total.repairable_rows, 0);
    assert_eq!(
        after.total.statuses,
        BTreeMap::from([("complete".to_owned(), built.deliveries.len())])
    );
    assert_eq!(after.total.small_files, 0);
    // Each repairable delivery was looked up once.
    assert!(github.total_requests() <= built.unavailable_rows);

    if let Some(seen) = hooklake_tests::readers::read_lake(dir.path()) {
        assert_eq!(seen["duckdb_rows"], built.deliveries.len());
        assert_eq!(seen["pyarrow_rows"], built.deliveries.len());
        let ids: Vec<String> = built.deliveries.iter().cloned().collect();
        assert_eq!(seen["delivery_ids"], serde_json::json!(ids));
        assert_eq!(seen["reference_rows"].as_array().unwrap().len(), 10);
    }

    // Nothing left to do: a second run changes nothing.
    let again = compact(
        &lake,
        &Selection::all(),
        Some(&enricher),
        &options(),
        &NoProgress,
    )
    .await
    .unwrap();
    assert!(again.partitions.is_empty(), "{again:?}");
}

/// A lake that, once the run has fetched `after` files, has a writer add a
/// file to the partition being compacted (as serve or the Lambda would).
struct RacingWriter {
    lake: LocalLake,
    fetches: AtomicUsize,
    after: usize,
    added: std::sync::Mutex<Vec<String>>,
}

impl Sink for RacingWriter {
    async fn put(&self, key: String, bytes: Vec<u8>) -> Result<String, String> {
        Sink::put(&self.lake, key, bytes).await
    }
}

impl LakeStore for RacingWriter {
    fn location(&self) -> String {
        self.lake.location()
    }
    async fn partitions(&self) -> Result<Vec<String>, LakeError> {
        self.lake.partitions().await
    }
    async fn files(&self, partition: &str) -> Result<Vec<LakeFile>, LakeError> {
        self.lake.files(partition).await
    }
    async fn fetch(&self, key: &str) -> Result<Fetched, LakeError> {
        if self.fetches.fetch_add(1, Ordering::SeqCst) == self.after {
            let partition = hooklake_ingest::lake::partition_of(key).to_owned();
            let day = hooklake_maintain::select::partition_date(&partition).unwrap();
            let offset = (day - hooklake_tests::lake::first_day().date_naive()).num_days() as usize;
            let row = lake_row(9_000_000, offset, ChangedFilesStatus::Complete, 64);
            let added = format!("{partition}/part-written-meanwhile.parquet");
            write_parquet(&self.lake.root().join(&added), &[row]);
            self.added.lock().unwrap().push(added);
        }
        self.lake.fetch(key).await
    }
    async fn delete(&self, key: &str) -> Result<(), LakeError> {
        self.lake.delete(key).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_written_during_the_run_survives_and_is_compacted_next_time() {
    let dir = tempfile::tempdir().unwrap();
    let spec = LakeSpec {
        files: 200,
        partitions: 2,
        ..LakeSpec::default()
    };
    let built = build_lake(dir.path(), spec, 11);
    let racing = RacingWriter {
        lake: LocalLake::open(dir.path()).unwrap(),
        fetches: AtomicUsize::new(0),
        // Past the first partition's planning reads: during its rewrite.
        after: 130,
        added: Default::default(),
    };
    let report = compact(&racing, &Selection::all(), None, &options(), &NoProgress)
        .await
        .unwrap();
    assert!(report.is_clean(), "{report:?}");
    let added = racing.added.lock().unwrap().clone();
    assert_eq!(added.len(), 1);
    assert!(
        dir.path().join(&added[0]).exists(),
        "the new file was deleted"
    );

    let lake = racing.lake;
    let mid = lake_status(&lake).await;
    assert_eq!(mid.total.deliveries, built.deliveries.len() + 1);
    compact(&lake, &Selection::all(), None, &options(), &NoProgress)
        .await
        .unwrap();
    let after = lake_status(&lake).await;
    assert_eq!(after.total.files, 2);
    assert_eq!(after.total.rows, built.deliveries.len() + 1);
    assert!(!dir.path().join(&added[0]).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_file_is_kept_named_and_fails_the_run() {
    let (dir, built, lake) = small_lake(300, 3, 5);
    let partitions = lake.partitions().await.unwrap();
    let bad = format!("{}/part-corrupt.parquet", partitions[1]);
    let mut rng = hooklake_tests::lake::Rng::new(3);
    let noise: Vec<u8> = (0..4096).map(|_| rng.below(256) as u8).collect();
    std::fs::write(dir.path().join(&bad), noise).unwrap();
    let files_before = lake.files(&partitions[1]).await.unwrap();

    let report = compact(&lake, &Selection::all(), None, &options(), &NoProgress)
        .await
        .unwrap();
    assert!(!report.is_clean());
    assert_eq!(report.bad_files.len(), 1);
    assert_eq!(report.bad_files[0].key, bad);
    assert!(
        report.bad_files[0].reason.contains("Parquet"),
        "{}",
        report.bad_files[0].reason
    );
    assert!(dir.path().join(&bad).exists());
    // Its partition is left as it was; the others are compacted.
    assert_eq!(lake.files(&partitions[1]).await.unwrap(), files_before);
    assert_eq!(lake.files(&partitions[0]).await.unwrap().len(), 1);
    assert_eq!(lake.files(&partitions[2]).await.unwrap().len(), 1);

    let after = lake_status(&lake).await;
    assert_eq!(after.unreadable.len(), 1);
    assert_eq!(after.total.deliveries, built.deliveries.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_at_once_lose_nothing() {
    let (_dir, built, lake) = small_lake(600, 4, 13);
    // Two tasks on two threads, as two processes would.
    let run = |lake: LocalLake| {
        tokio::spawn(async move {
            compact(&lake, &Selection::all(), None, &options(), &NoProgress)
                .await
                .unwrap()
        })
    };
    let (a, b) = (run(lake.clone()), run(lake.clone()));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert!(a.failed.is_empty(), "{a:?}");
    assert!(b.failed.is_empty(), "{b:?}");
    assert_eq!(
        lake_status(&lake).await.total.deliveries,
        built.deliveries.len()
    );

    compact(&lake, &Selection::all(), None, &options(), &NoProgress)
        .await
        .unwrap();
    let after = lake_status(&lake).await;
    assert_eq!(after.total.files, 4);
    assert_eq!(after.total.rows, built.deliveries.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_of_an_older_schema_are_rewritten_in_the_current_one() {
    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray};
    let dir = tempfile::tempdir().unwrap();
    let row = lake_row(1, 0, ChangedFilesStatus::Complete, 64);
    let partition = hooklake_schema::partition::partition_path(&row);
    write_parquet(
        &dir.path().join(&partition).join("part-new.parquet"),
        &[row],
    );
    // An early file: no enrichment columns, no labels.
    let old = lake_row(2, 0, ChangedFilesStatus::Complete, 64);
    let text = |v: &str| Arc::new(StringArray::from(vec![v])) as ArrayRef;
    let int = |v: i64| Arc::new(Int64Array::from(vec![v])) as ArrayRef;
    let time = |t: chrono::DateTime<chrono::Utc>| {
        Arc::new(TimestampMillisecondArray::from(vec![t.timestamp_millis()]).with_timezone("UTC"))
            as ArrayRef
    };
    let batch = RecordBatch::try_from_iter(vec![
        ("delivery_id", text(&old.delivery_id)),
        ("received_at", time(old.received_at)),
        ("repository", text(&old.repository)),
        ("repository_id", int(old.repository_id)),
        ("number", int(old.number)),
        ("pull_request_id", int(old.pull_request_id)),
        ("merged_at", time(old.merged_at)),
        ("base_ref", text(&old.base_ref)),
        ("head_ref", text(&old.head_ref)),
        ("html_url", text(&old.html_url)),
        ("payload", text(&old.payload)),
    ])
    .unwrap();
    let file = std::fs::File::create(dir.path().join(&partition).join("part-old.parquet")).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();

    let lake = LocalLake::open(dir.path()).unwrap();
    let report = compact(&lake, &Selection::all(), None, &options(), &NoProgress)
        .await
        .unwrap();
    assert!(report.is_clean(), "{report:?}");
    let files = lake.files(&partition).await.unwrap();
    assert_eq!(files.len(), 1);
    let fetched = lake.fetch(&files[0].key).await.unwrap();
    let rows: Vec<_> = hooklake_maintain::read::batches(fetched.file)
        .unwrap()
        .flat_map(|b| hooklake_schema::decode::rows_from_batch(&b.unwrap()).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    let old_row = rows
        .iter()
        .find(|r| r.delivery_id == old.delivery_id)
        .unwrap();
    // Not looked up yet: pending, for the next run with credentials.
    assert_eq!(old_row.changed_files_status, ChangedFilesStatus::Pending);
    let reader = parquet::file::reader::SerializedFileReader::new(
        lake.fetch(&files[0].key).await.unwrap().file,
    )
    .unwrap();
    let schema = parquet::file::reader::FileReader::metadata(&reader)
        .file_metadata()
        .schema_descr()
        .num_columns();
    assert_eq!(
        schema,
        parquet::arrow::ArrowSchemaConverter::new()
            .convert(&hooklake_schema::arrow::row_schema())
            .unwrap()
            .num_columns()
    );
}
