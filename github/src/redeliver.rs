//! Deliveries GitHub failed to make, asked for again.
//! (Over 500 lines: the pure plan, the loop around it and the state they
//! share read best together; a third is tests.)
//!
//! GitHub never retries a webhook delivery: when the edge answered 5xx or
//! GitHub's 10-second timeout passed, the event stays in the hook's delivery
//! log (three days) and nowhere else. A run reads the log back to where the
//! last run stopped (the watermark), groups the attempts by `guid`, and asks
//! once for each merged-pull-request candidate with no 2xx attempt to be sent
//! again.
//!
//! - [`plan`] is pure: the attempts read and the saved [`RedeliverState`] →
//!   what to ask for, what is still pending, what has been given up.
//! - [`run`] is the loop around it: read the log, plan, ask (paced, waiting
//!   out rate limits), noting each request in the state before making it,
//!   so a run killed at any moment and started again asks for none twice.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use crate::deliveries::{Hook, HookDelivery};
use crate::rate::{waiting_out_rate_limits, MAX_RATE_LIMIT_WAITS};
use crate::{GitHubClient, GitHubError};
use chrono::{DateTime, Utc};

use crate::state::{load_json, save_json, StateError};
pub use crate::state::{StateFile, StateStore};
use hooklake_schema::metrics::{self, Sample};
use serde::{Deserialize, Serialize};

/// GitHub keeps a hook's deliveries, and redelivers them, for three days.
pub const RETENTION: chrono::Duration = chrono::Duration::days(3);

/// A redelivery GitHub accepted but has not attempted after this long is
/// asked for again.
pub const PENDING_TIMEOUT: chrono::Duration = chrono::Duration::hours(1);

/// How far before the last run's newest attempt the next run reads again:
/// an attempt still running when a run read the log (GitHub waits 10 s for
/// an answer) may be listed later under an older id.
pub const WATERMARK_OVERLAP: chrono::Duration = chrono::Duration::minutes(10);

/// Redeliveries asked for one guid before it is left to a person (the
/// edge keeps refusing it: look at the hook's log and the edge's alerts).
pub const MAX_REQUESTS: u32 = 5;

/// Pause between two redelivery requests: GitHub's secondary rate limits
/// count a POST several times a GET and ask for one at a time.
pub const DEFAULT_PACE: Duration = Duration::from_secs(1);

/// What a run leaves for the next one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RedeliverState {
    /// The newest attempt id a finished run read; the next run reads the
    /// log back to here and [`WATERMARK_OVERLAP`] further.
    pub watermark: Option<u64>,
    /// When the newest attempt that run read was delivered.
    #[serde(default)]
    pub watermark_at: Option<DateTime<Utc>>,
    /// Redeliveries asked for whose outcome the log has not shown yet, by guid.
    #[serde(default)]
    pub requested: BTreeMap<String, Requested>,
}

impl RedeliverState {
    /// Whether a run reading the log newest first has read far enough at
    /// `delivery`: at or below the watermark, and delivered more than
    /// [`WATERMARK_OVERLAP`] before the newest attempt the last run read.
    pub fn is_behind_the_watermark(&self, delivery: &HookDelivery) -> bool {
        self.watermark.is_some_and(|w| delivery.id <= w)
            && self
                .watermark_at
                .is_none_or(|at| delivery.delivered_at < at - WATERMARK_OVERLAP)
    }
}

/// One guid's redelivery requests so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Requested {
    /// The attempt asked to be sent again.
    pub delivery_id: u64,
    /// The guid's newest attempt when it was asked for: an attempt newer
    /// than this is the redelivery's outcome.
    pub newest_attempt: u64,
    pub requested_at: DateTime<Utc>,
    pub requests: u32,
    pub event: String,
    pub action: Option<String>,
}

/// A delivery to ask for again.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub guid: String,
    /// The attempt to redeliver (GitHub redelivers by attempt id).
    pub delivery_id: u64,
    /// The newest attempt of the guid seen.
    pub newest_attempt: u64,
    pub event: String,
    pub action: Option<String>,
    /// How the newest attempt failed (`Invalid HTTP Response: 503`, …).
    pub status: String,
    pub status_code: u16,
    pub delivered_at: DateTime<Utc>,
    /// Redeliveries asked for before this one.
    pub requests: u32,
}

