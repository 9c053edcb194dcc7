//! hooklake's edge core: what to do with one GitHub webhook delivery.
//!
//! [`decide`] takes a request (method, headers, body), the active webhook
//! secrets and the current time, and returns one [`Decision`]. It does no I/O
//! and reads no clock, so the same code runs natively (`hooklake serve`,
//! tests, benchmarks) and as wasm32 in the Cloudflare Worker.
//!
//! [`intake::Intake`] carries a decision out for every shell (the Worker,
//! `hooklake serve`): the replay check, the durable hand-off, the answer.
//!
//! The order of checks is a security property: nothing about the body is
//! parsed, and no header other than the signature is trusted, until the
//! HMAC-SHA256 signature has been verified in constant time. Unauthenticated
//! callers only ever learn 401, 405 or 413.
//!
//! ```
//! use hooklake_edge::{decide, Decision, Request, WebhookSecrets};
//! let secrets = WebhookSecrets::new(["It's a Secret to Everybody"]);
//! let body = br#"{"zen":"Keep it logically awesome.","hook_id":1}"#;
//! let signature = hooklake_edge::signature::sign(b"It's a Secret to Everybody", body);
//! let headers = [
//!     ("Content-Type", "application/json"),
//!     ("X-GitHub-Event", "ping"),
//!     ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
//!     ("X-Hub-Signature-256", signature.as_str()),
//! ];
//! let decision = decide(&Request::new("POST", &headers, body), &secrets, chrono::Utc::now());
//! assert!(matches!(decision, Decision::Pong));
//! assert_eq!(decision.status(), 200);
//! ```

pub mod content;
pub mod decision;
pub mod headers;
pub mod intake;
pub mod signature;

use chrono::{DateTime, Utc};
use hooklake_schema::envelope::Envelope;
use hooklake_schema::payload::{ExtractError, PullRequestEvent};

pub use decision::{Decision, IgnoreReason, Rejection};
pub use headers::HeaderLookup;
pub use signature::WebhookSecrets;

/// GitHub caps webhook payloads at 25 MB; anything larger is not from GitHub.
pub const MAX_BODY_BYTES: usize = 25 * 1024 * 1024;

/// One incoming HTTP request, as the edge core sees it.
pub struct Request<'a> {
    pub method: &'a str,
    pub headers: &'a dyn HeaderLookup,
    pub body: &'a [u8],
}

impl<'a> Request<'a> {
    pub fn new(method: &'a str, headers: &'a dyn HeaderLookup, body: &'a [u8]) -> Self {
        Request {
            method,
            headers,
            body,
        }
    }
}

/// How long an accepted delivery id is remembered (serve's queue file, the
/// Worker's `DELIVERIES` KV namespace) to answer a replay of it
/// [`Decision::Duplicate`]: GitHub signs no timestamp, so a captured signed
/// delivery verifies forever. GitHub resends only deliveries that got no
/// 2xx, and keeps them three days.
pub const REPLAY_WINDOW: std::time::Duration = std::time::Duration::from_secs(72 * 3600);

/// What can be refused before the body is read: a method other than POST,
/// or a `Content-Length` over [`MAX_BODY_BYTES`]. Shells call it on the
/// headers alone, so a wrong or oversize request never costs its bytes;
/// [`decide`] checks the same again on what was read (a body may be sent
/// without a `Content-Length`).
///
/// ```
/// use hooklake_edge::{precheck, Decision};
/// let headers = [("content-length", "999999999")];
/// assert_eq!(precheck("POST", &headers).map(|d| d.status()), Some(413));
/// assert_eq!(precheck("GET", &[("content-length", "2")]).map(|d| d.status()), Some(405));
/// assert!(precheck("POST", &[("content-length", "2")]).is_none());
/// ```
pub fn precheck(method: &str, headers: &dyn HeaderLookup) -> Option<Decision> {
    if !method.eq_ignore_ascii_case("POST") {
        return Some(Decision::Rejected(Rejection::MethodNotAllowed));
    }
    let declared: u64 = headers.header("content-length")?.trim().parse().ok()?;
    (declared > MAX_BODY_BYTES as u64).then_some(Decision::Rejected(Rejection::PayloadTooLarge))
}

