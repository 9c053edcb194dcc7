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
    let base = hooklake_bench::base_payload()?;
    let mut out = BufWriter::new(std::fs::File::create(&path)?);
    for i in 0..n {
        let (payload, merged_at) = hooklake_bench::varied_payload(&base, i, i, days, pretty)?;
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
