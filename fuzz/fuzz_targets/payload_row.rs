//! Payload → row extraction on any text: a row or an error.
#![no_main]

use hooklake_schema::row::PullRequestRow;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(payload) = std::str::from_utf8(data) {
        if let Ok(row) = PullRequestRow::extract("d", chrono::DateTime::UNIX_EPOCH, payload) {
            // A row always has a partition.
            let _ = hooklake_schema::partition::partition_path(&row);
        }
    }
});
