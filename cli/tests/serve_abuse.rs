//! serve under abuse: 1,000 connections that trickle their headers and 200
//! that announce 25 MB and send part of it, while a sender posts 500 real
//! deliveries. Every real one is accepted, memory stays bounded, the
//! slow ones are cut off by the timeouts, and every one gets an answer.

mod common;

use std::time::{Duration, Instant};

use common::*;
use hooklake::send::{self, Delivery};
use hooklake_tests::fixtures;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TRICKLERS: usize = 1_000;
const PARTIAL_BODIES: usize = 200;
const REAL: usize = 500;

/// Peak resident memory of a process, in MB.
fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb / 1024.0
}

/// Sends `head`, then one more header byte every 500 ms until serve closes
/// the connection (or answers); returns how long that took.
async fn trickle(port: u16, head: &'static [u8]) -> Duration {
    let started = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(head).await.unwrap();
    let mut buf = [0u8; 256];
    loop {
        tokio::select! {
            _ = stream.read(&mut buf) => return started.elapsed(),
            _ = tokio::time::sleep(Duration::from_millis(500)) => {
                if stream.write_all(b"x").await.is_err() {
                    return started.elapsed();
                }
            }
        }
        assert!(started.elapsed() < Duration::from_secs(60), "never cut off");
    }
}

/// Announces a 25 MB signed-looking delivery, sends 1 MB of it and stops;
/// returns serve's status line (or "closed") and how long until it came.
async fn partial_body(port: u16) -> (String, Duration) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-GitHub-Event: pull_request\r\n\
         X-GitHub-Delivery: partial\r\nX-Hub-Signature-256: sha256={}\r\nContent-Length: {}\r\n\r\n",
        "0".repeat(64),
        25 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // Serve may answer 503 before taking the body: a failed write is fine.
    let _ = stream.write_all(&vec![b' '; 1024 * 1024]).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut answer)).await;
    let status = String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or("closed")
        .to_owned();
    (status, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_oversize_clients_cannot_hold_real_deliveries_back() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let port = free_port();
    let child = serve_args(&lake, port, &["--max-age", "500ms"], &[]);

    let mut abuse = Vec::new();
    for _ in 0..TRICKLERS {
        abuse.push(tokio::spawn(async move {
            (
                "trickle".to_owned(),
                trickle(port, b"POST / HTTP/1.1\r\nHost: x\r\nX-Slow: ").await,
            )
        }));
    }
    for _ in 0..PARTIAL_BODIES {
        abuse.push(tokio::spawn(partial_body(port)));
    }

    // Meanwhile, real deliveries, 16 at a time.
    let payload = fixtures::merged_variant(&fixtures::load("pull_request", "closed.payload.json"));
    let payload = payload.to_string();
    let client = send::client().unwrap();
    let mut accepted = 0;
    let mut pending = tokio::task::JoinSet::new();
    for i in 0..REAL {
        if pending.len() >= 16 {
            accepted += pending.join_next().await.unwrap().unwrap();
        }
        let (client, payload, port) = (client.clone(), payload.clone(), port);
        pending.spawn(async move {
            let d = Delivery::signed("pull_request", &payload, SECRET, i % 2 == 0);
            let answer = send::post(&client, &url(port), &d).await.unwrap();
            assert_eq!(answer.status, 202, "{}", answer.body);
            1
        });
    }
    while let Some(done) = pending.join_next().await {
        accepted += done.unwrap();
    }
    assert_eq!(accepted, REAL);

    let mut answers: std::collections::BTreeMap<String, usize> = Default::default();
    for task in abuse {
        let (what, took) = task.await.unwrap();
        // The header timeout is 5 s and the body timeout 10 s.
        let limit = if what == "trickle" { 9 } else { 14 };
        assert!(
            took < Duration::from_secs(limit),
            "{what} held its connection for {took:?}"
        );
        *answers.entry(what).or_default() += 1;
    }
    assert_eq!(answers["trickle"], TRICKLERS);
    // Every client got an answer: none was dropped or reset by an
    // overflowing listen backlog before serve accepted it (with the 1,024
    // `TcpListener::bind` asks for, a few of the 1,200 at times were).
    assert!(
        !answers.contains_key("closed"),
        "connections closed without an answer: {answers:?}"
    );
    let busy = answers
        .iter()
        .filter(|(k, _)| k.contains(" 503 "))
        .map(|(_, n)| n)
        .sum::<usize>();
    assert!(
        busy >= PARTIAL_BODIES - 3,
        "most 25 MB announcements do not fit the 64 MiB budget: {answers:?}"
    );

    let rss = peak_rss_mb(child.id());
    assert!(rss < 300.0, "serve peaked at {rss:.0} MB");
    stop(child);
    let rows = query_csv(&lake, "SELECT count(*) FROM github_webhooks_table");
    assert_eq!(
        rows,
        vec![REAL.to_string()],
        "every accepted delivery is a row"
    );
    eprintln!("serve peak RSS {rss:.0} MB; partial bodies answered: {answers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversize_content_length_is_refused_before_the_body() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = serve(&dir.path().join("lake"), port);
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    // Announces 30 MB and sends none of it: the headers alone decide.
    stream
        .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 31457280\r\n\r\n")
        .await
        .unwrap();
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(3), stream.read(&mut answer))
        .await
        .expect("answered without waiting for the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("payload_too_large"), "{answer}");
    stop(child);
}
