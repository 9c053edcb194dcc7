//! Rows → Parquet files, one open file per partition: the one place rows
//! are grouped by partition and encoded, for a batch (serve, the Lambda,
//! the poller) and a stream (`hooklake import`) alike.
//!
//! Rows wait in small per-partition buffers; when the buffers together pass
//! a byte budget, the largest is encoded into its partition's open file
//! (encoded pages are held until the file closes). A file closes at
//! `max_rows_per_file` or `max_file_bytes`, when the bytes held by all open files pass
//! `memory_limit` (the largest closes), or at
//! [`PartitionedWriter::finish`], which encodes the remaining partitions (in
//! parallel unless told otherwise). A delivery id already in an open file is
//! not added twice.
//! File keys derive from the delivery ids in the file ([`crate::plan`]).

use std::collections::{BTreeMap, HashSet};

use arrow_array::{BooleanArray, RecordBatch};
use hooklake_schema::arrow::{row_schema, rows_into_batch};
use hooklake_schema::partition::partition_path;
use hooklake_schema::row::PullRequestRow;
use parquet::arrow::ArrowWriter;
use rayon::prelude::*;

use crate::encode::{encode_err, writer_properties};
use crate::plan::{file_id, file_key, PlannedFile};
use crate::IngestError;

/// Bytes of rows buffered before encoding, across partitions, at most.
const BUFFER_BUDGET_BYTES: usize = 32 * 1024 * 1024;

/// Rows per row group, at least (the last one of a file may have fewer).
const ROW_GROUP_ROWS: usize = 1_000;

/// What a row is assumed to take besides its payload, before encoding.
const ROW_OVERHEAD_BYTES: usize = 512;

/// When files close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterLimits {
    /// Rows per file, at most.
    pub max_rows_per_file: usize,
    /// Bytes held by all open files together (rows waiting to be encoded
    /// and encoded pages not yet written out), at most: past it, the
    /// largest open file is closed. Bounds memory whatever the input.
    pub memory_limit: usize,
    /// Encoded bytes per file, about: a file closes once it has this many
    /// (lake maintenance's target file size).
    pub max_file_bytes: usize,
}

impl Default for WriterLimits {
    fn default() -> Self {
        WriterLimits {
            max_rows_per_file: 10_000,
            memory_limit: 256 * 1024 * 1024,
            max_file_bytes: usize::MAX,
        }
    }
}

struct OpenFile {
    writer: ArrowWriter<Vec<u8>>,
    buffered: Vec<PullRequestRow>,
    /// Rows that came as Arrow batches ([`PartitionedWriter::push_batch`]).
    buffered_batches: Vec<RecordBatch>,
    buffered_bytes: usize,
    /// The writer's bytes (written and in progress), as of the last encode:
    /// asking the writer on every row would cost more than the row.
    encoded_bytes: usize,
    rows: usize,
    deliveries: HashSet<String>,
}

impl OpenFile {
    fn new() -> Result<Self, IngestError> {
        Ok(OpenFile {
            writer: ArrowWriter::try_new(Vec::new(), row_schema(), Some(writer_properties()))
                .map_err(encode_err)?,
            buffered: Vec::new(),
            buffered_batches: Vec::new(),
            buffered_bytes: 0,
            encoded_bytes: 0,
            rows: 0,
            deliveries: HashSet::new(),
        })
    }

    /// Bytes this file holds in memory.
    fn held_bytes(&self) -> usize {
        self.buffered_bytes + self.encoded_bytes
    }

    /// Encodes the buffered rows into the file's open row group, and closes
    /// the row group once it has [`ROW_GROUP_ROWS`]: a closed row group's
    /// pages are compact in the file's buffer (measured: less memory, and
    /// faster, than one row group per file), while smaller row groups would
    /// cost bytes per row in their statistics.
    fn encode_buffered(&mut self) -> Result<(), IngestError> {
        if self.buffered.is_empty() && self.buffered_batches.is_empty() {
            return Ok(());
        }
        if !self.buffered.is_empty() {
            let batch = rows_into_batch(std::mem::take(&mut self.buffered)).map_err(encode_err)?;
            self.writer.write(&batch).map_err(encode_err)?;
        }
        for batch in std::mem::take(&mut self.buffered_batches) {
            self.writer.write(&batch).map_err(encode_err)?;
        }
        if self.writer.in_progress_rows() >= ROW_GROUP_ROWS {
            self.writer.flush().map_err(encode_err)?;
        }
        self.buffered_bytes = 0;
        self.encoded_bytes = self.writer.bytes_written() + self.writer.memory_size();
        Ok(())
    }

