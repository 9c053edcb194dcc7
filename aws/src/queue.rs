//! SQS, as the poller and the dead-letter tools use it.

use std::time::Duration;

use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, MessageSystemAttributeName, SendMessageBatchRequestEntry,
};

use crate::{describe, AwsError};

/// SQS's most messages per receive or batch call.
pub const MAX_BATCH: usize = 10;

/// A received message.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub body: String,
    pub receipt: String,
    /// When SQS got it (its `SentTimestamp`), in ms since the epoch.
    pub sent_at_ms: Option<i64>,
}

/// One queue.
#[derive(Debug, Clone)]
pub struct Queue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl Queue {
    pub fn new(client: aws_sdk_sqs::Client, url: impl Into<String>) -> Self {
        Queue {
            client,
            url: url.into(),
        }
    }

    /// The queue of an event source ARN (`arn:aws:sqs:REGION:ACCOUNT:NAME`).
    pub async fn from_arn(client: aws_sdk_sqs::Client, arn: &str) -> Result<Self, AwsError> {
        let mut parts = arn.rsplitn(3, ':');
        let (name, account) = (parts.next().unwrap_or_default(), parts.next());
        let url = client
            .get_queue_url()
            .queue_name(name)
            .set_queue_owner_aws_account_id(account.map(str::to_owned))
            .send()
            .await
            .map_err(|e| AwsError::Sqs {
                operation: "GetQueueUrl",
                queue: arn.into(),
                message: describe(&e),
            })?
            .queue_url
            .unwrap_or_default();
        Ok(Queue::new(client, url))
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    fn error(&self, operation: &'static str, message: String) -> AwsError {
        AwsError::Sqs {
            operation,
            queue: self.url.clone(),
            message,
        }
    }

    /// Long-polls for up to `max` (≤ 10) messages.
    pub async fn receive(
        &self,
        max: usize,
        wait: Duration,
        visibility: Option<Duration>,
    ) -> Result<Vec<Received>, AwsError> {
        let output = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max.clamp(1, MAX_BATCH) as i32)
            .wait_time_seconds(wait.as_secs().min(20) as i32)
            .set_visibility_timeout(visibility.map(|v| v.as_secs() as i32))
            .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
            .send()
            .await
            .map_err(|e| self.error("ReceiveMessage", describe(&e)))?;
        Ok(output
            .messages
            .unwrap_or_default()
            .into_iter()
            .map(|m| Received {
                sent_at_ms: m
                    .attributes
                    .as_ref()
                    .and_then(|a| a.get(&MessageSystemAttributeName::SentTimestamp))
                    .and_then(|t| t.parse().ok()),
                id: m.message_id.unwrap_or_default(),
                body: m.body.unwrap_or_default(),
                receipt: m.receipt_handle.unwrap_or_default(),
            })
            .collect())
    }

    /// Deletes messages (done with them) by receipt handle, ten per call.
    pub async fn delete(&self, receipts: &[&str]) -> Result<(), AwsError> {
        for chunk in receipts.chunks(MAX_BATCH) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, receipt)| {
                    DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(*receipt)
                        .build()
                        .expect("id and receipt are set")
                })
                .collect();
            let output = self
                .client
                .delete_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| self.error("DeleteMessageBatch", describe(&e)))?;
            if let Some(failed) = output.failed.first() {
                return Err(self.error(
                    "DeleteMessageBatch",
                    format!(
                        "{} of {} failed: {}",
                        output.failed.len(),
                        chunk.len(),
                        failed.message.clone().unwrap_or_default()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Sends message bodies, ten per call; fails if any is refused.
    pub async fn send(&self, bodies: &[&str]) -> Result<(), AwsError> {
        for chunk in bodies.chunks(MAX_BATCH) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, body)| {
                    SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(*body)
                        .build()
                        .expect("id and body are set")
                })
                .collect();
            let output = self
                .client
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| self.error("SendMessageBatch", describe(&e)))?;
            if let Some(failed) = output.failed.first() {
                return Err(self.error(
                    "SendMessageBatch",
                    format!(
                        "{} of {} refused: {}",
                        output.failed.len(),
                        chunk.len(),
                        failed.message.clone().unwrap_or_default()
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A backfill's destination: the delivery queue, so that the deployment's
/// ingest writes (and enriches) the rows like any delivery's.
impl hooklake_maintain::backfill::Destination for Queue {
    fn describe(&self) -> String {
        self.url.clone()
    }

    async fn take(
        &self,
        messages: Vec<hooklake_ingest::pipeline::Message>,
        _enricher: &hooklake_github::Enricher,
        _options: &hooklake_maintain::backfill::BackfillOptions,
    ) -> Result<hooklake_maintain::backfill::Taken, hooklake_maintain::backfill::BackfillError>
    {
        let bodies: Vec<&str> = messages.iter().map(|m| m.body.as_str()).collect();
        self.send(&bodies).await.map_err(|e| {
            hooklake_maintain::backfill::BackfillError::Write(format!(
                "{e} (SQS takes messages up to 256 KB: backfill a repository with larger pull requests straight into the lake)"
            ))
        })?;
        Ok(hooklake_maintain::backfill::Taken {
            queued: messages.len(),
            ..Default::default()
        })
    }
}
