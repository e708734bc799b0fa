//! Table-driven tests: one or more cases per code, limits at N and N+1, Unicode counting.

// The helpers take `json!` values by value so that the cases read as literals.
#![allow(clippy::needless_pass_by_value)]

use serde_json::json;

use super::*;
use crate::diagnostic::Severity;
use crate::parse_template;

mod kinds;

/// A valid positional marketing template whose parts the cases override.
fn template(overrides: serde_json::Value) -> Template {
    let mut base = json!({
        "name": "order_update",
        "language": "en_US",
        "category": "MARKETING",
        "components": [
            {"type": "BODY", "text": "Hello {{1}}, your order {{2}} has shipped today.",
             "example": {"body_text": [["Ann", "A-1"]]}}
        ]
    });
    if let (Some(base_map), Some(extra)) = (base.as_object_mut(), overrides.as_object()) {
        for (key, value) in extra {
            base_map.insert(key.clone(), value.clone());
        }
    }
    parse_template(base.to_string().as_bytes()).unwrap()
}

fn body(text: &str, samples: &[&str]) -> serde_json::Value {
    json!({"components": [{"type": "BODY", "text": text, "example": {"body_text": [samples]}}]})
}

fn with_components(components: serde_json::Value) -> Template {
    template(json!({ "components": components }))
}

fn codes(template: &Template) -> Vec<String> {
    validate(template)
        .into_iter()
        .map(|d| d.code.as_str().to_owned())
        .collect()
}

fn errors(template: &Template) -> Vec<String> {
    validate(template)
        .into_iter()
        .filter(Diagnostic::is_error)
        .map(|d| d.code.as_str().to_owned())
        .collect()
}

fn find<'a>(diagnostics: &'a [Diagnostic], code: &str) -> &'a Diagnostic {
    diagnostics
        .iter()
        .find(|d| d.code == code)
        .unwrap_or_else(|| panic!("no {code} in {diagnostics:#?}"))
}

#[track_caller]
fn check_span(template: &Template, code: &str, span: std::ops::Range<usize>) {
    let diagnostics = validate(template);
    assert_eq!(
        find(&diagnostics, code).span(),
        Some(span),
        "{diagnostics:#?}"
    );
}

#[test]
fn the_base_template_is_valid() {
    assert_eq!(codes(&template(json!({}))), Vec::<String>::new());
}

#[test]
fn name_rules() {
    assert!(codes(&template(json!({"name": "a".repeat(512)}))).is_empty());
    check_span(
        &template(json!({"name": "a".repeat(513)})),
        "name_invalid",
        512..513,
    );
    check_span(
        &template(json!({"name": "Order Update"})),
        "name_invalid",
        0..1,
    );
    check_span(
        &template(json!({"name": "order-update"})),
        "name_invalid",
        5..6,
    );
    check_span(&template(json!({"name": ""})), "name_invalid", 0..0);
}

#[test]
fn category_and_language() {
    assert!(codes(&template(json!({"category": "UTILITY"}))).is_empty());
    assert!(
        codes(&template(json!({"category": "utility"}))).is_empty(),
        "Meta's own examples write the category in lower case"
    );
    assert_eq!(
        template(json!({"category": "utility"})).category,
        Category::Utility
    );
    assert_eq!(
        codes(&template(json!({"category": "PROMOTION"}))),
        ["category_invalid"]
    );
    assert_eq!(
        codes(&template(json!({"category": ""}))),
        ["category_invalid"]
    );
    assert_eq!(
        codes(&template(json!({"language": "xx_YY"}))),
        ["language_unsupported"]
    );
    assert_eq!(
        codes(&template(json!({"language": "pt_BR"}))),
        Vec::<String>::new()
    );
}

#[test]
fn body_length_counts_characters_not_bytes() {
    let filler = "é".repeat(1024 - "Hello {{1}}, your order is ready.".chars().count());
    let at_limit = format!("Hello {{{{1}}}}, your order is ready.{filler}");
    assert_eq!(at_limit.chars().count(), 1024);
    assert!(codes(&template(body(&at_limit, &["Ann"]))).is_empty());
    let over = format!("{at_limit}é");
    check_span(
        &template(body(&over, &["Ann"])),
        "body_too_long",
        1024..1025,
    );
}

