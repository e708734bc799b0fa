//! What every handler shares.

use std::sync::Arc;

use herald_store::Store;
use tokio_util::sync::CancellationToken;

use crate::accounts::AccountDirectory;
use crate::auth::LoginLimiter;
use crate::clock::Clock;
use crate::crypto::SecretBox;
use crate::imports::ImportBoard;
use crate::metrics::Metrics;
use crate::providers::Providers;
use crate::webhook_pipeline::WebhookWriter;

/// Shared state of the running relay, built once and complete (`startup::prepare`); cheap to
/// clone.
#[derive(Clone)]
pub struct AppState {
    /// The only way to the database.
    pub store: Arc<dyn Store>,
    /// The injected clock.
    pub clock: Arc<dyn Clock>,
    /// Seals and opens credentials.
    pub secrets: Arc<SecretBox>,
    /// Accounts with their secrets opened, cached; refreshed when one changes.
    pub accounts: Arc<AccountDirectory>,
    /// How the relay reaches providers: the HTTP client, the in-process sandboxes, limits.
    pub providers: Arc<Providers>,
    /// The group-commit writer of webhooks.
    pub webhooks: WebhookWriter,
    /// How long a campaign sender holds the contacts it claimed (ms).
    pub campaign_lease_ms: i64,
    /// Counters served at `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Login attempts per user name.
    pub login_limiter: Arc<LoginLimiter>,
    /// Contact imports in progress.
    pub imports: Arc<ImportBoard>,
    /// Cancelled when the relay begins to stop: the campaign engine gives back what it has not
    /// sent, and live streams end so that the server can drain.
    pub stopping: CancellationToken,
}
