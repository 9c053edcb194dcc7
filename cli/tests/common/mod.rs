//! Running the real `hooklake` binary for end-to-end tests.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const SECRET: &str = "e2e-secret";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_hooklake")
}

#[allow(unused_imports)]
pub use hooklake_tests::moto::free_port;
pub use hooklake_tests::process::Group;

pub fn hooklake() -> Command {
    let mut cmd = Command::new(bin());
    cmd.env("HOOKLAKE_WEBHOOK_SECRET", SECRET)
        .env_remove("HOOKLAKE_LAKE")
        .env("RUST_LOG", "warn");
    cmd
}

/// `hooklake serve` on `port` with a short flush age; waits until healthy.
pub fn serve(lake: &Path, port: u16) -> Group {
    serve_with(lake, port, &[])
}

/// [`serve`], with extra environment variables.
pub fn serve_with(lake: &Path, port: u16, env: &[(&str, &str)]) -> Group {
    serve_args(lake, port, &["--max-age", "100ms"], env)
}

/// `hooklake serve` on `port` with extra arguments and environment; waits until it listens.
pub fn serve_args(lake: &Path, port: u16, args: &[&str], env: &[(&str, &str)]) -> Group {
    let mut child = Group::spawn(
        hooklake()
            .envs(env.iter().copied())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(args)
            .arg("--lake")
            .arg(lake)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit()),
    )
    .expect("hooklake starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("hooklake serve exited early: {status}");
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return child;
        }
        assert!(
            Instant::now() < deadline,
            "hooklake serve did not start listening"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn signal(child: &Group, signal: &str) {
    let ok = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {signal} failed");
}

/// SIGTERM, then the exit status must be 0 (it flushes first).
pub fn stop(mut child: Group) {
    signal(&child, "-TERM");
    let status = child.wait().unwrap();
    assert!(status.success(), "serve exited with {status} after SIGTERM");
}

pub fn url(port: u16) -> String {
    format!("http://127.0.0.1:{port}/")
}

pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("hooklake runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "hooklake panicked: {stderr}");
    out
}

/// Rows of a query's CSV answer, header dropped (through `hooklake query`).
pub fn query_csv(lake: &Path, sql: &str) -> Vec<String> {
    let out = run(hooklake()
        .args(["query", "--format", "csv", "--lake"])
        .arg(lake)
        .arg(sql));
    assert!(
        out.status.success(),
        "query failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(str::to_owned)
        .collect()
}

#[allow(unused_imports)]
pub use hooklake_tests::readers::{duckdb_counts, read_lake};

/// `hooklake status --format json` of a lake (a directory or s3://…).
pub fn status_json(lake: &str, env: &[(&'static str, String)]) -> serde_json::Value {
    let out = run(hooklake()
        .args(["status", "--format", "json", "--lake", lake])
        .envs(env.iter().cloned()));
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Asserts that `hooklake status`'s totals are what DuckDB counts.
pub fn assert_status_matches_duckdb(status: &serde_json::Value, lake: &Path) {
    let Some(counts) = duckdb_counts(lake) else {
        return;
    };
    let total = &status["total"];
    for figure in ["files", "rows", "deliveries", "duplicate_rows", "statuses"] {
        assert_eq!(total[figure], counts[figure], "{figure}: status vs DuckDB");
    }
    assert_eq!(
        status["partitions"].as_array().unwrap().len() as u64,
        counts["partitions"].as_u64().unwrap()
    );
}

/// Delivery ids in the lake, with duplicates kept.
pub fn lake_delivery_ids(lake: &Path) -> Vec<String> {
    query_csv(
        lake,
        "SELECT delivery_id FROM github_webhooks_table ORDER BY delivery_id",
    )
}

pub fn as_set(ids: &[String]) -> BTreeSet<String> {
    ids.iter().cloned().collect()
}

/// The finished Parquet files under the lake.
pub fn parquet_files(lake: &Path) -> Vec<PathBuf> {
    lake_files(lake)
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(".parquet") && !name.starts_with('.')
        })
        .collect()
}

/// Files under the lake, relative paths.
pub fn lake_files(lake: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(lake, &mut out);
    out
}