/// What a run found and will do.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Plan {
    /// Ask GitHub to send these again, oldest first.
    pub redeliver: Vec<Candidate>,
    /// Guids asked for earlier whose redelivery has since succeeded.
    pub resolved: Vec<String>,
    /// Guids asked for whose redelivery GitHub has not attempted yet.
    pub pending: Vec<String>,
    /// Guids whose redeliveries failed [`MAX_REQUESTS`] times: a person
    /// must look (the edge keeps refusing them).
    pub given_up: Vec<Candidate>,
    /// Requests older than GitHub's retention, dropped from the state.
    pub expired: Vec<String>,
    /// Failed attempts of events the edge would drop anyway (not a closed
    /// pull request): not asked for.
    pub ignored: usize,
}

/// Whether a delivery could hold a merged pull request: the edge keeps
/// only `pull_request` events whose action is `closed`, so redelivering
/// anything else would only be dropped again. (`action` is absent in
/// older logs: asked for, to be safe.)
pub fn may_hold_a_merge(delivery: &HookDelivery) -> bool {
    delivery.event == "pull_request" && delivery.action.as_deref().is_none_or(|a| a == "closed")
}

/// Decides what to ask for from the attempts read this run (`read`: any
/// order, only those newer than the watermark) and the saved state.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use hooklake_github::deliveries::HookDelivery;
/// use hooklake_github::redeliver::{plan, RedeliverState};
/// let now = Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap();
/// let attempt = |id, guid: &str, code| HookDelivery {
///     id, guid: guid.into(), delivered_at: now, redelivery: false,
///     status: if code == 200 { "OK".into() } else { format!("Invalid HTTP Response: {code}") },
///     status_code: code, event: "pull_request".into(), action: Some("closed".into()),
///     repository_id: Some(1),
/// };
/// let read = [attempt(3, "b", 503), attempt(2, "a", 200), attempt(1, "a", 503)];
/// let plan = plan(&read, &RedeliverState::default(), now);
/// assert_eq!(plan.redeliver.len(), 1);
/// assert_eq!(plan.redeliver[0].guid, "b");
/// ```
pub fn plan(read: &[HookDelivery], state: &RedeliverState, now: DateTime<Utc>) -> Plan {
    let mut by_guid: HashMap<&str, Vec<&HookDelivery>> = HashMap::new();
    let mut plan = Plan::default();
    for delivery in read {
        if may_hold_a_merge(delivery) {
            by_guid.entry(&delivery.guid).or_default().push(delivery);
        } else if !delivery.succeeded() {
            plan.ignored += 1;
        }
    }
    for (guid, attempts) in &by_guid {
        let earlier = state.requested.get(*guid);
        if attempts.iter().any(|a| a.succeeded()) {
            if earlier.is_some() {
                plan.resolved.push((*guid).to_owned());
            }
            continue;
        }
        let newest = attempts
            .iter()
            .max_by_key(|a| a.id)
            .expect("a group is never empty");
        let candidate = Candidate {
            guid: (*guid).to_owned(),
            delivery_id: newest.id,
            newest_attempt: newest.id,
            event: newest.event.clone(),
            action: newest.action.clone(),
            status: newest.status.clone(),
            status_code: newest.status_code,
            delivered_at: newest.delivered_at,
            requests: earlier.map_or(0, |r| r.requests),
        };
        if let Some(earlier) = earlier {
            let attempted_since = newest.id > earlier.newest_attempt;
            if !attempted_since && now - earlier.requested_at < PENDING_TIMEOUT {
                plan.pending.push(candidate.guid);
                continue;
            }
        }
        if now - newest.delivered_at >= RETENTION {
            plan.expired.push(candidate.guid);
        } else if candidate.requests >= MAX_REQUESTS {
            plan.given_up.push(candidate);
        } else {
            plan.redeliver.push(candidate);
        }
    }
    // Requests whose guid has no attempt newer than the watermark.
    for (guid, earlier) in &state.requested {
        if by_guid.contains_key(guid.as_str()) {
            continue;
        }
        let age = now - earlier.requested_at;
        if age >= RETENTION {
            plan.expired.push(guid.clone());
        } else if age < PENDING_TIMEOUT {
            plan.pending.push(guid.clone());
        } else {
            // Accepted but never attempted: ask again.
            let candidate = Candidate {
                guid: guid.clone(),
                delivery_id: earlier.delivery_id,
                newest_attempt: earlier.newest_attempt,
                event: earlier.event.clone(),
                action: earlier.action.clone(),
                status: "redelivery not attempted".into(),
                status_code: 0,
                delivered_at: earlier.requested_at,
                requests: earlier.requests,
            };
            if candidate.requests >= MAX_REQUESTS {
                plan.given_up.push(candidate);
            } else {
                plan.redeliver.push(candidate);
            }
        }
    }
    plan.redeliver.sort_by_key(|c| c.delivery_id);
    plan.given_up.sort_by_key(|c| c.delivery_id);
    plan.resolved.sort();
    plan.pending.sort();
    plan.expired.sort();
    plan
}

