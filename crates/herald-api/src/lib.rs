//! The JSON contract of `/api/v1`: the only types that cross between the web app and the relay.
//!
//! New optional fields get `#[serde(default)]` so that an older client can ignore them.

use herald_domain::{
    MessageDirection, MessageKind, MessageStatus, Provider, Role, TemplateQuality, TemplateStatus,
};
use herald_templates::{Diagnostic, Template};
use serde::{Deserialize, Serialize};

/// Prefix of every API route.
pub const API_PREFIX: &str = "/api/v1";

herald_domain::text_enum!(
    /// The stable, machine-readable code of every API error: never renamed once shipped.
    ErrorCode, "error code", {
        /// No valid session: sign in first (401).
        Unauthenticated => "unauthenticated",
        /// Wrong user name or password (401).
        BadCredentials => "bad_credentials",
        /// A webhook without a valid signature; nothing was stored (401).
        SignatureInvalid => "signature_invalid",
        /// The user's role may not do this (403).
        Forbidden => "forbidden",
        /// No such thing (404).
        NotFound => "not_found",
        /// A unique value is taken; `field` names it (409).
        Conflict => "conflict",
        /// Too many sign-in attempts: wait a minute (429).
        TooManyAttempts => "too_many_attempts",
        /// The body is over the route's limit (413).
        PayloadTooLarge => "payload_too_large",
        /// The body is not JSON (415).
        UnsupportedMediaType => "unsupported_media_type",
        /// The body is not the JSON the route takes (400).
        InvalidJson => "invalid_json",
        /// Something failed on the server; it was logged (500).
        Internal => "internal",
        /// The provider refused or failed; its code and message are in the message (502).
        ProviderError => "provider_error",
        /// The template core refused the template; `diagnostics` lists why (422).
        TemplateInvalid => "template_invalid",
        /// A page size out of its bounds.
        InvalidLimit => "invalid_limit",
        /// A name that is empty or too long.
        InvalidName => "invalid_name",
        /// A phone number that cannot be read.
        InvalidPhone => "invalid_phone",
        /// A campaign setting out of its bounds; `field` names it.
        InvalidSetting => "invalid_setting",
        /// A text message that is empty or too long.
        InvalidText => "invalid_text",
        /// A contact's field that is not valid.
        InvalidContact => "invalid_contact",
        /// A list filter that names nothing.
        FilterInvalid => "filter_invalid",
        /// An account's name that is empty or too long.
        AccountNameInvalid => "account_name_invalid",
        /// A setting the provider needs is missing.
        AccountSettingMissing => "account_setting_missing",
        /// A provider base URL that is not an http(s) URL.
        BaseUrlInvalid => "base_url_invalid",
        /// The provider's credentials are missing.
        CredentialsMissing => "credentials_missing",
        /// A sending pace out of its bounds.
        MessagesPerSecondInvalid => "messages_per_second_invalid",
        /// A messaging-limit tier Meta does not have.
        MessagingLimitInvalid => "messaging_limit_invalid",
        /// Opt-out keywords that are empty, too many or too long.
        OptOutKeywordsInvalid => "opt_out_keywords_invalid",
        /// A provider Herald does not speak.
        ProviderUnsupported => "provider_unsupported",
        /// A user name that is empty or too long.
        UsernameInvalid => "username_invalid",
        /// A password shorter than the minimum.
        PasswordTooShort => "password_too_short",
        /// An interactive list message outside Meta's limits (the message names the field).
        ListInvalid => "list_invalid",
        /// An admin disabled this user: it cannot sign in.
        UserDisabled => "user_disabled",
        /// The change would leave no active admin.
        LastAdmin => "last_admin",
        /// A campaign waits for the contact's answer: nothing else goes to it.
        AwaitingCustomerResponse => "awaiting_customer_response",
        /// The customer service window is closed: only a template can be sent.
        WindowClosed => "window_closed",
        /// The window expired: only the account's recontact template can be sent.
        RecontactOnly => "recontact_only",
        /// A message must be a template or a text, not both or neither.
        MessageContent => "message_content",
        /// A template variable has no value mapped.
        VariableUnmapped => "variable_unmapped",
        /// A variable's value is empty.
        ValueMissing => "value_missing",
        /// A variable's value is not valid for its place.
        ValueInvalid => "value_invalid",
        /// A template setting the message needs is missing (a media link, a location).
        TemplateSettingMissing => "template_setting_missing",
        /// No template of the account has that id.
        TemplateNotFound => "template_not_found",
        /// Only APPROVED templates can be sent.
        TemplateNotApproved => "template_not_approved",
        /// An authentication template goes to one contact at a time.
        TemplateNotForCampaigns => "template_not_for_campaigns",
        /// A deleted template cannot change.
        TemplateDeleted => "template_deleted",
        /// The template cannot change once the campaign has sent.
        TemplateLocked => "template_locked",
        /// The template cannot be sent to a list yet: a variable or a setting is missing.
        MappingIncomplete => "mapping_incomplete",
        /// An import's column mapping that is not valid.
        MappingInvalid => "mapping_invalid",
        /// The list is not one of the account's.
        ListNotFound => "list_not_found",
        /// The master list holds every contact of the account: it is not renamed, deleted or
        /// left (a contact leaves it only when deleted).
        ListIsMaster => "list_is_master",
        /// A campaign sends to the list: it cannot be deleted.
        ListInUse => "list_in_use",
        /// Only a scheduled, running or paused campaign can be stopped.
        CampaignNotRunning => "campaign_not_running",
        /// The action needs `{"confirm": true}`.
        ConfirmationRequired => "confirmation_required",
        /// A file is being imported into this list already.
        ImportRunning => "import_running",
        /// The file has no rows.
        FileEmpty => "file_empty",
        /// The file cannot be read as CSV.
        FileUnreadable => "file_unreadable",
        /// No column of the file is the phone.
        NoPhoneColumn => "no_phone_column",
        /// The file has more columns than an import takes.
        TooManyColumns => "too_many_columns",
        /// Not sent by the relay: the web app's own, for an answer that is not an error body.
        HttpError => "http_error",
    }
);

