//! `hooklake serve` fills in changed files with the same enrichment as the
//! Lambda, against the fake GitHub API.

mod common;

use std::collections::HashMap;

use common::{free_port, hooklake, query_csv, run, serve_with, stop, url};
use hooklake_tests::fake_github::{FakeGitHub, Scenario};
use hooklake_tests::fixtures::merged_payload_for;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_lists_each_merged_pull_requests_files() {
    let github = FakeGitHub::start(HashMap::from([(
        "octo/big".to_string(),
        Scenario::files(120),
    )]))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let port = free_port();
    let api = github.url();
    let child = serve_with(
        &lake,
        port,
        &[
            ("HOOKLAKE_GITHUB_TOKEN", "ghp_test"),
            ("HOOKLAKE_GITHUB_API_URL", &api),
        ],
    );
    let payload = dir.path().join("merged.json");
    std::fs::write(&payload, merged_payload_for("octo/big", 5)).unwrap();
    let out = run(hooklake().args(["send", "--url", &url(port)]).arg(&payload));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stop(child);

    let rows = query_csv(
        &lake,
        "SELECT repository, changed_files_status, cardinality(changed_files.added), \
         cardinality(changed_files.modified), cardinality(changed_files.renamed), \
         cardinality(changed_files.removed) FROM github_webhooks_table",
    );
    assert_eq!(rows, ["octo/big,complete,30,30,30,30"]);
    assert_eq!(
        github.requests("octo/big"),
        2,
        "120 files: two pages of 100"
    );
}
