//! A local fake of the GitHub REST API endpoints hooklake calls, answering
//! with the documented shapes: `GET /repos/{owner}/{repo}/pulls/{n}/files`
//! (paged with `Link`, capped at 3,000 files), `POST
//! /app/installations/{id}/access_tokens`, a webhook's delivery log and
//! redelivery for repository, organization and App hooks (`GET
//! …/hooks/{id}/deliveries`, cursor-paged newest first; `POST
//! …/deliveries/{id}/attempts`, answered 202 and logged as a new attempt),
//! a webhook's configuration (`GET`/`PATCH …/hooks/{id}/config`, the
//! secret answered as `********`; `GET /_fake/hook-secret?hook=KEY` tells a
//! test the secret GitHub would sign with now), and GitHub's error answers
//! (401, 403/429 rate limits with their headers, 404, 5xx).
//!
//! Each repository can be given a [`Scenario`] (the key `*` applies to
//! every repository without one of its own); by default a pull request has
//! three files (added, modified, renamed).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

/// GitHub's cap on listed files.
pub const MAX_FILES: usize = 3000;

/// How one repository answers.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Scenario {
    /// Files in each of its pull requests (default 3).
    #[serde(default)]
    pub files: Option<usize>,
    /// Fail the first `times` requests (0: always) this way.
    #[serde(default)]
    pub fail: Option<Failure>,
    /// Answer every request only after this many milliseconds (a slow GitHub).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// The repository's pull requests (`GET …/pulls`, `GET …/pulls/{n}`).
    #[serde(default)]
    pub pulls: Option<Pulls>,
    /// Every this-many-th request to the repository answers GitHub's
    /// secondary rate limit (429, `retry-after: 1`).
    #[serde(default)]
    pub rate_limit_every: Option<usize>,
}

/// A repository's history: pull requests 1..=`merged`, merged at even
/// intervals over the `days` days up to `until`, and every fifth of them
/// followed by one closed without merging (numbers after `merged`).
#[derive(Debug, Clone, Deserialize)]
pub struct Pulls {
    pub merged: usize,
    pub days: i64,
    pub until: chrono::DateTime<chrono::Utc>,
}

impl Pulls {
    /// When pull request `number` was merged (`None`: closed unmerged, or no such number).
    pub fn merged_at(&self, number: usize) -> Option<chrono::DateTime<chrono::Utc>> {
        (1..=self.merged).contains(&number).then(|| {
            let step = self.days * 86_400 / self.merged.max(1) as i64;
            self.until - chrono::Duration::seconds(step * (self.merged - number) as i64)
        })
    }

    /// Closed without merging: numbers after the merged ones.
    fn unmerged(&self) -> usize {
        self.merged / 5
    }

    /// When pull request `number` was closed and last updated.
    fn closed_at(&self, number: usize) -> Option<chrono::DateTime<chrono::Utc>> {
        self.merged_at(number).or_else(|| {
            let k = number
                .checked_sub(self.merged)
                .filter(|k| (1..=self.unmerged()).contains(k))?;
            Some(self.merged_at(k * 5)? + chrono::Duration::minutes(30))
        })
    }
}

impl Scenario {
    /// Pull requests with `n` files.
    pub fn files(n: usize) -> Self {
        Scenario {
            files: Some(n),
            ..Scenario::default()
        }
    }

    /// The first `times` requests (0: all) fail as `kind` (see [`Failure`]).
    pub fn failing(kind: &str, times: usize) -> Self {
        Scenario {
            fail: Some(Failure {
                kind: kind.into(),
                times,
            }),
            ..Scenario::default()
        }
    }

    /// Every answer after `delay`.
    pub fn slow(delay: std::time::Duration) -> Self {
        Scenario {
            delay_ms: Some(delay.as_millis() as u64),
            ..Scenario::default()
        }
    }
}

/// A failure GitHub documents.
#[derive(Debug, Clone, Deserialize)]
pub struct Failure {
    /// `primary_rate_limit` (403, x-ratelimit-remaining: 0, reset in 1 s),
    /// `secondary_rate_limit` (429, retry-after: 1), `not_found` (404),
    /// `server_error` (502), `bad_credentials` (401).
    pub kind: String,
    #[serde(default)]
    pub times: usize,
}

