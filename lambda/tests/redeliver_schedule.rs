//! The scheduled redelivery job: the real Lambda binary (handler
//! `redeliver`) driven by a local Runtime API, the fake GitHub's delivery
//! logs, its state in moto's S3 and its credentials in moto's Secrets
//! Manager.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use hooklake_tests::fake_github::{hook_delivery, FakeGitHub, Redeliveries};
use hooklake_tests::lambda_api::{LambdaApi, Outcome};
use hooklake_tests::moto::Moto;
use hooklake_tests::process::Group;
use serde_json::json;

const HOOK: &str = "repos/octo-org/octo-repo/hooks/7";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_redelivery_through_the_runtime_api() {
    let moto = Moto::start();
    let config = common::sdk_config(&moto.endpoint()).await;
    common::create_github_secret(&config).await;
    aws_sdk_s3::Client::new(&config)
        .create_bucket()
        .bucket("state")
        .send()
        .await
        .unwrap();

    // 40 attempts: 5 closed pull requests failed (one since redelivered).
    let start = Utc::now() - chrono::Duration::hours(6);
    let mut log = Vec::new();
    let mut unresolved = BTreeSet::new();
    for i in 0..40u64 {
        let guid = format!("guid-{i}");
        let failed = i % 8 == 1;
        if failed && i != 1 {
            unresolved.insert(guid.clone());
        }
        let code = if failed { 503 } else { 200 };
        let at = start + chrono::Duration::minutes(i as i64);
        log.push(hook_delivery(
            i + 1,
            &guid,
            "pull_request",
            Some("closed"),
            code,
            at,
        ));
    }
    log.push(hook_delivery(
        41,
        "guid-1",
        "pull_request",
        Some("closed"),
        200,
        Utc::now(),
    ));
    let github = FakeGitHub::start(HashMap::new()).await;
    github.set_hook_log(HOOK, log, Redeliveries::Succeed);

    let api = LambdaApi::start().await;
    let logs = tempfile::NamedTempFile::new().unwrap();
    let _function = Group::spawn(
        Command::new(env!("CARGO_BIN_EXE_hooklake-lambda"))
            .envs(moto.env())
            .env("_HANDLER", "redeliver")
            .env("AWS_LAMBDA_RUNTIME_API", api.runtime_api())
            .env("AWS_LAMBDA_FUNCTION_NAME", "hooklake-redeliver")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                "/aws/lambda/hooklake-redeliver",
            )
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            // The organization's hook 3 does not exist (or the token may not see it).
            .env(
                "HOOKLAKE_REDELIVER_HOOKS",
                "repo:octo-org/octo-repo:7, org:octo-org:3",
            )
            .env("HOOKLAKE_REDELIVER_STATE", "s3://state/hooklake/")
            .env("HOOKLAKE_REDELIVER_PACE", "0s")
            .env("HOOKLAKE_GITHUB_SECRET_ARN", "hooklake/github")
            .env("HOOKLAKE_GITHUB_API_URL", github.url())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::from(logs.reopen().unwrap()))
            .stderr(Stdio::inherit()),
    )
    .expect("the function binary starts");
    let event = json!({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}});

    // The repository's hook is served; the organization's 404 fails the
    // invocation with what to grant.
    let Outcome::Error(error) = api.invoke(event.clone(), Duration::from_secs(60)).await else {
        panic!("a hook that cannot be read must fail the invocation");
    };
    assert!(
        error
            .to_string()
            .contains("hook 3 of organization octo-org")
            && error.to_string().contains("admin:org_hook"),
        "{error}"
    );
    let asked = github.redelivery_requests(HOOK);
    assert_eq!(asked.keys().cloned().collect::<BTreeSet<_>>(), unresolved);
    assert!(asked.values().all(|n| *n == 1));
    let state = aws_sdk_s3::Client::new(&config)
        .get_object()
        .bucket("state")
        .key("hooklake/redeliver-repo-octo-org-octo-repo-7.json")
        .send()
        .await
        .expect("the hook's state is saved in S3");
    let state: serde_json::Value =
        serde_json::from_slice(&state.body.collect().await.unwrap().into_bytes()).unwrap();
    assert_eq!(state["watermark"], 41);

    // The next run asks for nothing again.
    let _ = api.invoke(event, Duration::from_secs(60)).await;
    assert_eq!(github.redelivery_requests(HOOK), asked);

    let emf = common::emf_lines(logs.path());
    assert_eq!(emf.len(), 2, "{emf:?}");
    assert_eq!(emf[0]["redeliveries.requested"], unresolved.len() as f64);
    assert_eq!(emf[1]["redeliveries.requested"], 0.0);
    assert_eq!(emf[0]["source"], "hooklake-redeliver");
}
