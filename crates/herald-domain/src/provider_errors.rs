//! What to do about a provider error, by Meta's code (SPEC section 5, providers.md section 6).
//! The one place this classification lives; the sender and the webhook handler both ask it.

use serde::{Deserialize, Serialize};

/// How Herald reacts to a failed send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// Too fast: slow the account down and retry.
    Throttle,
    /// Temporary: retry the contact with backoff.
    Temporary,
    /// Meta chose not to deliver now (131049): wait at least 24 hours before retrying.
    Wait24Hours,
    /// Permanent for this contact: record it in the history, never retry.
    PermanentForContact,
    /// The template cannot be sent: stop the campaign.
    TemplateStop,
    /// The template is paused: pause the campaign until it is approved again.
    TemplatePause,
    /// The account cannot send: stop every campaign of the account and alert the admin.
    AccountStop,
}

/// Classifies a Meta (or Meta-shaped) error code; `http_status` decides for unknown codes.
pub fn classify_error(code: Option<i64>, http_status: Option<u16>) -> ErrorClass {
    match code {
        Some(130_429 | 131_056 | 80_007 | 4) => ErrorClass::Throttle,
        Some(1 | 2 | 131_000 | 131_016 | 131_057 | 133_004) => ErrorClass::Temporary,
        Some(131_049) => ErrorClass::Wait24Hours,
        Some(131_026 | 131_050 | 131_021 | 132_005 | 131_030 | 130_472 | 131_047) => {
            ErrorClass::PermanentForContact
        }
        Some(132_001 | 132_016 | 132_000 | 132_012 | 132_007) => ErrorClass::TemplateStop,
        Some(132_015) => ErrorClass::TemplatePause,
        Some(0 | 3 | 10 | 190 | 200..=299 | 131_031 | 368 | 131_005 | 131_042 | 33) => {
            ErrorClass::AccountStop
        }
        _ => match http_status {
            Some(429) => ErrorClass::Throttle,
            Some(status) if status >= 500 => ErrorClass::Temporary,
            None => ErrorClass::Temporary,
            Some(_) => ErrorClass::PermanentForContact,
        },
    }
}

/// Classifies Kaleyra's own codes (providers.md section 8.5); Meta's numeric codes, which
/// Kaleyra passes through, go to [`classify_error`].
pub fn classify_kaleyra_error(code: &str, http_status: Option<u16>) -> ErrorClass {
    match code {
        // Wrong SID or key, no balance left, the account's daily limit reached: nothing this
        // account sends will go out until an admin acts.
        "RBC001" | "E110" | "WAV2101" => ErrorClass::AccountStop,
        // The number or the template is not approved at Kaleyra.
        "WA401" => ErrorClass::TemplateStop,
        "WA400" | "E13001" => ErrorClass::PermanentForContact,
        "WA500" => ErrorClass::Temporary,
        _ => classify_error(None, http_status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_of_the_spec_has_its_class() {
        let table: &[(i64, ErrorClass)] = &[
            (130_429, ErrorClass::Throttle),
            (131_056, ErrorClass::Throttle),
            (80_007, ErrorClass::Throttle),
            (1, ErrorClass::Temporary),
            (2, ErrorClass::Temporary),
            (131_000, ErrorClass::Temporary),
            (131_016, ErrorClass::Temporary),
            (131_057, ErrorClass::Temporary),
            (133_004, ErrorClass::Temporary),
            (131_049, ErrorClass::Wait24Hours),
            (131_026, ErrorClass::PermanentForContact),
            (131_050, ErrorClass::PermanentForContact),
            (131_021, ErrorClass::PermanentForContact),
            (132_005, ErrorClass::PermanentForContact),
            (132_001, ErrorClass::TemplateStop),
            (132_016, ErrorClass::TemplateStop),
            (132_015, ErrorClass::TemplatePause),
            (0, ErrorClass::AccountStop),
            (190, ErrorClass::AccountStop),
            (131_031, ErrorClass::AccountStop),
            (368, ErrorClass::AccountStop),
        ];
        for (code, class) in table {
            assert_eq!(
                classify_error(Some(*code), Some(400)),
                *class,
                "code {code}"
            );
        }
    }

    #[test]
    fn every_kaleyra_code_has_its_class() {
        let table = [
            ("RBC001", ErrorClass::AccountStop),
            ("E110", ErrorClass::AccountStop),
            ("WAV2101", ErrorClass::AccountStop),
            ("WA401", ErrorClass::TemplateStop),
            ("WA400", ErrorClass::PermanentForContact),
            ("E13001", ErrorClass::PermanentForContact),
            ("WA500", ErrorClass::Temporary),
        ];
        for (code, class) in table {
            assert_eq!(
                classify_kaleyra_error(code, Some(400)),
                class,
                "code {code}"
            );
        }
        assert_eq!(
            classify_kaleyra_error("NEW1", Some(502)),
            ErrorClass::Temporary
        );
    }

    #[test]
    fn unknown_codes_follow_the_http_status() {
        assert_eq!(classify_error(None, Some(503)), ErrorClass::Temporary);
        assert_eq!(
            classify_error(Some(999_999), Some(500)),
            ErrorClass::Temporary
        );
        assert_eq!(classify_error(None, Some(429)), ErrorClass::Throttle);
        assert_eq!(
            classify_error(None, None),
            ErrorClass::Temporary,
            "a timeout has no status"
        );
        assert_eq!(
            classify_error(Some(999_999), Some(400)),
            ErrorClass::PermanentForContact
        );
    }
}
