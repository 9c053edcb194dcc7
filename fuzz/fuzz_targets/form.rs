//! Form decoding (`payload=<url-encoded JSON>`) on any body, and the
//! round trip of what it decodes.
#![no_main]

use hooklake_edge::content;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let headers = [("content-type", "application/x-www-form-urlencoded")];
    if let Ok(payload) = content::decode(&headers, data) {
        let encoded = content::form_encode(&payload);
        let again = content::decode(&headers, encoded.as_bytes()).expect("an encoded form decodes");
        assert_eq!(again, payload);
    }
});
