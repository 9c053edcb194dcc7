//! What the Worker answers, decided without I/O: the edge core's
//! [`Decision`], where the request came from ([`Source`]) and whether
//! forwarding worked become one [`Answer`]: the status, the JSON body, the
//! outcome and reason its log line and metrics carry, and the alert it
//! raises. `glue` only carries it out.

use hooklake_edge::Decision;

use crate::allowlist::Source;

/// One answer and what goes with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// `accepted`, `duplicate`, `pong`, `ignored`, `rejected` or `error`
    /// (the shared `deliveries` metric's values).
    pub outcome: &'static str,
    pub reason: &'static str,
    /// The JSON body.
    pub body: String,
}

/// An alert to raise: its queue message attribute and its `kind` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertKind {
    pub attribute: &'static str,
    pub kind: &'static str,
}

impl Answer {
    /// The answer to `decision` for a request from `source` (for an
    /// accepted delivery: once SQS has it; see [`Answer::queue_unavailable`]).
    ///
    /// ```
    /// use hooklake_edge::{Decision, Rejection};
    /// use hooklake_edge_worker::{allowlist::Source, answer::Answer};
    /// let forged = Decision::Rejected(Rejection::BadSignature);
    /// assert_eq!(Answer::to(&forged, Source::GitHub).status, 401);
    /// // Unsigned and from outside GitHub's ranges: counted apart.
    /// let outside = Answer::to(&forged, Source::Outside);
    /// assert_eq!((outside.status, outside.reason), (403, "ip_not_allowed"));
    /// ```
    pub fn to(decision: &Decision, source: Source) -> Answer {
        match (decision, source) {
            (Decision::Rejected(r), Source::Outside) if r.status() == 401 => Answer {
                status: 403,
                outcome: "rejected",
                reason: "ip_not_allowed",
                body: serde_json::json!({"outcome": "rejected", "reason": "ip_not_allowed", "message": "not from GitHub's webhook addresses, and not signed"}).to_string(),
            },
            _ => Answer {
                status: decision.status(),
                outcome: decision.outcome(),
                reason: decision.reason(),
                body: decision.response_body(),
            },
        }
    }

    /// An accepted delivery SQS (or S3) did not take in time: 503, which
    /// GitHub records as a failure it can redeliver.
    pub fn queue_unavailable() -> Answer {
        Answer::error(
            503,
            "queue_unavailable",
            "the delivery could not be queued; GitHub can redeliver it",
        )
    }

    /// A setting is missing: 500 (the log names it; the answer does not).
    pub fn misconfigured() -> Answer {
        Answer::error(
            500,
            "misconfigured",
            "the Worker is missing a setting; see its logs",
        )
    }

    fn error(status: u16, reason: &'static str, message: &str) -> Answer {
        Answer {
            status,
            outcome: "error",
            reason,
            body: serde_json::json!({"outcome": "error", "reason": reason, "message": message})
                .to_string(),
        }
    }

    /// The alert this answer raises (rate-limited by the caller): every
    /// rejection (4xx) and every failure (5xx); none for a 2xx.
    pub fn alert(&self) -> Option<AlertKind> {
        match self.status {
            400..=499 => Some(AlertKind {
                attribute: "rejection",
                kind: "hooklake.edge.rejection",
            }),
            500..=599 => Some(AlertKind {
                attribute: "error",
                kind: "hooklake.edge.error",
            }),
            _ => None,
        }
    }
}

/// A correctly signed delivery from outside GitHub's published ranges is
/// accepted (the signature is the gate), but says the ranges may be stale.
pub fn allowlist_looks_stale(answer: &Answer, source: Source) -> bool {
    source == Source::Outside && answer.status < 400
}

/// A header value cut to `max` characters for an alert's sample (on a
/// character boundary: values may be any UTF-8).
pub fn sample(value: &str, max: usize) -> &str {
    match value.char_indices().nth(max) {
        Some((end, _)) => &value[..end],
        None => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooklake_edge::{IgnoreReason, Rejection};
    use hooklake_schema::envelope::Envelope;

    #[test]
    fn every_decision_and_source_gets_its_answer_and_alert() {
        let accept = Decision::Accept(Envelope::inline(
            "d-1",
            "pull_request",
            None,
            chrono::DateTime::UNIX_EPOCH,
            "{}".to_owned(),
        ));
        let cases = [
            (
                accept,
                Source::GitHub,
                202,
                "accepted",
                "merged_pull_request",
                None,
            ),
            (
                Decision::Duplicate("d-1".into()),
                Source::Unchecked,
                200,
                "duplicate",
                "already_accepted",
                None,
            ),
            (Decision::Pong, Source::Outside, 200, "pong", "ping", None),
            (
                Decision::Ignored(IgnoreReason::ClosedWithoutMerge),
                Source::GitHub,
                200,
                "ignored",
                "closed_without_merge",
                None,
            ),
            (
                Decision::Rejected(Rejection::BadSignature),
                Source::GitHub,
                401,
                "rejected",
                "bad_signature",
                Some("rejection"),
            ),
            (
                Decision::Rejected(Rejection::MissingSignature),
                Source::Outside,
                403,
                "rejected",
                "ip_not_allowed",
                Some("rejection"),
            ),
            // Not a 401: refused for what it is, wherever it came from.
            (
                Decision::Rejected(Rejection::MethodNotAllowed),
                Source::Outside,
                405,
                "rejected",
                "method_not_allowed",
                Some("rejection"),
            ),
        ];
        for (decision, source, status, outcome, reason, alert) in cases {
            let answer = Answer::to(&decision, source);
            assert_eq!(
                (answer.status, answer.outcome, answer.reason),
                (status, outcome, reason),
                "{decision:?} from {source:?}"
            );
            assert_eq!(answer.alert().map(|a| a.attribute), alert);
            let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
            assert_eq!(
                (body["outcome"].as_str(), body["reason"].as_str()),
                (Some(outcome), Some(reason))
            );
        }
    }

    #[test]
    fn failures_are_errors_that_alert() {
        let down = Answer::queue_unavailable();
        assert_eq!(
            (down.status, down.outcome, down.reason),
            (503, "error", "queue_unavailable")
        );
        assert_eq!(down.alert().unwrap().kind, "hooklake.edge.error");
        assert_eq!(Answer::misconfigured().status, 500);
    }

    #[test]
    fn only_an_accepted_delivery_from_outside_says_the_allowlist_is_stale() {
        let ok = Answer::to(&Decision::Pong, Source::Outside);
        assert!(allowlist_looks_stale(&ok, Source::Outside));
        assert!(!allowlist_looks_stale(&ok, Source::GitHub));
        let refused = Answer::to(
            &Decision::Rejected(Rejection::BadSignature),
            Source::Outside,
        );
        assert!(!allowlist_looks_stale(&refused, Source::Outside));
    }

    #[test]
    fn samples_cut_on_character_boundaries() {
        assert_eq!(sample("abcdef", 3), "abc");
        assert_eq!(sample("ééé", 2), "éé");
        assert_eq!(sample("ab", 200), "ab");
    }
}
