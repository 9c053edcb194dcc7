//! The Worker's settings: secrets and vars from `wrangler.toml` / `wrangler secret put`.

use hooklake_edge::WebhookSecrets;
use secrecy::SecretString;

/// A setting the Worker needs but does not have.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("Worker setting {0} is not set (see docs/configuration.md)")]
pub struct MissingSetting(pub &'static str);

/// Everything the Worker needs to forward a delivery.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `WEBHOOK_SECRET`, plus during a rotation `WEBHOOK_SECRET_NEXT` (the
    /// new secret, accepted before GitHub signs with it: `hooklake
    /// rotate-secret`) or `WEBHOOK_SECRET_PREVIOUS` (the old one, by hand).
    pub secrets: WebhookSecrets,
    /// `SQS_QUEUE_URL`.
    pub queue_url: String,
    /// `AWS_REGION`.
    pub region: String,
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY` (Debug prints it redacted).
    pub secret_access_key: SecretString,
    /// `CLAIM_CHECK_BUCKET`: where payloads too big for a message go. Without
    /// it, such deliveries are answered 503 (nothing is silently dropped).
    pub claim_check_bucket: Option<String>,
    /// `AWS_ENDPOINT_URL`: overrides the AWS endpoints (tests, private endpoints).
    pub endpoint_url: Option<String>,
    /// `SQS_ALERT_QUEUE_URL`: where sampled rejection alerts go (optional).
    pub alert_queue_url: Option<String>,
    /// `GITHUB_IP_ALLOWLIST`: `on` to check sources against GitHub's hook ranges.
    pub ip_allowlist: bool,
}

impl Settings {
    /// Reads settings through `get`, which returns a secret's or var's value.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, MissingSetting> {
        let need = |name: &'static str| {
            get(name)
                .filter(|v| !v.is_empty())
                .ok_or(MissingSetting(name))
        };
        let optional = |name: &str| get(name).filter(|v| !v.is_empty());
        Ok(Settings {
            secrets: WebhookSecrets::new([
                need("WEBHOOK_SECRET")?,
                optional("WEBHOOK_SECRET_NEXT").unwrap_or_default(),
                optional("WEBHOOK_SECRET_PREVIOUS").unwrap_or_default(),
            ]),
            queue_url: need("SQS_QUEUE_URL")?,
            region: need("AWS_REGION")?,
            access_key_id: need("AWS_ACCESS_KEY_ID")?,
            secret_access_key: need("AWS_SECRET_ACCESS_KEY")?.into(),
            claim_check_bucket: optional("CLAIM_CHECK_BUCKET"),
            endpoint_url: optional("AWS_ENDPOINT_URL").map(|u| u.trim_end_matches('/').to_owned()),
            alert_queue_url: optional("SQS_ALERT_QUEUE_URL"),
            ip_allowlist: optional("GITHUB_IP_ALLOWLIST")
                .is_some_and(|v| v.eq_ignore_ascii_case("on")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn every_required_setting_is_named_when_missing() {
        let all = [
            ("WEBHOOK_SECRET", "s"),
            ("SQS_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/1/q"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
        ];
        assert!(Settings::from_lookup(lookup(&all)).is_ok());
        for skip in 0..all.len() {
            let some: Vec<_> = all
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, p)| *p)
                .collect();
            let err = Settings::from_lookup(lookup(&some)).unwrap_err();
            assert_eq!(err, MissingSetting(all[skip].0));
        }
    }

    #[test]
    fn next_and_previous_secrets_are_active_during_rotation() {
        let all = [
            ("WEBHOOK_SECRET", "current"),
            ("WEBHOOK_SECRET_NEXT", "next"),
            ("WEBHOOK_SECRET_PREVIOUS", "old"),
            ("SQS_QUEUE_URL", "u"),
            ("AWS_REGION", "r"),
            ("AWS_ACCESS_KEY_ID", "a"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ];
        assert_eq!(
            Settings::from_lookup(lookup(&all)).unwrap().secrets.len(),
            3
        );
    }

    #[test]
    fn debug_prints_no_secret() {
        let all = [
            ("WEBHOOK_SECRET", "webhook-secret-value"),
            ("WEBHOOK_SECRET_PREVIOUS", "previous-secret-value"),
            ("SQS_QUEUE_URL", "u"),
            ("AWS_REGION", "r"),
            ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "aws-secret-key-value"),
        ];
        let printed = format!("{:?}", Settings::from_lookup(lookup(&all)).unwrap());
        for secret in [
            "webhook-secret-value",
            "previous-secret-value",
            "aws-secret-key-value",
        ] {
            assert!(!printed.contains(secret), "{printed}");
        }
    }
}
