//! Changing a template the way an editor does: one component or one sample at a time, keeping
//! Meta's component order (header, offer, body, footer, buttons, carousel) and Meta's
//! `example` shapes. Carousel cards are added, removed and moved with their mapping and media.

use crate::diagnostic::Component;
use crate::mapping::{TemplateVariable, VariableUse};
use crate::model::{
    Body, BodyExample, Button, ButtonKind, Buttons, Card, CardMapping, Carousel, Category,
    Components, Footer, Header, HeaderExample, HeaderFormat, LimitedTimeOffer, MappingSource,
    NamedExample, Offer, OtpType, ParameterFormat, Samples, Template, TemplateComponent,
};
use crate::text::analysed;
use crate::validate::BODY_MAX_CHARS;
use crate::validate::CAROUSEL_CARDS_MIN;
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

/// What a template is, as Meta's template manager offers it: the kind decides which parts the
/// editor shows. It is read from the components, never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    /// Header, body, footer and buttons of any type.
    Standard,
    /// A body and up to 10 cards scrolled sideways.
    Carousel,
    /// An offer with a title and a countdown, a coupon code and a link.
    LimitedTimeOffer,
    /// A body with the catalog's button.
    Catalog,
    /// A text header, a body and a button opening chosen products.
    MultiProduct,
    /// A one-time passcode with Meta's fixed text and an OTP button.
    Authentication,
}

impl TemplateKind {
    /// Every kind, in the order the editor offers them.
    pub const ALL: [Self; 6] = [
        Self::Standard,
        Self::Carousel,
        Self::LimitedTimeOffer,
        Self::Catalog,
        Self::MultiProduct,
        Self::Authentication,
    ];

    /// The name users see.
    pub fn label(self) -> &'static str {
        match self {
            Self::Standard => "Standard (header, body, footer, buttons)",
            Self::Carousel => "Carousel",
            Self::LimitedTimeOffer => "Limited-time offer",
            Self::Catalog => "Catalog",
            Self::MultiProduct => "Multi-product",
            Self::Authentication => "Authentication (one-time passcode)",
        }
    }

    /// A stable text form, for the editor's select.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Carousel => "carousel",
            Self::LimitedTimeOffer => "limited_time_offer",
            Self::Catalog => "catalog",
            Self::MultiProduct => "multi_product",
            Self::Authentication => "authentication",
        }
    }

    /// The kind of a text form.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

impl Template {
    /// The template's kind, read from its category and components.
    pub fn kind(&self) -> TemplateKind {
        let has_button = |kind: ButtonKind| self.buttons().iter().any(|button| button.kind == kind);
        if self.is_authentication() {
            TemplateKind::Authentication
        } else if self
            .components
            .iter()
            .any(|component| matches!(component, TemplateComponent::Carousel(_)))
        {
            TemplateKind::Carousel
        } else if self.offer().is_some() {
            TemplateKind::LimitedTimeOffer
        } else if has_button(ButtonKind::Mpm) {
            TemplateKind::MultiProduct
        } else if has_button(ButtonKind::Catalog) {
            TemplateKind::Catalog
        } else {
            TemplateKind::Standard
        }
    }

    /// Makes the template of `kind`: the parts the kind needs are added with Meta's defaults,
    /// the parts it cannot have are removed; the body text is kept.
    pub fn set_kind(&mut self, kind: TemplateKind) {
        if kind == self.kind() {
            return;
        }
        let body = self.body_text().to_owned();
        self.components
            .retain(|component| matches!(component, TemplateComponent::Unsupported(_)));
        self.herald.card_media.clear();
        self.herald.mapping = Default::default();
        self.herald.media = None;
        self.herald.location = None;
        self.herald.products = None;
        if self.category == Category::Authentication {
            self.category = Category::Marketing;
        }
        match kind {
            TemplateKind::Standard => self.set_body_text(body),
            TemplateKind::Carousel => {
                self.set_body_text(body);
                self.set_carousel(CAROUSEL_CARDS_MIN);
            }
            TemplateKind::LimitedTimeOffer => {
                self.set_offer(Some(Offer {
                    has_expiration: Some(true),
                    ..Offer::default()
                }));
                self.set_body_text(body);
                self.set_buttons(vec![
                    Button::new(ButtonKind::CopyCode),
                    Button::url("", "https://"),
                ]);
            }
            TemplateKind::Catalog => {
                self.set_body_text(body);
                self.set_buttons(vec![Button {
                    text: "View catalog".to_owned(),
                    ..Button::new(ButtonKind::Catalog)
                }]);
            }
            TemplateKind::MultiProduct => {
                self.set_header(Some(Header::new(HeaderFormat::Text)));
                self.set_body_text(body);
                self.set_buttons(vec![Button {
                    text: "View items".to_owned(),
                    ..Button::new(ButtonKind::Mpm)
                }]);
            }
            TemplateKind::Authentication => {
                self.category = Category::Authentication;
                put(
                    &mut self.components,
                    TemplateComponent::Body(Body {
                        add_security_recommendation: Some(true),
                        ..Body::default()
                    }),
                );
                self.set_code_expiration(Some(10));
                self.set_buttons(vec![Button {
                    otp_type: Some(OtpType::CopyCode),
                    ..Button::new(ButtonKind::Otp)
                }]);
            }
        }
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
        let expiry = self
            .footer()
            .and_then(|footer| footer.code_expiration_minutes);
        self.set_footer(text, expiry);
    }

