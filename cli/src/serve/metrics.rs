//! serve's `/metrics`: the shared metrics ([`hooklake_schema::metrics`]) in
//! the Prometheus text format, through `prometheus-client`.
//!
//! Batches add their samples ([`hooklake_ingest::metrics::batch_samples`]);
//! the webhook counts each answer; the queue's gauges are read when scraped.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;

use hooklake_schema::metrics::{self, Kind, Metric, Sample};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

type Labels = Vec<(String, String)>;
type HistogramFamily = Family<Labels, Histogram, fn() -> Histogram>;

/// Flush durations from 10 ms to about 80 s.
fn flush_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.01, 2.0, 14))
}

/// A labelled metric is a family; an unlabelled one a single series, so
/// that it shows (as 0) before anything happened.
enum Instrument {
    Counter(Counter<f64, AtomicU64>),
    Gauge(Gauge<f64, AtomicU64>),
    Histogram(Histogram),
    Counters(Family<Labels, Counter<f64, AtomicU64>>),
    Gauges(Family<Labels, Gauge<f64, AtomicU64>>),
    Histograms(HistogramFamily),
}

/// Every metric serve emits, registered once.
pub struct ServeMetrics {
    registry: Registry,
    instruments: HashMap<&'static str, Instrument>,
}

impl std::fmt::Debug for ServeMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeMetrics").finish_non_exhaustive()
    }
}

impl Default for ServeMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl ServeMetrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix(metrics::NAMESPACE);
        let mut instruments = HashMap::new();
        for metric in metrics::ALL {
            let (name, help) = (metric.name, metric.help);
            let labelled = metric.label.is_some();
            let instrument = match (metric.kind, labelled) {
                (Kind::Counter, false) => {
                    let counter = Counter::default();
                    registry.register(name, help, counter.clone());
                    Instrument::Counter(counter)
                }
                (Kind::Gauge, false) => {
                    let gauge = Gauge::default();
                    registry.register(name, help, gauge.clone());
                    Instrument::Gauge(gauge)
                }
                (Kind::Histogram, false) => {
                    let histogram = flush_buckets();
                    registry.register(name, help, histogram.clone());
                    Instrument::Histogram(histogram)
                }
                (Kind::Counter, true) => {
                    let family = Family::default();
                    registry.register(name, help, family.clone());
                    Instrument::Counters(family)
                }
                (Kind::Gauge, true) => {
                    let family = Family::default();
                    registry.register(name, help, family.clone());
                    Instrument::Gauges(family)
                }
                (Kind::Histogram, true) => {
                    let family: HistogramFamily = Family::new_with_constructor(flush_buckets);
                    registry.register(name, help, family.clone());
                    Instrument::Histograms(family)
                }
            };
            instruments.insert(name, instrument);
        }
        ServeMetrics {
            registry,
            instruments,
        }
    }

    fn add(&self, metric: &Metric, labels: Labels, value: f64) {
        match self.instruments.get(metric.name) {
            Some(Instrument::Counter(counter)) => {
                counter.inc_by(value);
            }
            Some(Instrument::Gauge(gauge)) => {
                gauge.set(value);
            }
            Some(Instrument::Histogram(histogram)) => histogram.observe(value),
            Some(Instrument::Counters(family)) => {
                family.get_or_create(&labels).inc_by(value);
            }
            Some(Instrument::Gauges(family)) => {
                family.get_or_create(&labels).set(value);
            }
            Some(Instrument::Histograms(family)) => family.get_or_create(&labels).observe(value),
            None => debug_assert!(false, "{} is not in metrics::ALL", metric.name),
        }
    }

    /// Adds a batch's (or any shell's) samples.
    pub fn record(&self, samples: &[Sample]) {
        for sample in samples {
            let labels = match (sample.metric.label, &sample.label) {
                (Some((name, _)), Some(value)) => vec![(name.to_owned(), value.clone())],
                _ => Vec::new(),
            };
            self.add(sample.metric, labels, sample.value);
        }
    }

    /// Counts one webhook answer.
    pub fn delivery(&self, outcome: &str, reason: &str) {
        let labels = vec![
            ("outcome".to_owned(), outcome.to_owned()),
            ("reason".to_owned(), reason.to_owned()),
        ];
        self.add(&metrics::DELIVERIES, labels, 1.0);
    }

    /// Everything, in the text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        encode(&mut text, &self.registry).expect("writing to a String cannot fail");
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_metric_with_its_prefix() {
        let m = ServeMetrics::new();
        m.delivery("accepted", "merged");
        m.record(&[
            Sample::new(&metrics::ROWS_WRITTEN, 2.0),
            Sample::labelled(&metrics::ENRICHED_ROWS, "complete", 2.0),
            Sample::new(&metrics::FLUSH_DURATION, 0.5),
        ]);
        let text = m.render();
        assert!(text.contains("hooklake_rows_written_total 2"), "{text}");
        assert!(
            text.contains(r#"hooklake_deliveries_total{outcome="accepted",reason="merged"} 1"#),
            "{text}"
        );
        assert!(text.contains(r#"hooklake_enriched_rows_total{status="complete"} 2"#));
        assert!(text.contains("hooklake_flush_duration_seconds_count 1"));
        assert!(
            text.contains("hooklake_files_written_total 0"),
            "shown before any write"
        );
        for metric in metrics::ALL.iter().filter(|m| m.label.is_none()) {
            assert!(text.contains(&format!("# HELP hooklake_{} ", metric.name)));
        }
    }
}
