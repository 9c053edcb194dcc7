//! `hooklake redeliver`: a thin shell over `hooklake_github::redeliver`
//! (credentials, where the state lives, output).

use anyhow::Context;
use hooklake_github::deliveries::Hook;
use hooklake_github::redeliver::{self, RedeliverOptions, RedeliverReport, StateFile};

use crate::github::GitHubArgs;
use crate::maintain::StatusFormat;

/// The state file used when none is given: one per hook, in the current
/// directory.
pub fn default_state(hook: &Hook) -> String {
    format!("hooklake-redeliver-{}.json", hook.slug())
}

/// Runs one redelivery pass; `Ok(false)` when something needs a person
/// (a refused redelivery, a delivery given up).
pub async fn run(
    hook: &Hook,
    state: Option<&str>,
    options: &RedeliverOptions,
    github: &GitHubArgs,
    format: StatusFormat,
) -> anyhow::Result<bool> {
    let Some(client) = github.client().await? else {
        anyhow::bail!(
            "redeliver needs GitHub credentials that may read {hook}'s deliveries: {}. \
             Set {} (or --github-credentials FILE, --github-secret-arn ARN)",
            hook.permission(),
            crate::github::TOKEN_VAR
        );
    };
    let location = state.map_or_else(|| default_state(hook), str::to_owned);
    let result = if location.starts_with("s3://") {
        let store = crate::aws::state(&location).await?;
        redeliver::run(&client, hook, &store, options).await
    } else {
        let store = StateFile(location.clone().into());
        redeliver::run(&client, hook, &store, options).await
    };
    let report = match result {
        Ok(report) => report,
        Err(error @ redeliver::RedeliverError::Refused { .. }) => {
            return Err(error).with_context(|| {
                format!(
                    "the credentials used were {}; they need {}",
                    github.credential_source(),
                    hook.permission()
                )
            })
        }
        Err(error) => return Err(error.into()),
    };
    match format {
        StatusFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        StatusFormat::Text => print!("{}", render(hook, &location, &report)),
    }
    Ok(report.is_clean())
}

fn render(hook: &Hook, location: &str, report: &RedeliverReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let plan = &report.plan;
    let _ = writeln!(
        out,
        "{hook}: {} attempts read ({} pages); state {location}",
        report.read, report.pages
    );
    let verb = if report.dry_run {
        "would redeliver"
    } else {
        "redelivered"
    };
    let _ = writeln!(out, "{verb}: {}", plan.redeliver.len());
    for c in &plan.redeliver {
        let refused = report
            .failed
            .iter()
            .find(|(guid, _)| *guid == c.guid)
            .map(|(_, why)| format!("  REFUSED: {why}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {}  {}.{}  {}  ({}){refused}",
            c.guid,
            c.event,
            c.action.as_deref().unwrap_or("-"),
            c.delivered_at.format("%Y-%m-%d %H:%M:%SZ"),
            c.status
        );
    }
    let _ = writeln!(
        out,
        "pending (asked for, not attempted yet): {}; resolved since asked: {}; other events' failures ignored: {}",
        plan.pending.len(),
        plan.resolved.len(),
        plan.ignored
    );
    if !plan.given_up.is_empty() {
        let _ = writeln!(
            out,
            "GIVEN UP after {} redeliveries (the edge keeps refusing them; see its alerts): {}",
            redeliver::MAX_REQUESTS,
            plan.given_up.len()
        );
        for c in &plan.given_up {
            let _ = writeln!(out, "  {}  ({})", c.guid, c.status);
        }
    }
    if report.dry_run {
        let _ = writeln!(out, "dry run: nothing asked for, state unchanged");
    }
    out
}
