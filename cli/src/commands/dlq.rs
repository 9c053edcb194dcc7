//! `hooklake dlq`: redrive or dump the dead-letter queue.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
#[cfg(feature = "aws")]
use hooklake::dlq;

#[cfg(feature = "aws")]
#[derive(Subcommand)]
pub enum DlqCommand {
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

#[cfg(feature = "aws")]
pub async fn run(command: DlqCommand) -> anyhow::Result<ExitCode> {
    match command {
        DlqCommand::Redrive { dlq_url, queue_url } => {
            let moved = dlq::redrive(&dlq_url, &queue_url).await?;
            eprintln!("moved {moved} message(s) from {dlq_url} to {queue_url}");
        }
        DlqCommand::Dump {
            dlq_url,
            delete,
            file,
        } => {
            let saved = dlq::dump(&dlq_url, &file, delete).await?;
            let kept = if delete {
                "deleted from the queue"
            } else {
                "still in the queue"
            };
            eprintln!("saved {saved} message(s) to {} ({kept}); import with: hooklake import --lake s3://BUCKET/PREFIX (or a directory) {}", file.display(), file.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
