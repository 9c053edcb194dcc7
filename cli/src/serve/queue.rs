//! The durable on-disk queue between the HTTP endpoint and the lake.
//! (Over 500 lines: append, claim, delete and crash recovery are one state
//! machine over one SQLite connection, kept in one file with its tests.)
//!
//! SQLite in WAL mode with `synchronous=FULL`: an append returns only after
//! its transaction is on disk, so a 2xx survives `kill -9` and power loss.
//! One thread owns the connection; concurrent appends are committed together
//! (group commit), so one fsync serves many deliveries.
//!
//! Rows are never updated (a 28 KB record rewritten on claim would double
//! the write volume). A flush first *claims* a batch: it records the batch
//! as a range of sequence numbers in `batches`. Then the lake files are
//! written, then the batch and its rows are deleted in one transaction. A
//! crash between those steps leaves a claimed batch that is redone first on
//! restart with the same membership, hence the same object keys: files are
//! overwritten, never duplicated. Claims always take the oldest pending rows,
//! so pending rows are exactly those above the highest claimed sequence.
//!
//! Batch contents are read on a second connection (WAL readers do not block
//! the writer), so appends never wait behind a batch being loaded.

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Duration;

use hooklake_edge::REPLAY_WINDOW;
use hooklake_ingest::policy::FlushPolicy;
use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::oneshot;

/// Most appends committed in one transaction.
const GROUP_COMMIT_MAX: usize = 1024;

/// Errors of the queue, each saying what to do.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error(
        "queue file {path} is unreadable or corrupt ({detail}).\n\
         To recover: stop hooklake, move the file aside (mv {path} {path}.corrupt) and start again; \
         deliveries acknowledged but not yet in the lake may be salvaged with \
         `sqlite3 {path}.corrupt .recover`, and GitHub can redeliver recent deliveries \
         from the webhook's Recent Deliveries page"
    )]
    Corrupt { path: String, detail: String },
    #[error("cannot open queue file {path}: {detail}. Check that its directory exists and is writable, or choose another with --queue FILE")]
    Open { path: String, detail: String },
    #[error("queue write failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("queue commit failed: {0}")]
    Commit(String),
    #[error("the queue has shut down")]
    Closed,
}

/// Pending work, for the flush policy and the health endpoint.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct QueueStats {
    /// Deliveries not yet claimed by a batch.
    pub pending: u64,
    /// Their envelope bytes.
    pub pending_bytes: u64,
    /// Age of the oldest one, in milliseconds.
    pub oldest_age_ms: u64,
    /// Age of the oldest delivery not yet in the lake (pending or in a
    /// batch being written), in milliseconds: how far the lake lags.
    pub oldest_queued_age_ms: u64,
    /// Deliveries claimed by a batch that is being written.
    pub in_flight: u64,
    /// Envelopes that could not be ingested, kept for inspection.
    pub dead_letters: u64,
}

/// A claimed batch: its id and the range of queue rows it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub id: String,
    pub first_seq: i64,
    pub last_seq: i64,
}

type Reply<T> = oneshot::Sender<Result<T, QueueError>>;

/// An append waiting for its group commit.
struct Append {
    delivery_id: String,
    line: String,
    reply: Reply<Appended>,
}

/// What an append did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Queued, durable on disk.
    New,
    /// Its delivery id was accepted within [`REPLAY_WINDOW`]: not queued.
    Duplicate,
}

enum Command {
    Append(Append),
    Claim {
        policy: FlushPolicy,
        force: bool,
        reply: Reply<Option<Batch>>,
    },
    Complete {
        batch: Batch,
        dead: Vec<(String, String)>,
        reply: Reply<()>,
    },
    Stats {
        reply: Reply<QueueStats>,
    },
}