/// The one error shape of the API: a stable machine-readable code, a human message, and the
/// field at fault when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable code, e.g. `template_invalid`, `forbidden`.
    pub code: ErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// The request field at fault, e.g. `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For a refused template, every diagnostic of the template core.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub diagnostics: Vec<Diagnostic>,
}

/// `POST /api/v1/session`: sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// The user's name.
    pub username: String,
    /// The user's password.
    pub password: String,
}

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionUser {
    /// User id.
    pub id: i64,
    /// User name.
    pub username: String,
    /// What the user may do.
    pub role: Role,
}

/// `GET /api/v1/session`: the signed-in user, or `null` (a visitor is not an error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionState {
    /// The user, when signed in.
    pub user: Option<SessionUser>,
}

/// `POST /api/v1/users`: an admin creates a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewUser {
    /// Unique user name.
    pub username: String,
    /// At least 12 characters.
    pub password: String,
    /// Admin or agent.
    pub role: Role,
}

/// `GET /api/v1/users`: a user as admins see it (never its password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserView {
    /// User id.
    pub id: i64,
    /// User name.
    pub username: String,
    /// What the user may do.
    pub role: Role,
    /// Whether an admin disabled it.
    pub disabled: bool,
}

/// `PUT /api/v1/users/{id}`: absent fields keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserChange {
    /// The new role.
    #[serde(default)]
    pub role: Option<Role>,
    /// `true` disables the user (its sessions end), `false` enables it again.
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// `PUT /api/v1/users/{id}/password`: an admin sets a user's new password (its sessions end).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPassword {
    /// At least 12 characters.
    pub password: String,
}

/// `POST /api/v1/accounts/{id}/test`: what calling the provider with the account's settings and
/// credentials found, check by check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionReport {
    /// Whether every check passed.
    pub ok: bool,
    /// Each check, in the order made.
    pub checks: Vec<ConnectionCheck>,
}

