//! `hooklake import`: files of queue messages (one envelope per line) into the lake.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::Context;
use hooklake_ingest::plan::PlannedFile;
use hooklake_ingest::put::{put_files, Sink};
use hooklake_ingest::rows::row_from_line;
use hooklake_ingest::stream::{PartitionedWriter, WriterLimits};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A line that could not be imported.
#[derive(Debug, Clone)]
pub struct LineError {
    pub file: PathBuf,
    pub line: usize,
    pub error: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.error)
    }
}

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    pub rows: usize,
    pub files_written: usize,
    pub failed: Vec<LineError>,
}

/// Files put at once: a few objects in flight hide S3's latency; a local
/// lake's fsyncs gain nothing from more.
const PARALLEL_PUTS: usize = 4;

/// Puts `files` through the pipeline's put stage. Import reads on a blocking
/// thread, so it waits here for the async sink; the first file the lake
/// refuses ends the import (files are keyed by their deliveries, so running
/// it again after fixing the cause writes the same files, no duplicates).
fn put_all<S: Sink>(
    lake: &S,
    files: Vec<PlannedFile>,
    report: &mut ImportReport,
) -> anyhow::Result<()> {
    if files.is_empty() {
        return Ok(());
    }
    let runtime = tokio::runtime::Handle::current();
    let written = runtime
        .block_on(put_files(lake, files, PARALLEL_PUTS))
        .all_written()
        .map_err(|file| anyhow::anyhow!("{file}"))?;
    for file in written {
        report.rows += file.rows;
        report.files_written += 1;
    }
    Ok(())
}

/// Imports every line of every file (`-` is standard input) through the
/// ingest pipeline's streaming stages (decode, partition and encode, put).
/// Lines that are not valid envelopes of merged pull requests are reported
/// with their number; the rest are imported, within `limits` (rows per file,
/// bytes held in memory). File names derive from the delivery ids they
/// hold, so importing the same input again overwrites instead of
/// duplicating. Rows are not enriched here: they say `pending` until lake
/// maintenance looks them up.
///
/// Runs on a blocking thread of a Tokio runtime (`spawn_blocking`): it reads
/// synchronously and waits on the runtime for each put.
pub fn import<S: Sink>(
    lake: &S,
    files: &[PathBuf],
    limits: WriterLimits,
) -> anyhow::Result<ImportReport> {
    let total: u64 = files
        .iter()
        .filter(|f| f.as_os_str() != "-")
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    let progress = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    progress.set_style(
        ProgressStyle::with_template("{spinner} importing {msg} {wide_bar} {bytes}/{total_bytes} ({binary_bytes_per_sec}, {eta})")
            .expect("valid progress template"),
    );
    let mut report = ImportReport::default();
    let mut writer = PartitionedWriter::new(limits);
    for path in files {
        progress.set_message(path.display().to_string());
        let reader: Box<dyn Read> = if path.as_os_str() == "-" {
            Box::new(std::io::stdin())
        } else {
            Box::new(File::open(path).with_context(|| format!("cannot open {}", path.display()))?)
        };
        let mut reader = BufReader::with_capacity(1 << 20, progress.wrap_read(reader));
        // One line buffer for the whole file: lines are payload-sized.
        // Bytes, not `read_line`: a line that is not UTF-8 is one bad line,
        // reported by number, not the end of the import.
        let mut line = Vec::new();
        for index in 0.. {
            line.clear();
            let read = reader
                .read_until(b'\n', &mut line)
                .with_context(|| format!("cannot read {}", display(path)))?;
            if read == 0 {
                break;
            }
            let row = match std::str::from_utf8(&line) {
                Ok(line) if line.trim().is_empty() => continue,
                Ok(line) => row_from_line(line).map_err(|err| err.to_string()),
                Err(err) => Err(format!("not UTF-8 ({err}); envelopes are UTF-8 JSON")),
            };
            match row {
                Ok(row) => put_all(lake, writer.push(row)?, &mut report)?,
                Err(error) => report.failed.push(LineError {
                    file: path.clone(),
                    line: index + 1,
                    error,
                }),
            }
        }
    }
    put_all(lake, writer.finish_all()?, &mut report)?;
    progress.finish_and_clear();
    Ok(report)
}

fn display(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "standard input".into()
    } else {
        path.display().to_string()
    }
}
