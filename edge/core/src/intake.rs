//! The intake: one request from the headers to the answer, the same for
//! every shell (the Worker, `hooklake serve`). Shells bring the I/O behind
//! two seams, a [`HandOff`] that makes an accepted envelope durable (SQS;
//! serve's queue file) and a [`ReplayStore`] of delivery ids accepted
//! before (KV; serve's queue file answers that itself), and carry out the
//! [`Answer`]: its status and body, one log line, one `deliveries` metric.
//!
//! The order is the core's ([`crate::decide`]): nothing is looked up or
//! handed off before the signature is verified. A delivery id is remembered
//! only once the hand-off succeeded, so a delivery answered 503 passes when
//! GitHub redelivers it.

use std::future::Future;

use chrono::{DateTime, Utc};
use hooklake_schema::envelope::Envelope;

use crate::{decide, precheck, Decision, HeaderLookup, Request, WebhookSecrets};

/// What a request is answered: the status, the JSON body, and the outcome
/// and reason its log line and the shared `deliveries` metric carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// `accepted`, `duplicate`, `pong`, `ignored`, `rejected` or `error`
    /// (the `deliveries` metric's values).
    pub outcome: &'static str,
    pub reason: &'static str,
    /// The JSON body.
    pub body: String,
}

impl Answer {
    /// The answer to a decision carried out (an accepted delivery: durable).
    pub fn to(decision: &Decision) -> Answer {
        Answer {
            status: decision.status(),
            outcome: decision.outcome(),
            reason: decision.reason(),
            body: decision.response_body(),
        }
    }

    /// A refusal of the shell's own (its byte budget, a body that did not
    /// arrive), with a message for the sender.
    pub fn refused(status: u16, reason: &'static str, message: &str) -> Answer {
        Answer::with_message(status, "rejected", reason, message)
    }

    /// A failure on this side: `status` is 5xx.
    pub fn error(status: u16, reason: &'static str, message: &str) -> Answer {
        Answer::with_message(status, "error", reason, message)
    }

    fn with_message(
        status: u16,
        outcome: &'static str,
        reason: &'static str,
        message: &str,
    ) -> Answer {
        Answer {
            status,
            outcome,
            reason,
            body: serde_json::json!({"outcome": outcome, "reason": reason, "message": message})
                .to_string(),
        }
    }

    /// An accepted delivery the hand-off did not take: 503, which GitHub
    /// records as a failure it can redeliver.
    pub fn hand_off_failed() -> Answer {
        Answer::error(
            503,
            "queue_unavailable",
            "the delivery could not be made durable; GitHub can redeliver it",
        )
    }
}

/// How a hand-off went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandedOff {
    /// Durable now.
    Stored,
    /// The store already held this delivery id (serve's queue file keeps
    /// ids for the replay window): nothing new was stored.
    AlreadyStored,
}

/// Where an accepted envelope is made durable before the 2xx.
pub trait HandOff {
    /// Stores the envelope, or says why it could not (for the log only:
    /// the answer is [`Answer::hand_off_failed`]).
    fn hand_off(&self, envelope: Envelope) -> impl Future<Output = Result<HandedOff, String>>;
}

/// Delivery ids accepted within [`crate::REPLAY_WINDOW`].
pub trait ReplayStore {
    /// Whether `delivery_id` was accepted before. A store that cannot tell
    /// says `false`: a replay then costs a duplicate row, which compaction
    /// removes, never a lost delivery.
    fn seen(&self, delivery_id: &str) -> impl Future<Output = bool>;
    /// Remembers an accepted delivery id (called only after its hand-off).
    fn remember(&self, delivery_id: &str) -> impl Future<Output = ()>;
}

/// For a shell whose hand-off remembers ids itself (serve's queue file).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoReplayStore;

impl ReplayStore for NoReplayStore {
    async fn seen(&self, _delivery_id: &str) -> bool {
        false
    }
    async fn remember(&self, _delivery_id: &str) {}
}

/// The delivery id a request claims, cut to a GUID's length for logs
/// (unverified: the core checks it only for accepted deliveries).
pub fn claimed_delivery(headers: &dyn HeaderLookup) -> &str {
    headers
        .header("x-github-delivery")
        .map_or("-", |value| cut(value, 64))
}

