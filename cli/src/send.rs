//! `hooklake send`: post a payload exactly as GitHub delivers a webhook.

use anyhow::Context;
use hooklake_edge::{content, signature};

/// One delivery, ready to post.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub event: String,
    pub delivery_id: String,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub signature: String,
}

impl Delivery {
    /// Signs `payload` with `secret`, as GitHub would: a new delivery GUID,
    /// JSON or form encoding, `X-Hub-Signature-256` over the exact body.
    pub fn signed(event: &str, payload: &str, secret: &str, form: bool) -> Self {
        let (content_type, body) = if form {
            (
                "application/x-www-form-urlencoded",
                content::form_encode(payload).into_bytes(),
            )
        } else {
            ("application/json", payload.as_bytes().to_vec())
        };
        Delivery {
            event: event.to_owned(),
            delivery_id: uuid::Uuid::new_v4().to_string(),
            content_type,
            signature: signature::sign(secret.as_bytes(), &body),
            body,
        }
    }
}

/// The answer to a delivery.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// Posts a delivery with GitHub's headers.
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    delivery: &Delivery,
) -> anyhow::Result<Answer> {
    let response = client
        .post(url)
        .header("Content-Type", delivery.content_type)
        .header("User-Agent", concat!("GitHub-Hookshot/hooklake-", env!("CARGO_PKG_VERSION")))
        .header("X-GitHub-Event", &delivery.event)
        .header("X-GitHub-Delivery", &delivery.delivery_id)
        .header("X-GitHub-Hook-ID", "0")
        .header("X-Hub-Signature-256", &delivery.signature)
        .body(delivery.body.clone())
        .send()
        .await
        .map_err(|e| {
            let cause = std::error::Error::source(&e).map(|s| format!(": {s}")).unwrap_or_default();
            anyhow::anyhow!("cannot reach {url} ({e}{cause}); is `hooklake serve` (or the Worker) running there?")
        })?;
    let status = response.status().as_u16();
    let body = response
        .text()
        .await
        .with_context(|| format!("reading the answer from {url}"))?;
    Ok(Answer { status, body })
}

/// An HTTP client with GitHub's 10-second delivery timeout.
pub fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()?)
}
