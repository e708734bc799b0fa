//! Test harness: starts the real relay in-process on a random loopback port with a fresh data
//! folder, and waits until it answers `/healthz`.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use relay::config::Settings;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Password of the first admin (`admin`) of every test relay.
pub const ADMIN_PASSWORD: &str = "test-admin-password";

/// A relay running for one test; it shuts down when dropped.
pub struct TestRelay {
    /// Address the relay listens on.
    pub address: SocketAddr,
    /// A client for calls to the relay.
    pub client: reqwest::Client,
    /// The relay's store, for benches that set up more than the API would in reasonable time.
    pub store: std::sync::Arc<dyn herald_store::Store>,
    folder: TempDir,
    database_url: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    server: JoinHandle<anyhow::Result<()>>,
}

impl TestRelay {
    /// Starts a relay whose web folder holds a one-line `index.html`.
    pub async fn spawn() -> anyhow::Result<Self> {
        Self::spawn_with(|_| {}).await
    }

    /// Like [`TestRelay::spawn`], with settings changed by `configure` first.
    pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> anyhow::Result<Self> {
        Self::spawn_with_clock(configure, relay::startup::system_clock()).await
    }

    /// Like [`TestRelay::spawn_with`], reading time from `clock` (a `ManualClock` lets a test
    /// pass days in milliseconds).
    pub async fn spawn_with_clock(
        configure: impl FnOnce(&mut Settings),
        clock: std::sync::Arc<dyn relay::clock::Clock>,
    ) -> anyhow::Result<Self> {
        let folder = tempfile::tempdir()?;
        let web_dir = folder.path().join("web");
        std::fs::create_dir_all(&web_dir)?;
        std::fs::write(
            web_dir.join("index.html"),
            "<!doctype html><title>Herald test page</title>",
        )?;
        let mut settings = Settings {
            listen: "127.0.0.1:0".parse()?,
            data_dir: folder.path().join("data"),
            web_dir,
            database_url: test_database_url().await?,
            secret_key: None,
            admin_password: Some(ADMIN_PASSWORD.to_owned()),
            sandbox_review_delay_ms: 50,
            campaign_lease_ms: 60_000,
            send_timeout_ms: 5_000,
            template_sync_seconds: 0,
        };
        configure(&mut settings);
        let database_url = settings.database_url.clone();
        let listener = relay::startup::bind(settings.listen).await?;
        let address = listener.local_addr()?;
        let prepared = relay::startup::prepare(&settings, clock, Some(address)).await?;
        let store = std::sync::Arc::clone(&prepared.state.store);
        let (shutdown, shutdown_received) = oneshot::channel::<()>();
        let server = tokio::spawn(relay::startup::serve(listener, settings, prepared, async {
            let _ = shutdown_received.await;
        }));
        let relay = Self {
            address,
            client: reqwest::Client::new(),
            store,
            folder,
            database_url,
            shutdown: Some(shutdown),
            server,
        };
        relay.wait_until_healthy().await?;
        Ok(relay)
    }

    /// Absolute URL of `path` on this relay.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// `GET path` as `client`, its JSON answer.
    pub async fn get_json(
        &self,
        client: &reqwest::Client,
        path: &str,
    ) -> anyhow::Result<serde_json::Value> {
        Ok(client.get(self.url(path)).send().await?.json().await?)
    }

