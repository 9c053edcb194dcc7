//! The Arrow schema of a row, and record batches built from rows.
//!
//! This is the schema of the Parquet files; the partition column
//! ([`crate::partition::PARTITION_COLUMN`]) lives in the path, not the file.
//! Each field's `comment` metadata becomes its column comment in the catalog.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use arrow_array::builder::{
    ArrayBuilder, Int64Builder, ListBuilder, StringBuilder, StructBuilder,
    TimestampMillisecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch, StructArray};
use arrow_schema::{ArrowError, DataType, Field, Fields, Schema, SchemaRef, TimeUnit};

use crate::row::{ChangedFiles, PullRequestRow};

/// Metadata key holding a field's human description.
pub const COMMENT_KEY: &str = "comment";

/// The comment of `changed_files_status`: every value, and which ones lake
/// maintenance repairs (`ChangedFilesStatus::is_repairable`; a test keeps the
/// two in step).
pub const CHANGED_FILES_STATUS_COMMENT: &str = "Enrichment outcome. Final: complete, truncated (3,000-file cap), not_found. \
Repaired later by lake maintenance: pending (time budget ran out), no_credentials, unauthorized (credentials refused), \
unavailable (GitHub down, 5xx or slow), rate_limited";

fn field(name: &str, data_type: DataType, nullable: bool, comment: &str) -> Field {
    Field::new(name, data_type, nullable).with_metadata(HashMap::from([(
        COMMENT_KEY.to_owned(),
        comment.to_owned(),
    )]))
}

fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
}

fn string_list() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

fn renamed_fields() -> Fields {
    Fields::from(vec![
        Field::new("previous_filename", DataType::Utf8, false),
        Field::new("filename", DataType::Utf8, false),
    ])
}

fn changed_files_fields() -> Fields {
    Fields::from(vec![
        Field::new("added", string_list(), true),
        Field::new("removed", string_list(), true),
        Field::new("modified", string_list(), true),
        Field::new(
            "renamed",
            DataType::List(Arc::new(Field::new_list_field(
                DataType::Struct(renamed_fields()),
                true,
            ))),
            true,
        ),
    ])
}

/// `batch` under [`row_schema`], if its columns are the row's columns,
/// in order, with the same types (a file this version wrote, read back);
/// `None` for anything else (an older schema: decode it row by row).
pub fn as_row_batch(batch: &RecordBatch) -> Option<RecordBatch> {
    let schema = row_schema();
    let same_names = batch.schema().fields().len() == schema.fields().len()
        && batch
            .schema()
            .fields()
            .iter()
            .zip(schema.fields())
            .all(|(a, b)| a.name() == b.name());
    if !same_names {
        return None;
    }
    // Checks each column's type (nested fields included) and nulls.
    RecordBatch::try_new(schema, batch.columns().to_vec()).ok()
}

/// The schema of one row, in the order of [`PullRequestRow`]'s fields.
pub fn row_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            Arc::new(Schema::new(vec![
                field("delivery_id", DataType::Utf8, false, "X-GitHub-Delivery id of the webhook delivery"),
                field("received_at", timestamp(), false, "When hooklake's edge received the delivery (UTC)"),
                field("repository", DataType::Utf8, false, "Repository as owner/name"),
                field("repository_id", DataType::Int64, false, "GitHub's numeric repository id (stable across renames)"),
                field("number", DataType::Int64, false, "Pull request number within the repository"),
                field("pull_request_id", DataType::Int64, false, "GitHub's numeric pull request id"),
                field("title", DataType::Utf8, false, "Pull request title at merge time"),
                field("author_login", DataType::Utf8, true, "Login of the pull request's author (ghost if the account was deleted)"),
                field("merged_by_login", DataType::Utf8, true, "Login of who merged the pull request"),
                field("merged_at", timestamp(), false, "When the pull request was merged (UTC)"),
                field("base_ref", DataType::Utf8, false, "Branch merged into"),
                field("head_ref", DataType::Utf8, false, "Branch merged from"),
                field("merge_commit_sha", DataType::Utf8, true, "SHA of the merge commit"),
                field("additions", DataType::Int64, true, "Lines added"),
                field("deletions", DataType::Int64, true, "Lines deleted"),
                field("commits", DataType::Int64, true, "Commits in the pull request"),
                field("changed_files_count", DataType::Int64, true, "Number of files changed, as GitHub counts them"),
                field("labels", string_list(), false, "Label names at merge time"),
                field("html_url", DataType::Utf8, false, "Web address of the pull request"),
                field("changed_files", DataType::Struct(changed_files_fields()), true, "Changed file paths by kind, from GitHub's API; null until enriched (see changed_files_status)"),
                field("changed_files_status", DataType::Utf8, false, CHANGED_FILES_STATUS_COMMENT),
                field("payload", DataType::Utf8, false, "The webhook payload as GitHub sent it"),
            ]))
        })
        .clone()
}

