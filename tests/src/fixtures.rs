//! The octokit webhook fixtures under `tests/fixtures/octokit-webhooks/`.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

/// The fixture root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/octokit-webhooks")
}

/// One fixture: its GitHub event name (the folder), file name and text.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub event: String,
    pub name: String,
    pub body: String,
}

/// Every fixture, sorted by event then file name.
pub fn all() -> Vec<Fixture> {
    let mut fixtures = Vec::new();
    let mut events: Vec<_> = std::fs::read_dir(root())
        .expect("fixture root exists")
        .map(|e| e.expect("readable fixture dir").path())
        .filter(|p| p.is_dir())
        .collect();
    events.sort();
    for dir in events {
        let event = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for file in files {
            fixtures.push(Fixture {
                event: event.clone(),
                name: file.file_name().unwrap().to_string_lossy().into_owned(),
                body: std::fs::read_to_string(&file).unwrap(),
            });
        }
    }
    fixtures
}

/// One fixture by event and file name.
pub fn load(event: &str, name: &str) -> String {
    let path = root().join(event).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The same pull request event, turned into a merge as GitHub reports one:
/// action `closed`, `merged: true`, `merged_at`, `merged_by` and a merge sha.
pub fn merged_variant(pull_request_payload: &str) -> Value {
    let mut v: Value = serde_json::from_str(pull_request_payload).expect("fixture is JSON");
    let merged_at = v["pull_request"]["updated_at"].clone();
    let sender = v["sender"].clone();
    v["action"] = json!("closed");
    let pr = &mut v["pull_request"];
    pr["state"] = json!("closed");
    pr["merged"] = json!(true);
    pr["merged_at"] = merged_at.clone();
    pr["closed_at"] = merged_at;
    pr["merged_by"] = sender;
    if pr["merge_commit_sha"].is_null() {
        pr["merge_commit_sha"] = json!("0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c");
    }
    v
}

/// A merged pull request delivery of the size GitHub sends (~28 KB; pretty
/// printed like the octokit fixtures).
pub fn merged_delivery_28k() -> String {
    serde_json::to_string_pretty(&merged_variant(&load(
        "pull_request",
        "closed.payload.json",
    )))
    .expect("JSON value serialises")
}

/// A merged pull request delivery for `repository` (`owner/name`) and PR
/// `number`, compact JSON: lets tests aim enrichment at fake repositories.
pub fn merged_payload_for(repository: &str, number: i64) -> String {
    let mut v = merged_variant(&load("pull_request", "closed.payload.json"));
    let name = repository.split('/').nth(1).unwrap_or(repository);
    v["repository"]["full_name"] = json!(repository);
    v["repository"]["name"] = json!(name);
    // Distinct repositories need distinct ids for the dedup view's key.
    let id = repository
        .bytes()
        .fold(7i64, |h, b| (h * 31 + b as i64) % 1_000_000_007);
    v["repository"]["id"] = json!(id);
    v["number"] = json!(number);
    v["pull_request"]["number"] = json!(number);
    v.to_string()
}