/// How a run behaves.
#[derive(Debug, Clone)]
pub struct RedeliverOptions {
    /// Read and plan; ask for nothing and save nothing.
    pub dry_run: bool,
    /// Pause between redelivery requests ([`DEFAULT_PACE`]).
    pub pace: Duration,
}

impl Default for RedeliverOptions {
    fn default() -> Self {
        RedeliverOptions {
            dry_run: false,
            pace: DEFAULT_PACE,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RedeliverReport {
    /// Attempts read from the log (newer than the watermark).
    pub read: usize,
    /// Pages of the log read.
    pub pages: usize,
    pub plan: Plan,
    /// Guids GitHub accepted a redelivery for (all of `plan.redeliver`
    /// unless some failed or this was a dry run).
    pub redelivered: Vec<String>,
    /// Redelivery requests GitHub refused, with its reason.
    pub failed: Vec<(String, String)>,
    /// The watermark saved for the next run.
    pub watermark: Option<u64>,
    pub dry_run: bool,
}

impl RedeliverReport {
    /// Everything asked for was accepted and nothing was given up.
    pub fn is_clean(&self) -> bool {
        self.failed.is_empty() && self.plan.given_up.is_empty()
    }

    /// The run's metrics (one EMF line on AWS).
    pub fn samples(&self) -> Vec<Sample> {
        let outcome =
            |name: &str, n: usize| Sample::labelled(&metrics::REDELIVERIES, name, n as f64);
        vec![
            outcome("requested", self.redelivered.len()),
            outcome("refused", self.failed.len()),
            outcome("given_up", self.plan.given_up.len()),
        ]
    }
}

/// Why a run stopped before it finished (the state is then as the last
/// accepted redelivery left it; the watermark does not move).
#[derive(Debug, thiserror::Error)]
pub enum RedeliverError {
    /// 404 on the log: no such hook, or the credentials may not see it.
    #[error(
        "GitHub answered 404 for the delivery log of {hook}: either the hook does not exist or the \
         credentials lack the permission. Grant {permission}; to find the hook's id, {how_to_find}"
    )]
    HookNotFound {
        hook: Hook,
        permission: &'static str,
        how_to_find: String,
    },
    /// The credentials were refused (401, or 403 without a rate limit).
    #[error("GitHub refused the credentials for {hook}: {source}")]
    Refused {
        hook: Hook,
        #[source]
        source: GitHubError,
    },
    /// Anything else GitHub answered, or could not be reached.
    #[error("cannot read the delivery log of {hook}: {source}")]
    GitHub {
        hook: Hook,
        #[source]
        source: GitHubError,
    },
    /// The state could not be read, parsed or saved.
    #[error("redelivery {0}")]
    State(#[from] StateError),
}

/// Reads `hook`'s log back to the saved watermark, asks GitHub to redeliver
/// what [`plan`] picks, and saves the state for the next run.
pub async fn run<S: StateStore>(
    client: &GitHubClient,
    hook: &Hook,
    store: &S,
    options: &RedeliverOptions,
) -> Result<RedeliverReport, RedeliverError> {
    let mut state: RedeliverState = load_json(
        store,
        "redelivery state",
        "start again from GitHub's whole log",
    )
    .await?
    .unwrap_or_default();
    let mut report = RedeliverReport {
        dry_run: options.dry_run,
        ..RedeliverReport::default()
    };

    let mut read = Vec::new();
    let mut next: Option<String> = None;
    'pages: loop {
        let (page, following) = waiting_out_rate_limits(MAX_RATE_LIMIT_WAITS, || {
            client.deliveries_page(hook, next.as_deref())
        })
        .await
        .map_err(|e| classify(hook, e))?;
        report.pages += 1;
        for delivery in page {
            if state.is_behind_the_watermark(&delivery) {
                break 'pages;
            }
            read.push(delivery);
        }
        match following {
            Some(url) => next = Some(url),
            None => break,
        }
    }
    report.read = read.len();
    let now = Utc::now();
    report.plan = plan(&read, &state, now);
    tracing::info!(
        hook = %hook, read = report.read, to_redeliver = report.plan.redeliver.len(),
        pending = report.plan.pending.len(), given_up = report.plan.given_up.len(),
        "delivery log read"
    );
    if options.dry_run {
        report.watermark = state.watermark;
        return Ok(report);
    }

    for (i, candidate) in report.plan.redeliver.iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(options.pace).await;
        }
        // Noted before asking: a run killed at any moment from here on does
        // not ask for this guid again; if GitHub never got the request, the
        // next run asks again once PENDING_TIMEOUT has passed.
        let earlier = state.requested.insert(
            candidate.guid.clone(),
            Requested {
                delivery_id: candidate.delivery_id,
                newest_attempt: candidate.newest_attempt,
                requested_at: Utc::now(),
                requests: candidate.requests + 1,
                event: candidate.event.clone(),
                action: candidate.action.clone(),
            },
        );
        save_json(store, &state).await?;
        match waiting_out_rate_limits(MAX_RATE_LIMIT_WAITS, || {
            client.redeliver(hook, candidate.delivery_id)
        })
        .await
        {
            Ok(()) => {
                tracing::info!(guid = %candidate.guid, delivery_id = candidate.delivery_id,
                    failed_with = %candidate.status, "redelivery requested");
                report.redelivered.push(candidate.guid.clone());
            }
            Err(error) => {
                // Not asked for after all: the next run asks again.
                match earlier {
                    Some(earlier) => state.requested.insert(candidate.guid.clone(), earlier),
                    None => state.requested.remove(&candidate.guid),
                };
                save_json(store, &state).await?;
                if matches!(
                    error,
                    GitHubError::Auth { .. } | GitHubError::BadCredentials(_)
                ) {
                    return Err(RedeliverError::Refused {
                        hook: hook.clone(),
                        source: error,
                    });
                }
                tracing::warn!(guid = %candidate.guid, %error, "GitHub refused the redelivery; the next run asks again");
                report
                    .failed
                    .push((candidate.guid.clone(), error.to_string()));
            }
        }
    }
    for guid in report.plan.resolved.iter().chain(&report.plan.expired) {
        state.requested.remove(guid);
    }
    for given_up in &report.plan.given_up {
        tracing::error!(guid = %given_up.guid, requests = given_up.requests, status = %given_up.status,
            "redelivered {MAX_REQUESTS} times and still refused: look at the edge's alerts and the hook's log");
    }
    let newest = read.iter().map(|d| d.id).max();
    state.watermark = state.watermark.max(newest);
    state.watermark_at = state
        .watermark_at
        .max(read.iter().map(|d| d.delivered_at).max());
    save_json(store, &state).await?;
    report.watermark = state.watermark;
    Ok(report)
}

