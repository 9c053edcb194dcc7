//! A run's saved state (the redelivery watermark, a backfill's cursor) as
//! one S3 object: a single PutObject replaces it atomically.

use aws_sdk_s3::primitives::ByteStream;
use hooklake_github::state::StateStore;

use crate::describe;
use crate::lake::parse_s3_url;
use crate::AwsError;

/// `s3://bucket/key` holding a state document.
#[derive(Debug, Clone)]
pub struct S3State {
    client: aws_sdk_s3::Client,
    bucket: String,
    key: String,
}

impl S3State {
    /// The object at `url` (`s3://BUCKET/KEY`).
    pub fn new(client: aws_sdk_s3::Client, url: &str) -> Result<Self, AwsError> {
        let (bucket, key) = parse_s3_url(url)?;
        let key = key.trim_end_matches('/').to_owned();
        if key.is_empty() {
            return Err(AwsError::Setting(format!(
                "{url} names a bucket, not an object: give s3://BUCKET/KEY"
            )));
        }
        Ok(S3State {
            client,
            bucket,
            key,
        })
    }
}

impl StateStore for S3State {
    fn location(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    async fn load(&self) -> Result<Option<String>, String> {
        let object = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .send()
            .await
        {
            Ok(object) => object,
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(describe(&e)),
        };
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|e| describe(&e))?
            .into_bytes();
        String::from_utf8(bytes.to_vec())
            .map(Some)
            .map_err(|_| "the object is not UTF-8".into())
    }

    async fn save(&self, text: String) -> Result<(), String> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .content_type("application/json")
            .body(ByteStream::from(text.into_bytes()))
            .send()
            .await
            .map(drop)
            .map_err(|e| describe(&e))
    }
}
