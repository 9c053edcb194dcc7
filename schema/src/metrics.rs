//! The one set of metric names every shell emits.
//!
//! serve exposes them at `/metrics` (Prometheus text, `hooklake_` prefix,
//! counters with `_total`); the Lambda, the poller and maintenance write
//! one CloudWatch Embedded Metric Format line per invocation
//! ([`emf_line`]); the Worker names its per-request log fields after them.
//! Terraform's alarms and dashboard use these names, and a test checks
//! them against [`ALL`].
//!
//! A metric has at most one label. Prometheus keeps it as a label; in
//! CloudWatch each label value is its own metric, `name.value`
//! ([`Sample::cloudwatch_name`]), so that one EMF line per invocation
//! carries them all and an alarm can name one (`enriched_rows.unauthorized`).
//!
//! ```
//! use hooklake_schema::metrics::{self, Sample};
//! let samples = [
//!     Sample::new(&metrics::ROWS_WRITTEN, 3.0),
//!     Sample::labelled(&metrics::ENRICHED_ROWS, "complete", 3.0),
//! ];
//! let line = metrics::emf_line(&samples, 1_700_000_000_000, "hooklake-ingest");
//! let doc: serde_json::Value = serde_json::from_str(&line).unwrap();
//! assert_eq!(doc["rows_written"], 3.0);
//! assert_eq!(doc["enriched_rows.complete"], 3.0);
//! assert_eq!(doc["_aws"]["CloudWatchMetrics"][0]["Namespace"], "hooklake");
//! ```

use serde_json::{json, Map, Value};

/// The CloudWatch namespace, and the Prometheus prefix (`hooklake_`).
pub const NAMESPACE: &str = "hooklake";

/// The one CloudWatch dimension of every metric: which function, poller or
/// serve wrote it (several deployments can share an account).
pub const DIMENSION: &str = "source";

/// How a metric adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up; each sample is an increment.
    Counter,
    /// A level; each sample replaces the last.
    Gauge,
    /// A distribution of durations; each sample is one observation.
    Histogram,
}

