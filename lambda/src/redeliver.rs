//! The redelivery job, on a schedule (EventBridge, every 15 minutes by
//! default): for each configured hook, the deliveries GitHub failed to make
//! are asked for again, once each. The same code as `hooklake redeliver`
//! (`hooklake_github::redeliver`); the state of each hook is an S3 object.
//!
//! Settings (environment):
//!
//! - `HOOKLAKE_REDELIVER_HOOKS`: the hooks, comma-separated:
//!   `repo:OWNER/NAME:ID`, `org:ORG:ID`, `app`.
//! - `HOOKLAKE_REDELIVER_STATE`: `s3://bucket/prefix/`; each hook's state is
//!   `prefix/redeliver-<hook>.json`.
//! - `HOOKLAKE_GITHUB_SECRET_ARN`: credentials that may read the hooks'
//!   deliveries and redeliver ("Webhooks: Read and write"; an App's own
//!   hook: the App's key).
//! - `HOOKLAKE_GITHUB_API_URL` (optional), `HOOKLAKE_REDELIVER_PACE`
//!   (default 1s between two redelivery requests).
//!
//! A hook whose log cannot be read, a redelivery GitHub refused, or one
//! given up after five ends the invocation in an error (after every hook
//! had its turn), so the function's `Errors` alarm shows it.

use anyhow::Context;
use hooklake_aws::emf::print_emf;
use hooklake_aws::state::S3State;
use hooklake_github::deliveries::Hook;
use hooklake_github::redeliver::{self, RedeliverOptions, DEFAULT_PACE};
use hooklake_github::{GitHubClient, DEFAULT_API_URL};
use hooklake_schema::metrics::Sample;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde::Serialize;
use tokio::sync::OnceCell;

use crate::settings::duration_var;

struct State {
    config: aws_config::SdkConfig,
    hooks: Vec<Hook>,
    /// `s3://bucket/prefix/`, ending in `/`.
    state_prefix: String,
    secret_arn: String,
    api_url: String,
    options: RedeliverOptions,
    source: String,
    client: OnceCell<GitHubClient>,
}

/// One hook's run, in the function's response.
#[derive(Debug, Serialize)]
struct HookSummary {
    hook: String,
    read: usize,
    redelivered: usize,
    pending: usize,
    given_up: Vec<String>,
    refused: Vec<(String, String)>,
    error: Option<String>,
}

async fn handle(
    state: &State,
    _event: LambdaEvent<serde_json::Value>,
) -> Result<Vec<HookSummary>, Error> {
    let client = state
        .client
        .get_or_try_init(|| async {
            let credentials =
                hooklake_aws::credentials::load(&state.config, &state.secret_arn).await?;
            anyhow::Ok(GitHubClient::new(&state.api_url, credentials)?)
        })
        .await?;
    let s3 = hooklake_aws::s3_client(&state.config);
    let mut summaries = Vec::new();
    let mut samples: Vec<Sample> = Vec::new();
    for hook in &state.hooks {
        let location = format!("{}redeliver-{}.json", state.state_prefix, hook.slug());
        let store = S3State::new(s3.clone(), &location)?;
        let summary = match redeliver::run(client, hook, &store, &state.options).await {
            Ok(report) => {
                samples.extend(report.samples());
                HookSummary {
                    hook: hook.to_string(),
                    read: report.read,
                    redelivered: report.redelivered.len(),
                    pending: report.plan.pending.len(),
                    given_up: report
                        .plan
                        .given_up
                        .iter()
                        .map(|c| c.guid.clone())
                        .collect(),
                    refused: report.failed,
                    error: None,
                }
            }
            Err(error) => {
                tracing::error!(hook = %hook, error = %error, "redelivery run failed");
                HookSummary {
                    hook: hook.to_string(),
                    read: 0,
                    redelivered: 0,
                    pending: 0,
                    given_up: Vec::new(),
                    refused: Vec::new(),
                    error: Some(error.to_string()),
                }
            }
        };
        summaries.push(summary);
    }
    print_emf(&merge(samples), &state.source);
    let problems: Vec<String> = summaries
        .iter()
        .flat_map(|s| {
            let mut problems = Vec::new();
            if let Some(error) = &s.error {
                problems.push(format!("{}: {error}", s.hook));
            }
            if !s.given_up.is_empty() {
                problems.push(format!(
                    "{}: given up after {} redeliveries (the edge keeps refusing them): {}",
                    s.hook,
                    redeliver::MAX_REQUESTS,
                    s.given_up.join(", ")
                ));
            }
            if !s.refused.is_empty() {
                problems.push(format!(
                    "{}: GitHub refused {} redeliveries",
                    s.hook,
                    s.refused.len()
                ));
            }
            problems
        })
        .collect();
    tracing::info!(summaries = %serde_json::to_string(&summaries).unwrap_or_default(), "redelivery done");
    if problems.is_empty() {
        Ok(summaries)
    } else {
        Err(problems.join("; ").into())
    }
}

/// One sample per metric name: the hooks' counts added up.
fn merge(samples: Vec<Sample>) -> Vec<Sample> {
    let mut merged: Vec<Sample> = Vec::new();
    for sample in samples {
        match merged
            .iter_mut()
            .find(|m| m.cloudwatch_name() == sample.cloudwatch_name())
        {
            Some(m) => m.value += sample.value,
            None => merged.push(sample),
        }
    }
    merged
}

pub async fn run() -> Result<(), Error> {
    let hooks = std::env::var("HOOKLAKE_REDELIVER_HOOKS")
        .context(
            "HOOKLAKE_REDELIVER_HOOKS is not set; list the hooks, e.g. repo:OWNER/NAME:HOOK_ID",
        )?
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.parse::<Hook>().map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let state_url = std::env::var("HOOKLAKE_REDELIVER_STATE")
        .context("HOOKLAKE_REDELIVER_STATE is not set; set it to s3://BUCKET/PREFIX/")?;
    let state_prefix = format!("{}/", state_url.trim_end_matches('/'));
    let state = State {
        config: hooklake_aws::load_config().await?,
        hooks,
        state_prefix,
        secret_arn: std::env::var("HOOKLAKE_GITHUB_SECRET_ARN").context(
            "HOOKLAKE_GITHUB_SECRET_ARN is not set; the secret with the webhooks credentials",
        )?,
        api_url: std::env::var("HOOKLAKE_GITHUB_API_URL")
            .unwrap_or_else(|_| DEFAULT_API_URL.to_owned()),
        options: RedeliverOptions {
            dry_run: false,
            pace: duration_var("HOOKLAKE_REDELIVER_PACE", DEFAULT_PACE)?,
        },
        source: crate::settings::metrics_source(),
        client: OnceCell::new(),
    };
    let state = &state;
    lambda_runtime::run(service_fn(move |event| handle(state, event))).await
}
