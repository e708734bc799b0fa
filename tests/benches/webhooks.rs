//! Throughput and latency of signed Meta status webhooks against a real relay on loopback, each
//! stored durably (SQLite, `synchronous = FULL`, group commit, the status applied to its message
//! in the same transaction) before its 200; and, in the same run, the ceiling of the same HTTP
//! path without storage (`GET /healthz`).
//!
//! The load comes from `wrk` (Debian's package: `apt-get install wrk`), a separate process in C
//! that costs the relay far less of the two cores than a Rust client in the relay's own runtime
//! would. Bodies are distinct and signed beforehand; a Lua script hands them out.
//!
//! Run: `cargo bench -p herald-tests --bench webhooks -- [SECONDS] [CONNECTIONS] [recorded]`
//! (defaults 10, 128). By default each webhook is the `sent` status of a message the relay never
//! recorded (so each one creates the message's row); with `recorded`, the relay's store first
//! records the outbound messages, and each gets `sent`, `delivered` and `read` in that order,
//! as Meta sends them for messages Herald sent.

use std::fmt::Write as _;
use std::process::Command;

use herald_tests::TestRelay;
use serde_json::json;

const APP_SECRET: &str = "bench-app-secret";
/// Distinct bodies prepared per second of load: more than the relay can take.
const BODIES_PER_SECOND: u64 = 25_000;

/// Hands out the prepared bodies; each wrk thread takes every `threads`-th line.
const SCRIPT: &str = r#"
local signatures, bodies, next_index = {}, {}, 0
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  local threads, line_number = tonumber(args[2]), 0
  for line in io.lines(args[1]) do
    if line_number % threads == id then
      local tab = line:find("\t", 1, true)
      signatures[#signatures + 1] = line:sub(1, tab - 1)
      bodies[#bodies + 1] = line:sub(tab + 1)
    end
    line_number = line_number + 1
  end
end
function request()
  next_index = next_index % #bodies + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = signatures[next_index]}, bodies[next_index])
end
"#;

#[allow(clippy::print_stdout)] // a bench binary prints its figures
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).filter(|arg| arg != "--bench");
    let seconds: u64 = args.next().and_then(|arg| arg.parse().ok()).unwrap_or(10);
    let connections: u64 = args.next().and_then(|arg| arg.parse().ok()).unwrap_or(128);
    let recorded = args.next().as_deref() == Some("recorded");
    let threads = 1;

    let relay = TestRelay::spawn().await?;
    let admin = relay.admin().await?;
    let created = admin
        .post(relay.url("/api/v1/accounts"))
        .json(&json!({
            "name": "Bench", "provider": "meta",
            "settings": {"waba_id": "bench-waba", "phone_number_id": "bench-phone", "base_url": "http://127.0.0.1:9"},
            "secrets": {"access_token": "t", "app_secret": APP_SECRET}
        }))
        .send()
        .await?;
    anyhow::ensure!(created.status().is_success(), "cannot create the account");
    let account: serde_json::Value = created.json().await?;
    let account = account["id"]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("the account has no id: {account}"))?;

    let folder = tempfile::tempdir()?;
    let bodies_path = folder.path().join("bodies.tsv");
    let script_path = folder.path().join("webhooks.lua");
    let mut lines = String::new();
    let bodies = BODIES_PER_SECOND * seconds;
    if recorded {
        record_messages(&relay, account, bodies / 3).await?;
    }
    for number in 0..bodies {
        let body = if recorded {
            status_webhook(
                number / 3,
                ["sent", "delivered", "read"][(number % 3) as usize],
            )
        } else {
            status_webhook(number, "sent")
        };
        let signature = herald_sandbox::signature(APP_SECRET, body.as_bytes());
        writeln!(lines, "{signature}\t{body}")?;
    }
    std::fs::write(&bodies_path, lines)?;
    std::fs::write(&script_path, SCRIPT)?;

    let wrk = |url: &str, duration: u64, script: Option<String>| {
        let mut command = Command::new("wrk");
        command
            .arg(format!("-t{threads}"))
            .arg(format!("-c{connections}"))
            .arg(format!("-d{duration}s"))
            .arg("--latency");
        if let Some(script) = &script {
            command.arg("-s").arg(script);
        }
        command.arg(url);
        if script.is_some() {
            command.arg("--").arg(&bodies_path).arg(threads.to_string());
        }
        tokio::task::spawn_blocking(move || command.output())
    };
    let ceiling = wrk(&relay.url("/healthz"), seconds.min(5), None).await??;
    let webhooks = wrk(
        &relay.url("/webhooks/meta"),
        seconds,
        Some(script_path.display().to_string()),
    )
    .await??;
    anyhow::ensure!(
        webhooks.status.success(),
        "wrk failed (is it installed? apt-get install wrk): {}",
        String::from_utf8_lossy(&webhooks.stderr)
    );
    let ceiling = Figures::read(&String::from_utf8_lossy(&ceiling.stdout));
    let stored = Figures::read(&String::from_utf8_lossy(&webhooks.stdout));
    let metrics = relay
        .client
        .get(relay.url("/metrics"))
        .send()
        .await?
        .text()
        .await?;
    let counted = |outcome: &str| {
        metrics
            .lines()
            .find(|line| {
                line.starts_with("herald_webhooks_total")
                    && line.contains(&format!("outcome=\"{outcome}\""))
            })
            .and_then(|line| line.rsplit(' ').next())
            .unwrap_or("0")
            .to_owned()
    };

    println!(
        "machine: {} cores; wrk -t{threads} -c{connections}, {seconds} s",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    ceiling.print("GET /healthz (ceiling, no storage)");
    stored.print("POST /webhooks/meta (signed status, stored and applied before 200)");
    println!(
        "relay counted {} stored, {} replayed; ratio to the ceiling: {:.2}",
        counted("stored"),
        counted("replayed"),
        stored.per_second / ceiling.per_second
    );
    relay.stop().await
}

