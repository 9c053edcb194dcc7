//! Proof that the lake is complete: every pull request GitHub says was
//! merged in a date range has a row (matched by repository id and number).

use hooklake_github::pulls::{MergedPull, MergedRange};
use hooklake_github::GitHubClient;
use hooklake_ingest::lake::LakeStore;
use serde::Serialize;

use hooklake_github::merged::list_merged;
use hooklake_github::GitHubError;

use crate::read::{lake_pulls, ReadError};

/// What a check found.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub repository: String,
    pub since: chrono::NaiveDate,
    pub until: chrono::NaiveDate,
    /// Pull requests GitHub lists as merged in the range.
    pub merged_on_github: usize,
    /// Of those, the ones with a row in the lake.
    pub in_lake: usize,
    /// The ones without, oldest merge first.
    pub missing: Vec<MergedPull>,
    /// GitHub requests made (pages of the pull request list).
    pub github_requests: usize,
}

impl VerifyReport {
    /// Nothing is missing.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}

/// Why a check could not finish.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    GitHub(#[from] GitHubError),
    #[error("cannot read the lake: {0}")]
    Lake(#[from] ReadError),
}

/// Compares GitHub's merged pull requests in `range` with the lake's rows.
pub async fn verify<L: LakeStore>(
    client: &GitHubClient,
    repository: &str,
    range: MergedRange,
    lake: &L,
) -> Result<VerifyReport, VerifyError> {
    let (merged, github_requests) = list_merged(
        client,
        repository,
        &range,
        Vec::new(),
        None,
        async |_, _| Ok::<(), GitHubError>(()),
    )
    .await?;
    let in_lake = lake_pulls(lake, &range).await?;
    let mut missing: Vec<MergedPull> = merged
        .iter()
        .filter(|p| !in_lake.contains(&(p.repository_id, p.number)))
        .copied()
        .collect();
    missing.sort_by_key(|p| (p.merged_at, p.number));
    Ok(VerifyReport {
        repository: repository.into(),
        since: range.since,
        until: range.until,
        merged_on_github: merged.len(),
        in_lake: merged.len() - missing.len(),
        missing,
        github_requests,
    })
}