#[derive(Default)]
struct Fake {
    scenarios: HashMap<String, Scenario>,
    /// Requests per repository (`owner/name`), and token exchanges.
    requests: HashMap<String, usize>,
    /// Delivery logs by hook (`repos/o/r/hooks/7`, `orgs/acme/hooks/3`, `app/hook`).
    hooks: HashMap<String, HookLog>,
    /// Webhook configurations by hook, as above.
    hook_configs: HashMap<String, HookConfig>,
}

/// A `webhook-config` as GitHub documents it.
#[derive(Debug, Clone, Default, serde::Serialize, Deserialize)]
pub struct HookConfig {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub insecure_ssl: Option<String>,
    #[serde(default)]
    pub secret: Option<String>,
}

/// What becomes of a redelivery the fake accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Redeliveries {
    /// Logged at once as a 2xx attempt (the receiver is back).
    #[default]
    Succeed,
    /// Logged at once as a 503 attempt (the receiver is still down).
    Fail,
    /// Accepted but not attempted yet: nothing new in the log.
    NotYet,
}

/// One hook's delivery log, oldest first.
#[derive(Default)]
struct HookLog {
    deliveries: Vec<serde_json::Value>,
    redeliveries: Redeliveries,
    /// Redelivery requests by guid.
    redelivery_requests: HashMap<String, usize>,
    /// List requests, for a scenario's `fail` counting.
    reads: usize,
}

/// A `hook-delivery-item` as GitHub documents it. `status_code` 0 is a
/// timeout (GitHub waited 10 s for no answer).
pub fn hook_delivery(
    id: u64,
    guid: &str,
    event: &str,
    action: Option<&str>,
    status_code: u16,
    delivered_at: chrono::DateTime<chrono::Utc>,
) -> serde_json::Value {
    let status = match status_code {
        200..=299 => "OK".to_string(),
        0 => "timed out".to_string(),
        code => format!("Invalid HTTP Response: {code}"),
    };
    json!({
        "id": id,
        "guid": guid,
        "delivered_at": delivered_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "redelivery": false,
        "duration": 0.27,
        "status": status,
        "status_code": status_code,
        "event": event,
        "action": action,
        "installation_id": null,
        "repository_id": 1296269,
        "throttled_at": null
    })
}

type Shared = Arc<Mutex<Fake>>;

/// A running fake.
pub struct FakeGitHub {
    pub addr: SocketAddr,
    state: Shared,
}

