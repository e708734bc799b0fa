//! Outbound clients of the providers. Each turns provider errors into one [`ProviderError`]
//! carrying the code, subcode and details, classified in `herald_domain` (one place).

pub mod kaleyra;
pub mod meta;

use std::collections::HashMap;

use herald_api::ErrorCode;
use herald_domain::{ErrorClass, Provider, classify_error, classify_kaleyra_error};
use herald_sandbox::SandboxConfig;
use herald_templates::Template;

use crate::accounts::OpenedAccount;
use crate::error::AppError;
use crate::state::AppState;
use kaleyra::KaleyraClient;
use meta::{CreatedTemplate, MetaClient, SentMessage, TemplateMessage};

/// The client of an account's provider.
#[derive(Debug, Clone)]
pub(crate) enum ProviderClient {
    /// Meta, or the sandbox speaking Meta's API.
    Meta(MetaClient),
    /// Kaleyra.
    Kaleyra(KaleyraClient),
}

impl ProviderClient {
    /// Creates a template at the provider for review.
    pub(crate) async fn create_template(
        &self,
        waba_id: &str,
        template: &Template,
    ) -> Result<CreatedTemplate, ProviderError> {
        match self {
            Self::Meta(client) => client.create_template(waba_id, template).await,
            Self::Kaleyra(client) => client.create_template(waba_id, template).await,
        }
    }

    /// Sends a template message.
    pub(crate) async fn send_template(
        &self,
        message: &TemplateMessage<'_>,
    ) -> Result<SentMessage, ProviderError> {
        match self {
            Self::Meta(client) => client.send_template(message).await,
            Self::Kaleyra(client) => client.send_template(message).await,
        }
    }

    /// Sends text inside the customer service window.
    /// Sends a message object in Meta's format (text, interactive…) built by `meta::*_object`.
    pub(crate) async fn send_object(
        &self,
        sender: &str,
        object: &serde_json::Value,
    ) -> Result<SentMessage, ProviderError> {
        match self {
            Self::Meta(client) => client.send_object(sender, object).await,
            Self::Kaleyra(client) => client.send_object(sender, object.clone()).await,
        }
    }

    /// The Meta client, for what only Meta's API offers (editing, listing templates).
    pub(crate) fn meta(&self, what: &str) -> Result<&MetaClient, AppError> {
        match self {
            Self::Meta(client) => Ok(client),
            Self::Kaleyra(_) => Err(AppError::InvalidState {
                code: ErrorCode::ProviderUnsupported,
                message: format!(
                    "Kaleyra's API has no call to {what}; Kaleyra reports template changes by callback"
                ),
            }),
        }
    }
}

/// Who sends an account's messages: Meta's phone-number id, or Kaleyra's sender number.
pub(crate) fn sender(account: &OpenedAccount) -> &str {
    let settings = &account.settings;
    match account.record.provider {
        Provider::Kaleyra => settings.sender_number.as_deref(),
        Provider::Meta | Provider::Sandbox => settings.phone_number_id.as_deref(),
    }
    .unwrap_or_default()
}

/// How the relay reaches providers.
pub struct Providers {
    /// The client every provider call goes through (rustls, keep-alive).
    pub http_client: reqwest::Client,
    /// Where providers on this machine reach the relay's Meta webhook; none when the relay does
    /// not listen (a command-line task).
    pub webhook_url: Option<String>,
    /// How long the in-process sandbox takes to review a template.
    pub sandbox_review_delay_ms: u64,
    /// How long a campaign's send waits for the provider's answer before the contact is in
    /// doubt (ms).
    pub send_timeout_ms: u64,
    /// Base URLs of the in-process sandboxes, by account id, started on first use.
    sandboxes: tokio::sync::Mutex<HashMap<i64, String>>,
}

impl Providers {
    /// The handle, with no sandbox started yet.
    pub fn new(
        http_client: reqwest::Client,
        webhook_url: Option<String>,
        sandbox_review_delay_ms: u64,
        send_timeout_ms: u64,
    ) -> Self {
        Self {
            http_client,
            webhook_url,
            sandbox_review_delay_ms,
            send_timeout_ms,
            sandboxes: tokio::sync::Mutex::default(),
        }
    }
}

