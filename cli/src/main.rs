//! The `hooklake` command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use hooklake::github::GitHubArgs;
use hooklake::query::OutputFormat;
use hooklake::serve::{ServeConfig, Server};
use hooklake::{config, demo, import, maintain, query, send};
#[cfg(feature = "aws")]
use hooklake::{dlq, ingest};
#[cfg(feature = "aws")]
use hooklake_aws::poller::PollerOptions;
use hooklake_ingest::local::LocalLake;
use hooklake_ingest::policy::FlushPolicy;

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

#[derive(Args)]
struct HookUrlArgs {
    /// A hook to point: repo:OWNER/NAME:ID, org:ORG:ID or app; repeatable
    /// (terraform output webhook_hooks).
    #[arg(long = "hook", value_name = "HOOK", required = true)]
    hooks: Vec<hooklake_github::deliveries::Hook>,
    /// The webhook URL GitHub should post to (terraform output worker_url).
    #[arg(long, env = "HOOKLAKE_WEBHOOK_URL")]
    url: String,
    #[command(flatten)]
    github: GitHubArgs,
}

#[derive(Args)]
struct RotateSecretArgs {
    /// A hook to switch: repo:OWNER/NAME:ID, org:ORG:ID or app; repeatable, every hook
    /// that sends to the Worker (terraform output webhook_hooks).
    #[arg(long = "hook", value_name = "HOOK", required = true)]
    hooks: Vec<hooklake_github::deliveries::Hook>,
    /// The webhook URL GitHub posts to (terraform output webhook_url).
    #[arg(long, env = "HOOKLAKE_WEBHOOK_URL")]
    worker_url: String,
    /// The Cloudflare account the Worker is in.
    #[arg(long, env = "CLOUDFLARE_ACCOUNT_ID")]
    cloudflare_account: String,
    /// The Worker's name (wrangler.toml's `name`).
    #[arg(long, default_value = "hooklake-edge")]
    worker_name: String,
    /// How long both secrets stay accepted after GitHub switched: deliveries GitHub
    /// signed just before the switch are still on their way.
    #[arg(long, default_value = "2m", value_parser = humantime::parse_duration)]
    overlap: Duration,
    /// Longest wait for the Worker to apply a new secret.
    #[arg(long, default_value = "2m", value_parser = humantime::parse_duration)]
    propagation: Duration,
    /// Cloudflare's API (as for wrangler).
    #[arg(long, env = "CLOUDFLARE_API_BASE_URL", default_value = hooklake::rotate::CLOUDFLARE_API)]
    cloudflare_api_url: String,
    /// Only give a Worker without a WEBHOOK_SECRET its first one (the deploy workflow);
    /// leave a Worker that has one alone.
    #[arg(long)]
    only_if_unset: bool,
    #[command(flatten)]
    github: GitHubArgs,
}

#[derive(Args)]
struct MaintainLakeArg {
    /// The lake: a directory, or s3://BUCKET/PREFIX (AWS configuration as for `ingest`).
    #[arg(long, env = "HOOKLAKE_LAKE", default_value = "lake")]
    lake: String,
}

#[derive(Args)]
struct SelectionArgs {
    /// Only partitions merged on or after this date (YYYY-MM-DD).
    #[arg(long)]
    since: Option<chrono::NaiveDate>,
    /// Only partitions merged on or before this date (YYYY-MM-DD).
    #[arg(long)]
    until: Option<chrono::NaiveDate>,
    /// Only this partition (a date, or merged_date=DATE); repeatable. Named partitions
    /// are rewritten even when nothing else would make them (e.g. to bring older files
    /// to the current schema).
    #[arg(long = "partition")]
    partitions: Vec<String>,
}

impl SelectionArgs {
    fn selection(&self) -> anyhow::Result<hooklake_maintain::select::Selection> {
        let mut selection = hooklake_maintain::select::Selection {
            since: self.since,
            until: self.until,
            partitions: Vec::new(),
        };
        for partition in &self.partitions {
            selection = selection
                .with_partition(partition)
                .map_err(anyhow::Error::msg)?;
        }
        Ok(selection)
    }
}

