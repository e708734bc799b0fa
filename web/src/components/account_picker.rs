//! The account select every account-scoped page starts with (as in the seed: provider and
//! account first); it picks the first account when none is chosen.

use std::future::Future;

use herald_api::AccountView;
use leptos::prelude::*;

use crate::api::ApiError;
use crate::remote::Fetched;

/// What `fetch` gives for the picked account, reloaded when the pick changes; empty while
/// none is picked.
pub fn per_account<T, Fut>(
    account: impl Into<Signal<Option<i64>>>,
    fetch: fn(i64) -> Fut,
) -> Fetched<Result<T, ApiError>>
where
    T: Default + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let account = account.into();
    Fetched::new(move || {
        let account = account.get();
        async move {
            match account {
                Some(account) => fetch(account).await,
                None => Ok(T::default()),
            }
        }
    })
}

/// A labelled select of `accounts` bound to `account`.
#[component]
pub fn AccountPicker(
    accounts: Fetched<Result<Vec<AccountView>, ApiError>>,
    account: RwSignal<Option<i64>>,
) -> impl IntoView {
    Effect::new(move |_| {
        if account.get_untracked().is_none()
            && let Some(Ok(list)) = accounts.get()
        {
            account.set(list.first().map(|first| first.id));
        }
    });
    view! {
        <label for="account">"Account"</label>
        <select id="account" on:change=move |event| account.set(event_target_value(&event).parse().ok())
            prop:value=move || account.get().map(|id| id.to_string()).unwrap_or_default()>
            {move || accounts.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|account| view! {
                <option value=account.id.to_string()>{format!("{} ({})", account.name, account.provider)}</option>
            }).collect_view()}
        </select>
    }
}
