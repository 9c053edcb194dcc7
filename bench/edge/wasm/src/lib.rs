//! The edge core behind a small `wasm-bindgen` interface, so node (V8, the
//! engine workerd runs) can time exactly what the Worker runs per delivery.

#[cfg(target_arch = "wasm32")]
mod exports {
    use hooklake_edge::{decide, Request, WebhookSecrets};
    use wasm_bindgen::prelude::*;

    /// The edge core with its secrets.
    #[wasm_bindgen]
    pub struct Edge {
        secrets: WebhookSecrets,
    }

    #[wasm_bindgen]
    impl Edge {
        #[wasm_bindgen(constructor)]
        pub fn new(secret: &str) -> Edge {
            Edge {
                secrets: WebhookSecrets::new([secret]),
            }
        }

        /// Runs `decide` on one delivery and returns its HTTP status.
        pub fn decide(
            &self,
            event: &str,
            delivery: &str,
            signature: &str,
            body: &[u8],
            now_ms: f64,
        ) -> u16 {
            let headers = [
                ("content-type", "application/json"),
                ("x-github-event", event),
                ("x-github-delivery", delivery),
                ("x-hub-signature-256", signature),
            ];
            let now = chrono::DateTime::from_timestamp_millis(now_ms as i64).unwrap_or_default();
            decide(&Request::new("POST", &headers, body), &self.secrets, now).status()
        }
    }
}
