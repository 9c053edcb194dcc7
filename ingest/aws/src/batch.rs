//! One batch of queue messages → Parquet objects in S3, and exactly which
//! messages failed.
//!
//! A message fails alone: a malformed envelope, an unreadable claim check,
//! or a rate-limited enrichment fails that message only; the others are
//! written. A failed put fails only the messages of that partition's file.
//! Failed messages go back to the queue (and after its max receive count, to
//! the dead-letter queue); nothing is dropped.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::NaiveDate;
use futures_util::stream::{self, StreamExt};
use hooklake_github::{enrich_rows, GitHubClient, DEFAULT_CONCURRENCY};
use hooklake_ingest::plan::{batch_id, plan_partition};
use hooklake_ingest::rows::{row_from_owned_envelope, row_from_payload};
use hooklake_schema::envelope::{Body, Envelope, StoredPayload};
use hooklake_schema::partition::{partition_date, partition_dir};
use hooklake_schema::row::PullRequestRow;
use rayon::prelude::*;

use crate::lake::{get_text, S3Lake};

/// Partitions written to S3 at once.
const PARALLEL_PUTS: usize = 8;

fn failures(ids: Vec<String>, reason: &str) -> impl Iterator<Item = Failure> + '_ {
    ids.into_iter().map(move |id| Failure {
        id,
        reason: reason.to_owned(),
        retry_after: None,
    })
}

/// A message decoded: its row, or the claim check still to fetch.
// Rows are the common case and move on at once; boxing them would cost an
// allocation per message.
#[allow(clippy::large_enum_variant)]
enum Decoded {
    Row(PullRequestRow),
    Stored(StoredPayload, Envelope),
}

/// One message of a batch.
#[derive(Debug, Clone)]
pub struct Message {
    /// SQS message id (stable across redeliveries).
    pub id: String,
    /// The envelope, one JSON line.
    pub body: String,
}

/// A message that was not written, and why.
#[derive(Debug, Clone)]
pub struct Failure {
    pub id: String,
    pub reason: String,
    /// Keep the message invisible this long before retrying it (rate
    /// limits); `None`: the queue's own visibility timeout.
    pub retry_after: Option<Duration>,
}

/// What a batch did.
#[derive(Debug, Default)]
pub struct BatchReport {
    pub failed: Vec<Failure>,
    /// Rows written.
    pub rows: usize,
    /// Object keys written (full keys in the bucket).
    pub objects: Vec<String>,
}

impl BatchReport {
    /// Ids of the messages that were not written.
    pub fn failed_ids(&self) -> std::collections::HashSet<&str> {
        self.failed.iter().map(|f| f.id.as_str()).collect()
    }

    /// Failed messages that should stay hidden for a while (rate limits),
    /// by receipt handle, with how long. `receipts` pairs each message id of
    /// the batch with its receipt handle.
    pub fn delayed_receipts<'r>(
        &self,
        receipts: impl IntoIterator<Item = (&'r str, &'r str)>,
    ) -> Vec<(&'r str, Duration)> {
        let waits: std::collections::HashMap<&str, Duration> = self
            .failed
            .iter()
            .filter_map(|f| f.retry_after.map(|wait| (f.id.as_str(), wait)))
            .collect();
        if waits.is_empty() {
            return Vec::new();
        }
        receipts
            .into_iter()
            .filter_map(|(id, receipt)| Some((receipt, *waits.get(id)?)))
            .collect()
    }
}

/// Turns batches into objects in the lake.
#[derive(Debug)]
pub struct Ingestor {
    lake: S3Lake,
    s3: aws_sdk_s3::Client,
    github: Option<GitHubClient>,
}

impl Ingestor {
    /// `github: None` writes rows with `changed_files_status = no_credentials`.
    pub fn new(lake: S3Lake, s3: aws_sdk_s3::Client, github: Option<GitHubClient>) -> Self {
        Ingestor { lake, s3, github }
    }

    pub fn lake(&self) -> &S3Lake {
        &self.lake
    }

    /// The row of one message whose payload is inline (pure CPU, so
    /// messages are decoded in parallel); a claim check is returned as is,
    /// to be fetched by [`Ingestor::fetch_stored`].
    fn decode(body: &str) -> Result<Decoded, String> {
        let envelope = Envelope::from_line(body).map_err(|e| e.to_string())?;
        match &envelope.body {
            Body::Stored(stored) => Ok(Decoded::Stored(stored.clone(), envelope)),
            Body::Inline(_) => row_from_owned_envelope(envelope)
                .map(Decoded::Row)
                .map_err(|e| e.to_string()),
        }
    }

