//! A lake in a local directory.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::lake::{is_lake_file, is_partition, Fetched, LakeError, LakeFile, LakeStore};
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
        // Unique per process and call: two writers of one key (a compaction
        // and a flush, two compactions) never write into each other's file.
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let unique = format!(
            "{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let temp = dir.join(format!("{TEMP_PREFIX}{name}.{unique}{TEMP_SUFFIX}"));
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

impl crate::put::Sink for LocalLake {
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

fn io_error(what: impl std::fmt::Display, err: std::io::Error) -> LakeError {
    LakeError::Io {
        what: what.to_string(),
        reason: err.to_string(),
    }
}

impl LakeStore for LocalLake {
    fn location(&self) -> String {
        self.root.display().to_string()
    }

    async fn partitions(&self) -> Result<Vec<String>, LakeError> {
        let what = || format!("cannot list {}", self.root.display());
        let mut partitions = Vec::new();
        for entry in fs::read_dir(&self.root).map_err(|e| io_error(what(), e))? {
            let entry = entry.map_err(|e| io_error(what(), e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_partition(&name) && entry.file_type().is_ok_and(|t| t.is_dir()) {
                partitions.push(name);
            }
        }
        partitions.sort();
        Ok(partitions)
    }

    async fn files(&self, partition: &str) -> Result<Vec<LakeFile>, LakeError> {
        let dir = self.root.join(partition);
        let what = || format!("cannot list {}", dir.display());
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(what(), e)),
        };
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| io_error(what(), e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !is_lake_file(&name) {
                continue;
            }
            match entry.metadata() {
                Ok(meta) if meta.is_file() => files.push(LakeFile {
                    key: format!("{partition}/{name}"),
                    size: meta.len(),
                }),
                Ok(_) => {}
                // Deleted between the listing and now.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error(what(), e)),
            }
        }
        files.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(files)
    }

    async fn fetch(&self, key: &str) -> Result<Fetched, LakeError> {
        let path = self.root.join(key);
        match File::open(&path) {
            Ok(file) => Ok(Fetched::local(file)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(LakeError::NotFound {
                key: key.to_owned(),
            }),
            Err(e) => Err(io_error(format!("cannot read {}", path.display()), e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), LakeError> {
        let path = self.root.join(key);
        match fs::remove_file(&path) {
            Ok(()) => {
                // Durable like a put: the directory entry is gone after a crash too.
                let dir = path.parent().unwrap_or(&self.root);
                File::open(dir)
                    .and_then(|d| d.sync_all())
                    .map_err(|e| io_error(format!("cannot sync {}", dir.display()), e))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error(format!("cannot delete {}", path.display()), e)),
        }
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
