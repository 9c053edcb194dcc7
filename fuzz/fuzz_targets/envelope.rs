//! The queue envelope reader on any line: an envelope or an error.
#![no_main]

use hooklake_schema::envelope::Envelope;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(line) = std::str::from_utf8(data) {
        if let Ok(envelope) = Envelope::from_line(line) {
            // What it read writes back to a line it reads again.
            let again = Envelope::from_line(&envelope.to_line()).expect("a written envelope reads");
            assert_eq!(again.delivery_id, envelope.delivery_id);
        }
    }
});
