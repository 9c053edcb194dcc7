//! Rows → Parquet files, streaming: one open file per partition, so a large
//! backfill spread over many days writes a few big files per partition
//! instead of many small ones, in bounded memory.
//!
//! Rows wait in small per-partition buffers; when the buffers together pass a
//! byte budget, the largest is encoded into its partition's open file (which
//! holds only compressed pages). A file closes at `max_rows_per_file`, or at
//! [`PartitionedWriter::finish`]. File keys derive from the delivery ids in
//! the file, so the same input gives the same keys.

use std::collections::BTreeMap;

use hooklake_schema::arrow::{row_schema, rows_into_batch};
use hooklake_schema::partition::partition_path;
use hooklake_schema::row::PullRequestRow;
use parquet::arrow::ArrowWriter;
use sha2::{Digest, Sha256};

use crate::encode::writer_properties;
use crate::plan::{file_key, PlannedFile};
use crate::IngestError;

/// Encoded rows buffered before encoding, across partitions.
const BUFFER_BUDGET_BYTES: usize = 32 * 1024 * 1024;

struct OpenFile {
    writer: ArrowWriter<Vec<u8>>,
    buffered: Vec<PullRequestRow>,
    buffered_bytes: usize,
    rows: usize,
    ids: Sha256,
}

/// Streams rows into one Parquet file per partition at a time.
pub struct PartitionedWriter {
    open: BTreeMap<String, OpenFile>,
    max_rows_per_file: usize,
    buffered_bytes: usize,
}

fn encode_err(e: impl std::fmt::Display) -> IngestError {
    IngestError::Encode(e.to_string())
}

impl PartitionedWriter {
    /// A writer closing files at `max_rows_per_file` rows.
    pub fn new(max_rows_per_file: usize) -> Self {
        PartitionedWriter {
            open: BTreeMap::new(),
            max_rows_per_file: max_rows_per_file.max(1),
            buffered_bytes: 0,
        }
    }

    /// Adds a row; returns the files this completed (usually none).
    pub fn push(&mut self, row: PullRequestRow) -> Result<Vec<PlannedFile>, IngestError> {
        let partition = partition_path(&row);
        let size = row.payload.len() + 512;
        let file = match self.open.entry(partition.clone()) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => e.insert(OpenFile {
                writer: ArrowWriter::try_new(Vec::new(), row_schema(), Some(writer_properties()))
                    .map_err(encode_err)?,
                buffered: Vec::new(),
                buffered_bytes: 0,
                rows: 0,
                ids: Sha256::new(),
            }),
        };
        file.ids.update(row.delivery_id.as_bytes());
        file.ids.update(b"\n");
        file.buffered.push(row);
        file.buffered_bytes += size;
        file.rows += 1;
        self.buffered_bytes += size;

        let mut done = Vec::new();
        if file.rows >= self.max_rows_per_file {
            done.push(self.close(&partition)?);
        }
        while self.buffered_bytes > BUFFER_BUDGET_BYTES {
            let largest = self
                .open
                .iter()
                .max_by_key(|(_, f)| f.buffered_bytes)
                .map(|(p, _)| p.clone())
                .expect("bytes are buffered, so a file is open");
            self.encode_buffered(&largest)?;
        }
        Ok(done)
    }

    fn encode_buffered(&mut self, partition: &str) -> Result<(), IngestError> {
        let file = self.open.get_mut(partition).expect("open partition");
        if file.buffered.is_empty() {
            return Ok(());
        }
        let batch = rows_into_batch(std::mem::take(&mut file.buffered)).map_err(encode_err)?;
        file.writer.write(&batch).map_err(encode_err)?;
        self.buffered_bytes -= file.buffered_bytes;
        file.buffered_bytes = 0;
        Ok(())
    }

    fn close(&mut self, partition: &str) -> Result<PlannedFile, IngestError> {
        self.encode_buffered(partition)?;
        let file = self.open.remove(partition).expect("open partition");
        let id = hex::encode(&file.ids.finalize()[..16]);
        let bytes = file.writer.into_inner().map_err(encode_err)?;
        Ok(PlannedFile {
            key: file_key(partition, &id),
            bytes,
            rows: file.rows,
        })
    }

    /// Closes every open file.
    pub fn finish(mut self) -> Result<Vec<PlannedFile>, IngestError> {
        let partitions: Vec<String> = self.open.keys().cloned().collect();
        partitions.iter().map(|p| self.close(p)).collect()
    }
}