#[test]
fn body_empty() {
    assert_eq!(codes(&template(body("  \n ", &[]))), ["body_empty"]);
    assert_eq!(codes(&with_components(json!([]))), ["body_empty"]);
}

#[test]
fn html_is_not_plain_text() {
    check_span(
        &template(body("Hello <b>friend</b>, welcome to our shop.", &[])),
        "body_not_plain_text",
        6..9,
    );
    assert!(
        codes(&template(body(
            "Prices 3 < 5 and 7 > 2 are math, not tags.",
            &[]
        )))
        .is_empty()
    );
}

#[test]
fn malformed_variables() {
    let t = template(body("Hello {{ 1 }}, your order is ready.", &[]));
    check_span(&t, "variable_malformed", 6..13);
    let t = template(body("Hello {{1}, your order is ready.", &[]));
    check_span(&t, "variable_malformed", 6..8);
}

#[test]
fn variables_must_be_sequential() {
    let t = template(body(
        "Hello {{1}}, your order {{3}} has shipped today.",
        &["Ann", "A-1"],
    ));
    check_span(&t, "variables_not_sequential", 24..29);
    let t = template(body(
        "Hello {{2}}, your order {{3}} has shipped today.",
        &["Ann", "A-1"],
    ));
    check_span(&t, "variables_not_sequential", 6..11);
    let out_of_order = template(body(
        "Hello {{2}}, your order {{1}} has shipped today.",
        &["Ann", "A-1"],
    ));
    check_span(&out_of_order, "variables_out_of_order", 6..11);
    assert_eq!(
        find(&validate(&out_of_order), "variables_out_of_order").severity,
        Severity::Warning,
        "Meta accepts {{{{2}}}} before {{{{1}}}}; the seed does not"
    );
    assert!(errors(&out_of_order).is_empty());
    let repeated = template(body(
        "Hello {{1}}, your order {{2}} for {{1}} has shipped.",
        &["Ann", "A-1"],
    ));
    assert!(codes(&repeated).is_empty(), "{:?}", codes(&repeated));
}

#[test]
fn variable_alone_on_a_line() {
    let t = template(body(
        "Hello dear customer, here is your code:\n{{1}}\nThanks for shopping with us.",
        &["X"],
    ));
    check_span(&t, "variable_alone_on_line", 40..45);
    assert!(errors(&t).is_empty(), "a warning: Meta approves some");
}

#[test]
fn too_many_variables_is_a_ratio_over_the_whole_body_with_the_seed_message() {
    // 2 fixed words for 1 variable: refused (Meta's 2388293 at 2 words per variable).
    let t = template(body("Hello {{1}} there.", &["Ann"]));
    let diagnostics = validate(&t);
    let found = find(&diagnostics, "too_many_variables");
    assert_eq!(
        found.message,
        "This template has too many variable parameters for the message length. Please reduce them or extend the message length"
    );
    assert_eq!(found.span(), Some(0..18));
    // 3 fixed words for 1 variable: past the threshold.
    assert!(errors(&template(body("Hello {{1}} there friend.", &["Ann"]))).is_empty());
    // 4 words for 2 variables: refused; 5 for 2: accepted; a repeated variable counts once.
    assert_eq!(
        errors(&template(body(
            "Hi {{1}}, code {{2}} is here.",
            &["Ann", "X"]
        ))),
        ["too_many_variables"]
    );
    assert_eq!(
        errors(&template(body(
            "Hi {{1}}, your code {{2}} is here.",
            &["Ann", "X"]
        ))),
        Vec::<String>::new()
    );
    assert_eq!(
        errors(&template(body(
            "Hi {{1}}, your code {{2}} is here {{1}}.",
            &["Ann", "X"]
        ))),
        ["variable_at_edge"]
    );
}

#[test]
fn short_sentences_with_a_variable_are_the_seed_s_warning_not_meta_s_error() {
    // Published approvals: "Hola {{1}}. Usted recibe ..." and "You're booked, {{1}}!".
    let t = template(body(
        "Hola {{1}}. Usted recibe este mensaje porque su pedido fue enviado hoy.",
        &["Ana"],
    ));
    assert_eq!(codes(&t), ["variable_sentence_short"]);
    assert!(errors(&t).is_empty());
    let t = template(body(
        "Thanks for choosing us. You're booked, {{1}}! See you on the day.",
        &["Ann"],
    ));
    assert_eq!(codes(&t), ["variable_sentence_short"]);
    assert!(codes(&template(body("Dear friend Ann {{1}} welcome.", &["x"]))).is_empty());
}

