//! Pull requests merged before the webhook existed (or while it was
//! down), written as rows the webhook path would have written.
//!
//! A backfill lists the repository's pull requests merged in a date range
//! ([`hooklake_github::pulls`]), then in batches of [`BATCH`]: fetches each
//! full pull request, wraps it in the payload of a `closed` delivery
//! ([`closed_event_payload`]) and runs the batch through the ingest
//! pipeline itself (decode, enrich, partition, encode, put). Each row is
//! therefore the row a delivery would give, apart from:
//!
//! - `delivery_id`: `backfill-<repository_id>-<number>` (the marker a
//!   reader tells backfilled rows by; see [`is_backfilled`]),
//! - `received_at`: when the backfill wrote it,
//! - `payload`: the synthesised `closed` payload.
//!
//! The list and the position reached are saved after every page and every
//! batch ([`BackfillState`]). A batch's files are named from its delivery
//! ids, so a batch written again after a crash replaces its own files: a
//! backfill killed at any moment and resumed writes each row once.

use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use hooklake_github::pulls::{closed_event_payload, MergedPull, MergedRange};
use hooklake_github::rate::{waiting_out_rate_limits, MAX_RATE_LIMIT_WAITS};
use hooklake_github::{Enricher, GitHubError};
use hooklake_ingest::lake::LakeStore;
use hooklake_ingest::pipeline::{Message, NoPayloadStore, Pipeline};
use hooklake_schema::envelope::Envelope;
use hooklake_schema::row::ChangedFilesStatus;
use serde::{Deserialize, Serialize};

use hooklake_github::merged::list_merged;
use hooklake_github::state::{load_json, save_json, StateError, StateStore};

/// Pull requests fetched and written together.
pub const BATCH: usize = 100;

/// What backfilled rows' delivery ids start with.
pub const DELIVERY_PREFIX: &str = "backfill-";

/// The delivery id of a backfilled row: stable, so writing it again
/// replaces it.
///
/// ```
/// use hooklake_maintain::backfill::{delivery_id, is_backfilled};
/// assert_eq!(delivery_id(42, 7), "backfill-42-7");
/// assert!(is_backfilled("backfill-42-7"));
/// assert!(!is_backfilled("72d3162e-cc78-11e3-81ab-4c9367dc0958"));
/// ```
pub fn delivery_id(repository_id: i64, number: i64) -> String {
    format!("{DELIVERY_PREFIX}{repository_id}-{number}")
}

/// Whether a row came from a backfill rather than a delivery.
pub fn is_backfilled(delivery_id: &str) -> bool {
    delivery_id.starts_with(DELIVERY_PREFIX)
}

/// Where a backfill's deliveries go.
pub trait Destination: Sync {
    /// For messages: a lake's location, a queue's URL.
    fn describe(&self) -> String;

    /// Takes one batch of `closed` deliveries (envelope lines). Returns the
    /// rows written now and, of those, how many still lack changed files
    /// (a queue's ingest writes and enriches them later: 0 and 0).
    fn take(
        &self,
        messages: Vec<Message>,
        enricher: &Enricher,
        options: &BackfillOptions,
    ) -> impl std::future::Future<Output = Result<Taken, BackfillError>> + Send;
}

/// What a destination did with a batch.
#[derive(Debug, Clone, Copy, Default)]
pub struct Taken {
    /// Rows written now.
    pub rows: usize,
    /// Of those, rows whose changed files could not be listed in time.
    pub not_enriched: usize,
    /// Changed-file lookups made.
    pub lookups: usize,
    /// Deliveries handed to a queue (its ingest writes them).
    pub queued: usize,
}

/// A lake written directly, through the ingest pipeline (enrichment included).
pub struct IntoLake<'a, S>(pub &'a S);