impl FakeGitHub {
    /// Starts on a free loopback port with these scenarios (`owner/name` → scenario).
    pub async fn start(scenarios: HashMap<String, Scenario>) -> FakeGitHub {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener, scenarios)
    }

    /// Serves on `listener` (the `fake-github` binary binds a fixed port).
    pub fn serve(
        listener: tokio::net::TcpListener,
        scenarios: HashMap<String, Scenario>,
    ) -> FakeGitHub {
        let addr = listener.local_addr().unwrap();
        let state: Shared = Arc::new(Mutex::new(Fake {
            scenarios,
            requests: HashMap::new(),
            hooks: HashMap::new(),
            hook_configs: HashMap::new(),
        }));
        let app = Router::new()
            .route("/repos/{owner}/{repo}/pulls/{number}/files", get(files))
            .route("/repos/{owner}/{repo}/pulls", get(list_pulls))
            .route("/repos/{owner}/{repo}/pulls/{number}", get(pull))
            .route(
                "/repos/{owner}/{repo}/hooks/{id}/deliveries",
                get(list_repo_deliveries),
            )
            .route(
                "/repos/{owner}/{repo}/hooks/{id}/deliveries/{delivery}/attempts",
                post(redeliver_repo),
            )
            .route(
                "/orgs/{org}/hooks/{id}/deliveries",
                get(list_org_deliveries),
            )
            .route(
                "/orgs/{org}/hooks/{id}/deliveries/{delivery}/attempts",
                post(redeliver_org),
            )
            .route("/app/hook/deliveries", get(list_app_deliveries))
            .route(
                "/app/hook/deliveries/{delivery}/attempts",
                post(redeliver_app),
            )
            .route("/app/installations/{id}/access_tokens", post(access_token))
            .route(
                "/repos/{owner}/{repo}/hooks/{id}/config",
                get(repo_hook_config).patch(update_repo_hook_config),
            )
            .route(
                "/orgs/{org}/hooks/{id}/config",
                get(org_hook_config).patch(update_org_hook_config),
            )
            .route(
                "/app/hook/config",
                get(app_hook_config).patch(update_app_hook_config),
            )
            .route("/_fake/hook-secret", get(hook_secret))
            .route("/_fake/requests", get(requests))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeGitHub { addr, state }
    }

    /// A GitHub that answers 401 "Bad credentials" to every request.
    pub async fn refusing_credentials() -> FakeGitHub {
        FakeGitHub::start(HashMap::from([(
            "*".to_string(),
            Scenario::failing("bad_credentials", 0),
        )]))
        .await
    }

    /// Gives hook `key` (`repos/o/r/hooks/7`, `orgs/acme/hooks/3` or
    /// `app/hook`) this delivery log (any order; see [`hook_delivery`]),
    /// and what becomes of the redeliveries it is asked for.
    pub fn set_hook_log(
        &self,
        key: &str,
        deliveries: Vec<serde_json::Value>,
        redeliveries: Redeliveries,
    ) {
        let mut deliveries = deliveries;
        deliveries.sort_by_key(|d| d["id"].as_u64());
        self.state.lock().unwrap().hooks.insert(
            key.to_owned(),
            HookLog {
                deliveries,
                redeliveries,
                ..HookLog::default()
            },
        );
    }

    /// Redelivery requests hook `key` received, by guid.
    pub fn redelivery_requests(&self, key: &str) -> HashMap<String, usize> {
        self.state
            .lock()
            .unwrap()
            .hooks
            .get(key)
            .map(|log| log.redelivery_requests.clone())
            .unwrap_or_default()
    }

    /// Hook `key`'s log as it is now, oldest first.
    pub fn hook_log(&self, key: &str) -> Vec<serde_json::Value> {
        self.state
            .lock()
            .unwrap()
            .hooks
            .get(key)
            .map(|log| log.deliveries.clone())
            .unwrap_or_default()
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The secret hook `key` signs its deliveries with now, if any.
    pub fn hook_secret(&self, key: &str) -> Option<String> {
        let fake = self.state.lock().unwrap();
        fake.hook_configs.get(key).and_then(|c| c.secret.clone())
    }

    /// File-list requests seen for every repository together.
    pub fn total_requests(&self) -> usize {
        let fake = self.state.lock().unwrap();
        fake.requests
            .iter()
            .filter(|(k, _)| k.as_str() != "token")
            .map(|(_, n)| n)
            .sum()
    }

    /// Requests seen for a repository (`owner/name`; `token` for exchanges).
    pub fn requests(&self, key: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .requests
            .get(key)
            .copied()
            .unwrap_or(0)
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"message": message, "documentation_url": "https://docs.github.com/rest"})),
    )
        .into_response()
}

fn authorised(headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer ") && v.len() > "Bearer ".len())
}

#[derive(Deserialize)]
struct Page {
    per_page: Option<usize>,
    page: Option<usize>,
}

fn epoch() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn files(
    State(state): State<Shared>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Query(page): Query<Page>,
    headers: HeaderMap,
) -> Response {
    let scenario = match repository_request(&state, &headers, &owner, &repo).await {
        ControlFlow::Continue(scenario) => scenario,
        ControlFlow::Break(answer) => return answer,
    };
    let total = scenario.files.unwrap_or(3).min(MAX_FILES);
    let per_page = page.per_page.unwrap_or(30).clamp(1, 100);
    let current = page.page.unwrap_or(1).max(1);
    let start = (current - 1) * per_page;
    let body: Vec<serde_json::Value> = (start..total.min(start + per_page))
        .map(|i| file_entry(&owner, &repo, i))
        .collect();
    paged(
        body,
        &headers,
        &format!("/repos/{owner}/{repo}/pulls/{number}/files?per_page={per_page}"),
        current,
        total.div_ceil(per_page).max(1),
    )
}