/// One call a connection test made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionCheck {
    /// What was checked (`phone_number_id`, `waba_id`).
    pub field: String,
    /// Whether the provider accepted it.
    pub ok: bool,
    /// What the provider said, or what is wrong and how to fix it.
    pub detail: String,
}

/// Provider settings of an account that are not secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountSettings {
    /// Meta: WhatsApp Business Account id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waba_id: Option<String>,
    /// Meta: phone-number id that sends and that webhooks name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_id: Option<String>,
    /// Kaleyra: account SID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Kaleyra: the registered sender number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_number: Option<String>,
    /// Base URL of the provider's API (Meta's Graph API, Kaleyra's pod, or the sandbox).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Messages per second the account may send (Meta's default is 80).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages_per_second: Option<u32>,
    /// Daily business-initiated limit: 250, 2000, 10000, 100000, or none for unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messaging_limit: Option<u32>,
    /// Template used to reach a contact after the 24-hour window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recontact_template_id: Option<i64>,
    /// Replies that opt a contact out of marketing messages; Herald's list (STOP, UNSUBSCRIBE
    /// and their equivalents in several languages) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opt_out_keywords: Option<Vec<String>>,
}

/// Secrets of an account: write-only. Absent fields keep their stored value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountSecrets {
    /// Meta: system-user access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// Meta: app secret that signs webhooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_secret: Option<String>,
    /// Meta: token of the webhook verification handshake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_token: Option<String>,
    /// Kaleyra: API key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// Kaleyra: the value of the `X-Herald-Token` header its callback profile sends (Kaleyra
    /// does not sign callbacks, so this shared secret authenticates them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_token: Option<String>,
}

/// `POST /api/v1/accounts` and `PUT /api/v1/accounts/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountInput {
    /// Display name.
    pub name: String,
    /// Meta, Kaleyra or the sandbox.
    pub provider: Provider,
    /// Non-secret settings.
    #[serde(default)]
    pub settings: AccountSettings,
    /// Secrets to set; never returned.
    #[serde(default)]
    pub secrets: AccountSecrets,
}

/// Which secrets an account has, never their values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecretsSet {
    /// Meta access token is set.
    pub access_token: bool,
    /// Meta app secret is set.
    pub app_secret: bool,
    /// Meta verify token is set.
    pub verify_token: bool,
    /// Kaleyra API key is set.
    pub api_key: bool,
    /// Kaleyra callback token is set.
    pub callback_token: bool,
}

/// An account as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountView {
    /// Account id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Meta, Kaleyra or the sandbox.
    pub provider: Provider,
    /// Non-secret settings.
    pub settings: AccountSettings,
    /// Which secrets are set.
    pub secrets_set: SecretsSet,
}

/// A template as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateView {
    /// Template id.
    pub id: i64,
    /// The account it belongs to.
    pub account_id: i64,
    /// Review state at the provider.
    pub status: TemplateStatus,
    /// Quality rating at Meta.
    pub quality: TemplateQuality,
    /// Why the provider rejected it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<String>,
    /// The provider's id for it, once submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_template_id: Option<String>,
    /// Whether it is soft-deleted.
    pub deleted: bool,
    /// The template file (Meta's JSON plus `"herald"`).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub template: Template,
    /// Non-blocking findings (a duplicate name, duplicate content).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub warnings: Vec<Diagnostic>,
}

/// `GET /api/v1/accounts/{id}/templates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateList {
    /// The templates the filter selects.
    pub templates: Vec<TemplateView>,
    /// Templates counting against the limit (deleted ones excepted).
    pub count: usize,
    /// The account's limit (250).
    pub limit: usize,
}

/// `POST /api/v1/accounts/{id}/templates/sync`: what a sync with the provider changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateSyncReport {
    /// Templates the provider lists.
    pub listed: usize,
    /// Templates made in the provider's own console (or by another tool) that Herald now keeps.
    pub imported: usize,
    /// Local templates whose status, quality, reason or content changed.
    pub updated: usize,
    /// Templates the provider lists that are not readable as templates, by name: left out.
    pub unreadable: Vec<String>,
}

