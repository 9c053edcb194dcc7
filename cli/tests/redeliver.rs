//! `hooklake redeliver` against the fake GitHub's delivery log: exactly the
//! unresolved merged-pull-request deliveries are asked for, once each; a
//! second run asks for nothing; a run killed halfway and started again asks
//! for none twice; a wrong hook id or refused credentials get a message that
//! says what to do, and no state is written.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use common::*;
use hooklake_tests::fake_github::{hook_delivery, FakeGitHub, Redeliveries, Scenario};

const HOOK: &str = "repos/octo-org/octo-repo/hooks/7";

/// A hook log of 200 attempts over the last two days: 17 failed closed
/// pull requests, 6 of them redelivered successfully since; failed pushes,
/// issues and non-closed pull requests (which the edge would drop anyway);
/// the rest delivered. Returns the log and the 11 guids still unresolved.
fn hook_log() -> (Vec<serde_json::Value>, BTreeSet<String>) {
    let start = Utc::now() - chrono::Duration::hours(48);
    let mut log = Vec::new();
    let mut unresolved = BTreeSet::new();
    let mut failed_prs = Vec::new();
    for i in 0..191u64 {
        let at = start + chrono::Duration::minutes(15 * i as i64);
        let guid = format!("{:08x}-0000-4000-8000-{:012x}", i, i);
        let (event, action, code) = match i {
            _ if i % 11 == 3 && failed_prs.len() < 17 => {
                failed_prs.push((i, guid.clone()));
                (
                    "pull_request",
                    Some("closed"),
                    [503, 0, 500][i as usize % 3],
                )
            }
            _ if i % 23 == 5 => ("push", None, 503),
            _ if i % 29 == 7 => ("issues", Some("opened"), 0),
            _ if i % 31 == 9 => ("pull_request", Some("synchronize"), 503),
            _ if i % 2 == 0 => ("pull_request", Some("closed"), 200),
            _ => ("push", None, 200),
        };
        log.push(hook_delivery(i + 1, &guid, event, action, code, at));
    }
    assert_eq!(failed_prs.len(), 17);
    // 9 more attempts: 6 successful redeliveries, 3 failed ones.
    let mut id = 192;
    for (n, (i, guid)) in failed_prs.iter().enumerate() {
        let at = start + chrono::Duration::minutes(15 * *i as i64 + 5);
        let code = match n {
            0..=5 => 200,
            6..=8 => 503,
            _ => {
                unresolved.insert(guid.clone());
                continue;
            }
        };
        if code != 200 {
            unresolved.insert(guid.clone());
        }
        let mut attempt = hook_delivery(id, guid, "pull_request", Some("closed"), code, at);
        attempt["redelivery"] = serde_json::json!(true);
        log.push(attempt);
        id += 1;
    }
    assert_eq!(log.len(), 200);
    assert_eq!(unresolved.len(), 11);
    (log, unresolved)
}

/// `hooklake redeliver` for [`HOOK`]; `extra` flags (`--flag value` pairs,
/// or a lone `--dry-run`) replace the defaults of the same name.
fn redeliver(github: &FakeGitHub, state: &Path, extra: &[&str]) -> std::process::Command {
    let mut flags: Vec<(&str, Option<&str>)> = vec![
        ("--repo", Some("octo-org/octo-repo")),
        ("--hook", Some("7")),
        ("--format", Some("json")),
        ("--pace", Some("0s")),
    ];
    let mut extra = extra.iter().peekable();
    while let Some(flag) = extra.next() {
        let value = extra.next_if(|v| !v.starts_with("--")).copied();
        flags.retain(|(f, _)| f != flag);
        flags.push((flag, value));
    }
    let mut cmd = hooklake();
    cmd.arg("redeliver").arg("--state").arg(state);
    for (flag, value) in flags {
        cmd.arg(flag).args(value);
    }
    cmd.env("HOOKLAKE_GITHUB_TOKEN", "ghp_test")
        .env("HOOKLAKE_GITHUB_API_URL", github.url());
    cmd
}

fn report(output: &std::process::Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "redeliver failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn guids(value: &serde_json::Value) -> BTreeSet<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            v.as_str()
                .unwrap_or_else(|| v["guid"].as_str().unwrap())
                .to_owned()
        })
        .collect()
}

fn requested_once(github: &FakeGitHub) -> BTreeSet<String> {
    let requests = github.redelivery_requests(HOOK);
    assert!(
        requests.values().all(|n| *n == 1),
        "a delivery was asked for twice: {requests:?}"
    );
    requests.into_keys().collect()
}

#[test]
fn exactly_the_unresolved_pull_requests_are_redelivered_once() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // The log's first read is rate limited (429, retry-after: 1).
    let github = runtime.block_on(FakeGitHub::start(HashMap::from([(
        HOOK.to_string(),
        Scenario::failing("secondary_rate_limit", 1),
    )])));
    let (log, unresolved) = hook_log();
    let other_failures = log
        .iter()
        .filter(|d| d["status_code"] != 200)
        .filter(|d| d["event"] != "pull_request" || d["action"] != "closed")
        .count();
    assert!(other_failures >= 6);
    github.set_hook_log(HOOK, log, Redeliveries::Succeed);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");

    let dry = report(&run(&mut redeliver(&github, &state, &["--dry-run"])));
    assert_eq!(guids(&dry["plan"]["redeliver"]), unresolved);
    assert_eq!(dry["read"], 200);
    assert_eq!(dry["pages"], 2);
    assert!(github.redelivery_requests(HOOK).is_empty());
    assert!(!state.exists(), "a dry run saves no state");

    let first = report(&run(&mut redeliver(&github, &state, &[])));
    assert_eq!(guids(&first["redelivered"]), unresolved);
    assert_eq!(requested_once(&github), unresolved);
    // The failed pushes, issues and synchronize events are not asked for.
    assert_eq!(first["plan"]["ignored"], other_failures);

    // The redeliveries succeeded: the next run reads them, and the last
    // ten minutes before the watermark again, no further.
    let second = report(&run(&mut redeliver(&github, &state, &[])));
    let read = second["read"].as_u64().unwrap();
    assert!((11..15).contains(&read), "read {read}");
    assert_eq!(second["pages"], 1);
    assert!(second["redelivered"].as_array().unwrap().is_empty());
    assert_eq!(guids(&second["plan"]["resolved"]), unresolved);
    assert_eq!(requested_once(&github), unresolved);

    // Text output, for people.
    let mut text = redeliver(&github, &state, &["--dry-run", "--format", "text"]);
    let out = String::from_utf8(run(&mut text).stdout).unwrap();
    assert!(
        out.contains("would redeliver: 0"),
        "unexpected text output: {out}"
    );
}

