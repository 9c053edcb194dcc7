//! What the benchmark generators share: merged deliveries of real size
//! (GitHub's 28 KB example payload), varied as they vary in reality.

use chrono::{DateTime, Duration, Utc};

/// The `i`th of a series of merged pull request payloads: `base` (a parsed
/// payload) with its number, id and title varied by `i`, and its merge time
/// by `merge` (spread over `days` days); returns the payload's JSON
/// (compact, as GitHub sends it, or pretty-printed) and its merge time.
pub fn varied_payload(
    base: &serde_json::Value,
    i: usize,
    merge: usize,
    days: i64,
    pretty: bool,
) -> anyhow::Result<(String, DateTime<Utc>)> {
    let start = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")?.to_utc();
    let mut v = base.clone();
    let merged_at = start + Duration::minutes((merge as i64 * 37) % (days.max(1) * 24 * 60));
    v["number"] = (i as u64).into();
    v["pull_request"]["number"] = (i as u64).into();
    v["pull_request"]["id"] = (1_000_000 + i as u64).into();
    v["pull_request"]["title"] = format!("Change {i}: update the README").into();
    v["pull_request"]["merged_at"] = merged_at.to_rfc3339().into();
    let payload = if pretty {
        serde_json::to_string_pretty(&v)?
    } else {
        serde_json::to_string(&v)?
    };
    Ok((payload, merged_at))
}

/// GitHub's example merged `pull_request` payload (28 KB), parsed.
pub fn base_payload() -> anyhow::Result<serde_json::Value> {
    Ok(serde_json::from_str(
        &hooklake_tests::fixtures::merged_delivery_28k(),
    )?)
}
