//! `hooklake ingest`: the Lambda's batch handler as a long-running SQS poller.

use anyhow::Context;
use hooklake_aws::poller::{self, PollStats, PollerOptions};
use hooklake_aws::queue::Queue;
use hooklake_aws::{Ingestor, S3Lake};
use hooklake_github::GitHubClient;
use tokio::sync::watch;

/// Polls `queue_url` into `lake` (`s3://bucket/prefix`) until SIGTERM/SIGINT
/// (or, with `exit_when_empty`, until the queue is empty).
pub async fn run(
    queue_url: &str,
    lake: &str,
    github: Option<GitHubClient>,
    options: PollerOptions,
) -> anyhow::Result<PollStats> {
    let config = hooklake_aws::load_config().await;
    let s3 = hooklake_aws::s3_client(&config);
    let lake = S3Lake::new(s3.clone(), lake)?;
    let ingestor = Ingestor::new(lake, s3, github);
    let queue = Queue::new(hooklake_aws::sqs_client(&config), queue_url);
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(async move {
        crate::serve::shutdown_signal().await;
        tracing::info!("stopping: finishing the batch in hand, receiving no more");
        let _ = stop.send(true);
    });
    tracing::info!(queue = %queue_url, lake = %format!("s3://{}", ingestor.lake().bucket()), "hooklake ingest is polling");
    poller::run(&ingestor, &queue, &options, stopped)
        .await
        .with_context(|| format!("polling {queue_url}"))
}
