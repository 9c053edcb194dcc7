//! The one ingest pipeline: decode → enrich → partition and encode → put.
//!
//! Every way into the lake (serve's batcher, the Lambda, the poller) hands
//! a batch of queue messages to [`Pipeline::run`] and gets back a
//! [`Report`] that says, per message, whether its row is in the lake and
//! if not why. The shells differ only in where messages come from and what
//! they do with failures (SQS retries them; serve keeps bad envelopes as
//! dead letters and retries the batch when the lake could not be written).
//!
//! - **decode**: [`crate::rows`] turns each envelope into a row, on all cores;
//!   a claim-checked payload is fetched through a [`PayloadStore`].
//! - **enrich**: [`Enricher`] fills in changed files until a deadline, one
//!   lookup per pull request, and never fails: GitHub's faults become
//!   repairable statuses on the rows, not failed messages.
//! - **partition and encode**: [`PartitionedWriter`], one file per
//!   partition, named after the deliveries in it, one row per delivery.
//! - **put**: [`put_files`] over a [`Sink`] (a local directory, S3), the
//!   one put stage of every writer; a failed put fails only the messages
//!   in that file.

use std::collections::HashMap;
use std::future::Future;
use std::time::Instant;

use hooklake_github::enrich::{EnrichReport, Enricher};
use hooklake_schema::envelope::{Body, Envelope, StoredPayload};
use hooklake_schema::row::PullRequestRow;
use rayon::prelude::*;

use crate::cpu::cpu_bound;
use crate::put::{put_files, Sink, WrittenFile};
use crate::rows::{row_from_owned_envelope, row_from_payload};
use crate::stream::PartitionedWriter;
use crate::IngestError;

/// Where claim-checked payloads are fetched from (the Worker stores
/// oversize deliveries in S3 and sends a pointer).
pub trait PayloadStore: Sync {
    /// The payload's text.
    fn get(&self, stored: &StoredPayload) -> impl Future<Output = Result<String, String>> + Send;
}

/// For shells that cannot read claim checks (a local lake): each one is a
/// failed message that says where its payload is.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPayloadStore;

impl PayloadStore for NoPayloadStore {
    async fn get(&self, stored: &StoredPayload) -> Result<String, String> {
        Err(format!(
            "payload is stored at {}/{}, which this ingest cannot read",
            stored.bucket, stored.key
        ))
    }
}

/// One queue message.
#[derive(Debug, Clone)]
pub struct Message {
    /// The queue's id for it (SQS message id; serve's sequence number).
    pub id: String,
    /// The envelope, one JSON line.
    pub body: String,
}

/// Why a message's row is not in the lake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Not a usable envelope of a merged pull request: retrying cannot help.
    BadMessage,
    /// Its claim-checked payload could not be fetched (transient, or gone).
    PayloadUnavailable,
    /// The file holding its row could not be written: retry.
    Write,
}

impl FailureKind {
    /// Its name in logs and the `failures` metric's `kind` label.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::BadMessage => "bad_message",
            FailureKind::PayloadUnavailable => "payload_unavailable",
            FailureKind::Write => "write",
        }
    }
}

/// A message whose row is not in the lake, and why.
#[derive(Debug, Clone)]
pub struct Failure {
    pub message_id: String,
    /// The GitHub delivery id, when the message got far enough to tell.
    pub delivery_id: Option<String>,
    pub kind: FailureKind,
    pub reason: String,
    /// The message itself, when it can never become a row
    /// ([`FailureKind::BadMessage`] and [`FailureKind::PayloadUnavailable`]):
    /// what a shell keeps as a dead letter. `None` for a failed write, which
    /// a retry of the same message mends.
    pub message: Option<String>,
}

