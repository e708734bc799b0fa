//! The sign-in page.

use herald_api::LoginRequest;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::session::use_session;

/// User name and password; on success the session is set and the app opens.
#[component]
pub fn SignIn() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let (username, set_username) = signal(String::new());
    let (password, set_password) = signal(String::new());
    let sign_in = Action::new_local(|login: &LoginRequest| {
        let login = login.clone();
        async move { api::sign_in(&login).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(user)) = sign_in.value().get() {
            session.user.set(Some(user));
            navigate("/", Default::default());
        }
    });
    let error = move || match sign_in.value().get() {
        Some(Err(error)) => Some(error.to_string()),
        _ => None,
    };
    view! {
        <main class="sign-in">
            <h1>"Herald"</h1>
            <form on:submit=move |event| {
                event.prevent_default();
                sign_in.dispatch(LoginRequest { username: username.get_untracked(), password: password.get_untracked() });
            }>
                <label for="username">"User name"</label>
                <input id="username" name="username" autocomplete="username" required
                    prop:value=username on:input=move |event| set_username.set(event_target_value(&event)) />
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required
                    prop:value=password on:input=move |event| set_password.set(event_target_value(&event)) />
                <p class="form-error" role="alert" data-testid="sign-in-error">{error}</p>
                <button type="submit" disabled=move || sign_in.pending().get()>"Sign in"</button>
            </form>
        </main>
    }
}
