//! The relay's stores: SQLite (one file under the data folder, the embedded default) and
//! PostgreSQL (when several relays share the work), behind `herald_store::Store`.
//!
//! One store, [`SqlStore`], runs the queries both backends share through sqlx's `Any` driver:
//! each written once, with `$N` placeholders (which SQLite accepts too). What each backend runs
//! its own way (the hot batch writes, the claim, the admission read) sits behind `Backend`:
//! `sqlite.rs` (a writer thread) and `postgres.rs` (one JSON-array statement per table). Each
//! backend has its own migrations under `migrations/`. The shared contract suite
//! (`herald_store::contract`) runs against both.

mod campaigns;
mod postgres;
mod rows;
mod sqlite;
mod sqlite_writer;

use std::str::FromStr;

use async_trait::async_trait;
use herald_contacts::Contact;
use herald_domain::{
    MessageStatus, Provider, Role, TemplateFilter, TemplateQuality, TemplateStatus, WebhookContent,
    parse_kaleyra, parse_meta,
};
use herald_store::{
    AccountData, AccountRecord, ConversationMark, ConversationRecord, HopperMove, MessageRecord,
    NewWebhookEvent, OutboundMessage, Result, Store, StoreError, StoredWebhook, TemplateContent,
    TemplateRecord, TemplateReview, UpsertReport, UserRecord,
};
use sqlx::AnyPool;
use sqlx::Row;
use sqlx::any::{Any, AnyRow};

use campaigns::{Claim, ClaimedRow, LastMessage};

/// The store, on either backend.
#[derive(Debug)]
pub struct SqlStore {
    /// For the queries both backends share.
    pool: AnyPool,
    backend: Box<dyn Backend>,
}