/// `POST /api/v1/accounts/{id}/messages`: a template (with the contact's field values its
/// mapping reads) or, inside the customer service window, text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendMessage {
    /// The contact's number; `+`, spaces, dashes, dots and parentheses are ignored.
    pub to: String,
    /// The template to send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<i64>,
    /// The contact's fields, for the template's variable mapping.
    #[serde(default)]
    pub fields: ContactValues,
    /// Text to send instead of a template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// An interactive list message to send instead (inside the window, like text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<herald_domain::ListMessage>,
}

/// A contact's field values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactValues {
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Custom fields by name.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub custom: std::collections::BTreeMap<String, String>,
}

/// A message as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageView {
    /// Id.
    pub id: i64,
    /// The provider's id (`wamid…`).
    pub provider_message_id: String,
    /// Which way it went.
    pub direction: MessageDirection,
    /// What it carries (unknown while only a status webhook has named it).
    pub kind: Option<MessageKind>,
    /// The contact's number, digits.
    pub phone: String,
    /// Where it stands.
    pub status: MessageStatus,
    /// When the provider reported that status (Unix ms).
    pub status_at: i64,
    /// The provider's error code, when it failed.
    pub error_code: Option<i64>,
    /// The provider's error text, when it failed.
    pub error_message: Option<String>,
    /// What a person reads.
    pub body: Option<String>,
    /// The provider id of the message it answers.
    pub reply_to: Option<String>,
    /// A template's category as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// When Herald recorded it (Unix ms).
    pub created_at: i64,
}

/// `GET /api/v1/accounts/{id}/conversations`: a contact with recent messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationSummary {
    /// The contact's number, digits.
    pub phone: String,
    /// The account's contact with this number, by name, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its latest message to the account.
    pub last: MessageView,
    /// How many of its messages nobody has read yet.
    #[serde(default)]
    pub unread: i64,
    /// Whether it needs an agent: not closed, or the contact wrote after it was closed.
    #[serde(default = "open_by_default")]
    pub open: bool,
}

fn open_by_default() -> bool {
    true
}

/// `PUT /api/v1/accounts/{id}/conversations/{phone}`: what an agent did with a conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationChange {
    /// The contact's messages up to this message id were read.
    #[serde(default)]
    pub read_through: Option<i64>,
    /// `false` closes the conversation (until the contact writes again), `true` reopens it.
    #[serde(default)]
    pub open: Option<bool>,
}

/// `GET /api/v1/accounts/{id}/conversations/{phone}`: one contact's thread and what an agent may
/// send it now (SPEC section 5, "Windows and agents").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationView {
    /// The contact's number, digits.
    pub phone: String,
    /// Its messages, oldest first.
    pub messages: Vec<MessageView>,
    /// The latest customer service window, if anything was exchanged.
    pub window: Option<herald_domain::ServiceWindow>,
    /// Whether that window is open now.
    pub window_open: bool,
    /// Whether text may be sent now (the contact wrote in the last 24 hours).
    pub free_text_allowed: bool,
    /// Set while a campaign waits for the contact's answer: nothing may be sent, for the reason
    /// given word for word.
    pub awaiting_customer_response: Option<String>,
    /// Once the window has expired, the only template that may reach the contact (the
    /// account's recontact template; `None` when it names none).
    pub recontact_template_id: Option<i64>,
    /// The account's contact with this number, whose fields fill a template's variables.
    pub contact: Option<ContactView>,
    /// Whether the conversation needs an agent (see [`ConversationSummary::open`]).
    #[serde(default = "open_by_default")]
    pub open: bool,
}

/// `POST /api/v1/accounts/{id}/lists`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewList {
    /// Name, unique in the account.
    pub name: String,
}

/// A contact list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListView {
    /// Id.
    pub id: i64,
    /// The account.
    pub account_id: i64,
    /// Name.
    pub name: String,
    /// Whether it is the account's master list.
    pub is_master: bool,
    /// How many contacts it holds.
    pub size: i64,
}