/// Column-wise builders for one record batch of rows.
struct Columns {
    delivery_id: StringBuilder,
    received_at: TimestampMillisecondBuilder,
    repository: StringBuilder,
    repository_id: Int64Builder,
    number: Int64Builder,
    pull_request_id: Int64Builder,
    title: StringBuilder,
    author_login: StringBuilder,
    merged_by_login: StringBuilder,
    merged_at: TimestampMillisecondBuilder,
    base_ref: StringBuilder,
    head_ref: StringBuilder,
    merge_commit_sha: StringBuilder,
    additions: Int64Builder,
    deletions: Int64Builder,
    commits: Int64Builder,
    changed_files_count: Int64Builder,
    labels: ListBuilder<StringBuilder>,
    html_url: StringBuilder,
    changed_files: ChangedFilesBuilder,
    changed_files_status: StringBuilder,
    payload: StringBuilder,
}

struct ChangedFilesBuilder {
    added: ListBuilder<StringBuilder>,
    removed: ListBuilder<StringBuilder>,
    modified: ListBuilder<StringBuilder>,
    renamed: ListBuilder<StructBuilder>,
    validity: Vec<bool>,
}

impl ChangedFilesBuilder {
    fn new() -> Self {
        let renamed = StructBuilder::new(
            renamed_fields(),
            vec![
                Box::new(StringBuilder::new()) as Box<dyn ArrayBuilder>,
                Box::new(StringBuilder::new()),
            ],
        );
        ChangedFilesBuilder {
            added: ListBuilder::new(StringBuilder::new()),
            removed: ListBuilder::new(StringBuilder::new()),
            modified: ListBuilder::new(StringBuilder::new()),
            renamed: ListBuilder::new(renamed),
            validity: Vec::new(),
        }
    }

    fn append(&mut self, files: Option<&ChangedFiles>) {
        let empty = ChangedFiles::default();
        let files_or_empty = files.unwrap_or(&empty);
        // A null struct gets null children too: some readers (DataFusion's
        // field access) read a child without the parent's validity.
        let valid = files.is_some();
        for (builder, paths) in [
            (&mut self.added, &files_or_empty.added),
            (&mut self.removed, &files_or_empty.removed),
            (&mut self.modified, &files_or_empty.modified),
        ] {
            for path in paths {
                builder.values().append_value(path);
            }
            builder.append(valid);
        }
        for renamed in &files_or_empty.renamed {
            let entry = self.renamed.values();
            entry
                .field_builder::<StringBuilder>(0)
                .expect("previous_filename is a string column")
                .append_value(&renamed.previous_filename);
            entry
                .field_builder::<StringBuilder>(1)
                .expect("filename is a string column")
                .append_value(&renamed.filename);
            entry.append(true);
        }
        self.renamed.append(valid);
        self.validity.push(valid);
    }

    fn finish(mut self) -> Result<ArrayRef, ArrowError> {
        let children: Vec<ArrayRef> = vec![
            Arc::new(self.added.finish()),
            Arc::new(self.removed.finish()),
            Arc::new(self.modified.finish()),
            Arc::new(self.renamed.finish()),
        ];
        let nulls = Some(self.validity.into());
        Ok(Arc::new(StructArray::try_new(
            changed_files_fields(),
            children,
            nulls,
        )?))
    }
}

