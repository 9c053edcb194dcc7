//! The real Lambda binary and its real `lambda_runtime` client, driven by a
//! local Runtime API on loopback, with moto's SQS, S3 and Secrets Manager and
//! a fake GitHub API. SQS events are built from messages really received
//! from moto (real message ids and receipt handles).

use std::collections::{BTreeMap, HashMap};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use arrow_array::{Array, ListArray, RecordBatch, StringArray, StructArray};
use aws_sdk_sqs::types::QueueAttributeName;
use hooklake_schema::envelope::Envelope;
use hooklake_tests::fake_github::{FakeGitHub, Scenario};
use hooklake_tests::fixtures::merged_payload_for;
use hooklake_tests::lambda_api::{LambdaApi, Outcome};
use hooklake_tests::moto::{Moto, ACCESS_KEY, REGION, SECRET_KEY};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{json, Value};

const BUCKET: &str = "lake";
const PREFIX: &str = "github_webhooks_table/";
const TIMEOUT: Duration = Duration::from_secs(60);

async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(REGION))
        .credentials_provider(aws_credential_types::Credentials::new(
            ACCESS_KEY, SECRET_KEY, None, None, "test",
        ))
        .load()
        .await
}

struct Aws {
    moto: Moto,
    s3: aws_sdk_s3::Client,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    queue_arn: String,
}

async fn aws() -> Aws {
    let moto = Moto::start();
    let config = sdk_config(&moto.endpoint()).await;
    let s3 = hooklake_aws::s3_client(&config);
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
    let sqs = aws_sdk_sqs::Client::new(&config);
    let queue_url = sqs
        .create_queue()
        .queue_name("deliveries")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&QueueAttributeName::QueueArn]
        .clone();
    aws_sdk_secretsmanager::Client::new(&config)
        .create_secret()
        .name("hooklake/github")
        .secret_string(r#"{"token":"ghp_test"}"#)
        .send()
        .await
        .unwrap();
    let key = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/github-app-test-key.pem"
    ))
    .unwrap();
    aws_sdk_ssm::Client::new(&config)
        .put_parameter()
        .name("/hooklake/github-app")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .value(json!({"app_id": 1, "installation_id": 2, "private_key": key}).to_string())
        .send()
        .await
        .unwrap();
    Aws {
        moto,
        s3,
        sqs,
        queue_url,
        queue_arn,
    }
}

/// Starts the function binary against the Runtime API, moto and GitHub.
fn function(aws: &Aws, api: &LambdaApi, github: &FakeGitHub, s3_endpoint: Option<&str>) -> Child {
    function_with(aws, api, github, s3_endpoint, "hooklake/github")
}

fn function_with(
    aws: &Aws,
    api: &LambdaApi,
    github: &FakeGitHub,
    s3_endpoint: Option<&str>,
    credentials: &str,
) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hooklake-lambda"));
    cmd.envs(aws.moto.env())
        .env("AWS_LAMBDA_RUNTIME_API", api.runtime_api())
        .env("AWS_LAMBDA_FUNCTION_NAME", "hooklake-ingest")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/hooklake-ingest")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .env("HOOKLAKE_LAKE", format!("s3://{BUCKET}/{PREFIX}"))
        .env("HOOKLAKE_GITHUB_SECRET_ARN", credentials)
        .env("HOOKLAKE_GITHUB_API_URL", github.url())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    if let Some(endpoint) = s3_endpoint {
        cmd.env("AWS_ENDPOINT_URL_S3", endpoint);
    }
    cmd.spawn().expect("the function binary starts")
}

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn envelope(delivery_id: &str, payload: String) -> String {
    Envelope::inline(
        delivery_id,
        "pull_request",
        Some(1),
        chrono::Utc::now(),
        payload,
    )
    .to_line()
}

/// Sends `bodies` to the queue, receives them back, and returns the SQS
/// event Lambda would deliver (records in receive order) and the message
/// id of each body, in send order.
async fn event_of(aws: &Aws, bodies: &[String]) -> (Value, Vec<String>) {
    let mut ids_by_body: HashMap<String, Vec<String>> = HashMap::new();
    let mut sent = Vec::new();
    for body in bodies {
        let id = aws
            .sqs
            .send_message()
            .queue_url(&aws.queue_url)
            .message_body(body)
            .send()
            .await
            .unwrap()
            .message_id
            .unwrap();
        ids_by_body
            .entry(body.clone())
            .or_default()
            .push(id.clone());
        sent.push(id);
    }
    let records = receive_records(aws, bodies.len()).await;
    (json!({ "Records": records }), sent)
}

