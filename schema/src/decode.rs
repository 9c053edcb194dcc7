//! Record batches → rows: reading the lake back (lake maintenance rewrites
//! files through this, the inverse of [`crate::arrow::rows_to_batch`]).
//!
//! Columns are found by name, not position, so files written under an older
//! schema read too: a column they lack reads as null (or, for
//! `changed_files_status`, as `pending`: to be looked up again). A column
//! every row needs that is missing, or a column whose type cannot be read as
//! the current one, is a [`DecodeError`] that names it.
//!
//! ```
//! use hooklake_schema::arrow::rows_to_batch;
//! use hooklake_schema::decode::rows_from_batch;
//! let batch = rows_to_batch(&[]).unwrap();
//! assert!(rows_from_batch(&batch).unwrap().is_empty());
//! ```

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{Array, ArrayRef, ListArray, RecordBatch, StructArray};
use arrow_schema::{DataType, TimeUnit};
use chrono::{DateTime, Utc};

use crate::row::{ChangedFiles, ChangedFilesStatus, PullRequestRow, RenamedFile};

/// Why a batch cannot be read as rows.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// A column every row needs is not in the file.
    #[error("column {0} is missing (every row needs it)")]
    MissingColumn(&'static str),
    /// A column has a type this build cannot read as the current one.
    #[error("column {column} is {found}, which cannot be read as {expected}")]
    WrongType {
        column: &'static str,
        found: String,
        expected: &'static str,
    },
    /// A value every row needs is null.
    #[error("column {column} is null in row {row}")]
    Null { column: &'static str, row: usize },
    /// A `changed_files_status` this build does not know.
    #[error("row {row} has an unknown changed_files_status {value:?}")]
    UnknownStatus { row: usize, value: String },
}

/// A string column of either offset width.
enum Strings<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
}

