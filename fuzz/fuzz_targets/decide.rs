//! The edge core's `decide` on any body, signed correctly (so verification
//! passes and decoding, filtering and extraction run) or not, as JSON or
//! form-encoded, for any event: it must answer, never panic.
#![no_main]

use hooklake_edge::{decide, signature, Request, WebhookSecrets};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "It's a Secret to Everybody";

fuzz_target!(|data: &[u8]| {
    // The first byte picks the headers; the rest is the body.
    let Some((&choice, body)) = data.split_first() else {
        return;
    };
    let signature = if choice & 1 == 0 {
        signature::sign(SECRET.as_bytes(), body)
    } else {
        "sha256=0000".to_owned()
    };
    let content_type = if choice & 2 == 0 {
        "application/json"
    } else {
        "application/x-www-form-urlencoded"
    };
    let event = ["pull_request", "ping", "push", ""][usize::from(choice >> 2) % 4];
    let headers = [
        ("content-type", content_type),
        ("x-github-event", event),
        ("x-github-delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
        ("x-hub-signature-256", signature.as_str()),
    ];
    let secrets = WebhookSecrets::new([SECRET]);
    let decision = decide(
        &Request::new("POST", &headers, body),
        &secrets,
        chrono::DateTime::UNIX_EPOCH,
    );
    let _ = decision.status();
});
