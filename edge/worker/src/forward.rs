//! Forwarding an accepted delivery to Amazon SQS, as pure functions plus one
//! async orchestration generic over the transport (the Worker's `fetch`, or
//! a fake in tests).
//!
//! Requests are signed with `aws-sigv4` (the AWS SDK's own signer; the SDK
//! clients themselves do not run in a Worker). The Worker answers 2xx only
//! when SQS confirms the message and the MD5 of the body it reports matches
//! what was sent.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings,
};
use aws_sigv4::sign::v4;
use chrono::{DateTime, Utc};
use hooklake_schema::envelope::{Body, Envelope, StoredPayload};
use md5::Md5;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use crate::settings::Settings;

/// SQS's message size limit (body and attributes).
pub const MAX_MESSAGE_BYTES: usize = 262_144;
/// Room kept for message attributes.
const ATTRIBUTE_ALLOWANCE: usize = 1_024;
/// Tries per request, each bounded by [`ATTEMPT_TIMEOUT`] and all by the
/// request's deadline ([`FORWARD_BUDGET`]).
pub const ATTEMPTS: u32 = 4;
/// Time from a request's arrival to the end of its forwarding (claim check
/// and message together): the answer leaves well inside GitHub's 10-second
/// timeout, with room to read the body and send the answer.
pub const FORWARD_BUDGET: Duration = Duration::from_millis(7_500);
/// No attempt starts with less time left than this: it could not finish.
const MIN_ATTEMPT: Duration = Duration::from_millis(250);
/// Longest wait for one SQS or S3 answer.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(1_500);
/// First backoff; doubled each retry, with full jitter.
const BASE_BACKOFF: Duration = Duration::from_millis(100);
/// Prefix of claim-check object keys.
pub const CLAIM_CHECK_PREFIX: &str = "claim-check/";

/// An HTTP request ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Why a delivery could not be forwarded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ForwardError {
    #[error("cannot sign the request: {0}")]
    Signing(String),
    #[error("{service} answered HTTP {status}: {detail}")]
    Status {
        service: &'static str,
        status: u16,
        detail: String,
    },
    #[error("SQS's answer is not a SendMessage result: {0}")]
    BadAnswer(String),
    #[error("SQS reported MD5 {reported} of the message body, expected {expected}")]
    Md5Mismatch { reported: String, expected: String },
    #[error("no answer: {0}")]
    Transport(String),
    #[error("out of time ({budget_ms} ms for the whole request) after: {last}")]
    OutOfTime {
        budget_ms: u128,
        last: Box<ForwardError>,
    },
    #[error(
        "payload of {size} bytes is too big for an SQS message and CLAIM_CHECK_BUCKET is not set"
    )]
    NoClaimCheckBucket { size: usize },
    #[error("SQS_QUEUE_URL {0} is not an http(s) URL")]
    BadQueueUrl(String),
}

impl ForwardError {
    /// Worth another try: the service was unavailable, throttled or silent.
    pub fn is_retryable(&self) -> bool {
        match self {
            ForwardError::Status { status, detail, .. } => {
                *status >= 500
                    || *status == 429
                    || detail.contains("Throttl")
                    || detail.contains("RequestTimeout")
            }
            ForwardError::Transport(_)
            | ForwardError::Md5Mismatch { .. }
            | ForwardError::BadAnswer(_) => true,
            _ => false,
        }
    }
}

fn system_time(now: DateTime<Utc>) -> SystemTime {
    // Built from the epoch: `SystemTime::now()` does not exist in wasm32.
    UNIX_EPOCH + Duration::from_millis(now.timestamp_millis().max(0) as u64)
}

/// `scheme://host[:port]` of a URL.
fn origin(url: &str) -> Option<&str> {
    let after_scheme = url.find("://")? + 3;
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    (url.starts_with("http://") || url.starts_with("https://")).then(|| &url[..end])
}

fn signed(
    settings: &Settings,
    service: &str,
    url: String,
    mut headers: Vec<(String, String)>,
    body: Vec<u8>,
    now: DateTime<Utc>,
    checksum_header: bool,
) -> Result<SignedRequest, ForwardError> {
    let identity = Credentials::new(
        settings.access_key_id.clone(),
        settings.secret_access_key.expose_secret().to_owned(),
        None,
        None,
        "worker-settings",
    )
    .into();
    let mut signing_settings = SigningSettings::default();
    if checksum_header {
        signing_settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&settings.region)
        .name(service)
        .time(system_time(now))
        .settings(signing_settings)
        .build()
        .map_err(|e| ForwardError::Signing(e.to_string()))?
        .into();
    let method = if service == "s3" { "PUT" } else { "POST" };
    let signable = SignableRequest::new(
        method,
        &url,
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(&body),
    )
    .map_err(|e| ForwardError::Signing(e.to_string()))?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|e| ForwardError::Signing(e.to_string()))?
        .into_parts();
    for (name, value) in instructions.headers() {
        headers.push((name.to_owned(), value.to_owned()));
    }
    Ok(SignedRequest {
        method,
        url,
        headers,
        body,
    })
}