/// A page of a list, with GitHub's rate headers and `Link` to the
/// `next`/`last`/`first`/`prev` pages (`path`: the list's path and query
/// without `page`).
fn paged(
    body: Vec<serde_json::Value>,
    headers: &HeaderMap,
    path: &str,
    current: usize,
    last: usize,
) -> Response {
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let link_to = |p: usize| format!("<http://{host}{path}&page={p}>");
    let mut links = Vec::new();
    if current < last {
        links.push(format!("{}; rel=\"next\"", link_to(current + 1)));
        links.push(format!("{}; rel=\"last\"", link_to(last)));
    }
    if current > 1 {
        links.push(format!("{}; rel=\"first\"", link_to(1)));
        links.push(format!("{}; rel=\"prev\"", link_to(current - 1)));
    }
    let mut response = Json(body).into_response();
    let h = response.headers_mut();
    h.insert("x-ratelimit-limit", "5000".parse().unwrap());
    h.insert("x-ratelimit-remaining", "4999".parse().unwrap());
    if !links.is_empty() {
        h.insert("link", links.join(", ").parse().unwrap());
    }
    response
}

/// File `i` of a pull request: statuses cycle added, modified, renamed
/// (and removed every fourth), with the documented fields.
pub fn file_entry(owner: &str, repo: &str, i: usize) -> serde_json::Value {
    let filename = format!("src/file_{i}.rs");
    let status = ["added", "modified", "renamed", "removed"][i % 4];
    let mut entry = json!({
        "sha": format!("{:040x}", i),
        "filename": filename,
        "status": status,
        "additions": 1, "deletions": 0, "changes": 1,
        "blob_url": format!("https://github.com/{owner}/{repo}/blob/0/{filename}"),
        "raw_url": format!("https://github.com/{owner}/{repo}/raw/0/{filename}"),
        "contents_url": format!("https://api.github.com/repos/{owner}/{repo}/contents/{filename}"),
        "patch": "@@ -1 +1 @@"
    });
    if status == "renamed" {
        entry["previous_filename"] = json!(format!("old/file_{i}.rs"));
    }
    entry
}

async fn access_token(
    State(state): State<Shared>,
    Path(_id): Path<u64>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = refuse_without_app_jwt(&headers) {
        return refused;
    }
    *state
        .lock()
        .unwrap()
        .requests
        .entry("token".into())
        .or_default() += 1;
    let expires = chrono::Utc::now() + chrono::Duration::hours(1);
    (
        StatusCode::CREATED,
        Json(json!({
            "token": "ghs_fakeinstallationtoken",
            "expires_at": expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "permissions": {"pull_requests": "read"},
            "repository_selection": "all"
        })),
    )
        .into_response()
}

async fn requests(State(state): State<Shared>) -> Json<HashMap<String, usize>> {
    Json(state.lock().unwrap().requests.clone())
}

/// The answer for a scenario's failure on its `seen`-th request, if it fails.
fn failure(scenario: &Scenario, seen: usize) -> Option<Response> {
    if scenario
        .rate_limit_every
        .is_some_and(|k| k > 0 && seen.is_multiple_of(k))
    {
        let mut response = error(
            StatusCode::TOO_MANY_REQUESTS,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        );
        response
            .headers_mut()
            .insert("retry-after", "1".parse().unwrap());
        return Some(response);
    }
    let fail = scenario.fail.as_ref()?;
    if fail.times != 0 && seen > fail.times {
        return None;
    }
    let mut response = match fail.kind.as_str() {
        "primary_rate_limit" => error(
            StatusCode::FORBIDDEN,
            "API rate limit exceeded for installation ID 1.",
        ),
        "secondary_rate_limit" => error(
            StatusCode::TOO_MANY_REQUESTS,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        ),
        "not_found" => error(StatusCode::NOT_FOUND, "Not Found"),
        "bad_credentials" => error(StatusCode::UNAUTHORIZED, "Bad credentials"),
        _ => error(StatusCode::BAD_GATEWAY, "Server Error"),
    };
    let h = response.headers_mut();
    match fail.kind.as_str() {
        "primary_rate_limit" => {
            h.insert("x-ratelimit-limit", "5000".parse().unwrap());
            h.insert("x-ratelimit-remaining", "0".parse().unwrap());
            h.insert(
                "x-ratelimit-reset",
                (epoch() + 1).to_string().parse().unwrap(),
            );
        }
        "secondary_rate_limit" => {
            h.insert("retry-after", "1".parse().unwrap());
        }
        _ => {}
    }
    Some(response)
}

