//! Secrets never reach a log: serve run at `debug` with a webhook secret and
//! a GitHub token, through accepted, forged and replayed deliveries and
//! GitHub refusing the token; its whole log is searched for both.
//! (The Lambda's log is searched in lambda/tests/lambda_e2e.rs, the
//! Worker's in tests/worker/test_worker.py.)

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::*;
use hooklake::send::{self, Delivery};
use hooklake_tests::fake_github::FakeGitHub;
use hooklake_tests::fixtures;

const TOKEN: &str = "ghp_LogScanTokenThatMustNeverBeLogged0001";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_logs_carry_no_secret() {
    let github = FakeGitHub::refusing_credentials().await;
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let log_path = dir.path().join("serve.log");
    let port = free_port();
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Group::spawn(
        hooklake()
            .env("RUST_LOG", "debug")
            .env("HOOKLAKE_GITHUB_TOKEN", TOKEN)
            .env("HOOKLAKE_GITHUB_API_URL", github.url())
            .args(["serve", "--max-age", "200ms", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--lake")
            .arg(&lake)
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log)),
    )
    .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }

    let client = send::client().unwrap();
    let payload = fixtures::merged_variant(&fixtures::load("pull_request", "closed.payload.json"));
    let delivery = Delivery::signed("pull_request", &payload.to_string(), SECRET, false);
    for d in [
        &delivery,
        &delivery, // a replay
        &Delivery::signed("pull_request", &payload.to_string(), "forged", false),
    ] {
        send::post(&client, &url(port), d).await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(1)).await; // a flush, and GitHub's 401
    signal(&child, "-TERM");
    assert!(child.wait().unwrap().success());

    let text = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        text.contains(&delivery.delivery_id) && text.contains("GitHub"),
        "the log is the real one: {text}"
    );
    for secret in [SECRET, TOKEN] {
        assert!(
            !text.contains(secret),
            "a secret is in serve's log:\n{text}"
        );
    }
}
