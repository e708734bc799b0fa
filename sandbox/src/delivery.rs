//! Calling the relay back. Events queue in the outbox; one task drains it, Meta-style into one
//! batched webhook per drain (Meta batches too), Kaleyra-style one callback per event, and
//! delivers each with retries, as the providers retry any answer but 200.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::{Semaphore, mpsc};

use crate::{CallbackStyle, SandboxConfig};

/// Most events in one Meta-style webhook.
const BATCH_MAX: usize = 200;
/// Most webhooks in flight at once.
const IN_FLIGHT_MAX: usize = 32;
/// Deliveries of one webhook before giving up.
const ATTEMPTS: u32 = 8;

enum Outgoing {
    Status(Value),
    Inbound { contact: Value, message: Value },
    Template(Value),
}

/// The queue of events to send.
pub(crate) struct Outbox {
    queue: mpsc::UnboundedSender<Outgoing>,
}

impl Outbox {
    /// Starts the task that sends what is queued.
    pub(crate) fn start(config: &SandboxConfig) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?;
        let (queue, receiver) = mpsc::unbounded_channel();
        tokio::spawn(dispatch(config.clone(), client, receiver));
        Ok(Self { queue })
    }

    /// Queues a message status (Meta's `statuses[]` item).
    pub(crate) fn status(&self, status: Value) {
        let _ = self.queue.send(Outgoing::Status(status));
    }

    /// Queues a message from a contact (Meta's `contacts[]` and `messages[]` items).
    pub(crate) fn inbound(&self, contact: Value, message: Value) {
        let _ = self.queue.send(Outgoing::Inbound { contact, message });
    }

    /// Queues a `message_template_status_update` value.
    pub(crate) fn template_event(&self, value: Value) {
        let _ = self.queue.send(Outgoing::Template(value));
    }
}

async fn dispatch(
    config: SandboxConfig,
    client: reqwest::Client,
    mut receiver: mpsc::UnboundedReceiver<Outgoing>,
) {
    let config = Arc::new(config);
    let slots = Arc::new(Semaphore::new(IN_FLIGHT_MAX));
    let mut batch = Vec::with_capacity(BATCH_MAX);
    while receiver.recv_many(&mut batch, BATCH_MAX).await > 0 {
        let bodies = match config.style {
            CallbackStyle::Meta => vec![meta_webhook(&config, batch.drain(..))],
            CallbackStyle::Kaleyra => batch
                .drain(..)
                .map(|event| kaleyra_callback(&config, event))
                .collect(),
        };
        for body in bodies {
            let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
                return;
            };
            let (client, config) = (client.clone(), Arc::clone(&config));
            tokio::spawn(async move {
                deliver(&client, &config, body.to_string()).await;
                drop(permit);
            });
        }
    }
}

fn metadata(config: &SandboxConfig) -> Value {
    json!({"display_phone_number": config.phone_number_id, "phone_number_id": config.phone_number_id})
}

fn meta_webhook(config: &SandboxConfig, events: impl Iterator<Item = Outgoing>) -> Value {
    let (mut statuses, mut contacts, mut messages, mut changes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for event in events {
        match event {
            Outgoing::Status(status) => statuses.push(status),
            Outgoing::Inbound { contact, message } => {
                contacts.push(contact);
                messages.push(message);
            }
            Outgoing::Template(value) => {
                changes.push(json!({"field": "message_template_status_update", "value": value}))
            }
        }
    }
    let value = |extra: Value| {
        let mut value = json!({"messaging_product": "whatsapp", "metadata": metadata(config)});
        if let (Some(value), Value::Object(extra)) = (value.as_object_mut(), extra) {
            value.extend(extra);
        }
        value
    };
    if !statuses.is_empty() {
        changes.push(json!({"field": "messages", "value": value(json!({"statuses": statuses}))}));
    }
    if !messages.is_empty() {
        changes.push(json!({"field": "messages", "value": value(json!({"contacts": contacts, "messages": messages}))}));
    }
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": config.waba_id, "changes": changes}],
    })
}

fn kaleyra_callback(config: &SandboxConfig, event: Outgoing) -> Value {
    match event {
        Outgoing::Status(status) => {
            let id = status.get("id").cloned().unwrap_or_default();
            let word = status
                .get("status")
                .and_then(Value::as_str)
                .map(str::to_ascii_uppercase)
                .unwrap_or_default();
            json!({
                "meta_object": {"field": "messages", "value": {
                    "messaging_product": "whatsapp", "metadata": metadata(config), "statuses": [status],
                }},
                "extra_info": {"message_id": id, "waba_id": config.waba_id},
                "status": word,
                "message_id": id,
            })
        }
        Outgoing::Inbound { contact, message } => {
            json!({"contacts": [contact], "messages": [message]})
        }
        Outgoing::Template(value) => value,
    }
}

async fn deliver(client: &reqwest::Client, config: &SandboxConfig, body: String) {
    let mut pause = Duration::from_millis(250);
    for attempt in 1..=ATTEMPTS {
        let request = client
            .post(&config.webhook_url)
            .header("content-type", "application/json");
        let request = match config.style {
            CallbackStyle::Meta => request.header(
                "x-hub-signature-256",
                signature(&config.app_secret, body.as_bytes()),
            ),
            CallbackStyle::Kaleyra => request.header("x-herald-token", &config.callback_token),
        };
        match request.body(body.clone()).send().await {
            Ok(response) if response.status().is_success() => return,
            Ok(response) => {
                tracing::warn!(status = %response.status(), attempt, "the webhook was refused");
            }
            Err(error) => tracing::warn!(%error, attempt, "the webhook could not be delivered"),
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}

/// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`, as Meta signs.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC accepts keys of every length, so this never takes the early return.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    format!("sha256={}", hex::encode(digest))
}
