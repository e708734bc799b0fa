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
//! binaries).

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
    async fn start(environment: &[(&str, String)]) -> anyhow::Result<Self> {
        let folder = tempfile::tempdir()?;
        let port = free_port()?;
        let child = Command::new(binary("HERALD_RELAY_BIN", "relay"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(folder.path().join("data"))
            .arg("--web-dir")
            .arg(folder.path())
            .env("HERALD_ADMIN_PASSWORD", PASSWORD)
            .env("RUST_LOG", "warn")
            .envs(
                environment
                    .iter()
                    .map(|(key, value)| (*key, value.as_str())),
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
    let relay = Relay::start(&[]).await?;
    let (_, elapsed) = relay.import(1, rows).await?;
    println!(
        "import: {rows} rows in {:.2} s ({:.0} rows/s); relay peak RSS {:.1} MB",
        elapsed.as_secs_f64(),
        rows as f64 / elapsed.as_secs_f64(),
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
        other => anyhow::bail!("unknown mode {other}: import, send or rss"),
    }
}