/// What one batch did.
#[derive(Debug, Default)]
pub struct Report {
    /// Messages whose rows are not in the lake. Every other message's row is.
    pub failed: Vec<Failure>,
    /// Rows written (a delivery sent several times is one row).
    pub rows: usize,
    pub files: Vec<WrittenFile>,
    /// Lookups made and rows by enrichment status.
    pub enrichment: EnrichReport,
}

impl Report {
    /// Ids of the messages whose rows are not in the lake.
    pub fn failed_ids(&self) -> std::collections::HashSet<&str> {
        self.failed.iter().map(|f| f.message_id.as_str()).collect()
    }
}

/// A decoded message: its row, or a claim check still to fetch.
// Rows are the common case and move on at once; boxing them would cost an
// allocation per message.
#[allow(clippy::large_enum_variant)]
enum Decoded {
    Row(PullRequestRow),
    Stored(StoredPayload, Envelope),
}

/// Delivery ids per `file written` log line: a line stays well under
/// CloudWatch Logs' 256 KB event limit.
const DELIVERIES_PER_LOG_LINE: usize = 1_000;

/// A decoded message, or why not and the message itself.
type DecodeResult = Result<Decoded, (IngestError, String)>;

fn decode(body: &str) -> Result<Decoded, IngestError> {
    let envelope = Envelope::from_line(body)?;
    match &envelope.body {
        Body::Stored(stored) => Ok(Decoded::Stored(stored.clone(), envelope)),
        Body::Inline(_) => row_from_owned_envelope(envelope).map(Decoded::Row),
    }
}

/// The stages, wired to one sink, payload store and enricher.
#[derive(Debug)]
pub struct Pipeline<'a, S, P> {
    pub sink: &'a S,
    pub store: &'a P,
    pub enricher: &'a Enricher,
    /// Rows per file, at most (a batch's partition beyond it gets more files).
    pub max_rows_per_file: usize,
    /// Files put at once.
    pub parallel_puts: usize,
    /// Decode and encode on all cores (rayon), or on one thread (serve,
    /// where the other cores answer webhooks and rayon's idle workers cost
    /// it deliveries per second).
    pub parallel: bool,
}

/// Files put at once by default: S3 latency, not the number of
/// partitions, bounds a batch.
pub const DEFAULT_PARALLEL_PUTS: usize = 8;

impl<'a, S: Sink, P: PayloadStore> Pipeline<'a, S, P> {
    /// A pipeline with the default file size and put concurrency.
    pub fn new(sink: &'a S, store: &'a P, enricher: &'a Enricher) -> Self {
        Pipeline {
            sink,
            store,
            enricher,
            max_rows_per_file: crate::policy::FlushPolicy::default().max_rows,
            parallel_puts: DEFAULT_PARALLEL_PUTS,
            parallel: true,
        }
    }

