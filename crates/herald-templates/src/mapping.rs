//! The variables of a template, and where each one's value comes from.
//!
//! A variable is anything the send needs per contact: the header's and the body's `{{n}}`, a
//! URL button's trailing variable, a coupon code, an authentication template's one-time code,
//! each carousel card's body variables and URL variables, and a limited-time offer's expiry.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Component;
use crate::model::{
    Body, Button, ButtonKind, Card, CardMapping, Components, ContactField, Header, HeaderFormat,
    MappingSource, NamedExample, Template, VariableMapping,
};
use crate::text::analysed;
use crate::validate::{BODY_MAX_CHARS, HEADER_MAX_CHARS};
use crate::variables::{VariableKind, distinct_variables, scan};

/// What a variable's value is used for, which decides how it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VariableUse {
    /// Text in the header or a body.
    Text,
    /// The end of a URL button's address.
    UrlSuffix,
    /// A copy-code button's coupon code.
    CouponCode,
    /// An authentication template's one-time code (its body and its OTP button).
    OneTimeCode,
    /// A limited-time offer's expiry.
    OfferExpiration,
}

/// One distinct variable of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateVariable {
    /// `HEADER`, `BODY`, `BUTTONS`, `CAROUSEL` (a card's) or `LIMITED_TIME_OFFER`.
    pub component: Component,
    /// For a carousel card's variable, the card's index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<usize>,
    /// For a button's variable, the button's index (in its card, for a card's).
    pub button: Option<usize>,
    /// The variable as written between the braces (`"1"`, `"first_name"`).
    pub key: String,
    /// What the value is used for.
    pub usage: VariableUse,
    /// Its sample value from the template's `example` fields, if any.
    pub sample: Option<String>,
}

impl TemplateVariable {
    /// The variable as users see it, e.g. `{{1}}`, `header {{1}}`, `button 1 {{1}}`,
    /// `card 2 {{1}}`, `coupon code`.
    pub fn label(&self) -> String {
        let braces = format!("{{{{{}}}}}", self.key);
        let card = self
            .card
            .map(|card| format!("card {} ", card + 1))
            .unwrap_or_default();
        match (self.usage, self.component, self.button) {
            (VariableUse::OneTimeCode, ..) => "one-time code".to_owned(),
            (VariableUse::OfferExpiration, ..) => "offer expiry".to_owned(),
            (VariableUse::CouponCode, ..) => "coupon code".to_owned(),
            (_, Component::Header, _) => format!("header {braces}"),
            (_, _, Some(index)) => format!("{card}button {} {braces}", index + 1),
            _ => format!("{card}{braces}"),
        }
    }

    /// The source the template's mapping assigns to this variable.
    pub fn source<'a>(&self, template: &'a Template) -> Option<&'a MappingSource> {
        let mapping = &template.herald.mapping;
        match (self.component, self.card, self.button) {
            (Component::LimitedTimeOffer, ..) => mapping.offer_expiration.as_ref(),
            (Component::Header, ..) => mapping.header.get(&self.key),
            (_, Some(card), button) => {
                let card = mapping.cards.get(card)?;
                match button {
                    Some(index) => card.buttons.get(&index),
                    None => card.body.get(&self.key),
                }
            }
            (_, None, Some(index)) => mapping.buttons.get(&index),
            (_, None, None) => mapping.body.get(&self.key),
        }
    }

    /// Where the mapping keeps this variable's source, created when missing.
    pub(crate) fn slot<'a>(&self, mapping: &'a mut VariableMapping) -> MappingSlot<'a> {
        match (self.component, self.card, self.button) {
            (Component::LimitedTimeOffer, ..) => MappingSlot::Single(&mut mapping.offer_expiration),
            (Component::Header, ..) => MappingSlot::Keyed(&mut mapping.header, self.key.clone()),
            (_, Some(card), button) => {
                if mapping.cards.len() <= card {
                    mapping.cards.resize_with(card + 1, CardMapping::default);
                }
                let card = &mut mapping.cards[card];
                match button {
                    Some(index) => MappingSlot::Indexed(&mut card.buttons, index),
                    None => MappingSlot::Keyed(&mut card.body, self.key.clone()),
                }
            }
            (_, None, Some(index)) => MappingSlot::Indexed(&mut mapping.buttons, index),
            (_, None, None) => MappingSlot::Keyed(&mut mapping.body, self.key.clone()),
        }
    }
}

/// A place in the mapping that holds one variable's source.
pub(crate) enum MappingSlot<'a> {
    Keyed(
        &'a mut std::collections::BTreeMap<String, MappingSource>,
        String,
    ),
    Indexed(
        &'a mut std::collections::BTreeMap<usize, MappingSource>,
        usize,
    ),
    Single(&'a mut Option<MappingSource>),
}

