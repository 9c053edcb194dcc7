//! The Worker's entry points: thin shells over the edge core, [`crate::forward`],
//! [`crate::allowlist`] and [`crate::alerts`].

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use futures_util::future::{select, Either};
use hooklake_edge::intake::{
    answer_unread, claimed_delivery, cut, HandOff, HandedOff, Intake, ReplayStore,
};
use hooklake_edge::{HeaderLookup, WebhookSecrets, REPLAY_WINDOW};
use hooklake_edge_webcrypto::WebCryptoKeys;
use hooklake_schema::envelope::Envelope;
use worker::js_sys::Uint8Array;
use worker::*;

use crate::alerts::{Alert, AlertLimiter, Sample};
use crate::allowlist::{classify, Allowlist, Source, KV_KEY};
use crate::answer::{self, allowlist_looks_stale, from_source, AlertKind, Answer};
use crate::forward::{self, SignedRequest, Transport};
use crate::settings::Settings;

/// KV binding holding the allowlist.
const ALLOWLIST_BINDING: &str = "ALLOWLIST";
/// KV binding remembering accepted delivery ids, to refuse replays.
const DELIVERIES_BINDING: &str = "DELIVERIES";
/// How long an isolate reuses the allowlist it read from KV.
const ALLOWLIST_REUSE_MS: i64 = 60_000;

thread_local! {
    // Workers run one request at a time per isolate thread; these live as
    // long as the isolate.
    static LIMITER: RefCell<AlertLimiter> = RefCell::new(AlertLimiter::default());
    static ALLOWLIST: RefCell<Option<(Option<Allowlist>, i64)>> = const { RefCell::new(None) };
    static WEBCRYPTO_KEYS: RefCell<Option<Rc<WebCryptoKeys>>> = const { RefCell::new(None) };
}

/// `fetch` with a timeout (AbortController), and `setTimeout` sleeps.
struct Fetcher;

impl Transport for Fetcher {
    async fn send(
        &self,
        request: &SignedRequest,
        timeout: Duration,
    ) -> std::result::Result<(u16, String), String> {
        let headers = Headers::new();
        for (name, value) in &request.headers {
            headers.set(name, value).map_err(|e| e.to_string())?;
        }
        let mut init = RequestInit::new();
        init.with_method(Method::from(request.method.to_string()))
            .with_headers(headers);
        if !request.body.is_empty() {
            init.with_body(Some(Uint8Array::from(request.body.as_slice()).into()));
        }
        let outgoing = Request::new_with_init(&request.url, &init).map_err(|e| e.to_string())?;
        let controller = AbortController::default();
        let signal = controller.signal();
        let fetch = Fetch::Request(outgoing);
        let outcome = {
            let sending = Box::pin(fetch.send_with_signal(&signal));
            let timer = Box::pin(Delay::from(timeout));
            match select(sending, timer).await {
                Either::Left((result, _)) => Some(result),
                Either::Right(_) => None,
            }
        };
        match outcome {
            Some(Ok(mut response)) => {
                let status = response.status_code();
                let text = response.text().await.map_err(|e| e.to_string())?;
                Ok((status, text))
            }
            Some(Err(e)) => Err(e.to_string()),
            None => {
                controller.abort();
                Err(format!("no answer within {} ms", timeout.as_millis()))
            }
        }
    }

    async fn sleep(&self, duration: Duration) {
        Delay::from(duration).await;
    }

    fn now(&self) -> Duration {
        Duration::from_millis(Date::now().as_millis())
    }
}

fn setting(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .ok()
        .or_else(|| env.var(name).map(|v| v.to_string()).ok())
}

fn json_response(status: u16, body: String) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    Ok(Response::ok(body)?
        .with_status(status)
        .with_headers(headers))
}

/// Logs one request and answers it. One JSON line per request, named like
/// the shared `deliveries` metric (outcome, reason) so Workers Logs can
/// count it; never the payload or a secret (`detail` is the Worker's own
/// error, logged, never answered).
fn respond(
    answer: &Answer,
    delivery: &str,
    bytes: usize,
    started_ms: i64,
    detail: Option<&str>,
) -> Result<Response> {
    let status = answer.status;
    let line = serde_json::json!({
        "metric": hooklake_schema::metrics::DELIVERIES.name,
        "delivery_id": delivery, "status": status, "outcome": answer.outcome,
        "reason": answer.reason, "bytes": bytes,
        "elapsed_ms": (Date::now().as_millis() as i64 - started_ms).max(0),
        "detail": detail,
    });
    if status >= 500 {
        console_error!("{line}");
    } else {
        console_log!("{line}");
    }
    json_response(status, answer.body.clone())
}

