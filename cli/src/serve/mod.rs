//! `hooklake serve`: the whole pipeline on one machine.
//!
//! HTTP endpoint (edge core) → durable on-disk queue → batcher (ingest core)
//! → Parquet lake on disk. A 2xx is sent only once the delivery is in the
//! queue file; the batcher moves it into the lake exactly once.

pub mod batcher;
pub mod http;
pub mod maintenance;
pub mod metrics;
pub mod queue;
pub mod server;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use hooklake_edge::WebhookSecrets;
use hooklake_ingest::local::LocalLake;
use hooklake_ingest::policy::FlushPolicy;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use queue::DurableQueue;

/// Where the queue lives when `--queue` is not given: inside the lake, under
/// a `_`-prefixed folder that lake readers skip.
pub fn default_queue_path(lake: &std::path::Path) -> PathBuf {
    lake.join("_hooklake").join("queue.sqlite3")
}

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub lake: PathBuf,
    pub queue: Option<PathBuf>,
    pub secrets: WebhookSecrets,
    pub policy: FlushPolicy,
    /// Time a batch may spend on enrichment ([`default_enrich_budget`]).
    pub enrich_budget: std::time::Duration,
    /// GitHub, for each merged PR's changed files (without credentials rows
    /// say `no_credentials`).
    pub enricher: Arc<hooklake_github::Enricher>,
    /// Compact the lake this often (`None`: never).
    pub compact_every: Option<std::time::Duration>,
    /// Connection cap, timeouts and the byte budget of bodies in flight.
    pub limits: server::Limits,
}

/// Half the flush interval, at least a second: a delivery reaches the lake
/// within about 1.5 × `--max-age` whatever GitHub does.
pub fn default_enrich_budget(max_age: std::time::Duration) -> std::time::Duration {
    (max_age / 2).max(std::time::Duration::from_secs(1))
}

/// `/healthz` turns 503 when the oldest delivery not yet in the lake has
/// waited this many flush intervals (and at least [`MIN_LAG_ALARM`]).
pub const LAG_ALARM_INTERVALS: u32 = 3;
/// The least lag that turns `/healthz` 503.
pub const MIN_LAG_ALARM: std::time::Duration = std::time::Duration::from_secs(5);

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    pub queue: DurableQueue,
    pub lake: LocalLake,
    sink: batcher::Sink,
    policy: FlushPolicy,
    stop: watch::Sender<bool>,
    http: JoinHandle<std::io::Result<()>>,
    batcher: JoinHandle<()>,
}

impl Server {
    /// Opens the lake and the queue, binds the listener and starts serving.
    pub async fn start(config: ServeConfig) -> anyhow::Result<Server> {
        anyhow::ensure!(
            !config.secrets.is_empty(),
            "no webhook secret: set HOOKLAKE_WEBHOOK_SECRET to the secret configured on the GitHub webhook"
        );
        let lake = LocalLake::open(&config.lake).with_context(|| {
            format!(
                "cannot use lake directory {}; choose a writable directory with --lake DIR",
                config.lake.display()
            )
        })?;
        let swept = lake.sweep_temp_files()?;
        if swept > 0 {
            tracing::info!(swept, "removed unfinished files left by an earlier crash");
        }
        let queue_path = config
            .queue
            .clone()
            .unwrap_or_else(|| default_queue_path(&config.lake));
        let queue = DurableQueue::open(&queue_path)?;
        let listener = server::listen(config.listen).map_err(|e| {
            let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
                "another process (perhaps another `hooklake serve`) is using it; pick another with --listen 127.0.0.1:PORT"
            } else {
                "check the address, or pick another with --listen ADDR:PORT"
            };
            anyhow::anyhow!("cannot listen on {}: {e}; {hint}", config.listen)
        })?;
        let addr = listener.local_addr()?;

        let (stop, stopped) = watch::channel(false);
        let health = Arc::new(std::sync::Mutex::new(batcher::WriteHealth::default()));
        let metrics = Arc::new(metrics::ServeMetrics::new());
        let state = Arc::new(http::AppState {
            secrets: config.secrets.clone(),
            queue: queue.clone(),
            write_health: health.clone(),
            lag_alarm: ((config.policy.max_age + config.enrich_budget) * LAG_ALARM_INTERVALS)
                .max(MIN_LAG_ALARM),
            metrics: metrics.clone(),
            body_budget: server::BodyBudget::new(config.limits.in_flight_bytes),
            body_timeout: config.limits.body_timeout,
        });
        let limits = raise_file_limit(config.limits);
        let http = tokio::spawn(server::serve(
            listener,
            http::router(state),
            limits,
            stopped.clone(),
        ));
        let sink = batcher::Sink {
            lake: lake.clone(),
            enricher: config.enricher.clone(),
            enrich_budget: config.enrich_budget,
            health,
            metrics,
        };
        let batcher = tokio::spawn(batcher::run(
            queue.clone(),
            sink.clone(),
            config.policy,
            config.compact_every.map(maintenance::Schedule::new),
            stopped,
        ));
        tracing::info!(%addr, lake = %config.lake.display(), queue = %queue_path.display(), "hooklake serve is listening");
        Ok(Server {
            addr,
            queue,
            lake,
            sink,
            policy: config.policy,
            stop,
            http,
            batcher,
        })
    }

    /// Writes everything queued so far to the lake.
    pub async fn flush(&self) -> anyhow::Result<batcher::Flushed> {
        batcher::flush_all(&self.queue, &self.sink, self.policy).await
    }

    /// Stops accepting, finishes in-flight requests, flushes, and returns.
    pub async fn shutdown(self) -> anyhow::Result<batcher::Flushed> {
        let _ = self.stop.send(true);
        self.http.await??;
        self.batcher.await?;
        let flushed = batcher::flush_all(&self.queue, &self.sink, self.policy).await?;
        tracing::info!(rows = flushed.rows, "flushed on shutdown");
        Ok(flushed)
    }
}

/// Each connection is a file descriptor, and distributions' soft limit
/// (often 1,024) is below the connection cap: raise it as far as the hard
/// limit allows, and lower the cap to what fits.
fn raise_file_limit(mut limits: server::Limits) -> server::Limits {
    // Room for the lake's files, the queue and the log beside the sockets.
    const OTHER_FILES: u64 = 256;
    let wanted = limits.max_connections as u64 + OTHER_FILES;
    match rlimit::increase_nofile_limit(wanted) {
        Ok(got) if got < wanted => {
            let cap = got.saturating_sub(OTHER_FILES).max(1) as usize;
            tracing::warn!(
                max_connections = cap,
                "the open-file limit ({got}) is below --max-connections + {OTHER_FILES}; serving at most {cap} connections (raise it with `ulimit -n`)"
            );
            limits.max_connections = cap;
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "cannot read the open-file limit"),
    }
    limits
}

/// Resolves when SIGINT or SIGTERM arrives.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler installs");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
