//! A lake in a local directory.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::IngestError;

/// In-progress files are named `.tmp-<name>.partial`: Hive readers (Athena,
/// Spark) skip names starting with `.` or `_`, and readers that select by
/// extension (DataFusion, DuckDB globs) skip the suffix, so an unfinished file
/// is never read. Leftovers of a crash are swept at start.
const TEMP_PREFIX: &str = ".tmp-";
const TEMP_SUFFIX: &str = ".partial";

/// A table root on local disk.
#[derive(Debug, Clone)]
pub struct LocalLake {
    root: PathBuf,
}

impl LocalLake {
    /// A lake rooted at `root` (created if needed; checked writable).
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, IngestError> {
        let root = root.into();
        let io = |source| IngestError::Write {
            path: root.display().to_string(),
            source,
        };
        fs::create_dir_all(&root).map_err(io)?;
        let probe = root.join(format!("{TEMP_PREFIX}probe"));
        File::create(&probe)
            .and_then(|_| fs::remove_file(&probe))
            .map_err(io)?;
        Ok(LocalLake { root })
    }

    /// The table root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Writes a file atomically and durably: temp file, fsync, rename,
    /// fsync of the directory. Readers see the whole file or nothing.
    ///
    /// Written by hand because `object_store`'s local store renames without
    /// fsync, which is not durable across power loss.
    pub fn put(&self, key: &str, bytes: &[u8]) -> Result<(), IngestError> {
        let path = self.root.join(key);
        let io = |source| IngestError::Write {
            path: path.display().to_string(),
            source,
        };
        let dir = path.parent().unwrap_or(&self.root);
        fs::create_dir_all(dir).map_err(io)?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
        let temp = dir.join(format!("{TEMP_PREFIX}{name}{TEMP_SUFFIX}"));
        let mut file = File::create(&temp).map_err(io)?;
        file.write_all(bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        fs::rename(&temp, &path).map_err(io)?;
        File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
        Ok(())
    }

    /// Removes in-progress files a crash left behind; returns how many.
    pub fn sweep_temp_files(&self) -> Result<usize, IngestError> {
        fn sweep(dir: &Path) -> std::io::Result<usize> {
            let mut removed = 0;
            for entry in fs::read_dir(dir)? {
                let entry = entry?;
                let path = entry.path();
                if entry.file_type()?.is_dir() {
                    removed += sweep(&path)?;
                } else if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                    fs::remove_file(&path)?;
                    removed += 1;
                }
            }
            Ok(removed)
        }
        sweep(&self.root).map_err(|source| IngestError::Write {
            path: self.root.display().to_string(),
            source,
        })
    }
}

impl crate::pipeline::Sink for LocalLake {
    async fn put(&self, key: String, bytes: Vec<u8>) -> Result<String, String> {
        let lake = self.clone();
        // Blocking file I/O with fsyncs: off the async threads.
        tokio::task::spawn_blocking(move || {
            LocalLake::put(&lake, &key, &bytes)
                .map(|()| lake.root.join(&key).display().to_string())
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| format!("the write was cancelled: {e}"))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_is_atomic_and_sweep_removes_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let lake = LocalLake::open(dir.path()).unwrap();
        lake.put("merged_date=2026-01-01/part-x.parquet", b"data")
            .unwrap();
        let written = dir.path().join("merged_date=2026-01-01/part-x.parquet");
        assert_eq!(fs::read(&written).unwrap(), b"data");
        fs::write(
            dir.path()
                .join("merged_date=2026-01-01/.tmp-part-y.parquet.partial"),
            b"half",
        )
        .unwrap();
        assert_eq!(lake.sweep_temp_files().unwrap(), 1);
        assert!(written.exists());
    }

    #[test]
    fn unwritable_root_is_an_error_naming_the_path() {
        let err = LocalLake::open("/proc/hooklake-cannot-write-here").unwrap_err();
        assert!(
            err.to_string().contains("/proc/hooklake-cannot-write-here"),
            "{err}"
        );
    }
}
