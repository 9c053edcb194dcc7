//! The queue message between the edge and ingest.
//!
//! One envelope is one JSON object on one line, so the same text serves as an
//! SQS message body, a row of the local on-disk queue, and a line of a
//! dead-letter dump that `hooklake import` reads back.
//!
//! The GitHub payload travels byte-exact as GitHub signed it, in one of two
//! wire forms chosen when the envelope is written:
//!
//! - `"body":{"json":{...}}` (version 2): the payload's own bytes, embedded
//!   as JSON. GitHub sends compact JSON, so this is the usual form. Nothing
//!   is escaped a second time: the message is smaller, and a reader finds the
//!   payload's text without unescaping it (in a Lambda event, SQS bodies are
//!   themselves JSON strings, so a payload inside a string inside a string
//!   was escaped twice, and unescaping took a large share of decoding).
//! - `"body":{"inline":"..."}` (versions 1 and 2): the payload as a JSON
//!   string, for payloads that cannot be embedded as they are (line breaks,
//!   which would split the envelope's line; surrounding whitespace; or text
//!   that is not JSON).
//!
//! Both decode to [`Body::Inline`]; readers need not know which form came.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// The envelope version this build writes.
pub const ENVELOPE_VERSION: u32 = 2;

/// The oldest envelope version this build reads.
pub const OLDEST_READABLE_VERSION: u32 = 1;

/// One accepted delivery on its way to the lake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// Envelope format version ([`ENVELOPE_VERSION`]).
    pub v: u32,
    /// `X-GitHub-Delivery`: GitHub's id of this delivery (redeliveries keep it).
    pub delivery_id: String,
    /// `X-GitHub-Event`, e.g. `pull_request`.
    pub event: String,
    /// `X-GitHub-Hook-ID`, when GitHub sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook_id: Option<u64>,
    /// When the edge received the delivery.
    pub received_at: DateTime<Utc>,
    /// The payload itself, or where it was stored.
    pub body: Body,
}

/// Where an envelope's payload is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// The JSON payload, byte-exact as GitHub sent it (form-encoded deliveries
    /// carry the decoded `payload=` value).
    Inline(String),
    /// Claim check: the payload was too big for a queue message and was stored
    /// in an object store first.
    Stored(StoredPayload),
}

/// [`Body`] as written: an inline payload is embedded as JSON when it can be.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum BodyOut<'a> {
    Json(&'a RawValue),
    Inline(&'a str),
    Stored(&'a StoredPayload),
}

/// [`Body`] as read: either form of an inline payload.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum BodyIn {
    Json(Box<RawValue>),
    Inline(String),
    Stored(StoredPayload),
}

/// The payload as embeddable JSON, if its bytes can stand in the envelope
/// as they are: valid JSON, on one line, with no whitespace around it (which
/// the embedded form would not keep).
fn embeddable(payload: &str) -> Option<&RawValue> {
    if payload.contains(['\n', '\r']) {
        return None;
    }
    let raw: &RawValue = serde_json::from_str(payload).ok()?;
    (raw.get().len() == payload.len()).then_some(raw)
}

impl Serialize for Body {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Body::Inline(payload) => match embeddable(payload) {
                Some(raw) => BodyOut::Json(raw),
                None => BodyOut::Inline(payload),
            },
            Body::Stored(stored) => BodyOut::Stored(stored),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Body {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match BodyIn::deserialize(deserializer)? {
            BodyIn::Json(raw) => Body::Inline(Box::<str>::from(raw).into()),
            BodyIn::Inline(payload) => Body::Inline(payload),
            BodyIn::Stored(stored) => Body::Stored(stored),
        })
    }
}

/// Pointer to a payload kept outside the queue message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredPayload {
    /// Bucket (or local lake root, for the on-disk queue).
    pub bucket: String,
    /// Object key.
    pub key: String,
    /// Payload length in bytes.
    pub size: u64,
    /// Lower-case hex SHA-256 of the payload, checked when it is read back.
    pub sha256: String,
}

/// Why a line is not a usable envelope.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// Not JSON, or not of the envelope's shape.
    #[error("not a hooklake envelope: {0}")]
    Malformed(#[from] serde_json::Error),
    /// Written by a newer (or unknown) hooklake.
    #[error("envelope version {found} is not supported (this build reads versions {OLDEST_READABLE_VERSION} to {ENVELOPE_VERSION}); upgrade hooklake")]
    UnsupportedVersion {
        /// The version found in the message.
        found: u32,
    },
}