impl Columns {
    fn with_capacity(rows: usize, payload_bytes: usize) -> Self {
        let strings = || StringBuilder::with_capacity(rows, rows * 16);
        let ints = || Int64Builder::with_capacity(rows);
        let times = || TimestampMillisecondBuilder::with_capacity(rows).with_timezone("UTC");
        Columns {
            delivery_id: strings(),
            received_at: times(),
            repository: strings(),
            repository_id: ints(),
            number: ints(),
            pull_request_id: ints(),
            title: strings(),
            author_login: strings(),
            merged_by_login: strings(),
            merged_at: times(),
            base_ref: strings(),
            head_ref: strings(),
            merge_commit_sha: strings(),
            additions: ints(),
            deletions: ints(),
            commits: ints(),
            changed_files_count: ints(),
            labels: ListBuilder::new(StringBuilder::new()),
            html_url: strings(),
            changed_files: ChangedFilesBuilder::new(),
            changed_files_status: strings(),
            payload: StringBuilder::with_capacity(rows, payload_bytes),
        }
    }

    fn append(&mut self, row: &PullRequestRow) {
        self.delivery_id.append_value(&row.delivery_id);
        self.received_at
            .append_value(row.received_at.timestamp_millis());
        self.repository.append_value(&row.repository);
        self.repository_id.append_value(row.repository_id);
        self.number.append_value(row.number);
        self.pull_request_id.append_value(row.pull_request_id);
        self.title.append_value(&row.title);
        self.author_login.append_option(row.author_login.as_deref());
        self.merged_by_login
            .append_option(row.merged_by_login.as_deref());
        self.merged_at
            .append_value(row.merged_at.timestamp_millis());
        self.base_ref.append_value(&row.base_ref);
        self.head_ref.append_value(&row.head_ref);
        self.merge_commit_sha
            .append_option(row.merge_commit_sha.as_deref());
        self.additions.append_option(row.additions);
        self.deletions.append_option(row.deletions);
        self.commits.append_option(row.commits);
        self.changed_files_count
            .append_option(row.changed_files_count);
        for label in &row.labels {
            self.labels.values().append_value(label);
        }
        self.labels.append(true);
        self.html_url.append_value(&row.html_url);
        self.changed_files.append(row.changed_files.as_ref());
        self.changed_files_status
            .append_value(row.changed_files_status.as_str());
        self.payload.append_value(&row.payload);
    }

    fn finish(mut self) -> Result<Vec<ArrayRef>, ArrowError> {
        Ok(vec![
            Arc::new(self.delivery_id.finish()),
            Arc::new(self.received_at.finish()),
            Arc::new(self.repository.finish()),
            Arc::new(self.repository_id.finish()),
            Arc::new(self.number.finish()),
            Arc::new(self.pull_request_id.finish()),
            Arc::new(self.title.finish()),
            Arc::new(self.author_login.finish()),
            Arc::new(self.merged_by_login.finish()),
            Arc::new(self.merged_at.finish()),
            Arc::new(self.base_ref.finish()),
            Arc::new(self.head_ref.finish()),
            Arc::new(self.merge_commit_sha.finish()),
            Arc::new(self.additions.finish()),
            Arc::new(self.deletions.finish()),
            Arc::new(self.commits.finish()),
            Arc::new(self.changed_files_count.finish()),
            Arc::new(self.labels.finish()),
            Arc::new(self.html_url.finish()),
            self.changed_files.finish()?,
            Arc::new(self.changed_files_status.finish()),
            Arc::new(self.payload.finish()),
        ])
    }
}

/// One record batch of [`row_schema`] holding `rows` in order.
///
/// ```
/// # use hooklake_schema::arrow::rows_to_batch;
/// let batch = rows_to_batch(&[]).unwrap();
/// assert_eq!(batch.num_rows(), 0);
/// assert_eq!(batch.schema(), hooklake_schema::arrow::row_schema());
/// ```
pub fn rows_to_batch(rows: &[PullRequestRow]) -> Result<RecordBatch, ArrowError> {
    build_batch(rows.iter(), payload_bytes(rows), rows.len())
}

/// Like [`rows_to_batch`], but consumes the rows, freeing each one once it is
/// in the batch: the rows and the batch are never both whole in memory.
///
/// ```
/// # use hooklake_schema::arrow::rows_into_batch;
/// assert_eq!(rows_into_batch(Vec::new()).unwrap().num_rows(), 0);
/// ```
pub fn rows_into_batch(rows: Vec<PullRequestRow>) -> Result<RecordBatch, ArrowError> {
    let (bytes, count) = (payload_bytes(&rows), rows.len());
    build_batch(rows.into_iter(), bytes, count)
}

