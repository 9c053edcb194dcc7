//! The lake a command is given (`--lake`): a directory, or
//! `s3://BUCKET/PREFIX`. Every command that takes a lake opens it here, so
//! a location hooklake cannot use is one clear error before any work, and
//! an `s3://` URL is never taken for a directory name.

use anyhow::Context;
use hooklake_ingest::lake::{Fetched, LakeError, LakeFile, LakeStore};
use hooklake_ingest::local::LocalLake;
use hooklake_ingest::put::Sink;

/// A lake given on the command line: a directory, or `s3://BUCKET/PREFIX`.
pub enum Lake {
    Local(LocalLake),
    #[cfg(feature = "aws")]
    S3(crate::aws::S3Lake),
}

impl Lake {
    /// Opens the lake at `location`.
    pub async fn open(location: &str) -> anyhow::Result<Lake> {
        if location.starts_with("s3://") {
            #[cfg(feature = "aws")]
            return Ok(Lake::S3(crate::aws::lake(location).await?));
            #[cfg(not(feature = "aws"))]
            return Err(crate::aws::needs_aws(&format!("the lake {location}")));
        } else {
            let lake = LocalLake::open(location).with_context(|| {
                format!("cannot use lake directory {location}; give a writable directory or s3://BUCKET/PREFIX with --lake")
            })?;
            Ok(Lake::Local(lake))
        }
    }

    /// [`Lake::open`] for work on what a lake already holds (`compact`,
    /// `status`): a local directory that does not exist is an error before
    /// any work, as for `query`, not an empty lake.
    pub async fn open_existing(location: &str) -> anyhow::Result<Lake> {
        anyhow::ensure!(
            location.starts_with("s3://") || std::path::Path::new(location).is_dir(),
            "lake directory {location} does not exist; nothing has been ingested there yet \
             (start `hooklake serve --lake {location}` or run `hooklake import --lake {location} FILE`), \
             or pass --lake DIR or s3://BUCKET/PREFIX"
        );
        Lake::open(location).await
    }
}

/// Runs `$body` with `$lake` bound to the concrete lake (the lake traits'
/// async methods rule out `dyn`).
macro_rules! with_lake {
    ($lake:expr, |$l:ident| $body:expr) => {
        match $lake {
            Lake::Local($l) => $body,
            #[cfg(feature = "aws")]
            Lake::S3($l) => $body,
        }
    };
}

impl Sink for Lake {
    async fn put(&self, key: String, bytes: Vec<u8>) -> Result<String, String> {
        with_lake!(self, |l| Sink::put(l, key, bytes).await)
    }
}

impl LakeStore for Lake {
    fn location(&self) -> String {
        with_lake!(self, |l| LakeStore::location(l))
    }

    async fn partitions(&self) -> Result<Vec<String>, LakeError> {
        with_lake!(self, |l| LakeStore::partitions(l).await)
    }

    async fn files(&self, partition: &str) -> Result<Vec<LakeFile>, LakeError> {
        with_lake!(self, |l| LakeStore::files(l, partition).await)
    }

    async fn fetch(&self, key: &str) -> Result<Fetched, LakeError> {
        with_lake!(self, |l| LakeStore::fetch(l, key).await)
    }

    async fn delete(&self, key: &str) -> Result<(), LakeError> {
        with_lake!(self, |l| LakeStore::delete(l, key).await)
    }
}
