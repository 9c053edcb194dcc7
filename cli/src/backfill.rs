//! `hooklake backfill` and `hooklake verify`: thin shells over
//! `hooklake_maintain::{backfill, verify}` (the lake, the state's place,
//! a progress bar, output).

use anyhow::Context;
use hooklake_github::pulls::MergedRange;
use hooklake_github::state::{StateFile, StateStore};
use hooklake_github::Enricher;
use hooklake_maintain::backfill::{
    self, Backfill, BackfillOptions, BackfillProgress, BackfillReport, IntoLake,
};
use hooklake_maintain::verify::{self, VerifyReport};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::lake::Lake;
use crate::maintain::StatusFormat;

/// The state file used when none is given: one per repository, in the
/// current directory.
pub fn default_state(repository: &str) -> String {
    format!("hooklake-backfill-{}.json", repository.replace('/', "-"))
}

/// A progress bar: pull requests listed, then written, with an ETA.
struct Bar(ProgressBar);

impl Bar {
    fn new() -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg} {wide_bar} {pos}/{len} ({per_sec}, {eta})",
            )
            .expect("valid progress template"),
        );
        bar.set_message("listing merged pull requests");
        Bar(bar)
    }
}

impl BackfillProgress for Bar {
    fn listed(&self, total: usize) {
        self.0.set_position(total as u64);
    }
    fn written(&self, done: usize, total: usize) {
        if self.0.length() != Some(total as u64) {
            self.0.set_message("writing rows");
            self.0.set_length(total as u64);
            self.0.reset_eta();
        }
        self.0.set_position(done as u64);
    }
}

/// `hooklake backfill`: returns its report (printed by the caller).
/// `queue_url`: send the deliveries there instead of writing the lake.
pub async fn backfill(
    job: &Backfill<'_>,
    lake: &Lake,
    queue_url: Option<&str>,
    state: Option<&str>,
) -> anyhow::Result<BackfillReport> {
    let repository = job.repository;
    let location = state.map_or_else(|| default_state(repository), str::to_owned);
    let bar = Bar::new();
    let report = if location.starts_with("s3://") {
        let store = crate::aws::state(&location).await?;
        into(job, lake, queue_url, &store, &bar).await
    } else {
        let store = StateFile(location.clone().into());
        into(job, lake, queue_url, &store, &bar).await
    };
    bar.0.finish_and_clear();
    report.with_context(|| {
        format!("backfill of {repository} stopped; run the same command again to resume from {location}")
    })
}

/// Runs `job` with the concrete lake and destination.
async fn into<T: StateStore>(
    job: &Backfill<'_>,
    lake: &Lake,
    queue_url: Option<&str>,
    store: &T,
    bar: &Bar,
) -> anyhow::Result<BackfillReport> {
    #[cfg(feature = "aws")]
    let queue = match queue_url {
        Some(url) => Some(crate::aws::queue(url).await?),
        None => None,
    };
    #[cfg(not(feature = "aws"))]
    let queue: Option<std::convert::Infallible> = match queue_url {
        Some(url) => return Err(crate::aws::needs_aws(&format!("--queue-url {url}"))),
        None => None,
    };
    Ok(match &queue {
        None => backfill::backfill(job, lake, &IntoLake(lake), store, bar).await?,
        #[cfg(feature = "aws")]
        Some(queue) => backfill::backfill(job, lake, queue, store, bar).await?,
        #[cfg(not(feature = "aws"))]
        Some(never) => match *never {},
    })
}

/// `hooklake verify`, and with `repair` the backfill of what is missing.
/// Returns the report and, if repaired, what the repair wrote.
pub async fn verify(
    enricher: &Enricher,
    repository: &str,
    range: MergedRange,
    lake: &Lake,
    repair: bool,
    options: &BackfillOptions,
) -> anyhow::Result<(VerifyReport, Option<BackfillReport>)> {
    let client = enricher.client().with_context(|| {
        format!(
            "verify needs GitHub credentials that can read {repository}'s pull requests: set {} \
             (or --github-credentials FILE, --github-secret-arn ARN)",
            crate::github::TOKEN_VAR
        )
    })?;
    let report = verify::verify(client, repository, range, lake).await?;
    let repaired = if repair && !report.missing.is_empty() {
        Some(
            backfill::write_pulls(
                enricher,
                repository,
                &report.missing,
                &IntoLake(lake),
                options,
            )
            .await?,
        )
    } else {
        None
    };
    Ok((report, repaired))
}

/// A verify report for people.
pub fn render_verify(report: &VerifyReport, repaired: Option<&BackfillReport>) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} pull requests merged from {} to {} on GitHub; {} in the lake, {} missing",
        report.repository,
        report.merged_on_github,
        report.since,
        report.until,
        report.in_lake,
        report.missing.len()
    );
    for pull in &report.missing {
        let _ = writeln!(
            out,
            "  missing #{} (merged {})",
            pull.number,
            pull.merged_at.format("%Y-%m-%d %H:%M:%SZ")
        );
    }
    if let Some(repaired) = repaired {
        let _ = writeln!(
            out,
            "repaired: {} rows written{}",
            repaired.written,
            if repaired.gone.is_empty() {
                String::new()
            } else {
                format!(" ({} gone from GitHub)", repaired.gone.len())
            }
        );
    } else if !report.missing.is_empty() {
        let _ = writeln!(out, "run again with --repair to backfill exactly these");
    }
    out
}

/// Prints a report as `format` asks.
pub fn print<T: serde::Serialize>(value: &T, format: StatusFormat, text: impl FnOnce() -> String) {
    match format {
        StatusFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(value).expect("reports serialise")
        ),
        StatusFormat::Text => print!("{}", text()),
    }
}