/// The SQS endpoint: `AWS_ENDPOINT_URL`, else the queue URL's origin.
pub fn sqs_endpoint(settings: &Settings) -> Result<String, ForwardError> {
    if let Some(url) = &settings.endpoint_url {
        return Ok(url.clone());
    }
    origin(&settings.queue_url)
        .map(str::to_owned)
        .ok_or_else(|| ForwardError::BadQueueUrl(settings.queue_url.clone()))
}

/// A signed SQS `SendMessage` (AWS JSON protocol) of one envelope line, with
/// the event and delivery id as message attributes.
pub fn send_message(
    settings: &Settings,
    envelope: &Envelope,
    line: &str,
    now: DateTime<Utc>,
) -> Result<SignedRequest, ForwardError> {
    let string = |v: &str| serde_json::json!({"DataType": "String", "StringValue": v});
    let attributes = serde_json::json!({
        "event": string(&envelope.event),
        "delivery_id": string(&envelope.delivery_id),
        "envelope_version": {"DataType": "Number", "StringValue": envelope.v.to_string()},
    });
    send_to(settings, &settings.queue_url, line, attributes, now)
}

/// A signed SQS `SendMessage` of an alert to `queue_url`; `kind`
/// (`rejection`, `error`) becomes a message attribute to filter on.
pub fn send_alert(
    settings: &Settings,
    queue_url: &str,
    kind: &str,
    alert: &str,
    now: DateTime<Utc>,
) -> Result<SignedRequest, ForwardError> {
    let attributes = serde_json::json!({"kind": {"DataType": "String", "StringValue": kind}});
    send_to(settings, queue_url, alert, attributes, now)
}

