//! Bad input gets a clear error and a non-zero exit, never a panic.

mod common;

use common::*;
use hooklake_schema::envelope::Envelope;
use hooklake_tests::fixtures;

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn serve_without_a_secret_says_how_to_set_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(hooklake()
        .env_remove("HOOKLAKE_WEBHOOK_SECRET")
        .args(["serve", "--lake"])
        .arg(dir.path()));
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("HOOKLAKE_WEBHOOK_SECRET is not set"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn unwritable_lake_directory() {
    let out = run(hooklake().args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--lake",
        "/proc/hooklake-lake",
    ]));
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(
        err.contains("cannot use lake directory /proc/hooklake-lake") && err.contains("--lake"),
        "{err}"
    );
}

#[test]
fn port_in_use() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = run(hooklake()
        .args(["serve", "--listen", &addr, "--lake"])
        .arg(dir.path()));
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(
        err.contains(&format!("cannot listen on {addr}")) && err.contains("--listen"),
        "{err}"
    );
}

#[test]
fn corrupt_queue_file_names_the_file_and_the_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let queue = dir.path().join("queue.sqlite3");
    std::fs::write(&queue, vec![0x42u8; 8192]).unwrap();
    let out = run(hooklake()
        .args(["serve", "--listen", "127.0.0.1:0", "--queue"])
        .arg(&queue)
        .arg("--lake")
        .arg(dir.path().join("lake")));
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(
        err.contains(&queue.display().to_string()) && err.contains("move the file aside"),
        "{err}"
    );
}

#[test]
fn invalid_sql() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(hooklake()
        .args(["query", "--lake"])
        .arg(dir.path())
        .arg("SELEC nothing FROM"));
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("invalid SQL"),
        "{}",
        stderr_of(&out)
    );
    let out = run(hooklake()
        .args(["query", "--lake"])
        .arg(dir.path())
        .arg("SELECT no_such_column FROM github_webhooks_table"));
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("invalid SQL"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn query_of_a_missing_lake_says_what_to_do() {
    let out = run(hooklake().args(["query", "--lake", "/nonexistent/lake", "SELECT 1"]));
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("does not exist"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn send_to_an_unreachable_url() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.json");
    std::fs::write(&file, fixtures::merged_delivery_28k()).unwrap();
    let port = free_port();
    let out = run(hooklake().args(["send", "--url", &url(port)]).arg(&file));
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains(&format!("cannot reach {}", url(port))),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn import_reports_malformed_lines_by_number_and_imports_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let good = |id: &str| {
        Envelope::inline(
            id,
            "pull_request",
            None,
            chrono::Utc::now(),
            fixtures::merged_delivery_28k(),
        )
        .to_line()
    };
    let file = dir.path().join("dlq.jsonl");
    let mut input = format!("{}\n{{not an envelope\n", good("a-1")).into_bytes();
    input.extend_from_slice(b"\xff\xfe not UTF-8\n");
    input.extend_from_slice(format!("{}\n", good("a-2")).as_bytes());
    std::fs::write(&file, input).unwrap();
    let out = run(hooklake().args(["import", "--lake"]).arg(&lake).arg(&file));
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(err.contains(&format!("{}:2:", file.display())), "{err}");
    assert!(
        err.contains(&format!("{}:3: not UTF-8", file.display())),
        "{err}"
    );
    assert!(err.contains("imported 2 row(s)"), "{err}");
    assert_eq!(lake_delivery_ids(&lake), ["a-1", "a-2"]);

    // Importing again does not duplicate.
    run(hooklake().args(["import", "--lake"]).arg(&lake).arg(&file));
    assert_eq!(lake_delivery_ids(&lake), ["a-1", "a-2"]);
}

#[test]
fn send_works_against_serve_and_reports_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let port = free_port();
    let child = serve(&lake, port);
    let file = dir.path().join("p.json");
    std::fs::write(&file, fixtures::merged_delivery_28k()).unwrap();
    let out = run(hooklake().args(["send", "--url", &url(port)]).arg(&file));
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("202 "));
    let out = run(hooklake()
        .args(["send", "--form", "--url", &url(port)])
        .arg(&file));
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = run(hooklake()
        .env("HOOKLAKE_WEBHOOK_SECRET", "other")
        .args(["send", "--url", &url(port)])
        .arg(&file));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("401 "));
    stop(child);
    assert_eq!(lake_delivery_ids(&lake).len(), 2);
}

#[test]
fn demo_runs_end_to_end() {
    let out = run(hooklake()
        .env_remove("HOOKLAKE_WEBHOOK_SECRET")
        .env_remove("HOOKLAKE_GITHUB_TOKEN")
        .arg("demo"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}\n{}", stdout, stderr_of(&out));
    assert!(
        stdout.contains("202 accepted (merged_pull_request)"),
        "{stdout}"
    );
    assert!(stdout.contains("401 rejected (bad_signature)"), "{stdout}");
    assert!(stdout.contains("200 pong (ping)"), "{stdout}");
    assert!(stdout.contains("flushed 2 row(s)"), "{stdout}");
    // The reference query shows each merged row's changed files, looked up
    // through the real client in the demo's recorded GitHub stand-in.
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|line| line.contains("Codertocat/Hello-World"))
        .collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    for row in rows {
        for file in ["docs/getting-started.md", "TODO.txt", "README.md"] {
            assert!(row.contains(file), "{file} missing from {row}\n{stdout}");
        }
    }
    assert!(stdout.contains("export HOOKLAKE_GITHUB_TOKEN="), "{stdout}");
}

#[test]
fn demo_with_a_token_says_how_serve_uses_it() {
    let out = run(hooklake()
        .env_remove("HOOKLAKE_WEBHOOK_SECRET")
        .env("HOOKLAKE_GITHUB_TOKEN", "ghp_not_used_by_the_demo")
        .arg("demo"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}\n{}", stdout, stderr_of(&out));
    assert!(
        stdout.contains("HOOKLAKE_GITHUB_TOKEN is set: hooklake serve looks"),
        "{stdout}"
    );
    assert!(!stdout.contains("ghp_not_used_by_the_demo"), "{stdout}");
}

#[test]
fn ddl_prints_the_generated_statement() {
    let out = run(hooklake().args(["ddl", "--location", "s3://bucket/prs"]));
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        hooklake_schema::catalog::athena_ddl("s3://bucket/prs")
    );
}

#[test]
fn compact_and_status_of_a_missing_lake_say_so_before_any_work() {
    for command in ["compact", "status"] {
        let out = run(hooklake().args([command, "--lake", "/nonexistent/lake"]));
        assert!(!out.status.success(), "{command}");
        let stderr = stderr_of(&out);
        assert!(stderr.contains("does not exist"), "{command}: {stderr}");
        assert!(!stderr.contains("compacted 0"), "{command}: {stderr}");
        assert!(!std::path::Path::new("/nonexistent/lake").exists());
    }
}

#[test]
fn logs_carry_no_colour_codes_when_standard_error_is_not_a_terminal() {
    let out = run(hooklake()
        .env_remove("HOOKLAKE_WEBHOOK_SECRET")
        .env_remove("HOOKLAKE_GITHUB_TOKEN")
        .env_remove("NO_COLOR")
        .env("RUST_LOG", "info")
        .arg("demo"));
    let stderr = stderr_of(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(" INFO "), "the demo logs at info: {stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
}
