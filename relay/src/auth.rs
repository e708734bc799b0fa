//! Passwords (argon2), sessions (a random token in an HttpOnly, SameSite=Strict cookie, stored
//! only as its SHA-256), the role guards every API route goes through, and the login limiter.

use std::num::NonZeroU32;

use aes_gcm::aead::OsRng;
use aes_gcm::aead::rand_core::RngCore;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use herald_domain::Role;
use herald_store::{StoreError, UserRecord};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::state::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "herald_session";
/// How long a session lasts.
pub const SESSION_LIFETIME_MS: i64 = 12 * 60 * 60 * 1000;
/// Login attempts allowed per user name per minute.
const LOGIN_ATTEMPTS_PER_MINUTE: u32 = 10;

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| anyhow::anyhow!("cannot hash the password: {error}"))
}

/// Whether `password` matches the stored hash.
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// A new random token (256 bits, hex).
pub fn new_token() -> String {
    let mut bytes = [0_u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A password people can type: 20 characters from an unambiguous alphabet (~100 bits).
pub fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0_u8; 20];
    OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|byte| char::from(ALPHABET[usize::from(*byte) % ALPHABET.len()]))
        .collect()
}

/// What the store keeps of a session token: its SHA-256, so a stolen database opens no session.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Limits login attempts per user name, so passwords cannot be guessed at speed.
pub struct LoginLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
}

impl LoginLimiter {
    /// Ten attempts per user name per minute, refilled continuously.
    pub fn new() -> Self {
        let per_minute = NonZeroU32::new(LOGIN_ATTEMPTS_PER_MINUTE).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
        }
    }

    /// Counts an attempt; `TooManyAttempts` past the quota.
    pub fn check(&self, username: &str) -> Result<(), AppError> {
        self.limiter
            .check_key(&username.to_lowercase())
            .map_err(|_| AppError::TooManyAttempts)
    }
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for LoginLimiter {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("LoginLimiter")
    }
}

/// The user of the session cookie in `jar`; `Unauthenticated` without a valid one.
pub(crate) async fn signed_in_user(
    state: &AppState,
    jar: &CookieJar,
) -> Result<UserRecord, AppError> {
    let token = jar.get(SESSION_COOKIE).ok_or(AppError::Unauthenticated)?;
    match state
        .store
        .session_user(&token_hash(token.value()), state.clock.now_ms())
        .await
    {
        Ok(user) => Ok(user),
        Err(StoreError::NotFound) => Err(AppError::Unauthenticated),
        Err(error) => Err(error.into()),
    }
}

/// Route guard: admins only. Agents get 403, visitors 401.
pub async fn require_admin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, AppError> {
    admit(&state, request, next, Role::Admin).await
}

/// Route guard: any signed-in user (agents and admins). Visitors get 401.
pub async fn require_agent(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, AppError> {
    admit(&state, request, next, Role::Agent).await
}

/// Lets the request through when its user's role allows `required`, with the user attached
/// (handlers read it as `Extension<UserRecord>`).
async fn admit(
    state: &AppState,
    mut request: Request,
    next: Next,
    required: Role,
) -> Result<Response, AppError> {
    let jar = CookieJar::from_headers(request.headers());
    let user = signed_in_user(state, &jar).await?;
    if !user.role.allows(required) {
        return Err(AppError::Forbidden);
    }
    request.extensions_mut().insert(user);
    Ok(next.run(request).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse battery!", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (first, second) = (new_token(), new_token());
        assert_ne!(first, second);
        assert_eq!(first.len(), 64);
        assert_eq!(token_hash(&first).len(), 64);
        assert_ne!(token_hash(&first), first);
        assert_eq!(new_password().len(), 20);
    }

    #[test]
    fn the_eleventh_attempt_in_a_minute_is_refused() {
        let limiter = LoginLimiter::new();
        for _ in 0..LOGIN_ATTEMPTS_PER_MINUTE {
            limiter.check("ann").unwrap();
        }
        assert!(matches!(
            limiter.check("Ann"),
            Err(AppError::TooManyAttempts)
        ));
        limiter.check("bob").unwrap();
    }
}
