//! The `hooklake` command line: parses the arguments and dispatches to
//! `commands/<name>.rs`, where each subcommand's arguments and work live.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
#[cfg(not(feature = "aws"))]
use commands::args::WithoutAws;
use commands::{
    backfill::BackfillArgs, compact::CompactArgs, ddl::DdlArgs, hook_url::HookUrlArgs,
    import::ImportArgs, query::QueryArgs, redeliver::RedeliverArgs,
    rotate_secret::RotateSecretArgs, send::SendArgs, serve::ServeArgs, status::StatusArgs,
    verify::VerifyArgs,
};
#[cfg(feature = "aws")]
use commands::{dlq::DlqCommand, ingest::IngestArgs};
use hooklake::demo;

/// A permanent, queryable log of merged GitHub pull requests.
///
/// Locally: `hooklake serve` receives GitHub webhooks, keeps every merged pull
/// request in a Parquet lake on disk, and `hooklake query` runs SQL over it.
/// Try it all at once with `hooklake demo`.
#[derive(Parser)]
#[command(name = "hooklake", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log format on standard error.
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: LogFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Receive GitHub webhooks and keep merged pull requests in a local Parquet lake.
    ///
    /// Any path accepts webhooks; GET /healthz reports health. The secret comes from
    /// HOOKLAKE_WEBHOOK_SECRET (and HOOKLAKE_WEBHOOK_SECRET_PREVIOUS during a rotation).
    /// Deliveries are answered 2xx only once stored in the on-disk queue; SIGINT or
    /// SIGTERM stops accepting, flushes the queue to the lake and exits.
    Serve(ServeArgs),
    /// Run SQL over the lake; the table is github_webhooks_table.
    ///
    /// Example: hooklake query "SELECT repository, changed_files.added, changed_files.removed,
    /// changed_files.modified FROM github_webhooks_table LIMIT 10;"
    Query(QueryArgs),
    /// Print Athena's CREATE EXTERNAL TABLE statement for the lake.
    Ddl(DdlArgs),
    /// Ingest files of queue messages (one envelope per line, e.g. a dead-letter dump).
    ///
    /// Lines that cannot be ingested are reported with their number and the rest are
    /// imported; the exit status is then 1. Importing the same file again does not
    /// duplicate rows.
    Import(ImportArgs),
    /// Sign a payload with HOOKLAKE_WEBHOOK_SECRET and POST it exactly as GitHub does.
    Send(SendArgs),
    /// Run the whole pipeline on a temporary lake with bundled sample deliveries.
    Demo,
    /// Poll an SQS queue of deliveries into an S3 lake: the Lambda's handler as a
    /// long-running process (ECS, Kubernetes, a VM).
    ///
    /// Uses the standard AWS configuration (environment, profile, instance or task
    /// role; AWS_ENDPOINT_URL for emulators). A message is deleted only once its row
    /// is in S3; SIGTERM finishes the batch in hand and exits.
    #[cfg(feature = "aws")]
    Ingest(IngestArgs),
    /// Work with the dead-letter queue.
    #[cfg(feature = "aws")]
    #[command(subcommand)]
    Dlq(DlqCommand),
    #[cfg(not(feature = "aws"))]
    #[command(hide = true)]
    Ingest(WithoutAws),
    #[cfg(not(feature = "aws"))]
    #[command(hide = true)]
    Dlq(WithoutAws),
    /// Rewrite the lake's partitions as few large files, one row per delivery, with
    /// changed files looked up again where ingest could not get them.
    ///
    /// Per partition: reads every file, keeps one row per delivery id (the best-enriched
    /// copy), repairs rows whose changed_files_status is repairable (with GitHub
    /// credentials), writes the partition as few files as --target-size allows, then
    /// deletes the files it read. Safe to kill at any moment and to run beside serve,
    /// the Lambda or another compaction: new files are written before old ones are
    /// deleted, and only files it read are deleted. A file it cannot read is kept, its
    /// partition left as it is, and the exit status is 1. By default it takes every
    /// partition with more than one file, a duplicate delivery, or (with credentials) a
    /// row to repair.
    Compact(CompactArgs),
    /// Ask GitHub to send again the merged-pull-request deliveries it failed to make.
    ///
    /// GitHub never retries a delivery the edge answered 5xx or did not answer in 10 s.
    /// This reads the hook's delivery log (kept by GitHub for 3 days) back to where the
    /// last run stopped, and asks once for each closed pull_request delivery with no 2xx
    /// attempt to be redelivered. The state (watermark and requests made) is saved after
    /// every request, so a run killed halfway asks for none twice. Run it every 15
    /// minutes (cron, or the Terraform schedule on AWS). Needs a token or App with
    /// "Webhooks: Read and write" (classic scopes admin:repo_hook / admin:org_hook).
    #[command(group = clap::ArgGroup::new("which").required(true).args(["repo", "org", "app"]))]
    Redeliver(RedeliverArgs),
    /// Write the pull requests merged in a date range from GitHub's API, as the rows
    /// their deliveries would have given (e.g. those merged before the webhook existed).
    ///
    /// Rows equal delivered ones in every column but delivery_id (backfill-<repository
    /// id>-<number>, which tells them apart), received_at and payload (the `closed`
    /// payload built from the API's pull request). Pull requests already in the lake are
    /// left alone. Saves its position after every 100 pull requests
    /// (--state); after a crash or Ctrl-C the same command resumes. Waits out GitHub's
    /// rate limits. Needs "Pull requests: Read" (and "Contents: Read" for private
    /// repositories' files).
    Backfill(BackfillArgs),
    /// List the pull requests GitHub says were merged in a date range that have no row
    /// in the lake; exit status 1 when any is missing. --repair backfills exactly those.
    Verify(VerifyArgs),
    /// Show what the lake holds: partitions, files, small files, rows by
    /// changed_files_status, duplicate deliveries and freshness. With
    /// --delivery ID: where that one delivery is (serve's queue, its dead
    /// letters, or the lake file holding its row).
    Status(StatusArgs),
    /// Give the webhook a new secret, with no delivery refused on the way.
    ///
    /// Makes a random secret, adds it to the Worker as WEBHOOK_SECRET_NEXT (Cloudflare's
    /// API), waits until the Worker accepts a ping signed with it, switches every --hook
    /// to it on GitHub, keeps both secrets accepted for --overlap, then makes it the
    /// Worker's WEBHOOK_SECRET and deletes WEBHOOK_SECRET_NEXT: the old secret is then
    /// refused. A Worker with no WEBHOOK_SECRET yet (a first deployment) gets it at once.
    /// The secret is written only to the Worker and to GitHub, never to a file
    /// or Terraform's state. Run it on a schedule (.github/workflows/rotate.yml) or by
    /// hand. Needs CLOUDFLARE_API_TOKEN ("Workers Scripts: Edit") and GitHub credentials
    /// with "Webhooks: Read and write" (classic scopes admin:repo_hook / admin:org_hook).
    RotateSecret(RotateSecretArgs),
    /// Point the webhooks at a new URL, keeping the secret they sign with.
    ///
    /// Sends GitHub only the URL ("Update a webhook configuration"), so the secret set
    /// by rotate-secret stays; a hook already at --url is left alone. Terraform does
    /// not change a hook's URL (its github provider would send an empty secret with
    /// it): scripts/deploy-worker.sh runs this after every deploy. Needs GitHub
    /// credentials with "Webhooks: Read and write".
    HookUrl(HookUrlArgs),
}

