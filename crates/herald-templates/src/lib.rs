//! WhatsApp message templates: the one place where Herald's template rules live.
//!
//! The browser runs these functions on every keystroke and the relay runs them again before it
//! stores or submits anything, so both always agree. The crate does no IO and never reads the
//! clock: it compiles for `wasm32-unknown-unknown` and for the host.
//!
//! - [`Template`]: Meta's `message_templates` JSON plus Herald's keys under `"herald"`;
//!   [`parse_template`] reads it with a clear error.
//! - [`validate`] / [`validate_in_account`]: every [`Diagnostic`] of SPEC section 3.
//! - [`variables_of`], [`unmapped_variables`]: variables and their mapping.
//! - [`preview_with_samples`], [`preview_for_contact`]: the WhatsApp-style bubble as data.
//! - [`render_for_contact`]: the provider send parameters for one contact.

mod diagnostic;
mod edit;

pub use edit::TemplateKind;
mod languages;
mod mapping;
mod model;
mod preview;
mod render;
mod text;
mod validate;
mod variables;

pub use diagnostic::{Code, Component, Diagnostic, Severity};
pub use languages::{SUPPORTED_LANGUAGES, is_supported_language};
pub use mapping::{
    ContactFields, MappingGap, TemplateVariable, VariableUse, resolve, sending_gaps,
    unmapped_variables, variables_of,
};
pub use model::{
    Body, BodyExample, Button, ButtonKind, Buttons, Card, CardMapping, Carousel, Category,
    ComponentKind, Components, ContactField, FlowId, Footer, Header, HeaderExample, HeaderFormat,
    HeraldSettings, LimitedTimeOffer, Location, MappingSource, MediaFile, NamedExample, Offer,
    OtpType, ParameterFormat, ProductSection, ProductSelection, Samples, SupportedApp, Template,
    TemplateComponent, VariableMapping,
};
pub use preview::{
    Preview, PreviewButton, PreviewCard, PreviewHeader, PreviewOffer, Segment, Style,
    preview_for_contact, preview_with_samples,
};
pub use render::{
    ONE_TIME_CODE_MAX_CHARS, RenderError, RenderedMessage, make_sendable, parse_expiration,
    percent_encode, render_for_contact,
};
pub use validate::{
    BODY_MAX_CHARS, BUTTON_TEXT_MAX_CHARS, BUTTONS_MAX, CARD_BODY_MAX_CHARS, CARD_BUTTONS_MAX,
    CAROUSEL_CARDS_MAX, CAROUSEL_CARDS_MIN, CODE_EXPIRATION_MINUTES, COPY_CODE_BUTTONS_MAX,
    COUPON_CODE_MAX_CHARS, DOCUMENT_MAX_BYTES, ExistingTemplate, FOOTER_MAX_CHARS, GIF_MAX_BYTES,
    HEADER_MAX_CHARS, IMAGE_MAX_BYTES, MediaRule, NAME_MAX_CHARS, OFFER_BODY_MAX_CHARS,
    OFFER_COUPON_CODE_MAX_CHARS, OFFER_TEXT_MAX_CHARS, PHONE_BUTTONS_MAX, QUICK_REPLIES_MAX,
    QUICK_REPLIES_SHOWN, SIGNATURE_HASH_CHARS, SUPPORTED_APPS_MAX, TEMPLATES_PER_ACCOUNT_MAX,
    TOO_MANY_VARIABLES_MESSAGE, URL_BUTTONS_MAX, URL_MAX_CHARS, VIDEO_MAX_BYTES,
    VOICE_CALL_TEXT_MAX_CHARS, WORDS_PER_VARIABLE_REFUSED, WORDS_PER_VARIABLE_SENTENCE_MIN,
    check_media, media_rule, validate, validate_in_account,
};
pub use variables::{
    NAMED_PARAMETER_MAX_CHARS, VariableKind, VariableToken, scan as scan_variables,
};

/// The input is not a template file: not JSON, or JSON of another shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at line {line} column {column}")]
pub struct ParseError {
    /// What is wrong, from the JSON reader.
    pub message: String,
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column of the problem.
    pub column: usize,
}

/// Reads a template file (Meta's JSON plus `"herald"`) from bytes.
///
/// Invalid UTF-8, nesting deeper than the reader's limit and wrong shapes are errors naming the
/// position; nothing panics.
pub fn parse_template(bytes: &[u8]) -> Result<Template, ParseError> {
    serde_json::from_slice(bytes).map_err(|error| {
        let text = error.to_string();
        let message = text
            .rsplit_once(" at line ")
            .map_or(text.as_str(), |(message, _)| message)
            .to_owned();
        ParseError {
            message,
            line: error.line(),
            column: error.column(),
        }
    })
}

/// The result of validating a file, as `relay validate` prints it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ValidationReport {
    /// No diagnostic is an error.
    pub valid: bool,
    /// Every finding.
    pub diagnostics: Vec<Diagnostic>,
}

impl ValidationReport {
    /// The report of `diagnostics`.
    pub fn new(diagnostics: Vec<Diagnostic>) -> Self {
        Self {
            valid: !diagnostics.iter().any(Diagnostic::is_error),
            diagnostics,
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties;
#[cfg(test)]
mod render_tests;
