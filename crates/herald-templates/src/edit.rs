//! Changing a template the way an editor does: one component or one sample at a time, keeping
//! Meta's component order (header, offer, body, footer, buttons, carousel) and Meta's
//! `example` shapes. Carousel cards are added, removed and moved with their mapping and media.

use crate::diagnostic::Component;
use crate::mapping::{TemplateVariable, VariableUse};
use crate::model::{
    Body, BodyExample, Button, Buttons, Card, CardMapping, Carousel, Components, Footer, Header,
    HeaderExample, LimitedTimeOffer, MappingSource, NamedExample, Offer, ParameterFormat,
    Samples, Template, TemplateComponent,
};
use crate::text::analysed;
use crate::validate::BODY_MAX_CHARS;
use crate::variables::{VariableKind, scan};

/// Meta's order of components; unknown ones keep their place at the end.
fn order(component: &TemplateComponent) -> u8 {
    match component {
        TemplateComponent::Header(_) => 0,
        TemplateComponent::LimitedTimeOffer(_) => 1,
        TemplateComponent::Body(_) => 2,
        TemplateComponent::Footer(_) => 3,
        TemplateComponent::Buttons(_) => 4,
        TemplateComponent::Carousel(_) => 5,
        TemplateComponent::CallPermissionRequest(_) => 6,
        TemplateComponent::Unsupported(_) => 7,
    }
}

/// Puts `component` in place of the one of its kind, or in Meta's order.
fn put(components: &mut Vec<TemplateComponent>, component: TemplateComponent) {
    let rank = order(&component);
    match components.iter().position(|c| order(c) == rank) {
        Some(index) => components[index] = component,
        None => {
            let at = components
                .iter()
                .position(|c| order(c) > rank)
                .unwrap_or(components.len());
            components.insert(at, component);
        }
    }
}

fn remove(components: &mut Vec<TemplateComponent>, rank: u8) {
    components.retain(|c| order(c) != rank);
}

fn set_body(components: &mut Vec<TemplateComponent>, text: String) {
    let existing = components.iter().find_map(|component| match component {
        TemplateComponent::Body(body) => Some(body.clone()),
        _ => None,
    });
    put(
        components,
        TemplateComponent::Body(Body {
            text,
            ..existing.unwrap_or_default()
        }),
    );
}

fn set_buttons(components: &mut Vec<TemplateComponent>, buttons: Vec<Button>) {
    if buttons.is_empty() {
        remove(components, 4);
    } else {
        put(
            components,
            TemplateComponent::Buttons(Buttons {
                buttons,
                ..Buttons::default()
            }),
        );
    }
}

fn set_header(components: &mut Vec<TemplateComponent>, header: Option<Header>) {
    match header {
        Some(header) => put(components, TemplateComponent::Header(header)),
        None => remove(components, 0),
    }
}

impl Card {
    /// Sets or removes the card's header.
    pub fn set_header(&mut self, header: Option<Header>) {
        set_header(&mut self.components, header);
    }

    /// Sets the card's body text, keeping its samples; an empty text removes the body (a
    /// card's body is optional).
    pub fn set_body_text(&mut self, text: String) {
        if text.is_empty() {
            remove(&mut self.components, 2);
        } else {
            set_body(&mut self.components, text);
        }
    }

    /// Sets the card's buttons; none removes the component.
    pub fn set_buttons(&mut self, buttons: Vec<Button>) {
        set_buttons(&mut self.components, buttons);
    }
}

impl Template {
    /// Sets or removes the header.
    pub fn set_header(&mut self, header: Option<Header>) {
        set_header(&mut self.components, header);
        self.declare_parameter_format();
    }

    /// Sets the body text, keeping its samples.
    pub fn set_body_text(&mut self, text: String) {
        set_body(&mut self.components, text);
        self.declare_parameter_format();
    }

    /// Declares the variables' format from the texts: `named` when every variable is named
    /// (Meta reads a template without the declaration as positional and rejects named ones),
    /// nothing when they are positional, unchanged when they are mixed or absent.
    pub fn declare_parameter_format(&mut self) {
        let mut texts: Vec<&str> = vec![self.header_text().unwrap_or_default(), self.body_text()];
        texts.extend(self.cards().iter().map(Components::body_text));
        let mut named = false;
        let mut positional = false;
        for text in texts {
            for token in scan(analysed(text, BODY_MAX_CHARS)) {
                match token.kind {
                    VariableKind::Named(_) => named = true,
                    VariableKind::Positional(_) => positional = true,
                    VariableKind::Malformed => {}
                }
            }
        }
        match (named, positional) {
            (true, false) => self.parameter_format = Some(ParameterFormat::Named),
            (false, true) => self.parameter_format = None,
            _ => {}
        }
    }

