//! The relay killed with SIGKILL at random moments while it sends a 20,000-contact campaign,
//! and restarted each time: the sandbox's log must show no contact sent the template twice, and
//! every contact must end in a state that agrees with that log.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use herald_sandbox::{CallbackStyle, SandboxConfig};
use herald_tests::{ADMIN_PASSWORD, eventually, test_database_url, wait_until_healthy};
use serde_json::{Value, json};

const CONTACTS: usize = 20_000;
const KILLS: usize = 5;

/// The relay binary the workspace built (`HERALD_RELAY_BIN` names another).
fn relay_binary() -> PathBuf {
    std::env::var_os("HERALD_RELAY_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/relay"),
        PathBuf::from,
    )
}

struct RelayProcess {
    child: Child,
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Launcher {
    port: u16,
    folder: tempfile::TempDir,
    database_url: Option<String>,
}

impl Launcher {
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn start(&self) -> (RelayProcess, reqwest::Client) {
        let mut command = Command::new(relay_binary());
        command
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .arg("--data-dir")
            .arg(self.folder.path().join("data"))
            .arg("--web-dir")
            .arg(self.folder.path())
            .env("HERALD_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("HERALD_CAMPAIGN_LEASE_MS", "2000")
            .env("HERALD_TEMPLATE_SYNC_SECONDS", "0")
            .env("HERALD_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(url) = &self.database_url {
            command.env("HERALD_DATABASE_URL", url);
        }
        let child = command
            .spawn()
            .expect("the relay binary: cargo build -p relay (or set HERALD_RELAY_BIN)");
        let process = RelayProcess { child };
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        wait_until_healthy(&client, &format!("{}/healthz", self.base()))
            .await
            .unwrap();
        let signed_in = client
            .post(format!("{}/api/v1/session", self.base()))
            .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert!(signed_in.status().is_success());
        (process, client)
    }
}

/// A small deterministic generator (xorshift), seeded from the clock and printed, so that a
/// failing run can be replayed with `HERALD_KILL_SEED`.
fn pauses() -> Vec<Duration> {
    let mut seed: u64 = std::env::var("HERALD_KILL_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or_else(|| {
            u64::from(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .subsec_nanos(),
            ) | 1
        });
    eprintln!("kill test seed: {seed}");
    (0..KILLS)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            Duration::from_millis(300 + seed % 1_700)
        })
        .collect()
}