#[derive(Args)]
struct CompactArgs {
    #[command(flatten)]
    lake: MaintainLakeArg,
    #[command(flatten)]
    select: SelectionArgs,
    /// Size of the files written, about (Athena reads files of 128 MB or more best).
    #[arg(long, default_value = "128MiB")]
    target_size: bytesize::ByteSize,
    /// Bytes of rows and encoded pages held at once (files close early past it).
    #[arg(long, default_value = "256MiB")]
    memory_limit: bytesize::ByteSize,
    /// Time the whole run may spend looking up changed files; rows not reached keep
    /// their status for the next run.
    #[arg(long, default_value = "10m", value_parser = humantime::parse_duration)]
    enrich_budget: Duration,
    /// Print the plan (files in and out, bytes, duplicates, rows to repair); change nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    github: GitHubArgs,
}

#[derive(Args)]
struct StatusArgs {
    #[command(flatten)]
    lake: MaintainLakeArg,
    #[command(flatten)]
    select: SelectionArgs,
    /// Files below this size, in partitions of several files, count as small.
    #[arg(long, default_value = "128MiB")]
    small_below: bytesize::ByteSize,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: hooklake::maintain::StatusFormat,
    /// Trace one delivery by its GitHub delivery id (the X-GitHub-Delivery
    /// header; GitHub's "Recent Deliveries" lists it). Exit status 1 when it
    /// is neither queued nor in the lake.
    #[arg(long, value_name = "ID")]
    delivery: Option<String>,
    /// serve's queue file, for --delivery on a local lake (default: the one
    /// serve uses inside the lake).
    #[arg(long, value_name = "FILE")]
    queue: Option<std::path::PathBuf>,
}

#[derive(Args)]
struct RangeArgs {
    /// The repository: OWNER/NAME.
    #[arg(long, value_name = "OWNER/NAME")]
    repo: String,
    /// First merge date (YYYY-MM-DD, UTC, like the lake's merged_date partitions).
    #[arg(long)]
    since: chrono::NaiveDate,
    /// Last merge date, included [default: today].
    #[arg(long)]
    until: Option<chrono::NaiveDate>,
}

impl RangeArgs {
    fn range(&self) -> anyhow::Result<hooklake_github::pulls::MergedRange> {
        anyhow::ensure!(
            self.repo.split('/').filter(|p| !p.is_empty()).count() == 2,
            "--repo takes OWNER/NAME, e.g. --repo octo-org/octo-repo (got {:?})",
            self.repo
        );
        let until = self
            .until
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        anyhow::ensure!(
            self.since <= until,
            "--since {} is after --until {until}",
            self.since
        );
        Ok(hooklake_github::pulls::MergedRange {
            since: self.since,
            until,
        })
    }
}

#[derive(Args)]
struct BackfillArgs {
    #[command(flatten)]
    range: RangeArgs,
    #[command(flatten)]
    lake: MaintainLakeArg,
    /// Where the position is saved: a file, or s3://BUCKET/KEY
    /// [default: hooklake-backfill-<owner>-<name>.json in the current directory].
    #[arg(long, value_name = "FILE|S3_URL")]
    state: Option<String>,
    /// Send the deliveries to this SQS queue (the deployment's delivery queue) instead
    /// of writing the lake: its ingest writes and enriches them like any delivery.
    /// --lake still says which lake holds the pull requests to leave alone.
    #[arg(long, value_name = "URL")]
    queue_url: Option<String>,
    /// Time each batch of 100 may spend listing changed files (waiting out rate limits);
    /// rows not reached are written with a repairable status that `compact` fills in.
    #[arg(long, default_value = "10m", value_parser = humantime::parse_duration)]
    enrich_budget: Duration,
    /// Output format of the closing report.
    #[arg(long, value_enum, default_value = "text")]
    format: hooklake::maintain::StatusFormat,
    #[command(flatten)]
    github: GitHubArgs,
}

