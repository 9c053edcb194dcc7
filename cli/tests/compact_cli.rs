//! `hooklake compact` and `hooklake status` as a user runs them: killed with
//! SIGKILL at 20 moments of a run over 10,000 small files, never a row
//! lost; then one full run reaches the compacted state; `status` agrees
//! with DuckDB.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::*;
use hooklake_ingest::local::LocalLake;
use hooklake_maintain::select::Selection;
use hooklake_tests::fake_github::FakeGitHub;
use hooklake_tests::lake::{build_lake, LakeSpec, Rng};

/// Distinct deliveries and files in the lake: DuckDB's count when the
/// suite's Python is there (fast, and an independent reader), else
/// hooklake's own status.
fn distinct_deliveries(lake: &LocalLake) -> (u64, u64) {
    if let Some(counts) = duckdb_counts(lake.root()) {
        return (
            counts["deliveries"].as_u64().unwrap(),
            counts["files"].as_u64().unwrap(),
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let status = runtime
        .block_on(hooklake_maintain::status::status(
            lake,
            &Selection::all(),
            u64::MAX,
        ))
        .unwrap();
    assert!(status.unreadable.is_empty(), "{:?}", status.unreadable);
    (status.total.deliveries as u64, status.total.files as u64)
}

#[test]
fn killed_at_twenty_moments_loses_nothing_then_one_run_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let built = build_lake(dir.path(), LakeSpec::default(), 21);
    let lake = LocalLake::open(dir.path()).unwrap();
    // status on the lake as built: what DuckDB counts.
    let before = status_json(&dir.path().display().to_string(), &[]);
    assert_eq!(before["total"]["files"], 10_000);
    assert_status_matches_duckdb(&before, dir.path());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let github = runtime.block_on(FakeGitHub::start(HashMap::new()));
    let compact = |lake: &std::path::Path| {
        let mut cmd = hooklake();
        cmd.args(["compact", "--lake"])
            .arg(lake)
            .env("HOOKLAKE_GITHUB_TOKEN", "test-token")
            .env("HOOKLAKE_GITHUB_API_URL", github.url())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        cmd
    };

    // How long a whole run takes on this machine, timed on a copy: a
    // machine twice as fast would otherwise finish the work before the
    // twentieth kill.
    let whole_run = {
        let copy = tempfile::tempdir().unwrap();
        copy_tree(dir.path(), copy.path());
        let started = Instant::now();
        let out = run(&mut compact(copy.path()));
        assert!(out.status.success(), "{out:?}");
        started.elapsed()
    };
    // 20 runs, each killed at a random moment of its first twelfth: 20 of
    // them add up to less than one whole run, so each kill lands while it
    // plans, writes new files or deletes old ones, and each run goes a
    // little further than the last.
    let window_ms = (whole_run.as_millis() as u64 / 12).max(50);
    let mut rng = Rng::new(99);
    let mut killed_mid_run = 0;
    for kill in 0..20 {
        let mut run = Group::spawn(&mut compact(dir.path())).unwrap();
        let started = Instant::now();
        let at = Duration::from_millis(20 + rng.below(window_ms));
        let mut finished = false;
        while started.elapsed() < at {
            if run.try_wait().unwrap().is_some() {
                finished = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        if !finished {
            signal(&run, "-KILL");
            let _ = run.wait();
            killed_mid_run += 1;
        }
        let (deliveries, _) = distinct_deliveries(&lake);
        assert_eq!(
            deliveries,
            built.deliveries.len() as u64,
            "kill {kill} at {at:?} lost deliveries"
        );
    }
    assert!(
        killed_mid_run >= 15,
        "only {killed_mid_run} kills landed mid-run (a whole run took {whole_run:?})"
    );

    let out = run(&mut compact(dir.path()));
    assert!(out.status.success(), "{out:?}");
    let (deliveries, files) = distinct_deliveries(&lake);
    assert_eq!(deliveries, built.deliveries.len() as u64);
    assert_eq!(files, 30);

    // status agrees with DuckDB, and says every row is enriched.
    let status = status_json(&dir.path().display().to_string(), &[]);
    assert_eq!(status["total"]["files"], 30);
    assert_eq!(status["total"]["duplicate_rows"], 0);
    assert_eq!(status["total"]["rows"], built.deliveries.len());
    assert_eq!(
        status["total"]["statuses"]["complete"],
        built.deliveries.len()
    );
    assert_status_matches_duckdb(&status, dir.path());

    // DuckDB and pyarrow read the compacted lake; the reference query runs.
    if let Some(seen) = read_lake(dir.path()) {
        assert_eq!(seen["duckdb_rows"], built.deliveries.len());
        assert_eq!(seen["pyarrow_rows"], built.deliveries.len());
        let ids: Vec<&String> = built.deliveries.iter().collect();
        assert_eq!(seen["delivery_ids"], serde_json::json!(ids));
        assert_eq!(seen["reference_rows"].as_array().unwrap().len(), 10);
    }
}

/// Copies the lake under `from` to `to` (directories and files).
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
