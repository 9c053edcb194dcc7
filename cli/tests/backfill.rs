//! `hooklake backfill` and `hooklake verify` against the fake GitHub's pull
//! requests: three years of history through rate limits and a SIGKILL, one
//! row per pull request, equal column for column to the row a delivery
//! gives; verify finds exactly what is missing and `--repair` fills it.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use common::*;
use hooklake_github::{Enricher, GitHubClient};
use hooklake_ingest::local::LocalLake;
use hooklake_ingest::pipeline::{Message, NoPayloadStore, Pipeline};
use hooklake_schema::envelope::Envelope;
use hooklake_tests::fake_github::{pull_object, repository_id, FakeGitHub, Pulls, Scenario};

const REPO: &str = "octo-org/history";

/// Every column but delivery_id, received_at and payload.
const COLUMNS: &str = "repository, repository_id, number, pull_request_id, title, author_login, \
    merged_by_login, merged_at, base_ref, head_ref, merge_commit_sha, additions, deletions, commits, \
    changed_files_count, labels, html_url, changed_files, changed_files_status";

fn history(merged: usize, days: i64) -> Pulls {
    Pulls {
        merged,
        days,
        until: Utc::now() - chrono::Duration::hours(30),
    }
}

fn github_env(cmd: &mut std::process::Command, github: &FakeGitHub) {
    cmd.env("HOOKLAKE_GITHUB_TOKEN", "ghp_test")
        .env("HOOKLAKE_GITHUB_API_URL", github.url());
}

fn backfill(github: &FakeGitHub, lake: &Path, state: &Path, since: &str) -> std::process::Command {
    let mut cmd = hooklake();
    cmd.args([
        "backfill", "--repo", REPO, "--since", since, "--format", "json",
    ])
    .arg("--lake")
    .arg(lake)
    .arg("--state")
    .arg(state);
    github_env(&mut cmd, github);
    cmd
}

/// What the webhook path writes for these pull requests: the `closed`
/// delivery GitHub sends (built here from the fake's pull request object),
/// through the ingest pipeline serve and the Lambda run.
/// Returns the files written.
async fn deliver(
    github: &FakeGitHub,
    lake: &LocalLake,
    pulls: &Pulls,
    numbers: &[usize],
) -> Vec<String> {
    let (owner, repo) = REPO.split_once('/').unwrap();
    let messages = numbers
        .iter()
        .map(|&n| {
            let pull = pull_object(owner, repo, n, pulls, 3, true).unwrap();
            let payload = serde_json::json!({
                "action": "closed",
                "number": n,
                "pull_request": pull,
                "repository": pull["base"]["repo"],
                "sender": {"login": "maintainer", "id": 99, "type": "User"},
                "installation": {"id": 2}
            });
            let id = uuid::Uuid::new_v4().to_string();
            Message {
                body: Envelope::inline(
                    &id,
                    "pull_request",
                    Some(7),
                    Utc::now(),
                    payload.to_string(),
                )
                .to_line(),
                id,
            }
        })
        .collect();
    let client = GitHubClient::new(
        &github.url(),
        hooklake_github::Credentials::Token("ghp_test".into()),
    )
    .unwrap();
    let enricher = Enricher::new(Some(client));
    let report = Pipeline::new(lake, &NoPayloadStore, &enricher)
        .run(messages, Instant::now() + Duration::from_secs(60))
        .await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    report.files.into_iter().map(|f| f.location).collect()
}

#[test]
fn three_years_backfilled_through_rate_limits_and_a_kill_each_row_once() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let pulls = history(2_500, 3 * 365);
    let github = runtime.block_on(FakeGitHub::start(HashMap::from([(
        REPO.to_string(),
        Scenario {
            pulls: Some(pulls.clone()),
            rate_limit_every: Some(1_200),
            ..Scenario::default()
        },
    )])));
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let state = dir.path().join("backfill.json");
    let since = (pulls.merged_at(1).unwrap() - chrono::Duration::days(1))
        .date_naive()
        .to_string();

    // Killed (SIGKILL) once some batches are written.
    let mut cmd = backfill(&github, &lake, &state, &since);
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let child = Group::spawn(&mut cmd).unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let written = std::fs::read_to_string(&state)
            .ok()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
            .and_then(|v| v["written"].as_u64())
            .unwrap_or(0);
        if written >= 500 {
            break;
        }
        assert!(Instant::now() < deadline, "the backfill made no progress");
        std::thread::sleep(Duration::from_millis(10));
    }
    signal(&child, "-KILL");
    let mut child = child;
    child.wait().unwrap();

    // Resumed: the same command.
    let out = run(&mut backfill(&github, &lake, &state, &since));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["merged"], 2_500);
    assert!(report["written"].as_u64().unwrap() < 2_500, "it resumed");

    let counts = query_csv(
        &lake,
        "SELECT count(*), count(DISTINCT number), count(DISTINCT delivery_id), \
         min(number), max(number), sum(CASE WHEN delivery_id LIKE 'backfill-%' THEN 1 ELSE 0 END), \
         sum(CASE WHEN changed_files_status = 'complete' THEN 1 ELSE 0 END) FROM github_webhooks_table",
    );
    assert_eq!(counts, ["2500,2500,2500,1,2500,2500,2500"]);

    // Column for column what the webhook path writes for the same pull requests.
    let delivered = dir.path().join("delivered");
    let numbers = [1, 2, 3, 1_234, 2_500];
    runtime.block_on(deliver(
        &github,
        &LocalLake::open(&delivered).unwrap(),
        &pulls,
        &numbers,
    ));
    let sql = format!(
        "SELECT {COLUMNS} FROM github_webhooks_table WHERE number IN (1, 2, 3, 1234, 2500) ORDER BY number"
    );
    let from_backfill = query_csv(&lake, &sql);
    assert_eq!(from_backfill.len(), numbers.len());
    assert_eq!(from_backfill, query_csv(&delivered, &sql));
}