fn now_utc() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(Date::now().as_millis() as i64).unwrap_or_default()
}

/// The allowlist from KV, reused by the isolate for a minute once found. No
/// binding or no list yet means nothing to check (and KV is asked again).
async fn allowlist(env: &Env, now_ms: i64) -> Option<Allowlist> {
    let cached = ALLOWLIST.with(|a| a.borrow().clone());
    if let Some((Some(list), loaded)) = cached {
        if now_ms - loaded < ALLOWLIST_REUSE_MS {
            return Some(list);
        }
    }
    let list = match env.kv(ALLOWLIST_BINDING) {
        Ok(kv) => match kv.get(KV_KEY).text().await {
            Ok(Some(text)) => serde_json::from_str(&text).ok(),
            _ => None,
        },
        Err(_) => {
            console_error!("GITHUB_IP_ALLOWLIST is on but the {ALLOWLIST_BINDING} KV binding is missing; not checking sources");
            None
        }
    };
    ALLOWLIST.with(|a| *a.borrow_mut() = Some((list.clone(), now_ms)));
    list
}

/// The webhook secrets as WebCrypto keys, imported once per isolate and
/// again only when the secrets change (a rotation).
async fn webcrypto_keys(secrets: &WebhookSecrets) -> Rc<WebCryptoKeys> {
    let cached = WEBCRYPTO_KEYS.with(|k| k.borrow().clone());
    if let Some(keys) = cached.filter(|keys| keys.of(secrets)) {
        return keys;
    }
    let keys = Rc::new(WebCryptoKeys::import(secrets).await);
    if let Some(e) = keys.error() {
        console_error!("WebCrypto could not import the webhook secrets, verifying in wasm: {e:?}");
    }
    WEBCRYPTO_KEYS.with(|k| *k.borrow_mut() = Some(keys.clone()));
    keys
}

/// The KV key of an accepted delivery id.
fn replay_key(delivery_id: &str) -> String {
    format!("delivery/{delivery_id}")
}

/// The `DELIVERIES` KV namespace as the intake's replay store. Remembering
/// runs after the answer (`wait_until`): it never delays the 2xx.
struct KvReplays<'a> {
    kv: Option<kv::KvStore>,
    ctx: &'a Context,
}

impl ReplayStore for KvReplays<'_> {
    async fn seen(&self, delivery_id: &str) -> bool {
        let Some(kv) = &self.kv else { return false };
        matches!(kv.get(&replay_key(delivery_id)).text().await, Ok(Some(_)))
    }

    async fn remember(&self, delivery_id: &str) {
        if let Some(kv) = self.kv.clone() {
            self.ctx.wait_until(remember(kv, replay_key(delivery_id)));
        }
    }
}

/// SQS (and S3 for a claim check) as the intake's durable hand-off, within
/// the request's time budget.
struct SqsHandOff<'a> {
    settings: &'a Settings,
    now: chrono::DateTime<chrono::Utc>,
    deadline: Duration,
}

impl HandOff for SqsHandOff<'_> {
    async fn hand_off(&self, envelope: Envelope) -> std::result::Result<HandedOff, String> {
        forward::forward(&Fetcher, self.settings, envelope, self.now, self.deadline)
            .await
            .map(|_| HandedOff::Stored)
            .map_err(|e| e.to_string())
    }
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, ctx: Context) -> Result<Response> {
    let started_ms = Date::now().as_millis() as i64;
    let settings = match Settings::from_lookup(|name| setting(&env, name)) {
        Ok(settings) => settings,
        // No settings, so no alert queue to tell: the log line is it.
        Err(missing) => {
            return respond(
                &answer::misconfigured(),
                "-",
                0,
                started_ms,
                Some(&missing.to_string()),
            )
        }
    };
    let method = req.method().to_string();
    let headers: Vec<(String, String)> = req.headers().entries().collect();
    // A wrong method or an oversize Content-Length is answered unread.
    let early = answer_unread(&method, &headers);
    let body = match early {
        Some(_) => Vec::new(),
        None => req.bytes().await?,
    };
    let now = now_utc();
    let claimed = claimed_delivery(&headers).to_owned();
    let source = if settings.ip_allowlist {
        classify(
            allowlist(&env, now.timestamp_millis()).await.as_ref(),
            headers.header("cf-connecting-ip"),
        )
    } else {
        Source::Unchecked
    };
    let (answer, detail) = match early {
        Some(answer) => (answer, None),
        None => {
            let replays = KvReplays {
                kv: env.kv(DELIVERIES_BINDING).ok(),
                ctx: &ctx,
            };
            let hand_off = SqsHandOff {
                settings: &settings,
                now,
                deadline: Duration::from_millis(started_ms as u64) + forward::FORWARD_BUDGET,
            };
            let intake = Intake {
                secrets: &settings.secrets,
                replays: &replays,
                hand_off: &hand_off,
            };
            // The signature through WebCrypto's native HMAC; the checks
            // around it and the decision are the core's.
            let keys = webcrypto_keys(&settings.secrets).await;
            let delivery = hooklake_edge::Request::new(&method, &headers, &body);
            let decision = hooklake_edge_webcrypto::decide(&delivery, &keys, now).await;
            let received = intake.carry_out(decision).await;
            (received.answer, received.hand_off_error)
        }
    };
    let answer = from_source(answer, source);
    if allowlist_looks_stale(&answer, source) {
        let warning = serde_json::json!({"delivery_id": claimed, "warning": "signed delivery from outside GitHub's hook ranges; the allowlist may be stale"});
        console_log!("{warning}");
    }
    if let Some(kind) = answer::alert(&answer) {
        alert_if_due(&settings, &ctx, &answer, kind, &headers, &method, now);
    }
    respond(&answer, &claimed, body.len(), started_ms, detail.as_deref())
}

