//! The row hooklake keeps for each merged pull request.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::payload::{ExtractError, PullRequestEvent};

/// One merged pull request, as stored in the lake.
///
/// The Arrow schema (`crate::arrow::row_schema`) lists the same fields in the
/// same order, with a comment on each; the catalog is generated from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequestRow {
    pub delivery_id: String,
    pub received_at: DateTime<Utc>,
    pub repository: String,
    pub repository_id: i64,
    pub number: i64,
    pub pull_request_id: i64,
    pub title: String,
    pub author_login: Option<String>,
    pub merged_by_login: Option<String>,
    pub merged_at: DateTime<Utc>,
    pub base_ref: String,
    pub head_ref: String,
    pub merge_commit_sha: Option<String>,
    pub additions: Option<i64>,
    pub deletions: Option<i64>,
    pub commits: Option<i64>,
    pub changed_files_count: Option<i64>,
    pub labels: Vec<String>,
    pub html_url: String,
    /// Filled by enrichment from GitHub's API; `None` until then.
    pub changed_files: Option<ChangedFiles>,
    /// Whether `changed_files` is filled, and if not, why.
    pub changed_files_status: ChangedFilesStatus,
    /// The payload as GitHub sent it, so later columns can be derived
    /// without re-ingesting.
    pub payload: String,
}

/// The files a pull request changed, by kind of change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedFiles {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub modified: Vec<String>,
    pub renamed: Vec<RenamedFile>,
}

/// A file that was moved (and perhaps changed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenamedFile {
    pub previous_filename: String,
    pub filename: String,
}

/// Whether a row's `changed_files` is known, and if not, why.
///
/// Enrichment never holds a row back: a lookup that fails or is not reached
/// gives its row one of the *repairable* statuses below, the row is written
/// anyway, and lake maintenance looks it up again later
/// ([`ChangedFilesStatus::is_repairable`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangedFilesStatus {
    /// Not looked up before the ingest's time budget ran out (repairable).
    Pending,
    /// Every changed file is listed.
    Complete,
    /// GitHub lists at most 3,000 files; the pull request changed more.
    Truncated,
    /// No GitHub credentials were configured (repairable once they are).
    NoCredentials,
    /// GitHub no longer has the pull request (repository deleted or hidden).
    NotFound,
    /// GitHub refused the credentials (401/403): fix them (repairable).
    Unauthorized,
    /// GitHub was unreachable, answered 5xx, or was too slow (repairable).
    Unavailable,
    /// GitHub's rate limit did not reset within the time budget (repairable).
    RateLimited,
}

impl ChangedFilesStatus {
    /// Every status, in the order the column comment lists them.
    pub const ALL: [ChangedFilesStatus; 8] = [
        ChangedFilesStatus::Complete,
        ChangedFilesStatus::Truncated,
        ChangedFilesStatus::NotFound,
        ChangedFilesStatus::Pending,
        ChangedFilesStatus::NoCredentials,
        ChangedFilesStatus::Unauthorized,
        ChangedFilesStatus::Unavailable,
        ChangedFilesStatus::RateLimited,
    ];

    /// The value stored in the `changed_files_status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangedFilesStatus::Pending => "pending",
            ChangedFilesStatus::Complete => "complete",
            ChangedFilesStatus::Truncated => "truncated",
            ChangedFilesStatus::NoCredentials => "no_credentials",
            ChangedFilesStatus::NotFound => "not_found",
            ChangedFilesStatus::Unauthorized => "unauthorized",
            ChangedFilesStatus::Unavailable => "unavailable",
            ChangedFilesStatus::RateLimited => "rate_limited",
        }
    }

    /// The status stored as `value`, if it is one.
    ///
    /// ```
    /// use hooklake_schema::row::ChangedFilesStatus;
    /// for status in ChangedFilesStatus::ALL {
    ///     assert_eq!(ChangedFilesStatus::parse(status.as_str()), Some(status));
    /// }
    /// ```
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Whether a later lookup may fill `changed_files` (what lake
    /// maintenance looks up again). `complete`, `truncated` and `not_found`
    /// are final: GitHub has said all it will.
    pub fn is_repairable(self) -> bool {
        !matches!(
            self,
            ChangedFilesStatus::Complete
                | ChangedFilesStatus::Truncated
                | ChangedFilesStatus::NotFound
        )
    }
}

impl PullRequestRow {
    /// Extracts the row of a merged pull request from its webhook payload.
    pub fn extract(
        delivery_id: &str,
        received_at: DateTime<Utc>,
        payload: &str,
    ) -> Result<Self, ExtractError> {
        let event = PullRequestEvent::parse(payload)?;
        Self::from_event(delivery_id, received_at, &event, payload)
    }

    /// Like [`PullRequestRow::extract`], but takes ownership of the payload
    /// and moves it into the row instead of copying it (bulk ingest).
    pub fn extract_owned(
        delivery_id: String,
        received_at: DateTime<Utc>,
        payload: String,
    ) -> Result<Self, ExtractError> {
        let mut row = {
            let event = PullRequestEvent::parse(&payload)?;
            Self::from_event("", received_at, &event, "")?
        };
        row.delivery_id = delivery_id;
        row.payload = payload;
        Ok(row)
    }

    /// Builds the row from an already parsed payload (`payload` is its text).
    pub fn from_event(
        delivery_id: &str,
        received_at: DateTime<Utc>,
        event: &PullRequestEvent<'_>,
        payload: &str,
    ) -> Result<Self, ExtractError> {
        let merge = event.merged()?;
        let pr = &event.pull_request;
        let owned =
            |t: &Option<crate::payload::Text<'_>>| t.as_ref().map(|t| t.as_str().to_owned());
        Ok(PullRequestRow {
            delivery_id: delivery_id.to_owned(),
            received_at,
            repository: merge.repository.full_name.as_str().to_owned(),
            repository_id: merge.repository.id,
            number: merge.number,
            pull_request_id: merge.id,
            title: owned(&pr.title).unwrap_or_default(),
            author_login: pr.user.as_ref().map(|u| u.login.as_str().to_owned()),
            merged_by_login: pr.merged_by.as_ref().map(|u| u.login.as_str().to_owned()),
            merged_at: merge.merged_at,
            base_ref: merge.base_ref.to_owned(),
            head_ref: merge.head_ref.to_owned(),
            merge_commit_sha: owned(&pr.merge_commit_sha),
            additions: pr.additions,
            deletions: pr.deletions,
            commits: pr.commits,
            changed_files_count: pr.changed_files,
            labels: pr
                .labels
                .iter()
                .flatten()
                .map(|l| l.name.as_str().to_owned())
                .collect(),
            html_url: merge.html_url.to_owned(),
            changed_files: None,
            changed_files_status: ChangedFilesStatus::Pending,
            payload: payload.to_owned(),
        })
    }
}
