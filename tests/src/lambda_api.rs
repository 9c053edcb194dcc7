//! A local Lambda Runtime API (version 2018-06-01, as AWS documents it), so
//! the real `lambda_runtime` client in the real function binary can be
//! driven on loopback: `GET /runtime/invocation/next` (long-polls for the
//! next event), `POST /runtime/invocation/{id}/response` and `/error`, and
//! `POST /runtime/init/error`.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::{oneshot, Notify};

/// What the function answered to one invocation.
#[derive(Debug)]
pub enum Outcome {
    Response(serde_json::Value),
    Error(serde_json::Value),
}

#[derive(Default)]
struct Inner {
    events: VecDeque<(String, serde_json::Value)>,
    waiting: HashMap<String, oneshot::Sender<Outcome>>,
    first_next: Option<Instant>,
    init_error: Option<String>,
    /// Time each invocation gets (`Lambda-Runtime-Deadline-Ms`); 60 s unless set.
    deadline: Option<Duration>,
}

#[derive(Clone, Default)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    arrived: Arc<Notify>,
}

/// A running Runtime API on a loopback port.
pub struct LambdaApi {
    pub addr: SocketAddr,
    shared: Shared,
    next_id: Mutex<u64>,
}

impl LambdaApi {
    pub async fn start() -> LambdaApi {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Shared::default();
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        LambdaApi {
            addr,
            shared,
            next_id: Mutex::new(0),
        }
    }

    /// `AWS_LAMBDA_RUNTIME_API` for the function: `host:port`.
    pub fn runtime_api(&self) -> String {
        self.addr.to_string()
    }

    /// Invokes the function with `event` and waits for its answer.
    pub async fn invoke(&self, event: serde_json::Value, timeout: Duration) -> Outcome {
        let id = {
            let mut n = self.next_id.lock().unwrap();
            *n += 1;
            format!("00000000-0000-4000-8000-{:012}", *n)
        };
        let (tx, rx) = oneshot::channel();
        {
            let mut inner = self.shared.inner.lock().unwrap();
            inner.waiting.insert(id.clone(), tx);
            inner.events.push_back((id, event));
        }
        self.shared.arrived.notify_waiters();
        self.shared.arrived.notify_one();
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(outcome)) => outcome,
            _ => panic!(
                "the function did not answer within {timeout:?} (init error: {:?})",
                self.shared.inner.lock().unwrap().init_error
            ),
        }
    }

    /// Gives every later invocation `timeout` (the function's configured
    /// timeout, as its deadline header says).
    pub fn set_function_timeout(&self, timeout: Duration) {
        self.shared.inner.lock().unwrap().deadline = Some(timeout);
    }

    /// When the function first asked for an event (cold init done).
    pub fn first_next(&self) -> Option<Instant> {
        self.shared.inner.lock().unwrap().first_next
    }
}

async fn next(State(shared): State<Shared>) -> Response {
    loop {
        let notified = shared.arrived.notified();
        {
            let mut inner = shared.inner.lock().unwrap();
            inner.first_next.get_or_insert_with(Instant::now);
            if let Some((id, event)) = inner.events.pop_front() {
                let deadline = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_millis()
                    + inner
                        .deadline
                        .unwrap_or(Duration::from_secs(60))
                        .as_millis();
                let mut headers = HeaderMap::new();
                let mut set = |k: &'static str, v: String| {
                    headers.insert(k, HeaderValue::from_str(&v).unwrap());
                };
                set("lambda-runtime-aws-request-id", id);
                set("lambda-runtime-deadline-ms", deadline.to_string());
                set(
                    "lambda-runtime-invoked-function-arn",
                    "arn:aws:lambda:us-east-1:123456789012:function:hooklake-ingest".into(),
                );
                set(
                    "lambda-runtime-trace-id",
                    "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"
                        .into(),
                );
                set("content-type", "application/json".into());
                return (StatusCode::OK, headers, event.to_string()).into_response();
            }
        }
        notified.await;
    }
}

fn finish(shared: &Shared, id: &str, outcome: Outcome) -> Response {
    match shared.inner.lock().unwrap().waiting.remove(id) {
        Some(tx) => {
            let _ = tx.send(outcome);
            (StatusCode::ACCEPTED, r#"{"status":"OK"}"#).into_response()
        }
        None => (
            StatusCode::BAD_REQUEST,
            r#"{"errorMessage":"unknown request id","errorType":"InvalidRequestID"}"#,
        )
            .into_response(),
    }
}

fn json(body: &Bytes) -> serde_json::Value {
    serde_json::from_slice(body).unwrap_or_else(|_| String::from_utf8_lossy(body).into())
}

async fn response(State(shared): State<Shared>, Path(id): Path<String>, body: Bytes) -> Response {
    finish(&shared, &id, Outcome::Response(json(&body)))
}

async fn error(State(shared): State<Shared>, Path(id): Path<String>, body: Bytes) -> Response {
    finish(&shared, &id, Outcome::Error(json(&body)))
}

async fn init_error(State(shared): State<Shared>, body: Bytes) -> Response {
    shared.inner.lock().unwrap().init_error = Some(String::from_utf8_lossy(&body).into_owned());
    (StatusCode::ACCEPTED, r#"{"status":"OK"}"#).into_response()
}