impl Envelope {
    /// A current-version envelope around an inline payload.
    pub fn inline(
        delivery_id: impl Into<String>,
        event: impl Into<String>,
        hook_id: Option<u64>,
        received_at: DateTime<Utc>,
        payload: impl Into<String>,
    ) -> Self {
        Envelope {
            v: ENVELOPE_VERSION,
            delivery_id: delivery_id.into(),
            event: event.into(),
            hook_id,
            received_at,
            body: Body::Inline(payload.into()),
        }
    }

    /// The envelope as one line of JSON (no trailing newline).
    pub fn to_line(&self) -> String {
        // Serialising plain strings, integers and timestamps cannot fail.
        serde_json::to_string(self).expect("envelope serialises")
    }

    /// Reads one envelope, rejecting versions this build does not know.
    pub fn from_line(line: &str) -> Result<Self, EnvelopeError> {
        let envelope: Envelope = serde_json::from_str(line)?;
        if !(OLDEST_READABLE_VERSION..=ENVELOPE_VERSION).contains(&envelope.v) {
            return Err(EnvelopeError::UnsupportedVersion { found: envelope.v });
        }
        Ok(envelope)
    }

    /// The inline payload, if the payload travels in the message.
    pub fn inline_payload(&self) -> Option<&str> {
        match &self.body {
            Body::Inline(payload) => Some(payload),
            Body::Stored(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_on_one_line_byte_exact() {
        let payload = "{\n  \"a\": \"ü\\u00e9\\n\"\n}\n";
        let env = Envelope::inline(
            "d-1",
            "pull_request",
            Some(9),
            DateTime::UNIX_EPOCH,
            payload,
        );
        let line = env.to_line();
        assert!(!line.contains('\n'));
        let back = Envelope::from_line(&line).unwrap();
        assert_eq!(back.inline_payload(), Some(payload));
        assert_eq!(back, env);
    }

    fn line_of(payload: &str) -> String {
        Envelope::inline("d", "pull_request", None, DateTime::UNIX_EPOCH, payload).to_line()
    }

    #[test]
    fn compact_payload_is_embedded_byte_exact() {
        // Escapes, non-ASCII, spaces between tokens and number spellings are
        // all kept as they were.
        let payload = r#"{"action": "closed","t":"\"q\" \u00e9 ü\n","n":1.50,"e":[ ]}"#;
        let line = line_of(payload);
        assert!(
            line.ends_with(&format!(r#""body":{{"json":{payload}}}}}"#)),
            "{line}"
        );
        let back = Envelope::from_line(&line).unwrap();
        assert_eq!(back.v, ENVELOPE_VERSION);
        assert_eq!(back.inline_payload(), Some(payload));
    }

    #[test]
    fn payloads_that_cannot_be_embedded_travel_as_strings() {
        for payload in ["{\n}", "{}\r\n", " {}", "{} ", "not json", "{\"a\":1", ""] {
            let line = line_of(payload);
            assert!(
                line.contains(r#""body":{"inline":""#),
                "{payload:?}: {line}"
            );
            assert!(!line.contains('\n'));
            let back = Envelope::from_line(&line).unwrap();
            assert_eq!(back.inline_payload(), Some(payload));
        }
    }

    #[test]
    fn reads_version_1_envelopes() {
        let line = r#"{"v":1,"delivery_id":"d","event":"pull_request","received_at":"2026-11-27T12:00:00Z","body":{"inline":"{\"a\": 1}"}}"#;
        let env = Envelope::from_line(line).unwrap();
        assert_eq!(env.v, 1);
        assert_eq!(env.inline_payload(), Some(r#"{"a": 1}"#));
    }

    #[test]
    fn rejects_unknown_version() {
        let mut env = Envelope::inline("d", "pull_request", None, DateTime::UNIX_EPOCH, "{}");
        env.v = 99;
        let err = Envelope::from_line(&env.to_line()).unwrap_err();
        assert!(matches!(
            err,
            EnvelopeError::UnsupportedVersion { found: 99 }
        ));
    }

    #[test]
    fn stored_body_round_trips() {
        let mut env = Envelope::inline("d", "pull_request", None, DateTime::UNIX_EPOCH, "");
        env.body = Body::Stored(StoredPayload {
            bucket: "b".into(),
            key: "claim-check/d".into(),
            size: 3,
            sha256: "00".into(),
        });
        assert_eq!(Envelope::from_line(&env.to_line()).unwrap(), env);
        assert!(env.to_line().contains(r#""body":{"stored":{"#));
    }
}
