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
