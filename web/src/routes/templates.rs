//! The templates workspace. For now the message-content checker: the seam where the full editor
//! of issue 5 plugs into the template core.

use leptos::prelude::*;

use crate::components::body_checker::BodyChecker;

/// The templates page.
#[component]
pub fn Templates() -> impl IntoView {
    view! {
        <h2>"Templates"</h2>
        <BodyChecker />
    }
}
