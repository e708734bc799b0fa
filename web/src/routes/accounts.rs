//! Provider accounts (admins only). Secrets are never shown: only whether each is set.

use leptos::prelude::*;

use crate::api;

/// The list of accounts.
#[component]
pub fn Accounts() -> impl IntoView {
    let accounts = LocalResource::new(api::list_accounts);
    view! {
        <h2>"Accounts"</h2>
        <Suspense fallback=|| view! { <p>"Loading accounts…"</p> }>
            {move || accounts.get().map(|result| match result {
                Err(error) => view! {
                    <p class="form-error" role="alert">{error.to_string()}" "
                        <button on:click=move |_| accounts.refetch()>"Retry"</button></p>
                }.into_any(),
                Ok(list) if list.is_empty() => view! { <p>"No accounts yet."</p> }.into_any(),
                Ok(list) => view! {
                    <table class="table" data-testid="accounts">
                        <thead><tr><th>"Name"</th><th>"Provider"</th><th>"Access token"</th><th>"App secret"</th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|account| view! {
                                <tr>
                                    <td>{account.name}</td>
                                    <td>{account.provider.as_str()}</td>
                                    <td>{if account.secrets_set.access_token { "set" } else { "not set" }}</td>
                                    <td>{if account.secrets_set.app_secret { "set" } else { "not set" }}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            })}
        </Suspense>
    }
}
