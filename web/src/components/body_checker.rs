//! A text area whose content the template core checks on every keystroke.

use herald_templates::{BODY_MAX_CHARS, Severity, validate_body};
use leptos::prelude::*;

/// Message content with its character counter and diagnostics, recomputed on each input event.
#[component]
pub fn BodyChecker() -> impl IntoView {
    let (body, set_body) = signal(String::new());
    let diagnostics = Memo::new(move |_| body.with(|text| validate_body(text)));
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