/// Handle to the queue thread; cheap to clone.
#[derive(Clone)]
pub struct DurableQueue {
    commands: mpsc::Sender<Command>,
    reader: Arc<Mutex<Connection>>,
    path: PathBuf,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn open(path: &Path) -> Result<Connection, QueueError> {
    let shown = path.display().to_string();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| QueueError::Open {
            path: shown.clone(),
            detail: e.to_string(),
        })?;
    }
    let conn = Connection::open(path).map_err(|e| QueueError::Open {
        path: shown.clone(),
        detail: e.to_string(),
    })?;
    let corrupt = |e: rusqlite::Error| QueueError::Corrupt {
        path: shown.clone(),
        detail: e.to_string(),
    };
    conn.busy_timeout(Duration::from_secs(5)).map_err(corrupt)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(corrupt)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(corrupt)?;
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(corrupt)?;
    if check != "ok" {
        return Err(QueueError::Corrupt {
            path: shown,
            detail: check,
        });
    }
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS queue (
             seq INTEGER PRIMARY KEY AUTOINCREMENT,
             delivery_id TEXT NOT NULL,
             enqueued_at_ms INTEGER NOT NULL,
             bytes INTEGER NOT NULL,
             envelope TEXT NOT NULL
         );
         CREATE TABLE IF NOT EXISTS batches (
             id TEXT PRIMARY KEY,
             first_seq INTEGER NOT NULL,
             last_seq INTEGER NOT NULL
         );
         CREATE TABLE IF NOT EXISTS dead_letters (
             delivery_id TEXT NOT NULL,
             failed_at_ms INTEGER NOT NULL,
             error TEXT NOT NULL,
             envelope TEXT NOT NULL
         );",
    )
    .map_err(corrupt)?;
    Ok(conn)
}

/// Replay checks keep the ids of deliveries already in the lake in a second
/// file beside the queue, `queue.accepted.sqlite3`, written by `complete`
/// (the batcher's path, not the webhook's) without fsync; the ids still
/// queued are held in memory ([`QueuedIds`]). Writing each id into an index
/// on the webhook's path, where every id is a random key on its own page,
/// cost serve 15% of its deliveries/s with fsync and 5% without
/// (bench/overhead.sh, docs/benchmarks.md). A crash may forget the ids
/// flushed last; a replay of one of those is absorbed by the lake (one row
/// per delivery id).
fn attach_accepted(conn: &Connection, queue: &Path) -> rusqlite::Result<()> {
    let file = queue.with_extension("accepted.sqlite3");
    conn.execute(
        "ATTACH DATABASE ?1 AS seen",
        [file.to_string_lossy().as_ref()],
    )?;
    conn.pragma_update(Some("seen"), "journal_mode", "WAL")?;
    conn.pragma_update(Some("seen"), "synchronous", "OFF")?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS seen.accepted (
             delivery_id TEXT PRIMARY KEY,
             accepted_at_ms INTEGER NOT NULL
         ) WITHOUT ROWID;
         CREATE INDEX IF NOT EXISTS seen.accepted_by_age ON accepted (accepted_at_ms);",
    )
}

impl DurableQueue {
    /// Opens (or creates) the queue file and starts its thread.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, QueueError> {
        let path = path.into();
        let conn = open(&path)?;
        // Only the writer's thread checks and records replays.
        attach_accepted(&conn, &path).map_err(|e| QueueError::Corrupt {
            path: path.display().to_string(),
            detail: e.to_string(),
        })?;
        let reader = open(&path)?;
        let (tx, rx) = mpsc::channel();
        thread::Builder::new()
            .name("hooklake-queue".into())
            .spawn(move || run(conn, rx))
            .map_err(|e| QueueError::Open {
                path: path.display().to_string(),
                detail: e.to_string(),
            })?;
        Ok(DurableQueue {
            commands: tx,
            reader: Arc::new(Mutex::new(reader)),
            path,
        })
    }

    /// The queue file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn call<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, QueueError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(make(reply))
            .map_err(|_| QueueError::Closed)?;
        answer.await.map_err(|_| QueueError::Closed)?
    }

    /// Appends an envelope; returns once it is durable on disk, or at once
    /// when its delivery id was accepted within [`REPLAY_WINDOW`].
    pub async fn append(&self, delivery_id: &str, line: String) -> Result<Appended, QueueError> {
        let delivery_id = delivery_id.to_owned();
        self.call(|reply| {
            Command::Append(Append {
                delivery_id,
                line,
                reply,
            })
        })
        .await
    }

    /// Claims the next batch: an unfinished one left by a crash first, else
    /// pending deliveries when the policy says so (or whenever any wait, with
    /// `force`).
    pub async fn claim(
        &self,
        policy: FlushPolicy,
        force: bool,
    ) -> Result<Option<Batch>, QueueError> {
        self.call(|reply| Command::Claim {
            policy,
            force,
            reply,
        })
        .await
    }

    /// The envelopes of a claimed batch, in order (blocking: call it from a
    /// blocking task). Read on its own connection, so appends go on.
    pub fn load(&self, batch: &Batch) -> Result<Vec<String>, QueueError> {
        let conn = self.reader.lock().map_err(|_| QueueError::Closed)?;
        let mut select = conn.prepare_cached(
            "SELECT envelope FROM queue WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq",
        )?;
        let envelopes = select
            .query_map([batch.first_seq, batch.last_seq], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(envelopes)
    }

    /// Removes a batch whose files are in the lake; `dead` lists envelopes
    /// that could not be ingested, kept as (envelope, error).
    pub async fn complete(
        &self,
        batch: &Batch,
        dead: Vec<(String, String)>,
    ) -> Result<(), QueueError> {
        let batch = batch.clone();
        self.call(|reply| Command::Complete { batch, dead, reply })
            .await
    }

    /// Pending work.
    pub async fn stats(&self) -> Result<QueueStats, QueueError> {
        self.call(|reply| Command::Stats { reply }).await
    }
}