impl Strings<'_> {
    fn get(&self, i: usize) -> Option<&str> {
        match self {
            Strings::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::Large(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

fn strings<'a>(column: &'static str, array: &'a ArrayRef) -> Result<Strings<'a>, DecodeError> {
    match array.data_type() {
        DataType::Utf8 => Ok(Strings::Utf8(array.as_string::<i32>())),
        DataType::LargeUtf8 => Ok(Strings::Large(array.as_string::<i64>())),
        other => Err(wrong_type(column, other, "a string")),
    }
}

fn wrong_type(column: &'static str, found: &DataType, expected: &'static str) -> DecodeError {
    DecodeError::WrongType {
        column,
        found: found.to_string(),
        expected,
    }
}

/// An integer column (64- or 32-bit).
fn int(column: &'static str, array: &ArrayRef, i: usize) -> Result<Option<i64>, DecodeError> {
    if array.is_null(i) {
        return Ok(None);
    }
    match array.data_type() {
        DataType::Int64 => Ok(Some(array.as_primitive::<Int64Type>().value(i))),
        DataType::Int32 => Ok(Some(array.as_primitive::<Int32Type>().value(i).into())),
        other => Err(wrong_type(column, other, "an integer")),
    }
}

/// A timestamp column of any unit.
fn time(
    column: &'static str,
    array: &ArrayRef,
    i: usize,
) -> Result<Option<DateTime<Utc>>, DecodeError> {
    if array.is_null(i) {
        return Ok(None);
    }
    let micros = match array.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => {
            array.as_primitive::<TimestampSecondType>().value(i) * 1_000_000
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            array.as_primitive::<TimestampMillisecondType>().value(i) * 1_000
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            array.as_primitive::<TimestampMicrosecondType>().value(i)
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            array.as_primitive::<TimestampNanosecondType>().value(i) / 1_000
        }
        other => return Err(wrong_type(column, other, "a timestamp")),
    };
    Ok(DateTime::from_timestamp_micros(micros))
}

/// A list of strings, or `None` for a null list.
fn string_list(
    column: &'static str,
    list: &ListArray,
    i: usize,
) -> Result<Option<Vec<String>>, DecodeError> {
    if list.is_null(i) {
        return Ok(None);
    }
    let values = list.value(i);
    let count = values.len();
    let values = strings(column, &values)?;
    Ok(Some(
        (0..count)
            .filter_map(|j| values.get(j).map(str::to_owned))
            .collect(),
    ))
}

fn list<'a>(column: &'static str, array: &'a ArrayRef) -> Result<&'a ListArray, DecodeError> {
    array
        .as_list_opt::<i32>()
        .ok_or_else(|| wrong_type(column, array.data_type(), "a list"))
}

/// The columns of a batch, found by name.
struct Columns<'a> {
    batch: &'a RecordBatch,
}

impl<'a> Columns<'a> {
    fn optional(&self, name: &'static str) -> Option<&'a ArrayRef> {
        self.batch.column_by_name(name)
    }

    fn required(&self, name: &'static str) -> Result<&'a ArrayRef, DecodeError> {
        self.optional(name).ok_or(DecodeError::MissingColumn(name))
    }
}

fn changed_files(array: &StructArray, i: usize) -> Result<Option<ChangedFiles>, DecodeError> {
    if array.is_null(i) {
        return Ok(None);
    }
    let paths = |name: &'static str| -> Result<Vec<String>, DecodeError> {
        match array.column_by_name(name) {
            Some(column) => Ok(string_list(name, list(name, column)?, i)?.unwrap_or_default()),
            None => Ok(Vec::new()),
        }
    };
    let mut files = ChangedFiles {
        added: paths("added")?,
        removed: paths("removed")?,
        modified: paths("modified")?,
        renamed: Vec::new(),
    };
    if let Some(column) = array.column_by_name("renamed") {
        let renamed = list("renamed", column)?;
        if renamed.is_valid(i) {
            let entries = renamed.value(i);
            let entries = entries
                .as_struct_opt()
                .ok_or_else(|| wrong_type("renamed", entries.data_type(), "a struct"))?;
            let field = |name: &'static str| {
                entries
                    .column_by_name(name)
                    .ok_or(DecodeError::MissingColumn(name))
            };
            let (previous, filename) = (field("previous_filename")?, field("filename")?);
            let (previous, filename) = (
                strings("previous_filename", previous)?,
                strings("filename", filename)?,
            );
            for j in 0..entries.len() {
                if let (Some(p), Some(f)) = (previous.get(j), filename.get(j)) {
                    files.renamed.push(RenamedFile {
                        previous_filename: p.to_owned(),
                        filename: f.to_owned(),
                    });
                }
            }
        }
    }
    Ok(Some(files))
}

/// The rows of a batch of the lake's schema, current or older.
pub fn rows_from_batch(batch: &RecordBatch) -> Result<Vec<PullRequestRow>, DecodeError> {
    let columns = Columns { batch };
    let text = |name: &'static str| -> Result<Strings<'_>, DecodeError> {
        strings(name, columns.required(name)?)
    };
    let optional_text = |name: &'static str| -> Result<Option<Strings<'_>>, DecodeError> {
        columns.optional(name).map(|c| strings(name, c)).transpose()
    };
    let delivery_id = text("delivery_id")?;
    let repository = text("repository")?;
    let html_url = text("html_url")?;
    let base_ref = text("base_ref")?;
    let head_ref = text("head_ref")?;
    let payload = text("payload")?;
    let title = optional_text("title")?;
    let author_login = optional_text("author_login")?;
    let merged_by_login = optional_text("merged_by_login")?;
    let merge_commit_sha = optional_text("merge_commit_sha")?;
    let status = optional_text("changed_files_status")?;
    let received_at = columns.required("received_at")?;
    let merged_at = columns.required("merged_at")?;
    let repository_id = columns.required("repository_id")?;
    let number = columns.required("number")?;
    let pull_request_id = columns.required("pull_request_id")?;
    let additions = columns.optional("additions");
    let deletions = columns.optional("deletions");
    let commits = columns.optional("commits");
    let changed_files_count = columns.optional("changed_files_count");
    let labels = columns
        .optional("labels")
        .map(|c| list("labels", c))
        .transpose()?;
    let files = match columns.optional("changed_files") {
        Some(c) => Some(
            c.as_struct_opt()
                .ok_or_else(|| wrong_type("changed_files", c.data_type(), "a struct"))?,
        ),
        None => None,
    };

    let mut rows = Vec::with_capacity(batch.num_rows());
    for i in 0..batch.num_rows() {
        let need_text = |s: &Strings<'_>, column: &'static str| {
            s.get(i)
                .map(str::to_owned)
                .ok_or(DecodeError::Null { column, row: i })
        };
        let need =
            |v: Option<i64>, column: &'static str| v.ok_or(DecodeError::Null { column, row: i });
        let need_time = |v: Option<DateTime<Utc>>, column: &'static str| {
            v.ok_or(DecodeError::Null { column, row: i })
        };
        let opt = |s: &Option<Strings<'_>>| s.as_ref().and_then(|s| s.get(i)).map(str::to_owned);
        let changed_files_status = status_of(status.as_ref(), i)?;
        rows.push(PullRequestRow {
            delivery_id: need_text(&delivery_id, "delivery_id")?,
            received_at: need_time(time("received_at", received_at, i)?, "received_at")?,
            repository: need_text(&repository, "repository")?,
            repository_id: need(int("repository_id", repository_id, i)?, "repository_id")?,
            number: need(int("number", number, i)?, "number")?,
            pull_request_id: need(
                int("pull_request_id", pull_request_id, i)?,
                "pull_request_id",
            )?,
            title: opt(&title).unwrap_or_default(),
            author_login: opt(&author_login),
            merged_by_login: opt(&merged_by_login),
            merged_at: need_time(time("merged_at", merged_at, i)?, "merged_at")?,
            base_ref: need_text(&base_ref, "base_ref")?,
            head_ref: need_text(&head_ref, "head_ref")?,
            merge_commit_sha: opt(&merge_commit_sha),
            additions: optional_int(additions, "additions", i)?,
            deletions: optional_int(deletions, "deletions", i)?,
            commits: optional_int(commits, "commits", i)?,
            changed_files_count: optional_int(changed_files_count, "changed_files_count", i)?,
            labels: match labels {
                Some(l) => string_list("labels", l, i)?.unwrap_or_default(),
                None => Vec::new(),
            },
            html_url: need_text(&html_url, "html_url")?,
            changed_files: match files {
                Some(f) => changed_files(f, i)?,
                None => None,
            },
            changed_files_status,
            payload: need_text(&payload, "payload")?,
        });
    }
    Ok(rows)
}

