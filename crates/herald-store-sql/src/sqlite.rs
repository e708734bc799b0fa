//! The SQLite backend: the file is opened with WAL, `synchronous = FULL` (a committed write
//! survives a crash) and foreign keys on; its hot writes and claims run on the writer thread
//! (`sqlite_writer.rs`), its reads on a pool of connections.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use herald_contacts::Contact;
use herald_store::{HopperMove, NewWebhookEvent, OutboundMessage, Result, UpsertReport};
use sqlx::AnyPool;
use sqlx::Executor;
use sqlx::any::{Any, AnyPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};

use crate::campaigns::placeholders;
use crate::sqlite_writer::SqliteWriter;
use crate::{Backend, Claim, ClaimedRow, LastMessage, SqlStore, other};

/// The writer thread, and the pool for the admission read.
#[derive(Debug)]
struct Sqlite {
    writer: SqliteWriter,
    pool: AnyPool,
}

/// Opens (creating when missing) the database file at `url` (`sqlite://path`) and applies the
/// migrations; also returns the writer's handle.
pub(crate) async fn open(url: &str) -> Result<(SqlStore, SqliteWriter)> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(other)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    // The journal mode stays in the file; the other settings are each connection's, set again
    // on the shared pool's connections below.
    let migrating = SqlitePool::connect_with(options.clone())
        .await
        .map_err(other)?;
    sqlx::migrate!("./migrations/sqlite")
        .run(&migrating)
        .await
        .map_err(other)?;
    migrating.close().await;
    let pool = AnyPoolOptions::new()
        .max_connections(8)
        .after_connect(|connection, _| {
            Box::pin(async move {
                connection
                    .execute(
                        "pragma synchronous = full; pragma foreign_keys = on;
                         pragma busy_timeout = 5000;",
                    )
                    .await?;
                Ok(())
            })
        })
        .connect(url)
        .await
        .map_err(other)?;
    let writer = SqliteWriter::start(options.get_filename())?;
    let backend = Sqlite {
        writer: writer.clone(),
        pool: pool.clone(),
    };
    Ok((
        SqlStore {
            pool,
            backend: Box::new(backend),
        },
        writer,
    ))
}

#[async_trait]
impl Backend for Sqlite {
    async fn record_webhooks(
        &self,
        events: &[NewWebhookEvent<'_>],
        now: i64,
    ) -> Result<Vec<Option<i64>>> {
        self.writer.record(events, now).await
    }

    async fn upsert_contacts(
        &self,
        account_id: i64,
        list_id: i64,
        contacts: &[Contact],
        now: i64,
    ) -> Result<UpsertReport> {
        self.writer
            .upsert_contacts(account_id, list_id, contacts.to_vec(), now)
            .await
    }

    /// On the writer thread: a claim is a write, and a second connection writing would wait
    /// for the writer's lock and void its page cache.
    async fn claim_rows(&self, claim: Claim) -> Result<Vec<ClaimedRow>> {
        self.writer.claim(claim).await
    }

    async fn apply_moves(
        &self,
        moves: &[HopperMove<'_>],
        messages: &[OutboundMessage<'_>],
        now: i64,
    ) -> Result<Vec<bool>> {
        self.writer.apply_moves(moves, messages, now).await
    }

    /// One index range of `messages_by_phone` per phone of the `IN` list.
    async fn last_messages(
        &self,
        account_id: i64,
        phones: &[String],
        since: i64,
    ) -> Result<Vec<LastMessage>> {
        let sql = format!(
            "select phone, direction, max(created_at) from messages
             where account_id = $1 and created_at >= $2 and phone in ({})
             group by phone, direction",
            placeholders(3, phones.len())
        );
        let mut query = sqlx::query_as::<Any, LastMessage>(&sql)
            .bind(account_id)
            .bind(since);
        for phone in phones {
            query = query.bind(phone);
        }
        query.fetch_all(&self.pool).await.map_err(other)
    }
}
