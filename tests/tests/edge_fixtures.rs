//! Every octokit fixture, and merged variants derived from the pull request
//! ones, through the edge core: the decision and, for merges, the row, each
//! compared with a golden file. `UPDATE_GOLDEN=1 cargo test -p hooklake-tests`
//! rewrites the golden files; review the diff before committing it.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use hooklake_edge::{decide, Decision, Request, WebhookSecrets};
use hooklake_schema::row::PullRequestRow;
use hooklake_tests::{fixtures, github};
use serde_json::{json, Value};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-27T12:00:00.123Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("golden")
}

fn check_golden(relative: &str, actual: &str) {
    let path = golden_dir().join(relative);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; create it with UPDATE_GOLDEN=1", path.display()));
    assert!(
        expected == actual,
        "{} differs from the golden file:\n--- expected\n{expected}\n--- actual\n{actual}\n(UPDATE_GOLDEN=1 rewrites it)",
        path.display()
    );
}

fn decide_json(event: &str, payload: &str) -> Decision {
    let secrets = WebhookSecrets::new([github::SECRET]);
    let (headers, body) = github::json_delivery(
        event,
        "0b1e0a20-cc78-11e3-81ab-4c9367dc0958",
        payload,
        github::SECRET,
    );
    decide(&Request::new("POST", &headers, &body), &secrets, now())
}

/// The row as a golden file shows it: the payload replaced by its length, to
/// keep golden files readable (the payload's byte-exactness is tested apart).
fn row_for_golden(row: &PullRequestRow) -> String {
    let mut v = serde_json::to_value(row).unwrap();
    v["payload"] = json!(format!("<{} bytes>", row.payload.len()));
    let mut text = serde_json::to_string_pretty(&v).unwrap();
    text.push('\n');
    text
}

fn accepted_row(decision: &Decision, payload: &str) -> PullRequestRow {
    let Decision::Accept(envelope) = decision else {
        panic!("expected an accepted delivery, got {decision:?}");
    };
    assert_eq!(
        envelope.inline_payload(),
        Some(payload),
        "payload must travel byte-exact"
    );
    PullRequestRow::extract(&envelope.delivery_id, envelope.received_at, payload).unwrap()
}

#[test]
fn every_fixture_gets_the_golden_decision() {
    let mut lines = Vec::new();
    for f in fixtures::all() {
        let d = decide_json(&f.event, &f.body);
        // No octokit fixture is a merge; every authentic one is answered 2xx.
        assert!(
            !matches!(d, Decision::Accept(_)),
            "{}/{} accepted",
            f.event,
            f.name
        );
        assert_eq!(d.status(), 200, "{}/{}: {d:?}", f.event, f.name);
        lines.push(format!(
            "{}/{}\t{}\t{}\t{}",
            f.event,
            f.name,
            d.status(),
            d.outcome(),
            d.reason()
        ));
    }
    assert!(
        lines.len() >= 28 + 3 + 3,
        "fixtures missing: {}",
        lines.len()
    );
    check_golden("decisions.tsv", &(lines.join("\n") + "\n"));
}

#[test]
fn merged_variants_of_every_pull_request_fixture_give_golden_rows() {
    let mut count = 0;
    for f in fixtures::all()
        .into_iter()
        .filter(|f| f.event == "pull_request")
    {
        let payload = fixtures::merged_variant(&f.body).to_string();
        let decision = decide_json("pull_request", &payload);
        assert_eq!(decision.status(), 202);
        let row = accepted_row(&decision, &payload);
        check_golden(&format!("rows/{}", f.name), &row_for_golden(&row));
        count += 1;
    }
    assert_eq!(count, 28);
}

/// Payloads GitHub really sends that trip naive parsers.
#[test]
fn tolerant_of_what_github_really_sends() {
    let base = fixtures::merged_variant(&fixtures::load("pull_request", "closed.payload.json"));
    type Change = Box<dyn Fn(&mut Value)>;
    let variants: Vec<(&str, Change)> = vec![
        (
            "ghost-author",
            Box::new(|v| v["pull_request"]["user"] = json!({"login": "ghost", "id": 10137})),
        ),
        (
            "null-author",
            Box::new(|v| v["pull_request"]["user"] = Value::Null),
        ),
        (
            "null-merged-by",
            Box::new(|v| v["pull_request"]["merged_by"] = Value::Null),
        ),
        (
            "null-body",
            Box::new(|v| v["pull_request"]["body"] = Value::Null),
        ),
        (
            "unicode",
            Box::new(|v| {
                v["pull_request"]["title"] =
                    json!("修复 \u{1F680} «ünïcödé» \"quotes\" \\ back\nline");
                v["pull_request"]["labels"] = json!([{"name": "🐛 bug"}, {"name": "naïve"}]);
            }),
        ),
        (
            "null-labels",
            Box::new(|v| v["pull_request"]["labels"] = Value::Null),
        ),
    ];
    let mut out = String::new();
    for (name, change) in variants {
        let mut v = base.clone();
        change(&mut v);
        // Pretty-printed too: the payload must survive byte-exact either way.
        for payload in [v.to_string(), serde_json::to_string_pretty(&v).unwrap()] {
            let decision = decide_json("pull_request", &payload);
            let row = accepted_row(&decision, &payload);
            assert_eq!(row.payload, payload);
            if !payload.contains('\n') {
                out.push_str(&format!("## {name}\n{}", row_for_golden(&row)));
            }
        }
    }
    check_golden("rows/tolerance-variants.txt", &out);
}

#[test]
fn merge_without_merged_at_is_refused_not_enqueued() {
    let mut v = fixtures::merged_variant(&fixtures::load("pull_request", "closed.payload.json"));
    v["pull_request"]["merged_at"] = Value::Null;
    let d = decide_json("pull_request", &v.to_string());
    assert_eq!((d.status(), d.reason()), (400, "incomplete_pull_request"));
}

#[test]
fn closed_unmerged_is_ignored_with_reason() {
    let d = decide_json(
        "pull_request",
        &fixtures::load("pull_request", "closed.payload.json"),
    );
    assert_eq!((d.status(), d.reason()), (200, "closed_without_merge"));
}