    /// Sets the footer text (keeping an authentication footer's expiry); an empty footer is
    /// removed.
    pub fn set_footer_text(&mut self, text: String) {
        let expiry = self.footer().and_then(|footer| footer.code_expiration_minutes);
        if text.is_empty() && expiry.is_none() {
            remove(&mut self.components, 3);
        } else {
            put(
                &mut self.components,
                TemplateComponent::Footer(Footer {
                    text,
                    code_expiration_minutes: expiry,
                    ..Footer::default()
                }),
            );
        }
    }

    /// Sets an authentication footer's code expiry (`None` removes it, and the footer with it
    /// when it has no text).
    pub fn set_code_expiration(&mut self, minutes: Option<i64>) {
        let text = self.footer_text().to_owned();
        if text.is_empty() && minutes.is_none() {
            remove(&mut self.components, 3);
        } else {
            put(
                &mut self.components,
                TemplateComponent::Footer(Footer {
                    text,
                    code_expiration_minutes: minutes,
                    ..Footer::default()
                }),
            );
        }
    }

    /// Sets the buttons; none removes the component.
    pub fn set_buttons(&mut self, buttons: Vec<Button>) {
        set_buttons(&mut self.components, buttons);
    }

    /// Sets or removes the limited-time offer.
    pub fn set_offer(&mut self, offer: Option<Offer>) {
        match offer {
            Some(limited_time_offer) => put(
                &mut self.components,
                TemplateComponent::LimitedTimeOffer(LimitedTimeOffer {
                    limited_time_offer,
                    ..LimitedTimeOffer::default()
                }),
            ),
            None => {
                remove(&mut self.components, 1);
                self.herald.mapping.offer_expiration = None;
            }
        }
    }

    /// Makes the template a carousel with `cards` cards (each an image header and a body, as a
    /// start), or removes the carousel (`0`).
    pub fn set_carousel(&mut self, cards: usize) {
        if cards == 0 {
            remove(&mut self.components, 5);
            self.herald.card_media.clear();
            self.herald.mapping.cards.clear();
            return;
        }
        let mut carousel = Carousel::default();
        for _ in 0..cards {
            carousel.cards.push(Self::new_card());
        }
        put(&mut self.components, TemplateComponent::Carousel(carousel));
    }

    fn new_card() -> Card {
        let mut card = Card::default();
        card.set_header(Some(Header::new(crate::model::HeaderFormat::Image)));
        card
    }

    fn carousel_mut(&mut self) -> Option<&mut Carousel> {
        self.components.iter_mut().find_map(|component| match component {
            TemplateComponent::Carousel(carousel) => Some(carousel),
            _ => None,
        })
    }

    /// Changes card `index` with `change`.
    pub fn edit_card(&mut self, index: usize, change: impl FnOnce(&mut Card)) {
        if let Some(card) = self
            .carousel_mut()
            .and_then(|carousel| carousel.cards.get_mut(index))
        {
            change(card);
            self.declare_parameter_format();
        }
    }

    /// Adds a card shaped like the last one (same header type, same buttons, texts empty).
    pub fn add_card(&mut self) {
        let Some(carousel) = self.carousel_mut() else {
            return;
        };
        let card = carousel.cards.last().map_or_else(Self::new_card, |last| {
            let mut card = Card::default();
            card.set_header(last.header().map(|header| Header::new(header.format.clone())));
            if last.body().is_some() {
                card.components.push(TemplateComponent::Body(Body::default()));
            }
            card.set_buttons(
                last.buttons()
                    .iter()
                    .map(|button| Button {
                        text: button.text.clone(),
                        ..Button::new(button.kind.clone())
                    })
                    .collect(),
            );
            card
        });
        carousel.cards.push(card);
    }

    /// Removes card `index` with its mapping and media.
    pub fn remove_card(&mut self, index: usize) {
        let Some(carousel) = self.carousel_mut() else {
            return;
        };
        if index >= carousel.cards.len() {
            return;
        }
        carousel.cards.remove(index);
        let settings = &mut self.herald;
        if index < settings.card_media.len() {
            settings.card_media.remove(index);
        }
        if index < settings.mapping.cards.len() {
            settings.mapping.cards.remove(index);
        }
    }

