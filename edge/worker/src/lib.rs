//! hooklake's Cloudflare Worker.
//!
//! - [`settings`]: the Worker's configuration, read once per request; a
//!   missing setting is a 500 with a reason in the log, never a silent accept.
//! - [`forward`]: pure construction of SigV4-signed SQS `SendMessage` and S3
//!   `PutObject` requests, the check of SQS's answer (MD5 of the body), the
//!   claim check for payloads too big for a message, and the retry schedule.
//! - [`allowlist`]: GitHub's hook ranges, refreshed by a Cron Trigger into KV,
//!   a second gate that never blocks a correctly signed delivery.
//! - [`alerts`]: counting rejections and rate-limiting alerts about them.
//! - [`answer`]: what a request is answered, logged and alerted as, from the
//!   core's decision, its source and the forwarding's result (pure).
//! - `glue` (wasm32 only): the `#[event(fetch)]` handler, a thin shell that
//!   runs the edge core and performs the requests `forward` builds.

pub mod alerts;
pub mod allowlist;
pub mod answer;
pub mod forward;
pub mod settings;

#[cfg(target_arch = "wasm32")]
mod glue;
