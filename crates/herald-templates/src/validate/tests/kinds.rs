//! The template kinds beyond header, body, footer and buttons: carousels, limited-time offers,
//! coupon codes, authentication, Flow, catalog and multi-product templates, location headers,
//! voice-call buttons and call permission requests, each at its limits.

use serde_json::{Value, json};

use super::{codes, errors, find, template};
use crate::Components;
use crate::diagnostic::{Component, Severity};
use crate::validate;

fn card(body: Option<&str>, buttons: Value) -> Value {
    let mut components = vec![
        json!({"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1n"]}}),
    ];
    if let Some(text) = body {
        components.push(json!({"type": "BODY", "text": text}));
    }
    if buttons.as_array().is_some_and(|list| !list.is_empty()) {
        components.push(json!({"type": "BUTTONS", "buttons": buttons}));
    }
    json!({"components": components})
}

fn carousel(cards: Vec<Value>) -> crate::Template {
    template(json!({"components": [
        {"type": "BODY", "text": "Summer is here: our freshest picks of the week for you."},
        {"type": "CAROUSEL", "cards": cards}
    ]}))
}

fn shop_buttons() -> Value {
    json!([
        {"type": "QUICK_REPLY", "text": "More like this"},
        {"type": "URL", "text": "Buy now", "url": "https://shop.example.com/p/{{1}}", "example": ["https://shop.example.com/p/lemons"]}
    ])
}

