//! Reading the headers GitHub sends with every delivery.

use crate::decision::Rejection;

/// Case-insensitive header lookup, so each shell (workers-rs, hyper, tests)
/// can hand its own header map to the core without copying it.
pub trait HeaderLookup {
    /// The value of the first header called `name` (ASCII case-insensitive).
    fn header(&self, name: &str) -> Option<&str>;
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderLookup for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> HeaderLookup for [(K, V); N] {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderLookup for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

/// The GitHub headers of a delivery, checked well-formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GitHubHeaders<'a> {
    /// `X-GitHub-Event`: lower-case letters and underscores.
    pub event: &'a str,
    /// `X-GitHub-Delivery`: a GUID. Used in object keys, so its alphabet is
    /// checked strictly.
    pub delivery_id: &'a str,
    /// `X-GitHub-Hook-ID`, when present.
    pub hook_id: Option<u64>,
}

impl<'a> GitHubHeaders<'a> {
    /// Reads and checks the headers.
    pub fn read(headers: &'a dyn HeaderLookup) -> Result<Self, Rejection> {
        let event = headers
            .header("x-github-event")
            .map(str::trim)
            .filter(|e| {
                !e.is_empty()
                    && e.len() <= 64
                    && e.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            })
            .ok_or(Rejection::BadEventHeader)?;
        let delivery_id = headers
            .header("x-github-delivery")
            .map(str::trim)
            .filter(|d| {
                !d.is_empty()
                    && d.len() <= 64
                    && d.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
            .ok_or(Rejection::BadDeliveryHeader)?;
        let hook_id = match headers.header("x-github-hook-id") {
            None => None,
            Some(id) => Some(id.trim().parse().map_err(|_| Rejection::BadHookIdHeader)?),
        };
        Ok(GitHubHeaders {
            event,
            delivery_id,
            hook_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_case_insensitive() {
        let h = [("X-GitHub-Event", "ping")];
        assert_eq!(h[..].header("x-github-event"), Some("ping"));
    }

    #[test]
    fn rejects_unsafe_delivery_ids() {
        let h = [
            ("x-github-event", "ping"),
            ("x-github-delivery", "../../etc"),
        ];
        assert_eq!(GitHubHeaders::read(&h), Err(Rejection::BadDeliveryHeader));
    }

    #[test]
    fn reads_hook_id() {
        let h = [
            ("x-github-event", "pull_request"),
            ("x-github-delivery", "abc-1"),
            ("x-github-hook-id", "123"),
        ];
        assert_eq!(GitHubHeaders::read(&h).unwrap().hook_id, Some(123));
        let bad = [h[0], h[1], ("x-github-hook-id", "x")];
        assert_eq!(GitHubHeaders::read(&bad), Err(Rejection::BadHookIdHeader));
    }
}