#[tokio::test]
async fn sigkill_at_random_moments_never_sends_a_contact_twice() {
    let launcher = Launcher {
        port: std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port(),
        folder: tempfile::tempdir().unwrap(),
        database_url: test_database_url().await.unwrap(),
    };
    let config = SandboxConfig {
        webhook_url: format!("{}/webhooks/meta", launcher.base()),
        style: CallbackStyle::Meta,
        app_secret: "app-secret".into(),
        access_token: "token".into(),
        waba_id: "waba-m".into(),
        phone_number_id: "15550001000".into(),
        review_delay_ms: 10,
        sent_after_ms: 5,
        delivered_after_ms: 20,
        read_rate: 0.0,
        reply_rate: 0.0,
        failure_rate: 0.0,
        messages_per_second: 0,
        pair_burst: 0,
        ..SandboxConfig::from_env()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = herald_sandbox::start(listener, config).unwrap();

    let (mut relay, mut client) = launcher.start().await;
    let base = launcher.base();
    let post = |client: &reqwest::Client, path: &str, body: Value| {
        let request = client.post(format!("{base}{path}")).json(&body);
        async move {
            let response = request.send().await.unwrap();
            assert!(response.status().is_success(), "{}", response.status());
            response.json::<Value>().await.unwrap()
        }
    };
    let account = post(
        &client,
        "/api/v1/accounts",
        json!({"name": "Meta", "provider": "meta",
            "settings": {"waba_id": "waba-m", "phone_number_id": "15550001000", "base_url": sandbox.base_url, "messages_per_second": 1500},
            "secrets": {"access_token": "token", "app_secret": "app-secret"}}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let template = post(
        &client,
        &format!("/api/v1/accounts/{account}/templates"),
        json!({"name": "offer", "language": "en_US", "category": "MARKETING",
            "components": [{"type": "BODY", "text": "Hello {{1}}, our spring offer is here.", "example": {"body_text": [["Ann"]]}}],
            "herald": {"mapping": {"body": {"1": {"field": "first_name"}}}}}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    post(
        &client,
        &format!("/api/v1/templates/{template}/submit"),
        json!({}),
    )
    .await;
    eventually("the template's approval", || async {
        let shown: Value = client
            .get(format!("{base}/api/v1/templates/{template}"))
            .send()
            .await?
            .json()
            .await?;
        Ok((shown["status"] == "APPROVED").then_some(()))
    })
    .await
    .unwrap();
    let list = post(
        &client,
        &format!("/api/v1/accounts/{account}/lists"),
        json!({"name": "Many"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let csv: String = std::iter::once("phone,first_name\n".to_owned())
        .chain((0..CONTACTS).map(|n| format!("4915{n:08},Ann\n")))
        .collect();
    let imported: Value = client
        .post(format!("{base}/api/v1/lists/{list}/import"))
        .body(csv)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(imported["created"], CONTACTS);
    let campaign = post(
        &client,
        &format!("/api/v1/accounts/{account}/campaigns"),
        json!({"name": "Many", "template_id": template, "list_ids": [list]}),
    )
    .await["id"]
        .as_i64()
        .unwrap();

    for pause in pauses() {
        tokio::time::sleep(pause).await;
        relay.child.kill().unwrap();
        relay.child.wait().unwrap();
        let sent = sandbox.accepted_messages().len();
        eprintln!("killed after {pause:?}: {sent} messages accepted so far");
        (relay, client) = launcher.start().await;
    }

    // Every contact reaches a state that says whether it was sent, and the sandbox agrees.
    let rows = eventually_with(Duration::from_secs(120), || async {
        let mut rows: Vec<Value> = Vec::new();
        let mut after = 0;
        loop {
            let page: Vec<Value> = client
                .get(format!(
                    "{base}/api/v1/campaigns/{campaign}/hopper?after={after}&limit=1000"
                ))
                .send()
                .await?
                .json()
                .await?;
            let Some(last) = page.last() else { break };
            after = last["id"].as_i64().unwrap();
            rows.extend(page);
        }
        let settled = rows.len() == CONTACTS
            && rows.iter().all(|row| {
                row["state"] == "pending"
                    || (row["state"] == "retry" && row["outcome"] == "in_doubt")
            });
        let agreed = settled && {
            let sent = sends_by_phone(&sandbox);
            rows.iter().all(|row| {
                let phone = row["phone"].as_str().unwrap();
                (row["state"] == "pending") == sent.contains_key(phone)
            })
        };
        Ok(agreed.then_some(rows))
    })
    .await;

    let sent = sends_by_phone(&sandbox);
    let twice: Vec<(&String, &usize)> = sent.iter().filter(|(_, count)| **count > 1).collect();
    assert!(twice.is_empty(), "contacts sent twice: {twice:?}");
    let pending = rows.iter().filter(|row| row["state"] == "pending").count();
    assert_eq!(pending, sent.len());
    eprintln!(
        "{} contacts sent once each, {} left in doubt (sent again only by a knowing resend)",
        sent.len(),
        CONTACTS - pending
    );
    drop(relay);
}

fn sends_by_phone(sandbox: &herald_sandbox::Sandbox) -> HashMap<String, usize> {
    let mut sent: HashMap<String, usize> = HashMap::new();
    for message in sandbox.accepted_messages() {
        *sent
            .entry(message.to.trim_start_matches('+').to_owned())
            .or_default() += 1;
    }
    sent
}

/// Like `eventually`, with a longer limit: the whole campaign must finish.
async fn eventually_with<T, F, Fut>(limit: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(value) = probe().await.unwrap() {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the campaign did not settle within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
