//! Users, created by admins.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use herald_api::{NewUser, SessionUser};

use crate::auth;
use crate::error::Result;
use crate::http::json::AppJson;
use crate::state::AppState;
use crate::users::check_new_user;

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
