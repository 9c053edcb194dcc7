use chrono::{DateTime, Utc};
use hooklake_edge::{signature, signed, Decision, Request, WebhookSecrets};
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Crypto, CryptoKey, SubtleCrypto};

/// The active webhook secrets imported into WebCrypto as HMAC-SHA256
/// verification keys (non-extractable).
pub struct WebCryptoKeys {
    secrets: WebhookSecrets,
    /// Why not, if WebCrypto could not import the secrets (it always
    /// should): the core's own HMAC verifies then, with the same answers.
    imported: Result<Imported, JsValue>,
}

struct Imported {
    subtle: SubtleCrypto,
    keys: Vec<CryptoKey>,
}

impl WebCryptoKeys {
    /// Imports every active secret. Import once per isolate and reuse the
    /// keys (`crypto.subtle.importKey` is asynchronous): [`WebCryptoKeys::of`]
    /// tells whether these keys are still those of the configured secrets.
    /// Never fails: should WebCrypto refuse the import, [`WebCryptoKeys::error`]
    /// says why and the core's HMAC is used instead.
    pub async fn import(secrets: &WebhookSecrets) -> WebCryptoKeys {
        WebCryptoKeys {
            secrets: secrets.clone(),
            imported: import_all(secrets).await,
        }
    }

    /// Why WebCrypto could not import the secrets, if it could not.
    pub fn error(&self) -> Option<&JsValue> {
        self.imported.as_ref().err()
    }

    /// Whether these keys were imported from exactly `secrets`.
    pub fn of(&self, secrets: &WebhookSecrets) -> bool {
        self.secrets == *secrets
    }

    /// Whether `digest` is the HMAC-SHA256 of `body` under any key. Every
    /// key is tried (timing does not tell which matched), and each
    /// comparison is WebCrypto's own, in constant time.
    ///
    /// If WebCrypto fails (it should not: the keys and algorithm are
    /// fixed), the answer comes from the core's native HMAC instead, so a
    /// platform fault never changes an answer.
    pub async fn matches(&self, body: &[u8], digest: &[u8; 32]) -> bool {
        match self.verify_all(body, digest).await {
            Ok(matched) => matched,
            Err(_) => signature::matches(&self.secrets, body, digest),
        }
    }

    async fn verify_all(&self, body: &[u8], digest: &[u8; 32]) -> Result<bool, JsValue> {
        let Imported { subtle, keys } = self.imported.as_ref().map_err(Clone::clone)?;
        // Started together, awaited together: WebCrypto copies `body` when
        // `verify` is called, so the views into wasm memory need not live on.
        let pending: Vec<Promise> = keys
            .iter()
            .map(|key| subtle.verify_with_str_and_u8_array_and_u8_array("HMAC", key, digest, body))
            .collect::<Result<_, _>>()?;
        let mut matched = false;
        for promise in pending {
            matched |= JsFuture::from(promise).await?.as_bool() == Some(true);
        }
        Ok(matched)
    }
}

async fn import_all(secrets: &WebhookSecrets) -> Result<Imported, JsValue> {
    let crypto: Crypto = Reflect::get(&js_sys::global(), &"crypto".into())?.unchecked_into();
    let subtle = crypto.subtle();
    let algorithm = hmac_sha256()?;
    let usages = Array::of1(&"verify".into());
    let mut keys = Vec::with_capacity(secrets.len());
    for secret in secrets.keys() {
        let imported = subtle.import_key_with_object(
            "raw",
            &Uint8Array::from(secret),
            &algorithm,
            false,
            &usages,
        )?;
        keys.push(JsFuture::from(imported).await?.unchecked_into());
    }
    Ok(Imported { subtle, keys })
}

/// [`hooklake_edge::decide`] with the signature verified by WebCrypto: the
/// same checks in the same order, the same decision.
pub async fn decide(request: &Request<'_>, keys: &WebCryptoKeys, now: DateTime<Utc>) -> Decision {
    match signed(request) {
        Ok(signed) => {
            let matched = keys.matches(signed.body(), signed.digest()).await;
            signed.decide(matched, now)
        }
        Err(rejection) => Decision::Rejected(rejection),
    }
}

/// `{name: "HMAC", hash: "SHA-256"}`, WebCrypto's `HmacImportParams`.
fn hmac_sha256() -> Result<Object, JsValue> {
    let algorithm = Object::new();
    Reflect::set(&algorithm, &"name".into(), &"HMAC".into())?;
    Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into())?;
    Ok(algorithm)
}