    /// The row of a claim-checked envelope: its payload fetched from S3.
    async fn fetch_stored(
        &self,
        stored: &StoredPayload,
        envelope: &Envelope,
    ) -> Result<PullRequestRow, String> {
        let payload = get_text(&self.s3, &stored.bucket, &stored.key)
            .await
            .map_err(|e| e.to_string())?;
        row_from_payload(envelope, &payload).map_err(|e| e.to_string())
    }

    /// Processes one batch. Never fails as a whole: every problem is a
    /// [`Failure`] of the messages it concerns.
    ///
    /// CPU work (decoding messages, encoding partitions) runs on all cores
    /// (rayon); S3 and GitHub calls overlap as async I/O.
    ///
    /// The messages are consumed: each body is freed once decoded.
    pub async fn process(&self, messages: Vec<Message>) -> BatchReport {
        let mut report = BatchReport::default();
        let mut ids = Vec::new();
        let mut rows = Vec::new();
        let decoded: Vec<_> = messages
            .into_par_iter()
            .map(|message| {
                let decoded = Self::decode(&message.body);
                (message.id, decoded)
            })
            .collect();
        for (id, decoded) in decoded {
            let row = match decoded {
                Ok(Decoded::Row(row)) => Ok(row),
                Ok(Decoded::Stored(stored, envelope)) => {
                    self.fetch_stored(&stored, &envelope).await
                }
                Err(reason) => Err(reason),
            };
            match row {
                Ok(row) => {
                    ids.push(id);
                    rows.push(row);
                }
                Err(reason) => {
                    tracing::warn!(message_id = %id, %reason, "message cannot become a row");
                    report.failed.push(Failure {
                        id,
                        reason,
                        retry_after: None,
                    });
                }
            }
        }

        let enriched = enrich_rows(self.github.as_ref(), &mut rows, DEFAULT_CONCURRENCY).await;
        let mut partitions: BTreeMap<NaiveDate, (Vec<String>, Vec<PullRequestRow>)> =
            BTreeMap::new();
        for ((id, row), result) in ids.into_iter().zip(rows).zip(enriched) {
            if let Err(error) = result {
                tracing::warn!(message_id = %id, %error, "enrichment failed; the message will be retried");
                report.failed.push(Failure {
                    id,
                    reason: error.to_string(),
                    retry_after: error.retry_after(),
                });
                continue;
            }
            let entry = partitions.entry(partition_date(&row)).or_default();
            entry.0.push(id);
            entry.1.push(row);
        }

        // Encode every partition (in parallel), then put them all at once:
        // S3 latency, not the number of partitions, bounds the batch.
        let encoded: Vec<_> = partitions
            .into_par_iter()
            .map(|(date, (mut ids, rows))| {
                // The key derives from the partition's message ids, sorted:
                // the same messages retried give the same key and overwrite.
                ids.sort();
                let partition = partition_dir(date);
                let file = plan_partition(&partition, &batch_id(&ids), rows);
                (partition, ids, file)
            })
            .collect();
        let mut planned = Vec::new();
        for (partition, ids, file) in encoded {
            match file {
                Ok(file) => planned.push((partition, ids, file)),
                Err(e) => report.failed.extend(failures(ids, &e.to_string())),
            }
        }
        let puts = planned.into_iter().map(|(partition, ids, file)| async move {
            match self.lake.put(&file.key, file.bytes).await {
                Ok(()) => Ok((file.rows, self.lake.object_key(&file.key))),
                Err(e) => {
                    tracing::error!(%partition, error = %e, "cannot write partition; its messages will be retried");
                    Err((ids, e.to_string()))
                }
            }
        });
        let results: Vec<_> = stream::iter(puts)
            .buffer_unordered(PARALLEL_PUTS)
            .collect()
            .await;
        for result in results {
            match result {
                Ok((count, key)) => {
                    report.rows += count;
                    report.objects.push(key);
                }
                Err((ids, reason)) => report.failed.extend(failures(ids, &reason)),
            }
        }
        report
    }
}