async fn receive_records(aws: &Aws, count: usize) -> Vec<Value> {
    let mut records = Vec::new();
    for _ in 0..200 {
        if records.len() >= count {
            break;
        }
        let out = aws
            .sqs
            .receive_message()
            .queue_url(&aws.queue_url)
            .max_number_of_messages(10)
            .visibility_timeout(120)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        for m in out.messages.unwrap_or_default() {
            records.push(json!({
                "messageId": m.message_id,
                "receiptHandle": m.receipt_handle,
                "body": m.body,
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000",
                               "SenderId": "AIDAEXAMPLE", "ApproximateFirstReceiveTimestamp": "1700000000000"},
                "messageAttributes": {},
                "md5OfBody": m.md5_of_body,
                "eventSource": "aws:sqs",
                "eventSourceARN": aws.queue_arn,
                "awsRegion": REGION,
            }));
        }
    }
    assert_eq!(records.len(), count, "all sent messages were received");
    records
}

fn failures(outcome: Outcome) -> Vec<String> {
    match outcome {
        Outcome::Response(v) => v["batchItemFailures"]
            .as_array()
            .expect("an SqsBatchResponse")
            .iter()
            .map(|f| f["itemIdentifier"].as_str().unwrap().to_owned())
            .collect(),
        Outcome::Error(e) => panic!("the function failed the whole invocation: {e}"),
    }
}

/// One row as read back from S3: (delivery id, repository, status, files listed).
type Row = (String, String, String, Option<usize>);

async fn lake_rows(aws: &Aws) -> (Vec<String>, Vec<Row>) {
    let listed = aws
        .s3
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix(PREFIX)
        .send()
        .await
        .unwrap();
    let keys: Vec<String> = listed
        .contents
        .unwrap_or_default()
        .into_iter()
        .filter_map(|o| o.key)
        .collect();
    let mut rows = Vec::new();
    for key in &keys {
        let bytes = aws
            .s3
            .get_object()
            .bucket(BUCKET)
            .key(key)
            .send()
            .await
            .unwrap()
            .body
            .collect()
            .await
            .unwrap()
            .into_bytes();
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
            .unwrap()
            .build()
            .unwrap();
        for batch in reader {
            rows.extend(batch_rows(&batch.unwrap()));
        }
    }
    (keys, rows)
}

