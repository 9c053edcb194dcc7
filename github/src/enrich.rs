//! Enriching rows in bulk: the one place every ingest path fills in
//! `changed_files`. It never fails and never holds a row back: a lookup
//! that GitHub refuses, answers slowly or not at all gives its rows a
//! repairable [`ChangedFilesStatus`], and the rows are written anyway.
//!
//! - One lookup per pull request, however many rows (redeliveries,
//!   replays) name it.
//! - Lookups run unordered with bounded concurrency, until a deadline;
//!   the rows not reached by then are `pending`.
//! - A [`Breaker`] remembers what GitHub said across batches: refused
//!   credentials stop all lookups for a cool-down (one log line that names
//!   the fix), a rate limit stops them until it resets, a run of outages
//!   for a short pause. A rate limit that resets before the deadline is
//!   waited out; otherwise rows get the breaker's status at once.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use hooklake_schema::row::{ChangedFilesStatus, PullRequestRow};
use tokio::time::Instant;

use crate::{Enrichment, GitHubClient, GitHubError};

/// Requests in flight at once: enough to hide GitHub's latency, few enough
/// to stay clear of its secondary (concurrency) limits.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// No lookups for this long after GitHub refused the credentials: they do
/// not fix themselves, and every refused call counts against the limits.
pub const UNAUTHORIZED_COOL_DOWN: Duration = Duration::from_secs(300);

/// Consecutive failures (5xx, unreachable) that open the breaker…
const OUTAGE_FAILURES: u32 = 3;
/// …for this long.
const OUTAGE_COOL_DOWN: Duration = Duration::from_secs(30);
/// Pause before the one retry of a transient failure.
const TRANSIENT_RETRY_PAUSE: Duration = Duration::from_millis(500);

/// What the breaker knows about GitHub, shared by all lookups of a process.
#[derive(Debug, Default)]
pub struct Breaker {
    state: Mutex<BreakerState>,
}

#[derive(Debug, Default)]
struct BreakerState {
    /// No lookups before this, and rows get `status` meanwhile.
    open_until: Option<(Instant, ChangedFilesStatus)>,
    consecutive_failures: u32,
}

impl Breaker {
    /// When lookups may go again, and what rows get until then; `None`: now.
    fn open(&self) -> Option<(Instant, ChangedFilesStatus)> {
        let state = self.state.lock().expect("breaker lock");
        state
            .open_until
            .filter(|(until, _)| *until > Instant::now())
    }

    fn succeeded(&self) {
        let mut state = self.state.lock().expect("breaker lock");
        state.consecutive_failures = 0;
        state.open_until = None;
    }

    /// Opens until `until`; returns whether it was closed before (so only
    /// the first of many concurrent failures logs).
    fn trip(&self, until: Instant, status: ChangedFilesStatus) -> bool {
        let mut state = self.state.lock().expect("breaker lock");
        let was_closed = state.open_until.is_none_or(|(u, _)| u <= Instant::now());
        if state.open_until.is_none_or(|(u, _)| u < until) {
            state.open_until = Some((until, status));
        }
        was_closed
    }

    /// Counts a transient failure; opens after a run of them.
    fn failed(&self) -> bool {
        let trip = {
            let mut state = self.state.lock().expect("breaker lock");
            state.consecutive_failures += 1;
            state.consecutive_failures >= OUTAGE_FAILURES
        };
        trip && self.trip(
            Instant::now() + OUTAGE_COOL_DOWN,
            ChangedFilesStatus::Unavailable,
        )
    }
}

/// What a bulk enrichment did: lookups made, and rows by the status they got.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EnrichReport {
    /// Distinct pull requests looked up (or attempted).
    pub lookups: usize,
    /// Rows by `changed_files_status` value.
    pub statuses: BTreeMap<&'static str, usize>,
    /// Requests left in GitHub's rate limit after the lookups, if GitHub
    /// has answered one.
    pub rate_limit_remaining: Option<u64>,
}

/// Fills in changed files, with one breaker for the whole process.
#[derive(Debug)]
pub struct Enricher {
    client: Option<GitHubClient>,
    concurrency: usize,
    breaker: Breaker,
}

/// A distinct pull request to look up.
struct Lookup {
    repository: String,
    number: i64,
    expected: Option<i64>,
}

impl Enricher {
    /// `client: None` (no credentials): rows get `no_credentials`.
    pub fn new(client: Option<GitHubClient>) -> Self {
        Enricher {
            client,
            concurrency: DEFAULT_CONCURRENCY,
            breaker: Breaker::default(),
        }
    }

    /// Requests in flight at once (at least 1).
    /// The GitHub client, if it has credentials.
    pub fn client(&self) -> Option<&GitHubClient> {
        self.client.as_ref()
    }

    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Whether GitHub credentials are configured.
    pub fn has_credentials(&self) -> bool {
        self.client.is_some()
    }

