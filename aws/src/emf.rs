//! Metrics as CloudWatch Embedded Metric Format lines on stdout.

use hooklake_schema::metrics::{emf_line, Sample};

/// Writes `samples` as one EMF line on stdout, where the Lambda runtime
/// (or a log agent beside the poller) hands it to CloudWatch Logs.
/// `source` names the writer: the function's name, or the poller's.
pub fn print_emf(samples: &[Sample], source: &str) {
    let line = emf_line(samples, chrono::Utc::now().timestamp_millis(), source);
    println!("{line}");
}
