//! `hooklake serve` keeps its promise when GitHub or the disk fails: a
//! merged delivery reaches the lake within the flush interval whatever
//! GitHub answers, and `/healthz` tells the truth about the lake.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use hooklake::send::{self, Delivery};
use hooklake_tests::fake_github::FakeGitHub;
use hooklake_tests::fixtures::merged_payload_for;

const MAX_AGE: Duration = Duration::from_secs(2);

fn parquet_files(lake: &Path) -> usize {
    if !lake.exists() {
        return 0;
    }
    lake_files(lake)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .count()
}

/// Sends `n` merged deliveries; returns when the first was accepted.
async fn send_merged(port: u16, n: i64) -> Instant {
    let client = send::client().unwrap();
    let mut first = None;
    for i in 0..n {
        let payload = merged_payload_for("octo/locked", i + 1);
        let d = Delivery::signed("pull_request", &payload, SECRET, false);
        let answer = send::post(&client, &url(port), &d).await.unwrap();
        assert_eq!(answer.status, 202, "{}", answer.body);
        first.get_or_insert_with(Instant::now);
    }
    first.unwrap()
}

/// Waits until the lake holds a file; returns how long after `since`.
async fn first_file_after(lake: &Path, since: Instant) -> Duration {
    let deadline = since + MAX_AGE * 5;
    while parquet_files(lake) == 0 {
        assert!(Instant::now() < deadline, "nothing reached the lake");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    since.elapsed()
}

fn serve_against(lake: &Path, port: u16, api: &str) -> Group {
    serve_args(
        lake,
        port,
        &["--max-age", "2s"],
        &[
            ("HOOKLAKE_GITHUB_TOKEN", "ghp_rejected"),
            ("HOOKLAKE_GITHUB_API_URL", api),
        ],
    )
}

fn statuses(lake: &Path) -> Vec<String> {
    query_csv(
        lake,
        "SELECT changed_files_status, count(*) FROM github_webhooks_table GROUP BY 1",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_credentials_do_not_hold_deliveries_back() {
    let github = FakeGitHub::refusing_credentials().await;
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let port = free_port();
    let child = serve_against(&lake, port, &github.url());
    let sent = send_merged(port, 20).await;
    let took = first_file_after(&lake, sent).await;
    assert!(
        took <= MAX_AGE * 2,
        "in the lake {took:?} after it was accepted"
    );
    stop(child);
    assert_eq!(statuses(&lake), ["unauthorized,20"]);
    let calls = github.total_requests();
    assert!(
        (1..=hooklake_github::DEFAULT_CONCURRENCY).contains(&calls),
        "{calls} calls to GitHub for 20 deliveries"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_github_does_not_hold_deliveries_back() {
    let closed = format!("http://127.0.0.1:{}", free_port());
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let port = free_port();
    let child = serve_against(&lake, port, &closed);
    let sent = send_merged(port, 5).await;
    let took = first_file_after(&lake, sent).await;
    assert!(
        took <= MAX_AGE * 2,
        "in the lake {took:?} after it was accepted"
    );
    stop(child);
    assert_eq!(statuses(&lake), ["unavailable,5"]);
}

/// Makes a directory unwritable, for root too (`chattr +i`), until dropped.
struct Unwritable<'a>(&'a Path);

impl<'a> Unwritable<'a> {
    fn new(dir: &'a Path) -> Self {
        let immutable = std::process::Command::new("chattr")
            .arg("+i")
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        if !immutable {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
        }
        Unwritable(dir)
    }
}

impl Drop for Unwritable<'_> {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(self.0)
            .status();
        let _ = std::fs::set_permissions(self.0, std::fs::Permissions::from_mode(0o755));
    }
}

async fn health(port: u16) -> (u16, serde_json::Value) {
    let response = send::client()
        .unwrap()
        .get(format!("{}healthz", url(port)))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn wait_for_health(port: u16, want: u16) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = health(port).await;
        if status == want {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "/healthz stayed {status}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_turns_503_while_the_lake_cannot_be_written_and_200_after() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let port = free_port();
    let child = serve(&lake, port);
    let (status, body) = health(port).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        !body.to_string().contains(&*lake.to_string_lossy()),
        "/healthz shows the lake's path: {body}"
    );
    {
        let _unwritable = Unwritable::new(&lake);
        send_merged(port, 1).await;
        let body = wait_for_health(port, 503).await;
        assert_eq!(body["reason"], "lake_unwritable", "{body}");
        assert!(
            !body.to_string().contains(&*lake.to_string_lossy()),
            "{body}"
        );
    }
    wait_for_health(port, 200).await;
    stop(child);
    assert_eq!(lake_delivery_ids(&lake).len(), 1);
}