/// One metric: its name, what it counts, and its label if it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metric {
    /// Without the prefix or Prometheus's `_total`: `rows_written`.
    pub name: &'static str,
    pub kind: Kind,
    /// The CloudWatch unit (`Count`, `Seconds`, `Bytes`).
    pub unit: &'static str,
    /// One sentence, without the final full stop (exporters add it).
    pub help: &'static str,
    /// The label's name and the values it takes (empty: any value).
    pub label: Option<(&'static str, &'static [&'static str])>,
}

/// The values of `changed_files_status` (kept equal to
/// [`crate::row::ChangedFilesStatus::ALL`] by a test).
pub const ENRICHMENT_STATUSES: &[&str] = &[
    "complete",
    "truncated",
    "not_found",
    "pending",
    "no_credentials",
    "unauthorized",
    "unavailable",
    "rate_limited",
];

/// Why a delivery or a batch failed.
pub const FAILURE_KINDS: &[&str] = &[
    // The envelope cannot become a row (a dead letter).
    "bad_message",
    // A claim-checked payload could not be fetched.
    "payload_unavailable",
    // The lake could not be written (retried).
    "write",
    // The queue could not be written or read.
    "queue",
    // A partition could not be compacted.
    "compaction",
];

/// What became of a webhook request: `accepted`, `duplicate` (a replay of
/// a delivery id accepted before), `pong` (a ping), `ignored`
/// (not a merged pull request), `rejected` (4xx) or `error` (5xx: the
/// delivery could not be made durable, or a setting is missing).
pub const OUTCOMES: &[&str] = &[
    "accepted",
    "duplicate",
    "pong",
    "ignored",
    "rejected",
    "error",
];

pub const DELIVERIES: Metric = Metric {
    name: "deliveries",
    kind: Kind::Counter,
    unit: "Count",
    help: "Webhook requests answered, by outcome (the reason is a second label in Prometheus and a log field at the edge)",
    label: Some(("outcome", OUTCOMES)),
};
pub const QUEUE_DEPTH: Metric = Metric {
    name: "queue_depth",
    kind: Kind::Gauge,
    unit: "Count",
    help: "Deliveries queued and not yet in the lake",
    label: None,
};
pub const QUEUE_OLDEST_AGE: Metric = Metric {
    name: "queue_oldest_age_seconds",
    kind: Kind::Gauge,
    unit: "Seconds",
    help: "Age of the oldest delivery not yet in the lake: how far the lake lags",
    label: None,
};
pub const BATCHES: Metric = Metric {
    name: "batches",
    kind: Kind::Counter,
    unit: "Count",
    help: "Batches run through the ingest pipeline",
    label: None,
};
pub const FLUSH_DURATION: Metric = Metric {
    name: "flush_duration_seconds",
    kind: Kind::Histogram,
    unit: "Seconds",
    help: "Time to take one batch from the queue into the lake",
    label: None,
};
pub const ROWS_WRITTEN: Metric = Metric {
    name: "rows_written",
    kind: Kind::Counter,
    unit: "Count",
    help: "Rows written to the lake (a delivery sent several times is one row)",
    label: None,
};
pub const FILES_WRITTEN: Metric = Metric {
    name: "files_written",
    kind: Kind::Counter,
    unit: "Count",
    help: "Parquet files written to the lake",
    label: None,
};
pub const BYTES_WRITTEN: Metric = Metric {
    name: "bytes_written",
    kind: Kind::Counter,
    unit: "Bytes",
    help: "Parquet bytes written to the lake",
    label: None,
};
pub const ENRICHMENT_LOOKUPS: Metric = Metric {
    name: "enrichment_lookups",
    kind: Kind::Counter,
    unit: "Count",
    help: "Pull requests whose changed files were looked up at GitHub (or attempted)",
    label: None,
};
pub const ENRICHED_ROWS: Metric = Metric {
    name: "enriched_rows",
    kind: Kind::Counter,
    unit: "Count",
    help: "Rows written, by changed_files_status: what the lookups came to",
    label: Some(("status", ENRICHMENT_STATUSES)),
};
pub const GITHUB_RATE_LIMIT_REMAINING: Metric = Metric {
    name: "github_rate_limit_remaining",
    kind: Kind::Gauge,
    unit: "Count",
    help: "Requests left in GitHub's rate limit, as its last answer said",
    label: None,
};
pub const FAILURES: Metric = Metric {
    name: "failures",
    kind: Kind::Counter,
    unit: "Count",
    help: "Deliveries or partitions not written, by kind",
    label: Some(("kind", FAILURE_KINDS)),
};
pub const PARTITIONS_COMPACTED: Metric = Metric {
    name: "partitions_compacted",
    kind: Kind::Counter,
    unit: "Count",
    help: "Partitions rewritten by maintenance",
    label: None,
};
pub const ROWS_REPAIRED: Metric = Metric {
    name: "rows_repaired",
    kind: Kind::Counter,
    unit: "Count",
    help: "Rows whose changed files maintenance filled in",
    label: None,
};

/// What became of a redelivery `hooklake redeliver` wanted.
pub const REDELIVERY_OUTCOMES: &[&str] = &["requested", "refused", "given_up"];

pub const REDELIVERIES: Metric = Metric {
    name: "redeliveries",
    kind: Kind::Counter,
    unit: "Count",
    help: "Failed deliveries GitHub was asked to send again, by outcome (given_up: refused by the edge five times; a person must look)",
    label: Some(("outcome", REDELIVERY_OUTCOMES)),
};

/// Every metric, for exporters and the tests that check names.
pub const ALL: &[&Metric] = &[
    &DELIVERIES,
    &QUEUE_DEPTH,
    &QUEUE_OLDEST_AGE,
    &BATCHES,
    &FLUSH_DURATION,
    &ROWS_WRITTEN,
    &FILES_WRITTEN,
    &BYTES_WRITTEN,
    &ENRICHMENT_LOOKUPS,
    &ENRICHED_ROWS,
    &GITHUB_RATE_LIMIT_REMAINING,
    &FAILURES,
    &PARTITIONS_COMPACTED,
    &ROWS_REPAIRED,
    &REDELIVERIES,
];

/// Every name a CloudWatch metric of hooklake's can have: each unlabelled
/// metric, and `name.value` for each value of a labelled one.
pub fn cloudwatch_names() -> Vec<String> {
    let mut names = Vec::new();
    for metric in ALL {
        match metric.label {
            Some((_, values)) => {
                names.extend(values.iter().map(|v| format!("{}.{v}", metric.name)))
            }
            None => names.push(metric.name.to_owned()),
        }
    }
    names
}

/// One value of one metric (with its label's value, if it has a label).
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub metric: &'static Metric,
    pub label: Option<String>,
    pub value: f64,
}

