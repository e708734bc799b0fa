//! Bytes -> parse -> validate -> preview -> render, then the editor's changes of kind and of
//! carousel cards: none of it may panic, and every span must lie inside the text it points at.
//! Every kind of template is reached: the parser reads any component, format and button type,
//! and `set_kind` builds each kind from what was read. Seed it with the corpus of real
//! templates: `crates/herald-templates/tests/corpus/` (each file's `template`).

#![no_main]

use herald_templates::{
    Component, Components, ContactField, ContactFields, Template, TemplateKind, parse_template,
    preview_for_contact, preview_with_samples, render_for_contact, sending_gaps, validate,
};
use libfuzzer_sys::fuzz_target;

struct Contact;

impl ContactFields for Contact {
    fn standard(&self, _field: ContactField) -> Option<&str> {
        Some("Ann *Lee*\n{{1}}")
    }

    fn custom(&self, _name: &str) -> Option<&str> {
        Some("2026-12-31T18:00")
    }
}

fn check(template: &Template) {
    for diagnostic in validate(template) {
        if let Some(span) = diagnostic.span() {
            assert!(span.start <= span.end, "{diagnostic:?}");
        }
        if let (Some(end), Component::Body) = (diagnostic.end, diagnostic.component) {
            assert!(end <= template.body_text().chars().count(), "{diagnostic:?}");
        }
    }
    let _ = preview_with_samples(template);
    let _ = preview_for_contact(template, &Contact);
    let _ = render_for_contact(template, &Contact);
    let _ = sending_gaps(template);
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(template) = parse_template(bytes) else {
        return;
    };
    check(&template);
    let kinds = TemplateKind::ALL;
    let mut edited = template;
    let first = usize::from(bytes.first().copied().unwrap_or_default());
    edited.set_kind(kinds[first % kinds.len()]);
    edited.add_card();
    edited.move_card(first % 4, bytes.len() % 4);
    edited.remove_card(bytes.len() % 3);
    check(&edited);
});
