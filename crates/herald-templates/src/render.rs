//! Rendering a template for one contact into what the providers' send APIs take.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::diagnostic::Component;
use crate::mapping::{ContactFields, TemplateVariable, VariableUse, resolve, variables_of};
use crate::model::{
    Button, ButtonKind, Card, Components, Header, HeaderFormat, MediaFile, ParameterFormat,
    Template,
};
use crate::validate::COUPON_CODE_MAX_CHARS;
use crate::variables::{VariableKind, scan};

/// Longest one-time code Meta sends in an authentication template.
pub const ONE_TIME_CODE_MAX_CHARS: usize = 15;

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
    /// The contact's value cannot be sent where the variable stands.
    #[error("variable {variable} cannot be sent: {reason}")]
    InvalidValue {
        /// The variable, e.g. `coupon code`.
        variable: String,
        /// Why, naming the limit.
        reason: String,
    },
    /// A setting the template's kind needs at send time is missing (a card's media link, a
    /// location, products).
    #[error("{what} is not set: the template cannot be sent without it")]
    MissingSetting {
        /// What, e.g. `card 2 media link`.
        what: String,
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

/// Reads a limited-time offer's expiry: Unix milliseconds, or a UTC date `2026-12-31`,
/// `2026-12-31T18:00` or `2026-12-31T18:00:00Z`.
pub fn parse_expiration(value: &str) -> Option<i64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse().ok();
    }
    let value = value.strip_suffix('Z').unwrap_or(value);
    let (date, time) = value.split_once(['T', ' ']).unwrap_or((value, "00:00"));
    let mut date_parts = date.splitn(3, '-').map(str::parse::<i64>);
    let (year, month, day) = (
        date_parts.next()?.ok()?,
        date_parts.next()?.ok()?,
        date_parts.next()?.ok()?,
    );
    let mut time_parts = time.splitn(3, ':').map(str::parse::<i64>);
    let hour = time_parts.next()?.ok()?;
    let minute = time_parts.next().unwrap_or(Ok(0)).ok()?;
    let second = time_parts.next().unwrap_or(Ok(0)).ok()?;
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&minute)
        && (0..60).contains(&second);
    if !valid {
        return None;
    }
    // Days from 1970-01-01 to the date (Howard Hinnant's days_from_civil).
    let shifted_year = if month <= 2 { year - 1 } else { year };
    let era = shifted_year.div_euclid(400);
    let year_of_era = shifted_year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000)
}

/// The values of every variable for one contact, made sendable and checked.
fn values_for(
    template: &Template,
    contact: &dyn ContactFields,
) -> Result<Vec<(TemplateVariable, String)>, RenderError> {
    let mut values = Vec::new();
    for variable in variables_of(template) {
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
        let invalid = |reason: String| RenderError::InvalidValue {
            variable: variable.label(),
            reason,
        };
        let value = match variable.usage {
            VariableUse::OfferExpiration => parse_expiration(&value)
                .ok_or_else(|| {
                    invalid(format!(
                        "\"{value}\" is not a date (2026-12-31T18:00) or Unix milliseconds"
                    ))
                })?
                .to_string(),
            VariableUse::CouponCode => {
                let code = value.trim();
                if code.chars().count() > COUPON_CODE_MAX_CHARS
                    || !code.chars().all(char::is_alphanumeric)
                {
                    return Err(invalid(format!(
                        "a coupon code is letters and digits only, at most {COUPON_CODE_MAX_CHARS}"
                    )));
                }
                code.to_owned()
            }
            VariableUse::OneTimeCode => {
                let code = value.trim();
                if code.chars().count() > ONE_TIME_CODE_MAX_CHARS {
                    return Err(invalid(format!(
                        "a one-time code is at most {ONE_TIME_CODE_MAX_CHARS} characters"
                    )));
                }
                code.to_owned()
            }
            VariableUse::Text | VariableUse::UrlSuffix => value,
        };
        values.push((variable, value));
    }
    Ok(values)
}

/// The values of one card (or of the template, `None`) in one part.
struct Values<'v> {
    values: &'v [(TemplateVariable, String)],
    named: bool,
}

