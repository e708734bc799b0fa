//! A diagnostic is one finding of the validator, shaped as SPEC section 3 describes it.

use std::ops::Range;

use serde::{Deserialize, Serialize};

/// Whether a finding blocks submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks submission.
    Error,
    /// Shown to the user; does not block submission.
    Warning,
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
    /// The header (text or media).
    Header,
    /// The body text.
    Body,
    /// The footer text.
    Footer,
    /// The buttons.
    Buttons,
    /// The template as a whole (account-level rules).
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
    pub code: String,
    /// Whether it blocks submission.
    pub severity: Severity,
    /// Text shown to the user.
    pub message: String,
    /// The component it concerns.
    pub component: Component,
    /// Start of the offending characters, in Unicode scalar values into the text it points at.
    pub start: Option<usize>,
    /// End (exclusive) of the offending characters.
    pub end: Option<usize>,
    /// For a button finding, the button's index in the template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button: Option<usize>,
    /// Which text `start..end` points into when the component has several: `text`, `url`,
    /// `phone_number`, `example`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Diagnostic {
    /// A finding that blocks submission.
    pub fn error(
        code: &str,
        component: Component,
        message: String,
        span: Option<Range<usize>>,
    ) -> Self {
        Self::new(code, Severity::Error, component, message, span)
    }

    /// A finding that does not block submission.
    pub fn warning(
        code: &str,
        component: Component,
        message: String,
        span: Option<Range<usize>>,
    ) -> Self {
        Self::new(code, Severity::Warning, component, message, span)
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

    /// The character range it points at, if any.
    pub fn span(&self) -> Option<Range<usize>> {
        Some(self.start?..self.end?)
    }

    /// Whether it blocks submission.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    fn new(
        code: &str,
        severity: Severity,
        component: Component,
        message: String,
        span: Option<Range<usize>>,
    ) -> Self {
        Self {
            code: code.to_owned(),
            severity,
            message,
            component,
            start: span.as_ref().map(|range| range.start),
            end: span.map(|range| range.end),
            button: None,
            field: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Component;

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
}