/// What lake maintenance needs to know of a row without reading it whole:
/// [`SUMMARY_COLUMNS`] only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowSummary {
    pub delivery_id: String,
    pub changed_files_status: ChangedFilesStatus,
    pub merged_at: Option<DateTime<Utc>>,
    pub received_at: Option<DateTime<Utc>>,
}

/// The columns [`summaries_from_batch`] reads: a reader projects a file to
/// them, which skips the payload (most of a file's bytes).
pub const SUMMARY_COLUMNS: [&str; 4] = [
    "delivery_id",
    "changed_files_status",
    "merged_at",
    "received_at",
];

/// The [`RowSummary`] of each row of a batch holding [`SUMMARY_COLUMNS`]
/// (or more).
pub fn summaries_from_batch(batch: &RecordBatch) -> Result<Vec<RowSummary>, DecodeError> {
    let columns = Columns { batch };
    let delivery_id = strings("delivery_id", columns.required("delivery_id")?)?;
    let status = columns
        .optional("changed_files_status")
        .map(|c| strings("changed_files_status", c))
        .transpose()?;
    let merged_at = columns.optional("merged_at");
    let received_at = columns.optional("received_at");
    let optional_time = |column: Option<&ArrayRef>, name: &'static str, i: usize| match column {
        Some(c) => time(name, c, i),
        None => Ok(None),
    };
    (0..batch.num_rows())
        .map(|i| {
            Ok(RowSummary {
                delivery_id: delivery_id
                    .get(i)
                    .ok_or(DecodeError::Null {
                        column: "delivery_id",
                        row: i,
                    })?
                    .to_owned(),
                changed_files_status: status_of(status.as_ref(), i)?,
                merged_at: optional_time(merged_at, "merged_at", i)?,
                received_at: optional_time(received_at, "received_at", i)?,
            })
        })
        .collect()
}

/// A row's status; a file without the column (older schema) or a null
/// says `pending`: not looked up yet.
fn status_of(column: Option<&Strings<'_>>, i: usize) -> Result<ChangedFilesStatus, DecodeError> {
    match column.and_then(|s| s.get(i)) {
        Some(value) => ChangedFilesStatus::parse(value).ok_or_else(|| DecodeError::UnknownStatus {
            row: i,
            value: value.to_owned(),
        }),
        None => Ok(ChangedFilesStatus::Pending),
    }
}