impl Values<'_> {
    fn text_parameters(&self, component: Component, card: Option<usize>) -> Vec<Value> {
        self.values
            .iter()
            .filter(|(variable, _)| {
                variable.component == component
                    && variable.card == card
                    && variable.button.is_none()
            })
            .map(|(variable, value)| {
                if self.named {
                    json!({"type": "text", "parameter_name": variable.key, "text": value})
                } else {
                    json!({"type": "text", "text": value})
                }
            })
            .collect()
    }

    fn button(&self, card: Option<usize>, index: usize) -> Option<&str> {
        self.values
            .iter()
            .find(|(variable, _)| variable.card == card && variable.button == Some(index))
            .map(|(_, value)| value.as_str())
    }

    fn of(&self, usage: VariableUse) -> Option<&str> {
        self.values
            .iter()
            .find(|(variable, _)| variable.usage == usage)
            .map(|(_, value)| value.as_str())
    }
}

fn media_parameter(format: &HeaderFormat, media: Option<&MediaFile>) -> Option<Value> {
    let link = media?
        .link
        .as_deref()
        .filter(|link| !link.trim().is_empty())?;
    let kind = format.as_str().to_ascii_lowercase();
    let mut object = json!({"link": link});
    if *format == HeaderFormat::Document
        && let Some(media) = media
    {
        object["filename"] = json!(media.file_name);
    }
    Some(json!({"type": kind, kind: object}))
}

fn header_component(
    template: &Template,
    header: &Header,
    values: &Values<'_>,
) -> Result<Option<Value>, RenderError> {
    let parameters: Vec<Value> =
        match &header.format {
            HeaderFormat::Text => values.text_parameters(Component::Header, None),
            HeaderFormat::Location => {
                let place = template.herald.location.as_ref().ok_or_else(|| {
                    RenderError::MissingSetting {
                        what: "the location header's place".to_owned(),
                    }
                })?;
                vec![json!({"type": "location", "location": {
                    "latitude": place.latitude,
                    "longitude": place.longitude,
                    "name": place.name,
                    "address": place.address,
                }})]
            }
            format => media_parameter(format, template.herald.media.as_ref())
                .into_iter()
                .collect(),
        };
    Ok((!parameters.is_empty()).then(|| json!({"type": "header", "parameters": parameters})))
}