    fn close(mut self, partition: &str) -> Result<PlannedFile, IngestError> {
        self.encode_buffered()?;
        let mut deliveries: Vec<String> = self.deliveries.into_iter().collect();
        deliveries.sort_unstable();
        let bytes = self.writer.into_inner().map_err(encode_err)?;
        Ok(PlannedFile {
            key: file_key(partition, &file_id(&deliveries)),
            bytes,
            rows: self.rows,
            deliveries,
        })
    }
}

/// Streams rows into one Parquet file per partition at a time.
pub struct PartitionedWriter {
    open: BTreeMap<String, OpenFile>,
    limits: WriterLimits,
    parallel: bool,
    buffer_budget: usize,
    buffered_bytes: usize,
}

impl PartitionedWriter {
    /// A writer closing files at these limits.
    pub fn new(limits: WriterLimits) -> Self {
        let limits = WriterLimits {
            max_rows_per_file: limits.max_rows_per_file.max(1),
            memory_limit: limits.memory_limit.max(1),
            max_file_bytes: limits.max_file_bytes.max(1),
        };
        PartitionedWriter {
            open: BTreeMap::new(),
            parallel: true,
            buffer_budget: BUFFER_BUDGET_BYTES.min(limits.memory_limit / 4).max(1),
            limits,
            buffered_bytes: 0,
        }
    }

    /// A writer for one batch held in memory whole: every partition's rows
    /// go into one file (up to `max_rows_per_file`), encoded at
    /// [`PartitionedWriter::finish`].
    pub fn for_batch(max_rows_per_file: usize) -> Self {
        let mut writer = Self::new(WriterLimits {
            max_rows_per_file,
            memory_limit: usize::MAX,
            max_file_bytes: usize::MAX,
        });
        writer.buffer_budget = usize::MAX;
        writer
    }

    /// Whether [`PartitionedWriter::finish`] encodes partitions on all cores
    /// (rayon; the default) or one after another on the calling thread.
    pub fn with_parallel(mut self, parallel: bool) -> Self {
        self.parallel = parallel;
        self
    }

    /// Adds a row (unless its delivery is already in its partition's open
    /// file); returns the files this completed (usually none).
    pub fn push(&mut self, row: PullRequestRow) -> Result<Vec<PlannedFile>, IngestError> {
        let partition = partition_path(&row);
        let size = row.payload.len() + ROW_OVERHEAD_BYTES;
        let file = self.open_file(&partition)?;
        if file.deliveries.contains(&row.delivery_id) {
            return Ok(Vec::new());
        }
        file.deliveries.insert(row.delivery_id.clone());
        file.buffered.push(row);
        file.buffered_bytes += size;
        file.rows += 1;
        self.buffered_bytes += size;
        self.added(&partition)
    }

    /// Adds rows that are already a batch under
    /// [`row_schema`](hooklake_schema::arrow::row_schema), all of
    /// `partition`, whose delivery ids are `deliveries` (in row order); rows
    /// whose delivery is already in the partition's open file are left
    /// out. Returns the files this completed. Rows read back from the lake
    /// take this way: no row is built, no value copied.
    pub fn push_batch(
        &mut self,
        partition: &str,
        batch: RecordBatch,
        deliveries: Vec<String>,
    ) -> Result<Vec<PlannedFile>, IngestError> {
        if batch.num_rows() == 0 {
            return Ok(Vec::new());
        }
        let file = self.open_file(partition)?;
        let mut fresh = Vec::with_capacity(deliveries.len());
        for id in deliveries {
            fresh.push(file.deliveries.insert(id));
        }
        let batch = if fresh.iter().all(|&f| f) {
            batch
        } else {
            arrow_select::filter::filter_record_batch(&batch, &BooleanArray::from(fresh))
                .map_err(encode_err)?
        };
        let size = batch.get_array_memory_size();
        file.rows += batch.num_rows();
        file.buffered_batches.push(batch);
        file.buffered_bytes += size;
        self.buffered_bytes += size;
        self.added(partition)
    }

    /// The open file of `partition`, opened if need be.
    fn open_file(&mut self, partition: &str) -> Result<&mut OpenFile, IngestError> {
        if !self.open.contains_key(partition) {
            self.open.insert(partition.to_owned(), OpenFile::new()?);
        }
        Ok(self.open.get_mut(partition).expect("just opened"))
    }