/// Records `count` outbound template messages of the bench account, as the sender would have.
async fn record_messages(relay: &TestRelay, account: i64, count: u64) -> anyhow::Result<()> {
    let texts: Vec<(String, String)> = (0..count)
        .map(|number| (format!("wamid.bench{number}"), format!("3934{number:08}")))
        .collect();
    for chunk in texts.chunks(2_000) {
        let messages: Vec<herald_store::OutboundMessage<'_>> = chunk
            .iter()
            .map(|(message_id, phone)| herald_store::OutboundMessage {
                account_id: account,
                provider_message_id: message_id,
                kind: herald_domain::MessageKind::Template,
                phone,
                body: "Hello from the bench",
                payload: "{}",
                callback_data: None,
                category: Some("MARKETING"),
            })
            .collect();
        relay.store.apply_hopper_moves(&[], &messages, 1).await?;
    }
    Ok(())
}

/// A `messages` webhook with one status of one outbound message, as Meta sends it.
fn status_webhook(number: u64, status: &str) -> String {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "bench-waba", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "bench-phone"},
        "statuses": [{
            "id": format!("wamid.bench{number}"), "status": status, "timestamp": "1750030073",
            "recipient_id": "393402211333", "biz_opaque_callback_data": format!("hopper:{number}"),
        }]
    }}]}]})
    .to_string()
}

/// What wrk printed.
struct Figures {
    per_second: f64,
    p50: String,
    p99: String,
    requests: String,
    errors: String,
}

impl Figures {
    fn read(output: &str) -> Self {
        let after = |prefix: &str| {
            output
                .lines()
                .map(str::trim)
                .find_map(|line| line.strip_prefix(prefix))
                .map(|rest| rest.trim().to_owned())
        };
        Self {
            per_second: after("Requests/sec:")
                .and_then(|value| value.parse().ok())
                .unwrap_or_default(),
            p50: after("50%").unwrap_or_default(),
            p99: after("99%").unwrap_or_default(),
            requests: output
                .lines()
                .find(|line| line.contains("requests in"))
                .map(|line| line.trim().to_owned())
                .unwrap_or_default(),
            errors: after("Non-2xx or 3xx responses:").unwrap_or_else(|| "0".to_owned()),
        }
    }

    #[allow(clippy::print_stdout)]
    fn print(&self, what: &str) {
        println!(
            "{what}: {:.0}/s; latency p50 {}, p99 {}; {}; non-2xx {}",
            self.per_second, self.p50, self.p99, self.requests, self.errors
        );
    }
}