fn send_to(
    settings: &Settings,
    queue_url: &str,
    message: &str,
    attributes: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<SignedRequest, ForwardError> {
    let body = serde_json::json!({
        "QueueUrl": queue_url,
        "MessageBody": message,
        "MessageAttributes": attributes,
    })
    .to_string();
    let headers = vec![
        (
            "content-type".to_owned(),
            "application/x-amz-json-1.0".to_owned(),
        ),
        (
            "x-amz-target".to_owned(),
            "AmazonSQS.SendMessage".to_owned(),
        ),
    ];
    signed(
        settings,
        "sqs",
        format!("{}/", sqs_endpoint(settings)?),
        headers,
        body.into_bytes(),
        now,
        false,
    )
}

/// Checks SQS's answer to [`send_message`]: HTTP 200 and the MD5 of the body
/// it stored equal to the MD5 of what was sent. Returns the message id.
pub fn check_send_message(status: u16, answer: &str, line: &str) -> Result<String, ForwardError> {
    if status != 200 {
        return Err(ForwardError::Status {
            service: "SQS",
            status,
            detail: answer.chars().take(300).collect(),
        });
    }
    #[derive(serde::Deserialize)]
    struct SendMessageResult {
        #[serde(rename = "MD5OfMessageBody")]
        md5: String,
        #[serde(rename = "MessageId")]
        message_id: String,
    }
    let result: SendMessageResult =
        serde_json::from_str(answer).map_err(|e| ForwardError::BadAnswer(e.to_string()))?;
    let expected = hex::encode(Md5::digest(line.as_bytes()));
    if !result.md5.eq_ignore_ascii_case(&expected) {
        return Err(ForwardError::Md5Mismatch {
            reported: result.md5,
            expected,
        });
    }
    Ok(result.message_id)
}

/// True when the envelope line does not fit in an SQS message.
pub fn needs_claim_check(line: &str) -> bool {
    line.len() > MAX_MESSAGE_BYTES - ATTRIBUTE_ALLOWANCE
}

/// The claim check for an envelope: its S3 key and the pointer that replaces
/// the inline payload. Keys derive from the delivery id, so a redelivery
/// overwrites the same object.
pub fn claim_check(envelope: &Envelope, bucket: &str) -> Option<(String, StoredPayload)> {
    let payload = envelope.inline_payload()?;
    let key = format!(
        "{CLAIM_CHECK_PREFIX}{}/{}.json",
        envelope.received_at.format("%Y-%m-%d"),
        envelope.delivery_id
    );
    Some((
        key.clone(),
        StoredPayload {
            bucket: bucket.to_owned(),
            key,
            size: payload.len() as u64,
            sha256: hex::encode(Sha256::digest(payload.as_bytes())),
        },
    ))
}

/// A signed S3 `PutObject` (path-style) of a claim-checked payload.
pub fn put_object(
    settings: &Settings,
    stored: &StoredPayload,
    payload: &[u8],
    now: DateTime<Utc>,
) -> Result<SignedRequest, ForwardError> {
    let endpoint = settings
        .endpoint_url
        .clone()
        .unwrap_or_else(|| format!("https://s3.{}.amazonaws.com", settings.region));
    let url = format!("{endpoint}/{}/{}", stored.bucket, stored.key);
    let headers = vec![("content-type".to_owned(), "application/json".to_owned())];
    signed(settings, "s3", url, headers, payload.to_vec(), now, true)
}

/// Checks S3's answer to [`put_object`].
pub fn check_put_object(status: u16, answer: &str) -> Result<(), ForwardError> {
    if status == 200 {
        Ok(())
    } else {
        Err(ForwardError::Status {
            service: "S3",
            status,
            detail: answer.chars().take(300).collect(),
        })
    }
}

/// Pause before retry `attempt` (1-based): exponential backoff with full
/// jitter, the jitter derived from `seed` (the delivery id) so no random
/// source is needed and concurrent deliveries still spread out.
pub fn backoff(seed: &str, attempt: u32) -> Duration {
    let ceiling = BASE_BACKOFF * 2u32.pow(attempt.saturating_sub(1));
    let digest = Sha256::digest(format!("{seed}:{attempt}").as_bytes());
    let fraction = u16::from_be_bytes([digest[0], digest[1]]) as u32;
    ceiling * fraction / u16::MAX as u32
}

/// How the Worker (or a test) sends requests and waits.
#[allow(async_fn_in_trait)] // Workers are single-threaded; no Send bound wanted.
pub trait Transport {
    /// Sends a request; `Err` when no answer came within `timeout`.
    async fn send(
        &self,
        request: &SignedRequest,
        timeout: Duration,
    ) -> Result<(u16, String), String>;
    /// Waits.
    async fn sleep(&self, duration: Duration);
    /// The current time, on any fixed origin (deadlines are on this clock).
    fn now(&self) -> Duration;
}

async fn with_retries<T>(
    transport: &impl Transport,
    seed: &str,
    request: &SignedRequest,
    deadline: Duration,
    check: impl Fn(u16, &str) -> Result<T, ForwardError>,
) -> Result<T, ForwardError> {
    let out_of_time = |last: ForwardError| ForwardError::OutOfTime {
        budget_ms: FORWARD_BUDGET.as_millis(),
        last: Box::new(last),
    };
    let mut last = ForwardError::Transport("not attempted".into());
    for attempt in 1..=ATTEMPTS {
        if attempt > 1 {
            let pause = backoff(seed, attempt - 1);
            if transport.now() + pause + MIN_ATTEMPT > deadline {
                return Err(out_of_time(last));
            }
            transport.sleep(pause).await;
        }
        let left = deadline.saturating_sub(transport.now());
        if left < MIN_ATTEMPT {
            return Err(out_of_time(last));
        }
        last = match transport.send(request, ATTEMPT_TIMEOUT.min(left)).await {
            Ok((status, answer)) => match check(status, &answer) {
                Ok(value) => return Ok(value),
                Err(e) => e,
            },
            Err(e) => ForwardError::Transport(e),
        };
        if !last.is_retryable() {
            break;
        }
    }
    Err(last)
}

/// What a forwarded delivery became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forwarded {
    pub message_id: String,
    /// The claim check, when the payload went to S3.
    pub stored: Option<StoredPayload>,
}

/// Forwards an accepted envelope: claim check first if it is too big, then
/// `SendMessage`, each retried with backoff, all before `deadline` (on the
/// transport's clock; the request's arrival + [`FORWARD_BUDGET`]); `Ok`
/// only once SQS confirmed.
pub async fn forward(
    transport: &impl Transport,
    settings: &Settings,
    mut envelope: Envelope,
    now: DateTime<Utc>,
    deadline: Duration,
) -> Result<Forwarded, ForwardError> {
    let seed = envelope.delivery_id.clone();
    let mut line = envelope.to_line();
    let mut stored = None;
    if needs_claim_check(&line) {
        let bucket = settings
            .claim_check_bucket
            .as_deref()
            .ok_or(ForwardError::NoClaimCheckBucket { size: line.len() })?;
        let (_, pointer) =
            claim_check(&envelope, bucket).expect("an inline payload is what made it big");
        let payload = envelope.inline_payload().unwrap_or_default().as_bytes();
        let put = put_object(settings, &pointer, payload, now)?;
        with_retries(transport, &seed, &put, deadline, check_put_object).await?;
        envelope.body = Body::Stored(pointer.clone());
        line = envelope.to_line();
        stored = Some(pointer);
    }
    let request = send_message(settings, &envelope, &line, now)?;
    let message_id = with_retries(transport, &seed, &request, deadline, |status, answer| {
        check_send_message(status, answer, &line)
    })
    .await?;
    Ok(Forwarded { message_id, stored })
}