    /// Fills in each row's `changed_files` and `changed_files_status`,
    /// looking each pull request up once, until `deadline`. Never fails.
    pub async fn enrich(
        &self,
        rows: &mut [PullRequestRow],
        deadline: std::time::Instant,
    ) -> EnrichReport {
        let mut report = EnrichReport::default();
        let Some(client) = &self.client else {
            for row in rows.iter_mut() {
                set_status(row, ChangedFilesStatus::NoCredentials);
            }
            report
                .statuses
                .insert(ChangedFilesStatus::NoCredentials.as_str(), rows.len());
            return report;
        };
        let deadline = Instant::from_std(deadline);

        let mut index: HashMap<(&str, i64), usize> = HashMap::new();
        let mut lookups: Vec<Lookup> = Vec::new();
        let mut lookup_of_row = Vec::with_capacity(rows.len());
        for row in rows.iter() {
            let next = lookups.len();
            let k = *index
                .entry((row.repository.as_str(), row.number))
                .or_insert(next);
            if k == next {
                lookups.push(Lookup {
                    repository: row.repository.clone(),
                    number: row.number,
                    expected: row.changed_files_count,
                });
            }
            lookup_of_row.push(k);
        }
        drop(index);
        report.lookups = lookups.len();

        let mut outcomes: Vec<Option<Result<Enrichment, ChangedFilesStatus>>> =
            vec![None; lookups.len()];
        {
            // A hand-fed FuturesUnordered rather than `stream::iter(..).map(..)
            // .buffer_unordered(..)`: the closure in the latter makes this
            // future not Send for callers that spawn it (rustc #102211).
            let mut queued = lookups.iter().enumerate();
            let mut in_flight = FuturesUnordered::new();
            let collect = async {
                loop {
                    while in_flight.len() < self.concurrency {
                        let Some((k, lookup)) = queued.next() else {
                            break;
                        };
                        in_flight
                            .push(async move { (k, self.lookup(client, lookup, deadline).await) });
                    }
                    match in_flight.next().await {
                        Some((k, outcome)) => outcomes[k] = Some(outcome),
                        None => break,
                    }
                }
            };
            // Lookups still in flight at the deadline are dropped: their rows are `pending`.
            let _ = tokio::time::timeout_at(deadline, collect).await;
        }

        for (row, k) in rows.iter_mut().zip(lookup_of_row) {
            match &outcomes[k] {
                Some(Ok(enrichment)) => enrichment.clone().apply(row),
                Some(Err(status)) => set_status(row, *status),
                None => set_status(row, ChangedFilesStatus::Pending),
            }
            *report
                .statuses
                .entry(row.changed_files_status.as_str())
                .or_default() += 1;
        }
        report.rate_limit_remaining = client.rate_limit_remaining();
        report
    }

    /// One pull request: its files, or the status its rows get.
    async fn lookup(
        &self,
        client: &GitHubClient,
        lookup: &Lookup,
        deadline: Instant,
    ) -> Result<Enrichment, ChangedFilesStatus> {
        let mut transient_retries = 1;
        loop {
            if let Some((until, status)) = self.breaker.open() {
                // A rate limit resets at a known time: worth waiting for if
                // it fits. An outage or refused credentials: not.
                if status != ChangedFilesStatus::RateLimited || until >= deadline {
                    return Err(status);
                }
                tokio::time::sleep_until(until).await;
                continue;
            }
            let result = client
                .changed_files(&lookup.repository, lookup.number, lookup.expected)
                .await;
            let error = match result {
                Ok(enrichment) => {
                    self.breaker.succeeded();
                    return Ok(enrichment);
                }
                Err(error) => error,
            };
            match &error {
                GitHubError::RateLimited { retry_after } => {
                    if self.breaker.trip(
                        Instant::now() + *retry_after,
                        ChangedFilesStatus::RateLimited,
                    ) {
                        tracing::warn!(%error, "GitHub rate limit: lookups wait for the reset when it fits the time budget; the other rows are written as rate_limited (repairable)");
                    }
                    // The loop waits for the reset if it fits before the deadline.
                }
                GitHubError::Auth { .. } | GitHubError::BadCredentials(_) => {
                    if self.breaker.trip(
                        Instant::now() + UNAUTHORIZED_COOL_DOWN,
                        ChangedFilesStatus::Unauthorized,
                    ) {
                        tracing::error!(%error, cool_down_s = UNAUTHORIZED_COOL_DOWN.as_secs(),
                            "GitHub refused the credentials: no lookups during the cool-down; rows are written with changed_files_status = 'unauthorized' (repairable). \
                             Fix: give hooklake a valid token or GitHub App key (docs/operations.md, \"GitHub credentials\")");
                    }
                    return Err(ChangedFilesStatus::Unauthorized);
                }
                GitHubError::Server { .. } | GitHubError::Transport { .. } => {
                    if self.breaker.failed() {
                        tracing::warn!(%error, pause_s = OUTAGE_COOL_DOWN.as_secs(),
                            "GitHub is failing: lookups pause; rows are written with changed_files_status = 'unavailable' (repairable)");
                    }
                    let retry_at = Instant::now() + TRANSIENT_RETRY_PAUSE;
                    if transient_retries == 0 || retry_at >= deadline {
                        return Err(ChangedFilesStatus::Unavailable);
                    }
                    transient_retries -= 1;
                    tokio::time::sleep_until(retry_at).await;
                }
                GitHubError::Unexpected { .. } | GitHubError::NotFound { .. } => {
                    tracing::warn!(%error, "unexpected answer from GitHub; the row is written as unavailable (repairable)");
                    return Err(ChangedFilesStatus::Unavailable);
                }
            }
        }
    }
}

fn set_status(row: &mut PullRequestRow, status: ChangedFilesStatus) {
    row.changed_files = None;
    row.changed_files_status = status;
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
        let report = Enricher::new(None)
            .enrich(&mut rows, std::time::Instant::now())
            .await;
        assert_eq!(report.lookups, 0);
        assert_eq!(rows[0].changed_files, None);
        assert_eq!(
            rows[0].changed_files_status,
            ChangedFilesStatus::NoCredentials
        );
    }
}
