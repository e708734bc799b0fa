//! Provider accounts as the relay uses them: opened (secrets decrypted), kept in memory for
//! webhooks and campaign batches, created and changed with their secrets sealed before they
//! reach the store. The API's handlers, the campaign engine, the webhook pipeline and the first
//! start all come here.

use std::sync::Arc;

use herald_api::{
    AccountInput, AccountSecrets, AccountSettings, ConnectionCheck, ConnectionReport, ErrorCode,
};
use herald_domain::{Provider, error_meaning};
use herald_store::{AccountData, AccountRecord};

use crate::error::{AppError, Result};
use crate::providers::{self, ProviderError};
use crate::state::AppState;

/// Associated data that binds sealed secrets to their purpose.
const SECRETS_CONTEXT: &str = "account-secrets";
const NAME_MAX_CHARS: usize = 200;

/// An account with its secrets opened, for the relay's own use (provider calls, webhooks).
#[derive(Debug, Clone)]
pub(crate) struct OpenedAccount {
    pub(crate) record: AccountRecord,
    pub(crate) settings: AccountSettings,
    pub(crate) secrets: AccountSecrets,
}

/// Every account with its secrets opened, kept in memory so that a webhook costs no database
/// read and no decryption; account writes invalidate it.
#[derive(Debug, Default)]
pub struct AccountDirectory {
    cached: tokio::sync::RwLock<Option<Arc<Vec<OpenedAccount>>>>,
}

impl AccountDirectory {
    /// Every account, from the cache or freshly loaded.
    pub(crate) async fn all(&self, state: &AppState) -> Result<Arc<Vec<OpenedAccount>>> {
        if let Some(accounts) = self.cached.read().await.as_ref() {
            return Ok(Arc::clone(accounts));
        }
        let mut cached = self.cached.write().await;
        let mut accounts = Vec::new();
        for record in state.store.list_accounts().await? {
            accounts.push(open_account(state, record.id).await?);
        }
        let accounts = Arc::new(accounts);
        *cached = Some(Arc::clone(&accounts));
        Ok(accounts)
    }

    /// Account `id` with its secrets opened, from the cache when it holds it.
    pub(crate) async fn get(&self, state: &AppState, id: i64) -> Result<OpenedAccount> {
        if let Some(found) = self
            .cached
            .read()
            .await
            .as_ref()
            .and_then(|accounts| accounts.iter().find(|account| account.record.id == id))
        {
            return Ok(found.clone());
        }
        open_account(state, id).await
    }

    /// Forgets the cache: an account was created or changed.
    pub(crate) async fn invalidate(&self) {
        *self.cached.write().await = None;
    }
}

/// Loads an account from the store and opens its secrets.
pub(crate) async fn open_account(state: &AppState, id: i64) -> Result<OpenedAccount> {
    let record = state.store.account(id).await.map_err(|error| match error {
        herald_store::StoreError::NotFound => AppError::NotFound("account"),
        other => other.into(),
    })?;
    let settings = serde_json::from_str(&record.settings_json)
        .map_err(|error| anyhow::anyhow!("account {id} has unreadable settings: {error}"))?;
    let opened = state
        .secrets
        .open(&record.secrets, SECRETS_CONTEXT)
        .map_err(anyhow::Error::from)?;
    let secrets = serde_json::from_slice(&opened)
        .map_err(|error| anyhow::anyhow!("account {id} has unreadable secrets: {error}"))?;
    Ok(OpenedAccount {
        record,
        settings,
        secrets,
    })
}

/// The rules an account's name and settings follow.
fn check_input(input: &AccountInput) -> Result<()> {
    let name_length = input.name.trim().chars().count();
    if name_length == 0 || name_length > NAME_MAX_CHARS {
        return Err(AppError::invalid(
            ErrorCode::AccountNameInvalid,
            "name",
            format!("the account name must have 1 to {NAME_MAX_CHARS} characters"),
        ));
    }
    let settings = &input.settings;
    let missing = match input.provider {
        Provider::Meta | Provider::Sandbox => [
            ("waba_id", &settings.waba_id),
            ("phone_number_id", &settings.phone_number_id),
        ]
        .into_iter()
        .find(|(_, value)| value.as_deref().is_none_or(|value| value.trim().is_empty())),
        Provider::Kaleyra => [
            ("sid", &settings.sid),
            ("sender_number", &settings.sender_number),
        ]
        .into_iter()
        .find(|(_, value)| value.as_deref().is_none_or(|value| value.trim().is_empty())),
    };
    if let Some((field, _)) = missing {
        return Err(AppError::invalid(
            ErrorCode::AccountSettingMissing,
            field,
            format!("{field} is required for a {} account", input.provider),
        ));
    }
    if let Some(base_url) = &settings.base_url
        && !(base_url.starts_with("https://") || base_url.starts_with("http://"))
    {
        return Err(AppError::invalid(
            ErrorCode::BaseUrlInvalid,
            "base_url",
            "the base URL must start with https:// or http://",
        ));
    }
    if settings.messages_per_second == Some(0) {
        return Err(AppError::invalid(
            ErrorCode::MessagesPerSecondInvalid,
            "messages_per_second",
            "messages per second must be at least 1",
        ));
    }
    if let Some(limit) = settings.messaging_limit
        && !herald_domain::is_messaging_tier(limit)
    {
        return Err(AppError::invalid(
            ErrorCode::MessagingLimitInvalid,
            "messaging_limit",
            "the messaging limit is one of Meta's tiers: 250, 2000, 10000 or 100000 (none: unlimited)",
        ));
    }
    if let Some(keywords) = &settings.opt_out_keywords {
        let bad = keywords.iter().any(|keyword| {
            keyword.trim().is_empty()
                || keyword.chars().count() > herald_domain::MAX_OPT_OUT_KEYWORD_CHARS
        });
        if bad || keywords.len() > herald_domain::MAX_OPT_OUT_KEYWORDS {
            return Err(AppError::invalid(
                ErrorCode::OptOutKeywordsInvalid,
                "opt_out_keywords",
                format!(
                    "at most {} opt-out keywords of 1 to {} characters each",
                    herald_domain::MAX_OPT_OUT_KEYWORDS,
                    herald_domain::MAX_OPT_OUT_KEYWORD_CHARS
                ),
            ));
        }
    }
    Ok(())
}

