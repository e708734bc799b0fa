//! Property tests: on arbitrary input nothing panics, every span lies inside the text it points
//! at, and contact values never turn into formatting or unsendable text.

use proptest::prelude::*;

use crate::{
    Body, Button, Buttons, Card, Carousel, Category, Components, ContactField, ContactFields,
    Diagnostic, Footer, Header, HeaderFormat, MappingSource, Template, TemplateComponent,
    make_sendable, parse_template, preview_for_contact, preview_with_samples, render_for_contact,
    validate,
};

/// Text that favours the characters the rules care about.
fn tricky_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("{{".to_owned()),
            Just("}}".to_owned()),
            Just("{{1}}".to_owned()),
            Just("{{2}}".to_owned()),
            Just("{{name}}".to_owned()),
            Just("*".to_owned()),
            Just("_".to_owned()),
            Just("~".to_owned()),
            Just("```".to_owned()),
            Just("?".to_owned()),
            Just(". ".to_owned()),
            Just("\n".to_owned()),
            Just("<b>".to_owned()),
            Just("您好".to_owned()),
            Just("👍🏽".to_owned()),
            "[a-z ]{0,8}",
            any::<String>(),
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

fn template_from(texts: [String; 5], category: bool) -> Template {
    let [header, body, footer, button, url] = texts;
    Template {
        name: header.clone(),
        language: "en".to_owned(),
        category: if category {
            Category::Utility
        } else {
            Category::Marketing
        },
        components: vec![
            TemplateComponent::Header(Header {
                text: Some(header),
                ..Header::new(HeaderFormat::Text)
            }),
            TemplateComponent::Body(Body {
                text: body.clone(),
                ..Body::default()
            }),
            TemplateComponent::Footer(Footer {
                text: footer,
                ..Footer::default()
            }),
            TemplateComponent::Buttons(Buttons {
                buttons: vec![
                    Button::quick_reply(&button),
                    Button::url(&button, &url),
                    Button {
                        example: Some(crate::Samples::One(button.clone())),
                        ..Button::new(crate::ButtonKind::CopyCode)
                    },
                ],
                ..Buttons::default()
            }),
            TemplateComponent::LimitedTimeOffer(crate::LimitedTimeOffer {
                limited_time_offer: crate::Offer {
                    text: button.clone(),
                    has_expiration: Some(true),
                    ..crate::Offer::default()
                },
                ..crate::LimitedTimeOffer::default()
            }),
            TemplateComponent::Carousel(Carousel {
                cards: vec![card(&body, &button, &url), card(&url, &button, &body)],
                ..Carousel::default()
            }),
        ],
        ..Template::default()
    }
}

/// A carousel card whose texts are the generated ones.
fn card(body: &str, button: &str, url: &str) -> Card {
    let mut card = Card::default();
    card.set_header(Some(Header::new(HeaderFormat::Image)));
    card.set_body_text(body.to_owned());
    card.set_buttons(vec![Button::quick_reply(button), Button::url(button, url)]);
    card
}

/// The text of a button's `field`.
fn button_text(button: &Button, field: Option<&str>) -> String {
    match field {
        Some("url") => button.url_text().to_owned(),
        Some("phone_number") => button.phone_number.clone().unwrap_or_default(),
        _ => button.text.clone(),
    }
}

/// The text a diagnostic's span points into.
fn pointed_text(template: &Template, diagnostic: &Diagnostic) -> Option<String> {
    use crate::Component;
    Some(match diagnostic.component {
        Component::Name => template.name.clone(),
        Component::Header => template.header_text()?.to_owned(),
        Component::Body => template.body_text().to_owned(),
        Component::Footer => template.footer_text().to_owned(),
        Component::LimitedTimeOffer => template.offer()?.text.clone(),
        Component::Buttons => {
            let button = template.buttons().get(diagnostic.button?)?;
            button_text(button, diagnostic.field.as_deref())
        }
        Component::Carousel => {
            let card = template.cards().get(diagnostic.card?)?;
            match (diagnostic.button, diagnostic.field.as_deref()) {
                (Some(index), field) => button_text(card.buttons().get(index)?, field),
                (None, Some("body")) => card.body_text().to_owned(),
                (None, Some("header")) => card.header_text()?.to_owned(),
                _ => return None,
            }
        }
        Component::Category | Component::Language | Component::Template => return None,
    })
}

struct Contact(String);

impl ContactFields for Contact {
    fn standard(&self, _field: ContactField) -> Option<&str> {
        Some(&self.0)
    }

    fn custom(&self, _name: &str) -> Option<&str> {
        Some(&self.0)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn validation_never_panics_and_spans_stay_inside_their_text(
        texts in [tricky_text(), tricky_text(), tricky_text(), tricky_text(), tricky_text()],
        utility in any::<bool>(),
    ) {
        let template = template_from(texts, utility);
        for diagnostic in validate(&template) {
            let Some(span) = diagnostic.span() else { continue };
            prop_assert!(span.start <= span.end, "{diagnostic:?}");
            if let Some(text) = pointed_text(&template, &diagnostic) {
                prop_assert!(span.end <= text.chars().count(), "{diagnostic:?} in {text:?}");
            }
        }
        let _ = preview_with_samples(&template);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(template) = parse_template(&bytes) {
            let _ = validate(&template);
            let _ = preview_with_samples(&template);
        }
    }

    #[test]
    fn contact_values_are_shown_literally_and_sent_clean(
        value in tricky_text(),
        body in "[A-Za-z ]{3,20}\\{\\{1\\}\\}[A-Za-z ]{3,20}",
    ) {
        let mut template = template_from(
            [String::new(), body, String::new(), "Ok".to_owned(), "https://example.com".to_owned()],
            false,
        );
        template.components.retain(|c| matches!(c, TemplateComponent::Body(_)));
        template.herald.mapping.body.insert("1".to_owned(), MappingSource::Field(ContactField::FirstName));
        let contact = Contact(value.clone());

        let preview = preview_for_contact(&template, &contact);
        let shown = preview.body.iter().find(|segment| segment.variable.is_some());
        if !value.trim().is_empty() {
            prop_assert_eq!(shown.map(|segment| segment.text.as_str()), Some(value.as_str()));
        }

        match render_for_contact(&template, &contact) {
            Ok(message) => {
                let sent = message.meta_components[0]["parameters"][0]["text"].as_str().unwrap_or_default().to_owned();
                prop_assert!(!sent.contains(['\n', '\t', '\r']));
                prop_assert!(!sent.contains("     "));
                prop_assert_eq!(&sent, &make_sendable(&value));
            }
            Err(_) => prop_assert!(make_sendable(&value).trim().is_empty()),
        }
    }

    #[test]
    fn make_sendable_is_idempotent(value in tricky_text()) {
        let once = make_sendable(&value);
        prop_assert_eq!(make_sendable(&once), once);
    }
}
