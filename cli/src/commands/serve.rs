//! `hooklake serve`: the webhook endpoint, durable queue and lake on one machine.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use hooklake::config;
use hooklake::github::GitHubArgs;
use hooklake::serve::{ServeConfig, Server};
use hooklake_ingest::policy::FlushPolicy;

use super::args::{FlushArgs, LocalLakeArg};

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    #[command(flatten)]
    lake: LocalLakeArg,
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

pub fn policy(flush: &FlushArgs, max_age: Duration) -> FlushPolicy {
    FlushPolicy {
        max_rows: flush.max_rows.max(1),
        max_bytes: flush.max_bytes.max(1),
        max_age,
    }
}

pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
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
    Ok(ExitCode::SUCCESS)
}