/// Delivery ids in the queue file (pending or in a batch), for replay
/// checks without a disk lookup on the webhook's path.
type QueuedIds = std::collections::HashSet<String>;

fn queued_ids(conn: &Connection) -> rusqlite::Result<QueuedIds> {
    let mut select = conn.prepare("SELECT delivery_id FROM queue")?;
    let ids = select.query_map([], |r| r.get(0))?.collect();
    ids
}

fn run(mut conn: Connection, commands: mpsc::Receiver<Command>) {
    let mut deferred: Vec<Command> = Vec::new();
    let mut queued = match queued_ids(&conn) {
        Ok(ids) => ids,
        Err(error) => {
            tracing::error!(%error, "cannot read the queued delivery ids; replays of them are not refused until they reach the lake");
            QueuedIds::new()
        }
    };
    loop {
        let first = match deferred.pop() {
            Some(c) => c,
            None => match commands.recv() {
                Ok(c) => c,
                Err(_) => return,
            },
        };
        match first {
            Command::Append(append) => {
                let mut group = vec![append];
                while group.len() < GROUP_COMMIT_MAX {
                    match commands.try_recv() {
                        Ok(Command::Append(append)) => group.push(append),
                        Ok(other) => {
                            deferred.push(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                match append_group(&mut conn, &group, &mut queued) {
                    Ok(appended) => {
                        for (append, outcome) in group.into_iter().zip(appended) {
                            let _ = append.reply.send(Ok(outcome));
                        }
                    }
                    Err(e) => {
                        for append in group {
                            let _ = append.reply.send(Err(QueueError::Commit(e.to_string())));
                        }
                    }
                }
            }
            Command::Claim {
                policy,
                force,
                reply,
            } => {
                let _ = reply.send(claim(&mut conn, policy, force));
            }
            Command::Complete { batch, dead, reply } => {
                let _ = reply.send(complete(&mut conn, &batch, &dead, &mut queued));
            }
            Command::Stats { reply } => {
                let _ = reply.send(stats(&conn));
            }
        }
    }
}

/// Queues a group in one transaction (one fsync), skipping delivery ids
/// queued already or flushed within [`REPLAY_WINDOW`]; says which were
/// queued.
fn append_group(
    conn: &mut Connection,
    group: &[Append],
    queued: &mut QueuedIds,
) -> rusqlite::Result<Vec<Appended>> {
    let tx = conn.transaction()?;
    let mut appended = Vec::with_capacity(group.len());
    let mut added: Vec<&str> = Vec::new();
    let result = (|| {
        let now = now_ms();
        let mut flushed = tx.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM seen.accepted WHERE delivery_id = ?1 AND accepted_at_ms >= ?2)",
        )?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO queue (delivery_id, enqueued_at_ms, bytes, envelope) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let since = now - REPLAY_WINDOW.as_millis() as i64;
        for a in group {
            let id = a.delivery_id.as_str();
            if queued.contains(id)
                || flushed.query_row(params![id, since], |r| r.get::<_, bool>(0))?
            {
                appended.push(Appended::Duplicate);
                continue;
            }
            insert.execute(params![id, now, a.line.len() as i64, a.line])?;
            queued.insert(id.to_owned());
            added.push(id);
            appended.push(Appended::New);
        }
        Ok(())
    })();
    if let Err(error) = result.and_then(|()| tx.commit()) {
        // Nothing of the group was queued.
        for id in added {
            queued.remove(id);
        }
        return Err(error);
    }
    Ok(appended)
}

/// Where a delivery is in serve's queue file, if it is there.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum QueuedDelivery {
    /// Waiting for the next batch.
    Pending { enqueued_at_ms: i64 },
    /// In a batch being written to the lake.
    InBatch { enqueued_at_ms: i64 },
    /// Could not be ingested; kept with the reason.
    DeadLetter { failed_at_ms: i64, error: String },
}

/// Looks `delivery_id` up in the queue file at `path`, read-only (serve may
/// be running). `None`: not there (never queued, or already in the lake).
pub fn find_delivery(path: &Path, delivery_id: &str) -> Result<Option<QueuedDelivery>, QueueError> {
    let shown = path.display().to_string();
    let corrupt = |e: rusqlite::Error| QueueError::Corrupt {
        path: shown.clone(),
        detail: e.to_string(),
    };
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| QueueError::Open {
            path: shown.clone(),
            detail: e.to_string(),
        })?;
    conn.busy_timeout(Duration::from_secs(5)).map_err(corrupt)?;
    let watermark = claimed_watermark(&conn).map_err(corrupt)?;
    let queued: Option<(i64, i64)> = conn
        .query_row(
            "SELECT seq, enqueued_at_ms FROM queue WHERE delivery_id = ?1 ORDER BY seq DESC LIMIT 1",
            params![delivery_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(corrupt)?;
    if let Some((seq, enqueued_at_ms)) = queued {
        return Ok(Some(if seq <= watermark {
            QueuedDelivery::InBatch { enqueued_at_ms }
        } else {
            QueuedDelivery::Pending { enqueued_at_ms }
        }));
    }
    conn.query_row(
        "SELECT failed_at_ms, error FROM dead_letters WHERE delivery_id = ?1 ORDER BY failed_at_ms DESC LIMIT 1",
        params![delivery_id],
        |r| {
            Ok(QueuedDelivery::DeadLetter {
                failed_at_ms: r.get(0)?,
                error: r.get(1)?,
            })
        },
    )
    .optional()
    .map_err(corrupt)
}

/// Highest sequence number claimed by a batch (0 when none).
fn claimed_watermark(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(last_seq), 0) FROM batches", [], |r| {
        r.get(0)
    })
}

