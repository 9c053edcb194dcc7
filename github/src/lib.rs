//! The GitHub side of hooklake's enrichment: which files a merged pull
//! request changed, which the webhook payload does not say.
//!
//! - [`files`]: pure: GitHub's file list → [`ChangedFiles`], `Link` paging.
//! - [`rate`]: pure: a response's status and headers → rate limited or not.
//! - [`auth`]: a token, or a GitHub App's key exchanged for installation
//!   tokens (cached until shortly before they expire).
//! - [`client`]: `GET /repos/{owner}/{repo}/pulls/{number}/files`, every page;
//!   a webhook's delivery log and redelivery ([`deliveries`]); a
//!   repository's merged pull requests ([`pulls`]).
//!
//! - [`merged`]: a repository's merged pull requests in a date range,
//!   every page (backfill and verify).
//! - [`redeliver`]: deliveries GitHub failed to make, read from the hook's
//!   log and asked for again, once each; [`state`] keeps its watermark (and
//!   backfill's position) between runs, in a file or (`hooklake-aws`) S3.
//!
//! - [`enrich`]: rows in bulk, one lookup per pull request, until a
//!   deadline, behind a breaker; GitHub's faults become row statuses.
//!
//! Errors are typed so that [`enrich`] can tell refused credentials from
//! an outage from a rate limit.
//!
//! [`ChangedFiles`]: hooklake_schema::row::ChangedFiles

pub mod auth;
pub mod client;
pub mod deliveries;
pub mod files;
pub mod merged;
pub mod pulls;
pub mod rate;
pub mod redeliver;
pub mod state;

use std::time::Duration;

pub use auth::Credentials;
pub use client::{Enrichment, GitHubClient, DEFAULT_API_URL};

/// Why the files of a pull request could not be listed now.
#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    /// Primary or secondary rate limit: try again after `retry_after`.
    #[error("GitHub rate limit reached; retry in {}s", retry_after.as_secs())]
    RateLimited { retry_after: Duration },
    /// GitHub answered 5xx: transient, retry.
    #[error("GitHub answered {status} for {url}")]
    Server { status: u16, url: String },
    /// The request did not complete (DNS, TLS, timeout).
    #[error("cannot reach GitHub at {url}: {message}")]
    Transport { url: String, message: String },
    /// The credentials were refused: fix them (docs/operations.md, "GitHub credentials").
    #[error("GitHub refused the credentials ({status}) for {url}: {message}; fix the GitHub credentials secret")]
    Auth {
        status: u16,
        url: String,
        message: String,
    },
    /// GitHub answered 404: the resource does not exist, or these
    /// credentials may not see it (GitHub does not say which).
    #[error("GitHub answered 404 Not Found for {url}")]
    NotFound { url: String },
    /// The credentials document is malformed.
    #[error("GitHub credentials are malformed: {0}")]
    BadCredentials(String),
    /// Anything else GitHub answered that this client does not expect.
    #[error("GitHub answered {status} for {url}: {message}")]
    Unexpected {
        status: u16,
        url: String,
        message: String,
    },
}

pub mod enrich;
pub use enrich::{EnrichReport, Enricher, DEFAULT_CONCURRENCY};
