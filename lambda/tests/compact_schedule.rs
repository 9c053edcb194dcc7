//! The scheduled compaction job: the real Lambda binary (handler
//! `compact`) driven by a local Runtime API on loopback, EventBridge's
//! scheduled event in, moto's S3 and Secrets Manager, the fake GitHub API
//! repairing rows. DuckDB reads the lake afterwards.

mod common;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::Duration;

use hooklake_tests::fake_github::FakeGitHub;
use hooklake_tests::lake::{build_lake, first_day, LakeSpec};
use hooklake_tests::lambda_api::{LambdaApi, Outcome};
use hooklake_tests::moto::{download_lake, upload_lake, Moto, REGION};
use hooklake_tests::process::Group;
use hooklake_tests::readers::duckdb_counts;
use serde_json::{json, Value};

const BUCKET: &str = "lake";
const PREFIX: &str = "github_webhooks_table/";
const CORRUPT: &str = "merged_date=2026-10-03/part-corrupt.parquet";

/// EventBridge's scheduled event, as a rule with no input sends it.
fn scheduled_event(time: &str) -> Value {
    json!({
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": time,
        "region": REGION,
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/hooklake-compact"],
        "detail": {}
    })
}

fn summary(outcome: Outcome) -> Value {
    match outcome {
        Outcome::Response(summary) => summary,
        Outcome::Error(error) => panic!("the run failed: {error}"),
    }
}

fn counts(moto: &Moto) -> (tempfile::TempDir, Value) {
    let copy = tempfile::tempdir().unwrap();
    download_lake(moto, BUCKET, PREFIX, copy.path());
    let counts = duckdb_counts(copy.path()).expect("DuckDB runs");
    (copy, counts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_compaction_through_the_runtime_api() {
    let moto = Moto::start();
    let config = common::sdk_config(&moto.endpoint()).await;
    common::create_github_secret(&config).await;
    let dir = tempfile::tempdir().unwrap();
    let spec = LakeSpec {
        files: 300,
        partitions: 10,
        ..LakeSpec::default()
    };
    let built = build_lake(dir.path(), spec, 7);
    assert!(built.unavailable_rows > 0 && built.rows > built.deliveries.len());
    std::fs::write(dir.path().join(CORRUPT), b"not parquet at all").unwrap();
    upload_lake(&moto, dir.path(), BUCKET, PREFIX);

    let github = FakeGitHub::start(HashMap::new()).await;
    let api = LambdaApi::start().await;
    let logs = tempfile::NamedTempFile::new().unwrap();
    let _function = Group::spawn(
        Command::new(env!("CARGO_BIN_EXE_hooklake-lambda"))
            .envs(moto.env())
            .env("_HANDLER", "compact")
            .env("AWS_LAMBDA_RUNTIME_API", api.runtime_api())
            .env("AWS_LAMBDA_FUNCTION_NAME", "hooklake-compact")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/hooklake-compact")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .env("HOOKLAKE_LAKE", format!("s3://{BUCKET}/{PREFIX}"))
            .env("HOOKLAKE_GITHUB_SECRET_ARN", "hooklake/github")
            .env("HOOKLAKE_GITHUB_API_URL", github.url())
            .env("HOOKLAKE_COMPACT_MARGIN", "30s")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::from(logs.reopen().unwrap()))
            .stderr(Stdio::inherit()),
    )
    .expect("the function binary starts");
    // The lake's last partition is day 9: "today" for the schedule.
    let today = (first_day() + chrono::Duration::days(9)).format("%Y-%m-%dT03:00:00Z");
    let event = scheduled_event(&today.to_string());

    // An invocation whose deadline is inside the margin starts nothing and
    // says what it left.
    api.set_function_timeout(Duration::from_secs(10));
    let cut_short = summary(api.invoke(event.clone(), Duration::from_secs(60)).await);
    assert_eq!(cut_short["rewritten"], 0, "{cut_short}");
    assert_eq!(
        cut_short["left"].as_array().unwrap().len(),
        10,
        "{cut_short}"
    );
    assert_eq!(
        cut_short["left"][0], "merged_date=2026-10-10",
        "newest first"
    );

    // A corrupt file: every other partition is compacted and repaired, the
    // file is kept, and the invocation fails naming it.
    api.set_function_timeout(Duration::from_secs(600));
    let Outcome::Error(error) = api.invoke(event.clone(), Duration::from_secs(600)).await else {
        panic!("a corrupt file must fail the invocation");
    };
    assert!(error.to_string().contains(CORRUPT), "{error}");
    let copy = tempfile::tempdir().unwrap();
    download_lake(&moto, BUCKET, PREFIX, copy.path());
    let corrupt = copy.path().join(CORRUPT);
    assert!(corrupt.exists(), "the corrupt file was deleted");
    std::fs::remove_file(&corrupt).unwrap(); // DuckDB cannot read it either
    let after_corrupt = duckdb_counts(copy.path()).expect("DuckDB runs");
    let left_alone = std::fs::read_dir(corrupt.parent().unwrap())
        .unwrap()
        .count();
    assert!(left_alone > 1);
    assert_eq!(after_corrupt["files"], 9 + left_alone, "{after_corrupt}");
    assert_eq!(after_corrupt["deliveries"], built.deliveries.len());

    // One EMF line per invocation, with what each did.
    let emf = common::emf_lines(logs.path());
    assert_eq!(emf.len(), 2, "{emf:?}");
    assert_eq!(emf[0]["partitions_compacted"], 0.0);
    assert_eq!(emf[1]["partitions_compacted"], 9.0, "{}", emf[1]);
    assert_eq!(emf[1]["failures.compaction"], 1.0);
    assert!(emf[1]["rows_repaired"].as_f64().unwrap() > 0.0);
    assert_eq!(emf[1]["source"], "hooklake-compact");

    // With the file taken away, the next run finishes the last partition.
    aws_sdk_s3::Client::new(&config)
        .delete_object()
        .bucket(BUCKET)
        .key(format!("{PREFIX}{CORRUPT}"))
        .send()
        .await
        .unwrap();
    let done = summary(api.invoke(event, Duration::from_secs(600)).await);
    assert_eq!(done["rewritten"], 1, "{done}");
    assert!(done["left"].as_array().unwrap().is_empty(), "{done}");
    let (_copy, after) = counts(&moto);
    assert_eq!(after["files"], 10, "{after}");
    assert_eq!(after["partitions"], 10, "{after}");
    assert_eq!(after["rows"], built.deliveries.len(), "{after}");
    assert_eq!(after["duplicate_rows"], 0, "{after}");
    assert_eq!(
        after["statuses"]["complete"],
        built.deliveries.len(),
        "{after}"
    );
}
