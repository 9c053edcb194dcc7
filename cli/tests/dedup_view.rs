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
