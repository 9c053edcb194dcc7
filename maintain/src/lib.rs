//! Lake maintenance: what keeps the lake small, exact and complete after
//! ingest has written it, for a local lake and S3 alike (any
//! [`hooklake_ingest::lake::LakeStore`]).
//!
//! - [`compact`]: each partition as few files as a target size allows, one
//!   row per delivery id (the best-enriched copy), repairable enrichment
//!   looked up again; crash-safe at every step.
//! - [`driver`]: the one compaction driver: a [`driver::Policy`] (a
//!   selection, the schedule, a sweep) run a partition at a time, by
//!   `hooklake compact`, serve's schedule and the Lambda alike.
//! - [`backfill`]: pull requests merged in a date range, from GitHub's
//!   API, written as the rows their deliveries would have given.
//! - [`verify`]: the pull requests GitHub says were merged in a range that
//!   have no row (`--repair` backfills exactly those).
//! - [`status`]: partitions, files, small files, rows by enrichment status,
//!   duplicates and freshness.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use hooklake_ingest::local::LocalLake;
//! use hooklake_maintain::{compact, driver, select::Selection, status};
//! let lake = LocalLake::open("lake")?;
//! let before = status::status(&lake, &Selection::all(), compact::DEFAULT_TARGET_FILE_BYTES).await?;
//! let options = compact::CompactOptions {
//!     target_file_bytes: compact::DEFAULT_TARGET_FILE_BYTES,
//!     memory_limit: compact::DEFAULT_MEMORY_LIMIT,
//!     enrich_until: std::time::Instant::now(),
//! };
//! let report = driver::compact(&lake, &Selection::all(), None, &options, &compact::NoProgress).await?;
//! assert!(report.is_clean());
//! # let _ = before; Ok(()) }
//! ```

pub mod backfill;
pub mod compact;
pub mod driver;
pub mod read;
pub mod select;
pub mod status;
pub mod verify;
