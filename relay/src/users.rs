//! Users: the rules a new one follows, shared by the API and `relay user add`, and what admins
//! change (role, disabled, password) without ever leaving the relay without an active admin.

use herald_api::{ErrorCode, UserChange};
use herald_domain::Role;
use herald_store::{StoreError, UserRecord};

use crate::auth;
use crate::error::{AppError, Result};
use crate::state::AppState;

/// Shortest password accepted.
pub(crate) const PASSWORD_MIN_CHARS: usize = 12;
const USERNAME_MAX_CHARS: usize = 64;

/// The rules for a new user, shared by the API and `relay user add`.
pub(crate) fn check_new_user(username: &str, password: &str) -> Result<()> {
    let valid_name = !username.is_empty()
        && username.chars().count() <= USERNAME_MAX_CHARS
        && username
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !valid_name {
        return Err(AppError::invalid(
            ErrorCode::UsernameInvalid,
            "username",
            format!(
                "the user name must be 1 to {USERNAME_MAX_CHARS} letters, digits, '.', '_', '-' or '@'"
            ),
        ));
    }
    check_password(password)
}

fn check_password(password: &str) -> Result<()> {
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return Err(AppError::invalid(
            ErrorCode::PasswordTooShort,
            "password",
            format!("the password must have at least {PASSWORD_MIN_CHARS} characters"),
        ));
    }
    Ok(())
}

async fn load(state: &AppState, id: i64) -> Result<UserRecord> {
    state.store.user(id).await.map_err(|error| match error {
        StoreError::NotFound => AppError::NotFound("user"),
        other => other.into(),
    })
}

/// Applies `change` to user `id` and returns it as it now is. Refused when no active admin
/// would remain (an admin demoting or disabling the last one, themselves included).
pub(crate) async fn update(state: &AppState, id: i64, change: &UserChange) -> Result<UserRecord> {
    let user = load(state, id).await?;
    let now = state.clock.now_ms();
    let role = change.role.unwrap_or(user.role);
    let disabled_at = match change.disabled {
        Some(true) => user.disabled_at.or(Some(now)),
        Some(false) => None,
        None => user.disabled_at,
    };
    let stays_active_admin = role == Role::Admin && disabled_at.is_none();
    let was_active_admin = user.role == Role::Admin && user.disabled_at.is_none();
    if was_active_admin && !stays_active_admin {
        let other_admins = state
            .store
            .list_users()
            .await?
            .iter()
            .filter(|other| {
                other.id != id && other.role == Role::Admin && other.disabled_at.is_none()
            })
            .count();
        if other_admins == 0 {
            return Err(AppError::InvalidState {
                code: ErrorCode::LastAdmin,
                message: format!(
                    "{} is the only active admin: make another user admin first",
                    user.username
                ),
            });
        }
    }
    state.store.update_user(id, role, disabled_at, now).await?;
    load(state, id).await
}

/// Sets user `id`'s password; its sessions end, so whoever knew the old one is signed out.
pub(crate) async fn reset_password(state: &AppState, id: i64, password: &str) -> Result<()> {
    check_password(password)?;
    load(state, id).await?;
    let hash = auth::hash_password(password)?;
    state
        .store
        .set_password(id, &hash, state.clock.now_ms())
        .await?;
    Ok(())
}
