//! What a file in the lake is called, and what one carries.
//!
//! One naming scheme for every writer: a file's key derives from the set of
//! delivery ids in it ([`file_id`]), so writing the same deliveries again
//! (a retried batch, a redone crash, an import run twice) overwrites the
//! same file instead of adding a duplicate, and never replaces a file that
//! holds any other delivery.

use sha2::{Digest, Sha256};

/// One Parquet file to put in the lake.
#[derive(Debug, Clone)]
pub struct PlannedFile {
    /// Key relative to the table root, e.g.
    /// `merged_date=2026-11-27/part-0123abcd….parquet`.
    pub key: String,
    /// The whole file.
    pub bytes: Vec<u8>,
    /// Rows in the file.
    pub rows: usize,
    /// The delivery ids in the file, sorted, each once.
    pub deliveries: Vec<String>,
}

/// The id of a file holding `deliveries` (sorted and deduplicated by the
/// caller): the same set always gives the same id.
///
/// ```
/// use hooklake_ingest::plan::file_id;
/// assert_eq!(file_id(&["a".into(), "b".into()]), file_id(&["a".into(), "b".into()]));
/// assert_ne!(file_id(&["a".into(), "b".into()]), file_id(&["a".into()]));
/// ```
pub fn file_id(deliveries: &[String]) -> String {
    let mut hash = Sha256::new();
    for id in deliveries {
        hash.update(id.as_bytes());
        hash.update(b"\n");
    }
    hex::encode(&hash.finalize()[..16])
}

/// The key of a file under the table root, e.g.
/// `merged_date=2026-11-27/part-0123abcd….parquet`.
pub fn file_key(partition: &str, id: &str) -> String {
    format!("{partition}/part-{id}.parquet")
}
