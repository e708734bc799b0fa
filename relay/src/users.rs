//! Users: the rules a new one follows, shared by the API and `relay user add`.

use herald_api::ErrorCode;

use crate::error::{AppError, Result};

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
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return Err(AppError::invalid(
            ErrorCode::PasswordTooShort,
            "password",
            format!("the password must have at least {PASSWORD_MIN_CHARS} characters"),
        ));
    }
    Ok(())
}
