//! Users, managed by admins: created, listed, their role changed, disabled, their password
//! reset.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use herald_api::{NewPassword, NewUser, SessionUser, UserChange, UserView};
use herald_store::UserRecord;

use crate::auth;
use crate::error::Result;
use crate::http::json::AppJson;
use crate::state::AppState;
use crate::users::{self, check_new_user};

fn view(user: UserRecord) -> UserView {
    UserView {
        id: user.id,
        username: user.username,
        role: user.role,
        disabled: user.disabled_at.is_some(),
    }
}

/// `GET /api/v1/users`.
pub(crate) async fn list_users(State(state): State<AppState>) -> Result<Json<Vec<UserView>>> {
    let found = state.store.list_users().await?;
    Ok(Json(found.into_iter().map(view).collect()))
}

/// `PUT /api/v1/users/{id}`.
pub(crate) async fn update_user(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AppJson(change): AppJson<UserChange>,
) -> Result<Json<UserView>> {
    Ok(Json(view(users::update(&state, id, &change).await?)))
}

/// `PUT /api/v1/users/{id}/password`.
pub(crate) async fn reset_password(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AppJson(request): AppJson<NewPassword>,
) -> Result<StatusCode> {
    users::reset_password(&state, id, &request.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/users`.
pub(crate) async fn create_user(
    State(state): State<AppState>,
    AppJson(user): AppJson<NewUser>,
) -> Result<(StatusCode, Json<SessionUser>)> {
    let username = user.username.trim();
    check_new_user(username, &user.password)?;
    let hash = auth::hash_password(&user.password)?;
    let id = state
        .store
        .create_user(username, &hash, user.role, state.clock.now_ms())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(SessionUser {
            id,
            username: username.to_owned(),
            role: user.role,
        }),
    ))
}
