//! The put stage: every file any writer makes (a batch of the pipeline,
//! `hooklake import`, a compaction) reaches the lake through [`put_files`],
//! over one [`Sink`] seam, and comes back as one [`PutReport`] that says
//! which files (and so which deliveries) are in the lake and which are not.

use std::future::Future;

use futures_util::stream::{self, StreamExt};

use crate::plan::PlannedFile;

/// Where files go. A put is atomic: readers see the whole file or none.
pub trait Sink: Sync {
    /// Puts `bytes` under `key` (relative to the table root); returns where
    /// the file landed (a path, or the object key), for logs.
    fn put(
        &self,
        key: String,
        bytes: Vec<u8>,
    ) -> impl Future<Output = Result<String, String>> + Send;
}

/// A file in the lake.
#[derive(Debug, Clone)]
pub struct WrittenFile {
    /// Its key relative to the table root.
    pub key: String,
    /// Where it landed (path or object key).
    pub location: String,
    pub rows: usize,
    /// Its size in bytes.
    pub bytes: usize,
    /// The delivery ids in it.
    pub deliveries: Vec<String>,
}

/// A file the sink refused: none of its deliveries are in the lake through it.
#[derive(Debug, Clone)]
pub struct UnwrittenFile {
    pub key: String,
    /// The delivery ids it held.
    pub deliveries: Vec<String>,
    pub reason: String,
}

/// What a put did, file by file.
#[derive(Debug, Default)]
pub struct PutReport {
    pub written: Vec<WrittenFile>,
    pub unwritten: Vec<UnwrittenFile>,
}

impl PutReport {
    /// Rows in the written files.
    pub fn rows(&self) -> usize {
        self.written.iter().map(|f| f.rows).sum()
    }

    /// The written files, or the first refusal (for writers that stop at the
    /// first failure: import and compaction, where nothing is deleted or
    /// acknowledged until every file is in).
    pub fn all_written(self) -> Result<Vec<WrittenFile>, UnwrittenFile> {
        match self.unwritten.into_iter().next() {
            Some(unwritten) => Err(unwritten),
            None => Ok(self.written),
        }
    }
}

impl std::fmt::Display for UnwrittenFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot put {}: {}", self.key, self.reason)
    }
}

/// Puts `files`, `concurrency` at a time, and logs each refusal with its
/// deliveries. A failed put fails only the deliveries of that file.
pub async fn put_files<S: Sink>(
    sink: &S,
    files: Vec<PlannedFile>,
    concurrency: usize,
) -> PutReport {
    let puts = files.into_iter().map(|file| async move {
        let PlannedFile {
            key,
            bytes,
            rows,
            deliveries,
        } = file;
        let size = bytes.len();
        match sink.put(key.clone(), bytes).await {
            Ok(location) => Ok(WrittenFile {
                    key,
                    location,
                    rows,
                    bytes: size,
                deliveries,
            }),
            Err(reason) => {
                tracing::error!(%reason, file = %key, deliveries = %deliveries.join(","), "cannot write a file");
                Err(UnwrittenFile {
                    key,
                    deliveries,
                    reason,
                })
            }
        }
    });
    let results: Vec<_> = stream::iter(puts)
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut report = PutReport::default();
    for result in results {
        match result {
            Ok(file) => report.written.push(file),
            Err(file) => report.unwritten.push(file),
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Refuses keys that contain "bad".
    struct Picky;

    impl Sink for Picky {
        async fn put(&self, key: String, _bytes: Vec<u8>) -> Result<String, String> {
            if key.contains("bad") {
                Err("refused".into())
            } else {
                Ok(format!("/lake/{key}"))
            }
        }
    }

    fn file(key: &str, deliveries: &[&str]) -> PlannedFile {
        PlannedFile {
            key: key.into(),
            bytes: vec![0; 10],
            rows: deliveries.len(),
            deliveries: deliveries.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[tokio::test]
    async fn a_refused_file_hands_back_exactly_its_deliveries() {
        let report = put_files(
            &Picky,
            vec![file("a", &["d1", "d2"]), file("bad", &["d3"])],
            4,
        )
        .await;
        assert_eq!(report.rows(), 2);
        assert_eq!(report.written[0].location, "/lake/a");
        assert_eq!(report.unwritten.len(), 1);
        assert_eq!(report.unwritten[0].deliveries, ["d3"]);
        let first = report.all_written().unwrap_err();
        assert_eq!(first.to_string(), "cannot put bad: refused");
    }
}
