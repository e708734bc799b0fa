//! The path of a webhook after its signature is checked: group commit, then application.
//!
//! Many concurrent webhooks share one transaction: the writer takes every event waiting (up to
//! [`BATCH_MAX`]), stores them in one commit, and only then lets each request answer 200. One
//! fsync per webhook would cap the relay near the disk's flush rate (CEILINGS.md); one per batch
//! does not. Message statuses and inbound messages (nearly all the traffic) are applied inside
//! that same transaction, so they are durable and visible at the 200. Template events, and what
//! statuses and answers mean for campaign contacts, wait for the applier, which reads stored, unapplied events in order, applies them (idempotent:
//! replaying one changes nothing) and marks them; events stored before a crash and not yet
//! applied are applied on the next start.

use std::sync::Arc;

use herald_domain::{Provider, WebhookContent};
use herald_store::NewWebhookEvent;
use tokio::sync::{Notify, mpsc, oneshot};

use crate::state::AppState;

/// Most webhooks stored in one transaction.
const BATCH_MAX: usize = 256;
/// Pause before taking again webhooks whose send is not recorded yet.
const DEFER_PAUSE: std::time::Duration = std::time::Duration::from_millis(20);
/// Most stored webhooks applied per round.
const APPLY_BATCH: i64 = 512;

/// A webhook to store.
#[derive(Debug)]
pub struct IncomingWebhook {
    /// Which provider sent it.
    pub provider: Provider,
    /// The account it concerns.
    pub account_id: i64,
    /// SHA-256 of the raw body.
    pub dedupe_key: String,
    /// The raw body.
    pub payload: String,
    /// What it says.
    pub content: WebhookContent,
}

/// Whether the webhook was stored now or had been stored before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Stored by this delivery.
    New,
    /// A replay of a stored delivery.
    Replay,
}

type Job = (IncomingWebhook, oneshot::Sender<Result<Stored, String>>);

/// The handle requests use to store webhooks.
#[derive(Debug, Clone)]
pub struct WebhookWriter {
    jobs: mpsc::Sender<Job>,
}

impl WebhookWriter {
    /// Stores `webhook` durably; returns once its transaction has committed.
    pub async fn store(&self, webhook: IncomingWebhook) -> anyhow::Result<Stored> {
        let (reply, committed) = oneshot::channel();
        self.jobs
            .send((webhook, reply))
            .await
            .map_err(|_| anyhow::anyhow!("the webhook writer has stopped"))?;
        committed
            .await
            .map_err(|_| anyhow::anyhow!("the webhook writer dropped the event"))?
            .map_err(|error| anyhow::anyhow!("cannot store the webhook: {error}"))
    }
}

/// The webhooks handed to the writer and not taken yet: [`start`] takes them.
#[derive(Debug)]
pub struct WebhookQueue(mpsc::Receiver<Job>);

/// The writer's handle and its queue, made before the state that holds the handle (the writer
/// runs with that state: [`start`]).
pub fn channel() -> (WebhookWriter, WebhookQueue) {
    let (jobs, queue) = mpsc::channel::<Job>(BATCH_MAX * 8);
    (WebhookWriter { jobs }, WebhookQueue(queue))
}

/// Starts the writer, taking `queue`, and the applier, for `state`.
pub fn start(state: &AppState, queue: WebhookQueue) {
    let stored = Arc::new(Notify::new());
    tokio::spawn(write_batches(state.clone(), queue.0, Arc::clone(&stored)));
    tokio::spawn(apply_stored(state.clone(), stored));
}

async fn write_batches(state: AppState, mut receiver: mpsc::Receiver<Job>, stored: Arc<Notify>) {
    let mut batch: Vec<Job> = Vec::with_capacity(BATCH_MAX);
    while receiver.recv_many(&mut batch, BATCH_MAX).await > 0 {
        let events: Vec<NewWebhookEvent<'_>> = batch
            .iter()
            .map(|(webhook, _)| NewWebhookEvent {
                provider: webhook.provider,
                account_id: Some(webhook.account_id),
                dedupe_key: &webhook.dedupe_key,
                payload: &webhook.payload,
                content: &webhook.content,
                settled: webhook.content.template_events.is_empty()
                    && webhook.content.inbound.is_empty()
                    && !webhook.content.statuses.iter().any(|status| {
                        status.callback_data.as_deref().is_some_and(|data| {
                            crate::campaigns::parse_callback_data(data).is_some()
                        })
                    }),
            })
            .collect();
        let outcome = state
            .store
            .record_webhooks(&events, state.clock.now_ms())
            .await;
        drop(events);
        match outcome {
            Ok(ids) => {
                for ((_, reply), id) in batch.drain(..).zip(ids) {
                    let _ = reply.send(Ok(if id.is_some() {
                        Stored::New
                    } else {
                        Stored::Replay
                    }));
                }
                stored.notify_one();
            }
            Err(error) => {
                tracing::error!(%error, "cannot store a batch of webhooks");
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Err(error.to_string()));
                }
            }
        }
    }
}

async fn apply_stored(state: AppState, stored: Arc<Notify>) {
    loop {
        match apply_pending(&state).await {
            Ok(Round {
                applied: 0,
                deferred: 0,
            }) => stored.notified().await,
            Ok(Round { applied: 0, .. }) => tokio::time::sleep(DEFER_PAUSE).await,
            Ok(_) => {}
            Err(error) => {
                tracing::error!(
                    error = format!("{error:#}"),
                    "cannot apply stored webhooks; retrying"
                );
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }
}

/// What one round of the applier did.
struct Round {
    applied: usize,
    deferred: usize,
}

/// Applies stored webhooks not yet applied. One that speaks of a send the sender has not
/// recorded yet stays unapplied, and is taken again next round.
async fn apply_pending(state: &AppState) -> anyhow::Result<Round> {
    let pending = state.store.unprocessed_webhooks(APPLY_BATCH).await?;
    let mut applied = Vec::with_capacity(pending.len());
    for webhook in &pending {
        crate::templates::apply_template_events(state, webhook).await?;
        if crate::campaigns::apply_webhook(state, webhook).await? == crate::campaigns::Applied::Yes
        {
            applied.push(webhook.id);
        }
    }
    if !applied.is_empty() {
        state
            .store
            .mark_webhooks_processed(&applied, state.clock.now_ms())
            .await?;
    }
    Ok(Round {
        applied: applied.len(),
        deferred: pending.len() - applied.len(),
    })
}
