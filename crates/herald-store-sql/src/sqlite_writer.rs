//! The SQLite writer for the hot batches (webhooks, contact imports): one thread with its own
//! connection runs each batch start to end (one transaction, cached statements, no hand-off per
//! statement). Through sqlx every statement is a round trip from the async runtime to sqlx's
//! SQLite worker thread and back; on two cores shared with the HTTP server those hand-offs, not
//! SQLite, bounded the webhook rate (docs/benchmarks.md).

use std::path::Path;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use herald_contacts::Contact;
use herald_domain::AUTOMATIC_RETRIES;
use herald_domain::MessageStatus;
use herald_store::{HopperMove, NewWebhookEvent, OutboundMessage, Result, UpsertReport};
use rusqlite::{Connection, named_params, params};
use tokio::sync::{oneshot, watch};

use crate::campaigns::{
    CLAIMED_STATES, Claim, ClaimedRow, MOVE_SQL, OPEN_CAMPAIGN_STATUSES, claim_sql,
    join_open_campaigns_sql,
};
use crate::rows::{EventRow, MoveRow, SentRow, fresh_events, fresh_statuses};
use crate::{INBOUND_INSERT, RECORD_OUTBOUND_SQL, STATUS_ADVANCES, STATUS_INSERT, other};

/// Work for the writer thread, with its reply inside.
type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// How often the checkpointer copies the write-ahead log into the database file.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(250);

/// The handle of the writer thread (and of the checkpointer, which stops with the last handle).
#[derive(Clone)]
pub(crate) struct SqliteWriter {
    jobs: mpsc::Sender<Job>,
    _checkpointer: mpsc::Sender<()>,
    /// Checkpoints finished, for the test that the log is copied beside the writer.
    #[cfg_attr(not(test), allow(dead_code))]
    checkpoints: watch::Receiver<u64>,
}

impl std::fmt::Debug for SqliteWriter {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("SqliteWriter")
    }
}

impl SqliteWriter {
    /// Opens a connection to the database file at `path` (already migrated) and starts the thread.
    pub(crate) fn start(path: &Path) -> Result<Self> {
        let connection = Connection::open(path).map_err(other)?;
        connection
            .execute_batch(
                "pragma journal_mode = wal; pragma synchronous = full; pragma foreign_keys = on;
                 pragma busy_timeout = 5000; pragma cache_size = -16384;
                 pragma wal_autocheckpoint = 0;",
            )
            .map_err(other)?;
        let (checkpointer, checkpoints) = start_checkpointer(path)?;
        let (jobs, receiver) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("herald-sqlite-writer".to_owned())
            .spawn(move || {
                let mut connection = connection;
                for job in receiver {
                    job(&mut connection);
                }
            })
            .map_err(other)?;
        Ok(Self {
            jobs,
            _checkpointer: checkpointer,
            checkpoints,
        })
    }

    /// Runs `work` on the writer thread and returns what it returns.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |connection| {
            let _ = reply.send(work(connection).map_err(other));
        });
        self.jobs
            .send(job)
            .map_err(|_| other("the SQLite writer has stopped"))?;
        answer
            .await
            .map_err(|_| other("the SQLite writer dropped a batch"))?
    }

    /// Stores `events` (see `Store::record_webhooks`).
    pub(crate) async fn record(
        &self,
        events: &[NewWebhookEvent<'_>],
        now: i64,
    ) -> Result<Vec<Option<i64>>> {
        let rows = events
            .iter()
            .map(EventRow::new)
            .collect::<Result<Vec<EventRow>>>()?;
        self.run(move |connection| write(connection, &rows, now))
            .await
    }

    /// Adds contacts to a list, the master list and open campaigns' hoppers (see
    /// `ContactStore::upsert_contacts`), in one transaction.
    pub(crate) async fn upsert_contacts(
        &self,
        account_id: i64,
        list_id: i64,
        contacts: Vec<Contact>,
        now: i64,
    ) -> Result<UpsertReport> {
        self.run(move |connection| write_contacts(connection, account_id, list_id, &contacts, now))
            .await
    }
}

