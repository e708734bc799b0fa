//! Users, created by admins.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use herald_api::{NewUser, SessionUser};

use crate::auth;
use crate::error::{AppError, Result};
use crate::http::json::AppJson;
use crate::state::AppState;

/// Shortest password accepted.
pub(crate) const PASSWORD_MIN_CHARS: usize = 12;
const USERNAME_MAX_CHARS: usize = 64;

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

/// The rules for a new user, shared by the API and `relay user add`.
pub(crate) fn check_new_user(username: &str, password: &str) -> Result<()> {
    let valid_name = !username.is_empty()
        && username.chars().count() <= USERNAME_MAX_CHARS
        && username
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !valid_name {
        return Err(AppError::invalid(
            "username_invalid",
            "username",
            format!(
                "the user name must be 1 to {USERNAME_MAX_CHARS} letters, digits, '.', '_', '-' or '@'"
            ),
        ));
    }
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return Err(AppError::invalid(
            "password_too_short",
            "password",
            format!("the password must have at least {PASSWORD_MIN_CHARS} characters"),
        ));
    }
    Ok(())
}