/// Remembers an accepted delivery id for [`REPLAY_WINDOW`].
async fn remember(kv: kv::KvStore, key: String) {
    let put = kv
        .put(&key, "1")
        .map(|p| p.expiration_ttl(REPLAY_WINDOW.as_secs()));
    let done = match put {
        Ok(put) => put.execute().await,
        Err(e) => Err(e),
    };
    if let Err(e) = done {
        console_error!("could not remember a delivery id for replay checks: {e}");
    }
}

/// Sends a sampled, rate-limited alert about `answer` to the alert queue,
/// if one is set. It goes after the answer: an alert never delays or fails
/// a response.
fn alert_if_due(
    settings: &Settings,
    ctx: &Context,
    answer: &Answer,
    kind: AlertKind,
    headers: &[(String, String)],
    method: &str,
    now: chrono::DateTime<chrono::Utc>,
) {
    let counts = LIMITER.with(|l| l.borrow_mut().record(answer.reason, now.timestamp_millis()));
    let (Some(counts), Some(queue)) = (counts, settings.alert_queue_url.as_deref()) else {
        return;
    };
    let header = |name: &str| headers.header(name).map(|v| cut(v, 200));
    let alert = Alert {
        kind: kind.kind,
        reason: answer.reason,
        status: answer.status,
        at: now,
        counts,
        sample: Sample {
            source_ip: header("cf-connecting-ip"),
            user_agent: header("user-agent"),
            event: header("x-github-event"),
            delivery_id: header("x-github-delivery"),
            method,
        },
    }
    .to_json();
    if let Ok(request) = forward::send_alert(settings, queue, kind.attribute, &alert, now) {
        ctx.wait_until(async move {
            if let Err(e) = Fetcher.send(&request, forward::ATTEMPT_TIMEOUT).await {
                console_error!("alert not sent: {e}");
            }
        });
    }
}

/// Cron Trigger: refresh GitHub's hook ranges into KV. A failure keeps the
/// last list (and is logged); it never clears it.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let meta_url = setting(&env, "GITHUB_META_URL")
        .unwrap_or_else(|| crate::allowlist::DEFAULT_META_URL.to_owned());
    let request = SignedRequest {
        method: "GET",
        url: meta_url.clone(),
        headers: vec![
            ("user-agent".into(), "hooklake-edge".into()),
            ("accept".into(), "application/vnd.github+json".into()),
        ],
        body: Vec::new(),
    };
    let answer = Fetcher.send(&request, Duration::from_secs(10)).await;
    let list = match answer {
        Ok((200, text)) => Allowlist::from_meta(&text, now_utc()).map_err(|e| e.to_string()),
        Ok((status, _)) => Err(format!("{meta_url} answered HTTP {status}")),
        Err(e) => Err(e),
    };
    match (list, env.kv(ALLOWLIST_BINDING)) {
        (Ok(list), Ok(kv)) => {
            let stored = serde_json::to_string(&list).unwrap_or_default();
            match kv.put(KV_KEY, stored) {
                Ok(put) => {
                    if let Err(e) = put.execute().await {
                        console_error!("allowlist refresh: cannot store: {e}");
                    } else {
                        console_log!("allowlist refreshed: {} ranges", list.ranges.len());
                    }
                }
                Err(e) => console_error!("allowlist refresh: cannot store: {e}"),
            }
        }
        (Err(e), _) => console_error!("allowlist refresh failed, keeping the last list: {e}"),
        (_, Err(e)) => console_error!("allowlist refresh: no {ALLOWLIST_BINDING} KV binding: {e}"),
    }
}
