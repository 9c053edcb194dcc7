//! `X-Hub-Signature-256`: HMAC-SHA256 of the raw body, checked in constant time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::decision::Rejection;
use crate::headers::HeaderLookup;

type HmacSha256 = Hmac<Sha256>;

const PREFIX: &str = "sha256=";

/// The webhook secrets currently accepted.
///
/// More than one is active only while a secret is rotated: GitHub is switched
/// to the new secret while the edge still accepts the old one, so no delivery
/// signed with either is dropped. Empty secrets are ignored.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct WebhookSecrets(Vec<Vec<u8>>);

impl WebhookSecrets {
    /// Secrets from any list of strings or byte strings.
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        WebhookSecrets(
            secrets
                .into_iter()
                .map(|s| s.as_ref().to_vec())
                .filter(|s| !s.is_empty())
                .collect(),
        )
    }

    /// True when no secret is configured (every delivery would be refused).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many secrets are active.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The active secrets' bytes, for a verifier outside this crate (the
    /// Worker imports them into WebCrypto once per isolate).
    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.0.iter().map(Vec::as_slice)
    }
}

impl std::fmt::Debug for WebhookSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WebhookSecrets({} redacted)", self.0.len())
    }
}

/// The `X-Hub-Signature-256` value GitHub would send for `body`.
///
/// ```
/// // GitHub's published test vector.
/// assert_eq!(
///     hooklake_edge::signature::sign(b"It's a Secret to Everybody", b"Hello, World!"),
///     "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
/// );
/// ```
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("{PREFIX}{}", hex::encode(mac.finalize().into_bytes()))
}

/// The digest `X-Hub-Signature-256` claims: 32 bytes from `sha256=` and 64
/// hex digits. Refuses a missing, SHA-1-only or malformed header; checks
/// nothing against a secret.
pub fn claimed(headers: &dyn HeaderLookup) -> Result<[u8; 32], Rejection> {
    let header = match headers.header("x-hub-signature-256") {
        Some(h) => h,
        None if headers.header("x-hub-signature").is_some() => {
            return Err(Rejection::Sha1SignatureOnly)
        }
        None => return Err(Rejection::MissingSignature),
    };
    let hex_digest = header
        .trim()
        .strip_prefix(PREFIX)
        .ok_or(Rejection::MalformedSignature)?;
    let mut digest = [0u8; 32];
    hex::decode_to_slice(hex_digest, &mut digest).map_err(|_| Rejection::MalformedSignature)?;
    Ok(digest)
}

/// Whether `digest` is the HMAC-SHA256 of `body` under any active secret,
/// computed here (serve, the Lambda, tests; the Worker asks WebCrypto,
/// `hooklake-edge-webcrypto`).
///
/// Each comparison is constant-time (`Mac::verify_slice`); every secret is
/// tried, so timing does not reveal which one matched.
pub fn matches(secrets: &WebhookSecrets, body: &[u8], digest: &[u8; 32]) -> bool {
    let mut matched = false;
    for secret in &secrets.0 {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(body);
        matched |= mac.verify_slice(digest).is_ok();
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header against every active secret, as `crate::decide` checks it.
    fn verify(
        headers: &dyn HeaderLookup,
        body: &[u8],
        secrets: &WebhookSecrets,
    ) -> Result<(), Rejection> {
        let digest = claimed(headers)?;
        if matches(secrets, body, &digest) {
            Ok(())
        } else {
            Err(Rejection::BadSignature)
        }
    }

    const SECRET: &[u8] = b"It's a Secret to Everybody";
    const VECTOR: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn github_test_vector() {
        assert_eq!(sign(SECRET, b"Hello, World!"), VECTOR);
        let h = [("X-Hub-Signature-256", VECTOR)];
        let secrets = WebhookSecrets::new([SECRET]);
        assert_eq!(verify(&h, b"Hello, World!", &secrets), Ok(()));
    }

    #[test]
    fn any_active_secret_verifies() {
        let h = [("x-hub-signature-256", VECTOR)];
        let rotated = WebhookSecrets::new([b"new".as_slice(), SECRET]);
        assert_eq!(verify(&h, b"Hello, World!", &rotated), Ok(()));
        let retired = WebhookSecrets::new([b"new".as_slice()]);
        assert_eq!(
            verify(&h, b"Hello, World!", &retired),
            Err(Rejection::BadSignature)
        );
    }

    #[test]
    fn sha1_only_and_malformed() {
        let secrets = WebhookSecrets::new([SECRET]);
        let sha1 = [("x-hub-signature", "sha1=0123")];
        assert_eq!(
            verify(&sha1, b"", &secrets),
            Err(Rejection::Sha1SignatureOnly)
        );
        let short = [("x-hub-signature-256", "sha256=abcd")];
        assert_eq!(
            verify(&short, b"", &secrets),
            Err(Rejection::MalformedSignature)
        );
        let none: [(&str, &str); 0] = [];
        assert_eq!(
            verify(&none, b"", &secrets),
            Err(Rejection::MissingSignature)
        );
    }

    #[test]
    fn no_secrets_verifies_nothing() {
        let h = [("x-hub-signature-256", VECTOR)];
        assert_eq!(
            verify(&h, b"Hello, World!", &WebhookSecrets::default()),
            Err(Rejection::BadSignature)
        );
    }
}
