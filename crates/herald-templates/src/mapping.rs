//! The variables of a template, and where each one's value comes from.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Component;
use crate::model::{Button, ContactField, MappingSource, NamedExample, Template};
use crate::text::analysed;
use crate::validate::{BODY_MAX_CHARS, HEADER_MAX_CHARS};
use crate::variables::{VariableKind, distinct_variables, scan};

/// One distinct variable of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateVariable {
    /// `HEADER`, `BODY` or `BUTTONS`.
    pub component: Component,
    /// For a URL button's variable, the button's index.
    pub button: Option<usize>,
    /// The variable as written between the braces (`"1"`, `"first_name"`).
    pub key: String,
    /// Its sample value from the template's `example` fields, if any.
    pub sample: Option<String>,
}

impl TemplateVariable {
    /// The variable as users see it, e.g. `{{1}}`, or `button 1 {{1}}` for a URL button.
    pub fn label(&self) -> String {
        match (self.component, self.button) {
            (Component::Header, _) => format!("header {{{{{}}}}}", self.key),
            (_, Some(index)) => format!("button {} {{{{{}}}}}", index + 1, self.key),
            _ => format!("{{{{{}}}}}", self.key),
        }
    }

    /// The source the template's mapping assigns to this variable.
    pub fn source<'a>(&self, template: &'a Template) -> Option<&'a MappingSource> {
        let mapping = &template.herald.mapping;
        match (self.component, self.button) {
            (Component::Header, _) => mapping.header.get(&self.key),
            (_, Some(index)) => mapping.buttons.get(&index),
            _ => mapping.body.get(&self.key),
        }
    }
}

/// The sample values of one component, in Meta's `example` shape, indexed for lookups.
pub(crate) struct Samples<'a> {
    positional: &'a [String],
    named: HashMap<&'a str, &'a str>,
}

impl<'a> Samples<'a> {
    fn new(positional: &'a [String], named: Option<&'a [NamedExample]>) -> Self {
        Self {
            positional,
            named: named
                .unwrap_or_default()
                .iter()
                .map(|example| (example.param_name.as_str(), example.example.as_str()))
                .collect(),
        }
    }

    /// The samples of a text header.
    pub(crate) fn of_header(template: &'a Template) -> Self {
        let example = template.header().and_then(|header| header.example.as_ref());
        Self::new(
            example
                .and_then(|example| example.header_text.as_deref())
                .unwrap_or_default(),
            example.and_then(|example| example.header_text_named_params.as_deref()),
        )
    }

    /// The samples of the body (its first sample set).
    pub(crate) fn of_body(template: &'a Template) -> Self {
        let example = template.body().and_then(|body| body.example.as_ref());
        Self::new(
            example
                .and_then(|example| example.body_text.as_ref())
                .and_then(|sets| sets.first())
                .map(Vec::as_slice)
                .unwrap_or_default(),
            example.and_then(|example| example.body_text_named_params.as_deref()),
        )
    }

    /// How many positional samples there are.
    pub(crate) fn positional_count(&self) -> usize {
        self.positional.len()
    }

    /// The sample of a variable, as written (possibly blank).
    pub(crate) fn get(&self, kind: &VariableKind) -> Option<&'a str> {
        match kind {
            VariableKind::Positional(number) => usize::try_from(*number)
                .ok()
                .and_then(|number| self.positional.get(number.checked_sub(1)?))
                .map(String::as_str),
            VariableKind::Named(name) => self.named.get(name.as_str()).copied(),
            VariableKind::Malformed => None,
        }
    }

    fn non_blank(&self, kind: &VariableKind) -> Option<String> {
        self.get(kind)
            .filter(|value| !value.trim().is_empty())
            .map(str::to_owned)
    }
}

/// Every distinct variable of the template: header first, then body, then URL buttons.
pub fn variables_of(template: &Template) -> Vec<TemplateVariable> {
    let mut variables = Vec::new();
    if let Some(text) = template.header_text() {
        let samples = Samples::of_header(template);
        for token in distinct_variables(&scan(analysed(text, HEADER_MAX_CHARS))) {
            variables.push(TemplateVariable {
                component: Component::Header,
                button: None,
                sample: samples.non_blank(&token.kind),
                key: token.key().unwrap_or_default(),
            });
        }
    }
    let samples = Samples::of_body(template);
    for token in distinct_variables(&scan(analysed(template.body_text(), BODY_MAX_CHARS))) {
        variables.push(TemplateVariable {
            component: Component::Body,
            button: None,
            sample: samples.non_blank(&token.kind),
            key: token.key().unwrap_or_default(),
        });
    }
    for (index, button) in template.buttons().iter().enumerate() {
        if let Button::Url { url, example, .. } = button
            && let Some(token) = distinct_variables(&scan(url)).into_iter().next()
        {
            let sample = example
                .as_ref()
                .and_then(|samples| samples.first())
                .map(|full_url| url_sample_suffix(url, full_url));
            variables.push(TemplateVariable {
                component: Component::Buttons,
                button: Some(index),
                key: token.key().unwrap_or_default(),
                sample,
            });
        }
    }
    variables
}

/// Meta's URL sample is the full URL; the variable's sample is what follows the fixed prefix.
fn url_sample_suffix(url: &str, full_url: &str) -> String {
    let prefix = url.split("{{").next().unwrap_or_default();
    full_url.strip_prefix(prefix).unwrap_or(full_url).to_owned()
}

/// The variables that have no source in the mapping; a campaign cannot use the template
/// until this is empty.
pub fn unmapped_variables(template: &Template) -> Vec<TemplateVariable> {
    variables_of(template)
        .into_iter()
        .filter(|variable| variable.source(template).is_none())
        .collect()
}

/// The fields of one contact, as the relay or the browser holds them.
pub trait ContactFields {
    /// The value of a standard field, if set.
    fn standard(&self, field: ContactField) -> Option<&str>;
    /// The value of a custom field, if set.
    fn custom(&self, name: &str) -> Option<&str>;
}

/// The value `source` gives for `contact` (unprocessed; see [`crate::make_sendable`]).
pub fn resolve<'a>(source: &'a MappingSource, contact: &'a dyn ContactFields) -> Option<&'a str> {
    match source {
        MappingSource::Field(field) => contact.standard(*field),
        MappingSource::CustomField(name) => contact.custom(name),
        MappingSource::Text(text) => Some(text),
    }
}