    /// Sets whether an authentication template adds "For your security, do not share this
    /// code." to Meta's text.
    pub fn set_security_recommendation(&mut self, on: bool) {
        let body = self.body().cloned().unwrap_or_default();
        put(
            &mut self.components,
            TemplateComponent::Body(Body {
                add_security_recommendation: Some(on),
                ..body
            }),
        );
    }

    /// Sets an authentication footer's code expiry (`None` removes it, and the footer with it
    /// when it has no text).
    pub fn set_code_expiration(&mut self, minutes: Option<i64>) {
        self.set_footer(self.footer_text().to_owned(), minutes);
    }

    /// Puts a footer of `text` and `expiry`, or removes the footer when it has neither.
    fn set_footer(&mut self, text: String, expiry: Option<i64>) {
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
        card.set_header(Some(Header::new(HeaderFormat::Image)));
        card
    }

    fn carousel_mut(&mut self) -> Option<&mut Carousel> {
        self.components
            .iter_mut()
            .find_map(|component| match component {
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
            card.set_header(
                last.header()
                    .map(|header| Header::new(header.format.clone())),
            );
            if last.body().is_some() {
                card.components
                    .push(TemplateComponent::Body(Body::default()));
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
        settings
            .mapping
            .cards
            .resize_with(count, CardMapping::default);
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
        match (
            variable.usage,
            variable.component,
            variable.card,
            variable.button,
        ) {
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
                                let prefix =
                                    button.url_text().split("{{").next().unwrap_or_default();
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
                    put(
                        &mut components,
                        TemplateComponent::Body(with_sample(body, variable, value)),
                    );
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
    fn each_kind_is_made_with_meta_s_parts_and_read_back() {
        for kind in TemplateKind::ALL {
            let mut template = Template {
                name: "kinds".into(),
                language: "en_US".into(),
                category: crate::model::Category::Marketing,
                ..Template::default()
            };
            template.set_body_text("Hello there, our news of the week.".into());
            template.set_kind(kind);
            assert_eq!(template.kind(), kind, "{kind:?}");
            assert_eq!(TemplateKind::parse(kind.as_str()), Some(kind));
            let codes: Vec<&str> = validate(&template)
                .iter()
                .map(|d| d.code.as_str())
                .collect();
            assert!(
                !codes.contains(&"component_not_allowed"),
                "{kind:?}: {codes:?}"
            );
            if kind != TemplateKind::Authentication {
                assert_eq!(template.body_text(), "Hello there, our news of the week.");
            }
        }
        let mut template = Template::default();
        template.set_kind(TemplateKind::Authentication);
        template.set_security_recommendation(false);
        template.set_code_expiration(Some(5));
        assert_eq!(
            template
                .body()
                .and_then(|body| body.add_security_recommendation),
            Some(false)
        );
        assert_eq!(
            template.kind(),
            TemplateKind::Authentication,
            "still one body, one footer"
        );
        assert_eq!(template.components.len(), 3);
        template.set_kind(TemplateKind::Standard);
        assert_eq!(
            template.category,
            crate::model::Category::Marketing,
            "leaving authentication"
        );
    }

    #[test]
    fn cards_move_with_their_mapping_and_media() {
        let mut template = Template::default();
        template.set_kind(TemplateKind::Carousel);
        template.add_card();
        for index in 0..3 {
            template.edit_card(index, |card| {
                card.set_body_text(format!("Card {index} for {{{{1}}}} today."))
            });
        }
        let variables = variables_of(&template);
        for (index, variable) in variables.iter().enumerate() {
            template.set_mapping(
                variable,
                Some(MappingSource::Text(format!("value {index}"))),
            );
        }
        template.set_card_media(
            2,
            Some(crate::model::MediaFile {
                file_name: "third.png".into(),
                mime_type: "image/png".into(),
                size_bytes: 1,
                link: None,
            }),
        );
        template.move_card(2, 0);
        assert_eq!(template.cards()[0].body_text(), "Card 2 for {{1}} today.");
        assert_eq!(
            template.herald.card_media[0]
                .as_ref()
                .map(|m| m.file_name.as_str()),
            Some("third.png")
        );
        assert_eq!(
            template.herald.mapping.cards[0].body.get("1"),
            Some(&MappingSource::Text("value 2".into()))
        );
        template.remove_card(0);
        assert_eq!(template.cards().len(), 2);
        assert!(template.herald.card_media.is_empty());
        assert_eq!(
            template.herald.mapping.cards[0].body.get("1"),
            Some(&MappingSource::Text("value 0".into()))
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