/// New values replace stored ones; absent fields keep them; an empty string clears one.
fn merge_secrets(stored: AccountSecrets, update: AccountSecrets) -> AccountSecrets {
    let pick = |stored: Option<String>, update: Option<String>| match update {
        Some(value) if value.is_empty() => None,
        Some(value) => Some(value),
        None => stored,
    };
    AccountSecrets {
        access_token: pick(stored.access_token, update.access_token),
        app_secret: pick(stored.app_secret, update.app_secret),
        verify_token: pick(stored.verify_token, update.verify_token),
        api_key: pick(stored.api_key, update.api_key),
        callback_token: pick(stored.callback_token, update.callback_token),
    }
}

fn seal(state: &AppState, input: &AccountInput, secrets: &AccountSecrets) -> Result<AccountData> {
    let plaintext = serde_json::to_vec(secrets).map_err(anyhow::Error::from)?;
    Ok(AccountData {
        name: input.name.trim().to_owned(),
        provider: input.provider,
        settings_json: serde_json::to_string(&input.settings).map_err(anyhow::Error::from)?,
        secrets: state.secrets.seal(&plaintext, SECRETS_CONTEXT)?,
    })
}

/// Creates an account (used by the API and by the first start's sandbox account).
pub(crate) async fn insert_account(
    state: &AppState,
    input: &AccountInput,
) -> Result<OpenedAccount> {
    check_input(input)?;
    let secrets = merge_secrets(AccountSecrets::default(), input.secrets.clone());
    let id = state
        .store
        .create_account(&seal(state, input, &secrets)?, state.clock.now_ms())
        .await?;
    state.accounts.invalidate().await;
    open_account(state, id).await
}

/// Replaces an account's name and settings; secrets absent from `input` keep their value.
pub(crate) async fn update_account(
    state: &AppState,
    id: i64,
    input: &AccountInput,
) -> Result<OpenedAccount> {
    check_input(input)?;
    let stored = open_account(state, id).await?;
    let secrets = merge_secrets(stored.secrets, input.secrets.clone());
    state
        .store
        .update_account(id, &seal(state, input, &secrets)?, state.clock.now_ms())
        .await?;
    state.accounts.invalidate().await;
    open_account(state, id).await
}

/// Calls the provider with account `id`'s settings and credentials: the phone number (which
/// also proves the access token) and the business account's templates. Each failure says what
/// the provider answered and what it means.
pub(crate) async fn test_connection(state: &AppState, id: i64) -> Result<ConnectionReport> {
    let account = open_account(state, id).await?;
    let client = providers::provider_client(state, &account).await?;
    let meta = client.meta("check the connection without sending a message")?;
    let settings = &account.settings;
    let phone_number_id = settings.phone_number_id.as_deref().unwrap_or_default();
    let waba_id = settings.waba_id.as_deref().unwrap_or_default();
    let phone = match meta.phone_number(phone_number_id).await {
        Ok(number) => ConnectionCheck {
            field: "phone_number_id".to_owned(),
            ok: true,
            detail: format!(
                "{} ({}), quality {}, messaging limit {}",
                number.display_phone_number,
                number.verified_name,
                number.quality_rating.as_deref().unwrap_or("unknown"),
                number.messaging_limit_tier.as_deref().unwrap_or("unknown"),
            ),
        },
        Err(error) => failed_check("phone_number_id", &error),
    };
    let templates = match meta.list_templates(waba_id).await {
        Ok(found) => ConnectionCheck {
            field: "waba_id".to_owned(),
            ok: true,
            detail: format!("the business account answers: {} templates", found.len()),
        },
        Err(error) => failed_check("waba_id", &error),
    };
    let checks = vec![phone, templates];
    Ok(ConnectionReport {
        ok: checks.iter().all(|check| check.ok),
        checks,
    })
}

fn failed_check(field: &str, error: &ProviderError) -> ConnectionCheck {
    let meaning = error
        .code
        .and_then(error_meaning)
        .map(|meaning| format!(" ({meaning})"))
        .unwrap_or_default();
    ConnectionCheck {
        field: field.to_owned(),
        ok: false,
        detail: format!("{error}{meaning}"),
    }
}
