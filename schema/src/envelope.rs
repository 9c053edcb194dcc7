//! The queue message between the edge and ingest.
//!
//! One envelope is one JSON object on one line, so the same text serves as an
//! SQS message body, a row of the local on-disk queue, and a line of a
//! dead-letter dump that `hooklake import` reads back.
//!
//! The GitHub payload is carried as a JSON *string*: decoding it gives back
//! the exact bytes GitHub signed (no re-serialisation), and escaping keeps the
//! envelope on one line even when the payload is pretty-printed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The envelope version this build writes and reads.
pub const ENVELOPE_VERSION: u32 = 1;

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    /// The JSON payload, byte-exact as GitHub sent it (form-encoded deliveries
    /// carry the decoded `payload=` value).
    Inline(String),
    /// Claim check: the payload was too big for a queue message and was stored
    /// in an object store first.
    Stored(StoredPayload),
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
    #[error("envelope version {found} is not supported (this build reads version {ENVELOPE_VERSION}); upgrade hooklake")]
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
        if envelope.v != ENVELOPE_VERSION {
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
