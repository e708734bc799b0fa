//! Users (admins): who may sign in and as what. Add a user, change a role, disable or enable
//! one (its sessions end), set a new password. The relay refuses to leave no active admin and
//! says so; the page shows its message.

use herald_api::{NewPassword, NewUser, UserChange, UserView};
use herald_domain::Role;
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::remote::{Fetched, Job};
use crate::session::use_session;

/// The users page.
#[component]
pub fn Users() -> impl IntoView {
    let users = Fetched::new(api::list_users);
    let outcome = RwSignal::new(None::<Result<String, ApiError>>);
    let change = Job::new(move |(id, change): (i64, UserChange)| async move {
        let done = api::update_user(id, &change).await.map(|user| {
            let state = if user.disabled { "disabled" } else { "enabled" };
            format!("{} is now {} and {state}.", user.username, user.role)
        });
        users.refetch();
        outcome.set(Some(done));
    });
    view! {
        <h2>"Users"</h2>
        {move || outcome.get().map(|done| match done {
            Ok(said) => view! { <p class="form-ok" role="status">{said}</p> }.into_any(),
            Err(failure) => view! { <p class="form-error" role="alert">{failure.to_string()}</p> }.into_any(),
        })}
        {move || match users.get() {
            None => view! { <p>"Loading users…"</p> }.into_any(),
            Some(Err(failure)) => view! {
                <p class="form-error" role="alert">{failure.to_string()}" "
                    <button on:click=move |_| users.refetch()>"Retry"</button></p>
            }.into_any(),
            Some(Ok(found)) => view! {
                <table class="table" data-testid="users">
                    <thead><tr><th>"User"</th><th>"Role"</th><th>"State"</th><th>"Actions"</th></tr></thead>
                    <tbody>{found.into_iter().map(|user| view! { <UserRow user change outcome /> }).collect_view()}</tbody>
                </table>
            }.into_any(),
        }}
        <NewUserForm on_created=move || users.refetch() />
    }
}

/// One user: its role (changed at once), enable or disable, and a new password.
#[component]
fn UserRow(
    user: UserView,
    change: Job<(i64, UserChange)>,
    outcome: RwSignal<Option<Result<String, ApiError>>>,
) -> impl IntoView {
    let session = use_session();
    let id = user.id;
    let is_me = session
        .user
        .with_untracked(|me| me.as_ref().is_some_and(|me| me.id == id));
    let disabled = user.disabled;
    let username = user.username.clone();
    let toggle = move |_| {
        let asked = if disabled {
            format!("Enable {username}? They can sign in again.")
        } else {
            format!("Disable {username}? They are signed out and cannot sign in.")
        };
        if window().confirm_with_message(&asked).unwrap_or(false) {
            change.dispatch((
                id,
                UserChange {
                    role: None,
                    disabled: Some(!disabled),
                },
            ));
        }
    };
    let password = RwSignal::new(String::new());
    let name = user.username.clone();
    let reset = Job::new(move |password: String| {
        let name = name.clone();
        async move {
            let done = api::reset_password(id, &NewPassword { password })
                .await
                .map(|()| format!("{name}'s password is set; their sessions ended."));
            outcome.set(Some(done));
        }
    });
    let role_id = format!("role-{id}");
    let password_id = format!("password-{id}");
    view! {
        <tr data-testid="user-row" data-name=user.username>
            <td>{user.username.clone()}{is_me.then_some(" (you)")}</td>
            <td>
                <label class="visually-hidden" for=role_id.clone()>{format!("Role of {}", user.username)}</label>
                <select id=role_id on:change=move |event| {
                    let role = if event_target_value(&event) == "admin" { Role::Admin } else { Role::Agent };
                    change.dispatch((id, UserChange { role: Some(role), disabled: None }));
                }>
                    <option value="admin" selected=user.role == Role::Admin>"Admin"</option>
                    <option value="agent" selected=user.role == Role::Agent>"Agent"</option>
                </select>
            </td>
            <td><span class="badge" class:status-disabled=disabled data-testid="user-state">
                {if disabled { "Disabled" } else { "Active" }}</span></td>
            <td class="actions">
                <button type="button" class:danger=!disabled on:click=toggle>
                    {if disabled { "Enable" } else { "Disable" }}
                </button>
                <form class="inline-form" aria-label=format!("Password of {}", user.username)
                    on:submit=move |event| {
                        event.prevent_default();
                        reset.dispatch(password.get_untracked());
                        password.set(String::new());
                    }>
                    <label class="visually-hidden" for=password_id.clone()>{format!("New password for {}", user.username)}</label>
                    <input id=password_id type="password" autocomplete="new-password" minlength="12"
                        placeholder="New password" bind:value=password required />
                    <button type="submit" disabled=move || reset.pending()>"Set password"</button>
                </form>
            </td>
        </tr>
    }
}

/// A new user: name, password, role.
#[component]
fn NewUserForm(on_created: impl Fn() + Clone + 'static) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new("agent".to_owned());
    let outcome = RwSignal::new(None::<Result<String, ApiError>>);
    let create = Job::new(move |user: NewUser| {
        let on_created = on_created.clone();
        async move {
            let done = api::create_user(&user).await.map(|()| {
                username.set(String::new());
                password.set(String::new());
                on_created();
                format!("{} can sign in now.", user.username)
            });
            outcome.set(Some(done));
        }
    });
    view! {
        <form class="user-form" aria-label="New user" on:submit=move |event| {
            event.prevent_default();
            create.dispatch(NewUser {
                username: username.get_untracked().trim().to_owned(),
                password: password.get_untracked(),
                role: if role.get_untracked() == "admin" { Role::Admin } else { Role::Agent },
            });
        }>
            <h3>"Add a user"</h3>
            <label>"User name"<input bind:value=username required maxlength="64" autocomplete="off" /></label>
            <label>"Password (12 characters at least)"<input type="password" bind:value=password required minlength="12" autocomplete="new-password" /></label>
            <label>"Role"<select bind:value=role>
                <option value="agent">"Agent"</option>
                <option value="admin">"Admin"</option>
            </select></label>
            <button type="submit" disabled=move || create.pending()>"Add user"</button>
        </form>
        {move || outcome.get().map(|done| match done {
            Ok(said) => view! { <p class="form-ok" role="status">{said}</p> }.into_any(),
            Err(failure) => view! { <p class="form-error" role="alert">{failure.to_string()}</p> }.into_any(),
        })}
    }
}
