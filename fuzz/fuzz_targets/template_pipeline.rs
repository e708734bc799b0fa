//! Bytes -> parse -> validate -> preview -> render: none of it may panic, and every span must lie
//! inside the text it points at.

#![no_main]

use herald_templates::{
    ContactField, ContactFields, parse_template, preview_for_contact, preview_with_samples,
    render_for_contact, validate,
};
use libfuzzer_sys::fuzz_target;

struct Contact;

impl ContactFields for Contact {
    fn standard(&self, _field: ContactField) -> Option<&str> {
        Some("Ann *Lee*\n{{1}}")
    }

    fn custom(&self, _name: &str) -> Option<&str> {
        None
    }
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(template) = parse_template(bytes) else {
        return;
    };
    for diagnostic in validate(&template) {
        if let Some(span) = diagnostic.span() {
            assert!(span.start <= span.end, "{diagnostic:?}");
        }
        if let (Some(end), herald_templates::Component::Body) = (diagnostic.end, diagnostic.component) {
            assert!(end <= template.body_text().chars().count(), "{diagnostic:?}");
        }
    }
    let _ = preview_with_samples(&template);
    let _ = preview_for_contact(&template, &Contact);
    let _ = render_for_contact(&template, &Contact);
});
