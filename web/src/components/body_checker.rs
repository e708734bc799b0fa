//! A text area whose content the template core checks on every keystroke.

use herald_templates::{
    BODY_MAX_CHARS, Body, Component, Severity, Template, TemplateComponent, validate,
};
use leptos::prelude::*;

/// The body's findings for `text`, checked as the body of an otherwise valid template.
fn body_diagnostics(text: &str) -> Vec<herald_templates::Diagnostic> {
    let template = Template {
        name: "draft".to_owned(),
        language: "en".to_owned(),
        category: "MARKETING".to_owned(),
        components: vec![TemplateComponent::Body(Body {
            text: text.to_owned(),
            example: None,
        })],
        ..Template::default()
    };
    validate(&template)
        .into_iter()
        .filter(|diagnostic| diagnostic.component == Component::Body)
        .collect()
}

/// Message content with its character counter and diagnostics, recomputed on each input event.
#[component]
pub fn BodyChecker() -> impl IntoView {
    let (body, set_body) = signal(String::new());
    let diagnostics = Memo::new(move |_| body.with(|text| body_diagnostics(text)));
    let length = Memo::new(move |_| body.with(|text| text.chars().count()));
    let has_errors =
        move || diagnostics.with(|found| found.iter().any(|d| d.severity == Severity::Error));

    view! {
        <label for="body">"Message content"</label>
        <textarea
            id="body"
            prop:value=body
            aria-invalid=move || has_errors().to_string()
            aria-describedby="body-counter body-diagnostics"
            on:input=move |event| set_body.set(event_target_value(&event))
        ></textarea>
        <p
            id="body-counter"
            class="counter"
            class:over=move || { length.get() > BODY_MAX_CHARS }
            data-testid="body-counter"
        >
            {move || format!("{} / {BODY_MAX_CHARS}", length.get())}
        </p>
        <ul id="body-diagnostics" class="diagnostics" data-testid="diagnostics" aria-live="polite">
            <For
                each=move || diagnostics.get()
                key=|diagnostic| (diagnostic.code.clone(), diagnostic.start)
                let:diagnostic
            >
                <li
                    class="diagnostic"
                    class:error=diagnostic.severity == Severity::Error
                    class:warning=diagnostic.severity == Severity::Warning
                    data-code=diagnostic.code
                >
                    {diagnostic.message}
                </li>
            </For>
        </ul>
    }
}