/// An integer column a file may lack (older schemas): null without it.
fn optional_int(
    column: Option<&ArrayRef>,
    name: &'static str,
    i: usize,
) -> Result<Option<i64>, DecodeError> {
    match column {
        Some(column) => int(name, column, i),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Int32Array, StringArray, TimestampMicrosecondArray};
    use arrow_schema::{Field, Schema};

    use super::*;
    use crate::arrow::rows_to_batch;

    fn row(status: ChangedFilesStatus, files: Option<ChangedFiles>) -> PullRequestRow {
        let at = DateTime::from_timestamp_millis(1_764_000_000_123).unwrap();
        PullRequestRow {
            delivery_id: "d-1".into(),
            received_at: at,
            repository: "o/r".into(),
            repository_id: 42,
            number: 7,
            pull_request_id: 99,
            title: "Fix".into(),
            author_login: Some("a".into()),
            merged_by_login: None,
            merged_at: at,
            base_ref: "main".into(),
            head_ref: "fix".into(),
            merge_commit_sha: Some("abc".into()),
            additions: Some(1),
            deletions: None,
            commits: Some(2),
            changed_files_count: Some(3),
            labels: vec!["bug".into(), "ui".into()],
            html_url: "https://github.com/o/r/pull/7".into(),
            changed_files: files,
            changed_files_status: status,
            payload: "{}".into(),
        }
    }

    #[test]
    fn round_trips_every_column() {
        let files = ChangedFiles {
            added: vec!["a.rs".into()],
            removed: vec![],
            modified: vec!["m.rs".into(), "n.rs".into()],
            renamed: vec![RenamedFile {
                previous_filename: "old".into(),
                filename: "new".into(),
            }],
        };
        let rows = vec![
            row(ChangedFilesStatus::Complete, Some(files)),
            row(ChangedFilesStatus::Unavailable, None),
        ];
        let batch = rows_to_batch(&rows).unwrap();
        assert_eq!(rows_from_batch(&batch).unwrap(), rows);
    }

    #[test]
    fn reads_an_older_schema_by_name() {
        // An early file: fewer columns, other order, 32-bit numbers,
        // microsecond timestamps, no changed_files_status.
        let at = TimestampMicrosecondArray::from(vec![1_764_000_000_123_000]).with_timezone("UTC");
        let text = |v: &str| Arc::new(StringArray::from(vec![v])) as ArrayRef;
        let int = |v: i32| Arc::new(Int32Array::from(vec![v])) as ArrayRef;
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("payload", text("{}")),
            ("delivery_id", text("d-1")),
            ("received_at", Arc::new(at.clone())),
            ("merged_at", Arc::new(at)),
            ("repository", text("o/r")),
            ("repository_id", int(42)),
            ("number", int(7)),
            ("pull_request_id", int(99)),
            ("html_url", text("u")),
            ("base_ref", text("main")),
            ("head_ref", text("fix")),
        ];
        let schema = Schema::new(
            columns
                .iter()
                .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
                .collect::<Vec<_>>(),
        );
        let batch = RecordBatch::try_new(
            Arc::new(schema),
            columns.into_iter().map(|(_, a)| a).collect(),
        )
        .unwrap();
        let rows = rows_from_batch(&batch).unwrap();
        assert_eq!(rows[0].number, 7);
        assert_eq!(rows[0].changed_files_status, ChangedFilesStatus::Pending);
        assert_eq!(rows[0].merged_at.timestamp_millis(), 1_764_000_000_123);
        assert!(rows[0].labels.is_empty() && rows[0].changed_files.is_none());
    }

    #[test]
    fn names_what_it_cannot_read() {
        let schema = Schema::new(vec![Field::new("delivery_id", DataType::Int32, false)]);
        let batch =
            RecordBatch::try_new(Arc::new(schema), vec![Arc::new(Int32Array::from(vec![1]))])
                .unwrap();
        let err = rows_from_batch(&batch).unwrap_err();
        assert!(err.to_string().contains("delivery_id"), "{err}");
    }
}