#[test]
fn line_breaks_keep_one_sentence() {
    let t = template(body("Hi {{1}},\n\nyour order has shipped today.", &["Ann"]));
    assert!(codes(&t).is_empty(), "{:?}", codes(&t));
}

#[test]
fn chinese_and_japanese_templates_pass() {
    let t = template(json!({
        "language": "zh_CN",
        "components": [{"type": "BODY", "text": "您好{{1}}，您的订单已发货。", "example": {"body_text": [["张三"]]}}]
    }));
    assert!(codes(&t).is_empty(), "{:?}", codes(&t));
    let t = template(json!({
        "language": "ja",
        "components": [{"type": "BODY", "text": "こんにちは{{1}}さん、ご注文を発送しました。", "example": {"body_text": [["山田"]]}}]
    }));
    assert!(codes(&t).is_empty(), "{:?}", codes(&t));
}

#[test]
fn utility_question_marks_point_at_each_mark() {
    let t = template(json!({
        "category": "UTILITY",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Ready?"},
            {"type": "BODY", "text": "Your order has shipped, any questions？ Reply here.؟ ok",
             "example": {"body_text": [[]]}},
            {"type": "FOOTER", "text": "Why?"}
        ]
    }));
    let diagnostics: Vec<Diagnostic> = validate(&t)
        .into_iter()
        .filter(|d| d.code == "utility_question_mark")
        .collect();
    assert!(diagnostics.iter().all(|d| d.severity == Severity::Warning));
    let spans: Vec<_> = diagnostics
        .iter()
        .map(|d| (d.component, d.span()))
        .collect();
    assert_eq!(
        spans,
        vec![
            (Component::Header, Some(5..6)),
            (Component::Body, Some(37..38)),
            (Component::Body, Some(50..51)),
            (Component::Footer, Some(3..4)),
        ]
    );
    assert!(
        !codes(&template(json!({"category": "MARKETING"})))
            .contains(&"utility_question_mark".to_owned())
    );
}

fn header(text: &str, samples: &[&str]) -> Template {
    with_components(json!([
        {"type": "HEADER", "format": "TEXT", "text": text, "example": {"header_text": samples}},
        {"type": "BODY", "text": "Your order has shipped today."}
    ]))
}

#[test]
fn text_header_rules() {
    assert!(codes(&header(&"h".repeat(60), &[])).is_empty());
    assert!(
        codes(&header(&"é".repeat(60), &[])).is_empty(),
        "characters, not bytes"
    );
    check_span(
        &header(&"é".repeat(61), &[]),
        "header_text_too_long",
        60..61,
    );
    check_span(
        &header(&"h".repeat(61), &[]),
        "header_text_too_long",
        60..61,
    );
    check_span(
        &header("Sale {{1}} and {{2}}", &["a", "b"]),
        "header_too_many_variables",
        15..20,
    );
    check_span(&header("Big *sale*", &[]), "header_text_invalid", 4..5);
    check_span(&header("Big _sale_", &[]), "header_text_invalid", 4..5);
    check_span(&header("Big\nsale", &[]), "header_text_invalid", 3..4);
    check_span(&header("Big sale 🎉", &[]), "header_text_invalid", 9..10);
    assert_eq!(codes(&header("  ", &[])), ["header_text_invalid"]);
    let named = template(json!({"parameter_format": "named", "components": [
        {"type": "HEADER", "format": "TEXT", "text": "Sale for {{first_name}}",
         "example": {"header_text_named_params": [{"param_name": "first_name", "example": "Ann"}]}},
        {"type": "BODY", "text": "Your order has shipped today."}
    ]}));
    assert!(
        codes(&named).is_empty(),
        "the _ of a named variable is no formatting: {:?}",
        codes(&named)
    );
    assert!(codes(&header("Sale for {{1}}", &["Ann"])).is_empty());
    check_span(&header("Sale for {{1}}", &[]), "example_missing", 9..14);
}