    /// Runs one batch. Enrichment stops at `enrich_until`; rows it did not
    /// reach are written `pending`. Never fails as a whole: every problem
    /// is a [`Failure`] of the messages it concerns. The messages are
    /// consumed: each body is freed once decoded.
    pub async fn run(&self, messages: Vec<Message>, enrich_until: Instant) -> Report {
        let mut report = Report::default();

        // decode
        // A message that does not decode is handed back whole, for the
        // shell's dead letters; the others are freed once decoded.
        let decode_one = |message: Message| {
            let decoded = decode(&message.body).map_err(|error| (error, message.body));
            (message.id, decoded)
        };
        let decoded: Vec<(String, DecodeResult)> = cpu_bound(|| {
            if self.parallel {
                messages.into_par_iter().map(decode_one).collect()
            } else {
                messages.into_iter().map(decode_one).collect()
            }
        });
        let mut rows = Vec::with_capacity(decoded.len());
        let mut messages_of: HashMap<String, Vec<String>> = HashMap::new();
        for (message_id, decoded) in decoded {
            let mut delivery_id = None;
            let mut kept = None;
            let row = match decoded {
                Ok(Decoded::Row(row)) => Ok(row),
                Ok(Decoded::Stored(stored, envelope)) => {
                    delivery_id = Some(envelope.delivery_id.clone());
                    let row = self.fetch_stored(&stored, &envelope).await;
                    if row.is_err() {
                        kept = Some(envelope.to_line());
                    }
                    row
                }
                Err((error, body)) => {
                    kept = Some(body);
                    Err((FailureKind::BadMessage, error.to_string()))
                }
            };
            match row {
                Ok(row) => {
                    messages_of
                        .entry(row.delivery_id.clone())
                        .or_default()
                        .push(message_id);
                    rows.push(row);
                }
                Err((kind, reason)) => {
                    tracing::warn!(message_id = %message_id, delivery_id = delivery_id.as_deref().unwrap_or("-"), %reason, "message cannot become a row");
                    report.failed.push(Failure {
                        message_id,
                        delivery_id,
                        kind,
                        reason,
                        message: kept,
                    });
                }
            }
        }

        // enrich: best effort, until the deadline
        report.enrichment = self.enricher.enrich(&mut rows, enrich_until).await;

        // partition and encode (one row per delivery)
        let mut writer =
            PartitionedWriter::for_batch(self.max_rows_per_file).with_parallel(self.parallel);
        let mut planned = Vec::new();
        let mut unwritten: Vec<(Vec<String>, String)> = Vec::new();
        for row in rows {
            let delivery_id = row.delivery_id.clone();
            match writer.push(row) {
                Ok(done) => planned.extend(done),
                Err(error) => unwritten.push((vec![delivery_id], error.to_string())),
            }
        }
        for (partition, file) in cpu_bound(|| writer.finish()) {
            match file {
                Ok(file) => planned.push(file),
                Err(error) => {
                    tracing::error!(%partition, %error, "cannot encode partition");
                    // Its deliveries are the ones no file holds; found below.
                    unwritten.push((Vec::new(), format!("cannot encode {partition}: {error}")));
                }
            }
        }

        // put, concurrently
        let put = put_files(self.sink, planned, self.parallel_puts).await;
        for file in put.written {
            // Where each delivery landed: `grep DELIVERY_ID` finds it.
            for chunk in file.deliveries.chunks(DELIVERIES_PER_LOG_LINE) {
                tracing::info!(file = %file.location, rows = file.rows, bytes = file.bytes, deliveries = %chunk.join(","), "file written");
            }
            for delivery in &file.deliveries {
                messages_of.remove(delivery);
            }
            report.rows += file.rows;
            report.files.push(file);
        }
        for file in put.unwritten {
            unwritten.push((file.deliveries, file.reason));
        }
        // Whatever is left in `messages_of` is in no written file.
        let fallback = unwritten
            .first()
            .map(|(_, reason)| reason.clone())
            .unwrap_or_else(|| "not written".into());
        let mut reason_of: HashMap<String, String> = HashMap::new();
        for (deliveries, reason) in unwritten {
            for delivery in deliveries {
                reason_of.insert(delivery, reason.clone());
            }
        }
        for (delivery, message_ids) in messages_of {
            let reason = reason_of
                .get(&delivery)
                .cloned()
                .unwrap_or_else(|| fallback.clone());
            for message_id in message_ids {
                report.failed.push(Failure {
                    message_id,
                    delivery_id: Some(delivery.clone()),
                    kind: FailureKind::Write,
                    reason: reason.clone(),
                    message: None,
                });
            }
        }
        report
    }

    /// The row of a claim-checked envelope: its payload fetched and checked.
    async fn fetch_stored(
        &self,
        stored: &StoredPayload,
        envelope: &Envelope,
    ) -> Result<PullRequestRow, (FailureKind, String)> {
        let payload = self
            .store
            .get(stored)
            .await
            .map_err(|reason| (FailureKind::PayloadUnavailable, reason))?;
        row_from_payload(envelope, &payload).map_err(|e| (FailureKind::BadMessage, e.to_string()))
    }
}
