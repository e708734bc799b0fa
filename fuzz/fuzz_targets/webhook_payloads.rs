//! Bytes -> Meta webhook / Kaleyra callback / phone number: none of it may panic, and what comes
//! out keeps its promises (recipients are digits, normalised numbers are within the limits).

#![no_main]

use herald_domain::{normalize_phone, parse_kaleyra, parse_meta};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    for parsed in [parse_meta(bytes), parse_kaleyra(bytes)] {
        let Ok(content) = parsed else { continue };
        for status in &content.statuses {
            assert!(status.recipient.chars().all(|c| c.is_ascii_digit()));
            assert!(!status.message_id.is_empty());
        }
        for message in &content.inbound {
            assert!(message.from.chars().all(|c| c.is_ascii_digit()));
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        if let Ok(digits) = normalize_phone(text) {
            assert!((5..=15).contains(&digits.len()));
        }
    }
});
