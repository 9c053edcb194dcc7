//! What serve tells an operator: `/metrics` after a scripted run, parsed
//! by an independent OpenMetrics parser (Python's `prometheus_client`),
//! every counter equal to what the test sent; and `hooklake status
//! --delivery` finding one delivery in the queue, then in its file.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use hooklake::send::{self, Delivery};
use hooklake_tests::fixtures;

/// `{sample name: [(labels, value)]}`, as `prometheus_client` reads the text.
type Parsed = BTreeMap<String, Vec<(BTreeMap<String, String>, f64)>>;

const PARSE: &str = r#"
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        out.setdefault(s.name, []).append([s.labels, s.value])
print(json.dumps(out))
"#;

fn parse(text: &str) -> Parsed {
    let python = std::env::var("HOOKLAKE_PYTHON")
        .expect("HOOKLAKE_PYTHON is not set: run the suite with ./scripts/test.sh");
    let mut child = Command::new(python)
        .args(["-c", PARSE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the OpenMetrics parser refused /metrics: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn value(parsed: &Parsed, name: &str, labels: &[(&str, &str)]) -> f64 {
    let want: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    parsed
        .get(name)
        .and_then(|samples| samples.iter().find(|(l, _)| *l == want))
        .map(|(_, v)| *v)
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_exactly_what_was_sent() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let port = free_port();
    let child = serve(&lake, port);
    let client = send::client().unwrap();
    let post = |d: Delivery| {
        let client = client.clone();
        async move { send::post(&client, &url(port), &d).await.unwrap().status }
    };

    let merged: Vec<String> = fixtures::all()
        .into_iter()
        .filter(|f| f.event == "pull_request")
        .take(3)
        .map(|f| fixtures::merged_variant(&f.body).to_string())
        .collect();
    assert_eq!(merged.len(), 3);
    for payload in &merged {
        assert_eq!(
            post(Delivery::signed("pull_request", payload, SECRET, false)).await,
            202
        );
    }
    let forged = Delivery::signed("pull_request", &merged[0], "wrong-secret", false);
    assert_eq!(post(forged).await, 401);
    let unsigned = client
        .post(url(port))
        .header("Content-Type", "application/json")
        .header("X-GitHub-Event", "pull_request")
        .header("X-GitHub-Delivery", "unsigned-1")
        .body(merged[0].clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    let unmerged = fixtures::load("pull_request", "closed.payload.json");
    assert_eq!(
        post(Delivery::signed("pull_request", &unmerged, SECRET, false)).await,
        200
    );
    let push = fixtures::load("push", "payload.json");
    assert_eq!(
        post(Delivery::signed("push", &push, SECRET, false)).await,
        200
    );
    let ping = fixtures::load("ping", "payload.json");
    assert_eq!(
        post(Delivery::signed("ping", &ping, SECRET, false)).await,
        200
    );
    let wrong_method = client.put(url(port)).send().await.unwrap();
    assert_eq!(wrong_method.status(), 405);

    // The flush (--max-age 100ms) shows as rows written.
    let metrics_url = format!("{}metrics", url(port));
    let deadline = Instant::now() + Duration::from_secs(30);
    let parsed = loop {
        let response = client.get(&metrics_url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let parsed = parse(&response.text().await.unwrap());
        if value(&parsed, "hooklake_rows_written_total", &[]) >= 3.0 {
            break parsed;
        }
        assert!(
            Instant::now() < deadline,
            "no flush within 30 s: {parsed:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };

    let deliveries = |outcome: &str, reason: &str| {
        value(
            &parsed,
            "hooklake_deliveries_total",
            &[("outcome", outcome), ("reason", reason)],
        )
    };
    assert_eq!(deliveries("accepted", "merged_pull_request"), 3.0);
    assert_eq!(deliveries("rejected", "bad_signature"), 1.0);
    assert_eq!(deliveries("rejected", "missing_signature"), 1.0);
    assert_eq!(deliveries("rejected", "method_not_allowed"), 1.0);
    assert_eq!(deliveries("ignored", "closed_without_merge"), 1.0);
    assert_eq!(deliveries("ignored", "event_not_pull_request"), 1.0);
    assert_eq!(deliveries("pong", "ping"), 1.0);
    let all: f64 = parsed["hooklake_deliveries_total"]
        .iter()
        .map(|(_, v)| v)
        .sum();
    assert_eq!(all, 9.0, "nothing else was counted: {parsed:?}");

    let files = parquet_files(&lake);
    let bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    assert_eq!(value(&parsed, "hooklake_rows_written_total", &[]), 3.0);
    assert_eq!(
        value(&parsed, "hooklake_files_written_total", &[]),
        files.len() as f64
    );
    assert_eq!(
        value(&parsed, "hooklake_bytes_written_total", &[]),
        bytes as f64
    );
    // No credentials: every row says so, and no lookup was made.
    assert_eq!(
        value(
            &parsed,
            "hooklake_enriched_rows_total",
            &[("status", "no_credentials")]
        ),
        3.0
    );
    assert_eq!(
        value(&parsed, "hooklake_enrichment_lookups_total", &[]),
        0.0
    );
    let batches = value(&parsed, "hooklake_batches_total", &[]);
    assert!(batches >= 1.0);
    assert_eq!(
        value(&parsed, "hooklake_flush_duration_seconds_count", &[]),
        batches
    );
    assert!(parsed
        .get("hooklake_failures_total")
        .is_none_or(|s| s.iter().all(|(_, v)| *v == 0.0)));
    assert_eq!(value(&parsed, "hooklake_queue_depth", &[]), 0.0);
    stop(child);
}

/// `hooklake status --delivery ID`: where one delivery is.
fn delivery_status(lake: &std::path::Path, id: &str) -> (bool, String) {
    let out = run(hooklake()
        .args(["status", "--delivery", id, "--lake"])
        .arg(lake));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_traces_a_delivery_from_the_queue_to_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let port = free_port();
    // Nothing flushes on its own for an hour: the delivery waits in the queue.
    let child = serve_args(&lake, port, &["--max-age", "1h"], &[]);
    let client = send::client().unwrap();
    let payload = fixtures::merged_variant(&fixtures::load("pull_request", "closed.payload.json"));
    let delivery = Delivery::signed("pull_request", &payload.to_string(), SECRET, false);
    let answer = send::post(&client, &url(port), &delivery).await.unwrap();
    assert_eq!(answer.status, 202);

    let (found, text) = delivery_status(&lake, &delivery.delivery_id);
    assert!(found, "{text}");
    assert!(text.contains("waiting for the next batch"), "{text}");

    stop(child); // flushes on the way out
    let (found, text) = delivery_status(&lake, &delivery.delivery_id);
    assert!(found, "{text}");
    let file = parquet_files(&lake).pop().expect("one file");
    assert!(
        text.contains(&format!("in the lake: {}", file.display())),
        "{text}"
    );
    assert!(
        text.contains("changed_files_status no_credentials"),
        "{text}"
    );

    let (found, text) = delivery_status(&lake, "never-sent");
    assert!(!found, "exit status 1 when nowhere");
    assert!(text.contains("not found"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_delivery_is_a_duplicate_and_one_row() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let port = free_port();
    let child = serve(&lake, port);
    let client = send::client().unwrap();
    let payload = fixtures::merged_variant(&fixtures::load("pull_request", "closed.payload.json"));
    // One captured signed delivery, sent three times, the last after a flush.
    let captured = Delivery::signed("pull_request", &payload.to_string(), SECRET, false);
    let first = send::post(&client, &url(port), &captured).await.unwrap();
    assert_eq!(first.status, 202, "{}", first.body);
    let again = send::post(&client, &url(port), &captured).await.unwrap();
    assert_eq!(again.status, 200, "{}", again.body);
    let answer: serde_json::Value = serde_json::from_str(&again.body).unwrap();
    assert_eq!(answer["outcome"], "duplicate");
    assert_eq!(answer["reason"], "already_accepted");
    assert_eq!(answer["delivery_id"], captured.delivery_id.as_str());
    tokio::time::sleep(Duration::from_millis(800)).await; // --max-age 100ms
    let later = send::post(&client, &url(port), &captured).await.unwrap();
    assert_eq!(
        later.status, 200,
        "still a duplicate after it reached the lake"
    );

    let metrics = client
        .get(format!("{}metrics", url(port)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let parsed = parse(&metrics);
    assert_eq!(
        value(
            &parsed,
            "hooklake_deliveries_total",
            &[("outcome", "duplicate"), ("reason", "already_accepted")]
        ),
        2.0
    );
    stop(child);
    let rows = query_csv(&lake, "SELECT count(*) FROM github_webhooks_table");
    assert_eq!(rows, vec!["1".to_owned()]);
}
