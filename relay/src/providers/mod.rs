//! Outbound clients of the providers. Each turns provider errors into one [`ProviderError`]
//! carrying the code, subcode and details, classified by `herald_domain::classify_error`.

pub mod meta;

use herald_domain::{ErrorClass, Provider, classify_error};
use herald_sandbox::SandboxConfig;

use crate::error::AppError;
use crate::http::OpenedAccount;
use crate::state::AppState;
use meta::{DEFAULT_BASE_URL, MetaClient};

/// The Meta-API client of an account: Meta itself, a configured base URL, or the in-process
/// sandbox for a sandbox account without one.
pub(crate) async fn meta_client(
    state: &AppState,
    account: &OpenedAccount,
) -> Result<MetaClient, AppError> {
    let base_url = match (&account.settings.base_url, account.record.provider) {
        (Some(base_url), _) => base_url.clone(),
        (None, Provider::Sandbox) => sandbox_url(state, account).await?,
        (None, Provider::Meta) => DEFAULT_BASE_URL.to_owned(),
        (None, Provider::Kaleyra) => {
            return Err(AppError::InvalidState {
                code: "provider_unsupported",
                message: "template management for Kaleyra accounts is done in Kaleyra".to_owned(),
            });
        }
    };
    let token = account
        .secrets
        .access_token
        .as_deref()
        .ok_or_else(|| AppError::InvalidState {
            code: "credentials_missing",
            message: format!(
                "the account \"{}\" has no access token",
                account.record.name
            ),
        })?;
    Ok(MetaClient::new(state.http_client.clone(), &base_url, token))
}

async fn sandbox_url(state: &AppState, account: &OpenedAccount) -> Result<String, AppError> {
    let mut sandboxes = state.sandboxes.lock().await;
    if let Some(url) = sandboxes.get(&account.record.id) {
        return Ok(url.clone());
    }
    let webhook_url = state
        .webhook_url
        .get()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("the relay is not listening yet"))?;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let config = SandboxConfig {
        webhook_url,
        app_secret: text(&account.secrets.app_secret),
        access_token: text(&account.secrets.access_token),
        waba_id: text(&account.settings.waba_id),
        phone_number_id: text(&account.settings.phone_number_id),
        review_delay_ms: state.sandbox_review_delay_ms,
        reject_patterns: vec!["REJECT ME".to_owned()],
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
    pub provider: &'static str,
    /// The HTTP status, when there was an answer.
    pub http_status: Option<u16>,
    /// The provider's error code (Meta's `error.code`).
    pub code: Option<i64>,
    /// Meta's `error.error_subcode`.
    pub subcode: Option<i64>,
    /// The provider's message.
    pub message: String,
    /// Meta's `error.error_data.details`.
    pub details: Option<String>,
}

impl ProviderError {
    /// What Herald should do about it.
    pub fn class(&self) -> ErrorClass {
        classify_error(self.code, self.http_status)
    }

    /// A transport failure: no answer (timeout, refused connection).
    pub fn transport(provider: &'static str, error: &reqwest::Error) -> Self {
        Self {
            provider,
            http_status: error.status().map(|status| status.as_u16()),
            code: None,
            subcode: None,
            message: error.to_string(),
            details: None,
        }
    }
}