fn media(format: &str, file_name: &str, mime_type: &str, size_bytes: u64) -> Template {
    template(json!({
        "components": [
            {"type": "HEADER", "format": format},
            {"type": "BODY", "text": "Your order has shipped today."}
        ],
        "herald": {"media": {"file_name": file_name, "mime_type": mime_type, "size_bytes": size_bytes}}
    }))
}

#[test]
fn media_header_type_and_size() {
    let five_mb = 5 * 1024 * 1024;
    assert!(codes(&media("IMAGE", "a.JPG", "image/jpeg", five_mb)).is_empty());
    assert_eq!(
        codes(&media("IMAGE", "a.png", "image/png", five_mb + 1)),
        ["header_media_too_large"]
    );
    assert_eq!(
        codes(&media("IMAGE", "a.gif", "image/gif", 10)),
        ["header_media_type"]
    );
    let sixteen_mb = 16 * 1024 * 1024;
    assert!(codes(&media("VIDEO", "a.mp4", "video/mp4", sixteen_mb)).is_empty());
    assert!(codes(&media("VIDEO", "a.3gp", "video/3gpp", 1)).is_empty());
    assert_eq!(
        codes(&media("VIDEO", "a.mov", "video/quicktime", 1)),
        ["header_media_type"]
    );
    assert!(
        codes(&media("VIDEO", "a.mp4", "video/mp4", sixteen_mb + 1)) == ["header_media_too_large"]
    );
    let hundred_mb = 100 * 1024 * 1024;
    assert!(codes(&media("DOCUMENT", "a.pdf", "application/pdf", hundred_mb)).is_empty());
    assert_eq!(
        codes(&media(
            "DOCUMENT",
            "a.pdf",
            "application/pdf",
            hundred_mb + 1
        )),
        ["header_media_too_large"]
    );
    assert!(codes(&media("GIF", "a.mp4", "video/mp4", 3_670_016)).is_empty());
    let gif = validate(&media("GIF", "a.mp4", "video/mp4", 3_670_017));
    assert_eq!(
        find(&gif, "header_media_too_large").message,
        "The GIF is 3.6 MB, more than the 3.5 MB allowed"
    );
    assert_eq!(
        codes(&media("DOCUMENT", "a.docx", "", 1)),
        ["header_media_type"]
    );
    let no_file = with_components(json!([
        {"type": "HEADER", "format": "IMAGE"},
        {"type": "BODY", "text": "Your order has shipped today."}
    ]));
    assert_eq!(codes(&no_file), ["example_missing"]);
}

#[test]
fn footer_rules() {
    let footer = |text: &str| {
        with_components(json!([
            {"type": "BODY", "text": "Your order has shipped today."},
            {"type": "FOOTER", "text": text}
        ]))
    };
    assert!(codes(&footer(&"f".repeat(60))).is_empty());
    assert!(
        codes(&footer(&"日".repeat(60))).is_empty(),
        "characters, not bytes"
    );
    check_span(&footer(&"日".repeat(61)), "footer_too_long", 60..61);
    check_span(&footer(&"f".repeat(61)), "footer_too_long", 60..61);
    check_span(&footer("Bye {{1}}"), "footer_has_variable", 4..9);
}

fn buttons(buttons: serde_json::Value) -> Template {
    with_components(json!([
        {"type": "BODY", "text": "Your order has shipped today."},
        {"type": "BUTTONS", "buttons": buttons}
    ]))
}

fn quick(text: &str) -> serde_json::Value {
    json!({"type": "QUICK_REPLY", "text": text})
}

#[test]
fn quick_reply_rules() {
    let labels: Vec<String> = (0..11).map(|n| format!("Option {n}")).collect();
    let replies =
        |count: usize| json!(labels[..count].iter().map(|l| quick(l)).collect::<Vec<_>>());
    assert!(codes(&buttons(replies(3))).is_empty());
    let four = validate(&buttons(replies(4)));
    assert_eq!(
        (
            find(&four, "quick_reply_collapsed").button,
            find(&four, "quick_reply_collapsed").severity
        ),
        (Some(3), Severity::Warning),
        "Meta allows 10 quick replies; the seed's 3 is a warning"
    );
    assert!(errors(&buttons(replies(10))).is_empty());
    let eleven = validate(&buttons(replies(11)));
    assert_eq!(find(&eleven, "quick_reply_too_many").button, Some(10));
    assert_eq!(find(&eleven, "buttons_too_many").button, Some(10));
    assert!(codes(&buttons(json!([quick(&"q".repeat(25))]))).is_empty());
    let diagnostics = validate(&buttons(json!([quick(&"q".repeat(26))])));
    let found = find(&diagnostics, "button_text_invalid");
    assert_eq!((found.button, found.span()), (Some(0), Some(25..26)));
    assert!(
        codes(&buttons(json!([quick(&"é".repeat(25))]))).is_empty(),
        "characters, not bytes"
    );
    assert_eq!(
        codes(&buttons(json!([quick(" ")]))),
        ["button_text_invalid"]
    );
}

