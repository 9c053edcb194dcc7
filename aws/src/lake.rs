//! The table's location in S3.

use aws_sdk_s3::primitives::ByteStream;
use hooklake_ingest::lake::{is_lake_file, is_partition, Fetched, LakeError, LakeFile, LakeStore};

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

impl hooklake_ingest::put::Sink for S3Lake {
    async fn put(&self, key: String, bytes: Vec<u8>) -> Result<String, String> {
        S3Lake::put(self, &key, bytes)
            .await
            .map(|()| self.object_key(&key))
            .map_err(|e| e.to_string())
    }
}

impl S3Lake {
    fn lake_error(&self, operation: &str, key: &str, error: impl std::error::Error) -> LakeError {
        LakeError::Io {
            what: format!("{operation} s3://{}/{key}", self.bucket),
            reason: describe(&error),
        }
    }
}

impl LakeStore for S3Lake {
    fn location(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }

    async fn partitions(&self) -> Result<Vec<String>, LakeError> {
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(&self.prefix)
            .delimiter("/")
            .into_paginator()
            .send();
        let mut partitions = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.lake_error("ListObjectsV2", &self.prefix, e))?;
            for common in page.common_prefixes() {
                let name = common
                    .prefix()
                    .and_then(|p| p.strip_prefix(self.prefix.as_str()))
                    .map(|p| p.trim_end_matches('/'));
                if let Some(name) = name.filter(|n| is_partition(n)) {
                    partitions.push(name.to_owned());
                }
            }
        }
        partitions.sort();
        Ok(partitions)
    }

    async fn files(&self, partition: &str) -> Result<Vec<LakeFile>, LakeError> {
        let prefix = self.object_key(&format!("{partition}/"));
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(&prefix)
            .into_paginator()
            .send();
        let mut files = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.lake_error("ListObjectsV2", &prefix, e))?;
            for object in page.contents() {
                let Some(name) = object.key().and_then(|k| k.strip_prefix(prefix.as_str())) else {
                    continue;
                };
                // Objects in deeper folders are not the partition's files.
                if is_lake_file(name) && !name.contains('/') {
                    files.push(LakeFile {
                        key: format!("{partition}/{name}"),
                        size: object.size().unwrap_or(0).try_into().unwrap_or(0),
                    });
                }
            }
        }
        files.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(files)
    }

    async fn fetch(&self, key: &str) -> Result<Fetched, LakeError> {
        let object_key = self.object_key(key);
        let object = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&object_key)
            .send()
            .await
        {
            Ok(object) => object,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => {
                return Err(LakeError::NotFound {
                    key: key.to_owned(),
                })
            }
            Err(err) => return Err(self.lake_error("GetObject", &object_key, err)),
        };
        // Downloaded to a temporary file, so a reader streams it from disk
        // whatever its size.
        let temp = tempfile::NamedTempFile::new()
            .map_err(|e| self.lake_error("create a temporary file for", &object_key, e))?;
        let (file, path) = temp.into_parts();
        let mut out = tokio::fs::File::from_std(file);
        let mut body = object.body.into_async_read();
        tokio::io::copy(&mut body, &mut out)
            .await
            .map_err(|e| self.lake_error("GetObject", &object_key, e))?;
        tokio::io::AsyncWriteExt::flush(&mut out)
            .await
            .map_err(|e| self.lake_error("GetObject", &object_key, e))?;
        drop(out);
        let reopened = std::fs::File::open(&path)
            .map_err(|e| self.lake_error("read the download of", &object_key, e))?;
        Ok(Fetched::temporary(reopened, path))
    }

    async fn delete(&self, key: &str) -> Result<(), LakeError> {
        let object_key = self.object_key(key);
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(&object_key)
            .send()
            .await
            .map_err(|e| self.lake_error("DeleteObject", &object_key, e))?;
        Ok(())
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
