//! The real Lambda binary and its real `lambda_runtime` client, driven by a
//! local Runtime API on loopback, with moto's SQS, S3 and Secrets Manager and
//! a fake GitHub API. SQS events are built from messages really received
//! from moto (real message ids and receipt handles).

mod common;

use std::collections::{BTreeMap, HashMap};
use std::process::{Command, Stdio};
use std::time::Duration;

use arrow_array::{Array, ListArray, RecordBatch, StringArray, StructArray};
use aws_sdk_sqs::types::QueueAttributeName;
use hooklake_schema::envelope::Envelope;
use hooklake_tests::fake_github::{FakeGitHub, Scenario};
use hooklake_tests::fixtures::merged_payload_for;
use hooklake_tests::lambda_api::{LambdaApi, Outcome};
use hooklake_tests::moto::{Moto, REGION};
use hooklake_tests::process::Group;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{json, Value};

const BUCKET: &str = "lake";
const PREFIX: &str = "github_webhooks_table/";
const TIMEOUT: Duration = Duration::from_secs(60);

struct Aws {
    moto: Moto,
    s3: aws_sdk_s3::Client,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    queue_arn: String,
}

/// Creates a queue; returns its URL and ARN.
async fn create_queue(sqs: &aws_sdk_sqs::Client, name: &str) -> (String, String) {
    let url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&QueueAttributeName::QueueArn]
        .clone();
    (url, arn)
}