#[derive(Args)]
struct VerifyArgs {
    #[command(flatten)]
    range: RangeArgs,
    #[command(flatten)]
    lake: MaintainLakeArg,
    /// Backfill the missing pull requests (then the exit status is 0 if all were written).
    #[arg(long)]
    repair: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: hooklake::maintain::StatusFormat,
    /// With --repair: time each batch of 100 may spend listing changed files.
    #[arg(long, default_value = "10m", value_parser = humantime::parse_duration)]
    enrich_budget: Duration,
    #[command(flatten)]
    github: GitHubArgs,
}

#[derive(Args)]
struct RedeliverArgs {
    /// A repository's hook: OWNER/NAME (with --hook).
    #[arg(long, value_name = "OWNER/NAME", requires = "hook")]
    repo: Option<String>,
    /// An organization's hook (with --hook).
    #[arg(long, value_name = "ORG", requires = "hook")]
    org: Option<String>,
    /// The GitHub App's own webhook (App credentials: the log is read with its JWT).
    #[arg(long)]
    app: bool,
    /// The hook's id (`gh api repos/OWNER/NAME/hooks --jq '.[] | [.id, .config.url]'`).
    #[arg(long, value_name = "ID")]
    hook: Option<u64>,
    /// Where the watermark and the requests made are kept: a file, or s3://BUCKET/KEY
    /// [default: hooklake-redeliver-<hook>.json in the current directory].
    #[arg(long, env = "HOOKLAKE_REDELIVER_STATE", value_name = "FILE|S3_URL")]
    state: Option<String>,
    /// List what would be redelivered; ask for nothing, save nothing.
    #[arg(long)]
    dry_run: bool,
    /// Pause between two redelivery requests (GitHub's secondary rate limits weigh a
    /// POST more than a GET).
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    pace: Duration,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: hooklake::maintain::StatusFormat,
    #[command(flatten)]
    github: GitHubArgs,
}

impl RedeliverArgs {
    fn hook(&self) -> anyhow::Result<hooklake_github::deliveries::Hook> {
        use hooklake_github::deliveries::Hook;
        let id = self.hook.unwrap_or_default();
        Ok(match (&self.repo, &self.org) {
            (Some(repository), _) => {
                anyhow::ensure!(
                    repository.split('/').filter(|p| !p.is_empty()).count() == 2,
                    "--repo takes OWNER/NAME, e.g. --repo octo-org/octo-repo (got {repository:?})"
                );
                Hook::Repository {
                    repository: repository.clone(),
                    id,
                }
            }
            (None, Some(organization)) => Hook::Organization {
                organization: organization.clone(),
                id,
            },
            (None, None) => Hook::App,
        })
    }
}

/// A command of the `aws` feature in a build without it: whatever its
/// arguments, it says how to get a hooklake that has it.
#[cfg(not(feature = "aws"))]
#[derive(Args)]
struct WithoutAws {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    _args: Vec<std::ffi::OsString>,
}

#[cfg(feature = "aws")]
#[derive(Args)]
struct IngestArgs {
    /// The delivery queue's URL (terraform output queue_url).
    #[arg(long, env = "HOOKLAKE_QUEUE_URL")]
    queue_url: String,
    /// The table location, s3://BUCKET/PREFIX (terraform output table_location).
    #[arg(long, env = "HOOKLAKE_LAKE")]
    lake: String,
    /// Most messages per batch (one Parquet object per partition per batch).
    #[arg(long, default_value_t = PollerOptions::default().batch_size)]
    batch_size: usize,
    /// Longest wait to fill a batch once its first message arrived.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    batch_window: Duration,
    /// Exit once the queue is empty instead of waiting for more (backfills).
    #[arg(long)]
    exit_when_empty: bool,
    /// Time a batch may spend looking up changed files; rows not reached are
    /// written 'pending' and repaired later. Keep it well below the queue's
    /// visibility timeout.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    enrich_budget: Duration,
    #[command(flatten)]
    github: GitHubArgs,
}

