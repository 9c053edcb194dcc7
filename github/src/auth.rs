//! GitHub credentials: a token, or a GitHub App whose private key is
//! exchanged for installation tokens.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::GitHubError;

/// Credentials as stored (Secrets Manager, SSM SecureString, or a local
/// file): `{"token": "..."}` or
/// `{"app_id": 1, "installation_id": 2, "private_key": "-----BEGIN ..."}`.
///
/// ```
/// use hooklake_github::Credentials;
/// let c = Credentials::from_json(r#"{"token":"ghp_x"}"#).unwrap();
/// assert!(matches!(c, Credentials::Token(t) if t == "ghp_x"));
/// assert!(Credentials::from_json(r#"{"app_id":1}"#).is_err());
/// ```
#[derive(Clone)]
pub enum Credentials {
    /// A personal or fine-grained token, or any bearer token.
    Token(String),
    /// A GitHub App installation.
    App {
        app_id: u64,
        installation_id: u64,
        private_key_pem: String,
    },
}

impl std::fmt::Debug for Credentials {
    // Never print a secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Token(_) => f.write_str("Credentials::Token(..)"),
            Credentials::App {
                app_id,
                installation_id,
                ..
            } => write!(
                f,
                "Credentials::App {{ app_id: {app_id}, installation_id: {installation_id} }}"
            ),
        }
    }
}

#[derive(Deserialize)]
struct Stored {
    token: Option<String>,
    app_id: Option<u64>,
    installation_id: Option<u64>,
    private_key: Option<String>,
}

impl Credentials {
    /// Parses the stored JSON document; a bare token (no JSON) is accepted too.
    pub fn from_json(text: &str) -> Result<Self, GitHubError> {
        let text = text.trim();
        if !text.starts_with('{') {
            if text.is_empty() {
                return Err(GitHubError::BadCredentials("the secret is empty".into()));
            }
            return Ok(Credentials::Token(text.to_owned()));
        }
        let stored: Stored = serde_json::from_str(text)
            .map_err(|e| GitHubError::BadCredentials(format!("not the expected JSON: {e}")))?;
        match stored {
            Stored {
                token: Some(token), ..
            } if !token.is_empty() => Ok(Credentials::Token(token)),
            Stored {
                app_id: Some(app_id),
                installation_id: Some(installation_id),
                private_key: Some(private_key_pem),
                ..
            } => {
                // Fail now, not on the first request, if the key is unusable.
                jsonwebtoken::EncodingKey::from_rsa_pem(private_key_pem.as_bytes()).map_err(
                    |e| {
                        GitHubError::BadCredentials(format!(
                            "private_key is not an RSA PEM key: {e}"
                        ))
                    },
                )?;
                Ok(Credentials::App {
                    app_id,
                    installation_id,
                    private_key_pem,
                })
            }
            _ => Err(GitHubError::BadCredentials(
                "expected {\"token\": ...} or {\"app_id\", \"installation_id\", \"private_key\"}"
                    .into(),
            )),
        }
    }
}

#[derive(serde::Serialize)]
struct AppClaims {
    iat: i64,
    exp: i64,
    iss: String,
}

/// The JWT a GitHub App signs to ask for an installation token: issued a
/// minute in the past (clock drift), valid 9 minutes (GitHub allows 10).
pub fn app_jwt(
    app_id: u64,
    private_key_pem: &str,
    now: DateTime<Utc>,
) -> Result<String, GitHubError> {
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(private_key_pem.as_bytes())
        .map_err(|e| GitHubError::BadCredentials(format!("private_key: {e}")))?;
    let claims = AppClaims {
        iat: (now - Duration::seconds(60)).timestamp(),
        exp: (now + Duration::seconds(540)).timestamp(),
        iss: app_id.to_string(),
    };
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &key,
    )
    .map_err(|e| GitHubError::BadCredentials(format!("cannot sign the App JWT: {e}")))
}

/// An installation token and when it stops working.
#[derive(Debug, Clone)]
pub struct CachedToken {
    /// Debug prints it redacted.
    pub token: SecretString,
    pub expires_at: DateTime<Utc>,
}

/// Installation tokens live an hour; renew five minutes early so no request
/// goes out with a token about to expire.
const RENEW_BEFORE: Duration = Duration::minutes(5);

/// The cached installation token, if still good at `now`.
#[derive(Debug, Default)]
pub struct TokenCache(Mutex<Option<CachedToken>>);

impl TokenCache {
    pub fn get(&self, now: DateTime<Utc>) -> Option<String> {
        let cached = self.0.lock().unwrap_or_else(|e| e.into_inner());
        cached
            .as_ref()
            .filter(|c| c.expires_at - RENEW_BEFORE > now)
            .map(|c| c.token.expose_secret().to_owned())
    }

    pub fn put(&self, token: CachedToken) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_renews_before_expiry() {
        let cache = TokenCache::default();
        let now = Utc::now();
        cache.put(CachedToken {
            token: "t".to_owned().into(),
            expires_at: now + Duration::minutes(60),
        });
        assert_eq!(cache.get(now).as_deref(), Some("t"));
        assert_eq!(cache.get(now + Duration::minutes(56)), None);
    }

    #[test]
    fn a_cached_token_prints_redacted() {
        let token = CachedToken {
            token: "ghs_installation_token".to_owned().into(),
            expires_at: Utc::now(),
        };
        let cache = TokenCache::default();
        cache.put(token.clone());
        for printed in [format!("{token:?}"), format!("{cache:?}")] {
            assert!(!printed.contains("ghs_installation_token"), "{printed}");
        }
    }

    #[test]
    fn bare_token_and_debug_hides_it() {
        let c = Credentials::from_json("ghp_secret\n").unwrap();
        assert!(!format!("{c:?}").contains("secret"));
    }

    #[test]
    fn app_with_a_bad_key_is_refused_at_load() {
        let err = Credentials::from_json(
            r#"{"app_id": 1, "installation_id": 2, "private_key": "not a key"}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("RSA PEM"), "{err}");
    }
}
