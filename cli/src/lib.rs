//! hooklake on one machine: `serve` (webhook endpoint → durable queue →
//! Parquet lake), `query` (SQL over the lake), `import`, `send`, `ddl`, `demo`; lake maintenance (`compact`, `status`) on disk or S3; and against AWS: `ingest` (the SQS
//! poller) and `dlq`.
//!
//! The binary (`src/main.rs`) is a thin clap layer over these modules.
//!
//! Everything that talks to AWS sits behind the `aws` feature (on by
//! default); a build without it keeps every command on one machine.

pub mod aws;
pub mod backfill;
pub mod config;
pub mod demo;
#[cfg(feature = "aws")]
pub mod dlq;
pub mod github;
pub mod import;
#[cfg(feature = "aws")]
pub mod ingest;
pub mod lake;
pub mod maintain;
pub mod query;
pub mod redeliver;
pub mod rotate;
pub mod send;
pub mod serve;
