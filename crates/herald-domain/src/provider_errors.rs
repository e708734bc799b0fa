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

impl ErrorClass {
    /// What Herald does about an error of this class, for the admin reading the results.
    pub fn handling(self) -> &'static str {
        match self {
            Self::Throttle => "Herald slows the account down and retries",
            Self::Temporary => "Retried with backoff",
            Self::Wait24Hours => "Retried after at least 24 hours",
            Self::PermanentForContact => "Not retried for this contact",
            Self::TemplateStop => "The campaign stops: the template cannot be sent",
            Self::TemplatePause => "The campaign pauses until the template is approved again",
            Self::AccountStop => "Every campaign of the account stops until an admin acts",
        }
    }
}

/// What a Meta error code means (providers.md section 6, from Meta's error-codes page), in a
/// line an admin understands; `None` for a code not in the table.
pub fn error_meaning(code: i64) -> Option<&'static str> {
    Some(match code {
        0 => "The access token is invalid, expired or revoked",
        1 => "Invalid request or temporary server error at Meta",
        2 => "Meta's service is temporarily down or overloaded",
        3 | 10 | 200..=299 => "The app lacks the permission for this call",
        4 => "Too many API calls from the app",
        33 => "The business phone number was deleted",
        100 => "A parameter of the request is invalid",
        190 => "The access token expired",
        368 => "The account is temporarily blocked for a policy violation",
        80_007 => "The WhatsApp Business Account's rate limit was reached",
        130_429 => "Throughput exceeded: too many messages per second",
        130_472 => "The contact is in a Meta marketing experiment group",
        130_497 => "The account may not message users in this country",
        131_000 => "Something went wrong at Meta",
        131_005 => "Access denied",
        131_016 => "Meta's service is temporarily unavailable",
        131_021 => "The recipient is the sender's own number",
        131_026 => "Message undeliverable: not a WhatsApp number, terms not accepted or an old app",
        131_030 => "The number is not in the test account's allowed list",
        131_031 => "The account is locked",
        131_042 => "A business eligibility or payment problem",
        131_047 => "More than 24 hours since the contact last wrote: only a template may be sent",
        131_048 => "Spam rate limit: the number's quality restricts it",
        131_049 => "Meta chose not to deliver it (per-user marketing limit)",
        131_050 => "The contact stopped marketing messages from this business",
        131_051 => "Unsupported message type",
        131_056 => "Too many messages to the same contact in a short time",
        131_057 => "The account is in maintenance mode",
        132_000 => "The number of template parameters does not match",
        132_001 => "The template does not exist in this language or is not approved",
        132_005 => "The filled-in template text is too long",
        132_007 => "The template's content violates a policy",
        132_012 => "A template parameter has the wrong format",
        132_015 => "The template is paused for low quality",
        132_016 => "The template is disabled (paused too many times)",
        133_004 => "Meta's server is temporarily unavailable",
        _ => return None,
    })
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
    fn every_code_herald_classifies_by_number_has_a_meaning() {
        let classified = [
            130_429, 131_056, 80_007, 4, 1, 2, 131_000, 131_016, 131_057, 133_004, 131_049,
            131_026, 131_050, 131_021, 132_005, 131_030, 130_472, 131_047, 132_001, 132_016,
            132_000, 132_012, 132_007, 132_015, 0, 3, 10, 190, 200, 299, 131_031, 368, 131_005,
            131_042, 33,
        ];
        for code in classified {
            assert!(error_meaning(code).is_some(), "{code} has no meaning");
        }
        assert_eq!(error_meaning(999_999), None);
    }

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