/// Decides what to do with one delivery. See the crate docs for the order of
/// checks; [`Decision::status`] gives the HTTP status to answer with.
///
/// The signature is checked here with the native HMAC
/// ([`signature::matches`]); a shell with a faster HMAC of its own (the
/// Worker's WebCrypto) takes the same steps apart: [`signed`], its own
/// check of [`Signed::digest`], then [`Signed::decide`].
pub fn decide(request: &Request<'_>, secrets: &WebhookSecrets, now: DateTime<Utc>) -> Decision {
    match signed(request) {
        Ok(signed) => {
            let matched = signature::matches(secrets, signed.body(), signed.digest());
            signed.decide(matched, now)
        }
        Err(rejection) => Decision::Rejected(rejection),
    }
}

/// A request that passed every check before the signature's own: POST,
/// within [`MAX_BODY_BYTES`], with a well-formed `X-Hub-Signature-256`.
/// Nothing else about it has been read.
pub struct Signed<'r, 'a> {
    request: &'r Request<'a>,
    digest: [u8; 32],
}

/// The checks before the signature is verified (method, size, the
/// signature header's form): a refusal, or the [`Signed`] request whose
/// digest the caller verifies.
pub fn signed<'r, 'a>(request: &'r Request<'a>) -> Result<Signed<'r, 'a>, Rejection> {
    if !request.method.eq_ignore_ascii_case("POST") {
        return Err(Rejection::MethodNotAllowed);
    }
    if request.body.len() > MAX_BODY_BYTES {
        return Err(Rejection::PayloadTooLarge);
    }
    let digest = signature::claimed(request.headers)?;
    Ok(Signed { request, digest })
}

impl Signed<'_, '_> {
    /// The HMAC-SHA256 the sender claims for [`Signed::body`].
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }

    /// The raw body the digest is over.
    pub fn body(&self) -> &[u8] {
        self.request.body
    }

    /// The decision, given whether the digest matched an active secret
    /// (checked in constant time by the caller): 401 if not; otherwise the
    /// body and headers are read, now authenticated.
    pub fn decide(self, matched: bool, now: DateTime<Utc>) -> Decision {
        if !matched {
            return Decision::Rejected(Rejection::BadSignature);
        }
        match decide_authenticated(self.request, now) {
            Ok(decision) => decision,
            Err(rejection) => Decision::Rejected(rejection),
        }
    }
}

fn decide_authenticated(request: &Request<'_>, now: DateTime<Utc>) -> Result<Decision, Rejection> {
    let payload = content::decode(request.headers, request.body)?;
    let github = headers::GitHubHeaders::read(request.headers)?;

    match github.event {
        "ping" => {
            require_json(&payload)?;
            Ok(Decision::Pong)
        }
        "pull_request" => {
            let event = PullRequestEvent::parse(&payload).map_err(|err| match err {
                ExtractError::Malformed(e) if e.is_syntax() || e.is_eof() => Rejection::InvalidJson,
                _ => Rejection::MalformedPayload,
            })?;
            match event.merged() {
                Ok(_) => {}
                Err(ExtractError::NotMerged { .. }) => {
                    return Ok(Decision::Ignored(if event.action.as_str() == "closed" {
                        IgnoreReason::ClosedWithoutMerge
                    } else {
                        IgnoreReason::ActionNotClosed
                    }))
                }
                Err(ExtractError::MissingField(_)) | Err(ExtractError::Malformed(_)) => {
                    return Err(Rejection::IncompletePullRequest)
                }
            }
            Ok(Decision::Accept(Envelope::inline(
                github.delivery_id,
                github.event,
                github.hook_id,
                now,
                payload.into_owned(),
            )))
        }
        _ => {
            require_json(&payload)?;
            Ok(Decision::Ignored(IgnoreReason::EventNotPullRequest))
        }
    }
}

/// Events hooklake does not keep are still answered only if they are JSON.
fn require_json(payload: &str) -> Result<(), Rejection> {
    serde_json::from_str::<serde::de::IgnoredAny>(payload)
        .map(drop)
        .map_err(|_| Rejection::InvalidJson)
}