#[test]
fn a_carousel_holds_two_to_ten_alike_cards() {
    let cards = |count: usize| {
        (0..count)
            .map(|n| {
                card(
                    Some(&format!("Fresh fruit number {n} for your table.")),
                    shop_buttons(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert!(
        codes(&carousel(cards(2))).is_empty(),
        "{:?}",
        codes(&carousel(cards(2)))
    );
    assert!(codes(&carousel(cards(10))).is_empty());
    assert_eq!(codes(&carousel(cards(1))), ["carousel_cards_count"]);
    assert_eq!(codes(&carousel(cards(11))), ["carousel_cards_count"]);
}

#[test]
fn every_card_has_the_same_components() {
    let differing = carousel(vec![
        card(Some("Fresh lemons for your table."), shop_buttons()),
        card(None, shop_buttons()),
        card(
            Some("Fresh limes for your table."),
            json!([{"type": "QUICK_REPLY", "text": "More"}]),
        ),
    ]);
    let diagnostics = validate(&differing);
    let cards: Vec<Option<usize>> = diagnostics
        .iter()
        .filter(|d| d.code == "carousel_cards_differ")
        .map(|d| d.card)
        .collect();
    assert_eq!(cards, [Some(1), Some(2)]);
}

#[test]
fn a_card_has_a_media_header_a_short_body_and_two_buttons_at_most() {
    let body_at_limit = format!("{}.", "a".repeat(159));
    assert!(
        codes(&carousel(vec![
            card(Some(&body_at_limit), json!([])),
            card(Some(&body_at_limit), json!([]))
        ]))
        .is_empty()
    );
    let over = format!("{}.", "é".repeat(160));
    let diagnostics = validate(&carousel(vec![
        card(Some(&over), json!([])),
        card(Some(&over), json!([])),
    ]));
    let found = find(&diagnostics, "body_too_long");
    assert_eq!(
        (
            found.component,
            found.card,
            found.field.as_deref(),
            found.span()
        ),
        (Component::Carousel, Some(0), Some("body"), Some(160..161))
    );
    let three = json!([
        {"type": "QUICK_REPLY", "text": "One"},
        {"type": "QUICK_REPLY", "text": "Two"},
        {"type": "QUICK_REPLY", "text": "Three"}
    ]);
    let diagnostics = validate(&carousel(vec![
        card(None, three.clone()),
        card(None, three),
    ]));
    let found = find(&diagnostics, "buttons_too_many");
    assert_eq!((found.card, found.button), (Some(0), Some(2)));
    let text_header = template(json!({"components": [
        {"type": "BODY", "text": "Summer is here: our freshest picks of the week for you."},
        {"type": "CAROUSEL", "cards": [
            {"components": [{"type": "HEADER", "format": "TEXT", "text": "Lemons"}]},
            {"components": [{"type": "HEADER", "format": "TEXT", "text": "Limes"}]}
        ]}
    ]}));
    assert_eq!(
        find(&validate(&text_header), "carousel_card_header").card,
        Some(0)
    );
    let coupon = json!([{"type": "COPY_CODE", "example": "SAVE"}]);
    assert_eq!(
        find(
            &validate(&carousel(vec![
                card(None, coupon.clone()),
                card(None, coupon)
            ])),
            "button_type_not_allowed"
        )
        .card,
        Some(0)
    );
}

#[test]
fn carousels_are_marketing_only_and_have_no_header_footer_or_buttons_of_their_own() {
    let cards = vec![card(None, json!([])), card(None, json!([]))];
    let mut utility = carousel(cards.clone());
    utility.category = crate::Category::Utility;
    assert_eq!(codes(&utility), ["component_not_allowed"]);
    let with_footer = template(json!({"components": [
        {"type": "BODY", "text": "Summer is here: our freshest picks of the week for you."},
        {"type": "FOOTER", "text": "Reply STOP to opt out"},
        {"type": "CAROUSEL", "cards": cards}
    ]}));
    assert_eq!(
        find(&validate(&with_footer), "component_not_allowed").component,
        Component::Footer
    );
}

#[test]
fn card_variables_follow_the_body_rules_with_their_own_samples() {
    let with_vars = card(
        Some("Use code {{1}} to get {{2}} off all fruit."),
        json!([]),
    );
    let mut cards = vec![with_vars.clone(), with_vars];
    cards[0]["components"][1]["example"] = json!({"body_text": [["LEMON", "15%"]]});
    let diagnostics = validate(&carousel(cards));
    let missing: Vec<Option<usize>> = diagnostics
        .iter()
        .filter(|d| d.code == "example_missing")
        .map(|d| d.card)
        .collect();
    assert_eq!(missing, [Some(1), Some(1)]);
}

fn offer(title: &str, has_expiration: bool, buttons: Value) -> crate::Template {
    template(json!({"category": "marketing", "components": [
        {"type": "header", "format": "image", "example": {"header_handle": ["4::aW1n"]}},
        {"type": "limited_time_offer", "limited_time_offer": {"text": title, "has_expiration": has_expiration}},
        {"type": "body", "text": "Good news for you, {{1}}! Use code {{2}} to get 25% off all packages!", "example": {"body_text": [["Pablo", "CARIBE25"]]}},
        {"type": "buttons", "buttons": buttons}
    ]}))
}

fn offer_buttons() -> Value {
    json!([
        {"type": "copy_code", "example": "CARIBE25"},
        {"type": "url", "text": "Book now!", "url": "https://example.com/offers?code={{1}}", "example": ["https://example.com/offers?ref=n3mtql"]}
    ])
}

#[test]
fn a_limited_time_offer_as_meta_documents_it() {
    assert!(
        codes(&offer("Expiring offer!", true, offer_buttons())).is_empty(),
        "{:?}",
        codes(&offer("Expiring offer!", true, offer_buttons()))
    );
    assert!(codes(&offer(&"é".repeat(16), true, offer_buttons())).is_empty());
    let long = validate(&offer(&"é".repeat(17), true, offer_buttons()));
    assert_eq!(find(&long, "offer_text_invalid").span(), Some(16..17));
    assert_eq!(
        codes(&offer(" ", true, offer_buttons())),
        ["offer_text_invalid"]
    );
    let url_only = json!([offer_buttons()[1].clone()]);
    assert_eq!(
        codes(&offer("Expiring offer!", true, url_only.clone())),
        ["component_missing"]
    );
    assert!(codes(&offer("Expiring offer!", false, url_only)).is_empty());
    let code_only = json!([offer_buttons()[0].clone()]);
    assert_eq!(
        codes(&offer("Expiring offer!", true, code_only)),
        ["component_missing"]
    );
}

#[test]
fn a_limited_time_offer_has_no_footer_a_media_header_and_a_600_character_body() {
    let mut with_footer = offer("Expiring offer!", true, offer_buttons());
    with_footer.set_footer_text("Terms apply".into());
    assert_eq!(codes(&with_footer), ["component_not_allowed"]);
    let mut long = offer("Expiring offer!", true, offer_buttons());
    long.set_body_text(format!(
        "Good news for you, {{{{1}}}}! Use code {{{{2}}}} today. {}",
        "x".repeat(600)
    ));
    assert!(codes(&long).contains(&"body_too_long".to_owned()));
    let mut utility = offer("Expiring offer!", true, offer_buttons());
    utility.category = crate::Category::Utility;
    assert!(errors(&utility).contains(&"component_not_allowed".to_owned()));
}

fn authentication(button: Value, footer: Value) -> crate::Template {
    template(json!({"category": "AUTHENTICATION", "components": [
        {"type": "BODY", "add_security_recommendation": true},
        footer,
        {"type": "BUTTONS", "buttons": [button]}
    ]}))
}

#[test]
fn authentication_templates_as_created() {
    let copy_code = json!({"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy code"});
    let expiry = |minutes: i64| json!({"type": "FOOTER", "code_expiration_minutes": minutes});
    let created = authentication(copy_code.clone(), expiry(10));
    assert!(codes(&created).is_empty(), "{:?}", codes(&created));
    assert!(codes(&authentication(copy_code.clone(), expiry(1))).is_empty());
    assert!(codes(&authentication(copy_code.clone(), expiry(90))).is_empty());
    assert_eq!(
        codes(&authentication(copy_code.clone(), expiry(0))),
        ["code_expiration_invalid"]
    );
    assert_eq!(
        codes(&authentication(copy_code, expiry(91))),
        ["code_expiration_invalid"]
    );
    let app = json!([{"package_name": "com.example.shop", "signature_hash": "K8a/AINcGX7"}]);
    let one_tap = json!({"type": "otp", "otp_type": "one_tap", "text": "Copy", "autofill_text": "Autofill", "supported_apps": app});
    assert!(codes(&authentication(one_tap, expiry(5))).is_empty());
    let one_tap_without_app = json!({"type": "OTP", "otp_type": "ONE_TAP"});
    assert_eq!(
        codes(&authentication(one_tap_without_app, expiry(5))),
        ["otp_button_invalid"]
    );
    let zero_tap = json!({"type": "OTP", "otp_type": "ZERO_TAP", "supported_apps": app, "zero_tap_terms_accepted": true});
    assert!(codes(&authentication(zero_tap, expiry(5))).is_empty());
    let zero_tap_no_terms = json!({"type": "OTP", "otp_type": "ZERO_TAP", "supported_apps": app});
    assert_eq!(
        codes(&authentication(zero_tap_no_terms, expiry(5))),
        ["otp_button_invalid"]
    );
    assert_eq!(
        codes(&authentication(
            json!({"type": "QUICK_REPLY", "text": "Yes"}),
            expiry(5)
        )),
        ["otp_button_invalid", "button_type_not_allowed"]
    );
}

#[test]
fn authentication_templates_as_meta_lists_them() {
    let listed = template(json!({"category": "AUTHENTICATION", "components": [
        {"type": "BODY", "text": "*{{1}}* is your verification code. For your security, do not share this code.", "add_security_recommendation": true, "example": {"body_text": [["123456"]]}},
        {"type": "FOOTER", "text": "This code expires in 10 minutes.", "code_expiration_minutes": 10},
        {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Copy code", "url": "https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp{{1}}", "example": ["https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp123456"]}]}
    ]}));
    assert!(codes(&listed).is_empty(), "{:?}", codes(&listed));
    assert_eq!(
        listed.buttons()[0].otp_kind(),
        Some(crate::OtpType::CopyCode)
    );
    let with_header = template(json!({"category": "AUTHENTICATION", "components": [
        {"type": "HEADER", "format": "TEXT", "text": "Your code"},
        {"type": "BODY", "add_security_recommendation": true},
        {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE"}]}
    ]}));
    assert_eq!(codes(&with_header), ["component_not_allowed"]);
    let own_text = template(json!({"category": "AUTHENTICATION", "components": [
        {"type": "BODY", "text": "Your code is {{1}}, do not share it."},
        {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE"}]}
    ]}));
    assert_eq!(
        find(&validate(&own_text), "authentication_body_fixed").severity,
        Severity::Warning
    );
}

#[test]
fn catalog_and_multi_product_templates_have_one_button() {
    let catalog = template(json!({"components": [
        {"type": "BODY", "text": "Now shop for your favourite products right here on WhatsApp!"},
        {"type": "BUTTONS", "buttons": [{"type": "CATALOG", "text": "View catalog"}]}
    ]}));
    assert!(codes(&catalog).is_empty(), "{:?}", codes(&catalog));
    let two = template(json!({"components": [
        {"type": "BODY", "text": "Now shop for your favourite products right here on WhatsApp!"},
        {"type": "BUTTONS", "buttons": [{"type": "CATALOG", "text": "View catalog"}, {"type": "QUICK_REPLY", "text": "Stop"}]}
    ]}));
    assert!(codes(&two).contains(&"buttons_too_many".to_owned()));
    let multi = |header: Value| {
        let mut components = vec![
            json!({"type": "BODY", "text": "Looks like you left these items in your cart, still interested?"}),
            json!({"type": "BUTTONS", "buttons": [{"type": "MPM", "text": "View items"}]}),
        ];
        if !header.is_null() {
            components.insert(0, header);
        }
        template(json!({ "components": components }))
    };
    assert!(
        codes(&multi(
            json!({"type": "HEADER", "format": "TEXT", "text": "Forget something?"})
        ))
        .is_empty()
    );
    assert_eq!(codes(&multi(Value::Null)), ["component_missing"]);
}

#[test]
fn location_and_gif_headers_voice_calls_and_call_permission_requests() {
    let location = template(json!({"category": "UTILITY", "components": [
        {"type": "HEADER", "format": "LOCATION"},
        {"type": "BODY", "text": "Your order is on the way, see where it is."}
    ]}));
    assert!(codes(&location).is_empty(), "{:?}", codes(&location));
    let voice = template(json!({"components": [
        {"type": "BODY", "text": "Talk to our team about the new plans today."},
        {"type": "BUTTONS", "buttons": [{"type": "VOICE_CALL", "text": "Call now"}, {"type": "URL", "text": "Plans", "url": "https://example.com/plans"}]}
    ]}));
    assert!(codes(&voice).is_empty(), "{:?}", codes(&voice));
    let voice_and_phone = template(json!({"components": [
        {"type": "BODY", "text": "Talk to our team about the new plans today."},
        {"type": "BUTTONS", "buttons": [{"type": "VOICE_CALL", "text": "Call now"}, {"type": "PHONE_NUMBER", "text": "Phone us", "phone_number": "15550051310"}]}
    ]}));
    assert_eq!(codes(&voice_and_phone), ["cta_too_many"]);
    let ask = template(json!({"components": [
        {"type": "BODY", "text": "Can we give you a quick call about your plan?"},
        {"type": "call_permission_request"}
    ]}));
    assert!(codes(&ask).is_empty(), "{:?}", codes(&ask));
    let gif = template(json!({"components": [
        {"type": "HEADER", "format": "GIF"},
        {"type": "BODY", "text": "Our summer sale starts today, come and see."}
    ], "herald": {"media": {"file_name": "sale.mp4", "mime_type": "video/mp4", "size_bytes": 1000}}}));
    assert!(codes(&gif).is_empty(), "{:?}", codes(&gif));
}
