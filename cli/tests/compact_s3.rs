//! `hooklake compact` and `hooklake status` on an S3 lake (moto on
//! loopback, the real S3 wire protocol): killed at random moments without
//! losing a row, then compacted to one file per partition; DuckDB reads
//! the result.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;
use hooklake_tests::fake_github::FakeGitHub;
use hooklake_tests::lake::{build_lake, LakeSpec, Rng};
use hooklake_tests::moto::Moto;

const TABLE: &str = "s3://lake/github_webhooks_table";

/// boto3 (moto's own dependency): uploads a local lake, or downloads one.
fn boto3(moto: &Moto, script: &str, args: &[&Path]) {
    let python = std::env::var("HOOKLAKE_PYTHON").unwrap();
    let mut cmd = std::process::Command::new(python);
    cmd.arg("-c").arg(script).args(args).envs(moto.env());
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const UPLOAD: &str = r#"
import boto3, os, sys
s3 = boto3.client("s3")
s3.create_bucket(Bucket="lake")
root = sys.argv[1]
for d, _, files in os.walk(root):
    for f in files:
        path = os.path.join(d, f)
        s3.upload_file(path, "lake", "github_webhooks_table/" + os.path.relpath(path, root))
"#;

const DOWNLOAD: &str = r#"
import boto3, os, sys
s3 = boto3.client("s3")
out = sys.argv[1]
for page in s3.get_paginator("list_objects_v2").paginate(Bucket="lake", Prefix="github_webhooks_table/"):
    for o in page.get("Contents", []):
        path = os.path.join(out, o["Key"].removeprefix("github_webhooks_table/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        s3.download_file("lake", o["Key"], path)
"#;

fn status(moto: &Moto) -> serde_json::Value {
    status_json(TABLE, &moto.env())
}

#[test]
fn compacts_an_s3_lake_through_kills() {
    if std::env::var("HOOKLAKE_PYTHON").is_err() {
        eprintln!("HOOKLAKE_PYTHON is not set (moto): run ./scripts/test.sh");
        return;
    }
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let spec = LakeSpec {
        // Small next to the local acceptance lake: moto answers one
        // request at a time.
        files: 450,
        ..LakeSpec::default()
    };
    let built = build_lake(dir.path(), spec, 31);
    boto3(&moto, UPLOAD, &[dir.path()]);
    let before = status(&moto);
    assert_eq!(before["total"]["files"], 450);
    assert_eq!(before["total"]["rows"], built.rows);
    assert_eq!(before["total"]["deliveries"], built.deliveries.len());

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let github = runtime.block_on(FakeGitHub::start(HashMap::new()));
    let compact = || {
        let mut cmd = hooklake();
        cmd.args(["compact", "--lake", TABLE])
            .envs(moto.env())
            .env("HOOKLAKE_GITHUB_TOKEN", "test-token")
            .env("HOOKLAKE_GITHUB_API_URL", github.url())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    };
    let mut rng = Rng::new(5);
    for kill in 0..3 {
        let mut run = Group::spawn(&mut compact()).unwrap();
        let at = Duration::from_millis(200 + rng.below(1_000));
        let started = Instant::now();
        let mut finished = false;
        while started.elapsed() < at && !finished {
            finished = run.try_wait().unwrap().is_some();
            std::thread::sleep(Duration::from_millis(5));
        }
        if !finished {
            signal(&run, "-KILL");
            let _ = run.wait();
        }
        assert_eq!(
            status(&moto)["total"]["deliveries"],
            built.deliveries.len(),
            "kill {kill} at {at:?} lost deliveries"
        );
    }
    let out = run(&mut compact());
    assert!(out.status.success(), "{out:?}");

    let after = status(&moto);
    assert_eq!(after["total"]["files"], 30);
    assert_eq!(after["total"]["rows"], built.deliveries.len());
    assert_eq!(after["total"]["duplicate_rows"], 0);
    assert_eq!(
        after["total"]["statuses"]["complete"],
        built.deliveries.len()
    );

    // DuckDB reads what compaction wrote, and counts what status says.
    let copy = tempfile::tempdir().unwrap();
    boto3(&moto, DOWNLOAD, &[copy.path()]);
    assert_status_matches_duckdb(&after, copy.path());
}