/// What a backend runs its own way: the hot batch writes, the claim and the admission read.
/// Each statement is written once, in the backend that runs it.
#[async_trait]
pub(crate) trait Backend: std::fmt::Debug + Send + Sync {
    /// Stores webhook events (see `Store::record_webhooks`).
    async fn record_webhooks(
        &self,
        events: &[NewWebhookEvent<'_>],
        now: i64,
    ) -> Result<Vec<Option<i64>>>;

    /// Adds contacts to a list, the master list and open campaigns' hoppers, in one transaction
    /// (see `ContactStore::upsert_contacts`).
    async fn upsert_contacts(
        &self,
        account_id: i64,
        list_id: i64,
        contacts: &[Contact],
        now: i64,
    ) -> Result<UpsertReport>;

    /// Claims hopper rows (see `CampaignStore::claim_contacts`).
    async fn claim_rows(&self, claim: Claim) -> Result<Vec<ClaimedRow>>;

    /// Applies hopper moves and records sent messages (see
    /// `CampaignStore::apply_hopper_moves`).
    async fn apply_moves(
        &self,
        moves: &[HopperMove<'_>],
        messages: &[OutboundMessage<'_>],
        now: i64,
    ) -> Result<Vec<bool>>;

    /// The account's last message each way per phone of `phones` since `since`.
    async fn last_messages(
        &self,
        account_id: i64,
        phones: &[String],
        since: i64,
    ) -> Result<Vec<LastMessage>>;
}

impl SqlStore {
    /// The one row `sql` (whose only parameter is `id`) finds, read by `read`; `NotFound`
    /// (for `what`) when there is none.
    async fn by_id<T>(
        &self,
        sql: &str,
        id: i64,
        what: &'static str,
        read: fn(&AnyRow) -> Result<T>,
    ) -> Result<T> {
        let row = sqlx::query::<Any>(sql)
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .map_err(classify(what))?;
        read(&row)
    }
}

/// Opens the store a database URL names: `sqlite:` or `postgres:` / `postgresql:`, applying
/// the backend's migrations.
pub async fn open(url: &str) -> Result<std::sync::Arc<dyn Store>> {
    Ok(std::sync::Arc::new(SqlStore::open(url).await?))
}

impl SqlStore {
    /// Opens the store `url` names (see [`open`]).
    pub async fn open(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        if url.starts_with("sqlite:") {
            Ok(sqlite::open(url).await?.0)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            postgres::open(url).await
        } else {
            Err(other(
                "the database URL must start with sqlite: or postgres:",
            ))
        }
    }
}

/// Any other failure, its cause kept.
fn other(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
    StoreError::Other(error.into())
}

/// Maps sqlx errors: no row is `NotFound`, a unique violation is `Conflict { constraint }`.
fn classify(constraint: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |error| match &error {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(database) if database.is_unique_violation() => {
            StoreError::Conflict { constraint }
        }
        _ => other(error),
    }
}

fn parse<T: FromStr>(text: &str) -> Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    text.parse().map_err(other)
}

fn expect_one_row(rows_affected: u64) -> Result<()> {
    if rows_affected == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// The columns of [`TemplateRecord`], for every query that reads templates.
const TEMPLATE_SELECT: &str = "select id, account_id, name, language, file_json, status, quality,
    rejection_reason, provider_template_id, deleted_at from templates";
/// A stored webhook's content: as stored, or read again from the payload for a webhook stored
/// before contents were kept.
fn stored_content(
    provider: Provider,
    content: Option<&str>,
    payload: &str,
) -> Result<WebhookContent> {
    match content {
        Some(content) => serde_json::from_str(content).map_err(other),
        None => match provider {
            Provider::Kaleyra => parse_kaleyra(payload.as_bytes()),
            Provider::Meta | Provider::Sandbox => parse_meta(payload.as_bytes()),
        }
        .map_err(other),
    }
}

/// The columns a status webhook writes of the message it names (its row may not exist yet: the
/// status can come before the sender's batch is stored).
const STATUS_INSERT: &str = "insert into messages (account_id, provider_message_id, direction,
    phone, status, status_rank, status_at, delivered_at, error_code, error_message,
    callback_data, created_at, updated_at)";
/// What a status does to its message's row, on both backends: it moves it forward, never back;
/// the earliest delivery, the first callback data and the latest error stay.
const STATUS_ADVANCES: &str = "on conflict (account_id, provider_message_id) do update set
    status = excluded.status, status_rank = excluded.status_rank, status_at = excluded.status_at,
    delivered_at = coalesce(messages.delivered_at, excluded.delivered_at),
    error_code = coalesce(excluded.error_code, messages.error_code),
    error_message = coalesce(excluded.error_message, messages.error_message),
    callback_data = coalesce(messages.callback_data, excluded.callback_data),
    updated_at = excluded.updated_at
    where messages.status_rank < excluded.status_rank";
/// The columns of a message from a contact.
const INBOUND_INSERT: &str = "insert into messages (account_id, provider_message_id, direction,
    kind, phone, status, status_rank, status_at, body, reply_to, payload, created_at, updated_at)";

/// Records a sent message; its parameters appear first in the order 1, 2, ... so that SQLite's
/// positional binding (the writer thread's) and `$N` binding (sqlx's) agree.
const RECORD_OUTBOUND_SQL: &str = "insert into messages (account_id, provider_message_id,
        direction, kind, phone, status, status_rank, status_at, body, payload, callback_data,
        category, created_at, updated_at)
    values ($1, $2, 'outbound', $3, $4, $5, $6, $7, $8, $9, $10, $11, $7, $7)
    on conflict (account_id, provider_message_id) do update set
        kind = excluded.kind, phone = excluded.phone, body = excluded.body,
        payload = excluded.payload, callback_data = excluded.callback_data,
        category = excluded.category, created_at = excluded.created_at
    returning id";

/// The statement that records a sent message (a status webhook may have made its row first),
/// bound for `message` at `now`.
fn record_outbound<'q>(
    message: &OutboundMessage<'q>,
    now: i64,
) -> sqlx::query::QueryScalar<'q, Any, i64, sqlx::any::AnyArguments<'q>> {
    sqlx::query_scalar::<Any, i64>(RECORD_OUTBOUND_SQL)
        .bind(message.account_id)
        .bind(message.provider_message_id)
        .bind(message.kind.as_str())
        .bind(message.phone)
        .bind(MessageStatus::Accepted.as_str())
        .bind(MessageStatus::Accepted.rank())
        .bind(now)
        .bind(message.body)
        .bind(message.payload)
        .bind(message.callback_data)
        .bind(message.category)
}

