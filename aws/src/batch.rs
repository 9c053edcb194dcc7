//! One batch of SQS messages → Parquet objects in S3, through the one
//! ingest pipeline (`hooklake_ingest::pipeline`), and exactly which
//! messages failed. The Lambda and the poller both call it.
//!
//! A message fails alone: a malformed envelope or an unreadable claim check
//! fails that message only; a failed put fails only the messages in that
//! file. GitHub's faults fail nothing: their rows are written with a
//! repairable enrichment status. Failed messages go back to the queue (and
//! after its max receive count, to the dead-letter queue); nothing is
//! dropped.

use std::time::Instant;

use hooklake_github::Enricher;
use hooklake_ingest::pipeline::{Message, PayloadStore, Pipeline, Report};
use hooklake_schema::envelope::StoredPayload;

use crate::lake::{get_text, S3Lake};

/// Claim-checked payloads, read from S3.
#[derive(Debug, Clone)]
pub struct S3Payloads {
    client: aws_sdk_s3::Client,
}

impl PayloadStore for S3Payloads {
    async fn get(&self, stored: &StoredPayload) -> Result<String, String> {
        get_text(&self.client, &stored.bucket, &stored.key)
            .await
            .map_err(|e| e.to_string())
    }
}

/// Turns batches into objects in the lake.
#[derive(Debug)]
pub struct Ingestor {
    lake: S3Lake,
    payloads: S3Payloads,
    enricher: Enricher,
}

impl Ingestor {
    /// An enricher without credentials writes rows with
    /// `changed_files_status = no_credentials`.
    pub fn new(lake: S3Lake, s3: aws_sdk_s3::Client, enricher: Enricher) -> Self {
        Ingestor {
            lake,
            payloads: S3Payloads { client: s3 },
            enricher,
        }
    }

    pub fn lake(&self) -> &S3Lake {
        &self.lake
    }

    /// Processes one batch; enrichment stops at `enrich_until`. Never fails
    /// as a whole: every problem is a failure of the messages it concerns.
    pub async fn process(&self, messages: Vec<Message>, enrich_until: Instant) -> Report {
        Pipeline::new(&self.lake, &self.payloads, &self.enricher)
            .run(messages, enrich_until)
            .await
    }
}
