//! Table-driven tests: one or more cases per code, limits at N and N+1, Unicode counting.

// The helpers take `json!` values by value so that the cases read as literals.
#![allow(clippy::needless_pass_by_value)]

use serde_json::json;

use super::*;
use crate::diagnostic::Severity;
use crate::parse_template;

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
    validate(template).into_iter().map(|d| d.code).collect()
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
    assert_eq!(
        codes(&template(json!({"category": "AUTHENTICATION"}))),
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
        "Hello {{2}}, your order {{1}} has shipped today.",
        &["Ann", "A-1"],
    ));
    check_span(&t, "variables_not_sequential", 6..11);
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
}

#[test]
fn too_many_variables_uses_the_seed_message_and_spans_the_sentence() {
    let t = template(body("Hi {{1}}. Your order has shipped today.", &["Ann"]));
    let diagnostics = validate(&t);
    let found = find(&diagnostics, "too_many_variables");
    assert_eq!(
        found.message,
        "This template has too many variable parameters for the message length. Please reduce them or extend the message length"
    );
    assert_eq!(found.span(), Some(0..9));
}

#[test]
fn three_words_around_a_variable_are_enough() {
    assert!(codes(&template(body("Dear friend Ann {{1}} welcome.", &["x"]))).is_empty());
    assert_eq!(
        codes(&template(body("Dear {{1}} welcome.", &["x"]))),
        ["too_many_variables"]
    );
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
    check_span(&header("Big\nsale", &[]), "header_text_invalid", 3..4);
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
    assert_eq!(
        codes(&media(
            "DOCUMENT",
            "a.pdf",
            "application/pdf",
            sixteen_mb + 1
        )),
        ["header_media_too_large"]
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
    assert!(
        codes(&buttons(json!([
            quick("Yes"),
            quick("No"),
            quick(&"q".repeat(25))
        ])))
        .is_empty()
    );
    let diagnostics = validate(&buttons(json!([
        quick("a"),
        quick("b"),
        quick("c"),
        quick("d")
    ])));
    assert_eq!(find(&diagnostics, "quick_reply_too_many").button, Some(3));
    let diagnostics = validate(&buttons(json!([quick(&"q".repeat(26))])));
    let found = find(&diagnostics, "button_text_invalid");
    assert_eq!((found.button, found.span()), (Some(0), Some(25..26)));
    assert_eq!(
        codes(&buttons(json!([quick(" ")]))),
        ["button_text_invalid"]
    );
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
        ["buttons_mixed"]
    );
    assert_eq!(
        codes(&buttons(json!([
            phone("+393402211333"),
            phone("+393402211334")
        ]))),
        ["cta_too_many"]
    );
    assert_eq!(
        codes(&buttons(json!([
            url("https://a.example.com"),
            url("https://b.example.com")
        ]))),
        ["cta_too_many"]
    );
    assert_eq!(
        codes(&buttons(json!([phone("3402211333")]))),
        ["cta_phone_invalid"]
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
    let diagnostics = validate(&buttons(json!([url("https://bit.ly/abc")])));
    assert_eq!(find(&diagnostics, "cta_url_shortener").span(), Some(8..14));
    let diagnostics = validate(&buttons(json!([url(
        "https://shop.example.com/{{1}}/track"
    )])));
    assert_eq!(
        find(&diagnostics, "cta_url_variable_position").span(),
        Some(25..30)
    );
    let no_sample = buttons(
        json!([{"type": "URL", "text": "Open", "url": "https://shop.example.com/o?id={{1}}"}]),
    );
    assert_eq!(codes(&no_sample), ["example_missing"]);
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
    let ok = template(body("Your order has shipped to you on {{1}}.", &["Monday"]));
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
        .filter(|d| d.code == "utility_question_mark")
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
