//! A repository's pull requests merged in a date range, every page of
//! GitHub's list (what backfill writes and verify checks against the lake).

use std::collections::HashSet;

use crate::pulls::{merged_in_range, MergedPull, MergedRange};
use crate::rate::{waiting_out_rate_limits, MAX_RATE_LIMIT_WAITS};
use crate::{GitHubClient, GitHubError};

/// Lists `repository`'s pull requests merged in `range`, oldest created
/// first, calling `page_done` after each page with the list so far and the
/// next page's URL (`resume`: a saved URL to continue from).
pub async fn list_merged<E: From<GitHubError>>(
    client: &GitHubClient,
    repository: &str,
    range: &MergedRange,
    mut listed: Vec<MergedPull>,
    resume: Option<String>,
    mut page_done: impl AsyncFnMut(&[MergedPull], Option<&str>) -> Result<(), E>,
) -> Result<(Vec<MergedPull>, usize), E> {
    let mut next = resume;
    let mut requests = 0;
    // A pull request is listed once even if a page is read twice (a resume).
    let mut known: HashSet<i64> = listed.iter().map(|p| p.number).collect();
    loop {
        let (page, following) = waiting_out_rate_limits(MAX_RATE_LIMIT_WAITS, || {
            client.closed_pulls_page(repository, next.as_deref())
        })
        .await
        .map_err(E::from)?;
        requests += 1;
        let (merged, passed) = merged_in_range(&page, range);
        listed.extend(merged.into_iter().filter(|p| known.insert(p.number)));
        next = if passed { None } else { following };
        page_done(&listed, next.as_deref()).await?;
        if next.is_none() {
            return Ok((listed, requests));
        }
    }
}
