//! Provider accounts over the API. Secrets are write-only: sealed before storage (see
//! [`crate::accounts`]), never returned.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use herald_api::{AccountInput, AccountSettings, AccountView, ConnectionReport, SecretsSet};
use herald_domain::Role;
use herald_store::UserRecord;

use crate::accounts::{self, OpenedAccount, insert_account, open_account};
use crate::error::Result;
use crate::http::json::AppJson;
use crate::state::AppState;

fn view(account: &OpenedAccount) -> AccountView {
    let set = |secret: &Option<String>| secret.as_ref().is_some_and(|value| !value.is_empty());
    AccountView {
        id: account.record.id,
        name: account.record.name.clone(),
        provider: account.record.provider,
        settings: account.settings.clone(),
        secrets_set: SecretsSet {
            access_token: set(&account.secrets.access_token),
            app_secret: set(&account.secrets.app_secret),
            verify_token: set(&account.secrets.verify_token),
            api_key: set(&account.secrets.api_key),
            callback_token: set(&account.secrets.callback_token),
        },
    }
}

/// `GET /api/v1/accounts`.
pub(crate) async fn list_accounts(
    State(state): State<AppState>,
    Extension(user): Extension<UserRecord>,
) -> Result<Json<Vec<AccountView>>> {
    let mut views = Vec::new();
    for record in state.store.list_accounts().await? {
        let shown = view(&open_account(&state, record.id).await?);
        views.push(if user.role == Role::Admin {
            shown
        } else {
            for_agents(shown)
        });
    }
    Ok(Json(views))
}

/// What an agent sees of an account: enough to pick it and know its recontact template, none
/// of its provider identifiers or which secrets it has.
fn for_agents(account: AccountView) -> AccountView {
    AccountView {
        settings: AccountSettings {
            recontact_template_id: account.settings.recontact_template_id,
            ..AccountSettings::default()
        },
        secrets_set: SecretsSet::default(),
        ..account
    }
}

/// `POST /api/v1/accounts`.
pub(crate) async fn create_account(
    State(state): State<AppState>,
    AppJson(input): AppJson<AccountInput>,
) -> Result<(StatusCode, Json<AccountView>)> {
    let account = insert_account(&state, &input).await?;
    Ok((StatusCode::CREATED, Json(view(&account))))
}

/// `GET /api/v1/accounts/{id}`.
pub(crate) async fn show_account(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<AccountView>> {
    Ok(Json(view(&open_account(&state, id).await?)))
}

/// `PUT /api/v1/accounts/{id}`: secrets absent from the body keep their value.
pub(crate) async fn update_account(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AppJson(input): AppJson<AccountInput>,
) -> Result<Json<AccountView>> {
    let account = crate::accounts::update_account(&state, id, &input).await?;
    Ok(Json(view(&account)))
}

/// `POST /api/v1/accounts/{id}/test`.
pub(crate) async fn test_connection(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ConnectionReport>> {
    Ok(Json(accounts::test_connection(&state, id).await?))
}
