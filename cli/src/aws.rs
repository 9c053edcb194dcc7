//! Where the command line reaches AWS outside `ingest` and `dlq`: s3://
//! lakes and state files, backfill's queue, and GitHub credentials kept in
//! AWS. Built without the `aws` feature, each of these answers one error
//! that says how to get a hooklake that has them.

use hooklake_github::Credentials;

#[cfg(feature = "aws")]
pub use hooklake_aws::{queue::Queue, state::S3State as State, S3Lake};
/// Never made without the `aws` feature: [`state`] fails first.
#[cfg(not(feature = "aws"))]
pub use hooklake_github::state::StateFile as State;

/// The lake at `s3://BUCKET/PREFIX`.
#[cfg(feature = "aws")]
pub async fn lake(location: &str) -> anyhow::Result<S3Lake> {
    let config = hooklake_aws::load_config().await?;
    Ok(S3Lake::new(hooklake_aws::s3_client(&config), location)?)
}

/// A state (backfill's position, redeliver's watermark) at `s3://BUCKET/KEY`.
#[cfg(feature = "aws")]
pub async fn state(location: &str) -> anyhow::Result<State> {
    let config = hooklake_aws::load_config().await?;
    Ok(State::new(hooklake_aws::s3_client(&config), location)?)
}

#[cfg(not(feature = "aws"))]
pub async fn state(location: &str) -> anyhow::Result<State> {
    Err(needs_aws(&format!("the state {location}")))
}

/// The SQS queue at `url` (backfill's `--queue-url`).
#[cfg(feature = "aws")]
pub async fn queue(url: &str) -> anyhow::Result<Queue> {
    let config = hooklake_aws::load_config().await?;
    Ok(Queue::new(hooklake_aws::sqs_client(&config), url))
}

/// GitHub credentials from a Secrets Manager secret or SSM parameter.
#[cfg(feature = "aws")]
pub async fn github_credentials(secret: &str) -> anyhow::Result<Credentials> {
    let config = hooklake_aws::load_config().await?;
    Ok(hooklake_aws::credentials::load(&config, secret).await?)
}

#[cfg(not(feature = "aws"))]
pub async fn github_credentials(secret: &str) -> anyhow::Result<Credentials> {
    Err(needs_aws(&format!("--github-secret-arn {secret}")))
}

/// The error for an AWS command or location given to a hooklake built
/// without the `aws` feature.
pub fn needs_aws(what: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "{what} needs AWS, and this hooklake was built without it (--no-default-features). \
         Build it with AWS (`cargo build --release -p hooklake`: `aws` is a default feature) \
         or use a release binary"
    )
}
