//! The sign-in page.

use herald_api::LoginRequest;
use leptos::prelude::*;

use crate::api;
use crate::remote::Job;
use crate::router::use_router;
use crate::session::use_session;

/// User name and password; on success the session is set and the app opens.
#[component]
pub fn SignIn() -> impl IntoView {
    let session = use_session();
    let router = use_router();
    let (username, set_username) = signal(String::new());
    let (password, set_password) = signal(String::new());
    let error = RwSignal::new(None::<String>);
    let sign_in = Job::new(move |login: LoginRequest| async move {
        match api::sign_in(&login).await {
            Ok(user) => {
                error.set(None);
                session.user.set(Some(user));
                router.navigate("/");
            }
            Err(failure) => error.set(Some(failure.to_string())),
        }
    });
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
                <p class="form-error" role="alert" data-testid="sign-in-error">{move || error.get()}</p>
                <button type="submit" disabled=move || sign_in.pending()>"Sign in"</button>
            </form>
        </main>
    }
}