#[test]
fn button_texts_hold_no_emoji_line_break_or_formatting_and_differ() {
    check_button_text("Yes 👍", 4..5);
    check_button_text("Yes\nplease", 3..4);
    check_button_text("*Yes*", 0..1);
    assert!(codes(&buttons(json!([quick("Sí, gracias")]))).is_empty());
    let twins = validate(&buttons(json!([quick("Yes"), quick("No"), quick("Yes")])));
    assert_eq!(find(&twins, "button_text_duplicate").button, Some(2));
}

#[track_caller]
fn check_button_text(text: &str, span: std::ops::Range<usize>) {
    let diagnostics = validate(&buttons(json!([quick(text)])));
    assert_eq!(find(&diagnostics, "button_text_invalid").span(), Some(span));
}

fn url(url: &str) -> serde_json::Value {
    json!({"type": "URL", "text": "Open", "url": url, "example": ["https://shop.example.com/o?id=42"]})
}

fn phone(number: &str) -> serde_json::Value {
    json!({"type": "PHONE_NUMBER", "text": "Call", "phone_number": number})
}

#[test]
fn call_to_action_rules() {
    assert!(
        codes(&buttons(json!([
            phone("+39 340 221 1333"),
            url("https://shop.example.com/o?id={{1}}")
        ])))
        .is_empty()
    );
    assert_eq!(
        codes(&buttons(json!([quick("Yes"), phone("+393402211333")]))),
        ["buttons_mixed"],
        "Meta allows quick replies with calls to action; the seed does not"
    );
    assert_eq!(
        find(
            &validate(&buttons(json!([quick("Yes"), phone("+393402211333")]))),
            "buttons_mixed"
        )
        .severity,
        Severity::Warning
    );
    let interleaved = validate(&buttons(json!([
        quick("Yes"),
        phone("+393402211333"),
        quick("No")
    ])));
    assert_eq!(find(&interleaved, "buttons_not_grouped").button, Some(2));
    assert!(
        codes(&buttons(json!([
            phone("+393402211333"),
            phone("+393402211334")
        ])))
        .contains(&"cta_too_many".to_owned())
    );
    let shop = json!({"type": "URL", "text": "Shop", "url": "https://b.example.com"});
    assert!(
        codes(&buttons(json!([url("https://a.example.com"), shop]))).is_empty(),
        "two URL buttons are allowed"
    );
    assert!(
        codes(&buttons(json!([
            url("https://a.example.com"),
            url("https://b.example.com"),
            url("https://c.example.com")
        ])))
        .contains(&"cta_too_many".to_owned())
    );
    assert!(
        codes(&buttons(json!([phone("3402211333")]))).is_empty(),
        "Meta's own examples omit the +"
    );
    assert!(codes(&buttons(json!([phone("+1234567")]))).contains(&"cta_phone_invalid".to_owned()));
    assert!(codes(&buttons(json!([phone("+12345678")]))).is_empty());
    assert!(codes(&buttons(json!([phone("+123456789012345")]))).is_empty());
    assert!(
        codes(&buttons(json!([phone("+1234567890123456")])))
            .contains(&"cta_phone_invalid".to_owned())
    );
    assert_eq!(
        codes(&buttons(json!([phone("+0340")]))),
        ["cta_phone_invalid"]
    );
    assert_eq!(
        codes(&buttons(json!([url("shop.example.com")]))),
        ["cta_url_invalid"]
    );
    assert_eq!(
        codes(&buttons(json!([url("ftp://shop.example.com")]))),
        ["cta_url_invalid"]
    );
    let private = validate(&buttons(json!([url("http://localhost:8080/offers")])));
    assert_eq!(
        find(&private, "cta_url_invalid").severity,
        Severity::Warning
    );
    let private = validate(&buttons(json!([url("https://192.168.1.10/offers")])));
    assert_eq!(
        find(&private, "cta_url_invalid").severity,
        Severity::Warning
    );
    let diagnostics = validate(&buttons(json!([url("https://bit.ly/abc")])));
    assert_eq!(find(&diagnostics, "cta_url_shortener").span(), Some(8..14));
    let diagnostics = validate(&buttons(json!([url(
        "https://shop.example.com/{{1}}/track"
    )])));
    assert_eq!(
        find(&diagnostics, "cta_url_variable_position").span(),
        Some(25..30)
    );
    assert!(
        codes(&buttons(json!([url(
            "https://shop.example.com/track/{{1}}"
        )])))
        .is_empty(),
        "a variable at the end of the path is allowed"
    );
    let two = validate(&buttons(json!([url(
        "https://shop.example.com/{{1}}?id={{2}}"
    )])));
    assert_eq!(
        two.iter()
            .filter(|d| d.code == "cta_url_variable_position")
            .count(),
        2
    );
    let no_sample = buttons(
        json!([{"type": "URL", "text": "Open", "url": "https://shop.example.com/o?id={{1}}"}]),
    );
    assert_eq!(codes(&no_sample), ["example_missing"]);
}