impl<S: LakeStore> Destination for IntoLake<'_, S> {
    fn describe(&self) -> String {
        self.0.location()
    }

    async fn take(
        &self,
        messages: Vec<Message>,
        enricher: &Enricher,
        options: &BackfillOptions,
    ) -> Result<Taken, BackfillError> {
        let count = messages.len();
        let pipeline = Pipeline::new(self.0, &NoPayloadStore, enricher);
        let result = pipeline
            .run(messages, Instant::now() + options.enrich_budget)
            .await;
        if let Some(failure) = result.failed.first() {
            return Err(BackfillError::Write(format!(
                "{} of {count} rows not written; first: {}",
                result.failed.len(),
                failure.reason
            )));
        }
        Ok(Taken {
            rows: result.rows,
            lookups: result.enrichment.lookups,
            not_enriched: result
                .enrichment
                .statuses
                .iter()
                .filter(|(status, _)| {
                    ChangedFilesStatus::parse(status).is_some_and(|s| s.is_repairable())
                })
                .map(|(_, n)| *n)
                .sum(),
            queued: 0,
        })
    }
}

/// A backfill's saved position.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BackfillState {
    pub repository: String,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    /// Merged pull requests listed so far, oldest merge last (list order).
    pub listed: Vec<MergedPull>,
    /// The list's next page; `None` with `listing_done` once it is read.
    pub next_page: Option<String>,
    pub listing_done: bool,
    /// `listed[..written]` are in the lake.
    pub written: usize,
}

/// How a backfill reports its progress (a progress bar in the CLI).
pub trait BackfillProgress: Sync {
    /// `total` merged pull requests listed so far.
    fn listed(&self, total: usize) {
        let _ = total;
    }
    /// `done` of `total` are in the lake.
    fn written(&self, done: usize, total: usize) {
        let _ = (done, total);
    }
}

/// No progress output.
pub struct NoProgress;
impl BackfillProgress for NoProgress {}

/// What a backfill did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BackfillReport {
    /// Merged pull requests in the range, not in the lake before the backfill.
    pub merged: usize,
    /// Merged in the range but already in the lake: left alone.
    pub already_in_lake: usize,
    /// Rows written by this run (a resumed run counts only its own).
    pub written: usize,
    /// Deliveries this run handed to a queue, whose ingest writes them.
    pub queued: usize,
    /// Listed, but gone from GitHub when fetched.
    pub gone: Vec<i64>,
    /// Rows whose changed files could not be listed in time (written with
    /// a repairable status; compaction fills them in later).
    pub not_enriched: usize,
    /// GitHub requests made: list pages, pull requests, file pages.
    pub github_requests: usize,
}

