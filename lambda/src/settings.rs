//! What both jobs of the function read from its environment, and the
//! clients built from it.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use hooklake_aws::S3Lake;
use hooklake_github::{Enricher, GitHubClient, DEFAULT_API_URL};

pub struct Settings {
    pub config: aws_config::SdkConfig,
    /// `HOOKLAKE_LAKE`: the table location, `s3://bucket/prefix`.
    pub lake_url: String,
    /// `HOOKLAKE_GITHUB_SECRET_ARN`: GitHub credentials, if any.
    pub secret_arn: Option<String>,
    /// `HOOKLAKE_GITHUB_API_URL`: GitHub Enterprise Server's API.
    pub api_url: String,
}

impl Settings {
    pub async fn from_env() -> anyhow::Result<Settings> {
        let lake_url = std::env::var("HOOKLAKE_LAKE").context(
            "HOOKLAKE_LAKE is not set; set it to the table location, s3://BUCKET/PREFIX",
        )?;
        Ok(Settings {
            config: hooklake_aws::load_config().await?,
            lake_url,
            secret_arn: std::env::var("HOOKLAKE_GITHUB_SECRET_ARN")
                .ok()
                .filter(|s| !s.is_empty()),
            api_url: std::env::var("HOOKLAKE_GITHUB_API_URL")
                .unwrap_or_else(|_| DEFAULT_API_URL.to_owned()),
        })
    }

    pub fn lake(&self) -> anyhow::Result<(S3Lake, aws_sdk_s3::Client)> {
        let s3 = hooklake_aws::s3_client(&self.config);
        Ok((S3Lake::new(s3.clone(), &self.lake_url)?, s3))
    }

    /// The enricher, with the credentials of the secret (read now: on the
    /// first invocation, not at start, so cold starts stay short).
    pub async fn enricher(&self) -> anyhow::Result<Enricher> {
        let github = match &self.secret_arn {
            Some(arn) => {
                let credentials = hooklake_aws::credentials::load(&self.config, arn).await?;
                Some(GitHubClient::new(&self.api_url, credentials)?)
            }
            None => None,
        };
        Ok(Enricher::new(github))
    }
}

/// A duration setting (`5s`, `2m`), or `default` when unset.
pub fn duration_var(name: &str, default: Duration) -> anyhow::Result<Duration> {
    match std::env::var(name) {
        Ok(value) => humantime::parse_duration(value.trim())
            .with_context(|| format!("{name}={value:?} is not a duration; write it like 5s")),
        Err(_) => Ok(default),
    }
}

/// `margin` before the invocation's deadline (milliseconds since the epoch,
/// from the Runtime API), or now if that has passed.
pub fn before_deadline(deadline_ms: u64, margin: Duration) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let left = Duration::from_millis(deadline_ms.saturating_sub(now_ms));
    Instant::now() + left.saturating_sub(margin)
}

/// The metrics' `source` dimension: the function's name (which the Lambda
/// runtime sets), so that two deployments in one account stay apart.
pub fn metrics_source() -> String {
    std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "hooklake".to_owned())
}