#[test]
fn ten_buttons_at_most() {
    let mut list: Vec<serde_json::Value> = (0..8).map(|n| quick(&format!("Reply {n}"))).collect();
    list.push(url("https://a.example.com"));
    list.push(phone("+393402211333"));
    assert!(errors(&buttons(json!(list.clone()))).is_empty());
    list.push(url("https://b.example.com"));
    assert_eq!(
        find(&validate(&buttons(json!(list))), "buttons_too_many").button,
        Some(10)
    );
}

#[test]
fn button_types_follow_the_category() {
    let coupon = json!({"type": "COPY_CODE", "example": "SAVE25"});
    assert!(codes(&buttons(json!([&coupon]))).is_empty());
    let utility = template(json!({"category": "UTILITY", "components": [
        {"type": "BODY", "text": "Your order has shipped today."},
        {"type": "BUTTONS", "buttons": [coupon]}
    ]}));
    assert_eq!(codes(&utility), ["button_type_not_allowed"]);
    let otp = json!({"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy code"});
    assert_eq!(codes(&buttons(json!([otp]))), ["button_type_not_allowed"]);
    let unknown = validate(&buttons(json!([{"type": "ORDER_DETAILS", "text": "Pay"}])));
    assert_eq!(find(&unknown, "component_unsupported").button, Some(0));
}

#[test]
fn coupon_codes_need_a_sample_of_letters_and_digits() {
    let coupon = |code: &str| buttons(json!([{"type": "COPY_CODE", "example": code}]));
    assert!(codes(&coupon(&"A".repeat(20))).is_empty());
    assert_eq!(codes(&coupon(&"A".repeat(21))), ["example_missing"]);
    assert_eq!(codes(&coupon("SAVE 25")), ["example_missing"]);
    assert_eq!(
        codes(&buttons(json!([{"type": "COPY_CODE"}]))),
        ["example_missing"]
    );
    assert_eq!(
        codes(&buttons(
            json!([{"type": "COPY_CODE", "example": "A1"}, {"type": "COPY_CODE", "example": "B2"}])
        )),
        ["cta_too_many"]
    );
}

#[test]
fn flow_buttons_name_one_flow() {
    let flow = |fields: serde_json::Value| {
        let mut button = json!({"type": "FLOW", "text": "Book now"});
        if let (Some(button), Some(fields)) = (button.as_object_mut(), fields.as_object()) {
            button.extend(fields.clone());
        }
        buttons(json!([button]))
    };
    assert!(
        codes(&flow(
            json!({"flow_id": "1234", "flow_action": "navigate", "navigate_screen": "WELCOME"})
        ))
        .is_empty()
    );
    assert!(
        codes(&flow(
            json!({"flow_id": 1_079_254_650_791_678_u64, "flow_action": "NAVIGATE"})
        ))
        .is_empty(),
        "Meta lists the id as a number, the action in upper case"
    );
    assert_eq!(codes(&flow(json!({}))), ["flow_button_invalid"]);
    assert_eq!(
        codes(&flow(json!({"flow_id": "1", "flow_name": "booking"}))),
        ["flow_button_invalid"]
    );
    assert_eq!(
        codes(&flow(
            json!({"flow_name": "booking", "flow_action": "open"})
        )),
        ["flow_button_invalid"]
    );
}