impl MappingSlot<'_> {
    pub(crate) fn set(self, source: Option<MappingSource>) {
        match (self, source) {
            (Self::Keyed(map, key), Some(source)) => {
                map.insert(key, source);
            }
            (Self::Keyed(map, key), None) => {
                map.remove(&key);
            }
            (Self::Indexed(map, index), Some(source)) => {
                map.insert(index, source);
            }
            (Self::Indexed(map, index), None) => {
                map.remove(&index);
            }
            (Self::Single(slot), source) => *slot = source,
        }
    }
}

/// The sample values of one component, in Meta's `example` shape, indexed for lookups.
pub(crate) struct SampleValues<'a> {
    positional: &'a [String],
    named: HashMap<&'a str, &'a str>,
}

impl<'a> SampleValues<'a> {
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
    pub(crate) fn of_header(header: Option<&'a Header>) -> Self {
        let example = header.and_then(|header| header.example.as_ref());
        Self::new(
            example
                .and_then(|example| example.header_text.as_ref())
                .map(crate::model::Samples::as_slice)
                .unwrap_or_default(),
            example.and_then(|example| example.header_text_named_params.as_deref()),
        )
    }

    /// The samples of a body (its first sample set).
    pub(crate) fn of_body(body: Option<&'a Body>) -> Self {
        let example = body.and_then(|body| body.example.as_ref());
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

/// The variables of a text and its samples.
fn text_variables(
    text: &str,
    limit: usize,
    samples: &SampleValues<'_>,
    make: impl Fn(String, Option<String>) -> TemplateVariable,
) -> Vec<TemplateVariable> {
    distinct_variables(&scan(analysed(text, limit)))
        .into_iter()
        .map(|token| {
            make(
                token.key().unwrap_or_default(),
                samples.non_blank(&token.kind),
            )
        })
        .collect()
}

/// The parameter of each button that takes one: a URL's trailing variable, a coupon code.
fn button_variables(
    buttons: &[Button],
    card: Option<usize>,
    component: Component,
) -> Vec<TemplateVariable> {
    let mut variables = Vec::new();
    for (index, button) in buttons.iter().enumerate() {
        let found = match button.kind {
            ButtonKind::Url => distinct_variables(&scan(button.url_text()))
                .into_iter()
                .next()
                .map(|token| {
                    let sample = button
                        .sample()
                        .map(|full_url| url_sample_suffix(button.url_text(), full_url));
                    (
                        token.key().unwrap_or_default(),
                        VariableUse::UrlSuffix,
                        sample,
                    )
                }),
            ButtonKind::CopyCode => Some((
                "coupon_code".to_owned(),
                VariableUse::CouponCode,
                button.sample().map(str::to_owned),
            )),
            _ => None,
        };
        if let Some((key, usage, sample)) = found {
            variables.push(TemplateVariable {
                component,
                card,
                button: Some(index),
                key,
                usage,
                sample,
            });
        }
    }
    variables
}

fn card_variables(index: usize, card: &Card) -> Vec<TemplateVariable> {
    let samples = SampleValues::of_body(card.body());
    let mut variables =
        text_variables(card.body_text(), BODY_MAX_CHARS, &samples, |key, sample| {
            TemplateVariable {
                component: Component::Carousel,
                card: Some(index),
                button: None,
                key,
                usage: VariableUse::Text,
                sample,
            }
        });
    variables.extend(button_variables(
        card.buttons(),
        Some(index),
        Component::Carousel,
    ));
    variables
}

/// Every distinct variable of the template: header, offer expiry, body (or the one-time code),
/// buttons, then each card's.
pub fn variables_of(template: &Template) -> Vec<TemplateVariable> {
    let mut variables = Vec::new();
    if let Some(header) = template
        .header()
        .filter(|header| header.format == HeaderFormat::Text)
    {
        let samples = SampleValues::of_header(Some(header));
        variables.extend(text_variables(
            header.text.as_deref().unwrap_or_default(),
            HEADER_MAX_CHARS,
            &samples,
            |key, sample| TemplateVariable {
                component: Component::Header,
                card: None,
                button: None,
                key,
                usage: VariableUse::Text,
                sample,
            },
        ));
    }
    if template
        .offer()
        .is_some_and(|offer| offer.has_expiration == Some(true))
    {
        variables.push(TemplateVariable {
            component: Component::LimitedTimeOffer,
            card: None,
            button: None,
            key: "expiration_time".to_owned(),
            usage: VariableUse::OfferExpiration,
            sample: None,
        });
    }
    if template.is_authentication() {
        let samples = SampleValues::of_body(template.body());
        variables.push(TemplateVariable {
            component: Component::Body,
            card: None,
            button: None,
            key: "1".to_owned(),
            usage: VariableUse::OneTimeCode,
            sample: samples.non_blank(&VariableKind::Positional(1)),
        });
    } else {
        let samples = SampleValues::of_body(template.body());
        variables.extend(text_variables(
            template.body_text(),
            BODY_MAX_CHARS,
            &samples,
            |key, sample| TemplateVariable {
                component: Component::Body,
                card: None,
                button: None,
                key,
                usage: VariableUse::Text,
                sample,
            },
        ));
        variables.extend(button_variables(
            template.buttons(),
            None,
            Component::Buttons,
        ));
    }
    for (index, card) in template.cards().iter().enumerate() {
        variables.extend(card_variables(index, card));
    }
    variables
}

/// Meta's URL sample is the full URL; the variable's sample is what follows the fixed prefix.
fn url_sample_suffix(url: &str, full_url: &str) -> String {
    let prefix = url.split("{{").next().unwrap_or_default();
    full_url.strip_prefix(prefix).unwrap_or(full_url).to_owned()
}

/// What a variable lacks before a campaign can send it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingGap {
    /// The variable, as users see it (`{{2}}`, `card 1 {{1}}`), or the setting.
    pub variable: String,
    /// Why, e.g. `is not mapped to a customer field`.
    pub reason: String,
}

impl std::fmt::Display for MappingGap {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{} {}", self.variable, self.reason)
    }
}

