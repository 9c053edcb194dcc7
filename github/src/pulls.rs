//! A repository's merged pull requests, from the REST API, for backfills
//! and completeness checks.
//!
//! REST rather than GraphQL: the list (`GET /repos/{o}/{r}/pulls?state=closed
//! &sort=created&direction=asc`, 100 a page) costs a hundredth of a request
//! per pull request; the full object (`GET /repos/{o}/{r}/pulls/{n}`) is exactly the
//! `pull_request` of a webhook's `closed` payload, so a backfilled row goes
//! through the same extraction as a delivered one. GraphQL would return a
//! different shape that would have to be mapped back field by field.
//!
//! Oldest created first, because that order is stable while a long backfill
//! pages through it: a new pull request joins the end, and nothing moves.
//! Sorted by update time instead, every comment on an old pull request moves
//! it to the front and shifts the pages behind it, so the page boundary
//! skips one. The list stops at the first pull request created after the
//! range (it cannot have merged in it).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

/// Pull requests per page of the list, GitHub's maximum.
pub const PER_PAGE: usize = 100;

/// A closed pull request as the list shows it (`pull-request-simple`):
/// enough to tell whether and when it merged.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClosedPull {
    pub number: i64,
    pub merged_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub base: Base,
}

/// The list entry's base branch: its repository.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Base {
    pub repo: BaseRepository,
}

/// The repository of a base branch.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BaseRepository {
    pub id: i64,
}

/// A merged pull request: the key a lake row is matched on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, Deserialize,
)]
pub struct MergedPull {
    pub repository_id: i64,
    pub number: i64,
    pub merged_at: DateTime<Utc>,
}

/// Dates `since..=until` (UTC, like the lake's `merged_date` partitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergedRange {
    pub since: NaiveDate,
    pub until: NaiveDate,
}

impl MergedRange {
    /// Whether a merge at `at` falls in the range.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        (self.since..=self.until).contains(&at.date_naive())
    }

    /// Whether a list sorted by `created_at`, oldest first, can hold no
    /// more merges in the range once it reaches `created_at`.
    pub fn passed(&self, created_at: DateTime<Utc>) -> bool {
        created_at.date_naive() > self.until
    }
}

/// The merged pull requests of one list page that fall in `range`, and
/// whether the list has gone past the range (stop paging).
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use hooklake_github::pulls::{merged_in_range, ClosedPull, MergedRange, Base, BaseRepository};
/// let pull = |number, created: u32, merged: Option<u32>| ClosedPull {
///     number,
///     merged_at: merged.map(|d| Utc.with_ymd_and_hms(2026, 1, d, 0, 0, 0).unwrap()),
///     created_at: Utc.with_ymd_and_hms(2026, 1, created, 0, 0, 0).unwrap(),
///     base: Base { repo: BaseRepository { id: 9 } },
/// };
/// let range = MergedRange {
///     since: NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(),
///     until: NaiveDate::from_ymd_opt(2026, 1, 20).unwrap(),
/// };
/// // Oldest first: merged before the range, merged in it (created before it),
/// // closed unmerged, merged after it, created after it.
/// let page = [pull(1, 2, Some(5)), pull(2, 3, Some(15)), pull(3, 12, None), pull(4, 14, Some(25)), pull(5, 21, Some(22))];
/// let (merged, done) = merged_in_range(&page, &range);
/// assert_eq!(merged.iter().map(|m| m.number).collect::<Vec<_>>(), [2]);
/// assert!(done);
/// ```
pub fn merged_in_range(page: &[ClosedPull], range: &MergedRange) -> (Vec<MergedPull>, bool) {
    let mut merged = Vec::new();
    for pull in page {
        if range.passed(pull.created_at) {
            return (merged, true);
        }
        if let Some(at) = pull.merged_at.filter(|at| range.contains(*at)) {
            merged.push(MergedPull {
                repository_id: pull.base.repo.id,
                number: pull.number,
                merged_at: at,
            });
        }
    }
    (merged, false)
}

/// The payload GitHub's webhook sends when `pull` (the REST API's full
/// pull request object) is closed: the same object as `pull_request`, its
/// base repository as `repository`, whoever merged it as `sender`.
///
/// ```
/// let pull = serde_json::json!({"number": 7, "merged": true,
///     "base": {"ref": "main", "repo": {"id": 1, "full_name": "o/r"}},
///     "merged_by": {"login": "octocat"}});
/// let payload: serde_json::Value =
///     serde_json::from_str(&hooklake_github::pulls::closed_event_payload(&pull)).unwrap();
/// assert_eq!(payload["action"], "closed");
/// assert_eq!(payload["repository"]["full_name"], "o/r");
/// assert_eq!(payload["pull_request"], pull);
/// ```
pub fn closed_event_payload(pull: &serde_json::Value) -> String {
    serde_json::json!({
        "action": "closed",
        "number": pull["number"],
        "pull_request": pull,
        "repository": pull["base"]["repo"],
        "sender": pull["merged_by"],
    })
    .to_string()
}