    /// A client with its own cookie jar, signed in as `username`.
    pub async fn signed_in(
        &self,
        username: &str,
        password: &str,
    ) -> anyhow::Result<reqwest::Client> {
        let client = reqwest::Client::builder().cookie_store(true).build()?;
        let response = client
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "sign-in as {username} failed: {}",
            response.status()
        );
        Ok(client)
    }

    /// A client signed in as the first admin.
    pub async fn admin(&self) -> anyhow::Result<reqwest::Client> {
        self.signed_in("admin", ADMIN_PASSWORD).await
    }

    /// Creates an agent through the API and returns a client signed in as it.
    pub async fn agent(&self) -> anyhow::Result<reqwest::Client> {
        let admin = self.admin().await?;
        let response = admin
            .post(self.url("/api/v1/users"))
            .json(&serde_json::json!({"username": "agent", "password": "agent-password-1", "role": "agent"}))
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "creating the agent failed: {}",
            response.status()
        );
        self.signed_in("agent", "agent-password-1").await
    }

    /// Every byte the database holds of the accounts table (SQLite: the database files;
    /// PostgreSQL: every column of every account row), to look for secrets in plain text.
    pub async fn stored_account_bytes(&self) -> anyhow::Result<Vec<u8>> {
        if let Some(url) = &self.database_url {
            let pool = sqlx::PgPool::connect(url).await?;
            let rows: Vec<(String, String, Vec<u8>)> =
                sqlx::query_as("select name, settings_json, secrets from accounts")
                    .fetch_all(&pool)
                    .await?;
            return Ok(rows
                .into_iter()
                .flat_map(|(name, settings, secrets)| {
                    [name.into_bytes(), settings.into_bytes(), secrets].concat()
                })
                .collect());
        }
        let mut bytes = Vec::new();
        for entry in std::fs::read_dir(self.data_dir())? {
            let path = entry?.path();
            if path
                .file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with("herald.db"))
            {
                bytes.extend(std::fs::read(path)?);
            }
        }
        Ok(bytes)
    }

    /// The id of the first account: the sandbox account seeded on first start.
    pub async fn sandbox_account_id(&self, admin: &reqwest::Client) -> anyhow::Result<i64> {
        let accounts: serde_json::Value = admin
            .get(self.url("/api/v1/accounts"))
            .send()
            .await?
            .json()
            .await?;
        accounts[0]["id"]
            .as_i64()
            .context("the relay has no account")
    }

    /// Submits template `id` to its provider.
    pub async fn submit_template(
        &self,
        admin: &reqwest::Client,
        id: &serde_json::Value,
    ) -> anyhow::Result<reqwest::Response> {
        let url = self.url(&format!("/api/v1/templates/{id}/submit"));
        Ok(admin.post(url).send().await?)
    }

    /// Waits until template `id` has status `wanted`; returns it as shown then.
    pub async fn template_status_becomes(
        &self,
        admin: &reqwest::Client,
        id: &serde_json::Value,
        wanted: &str,
    ) -> anyhow::Result<serde_json::Value> {
        let url = self.url(&format!("/api/v1/templates/{id}"));
        eventually(&format!("template {id} becoming {wanted}"), || async {
            let shown: serde_json::Value = admin.get(&url).send().await?.json().await?;
            Ok((shown["status"] == wanted).then_some(shown))
        })
        .await
    }

    /// The relay's data folder.
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.folder.path().join("data")
    }

    /// Stops the relay and waits for it to finish in-flight requests.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        (&mut self.server).await.context("relay task panicked")?
    }

    async fn wait_until_healthy(&self) -> anyhow::Result<()> {
        wait_until_healthy(&self.client, &self.url("/healthz")).await
    }
}

impl Drop for TestRelay {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// With `HERALD_TEST_DATABASE=postgres`, a fresh database on the server in
/// `HERALD_TEST_POSTGRES_URL` (`cargo xtask test` runs the suite that way too); else `None`, the
/// relay's default SQLite file in its data folder.
pub async fn test_database_url() -> anyhow::Result<Option<String>> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    if std::env::var("HERALD_TEST_DATABASE").as_deref() != Ok("postgres") {
        return Ok(None);
    }
    let server = std::env::var("HERALD_TEST_POSTGRES_URL")
        .context("HERALD_TEST_DATABASE=postgres needs HERALD_TEST_POSTGRES_URL")?;
    let database = format!(
        "herald_it_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let admin =
        sqlx::PgPool::connect(&format!("{}/postgres", server.trim_end_matches('/'))).await?;
    sqlx::query(&format!("create database {database}"))
        .execute(&admin)
        .await?;
    admin.close().await;
    Ok(Some(format!("{}/{database}", server.trim_end_matches('/'))))
}

/// Polls `probe` until it returns `Some`, with a growing pause between attempts, for at most
/// 10 s; for effects that arrive asynchronously (a webhook from the sandbox).
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Option<T>>>,
{
    let mut pause = Duration::from_millis(5);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(value) = probe().await? {
            return Ok(value);
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "{what} did not happen within 10 s"
        );
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}

/// Polls `url` until it answers 200, with a growing pause between attempts, for at most 10 s.
pub async fn wait_until_healthy(client: &reqwest::Client, url: &str) -> anyhow::Result<()> {
    let mut pause = Duration::from_millis(5);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match client.get(url).send().await {
            Ok(response) if response.status().is_success() => return Ok(()),
            result if tokio::time::Instant::now() >= deadline => {
                anyhow::bail!("{url} did not become healthy in 10 s: last answer {result:?}")
            }
            _ => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(200));
            }
        }
    }
}
