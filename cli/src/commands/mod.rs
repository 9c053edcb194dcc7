//! One file per subcommand: its arguments and its `run`. `main.rs` only
//! parses and dispatches.

pub mod args;
pub mod backfill;
pub mod compact;
pub mod ddl;
#[cfg(feature = "aws")]
pub mod dlq;
pub mod hook_url;
pub mod import;
#[cfg(feature = "aws")]
pub mod ingest;
pub mod query;
pub mod redeliver;
pub mod rotate_secret;
pub mod send;
pub mod serve;
pub mod status;
pub mod verify;
