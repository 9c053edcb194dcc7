//! The same merge delivered twice (a GitHub redelivery, or at-least-once
//! delivery downstream) is two rows in the table and one in the view.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use hooklake_schema::envelope::Envelope;
use hooklake_tests::fixtures;

#[test]
fn merged_pull_requests_view_keeps_the_latest_delivery_of_each_merge() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let t0: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-27T10:00:00Z")
        .unwrap()
        .to_utc();
    let first = fixtures::merged_delivery_28k();
    // Another pull request of the same repository.
    let mut other =
        fixtures::merged_variant(&fixtures::load("pull_request", "closed.payload.json"));
    other["number"] = 3.into();
    other["pull_request"]["number"] = 3.into();
    let other = other.to_string();
    let lines = [
        Envelope::inline("d-1", "pull_request", None, t0, first.clone()),
        Envelope::inline(
            "d-2",
            "pull_request",
            None,
            t0 + Duration::minutes(5),
            first,
        ),
        Envelope::inline("d-3", "pull_request", None, t0, other),
    ]
    .map(|e| e.to_line())
    .join("\n");
    let file = dir.path().join("deliveries.jsonl");
    std::fs::write(&file, lines).unwrap();
    assert!(
        run(hooklake().args(["import", "--lake"]).arg(&lake).arg(&file))
            .status
            .success()
    );

    assert_eq!(
        query_csv(&lake, "SELECT count(*) FROM github_webhooks_table"),
        ["3"]
    );
    assert_eq!(
        query_csv(
            &lake,
            "SELECT delivery_id FROM merged_pull_requests ORDER BY delivery_id"
        ),
        ["d-2", "d-3"],
        "one row per merge, the latest delivery winning"
    );
    // The view is the generated one, with every column of the table.
    assert_eq!(
        query_csv(&lake, "SELECT count(*) FROM github_webhooks_db.merged_pull_requests WHERE merged_date IS NOT NULL AND payload IS NOT NULL"),
        ["2"]
    );
}

/// The partitions a query's physical plan reads (`EXPLAIN`, through
/// `hooklake query`).
fn partitions_read(lake: &std::path::Path, sql: &str) -> std::collections::BTreeSet<String> {
    let out = run(hooklake()
        .args(["query", "--format", "json", "--lake"])
        .arg(lake)
        .arg(format!("EXPLAIN {sql}")));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let physical: String = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|row| row["plan_type"] == "physical_plan")
        .map(|row| row["plan"].as_str().unwrap().to_owned())
        .collect();
    physical
        .match_indices("merged_date=")
        .map(|(i, _)| physical[i..i + "merged_date=2026-11-27".len()].to_owned())
        .collect()
}

#[test]
fn a_date_filter_on_the_view_reads_only_those_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let t0: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-18T10:00:00Z")
        .unwrap()
        .to_utc();
    // Ten days of merges, one a day, each delivered twice.
    let lines: Vec<String> = (0..10)
        .flat_map(|day| {
            let mut payload =
                fixtures::merged_variant(&fixtures::load("pull_request", "closed.payload.json"));
            let merged_at = (t0 + Duration::days(day)).to_rfc3339();
            payload["number"] = (100 + day).into();
            payload["pull_request"]["number"] = (100 + day).into();
            payload["pull_request"]["merged_at"] = merged_at.into();
            let payload = payload.to_string();
            [0, 1].map(|copy| {
                Envelope::inline(
                    format!("d-{day}-{copy}"),
                    "pull_request",
                    None,
                    t0 + Duration::days(day) + Duration::minutes(copy),
                    payload.clone(),
                )
                .to_line()
            })
        })
        .collect();
    let file = dir.path().join("deliveries.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    assert!(
        run(hooklake().args(["import", "--lake"]).arg(&lake).arg(&file))
            .status
            .success()
    );
    let filter = "merged_date >= '2026-11-25'";
    let wanted: std::collections::BTreeSet<String> = (25..=27)
        .map(|d| format!("merged_date=2026-11-{d}"))
        .collect();

    // Through the view: only the filtered partitions are read, and the
    // answer is one row per merge.
    let sql = format!("SELECT number FROM merged_pull_requests WHERE {filter}");
    assert_eq!(partitions_read(&lake, &sql), wanted);
    assert_eq!(
        query_csv(&lake, &format!("{sql} ORDER BY number")),
        ["107", "108", "109"]
    );
    // A window ranking across partitions (the view before) reads them all.
    let across = format!(
        "SELECT number FROM (SELECT number, merged_date, row_number() OVER \
         (PARTITION BY repository_id, number ORDER BY received_at DESC) AS r \
         FROM github_webhooks_table) WHERE r = 1 AND {filter}"
    );
    assert_eq!(partitions_read(&lake, &across).len(), 10);
}
