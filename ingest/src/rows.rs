//! Envelope → row.

use hooklake_schema::envelope::{Body, Envelope};
use hooklake_schema::row::PullRequestRow;
use sha2::{Digest, Sha256};

use crate::IngestError;

/// The row of a claim-checked envelope, given the payload fetched from
/// where it points (checked against the pointer's sha256).
pub fn row_from_payload(envelope: &Envelope, payload: &str) -> Result<PullRequestRow, IngestError> {
    if let Body::Stored(stored) = &envelope.body {
        let digest = hex::encode(Sha256::digest(payload.as_bytes()));
        if digest != stored.sha256 {
            return Err(IngestError::StoredPayloadCorrupt {
                delivery_id: envelope.delivery_id.clone(),
            });
        }
    }
    Ok(PullRequestRow::extract(
        &envelope.delivery_id,
        envelope.received_at,
        payload,
    )?)
}

/// The row of one queue message line (the payload is moved, not copied).
pub fn row_from_line(line: &str) -> Result<PullRequestRow, IngestError> {
    row_from_owned_envelope(Envelope::from_line(line)?)
}

/// The row of an envelope: the one way every ingest path turns an envelope
/// into a row. The inline payload is moved into the row, not copied; a
/// claim check is an error here (the pipeline fetches it and calls
/// [`row_from_payload`]).
pub fn row_from_owned_envelope(envelope: Envelope) -> Result<PullRequestRow, IngestError> {
    match envelope.body {
        Body::Inline(payload) => Ok(PullRequestRow::extract_owned(
            envelope.delivery_id,
            envelope.received_at,
            payload,
        )?),
        Body::Stored(stored) => Err(IngestError::StoredPayloadUnavailable {
            delivery_id: envelope.delivery_id,
            bucket: stored.bucket,
            key: stored.key,
        }),
    }
}
