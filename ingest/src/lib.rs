//! hooklake's ingest core: from queue envelopes to Parquet files in a lake.
//!
//! The core is pure; the shells around it do the I/O:
//!
//! 1. [`rows::row_from_envelope`] turns one envelope into a row (or an error
//!    that names what is wrong with that one message).
//! 2. The shell may enrich rows (changed files from GitHub's API).
//! 3. [`plan::plan_files`] groups rows by Hive partition and encodes each
//!    group as one zstd-compressed Parquet file ([`encode`]) under a key
//!    derived from the batch's message ids ([`plan::batch_id`]), so a retried
//!    batch overwrites its files instead of duplicating rows.
//!    For large imports, [`stream::PartitionedWriter`] does the same while
//!    streaming: one open file per partition, in bounded memory.
//! 4. A sink puts the files: [`local::LocalLake`] on disk (atomic, fsynced);
//!    S3 in the Lambda.
//!
//! ```
//! use hooklake_ingest::{plan, rows};
//! use hooklake_schema::envelope::Envelope;
//! let payload = r#"{"action":"closed","pull_request":{"id":1,"number":7,"title":"Fix","merged":true,
//!   "merged_at":"2026-11-27T10:00:00Z","html_url":"u","base":{"ref":"main"},"head":{"ref":"fix"}},
//!   "repository":{"id":42,"full_name":"o/r"}}"#;
//! let envelope = Envelope::inline("d-1", "pull_request", None, chrono::Utc::now(), payload);
//! let row = rows::row_from_envelope(&envelope).unwrap();
//! let batch = plan::batch_id(["d-1"]);
//! let files = plan::plan_files(&batch, vec![row]).unwrap();
//! assert_eq!(files[0].key, format!("merged_date=2026-11-27/part-{batch}.parquet"));
//! ```

pub mod encode;
pub mod local;
pub mod plan;
pub mod policy;
pub mod rows;
pub mod stream;

/// Why a message or a batch could not be ingested.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The message is not a usable envelope.
    #[error(transparent)]
    Envelope(#[from] hooklake_schema::envelope::EnvelopeError),
    /// The envelope's payload does not give a row.
    #[error(transparent)]
    Extract(#[from] hooklake_schema::payload::ExtractError),
    /// The payload was stored apart (claim check) and this shell cannot read it.
    #[error("payload of delivery {delivery_id} is stored at {bucket}/{key}, which this ingest cannot read")]
    StoredPayloadUnavailable {
        delivery_id: String,
        bucket: String,
        key: String,
    },
    /// The stored payload's bytes do not match the pointer's checksum.
    #[error(
        "stored payload of delivery {delivery_id} does not match its sha256; refusing to ingest it"
    )]
    StoredPayloadCorrupt { delivery_id: String },
    /// Encoding the rows failed (a bug, or memory exhaustion).
    #[error("cannot encode Parquet: {0}")]
    Encode(String),
    /// Writing a file to the lake failed.
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}
