//! Herald's web app. Pages live in `routes/`, presentational pieces in `components/`, calls to
//! the relay in `api.rs`; `main.rs` only mounts [`App`]. Everything is in the library so that
//! wasm-bindgen-test can mount it in a real browser.

pub mod api;
pub mod components;
pub mod refresh;
pub mod routes;
pub mod session;

use herald_domain::Role;
use leptos::prelude::*;
use leptos_router::components::{A, Outlet, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::path;

use routes::accounts::{AccountForm, Accounts};
use routes::campaigns::Campaigns;
use routes::interactions::Interactions;
use routes::lists::Lists;
use routes::sign_in::SignIn;
use routes::templates::{TemplateWorkspace, Templates};
use session::{SessionCtx, use_session};

/// The whole application: the session check, then the routes.
#[component]
pub fn App() -> impl IntoView {
    let session = SessionCtx {
        user: RwSignal::new(None),
        checked: RwSignal::new(false),
    };
    provide_context(session);
    let current = LocalResource::new(api::current_user);
    // The session lives outside the resource so that signing in and out can change it.
    Effect::new(move |_| {
        if let Some(result) = current.get() {
            session.user.set(result.ok().flatten());
            session.checked.set(true);
        }
    });
    view! {
        <Router>
            <Routes fallback=|| view! { <main><p>"Page not found."</p></main> }>
                <Route path=path!("/login") view=SignIn />
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=Home />
                    <Route path=path!("interactions") view=Interactions />
                    <Route path=path!("templates") view=|| view! { <AdminOnly><Templates /></AdminOnly> } />
                    <Route path=path!("templates/new") view=|| view! { <AdminOnly><TemplateWorkspace /></AdminOnly> } />
                    <Route path=path!("templates/:id") view=|| view! { <AdminOnly><TemplateWorkspace /></AdminOnly> } />
                    <Route path=path!("campaigns") view=|| view! { <AdminOnly><Campaigns /></AdminOnly> } />
                    <Route path=path!("lists") view=|| view! { <AdminOnly><Lists /></AdminOnly> } />
                    <Route path=path!("accounts") view=|| view! { <AdminOnly><Accounts /></AdminOnly> } />
                    <Route path=path!("accounts/new") view=|| view! { <AdminOnly><AccountForm /></AdminOnly> } />
                    <Route path=path!("accounts/:id") view=|| view! { <AdminOnly><AccountForm /></AdminOnly> } />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The signed-in layout: navigation for the user's role, sign-out, and the page.
#[component]
fn Shell() -> impl IntoView {
    let session = use_session();
    let is_admin = move || {
        session
            .user
            .with(|user| user.as_ref().is_some_and(|user| user.role == Role::Admin))
    };
    let sign_out = Action::new_local(|(): &()| api::sign_out());
    Effect::new(move |_| {
        if sign_out.value().get().is_some() {
            session.user.set(None);
        }
    });
    view! {
        <Show when=move || session.checked.get() fallback=|| view! { <main><p>"Loading…"</p></main> }>
            <Show when=move || session.user.with(Option::is_some) fallback=|| view! { <Redirect path="/login" /> }>
                <header class="top-bar">
                    <strong>"Herald"</strong>
                    <nav aria-label="Main">
                        <Show when=is_admin>
                            <A href="/templates">"Templates"</A>
                            <A href="/campaigns">"Campaigns"</A>
                            <A href="/lists">"Lists"</A>
                            <A href="/accounts">"Accounts"</A>
                        </Show>
                        <A href="/interactions">"Interactions"</A>
                    </nav>
                    <span class="user" data-testid="signed-in-user">
                        {move || session.user.with(|user| user.as_ref().map(|user| format!("{} ({})", user.username, user.role)))}
                    </span>
                    <button on:click=move |_| { sign_out.dispatch(()); }>"Sign out"</button>
                </header>
                <main>
                    <Outlet />
                </main>
            </Show>
        </Show>
    }
}

/// The first page: the templates for admins, the interactions for agents.
#[component]
fn Home() -> impl IntoView {
    let session = use_session();
    move || {
        if session
            .user
            .with(|user| user.as_ref().is_some_and(|user| user.role == Role::Admin))
        {
            view! { <Templates /> }.into_any()
        } else {
            view! { <Interactions /> }.into_any()
        }
    }
}

/// Shows its children to admins only; agents reaching the URL are told they have no access.
#[component]
fn AdminOnly(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let is_admin = move || {
        session
            .user
            .with(|user| user.as_ref().is_some_and(|user| user.role == Role::Admin))
    };
    view! {
        <Show when=is_admin fallback=|| view! { <p role="alert" data-testid="no-access">"This page is for admins only."</p> }>
            {children()}
        </Show>
    }
}
