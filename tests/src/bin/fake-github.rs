//! The fake GitHub API as a process, for the end-to-end tests in Python.
//! Usage: fake-github PORT [SCENARIOS_JSON]   (prints "listening on ADDR")

use std::collections::HashMap;

use hooklake_tests::fake_github::{FakeGitHub, Scenario};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let scenarios: HashMap<String, Scenario> = args
        .next()
        .map(|json| serde_json::from_str(&json).expect("scenarios are JSON"))
        .unwrap_or_default();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("port is free");
    let fake = FakeGitHub::serve(listener, scenarios);
    println!("listening on {}", fake.addr);
    std::future::pending::<()>().await;
}