#[derive(Deserialize)]
struct DeliveriesQuery {
    per_page: Option<usize>,
    cursor: Option<String>,
}

async fn list_repo_deliveries(
    State(state): State<Shared>,
    Path((owner, repo, id)): Path<(String, String, u64)>,
    Query(query): Query<DeliveriesQuery>,
    headers: HeaderMap,
) -> Response {
    list_deliveries(
        state,
        format!("repos/{owner}/{repo}/hooks/{id}"),
        query,
        headers,
    )
    .await
}

async fn list_org_deliveries(
    State(state): State<Shared>,
    Path((org, id)): Path<(String, u64)>,
    Query(query): Query<DeliveriesQuery>,
    headers: HeaderMap,
) -> Response {
    list_deliveries(state, format!("orgs/{org}/hooks/{id}"), query, headers).await
}

async fn list_app_deliveries(
    State(state): State<Shared>,
    Query(query): Query<DeliveriesQuery>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = refuse_without_app_jwt(&headers) {
        return refused;
    }
    list_deliveries(state, "app/hook".into(), query, headers).await
}

/// An App's own endpoints take its JWT (three dot-separated parts);
/// anything else is GitHub's 401.
fn refuse_without_app_jwt(headers: &HeaderMap) -> Option<Response> {
    let jwt = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    (jwt.split('.').count() != 3).then(|| {
        error(
            StatusCode::UNAUTHORIZED,
            "A JSON web token could not be decoded",
        )
    })
}

/// `GET …/deliveries`: newest first, `per_page` (default 30, at most 100),
/// an opaque `cursor`, and a `Link` header to the next page.
async fn list_deliveries(
    state: Shared,
    key: String,
    query: DeliveriesQuery,
    headers: HeaderMap,
) -> Response {
    if !authorised(&headers) {
        return error(StatusCode::UNAUTHORIZED, "Requires authentication");
    }
    let (page, more, scenario, seen) = {
        let mut fake = state.lock().unwrap();
        let scenario = fake.scenarios.get(&key).cloned().unwrap_or_default();
        let Some(log) = fake.hooks.get_mut(&key) else {
            return error(StatusCode::NOT_FOUND, "Not Found");
        };
        log.reads += 1;
        let before = query
            .cursor
            .as_deref()
            .and_then(|c| c.strip_prefix("v1_"))
            .and_then(|id| id.parse::<u64>().ok())
            .unwrap_or(u64::MAX);
        let per_page = query.per_page.unwrap_or(30).clamp(1, 100);
        let older: Vec<serde_json::Value> = log
            .deliveries
            .iter()
            .rev()
            .filter(|d| d["id"].as_u64().unwrap_or(0) < before)
            .cloned()
            .collect();
        let more = older.len() > per_page;
        let page: Vec<serde_json::Value> = older.into_iter().take(per_page).collect();
        (page, more.then_some(per_page), scenario, log.reads)
    };
    if let Some(response) = failure(&scenario, seen) {
        return response;
    }
    let next = more.and_then(|per_page| {
        let last = page.last()?["id"].as_u64()?;
        let host = headers.get("host")?.to_str().ok()?;
        Some(format!(
            "<http://{host}/{key}/deliveries?per_page={per_page}&cursor=v1_{last}>; rel=\"next\""
        ))
    });
    let mut response = Json(page).into_response();
    let h = response.headers_mut();
    h.insert("x-ratelimit-limit", "5000".parse().unwrap());
    h.insert("x-ratelimit-remaining", "4999".parse().unwrap());
    if let Some(next) = next {
        h.insert("link", next.parse().unwrap());
    }
    response
}

async fn redeliver_repo(
    State(state): State<Shared>,
    Path((owner, repo, id, delivery)): Path<(String, String, u64, u64)>,
    headers: HeaderMap,
) -> Response {
    redeliver(
        state,
        format!("repos/{owner}/{repo}/hooks/{id}"),
        delivery,
        headers,
    )
}

async fn redeliver_org(
    State(state): State<Shared>,
    Path((org, id, delivery)): Path<(String, u64, u64)>,
    headers: HeaderMap,
) -> Response {
    redeliver(state, format!("orgs/{org}/hooks/{id}"), delivery, headers)
}

