//! Rendering a template for one contact into what the providers' send APIs take.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::diagnostic::Component;
use crate::mapping::{ContactFields, TemplateVariable, resolve, variables_of};
use crate::model::{HeaderFormat, ParameterFormat, Template};
use crate::variables::{VariableKind, scan};

/// Why a template cannot be sent to a contact.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The mapping gives no source for a variable.
    #[error("variable {variable} is not mapped to a customer field")]
    Unmapped {
        /// The variable, e.g. `{{1}}`.
        variable: String,
    },
    /// The mapped field of this contact is empty.
    #[error("variable {variable} is empty: the contact has no {field}")]
    EmptyValue {
        /// The variable, e.g. `{{1}}`.
        variable: String,
        /// The field it is mapped to, e.g. `First name`.
        field: String,
    },
}

/// A message ready for a provider.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedMessage {
    /// Meta's `template.components` of the send request.
    pub meta_components: Vec<Value>,
    /// Kaleyra's body parameters, in order.
    pub kaleyra_params: Vec<String>,
    /// The body as the contact reads it, for the message history.
    pub body_text: String,
}

/// Makes a value acceptable to Meta: line breaks and tabs become spaces, and runs of more than
/// four spaces shrink to one (SPEC section 5).
pub fn make_sendable(value: &str) -> String {
    let spaced: String = value
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut result = String::with_capacity(spaced.len());
    let mut run = 0;
    for character in spaced.chars() {
        if character == ' ' {
            run += 1;
            continue;
        }
        push_spaces(&mut result, run);
        run = 0;
        result.push(character);
    }
    push_spaces(&mut result, run);
    result
}

fn push_spaces(result: &mut String, run: usize) {
    let kept = if run > 4 { 1 } else { run };
    result.extend(std::iter::repeat_n(' ', kept));
}

/// Percent-encodes a URL button's variable (everything but RFC 3986 unreserved characters).
pub fn percent_encode(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// Renders `template` for `contact` through the template's mapping.
pub fn render_for_contact(
    template: &Template,
    contact: &dyn ContactFields,
) -> Result<RenderedMessage, RenderError> {
    let variables = variables_of(template);
    let mut values: Vec<(TemplateVariable, String)> = Vec::with_capacity(variables.len());
    for variable in variables {
        let Some(source) = variable.source(template) else {
            return Err(RenderError::Unmapped {
                variable: variable.label(),
            });
        };
        let value = make_sendable(resolve(source, contact).unwrap_or_default());
        if value.trim().is_empty() {
            return Err(RenderError::EmptyValue {
                variable: variable.label(),
                field: source.describe(),
            });
        }
        values.push((variable, value));
    }
    let named = template.parameter_format == Some(ParameterFormat::Named)
        || values.iter().any(|(variable, _)| {
            variable.component != Component::Buttons
                && !variable.key.bytes().all(|b| b.is_ascii_digit())
        });
    let body_values: HashMap<&str, &str> = values
        .iter()
        .filter(|(variable, _)| variable.component == Component::Body)
        .map(|(variable, value)| (variable.key.as_str(), value.as_str()))
        .collect();
    let text_parameter = |key: &str, value: &str| {
        if named {
            json!({"type": "text", "parameter_name": key, "text": value})
        } else {
            json!({"type": "text", "text": value})
        }
    };

    let mut meta_components = Vec::new();
    if let Some(header) = template.header() {
        match header.format {
            HeaderFormat::Text => {
                let parameters: Vec<Value> = values
                    .iter()
                    .filter(|(variable, _)| variable.component == Component::Header)
                    .map(|(variable, value)| text_parameter(&variable.key, value))
                    .collect();
                if !parameters.is_empty() {
                    meta_components.push(json!({"type": "header", "parameters": parameters}));
                }
            }
            format => {
                if let Some(media) = template.herald.media.as_ref()
                    && let Some(link) = media.link.as_deref()
                {
                    let kind = match format {
                        HeaderFormat::Image => "image",
                        HeaderFormat::Video => "video",
                        HeaderFormat::Document | HeaderFormat::Text => "document",
                    };
                    let mut object = json!({"link": link});
                    if format == HeaderFormat::Document {
                        object["filename"] = json!(media.file_name);
                    }
                    meta_components.push(json!({
                        "type": "header",
                        "parameters": [{"type": kind, kind: object}],
                    }));
                }
            }
        }
    }
    let body_parameters: Vec<Value> = values
        .iter()
        .filter(|(variable, _)| variable.component == Component::Body)
        .map(|(variable, value)| text_parameter(&variable.key, value))
        .collect();
    let kaleyra_params: Vec<String> = values
        .iter()
        .filter(|(variable, _)| variable.component == Component::Body)
        .map(|(_, value)| value.clone())
        .collect();
    if !body_parameters.is_empty() {
        meta_components.push(json!({"type": "body", "parameters": body_parameters}));
    }
    for (variable, value) in &values {
        if let (Component::Buttons, Some(index)) = (variable.component, variable.button) {
            meta_components.push(json!({
                "type": "button",
                "sub_type": "url",
                "index": index.to_string(),
                "parameters": [{"type": "text", "text": percent_encode(value)}],
            }));
        }
    }
    let body_text = fill(template.body_text(), |key| body_values.get(key).copied());
    Ok(RenderedMessage {
        meta_components,
        kaleyra_params,
        body_text,
    })
}

/// `text` with each variable replaced by its value (left as written when it has none).
fn fill<'v>(text: &str, value_of: impl Fn(&str) -> Option<&'v str>) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut filled = String::with_capacity(text.len());
    let mut position = 0;
    for token in scan(text) {
        filled.extend(&chars[position..token.span.start]);
        let written: String = chars[token.span.clone()].iter().collect();
        match (&token.kind, token.key()) {
            (VariableKind::Malformed, _) | (_, None) => filled.push_str(&written),
            (_, Some(key)) => filled.push_str(value_of(&key).unwrap_or(&written)),
        }
        position = token.span.end;
    }
    filled.extend(&chars[position..]);
    filled
}
