//! `X-Hub-Signature-256` verified by the JavaScript platform's WebCrypto.
//!
//! In the Worker, SHA-256 computed in wasm was most of the edge's CPU time
//! per delivery; workerd (and V8 in node) have a native, constant-time
//! HMAC behind `crypto.subtle.verify`. [`WebCryptoKeys`] imports the active
//! webhook secrets once and verifies a [`hooklake_edge::Signed`] request's
//! digest through it; the decision is then the core's own
//! ([`hooklake_edge::Signed::decide`]), so the check order and every answer
//! stay exactly those of [`hooklake_edge::decide`].
//!
//! Natively (serve, the Lambda, tests) there is no WebCrypto and this crate
//! is empty: the core's `hmac`/`sha2` path is used there.

#[cfg(target_arch = "wasm32")]
mod subtle;

#[cfg(target_arch = "wasm32")]
pub use subtle::{decide, WebCryptoKeys};