/// The variables that have no source in the mapping; a campaign cannot use the template
/// until this is empty.
pub fn unmapped_variables(template: &Template) -> Vec<TemplateVariable> {
    variables_of(template)
        .into_iter()
        .filter(|variable| variable.source(template).is_none())
        .collect()
}

/// Everything that keeps a campaign from sending the template: variables with no source or
/// a source that cannot give a value (a custom field with no name, empty fixed text), and the
/// settings a kind needs at send time (a carousel card's media, a location, the products of a
/// multi-product button). Empty when the template can be sent.
pub fn sending_gaps(template: &Template) -> Vec<MappingGap> {
    let mut gaps: Vec<MappingGap> = variables_of(template)
        .into_iter()
        .filter_map(|variable| {
            let reason = match variable.source(template) {
                None => "is not mapped to a customer field",
                Some(source) => source.incomplete()?,
            };
            Some(MappingGap {
                variable: variable.label(),
                reason: reason.to_owned(),
            })
        })
        .collect();
    let settings = &template.herald;
    let shows_a_product = |header: Option<&Header>| {
        header.is_some_and(|header| header.format == HeaderFormat::Product)
    };
    if shows_a_product(template.header())
        || template
            .cards()
            .iter()
            .any(|card| shows_a_product(card.header()))
    {
        gaps.push(MappingGap {
            variable: "product header".to_owned(),
            reason:
                "cannot be chosen in Herald yet: product templates are kept and shown, not sent"
                    .to_owned(),
        });
    }
    for (index, card) in template.cards().iter().enumerate() {
        let needs_media = card.header().is_some_and(|header| {
            matches!(header.format, HeaderFormat::Image | HeaderFormat::Video)
        });
        let has_link = settings
            .card_media
            .get(index)
            .and_then(Option::as_ref)
            .and_then(|media| media.link.as_deref())
            .is_some_and(|link| !link.trim().is_empty());
        if needs_media && !has_link {
            gaps.push(MappingGap {
                variable: format!("card {} media", index + 1),
                reason: "has no public link to send".to_owned(),
            });
        }
    }
    let placed = settings.location.as_ref().is_some_and(|place| {
        !place.latitude.trim().is_empty() && !place.longitude.trim().is_empty()
    });
    if template
        .header()
        .is_some_and(|header| header.format == HeaderFormat::Location)
        && !placed
    {
        gaps.push(MappingGap {
            variable: "location header".to_owned(),
            reason: "has no place to show".to_owned(),
        });
    }
    if template
        .buttons()
        .iter()
        .any(|button| button.kind == ButtonKind::Mpm)
        && settings.products.as_ref().is_none_or(|products| {
            products
                .sections
                .iter()
                .all(|section| section.product_retailer_ids.is_empty())
        })
    {
        gaps.push(MappingGap {
            variable: "multi-product button".to_owned(),
            reason: "has no products to show".to_owned(),
        });
    }
    gaps
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