fn claim(
    conn: &mut Connection,
    policy: FlushPolicy,
    force: bool,
) -> Result<Option<Batch>, QueueError> {
    let unfinished = conn
        .query_row(
            "SELECT id, first_seq, last_seq FROM batches ORDER BY first_seq LIMIT 1",
            [],
            |r| {
                Ok(Batch {
                    id: r.get(0)?,
                    first_seq: r.get(1)?,
                    last_seq: r.get(2)?,
                })
            },
        )
        .optional()?;
    if unfinished.is_some() {
        return Ok(unfinished);
    }
    // This thread is the only writer, so the watermark read here still
    // holds inside the transaction below.
    let watermark = claimed_watermark(conn)?;
    let p = pending(conn, watermark)?;
    let due = p.count > 0
        && (force
            || p.count >= policy.max_rows as u64
            || p.bytes >= policy.max_bytes as u64
            || p.oldest_age_ms >= policy.max_age.as_millis() as u64);
    if !due {
        return Ok(None);
    }
    let tx = conn.transaction()?;
    let members: Vec<(i64, String)> = {
        let mut select = tx.prepare_cached(
            "SELECT seq, delivery_id, bytes FROM queue WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let mut rows = select.query(params![watermark, policy.max_rows as i64])?;
        let mut members = Vec::new();
        let mut bytes = 0u64;
        while let Some(row) = rows.next()? {
            let size: i64 = row.get(2)?;
            if !members.is_empty() && bytes + size as u64 > policy.max_bytes as u64 {
                break;
            }
            bytes += size as u64;
            members.push((row.get(0)?, row.get(1)?));
        }
        members
    };
    let (Some(first), Some(last)) = (members.first(), members.last()) else {
        return Ok(None);
    };
    let batch = Batch {
        id: format!("{}-{}", first.0, last.0),
        first_seq: first.0,
        last_seq: last.0,
    };
    tx.execute(
        "INSERT INTO batches (id, first_seq, last_seq) VALUES (?1, ?2, ?3)",
        params![batch.id, batch.first_seq, batch.last_seq],
    )?;
    tx.commit()?;
    Ok(Some(batch))
}

fn complete(
    conn: &mut Connection,
    batch: &Batch,
    dead: &[(String, String)],
    queued: &mut QueuedIds,
) -> Result<(), QueueError> {
    let tx = conn.transaction()?;
    let ids: Vec<String> = tx
        .prepare_cached("SELECT delivery_id FROM queue WHERE seq BETWEEN ?1 AND ?2")?
        .query_map(params![batch.first_seq, batch.last_seq], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    {
        // Flushed: remembered for replay checks from now on (no fsync).
        let now = now_ms();
        let mut remember = tx.prepare_cached(
            "INSERT OR REPLACE INTO seen.accepted (delivery_id, accepted_at_ms) VALUES (?1, ?2)",
        )?;
        for id in &ids {
            remember.execute(params![id, now])?;
        }
        tx.prepare_cached("DELETE FROM seen.accepted WHERE accepted_at_ms < ?1")?
            .execute([now - REPLAY_WINDOW.as_millis() as i64])?;
    }
    {
        let mut keep = tx.prepare_cached(
            "INSERT INTO dead_letters (delivery_id, failed_at_ms, error, envelope) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (envelope, error) in dead {
            let delivery_id = hooklake_schema::envelope::Envelope::from_line(envelope)
                .map(|e| e.delivery_id)
                .unwrap_or_default();
            keep.execute(params![delivery_id, now_ms(), error, envelope])?;
        }
    }
    tx.execute(
        "DELETE FROM queue WHERE seq BETWEEN ?1 AND ?2",
        params![batch.first_seq, batch.last_seq],
    )?;
    tx.execute("DELETE FROM batches WHERE id = ?1", [&batch.id])?;
    tx.commit()?;
    for id in &ids {
        queued.remove(id);
    }
    Ok(())
}

/// Deliveries above the claimed watermark: not yet in any batch.
struct Pending {
    count: u64,
    bytes: u64,
    oldest_age_ms: u64,
}

fn pending(conn: &Connection, watermark: i64) -> Result<Pending, QueueError> {
    let (count, bytes, oldest): (i64, i64, Option<i64>) = conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(bytes), 0), MIN(enqueued_at_ms) FROM queue WHERE seq > ?1",
        [watermark],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok(Pending {
        count: count as u64,
        bytes: bytes as u64,
        oldest_age_ms: oldest.map(|t| (now_ms() - t).max(0) as u64).unwrap_or(0),
    })
}

fn stats(conn: &Connection) -> Result<QueueStats, QueueError> {
    let watermark = claimed_watermark(conn)?;
    let pending = pending(conn, watermark)?;
    let (in_flight, oldest_in_flight): (i64, Option<i64>) = conn.query_row(
        "SELECT COUNT(*), MIN(enqueued_at_ms) FROM queue WHERE seq <= ?1",
        [watermark],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let in_flight_age_ms = oldest_in_flight
        .map(|t| (now_ms() - t).max(0) as u64)
        .unwrap_or(0);
    let dead_letters: i64 =
        conn.query_row("SELECT COUNT(*) FROM dead_letters", [], |r| r.get(0))?;
    Ok(QueueStats {
        pending: pending.count,
        pending_bytes: pending.bytes,
        oldest_age_ms: pending.oldest_age_ms,
        oldest_queued_age_ms: pending.oldest_age_ms.max(in_flight_age_ms),
        in_flight: in_flight as u64,
        dead_letters: dead_letters as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(max_rows: usize) -> FlushPolicy {
        FlushPolicy {
            max_rows,
            max_bytes: usize::MAX,
            max_age: Duration::from_secs(3600),
        }
    }

    #[tokio::test]
    async fn claimed_batches_survive_reopen_with_the_same_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.sqlite3");
        let q = DurableQueue::open(&path).unwrap();
        for i in 0..5 {
            q.append(&format!("d{i}"), format!("line{i}"))
                .await
                .unwrap();
        }
        assert!(
            q.claim(policy(10), false).await.unwrap().is_none(),
            "not due yet"
        );
        let batch = q.claim(policy(3), false).await.unwrap().unwrap();
        assert_eq!(q.load(&batch).unwrap(), ["line0", "line1", "line2"]);
        let s = q.stats().await.unwrap();
        assert_eq!((s.pending, s.in_flight), (2, 3));
        drop(q);

        let q = DurableQueue::open(&path).unwrap();
        let again = q.claim(policy(3), false).await.unwrap().unwrap();
        assert_eq!(again, batch, "a crash redoes the same batch");
        q.complete(&again, vec![]).await.unwrap();
        let rest = q.claim(policy(3), true).await.unwrap().unwrap();
        assert_eq!(q.load(&rest).unwrap(), ["line3", "line4"]);
        q.complete(&rest, vec![("bad".into(), "why".into())])
            .await
            .unwrap();
        let s = q.stats().await.unwrap();
        assert_eq!((s.pending, s.in_flight, s.dead_letters), (0, 0, 1));
    }

    #[test]
    fn corrupt_file_names_the_file_and_the_recovery() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.sqlite3");
        std::fs::write(&path, vec![b'x'; 4096]).unwrap();
        let err = DurableQueue::open(&path)
            .err()
            .expect("corrupt file refused")
            .to_string();
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(err.contains("move the file aside"), "{err}");
    }
}
