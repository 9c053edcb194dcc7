//! The one ingest pipeline against the fake GitHub API: whatever GitHub
//! does, every row is written, with an enrichment status that says why it
//! has no files; only a failed put fails messages.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hooklake_github::{Credentials, Enricher, GitHubClient};
use hooklake_ingest::pipeline::{FailureKind, Message, NoPayloadStore, Pipeline, Report};
use hooklake_ingest::put::Sink;
use hooklake_schema::envelope::Envelope;
use hooklake_tests::fake_github::{FakeGitHub, Scenario};
use hooklake_tests::fixtures::merged_payload_for;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// Files in memory; puts under `fail_prefix` fail.
#[derive(Default)]
struct MemorySink {
    files: Mutex<BTreeMap<String, Vec<u8>>>,
    fail_prefix: Option<String>,
}

impl Sink for MemorySink {
    async fn put(&self, key: String, bytes: Vec<u8>) -> Result<String, String> {
        if self
            .fail_prefix
            .as_ref()
            .is_some_and(|p| key.starts_with(p))
        {
            return Err(format!("injected failure writing {key}"));
        }
        self.files.lock().unwrap().insert(key.clone(), bytes);
        Ok(key)
    }
}

impl MemorySink {
    /// changed_files_status of every row written, by delivery id.
    fn statuses(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for bytes in self.files.lock().unwrap().values() {
            let reader =
                ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes.clone()))
                    .unwrap()
                    .build()
                    .unwrap();
            for batch in reader {
                let batch = batch.unwrap();
                let column = |name: &str| {
                    batch
                        .column_by_name(name)
                        .unwrap()
                        .as_any()
                        .downcast_ref::<arrow_array::StringArray>()
                        .unwrap()
                        .clone()
                };
                let (ids, statuses) = (column("delivery_id"), column("changed_files_status"));
                for i in 0..batch.num_rows() {
                    let previous =
                        out.insert(ids.value(i).to_owned(), statuses.value(i).to_owned());
                    assert!(previous.is_none(), "delivery {} twice", ids.value(i));
                }
            }
        }
        out
    }
}

fn message(id: &str, delivery: &str, repository: &str, number: i64) -> Message {
    Message {
        id: id.into(),
        body: Envelope::inline(
            delivery,
            "pull_request",
            None,
            chrono::Utc::now(),
            merged_payload_for(repository, number),
        )
        .to_line(),
    }
}

/// `n` distinct pull requests in `repository`, one message each.
fn messages(n: usize, repository: &str) -> Vec<Message> {
    (0..n)
        .map(|i| message(&format!("m{i}"), &format!("d{i}"), repository, i as i64))
        .collect()
}

fn enricher(url: &str) -> Enricher {
    Enricher::new(Some(
        GitHubClient::new(url, Credentials::Token("ghp_test".into())).unwrap(),
    ))
}

async fn run(
    sink: &MemorySink,
    enricher: &Enricher,
    messages: Vec<Message>,
    budget: Duration,
) -> Report {
    Pipeline::new(sink, &NoPayloadStore, enricher)
        .run(messages, Instant::now() + budget)
        .await
}

fn count(statuses: &BTreeMap<String, String>, status: &str) -> usize {
    statuses.values().filter(|s| s.as_str() == status).count()
}

#[tokio::test]
async fn one_delivery_fifty_times_in_a_batch_is_one_lookup_and_one_row() {
    let github = FakeGitHub::start(HashMap::new()).await;
    let (sink, enricher) = (MemorySink::default(), enricher(&github.url()));
    let batch = (0..50)
        .map(|i| message(&format!("m{i}"), "d-same", "o/dup", 7))
        .collect();
    let report = run(&sink, &enricher, batch, Duration::from_secs(30)).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(github.requests("o/dup"), 1, "one lookup");
    assert_eq!(report.rows, 1);
    assert_eq!(sink.statuses()["d-same"], "complete");
}

#[tokio::test]
async fn refused_credentials_write_every_row_unauthorized_and_stop_the_lookups() {
    let github = FakeGitHub::start(HashMap::from([(
        "*".to_string(),
        Scenario::failing("bad_credentials", 0),
    )]))
    .await;
    let (sink, enricher) = (MemorySink::default(), enricher(&github.url()));
    let report = run(
        &sink,
        &enricher,
        messages(40, "o/locked"),
        Duration::from_secs(30),
    )
    .await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let statuses = sink.statuses();
    assert_eq!(count(&statuses, "unauthorized"), 40, "{statuses:?}");
    let calls = github.total_requests();
    assert!(
        calls <= hooklake_github::DEFAULT_CONCURRENCY,
        "{calls} calls: the breaker stops lookups after the first refusal"
    );
    // The next batch does not ask GitHub at all during the cool-down.
    let later: Vec<Message> = (100..120)
        .map(|i| message(&format!("m{i}"), &format!("d{i}"), "o/locked", i))
        .collect();
    let report = run(&sink, &enricher, later, Duration::from_secs(30)).await;
    assert!(report.failed.is_empty());
    assert_eq!(github.total_requests(), calls);
    assert_eq!(count(&sink.statuses(), "unauthorized"), 60);
}

