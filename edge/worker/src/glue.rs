//! The Worker's entry points: thin shells over the edge core, [`crate::forward`],
//! [`crate::allowlist`] and [`crate::alerts`].

use std::cell::RefCell;
use std::time::Duration;

use futures_util::future::{select, Either};
use hooklake_edge::{decide, Decision, Request as EdgeRequest};
use worker::js_sys::Uint8Array;
use worker::*;

use crate::alerts::{Alert, AlertLimiter, Sample};
use crate::allowlist::{classify, Allowlist, Source, KV_KEY};
use crate::forward::{self, SignedRequest, Transport};
use crate::settings::Settings;

/// KV binding holding the allowlist.
const ALLOWLIST_BINDING: &str = "ALLOWLIST";
/// How long an isolate reuses the allowlist it read from KV.
const ALLOWLIST_REUSE_MS: i64 = 60_000;

thread_local! {
    // Workers run one request at a time per isolate thread; these live as
    // long as the isolate.
    static LIMITER: RefCell<AlertLimiter> = RefCell::new(AlertLimiter::default());
    static ALLOWLIST: RefCell<Option<(Option<Allowlist>, i64)>> = const { RefCell::new(None) };
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

fn log(delivery: &str, status: u16, outcome: &str, reason: &str, detail: Option<&str>) {
    // One JSON line per delivery; never the payload or a secret.
    let line = serde_json::json!({
        "delivery_id": delivery, "status": status, "outcome": outcome, "reason": reason, "detail": detail,
    });
    if status >= 500 {
        console_error!("{line}");
    } else {
        console_log!("{line}");
    }
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

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| &v[..v.len().min(200)])
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, ctx: Context) -> Result<Response> {
    let settings = match Settings::from_lookup(|name| setting(&env, name)) {
        Ok(settings) => settings,
        Err(missing) => {
            return error_response(
                "-",
                500,
                "misconfigured",
                "the Worker is missing a setting; see its logs",
                &missing.to_string(),
            );
        }
    };
    let method = req.method().to_string();
    let headers: Vec<(String, String)> = req.headers().entries().collect();
    let body = req.bytes().await?;
    let now = now_utc();
    let claimed = header(&headers, "x-github-delivery")
        .unwrap_or("-")
        .to_owned();
    let source = if settings.ip_allowlist {
        classify(
            allowlist(&env, now.timestamp_millis()).await.as_ref(),
            header(&headers, "cf-connecting-ip"),
        )
    } else {
        Source::Unchecked
    };

    let decision = decide(
        &EdgeRequest::new(&method, &headers, &body),
        &settings.secrets,
        now,
    );
    let (status, reason, response) = match (&decision, source) {
        // Unauthenticated and from outside GitHub's ranges: refused as such.
        (Decision::Rejected(r), Source::Outside) if r.status() == 401 => (
            403,
            "ip_not_allowed",
            serde_json::json!({"outcome": "rejected", "reason": "ip_not_allowed", "message": "not from GitHub's webhook addresses, and not signed"}).to_string(),
        ),
        _ => (decision.status(), decision.reason(), decision.response_body()),
    };
    if source == Source::Outside && status < 400 {
        console_log!("{{\"delivery_id\":\"{claimed}\",\"warning\":\"signed delivery from outside GitHub's hook ranges; the allowlist may be stale\"}}");
    }

    if (400..500).contains(&status) {
        let counts = LIMITER.with(|l| l.borrow_mut().record(reason, now.timestamp_millis()));
        if let (Some(counts), Some(queue)) = (counts, settings.alert_queue_url.clone()) {
            let alert = Alert {
                kind: "hooklake.edge.rejection",
                reason,
                status,
                at: now,
                counts,
                sample: Sample {
                    source_ip: header(&headers, "cf-connecting-ip"),
                    user_agent: header(&headers, "user-agent"),
                    event: header(&headers, "x-github-event"),
                    delivery_id: header(&headers, "x-github-delivery"),
                    method: &method,
                },
            }
            .to_json();
            if let Ok(request) = forward::send_alert(&settings, &queue, &alert, now) {
                // After the answer: an alert never delays or fails a response.
                ctx.wait_until(async move {
                    if let Err(e) = Fetcher.send(&request, forward::ATTEMPT_TIMEOUT).await {
                        console_error!("rejection alert not sent: {e}");
                    }
                });
            }
        }
    }

    if let Decision::Accept(envelope) = decision {
        if let Err(err) = forward::forward(&Fetcher, &settings, envelope, now).await {
            return error_response(
                &claimed,
                503,
                "queue_unavailable",
                "the delivery could not be queued; GitHub can redeliver it",
                &err.to_string(),
            );
        }
    }
    let outcome = if status == 403 {
        "rejected"
    } else {
        decision_outcome(status)
    };
    log(&claimed, status, outcome, reason, None);
    json_response(status, response)
}

/// A failure of the Worker itself (not of the request): logged with its
/// detail, answered with outcome `error` and a reason, never the detail.
fn error_response(
    delivery: &str,
    status: u16,
    reason: &str,
    message: &str,
    detail: &str,
) -> Result<Response> {
    log(delivery, status, "error", reason, Some(detail));
    json_response(
        status,
        serde_json::json!({"outcome": "error", "reason": reason, "message": message}).to_string(),
    )
}

fn decision_outcome(status: u16) -> &'static str {
    match status {
        202 => "accepted",
        200..=299 => "answered",
        _ => "rejected",
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
