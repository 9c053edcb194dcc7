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

/// Why a saved state could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("state at {location}: {message}")]
pub struct StateError {
    pub location: String,
    pub message: String,
}

/// The state saved in `store` as JSON, or `None` before the first run.
/// `what` names it and `to_start_over` says what moving it aside does, for
/// the message when it is not what it should be.
pub async fn load_json<T: serde::de::DeserializeOwned>(
    store: &impl StateStore,
    what: &str,
    to_start_over: &str,
) -> Result<Option<T>, StateError> {
    let error = |message: String| StateError {
        location: store.location(),
        message,
    };
    match store.load().await.map_err(error)? {
        Some(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
            error(format!(
                "not a {what} ({e}); move it aside to {to_start_over}"
            ))
        }),
        None => Ok(None),
    }
}

/// Replaces the state saved in `store` with `value`, as JSON.
pub async fn save_json<T: serde::Serialize>(
    store: &impl StateStore,
    value: &T,
) -> Result<(), StateError> {
    let text = serde_json::to_string(value).expect("a state serialises");
    store.save(text).await.map_err(|message| StateError {
        location: store.location(),
        message,
    })
}
