//! When a batch is flushed to the lake.

use std::time::Duration;

/// Flush when any limit is reached. The defaults match what one Lambda
/// invocation handles comfortably, and keep a file in the tens of MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlushPolicy {
    /// Rows per batch.
    pub max_rows: usize,
    /// Payload bytes per batch (bounds memory: a batch is held whole).
    pub max_bytes: usize,
    /// Age of the oldest waiting delivery.
    pub max_age: Duration,
}

impl Default for FlushPolicy {
    fn default() -> Self {
        FlushPolicy {
            max_rows: 10_000,
            max_bytes: 64 * 1024 * 1024,
            max_age: Duration::from_secs(60),
        }
    }
}
