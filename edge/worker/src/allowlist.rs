//! GitHub's webhook source addresses, as a second gate behind the HMAC.
//!
//! A Cron Trigger fetches the `hooks` ranges from GitHub's meta API and stores
//! them in KV; requests read them from there. The allowlist only ever turns
//! an *unauthenticated* request from outside those ranges into a 403 with its
//! own reason (so it is counted and alerted apart). A correctly signed
//! delivery is never blocked by it: GitHub may start sending from a new range
//! before the next refresh, and the HMAC is the real gate. A failed refresh
//! keeps the last list.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// KV key holding the stored list.
pub const KV_KEY: &str = "github-hooks-ranges";
/// GitHub's meta API, which lists the `hooks` ranges.
pub const DEFAULT_META_URL: &str = "https://api.github.com/meta";

/// The ranges GitHub sends webhooks from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allowlist {
    pub ranges: Vec<IpNet>,
    pub fetched_at: DateTime<Utc>,
}

/// Why a meta answer gave no list (the previous list stays in force).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AllowlistError {
    #[error("meta answer is not JSON with a `hooks` list: {0}")]
    Malformed(String),
    #[error("meta answer has no usable `hooks` range")]
    Empty,
}

/// Where a request's address stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Allowlist off, or no list yet, or no address: nothing to check.
    Unchecked,
    /// Inside GitHub's hook ranges.
    GitHub,
    /// Outside them.
    Outside,
}

impl Allowlist {
    /// Reads GitHub's meta answer (`{"hooks": ["192.30.252.0/22", ...], ...}`).
    pub fn from_meta(json: &str, now: DateTime<Utc>) -> Result<Self, AllowlistError> {
        #[derive(Deserialize)]
        struct Meta {
            hooks: Vec<String>,
        }
        let meta: Meta =
            serde_json::from_str(json).map_err(|e| AllowlistError::Malformed(e.to_string()))?;
        let ranges: Vec<IpNet> = meta.hooks.iter().filter_map(|r| r.parse().ok()).collect();
        if ranges.is_empty() {
            return Err(AllowlistError::Empty);
        }
        Ok(Allowlist {
            ranges,
            fetched_at: now,
        })
    }

    /// True when `ip` is in one of the ranges.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.ranges.iter().any(|r| r.contains(&ip))
    }
}

/// Classifies a request's source address (`CF-Connecting-IP`).
pub fn classify(list: Option<&Allowlist>, address: Option<&str>) -> Source {
    match (list, address.and_then(|a| a.trim().parse::<IpAddr>().ok())) {
        (Some(list), Some(ip)) if list.allows(ip) => Source::GitHub,
        (Some(_), Some(_)) => Source::Outside,
        _ => Source::Unchecked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const META: &str = r#"{"verifiable_password_authentication":false,
        "hooks":["192.30.252.0/22","185.199.108.0/22","140.82.112.0/20","143.55.64.0/20","2a0a:a440::/29","2606:50c0::/32"],
        "web":["1.2.3.4/32"]}"#;

    #[test]
    fn parses_githubs_meta_and_matches_v4_and_v6() {
        let list = Allowlist::from_meta(META, DateTime::UNIX_EPOCH).unwrap();
        assert_eq!(classify(Some(&list), Some("140.82.115.10")), Source::GitHub);
        assert_eq!(classify(Some(&list), Some("2606:50c0::1")), Source::GitHub);
        assert_eq!(
            classify(Some(&list), Some("1.2.3.4")),
            Source::Outside,
            "web ranges are not hook ranges"
        );
        assert_eq!(classify(Some(&list), Some("not an ip")), Source::Unchecked);
        assert_eq!(classify(None, Some("1.2.3.4")), Source::Unchecked);
    }

    #[test]
    fn a_bad_answer_is_an_error_so_the_last_list_stays() {
        assert!(matches!(
            Allowlist::from_meta("<html>", DateTime::UNIX_EPOCH),
            Err(AllowlistError::Malformed(_))
        ));
        assert_eq!(
            Allowlist::from_meta(r#"{"hooks":[]}"#, DateTime::UNIX_EPOCH),
            Err(AllowlistError::Empty)
        );
    }

    #[test]
    fn stored_form_round_trips() {
        let list = Allowlist::from_meta(META, DateTime::UNIX_EPOCH).unwrap();
        let stored = serde_json::to_string(&list).unwrap();
        assert_eq!(serde_json::from_str::<Allowlist>(&stored).unwrap(), list);
    }
}
