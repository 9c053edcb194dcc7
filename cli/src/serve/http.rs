//! The webhook endpoint: a thin axum adapter over the edge core.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request as HttpRequest, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hooklake_edge::intake::{
    answer_unread, claimed_delivery, Answer, HandOff, HandedOff, Intake, NoReplayStore,
};
use hooklake_edge::{HeaderLookup, WebhookSecrets, MAX_BODY_BYTES};
use hooklake_schema::envelope::Envelope;

use super::batcher::WriteHealth;
use super::metrics::ServeMetrics;
use super::queue::{Appended, DurableQueue};
use super::server::BodyBudget;
use hooklake_schema::metrics::{self, Sample};

/// What every request handler shares.
pub struct AppState {
    pub secrets: WebhookSecrets,
    pub queue: DurableQueue,
    /// Whether the batcher's last flush could write the lake.
    pub write_health: Arc<std::sync::Mutex<WriteHealth>>,
    /// Lag (age of the oldest delivery not yet in the lake) that is unhealthy.
    pub lag_alarm: std::time::Duration,
    /// What `/metrics` shows.
    pub metrics: Arc<ServeMetrics>,
    /// Body bytes being received at once, over all requests.
    pub body_budget: BodyBudget,
    /// Time to receive one body.
    pub body_timeout: std::time::Duration,
}

/// `http::HeaderMap` seen through the edge core's header interface.
struct Headers<'a>(&'a HeaderMap);

impl HeaderLookup for Headers<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(|v| v.to_str().ok())
    }
}

/// `GET /healthz` for health, `GET /metrics` for Prometheus; every other
/// path and method is the webhook.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(health))
        .route("/metrics", get(prometheus))
        .fallback(webhook)
        .with_state(state)
}

fn json_response(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Carries out an answer: one log line, the `deliveries` metric, the response.
fn answer(app: &AppState, delivery: &str, answer: Answer, bytes: usize) -> Response {
    // At info for every answer: a flood of refusals must not flood the log.
    tracing::info!(
        delivery_id = %delivery,
        status = answer.status,
        outcome = answer.outcome,
        reason = answer.reason,
        bytes,
        "delivery"
    );
    app.metrics.delivery(answer.outcome, answer.reason);
    json_response(answer.status, answer.body)
}

/// The queue file as the intake's durable hand-off. It keeps delivery ids
/// for the replay window itself, so it is also serve's replay check.
struct QueueHandOff<'a>(&'a DurableQueue);

impl HandOff for QueueHandOff<'_> {
    async fn hand_off(&self, envelope: Envelope) -> Result<HandedOff, String> {
        match self
            .0
            .append(&envelope.delivery_id, envelope.to_line())
            .await
        {
            Ok(Appended::Duplicate) => Ok(HandedOff::AlreadyStored),
            Ok(_) => Ok(HandedOff::Stored),
            Err(err) => Err(err.to_string()),
        }
    }
}

async fn webhook(State(app): State<Arc<AppState>>, request: HttpRequest) -> Response {
    let (parts, body) = request.into_parts();
    let (method, headers) = (parts.method, parts.headers);
    let lookup = Headers(&headers);
    let claimed = claimed_delivery(&lookup).to_owned();
    // The headers alone may decide (a wrong method, an oversize length);
    // otherwise the body is read within the byte budget and the timeout.
    if let Some(early) = answer_unread(method.as_str(), &lookup) {
        return answer(&app, &claimed, early, 0);
    }
    let body = match read_body(&app, &headers, body).await {
        Ok(body) => body,
        Err(refusal) => return answer(&app, &claimed, refusal, 0),
    };
    let intake = Intake {
        secrets: &app.secrets,
        replays: &NoReplayStore,
        hand_off: &QueueHandOff(&app.queue),
    };
    let received = intake
        .receive(method.as_str(), &lookup, &body, chrono::Utc::now())
        .await;
    if let Some(error) = &received.hand_off_error {
        tracing::error!(delivery_id = %claimed, %error, "could not make the delivery durable; answering 503 so GitHub records a failure to redeliver");
        app.metrics
            .record(&[Sample::labelled(&metrics::FAILURES, "queue", 1.0)]);
    }
    answer(&app, &claimed, received.answer, body.len())
}

