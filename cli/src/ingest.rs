//! `hooklake ingest`: the Lambda's batch handler as a long-running SQS poller.

use hooklake_aws::poller::{self, PollStats, PollerOptions};
use hooklake_aws::queue::Queue;
use hooklake_aws::{Ingestor, S3Lake, Timeouts};
use hooklake_github::Enricher;
use tokio::sync::watch;

/// Polls `queue_url` into `lake` (`s3://bucket/prefix`) until SIGTERM/SIGINT
/// (or, with `exit_when_empty`, until the queue is empty). SQS and S3
/// errors are retried, never fatal.
pub async fn run(
    queue_url: &str,
    lake: &str,
    enricher: Enricher,
    mut options: PollerOptions,
) -> anyhow::Result<PollStats> {
    let config = hooklake_aws::load_config().await?;
    // A long poll must end well inside one attempt's timeout.
    options.long_poll = options.long_poll.min(Timeouts::from_env()?.attempt / 2);
    let s3 = hooklake_aws::s3_client(&config);
    let lake = S3Lake::new(s3.clone(), lake)?;
    let ingestor = Ingestor::new(lake, s3, enricher);
    let queue = Queue::new(hooklake_aws::sqs_client(&config), queue_url);
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(async move {
        crate::serve::shutdown_signal().await;
        tracing::info!("stopping: finishing the batch in hand, receiving no more");
        let _ = stop.send(true);
    });
    tracing::info!(queue = %queue_url, lake = %format!("s3://{}", ingestor.lake().bucket()), "hooklake ingest is polling");
    Ok(poller::run(&ingestor, &queue, &options, stopped).await)
}
