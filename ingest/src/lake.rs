//! A lake that maintenance can list, read and delete in, besides writing
//! ([`crate::put::Sink`]): a local directory ([`crate::local::LocalLake`])
//! or an S3 prefix (`hooklake-aws`).

use std::future::Future;

use hooklake_schema::partition::PARTITION_COLUMN;

use crate::put::Sink;

/// One Parquet file of the lake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LakeFile {
    /// Key relative to the table root, e.g. `merged_date=2026-11-27/part-….parquet`.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
}

/// A lake file's bytes, readable from a local file: the file itself for a
/// local lake, a downloaded temporary copy for S3 (deleted on drop), so a
/// reader streams it whatever its size.
#[derive(Debug)]
pub struct Fetched {
    pub file: std::fs::File,
    _temp: Option<tempfile::TempPath>,
}

impl Fetched {
    /// A lake file read in place.
    pub fn local(file: std::fs::File) -> Self {
        Fetched { file, _temp: None }
    }

    /// A temporary copy, removed when this is dropped.
    pub fn temporary(file: std::fs::File, path: tempfile::TempPath) -> Self {
        Fetched {
            file,
            _temp: Some(path),
        }
    }
}

/// Why a lake operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    /// The file is gone: another run (or a person) deleted it meanwhile.
    #[error("{key} is gone (deleted since it was listed; another compaction?)")]
    NotFound { key: String },
    /// Listing, reading or deleting failed.
    #[error("{what}: {reason}")]
    Io { what: String, reason: String },
}

/// A table root maintenance works on.
pub trait LakeStore: Sink {
    /// Where the lake is, for messages (`/srv/lake`, `s3://bucket/prefix`).
    fn location(&self) -> String;

    /// The partition directories (`merged_date=…`), sorted.
    fn partitions(&self) -> impl Future<Output = Result<Vec<String>, LakeError>> + Send;

    /// The finished Parquet files of one partition, sorted by key
    /// (in-progress files of a writer are never listed).
    fn files(
        &self,
        partition: &str,
    ) -> impl Future<Output = Result<Vec<LakeFile>, LakeError>> + Send;

    /// A file's bytes.
    fn fetch(&self, key: &str) -> impl Future<Output = Result<Fetched, LakeError>> + Send;

    /// Deletes a file; a file already gone is not an error.
    fn delete(&self, key: &str) -> impl Future<Output = Result<(), LakeError>> + Send;
}

/// Whether a directory name is a partition of the lake (`merged_date=…`).
pub fn is_partition(name: &str) -> bool {
    name.strip_prefix(PARTITION_COLUMN)
        .and_then(|rest| rest.strip_prefix('='))
        .is_some_and(|value| !value.is_empty())
}

/// Whether a file name is a finished lake file: Parquet, and not hidden
/// (Hive readers skip names starting with `.` or `_`; writers' temporary
/// files start with `.`).
pub fn is_lake_file(name: &str) -> bool {
    name.ends_with(".parquet") && !name.starts_with('.') && !name.starts_with('_')
}

/// The partition of a key (`merged_date=2026-11-27/part-x.parquet` →
/// `merged_date=2026-11-27`).
pub fn partition_of(key: &str) -> &str {
    key.rsplit_once('/').map_or("", |(partition, _)| partition)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_partition("merged_date=2026-11-27"));
        assert!(!is_partition("merged_date="));
        assert!(!is_partition("other=1"));
        assert!(is_lake_file("part-ab.parquet"));
        assert!(!is_lake_file(".tmp-part-ab.parquet.partial"));
        assert!(!is_lake_file("_SUCCESS"));
        assert_eq!(
            partition_of("merged_date=2026-11-27/part-x.parquet"),
            "merged_date=2026-11-27"
        );
    }
}
