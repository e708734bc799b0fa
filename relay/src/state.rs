//! What every handler shares.

use std::sync::Arc;

use herald_store::Store;

use crate::auth::LoginLimiter;
use crate::clock::Clock;
use crate::crypto::SecretBox;

/// Shared state of the running relay; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The only way to the database.
    pub store: Arc<dyn Store>,
    /// Seals and opens credentials.
    pub secrets: Arc<SecretBox>,
    /// The injected clock.
    pub clock: Arc<dyn Clock>,
    /// Login attempts per user name.
    pub login_limiter: Arc<LoginLimiter>,
}
