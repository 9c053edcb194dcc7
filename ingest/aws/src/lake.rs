//! The table's location in S3.

use aws_sdk_s3::primitives::ByteStream;

use crate::{describe, AwsError};

/// `s3://bucket/prefix/`: where the table's partitions live.
#[derive(Debug, Clone)]
pub struct S3Lake {
    client: aws_sdk_s3::Client,
    bucket: String,
    /// Empty, or ends in `/`.
    prefix: String,
}

/// Splits `s3://bucket/prefix` into bucket and prefix (empty, or ending in `/`).
///
/// ```
/// use hooklake_aws::lake::parse_s3_url;
/// assert_eq!(parse_s3_url("s3://lake/github_webhooks_table").unwrap(), ("lake".into(), "github_webhooks_table/".into()));
/// assert_eq!(parse_s3_url("s3://lake").unwrap(), ("lake".into(), "".into()));
/// assert!(parse_s3_url("/var/lake").is_err());
/// ```
pub fn parse_s3_url(url: &str) -> Result<(String, String), AwsError> {
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| AwsError::BadLakeUrl(url.into()))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(AwsError::BadLakeUrl(url.into()));
    }
    let prefix = prefix.trim_matches('/');
    let prefix = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}/")
    };
    Ok((bucket.to_owned(), prefix))
}

impl S3Lake {
    pub fn new(client: aws_sdk_s3::Client, url: &str) -> Result<Self, AwsError> {
        let (bucket, prefix) = parse_s3_url(url)?;
        Ok(S3Lake {
            client,
            bucket,
            prefix,
        })
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The full object key of a table-relative key.
    pub fn object_key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// Puts one whole file. A single PutObject is atomic: readers see the
    /// whole object or none, so a failed put leaves nothing partial, and a
    /// retried batch overwrites its own key.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), AwsError> {
        let key = self.object_key(key);
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type("application/vnd.apache.parquet")
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| AwsError::S3 {
                operation: "PutObject",
                bucket: self.bucket.clone(),
                key,
                message: describe(&e),
            })?;
        Ok(())
    }
}

impl hooklake_ingest::pipeline::Sink for S3Lake {
    async fn put(&self, key: String, bytes: Vec<u8>) -> Result<String, String> {
        S3Lake::put(self, &key, bytes)
            .await
            .map(|()| self.object_key(&key))
            .map_err(|e| e.to_string())
    }
}

/// Reads a claim-checked payload (the Worker stores oversize deliveries).
pub async fn get_text(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<String, AwsError> {
    let err = |message: String| AwsError::S3 {
        operation: "GetObject",
        bucket: bucket.into(),
        key: key.into(),
        message,
    };
    let object = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| err(describe(&e)))?;
    let bytes = object
        .body
        .collect()
        .await
        .map_err(|e| err(describe(&e)))?
        .into_bytes();
    String::from_utf8(bytes.to_vec()).map_err(|_| err("the object is not UTF-8".into()))
}