/// Reads a body of at most [`MAX_BODY_BYTES`] + 1 bytes (one over reaches
/// the core, which answers 413), holding its share of the byte budget
/// (its `Content-Length`, or the cap when it has none) while it arrives.
async fn read_body(
    app: &AppState,
    headers: &HeaderMap,
    body: axum::body::Body,
) -> Result<Bytes, Answer> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(MAX_BODY_BYTES as u64 + 1);
    let Some(_reserved) = app.body_budget.reserve(declared) else {
        return Err(Answer::error(
            503,
            "busy",
            "serve is receiving too many bodies at once; GitHub can redeliver this one",
        ));
    };
    match tokio::time::timeout(
        app.body_timeout,
        axum::body::to_bytes(body, MAX_BODY_BYTES + 1),
    )
    .await
    {
        Ok(Ok(bytes)) => Ok(bytes),
        // Over the cap without a Content-Length that said so.
        Ok(Err(_)) if declared > MAX_BODY_BYTES as u64 => Err(Answer::refused(
            413,
            "payload_too_large",
            "the body is over GitHub's 25 MB cap",
        )),
        Ok(Err(_)) => Err(Answer::refused(
            400,
            "body_unreadable",
            "the body could not be read (the client went away, or it was longer than announced)",
        )),
        Err(_) => Err(Answer::refused(
            408,
            "body_timeout",
            "the body did not arrive in time",
        )),
    }
}

/// The metrics, with the queue's gauges read now.
async fn prometheus(State(app): State<Arc<AppState>>) -> Response {
    match app.queue.stats().await {
        Ok(stats) => app.metrics.record(&[
            Sample::new(
                &metrics::QUEUE_DEPTH,
                (stats.pending + stats.in_flight) as f64,
            ),
            Sample::new(
                &metrics::QUEUE_OLDEST_AGE,
                stats.oldest_queued_age_ms as f64 / 1000.0,
            ),
        ]),
        Err(err) => tracing::error!(error = %err, "metrics cannot read the queue"),
    }
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.metrics.render(),
    )
        .into_response()
}

/// 200 while deliveries reach the lake; 503 with a reason when the lake
/// cannot be written or the oldest delivery not yet in it is too old. Says
/// nothing about where the lake is (the endpoint is unauthenticated).
async fn health(State(app): State<Arc<AppState>>) -> Response {
    let stats = match app.queue.stats().await {
        Ok(stats) => stats,
        Err(err) => {
            // The error names the queue file: it stays in serve's log.
            tracing::error!(error = %err, "health check cannot read the queue");
            return json_response(
                503,
                serde_json::json!({"status": "unhealthy", "reason": "queue_unavailable", "message": "the queue cannot be read; serve's log says why"}).to_string(),
            );
        }
    };
    // A poisoned lock means the batcher panicked: it writes nothing.
    let lake_unwritable = app.write_health.lock().map_or(true, |h| h.lake_unwritable);
    let lag = std::time::Duration::from_millis(stats.oldest_queued_age_ms);
    let problem = if lake_unwritable {
        // The error names paths: those stay in serve's log.
        Some((
            "lake_unwritable",
            "the last flush could not write the lake; serve's log says why".to_owned(),
        ))
    } else if lag > app.lag_alarm {
        Some((
            "lagging",
            format!(
                "the oldest delivery not yet in the lake has waited {} s (alarm at {} s)",
                lag.as_secs(),
                app.lag_alarm.as_secs()
            ),
        ))
    } else {
        None
    };
    match problem {
        None => json_response(
            200,
            serde_json::json!({"status": "ok", "queue": stats}).to_string(),
        ),
        Some((reason, message)) => json_response(
            503,
            serde_json::json!({"status": "unhealthy", "reason": reason, "message": message, "queue": stats})
                .to_string(),
        ),
    }
}