#[cfg(feature = "aws")]
#[derive(Subcommand)]
enum DlqCommand {
    /// Move every dead letter back to the delivery queue (after fixing the cause).
    Redrive {
        /// The dead-letter queue's URL (terraform output dead_letter_queue_url).
        #[arg(long, env = "HOOKLAKE_DLQ_URL")]
        dlq_url: String,
        /// The delivery queue's URL.
        #[arg(long, env = "HOOKLAKE_QUEUE_URL")]
        queue_url: String,
    },
    /// Save every dead letter to FILE, one envelope per line (`hooklake import` reads it).
    ///
    /// The messages stay in the queue (hidden for 5 minutes) unless --delete is given,
    /// which removes them once FILE is safely on disk.
    Dump {
        /// The dead-letter queue's URL.
        #[arg(long, env = "HOOKLAKE_DLQ_URL")]
        dlq_url: String,
        /// Remove the messages from the queue once FILE is written and synced.
        #[arg(long)]
        delete: bool,
        /// Where to write.
        file: PathBuf,
    },
}

#[derive(Args)]
struct LakeArg {
    /// The lake directory (the table's root).
    #[arg(long, env = "HOOKLAKE_LAKE", default_value = "lake")]
    lake: PathBuf,
}

#[derive(Args)]
struct FlushArgs {
    /// Flush a batch to the lake once this many deliveries wait.
    #[arg(long, default_value_t = FlushPolicy::default().max_rows)]
    max_rows: usize,
    /// ... or once their payloads reach this many bytes.
    #[arg(long, default_value_t = FlushPolicy::default().max_bytes)]
    max_bytes: usize,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    #[command(flatten)]
    lake: LakeArg,
    /// The durable queue file [default: LAKE/_hooklake/queue.sqlite3].
    #[arg(long)]
    queue: Option<PathBuf>,
    #[command(flatten)]
    flush: FlushArgs,
    /// ... or once the oldest has waited this long (e.g. 60s, 500ms, 5m).
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    max_age: Duration,
    /// Time a batch may spend looking up changed files before it is written
    /// anyway (rows not reached say 'pending' and are repaired later)
    /// [default: half of --max-age, at least 1s].
    #[arg(long, value_parser = humantime::parse_duration)]
    enrich_budget: Option<Duration>,
    /// Compact the lake this often (one partition at a time, between batches; see
    /// `hooklake compact --help`), e.g. 1h, 1d.
    #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
    compact_every: Duration,
    /// Never compact the lake from serve (run `hooklake compact` yourself).
    #[arg(long)]
    no_compact: bool,
    #[command(flatten)]
    github: GitHubArgs,
    /// Open connections at once; beyond it, new ones wait until one closes.
    #[arg(long, default_value_t = hooklake::serve::server::Limits::default().max_connections)]
    max_connections: usize,
    /// Time a client has to send a request's headers (GitHub sends them at once).
    #[arg(long, default_value = "5s", value_parser = humantime::parse_duration)]
    header_timeout: Duration,
    /// Time a client has to send a request's body (GitHub gives up after 10s).
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    body_timeout: Duration,
    /// Body bytes received at once over all requests; a request whose
    /// Content-Length does not fit is answered 503 at once (GitHub can redeliver it).
    #[arg(long, default_value = "64MiB")]
    max_in_flight_bytes: bytesize::ByteSize,
}

#[derive(Args)]
struct QueryArgs {
    /// The SQL statement.
    sql: String,
    #[command(flatten)]
    lake: LakeArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: OutputFormat,
}

#[derive(Args)]
struct DdlArgs {
    /// The table's S3 location.
    #[arg(long, default_value = hooklake_schema::catalog::PLACEHOLDER_LOCATION)]
    location: String,
}

