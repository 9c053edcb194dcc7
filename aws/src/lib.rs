//! hooklake's AWS adapters around the pure ingest core.
//!
//! - [`batch`]: one batch of queue messages through the ingest pipeline into
//!   S3 (claim checks read from S3), and exactly which messages failed. The
//!   Lambda and the poller both call it.
//! - [`lake`]: the S3 table location (`s3://bucket/prefix`).
//! - [`queue`]: SQS helpers: receive, delete, extend visibility.
//! - [`poller`]: the long-polling loop of `hooklake ingest`.
//! - [`dlq`]: `hooklake dlq redrive` and `dump`.
//! - [`emf`]: metrics as CloudWatch EMF log lines (the Lambda, the poller).
//! - [`credentials`]: GitHub credentials from Secrets Manager.
//! - [`state`]: a run's saved state (redelivery watermark) as an S3 object.
//!
//! Every client honours the standard AWS configuration chain, including
//! `AWS_ENDPOINT_URL` (how the tests reach moto).

pub mod batch;
pub mod credentials;
pub mod dlq;
pub mod emf;
pub mod lake;
pub mod poller;
pub mod queue;
pub mod state;

pub use batch::{Ingestor, S3Payloads};

pub use hooklake_ingest::pipeline::{Message, Report};
pub use lake::S3Lake;
use std::time::Duration;

/// How long an AWS call may take. The SDK sets no operation or attempt
/// timeout by default, so a hung connection would hang its caller forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// One whole operation, retries included.
    pub operation: Duration,
    /// One attempt. Longer than SQS's longest long poll (20 s).
    pub attempt: Duration,
    /// Opening a connection.
    pub connect: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            operation: Duration::from_secs(60),
            attempt: Duration::from_secs(25),
            connect: Duration::from_secs(3),
        }
    }
}

/// Environment variables that override [`Timeouts`] (humantime: `30s`, `500ms`).
pub const TIMEOUT_VARS: [&str; 3] = [
    "HOOKLAKE_AWS_OPERATION_TIMEOUT",
    "HOOKLAKE_AWS_ATTEMPT_TIMEOUT",
    "HOOKLAKE_AWS_CONNECT_TIMEOUT",
];

impl Timeouts {
    /// The defaults, overridden by [`TIMEOUT_VARS`] where set.
    pub fn from_env() -> Result<Self, AwsError> {
        let mut timeouts = Timeouts::default();
        let fields = [
            &mut timeouts.operation,
            &mut timeouts.attempt,
            &mut timeouts.connect,
        ];
        for (var, field) in TIMEOUT_VARS.into_iter().zip(fields) {
            if let Ok(value) = std::env::var(var) {
                *field = humantime::parse_duration(value.trim()).map_err(|e| {
                    AwsError::Setting(format!(
                        "{var}={value:?} is not a duration ({e}); write it like 30s or 500ms"
                    ))
                })?;
            }
        }
        Ok(timeouts)
    }
}

/// The shared AWS configuration: region, credentials and endpoint from the
/// environment, profile files or the instance/container role; timeouts
/// from [`Timeouts::from_env`].
pub async fn load_config() -> Result<aws_config::SdkConfig, AwsError> {
    let timeouts = Timeouts::from_env()?;
    Ok(aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_timeout(timeouts.operation)
                .operation_attempt_timeout(timeouts.attempt)
                .connect_timeout(timeouts.connect)
                .build(),
        )
        .load()
        .await)
}

/// An S3 client. With a custom endpoint (`AWS_ENDPOINT_URL`, e.g. an
/// emulator or MinIO) it addresses buckets by path, which those need.
pub fn s3_client(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let path_style = config.endpoint_url().is_some();
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(path_style)
            .build(),
    )
}

/// Errors of the AWS adapters, with what to do about them.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    #[error("{0}")]
    Setting(String),
    #[error("{0} is not an s3:// location; expected s3://BUCKET/PREFIX")]
    BadLakeUrl(String),
    #[error("S3 {operation} s3://{bucket}/{key} failed: {message}")]
    S3 {
        operation: &'static str,
        bucket: String,
        key: String,
        message: String,
    },
    #[error("SQS {operation} on {queue} failed: {message}")]
    Sqs {
        operation: &'static str,
        queue: String,
        message: String,
    },
    #[error("cannot read GitHub credentials from {source_name}: {message}")]
    Credentials {
        source_name: String,
        message: String,
    },
    #[error("cannot write {path}: {source}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The full text of an SDK error (its source chain), not just "service error".
pub(crate) fn describe<E: std::error::Error>(error: &E) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// An SQS client.
pub fn sqs_client(config: &aws_config::SdkConfig) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(config)
}