/// A stored contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactView {
    /// Id.
    pub id: i64,
    /// Its fields (phone and mobile as digits).
    #[serde(flatten)]
    pub contact: herald_contacts::Contact,
    /// When it opted out of marketing messages.
    pub opted_out_at: Option<i64>,
}

/// What an import did. Bad rows are listed (the first [`ImportReport::ERRORS_SHOWN`]) and
/// counted; good rows are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// The file's columns.
    pub headers: Vec<String>,
    /// Where each went.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub mapping: Vec<herald_contacts::import::ColumnTarget>,
    /// Rows read (not counting the header and blank rows).
    pub rows: u64,
    /// Contacts new to the account.
    pub created: u64,
    /// Contacts that existed and took the new values.
    pub updated: u64,
    /// Rows refused.
    pub error_count: u64,
    /// The first refused rows, with row number, field and reason.
    pub errors: Vec<herald_contacts::import::RowError>,
}

impl ImportReport {
    /// How many bad rows the report lists.
    pub const ERRORS_SHOWN: usize = 1_000;
}

/// `GET /api/v1/lists/{id}/import/progress`: how far a running import got. Asked while no
/// import runs (before the file's first bytes arrive, after its report is sent) it answers
/// `running: false` and zeros, not an error: a watcher polls across both edges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportProgress {
    /// Whether an import into the list is running.
    pub running: bool,
    /// Bytes of the file received so far.
    pub bytes_read: u64,
    /// Rows read so far.
    pub rows: u64,
    /// Contacts new to the account so far.
    pub created: u64,
    /// Contacts updated so far.
    pub updated: u64,
    /// Rows refused so far.
    pub error_count: u64,
}

/// The columns of a file about to be imported, for the mapping step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportPreview {
    /// The separator found: `,`, `;` or a tab.
    pub delimiter: String,
    /// The file's columns.
    pub headers: Vec<String>,
    /// The field each column's name suggests.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub suggested: Vec<herald_contacts::import::ColumnTarget>,
}

/// `POST /api/v1/accounts/{id}/campaigns`: the settings and the lists to attach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewCampaign {
    /// The settings.
    #[serde(flatten)]
    pub settings: herald_domain::CampaignSettings,
    /// Lists to attach now.
    #[serde(default)]
    pub list_ids: Vec<i64>,
}

/// `POST /api/v1/campaigns/{id}/lists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachList {
    /// The list.
    pub list_id: i64,
}

/// `POST /api/v1/campaigns/{id}/reset`: Reset List sends the campaign again to every contact,
/// so the caller confirms it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetList {
    /// Must be true.
    #[serde(default)]
    pub confirm: bool,
}

/// The hopper's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HopperCountsView {
    /// Every contact.
    pub total: i64,
    /// Not contacted yet.
    pub fresh: i64,
    /// To be tried again.
    pub retry: i64,
    /// In doubt: the send may have reached the provider; its webhook settles it, Start Retry
    /// Campaign leaves it alone, and it is sent again only through `resend-in-doubt`.
    #[serde(default)]
    pub in_doubt: i64,
    /// Sent (or being sent, or waiting), awaiting the answer.
    pub pending: i64,
    /// Done.
    pub closed: i64,
}

/// A campaign as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignView {
    /// Id.
    pub id: i64,
    /// The sending account.
    pub account_id: i64,
    /// The settings.
    #[serde(flatten)]
    pub settings: herald_domain::CampaignSettings,
    /// Where it stands.
    pub status: herald_domain::CampaignStatus,
    /// Why it stopped or paused on its own.
    pub status_reason: Option<String>,
    /// The lists attached.
    pub list_ids: Vec<i64>,
    /// The hopper's counts.
    pub counts: HopperCountsView,
    /// The messaging-limit warning, when the contacts exceed the account's daily tier.
    pub warning: Option<String>,
    /// How the contacts ended so far, by outcome and reason, most frequent first (the first
    /// groups): a campaign whose contacts were all skipped says so.
    #[serde(default)]
    pub outcomes: Vec<OutcomeCountView>,
}

