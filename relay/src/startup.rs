//! Opening the store, building the router and running it until a shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use herald_domain::Provider;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::auth::LoginLimiter;
use crate::bootstrap;
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::crypto::SecretBox;
use crate::metrics::Metrics;
use crate::providers::Providers;
use crate::providers::meta::MetaClient;
use crate::state::AppState;
use crate::webhook_pipeline::WebhookQueue;
use crate::{campaigns, http, webhook_pipeline};

/// Binds the listening socket, naming the address in the error.
pub async fn bind(address: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address}"))
}

/// The relay's state, built once and complete, with what serving it needs.
pub struct Prepared {
    /// The state every handler and task shares.
    pub state: AppState,
    /// The lines to show the operator once (the first admin's password).
    pub notices: Vec<String>,
    webhook_queue: WebhookQueue,
}

/// Opens the database (applying migrations), loads the credentials key, builds the state and
/// seeds a fresh database. `listening` is the address the relay serves on (none for a
/// command-line task, which calls no provider).
pub async fn prepare(
    settings: &Settings,
    clock: Arc<dyn Clock>,
    listening: Option<SocketAddr>,
) -> anyhow::Result<Prepared> {
    std::fs::create_dir_all(&settings.data_dir).with_context(|| {
        format!(
            "cannot create the data folder {}",
            settings.data_dir.display()
        )
    })?;
    let store = herald_store_sql::open(&settings.database_url())
        .await
        .context("cannot open the database")?;
    let secrets = SecretBox::load(settings.secret_key.as_deref(), &settings.data_dir)?;
    // Providers on this machine (the in-process sandbox) reach the webhook over loopback.
    let webhook_url = listening.map(|address| {
        let loopback = SocketAddr::from(([127, 0, 0, 1], address.port()));
        format!("http://{loopback}/webhooks/meta")
    });
    let providers = Providers::new(
        MetaClient::http_client().context("cannot build the HTTP client")?,
        webhook_url,
        settings.sandbox_review_delay_ms,
        settings.send_timeout_ms,
    );
    let (webhooks, webhook_queue) = webhook_pipeline::channel();
    let state = AppState {
        store,
        clock,
        secrets: Arc::new(secrets),
        accounts: Arc::default(),
        providers: Arc::new(providers),
        webhooks,
        campaign_lease_ms: settings.campaign_lease_ms,
        metrics: Arc::new(Metrics::new()),
        login_limiter: Arc::new(LoginLimiter::new()),
        imports: Arc::default(),
        stopping: CancellationToken::new(),
    };
    let notices = bootstrap::first_start(&state, settings).await?;
    Ok(Prepared {
        state,
        notices,
        webhook_queue,
    })
}

/// Serves the relay on `listener` until `shutdown` resolves, then finishes in-flight requests
/// and stops the campaign engine once what it sent is stored.
pub async fn serve(
    listener: TcpListener,
    settings: Settings,
    prepared: Prepared,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let address = listener.local_addr()?;
    let Prepared {
        state,
        webhook_queue,
        ..
    } = prepared;
    webhook_pipeline::start(&state, webhook_queue);
    let engine = campaigns::start(&state);
    if settings.template_sync_seconds > 0 {
        tokio::spawn(sync_templates_periodically(
            state.clone(),
            Duration::from_secs(settings.template_sync_seconds),
        ));
    }
    let stopping = state.stopping.clone();
    let app = http::router(&settings, state);
    tracing::info!(%address, "relay listening");
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            stopping.cancel();
        })
        .await
        .context("server error");
    engine.stop().await;
    served
}

/// Every `period`, syncs the templates of every Meta and sandbox account, so that a missed
/// webhook is caught up and templates made in the provider's own console are imported.
async fn sync_templates_periodically(state: AppState, period: Duration) {
    let mut ticks = tokio::time::interval(period);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let accounts = match state.store.list_accounts().await {
            Ok(accounts) => accounts,
            Err(error) => {
                tracing::warn!(%error, "template sync: cannot list accounts");
                continue;
            }
        };
        for account in accounts
            .iter()
            .filter(|account| account.provider != Provider::Kaleyra)
        {
            match crate::templates::sync_account_templates(&state, account.id).await {
                Ok(report) => tracing::debug!(account = account.id, ?report, "templates synced"),
                Err(error) => tracing::warn!(account = account.id, %error, "template sync failed"),
            }
        }
    }
}

/// The machine's clock, for `prepare`.
pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