impl SqliteWriter {
    /// Applies hopper moves and records sent messages (see `CampaignStore::apply_hopper_moves`).
    pub(crate) async fn apply_moves(
        &self,
        moves: &[HopperMove<'_>],
        messages: &[OutboundMessage<'_>],
        now: i64,
    ) -> Result<Vec<bool>> {
        let moves: Vec<MoveRow> = moves.iter().map(MoveRow::from).collect();
        let messages: Vec<SentRow> = messages.iter().map(SentRow::from).collect();
        self.run(move |connection| write_moves(connection, &moves, &messages, now))
            .await
    }
}

#[cfg(test)]
impl SqliteWriter {
    /// How many checkpoints the checkpointer finished, watched.
    pub(crate) fn checkpoints(&self) -> watch::Receiver<u64> {
        self.checkpoints.clone()
    }
}

impl SqliteWriter {
    /// Claims hopper rows (see `CampaignStore::claim_contacts`) in one transaction.
    pub(crate) async fn claim(&self, claim: Claim) -> Result<Vec<ClaimedRow>> {
        self.run(move |connection| claim_rows(connection, claim))
            .await
    }
}

fn claim_rows(connection: &mut Connection, claim: Claim) -> rusqlite::Result<Vec<ClaimedRow>> {
    let transaction =
        connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut claimed: Vec<ClaimedRow> = Vec::new();
    {
        let mut statement = transaction.prepare_cached(&claim_sql(""))?;
        for state in CLAIMED_STATES {
            let Some(room) = claim.room(claimed.len()) else {
                break;
            };
            // The statement's parameters are named `$1`..`$5`, which SQLite numbers in order of
            // first appearance, not by their digits.
            let rows = statement.query_map(
                named_params! {
                    "$1": claim.lease_until, "$2": claim.now, "$3": claim.campaign_id,
                    "$4": room, "$5": state,
                },
                |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                    ))
                },
            )?;
            for row in rows {
                claimed.push(row?);
            }
        }
    }
    transaction.commit()?;
    Ok(claimed)
}

/// Starts the thread that checkpoints the write-ahead log of the database at `path`; it stops
/// when the returned sender is dropped, and the receiver counts the checkpoints it finished.
///
/// A checkpoint copies every page written since the last one into the database file and flushes
/// it: tens of milliseconds after a busy second. Run by SQLite's automatic checkpoint, it would
/// happen inside whichever commit crossed the threshold, and every webhook of that batch would wait
/// for it (it was the p99 of the webhook bench). Here it runs beside the writer (a passive
/// checkpoint takes no lock the writer needs), and the writer restarts the log once it has all
/// been copied.
fn start_checkpointer(path: &Path) -> Result<(mpsc::Sender<()>, watch::Receiver<u64>)> {
    let connection = Connection::open(path).map_err(other)?;
    connection
        .execute_batch("pragma synchronous = full; pragma busy_timeout = 5000;")
        .map_err(other)?;
    let (stop, stopped) = mpsc::channel::<()>();
    let (finished, checkpoints) = watch::channel(0_u64);
    thread::Builder::new()
        .name("herald-sqlite-checkpointer".to_owned())
        .spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) =
                stopped.recv_timeout(CHECKPOINT_INTERVAL)
            {
                match connection.execute_batch("pragma wal_checkpoint(passive)") {
                    Ok(()) => finished.send_modify(|count| *count += 1),
                    Err(error) => {
                        tracing::warn!(%error, "cannot checkpoint the SQLite write-ahead log");
                    }
                }
            }
        })
        .map_err(other)?;
    Ok((stop, checkpoints))
}

fn write_moves(
    connection: &mut Connection,
    moves: &[MoveRow],
    messages: &[SentRow],
    now: i64,
) -> rusqlite::Result<Vec<bool>> {
    let transaction =
        connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut applied = Vec::with_capacity(moves.len());
    {
        let mut record = transaction.prepare_cached(RECORD_OUTBOUND_SQL)?;
        for message in messages {
            record.query_row(
                params![
                    message.account_id,
                    message.provider_message_id,
                    message.kind,
                    message.phone,
                    MessageStatus::Accepted.as_str(),
                    MessageStatus::Accepted.rank(),
                    now,
                    message.body,
                    message.payload,
                    message.callback_data,
                    message.category,
                ],
                |_| Ok(()),
            )?;
        }
        let mut update = transaction.prepare_cached(MOVE_SQL)?;
        for change in moves {
            let changed = update.execute(params![
                change.to_state,
                change.outcome,
                change.reason,
                change.error_code,
                change.message_id,
                now,
                change.answer,
                change.ready_at,
                change.tries_left,
                change.delivered_at,
                change.claim_undone,
                change.id,
                change.from_state,
                change.attempt,
            ])?;
            applied.push(changed == 1);
        }
    }
    transaction.commit()?;
    Ok(applied)
}