fn classify(hook: &Hook, error: GitHubError) -> RedeliverError {
    match error {
        GitHubError::NotFound { .. } => RedeliverError::HookNotFound {
            hook: hook.clone(),
            permission: hook.permission(),
            how_to_find: hook.how_to_find(),
        },
        GitHubError::Auth { .. } | GitHubError::BadCredentials(_) => RedeliverError::Refused {
            hook: hook.clone(),
            source: error,
        },
        _ => RedeliverError::GitHub {
            hook: hook.clone(),
            source: error,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap()
    }

    fn attempt(id: u64, guid: &str, code: u16, action: &str) -> HookDelivery {
        HookDelivery {
            id,
            guid: guid.into(),
            delivered_at: now() - chrono::Duration::minutes(10),
            redelivery: false,
            status: if code == 200 {
                "OK".into()
            } else {
                format!("Invalid HTTP Response: {code}")
            },
            status_code: code,
            event: "pull_request".into(),
            action: Some(action.into()),
            repository_id: Some(1),
        }
    }

    fn requested(delivery_id: u64, newest: u64, minutes_ago: i64, requests: u32) -> Requested {
        Requested {
            delivery_id,
            newest_attempt: newest,
            requested_at: now() - chrono::Duration::minutes(minutes_ago),
            requests,
            event: "pull_request".into(),
            action: Some("closed".into()),
        }
    }

    #[test]
    fn only_closed_pull_requests_without_a_success_are_asked_for() {
        let mut push = attempt(5, "p", 503, "x");
        push.event = "push".into();
        push.action = None;
        let read = [
            attempt(1, "a", 503, "closed"),
            attempt(2, "a", 200, "closed"),
            attempt(3, "b", 0, "closed"),
            attempt(4, "c", 503, "opened"),
            push,
        ];
        let plan = plan(&read, &RedeliverState::default(), now());
        let guids: Vec<_> = plan.redeliver.iter().map(|c| c.guid.as_str()).collect();
        assert_eq!(guids, ["b"]);
        assert_eq!(plan.ignored, 2);
    }

    #[test]
    fn a_request_without_a_newer_attempt_is_pending_then_asked_again() {
        let read = [attempt(3, "b", 503, "closed")];
        let mut state = RedeliverState::default();
        state.requested.insert("b".into(), requested(3, 3, 5, 1));
        assert_eq!(plan(&read, &state, now()).pending, ["b"]);
        state.requested.insert("b".into(), requested(3, 3, 61, 1));
        assert_eq!(plan(&read, &state, now()).redeliver[0].requests, 1);
        // Not in this run's read at all (older than the watermark): the same.
        assert_eq!(plan(&[], &state, now()).redeliver[0].delivery_id, 3);
    }

    #[test]
    fn a_failed_redelivery_is_asked_again_until_the_limit() {
        let mut redelivered = attempt(9, "b", 503, "closed");
        redelivered.redelivery = true;
        let read = [attempt(3, "b", 503, "closed"), redelivered];
        let mut state = RedeliverState::default();
        state.requested.insert("b".into(), requested(3, 3, 5, 1));
        let p = plan(&read, &state, now());
        assert_eq!(p.redeliver[0].delivery_id, 9);
        state
            .requested
            .insert("b".into(), requested(3, 3, 5, MAX_REQUESTS));
        let p = plan(&read, &state, now());
        assert!(p.redeliver.is_empty());
        assert_eq!(p.given_up[0].guid, "b");
    }

    #[test]
    fn a_successful_redelivery_resolves_the_request() {
        let read = [
            attempt(3, "b", 503, "closed"),
            attempt(9, "b", 202, "closed"),
        ];
        let mut state = RedeliverState::default();
        state.requested.insert("b".into(), requested(3, 3, 5, 1));
        let p = plan(&read, &state, now());
        assert_eq!(p.resolved, ["b"]);
        assert!(p.redeliver.is_empty());
    }

    #[test]
    fn a_run_reads_ten_minutes_past_the_watermark() {
        let state = RedeliverState {
            watermark: Some(10),
            watermark_at: Some(now()),
            ..RedeliverState::default()
        };
        let mut late = attempt(9, "x", 503, "closed");
        late.delivered_at = now() - chrono::Duration::minutes(3);
        assert!(
            !state.is_behind_the_watermark(&late),
            "listed late, read again"
        );
        late.delivered_at = now() - chrono::Duration::minutes(11);
        assert!(state.is_behind_the_watermark(&late));
        assert!(!state.is_behind_the_watermark(&attempt(11, "y", 503, "closed")));
        assert!(!RedeliverState::default().is_behind_the_watermark(&late));
    }

    #[test]
    fn requests_past_githubs_retention_expire() {
        let mut state = RedeliverState::default();
        state
            .requested
            .insert("old".into(), requested(3, 3, 3 * 24 * 60 + 1, 1));
        assert_eq!(plan(&[], &state, now()).expired, ["old"]);
    }
}
