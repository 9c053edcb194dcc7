//! The one outcome of [`crate::decide`], with its HTTP status and reason.

use hooklake_schema::envelope::Envelope;

/// What to do with a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// A merged pull request: make the envelope durable, then answer 2xx.
    Accept(Envelope),
    /// GitHub's `ping` when a webhook is created: answer 200.
    Pong,
    /// Authentic, but not something hooklake keeps: answer 2xx so GitHub
    /// does not show a failure.
    Ignored(IgnoreReason),
    /// Not acceptable: answer the rejection's 4xx status.
    Rejected(Rejection),
    /// A delivery id accepted before, within the replay window: answer 200
    /// and keep nothing. GitHub never resends a delivery it got a 2xx for,
    /// so this is a replay (or a person's redelivery of one already kept).
    /// Shells turn an [`Decision::Accept`] into this after their lookup.
    Duplicate(String),
}

/// Why an authentic delivery is not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IgnoreReason {
    EventNotPullRequest,
    ActionNotClosed,
    ClosedWithoutMerge,
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("method not allowed: webhooks are POSTed")]
    MethodNotAllowed,
    #[error("body over GitHub's 25 MB payload cap")]
    PayloadTooLarge,
    #[error("no X-Hub-Signature-256 header")]
    MissingSignature,
    #[error("only an X-Hub-Signature (SHA-1) header; SHA-1 signatures are not accepted")]
    Sha1SignatureOnly,
    #[error("X-Hub-Signature-256 is not `sha256=` followed by 64 hex digits")]
    MalformedSignature,
    #[error("signature does not match any active webhook secret")]
    BadSignature,
    #[error("content type is neither application/json nor application/x-www-form-urlencoded")]
    UnsupportedContentType,
    #[error("form-encoded body has no `payload` field")]
    MissingFormPayload,
    #[error("missing or malformed X-GitHub-Event header")]
    BadEventHeader,
    #[error("missing or malformed X-GitHub-Delivery header")]
    BadDeliveryHeader,
    #[error("malformed X-GitHub-Hook-ID header")]
    BadHookIdHeader,
    #[error("body is not valid UTF-8 JSON")]
    InvalidJson,
    #[error("JSON is not shaped like a pull_request event")]
    MalformedPayload,
    #[error("merged pull request payload lacks a required field")]
    IncompletePullRequest,
}

impl Rejection {
    /// The HTTP status to answer with.
    pub fn status(self) -> u16 {
        use Rejection::*;
        match self {
            MethodNotAllowed => 405,
            PayloadTooLarge => 413,
            MissingSignature | Sha1SignatureOnly | MalformedSignature | BadSignature => 401,
            UnsupportedContentType => 415,
            MissingFormPayload
            | BadEventHeader
            | BadDeliveryHeader
            | BadHookIdHeader
            | InvalidJson
            | MalformedPayload
            | IncompletePullRequest => 400,
        }
    }

    /// A short machine-readable reason.
    pub fn reason(self) -> &'static str {
        use Rejection::*;
        match self {
            MethodNotAllowed => "method_not_allowed",
            PayloadTooLarge => "payload_too_large",
            MissingSignature => "missing_signature",
            Sha1SignatureOnly => "sha1_signature_not_accepted",
            MalformedSignature => "malformed_signature",
            BadSignature => "bad_signature",
            UnsupportedContentType => "unsupported_content_type",
            MissingFormPayload => "missing_form_payload",
            BadEventHeader => "bad_event_header",
            BadDeliveryHeader => "bad_delivery_header",
            BadHookIdHeader => "bad_hook_id_header",
            InvalidJson => "invalid_json",
            MalformedPayload => "malformed_payload",
            IncompletePullRequest => "incomplete_pull_request",
        }
    }
}

impl IgnoreReason {
    /// A short machine-readable reason.
    pub fn reason(self) -> &'static str {
        match self {
            IgnoreReason::EventNotPullRequest => "event_not_pull_request",
            IgnoreReason::ActionNotClosed => "action_not_closed",
            IgnoreReason::ClosedWithoutMerge => "closed_without_merge",
        }
    }
}

impl Decision {
    /// The HTTP status once the decision is carried out (for [`Decision::Accept`],
    /// once the envelope is durable; a shell that fails to make it durable
    /// answers 503 instead).
    pub fn status(&self) -> u16 {
        match self {
            Decision::Accept(_) => 202,
            Decision::Pong | Decision::Ignored(_) | Decision::Duplicate(_) => 200,
            Decision::Rejected(rejection) => rejection.status(),
        }
    }

    /// `accepted`, `pong`, `ignored`, `duplicate` or `rejected`.
    pub fn outcome(&self) -> &'static str {
        match self {
            Decision::Accept(_) => "accepted",
            Decision::Duplicate(_) => "duplicate",
            Decision::Pong => "pong",
            Decision::Ignored(_) => "ignored",
            Decision::Rejected(_) => "rejected",
        }
    }

    /// A short machine-readable reason.
    pub fn reason(&self) -> &'static str {
        match self {
            Decision::Accept(_) => "merged_pull_request",
            Decision::Duplicate(_) => "already_accepted",
            Decision::Pong => "ping",
            Decision::Ignored(reason) => reason.reason(),
            Decision::Rejected(rejection) => rejection.reason(),
        }
    }

    /// The JSON body to answer with, e.g. `{"outcome":"rejected","reason":"bad_signature"}`.
    pub fn response_body(&self) -> String {
        let mut body = serde_json::json!({ "outcome": self.outcome(), "reason": self.reason() });
        match self {
            Decision::Accept(envelope) => body["delivery_id"] = envelope.delivery_id.clone().into(),
            Decision::Duplicate(id) => body["delivery_id"] = id.clone().into(),
            _ => {}
        }
        if let Decision::Rejected(rejection) = self {
            body["message"] = rejection.to_string().into();
        }
        body.to_string()
    }
}