fn batch_rows(batch: &RecordBatch) -> Vec<Row> {
    let text = |name: &str| {
        batch
            .column_by_name(name)
            .unwrap()
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap()
            .clone()
    };
    let (ids, repos, statuses) = (
        text("delivery_id"),
        text("repository"),
        text("changed_files_status"),
    );
    let files = batch
        .column_by_name("changed_files")
        .unwrap()
        .as_any()
        .downcast_ref::<StructArray>()
        .unwrap()
        .clone();
    (0..batch.num_rows())
        .map(|i| {
            let listed = (!files.is_null(i)).then(|| {
                ["added", "removed", "modified", "renamed"]
                    .iter()
                    .map(|c| {
                        let list = files
                            .column_by_name(c)
                            .unwrap()
                            .as_any()
                            .downcast_ref::<ListArray>()
                            .unwrap();
                        list.value_length(i) as usize
                    })
                    .sum()
            });
            (
                ids.value(i).to_owned(),
                repos.value(i).to_owned(),
                statuses.value(i).to_owned(),
                listed,
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_poison_message_in_a_hundred() {
    let aws = aws().await;
    let github = FakeGitHub::start(HashMap::from([
        ("o/big".to_string(), Scenario::files(250)),
        ("o/gone".to_string(), Scenario::failing("not_found", 0)),
    ]))
    .await;
    let api = LambdaApi::start().await;
    let _function = Killed(function(&aws, &api, &github, None));

    let mut bodies: Vec<String> = (0..97)
        .map(|i| {
            envelope(
                &format!("d-{i}"),
                merged_payload_for(&format!("o/repo{}", i % 5), i),
            )
        })
        .collect();
    bodies.push(envelope("d-big", merged_payload_for("o/big", 1)));
    bodies.push(envelope("d-gone", merged_payload_for("o/gone", 1)));
    bodies.insert(50, "{this is not an envelope".to_string());
    let (event, ids) = event_of(&aws, &bodies).await;

    let failed = failures(api.invoke(event.clone(), TIMEOUT).await);
    assert_eq!(
        failed,
        vec![ids[50].clone()],
        "exactly the malformed message fails"
    );

    let (keys, rows) = lake_rows(&aws).await;
    assert_eq!(rows.len(), 99);
    let by_id: BTreeMap<&str, &Row> = rows.iter().map(|r| (r.0.as_str(), r)).collect();
    assert_eq!(by_id.len(), 99, "no duplicates");
    assert_eq!(by_id["d-big"].2, "complete");
    assert_eq!(by_id["d-big"].3, Some(250));
    assert_eq!(by_id["d-gone"].2, "not_found");
    assert_eq!(by_id["d-gone"].3, None);
    assert_eq!(by_id["d-7"].2, "complete");
    assert_eq!(by_id["d-7"].3, Some(3));
    assert!(keys
        .iter()
        .all(|k| k.starts_with(PREFIX) && k.contains("merged_date=") && k.ends_with(".parquet")));

    // The same batch delivered again (at least once): same keys, overwritten.
    let failed = failures(api.invoke(event, TIMEOUT).await);
    assert_eq!(failed.len(), 1);
    let (keys_again, rows_again) = lake_rows(&aws).await;
    assert_eq!(keys_again, keys);
    assert_eq!(rows_again.len(), 99);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_messages_are_retried_and_enriched_later() {
    let aws = aws().await;
    let github = FakeGitHub::start(HashMap::from([
        (
            "o/primary".to_string(),
            Scenario::failing("primary_rate_limit", 1),
        ),
        (
            "o/secondary".to_string(),
            Scenario::failing("secondary_rate_limit", 1),
        ),
    ]))
    .await;
    let api = LambdaApi::start().await;
    let _function = Killed(function(&aws, &api, &github, None));

    let bodies = vec![
        envelope("d-ok", merged_payload_for("o/fine", 1)),
        envelope("d-primary", merged_payload_for("o/primary", 2)),
        envelope("d-secondary", merged_payload_for("o/secondary", 3)),
    ];
    let (event, ids) = event_of(&aws, &bodies).await;
    let mut failed = failures(api.invoke(event, TIMEOUT).await);
    failed.sort();
    let mut expected = vec![ids[1].clone(), ids[2].clone()];
    expected.sort();
    assert_eq!(failed, expected, "only the rate-limited messages fail");
    let (_, rows) = lake_rows(&aws).await;
    assert_eq!(
        rows.len(),
        1,
        "the rate-limited rows are not written un-enriched"
    );

    // Their visibility was cut to GitHub's wait (1-2 s, not the 120 s they
    // were received with): they come back, are retried, and are enriched.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let records = receive_records(&aws, 2).await;
    let retried: Vec<&str> = records
        .iter()
        .map(|r| r["messageId"].as_str().unwrap())
        .collect();
    assert!(retried.contains(&ids[1].as_str()) && retried.contains(&ids[2].as_str()));
    let failed = failures(api.invoke(json!({ "Records": records }), TIMEOUT).await);
    assert!(failed.is_empty(), "{failed:?}");
    let (_, rows) = lake_rows(&aws).await;
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter().all(|r| r.2 == "complete" && r.3 == Some(3)),
        "{rows:?}"
    );
}

/// An S3 endpoint that refuses every request as S3 does when overloaded.
async fn failing_s3() -> String {
    use axum::http::StatusCode;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(|| async {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [("content-type", "application/xml")],
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
        )
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_put_retries_the_batch_and_leaves_nothing_partial() {
    let aws = aws().await;
    let github = FakeGitHub::start(HashMap::new()).await;
    let bodies: Vec<String> = (0..20)
        .map(|i| envelope(&format!("d-{i}"), merged_payload_for("o/r", i)))
        .collect();
    let (event, ids) = event_of(&aws, &bodies).await;

    {
        let api = LambdaApi::start().await;
        let s3 = failing_s3().await;
        let _function = Killed(function(&aws, &api, &github, Some(&s3)));
        let mut failed = failures(api.invoke(event.clone(), TIMEOUT).await);
        failed.sort();
        let mut all = ids.clone();
        all.sort();
        assert_eq!(
            failed, all,
            "every message of the unwritten partition is retried"
        );
    }
    let (keys, _) = lake_rows(&aws).await;
    assert!(keys.is_empty(), "no object, partial or whole: {keys:?}");

    // The retry, with S3 back.
    let api = LambdaApi::start().await;
    let _function = Killed(function(&aws, &api, &github, None));
    assert!(failures(api.invoke(event, TIMEOUT).await).is_empty());
    let (_, rows) = lake_rows(&aws).await;
    assert_eq!(rows.len(), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_app_credentials_from_an_ssm_securestring() {
    let aws = aws().await;
    let github = FakeGitHub::start(HashMap::new()).await;
    let api = LambdaApi::start().await;
    let _function = Killed(function_with(
        &aws,
        &api,
        &github,
        None,
        "ssm:/hooklake/github-app",
    ));
    let bodies: Vec<String> = (0..3)
        .map(|i| envelope(&format!("d-{i}"), merged_payload_for("o/app", i)))
        .collect();
    let (event, _) = event_of(&aws, &bodies).await;
    assert!(failures(api.invoke(event, TIMEOUT).await).is_empty());
    let (_, rows) = lake_rows(&aws).await;
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter().all(|r| r.2 == "complete" && r.3 == Some(3)),
        "{rows:?}"
    );
    assert_eq!(
        github.requests("token"),
        1,
        "one installation token, cached"
    );
}