/// The components of a template's (or a card's) buttons that take parameters.
fn button_components(
    template: &Template,
    buttons: &[Button],
    card: Option<usize>,
    values: &Values<'_>,
) -> Result<Vec<Value>, RenderError> {
    let mut components = Vec::new();
    for (index, button) in buttons.iter().enumerate() {
        let parameter = match button.kind {
            ButtonKind::Otp => values
                .of(VariableUse::OneTimeCode)
                .map(|code| ("url", json!({"type": "text", "text": code}))),
            ButtonKind::Url if template.is_authentication() => values
                .of(VariableUse::OneTimeCode)
                .filter(|_| !scan(button.url_text()).is_empty())
                .map(|code| ("url", json!({"type": "text", "text": code}))),
            ButtonKind::Url => values.button(card, index).map(|value| {
                (
                    "url",
                    json!({"type": "text", "text": percent_encode(value)}),
                )
            }),
            ButtonKind::CopyCode => values.button(card, index).map(|code| {
                (
                    "copy_code",
                    json!({"type": "coupon_code", "coupon_code": code}),
                )
            }),
            ButtonKind::Mpm => {
                let products = template
                    .herald
                    .products
                    .as_ref()
                    .filter(|products| !products.sections.is_empty())
                    .ok_or_else(|| RenderError::MissingSetting {
                        what: "the multi-product button's products".to_owned(),
                    })?;
                let sections: Vec<Value> = products
                    .sections
                    .iter()
                    .map(|section| {
                        json!({
                            "title": section.title,
                            "product_items": section.product_retailer_ids.iter()
                                .map(|id| json!({"product_retailer_id": id}))
                                .collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                Some((
                    "mpm",
                    json!({"type": "action", "action": {
                        "thumbnail_product_retailer_id": products.thumbnail_product_retailer_id,
                        "sections": sections,
                    }}),
                ))
            }
            ButtonKind::Catalog => template
                .herald
                .products
                .as_ref()
                .filter(|products| !products.thumbnail_product_retailer_id.is_empty())
                .map(|products| {
                    (
                        "catalog",
                        json!({"type": "action", "action": {
                            "thumbnail_product_retailer_id": products.thumbnail_product_retailer_id,
                        }}),
                    )
                }),
            _ => None,
        };
        if let Some((sub_type, parameter)) = parameter {
            components.push(json!({
                "type": "button",
                "sub_type": sub_type,
                "index": index.to_string(),
                "parameters": [parameter],
            }));
        }
    }
    Ok(components)
}

fn card_component(
    template: &Template,
    index: usize,
    card: &Card,
    values: &Values<'_>,
) -> Result<Value, RenderError> {
    let mut components = Vec::new();
    if let Some(header) = card.header() {
        let media = template
            .herald
            .card_media
            .get(index)
            .and_then(Option::as_ref);
        let parameter = media_parameter(&header.format, media);
        match (parameter, &header.format) {
            (Some(parameter), _) => {
                components.push(json!({"type": "header", "parameters": [parameter]}));
            }
            (None, HeaderFormat::Image | HeaderFormat::Video) => {
                return Err(RenderError::MissingSetting {
                    what: format!("card {} media link", index + 1),
                });
            }
            (None, _) => {}
        }
    }
    let body = values.text_parameters(Component::Carousel, Some(index));
    if !body.is_empty() {
        components.push(json!({"type": "body", "parameters": body}));
    }
    components.extend(button_components(
        template,
        card.buttons(),
        Some(index),
        values,
    )?);
    Ok(json!({"card_index": index, "components": components}))
}

/// Renders `template` for `contact` through the template's mapping: every kind's parameters
/// (header text, media or place; the offer's expiry; body; URL, coupon, one-time code and
/// product buttons; each carousel card's media, body and buttons).
pub fn render_for_contact(
    template: &Template,
    contact: &dyn ContactFields,
) -> Result<RenderedMessage, RenderError> {
    let values = values_for(template, contact)?;
    let named = template.parameter_format == Some(ParameterFormat::Named)
        || values.iter().any(|(variable, _)| {
            variable.usage == VariableUse::Text && !variable.key.bytes().all(|b| b.is_ascii_digit())
        });
    let values = Values {
        values: &values,
        named,
    };
    let mut meta_components = Vec::new();
    if let Some(header) = template.header()
        && let Some(component) = header_component(template, header, &values)?
    {
        meta_components.push(component);
    }
    if let Some(expiration) = values.of(VariableUse::OfferExpiration) {
        meta_components.push(json!({
            "type": "limited_time_offer",
            "parameters": [{"type": "limited_time_offer", "limited_time_offer": {
                "expiration_time_ms": expiration.parse::<i64>().unwrap_or_default(),
            }}],
        }));
    }
    let body_parameters = values.text_parameters(Component::Body, None);
    let kaleyra_params: Vec<String> = values
        .values
        .iter()
        .filter(|(variable, _)| variable.component == Component::Body && variable.button.is_none())
        .map(|(_, value)| value.clone())
        .collect();
    if !body_parameters.is_empty() {
        meta_components.push(json!({"type": "body", "parameters": body_parameters}));
    }
    meta_components.extend(button_components(
        template,
        template.buttons(),
        None,
        &values,
    )?);
    let cards = template
        .cards()
        .iter()
        .enumerate()
        .map(|(index, card)| card_component(template, index, card, &values))
        .collect::<Result<Vec<_>, _>>()?;
    if !cards.is_empty() {
        meta_components.push(json!({"type": "carousel", "cards": cards}));
    }
    let body_values: HashMap<&str, &str> = values
        .values
        .iter()
        .filter(|(variable, _)| variable.component == Component::Body && variable.button.is_none())
        .map(|(variable, value)| (variable.key.as_str(), value.as_str()))
        .collect();
    let shown_body = if template.is_authentication() && template.body_text().trim().is_empty() {
        "{{1}} is your verification code."
    } else {
        template.body_text()
    };
    let body_text = fill(shown_body, |key| body_values.get(key).copied());
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
