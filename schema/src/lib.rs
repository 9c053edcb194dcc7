//! The one definition of a hooklake row.
//!
//! Everything that must agree between the edge, ingest, the local CLI and the
//! AWS catalog is defined here once:
//!
//! - [`envelope`]: the queue message the edge sends and ingest reads.
//! - [`payload`]: what GitHub sends, read with serde, and the one test of
//!   "this delivery is a merged pull request".
//! - [`row`]: the row kept for each merged pull request, extracted from a payload.
//! - [`partition`]: the Hive partition a row belongs to.
//! - [`metrics`]: the metric names every shell emits, and their CloudWatch
//!   Embedded Metric Format encoding.
//! - `arrow` (feature `arrow`): the Arrow schema and record batches of rows.
//! - `catalog` (feature `arrow`): the Athena DDL and Glue columns, generated
//!   from the Arrow schema, never written by hand.
//!
//! ```
//! use hooklake_schema::{payload, row::PullRequestRow};
//! let body = r#"{"action":"closed","number":7,
//!   "pull_request":{"id":1,"number":7,"title":"Fix","merged":true,
//!     "merged_at":"2026-11-27T10:00:00Z","html_url":"https://github.com/o/r/pull/7",
//!     "user":{"login":"octocat"},"base":{"ref":"main"},"head":{"ref":"fix"}},
//!   "repository":{"id":42,"full_name":"o/r"}}"#;
//! let event = payload::PullRequestEvent::parse(body).unwrap();
//! assert!(event.is_merged());
//! let row = PullRequestRow::extract("delivery-1", chrono::Utc::now(), body).unwrap();
//! assert_eq!(row.repository, "o/r");
//! assert_eq!(hooklake_schema::partition::partition_path(&row), "merged_date=2026-11-27");
//! ```

pub mod envelope;
pub mod metrics;
pub mod partition;
pub mod payload;
pub mod row;

#[cfg(feature = "arrow")]
pub mod arrow;
#[cfg(feature = "arrow")]
pub mod catalog;
#[cfg(feature = "arrow")]
pub mod decode;

/// Glue database name, shared with the system hooklake replaces.
pub const DATABASE: &str = "github_webhooks_db";
/// Glue table name, shared with the system hooklake replaces, so that its
/// reference query runs unchanged.
pub const TABLE: &str = "github_webhooks_table";
/// The query the replaced system documented; it must run unchanged.
pub const REFERENCE_QUERY: &str = "SELECT repository, changed_files.added, changed_files.removed, changed_files.modified FROM github_webhooks_table LIMIT 10;";
