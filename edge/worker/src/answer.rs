//! What the Worker adds to the intake's [`Answer`] (pure): where the
//! request came from ([`Source`]) and the alert an answer raises. `glue`
//! only carries it out.

pub use hooklake_edge::intake::Answer;

use crate::allowlist::Source;

/// An alert to raise: its queue message attribute and its `kind` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertKind {
    pub attribute: &'static str,
    pub kind: &'static str,
}

/// The answer for a request from `source`: an unsigned (401) request from
/// outside GitHub's ranges is refused as such (403 `ip_not_allowed`), so it
/// is counted apart from a bad signature from GitHub's own addresses.
///
/// ```
/// use hooklake_edge::{intake::Answer, Decision, Rejection};
/// use hooklake_edge_worker::{allowlist::Source, answer::from_source};
/// let forged = Answer::to(&Decision::Rejected(Rejection::BadSignature));
/// assert_eq!(from_source(forged.clone(), Source::GitHub).status, 401);
/// let outside = from_source(forged, Source::Outside);
/// assert_eq!((outside.status, outside.reason), (403, "ip_not_allowed"));
/// ```
pub fn from_source(answer: Answer, source: Source) -> Answer {
    if source == Source::Outside && answer.status == 401 {
        Answer::refused(
            403,
            "ip_not_allowed",
            "not from GitHub's webhook addresses, and not signed",
        )
    } else {
        answer
    }
}

/// A setting is missing: 500 (the log names it; the answer does not).
pub fn misconfigured() -> Answer {
    Answer::error(
        500,
        "misconfigured",
        "the Worker is missing a setting; see its logs",
    )
}

/// The alert an answer raises (rate-limited by the caller): every
/// rejection (4xx) and every failure (5xx); none for a 2xx.
pub fn alert(answer: &Answer) -> Option<AlertKind> {
    match answer.status {
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

/// A correctly signed delivery from outside GitHub's published ranges is
/// accepted (the signature is the gate), but says the ranges may be stale.
pub fn allowlist_looks_stale(answer: &Answer, source: Source) -> bool {
    source == Source::Outside && answer.status < 400
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooklake_edge::{Decision, IgnoreReason, Rejection};
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
            let answer = from_source(Answer::to(&decision), source);
            assert_eq!(
                (answer.status, answer.outcome, answer.reason),
                (status, outcome, reason),
                "{decision:?} from {source:?}"
            );
            assert_eq!(super::alert(&answer).map(|a| a.attribute), alert);
            let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
            assert_eq!(
                (body["outcome"].as_str(), body["reason"].as_str()),
                (Some(outcome), Some(reason))
            );
        }
    }

    #[test]
    fn failures_are_errors_that_alert() {
        let down = Answer::hand_off_failed();
        assert_eq!(
            (down.status, down.outcome, down.reason),
            (503, "error", "queue_unavailable")
        );
        assert_eq!(super::alert(&down).unwrap().kind, "hooklake.edge.error");
        assert_eq!(misconfigured().status, 500);
    }

    #[test]
    fn only_an_accepted_delivery_from_outside_says_the_allowlist_is_stale() {
        let ok = from_source(Answer::to(&Decision::Pong), Source::Outside);
        assert!(allowlist_looks_stale(&ok, Source::Outside));
        assert!(!allowlist_looks_stale(&ok, Source::GitHub));
        let refused = from_source(
            Answer::to(&Decision::Rejected(Rejection::BadSignature)),
            Source::Outside,
        );
        assert!(!allowlist_looks_stale(&refused, Source::Outside));
    }
}
