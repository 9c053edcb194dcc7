//! Rate limits, as GitHub documents them: `retry-after` (secondary limits),
//! `x-ratelimit-remaining: 0` with `x-ratelimit-reset` (primary limit), on a
//! 403 or 429.

use std::time::Duration;

/// Waiting when GitHub signals a secondary limit without saying how long
/// (its documentation: "wait at least one minute").
pub const SECONDARY_LIMIT_WAIT: Duration = Duration::from_secs(60);

/// If this response is a rate limit, how long to wait.
///
/// `header` looks a header up by lower-case name; `now_epoch` is the current
/// Unix time in seconds; `body` is the response body (GitHub names secondary
/// limits there).
///
/// ```
/// use std::time::Duration;
/// use hooklake_github::rate::rate_limited;
/// let headers = |name: &str| match name {
///     "x-ratelimit-remaining" => Some("0".to_string()),
///     "x-ratelimit-reset" => Some("1000".to_string()),
///     _ => None,
/// };
/// assert_eq!(rate_limited(403, &headers, 900, ""), Some(Duration::from_secs(100)));
/// assert_eq!(rate_limited(404, &headers, 900, ""), None);
/// ```
pub fn rate_limited(
    status: u16,
    header: &dyn Fn(&str) -> Option<String>,
    now_epoch: u64,
    body: &str,
) -> Option<Duration> {
    if status != 403 && status != 429 {
        return None;
    }
    if let Some(seconds) = header("retry-after").and_then(|v| v.trim().parse::<u64>().ok()) {
        return Some(Duration::from_secs(seconds.max(1)));
    }
    if header("x-ratelimit-remaining").as_deref().map(str::trim) == Some("0") {
        let reset = header("x-ratelimit-reset").and_then(|v| v.trim().parse::<u64>().ok());
        let wait = reset.map_or(SECONDARY_LIMIT_WAIT.as_secs(), |r| {
            r.saturating_sub(now_epoch).max(1)
        });
        return Some(Duration::from_secs(wait));
    }
    if status == 429 || body.to_ascii_lowercase().contains("rate limit") {
        return Some(SECONDARY_LIMIT_WAIT);
    }
    None
}

/// Rate-limit answers in a row before a walk over GitHub (backfill,
/// redelivery) gives up.
pub const MAX_RATE_LIMIT_WAITS: u32 = 10;

/// Runs `call` again after each rate-limit answer, waiting as GitHub says
/// (`retry-after`, or until the reset), at most `max_waits` times in a row.
pub async fn waiting_out_rate_limits<T, F, Fut>(
    max_waits: u32,
    mut call: F,
) -> Result<T, crate::GitHubError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, crate::GitHubError>>,
{
    let mut waits = 0;
    loop {
        match call().await {
            Err(crate::GitHubError::RateLimited { retry_after }) if waits < max_waits => {
                waits += 1;
                tracing::warn!(
                    wait_s = retry_after.as_secs(),
                    "GitHub rate limit: waiting for it to reset"
                );
                tokio::time::sleep(retry_after).await;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn retry_after_wins() {
        let h = headers(&[("retry-after", "7"), ("x-ratelimit-remaining", "0")]);
        assert_eq!(rate_limited(429, &h, 0, ""), Some(Duration::from_secs(7)));
    }

    #[test]
    fn secondary_limit_named_in_the_body() {
        let h = headers(&[]);
        let body = r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"#;
        assert_eq!(rate_limited(403, &h, 0, body), Some(SECONDARY_LIMIT_WAIT));
    }

    #[test]
    fn plain_forbidden_is_not_a_rate_limit() {
        let h = headers(&[("x-ratelimit-remaining", "4999")]);
        assert_eq!(
            rate_limited(
                403,
                &h,
                0,
                r#"{"message":"Resource not accessible by integration"}"#
            ),
            None
        );
    }

    #[test]
    fn reset_in_the_past_still_waits_a_second() {
        let h = headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "10")]);
        assert_eq!(rate_limited(403, &h, 50, ""), Some(Duration::from_secs(1)));
    }
}
