//! Settings read from the environment.

use hooklake_edge::WebhookSecrets;

/// The webhook secret, as configured on the GitHub webhook.
pub const SECRET_VAR: &str = "HOOKLAKE_WEBHOOK_SECRET";
/// The previous secret, accepted too while a rotation is under way.
pub const PREVIOUS_SECRET_VAR: &str = "HOOKLAKE_WEBHOOK_SECRET_PREVIOUS";

/// The active secrets: `HOOKLAKE_WEBHOOK_SECRET`, plus
/// `HOOKLAKE_WEBHOOK_SECRET_PREVIOUS` during a rotation.
///
/// Secrets come only from the environment, never from flags, which other
/// users of the machine could read in the process list.
pub fn webhook_secrets() -> anyhow::Result<WebhookSecrets> {
    let previous = std::env::var(PREVIOUS_SECRET_VAR).unwrap_or_default();
    Ok(WebhookSecrets::new([signing_secret()?, previous]))
}

/// The secret `send` signs with: the current one.
pub fn signing_secret() -> anyhow::Result<String> {
    let current = std::env::var(SECRET_VAR).unwrap_or_default();
    anyhow::ensure!(
        !current.is_empty(),
        "{SECRET_VAR} is not set. Set it to the secret configured on the GitHub webhook, e.g.\n  \
         export {SECRET_VAR}=\"$(openssl rand -hex 32)\"\n\
         and use the same value in the webhook's settings (or for `hooklake send`)."
    );
    Ok(current)
}
