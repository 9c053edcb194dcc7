//! Proof that the lake is complete: every pull request GitHub says was
//! merged in a date range has a row (matched by repository id and number).

use std::collections::HashSet;

use hooklake_github::pulls::{MergedPull, MergedRange};
use hooklake_github::GitHubClient;
use hooklake_ingest::lake::LakeStore;
use hooklake_ingest::pipeline::cpu_bound;
use serde::Serialize;

use crate::backfill::{list_merged, BackfillError};
use crate::read::{pull_keys, ReadError};
use crate::select::Selection;

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
    GitHub(#[from] BackfillError),
    #[error("cannot read the lake: {0}")]
    Lake(#[from] ReadError),
}

/// `(repository_id, number)` of every row in the partitions of `range`.
pub async fn lake_pulls<L: LakeStore>(
    lake: &L,
    range: &MergedRange,
) -> Result<HashSet<(i64, i64)>, ReadError> {
    let selection = Selection {
        since: Some(range.since),
        until: Some(range.until),
        partitions: Vec::new(),
    };
    let mut keys = HashSet::new();
    for partition in selection.partitions(lake).await? {
        for file in lake.files(&partition).await? {
            let fetched = match lake.fetch(&file.key).await {
                Ok(fetched) => fetched,
                // Compacted away since it was listed: its rows are in a new
                // file, which a second listing finds.
                Err(hooklake_ingest::lake::LakeError::NotFound { .. }) => {
                    return Box::pin(lake_pulls(lake, range)).await;
                }
                Err(e) => return Err(e.into()),
            };
            keys.extend(cpu_bound(|| pull_keys(fetched.file))?);
        }
    }
    Ok(keys)
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
        async |_, _| Ok(()),
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