#[tokio::test]
async fn unreachable_github_writes_every_row_unavailable() {
    let closed = hooklake_tests::moto::free_port();
    let (sink, enricher) = (
        MemorySink::default(),
        enricher(&format!("http://127.0.0.1:{closed}")),
    );
    let report = run(
        &sink,
        &enricher,
        messages(12, "o/far"),
        Duration::from_secs(30),
    )
    .await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(count(&sink.statuses(), "unavailable"), 12);
}

#[tokio::test]
async fn server_errors_write_every_row_unavailable() {
    let github = FakeGitHub::start(HashMap::from([(
        "*".to_string(),
        Scenario::failing("server_error", 0),
    )]))
    .await;
    let (sink, enricher) = (MemorySink::default(), enricher(&github.url()));
    let report = run(
        &sink,
        &enricher,
        messages(10, "o/down"),
        Duration::from_secs(30),
    )
    .await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(count(&sink.statuses(), "unavailable"), 10);
}

#[tokio::test]
async fn slow_github_is_cut_off_at_the_deadline_and_the_rest_is_pending() {
    let github = FakeGitHub::start(HashMap::from([(
        "*".to_string(),
        Scenario::slow(Duration::from_millis(400)),
    )]))
    .await;
    let (sink, enricher) = (MemorySink::default(), enricher(&github.url()));
    let budget = Duration::from_millis(1000);
    let started = Instant::now();
    let report = run(&sink, &enricher, messages(64, "o/slow"), budget).await;
    let took = started.elapsed();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let statuses = sink.statuses();
    assert_eq!(statuses.len(), 64, "every row is written");
    assert_eq!(
        count(&statuses, "complete") + count(&statuses, "pending"),
        64,
        "{statuses:?}"
    );
    assert!(count(&statuses, "complete") > 0, "{statuses:?}");
    assert!(count(&statuses, "pending") > 0, "{statuses:?}");
    // Not a performance figure: the deadline is the behaviour under test.
    assert!(
        took < budget + Duration::from_secs(5),
        "the batch took {took:?}"
    );
}

#[tokio::test]
async fn a_rate_limit_that_resets_within_the_budget_is_waited_out() {
    let github = FakeGitHub::start(HashMap::from([(
        "o/limited".to_string(),
        Scenario::failing("secondary_rate_limit", 1),
    )]))
    .await;
    let (sink, enricher) = (MemorySink::default(), enricher(&github.url()));
    let report = run(
        &sink,
        &enricher,
        messages(1, "o/limited"),
        Duration::from_secs(20),
    )
    .await;
    assert!(report.failed.is_empty());
    assert_eq!(sink.statuses()["d0"], "complete");
}

#[tokio::test]
async fn a_rate_limit_beyond_the_budget_writes_the_row_rate_limited() {
    let github = FakeGitHub::start(HashMap::from([(
        "o/limited".to_string(),
        Scenario::failing("secondary_rate_limit", 0),
    )]))
    .await;
    let (sink, enricher) = (MemorySink::default(), enricher(&github.url()));
    let report = run(
        &sink,
        &enricher,
        messages(3, "o/limited"),
        Duration::from_millis(500),
    )
    .await;
    assert!(report.failed.is_empty());
    assert_eq!(count(&sink.statuses(), "rate_limited"), 3);
}

#[tokio::test]
async fn a_failed_put_fails_only_the_messages_of_that_file() {
    let github = FakeGitHub::start(HashMap::new()).await;
    let sink = MemorySink {
        // merged_payload_for merges on the fixture's date; one partition.
        fail_prefix: Some("merged_date=".into()),
        ..MemorySink::default()
    };
    let enricher = enricher(&github.url());
    let mut batch = messages(3, "o/r");
    batch.push(Message {
        id: "bad".into(),
        body: "not an envelope".into(),
    });
    let report = run(&sink, &enricher, batch, Duration::from_secs(10)).await;
    let mut kinds: Vec<(String, FailureKind)> = report
        .failed
        .iter()
        .map(|f| (f.message_id.clone(), f.kind))
        .collect();
    kinds.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        kinds,
        [
            ("bad".to_string(), FailureKind::BadMessage),
            ("m0".to_string(), FailureKind::Write),
            ("m1".to_string(), FailureKind::Write),
            ("m2".to_string(), FailureKind::Write),
        ]
    );
    assert!(report.failed[1].reason.contains("injected failure"));
}
