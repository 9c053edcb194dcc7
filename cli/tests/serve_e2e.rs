//! `hooklake serve` for real: a process on loopback, signed HTTP deliveries,
//! the lake read back by `hooklake query` and by independent readers.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use hooklake::send::{self, Delivery};
use hooklake_schema::row::PullRequestRow;
use hooklake_tests::fixtures;

fn merged_payloads() -> Vec<String> {
    fixtures::all()
        .into_iter()
        .filter(|f| f.event == "pull_request")
        .map(|f| serde_json::to_string_pretty(&fixtures::merged_variant(&f.body)).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_stream_keeps_exactly_the_merged_ones_row_for_row() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let port = free_port();
    let child = serve(&lake, port);
    let client = send::client().unwrap();
    let mut accepted = Vec::new();
    let unmerged = fixtures::load("pull_request", "closed.payload.json");
    let push = fixtures::load("push", "payload.json");
    let ping = fixtures::load("ping", "payload.json");

    for (i, payload) in merged_payloads().iter().enumerate() {
        let form = i % 3 == 0;
        let d = Delivery::signed("pull_request", payload, SECRET, form);
        let a = send::post(&client, &url(port), &d).await.unwrap();
        assert_eq!(a.status, 202, "{}", a.body);
        accepted.push((d.delivery_id.clone(), payload.clone()));

        // Interleave everything that must not become a row.
        let forged = Delivery::signed("pull_request", payload, "wrong-secret", false);
        assert_eq!(
            send::post(&client, &url(port), &forged)
                .await
                .unwrap()
                .status,
            401
        );
        let ignored = Delivery::signed("pull_request", &unmerged, SECRET, false);
        assert_eq!(
            send::post(&client, &url(port), &ignored)
                .await
                .unwrap()
                .status,
            200
        );
        let other = Delivery::signed("push", &push, SECRET, false);
        assert_eq!(
            send::post(&client, &url(port), &other)
                .await
                .unwrap()
                .status,
            200
        );
        let pong = Delivery::signed("ping", &ping, SECRET, false);
        assert_eq!(
            send::post(&client, &url(port), &pong).await.unwrap().status,
            200
        );
    }
    let health: serde_json::Value = serde_json::from_str(
        &client
            .get(format!("{}healthz", url(port)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(health["status"], "ok");
    stop(child);

    // Row for row: every column the payload determines, and the payload byte-exact.
    let ctx = hooklake::query::lake_session(&lake).await.unwrap();
    let batches = hooklake::query::run(&ctx, "SELECT delivery_id, repository, number, title, merged_at, labels, payload FROM github_webhooks_table ORDER BY delivery_id").await.unwrap();
    let json = hooklake::query::render(&batches, hooklake::query::OutputFormat::Json).unwrap();
    let rows: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    accepted.sort();
    assert_eq!(rows.len(), accepted.len());
    for (row, (id, payload)) in rows.iter().zip(&accepted) {
        let expected = PullRequestRow::extract(id, chrono::Utc::now(), payload).unwrap();
        assert_eq!(row["delivery_id"], *id);
        assert_eq!(row["repository"], expected.repository);
        assert_eq!(row["number"], expected.number);
        assert_eq!(row["title"], expected.title);
        assert_eq!(row["labels"], serde_json::json!(expected.labels));
        assert_eq!(
            row["payload"].as_str().unwrap(),
            payload,
            "payload must be byte-exact"
        );
    }
    assert!(lake_files(&lake)
        .iter()
        .all(|f| !f.to_string_lossy().ends_with(".partial")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_stream_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let port = free_port();
    let child = serve(&lake, port);
    let payload = Arc::new(fixtures::merged_delivery_28k());
    let acked = Arc::new(Mutex::new(Vec::new()));
    let errored = Arc::new(Mutex::new(Vec::new()));

    // Four concurrent senders until the server dies under them.
    let mut senders = Vec::new();
    for _ in 0..4 {
        let (payload, acked, errored) = (payload.clone(), acked.clone(), errored.clone());
        senders.push(tokio::spawn(async move {
            let client = send::client().unwrap();
            for _ in 0..2_000 {
                let d = Delivery::signed("pull_request", &payload, SECRET, false);
                match send::post(&client, &url(port), &d).await {
                    Ok(a) if a.status == 202 => acked.lock().unwrap().push(d.delivery_id),
                    Ok(a) => panic!("unexpected answer {} {}", a.status, a.body),
                    Err(_) => {
                        errored.lock().unwrap().push(d.delivery_id);
                        return;
                    }
                }
            }
        }));
    }
    // Kill once a few hundred are acknowledged and some batches are flushed.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while acked.lock().unwrap().len() < 300 {
        assert!(std::time::Instant::now() < deadline, "senders stalled");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut child = child;
    signal(&child, "-KILL");
    child.wait().unwrap();
    for s in senders {
        s.await.unwrap();
    }

    let child = serve(&lake, port);
    stop(child);

    let ids = lake_delivery_ids(&lake);
    let in_lake = as_set(&ids);
    let acked = as_set(&acked.lock().unwrap());
    let in_flight_at_kill = as_set(&errored.lock().unwrap());
    assert_eq!(ids.len(), in_lake.len(), "duplicate rows in the lake");
    let lost: Vec<_> = acked.difference(&in_lake).collect();
    assert!(
        lost.is_empty(),
        "acknowledged deliveries missing from the lake: {lost:?}"
    );
    // A delivery may be durable but unacknowledged if the kill landed between
    // the commit and the response: only such in-flight ones may be extra.
    let extra: Vec<_> = in_lake
        .difference(&acked)
        .filter(|id| !in_flight_at_kill.contains(*id))
        .collect();
    assert!(extra.is_empty(), "rows that were never sent: {extra:?}");
    assert!(in_lake.len() <= acked.len() + 4);
    assert!(
        lake_files(&lake)
            .iter()
            .all(|f| !f.to_string_lossy().contains(".tmp-")),
        "unfinished files left behind"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn independent_readers_see_the_lake_as_athena_would() {
    let python = std::env::var("HOOKLAKE_PYTHON").expect(
        "HOOKLAKE_PYTHON is not set: run ./scripts/test.sh, which installs DuckDB and pyarrow into .tools/venv",
    );
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let port = free_port();
    let child = serve(&lake, port);
    let client = send::client().unwrap();
    let mut sent = Vec::new();
    for payload in merged_payloads().iter().take(12) {
        let d = Delivery::signed("pull_request", payload, SECRET, false);
        assert_eq!(
            send::post(&client, &url(port), &d).await.unwrap().status,
            202
        );
        sent.push(d.delivery_id);
    }
    stop(child);
    sent.sort();

    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/readers/read_lake.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(&lake)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "reader failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(seen["duckdb_rows"], 12);
    assert_eq!(seen["pyarrow_rows"], 12);
    assert_eq!(seen["delivery_ids"], serde_json::json!(sent));
    assert_eq!(seen["reference_rows"].as_array().unwrap().len(), 10);
    assert!(seen["reference_rows"][0][0]
        .as_str()
        .unwrap()
        .contains("Hello-World"));
    assert_eq!(seen["pyarrow_schema"]["merged_date"], "string");
    assert!(seen["pyarrow_schema"]["changed_files"]
        .as_str()
        .unwrap()
        .starts_with("struct<added: list<"));
}