fn payload_bytes(rows: &[PullRequestRow]) -> usize {
    rows.iter().map(|r| r.payload.len()).sum()
}

/// Appends `count` rows to builders sized once (the payload column, most of
/// a batch's bytes, included).
fn build_batch<R: std::borrow::Borrow<PullRequestRow>>(
    rows: impl Iterator<Item = R>,
    payload_bytes: usize,
    count: usize,
) -> Result<RecordBatch, ArrowError> {
    let mut columns = Columns::with_capacity(count, payload_bytes);
    for row in rows {
        columns.append(row.borrow());
    }
    RecordBatch::try_new(row_schema(), columns.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::{ChangedFilesStatus, RenamedFile};

    #[test]
    fn status_comment_names_every_status_and_what_is_repaired() {
        assert!(
            CHANGED_FILES_STATUS_COMMENT.len() <= 255,
            "Glue caps column comments at 255 characters"
        );
        let (fin, repaired) = CHANGED_FILES_STATUS_COMMENT
            .split_once("Repaired later")
            .unwrap();
        for status in ChangedFilesStatus::ALL {
            let side = if status.is_repairable() {
                repaired
            } else {
                fin
            };
            assert!(
                side.contains(status.as_str()),
                "{} belongs to the other half of the comment",
                status.as_str()
            );
        }
    }
    use arrow_array::{Array, ListArray};
    use chrono::DateTime;

    fn row(changed: Option<ChangedFiles>) -> PullRequestRow {
        PullRequestRow {
            delivery_id: "d".into(),
            received_at: DateTime::UNIX_EPOCH,
            repository: "o/r".into(),
            repository_id: 1,
            number: 2,
            pull_request_id: 3,
            title: "t".into(),
            author_login: None,
            merged_by_login: Some("m".into()),
            merged_at: DateTime::UNIX_EPOCH,
            base_ref: "main".into(),
            head_ref: "f".into(),
            merge_commit_sha: None,
            additions: Some(1),
            deletions: None,
            commits: Some(1),
            changed_files_count: Some(2),
            labels: vec!["bug".into(), "ü".into()],
            html_url: "u".into(),
            changed_files: changed,
            changed_files_status: ChangedFilesStatus::Pending,
            payload: "{}".into(),
        }
    }

    #[test]
    fn a_batch_of_the_row_schema_is_taken_as_it_is_and_others_are_not() {
        let batch = rows_to_batch(&[row(None)]).unwrap();
        // The same columns under a schema without the comments: taken.
        let bare = Schema::new(
            row_schema()
                .fields()
                .iter()
                .map(|f| f.as_ref().clone().with_metadata(HashMap::new()))
                .collect::<Vec<_>>(),
        );
        let plain = RecordBatch::try_new(Arc::new(bare), batch.columns().to_vec()).unwrap();
        assert_eq!(as_row_batch(&plain).unwrap().schema(), row_schema());
        // A column missing (an older schema): not taken.
        assert!(as_row_batch(&batch.project(&[0, 1, 2]).unwrap()).is_none());
        // Two columns swapped: not taken, even where the types agree.
        let mut order: Vec<usize> = (0..batch.num_columns()).collect();
        order.swap(0, 2);
        assert!(as_row_batch(&batch.project(&order).unwrap()).is_none());
    }

    #[test]
    fn batch_matches_schema_with_and_without_changed_files() {
        let files = ChangedFiles {
            added: vec!["a".into()],
            removed: vec![],
            modified: vec!["m1".into(), "m2".into()],
            renamed: vec![RenamedFile {
                previous_filename: "old".into(),
                filename: "new".into(),
            }],
        };
        let batch = rows_to_batch(&[row(None), row(Some(files))]).unwrap();
        assert_eq!(batch.num_rows(), 2);
        let changed = batch
            .column_by_name("changed_files")
            .unwrap()
            .as_any()
            .downcast_ref::<StructArray>()
            .unwrap();
        assert!(changed.is_null(0));
        assert!(changed.column_by_name("added").unwrap().is_null(0));
        assert!(changed.is_valid(1));
        let modified = changed
            .column_by_name("modified")
            .unwrap()
            .as_any()
            .downcast_ref::<ListArray>()
            .unwrap();
        assert_eq!(modified.value_length(1), 2);
    }
}
