//! Campaign benchmarks against the release `relay` binary, run as its own process so that its
//! memory is measured alone (peak RSS from `/proc/PID/status`, `VmHWM`):
//!
//! - `import [ROWS]`: a CSV of ROWS contacts (default 1,000,000) imported into a list through
//!   the API; prints the time, rows per second and the relay's peak RSS.
//! - `send [CONTACTS]`: a campaign to CONTACTS contacts (default 50,000) through a `sandbox`
//!   process with its caps lifted; prints messages per second (durable per-contact state), and
//!   the sandbox's raw ceiling on the same endpoint measured with `wrk` in the same run.
//! - `rss [CONTACTS]`: the relay's peak RSS while it runs a campaign to CONTACTS contacts
//!   (default 1,000,000) for 60 seconds.
//!
//! Run: `cargo build --release -p relay -p herald-sandbox && cargo bench -p herald-tests
//! --bench campaigns -- import 1000000` (`HERALD_RELAY_BIN` / `HERALD_SANDBOX_BIN` name other
//! binaries; `HERALD_BENCH_DATABASE_URL=postgres://…` runs the relay on that empty PostgreSQL
//! database instead of its SQLite file).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Value, json};

const PASSWORD: &str = "bench-admin-password";

fn binary(variable: &str, name: &str) -> PathBuf {
    std::env::var_os(variable).map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../target/release")
                .join(name)
        },
        PathBuf::from,
    )
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A child process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Process {
    /// Peak resident memory so far, in MB.
    fn peak_rss_mb(&self) -> anyhow::Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0.id()))?;
        let kilobytes: f64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .context("no VmHWM")?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()?;
        Ok(kilobytes / 1024.0)
    }
}

struct Relay {
    process: Process,
    base: String,
    client: reqwest::Client,
    _folder: tempfile::TempDir,
}