    /// After rows were added to `partition`: closes what the limits say.
    fn added(&mut self, partition: &str) -> Result<Vec<PlannedFile>, IngestError> {
        let file = self.open.get(partition).expect("open partition");
        let mut done = Vec::new();
        if file.rows >= self.limits.max_rows_per_file {
            done.push(self.close(partition)?);
        }
        while self.buffered_bytes > self.buffer_budget {
            let largest = self
                .open
                .iter()
                .max_by_key(|(_, f)| f.buffered_bytes)
                .map(|(p, _)| p.clone())
                .expect("bytes are buffered, so a file is open");
            let file = self.open.get_mut(&largest).expect("open partition");
            self.buffered_bytes -= file.buffered_bytes;
            file.encode_buffered()?;
            if file.encoded_bytes >= self.limits.max_file_bytes {
                done.push(self.close(&largest)?);
            }
        }
        if self.limits.memory_limit != usize::MAX {
            while !self.open.is_empty() && self.held_bytes() > self.limits.memory_limit {
                let largest = self
                    .open
                    .iter()
                    .max_by_key(|(_, f)| f.held_bytes())
                    .map(|(p, _)| p.clone())
                    .expect("a file is open");
                done.push(self.close(&largest)?);
            }
        }
        Ok(done)
    }

    /// Bytes held by all open files.
    pub fn held_bytes(&self) -> usize {
        self.open.values().map(OpenFile::held_bytes).sum()
    }

    fn close(&mut self, partition: &str) -> Result<PlannedFile, IngestError> {
        let file = self.open.remove(partition).expect("open partition");
        self.buffered_bytes -= file.buffered_bytes;
        file.close(partition)
    }

    /// Closes every open file, encoding them in parallel (rayon) unless
    /// [`PartitionedWriter::with_parallel`] said otherwise. Each partition's
    /// outcome is its own: one that cannot be encoded does not keep the
    /// others from the lake.
    pub fn finish(self) -> Vec<(String, Result<PlannedFile, IngestError>)> {
        let close = |(partition, file): (String, OpenFile)| {
            let planned = file.close(&partition);
            (partition, planned)
        };
        if self.parallel {
            self.open.into_par_iter().map(close).collect()
        } else {
            self.open.into_iter().map(close).collect()
        }
    }

    /// [`PartitionedWriter::finish`], failing on the first error.
    pub fn finish_all(self) -> Result<Vec<PlannedFile>, IngestError> {
        self.finish().into_iter().map(|(_, file)| file).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooklake_schema::arrow::rows_to_batch;
    use hooklake_schema::decode::rows_from_batch;
    use hooklake_schema::row::ChangedFilesStatus;
    use hooklake_tests::lake::lake_row;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    fn rows_of(file: &PlannedFile) -> Vec<PullRequestRow> {
        let reader =
            ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(file.bytes.clone()))
                .unwrap()
                .build()
                .unwrap();
        reader
            .flat_map(|b| rows_from_batch(&b.unwrap()).unwrap())
            .collect()
    }

    #[test]
    fn batches_and_rows_share_a_file_and_a_delivery_is_written_once() {
        let row = |d| lake_row(d, 0, ChangedFilesStatus::Complete, 100);
        let partition = partition_path(&row(1));
        let mut writer = PartitionedWriter::new(WriterLimits::default());
        assert!(writer.push(row(1)).unwrap().is_empty());
        // Delivery 1 is already in the file, and 2 comes twice in the batch.
        let batch_rows = [row(2), row(1), row(3), row(2)];
        let ids = batch_rows.iter().map(|r| r.delivery_id.clone()).collect();
        let batch = rows_to_batch(&batch_rows).unwrap();
        assert!(writer
            .push_batch(&partition, batch, ids)
            .unwrap()
            .is_empty());
        let files = writer.finish_all().unwrap();
        assert_eq!(files.len(), 1);
        let file = &files[0];
        assert_eq!(file.rows, 3);
        let written = rows_of(file);
        assert_eq!(written, vec![row(1), row(2), row(3)]);
        let mut ids: Vec<String> = written.into_iter().map(|r| r.delivery_id).collect();
        ids.sort();
        assert_eq!(file.deliveries, ids);
        assert_eq!(file.key, file_key(&partition, &file_id(&ids)));
    }
}
