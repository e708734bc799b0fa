//! A diagnostic is one finding of the validator, shaped as SPEC section 3 describes it, and
//! [`Code`] is the table of every finding Herald reports: its stable text, its usual severity.
//! `docs/template-rules.md` holds the same table with each rule's evidence; a test keeps the two
//! in step.

use std::ops::Range;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Whether a finding blocks submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks submission: Meta would refuse the template.
    Error,
    /// Shown to the user; does not block submission.
    Warning,
}

impl Severity {
    /// The text form, `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

macro_rules! codes {
    ($($(#[$meta:meta])* $variant:ident = $text:literal, $severity:ident;)*) => {
        /// The stable code of a finding (SPEC section 3). Codes are never renamed once shipped;
        /// a new rule gets a new code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($(#[$meta])* $variant,)*
        }

        impl Code {
            /// Every code.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable text form, e.g. `body_too_long`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)*
                }
            }

            /// The severity the rule has, unless a finding says otherwise (an address customers
            /// cannot open is a warning of `cta_url_invalid`).
            pub fn severity(self) -> Severity {
                match self {
                    $(Self::$variant => Severity::$severity,)*
                }
            }

            /// The code of a text form.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

codes! {
    /// Name empty, too long, or not lowercase letters, digits and `_`.
    NameInvalid = "name_invalid", Error;
    /// Another template of the account has this name and language.
    NameDuplicate = "name_duplicate", Warning;
    /// The account already has the most templates allowed.
    TemplateLimit = "template_limit", Error;
    /// Category not MARKETING, UTILITY or AUTHENTICATION.
    CategoryInvalid = "category_invalid", Error;
    /// Language not in Meta's list.
    LanguageUnsupported = "language_unsupported", Error;
    /// Body missing or blank.
    BodyEmpty = "body_empty", Error;
    /// Body over its limit.
    BodyTooLong = "body_too_long", Error;
    /// Body carries HTML markup (no Meta refusal on record: a warning).
    BodyNotPlainText = "body_not_plain_text", Warning;
    /// `{{`…`}}` that is not a variable, or unbalanced braces.
    VariableMalformed = "variable_malformed", Error;
    /// Positional variables with a gap or a missing number.
    VariablesNotSequential = "variables_not_sequential", Error;
    /// Positional variables not in order of first appearance (the seed's rule).
    VariablesOutOfOrder = "variables_out_of_order", Warning;
    /// A line holding only variables (the seed's rule).
    VariableAloneOnLine = "variable_alone_on_line", Warning;
    /// Too few words of fixed text for the body's variables (Meta's 2388293).
    TooManyVariables = "too_many_variables", Error;
    /// A sentence with a variable has fewer than 3 other words (the seed's rule).
    VariableSentenceShort = "variable_sentence_short", Warning;
    /// A `?` in a UTILITY template (the seed's rule).
    UtilityQuestionMark = "utility_question_mark", Warning;
    /// Text header over 60 characters.
    HeaderTextTooLong = "header_text_too_long", Error;
    /// Text header with more than one variable.
    HeaderTooManyVariables = "header_too_many_variables", Error;
    /// Header media of a type Meta refuses.
    HeaderMediaType = "header_media_type", Error;
    /// Header media over Meta's size.
    HeaderMediaTooLarge = "header_media_too_large", Error;
    /// Footer over 60 characters.
    FooterTooLong = "footer_too_long", Error;
    /// Footer with a variable.
    FooterHasVariable = "footer_has_variable", Error;
    /// More buttons than the template (or its kind) may have.
    ButtonsTooMany = "buttons_too_many", Error;
    /// More than 10 quick replies.
    QuickReplyTooMany = "quick_reply_too_many", Error;
    /// More URL, phone or copy-code buttons than Meta allows.
    CtaTooMany = "cta_too_many", Error;
    /// Quick replies and other buttons interleaved.
    ButtonsNotGrouped = "buttons_not_grouped", Error;
    /// Quick replies and calls to action in one template (the seed's rule).
    ButtonsMixed = "buttons_mixed", Warning;
    /// More than 3 buttons: the chat folds them (the seed's limit is 3 quick replies).
    QuickReplyCollapsed = "quick_reply_collapsed", Warning;
    /// A button type the category or the kind refuses.
    ButtonTypeNotAllowed = "button_type_not_allowed", Error;
    /// Button text empty, too long, or with a line break, emoji or formatting.
    ButtonTextInvalid = "button_text_invalid", Error;
    /// Two buttons with the same text (no Meta refusal on record: a warning).
    ButtonTextDuplicate = "button_text_duplicate", Warning;
    /// Phone button without an international number.
    CtaPhoneInvalid = "cta_phone_invalid", Error;
    /// URL button without an absolute http(s) URL (a warning for a private address).
    CtaUrlInvalid = "cta_url_invalid", Error;
    /// URL on a link-shortener host (no Meta refusal on record: a warning).
    CtaUrlShortener = "cta_url_shortener", Warning;
    /// A URL variable anywhere but at the end.
    CtaUrlVariablePosition = "cta_url_variable_position", Error;
    /// A variable (or a coupon code, a media header) without its sample.
    ExampleMissing = "example_missing", Error;
    /// The body starts or ends with a variable (Meta's 2388299).
    VariableAtEdge = "variable_at_edge", Error;
    /// Two variables with only whitespace between them.
    VariablesAdjacent = "variables_adjacent", Error;
    /// Positional and named variables in one template.
    ParameterFormatMixed = "parameter_format_mixed", Error;
    /// Text header empty, or with a line break, emoji or formatting characters.
    HeaderTextInvalid = "header_text_invalid", Error;
    /// Another template of the account has the same body and footer.
    DuplicateContent = "duplicate_content", Warning;
    /// A component, header format or button type Herald does not know.
    ComponentUnsupported = "component_unsupported", Error;
    /// A component the category or the template's kind does not take.
    ComponentNotAllowed = "component_not_allowed", Error;
    /// A component the template's kind needs is missing.
    ComponentMissing = "component_missing", Error;
    /// A carousel with too few or too many cards.
    CarouselCardsCount = "carousel_cards_count", Error;
    /// Carousel cards whose components differ.
    CarouselCardsDiffer = "carousel_cards_differ", Error;
    /// A carousel card without an image, video or product header.
    CarouselCardHeader = "carousel_card_header", Error;
    /// A limited-time offer's title empty or too long.
    OfferTextInvalid = "offer_text_invalid", Error;
    /// An authentication template's OTP button is missing or incomplete.
    OtpButtonInvalid = "otp_button_invalid", Error;
    /// An authentication footer's expiry outside 1 to 90 minutes.
    CodeExpirationInvalid = "code_expiration_invalid", Error;
    /// A Flow button without exactly one Flow, or with an unknown action.
    FlowButtonInvalid = "flow_button_invalid", Error;
    /// Authentication body text: Meta writes its own.
    AuthenticationBodyFixed = "authentication_body_fixed", Warning;
    /// The provider refused the template when it was submitted.
    ProviderRefused = "provider_refused", Error;
    /// The provider rejected the template in review.
    TemplateRejected = "template_rejected", Warning;
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown diagnostic code {text}")))
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The part of a template a finding concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Component {
    /// The template name.
    Name,
    /// The category.
    Category,
    /// The language code.
    Language,
    /// The header (text, media or location).
    Header,
    /// A limited-time offer's title and expiry.
    LimitedTimeOffer,
    /// The body text.
    Body,
    /// The footer text.
    Footer,
    /// The buttons.
    Buttons,
    /// A carousel's cards; `card` says which.
    Carousel,
    /// The template as a whole (account-level rules, unknown components).
    Template,
}

impl Component {
    /// The part of a template that Meta's template-creation error subcode refuses (providers.md
    /// section 2.2); `None` for a subcode that names no part.
    pub fn refused_by_meta(subcode: i64) -> Option<Self> {
        match subcode {
            2_388_047 => Some(Self::Header),
            2_388_072 | 2_388_293 | 2_388_299 => Some(Self::Body),
            2_388_073 => Some(Self::Footer),
            2_388_019 | 2_388_040 => Some(Self::Template),
            _ => None,
        }
    }
}

/// One finding: a stable code, its severity, the human message and where it points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Stable machine-readable code (SPEC section 3); never renamed once shipped.
    pub code: Code,
    /// Whether it blocks submission.
    pub severity: Severity,
    /// Text shown to the user.
    pub message: String,
    /// The component it concerns; `CAROUSEL` for a part of a card.
    pub component: Component,
    /// Start of the offending characters, in Unicode scalar values into the text it points at.
    pub start: Option<usize>,
    /// End (exclusive) of the offending characters.
    pub end: Option<usize>,
    /// For a carousel finding, the card's index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<usize>,
    /// For a button finding, the button's index in the template (or in its card).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button: Option<usize>,
    /// Which text `start..end` points into when the component has several: `text`, `url`,
    /// `phone_number`, `example`; in a card, `header` or `body` (or a button's field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Diagnostic {
    /// A finding of `code` with the code's severity.
    pub fn new(
        code: Code,
        component: Component,
        message: String,
        span: Option<Range<usize>>,
    ) -> Self {
        Self {
            code,
            severity: code.severity(),
            message,
            component,
            start: span.as_ref().map(|range| range.start),
            end: span.map(|range| range.end),
            card: None,
            button: None,
            field: None,
        }
    }

    /// The same finding as a warning.
    pub fn as_warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// The same finding, pointing into button `index`'s `field`.
    pub fn in_button(mut self, index: usize, field: &str) -> Self {
        self.button = Some(index);
        self.field = Some(field.to_owned());
        self
    }

    /// The same finding, pointing into `field` of its component.
    pub fn in_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    /// The same finding, moved into carousel card `card`: a finding about the card's header or
    /// body says so in `field`.
    pub fn in_card(mut self, card: usize) -> Self {
        if self.button.is_none() && self.field.is_none() {
            self.field = Some(
                match self.component {
                    Component::Header => "header",
                    Component::Buttons => "buttons",
                    _ => "body",
                }
                .to_owned(),
            );
        }
        self.component = Component::Carousel;
        self.card = Some(card);
        self
    }

    /// The finding as shown on a template Meta has approved: it can be sent whatever today's
    /// rules say, so every finding is a warning that says so.
    pub fn approved_by_meta(mut self) -> Self {
        if self.is_error() {
            self.severity = Severity::Warning;
            self.message = format!(
                "Approved by Meta; today's rules would flag: {}",
                self.message
            );
        }
        self
    }

    /// The character range it points at, if any.
    pub fn span(&self) -> Option<Range<usize>> {
        Some(self.start?..self.end?)
    }

    /// Whether it blocks submission.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

#[cfg(test)]
mod tests {
    use super::{Code, Component, Diagnostic, Severity};

    #[test]
    fn meta_template_subcodes_name_the_part_they_refuse() {
        for (subcode, part) in [
            (2_388_047, Component::Header),
            (2_388_072, Component::Body),
            (2_388_293, Component::Body),
            (2_388_299, Component::Body),
            (2_388_073, Component::Footer),
            (2_388_019, Component::Template),
            (2_388_040, Component::Template),
        ] {
            assert_eq!(Component::refused_by_meta(subcode), Some(part), "{subcode}");
        }
        assert_eq!(
            Component::refused_by_meta(2_494_055),
            None,
            "throttling is not about a template"
        );
    }

    #[test]
    fn every_code_has_one_text_form() {
        for code in Code::ALL {
            assert_eq!(Code::parse(code.as_str()), Some(*code));
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(serde_json::from_str::<Code>(&json).unwrap(), *code);
        }
        assert_eq!(Code::parse("no_such_code"), None);
    }

    #[test]
    fn an_approved_template_s_errors_are_warnings_that_say_so() {
        let finding = Diagnostic::new(Code::BodyTooLong, Component::Body, "Too long".into(), None)
            .approved_by_meta();
        assert_eq!(finding.severity, Severity::Warning);
        assert!(
            finding
                .message
                .starts_with("Approved by Meta; today's rules would flag:")
        );
        let warning = Diagnostic::new(Code::ButtonsMixed, Component::Buttons, "Mixed".into(), None);
        assert_eq!(warning.clone().approved_by_meta(), warning);
    }
}