async fn redeliver_app(
    State(state): State<Shared>,
    Path(delivery): Path<u64>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = refuse_without_app_jwt(&headers) {
        return refused;
    }
    redeliver(state, "app/hook".into(), delivery, headers)
}

/// `POST …/deliveries/{id}/attempts`: 202 `{}`, and the redelivery logged
/// as a new attempt of the same guid (succeeding unless the log says its
/// redeliveries fail).
fn redeliver(state: Shared, key: String, delivery: u64, headers: HeaderMap) -> Response {
    if !authorised(&headers) {
        return error(StatusCode::UNAUTHORIZED, "Requires authentication");
    }
    let mut fake = state.lock().unwrap();
    let Some(log) = fake.hooks.get_mut(&key) else {
        return error(StatusCode::NOT_FOUND, "Not Found");
    };
    let Some(original) = log
        .deliveries
        .iter()
        .find(|d| d["id"].as_u64() == Some(delivery))
        .cloned()
    else {
        return error(StatusCode::NOT_FOUND, "Not Found");
    };
    let guid = original["guid"].as_str().unwrap_or_default().to_owned();
    *log.redelivery_requests.entry(guid.clone()).or_default() += 1;
    if log.redeliveries == Redeliveries::NotYet {
        return (StatusCode::ACCEPTED, Json(json!({}))).into_response();
    }
    let id = log
        .deliveries
        .iter()
        .filter_map(|d| d["id"].as_u64())
        .max()
        .unwrap_or(0)
        + 1;
    let mut attempt = hook_delivery(
        id,
        &guid,
        original["event"].as_str().unwrap_or_default(),
        original["action"].as_str(),
        if log.redeliveries == Redeliveries::Fail {
            503
        } else {
            202
        },
        chrono::Utc::now(),
    );
    attempt["redelivery"] = json!(true);
    log.deliveries.push(attempt);
    (StatusCode::ACCEPTED, Json(json!({}))).into_response()
}

/// A repository's numeric id, stable for its name.
pub fn repository_id(owner: &str, repo: &str) -> i64 {
    let mut id: i64 = 1_296_269;
    for b in format!("{owner}/{repo}").bytes() {
        id = (id * 31 + b as i64) % 1_000_000_007;
    }
    id
}

fn repository_object(owner: &str, repo: &str) -> serde_json::Value {
    json!({
        "id": repository_id(owner, repo),
        "node_id": "R_kgDOAAAAAQ",
        "name": repo,
        "full_name": format!("{owner}/{repo}"),
        "private": false,
        "owner": {"login": owner, "id": 1, "type": "Organization"},
        "html_url": format!("https://github.com/{owner}/{repo}"),
        "default_branch": "main"
    })
}

/// Pull request `number` as `GET /repos/{o}/{r}/pulls/{n}` answers it (the
/// object a `pull_request` webhook carries); `full: false` gives the list's
/// `pull-request-simple` (no merged, merged_by, counts).
pub fn pull_object(
    owner: &str,
    repo: &str,
    number: usize,
    pulls: &Pulls,
    files: usize,
    full: bool,
) -> Option<serde_json::Value> {
    let closed_at = pulls.closed_at(number)?;
    let merged_at = pulls.merged_at(number);
    let time =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let repository = repository_object(owner, repo);
    let labels: Vec<serde_json::Value> = if number.is_multiple_of(3) {
        vec![json!({"id": 208045946, "name": "bug", "color": "f29513", "default": true})]
    } else {
        Vec::new()
    };
    let mut pull = json!({
        "url": format!("https://api.github.com/repos/{owner}/{repo}/pulls/{number}"),
        "id": repository["id"].as_i64().unwrap() * 100_000 + number as i64,
        "node_id": format!("PR_{number}"),
        "html_url": format!("https://github.com/{owner}/{repo}/pull/{number}"),
        "number": number,
        "state": "closed",
        "locked": false,
        "title": format!("Change number {number}"),
        "user": {"login": format!("author{}", number % 7), "id": 100 + number % 7, "type": "User"},
        "body": "Fixes a thing.",
        "labels": labels,
        "created_at": time(closed_at - chrono::Duration::days(2)),
        "updated_at": time(closed_at + chrono::Duration::hours(1)),
        "closed_at": time(closed_at),
        "merged_at": merged_at.map(time),
        "merge_commit_sha": merged_at.map(|_| format!("{:040x}", number * 7919)),
        "head": {"label": format!("{owner}:feature-{number}"), "ref": format!("feature-{number}"),
                 "sha": format!("{:040x}", number * 104_729), "repo": repository.clone()},
        "base": {"label": format!("{owner}:main"), "ref": "main",
                 "sha": format!("{:040x}", number * 1_299_709), "repo": repository},
        "author_association": "CONTRIBUTOR",
        "draft": false
    });
    if full {
        let merged = merged_at.is_some();
        let extra = json!({
            "merged": merged,
            "mergeable": null,
            "merged_by": if merged { json!({"login": "maintainer", "id": 99, "type": "User"}) } else { json!(null) },
            "comments": number % 4,
            "review_comments": 0,
            "commits": number % 5 + 1,
            "additions": number % 50 * 3,
            "deletions": number % 20,
            "changed_files": files
        });
        for (k, v) in extra.as_object().unwrap() {
            pull[k] = v.clone();
        }
    }
    Some(pull)
}

