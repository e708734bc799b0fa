//! WhatsApp message templates: the one place where Herald's template rules live.
//!
//! The browser runs these functions on every keystroke and the relay runs them again before it
//! stores or submits anything, so both always agree. The crate does no IO and never reads the
//! clock: it compiles for `wasm32-unknown-unknown` and for the host.

mod diagnostic;

pub use diagnostic::{Component, Diagnostic, Severity};

/// Longest body Meta accepts, in Unicode scalar values.
pub const BODY_MAX_CHARS: usize = 1024;

/// Checks the body text of a template and returns every problem found.
pub fn validate_body(body: &str) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    if body.trim().is_empty() {
        diagnostics.push(Diagnostic::error(
            "body_empty",
            Component::Body,
            "The message content is required".to_owned(),
            None,
        ));
    }
    let length = body.chars().count();
    if length > BODY_MAX_CHARS {
        diagnostics.push(Diagnostic::error(
            "body_too_long",
            Component::Body,
            format!("The content is {length} / {BODY_MAX_CHARS} characters long"),
            Some(BODY_MAX_CHARS..length),
        ));
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_at_the_limit_passes_and_one_more_character_fails() {
        let at_limit = "é".repeat(BODY_MAX_CHARS);
        assert!(validate_body(&at_limit).is_empty());
        let over = format!("{at_limit}x");
        let diagnostics = validate_body(&over);
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].code, "body_too_long");
        assert_eq!(
            (diagnostics[0].start, diagnostics[0].end),
            (Some(1024), Some(1025))
        );
    }

    #[test]
    fn blank_body_is_empty() {
        assert_eq!(validate_body(" \n ")[0].code, "body_empty");
    }
}