    /// Moves card `from` to position `to`, its mapping and media with it.
    pub fn move_card(&mut self, from: usize, to: usize) {
        let Some(carousel) = self.carousel_mut() else {
            return;
        };
        let count = carousel.cards.len();
        if from >= count || to >= count || from == to {
            return;
        }
        let card = carousel.cards.remove(from);
        carousel.cards.insert(to, card);
        let settings = &mut self.herald;
        settings.card_media.resize(count, None);
        let media = settings.card_media.remove(from);
        settings.card_media.insert(to, media);
        settings.mapping.cards.resize_with(count, CardMapping::default);
        let mapping = settings.mapping.cards.remove(from);
        settings.mapping.cards.insert(to, mapping);
        while settings.card_media.last() == Some(&None) {
            settings.card_media.pop();
        }
        while settings
            .mapping
            .cards
            .last()
            .is_some_and(|mapping| mapping == &CardMapping::default())
        {
            settings.mapping.cards.pop();
        }
    }

    /// Sets the media file of card `index`.
    pub fn set_card_media(&mut self, index: usize, media: Option<crate::model::MediaFile>) {
        let settings = &mut self.herald;
        if settings.card_media.len() <= index {
            settings.card_media.resize(index + 1, None);
        }
        settings.card_media[index] = media;
        while settings.card_media.last() == Some(&None) {
            settings.card_media.pop();
        }
    }

    /// The number "Add variable" inserts: one more than the highest `{{n}}` of the body.
    pub fn next_body_variable(&self) -> u32 {
        next_variable(self.body_text())
    }

    /// Stores `value` as the sample of `variable`, where Meta reads it.
    pub fn set_sample(&mut self, variable: &TemplateVariable, value: String) {
        match (variable.usage, variable.component, variable.card, variable.button) {
            (VariableUse::OfferExpiration, ..) => {}
            (_, Component::Header, ..) => {
                if let Some(mut header) = self.header().cloned() {
                    let example = header.example.get_or_insert_with(HeaderExample::default);
                    match positional_index(variable) {
                        Some(index) => {
                            let mut values = example
                                .header_text
                                .take()
                                .map(|samples| samples.as_slice().to_vec())
                                .unwrap_or_default();
                            set_at(&mut values, index, value);
                            example.header_text = Some(Samples::Many(values));
                        }
                        None => set_named(
                            example
                                .header_text_named_params
                                .get_or_insert_with(Vec::new),
                            &variable.key,
                            value,
                        ),
                    }
                    self.set_header(Some(header));
                }
            }
            (_, _, card, Some(index)) => {
                let set = |buttons: &[Button]| {
                    let mut buttons = buttons.to_vec();
                    if let Some(button) = buttons.get_mut(index) {
                        button.example = Some(match variable.usage {
                            VariableUse::CouponCode => Samples::One(value.clone()),
                            _ => {
                                let prefix = button.url_text().split("{{").next().unwrap_or_default();
                                Samples::Many(vec![format!("{prefix}{value}")])
                            }
                        });
                    }
                    buttons
                };
                match card {
                    Some(card) => self.edit_card(card, |card| {
                        let buttons = set(card.buttons());
                        card.set_buttons(buttons);
                    }),
                    None => {
                        let buttons = set(self.buttons());
                        self.set_buttons(buttons);
                    }
                }
            }
            (_, _, Some(card), None) => self.edit_card(card, |card| {
                if let Some(body) = card.body().cloned() {
                    let mut components = std::mem::take(&mut card.components);
                    put(&mut components, TemplateComponent::Body(with_sample(body, variable, value)));
                    card.components = components;
                }
            }),
            (_, _, None, None) => {
                let body = self.body().cloned().unwrap_or_default();
                put(
                    &mut self.components,
                    TemplateComponent::Body(with_sample(body, variable, value)),
                );
            }
        }
    }

    /// Maps `variable` to `source`, or unmaps it.
    pub fn set_mapping(&mut self, variable: &TemplateVariable, source: Option<MappingSource>) {
        variable.slot(&mut self.herald.mapping).set(source);
    }
}