/// The client of an account: its provider at its configured base URL, the provider's own, or
/// the in-process sandbox for a sandbox account without one.
pub(crate) async fn provider_client(
    state: &AppState,
    account: &OpenedAccount,
) -> Result<ProviderClient, AppError> {
    let missing = |what: &str| AppError::InvalidState {
        code: ErrorCode::CredentialsMissing,
        message: format!("the account \"{}\" has no {what}", account.record.name),
    };
    let configured = account.settings.base_url.clone();
    let http = state.providers.http_client.clone();
    match account.record.provider {
        Provider::Kaleyra => {
            let api_key = account
                .secrets
                .api_key
                .as_deref()
                .ok_or_else(|| missing("API key"))?;
            let sid = account
                .settings
                .sid
                .as_deref()
                .ok_or_else(|| missing("SID"))?;
            let base_url = configured.unwrap_or_else(|| kaleyra::DEFAULT_BASE_URL.to_owned());
            Ok(ProviderClient::Kaleyra(KaleyraClient::new(
                http, &base_url, sid, api_key,
            )))
        }
        provider => {
            let base_url = match configured {
                Some(base_url) => base_url,
                None if provider == Provider::Sandbox => sandbox_url(state, account).await?,
                None => meta::DEFAULT_BASE_URL.to_owned(),
            };
            let token = account
                .secrets
                .access_token
                .as_deref()
                .ok_or_else(|| missing("access token"))?;
            Ok(ProviderClient::Meta(MetaClient::new(
                http, &base_url, token,
            )))
        }
    }
}

async fn sandbox_url(state: &AppState, account: &OpenedAccount) -> Result<String, AppError> {
    let providers = &state.providers;
    let mut sandboxes = providers.sandboxes.lock().await;
    if let Some(url) = sandboxes.get(&account.record.id) {
        return Ok(url.clone());
    }
    let webhook_url = providers
        .webhook_url
        .clone()
        .ok_or_else(|| anyhow::anyhow!("the relay is not listening"))?;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let config = SandboxConfig {
        webhook_url,
        app_secret: text(&account.secrets.app_secret),
        access_token: text(&account.secrets.access_token),
        waba_id: text(&account.settings.waba_id),
        phone_number_id: text(&account.settings.phone_number_id),
        review_delay_ms: providers.sandbox_review_delay_ms,
        ..SandboxConfig::from_env()
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(anyhow::Error::from)?;
    let sandbox = herald_sandbox::start(listener, config)?;
    tracing::info!(account = account.record.id, url = %sandbox.base_url, "started the sandbox provider");
    sandboxes.insert(account.record.id, sandbox.base_url.clone());
    Ok(sandbox.base_url)
}

/// A failed provider call.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{provider} answered {}: {message}", code.map_or_else(|| "without a code".to_owned(), |code| format!("error {code}")))]
pub struct ProviderError {
    /// Which provider.
    pub provider: Provider,
    /// The HTTP status, when there was an answer.
    pub http_status: Option<u16>,
    /// The provider's error code (Meta's `error.code`).
    pub code: Option<i64>,
    /// A provider code that is not a number (Kaleyra's `WA401`, `E110`, `RBC001`).
    pub code_text: Option<String>,
    /// Meta's `error.error_subcode`.
    pub subcode: Option<i64>,
    /// The provider's message.
    pub message: String,
    /// Meta's `error.error_data.details`.
    pub details: Option<Box<str>>,
    /// Meta's `error.error_user_msg`: the reason in words for the person who wrote the template.
    /// (The optional texts are `Box<str>` to keep the error within clippy's size for `Result`s.)
    pub user_message: Option<Box<str>>,
    /// The request may have reached the provider and been acted on, but no readable answer came
    /// back (a timeout or a connection dropped after the request was written, a success without
    /// a message id): a send in doubt, never to be retried blindly.
    pub in_doubt: bool,
}

impl ProviderError {
    /// What Herald should do about it.
    pub fn class(&self) -> ErrorClass {
        match &self.code_text {
            Some(code) => classify_kaleyra_error(code, self.http_status),
            None => classify_error(self.code, self.http_status),
        }
    }

    /// An answer Herald cannot read (or a request it could not make).
    pub fn unexpected(provider: Provider, message: &str, details: String) -> Self {
        Self {
            provider,
            http_status: Some(200),
            code: None,
            code_text: None,
            subcode: None,
            message: message.to_owned(),
            details: Some(details.into()),
            user_message: None,
            in_doubt: false,
        }
    }

    /// A transport failure: no answer. In doubt unless the connection was never made (refused,
    /// unknown host) or the request never built: then the provider cannot have seen it.
    pub fn transport(provider: Provider, error: &reqwest::Error) -> Self {
        Self {
            provider,
            http_status: error.status().map(|status| status.as_u16()),
            code: None,
            code_text: None,
            subcode: None,
            message: error.to_string(),
            details: None,
            user_message: None,
            in_doubt: !error.is_connect() && !error.is_builder(),
        }
    }

    /// No answer within `limit_ms`: the request went out, the provider may have acted on it.
    pub fn timed_out(provider: Provider, limit_ms: u64) -> Self {
        Self {
            in_doubt: true,
            ..Self::unexpected(
                provider,
                &format!("no answer within {limit_ms} ms"),
                String::new(),
            )
        }
    }

    /// The same error, marked in doubt.
    pub fn in_doubt(self) -> Self {
        Self {
            in_doubt: true,
            ..self
        }
    }
}
