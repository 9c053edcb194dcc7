//! Rows → Parquet files, one open file per partition: the one place rows
//! are grouped by partition and encoded, for a batch (serve, the Lambda,
//! the poller) and a stream (`hooklake import`) alike.
//!
//! Rows wait in small per-partition buffers; when the buffers together pass
//! a byte budget, the largest is encoded as a row group of its partition's
//! open file (compressed row groups are held until the file closes; nothing
//! else stays per open file). A file closes at
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
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;

use crate::encode::{encode_err, writer_properties, FileLayout};
use crate::plan::{file_id, file_key, PlannedFile};
use crate::IngestError;

/// The share of `memory_limit` that rows waiting to be encoded may take,
/// across partitions: the bigger it is, the bigger a stream's row groups
/// (each costs about 3 KB of metadata; docs/benchmarks.md, "Measurements
/// behind the code's choices", has the trade-off).
const BUFFER_SHARE: usize = 4;

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
    fn new(properties: &WriterProperties) -> Result<Self, IngestError> {
        Ok(OpenFile {
            writer: ArrowWriter::try_new(Vec::new(), row_schema(), Some(properties.clone()))
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

    /// Encodes the buffered rows as one row group of the file. Closing the
    /// row group at once is what keeps an open file small: its column
    /// writers (a zstd compressor and decompressor per column, dictionary
    /// tables, a `payload` page being filled) exist only during this call,
    /// and what stays is the compressed row group (kept open across
    /// encodes, they cost each open file megabytes).
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
        self.writer.flush().map_err(encode_err)?;
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
    /// How files are encoded ([`FileLayout`]).
    properties: WriterProperties,
}

impl PartitionedWriter {
    /// A writer closing files at these limits.
    pub fn new(limits: WriterLimits) -> Self {
        Self::with_layout(limits, FileLayout::Stream)
    }

    /// A writer for one batch held in memory whole: every partition's rows
    /// go into one file (up to `max_rows_per_file`), encoded at
    /// [`PartitionedWriter::finish`].
    pub fn for_batch(max_rows_per_file: usize) -> Self {
        let limits = WriterLimits {
            max_rows_per_file,
            memory_limit: usize::MAX,
            max_file_bytes: usize::MAX,
        };
        Self::with_layout(limits, FileLayout::Batch)
    }

    fn with_layout(limits: WriterLimits, layout: FileLayout) -> Self {
        let limits = WriterLimits {
            max_rows_per_file: limits.max_rows_per_file.max(1),
            memory_limit: limits.memory_limit.max(1),
            max_file_bytes: limits.max_file_bytes.max(1),
        };
        let buffer_budget = match layout {
            // The batch is in memory already: its rows wait for `finish`.
            FileLayout::Batch => usize::MAX,
            FileLayout::Stream => (limits.memory_limit / BUFFER_SHARE).max(1),
        };
        PartitionedWriter {
            open: BTreeMap::new(),
            parallel: true,
            buffer_budget,
            limits,
            buffered_bytes: 0,
            properties: writer_properties(layout),
        }
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
            let file = OpenFile::new(&self.properties)?;
            self.open.insert(partition.to_owned(), file);
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

    #[test]
    fn an_open_file_keeps_only_finished_row_groups_between_encodes() {
        let limits = WriterLimits {
            memory_limit: 4 * 1024 * 1024,
            ..Default::default()
        };
        let mut writer = PartitionedWriter::new(limits);
        // 20 partitions of 10 KB rows: the 1 MiB buffer budget (a quarter of
        // the limit) is passed many times over.
        for delivery in 0..2_000 {
            let row = lake_row(delivery, delivery % 20, ChangedFilesStatus::Pending, 10_000);
            assert!(writer.push(row).unwrap().is_empty());
        }
        assert_eq!(writer.open.len(), 20);
        let mut row_groups = 0;
        for file in writer.open.values() {
            // No column writer (codec, dictionary, page buffer) stays open.
            assert_eq!(file.writer.in_progress_rows(), 0);
            row_groups += file.writer.flushed_row_groups().len();
        }
        assert!(row_groups >= 20, "{row_groups} row groups");
        let files = writer.finish_all().unwrap();
        assert_eq!(files.iter().map(|f| f.rows).sum::<usize>(), 2_000);
        let read: usize = files.iter().map(|f| rows_of(f).len()).sum();
        assert_eq!(read, 2_000);
    }

    #[test]
    fn a_stream_delta_encodes_and_compresses_lists_and_a_batch_does_neither() {
        use parquet::basic::{Compression, Encoding};
        use parquet::file::reader::{FileReader, SerializedFileReader};
        // The columns that are delta-encoded, and the compressed ones inside
        // lists.
        let layout = |file: &PlannedFile| -> (Vec<String>, Vec<String>) {
            let reader = SerializedFileReader::new(bytes::Bytes::from(file.bytes.clone())).unwrap();
            let row_group = reader.metadata().row_group(0).clone();
            let names = |keep: &dyn Fn(&parquet::file::metadata::ColumnChunkMetaData) -> bool| {
                row_group
                    .columns()
                    .iter()
                    .filter(|c| keep(c))
                    .map(|c| c.column_path().string())
                    .collect::<Vec<_>>()
            };
            (
                names(&|c| c.encodings().any(|e| e == Encoding::DELTA_BINARY_PACKED)),
                names(&|c| {
                    c.column_path().string().contains(".list.")
                        && c.compression() != Compression::UNCOMPRESSED
                }),
            )
        };
        let rows: Vec<_> = (0..10)
            .map(|d| lake_row(d, 0, ChangedFilesStatus::Complete, 100))
            .collect();
        let mut stream = PartitionedWriter::new(WriterLimits::default());
        for row in rows.clone() {
            stream.push(row).unwrap();
        }
        let (delta, lists) = layout(&stream.finish_all().unwrap()[0]);
        assert_eq!(
            delta,
            ["received_at", "number", "pull_request_id", "merged_at"]
        );
        assert_eq!(lists.len(), 6, "{lists:?}");
        let mut batch = PartitionedWriter::for_batch(10_000);
        for row in rows {
            batch.push(row).unwrap();
        }
        let (delta, lists) = layout(&batch.finish_all().unwrap()[0]);
        assert!(delta.is_empty() && lists.is_empty(), "{delta:?} {lists:?}");
    }
}