#[test]
fn samples_must_match_the_variables() {
    let t = template(body(
        "Hello {{1}}, your order {{2}} has shipped today.",
        &["Ann"],
    ));
    let diagnostics = validate(&t);
    assert!(
        diagnostics
            .iter()
            .any(|d| d.code == "example_missing" && d.span() == Some(24..29))
    );
    let t = template(body(
        "Hello {{1}}, your order {{2}} has shipped today.",
        &["Ann", " "],
    ));
    assert!(codes(&t).contains(&"example_missing".to_owned()));
}

#[test]
fn variables_at_the_edges() {
    let t = template(body("{{1}}, your order has shipped today", &["Ann"]));
    check_span(&t, "variable_at_edge", 0..5);
    let t = template(body("Your order has shipped to you {{1}}", &["Ann"]));
    check_span(&t, "variable_at_edge", 30..35);
    // Refused by Meta with 2388299 in June 2026: a variable followed only by punctuation.
    let t = template(body(
        "Per qualsiasi domanda sul tuo ordine {{1}} contatta direttamente {{2}}.",
        &["A-1", "Marco"],
    ));
    check_span(&t, "variable_at_edge", 65..70);
    let t = template(body("*{{1}}* is the code we sent you today", &["X"]));
    check_span(&t, "variable_at_edge", 1..6);
    let ok = template(body(
        "Your order ships on {{1}}. Thank you for waiting.",
        &["Monday"],
    ));
    assert!(codes(&ok).is_empty(), "{:?}", codes(&ok));
}

#[test]
fn adjacent_variables() {
    let t = template(body(
        "Hello dear {{1}} {{2}}, your order has shipped.",
        &["Ann", "Lee"],
    ));
    check_span(&t, "variables_adjacent", 11..22);
}

#[test]
fn named_variables_are_accepted_in_any_order() {
    let t = template(json!({
        "parameter_format": "named",
        "components": [{"type": "BODY", "text": "Hello {{first_name}}, your order {{order_id}} has shipped today.",
            "example": {"body_text_named_params": [
                {"param_name": "order_id", "example": "A-1"},
                {"param_name": "first_name", "example": "Ann"}]}}]
    }));
    assert!(codes(&t).is_empty(), "{:?}", codes(&t));
}

#[test]
fn mixing_formats_is_an_error_on_the_odd_token() {
    let t = template(body(
        "Hello {{1}}, your order {{order_id}} has shipped today.",
        &["Ann"],
    ));
    check_span(&t, "parameter_format_mixed", 24..36);
}

#[test]
fn named_variables_may_hold_digits() {
    let t = template(json!({
        "parameter_format": "NAMED",
        "components": [{"type": "BODY", "text": "We will deliver to {{address_line1}} tomorrow morning, thank you.",
            "example": {"body_text_named_params": [{"param_name": "address_line1", "example": "1 Main St"}]}}]
    }));
    assert!(codes(&t).is_empty(), "{:?}", codes(&t));
    let long = format!(
        "We will deliver to {{{{{}}}}} tomorrow morning.",
        "a".repeat(21)
    );
    assert!(codes(&template(body(&long, &[]))).contains(&"variable_malformed".to_owned()));
}

#[test]
fn meta_s_json_is_read_as_meta_writes_it() {
    let t = template(json!({
        "category": "marketing",
        "components": [
            {"type": "body", "text": "Hello {{1}}, your order {{2}} has shipped today.",
             "example": {"body_text": ["Ann", "A-1"]}},
            {"type": "buttons", "buttons": [{"type": "url", "text": "Track", "url": "https://example.com/t/{{1}}", "example": "https://example.com/t/1"}]}
        ]
    }));
    assert!(codes(&t).is_empty(), "{:?}", codes(&t));
    let written = serde_json::to_value(&t).unwrap();
    assert_eq!(written["category"], "MARKETING");
    assert_eq!(written["components"][0]["type"], "BODY");
    assert_eq!(
        written["components"][0]["example"]["body_text"],
        json!([["Ann", "A-1"]])
    );
    assert_eq!(written["components"][1]["buttons"][0]["type"], "URL");
}

