//! Herald's web app. The components live in the library so that wasm-bindgen-test can mount
//! them in a real browser; `main.rs` only mounts [`App`].

pub mod components;

use leptos::prelude::*;

/// The whole application.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <main>
            <h1>"Herald"</h1>
            <components::body_checker::BodyChecker />
        </main>
    }
}
