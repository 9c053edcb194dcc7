//! Enriching rows in bulk: the one place both the Lambda/poller and
//! `hooklake serve` fill in `changed_files`.

use futures_util::stream::{self, StreamExt};
use hooklake_schema::row::{ChangedFilesStatus, PullRequestRow};

use crate::{GitHubClient, GitHubError};

/// Requests in flight at once: enough to hide GitHub's latency, few enough
/// to stay clear of its secondary (concurrency) limits.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// Fills in each row's changed files. Without a client (no credentials),
/// rows get status `no_credentials` and stay otherwise as they are. Returns,
/// per row, whether it was enriched or the error that says when to retry;
/// a row with an error is left unchanged and must not be written.
pub async fn enrich_rows(
    client: Option<&GitHubClient>,
    rows: &mut [PullRequestRow],
    concurrency: usize,
) -> Vec<Result<(), GitHubError>> {
    let Some(client) = client else {
        for row in rows.iter_mut() {
            row.changed_files = None;
            row.changed_files_status = ChangedFilesStatus::NoCredentials;
        }
        return rows.iter().map(|_| Ok(())).collect();
    };
    let lookups = rows
        .iter()
        .map(|row| client.changed_files(&row.repository, row.number, row.changed_files_count))
        .collect::<Vec<_>>();
    let results: Vec<_> = stream::iter(lookups)
        .buffered(concurrency.max(1))
        .collect()
        .await;
    rows.iter_mut()
        .zip(results)
        .map(|(row, result)| result.map(|enrichment| enrichment.apply(row)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn without_credentials_rows_say_why() {
        let payload = r#"{"action":"closed","number":1,"pull_request":{"id":1,"number":1,"merged":true,
            "merged_at":"2026-11-27T10:00:00Z","html_url":"https://github.com/o/r/pull/1",
            "base":{"ref":"main"},"head":{"ref":"f"}},"repository":{"id":1,"full_name":"o/r"}}"#;
        let mut rows = vec![PullRequestRow::extract("d", chrono::Utc::now(), payload).unwrap()];
        let results = enrich_rows(None, &mut rows, DEFAULT_CONCURRENCY).await;
        assert!(results[0].is_ok());
        assert_eq!(rows[0].changed_files, None);
        assert_eq!(
            rows[0].changed_files_status,
            ChangedFilesStatus::NoCredentials
        );
    }
}
