//! Validation-failure alerts: every rejected request is counted, and a
//! sampled, rate-limited record of each kind of rejection goes to an optional
//! alert queue (`SQS_ALERT_QUEUE_URL`) on which a CloudWatch alarm can fire.
//! The system hooklake replaces listed these alerts as missing.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// At most one alert per reason per window, per Worker isolate.
pub const ALERT_WINDOW_MS: i64 = 60_000;

/// Counts rejections by reason and says when one should be sent.
#[derive(Debug, Default)]
pub struct AlertLimiter {
    by_reason: HashMap<&'static str, Counter>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Counter {
    last_sent_ms: Option<i64>,
    since_last: u64,
    total: u64,
}

/// What an alert says about its reason's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Rejections of this reason since the previous alert (this one included).
    pub since_last_alert: u64,
    /// Rejections of this reason seen by this isolate.
    pub total: u64,
}

impl AlertLimiter {
    /// Records one rejection; `Some` when an alert is due for it now.
    pub fn record(&mut self, reason: &'static str, now_ms: i64) -> Option<Counts> {
        let c = self.by_reason.entry(reason).or_default();
        c.since_last += 1;
        c.total += 1;
        let due = c.last_sent_ms.is_none_or(|t| now_ms - t >= ALERT_WINDOW_MS);
        if !due {
            return None;
        }
        let counts = Counts {
            since_last_alert: c.since_last,
            total: c.total,
        };
        c.last_sent_ms = Some(now_ms);
        c.since_last = 0;
        Some(counts)
    }
}

/// One sampled rejection, as sent to the alert queue. Never the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert<'a> {
    pub kind: &'static str,
    pub reason: &'a str,
    pub status: u16,
    pub at: DateTime<Utc>,
    pub counts: Counts,
    pub sample: Sample<'a>,
}

/// What identifies the sampled request (headers only, truncated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sample<'a> {
    pub source_ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub event: Option<&'a str>,
    pub delivery_id: Option<&'a str>,
    pub method: &'a str,
}

impl Alert<'_> {
    /// The alert as a queue message body.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("alert serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_rejection_alerts_then_one_per_window_with_counts() {
        let mut l = AlertLimiter::default();
        assert_eq!(
            l.record("bad_signature", 0),
            Some(Counts {
                since_last_alert: 1,
                total: 1
            })
        );
        assert_eq!(l.record("bad_signature", 10), None);
        assert_eq!(l.record("bad_signature", 20), None);
        assert_eq!(
            l.record("missing_signature", 30),
            Some(Counts {
                since_last_alert: 1,
                total: 1
            }),
            "reasons are limited apart"
        );
        assert_eq!(
            l.record("bad_signature", ALERT_WINDOW_MS),
            Some(Counts {
                since_last_alert: 3,
                total: 4
            })
        );
    }
}