/// `value` cut to `max` characters, on a character boundary (header values
/// may be any UTF-8).
pub fn cut(value: &str, max: usize) -> &str {
    match value.char_indices().nth(max) {
        Some((end, _)) => &value[..end],
        None => value,
    }
}

/// What the headers alone decide (a wrong method, an oversize
/// `Content-Length`): answered without reading the body. `None`: read it
/// and call [`Intake::receive`].
pub fn answer_unread(method: &str, headers: &dyn HeaderLookup) -> Option<Answer> {
    precheck(method, headers).map(|decision| Answer::to(&decision))
}

/// What became of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub answer: Answer,
    /// Why the hand-off failed, for the shell's log (never answered: it may
    /// name a queue or a path).
    pub hand_off_error: Option<String>,
}

/// The intake of one shell: its secrets and its two stores.
pub struct Intake<'a, R, H> {
    pub secrets: &'a WebhookSecrets,
    pub replays: &'a R,
    pub hand_off: &'a H,
}

impl<R: ReplayStore, H: HandOff> Intake<'_, R, H> {
    /// Decides on a request whose body was read, and carries the decision
    /// out: a replay is answered `duplicate`, an accepted envelope is
    /// handed off (503 if that fails) and only then remembered.
    ///
    /// The body is decided on before the returned future starts, so the
    /// future holds no header or body (serve's handlers must be `Send`).
    pub fn receive(
        &self,
        method: &str,
        headers: &dyn HeaderLookup,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> impl Future<Output = Received> + '_ {
        let decision = decide(&Request::new(method, headers, body), self.secrets, now);
        self.carry_out(decision)
    }

    /// Carries out a decision: see [`Intake::receive`].
    pub async fn carry_out(&self, decision: Decision) -> Received {
        let answer = Answer::to(&decision);
        let Decision::Accept(envelope) = decision else {
            return Received {
                answer,
                hand_off_error: None,
            };
        };
        let delivery_id = envelope.delivery_id.clone();
        if self.replays.seen(&delivery_id).await {
            return Received {
                answer: Answer::to(&Decision::Duplicate(delivery_id)),
                hand_off_error: None,
            };
        }
        match self.hand_off.hand_off(envelope).await {
            Ok(HandedOff::Stored) => {
                self.replays.remember(&delivery_id).await;
                Received {
                    answer,
                    hand_off_error: None,
                }
            }
            Ok(HandedOff::AlreadyStored) => Received {
                answer: Answer::to(&Decision::Duplicate(delivery_id)),
                hand_off_error: None,
            },
            Err(error) => Received {
                answer: Answer::hand_off_failed(),
                hand_off_error: Some(error),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    //! The intake's rules, for every shell: the Worker's KV and SQS and
    //! serve's queue file are stand-ins here.

    use std::cell::RefCell;
    use std::collections::HashSet;

    use super::*;
    use crate::signature::sign;

    const SECRET: &str = "It's a Secret to Everybody";

    /// A replay store and a hand-off in memory, with a switch that makes
    /// the hand-off fail.
    #[derive(Default)]
    struct Memory {
        remembered: RefCell<HashSet<String>>,
        stored: RefCell<Vec<String>>,
        down: std::cell::Cell<bool>,
    }

    impl ReplayStore for Memory {
        async fn seen(&self, delivery_id: &str) -> bool {
            self.remembered.borrow().contains(delivery_id)
        }
        async fn remember(&self, delivery_id: &str) {
            self.remembered.borrow_mut().insert(delivery_id.to_owned());
        }
    }

    impl HandOff for Memory {
        async fn hand_off(&self, envelope: Envelope) -> Result<HandedOff, String> {
            if self.down.get() {
                return Err("SendMessage timed out".into());
            }
            self.stored.borrow_mut().push(envelope.delivery_id);
            Ok(HandedOff::Stored)
        }
    }

    fn merged(delivery: &str) -> (Vec<(String, String)>, Vec<u8>) {
        let body = br#"{"action":"closed","number":7,"pull_request":{"id":1,"number":7,"title":"Fix","merged":true,"merged_at":"2026-11-27T10:00:00Z","html_url":"u","base":{"ref":"main"},"head":{"ref":"fix"}},"repository":{"id":42,"full_name":"o/r"}}"#.to_vec();
        let headers = vec![
            ("content-type".into(), "application/json".into()),
            ("x-github-event".into(), "pull_request".into()),
            ("x-github-delivery".into(), delivery.into()),
            ("x-hub-signature-256".into(), sign(SECRET.as_bytes(), &body)),
        ];
        (headers, body)
    }

    fn receive(memory: &Memory, headers: &dyn HeaderLookup, body: &[u8]) -> Received {
        let secrets = WebhookSecrets::new([SECRET]);
        let intake = Intake {
            secrets: &secrets,
            replays: memory,
            hand_off: memory,
        };
        block_on(intake.receive("POST", headers, body, now()))
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_237_600, 0).unwrap()
    }

    /// The intake's futures never wait on anything outside these stand-ins.
    fn block_on<F: Future>(future: F) -> F::Output {
        use std::task::{Context, Poll, Waker};
        let mut future = std::pin::pin!(future);
        let mut context = Context::from_waker(Waker::noop());
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("the stand-ins never wait"),
        }
    }

    #[test]
    fn a_replay_is_a_duplicate_and_is_not_handed_off_again() {
        let memory = Memory::default();
        let (headers, body) = merged("d-1");
        assert_eq!(receive(&memory, &headers, &body).answer.status, 202);
        let again = receive(&memory, &headers, &body).answer;
        assert_eq!((again.status, again.outcome), (200, "duplicate"));
        assert_eq!(*memory.stored.borrow(), ["d-1"]);
    }

    #[test]
    fn a_failed_hand_off_is_503_and_not_remembered_so_a_redelivery_passes() {
        let memory = Memory::default();
        let (headers, body) = merged("d-2");
        memory.down.set(true);
        let failed = receive(&memory, &headers, &body);
        assert_eq!(
            (failed.answer.status, failed.answer.reason),
            (503, "queue_unavailable")
        );
        assert_eq!(
            failed.hand_off_error.as_deref(),
            Some("SendMessage timed out")
        );
        assert!(memory.remembered.borrow().is_empty());
        memory.down.set(false);
        let redelivered = receive(&memory, &headers, &body).answer;
        assert_eq!((redelivered.status, redelivered.outcome), (202, "accepted"));
        assert!(memory.remembered.borrow().contains("d-2"));
    }

    #[test]
    fn a_bad_signature_is_401_and_touches_no_store() {
        let memory = Memory::default();
        let (mut headers, body) = merged("d-3");
        headers[3].1 = sign(b"another secret", &body);
        let refused = receive(&memory, &headers, &body).answer;
        assert_eq!((refused.status, refused.reason), (401, "bad_signature"));
        assert!(memory.stored.borrow().is_empty() && memory.remembered.borrow().is_empty());
    }

    #[test]
    fn oversize_is_413_before_the_body_and_after_it() {
        let declared = [("content-length", "26214401")];
        let unread = answer_unread("POST", &declared).unwrap();
        assert_eq!((unread.status, unread.reason), (413, "payload_too_large"));
        // Sent without a Content-Length: the body itself is measured.
        let memory = Memory::default();
        let (headers, _) = merged("d-4");
        let body = vec![b' '; crate::MAX_BODY_BYTES + 1];
        assert_eq!(receive(&memory, &headers, &body).answer.status, 413);
        assert!(memory.stored.borrow().is_empty());
    }

    #[test]
    fn a_store_that_already_held_the_id_makes_a_duplicate() {
        struct Held;
        impl HandOff for Held {
            async fn hand_off(&self, _envelope: Envelope) -> Result<HandedOff, String> {
                Ok(HandedOff::AlreadyStored)
            }
        }
        let (headers, body) = merged("d-5");
        let secrets = WebhookSecrets::new([SECRET]);
        let intake = Intake {
            secrets: &secrets,
            replays: &NoReplayStore,
            hand_off: &Held,
        };
        let answer = block_on(intake.receive("POST", &headers, &body, now())).answer;
        assert_eq!((answer.status, answer.outcome), (200, "duplicate"));
    }

    #[test]
    fn claimed_ids_are_cut_on_character_boundaries() {
        assert_eq!(claimed_delivery(&[("x-github-delivery", "ééé")]), "ééé");
        let long = "a".repeat(100);
        assert_eq!(
            claimed_delivery(&[("x-github-delivery", long.as_str())]).len(),
            64
        );
        assert_eq!(claimed_delivery(&[("x", "y")]), "-");
        assert_eq!(cut("ééé", 2), "éé");
    }
}
