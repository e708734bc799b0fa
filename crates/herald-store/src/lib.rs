//! The storage contract of the relay. Relay code touches the database only through [`Store`];
//! `herald-store-sql` implements it for SQLite and PostgreSQL with runtime queries and their own
//! migrations, and one contract suite checks them alike. Lists, contacts, campaigns and
//! hoppers are in [`ContactStore`] and [`CampaignStore`], which every `Store` also is.
//!
//! Times are Unix milliseconds chosen by the caller (the relay's injected clock), never read here.

mod campaigns;
#[cfg(feature = "contract")]
pub mod contract;

pub use campaigns::{
    CampaignRecord, CampaignStore, ClaimedContact, ContactFilter, ContactRecord, ContactStore,
    FailureCount, Funnel, HopperCounts, HopperFilter, HopperMove, HopperRecord, ListRecord,
    MinuteCount, OutcomeCount, PhoneFacts, UpsertReport,
};

use async_trait::async_trait;
use herald_domain::{
    MessageDirection, MessageKind, MessageStatus, Provider, Role, TemplateFilter, TemplateQuality,
    TemplateStatus, WebhookContent,
};

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No row has that id or key.
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; `constraint` names what was duplicated.
    #[error("already exists: {constraint}")]
    Conflict {
        /// Which value is duplicated, e.g. `username`.
        constraint: &'static str,
    },
    /// Anything else: connection, corruption, a bug; the cause is kept as its source.
    #[error("storage failure: {0}")]
    Other(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A user row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Id.
    pub id: i64,
    /// Unique name.
    pub username: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// What the user may do.
    pub role: Role,
    /// When an admin disabled it: it cannot sign in.
    pub disabled_at: Option<i64>,
}

/// An account row; `secrets` is the AEAD ciphertext the relay made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    /// Id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Provider.
    pub provider: Provider,
    /// Non-secret settings as JSON.
    pub settings_json: String,
    /// Encrypted secrets (nonce followed by ciphertext).
    pub secrets: Vec<u8>,
}

/// The writable part of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountData {
    /// Display name.
    pub name: String,
    /// Provider.
    pub provider: Provider,
    /// Non-secret settings as JSON.
    pub settings_json: String,
    /// Encrypted secrets.
    pub secrets: Vec<u8>,
}

/// A template row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRecord {
    /// Id.
    pub id: i64,
    /// Owning account.
    pub account_id: i64,
    /// Name (copied from the file for uniqueness checks and listing).
    pub name: String,
    /// Language code.
    pub language: String,
    /// The template file JSON (Meta's shape plus `"herald"`).
    pub file_json: String,
    /// Review state.
    pub status: TemplateStatus,
    /// Quality rating.
    pub quality: TemplateQuality,
    /// Why the provider rejected it.
    pub rejection_reason: Option<String>,
    /// The provider's id, once submitted.
    pub provider_template_id: Option<String>,
    /// When it was soft-deleted.
    pub deleted_at: Option<i64>,
}

/// The writable content of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateContent {
    /// Name.
    pub name: String,
    /// Language code.
    pub language: String,
    /// The template file JSON.
    pub file_json: String,
}

/// The provider's verdict on a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateReview {
    /// Review state.
    pub status: TemplateStatus,
    /// Quality rating.
    pub quality: TemplateQuality,
    /// Why it was rejected.
    pub rejection_reason: Option<String>,
    /// The provider's id.
    pub provider_template_id: Option<String>,
}

