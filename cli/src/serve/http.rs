//! The webhook endpoint: a thin axum adapter over the edge core.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hooklake_edge::{decide, Decision, HeaderLookup, Request, WebhookSecrets, MAX_BODY_BYTES};

use super::queue::DurableQueue;

/// What every request handler shares.
pub struct AppState {
    pub secrets: WebhookSecrets,
    pub queue: DurableQueue,
    pub lake: std::path::PathBuf,
}

/// `http::HeaderMap` seen through the edge core's header interface.
struct Headers<'a>(&'a HeaderMap);

impl HeaderLookup for Headers<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(|v| v.to_str().ok())
    }
}

/// `GET /healthz` for health; every other path and method is the webhook.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(health))
        .fallback(webhook)
        // One byte over GitHub's cap reaches the core, which answers 413 with a reason.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES + 1))
        .with_state(state)
}

fn json_response(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn webhook(
    State(app): State<Arc<AppState>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lookup = Headers(&headers);
    let claimed_delivery = lookup
        .header("x-github-delivery")
        .unwrap_or("-")
        .chars()
        .take(64)
        .collect::<String>();
    let decision = decide(
        &Request::new(method.as_str(), &lookup, &body),
        &app.secrets,
        chrono::Utc::now(),
    );
    if let Decision::Accept(envelope) = &decision {
        if let Err(err) = app
            .queue
            .append(&envelope.delivery_id, envelope.to_line())
            .await
        {
            tracing::error!(delivery_id = %envelope.delivery_id, error = %err, "could not make the delivery durable; answering 503 so GitHub records a failure to redeliver");
            return json_response(
                503,
                serde_json::json!({"outcome": "error", "reason": "queue_unavailable", "message": "the delivery could not be stored; redeliver it"}).to_string(),
            );
        }
    }
    tracing::info!(
        delivery_id = %claimed_delivery,
        status = decision.status(),
        outcome = decision.outcome(),
        reason = decision.reason(),
        "delivery"
    );
    json_response(decision.status(), decision.response_body())
}

async fn health(State(app): State<Arc<AppState>>) -> Response {
    match app.queue.stats().await {
        Ok(stats) => json_response(
            200,
            serde_json::json!({
                "status": "ok",
                "queue": stats,
                "lake": app.lake.display().to_string(),
            })
            .to_string(),
        ),
        Err(err) => json_response(
            503,
            serde_json::json!({"status": "unhealthy", "reason": err.to_string()}).to_string(),
        ),
    }
}