/// How many of a campaign's contacts ended with one outcome and reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutcomeCountView {
    /// The outcome of their latest attempt.
    pub outcome: herald_domain::Outcome,
    /// Its reason, when it has one.
    pub reason: Option<String>,
    /// How many contacts.
    pub count: i64,
}

/// `GET /api/v1/campaigns/{id}/results`: how far the messages got, the pace, the failures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignResults {
    /// Contacts at each stage.
    pub funnel: FunnelView,
    /// Sends per minute over the latest minutes that had sends, oldest first.
    pub per_minute: Vec<MinuteCountView>,
    /// Failures by provider error code, most frequent first.
    pub failures: Vec<FailureView>,
}

/// A campaign's funnel: each stage counts the contacts that reached it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunnelView {
    /// The provider accepted the message.
    pub sent: i64,
    /// It reached the phone (read ones included).
    pub delivered: i64,
    /// The contact opened it.
    pub read: i64,
    /// The contact answered.
    pub replied: i64,
    /// The send was refused or the message failed.
    pub failed: i64,
}

/// Sends in one minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinuteCountView {
    /// The minute's start (Unix ms).
    pub minute_ms: i64,
    /// How many were sent in it.
    pub sent: i64,
}

/// Contacts that failed with one provider error code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailureView {
    /// Meta's code; none for a failure without one (a timeout, a dropped connection).
    pub code: Option<i64>,
    /// How many contacts.
    pub count: i64,
    /// What the code means.
    pub meaning: String,
    /// What Herald does about it.
    pub handling: String,
}

/// A contact of a campaign: its state, and once closed its history entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HopperRowView {
    /// Id.
    pub id: i64,
    /// The contact.
    pub contact_id: i64,
    /// The contact's phone.
    pub phone: String,
    /// Where it stands.
    pub state: herald_domain::HopperState,
    /// How many times it was claimed.
    pub attempt: i64,
    /// How its latest attempt ended, or why it waits.
    pub outcome: Option<herald_domain::Outcome>,
    /// The reason shown.
    pub reason: Option<String>,
    /// The provider's error code.
    pub error_code: Option<i64>,
    /// The provider's message id.
    pub message_id: Option<String>,
    /// When it was sent.
    pub sent_at: Option<i64>,
    /// When it was delivered.
    pub delivered_at: Option<i64>,
    /// When it closed.
    pub closed_at: Option<i64>,
    /// The contact's answer.
    pub answer: Option<String>,
}

/// One event of a campaign's live progress (`GET /api/v1/campaigns/{id}/events`, server-sent
/// events named `progress`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignProgress {
    /// Where the campaign stands.
    pub status: herald_domain::CampaignStatus,
    /// Why it stopped or paused on its own.
    pub status_reason: Option<String>,
    /// The hopper's counts.
    pub counts: HopperCountsView,
    /// The rows that changed since the previous event, the latest first (at most 50).
    pub recent: Vec<HopperRowView>,
}

/// What a campaign would do, before launch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DryRun {
    /// Contacts that would be sent to.
    pub sendable: u64,
    /// The message the first of them would get.
    pub sample: Option<DryRunMessage>,
    /// The messages the first of them would get (up to 5), as they would read them.
    #[serde(default)]
    pub messages: Vec<DryRunMessage>,
    /// Contacts that would be skipped or held, and why.
    pub skipped: Vec<DryRunSkip>,
    /// The messaging-limit warning, when the chosen lists' contacts exceed what the account's
    /// tier reaches in a day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// A rendered message of a dry run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DryRunMessage {
    /// The contact's phone.
    pub phone: String,
    /// The text the contact would read.
    pub body: String,
}

/// A contact a dry run would not send to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DryRunSkip {
    /// The contact's phone.
    pub phone: String,
    /// Why.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    /// A code is read back from its text, so no two codes may share one.
    #[test]
    fn every_error_code_has_its_own_snake_case_text() {
        let mut texts: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
        for text in &texts {
            assert!(
                text.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{text} is not snake_case"
            );
            assert_eq!(text.parse::<ErrorCode>().map(ErrorCode::as_str), Ok(*text));
        }
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts.len(), ErrorCode::ALL.len(), "two codes share a text");
    }
}