#[derive(Deserialize)]
struct PullsQuery {
    per_page: Option<usize>,
    page: Option<usize>,
    state: Option<String>,
    sort: Option<String>,
    direction: Option<String>,
}

/// The scenario of `owner/repo` and the repository's request count after
/// this one (shared by every endpoint of the repository).
fn count_request(state: &Shared, key: &str) -> (Scenario, usize) {
    let mut fake = state.lock().unwrap();
    let seen = {
        let n = fake.requests.entry(key.to_owned()).or_default();
        *n += 1;
        *n
    };
    let scenario = fake
        .scenarios
        .get(key)
        .or_else(|| fake.scenarios.get("*"))
        .cloned()
        .unwrap_or_default();
    (scenario, seen)
}

/// What every request to a repository's endpoints goes through: GitHub's
/// 401 without a token, the repository's request count, its scenario's
/// delay and failures. Continues with the scenario, or breaks with the
/// answer to give.
async fn repository_request(
    state: &Shared,
    headers: &HeaderMap,
    owner: &str,
    repo: &str,
) -> ControlFlow<Response, Scenario> {
    if !authorised(headers) {
        return ControlFlow::Break(error(StatusCode::UNAUTHORIZED, "Requires authentication"));
    }
    let (scenario, seen) = count_request(state, &format!("{owner}/{repo}"));
    if let Some(ms) = scenario.delay_ms {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    match failure(&scenario, seen) {
        Some(response) => ControlFlow::Break(response),
        None => ControlFlow::Continue(scenario),
    }
}

/// `GET /repos/{o}/{r}/pulls`: `state=closed`, `sort=created`,
/// `direction=asc` (the only combination hooklake asks for), paged with
/// `Link`.
async fn list_pulls(
    State(state): State<Shared>,
    Path((owner, repo)): Path<(String, String)>,
    Query(query): Query<PullsQuery>,
    headers: HeaderMap,
) -> Response {
    let scenario = match repository_request(&state, &headers, &owner, &repo).await {
        ControlFlow::Continue(scenario) => scenario,
        ControlFlow::Break(answer) => return answer,
    };
    if query.state.as_deref() != Some("closed")
        || query.sort.as_deref() != Some("created")
        || query.direction.as_deref() != Some("asc")
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "this fake lists closed pull requests by creation time, oldest first, only",
        );
    }
    let Some(pulls) = scenario.pulls else {
        return Json(Vec::<serde_json::Value>::new()).into_response();
    };
    let total = pulls.merged + pulls.unmerged();
    let mut numbers: Vec<usize> = (1..=total).collect();
    // Created two days before closing: by creation is by closing.
    numbers.sort_by_key(|n| pulls.closed_at(*n));
    let per_page = query.per_page.unwrap_or(30).clamp(1, 100);
    let current = query.page.unwrap_or(1).max(1);
    let body: Vec<serde_json::Value> = numbers
        .iter()
        .skip((current - 1) * per_page)
        .take(per_page)
        .filter_map(|n| pull_object(&owner, &repo, *n, &pulls, 0, false))
        .collect();
    paged(
        body,
        &headers,
        &format!(
            "/repos/{owner}/{repo}/pulls?state=closed&sort=created&direction=asc&per_page={per_page}"
        ),
        current,
        total.div_ceil(per_page).max(1),
    )
}

