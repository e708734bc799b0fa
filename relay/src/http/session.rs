//! Signing in and out.

use std::sync::LazyLock;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use herald_api::{ErrorCode, LoginRequest, SessionState, SessionUser};
use herald_store::StoreError;

use crate::auth::{self, SESSION_COOKIE, SESSION_LIFETIME_MS};
use crate::error::{AppError, Result};
use crate::http::json::AppJson;
use crate::state::AppState;

fn view(user: &herald_store::UserRecord) -> SessionUser {
    SessionUser {
        id: user.id,
        username: user.username.clone(),
        role: user.role,
    }
}

/// `POST /api/v1/session`: checks the password and sets the session cookie.
pub(crate) async fn create_session(
    State(state): State<AppState>,
    jar: CookieJar,
    AppJson(login): AppJson<LoginRequest>,
) -> Result<(CookieJar, Json<SessionUser>)> {
    state.login_limiter.check(&login.username)?;
    let user = match state.store.user_by_name(&login.username).await {
        Ok(user) => user,
        Err(StoreError::NotFound) => {
            // Spend the same time as a real check, so timing does not reveal user names.
            let _ = auth::verify_password(&login.password, &DUMMY_HASH);
            return Err(AppError::BadCredentials);
        }
        Err(error) => return Err(error.into()),
    };
    if !auth::verify_password(&login.password, &user.password_hash) {
        return Err(AppError::BadCredentials);
    }
    // Said only to whoever knows the password: it names no user to a guesser.
    if user.disabled_at.is_some() {
        return Err(AppError::InvalidState {
            code: ErrorCode::UserDisabled,
            message: "this user is disabled: ask an admin to enable it".to_owned(),
        });
    }
    let token = auth::new_token();
    let now = state.clock.now_ms();
    state
        .store
        .create_session(
            &auth::token_hash(&token),
            user.id,
            now + SESSION_LIFETIME_MS,
            now,
        )
        .await?;
    let cookie = Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .build();
    Ok((jar.add(cookie), Json(view(&user))))
}

/// A hash of a random password, checked for unknown users so that timing reveals no names.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| auth::hash_password(&auth::new_password()).unwrap_or_default());

/// `GET /api/v1/session`: who is signed in, or `{"user": null}` for a visitor, so that the app's
/// first look at the session is not an error.
pub(crate) async fn show_session(
    State(state): State<AppState>,
    jar: CookieJar,
) -> Result<Json<SessionState>> {
    match auth::signed_in_user(&state, &jar).await {
        Ok(user) => Ok(Json(SessionState {
            user: Some(view(&user)),
        })),
        Err(AppError::Unauthenticated) => Ok(Json(SessionState { user: None })),
        Err(error) => Err(error),
    }
}

/// `DELETE /api/v1/session`: ends the session and clears the cookie.
pub(crate) async fn delete_session(
    State(state): State<AppState>,
    jar: CookieJar,
) -> Result<(CookieJar, StatusCode)> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        state
            .store
            .delete_session(&auth::token_hash(cookie.value()))
            .await?;
    }
    Ok((
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        StatusCode::NO_CONTENT,
    ))
}
