//! serve compacts its lake on a schedule (`--compact-every`), between
//! batches: several flushes into one partition become one file, with every
//! delivery in it; `--no-compact` leaves the files as they are.

mod common;

use std::time::{Duration, Instant};

use common::*;
use hooklake::send::{self, Delivery};
use hooklake_tests::fixtures::merged_payload_for;

/// Sends `n` merged deliveries of one partition, one flush apart.
async fn send_in_separate_batches(port: u16, n: i64) -> Vec<String> {
    let client = send::client().unwrap();
    let mut sent = Vec::new();
    for number in 1..=n {
        let payload = merged_payload_for("octo/maintained", number);
        let d = Delivery::signed("pull_request", &payload, SECRET, false);
        assert_eq!(
            send::post(&client, &url(port), &d).await.unwrap().status,
            202
        );
        sent.push(d.delivery_id);
        // Longer than --max-age: each delivery is its own batch, its own file.
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    sent.sort();
    sent
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_compacts_its_lake_between_batches() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let port = free_port();
    let child = serve_args(
        &lake,
        port,
        &["--max-age", "100ms", "--compact-every", "3s"],
        &[],
    );
    let sent = send_in_separate_batches(port, 4).await;

    let deadline = Instant::now() + Duration::from_secs(30);
    while parquet_files(&lake).len() != 1 {
        assert!(
            Instant::now() < deadline,
            "not compacted: {:?}",
            parquet_files(&lake)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stop(child);
    assert_eq!(lake_delivery_ids(&lake), sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_compact_leaves_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let port = free_port();
    let child = serve_args(
        &lake,
        port,
        &[
            "--max-age",
            "100ms",
            "--compact-every",
            "1s",
            "--no-compact",
        ],
        &[],
    );
    let sent = send_in_separate_batches(port, 3).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop(child);
    assert_eq!(parquet_files(&lake).len(), 3);
    assert_eq!(lake_delivery_ids(&lake), sent);
}
