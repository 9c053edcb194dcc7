//! hooklake's AWS adapters around the pure ingest core.
//!
//! - [`batch`]: one batch of queue messages → rows (claim checks resolved,
//!   changed files enriched) → one Parquet object per partition in S3, and
//!   exactly which messages failed. The Lambda and the poller both call it.
//! - [`lake`]: the S3 table location (`s3://bucket/prefix`).
//! - [`queue`]: SQS helpers: receive, delete, extend visibility.
//! - [`poller`]: the long-polling loop of `hooklake ingest`.
//! - [`dlq`]: `hooklake dlq redrive` and `dump`.
//! - [`credentials`]: GitHub credentials from Secrets Manager.
//!
//! Every client honours the standard AWS configuration chain, including
//! `AWS_ENDPOINT_URL` (how the tests reach moto).

pub mod batch;
pub mod credentials;
pub mod dlq;
pub mod lake;
pub mod poller;
pub mod queue;

pub use batch::{BatchReport, Failure, Ingestor, Message};
pub use lake::S3Lake;

/// The shared AWS configuration: region, credentials and endpoint from the
/// environment, profile files or the instance/container role.
pub async fn load_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
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
