//! The edge core on one ~28 KB merged pull request delivery, the size GitHub
//! sends: verify the signature, decode, classify, and build the envelope.
//! Results: docs/benchmarks.md.

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hooklake_edge::{decide, signature, Decision, Request, WebhookSecrets};
use hooklake_schema::envelope::Envelope;
use hooklake_tests::{fixtures, github};
use std::hint::black_box;

fn edge_core(c: &mut Criterion) {
    let payload = fixtures::merged_delivery_28k();
    let secrets = WebhookSecrets::new([github::SECRET]);
    let (headers, body) = github::json_delivery("pull_request", "d-1", &payload, github::SECRET);
    let mut group = c.benchmark_group("edge_core");
    group.throughput(Throughput::Bytes(body.len() as u64));

    group.bench_function("decide_merged_28k", |b| {
        b.iter(|| {
            let d = decide(
                &Request::new("POST", &headers, black_box(&body)),
                &secrets,
                Utc::now(),
            );
            assert!(matches!(d, Decision::Accept(_)));
            d
        })
    });
    group.bench_function("hmac_sha256_28k", |b| {
        b.iter(|| signature::sign(github::SECRET.as_bytes(), black_box(&body)))
    });
    let forged = github::headers(
        "pull_request",
        "d-1",
        "application/json",
        &signature::sign(b"x", &body),
    );
    group.bench_function("reject_forged_28k", |b| {
        b.iter(|| {
            decide(
                &Request::new("POST", &forged, black_box(&body)),
                &secrets,
                Utc::now(),
            )
        })
    });
    // Writing the queue message: a compact payload (as GitHub sends) is
    // checked and embedded as JSON; a pretty-printed one is escaped into a
    // string.
    let compact =
        serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&payload).unwrap())
            .unwrap();
    for (name, text) in [
        ("envelope_line_embedded", &compact),
        ("envelope_line_escaped", &payload),
    ] {
        let envelope = Envelope::inline("d-1", "pull_request", None, Utc::now(), text.as_str());
        group.bench_function(name, |b| b.iter(|| black_box(&envelope).to_line()));
    }
    group.finish();
}

criterion_group!(benches, edge_core);
criterion_main!(benches);
