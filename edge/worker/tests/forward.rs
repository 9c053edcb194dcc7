//! The Worker's forwarding logic, natively, against a scripted transport.

use std::cell::RefCell;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hooklake_edge_worker::forward::{
    self, check_send_message, ForwardError, SignedRequest, Transport, ATTEMPTS, MAX_MESSAGE_BYTES,
};
use hooklake_edge_worker::settings::Settings;
use hooklake_schema::envelope::{Body, Envelope};
use md5::{Digest, Md5};

fn settings(bucket: Option<&str>) -> Settings {
    Settings::from_lookup(|name| {
        match name {
            "WEBHOOK_SECRET" => Some("s"),
            "SQS_QUEUE_URL" => Some("http://127.0.0.1:9/123456789012/hooklake"),
            "AWS_REGION" => Some("us-east-1"),
            "AWS_ACCESS_KEY_ID" => Some("AKIDEXAMPLE"),
            "AWS_SECRET_ACCESS_KEY" => Some("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            "CLAIM_CHECK_BUCKET" => bucket,
            _ => None,
        }
        .map(str::to_owned)
    })
    .unwrap()
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-27T12:00:00Z")
        .unwrap()
        .to_utc()
}

fn envelope(payload_len: usize) -> Envelope {
    Envelope::inline(
        "d-1",
        "pull_request",
        Some(7),
        now(),
        "x".repeat(payload_len),
    )
}

/// Answers with the scripted responses in order; `None` is a hang (the
/// attempt's whole timeout passes). Time is virtual: hangs and sleeps move
/// its clock.
struct Scripted {
    answers: RefCell<Vec<Option<u16>>>,
    seen: RefCell<Vec<SignedRequest>>,
    slept: RefCell<Vec<Duration>>,
    clock: std::cell::Cell<Duration>,
}

impl Scripted {
    fn new(answers: Vec<Option<u16>>) -> Self {
        Scripted {
            answers: RefCell::new(answers),
            seen: RefCell::default(),
            slept: RefCell::default(),
            clock: std::cell::Cell::new(Duration::ZERO),
        }
    }
}

/// Forwards as the Worker does, the request having arrived at time 0.
fn run(
    t: &Scripted,
    bucket: Option<&str>,
    envelope: Envelope,
) -> Result<forward::Forwarded, ForwardError> {
    pollster::block_on(forward::forward(
        t,
        &settings(bucket),
        envelope,
        now(),
        forward::FORWARD_BUDGET,
    ))
}

impl Transport for Scripted {
    async fn send(
        &self,
        request: &SignedRequest,
        timeout: Duration,
    ) -> Result<(u16, String), String> {
        self.seen.borrow_mut().push(request.clone());
        let next = self.answers.borrow_mut().remove(0);
        match next {
            None => {
                self.clock.set(self.clock.get() + timeout);
                Err(format!("no answer within {} ms", timeout.as_millis()))
            }
            Some(200) if request.method == "POST" => {
                let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
                let sent = body["MessageBody"].as_str().unwrap();
                let md5 = hex::encode(Md5::digest(sent.as_bytes()));
                Ok((
                    200,
                    format!(r#"{{"MD5OfMessageBody":"{md5}","MessageId":"m-1"}}"#),
                ))
            }
            Some(200) => Ok((200, String::new())),
            Some(403) => Ok((403, r#"{"__type":"AccessDenied"}"#.into())),
            Some(status) => Ok((status, "InternalError".into())),
        }
    }
    async fn sleep(&self, duration: Duration) {
        self.slept.borrow_mut().push(duration);
        self.clock.set(self.clock.get() + duration);
    }
    fn now(&self) -> Duration {
        self.clock.get()
    }
}

#[test]
fn send_message_is_a_signed_json_protocol_request() {
    let env = envelope(10);
    let line = env.to_line();
    let req = forward::send_message(&settings(None), &env, &line, now()).unwrap();
    assert_eq!(req.method, "POST");
    assert_eq!(req.url, "http://127.0.0.1:9/");
    let header = |n: &str| {
        req.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("x-amz-target"), Some("AmazonSQS.SendMessage"));
    assert_eq!(header("x-amz-date"), Some("20261127T120000Z"));
    let auth = header("authorization").unwrap();
    assert!(
        auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/sqs/aws4_request"
        ),
        "{auth}"
    );
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["MessageBody"], line);
    assert_eq!(
        body["MessageAttributes"]["delivery_id"]["StringValue"],
        "d-1"
    );
    assert_eq!(
        body["MessageAttributes"]["event"]["StringValue"],
        "pull_request"
    );
}

#[test]
fn answer_must_confirm_the_md5_of_what_was_sent() {
    let md5 = hex::encode(Md5::digest(b"line"));
    let ok = format!(r#"{{"MD5OfMessageBody":"{md5}","MessageId":"m"}}"#);
    assert_eq!(check_send_message(200, &ok, "line"), Ok("m".to_owned()));
    assert!(matches!(
        check_send_message(200, &ok, "other"),
        Err(ForwardError::Md5Mismatch { .. })
    ));
    assert!(check_send_message(500, "", "line")
        .unwrap_err()
        .is_retryable());
    assert!(!check_send_message(403, "AccessDenied", "line")
        .unwrap_err()
        .is_retryable());
}

#[test]
fn sqs_500_then_success_is_retried_with_backoff() {
    let t = Scripted::new(vec![Some(500), None, Some(200)]);
    let done = run(&t, None, envelope(10)).unwrap();
    assert_eq!(done.message_id, "m-1");
    assert_eq!(t.seen.borrow().len(), 3);
    assert_eq!(t.slept.borrow().len(), 2);
}

#[test]
fn sqs_down_gives_up_after_the_attempt_budget() {
    let t = Scripted::new(vec![Some(500); ATTEMPTS as usize]);
    let err = run(&t, None, envelope(10)).unwrap_err();
    assert!(matches!(err, ForwardError::Status { status: 500, .. }));
    assert_eq!(t.seen.borrow().len(), ATTEMPTS as usize);
    let worst: Duration =
        t.slept.borrow().iter().sum::<Duration>() + forward::ATTEMPT_TIMEOUT * ATTEMPTS;
    assert!(
        worst < Duration::from_secs(9),
        "must answer within GitHub's 10 s: {worst:?}"
    );
}

#[test]
fn auth_errors_are_not_retried() {
    let t = Scripted::new(vec![Some(403)]);
    assert!(run(&t, None, envelope(10)).is_err());
    assert_eq!(t.seen.borrow().len(), 1);
}

#[test]
fn oversize_payload_goes_to_s3_and_the_message_points_to_it() {
    let t = Scripted::new(vec![Some(200), Some(200)]);
    let big = envelope(MAX_MESSAGE_BYTES);
    let done = run(&t, Some("lake"), big).unwrap();
    let seen = t.seen.borrow();
    assert_eq!(seen[0].method, "PUT");
    assert_eq!(
        seen[0].url,
        "https://s3.us-east-1.amazonaws.com/lake/claim-check/2026-11-27/d-1.json"
    );
    assert_eq!(seen[0].body.len(), MAX_MESSAGE_BYTES);
    let body: serde_json::Value = serde_json::from_slice(&seen[1].body).unwrap();
    let sent = Envelope::from_line(body["MessageBody"].as_str().unwrap()).unwrap();
    assert_eq!(
        Some(&sent.body),
        done.stored
            .as_ref()
            .map(|s| Body::Stored(s.clone()))
            .as_ref()
    );
    assert!(!forward::needs_claim_check(
        body["MessageBody"].as_str().unwrap()
    ));
}

#[test]
fn oversize_without_a_bucket_is_an_error_not_a_drop() {
    let t = Scripted::new(vec![]);
    let err = run(&t, None, envelope(MAX_MESSAGE_BYTES)).unwrap_err();
    assert!(matches!(err, ForwardError::NoClaimCheckBucket { .. }));
}

#[test]
fn backoff_grows_and_stays_under_its_ceiling() {
    for attempt in 1..=3 {
        let ceiling = Duration::from_millis(100) * 2u32.pow(attempt - 1);
        assert!(forward::backoff("d-1", attempt) <= ceiling);
    }
    assert_ne!(forward::backoff("a", 1), forward::backoff("b", 1));
}

#[test]
fn a_slow_claim_check_and_a_hanging_queue_share_one_budget() {
    // S3 answers only on its fourth try, then SQS hangs: retried in sequence
    // without a shared budget, this took 4 × 1.5 s twice (over 12 s, past
    // GitHub's 10-second timeout).
    let t = Scripted::new(vec![None, None, None, Some(200), None, None, None, None]);
    let err = run(&t, Some("lake"), envelope(MAX_MESSAGE_BYTES)).unwrap_err();
    assert!(matches!(err, ForwardError::OutOfTime { .. }), "{err}");
    assert!(
        t.clock.get() <= forward::FORWARD_BUDGET,
        "answered after {:?}",
        t.clock.get()
    );
    assert!(
        t.seen.borrow().iter().any(|r| r.method == "POST"),
        "SQS was tried"
    );
}

#[test]
fn both_hanging_ends_within_the_budget() {
    let t = Scripted::new(vec![None; 2 * ATTEMPTS as usize]);
    let err = run(&t, Some("lake"), envelope(MAX_MESSAGE_BYTES)).unwrap_err();
    assert!(!matches!(err, ForwardError::Status { .. }));
    assert!(
        t.clock.get() <= forward::FORWARD_BUDGET,
        "{:?}",
        t.clock.get()
    );
}