/// The columns of [`MessageRecord`].
const MESSAGE_SELECT: &str = "select id, account_id, provider_message_id, direction, kind, phone,
    status, status_at, delivered_at, error_code, error_message, body, reply_to, callback_data,
    payload, category, created_at from messages";
/// The name of the list every account has, holding all its contacts.
const MASTER_LIST_NAME: &str = "Master list";
/// The columns of [`AccountRecord`].
const ACCOUNT_SELECT: &str = "select id, name, provider, settings_json, secrets from accounts";

fn message_from(row: &AnyRow) -> Result<MessageRecord> {
    let kind: Option<String> = row.try_get("kind").map_err(other)?;
    Ok(MessageRecord {
        id: row.try_get("id").map_err(other)?,
        account_id: row.try_get("account_id").map_err(other)?,
        provider_message_id: row.try_get("provider_message_id").map_err(other)?,
        direction: parse(row.try_get("direction").map_err(other)?)?,
        kind: kind.as_deref().map(parse).transpose()?,
        phone: row.try_get("phone").map_err(other)?,
        status: parse(row.try_get("status").map_err(other)?)?,
        status_at: row.try_get("status_at").map_err(other)?,
        delivered_at: row.try_get("delivered_at").map_err(other)?,
        error_code: row.try_get("error_code").map_err(other)?,
        error_message: row.try_get("error_message").map_err(other)?,
        body: row.try_get("body").map_err(other)?,
        reply_to: row.try_get("reply_to").map_err(other)?,
        callback_data: row.try_get("callback_data").map_err(other)?,
        payload: row.try_get("payload").map_err(other)?,
        category: row.try_get("category").map_err(other)?,
        created_at: row.try_get("created_at").map_err(other)?,
    })
}

/// The columns of [`UserRecord`].
const USER_SELECT: &str = "select id, username, password_hash, role, disabled_at from users";

/// Ends every session of user `id`.
async fn end_sessions(transaction: &mut sqlx::Transaction<'_, Any>, id: i64) -> Result<()> {
    sqlx::query::<Any>("delete from sessions where user_id = $1")
        .bind(id)
        .execute(&mut **transaction)
        .await
        .map_err(other)?;
    Ok(())
}

fn user_from(row: &AnyRow) -> Result<UserRecord> {
    Ok(UserRecord {
        id: row.try_get("id").map_err(other)?,
        username: row.try_get("username").map_err(other)?,
        password_hash: row.try_get("password_hash").map_err(other)?,
        role: parse::<Role>(row.try_get("role").map_err(other)?)?,
        disabled_at: row.try_get("disabled_at").map_err(other)?,
    })
}

fn account_from(row: &AnyRow) -> Result<AccountRecord> {
    Ok(AccountRecord {
        id: row.try_get("id").map_err(other)?,
        name: row.try_get("name").map_err(other)?,
        provider: parse::<Provider>(row.try_get("provider").map_err(other)?)?,
        settings_json: row.try_get("settings_json").map_err(other)?,
        secrets: row.try_get("secrets").map_err(other)?,
    })
}

fn template_from(row: &AnyRow) -> Result<TemplateRecord> {
    Ok(TemplateRecord {
        id: row.try_get("id").map_err(other)?,
        account_id: row.try_get("account_id").map_err(other)?,
        name: row.try_get("name").map_err(other)?,
        language: row.try_get("language").map_err(other)?,
        file_json: row.try_get("file_json").map_err(other)?,
        status: parse::<TemplateStatus>(row.try_get("status").map_err(other)?)?,
        quality: parse::<TemplateQuality>(row.try_get("quality").map_err(other)?)?,
        rejection_reason: row.try_get("rejection_reason").map_err(other)?,
        provider_template_id: row.try_get("provider_template_id").map_err(other)?,
        deleted_at: row.try_get("deleted_at").map_err(other)?,
    })
}

#[async_trait]
impl Store for SqlStore {
    async fn count_users(&self) -> Result<i64> {
        sqlx::query_scalar::<Any, _>("select count(*) from users")
            .fetch_one(&self.pool)
            .await
            .map_err(other)
    }