impl Relay {
    async fn start() -> anyhow::Result<Self> {
        let folder = tempfile::tempdir()?;
        let port = free_port()?;
        let child = Command::new(binary("HERALD_RELAY_BIN", "relay"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(folder.path().join("data"))
            .arg("--web-dir")
            .arg(folder.path())
            .env("HERALD_ADMIN_PASSWORD", PASSWORD)
            .env("HERALD_LOG", "warn")
            .envs(
                std::env::var("HERALD_BENCH_DATABASE_URL").map(|url| ("HERALD_DATABASE_URL", url)),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start the relay: build it with cargo build --release -p relay")?;
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::builder().cookie_store(true).build()?;
        herald_tests::wait_until_healthy(&client, &format!("{base}/healthz")).await?;
        let signed_in = client
            .post(format!("{base}/api/v1/session"))
            .json(&json!({"username": "admin", "password": PASSWORD}))
            .send()
            .await?;
        anyhow::ensure!(signed_in.status().is_success(), "cannot sign in");
        Ok(Self {
            process: Process(child),
            base,
            client,
            _folder: folder,
        })
    }

    async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await?;
        anyhow::ensure!(status.is_success(), "{path}: {status} {body}");
        Ok(body)
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        Ok(self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await?
            .json()
            .await?)
    }

    /// A new list of the account holding `rows` generated contacts; returns its id and the
    /// import's duration.
    async fn import(&self, account: i64, rows: u64) -> anyhow::Result<(i64, Duration)> {
        let mut csv = String::with_capacity(usize::try_from(rows)? * 64);
        csv.push_str("phone,first_name,last_name,email,tier\n");
        for number in 0..rows {
            writeln!(
                csv,
                "+49 151 {number:08},Anna{number},Schmidt,anna{number}@example.com,gold"
            )?;
        }
        let list = self
            .post(
                &format!("/api/v1/accounts/{account}/lists"),
                &json!({"name": format!("Bench {rows}")}),
            )
            .await?;
        let list_id = list["id"].as_i64().context("list id")?;
        let started = Instant::now();
        let report: Value = self
            .client
            .post(format!("{}/api/v1/lists/{list_id}/import", self.base))
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await?
            .json()
            .await?;
        let elapsed = started.elapsed();
        anyhow::ensure!(
            report["created"].as_u64() == Some(rows),
            "import report: {report}"
        );
        Ok((list_id, elapsed))
    }
}

#[allow(clippy::print_stdout, clippy::cast_precision_loss)] // a bench binary prints its figures
async fn import(rows: u64) -> anyhow::Result<()> {
    let relay = Relay::start().await?;
    let (_, elapsed) = relay.import(1, rows).await?;
    println!(
        "import: {rows} rows in {:.2} s ({:.0} rows/s); relay peak RSS {:.1} MB",
        elapsed.as_secs_f64(),
        rows as f64 / elapsed.as_secs_f64(),
        relay.process.peak_rss_mb()?
    );
    Ok(())
}

const APP_SECRET: &str = "bench-app-secret";
const PHONE_NUMBER_ID: &str = "15550001000";

/// A `sandbox` process with its caps lifted, calling back `relay`. With `quiet`, statuses are
/// due only after an hour, so that the run measures sending alone.
fn sandbox(relay: &Relay, port: u16, quiet: bool) -> anyhow::Result<Process> {
    let child = Command::new(binary("HERALD_SANDBOX_BIN", "sandbox"))
        .env("SANDBOX_LISTEN", format!("127.0.0.1:{port}"))
        .env(
            "SANDBOX_WEBHOOK_URL",
            format!("{}/webhooks/meta", relay.base),
        )
        .env("SANDBOX_APP_SECRET", APP_SECRET)
        .env("SANDBOX_ACCESS_TOKEN", "bench-token")
        .env("SANDBOX_WABA_ID", "bench-waba")
        .env("SANDBOX_PHONE_NUMBER_ID", PHONE_NUMBER_ID)
        .env("SANDBOX_REVIEW_DELAY_MS", "10")
        .env("SANDBOX_MESSAGES_PER_SECOND", "0")
        .env("SANDBOX_PAIR_BURST", "0")
        .env("SANDBOX_REPLY_RATE", "0")
        .env("SANDBOX_READ_RATE", "0")
        .env(
            "SANDBOX_SENT_AFTER_MS",
            if quiet { "3600000" } else { "100" },
        )
        .env(
            "SANDBOX_DELIVERED_AFTER_MS",
            if quiet { "3600000" } else { "300" },
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context(
            "cannot start the sandbox: build it with cargo build --release -p herald-sandbox",
        )?;
    Ok(Process(child))
}

/// A Meta account on the sandbox at `port` with no throughput cap, an approved template mapped
/// to the first name, and a list of `contacts`; returns the account, template and list ids.
async fn campaign_ready(
    relay: &Relay,
    port: u16,
    contacts: u64,
) -> anyhow::Result<(i64, i64, i64)> {
    let base_url = format!("http://127.0.0.1:{port}/v23.0");
    herald_tests::wait_until_healthy(
        &relay.client,
        &format!("{base_url}/bench-waba/message_templates"),
    )
    .await
    .ok();
    let account = relay
        .post(
            "/api/v1/accounts",
            &json!({"name": "Bench", "provider": "meta",
                "settings": {"waba_id": "bench-waba", "phone_number_id": PHONE_NUMBER_ID, "base_url": base_url, "messages_per_second": 1_000_000},
                "secrets": {"access_token": "bench-token", "app_secret": APP_SECRET}}),
        )
        .await?["id"]
        .as_i64()
        .context("account id")?;
    let template = relay
        .post(
            &format!("/api/v1/accounts/{account}/templates"),
            &json!({"name": "bench_offer", "language": "en_US", "category": "MARKETING",
                "components": [{"type": "BODY", "text": "Hello {{1}}, our spring offer is here.", "example": {"body_text": [["Ann"]]}}],
                "herald": {"mapping": {"body": {"1": {"field": "first_name"}}}}}),
        )
        .await?["id"]
        .as_i64()
        .context("template id")?;
    relay
        .post(&format!("/api/v1/templates/{template}/submit"), &json!({}))
        .await?;
    herald_tests::eventually("the template's approval", || async {
        let shown = relay.get(&format!("/api/v1/templates/{template}")).await?;
        Ok((shown["status"] == "APPROVED").then_some(()))
    })
    .await?;
    let (list, _) = relay.import(account, contacts).await?;
    Ok((account, template, list))
}

/// Waits until no contact of `campaign` is fresh or being sent; returns the campaign as shown.
async fn all_sent(relay: &Relay, campaign: i64, contacts: u64) -> anyhow::Result<Value> {
    loop {
        let shown = relay.get(&format!("/api/v1/campaigns/{campaign}")).await?;
        let counts = &shown["counts"];
        if counts["fresh"] == 0 && counts["total"].as_u64() == Some(contacts) {
            let rows = relay
                .get(&format!(
                    "/api/v1/campaigns/{campaign}/hopper?state=sending&limit=1"
                ))
                .await?;
            if rows.as_array().is_some_and(Vec::is_empty) {
                return Ok(shown);
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The sandbox's own ceiling: `wrk` posting the same template message for `seconds`.
fn raw_ceiling(port: u16, seconds: u64) -> anyhow::Result<f64> {
    let folder = tempfile::tempdir()?;
    let script = folder.path().join("send.lua");
    let body = json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+4915100000001",
        "type": "template", "template": {"name": "bench_offer", "language": {"code": "en_US"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ann"}]}]}});
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.body = [[{body}]]\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"Bearer bench-token\"\n"
        ),
    )?;
    let output = Command::new("wrk")
        .args(["-t1", "-c64", &format!("-d{seconds}s"), "-s"])
        .arg(&script)
        .arg(format!(
            "http://127.0.0.1:{port}/v23.0/{PHONE_NUMBER_ID}/messages"
        ))
        .output()
        .context("wrk is needed for the raw ceiling: apt-get install wrk")?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|line| line.strip_prefix("Requests/sec:"))
        .context("wrk printed no rate")?
        .trim()
        .parse()
        .context("wrk's rate")
}

#[allow(clippy::print_stdout, clippy::cast_precision_loss)]
async fn send(contacts: u64) -> anyhow::Result<()> {
    let relay = Relay::start().await?;
    let port = free_port()?;
    let _sandbox = sandbox(&relay, port, true)?;
    let (account, template, list) = campaign_ready(&relay, port, contacts).await?;
    let started = Instant::now();
    let campaign = relay
        .post(
            &format!("/api/v1/accounts/{account}/campaigns"),
            &json!({"name": "Bench", "template_id": template, "list_ids": [list]}),
        )
        .await?["id"]
        .as_i64()
        .context("campaign id")?;
    let shown = all_sent(&relay, campaign, contacts).await?;
    let elapsed = started.elapsed().as_secs_f64();
    let ceiling = raw_ceiling(port, 10)?;
    let rate = contacts as f64 / elapsed;
    println!(
        "send: {contacts} contacts in {elapsed:.2} s = {rate:.0} messages/s (counts {}); sandbox raw ceiling (wrk -c64, same endpoint) {ceiling:.0} requests/s; ratio {:.2}; relay peak RSS {:.1} MB",
        shown["counts"],
        rate / ceiling,
        relay.process.peak_rss_mb()?
    );
    Ok(())
}

#[allow(clippy::print_stdout)]
async fn rss(contacts: u64) -> anyhow::Result<()> {
    let relay = Relay::start().await?;
    let port = free_port()?;
    let _sandbox = sandbox(&relay, port, false)?;
    let (account, template, list) = campaign_ready(&relay, port, contacts).await?;
    let before = relay.process.peak_rss_mb()?;
    relay
        .post(
            &format!("/api/v1/accounts/{account}/campaigns"),
            &json!({"name": "Bench", "template_id": template, "list_ids": [list]}),
        )
        .await?;
    tokio::time::sleep(Duration::from_secs(60)).await;
    let sent = relay
        .get(&format!("/api/v1/campaigns?account_id={account}"))
        .await?;
    println!(
        "rss: campaign of {contacts} contacts, 60 s of sending (counts {}); relay peak RSS {:.1} MB (after the import, before the campaign: {before:.1} MB)",
        sent[0]["counts"],
        relay.process.peak_rss_mb()?
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).filter(|arg| arg != "--bench");
    let mode = args.next().unwrap_or_else(|| "import".to_owned());
    let count: Option<u64> = args.next().and_then(|arg| arg.parse().ok());
    match mode.as_str() {
        "import" => import(count.unwrap_or(1_000_000)).await,
        "send" => send(count.unwrap_or(50_000)).await,
        "rss" => rss(count.unwrap_or(1_000_000)).await,
        other => anyhow::bail!("unknown mode {other}: import, send or rss"),
    }
}