/// Everything the relay persists.
#[async_trait]
pub trait Store: ContactStore + CampaignStore + Send + Sync {
    /// How many users exist (the relay creates the first admin when there are none).
    async fn count_users(&self) -> Result<i64>;
    /// Creates a user; `Conflict { constraint: "username" }` when the name is taken.
    async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        now: i64,
    ) -> Result<i64>;
    /// The user with that name.
    async fn user_by_name(&self, username: &str) -> Result<UserRecord>;
    /// The user with this id.
    async fn user(&self, id: i64) -> Result<UserRecord>;
    /// Every user, by name.
    async fn list_users(&self) -> Result<Vec<UserRecord>>;
    /// Changes a user's role and whether it is disabled (`disabled_at`); disabling ends its
    /// sessions in the same transaction.
    async fn update_user(
        &self,
        id: i64,
        role: Role,
        disabled_at: Option<i64>,
        now: i64,
    ) -> Result<()>;
    /// Sets a user's password and ends its sessions, in one transaction.
    async fn set_password(&self, id: i64, password_hash: &str, now: i64) -> Result<()>;

    /// Records a session by the hash of its token.
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        expires_at: i64,
        now: i64,
    ) -> Result<()>;
    /// The user of an unexpired session.
    async fn session_user(&self, token_hash: &str, now: i64) -> Result<UserRecord>;
    /// Ends a session (no error when it does not exist).
    async fn delete_session(&self, token_hash: &str) -> Result<()>;

    /// Creates an account.
    async fn create_account(&self, account: &AccountData, now: i64) -> Result<i64>;
    /// Replaces an account's data.
    async fn update_account(&self, id: i64, account: &AccountData, now: i64) -> Result<()>;
    /// Every account, by id.
    async fn list_accounts(&self) -> Result<Vec<AccountRecord>>;
    /// One account.
    async fn account(&self, id: i64) -> Result<AccountRecord>;

    /// Creates a template in DRAFT with quality UNKNOWN.
    async fn create_template(
        &self,
        account_id: i64,
        content: &TemplateContent,
        now: i64,
    ) -> Result<i64>;
    /// Replaces a template's content.
    async fn update_template_content(
        &self,
        id: i64,
        content: &TemplateContent,
        now: i64,
    ) -> Result<()>;
    /// Records the provider's verdict.
    async fn update_template_review(
        &self,
        id: i64,
        review: &TemplateReview,
        now: i64,
    ) -> Result<()>;
    /// Soft-deletes a template.
    async fn delete_template(&self, id: i64, now: i64) -> Result<()>;
    /// One template.
    async fn template(&self, id: i64) -> Result<TemplateRecord>;
    /// An account's templates, by id, as the filter selects them.
    async fn list_templates(
        &self,
        account_id: i64,
        filter: TemplateFilter,
    ) -> Result<Vec<TemplateRecord>>;
    /// The template the provider knows by `provider_template_id`.
    async fn template_by_provider_id(
        &self,
        account_id: i64,
        provider_template_id: &str,
    ) -> Result<TemplateRecord>;

    /// Stores webhooks in one transaction (group commit) before they are acknowledged; for each
    /// its id, or `None` when the same `dedupe_key` was stored before (a replay). In the same
    /// transaction it applies each new event's message statuses (never backwards) and inbound
    /// messages (once each), and marks the events that carry nothing else as processed.
    async fn record_webhooks(
        &self,
        events: &[NewWebhookEvent<'_>],
        now: i64,
    ) -> Result<Vec<Option<i64>>>;
    /// Stored webhooks not yet applied, oldest first.
    async fn unprocessed_webhooks(&self, limit: i64) -> Result<Vec<StoredWebhook>>;
    /// Marks stored webhooks as applied, in one transaction.
    async fn mark_webhooks_processed(&self, ids: &[i64], now: i64) -> Result<()>;

    /// Records a message the account sent; fills in the row a status webhook made first.
    async fn record_outbound_message(&self, message: &OutboundMessage<'_>, now: i64)
    -> Result<i64>;
    /// The message the provider knows by `provider_message_id`.
    async fn message_by_provider_id(
        &self,
        account_id: i64,
        provider_message_id: &str,
    ) -> Result<MessageRecord>;
    /// An account's messages, newest first, with one contact's only when `phone` is given.
    async fn messages(
        &self,
        account_id: i64,
        phone: Option<&str>,
        limit: i64,
    ) -> Result<Vec<MessageRecord>>;
    /// An account's conversations (only `phone`'s when given): the contacts among the last
    /// `window` messages from contacts, the one that wrote last first, at most `limit`.
    async fn conversations(
        &self,
        account_id: i64,
        phone: Option<&str>,
        window: i64,
        limit: i64,
    ) -> Result<Vec<ConversationRecord>>;
    /// Records what an agent (or a campaign's rule) did with a contact's conversation.
    async fn mark_conversation(
        &self,
        account_id: i64,
        phone: &str,
        mark: ConversationMark,
    ) -> Result<()>;
}

/// A contact that wrote to an account, as the inbox lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationRecord {
    /// The contact's latest message.
    pub last: MessageRecord,
    /// How many of its messages (among the window read) came after the last one read.
    pub unread: i64,
    /// Whether it is open: never closed, or the contact wrote after it was closed.
    pub open: bool,
    /// The account's contact with this number: first and last name, when there is one.
    pub contact_name: Option<(String, String)>,
}