fn init_logs(format: LogFormat, default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    // Colours only for a person at a terminal (https://no-color.org).
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => commands::serve::run(args).await,
        Command::Query(args) => commands::query::run(args).await,
        Command::Ddl(args) => commands::ddl::run(args).await,
        Command::Import(args) => commands::import::run(args).await,
        Command::Send(args) => commands::send::run(args).await,
        Command::Demo => demo::run().await.map(|()| ExitCode::SUCCESS),
        #[cfg(feature = "aws")]
        Command::Ingest(args) => commands::ingest::run(args).await,
        #[cfg(feature = "aws")]
        Command::Dlq(command) => commands::dlq::run(command).await,
        #[cfg(not(feature = "aws"))]
        Command::Ingest(_) => Err(hooklake::aws::needs_aws("hooklake ingest")),
        #[cfg(not(feature = "aws"))]
        Command::Dlq(_) => Err(hooklake::aws::needs_aws("hooklake dlq")),
        Command::Compact(args) => commands::compact::run(args).await,
        Command::Redeliver(args) => commands::redeliver::run(args).await,
        Command::Backfill(args) => commands::backfill::run(args).await,
        Command::Verify(args) => commands::verify::run(args).await,
        Command::Status(args) => commands::status::run(args).await,
        Command::RotateSecret(args) => commands::rotate_secret::run(args).await,
        Command::HookUrl(args) => commands::hook_url::run(args).await,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Before the runtime starts its threads: one malloc arena and no
    // trimming for the batch-shaped commands (docs/benchmarks.md, "Measurements behind the code's choices").
    match cli.command {
        Command::Import(_) => hooklake_ingest::alloc::tune_malloc_for_batches(true),
        Command::Compact(_) | Command::Serve(_) => {
            hooklake_ingest::alloc::tune_malloc_for_batches(false)
        }
        _ => {}
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(main_async(cli))
}

async fn main_async(cli: Cli) -> ExitCode {
    // The demo prints its own story; its logs would only interleave with it.
    let default_level = if matches!(cli.command, Command::Demo) {
        "warn"
    } else {
        "info"
    };
    init_logs(cli.log_format, default_level);
    match run(cli).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
