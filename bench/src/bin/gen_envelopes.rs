//! Writes N queue envelopes (one per line) of merged pull request deliveries,
//! for `hooklake import` benchmarks, merged over DAYS days (default 30).
//! Usage: gen_envelopes N FILE [DAYS] [compact|pretty]
//!
//! `compact` (the default) is what GitHub sends and the edge writes: the
//! payload embedded in the envelope as JSON. `pretty` pretty-prints the
//! payload, which the envelope must then carry as an escaped string (the
//! slowest form to read: every line break and quote is an escape).

use std::io::{BufWriter, Write};

use hooklake_schema::envelope::Envelope;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().unwrap_or_else(|| "100000".into()).parse()?;
    let path = args.next().unwrap_or_else(|| "envelopes.jsonl".into());
    let days: i64 = args.next().unwrap_or_else(|| "30".into()).parse()?;
    let pretty = match args.next().as_deref() {
        None | Some("compact") => false,
        Some("pretty") => true,
        Some(other) => anyhow::bail!("payload form must be compact or pretty, not {other:?}"),
    };
    let base: serde_json::Value =
        serde_json::from_str(&hooklake_tests::fixtures::merged_delivery_28k())?;
    let mut out = BufWriter::new(std::fs::File::create(&path)?);
    let start = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")?.to_utc();
    for i in 0..n {
        // Vary what varies in reality: number, title, merge time (DAYS partitions).
        let mut v = base.clone();
        let merged_at =
            start + chrono::Duration::minutes((i as i64 * 37) % (days.max(1) * 24 * 60));
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
        let env = Envelope::inline(
            format!("bench-{i:08}"),
            "pull_request",
            Some(1),
            merged_at,
            payload,
        );
        writeln!(out, "{}", env.to_line())?;
    }
    out.flush()?;
    Ok(())
}
