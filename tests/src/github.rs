//! Requests built the way GitHub sends webhook deliveries.

use hooklake_edge::{content, signature};

/// The secret the tests sign with (GitHub's documented example secret).
pub const SECRET: &str = "It's a Secret to Everybody";

/// Headers of a delivery: (name, value) pairs as GitHub sends them.
pub fn headers(
    event: &str,
    delivery_id: &str,
    content_type: &str,
    signature: &str,
) -> Vec<(String, String)> {
    [
        ("Content-Type", content_type),
        ("User-Agent", "GitHub-Hookshot/044aadd"),
        ("X-GitHub-Event", event),
        ("X-GitHub-Delivery", delivery_id),
        ("X-GitHub-Hook-ID", "292430182"),
        ("X-Hub-Signature-256", signature),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// A JSON delivery of `payload`, signed with `secret`: (headers, body).
pub fn json_delivery(
    event: &str,
    delivery_id: &str,
    payload: &str,
    secret: &str,
) -> (Vec<(String, String)>, Vec<u8>) {
    let body = payload.as_bytes().to_vec();
    let sig = signature::sign(secret.as_bytes(), &body);
    (headers(event, delivery_id, "application/json", &sig), body)
}

/// A form-encoded delivery (`payload=...`) of `payload`, signed with `secret`.
pub fn form_delivery(
    event: &str,
    delivery_id: &str,
    payload: &str,
    secret: &str,
) -> (Vec<(String, String)>, Vec<u8>) {
    let body = content::form_encode(payload).into_bytes();
    let sig = signature::sign(secret.as_bytes(), &body);
    (
        headers(
            event,
            delivery_id,
            "application/x-www-form-urlencoded",
            &sig,
        ),
        body,
    )
}