fn write_contacts(
    connection: &mut Connection,
    account_id: i64,
    list_id: i64,
    contacts: &[Contact],
    now: i64,
) -> rusqlite::Result<UpsertReport> {
    let transaction =
        connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let master: i64 = transaction.query_row(
        "select id from contact_lists where account_id = ?1 and is_master = 1",
        [account_id],
        |row| row.get(0),
    )?;
    // Ids only grow: a contact whose id is above the largest before this batch is new.
    let largest_before: i64 =
        transaction.query_row("select coalesce(max(id), 0) from contacts", [], |row| {
            row.get(0)
        })?;
    let campaigns_take_them: bool = transaction.query_row(
        &format!(
            "select exists (select 1 from campaign_lists join campaigns on campaigns.id = campaign_lists.campaign_id
             where campaign_lists.list_id in (?1, ?2) and campaigns.deleted_at is null
                 and campaigns.status in {OPEN_CAMPAIGN_STATUSES})"
        ),
        [list_id, master],
        |row| row.get(0),
    )?;
    let mut report = UpsertReport::default();
    {
        let mut upsert = transaction.prepare_cached(
            "insert into contacts (account_id, phone, mobile, first_name, last_name, email,
                 custom_json, created_at, updated_at)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
             on conflict (account_id, phone) do update set
                 mobile = case when excluded.mobile = '' then contacts.mobile else excluded.mobile end,
                 first_name = case when excluded.first_name = '' then contacts.first_name else excluded.first_name end,
                 last_name = case when excluded.last_name = '' then contacts.last_name else excluded.last_name end,
                 email = case when excluded.email = '' then contacts.email else excluded.email end,
                 custom_json = json_patch(contacts.custom_json, excluded.custom_json),
                 updated_at = excluded.updated_at
             returning id",
        )?;
        let mut member = transaction.prepare_cached(
            "insert into list_members (list_id, contact_id) values (?1, ?3), (?2, ?3)
             on conflict do nothing",
        )?;
        let mut hopper = transaction.prepare_cached(&join_open_campaigns_sql())?;
        for contact in contacts {
            let custom = serde_json::to_string(&contact.custom)
                .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?;
            let id: i64 = upsert.query_row(
                params![
                    account_id,
                    contact.phone,
                    contact.mobile,
                    contact.first_name,
                    contact.last_name,
                    contact.email,
                    custom,
                    now,
                ],
                |row| row.get(0),
            )?;
            if id > largest_before {
                report.created += 1;
            } else {
                report.updated += 1;
            }
            member.execute(params![list_id, master, id])?;
            if campaigns_take_them {
                hopper.execute(params![
                    id,
                    account_id,
                    contact.phone,
                    AUTOMATIC_RETRIES,
                    now,
                    list_id,
                    master
                ])?;
            }
        }
    }
    transaction.commit()?;
    Ok(report)
}

fn write(
    connection: &mut Connection,
    events: &[EventRow],
    now: i64,
) -> rusqlite::Result<Vec<Option<i64>>> {
    let transaction =
        connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut ids = Vec::with_capacity(events.len());
    {
        let mut insert = transaction.prepare_cached(
            "insert into webhook_events (provider, account_id, dedupe_key, payload, content, received_at, processed_at)
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7) on conflict (dedupe_key) do nothing",
        )?;
        for event in events {
            let inserted = insert.execute(params![
                event.provider,
                event.account_id,
                event.dedupe_key,
                event.payload,
                event.content,
                now,
                event.settled.then_some(now),
            ])?;
            ids.push((inserted == 1).then(|| transaction.last_insert_rowid()));
        }
    }
    let fresh = fresh_events(events, &ids);
    let statuses = fresh_statuses(&fresh);
    {
        let mut upsert = transaction.prepare_cached(&format!(
            "{STATUS_INSERT} values (?1, ?2, 'outbound', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)
                 {STATUS_ADVANCES}"
        ))?;
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
        let mut inbound = transaction.prepare_cached(&format!(
            "{INBOUND_INSERT}
                 values (?1, ?2, 'inbound', ?3, ?4, 'received', ?5, ?6, ?7, ?8, ?9, ?10, ?10)
                 on conflict (account_id, provider_message_id) do nothing"
        ))?;
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