/// Why a backfill stopped (its state is as the last finished batch left it).
#[derive(Debug, thiserror::Error)]
pub enum BackfillError {
    #[error("backfill needs GitHub credentials that can read {0}'s pull requests (\"Pull requests: Read\")")]
    NoCredentials(String),
    #[error("GitHub: {0}")]
    GitHub(#[from] GitHubError),
    #[error("the lake refused a batch: {0}")]
    Write(String),
    #[error("backfill {0}")]
    State(#[from] StateError),
}

/// Options of a run.
#[derive(Debug, Clone)]
pub struct BackfillOptions {
    /// Time a batch may spend listing changed files (waiting out rate
    /// limits); rows not reached are written with a repairable status.
    pub enrich_budget: Duration,
}

impl Default for BackfillOptions {
    fn default() -> Self {
        BackfillOptions {
            enrich_budget: Duration::from_secs(600),
        }
    }
}

/// One backfill: what to fetch, and with what.
pub struct Backfill<'a> {
    /// The client (and enrichment) to use; it must have credentials.
    pub enricher: &'a Enricher,
    /// `owner/name`.
    pub repository: &'a str,
    pub range: MergedRange,
    pub options: BackfillOptions,
}

/// Backfills the pull requests of `job` that `lake` does not hold yet into
/// `destination` (the lake itself, or a queue its ingest reads), resuming
/// from the state in `store` when it is for the same backfill.
pub async fn backfill<S: LakeStore, D: Destination, T: StateStore>(
    job: &Backfill<'_>,
    lake: &S,
    destination: &D,
    store: &T,
    progress: &dyn BackfillProgress,
) -> Result<BackfillReport, BackfillError> {
    let Backfill {
        enricher,
        repository,
        range,
        ref options,
    } = *job;
    let client = enricher
        .client()
        .ok_or_else(|| BackfillError::NoCredentials(repository.into()))?;
    let fresh = BackfillState {
        repository: repository.into(),
        since: Some(range.since),
        until: Some(range.until),
        ..BackfillState::default()
    };
    let mut state = match load_json::<BackfillState>(store, "backfill state", "start over").await? {
        Some(saved)
            if saved.repository == fresh.repository
                && saved.since == fresh.since
                && saved.until == fresh.until =>
        {
            tracing::info!(listed = saved.listed.len(), written = saved.written, state = %store.location(), "resuming the backfill");
            saved
        }
        _ => fresh,
    };
    let mut report = BackfillReport::default();
    if !state.listing_done {
        let resume = state.next_page.take();
        let listed = std::mem::take(&mut state.listed);
        let written = state.written;
        let (listed, requests) = list_merged(
            client,
            repository,
            &range,
            listed,
            resume,
            async |listed: &[MergedPull], next: Option<&str>| {
                progress.listed(listed.len());
                let saved = BackfillState {
                    repository: repository.into(),
                    since: Some(range.since),
                    until: Some(range.until),
                    listed: listed.to_vec(),
                    next_page: next.map(str::to_owned),
                    // Done only once the lake's own pull requests are
                    // taken out, below (a kill before that lists again).
                    listing_done: false,
                    written,
                };
                save_json(store, &saved).await.map_err(BackfillError::from)
            },
        )
        .await?;
        report.github_requests += requests;
        // Pull requests whose rows are there already (delivered, or an
        // earlier backfill) are left as they are.
        let present = crate::read::lake_pulls(lake, &range)
            .await
            .map_err(|e| BackfillError::Write(format!("cannot read the lake: {e}")))?;
        report.already_in_lake = listed.len();
        state.listed = listed
            .into_iter()
            .filter(|p| !present.contains(&(p.repository_id, p.number)))
            .collect();
        report.already_in_lake -= state.listed.len();
        state.listing_done = true;
        state.next_page = None;
        save_json(store, &state).await?;
    }
    report.merged = state.listed.len();
    progress.written(state.written, state.listed.len());
    while state.written < state.listed.len() {
        let end = (state.written + BATCH).min(state.listed.len());
        let batch = state.listed[state.written..end].to_vec();
        let written = write_pulls(enricher, repository, &batch, destination, options).await?;
        report.written += written.written;
        report.queued += written.queued;
        report.gone.extend(written.gone);
        report.not_enriched += written.not_enriched;
        report.github_requests += written.github_requests;
        state.written = end;
        save_json(store, &state).await?;
        progress.written(state.written, state.listed.len());
    }
    Ok(report)
}

/// Fetches `pulls` from GitHub and hands their `closed` deliveries to
/// `destination` in batches of [`BATCH`]: what `backfill` does per batch,
/// and what `verify --repair` does for the missing ones.
pub async fn write_pulls<D: Destination>(
    enricher: &Enricher,
    repository: &str,
    pulls: &[MergedPull],
    destination: &D,
    options: &BackfillOptions,
) -> Result<BackfillReport, BackfillError> {
    let client = enricher
        .client()
        .ok_or_else(|| BackfillError::NoCredentials(repository.into()))?;
    let mut report = BackfillReport::default();
    for batch in pulls.chunks(BATCH) {
        let mut messages = Vec::with_capacity(batch.len());
        for pull in batch {
            let fetched = waiting_out_rate_limits(MAX_RATE_LIMIT_WAITS, || {
                client.pull(repository, pull.number)
            })
            .await?;
            report.github_requests += 1;
            let Some(object) = fetched else {
                tracing::warn!(
                    number = pull.number,
                    "listed as merged but gone from GitHub now; skipped"
                );
                report.gone.push(pull.number);
                continue;
            };
            let id = delivery_id(pull.repository_id, pull.number);
            let envelope = Envelope::inline(
                &id,
                "pull_request",
                None,
                Utc::now(),
                closed_event_payload(&object),
            );
            messages.push(Message {
                id,
                body: envelope.to_line(),
            });
        }
        let taken = destination.take(messages, enricher, options).await?;
        report.written += taken.rows;
        report.queued += taken.queued;
        report.not_enriched += taken.not_enriched;
        report.github_requests += taken.lookups;
    }
    Ok(report)
}
