//! The two content types GitHub can deliver: JSON, or a form with `payload=`.

use std::borrow::Cow;

use crate::decision::Rejection;
use crate::headers::HeaderLookup;

/// The JSON payload of a delivery: borrowed from the body for
/// `application/json`, decoded for `application/x-www-form-urlencoded`.
pub fn decode<'b>(headers: &dyn HeaderLookup, body: &'b [u8]) -> Result<Cow<'b, str>, Rejection> {
    let content_type = headers
        .header("content-type")
        .ok_or(Rejection::UnsupportedContentType)?;
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if media_type.eq_ignore_ascii_case("application/json") {
        std::str::from_utf8(body)
            .map(Cow::Borrowed)
            .map_err(|_| Rejection::InvalidJson)
    } else if media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        form_urlencoded::parse(body)
            .find(|(key, _)| key == "payload")
            .map(|(_, value)| Cow::Owned(value.into_owned()))
            .ok_or(Rejection::MissingFormPayload)
    } else {
        Err(Rejection::UnsupportedContentType)
    }
}

/// Encodes a JSON payload as GitHub's form content type does (`payload=...`).
pub fn form_encode(payload: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", payload)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_round_trips() {
        let payload = r#"{"a":"b c&d=é+"}"#;
        let body = form_encode(payload);
        let h = [("Content-Type", "application/x-www-form-urlencoded")];
        assert_eq!(decode(&h, body.as_bytes()).unwrap(), payload);
    }

    #[test]
    fn json_with_charset_parameter() {
        let h = [("content-type", "Application/JSON; charset=utf-8")];
        assert_eq!(decode(&h, b"{}").unwrap(), "{}");
    }

    #[test]
    fn other_types_are_unsupported() {
        let h = [("content-type", "text/plain")];
        assert_eq!(decode(&h, b"{}"), Err(Rejection::UnsupportedContentType));
        let none: [(&str, &str); 0] = [];
        assert_eq!(decode(&none, b"{}"), Err(Rejection::UnsupportedContentType));
    }
}