#[derive(Args)]
struct ImportArgs {
    /// Files of envelopes, one per line; `-` reads standard input.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    lake: LakeArg,
    /// Rows per Parquet file (per partition) at most.
    #[arg(long, default_value_t = 100_000)]
    max_rows_per_file: usize,
    /// Bytes held in memory by the open files of all partitions together (rows
    /// waiting to be encoded, encoded row groups not yet written); past it the
    /// largest file is written out. Bounds memory whatever the input's size
    /// (e.g. 256MiB, 1GiB). Rows wait in up to a quarter of it: more makes
    /// bigger row groups when many partitions are open.
    #[arg(long, default_value = "256MiB")]
    memory_limit: bytesize::ByteSize,
}

#[derive(Args)]
struct SendArgs {
    /// Where to post, e.g. http://127.0.0.1:8787/ or the Worker's URL.
    #[arg(long)]
    url: String,
    /// The X-GitHub-Event header.
    #[arg(long, default_value = "pull_request")]
    event: String,
    /// Send as application/x-www-form-urlencoded (payload=...) instead of JSON.
    #[arg(long)]
    form: bool,
    /// The JSON payload file; `-` reads standard input.
    file: PathBuf,
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

fn read_input(path: &PathBuf) -> anyhow::Result<String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    }
}

