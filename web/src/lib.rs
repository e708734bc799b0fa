//! Herald's web app. Pages live in `routes/`, presentational pieces in `components/`, calls to
//! the relay in `api.rs`; `main.rs` only mounts [`App`]. Everything is in the library so that
//! wasm-bindgen-test can mount it in a real browser.

pub mod api;
pub mod components;
pub mod reactive;
pub mod refresh;
pub mod remote;
pub mod router;
pub mod routes;
pub mod session;
pub mod time;

use herald_domain::Role;
use leptos::prelude::*;

use remote::{Fetched, Job};
use router::{NavLink, Page, Redirect, Router, use_router};
use routes::accounts::{AccountForm, Accounts};
use routes::campaigns::Campaigns;
use routes::interactions::Interactions;
use routes::lists::{ListPage, Lists};
use routes::sign_in::SignIn;
use routes::templates::{TemplateWorkspace, Templates};
use routes::users::Users;
use session::{SessionCtx, use_session};

/// The whole application: the session check, then the page the address bar names.
#[component]
pub fn App() -> impl IntoView {
    let session = SessionCtx {
        user: RwSignal::new(None),
        checked: RwSignal::new(false),
    };
    provide_context(session);
    let router = Router::start();
    provide_context(router);
    let current = Fetched::new(api::current_user);
    // The session lives outside the fetched value so that signing in and out can change it.
    Effect::new(move |_| {
        if let Some(result) = current.get() {
            session.user.set(result.ok().flatten());
            session.checked.set(true);
        }
    });
    let signing_in = Memo::new(move |_| router.page() == Page::SignIn);
    move || {
        if signing_in.get() {
            view! { <SignIn /> }.into_any()
        } else {
            view! { <Shell /> }.into_any()
        }
    }
}

/// The page the address bar names, inside the signed-in layout.
fn page() -> impl IntoView {
    let router = use_router();
    move || match router.page() {
        Page::SignIn | Page::Home => view! { <Home /> }.into_any(),
        Page::Interactions => view! { <Interactions /> }.into_any(),
        Page::Templates => view! { <AdminOnly><Templates /></AdminOnly> }.into_any(),
        Page::NewTemplate { account } => {
            view! { <AdminOnly><TemplateWorkspace id=None account /></AdminOnly> }.into_any()
        }
        Page::Template(id) => {
            view! { <AdminOnly><TemplateWorkspace id=Some(id) account=None /></AdminOnly> }
                .into_any()
        }
        Page::Campaigns => view! { <AdminOnly><Campaigns /></AdminOnly> }.into_any(),
        Page::Lists => view! { <AdminOnly><Lists /></AdminOnly> }.into_any(),
        Page::List(id) => view! { <AdminOnly><ListPage id /></AdminOnly> }.into_any(),
        Page::Accounts => view! { <AdminOnly><Accounts /></AdminOnly> }.into_any(),
        Page::NewAccount => view! { <AdminOnly><AccountForm id=None /></AdminOnly> }.into_any(),
        Page::Account(id) => {
            view! { <AdminOnly><AccountForm id=Some(id) /></AdminOnly> }.into_any()
        }
        Page::Users => view! { <AdminOnly><Users /></AdminOnly> }.into_any(),
        Page::NotFound => view! { <p>"Page not found."</p> }.into_any(),
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
    let sign_out = Job::new(move |()| async move {
        // Signed out or not, the app forgets the user (the relay ends the session either way
        // or it already had).
        let _ = api::sign_out().await;
        session.user.set(None);
    });
    view! {
        <Show when=move || session.checked.get() fallback=|| view! { <main><p>"Loading…"</p></main> }>
            <Show when=move || session.user.with(Option::is_some) fallback=|| view! { <Redirect path="/login" /> }>
                <header class="top-bar">
                    <strong>"Herald"</strong>
                    <nav aria-label="Main">
                        <Show when=is_admin>
                            <NavLink href="/templates">"Templates"</NavLink>
                            <NavLink href="/campaigns">"Campaigns"</NavLink>
                            <NavLink href="/lists">"Lists"</NavLink>
                            <NavLink href="/accounts">"Accounts"</NavLink>
                            <NavLink href="/users">"Users"</NavLink>
                        </Show>
                        <NavLink href="/interactions">"Interactions"</NavLink>
                    </nav>
                    <span class="user" data-testid="signed-in-user">
                        {move || session.user.with(|user| user.as_ref().map(|user| format!("{} ({})", user.username, user.role)))}
                    </span>
                    <button on:click=move |_| sign_out.dispatch(())>"Sign out"</button>
                </header>
                <main>{page()}</main>
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
