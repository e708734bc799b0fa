//! The SQLite webhook writer: one thread with its own connection runs each batch start to end
//! (one transaction, cached statements, no hand-off per statement). Through sqlx every statement
//! is a round trip from the async runtime to sqlx's SQLite worker thread and back; on two cores
//! shared with the HTTP server those hand-offs, not SQLite, bounded the webhook rate
//! (docs/benchmarks.md).

use std::path::Path;
use std::sync::mpsc;
use std::thread;

use herald_domain::{InboundMessage, MessageStatus, Provider, StatusUpdate};
use herald_store::{NewWebhookEvent, Result, StoreError};
use rusqlite::{Connection, params};
use tokio::sync::oneshot;

use crate::{StatusRow, other, strongest_statuses};

/// A webhook event the writer thread owns.
struct OwnedEvent {
    provider: Provider,
    account_id: Option<i64>,
    dedupe_key: String,
    payload: String,
    settled: bool,
    statuses: Vec<StatusUpdate>,
    inbound: Vec<InboundMessage>,
}

type Job = (
    Vec<OwnedEvent>,
    i64,
    oneshot::Sender<Result<Vec<Option<i64>>>>,
);

/// The handle of the writer thread.
#[derive(Debug, Clone)]
pub(crate) struct WebhookWriter {
    jobs: mpsc::Sender<Job>,
}

impl WebhookWriter {
    /// Opens a connection to the database file at `path` (already migrated) and starts the thread.
    pub(crate) fn start(path: &Path) -> Result<Self> {
        let connection = Connection::open(path).map_err(other)?;
        connection
            .execute_batch(
                "pragma journal_mode = wal; pragma synchronous = full; pragma foreign_keys = on;
                 pragma busy_timeout = 5000; pragma cache_size = -65536;
                 pragma wal_autocheckpoint = 8000;",
            )
            .map_err(other)?;
        let (jobs, receiver) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("herald-sqlite-webhooks".to_owned())
            .spawn(move || {
                let mut connection = connection;
                for (events, now, reply) in receiver {
                    let _ = reply.send(write(&mut connection, &events, now).map_err(other));
                }
            })
            .map_err(other)?;
        Ok(Self { jobs })
    }

    /// Stores `events` (see `Store::record_webhooks`).
    pub(crate) async fn record(
        &self,
        events: &[NewWebhookEvent<'_>],
        now: i64,
    ) -> Result<Vec<Option<i64>>> {
        let owned = events
            .iter()
            .map(|event| OwnedEvent {
                provider: event.provider,
                account_id: event.account_id,
                dedupe_key: event.dedupe_key.to_owned(),
                payload: event.payload.to_owned(),
                settled: event.settled,
                statuses: event.statuses.to_vec(),
                inbound: event.inbound.to_vec(),
            })
            .collect();
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send((owned, now, reply))
            .map_err(|_| StoreError::Other("the SQLite webhook writer has stopped".to_owned()))?;
        answer.await.map_err(|_| {
            StoreError::Other("the SQLite webhook writer dropped a batch".to_owned())
        })?
    }
}

fn write(
    connection: &mut Connection,
    events: &[OwnedEvent],
    now: i64,
) -> rusqlite::Result<Vec<Option<i64>>> {
    let transaction =
        connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut ids = Vec::with_capacity(events.len());
    {
        let mut insert = transaction.prepare_cached(
            "insert into webhook_events (provider, account_id, dedupe_key, payload, received_at, processed_at)
             values (?1, ?2, ?3, ?4, ?5, ?6) on conflict (dedupe_key) do nothing",
        )?;
        for event in events {
            let inserted = insert.execute(params![
                event.provider.as_str(),
                event.account_id,
                event.dedupe_key,
                event.payload,
                now,
                event.settled.then_some(now),
            ])?;
            ids.push((inserted == 1).then(|| transaction.last_insert_rowid()));
        }
    }
    let fresh: Vec<(i64, &OwnedEvent)> = events
        .iter()
        .zip(&ids)
        .filter(|(_, id)| id.is_some())
        .filter_map(|(event, _)| event.account_id.map(|account| (account, event)))
        .collect();
    let statuses: Vec<StatusRow<'_>> =
        strongest_statuses(fresh.iter().flat_map(|(account, event)| {
            event.statuses.iter().map(move |status| (*account, status))
        }));
    {
        let mut upsert = transaction.prepare_cached(
            "insert into messages (account_id, provider_message_id, direction, phone, status,
                 status_rank, status_at, delivered_at, error_code, error_message, callback_data,
                 created_at, updated_at)
             values (?1, ?2, 'outbound', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)
             on conflict (account_id, provider_message_id) do update set
                 status = excluded.status, status_rank = excluded.status_rank,
                 status_at = excluded.status_at,
                 delivered_at = coalesce(messages.delivered_at, excluded.delivered_at),
                 error_code = coalesce(excluded.error_code, messages.error_code),
                 error_message = coalesce(excluded.error_message, messages.error_message),
                 callback_data = coalesce(messages.callback_data, excluded.callback_data),
                 updated_at = excluded.updated_at
             where messages.status_rank < excluded.status_rank",
        )?;
        for row in &statuses {
            upsert.execute(params![
                row.account_id,
                row.message_id,
                row.recipient,
                row.status,
                row.rank,
                row.at,
                row.delivered_at,
                row.error_code,
                row.error_message,
                row.callback_data,
                now,
            ])?;
        }
        let mut inbound = transaction.prepare_cached(
            "insert into messages (account_id, provider_message_id, direction, kind, phone,
                 status, status_rank, status_at, body, reply_to, payload, created_at, updated_at)
             values (?1, ?2, 'inbound', ?3, ?4, 'received', ?5, ?6, ?7, ?8, ?9, ?10, ?10)
             on conflict (account_id, provider_message_id) do nothing",
        )?;
        for (account, event) in &fresh {
            for message in &event.inbound {
                inbound.execute(params![
                    account,
                    message.message_id,
                    message.kind.as_str(),
                    message.from,
                    MessageStatus::Received.rank(),
                    message.at_ms,
                    message.text,
                    message.reply_to,
                    message.payload,
                    now,
                ])?;
            }
        }
    }
    transaction.commit()?;
    Ok(ids)
}
