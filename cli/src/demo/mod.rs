//! `hooklake demo`: the whole pipeline in one command, on a temporary lake.

mod sample_github;

use std::sync::Arc;
use std::time::Duration;

use hooklake_edge::WebhookSecrets;
use hooklake_github::{Credentials, Enricher, GitHubClient};
use hooklake_ingest::policy::FlushPolicy;
use hooklake_schema::REFERENCE_QUERY;

use crate::github::TOKEN_VAR;
use crate::query::{self, OutputFormat};
use crate::send::{self, Delivery};
use crate::serve::{ServeConfig, Server};

/// Bundled sample payloads (octokit fixtures, MIT; see samples/README.md).
const MERGED: &str = include_str!("../../samples/merged.json");
const MERGED_ORGANIZATION: &str = include_str!("../../samples/merged-organization.json");
const CLOSED_UNMERGED: &str = include_str!("../../samples/closed-unmerged.json");
const PING: &str = include_str!("../../samples/ping.json");

/// Runs the demo, printing what happens to stdout.
pub async fn run() -> anyhow::Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("hooklake-demo-")
        .tempdir()?;
    let lake = dir.path().join("lake");
    // Changed files come from sample answers through the real client, so
    // the reference query shows them without a network or a token.
    let github = sample_github::SampleGitHub::start().await?;
    let sample_client = GitHubClient::new(&github.url, Credentials::Token("sample".into()))?;
    let secret = uuid::Uuid::new_v4().to_string();
    let server = Server::start(ServeConfig {
        listen: "127.0.0.1:0".parse()?,
        lake: lake.clone(),
        queue: None,
        secrets: WebhookSecrets::new([&secret]),
        policy: FlushPolicy {
            max_age: Duration::from_secs(3600),
            ..FlushPolicy::default()
        },
        enrich_budget: Duration::from_secs(5),
        enricher: Arc::new(Enricher::new(Some(sample_client))),
        compact_every: None,
        limits: Default::default(),
    })
    .await?;
    let url = format!("http://{}/", server.addr);
    println!(
        "hooklake demo: serving {url} with a lake in {}\n",
        lake.display()
    );

    let deliveries = [
        (
            "merged pull request",
            Delivery::signed("pull_request", MERGED, &secret, false),
        ),
        (
            "merged pull request (form-encoded)",
            Delivery::signed("pull_request", MERGED_ORGANIZATION, &secret, true),
        ),
        (
            "pull request closed without merge",
            Delivery::signed("pull_request", CLOSED_UNMERGED, &secret, false),
        ),
        ("ping", Delivery::signed("ping", PING, &secret, false)),
        (
            "forged signature",
            Delivery::signed("pull_request", MERGED, "not-the-secret", false),
        ),
    ];
    let client = send::client()?;
    for (what, delivery) in &deliveries {
        let answer = send::post(&client, &url, delivery).await?;
        let reason: serde_json::Value = serde_json::from_str(&answer.body).unwrap_or_default();
        println!(
            "  {what:<38} → {} {} ({})",
            answer.status,
            reason["outcome"].as_str().unwrap_or("?"),
            reason["reason"].as_str().unwrap_or("?")
        );
    }

    let flushed = server.shutdown().await?;
    println!(
        "\nflushed {} row(s) into {} Parquet file(s)\n",
        flushed.rows, flushed.files
    );
    let ctx = query::lake_session(&lake).await?;
    println!("{REFERENCE_QUERY}");
    print!(
        "{}",
        query::render(
            &query::run(&ctx, REFERENCE_QUERY).await?,
            OutputFormat::Table
        )?
    );
    println!(
        "\n(changed_files above come from sample answers in the shape of GitHub's API, \
         cli/samples/github/, not from github.com)"
    );
    println!(
        "\nNext: export HOOKLAKE_WEBHOOK_SECRET=...; hooklake serve   (then point a GitHub webhook at it, or use hooklake send)"
    );
    if std::env::var_os(TOKEN_VAR).is_some() {
        println!(
            "      {TOKEN_VAR} is set: hooklake serve looks each merged pull request's \
             changed files up on GitHub with it (--github-api-url for GitHub Enterprise Server)"
        );
    } else {
        println!(
            "      export {TOKEN_VAR}=... (a token that can read the repositories' pull requests) \
             and hooklake serve fills changed_files from GitHub"
        );
    }
    Ok(())
}
