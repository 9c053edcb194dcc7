//! The Worker's entry points: a thin shell over the edge core and [`crate::forward`].

use std::time::Duration;

use futures_util::future::{select, Either};
use hooklake_edge::{decide, Decision, Request as EdgeRequest};
use worker::js_sys::Uint8Array;
use worker::*;

use crate::forward::{self, SignedRequest, Transport};
use crate::settings::Settings;

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
            .with_headers(headers)
            .with_body(Some(Uint8Array::from(request.body.as_slice()).into()));
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

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let settings = match Settings::from_lookup(|name| setting(&env, name)) {
        Ok(settings) => settings,
        Err(missing) => {
            log(
                "-",
                500,
                "error",
                "misconfigured",
                Some(&missing.to_string()),
            );
            return json_response(
                500,
                serde_json::json!({"outcome": "error", "reason": "misconfigured", "message": "the Worker is missing a setting; see its logs"}).to_string(),
            );
        }
    };
    let method = req.method().to_string();
    let headers: Vec<(String, String)> = req.headers().entries().collect();
    let body = req.bytes().await?;
    let now =
        chrono::DateTime::from_timestamp_millis(Date::now().as_millis() as i64).unwrap_or_default();
    let claimed = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("x-github-delivery"))
        .map(|(_, v)| v.chars().take(64).collect::<String>())
        .unwrap_or_else(|| "-".into());

    let decision = decide(
        &EdgeRequest::new(&method, &headers, &body),
        &settings.secrets,
        now,
    );
    if let Decision::Accept(envelope) = decision.clone() {
        if let Err(err) = forward::forward(&Fetcher, &settings, envelope, now).await {
            log(
                &claimed,
                503,
                "error",
                "queue_unavailable",
                Some(&err.to_string()),
            );
            return json_response(
                503,
                serde_json::json!({"outcome": "error", "reason": "queue_unavailable", "message": "the delivery could not be queued; GitHub can redeliver it"}).to_string(),
            );
        }
    }
    log(
        &claimed,
        decision.status(),
        decision.outcome(),
        decision.reason(),
        None,
    );
    json_response(decision.status(), decision.response_body())
}