fn policy(flush: &FlushArgs, max_age: Duration) -> FlushPolicy {
    FlushPolicy {
        max_rows: flush.max_rows.max(1),
        max_bytes: flush.max_bytes.max(1),
        max_age,
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => {
            let server = Server::start(ServeConfig {
                listen: args.listen,
                lake: args.lake.lake,
                queue: args.queue,
                secrets: config::webhook_secrets()?,
                policy: policy(&args.flush, args.max_age),
                enrich_budget: args
                    .enrich_budget
                    .unwrap_or_else(|| hooklake::serve::default_enrich_budget(args.max_age)),
                enricher: std::sync::Arc::new(args.github.enricher().await?),
                compact_every: (!args.no_compact).then_some(args.compact_every),
                limits: hooklake::serve::server::Limits {
                    max_connections: args.max_connections,
                    header_timeout: args.header_timeout,
                    body_timeout: args.body_timeout,
                    in_flight_bytes: args.max_in_flight_bytes.as_u64(),
                },
            })
            .await?;
            hooklake::serve::shutdown_signal().await;
            tracing::info!("stopping: no new deliveries; flushing the queue to the lake");
            server.shutdown().await?;
        }
        Command::Query(args) => {
            let ctx = query::lake_session(&args.lake.lake).await?;
            let batches = query::run(&ctx, &args.sql).await?;
            print!("{}", query::render(&batches, args.format)?);
        }
        Command::Compact(args) => {
            let lake = maintain::Lake::open_existing(&args.lake.lake).await?;
            let request = maintain::CompactRequest {
                selection: args.select.selection()?,
                options: hooklake_maintain::compact::CompactOptions {
                    target_file_bytes: args.target_size.as_u64().max(1),
                    memory_limit: args.memory_limit.as_u64().max(1),
                    enrich_until: std::time::Instant::now() + args.enrich_budget,
                },
                dry_run: args.dry_run,
            };
            let enricher = args.github.enricher().await?;
            if !maintain::compact(&lake, request, &enricher).await? {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Status(args) if args.delivery.is_some() => {
            let lake = maintain::Lake::open(&args.lake.lake).await?;
            let queue = match (&lake, args.queue) {
                (_, Some(queue)) => Some(queue),
                (maintain::Lake::Local(_), None) => Some(hooklake::serve::default_queue_path(
                    std::path::Path::new(&args.lake.lake),
                )),
                #[cfg(feature = "aws")]
                (maintain::Lake::S3(_), None) => None,
            };
            let found = maintain::delivery_status(
                &lake,
                &args.select.selection()?,
                args.delivery.as_deref().unwrap_or_default(),
                queue.as_deref(),
                args.format,
            )
            .await?;
            if !found {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Status(args) => {
            let lake = maintain::Lake::open_existing(&args.lake.lake).await?;
            let clean = maintain::status(
                &lake,
                &args.select.selection()?,
                args.small_below.as_u64(),
                args.format,
            )
            .await?;
            if !clean {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Backfill(args) => {
            let range = args.range.range()?;
            let lake = maintain::Lake::open(&args.lake.lake).await?;
            let enricher = args.github.enricher().await?;
            let options = hooklake_maintain::backfill::BackfillOptions {
                enrich_budget: args.enrich_budget,
            };
            let job = hooklake_maintain::backfill::Backfill {
                enricher: &enricher,
                repository: &args.range.repo,
                range,
                options,
            };
            let report = hooklake::backfill::backfill(
                &job,
                &lake,
                args.queue_url.as_deref(),
                args.state.as_deref(),
            )
            .await?;
            hooklake::backfill::print(&report, args.format, || {
                format!(
                    "{}: {} pull requests merged from {} to {} not yet in the lake ({} already were); \
                     {} rows written and {} deliveries queued by this run ({} gone from GitHub, {} without \
                     changed files yet: `hooklake compact` fills them in); {} GitHub requests\n",
                    args.range.repo,
                    report.merged,
                    range.since,
                    range.until,
                    report.already_in_lake,
                    report.written,
                    report.queued,
                    report.gone.len(),
                    report.not_enriched,
                    report.github_requests
                )
            });
        }
        Command::Verify(args) => {
            let range = args.range.range()?;
            let lake = maintain::Lake::open(&args.lake.lake).await?;
            let enricher = args.github.enricher().await?;
            let options = hooklake_maintain::backfill::BackfillOptions {
                enrich_budget: args.enrich_budget,
            };
            let (report, repaired) = hooklake::backfill::verify(
                &enricher,
                &args.range.repo,
                range,
                &lake,
                args.repair,
                &options,
            )
            .await?;
            let complete = report.is_complete()
                || repaired
                    .as_ref()
                    .is_some_and(|r| r.written + r.gone.len() == report.missing.len());
            let both = serde_json::json!({"verify": &report, "repaired": &repaired});
            hooklake::backfill::print(&both, args.format, || {
                hooklake::backfill::render_verify(&report, repaired.as_ref())
            });
            if !complete {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::RotateSecret(args) => {
            let token = std::env::var("CLOUDFLARE_API_TOKEN")
                .ok()
                .filter(|t| !t.is_empty())
                .context(
                    "rotate-secret changes the Worker's secrets through Cloudflare's API: set \
                     CLOUDFLARE_API_TOKEN to a token with \"Workers Scripts: Edit\"",
                )?;
            let Some(github) = args.github.client().await? else {
                anyhow::bail!(
                    "rotate-secret switches the hooks' secret on GitHub: set {} (or \
                     --github-credentials FILE, --github-secret-arn ARN) to credentials with \
                     \"Webhooks: Read and write\"",
                    hooklake::github::TOKEN_VAR
                );
            };
            let worker = hooklake::rotate::WorkerSecrets::new(
                &args.cloudflare_api_url,
                &args.cloudflare_account,
                &args.worker_name,
                token.into(),
            )?;
            hooklake::rotate::Rotation {
                worker: &worker,
                github: &github,
                hooks: &args.hooks,
                worker_url: &args.worker_url,
                overlap: args.overlap,
                propagation: args.propagation,
            }
            .run(args.only_if_unset)
            .await?;
        }
        Command::HookUrl(args) => {
            let Some(github) = args.github.client().await? else {
                anyhow::bail!(
                    "hook-url changes the hooks' URL on GitHub: set {} (or --github-credentials \
                     FILE, --github-secret-arn ARN) to credentials with \"Webhooks: Read and write\"",
                    hooklake::github::TOKEN_VAR
                );
            };
            hooklake::rotate::point_hooks(&github, &args.hooks, &args.url).await?;
        }
        Command::Redeliver(args) => {
            let options = hooklake_maintain::redeliver::RedeliverOptions {
                dry_run: args.dry_run,
                pace: args.pace,
            };
            let clean = hooklake::redeliver::run(
                &args.hook()?,
                args.state.as_deref(),
                &options,
                &args.github,
                args.format,
            )
            .await?;
            if !clean {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Ddl(args) => print!("{}", hooklake_schema::catalog::athena_ddl(&args.location)),
        Command::Import(args) => {
            let lake = LocalLake::open(&args.lake.lake).with_context(|| {
                format!(
                    "cannot use lake directory {}; choose a writable one with --lake DIR",
                    args.lake.lake.display()
                )
            })?;
            let limits = hooklake_ingest::stream::WriterLimits {
                max_rows_per_file: args.max_rows_per_file.max(1),
                memory_limit: args.memory_limit.as_u64().try_into().unwrap_or(usize::MAX),
                ..Default::default()
            };
            let files = args.files.clone();
            let report = tokio::task::spawn_blocking(move || import::import(&lake, &files, limits))
                .await??;
            for failure in &report.failed {
                eprintln!("error: {failure}");
            }
            eprintln!(
                "imported {} row(s) into {} file(s) in {}; {} line(s) failed",
                report.rows,
                report.files_written,
                args.lake.lake.display(),
                report.failed.len()
            );
            if !report.failed.is_empty() {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Send(args) => {
            let secret = config::signing_secret()?;
            let payload = read_input(&args.file)?;
            serde_json::from_str::<serde::de::IgnoredAny>(&payload).with_context(|| {
                format!(
                    "{} is not JSON; send takes a webhook payload",
                    args.file.display()
                )
            })?;
            let delivery = send::Delivery::signed(&args.event, &payload, &secret, args.form);
            let answer = send::post(&send::client()?, &args.url, &delivery).await?;
            println!("{} {}", answer.status, answer.body);
            eprintln!("delivery {} ({})", delivery.delivery_id, args.event);
            if !(200..300).contains(&answer.status) {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Demo => demo::run().await?,
        #[cfg(not(feature = "aws"))]
        Command::Ingest(_) => return Err(hooklake::aws::needs_aws("hooklake ingest")),
        #[cfg(not(feature = "aws"))]
        Command::Dlq(_) => return Err(hooklake::aws::needs_aws("hooklake dlq")),
        #[cfg(feature = "aws")]
        Command::Ingest(args) => {
            let options = PollerOptions {
                batch_size: args.batch_size.max(1),
                batch_window: args.batch_window,
                exit_when_empty: args.exit_when_empty,
                enrich_budget: args.enrich_budget,
                ..PollerOptions::default()
            };
            let enricher = args.github.enricher().await?;
            let stats = ingest::run(&args.queue_url, &args.lake, enricher, options).await?;
            eprintln!(
                "ingested {} row(s) in {} batch(es); {} message(s) failed and stay queued; {} SQS call(s) failed and were retried",
                stats.rows, stats.batches, stats.failed, stats.sqs_errors
            );
        }
        #[cfg(feature = "aws")]
        Command::Dlq(DlqCommand::Redrive { dlq_url, queue_url }) => {
            let moved = dlq::redrive(&dlq_url, &queue_url).await?;
            eprintln!("moved {moved} message(s) from {dlq_url} to {queue_url}");
        }
        #[cfg(feature = "aws")]
        Command::Dlq(DlqCommand::Dump {
            dlq_url,
            delete,
            file,
        }) => {
            let saved = dlq::dump(&dlq_url, &file, delete).await?;
            let kept = if delete {
                "deleted from the queue"
            } else {
                "still in the queue"
            };
            eprintln!("saved {saved} message(s) to {} ({kept}); import with: hooklake import --lake DIR {}", file.display(), file.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Before the runtime starts its threads. Import reads on one thread and
    // encodes its last files on rayon's: one arena lets them share what the
    // others freed (import on 30,000 envelopes: 117 MB peak with an arena
    // per thread, 93 MB with one). Compaction (`compact`, and serve's
    // maintenance) writes a stream's `payload` pages of up to 4 MiB: under
    // glibc's defaults each page's buffer was mapped and unmapped again,
    // and encoding 1,000 rows of one partition that way took 2.7x as long.
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
