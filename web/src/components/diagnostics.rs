//! The findings of one field, in a live region next to it.

use herald_templates::{Diagnostic, Severity};
use leptos::prelude::*;

/// Whether any finding blocks submission.
pub fn has_error(findings: &[Diagnostic]) -> bool {
    findings
        .iter()
        .any(|finding| finding.severity == Severity::Error)
}

/// Lists `findings`, errors and warnings styled apart, each with its stable code.
#[component]
pub fn FieldDiagnostics(
    findings: Signal<Vec<Diagnostic>>,
    #[prop(optional)] id: Option<String>,
    #[prop(optional)] testid: Option<&'static str>,
) -> impl IntoView {
    view! {
        <ul id=id class="diagnostics" data-testid=testid aria-live="polite">
            <For
                each=move || findings.get()
                key=|finding| (finding.code, finding.start, finding.button, finding.message.clone())
                let:finding
            >
                <li
                    class="diagnostic"
                    class:error=finding.severity == Severity::Error
                    class:warning=finding.severity == Severity::Warning
                    data-code=finding.code.as_str()
                >
                    {finding.message}
                </li>
            </For>
        </ul>
    }
}