impl Sample {
    pub fn new(metric: &'static Metric, value: f64) -> Self {
        Sample {
            metric,
            label: None,
            value,
        }
    }

    pub fn labelled(metric: &'static Metric, label: &str, value: f64) -> Self {
        Sample {
            metric,
            label: Some(label.to_owned()),
            value,
        }
    }

    /// Its name in CloudWatch: `name`, or `name.label`.
    pub fn cloudwatch_name(&self) -> String {
        match &self.label {
            Some(label) => format!("{}.{label}", self.metric.name),
            None => self.metric.name.to_owned(),
        }
    }
}

/// One CloudWatch Embedded Metric Format document (one log line) holding
/// `samples`, stamped `timestamp_ms`, with dimension [`DIMENSION`] =
/// `source`. CloudWatch Logs turns it into metrics without an API call.
/// Samples of one name are added up (counters) or the last kept (gauges).
pub fn emf_line(samples: &[Sample], timestamp_ms: i64, source: &str) -> String {
    let mut root = Map::new();
    let mut definitions: Vec<Value> = Vec::new();
    for sample in samples {
        let name = sample.cloudwatch_name();
        match root.get_mut(&name) {
            Some(Value::Number(old)) if sample.metric.kind == Kind::Counter => {
                let sum = old.as_f64().unwrap_or(0.0) + sample.value;
                root.insert(name, json!(sum));
            }
            Some(_) => {
                root.insert(name, json!(sample.value));
            }
            None => {
                definitions.push(json!({"Name": name, "Unit": sample.metric.unit}));
                root.insert(name, json!(sample.value));
            }
        }
    }
    root.insert(DIMENSION.to_owned(), json!(source));
    root.insert(
        "_aws".to_owned(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [[DIMENSION]],
                "Metrics": definitions,
            }],
        }),
    );
    Value::Object(root).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::ChangedFilesStatus;

    #[test]
    fn enrichment_statuses_are_the_columns_values() {
        let column: Vec<&str> = ChangedFilesStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(column, ENRICHMENT_STATUSES);
    }

    #[test]
    fn names_are_unique_and_prometheus_safe() {
        let mut names: Vec<&str> = ALL.iter().map(|m| m.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        for name in names {
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            assert!(!name.ends_with("_total"), "{name}: Prometheus adds _total");
        }
    }

    #[test]
    fn an_emf_line_adds_up_counters_and_defines_each_metric_once() {
        let samples = [
            Sample::labelled(&FAILURES, "write", 2.0),
            Sample::labelled(&FAILURES, "write", 1.0),
            Sample::new(&QUEUE_DEPTH, 5.0),
            Sample::new(&QUEUE_DEPTH, 4.0),
        ];
        let doc: Value = serde_json::from_str(&emf_line(&samples, 7, "fn")).unwrap();
        assert_eq!(doc["failures.write"], 3.0);
        assert_eq!(doc["queue_depth"], 4.0);
        assert_eq!(doc["source"], "fn");
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Dimensions"], json!([["source"]]));
        assert_eq!(directive["Metrics"].as_array().unwrap().len(), 2);
        assert_eq!(doc["_aws"]["Timestamp"], 7);
    }

    #[test]
    fn cloudwatch_names_cover_every_label_value() {
        let names = cloudwatch_names();
        assert!(names.contains(&"enriched_rows.unauthorized".to_owned()));
        assert!(names.contains(&"rows_written".to_owned()));
        assert!(!names.contains(&"enriched_rows".to_owned()));
    }
}
