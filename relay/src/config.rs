//! Settings of a running relay, from flags and `HERALD_*` environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

/// Everything `relay serve` needs to start.
#[derive(Clone, Args)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port (the chosen address is printed).
    #[arg(long, env = "HERALD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Folder for the database and generated keys; created when missing.
    #[arg(long, env = "HERALD_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Folder holding the web app built by Trunk.
    #[arg(long, env = "HERALD_WEB_DIR", default_value = "dist")]
    pub web_dir: PathBuf,

    /// Database URL; defaults to the SQLite file `DATA_DIR/herald.db`.
    #[arg(long, env = "HERALD_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Key that encrypts credentials at rest (64 hex digits); generated into the data folder
    /// when absent.
    #[arg(long, env = "HERALD_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// Password of the first admin, created on first start; a random one is printed when absent.
    #[arg(long, env = "HERALD_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,

    /// Seconds between two syncs of every account's templates with its provider (0: never).
    #[arg(long, env = "HERALD_TEMPLATE_SYNC_SECONDS", default_value_t = 900)]
    pub template_sync_seconds: u64,

    /// Milliseconds the in-process sandbox provider takes to review a template.
    #[arg(long, env = "HERALD_SANDBOX_REVIEW_DELAY_MS", default_value_t = 3000)]
    pub sandbox_review_delay_ms: u64,

    /// Milliseconds a sender holds the contacts it claimed; a contact still being sent after
    /// that (the relay stopped mid-send) is reconciled with the provider's webhooks.
    #[arg(long, env = "HERALD_CAMPAIGN_LEASE_MS", default_value_t = 60_000)]
    pub campaign_lease_ms: i64,

    /// Milliseconds a campaign's send waits for the provider's answer; past that the contact is
    /// in doubt (the provider may have sent it) and its batch goes on without it.
    #[arg(long, env = "HERALD_SEND_TIMEOUT_MS", default_value_t = 5_000)]
    pub send_timeout_ms: u64,
}

impl Settings {
    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("herald.db").display()))
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets and database URLs (which may hold a password) are never logged.
        formatter
            .debug_struct("Settings")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("web_dir", &self.web_dir)
            .field("database_url", &self.database_url.as_ref().map(|_| "(set)"))
            .field("secret_key", &self.secret_key.as_ref().map(|_| "(set)"))
            .field(
                "admin_password",
                &self.admin_password.as_ref().map(|_| "(set)"),
            )
            .finish()
    }
}