/// What happened to a conversation, by the contact's message ids: marks never move backwards
/// except an explicit reopening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationMark {
    /// The contact's messages up to this id were read.
    ReadThrough(i64),
    /// Closed: needs nobody until the contact writes after this message.
    ClosedThrough(i64),
    /// Opened again by an agent.
    Reopened,
}

/// A message the account sent, as the provider accepted it.
#[derive(Debug, Clone, Copy)]
pub struct OutboundMessage<'a> {
    /// The sending account.
    pub account_id: i64,
    /// The provider's id (`wamid…`).
    pub provider_message_id: &'a str,
    /// What it carries.
    pub kind: MessageKind,
    /// The contact's number, digits.
    pub phone: &'a str,
    /// What the contact reads.
    pub body: &'a str,
    /// The request as sent, JSON.
    pub payload: &'a str,
    /// The `biz_opaque_callback_data` sent with it.
    pub callback_data: Option<&'a str>,
    /// A template's category as sent (`MARKETING`, `UTILITY`...).
    pub category: Option<&'a str>,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// Id.
    pub id: i64,
    /// The account.
    pub account_id: i64,
    /// The provider's id.
    pub provider_message_id: String,
    /// Which way it went.
    pub direction: MessageDirection,
    /// What it carries; `None` while only a status webhook has named it.
    pub kind: Option<MessageKind>,
    /// The contact's number, digits.
    pub phone: String,
    /// Where it stands.
    pub status: MessageStatus,
    /// When the provider reported that status (Unix ms; 0 when it did not say).
    pub status_at: i64,
    /// When it reached the phone.
    pub delivered_at: Option<i64>,
    /// The provider's error code, when it failed.
    pub error_code: Option<i64>,
    /// The provider's error text, when it failed.
    pub error_message: Option<String>,
    /// What a person reads.
    pub body: Option<String>,
    /// The message it answers.
    pub reply_to: Option<String>,
    /// The `biz_opaque_callback_data`.
    pub callback_data: Option<String>,
    /// The message as sent or received, JSON.
    pub payload: Option<String>,
    /// A template's category as sent.
    pub category: Option<String>,
    /// When Herald recorded it.
    pub created_at: i64,
}

/// A stored webhook waiting to be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredWebhook {
    /// Id.
    pub id: i64,
    /// Which provider sent it.
    pub provider: Provider,
    /// The account it concerns.
    pub account_id: Option<i64>,
    /// What it says, as read when it was received (the raw body stays stored for audit).
    pub content: WebhookContent,
}

/// A webhook as received.
#[derive(Debug, Clone, Copy)]
pub struct NewWebhookEvent<'a> {
    /// Which provider sent it.
    pub provider: Provider,
    /// The account it concerns, when known.
    pub account_id: Option<i64>,
    /// What makes a replay recognisable (the SHA-256 of the raw body).
    pub dedupe_key: &'a str,
    /// The raw body, kept for audit.
    pub payload: &'a str,
    /// What it says: its statuses and messages are stored at once; unless `settled`, the
    /// whole content is stored too, for the applier.
    pub content: &'a WebhookContent,
    /// Whether statuses and messages are all it says; otherwise it waits for the applier.
    pub settled: bool,
}