#[test]
fn verify_finds_exactly_the_missing_pull_requests_and_repair_puts_them_back() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let pulls = history(300, 90);
    let github = runtime.block_on(FakeGitHub::start(HashMap::from([(
        REPO.to_string(),
        Scenario {
            pulls: Some(pulls.clone()),
            ..Scenario::default()
        },
    )])));
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    // Every merged pull request delivered; 7 of them in files of their own.
    let missing = [4, 77, 78, 150, 199, 250, 300];
    let delivered: Vec<usize> = (1..=300).filter(|n| !missing.contains(n)).collect();
    let local = LocalLake::open(&lake).unwrap();
    runtime.block_on(deliver(&github, &local, &pulls, &delivered));
    let own_files: Vec<String> = missing
        .iter()
        .flat_map(|n| runtime.block_on(deliver(&github, &local, &pulls, &[*n])))
        .collect();
    assert_eq!(own_files.len(), 7);
    let since = (Utc::now() - chrono::Duration::days(120))
        .date_naive()
        .to_string();
    let verify = |extra: &[&str]| {
        let mut cmd = hooklake();
        cmd.args(["verify", "--repo", REPO, "--since", &since])
            .arg("--lake")
            .arg(&lake)
            .args(extra);
        github_env(&mut cmd, &github);
        run(&mut cmd)
    };

    let out = verify(&["--format", "json"]);
    assert!(out.status.success(), "complete: exit status 0");

    // The 7 deleted from the lake.
    for file in &own_files {
        std::fs::remove_file(file).unwrap();
    }
    let out = verify(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "missing rows: exit status 1");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<u64> = report["verify"]["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["number"].as_u64().unwrap())
        .collect();
    assert_eq!(found, missing.map(|n| n as u64));
    assert_eq!(report["verify"]["merged_on_github"], 300);
    let (owner, repo) = REPO.split_once('/').unwrap();
    assert_eq!(
        report["verify"]["missing"][0]["repository_id"],
        repository_id(owner, repo)
    );

    let out = verify(&["--repair", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["repaired"]["written"], 7);

    let out = verify(&["--format", "text"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("300 in the lake, 0 missing"), "{text}");
    assert_eq!(
        query_csv(
            &lake,
            "SELECT count(*), count(DISTINCT number) FROM github_webhooks_table"
        ),
        ["300,300"]
    );
}

#[test]
fn backfill_through_the_delivery_queue_then_verify_the_s3_lake() {
    if std::env::var("HOOKLAKE_PYTHON").is_err() {
        eprintln!("HOOKLAKE_PYTHON is not set (moto): run ./scripts/test.sh");
        return;
    }
    let moto = hooklake_tests::moto::Moto::start();
    let queue_url = hooklake_tests::moto::create_queue_and_bucket(&moto, "deliveries", "lake");
    let table = "s3://lake/github_webhooks_table";
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let pulls = history(150, 30);
    let github = runtime.block_on(FakeGitHub::start(HashMap::from([(
        REPO.to_string(),
        Scenario {
            pulls: Some(pulls),
            ..Scenario::default()
        },
    )])));
    let dir = tempfile::tempdir().unwrap();
    let since = (Utc::now() - chrono::Duration::days(40))
        .date_naive()
        .to_string();
    let with_aws = |cmd: &mut std::process::Command| {
        cmd.envs(moto.env());
        github_env(cmd, &github);
    };

    // Into the queue: nothing written yet, 150 deliveries queued.
    let mut cmd = hooklake();
    cmd.args([
        "backfill", "--repo", REPO, "--since", &since, "--format", "json",
    ])
    .args(["--lake", table, "--queue-url", &queue_url, "--state"])
    .arg(dir.path().join("state.json"));
    with_aws(&mut cmd);
    let out = run(&mut cmd);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["queued"], 150);
    assert_eq!(report["written"], 0);

    // The deployment's ingest (here its poller) writes and enriches them.
    let mut ingest = hooklake();
    ingest
        .args(["ingest", "--queue-url", &queue_url, "--lake", table])
        .args(["--exit-when-empty", "--batch-window", "1s"]);
    with_aws(&mut ingest);
    let out = run(&mut ingest);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // verify reads the S3 lake: nothing missing.
    let mut verify = hooklake();
    verify
        .args(["verify", "--repo", REPO, "--since", &since, "--lake", table])
        .args(["--format", "json"]);
    with_aws(&mut verify);
    let out = run(&mut verify);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verify"]["merged_on_github"], 150);
    assert_eq!(report["verify"]["in_lake"], 150);
}
