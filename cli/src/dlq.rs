//! `hooklake dlq redrive` and `hooklake dlq dump`.

use std::path::Path;

use hooklake_aws::dlq;
use hooklake_aws::queue::Queue;

/// Moves every message of the dead-letter queue back to the delivery queue.
pub async fn redrive(dead_letter_url: &str, queue_url: &str) -> anyhow::Result<usize> {
    let config = hooklake_aws::load_config().await?;
    let sqs = hooklake_aws::sqs_client(&config);
    let moved = dlq::redrive(
        &Queue::new(sqs.clone(), dead_letter_url),
        &Queue::new(sqs, queue_url),
    )
    .await?;
    Ok(moved)
}

/// Saves every message of the dead-letter queue to `file` (one envelope per
/// line, for `hooklake import`); with `delete`, removes them afterwards.
pub async fn dump(dead_letter_url: &str, file: &Path, delete: bool) -> anyhow::Result<usize> {
    let config = hooklake_aws::load_config().await?;
    let queue = Queue::new(hooklake_aws::sqs_client(&config), dead_letter_url);
    Ok(dlq::dump(&queue, file, delete).await?)
}
