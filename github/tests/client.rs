//! The client against the local fake of GitHub's REST API.

use std::collections::HashMap;
use std::time::Duration;

use hooklake_github::{Credentials, Enrichment, GitHubClient, GitHubError};
use hooklake_tests::fake_github::{FakeGitHub, Scenario};

async fn fake() -> FakeGitHub {
    FakeGitHub::start(HashMap::from([
        ("o/big".to_string(), Scenario::files(250)),
        ("o/huge".to_string(), Scenario::files(3500)),
        ("o/gone".to_string(), Scenario::failing("not_found", 0)),
        (
            "o/primary".to_string(),
            Scenario::failing("primary_rate_limit", 0),
        ),
        (
            "o/secondary".to_string(),
            Scenario::failing("secondary_rate_limit", 0),
        ),
        ("o/down".to_string(), Scenario::failing("server_error", 0)),
        ("o/flaky".to_string(), Scenario::failing("server_error", 1)),
    ]))
    .await
}

fn token_client(fake: &FakeGitHub) -> GitHubClient {
    GitHubClient::new(&fake.url(), Credentials::Token("ghp_test".into())).unwrap()
}

#[tokio::test]
async fn two_hundred_fifty_files_over_three_pages() {
    let fake = fake().await;
    let files = match token_client(&fake)
        .changed_files("o/big", 1, Some(250))
        .await
        .unwrap()
    {
        Enrichment::Complete(files) => files,
        other => panic!("{other:?}"),
    };
    assert_eq!(fake.requests("o/big"), 3);
    let total =
        files.added.len() + files.modified.len() + files.removed.len() + files.renamed.len();
    assert_eq!(total, 250);
    assert_eq!(files.added[0], "src/file_0.rs");
    assert_eq!(files.renamed[0].previous_filename, "old/file_2.rs");
    assert_eq!(files.renamed[0].filename, "src/file_2.rs");
}

#[tokio::test]
async fn more_than_three_thousand_files_is_truncated() {
    let fake = fake().await;
    match token_client(&fake)
        .changed_files("o/huge", 1, Some(3500))
        .await
        .unwrap()
    {
        Enrichment::Truncated(files) => {
            let total = files.added.len()
                + files.modified.len()
                + files.removed.len()
                + files.renamed.len();
            assert_eq!(total, 3000);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.requests("o/huge"), 30);
}

#[tokio::test]
async fn deleted_repository_is_not_found() {
    let fake = fake().await;
    let answer = token_client(&fake)
        .changed_files("o/gone", 1, None)
        .await
        .unwrap();
    assert_eq!(answer, Enrichment::NotFound);
}

#[tokio::test]
async fn rate_limits_say_when_to_retry() {
    let fake = fake().await;
    let client = token_client(&fake);
    match client.changed_files("o/primary", 1, None).await {
        Err(GitHubError::RateLimited { retry_after }) => {
            assert!(retry_after >= Duration::from_secs(1) && retry_after <= Duration::from_secs(2))
        }
        other => panic!("{other:?}"),
    }
    match client.changed_files("o/secondary", 1, None).await {
        Err(GitHubError::RateLimited { retry_after }) => {
            assert_eq!(retry_after, Duration::from_secs(1))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn server_errors_are_transient() {
    let fake = fake().await;
    let client = token_client(&fake);
    let err = client.changed_files("o/down", 1, None).await.unwrap_err();
    assert!(
        matches!(err, GitHubError::Server { status: 502, .. }),
        "{err}"
    );
    // Fails once, then answers.
    assert!(client.changed_files("o/flaky", 1, None).await.is_err());
    assert!(matches!(
        client.changed_files("o/flaky", 1, None).await.unwrap(),
        Enrichment::Complete(_)
    ));
}

#[tokio::test]
async fn github_app_token_is_exchanged_once_and_cached() {
    let fake = fake().await;
    let key = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/github-app-test-key.pem"
    ))
    .unwrap();
    let credentials = Credentials::from_json(
        &serde_json::json!({"app_id": 1, "installation_id": 2, "private_key": key}).to_string(),
    )
    .unwrap();
    let client = GitHubClient::new(&fake.url(), credentials).unwrap();
    for _ in 0..3 {
        assert!(matches!(
            client.changed_files("o/any", 7, None).await.unwrap(),
            Enrichment::Complete(_)
        ));
    }
    assert_eq!(fake.requests("token"), 1);
    assert_eq!(fake.requests("o/any"), 3);
}

#[tokio::test]
async fn refused_credentials_name_the_fix() {
    let fake = FakeGitHub::start(HashMap::from([(
        "o/r".to_string(),
        Scenario::failing("bad_credentials", 0),
    )]))
    .await;
    let err = token_client(&fake)
        .changed_files("o/r", 1, None)
        .await
        .unwrap_err();
    assert!(matches!(err, GitHubError::Auth { status: 401, .. }));
    assert!(
        err.to_string().contains("fix the GitHub credentials"),
        "{err}"
    );
}
