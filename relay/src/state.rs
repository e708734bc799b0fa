//! What every handler shares.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use herald_store::Store;
use tokio_util::sync::CancellationToken;

use crate::accounts::AccountDirectory;
use crate::auth::LoginLimiter;
use crate::clock::Clock;
use crate::crypto::SecretBox;
use crate::imports::ImportBoard;
use crate::metrics::Metrics;
use crate::webhook_pipeline::WebhookWriter;

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
    /// The client every provider call goes through (rustls, keep-alive).
    pub http_client: reqwest::Client,
    /// Where providers reach this relay's Meta webhook, known once the relay listens.
    pub webhook_url: Arc<OnceLock<String>>,
    /// Base URLs of the in-process sandboxes, by account id, started on first use.
    pub sandboxes: Arc<tokio::sync::Mutex<HashMap<i64, String>>>,
    /// How long the in-process sandbox takes to review a template.
    pub sandbox_review_delay_ms: u64,
    /// How long a campaign sender holds the contacts it claimed (ms).
    pub campaign_lease_ms: i64,
    /// How long a campaign's send waits for the provider's answer before the contact is in
    /// doubt (ms).
    pub send_timeout_ms: u64,
    /// Counters served at `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Accounts with their secrets opened, cached for webhooks; refreshed when one changes.
    pub accounts: Arc<AccountDirectory>,
    /// The group-commit writer of webhooks, started when the relay serves.
    pub webhooks: Arc<OnceLock<WebhookWriter>>,
    /// Contact imports in progress.
    pub imports: Arc<ImportBoard>,
    /// Cancelled when the relay begins to stop: the campaign engine gives back what it has not
    /// sent, and live streams end so that the server can drain.
    pub stopping: CancellationToken,
}
