//! A stand-in for GitHub's REST API on loopback that answers the demo's
//! changed-files lookups from sample answers in GitHub's documented shape
//! (`samples/github/`, made up for the demo, not recorded from github.com),
//! so `hooklake demo` shows the whole row with no network and no token. The demo's rows go through the same
//! [`GitHubClient`](hooklake_github::GitHubClient) and enrichment code as
//! `serve`'s; only the address differs.

use axum::http::header::CONTENT_TYPE;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;

/// Each sample answer, by the request path GitHub serves it at.
const SAMPLES: &[(&str, &str)] = &[(
    "/repos/Codertocat/Hello-World/pulls/2/files",
    include_str!("../../samples/github/repos/Codertocat/Hello-World/pulls/2/files.json"),
)];

/// GitHub's answer to a path it does not know.
const NOT_FOUND: &str =
    r#"{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}"#;

/// The running stand-in; it stops when dropped.
pub struct SampleGitHub {
    /// Its base URL, for `GitHubClient::new`.
    pub url: String,
    server: tokio::task::JoinHandle<()>,
}

impl SampleGitHub {
    /// Listens on a free loopback port.
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, Router::new().fallback(answer)).await;
        });
        Ok(SampleGitHub { url, server })
    }
}

impl Drop for SampleGitHub {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn answer(uri: Uri) -> Response {
    let json = [(CONTENT_TYPE, "application/json; charset=utf-8")];
    match SAMPLES.iter().find(|(path, _)| *path == uri.path()) {
        Some((_, body)) => (json, *body).into_response(),
        None => (StatusCode::NOT_FOUND, json, NOT_FOUND).into_response(),
    }
}
