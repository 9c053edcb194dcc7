//! hooklake's ingest core: from queue envelopes to Parquet files in a lake.
//!
//! Every way into the lake goes through one pipeline ([`pipeline`]):
//!
//! 1. **decode**: [`rows::row_from_owned_envelope`] turns one envelope into a
//!    row (or an error that names what is wrong with that one message).
//! 2. **enrich**: changed files from GitHub's API, best effort until a
//!    deadline ([`hooklake_github::enrich`]); never holds a row back.
//! 3. **partition and encode**: [`stream::PartitionedWriter`] groups rows by
//!    Hive partition and encodes zstd Parquet ([`encode`]) under keys
//!    derived from the deliveries in each file ([`plan`]), so writing the
//!    same deliveries again overwrites instead of duplicating.
//! 4. **put**: [`put::put_files`] over a [`put::Sink`]: [`local::LocalLake`]
//!    on disk (atomic, fsynced), S3 in `hooklake-aws`. Compaction puts its
//!    files through the same function.
//!
//! Batches (serve, the Lambda, the poller) run all four with
//! [`pipeline::Pipeline::run`]; `hooklake import` streams rows through the
//! same decode, partition/encode and put stages in bounded memory.
//!
//! ```
//! use hooklake_ingest::{rows, stream::PartitionedWriter};
//! use hooklake_schema::envelope::Envelope;
//! let payload = r#"{"action":"closed","pull_request":{"id":1,"number":7,"title":"Fix","merged":true,
//!   "merged_at":"2026-11-27T10:00:00Z","html_url":"u","base":{"ref":"main"},"head":{"ref":"fix"}},
//!   "repository":{"id":42,"full_name":"o/r"}}"#;
//! let envelope = Envelope::inline("d-1", "pull_request", None, chrono::Utc::now(), payload);
//! let row = rows::row_from_owned_envelope(envelope).unwrap();
//! let mut writer = PartitionedWriter::for_batch(10_000);
//! assert!(writer.push(row).unwrap().is_empty());
//! let files = writer.finish_all().unwrap();
//! assert!(files[0].key.starts_with("merged_date=2026-11-27/part-"));
//! assert_eq!(files[0].deliveries, ["d-1"]);
//! ```

pub mod alloc;
pub mod cpu;
pub mod encode;
pub mod lake;
pub mod local;
pub mod metrics;
pub mod pipeline;
pub mod plan;
pub mod policy;
pub mod put;
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
