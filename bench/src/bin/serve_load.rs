//! Sustained signed deliveries against a running `hooklake serve` (or the
//! Worker): requests per second, latency percentiles, and every answer
//! counted, so the lake's row count can be checked against the 2xx count.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use hooklake_edge::signature;
use tokio::sync::Mutex;

#[derive(Parser)]
struct Args {
    /// Where to post.
    #[arg(long)]
    url: String,
    /// The webhook secret the server verifies with.
    #[arg(long, env = "HOOKLAKE_WEBHOOK_SECRET")]
    secret: String,
    /// Concurrent connections.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// How long to send.
    #[arg(long, default_value = "20")]
    seconds: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // One body, signed once: GitHub's signature covers the body only, and
    // each request still gets its own delivery id.
    let payload = hooklake_tests::fixtures::merged_delivery_28k();
    let sig = signature::sign(args.secret.as_bytes(), payload.as_bytes());
    let body = bytes::Bytes::from(payload);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let latencies = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let errors = Arc::new(Mutex::new((0u64, 0u64))); // (non-2xx, transport errors)
    let end = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let (client, body, sig, url) =
            (client.clone(), body.clone(), sig.clone(), args.url.clone());
        let (latencies, errors) = (latencies.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while Instant::now() < end {
                let t = Instant::now();
                let r = client
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .header("X-GitHub-Event", "pull_request")
                    .header("X-GitHub-Delivery", uuid::Uuid::new_v4().to_string())
                    .header("X-Hub-Signature-256", &sig)
                    .body(body.clone())
                    .send()
                    .await;
                match r {
                    Ok(resp) if resp.status().is_success() => {
                        let _ = resp.bytes().await;
                        mine.push(t.elapsed());
                    }
                    Ok(_) => errors.lock().await.0 += 1,
                    Err(_) => errors.lock().await.1 += 1,
                }
            }
            latencies.lock().await.extend(mine);
        }));
    }
    for t in tasks {
        t.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut l = latencies.lock().await.clone();
    l.sort();
    let pct = |p: f64| {
        l.get(((l.len() as f64 * p) as usize).min(l.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let (non_2xx, transport) = *errors.lock().await;
    println!(
        "{{\"accepted\": {}, \"seconds\": {:.2}, \"per_second\": {:.0}, \"p50_ms\": {:.2}, \"p99_ms\": {:.2}, \"non_2xx\": {}, \"transport_errors\": {}, \"body_bytes\": {}}}",
        l.len(),
        elapsed,
        l.len() as f64 / elapsed,
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        non_2xx,
        transport,
        body.len()
    );
    Ok(())
}
