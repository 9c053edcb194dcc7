//! What a batch did, as samples of the shared metrics
//! ([`hooklake_schema::metrics`]): the Lambda and the poller write them as
//! one EMF line, serve adds them to its Prometheus registry.

use std::time::Duration;

use hooklake_schema::metrics::{self, Sample};

use crate::pipeline::Report;

/// The samples of one batch that took `took` from queue to lake.
///
/// ```
/// use hooklake_ingest::{metrics::batch_samples, pipeline::Report};
/// let samples = batch_samples(&Report::default(), std::time::Duration::from_millis(5));
/// assert!(samples.iter().any(|s| s.metric.name == "batches" && s.value == 1.0));
/// ```
pub fn batch_samples(report: &Report, took: Duration) -> Vec<Sample> {
    let bytes: usize = report.files.iter().map(|f| f.bytes).sum();
    let mut samples = vec![
        Sample::new(&metrics::BATCHES, 1.0),
        Sample::new(&metrics::FLUSH_DURATION, took.as_secs_f64()),
        Sample::new(&metrics::ROWS_WRITTEN, report.rows as f64),
        Sample::new(&metrics::FILES_WRITTEN, report.files.len() as f64),
        Sample::new(&metrics::BYTES_WRITTEN, bytes as f64),
        Sample::new(
            &metrics::ENRICHMENT_LOOKUPS,
            report.enrichment.lookups as f64,
        ),
    ];
    for (status, rows) in &report.enrichment.statuses {
        samples.push(Sample::labelled(
            &metrics::ENRICHED_ROWS,
            status,
            *rows as f64,
        ));
    }
    for failure in &report.failed {
        samples.push(Sample::labelled(
            &metrics::FAILURES,
            failure.kind.as_str(),
            1.0,
        ));
    }
    if let Some(remaining) = report.enrichment.rate_limit_remaining {
        samples.push(Sample::new(
            &metrics::GITHUB_RATE_LIMIT_REMAINING,
            remaining as f64,
        ));
    }
    samples
}

/// The age of a batch's oldest message, from when SQS got each
/// (`SentTimestamp`, ms since the epoch), as of `now_ms`; `None` without
/// timestamps.
///
/// ```
/// use hooklake_ingest::metrics::oldest_message_age;
/// let sample = oldest_message_age([9_000, 7_500], 10_000).unwrap();
/// assert_eq!(sample.value, 2.5);
/// assert!(oldest_message_age([], 10_000).is_none());
/// ```
pub fn oldest_message_age(
    sent_at_ms: impl IntoIterator<Item = i64>,
    now_ms: i64,
) -> Option<Sample> {
    let oldest = sent_at_ms.into_iter().min()?;
    let age_ms = now_ms.saturating_sub(oldest).max(0);
    Some(Sample::new(
        &metrics::QUEUE_OLDEST_AGE,
        age_ms as f64 / 1000.0,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{Failure, FailureKind};
    use crate::put::WrittenFile;

    #[test]
    fn failure_kinds_are_declared_label_values() {
        for kind in [
            FailureKind::BadMessage,
            FailureKind::PayloadUnavailable,
            FailureKind::Write,
        ] {
            assert!(metrics::FAILURE_KINDS.contains(&kind.as_str()));
        }
    }

    #[test]
    fn a_report_becomes_its_samples() {
        let mut report = Report {
            rows: 3,
            files: vec![WrittenFile {
                key: "k".into(),
                location: "k".into(),
                rows: 3,
                bytes: 100,
                deliveries: vec!["a".into(), "b".into(), "c".into()],
            }],
            ..Report::default()
        };
        report.enrichment.statuses.insert("unauthorized", 3);
        report.failed.push(Failure {
            message_id: "m".into(),
            delivery_id: None,
            kind: FailureKind::BadMessage,
            reason: "r".into(),
            message: None,
        });
        let line = metrics::emf_line(&batch_samples(&report, Duration::from_secs(2)), 0, "t");
        let doc: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(doc["rows_written"], 3.0);
        assert_eq!(doc["bytes_written"], 100.0);
        assert_eq!(doc["enriched_rows.unauthorized"], 3.0);
        assert_eq!(doc["failures.bad_message"], 1.0);
        assert_eq!(doc["flush_duration_seconds"], 2.0);
    }
}