#[test]
fn a_run_killed_halfway_and_started_again_redelivers_none_twice() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let github = runtime.block_on(FakeGitHub::start(HashMap::new()));
    let (log, unresolved) = hook_log();
    // GitHub accepts the redeliveries but has not attempted them when the
    // second run reads the log: only the saved state can tell.
    github.set_hook_log(HOOK, log, Redeliveries::NotYet);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");

    let mut cmd = redeliver(&github, &state, &["--pace", "200ms"]);
    cmd.stdout(std::process::Stdio::null());
    let mut child = Group::spawn(&mut cmd).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while github.redelivery_requests(HOOK).len() < 5 {
        assert!(Instant::now() < deadline, "no redelivery requested");
        std::thread::sleep(Duration::from_millis(20));
    }
    signal(&child, "-KILL");
    child.wait().unwrap();
    let asked_before = requested_once(&github).len();
    assert!(
        (5..unresolved.len()).contains(&asked_before),
        "killed after {asked_before} requests"
    );

    let rerun = report(&run(&mut redeliver(&github, &state, &[])));
    assert_eq!(requested_once(&github), unresolved);
    assert_eq!(
        rerun["redelivered"].as_array().unwrap().len(),
        unresolved.len() - asked_before
    );
    assert_eq!(
        rerun["plan"]["pending"].as_array().unwrap().len(),
        asked_before
    );
}

#[test]
fn a_hook_it_cannot_see_or_refused_credentials_say_what_to_do() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let github = runtime.block_on(FakeGitHub::start(HashMap::from([(
        "repos/octo-org/refused/hooks/7".to_string(),
        Scenario::failing("bad_credentials", 0),
    )])));
    github.set_hook_log(HOOK, hook_log().0, Redeliveries::Succeed);
    github.set_hook_log(
        "repos/octo-org/refused/hooks/7",
        Vec::new(),
        Redeliveries::Succeed,
    );
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");

    // Hook 8 does not exist (GitHub answers the same 404 to a token that
    // lacks the permission).
    let mut cmd = redeliver(&github, &state, &["--hook", "8"]);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("\"Webhooks: Read and write\"")
            && stderr.contains("admin:repo_hook")
            && stderr.contains("gh api repos/octo-org/octo-repo/hooks"),
        "{stderr}"
    );
    assert!(!state.exists(), "no state is written on a failed run");

    // 401: the message names the credential used.
    let mut cmd = redeliver(&github, &state, &["--repo", "octo-org/refused"]);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("HOOKLAKE_GITHUB_TOKEN") && stderr.contains("Bad credentials"),
        "{stderr}"
    );
    assert!(!stderr.contains("ghp_test"), "the token is never printed");
    assert!(!state.exists());

    // No credentials at all.
    let mut cmd = redeliver(&github, &state, &[]);
    cmd.env_remove("HOOKLAKE_GITHUB_TOKEN");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs GitHub credentials"));
}

#[test]
fn organization_and_app_hooks_are_read_the_same_way() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let github = runtime.block_on(FakeGitHub::start(HashMap::new()));
    let (log, unresolved) = hook_log();
    github.set_hook_log("orgs/octo-org/hooks/3", log.clone(), Redeliveries::Succeed);
    github.set_hook_log("app/hook", log, Redeliveries::Succeed);
    let dir = tempfile::tempdir().unwrap();

    let mut org = hooklake();
    org.args(["redeliver", "--org", "octo-org", "--hook", "3", "--dry-run"])
        .args(["--format", "json"])
        .current_dir(dir.path())
        .env("HOOKLAKE_GITHUB_TOKEN", "ghp_test")
        .env("HOOKLAKE_GITHUB_API_URL", github.url());
    assert_eq!(
        guids(&report(&run(&mut org))["plan"]["redeliver"]),
        unresolved
    );

    // The App's own hook is read with the App's JWT.
    let key = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/github-app-test-key.pem"
    ))
    .unwrap();
    let credentials = dir.path().join("app.json");
    std::fs::write(
        &credentials,
        serde_json::json!({"app_id": 1, "installation_id": 2, "private_key": key}).to_string(),
    )
    .unwrap();
    let mut app = hooklake();
    app.args(["redeliver", "--app", "--pace", "0s", "--format", "json"])
        .arg("--github-credentials")
        .arg(&credentials)
        .current_dir(dir.path())
        .env("HOOKLAKE_GITHUB_API_URL", github.url());
    let first = report(&run(&mut app));
    assert_eq!(guids(&first["redelivered"]), unresolved);
    assert!(
        dir.path().join("hooklake-redeliver-app.json").exists(),
        "the default state file is per hook, in the current directory"
    );
    assert_eq!(
        github
            .redelivery_requests("app/hook")
            .into_keys()
            .collect::<BTreeSet<_>>(),
        unresolved
    );
}
