//! Where a run keeps what the next run needs: a local file, or an S3
//! object (`hooklake-aws`).

use std::future::Future;
use std::path::PathBuf;

/// Where a run's state is kept (the redelivery watermark, a backfill's
/// position): a local file, or an S3 object
/// (`hooklake-aws`).
pub trait StateStore: Sync {
    /// For messages: a path or an `s3://` URL.
    fn location(&self) -> String;
    /// The saved text, or `None` before the first run.
    fn load(&self) -> impl Future<Output = Result<Option<String>, String>> + Send;
    /// Replaces the saved text atomically.
    fn save(&self, text: String) -> impl Future<Output = Result<(), String>> + Send;
}

/// A state file on disk, replaced atomically (temporary file, fsync, rename).
#[derive(Debug, Clone)]
pub struct StateFile(pub PathBuf);

impl StateStore for StateFile {
    fn location(&self) -> String {
        self.0.display().to_string()
    }

    async fn load(&self) -> Result<Option<String>, String> {
        match std::fs::read_to_string(&self.0) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    async fn save(&self, text: String) -> Result<(), String> {
        use std::io::Write;
        let dir = match self.0.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let mut temp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| e.to_string())?;
        temp.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
        temp.as_file().sync_all().map_err(|e| e.to_string())?;
        temp.persist(&self.0).map_err(|e| e.to_string())?;
        std::fs::File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| e.to_string())
    }
}