#[test]
fn unknown_components_formats_and_fields_are_kept_and_reported() {
    let file = json!({
        "name": "future", "language": "en_US", "category": "MARKETING", "id": "123",
        "sub_category": "CUSTOM",
        "components": [
            {"type": "HEADER", "format": "HOLOGRAM", "example": {"hologram": [1]}},
            {"type": "BODY", "text": "Hello, your order has shipped today.", "tone": "warm"},
            {"type": "STICKERS", "stickers": [{"id": 1}]},
            {"type": "BUTTONS", "buttons": [{"type": "TELEPORT", "text": "Go", "where": "moon"}]}
        ]
    });
    let t = parse_template(file.to_string().as_bytes()).unwrap();
    let found: Vec<(String, Component, Option<usize>)> = validate(&t)
        .into_iter()
        .map(|d| (d.code.as_str().to_owned(), d.component, d.button))
        .collect();
    assert_eq!(
        found,
        [
            ("component_unsupported".to_owned(), Component::Header, None),
            (
                "component_unsupported".to_owned(),
                Component::Buttons,
                Some(0)
            ),
            (
                "component_unsupported".to_owned(),
                Component::Template,
                None
            ),
        ]
    );
    assert_eq!(serde_json::to_value(&t).unwrap(), file, "nothing is lost");
}

fn existing(name: &str, body: &str, footer: &str) -> ExistingTemplate {
    ExistingTemplate {
        name: name.to_owned(),
        language: "en_US".to_owned(),
        body: body.to_owned(),
        footer: footer.to_owned(),
    }
}

#[test]
fn account_level_rules() {
    let t = template(json!({}));
    let body_text = t.body_text().to_owned();
    let others = vec![existing(
        "order_update",
        "Something else entirely here.",
        "",
    )];
    let diagnostics = validate_in_account(&t, &others);
    let duplicate = find(&diagnostics, "name_duplicate");
    assert_eq!(duplicate.severity, Severity::Warning);

    let others = vec![existing("other_name", &body_text, "")];
    assert_eq!(
        find(&validate_in_account(&t, &others), "duplicate_content").severity,
        Severity::Warning
    );
    let others = vec![existing("other_name", &body_text, "a different footer")];
    assert!(validate_in_account(&t, &others).is_empty());

    let full: Vec<ExistingTemplate> = (0..250)
        .map(|index| existing(&format!("t{index}"), &format!("body {index}"), ""))
        .collect();
    assert_eq!(
        find(&validate_in_account(&t, &full), "template_limit").severity,
        Severity::Error
    );
    assert!(validate_in_account(&t, &full[..249]).is_empty());
}

#[test]
fn findings_are_capped_per_rule() {
    let t = template(
        json!({"category": "UTILITY", "components": [{"type": "BODY", "text": "?".repeat(5000)}]}),
    );
    let marks = validate(&t)
        .iter()
        .filter(|d| d.code == Code::UtilityQuestionMark)
        .count();
    assert_eq!(marks, 20);
}

#[test]
fn text_far_past_its_limit_is_analysed_only_up_to_four_times_the_limit() {
    let long = format!("{}{{{{1}}}}", "word ".repeat(2000));
    let diagnostics = validate(&template(body(&long, &["x"])));
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["body_too_long"]);
    assert_eq!(diagnostics[0].span(), Some(1024..10005));
}

#[test]
fn the_template_being_edited_is_not_among_its_own_others() {
    let edited = template(json!({}));
    let other = template(json!({"name": "order_shipped"}));
    let listed = [(1, &edited), (2, &other)];
    let others = ExistingTemplate::others(listed, Some(1));
    assert_eq!(others.len(), 1);
    assert_eq!(others[0].name, "order_shipped");
    assert!(
        validate_in_account(&edited, &others)
            .iter()
            .all(|finding| finding.code != "name_duplicate"),
        "a saved template is not a duplicate of itself"
    );
    assert_eq!(ExistingTemplate::others(listed, None).len(), 2);
}