/// `GET /repos/{o}/{r}/pulls/{n}`: the full pull request.
async fn pull(
    State(state): State<Shared>,
    Path((owner, repo, number)): Path<(String, String, usize)>,
    headers: HeaderMap,
) -> Response {
    let scenario = match repository_request(&state, &headers, &owner, &repo).await {
        ControlFlow::Continue(scenario) => scenario,
        ControlFlow::Break(answer) => return answer,
    };
    let files = scenario.files.unwrap_or(3).min(MAX_FILES);
    match scenario
        .pulls
        .as_ref()
        .and_then(|pulls| pull_object(&owner, &repo, number, pulls, files, true))
    {
        Some(pull) => Json(pull).into_response(),
        None => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}

/// `webhook-config` as GitHub answers it: a set secret is `********`.
fn config_answer(config: &HookConfig) -> Response {
    let mut shown = config.clone();
    if shown.secret.is_some() {
        shown.secret = Some("********".into());
    }
    Json(shown).into_response()
}

fn hook_config(state: &Shared, key: String, headers: &HeaderMap) -> Response {
    if !authorised(headers) {
        return error(StatusCode::UNAUTHORIZED, "Requires authentication");
    }
    let fake = state.lock().unwrap();
    config_answer(&fake.hook_configs.get(&key).cloned().unwrap_or_default())
}

/// `PATCH …/config`: only the fields sent change.
fn update_hook_config(
    state: &Shared,
    key: String,
    headers: &HeaderMap,
    update: HookConfig,
) -> Response {
    if !authorised(headers) {
        return error(StatusCode::UNAUTHORIZED, "Requires authentication");
    }
    let mut fake = state.lock().unwrap();
    let config = fake.hook_configs.entry(key).or_default();
    for (field, value) in [
        (&mut config.url, update.url),
        (&mut config.content_type, update.content_type),
        (&mut config.insecure_ssl, update.insecure_ssl),
        (&mut config.secret, update.secret),
    ] {
        if value.is_some() {
            *field = value;
        }
    }
    config_answer(config)
}

async fn repo_hook_config(
    State(state): State<Shared>,
    Path((owner, repo, id)): Path<(String, String, u64)>,
    headers: HeaderMap,
) -> Response {
    hook_config(&state, format!("repos/{owner}/{repo}/hooks/{id}"), &headers)
}

async fn update_repo_hook_config(
    State(state): State<Shared>,
    Path((owner, repo, id)): Path<(String, String, u64)>,
    headers: HeaderMap,
    Json(update): Json<HookConfig>,
) -> Response {
    let key = format!("repos/{owner}/{repo}/hooks/{id}");
    update_hook_config(&state, key, &headers, update)
}

async fn org_hook_config(
    State(state): State<Shared>,
    Path((org, id)): Path<(String, u64)>,
    headers: HeaderMap,
) -> Response {
    hook_config(&state, format!("orgs/{org}/hooks/{id}"), &headers)
}

async fn update_org_hook_config(
    State(state): State<Shared>,
    Path((org, id)): Path<(String, u64)>,
    headers: HeaderMap,
    Json(update): Json<HookConfig>,
) -> Response {
    update_hook_config(&state, format!("orgs/{org}/hooks/{id}"), &headers, update)
}

async fn app_hook_config(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(refused) = refuse_without_app_jwt(&headers) {
        return refused;
    }
    hook_config(&state, "app/hook".into(), &headers)
}

async fn update_app_hook_config(
    State(state): State<Shared>,
    headers: HeaderMap,
    Json(update): Json<HookConfig>,
) -> Response {
    if let Some(refused) = refuse_without_app_jwt(&headers) {
        return refused;
    }
    update_hook_config(&state, "app/hook".into(), &headers, update)
}

#[derive(Deserialize)]
struct HookKey {
    hook: String,
}

/// Test-only: the secret hook `hook` signs with now (`null` without one).
async fn hook_secret(State(state): State<Shared>, Query(key): Query<HookKey>) -> Response {
    let fake = state.lock().unwrap();
    Json(json!({"secret": fake.hook_configs.get(&key.hook).and_then(|c| c.secret.clone())}))
        .into_response()
}
