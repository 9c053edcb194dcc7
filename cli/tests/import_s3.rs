//! `hooklake import --lake s3://…` (moto on loopback) writes the same
//! files and rows as into a directory, read back by DuckDB and pyarrow; and
//! a command that keeps its lake on disk refuses an s3:// URL instead of
//! writing a directory named after it.

mod common;

use common::*;
use hooklake_schema::envelope::Envelope;
use hooklake_tests::fixtures;
use hooklake_tests::moto::{download_lake, Moto};
use hooklake_tests::readers::read_lake;

/// Six dead letters of three repositories, as `hooklake dlq dump` saves them.
fn dead_letters(dir: &std::path::Path) -> std::path::PathBuf {
    let mut lines = String::new();
    for (i, repository) in ["octo/a", "octo/b", "octo/c"].iter().enumerate() {
        for number in 1..=2 {
            let payload = fixtures::merged_payload_for(repository, number);
            let id = format!("dead-{i}-{number}");
            let envelope = Envelope::inline(&id, "pull_request", None, chrono::Utc::now(), payload);
            lines.push_str(&envelope.to_line());
            lines.push('\n');
        }
    }
    let file = dir.join("dead.jsonl");
    std::fs::write(&file, lines).unwrap();
    file
}

fn sorted_keys(lake: &std::path::Path) -> Vec<String> {
    let mut keys: Vec<String> = parquet_files(lake)
        .iter()
        .map(|f| f.strip_prefix(lake).unwrap().display().to_string())
        .collect();
    keys.sort();
    keys
}

#[test]
fn import_into_s3_writes_what_import_into_a_directory_writes() {
    if std::env::var("HOOKLAKE_PYTHON").is_err() {
        eprintln!("HOOKLAKE_PYTHON is not set (moto, DuckDB): run ./scripts/test.sh");
        return;
    }
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dead_letters(dir.path());
    let cwd = dir.path().join("cwd");
    std::fs::create_dir(&cwd).unwrap();

    let local = dir.path().join("local");
    let out = run(hooklake().args(["import", "--lake"]).arg(&local).arg(&file));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    hooklake_tests::moto::create_queue_and_bucket(&moto, "unused", "lake");
    let out = run(hooklake()
        .current_dir(&cwd)
        .envs(moto.env())
        .args(["import", "--lake", "s3://lake/github_webhooks_table/"])
        .arg(&file));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("imported 6 row(s)") && stderr.contains("s3://lake/github_webhooks_table/"),
        "{stderr}"
    );
    // Nothing landed on local disk instead.
    assert_eq!(std::fs::read_dir(&cwd).unwrap().count(), 0);

    let from_s3 = dir.path().join("from-s3");
    download_lake(&moto, "lake", "github_webhooks_table/", &from_s3);
    assert_eq!(sorted_keys(&from_s3), sorted_keys(&local));
    let (mut a, mut b) = (read_lake(&local).unwrap(), read_lake(&from_s3).unwrap());
    for read in [&mut a, &mut b] {
        let rows = read["reference_rows"].as_array_mut().unwrap();
        rows.sort_by_key(|r| r.to_string());
    }
    assert_eq!(a["duckdb_rows"], 6);
    assert_eq!(a, b);
}

#[test]
fn commands_with_a_local_lake_refuse_an_s3_url_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["serve", "--lake", "s3://bucket/table"],
        vec!["query", "--lake", "s3://bucket/table", "SELECT 1"],
    ] {
        let out = run(hooklake()
            .current_dir(dir.path())
            .env("HOOKLAKE_WEBHOOK_SECRET", "s")
            .args(&args));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            stderr.contains("s3://bucket/table is not a directory"),
            "{args:?}: {stderr}"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{args:?}"
        );
    }
}