fn next_variable(text: &str) -> u32 {
    scan(analysed(text, BODY_MAX_CHARS))
        .iter()
        .filter_map(|token| match token.kind {
            VariableKind::Positional(number) => Some(number),
            _ => None,
        })
        .max()
        .map_or(1, |highest| highest.saturating_add(1))
}

impl Card {
    /// The number "Add variable" inserts in the card's body.
    pub fn next_body_variable(&self) -> u32 {
        next_variable(self.body_text())
    }
}

fn positional_index(variable: &TemplateVariable) -> Option<usize> {
    variable
        .key
        .parse::<usize>()
        .ok()
        .and_then(|number| number.checked_sub(1))
}

/// `body` with `value` as the sample of `variable`.
fn with_sample(mut body: Body, variable: &TemplateVariable, value: String) -> Body {
    let example = body.example.get_or_insert_with(BodyExample::default);
    match positional_index(variable) {
        Some(index) => {
            let sets = example.body_text.get_or_insert_with(Vec::new);
            if sets.is_empty() {
                sets.push(Vec::new());
            }
            set_at(&mut sets[0], index, value);
        }
        None => set_named(
            example.body_text_named_params.get_or_insert_with(Vec::new),
            &variable.key,
            value,
        ),
    }
    body
}

fn set_at(values: &mut Vec<String>, index: usize, value: String) {
    if values.len() <= index {
        values.resize(index + 1, String::new());
    }
    values[index] = value;
}

fn set_named(examples: &mut Vec<NamedExample>, name: &str, value: String) {
    match examples
        .iter_mut()
        .find(|example| example.param_name == name)
    {
        Some(example) => example.example = value,
        None => examples.push(NamedExample {
            param_name: name.to_owned(),
            example: value,
        }),
    }
}

#[cfg(test)]
mod tests {
    use crate::mapping::variables_of;
    use crate::model::{ContactField, HeaderFormat};
    use crate::validate;

    use super::*;

    #[test]
    fn components_keep_meta_s_order_whatever_the_editing_order() {
        let mut template = Template::default();
        template.set_buttons(vec![Button::quick_reply("Yes")]);
        template.set_footer_text("Reply STOP to opt out".into());
        template.set_body_text("Hello there".into());
        template.set_header(Some(Header::new(HeaderFormat::Text)));
        template.set_offer(Some(Offer::default()));
        let ranks: Vec<u8> = template.components.iter().map(order).collect();
        assert_eq!(ranks, [0, 1, 2, 3, 4]);
        template.set_footer_text(String::new());
        template.set_header(None);
        template.set_offer(None);
        assert_eq!(
            template.components.iter().map(order).collect::<Vec<_>>(),
            [2, 4]
        );
    }

    #[test]
    fn samples_go_where_meta_reads_them_and_the_validator_sees_them() {
        let mut template = Template {
            name: "welcome".into(),
            language: "en_US".into(),
            category: crate::model::Category::Marketing,
            ..Template::default()
        };
        template.set_body_text("Hello {{1}}, your code is {{2}} for today.".into());
        assert!(
            validate(&template)
                .iter()
                .any(|d| d.code == "example_missing")
        );
        for (variable, value) in variables_of(&template).iter().zip(["Ann", "X1"]) {
            template.set_sample(variable, value.into());
        }
        let samples: Vec<Option<String>> = variables_of(&template)
            .into_iter()
            .map(|v| v.sample)
            .collect();
        assert_eq!(samples, [Some("Ann".into()), Some("X1".into())]);
        assert!(
            !validate(&template)
                .iter()
                .any(|d| d.code == "example_missing")
        );
        assert_eq!(template.next_body_variable(), 3);
        template.set_body_text("Hello {{1}}, your code is {{2}} for today.".into());
        assert_eq!(
            variables_of(&template)[0].sample.as_deref(),
            Some("Ann"),
            "editing the text keeps the samples"
        );
    }

    #[test]
    fn mapping_is_set_and_cleared_per_variable() {
        let mut template = Template::default();
        template.set_body_text("Hi {{1}}".into());
        let variable = variables_of(&template).remove(0);
        template.set_mapping(
            &variable,
            Some(MappingSource::Field(ContactField::FirstName)),
        );
        assert!(crate::unmapped_variables(&template).is_empty());
        template.set_mapping(&variable, None);
        assert_eq!(crate::unmapped_variables(&template).len(), 1);
    }
}
