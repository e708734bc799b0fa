//! Criterion benchmarks of the template core: the worst-case template of issue 3 (1024-character
//! body with 10 variables, a text header with a variable, 3 quick replies), the worst-case
//! carousel of issue 15 (10 full cards), and hostile files.
//!
//! Run: `cargo bench -p herald-templates --bench validate`

use criterion::{Criterion, criterion_group, criterion_main};
use herald_templates::{Template, parse_template, preview_with_samples, validate};
use serde_json::json;

/// The worst-case template: every rule has work to do and nothing short-circuits.
pub fn worst_case_template() -> Template {
    let mut body = String::new();
    for number in 1..=10 {
        body.push_str(&format!(
            "Dear customer, item number {{{{{number}}}}} is ready. "
        ));
    }
    let filler = "x".repeat(1024 - body.chars().count() - "Thank you.".len());
    body.push_str(&filler);
    body.push_str("Thank you.");
    assert_eq!(body.chars().count(), 1024);
    let samples: Vec<String> = (1..=10).map(|n| format!("sample {n}")).collect();
    let file = json!({
        "name": "worst_case_order_update",
        "language": "en_US",
        "category": "UTILITY",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Your order {{1}} update", "example": {"header_text": ["A-1"]}},
            {"type": "BODY", "text": body, "example": {"body_text": [samples]}},
            {"type": "FOOTER", "text": "Reply STOP to opt out"},
            {"type": "BUTTONS", "buttons": [
                {"type": "QUICK_REPLY", "text": "Phone call"},
                {"type": "QUICK_REPLY", "text": "WhatsApp message"},
                {"type": "QUICK_REPLY", "text": "Email"}
            ]}
        ]
    });
    parse_template(file.to_string().as_bytes()).expect("the benchmark template parses")
}

/// The worst-case carousel: a 1024-character body with 10 variables and 10 cards, each a
/// 160-character body with 3 variables and 2 buttons (a quick reply and a URL with a variable).
pub fn worst_case_carousel() -> Template {
    let mut body = String::new();
    for number in 1..=10 {
        body.push_str(&format!(
            "Dear customer, pick number {{{{{number}}}}} is ready. "
        ));
    }
    body.push_str(&"x".repeat(1024 - body.chars().count() - "Thank you.".len()));
    body.push_str("Thank you.");
    let card_text = "Fresh {{1}} for your table, code {{2}} gives {{3}} off. ";
    let mut card_body = card_text.repeat(3);
    card_body.truncate(160 - "Enjoy.".len());
    card_body.push_str("Enjoy.");
    let cards: Vec<serde_json::Value> = (0..10)
        .map(|index| {
            json!({"components": [
                {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1n"]}},
                {"type": "BODY", "text": card_body, "example": {"body_text": [["lemons", "FRESH", "10%"]]}},
                {"type": "BUTTONS", "buttons": [
                    {"type": "QUICK_REPLY", "text": "More like this"},
                    {"type": "URL", "text": "Buy now", "url": format!("https://shop.example.com/{index}/{{{{1}}}}"), "example": ["https://shop.example.com/1/lemons"]}
                ]}
            ]})
        })
        .collect();
    let samples: Vec<String> = (1..=10).map(|n| format!("sample {n}")).collect();
    let file = json!({
        "name": "worst_case_carousel", "language": "en_US", "category": "MARKETING",
        "components": [
            {"type": "BODY", "text": body, "example": {"body_text": [samples]}},
            {"type": "CAROUSEL", "cards": cards}
        ]
    });
    parse_template(file.to_string().as_bytes()).expect("the benchmark carousel parses")
}

fn template_core(c: &mut Criterion) {
    let template = worst_case_template();
    assert!(validate(&template).is_empty(), "{:#?}", validate(&template));
    c.bench_function("validate worst-case template", |b| {
        b.iter(|| validate(std::hint::black_box(&template)));
    });
    let carousel = worst_case_carousel();
    assert!(
        validate(&carousel)
            .iter()
            .all(|finding| !finding.is_error()),
        "{:#?}",
        validate(&carousel)
    );
    c.bench_function("validate worst-case carousel (10 cards)", |b| {
        b.iter(|| validate(std::hint::black_box(&carousel)));
    });
    c.bench_function("preview worst-case template", |b| {
        b.iter(|| preview_with_samples(std::hint::black_box(&template)));
    });
}

fn hostile_files(c: &mut Criterion) {
    let mut group = c.benchmark_group("hostile");
    group.sample_size(10);
    let big_body = json!({
        "name": "big", "language": "en", "category": "UTILITY",
        "components": [{"type": "BODY", "text": "Is it {{1}} ok? ".repeat(10 * 1024 * 1024 / 16)}]
    })
    .to_string();
    group.bench_function("parse and validate a 10 MB body", |b| {
        b.iter(|| {
            let template = parse_template(big_body.as_bytes()).expect("parses");
            validate(&template)
        });
    });
    let mut many_variables = String::new();
    let mut number = 0;
    while many_variables.len() < 10 * 1024 * 1024 {
        number += 1;
        many_variables.push_str(&format!("word {{{{{number}}}}}\n"));
    }
    let many_variables = json!({
        "name": "many", "language": "en", "category": "MARKETING",
        "components": [{"type": "BODY", "text": many_variables}]
    })
    .to_string();
    group.bench_function(
        "parse, validate and preview 10 MB of distinct variables",
        |b| {
            b.iter(|| {
                let template = parse_template(many_variables.as_bytes()).expect("parses");
                (validate(&template), preview_with_samples(&template))
            });
        },
    );
    let deep = format!("{{\"extra\": {}", "[".repeat(100_000));
    group.bench_function("refuse 100,000-deep nesting", |b| {
        b.iter(|| parse_template(deep.as_bytes()).is_err());
    });
    group.finish();
}

criterion_group!(benches, template_core, hostile_files);
criterion_main!(benches);