    async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        now: i64,
    ) -> Result<i64> {
        sqlx::query_scalar::<Any, _>(
            "insert into users (username, password_hash, role, created_at, updated_at)
             values ($1, $2, $3, $4, $5) returning id",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(classify("username"))
    }

    async fn user_by_name(&self, username: &str) -> Result<UserRecord> {
        let row = sqlx::query::<Any>(&format!("{USER_SELECT} where username = $1"))
            .bind(username)
            .fetch_one(&self.pool)
            .await
            .map_err(classify("username"))?;
        user_from(&row)
    }

    async fn user(&self, id: i64) -> Result<UserRecord> {
        self.by_id(
            &format!("{USER_SELECT} where id = $1"),
            id,
            "user",
            user_from,
        )
        .await
    }

    async fn list_users(&self) -> Result<Vec<UserRecord>> {
        let rows = sqlx::query::<Any>(&format!("{USER_SELECT} order by username"))
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        rows.iter().map(user_from).collect()
    }

    async fn update_user(
        &self,
        id: i64,
        role: Role,
        disabled_at: Option<i64>,
        now: i64,
    ) -> Result<()> {
        let mut transaction = self.pool.begin().await.map_err(other)?;
        let updated = sqlx::query::<Any>(
            "update users set role = $1, disabled_at = $2, updated_at = $3 where id = $4",
        )
        .bind(role.as_str())
        .bind(disabled_at)
        .bind(now)
        .bind(id)
        .execute(&mut *transaction)
        .await
        .map_err(other)?;
        expect_one_row(updated.rows_affected())?;
        if disabled_at.is_some() {
            end_sessions(&mut transaction, id).await?;
        }
        transaction.commit().await.map_err(other)
    }

    async fn set_password(&self, id: i64, password_hash: &str, now: i64) -> Result<()> {
        let mut transaction = self.pool.begin().await.map_err(other)?;
        let updated = sqlx::query::<Any>(
            "update users set password_hash = $1, updated_at = $2 where id = $3",
        )
        .bind(password_hash)
        .bind(now)
        .bind(id)
        .execute(&mut *transaction)
        .await
        .map_err(other)?;
        expect_one_row(updated.rows_affected())?;
        end_sessions(&mut transaction, id).await?;
        transaction.commit().await.map_err(other)
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        expires_at: i64,
        now: i64,
    ) -> Result<()> {
        sqlx::query::<Any>("insert into sessions (token_hash, user_id, expires_at, created_at) values ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(user_id)
            .bind(expires_at)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(classify("session"))?;
        Ok(())
    }

    async fn session_user(&self, token_hash: &str, now: i64) -> Result<UserRecord> {
        let row = sqlx::query::<Any>(
            "select users.id, users.username, users.password_hash, users.role,
                 users.disabled_at
             from sessions join users on users.id = sessions.user_id
             where sessions.token_hash = $1 and sessions.expires_at > $2
                 and users.disabled_at is null",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(classify("session"))?;
        user_from(&row)
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query::<Any>("delete from sessions where token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    async fn create_account(&self, account: &AccountData, now: i64) -> Result<i64> {
        let mut transaction = self.pool.begin().await.map_err(other)?;
        let id = sqlx::query_scalar::<Any, i64>(
            "insert into accounts (name, provider, settings_json, secrets, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6) returning id",
        )
        .bind(&account.name)
        .bind(account.provider.as_str())
        .bind(&account.settings_json)
        .bind(&account.secrets)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *transaction)
        .await
        .map_err(classify("account"))?;
        sqlx::query::<Any>(
            "insert into contact_lists (account_id, name, is_master, created_at)
             values ($1, $2, 1, $3)",
        )
        .bind(id)
        .bind(MASTER_LIST_NAME)
        .bind(now)
        .execute(&mut *transaction)
        .await
        .map_err(other)?;
        transaction.commit().await.map_err(other)?;
        Ok(id)
    }

    async fn update_account(&self, id: i64, account: &AccountData, now: i64) -> Result<()> {
        let result = sqlx::query::<Any>(
            "update accounts set name = $1, provider = $2, settings_json = $3, secrets = $4, updated_at = $5
             where id = $6",
        )
        .bind(&account.name)
        .bind(account.provider.as_str())
        .bind(&account.settings_json)
        .bind(&account.secrets)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(classify("account"))?;
        expect_one_row(result.rows_affected())
    }

    async fn list_accounts(&self) -> Result<Vec<AccountRecord>> {
        let rows = sqlx::query::<Any>(&format!("{ACCOUNT_SELECT} order by id"))
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        rows.iter().map(account_from).collect()
    }

    async fn account(&self, id: i64) -> Result<AccountRecord> {
        self.by_id(
            &format!("{ACCOUNT_SELECT} where id = $1"),
            id,
            "account",
            account_from,
        )
        .await
    }

    async fn create_template(
        &self,
        account_id: i64,
        content: &TemplateContent,
        now: i64,
    ) -> Result<i64> {
        sqlx::query_scalar::<Any, _>(
            "insert into templates (account_id, name, language, file_json, status, quality, created_at, updated_at)
             values ($1, $2, $3, $4, 'DRAFT', 'UNKNOWN', $5, $6) returning id",
        )
        .bind(account_id)
        .bind(&content.name)
        .bind(&content.language)
        .bind(&content.file_json)
        .bind(now)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(classify("template"))
    }

    async fn update_template_content(
        &self,
        id: i64,
        content: &TemplateContent,
        now: i64,
    ) -> Result<()> {
        let result = sqlx::query::<Any>(
            "update templates set name = $1, language = $2, file_json = $3, updated_at = $4 where id = $5",
        )
        .bind(&content.name)
        .bind(&content.language)
        .bind(&content.file_json)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(classify("template"))?;
        expect_one_row(result.rows_affected())
    }

    async fn update_template_review(
        &self,
        id: i64,
        review: &TemplateReview,
        now: i64,
    ) -> Result<()> {
        let result = sqlx::query::<Any>(
            "update templates set status = $1, quality = $2, rejection_reason = $3,
                 provider_template_id = coalesce($4, provider_template_id), updated_at = $5
             where id = $6",
        )
        .bind(review.status.as_str())
        .bind(review.quality.as_str())
        .bind(&review.rejection_reason)
        .bind(&review.provider_template_id)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        expect_one_row(result.rows_affected())
    }

    async fn delete_template(&self, id: i64, now: i64) -> Result<()> {
        let result = sqlx::query::<Any>(
            "update templates set deleted_at = coalesce(deleted_at, $1), updated_at = $2 where id = $3",
        )
        .bind(now)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        expect_one_row(result.rows_affected())
    }

    async fn template(&self, id: i64) -> Result<TemplateRecord> {
        self.by_id(
            &format!("{TEMPLATE_SELECT} where id = $1"),
            id,
            "template",
            template_from,
        )
        .await
    }

    async fn list_templates(
        &self,
        account_id: i64,
        filter: TemplateFilter,
    ) -> Result<Vec<TemplateRecord>> {
        let condition = match filter {
            TemplateFilter::NotDeleted => "and deleted_at is null",
            TemplateFilter::All => "",
            TemplateFilter::Deleted => "and deleted_at is not null",
        };
        let rows = sqlx::query::<Any>(&format!(
            "{TEMPLATE_SELECT} where account_id = $1 {condition} order by id"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter().map(template_from).collect()
    }

    async fn template_by_provider_id(
        &self,
        account_id: i64,
        provider_template_id: &str,
    ) -> Result<TemplateRecord> {
        let row = sqlx::query::<Any>(&format!(
            "{TEMPLATE_SELECT} where account_id = $1 and provider_template_id = $2
                 order by deleted_at is not null, id desc limit 1"
        ))
        .bind(account_id)
        .bind(provider_template_id)
        .fetch_one(&self.pool)
        .await
        .map_err(classify("template"))?;
        template_from(&row)
    }

    async fn record_webhooks(
        &self,
        events: &[NewWebhookEvent<'_>],
        now: i64,
    ) -> Result<Vec<Option<i64>>> {
        self.backend.record_webhooks(events, now).await
    }

    async fn unprocessed_webhooks(&self, limit: i64) -> Result<Vec<StoredWebhook>> {
        let rows = sqlx::query::<Any>(
            "select id, provider, account_id, content,
                 case when content is null then payload end as payload
             from webhook_events where processed_at is null order by id limit $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(|row| {
                let provider = parse(row.try_get("provider").map_err(other)?)?;
                let content: Option<String> = row.try_get("content").map_err(other)?;
                let payload: Option<String> = row.try_get("payload").map_err(other)?;
                Ok(StoredWebhook {
                    id: row.try_get("id").map_err(other)?,
                    provider,
                    account_id: row.try_get("account_id").map_err(other)?,
                    content: stored_content(
                        provider,
                        content.as_deref(),
                        payload.as_deref().unwrap_or_default(),
                    )?,
                })
            })
            .collect()
    }

    async fn record_outbound_message(
        &self,
        message: &OutboundMessage<'_>,
        now: i64,
    ) -> Result<i64> {
        record_outbound(message, now)
            .fetch_one(&self.pool)
            .await
            .map_err(other)
    }

    async fn message_by_provider_id(
        &self,
        account_id: i64,
        provider_message_id: &str,
    ) -> Result<MessageRecord> {
        let row = sqlx::query::<Any>(&format!(
            "{MESSAGE_SELECT} where account_id = $1 and provider_message_id = $2"
        ))
        .bind(account_id)
        .bind(provider_message_id)
        .fetch_one(&self.pool)
        .await
        .map_err(classify("message"))?;
        message_from(&row)
    }

    async fn messages(
        &self,
        account_id: i64,
        phone: Option<&str>,
        limit: i64,
    ) -> Result<Vec<MessageRecord>> {
        let rows = sqlx::query::<Any>(&format!(
            "{MESSAGE_SELECT} where account_id = $1 and ($2 is null or phone = $2)
             order by id desc limit $3"
        ))
        .bind(account_id)
        .bind(phone)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter().map(message_from).collect()
    }

    async fn conversations(
        &self,
        account_id: i64,
        phone: Option<&str>,
        window: i64,
        limit: i64,
    ) -> Result<Vec<ConversationRecord>> {
        let rows = sqlx::query::<Any>(&format!(
            "with recent as (
                 select id, phone from messages
                 where account_id = $1 and direction = 'inbound' and ($4 is null or phone = $4)
                 order by id desc limit $2
             ), latest as (
                 select recent.phone, max(recent.id) as last_id,
                     sum(case when recent.id > coalesce(marks.read_through, 0) then 1 else 0 end)
                         as unread
                 from recent left join conversations marks
                     on marks.account_id = $1 and marks.phone = recent.phone
                 group by recent.phone
             )
             select shown.*, latest.unread, coalesce(marks.closed_through, 0) as closed_through,
                 contacts.first_name as contact_first_name,
                 contacts.last_name as contact_last_name
             from latest
             join ({MESSAGE_SELECT} where account_id = $1) shown on shown.id = latest.last_id
             left join conversations marks on marks.account_id = $1 and marks.phone = latest.phone
             left join contacts on contacts.account_id = $1 and contacts.phone = latest.phone
             order by latest.last_id desc limit $3"
        ))
        .bind(account_id)
        .bind(window)
        .bind(limit)
        .bind(phone)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(|row| {
                let last = message_from(row)?;
                let closed_through: i64 = row.try_get("closed_through").map_err(other)?;
                let first: Option<String> = row.try_get("contact_first_name").map_err(other)?;
                let family: Option<String> = row.try_get("contact_last_name").map_err(other)?;
                Ok(ConversationRecord {
                    unread: row.try_get("unread").map_err(other)?,
                    open: last.id > closed_through,
                    contact_name: first.zip(family),
                    last,
                })
            })
            .collect()
    }

    async fn mark_conversation(
        &self,
        account_id: i64,
        phone: &str,
        mark: ConversationMark,
    ) -> Result<()> {
        // Read and closed marks only move forward, so a late or repeated mark changes nothing.
        let (statement, through) = match mark {
            ConversationMark::ReadThrough(id) => (
                "insert into conversations (account_id, phone, read_through) values ($1, $2, $3)
                 on conflict (account_id, phone) do update set read_through =
                     case when excluded.read_through > conversations.read_through
                     then excluded.read_through else conversations.read_through end",
                id,
            ),
            ConversationMark::ClosedThrough(id) => (
                "insert into conversations (account_id, phone, closed_through) values ($1, $2, $3)
                 on conflict (account_id, phone) do update set closed_through =
                     case when excluded.closed_through > conversations.closed_through
                     then excluded.closed_through else conversations.closed_through end",
                id,
            ),
            ConversationMark::Reopened => (
                "insert into conversations (account_id, phone, closed_through) values ($1, $2, $3)
                 on conflict (account_id, phone) do update set closed_through = excluded.closed_through",
                0,
            ),
        };
        sqlx::query::<Any>(statement)
            .bind(account_id)
            .bind(phone)
            .bind(through)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    async fn mark_webhooks_processed(&self, ids: &[i64], now: i64) -> Result<()> {
        let mut transaction = self.pool.begin().await.map_err(other)?;
        for id in ids {
            sqlx::query::<Any>("update webhook_events set processed_at = $1 where id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut *transaction)
                .await
                .map_err(other)?;
        }
        transaction.commit().await.map_err(other)
    }
}

#[cfg(test)]
mod tests {
    use super::SqlStore;

    #[tokio::test]
    async fn sqlite_passes_the_store_contract_on_a_real_file() {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", folder.path().join("herald.db").display());
        let store = SqlStore::open(&url).await.unwrap();
        herald_store::contract::check_store(&store).await;
        let reopened = SqlStore::open(&url).await.unwrap();
        assert_eq!(
            herald_store::Store::count_users(&reopened).await.unwrap(),
            2,
            "the contract's admin and agent, still there"
        );
    }

    /// The writer turns SQLite's automatic checkpoint off, so only the checkpointer thread
    /// copies the log into the database file: without it the file would stay at its migrated
    /// size however much is written.
    #[tokio::test]
    async fn sqlite_log_is_checkpointed_beside_the_writer() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("herald.db");
        sqlx::any::install_default_drivers();
        let (store, writer) = super::sqlite::open(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let size = || std::fs::metadata(&path).unwrap().len();
        let migrated = size();
        let payload = "x".repeat(4000);
        let keys: Vec<String> = (0..500).map(|number| format!("key-{number}")).collect();
        let content = herald_domain::WebhookContent::default();
        let events: Vec<herald_store::NewWebhookEvent<'_>> = keys
            .iter()
            .map(|key| herald_store::NewWebhookEvent {
                provider: herald_domain::Provider::Meta,
                account_id: None,
                dedupe_key: key,
                payload: &payload,
                content: &content,
                settled: true,
            })
            .collect();
        let mut checkpoints = writer.checkpoints();
        herald_store::Store::record_webhooks(&store, &events, 1)
            .await
            .unwrap();
        // The checkpoint running now may have begun before the commit; the one after it began
        // after, and copies the whole log.
        let committed = *checkpoints.borrow_and_update();
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            checkpoints.wait_for(|finished| *finished >= committed + 2),
        )
        .await
        .expect("two checkpoints within 10 s")
        .unwrap();
        assert!(
            size() >= migrated + 1_000_000,
            "the log was not copied into the database file: {} bytes",
            size()
        );
    }

    /// Runs against the server in `HERALD_TEST_POSTGRES_URL` (`cargo xtask test` starts one and
    /// sets it), in a database of its own.
    #[tokio::test]
    async fn postgres_passes_the_store_contract() {
        let Ok(server) = std::env::var("HERALD_TEST_POSTGRES_URL") else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must run the PostgreSQL contract: set HERALD_TEST_POSTGRES_URL"
            );
            return;
        };
        let admin = sqlx::PgPool::connect(&server).await.unwrap();
        let database = format!("herald_contract_{}", std::process::id());
        sqlx::query(&format!("drop database if exists {database}"))
            .execute(&admin)
            .await
            .unwrap();
        sqlx::query(&format!("create database {database}"))
            .execute(&admin)
            .await
            .unwrap();
        let url = format!("{}/{database}", server.trim_end_matches('/'));
        let store = SqlStore::open(&url).await.unwrap();
        herald_store::contract::check_store(&store).await;
    }
}
