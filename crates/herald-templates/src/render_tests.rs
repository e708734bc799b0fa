//! Send rendering for one contact: Meta components, Kaleyra parameters, errors naming the field.

use std::collections::BTreeMap;

use serde_json::json;

use crate::{
    ContactField, ContactFields, MappingSource, RenderError, make_sendable, parse_template,
    percent_encode, render_for_contact,
};

struct Contact {
    first_name: Option<&'static str>,
    custom: BTreeMap<&'static str, &'static str>,
}

impl ContactFields for Contact {
    fn standard(&self, field: ContactField) -> Option<&str> {
        match field {
            ContactField::FirstName => self.first_name,
            _ => None,
        }
    }

    fn custom(&self, name: &str) -> Option<&str> {
        self.custom.get(name).copied()
    }
}

fn ann() -> Contact {
    Contact {
        first_name: Some("Ann\nMarie"),
        custom: BTreeMap::from([("order", "A 1/é")]),
    }
}

fn order_template() -> crate::Template {
    parse_template(
        json!({
            "name": "order", "language": "en", "category": "UTILITY",
            "components": [
                {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["A-1"]}},
                {"type": "BODY", "text": "Hello {{1}}, your order {{2}} has shipped.", "example": {"body_text": [["Ann", "A-1"]]}},
                {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Track", "url": "https://shop.example.com/t?o={{1}}", "example": ["https://shop.example.com/t?o=A-1"]}]}
            ],
            "herald": {"mapping": {
                "header": {"1": {"custom_field": "order"}},
                "body": {"1": {"field": "first_name"}, "2": {"custom_field": "order"}},
                "buttons": {"0": {"custom_field": "order"}}
            }}
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap()
}

#[test]
fn positional_components_for_meta_and_params_for_kaleyra() {
    let message = render_for_contact(&order_template(), &ann()).unwrap();
    assert_eq!(
        message.meta_components,
        vec![
            json!({"type": "header", "parameters": [{"type": "text", "text": "A 1/é"}]}),
            json!({"type": "body", "parameters": [{"type": "text", "text": "Ann Marie"}, {"type": "text", "text": "A 1/é"}]}),
            json!({"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "A%201%2F%C3%A9"}]}),
        ]
    );
    assert_eq!(message.kaleyra_params, ["Ann Marie", "A 1/é"]);
    assert_eq!(
        message.body_text,
        "Hello Ann Marie, your order A 1/é has shipped."
    );
}

#[test]
fn named_parameters_carry_their_names() {
    let template = parse_template(
        json!({
            "name": "n", "language": "en", "category": "MARKETING", "parameter_format": "named",
            "components": [{"type": "BODY", "text": "Hello {{first_name}}, welcome to the shop."}],
            "herald": {"mapping": {"body": {"first_name": {"text": "friend"}}}}
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap();
    let message = render_for_contact(&template, &ann()).unwrap();
    assert_eq!(
        message.meta_components,
        vec![
            json!({"type": "body", "parameters": [{"type": "text", "parameter_name": "first_name", "text": "friend"}]})
        ]
    );
}

#[test]
fn an_empty_value_names_the_variable_and_the_field() {
    let contact = Contact {
        first_name: Some("  "),
        custom: BTreeMap::from([("order", "A")]),
    };
    assert_eq!(
        render_for_contact(&order_template(), &contact),
        Err(RenderError::EmptyValue {
            variable: "{{1}}".into(),
            field: "First name".into()
        })
    );
}

#[test]
fn an_unmapped_variable_is_an_error() {
    let mut template = order_template();
    template.herald.mapping.body.remove("2");
    assert_eq!(
        render_for_contact(&template, &ann()),
        Err(RenderError::Unmapped {
            variable: "{{2}}".into()
        })
    );
    template
        .herald
        .mapping
        .body
        .insert("2".into(), MappingSource::Text("fixed".into()));
    assert!(render_for_contact(&template, &ann()).is_ok());
}

#[test]
fn sendable_values() {
    assert_eq!(make_sendable("a\tb\r\nc"), "a b  c");
    assert_eq!(make_sendable("a    b"), "a    b");
    assert_eq!(make_sendable("a     b"), "a b");
    assert_eq!(percent_encode("a b:c|d"), "a%20b%3Ac%7Cd");
}

#[test]
fn files_round_trip_without_losing_keys() {
    let text = json!({
        "name": "order", "language": "en", "category": "UTILITY", "id": "123", "status": "APPROVED",
        "components": [{"type": "BODY", "text": "Hello there, your order has shipped."}],
        "herald": {"recontact": true, "available_to_agents": true,
                   "media": {"file_name": "a.png", "mime_type": "image/png", "size_bytes": 5}}
    });
    let template = parse_template(text.to_string().as_bytes()).unwrap();
    let written = serde_json::to_value(&template).unwrap();
    assert_eq!(written, text);
}

fn parse(file: &serde_json::Value) -> crate::Template {
    parse_template(file.to_string().as_bytes()).unwrap()
}

#[test]
fn carousel_cards_carry_their_media_body_and_button_parameters() {
    let card = |fruit: &str| {
        json!({"components": [
            {"type": "HEADER", "format": "IMAGE"},
            {"type": "BODY", "text": format!("Fresh {fruit}: use code {{{{1}}}} today.")},
            {"type": "BUTTONS", "buttons": [
                {"type": "QUICK_REPLY", "text": "More"},
                {"type": "URL", "text": "Buy", "url": "https://shop.example.com/p/{{1}}"}
            ]}
        ]})
    };
    let template = parse(&json!({
        "name": "summer", "language": "en", "category": "MARKETING",
        "components": [
            {"type": "BODY", "text": "Hello {{1}}, our picks of the week."},
            {"type": "CAROUSEL", "cards": [card("lemons"), card("limes")]}
        ],
        "herald": {
            "mapping": {
                "body": {"1": {"field": "first_name"}},
                "cards": [
                    {"body": {"1": {"text": "LEMON"}}, "buttons": {"1": {"text": "lemons"}}},
                    {"body": {"1": {"custom_field": "order"}}, "buttons": {"1": {"text": "limes"}}}
                ]
            },
            "card_media": [
                {"file_name": "l.png", "mime_type": "image/png", "size_bytes": 1, "link": "https://cdn.example.com/l.png"},
                {"file_name": "m.png", "mime_type": "image/png", "size_bytes": 1, "link": "https://cdn.example.com/m.png"}
            ]
        }
    }));
    let message = render_for_contact(&template, &ann()).unwrap();
    assert_eq!(
        message.meta_components[1],
        json!({"type": "carousel", "cards": [
            {"card_index": 0, "components": [
                {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://cdn.example.com/l.png"}}]},
                {"type": "body", "parameters": [{"type": "text", "text": "LEMON"}]},
                {"type": "button", "sub_type": "url", "index": "1", "parameters": [{"type": "text", "text": "lemons"}]}
            ]},
            {"card_index": 1, "components": [
                {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://cdn.example.com/m.png"}}]},
                {"type": "body", "parameters": [{"type": "text", "text": "A 1/é"}]},
                {"type": "button", "sub_type": "url", "index": "1", "parameters": [{"type": "text", "text": "limes"}]}
            ]}
        ]})
    );
    let mut without_link = template;
    without_link.herald.card_media[1] = None;
    assert_eq!(
        render_for_contact(&without_link, &ann()),
        Err(RenderError::MissingSetting {
            what: "card 2 media link".into()
        })
    );
}

#[test]
fn a_limited_time_offer_sends_its_expiry_and_coupon() {
    let template = parse(&json!({
        "name": "offer", "language": "en_US", "category": "marketing",
        "components": [
            {"type": "limited_time_offer", "limited_time_offer": {"text": "Expiring offer!", "has_expiration": true}},
            {"type": "body", "text": "Good news, {{1}}! Use your code today."},
            {"type": "buttons", "buttons": [
                {"type": "copy_code", "example": "CARIBE25"},
                {"type": "url", "text": "Book now!", "url": "https://example.com/offers?code={{1}}"}
            ]}
        ],
        "herald": {"mapping": {
            "body": {"1": {"field": "first_name"}},
            "buttons": {"0": {"text": "CARIBE25"}, "1": {"text": "n3mtql"}},
            "offer_expiration": {"text": "2026-12-31T18:00"}
        }}
    }));
    let message = render_for_contact(&template, &ann()).unwrap();
    assert_eq!(
        message.meta_components,
        vec![
            json!({"type": "limited_time_offer", "parameters": [{"type": "limited_time_offer", "limited_time_offer": {"expiration_time_ms": 1_798_740_000_000_i64}}]}),
            json!({"type": "body", "parameters": [{"type": "text", "text": "Ann Marie"}]}),
            json!({"type": "button", "sub_type": "copy_code", "index": "0", "parameters": [{"type": "coupon_code", "coupon_code": "CARIBE25"}]}),
            json!({"type": "button", "sub_type": "url", "index": "1", "parameters": [{"type": "text", "text": "n3mtql"}]}),
        ]
    );
    let mut bad_date = template.clone();
    bad_date.herald.mapping.offer_expiration = Some(MappingSource::Text("soon".into()));
    assert!(matches!(
        render_for_contact(&bad_date, &ann()),
        Err(RenderError::InvalidValue { variable, .. }) if variable == "offer expiry"
    ));
    let mut bad_code = template;
    bad_code
        .herald
        .mapping
        .buttons
        .insert(0, MappingSource::Text("SAVE 25%".into()));
    assert!(matches!(
        render_for_contact(&bad_code, &ann()),
        Err(RenderError::InvalidValue { variable, .. }) if variable == "coupon code"
    ));
}

#[test]
fn expiry_dates_are_read_as_utc() {
    assert_eq!(crate::parse_expiration("0"), Some(0));
    assert_eq!(crate::parse_expiration("1970-01-02"), Some(86_400_000));
    assert_eq!(
        crate::parse_expiration("2000-03-01T00:00:00Z"),
        Some(951_868_800_000)
    );
    assert_eq!(
        crate::parse_expiration("2026-02-30"),
        Some(1_772_409_600_000),
        "days are not checked against the month"
    );
    assert_eq!(crate::parse_expiration("2026-13-01"), None);
    assert_eq!(crate::parse_expiration("tomorrow"), None);
}

#[test]
fn authentication_sends_the_code_in_the_body_and_the_button() {
    for button in [
        json!({"type": "OTP", "otp_type": "COPY_CODE"}),
        json!({"type": "URL", "text": "Copy code", "url": "https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp{{1}}"}),
    ] {
        let template = parse(&json!({
            "name": "login_code", "language": "en_US", "category": "AUTHENTICATION",
            "components": [
                {"type": "BODY", "add_security_recommendation": true},
                {"type": "BUTTONS", "buttons": [button]}
            ],
            "herald": {"mapping": {"body": {"1": {"custom_field": "code"}}}}
        }));
        let contact = Contact {
            first_name: None,
            custom: BTreeMap::from([("code", "482913")]),
        };
        let message = render_for_contact(&template, &contact).unwrap();
        assert_eq!(
            message.meta_components,
            vec![
                json!({"type": "body", "parameters": [{"type": "text", "text": "482913"}]}),
                json!({"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "482913"}]}),
            ]
        );
        assert_eq!(message.body_text, "482913 is your verification code.");
        let long = Contact {
            first_name: None,
            custom: BTreeMap::from([("code", "1234567890123456")]),
        };
        assert!(matches!(
            render_for_contact(&template, &long),
            Err(RenderError::InvalidValue { .. })
        ));
    }
}

#[test]
fn location_headers_and_product_buttons_send_their_settings() {
    let template = parse(&json!({
        "name": "where", "language": "en", "category": "UTILITY",
        "components": [
            {"type": "HEADER", "format": "LOCATION"},
            {"type": "BODY", "text": "Your order is on the way to you."}
        ],
        "herald": {"location": {"latitude": "37.5", "longitude": "-122.25", "name": "Depot", "address": "1 Hacker Way"}}
    }));
    let message = render_for_contact(&template, &ann()).unwrap();
    assert_eq!(
        message.meta_components,
        vec![
            json!({"type": "header", "parameters": [{"type": "location", "location": {
            "latitude": "37.5", "longitude": "-122.25", "name": "Depot", "address": "1 Hacker Way"}}]})
        ]
    );
    let mut no_place = template;
    no_place.herald.location = None;
    assert!(matches!(
        render_for_contact(&no_place, &ann()),
        Err(RenderError::MissingSetting { .. })
    ));

    let multi = parse(&json!({
        "name": "cart", "language": "en", "category": "MARKETING",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Forget something?"},
            {"type": "BODY", "text": "Looks like you left these items in your cart."},
            {"type": "BUTTONS", "buttons": [{"type": "MPM", "text": "View items"}]}
        ],
        "herald": {"products": {"thumbnail_product_retailer_id": "sku1", "sections": [
            {"title": "Popular", "product_retailer_ids": ["sku1", "sku2"]}
        ]}}
    }));
    assert_eq!(
        render_for_contact(&multi, &ann()).unwrap().meta_components,
        vec![
            json!({"type": "button", "sub_type": "mpm", "index": "0", "parameters": [{"type": "action", "action": {
                "thumbnail_product_retailer_id": "sku1",
                "sections": [{"title": "Popular", "product_items": [{"product_retailer_id": "sku1"}, {"product_retailer_id": "sku2"}]}]
            }}]})
        ]
    );
}

#[test]
fn product_templates_are_not_sent_yet() {
    let template = parse(&json!({
        "name": "spm", "language": "en_US", "category": "MARKETING",
        "components": [
            {"type": "header", "format": "product"},
            {"type": "body", "text": "Hi there, check this product out today."},
            {"type": "buttons", "buttons": [{"type": "spm", "text": "View"}]}
        ]
    }));
    let gaps: Vec<String> = crate::sending_gaps(&template)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        gaps,
        [
            "product header cannot be chosen in Herald yet: product templates are kept and shown, not sent"
        ]
    );
}

#[test]
fn sending_gaps_name_what_a_campaign_lacks() {
    let mut template = order_template();
    assert!(crate::sending_gaps(&template).is_empty());
    template
        .herald
        .mapping
        .body
        .insert("2".into(), MappingSource::CustomField(" ".into()));
    template.herald.mapping.header.remove("1");
    let gaps: Vec<String> = crate::sending_gaps(&template)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        gaps,
        [
            "header {{1}} is not mapped to a customer field",
            "{{2}} is mapped to a custom field with no name",
        ]
    );
}