async fn aws() -> Aws {
    let moto = Moto::start();
    let config = common::sdk_config(&moto.endpoint()).await;
    let s3 = hooklake_aws::s3_client(&config);
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
    let sqs = aws_sdk_sqs::Client::new(&config);
    let (queue_url, queue_arn) = create_queue(&sqs, "deliveries").await;
    common::create_github_secret(&config).await;
    let key = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/github-app-test-key.pem"
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
fn function(aws: &Aws, api: &LambdaApi, github: &FakeGitHub, s3_endpoint: Option<&str>) -> Group {
    function_with(
        aws,
        api,
        github,
        s3_endpoint,
        "hooklake/github",
        Stdio::null(),
    )
}

fn function_with(
    aws: &Aws,
    api: &LambdaApi,
    github: &FakeGitHub,
    s3_endpoint: Option<&str>,
    credentials: &str,
    stdout: Stdio,
) -> Group {
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
        .stdout(stdout)
        .stderr(Stdio::inherit());
    if let Some(endpoint) = s3_endpoint {
        cmd.env("AWS_ENDPOINT_URL_S3", endpoint);
    }
    Group::spawn(&mut cmd).expect("the function binary starts")
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
    let logs = tempfile::NamedTempFile::new().unwrap();
    let _function = function_with(
        &aws,
        &api,
        &github,
        None,
        "hooklake/github",
        Stdio::from(logs.reopen().unwrap()),
    );

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

    // One EMF line for the invocation, equal to the batch's outcome.
    let emf = common::emf_lines(logs.path());
    assert_eq!(emf.len(), 1, "one metrics line per invocation: {emf:?}");
    let m = &emf[0];
    assert_eq!(m["_aws"]["CloudWatchMetrics"][0]["Namespace"], "hooklake");
    assert_eq!(m["source"], "hooklake-ingest");
    assert_eq!(m["batches"], 1.0);
    assert_eq!(m["rows_written"], 99.0);
    assert_eq!(m["files_written"], json!(keys.len() as f64));
    assert_eq!(m["failures.bad_message"], 1.0);
    assert_eq!(m["enriched_rows.complete"], 98.0);
    assert_eq!(m["enriched_rows.not_found"], 1.0);
    assert_eq!(m["enrichment_lookups"], 99.0, "one per pull request");
    assert!(m["queue_oldest_age_seconds"].as_f64().unwrap() >= 0.0);
    assert!(m["bytes_written"].as_f64().unwrap() > 0.0);
    for metric in m["_aws"]["CloudWatchMetrics"][0]["Metrics"]
        .as_array()
        .unwrap()
    {
        let name = metric["Name"].as_str().unwrap();
        assert!(m[name].is_number(), "{name} is defined and has a value");
    }

    // The function's output (its logs and metrics, RUST_LOG=warn) names no
    // secret: not the GitHub token it read from Secrets Manager.
    let output = std::fs::read_to_string(logs.path()).unwrap();
    assert!(!output.contains("ghp_test"), "{output}");

    // The same batch delivered again (at least once): same keys, overwritten.
    let failed = failures(api.invoke(event, TIMEOUT).await);
    assert_eq!(failed.len(), 1);
    let (keys_again, rows_again) = lake_rows(&aws).await;
    assert_eq!(keys_again, keys);
    assert_eq!(rows_again.len(), 99);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_that_reset_within_the_invocation_are_waited_out() {
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
    let _function = function(&aws, &api, &github, None);

    let bodies = vec![
        envelope("d-ok", merged_payload_for("o/fine", 1)),
        envelope("d-primary", merged_payload_for("o/primary", 2)),
        envelope("d-secondary", merged_payload_for("o/secondary", 3)),
    ];
    let (event, _) = event_of(&aws, &bodies).await;
    let failed = failures(api.invoke(event, TIMEOUT).await);
    assert!(failed.is_empty(), "{failed:?}");
    let (_, rows) = lake_rows(&aws).await;
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter().all(|r| r.2 == "complete" && r.3 == Some(3)),
        "{rows:?}"
    );
}

/// An SQS event of `bodies` as Lambda delivers it (ids made up: the
/// function reads only ids and bodies).
fn event_of_bodies(aws: &Aws, bodies: &[String]) -> Value {
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            json!({
                "messageId": format!("m-{i}"),
                "receiptHandle": format!("r-{i}"),
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": aws.queue_arn,
                "awsRegion": REGION
            })
        })
        .collect();
    json!({ "Records": records })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_github_never_makes_the_function_miss_its_deadline() {
    let aws = aws().await;
    let github = FakeGitHub::start(HashMap::from([(
        "*".to_string(),
        Scenario::slow(Duration::from_secs(2)),
    )]))
    .await;
    let api = LambdaApi::start().await;
    let function_timeout = Duration::from_secs(30);
    api.set_function_timeout(function_timeout);
    let _function = function(&aws, &api, &github, None);

    let bodies: Vec<String> = (0..1000)
        .map(|i| {
            envelope(
                &format!("slow-{i}"),
                merged_payload_for(&format!("o/slow{}", i % 50), i),
            )
        })
        .collect();
    let event = event_of_bodies(&aws, &bodies);
    let invoked = std::time::Instant::now();
    let failed = failures(api.invoke(event, function_timeout * 2).await);
    let took = invoked.elapsed();
    // The deadline is the behaviour under test, not a performance figure.
    assert!(
        took < function_timeout,
        "answered after {took:?}, past its {function_timeout:?} deadline"
    );
    assert!(
        failed.is_empty(),
        "no message fails for GitHub's sake: {failed:?}"
    );
    let (_, rows) = lake_rows(&aws).await;
    assert_eq!(rows.len(), 1000);
    let complete = rows.iter().filter(|r| r.2 == "complete").count();
    let pending = rows.iter().filter(|r| r.2 == "pending").count();
    assert_eq!(complete + pending, 1000, "every row enriched or pending");
    assert!(
        complete > 0 && pending > 0,
        "{complete} complete, {pending} pending"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_failing_longer_than_max_receive_count_sends_nothing_to_the_dlq() {
    let aws = aws().await;
    let github = FakeGitHub::start(HashMap::from([(
        "*".to_string(),
        Scenario::failing("server_error", 0),
    )]))
    .await;
    let api = LambdaApi::start().await;
    let _function = function(&aws, &api, &github, None);

    // A queue whose messages go to a DLQ after two receives, as infra/ sets it up.
    let (dlq_url, dlq_arn) = create_queue(&aws.sqs, "deliveries-dlq").await;
    let max_receive_count = 2;
    aws.sqs
        .set_queue_attributes()
        .queue_url(&aws.queue_url)
        .attributes(
            QueueAttributeName::RedrivePolicy,
            json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count})
                .to_string(),
        )
        .send()
        .await
        .unwrap();

    let bodies: Vec<String> = (0..20)
        .map(|i| envelope(&format!("e-{i}"), merged_payload_for("o/down", i)))
        .collect();
    for body in &bodies {
        aws.sqs
            .send_message()
            .queue_url(&aws.queue_url)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
    // As Lambda's event source mapping does: receive, invoke, delete what
    // did not fail; batches of 7, so GitHub fails through more invocations
    // than the max receive count.
    let mut invocations = 0;
    let mut empty_receives = 0;
    while empty_receives < 2 {
        let out = aws
            .sqs
            .receive_message()
            .queue_url(&aws.queue_url)
            .max_number_of_messages(7)
            .visibility_timeout(1)
            .send()
            .await
            .unwrap();
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            // Anything failed would be visible again after 1 s.
            empty_receives += 1;
            tokio::time::sleep(Duration::from_millis(1100)).await;
            continue;
        }
        invocations += 1;
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                json!({"messageId": m.message_id, "receiptHandle": m.receipt_handle,
                            "body": m.body, "eventSourceARN": aws.queue_arn})
            })
            .collect();
        let failed = failures(api.invoke(json!({ "Records": records }), TIMEOUT).await);
        assert!(failed.is_empty(), "{failed:?}");
        for m in &messages {
            aws.sqs
                .delete_message()
                .queue_url(&aws.queue_url)
                .receipt_handle(m.receipt_handle.clone().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
    assert!(invocations > max_receive_count, "{invocations} invocations");
    let (_, rows) = lake_rows(&aws).await;
    assert_eq!(rows.len(), 20, "every row landed");
    assert!(rows.iter().all(|r| r.2 == "unavailable"), "{rows:?}");
    let in_dlq = aws
        .sqs
        .receive_message()
        .queue_url(&dlq_url)
        .max_number_of_messages(10)
        .wait_time_seconds(1)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert!(in_dlq.is_empty(), "{} messages in the DLQ", in_dlq.len());
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
        let _function = function(&aws, &api, &github, Some(&s3));
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
    let _function = function(&aws, &api, &github, None);
    assert!(failures(api.invoke(event, TIMEOUT).await).is_empty());
    let (_, rows) = lake_rows(&aws).await;
    assert_eq!(rows.len(), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_app_credentials_from_an_ssm_securestring() {
    let aws = aws().await;
    let github = FakeGitHub::start(HashMap::new()).await;
    let api = LambdaApi::start().await;
    let _function = function_with(
        &aws,
        &api,
        &github,
        None,
        "ssm:/hooklake/github-app",
        Stdio::null(),
    );
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
