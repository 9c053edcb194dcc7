//! The edge core behind a small `wasm-bindgen` interface, so node (V8, the
//! engine workerd runs) can time exactly what the Worker runs per delivery:
//! the signature through WebCrypto (`hooklake-edge-webcrypto`, as the
//! Worker does) and, to compare, through the core's HMAC in wasm.

#[cfg(target_arch = "wasm32")]
mod exports {
    use hooklake_edge::{decide, Request, WebhookSecrets};
    use std::rc::Rc;

    use hooklake_edge_webcrypto::WebCryptoKeys;
    use wasm_bindgen::prelude::*;

    /// The edge core with its secrets, imported into WebCrypto.
    #[wasm_bindgen]
    pub struct Edge {
        secrets: WebhookSecrets,
        keys: Rc<WebCryptoKeys>,
    }

    fn headers<'a>(
        event: &'a str,
        delivery: &'a str,
        signature: &'a str,
    ) -> [(&'a str, &'a str); 4] {
        [
            ("content-type", "application/json"),
            ("x-github-event", event),
            ("x-github-delivery", delivery),
            ("x-hub-signature-256", signature),
        ]
    }

    fn at(now_ms: f64) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_millis(now_ms as i64).unwrap_or_default()
    }

    #[wasm_bindgen]
    impl Edge {
        /// The edge for one secret (WebCrypto's key import is asynchronous).
        pub async fn create(secret: String) -> Result<Edge, JsValue> {
            let secrets = WebhookSecrets::new([secret]);
            let keys = WebCryptoKeys::import(&secrets).await;
            if let Some(error) = keys.error() {
                return Err(error.clone());
            }
            Ok(Edge {
                secrets,
                keys: Rc::new(keys),
            })
        }

        /// What the Worker runs on one delivery: a promise of its HTTP
        /// status, the signature checked through WebCrypto, the rest in wasm.
        pub fn decide(
            &self,
            event: String,
            delivery: String,
            signature: String,
            body: Vec<u8>,
            now_ms: f64,
        ) -> js_sys::Promise {
            let keys = Rc::clone(&self.keys);
            wasm_bindgen_futures::future_to_promise(async move {
                let headers = headers(&event, &delivery, &signature);
                let request = Request::new("POST", &headers, &body);
                let decision = hooklake_edge_webcrypto::decide(&request, &keys, at(now_ms)).await;
                Ok(decision.status().into())
            })
        }

        /// The same with SHA-256 computed in wasm (the core's HMAC).
        pub fn decide_in_wasm(
            &self,
            event: &str,
            delivery: &str,
            signature: &str,
            body: &[u8],
            now_ms: f64,
        ) -> u16 {
            let headers = headers(event, delivery, signature);
            decide(
                &Request::new("POST", &headers, body),
                &self.secrets,
                at(now_ms),
            )
            .status()
        }
    }
}
