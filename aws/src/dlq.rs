//! The dead-letter queue: move its messages back (`redrive`), or save them
//! to a file `hooklake import` reads (`dump`).

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::queue::{Queue, Received, MAX_BATCH};
use crate::AwsError;

/// While a tool works through the queue, received messages stay hidden this
/// long, so none is received twice in one run.
const HOLD: Duration = Duration::from_secs(300);

fn receipts(messages: &[Received]) -> Vec<&str> {
    messages.iter().map(|m| m.receipt.as_str()).collect()
}

/// Moves every message of `dead_letters` to `target`: send first, then
/// delete, so a crash in between duplicates (absorbed by the dedup view) and
/// never loses. Returns how many moved.
pub async fn redrive(dead_letters: &Queue, target: &Queue) -> Result<usize, AwsError> {
    let mut moved = 0;
    loop {
        let batch = dead_letters
            .receive(MAX_BATCH, Duration::from_secs(1), Some(HOLD))
            .await?;
        if batch.is_empty() {
            return Ok(moved);
        }
        let bodies: Vec<&str> = batch.iter().map(|m| m.body.as_str()).collect();
        target.send(&bodies).await?;
        dead_letters.delete(&receipts(&batch)).await?;
        moved += batch.len();
    }
}

/// Writes every message body of `dead_letters` to `path`, one per line
/// (envelopes are single JSON lines), and fsyncs it. With `delete`, the
/// messages are deleted after the file is durable; without, they reappear
/// in the queue once the hold expires.
pub async fn dump(dead_letters: &Queue, path: &Path, delete: bool) -> Result<usize, AwsError> {
    let io = |source| AwsError::File {
        path: path.display().to_string(),
        source,
    };
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    let mut received = Vec::new();
    loop {
        let batch = dead_letters
            .receive(MAX_BATCH, Duration::from_secs(1), Some(HOLD))
            .await?;
        if batch.is_empty() {
            break;
        }
        for message in &batch {
            // A body is one line already; never let a stray newline split it.
            writeln!(file, "{}", message.body.replace('\n', " ")).map_err(io)?;
        }
        received.extend(batch);
    }
    let file = file.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    if delete {
        dead_letters.delete(&receipts(&received)).await?;
    }
    Ok(received.len())
}
