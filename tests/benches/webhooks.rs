//! Throughput and latency of signed Meta status webhooks against a real relay on loopback, each
//! stored durably (SQLite, `synchronous = FULL`, group commit) before its 200; and, in the same
//! run, the ceiling of the same HTTP path without storage (`GET /healthz`).
//!
//! Run: `cargo bench -p herald-tests --bench webhooks -- [SECONDS] [IN_FLIGHT]` (defaults 10, 64).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use herald_tests::TestRelay;
use serde_json::json;

const APP_SECRET: &str = "bench-app-secret";

#[allow(clippy::print_stdout)] // a bench binary prints its figures
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).filter(|arg| arg != "--bench");
    let seconds: u64 = args.next().and_then(|arg| arg.parse().ok()).unwrap_or(10);
    let in_flight: usize = args.next().and_then(|arg| arg.parse().ok()).unwrap_or(64);

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

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(in_flight)
        .build()?;
    let webhook_url = Arc::new(relay.url("/webhooks/meta"));
    let health_url = Arc::new(relay.url("/healthz"));

    let ceiling = load(&client, in_flight, Duration::from_secs(seconds.min(5)), {
        let url = Arc::clone(&health_url);
        move |client, _| client.get(url.as_str())
    })
    .await;
    let next = Arc::new(AtomicU64::new(0));
    let webhooks = load(&client, in_flight, Duration::from_secs(seconds), {
        let url = Arc::clone(&webhook_url);
        move |client, _| {
            let number = next.fetch_add(1, Ordering::Relaxed);
            let body = status_webhook(number);
            client
                .post(url.as_str())
                .header("content-type", "application/json")
                .header(
                    "x-hub-signature-256",
                    herald_sandbox::signature(APP_SECRET, body.as_bytes()),
                )
                .body(body)
        }
    })
    .await;

    println!(
        "machine: {} cores; {in_flight} requests in flight",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    ceiling.print("GET /healthz (ceiling, no storage)");
    webhooks.print("POST /webhooks/meta (signed status, stored before 200)");
    println!(
        "ratio to the ceiling: {:.2}",
        webhooks.per_second() / ceiling.per_second()
    );
    relay.stop().await
}

/// A `messages` webhook with three statuses of one outbound message, as Meta sends them.
fn status_webhook(number: u64) -> String {
    let status = |state: &str| {
        json!({
            "id": format!("wamid.bench{number}"), "status": state, "timestamp": "1750030073",
            "recipient_id": "393402211333", "biz_opaque_callback_data": format!("hopper:{number}"),
        })
    };
    json!({"object": "whatsapp_business_account", "entry": [{"id": "bench-waba", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "bench-phone"},
        "statuses": [status("sent")]
    }}]}]})
    .to_string()
}

struct Outcome {
    elapsed: Duration,
    latencies: Vec<Duration>,
    failures: u64,
}

impl Outcome {
    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, fraction: f64) -> Duration {
        let index = ((self.latencies.len() as f64 * fraction) as usize)
            .min(self.latencies.len().saturating_sub(1));
        self.latencies.get(index).copied().unwrap_or_default()
    }

    #[allow(clippy::print_stdout)]
    fn print(&self, what: &str) {
        println!(
            "{what}: {} ok, {} failed in {:.1} s = {:.0}/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            self.latencies.len(),
            self.failures,
            self.elapsed.as_secs_f64(),
            self.per_second(),
            self.percentile(0.50).as_secs_f64() * 1000.0,
            self.percentile(0.99).as_secs_f64() * 1000.0,
            self.latencies
                .last()
                .copied()
                .unwrap_or_default()
                .as_secs_f64()
                * 1000.0,
        );
    }
}

/// Keeps `in_flight` requests going for `duration` and records each latency.
async fn load<F>(
    client: &reqwest::Client,
    in_flight: usize,
    duration: Duration,
    request: F,
) -> Outcome
where
    F: Fn(&reqwest::Client, usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let request = Arc::new(request);
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = Vec::with_capacity(in_flight);
    for worker in 0..in_flight {
        let (client, request) = (client.clone(), Arc::clone(&request));
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = 0_u64;
            while Instant::now() < deadline {
                let sent = Instant::now();
                match request(&client, worker).send().await {
                    Ok(response) if response.status().is_success() => {
                        latencies.push(sent.elapsed())
                    }
                    _ => failures += 1,
                }
            }
            (latencies, failures)
        }));
    }
    let mut latencies = Vec::new();
    let mut failures = 0;
    for worker in workers {
        if let Ok((worker_latencies, worker_failures)) = worker.await {
            latencies.extend(worker_latencies);
            failures += worker_failures;
        }
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    Outcome {
        elapsed,
        latencies,
        failures,
    }
}
