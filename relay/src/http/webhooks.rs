//! Provider webhooks. Meta: `GET /webhooks/meta` answers the verification handshake; `POST`
//! checks `X-Hub-Signature-256` over the raw bytes with the app secret of the account the
//! payload names. Kaleyra: `POST /webhooks/kaleyra/{account_id}` checks the account's callback
//! token (Kaleyra does not sign; its callback profile sends the token as a custom header).
//!
//! Both are read once (`herald_domain::parse_meta` / `parse_kaleyra`) and stored before the 200;
//! message statuses and inbound messages are applied in that same transaction, template events
//! by the applier right after (webhook_pipeline.rs). Replays are ignored.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use herald_api::ErrorCode;
use herald_domain::{PayloadError, Provider, WebhookContent, parse_kaleyra, parse_meta};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::accounts::OpenedAccount;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::webhook_pipeline::{IncomingWebhook, Stored};

/// Meta sends at most 3 MB per POST.
pub(crate) const WEBHOOK_BODY_LIMIT_BYTES: usize = 3 * 1024 * 1024;

/// `GET /webhooks/meta?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`.
pub(crate) async fn verify_meta_webhook(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response> {
    let mode = query.get("hub.mode").map(String::as_str);
    let (Some(token), Some(challenge)) =
        (query.get("hub.verify_token"), query.get("hub.challenge"))
    else {
        return Ok((
            StatusCode::BAD_REQUEST,
            "hub.verify_token and hub.challenge are required",
        )
            .into_response());
    };
    for account in meta_accounts(&state).await? {
        let expected = account.secrets.verify_token.as_deref().unwrap_or_default();
        if mode == Some("subscribe")
            && !expected.is_empty()
            && constant_time_eq(expected.as_bytes(), token.as_bytes())
        {
            return Ok((StatusCode::OK, challenge.clone()).into_response());
        }
    }
    Ok((StatusCode::FORBIDDEN, "verify token does not match").into_response())
}

/// `POST /webhooks/meta`.
pub(crate) async fn receive_meta_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode> {
    let content = parse_meta(&body).map_err(|error| unreadable(&error))?;
    let Some(account) = account_named_by(&state, &content).await? else {
        tracing::warn!(
            "webhook for an unknown phone-number or WhatsApp Business Account id; acknowledged without effect"
        );
        state.metrics.webhook("meta", "unknown_account");
        return Ok(StatusCode::OK);
    };
    let secret = account.secrets.app_secret.as_deref().unwrap_or_default();
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|value| value.to_str().ok());
    if secret.is_empty()
        || !signature.is_some_and(|signature| signature_valid(secret, &body, signature))
    {
        state
            .metrics
            .webhook(account.record.provider.as_str(), "bad_signature");
        return Err(AppError::SignatureInvalid);
    }
    store(&state, &account, &body, content).await
}

/// The header a Kaleyra callback profile is set up to send, carrying the account's token.
pub(crate) const KALEYRA_TOKEN_HEADER: &str = "x-herald-token";

/// `POST /webhooks/kaleyra/{account_id}`.
pub(crate) async fn receive_kaleyra_callback(
    State(state): State<AppState>,
    Path(account_id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode> {
    let accounts = state.accounts.all(&state).await?;
    let account = accounts
        .iter()
        .find(|account| {
            account.record.id == account_id && account.record.provider == Provider::Kaleyra
        })
        .ok_or(AppError::NotFound("Kaleyra account"))?;
    let expected = account
        .secrets
        .callback_token
        .as_deref()
        .unwrap_or_default();
    let given = headers
        .get(KALEYRA_TOKEN_HEADER)
        .map(|value| value.as_bytes())
        .unwrap_or_default();
    if expected.is_empty() || !constant_time_eq(expected.as_bytes(), given) {
        state.metrics.webhook("kaleyra", "bad_signature");
        return Err(AppError::SignatureInvalid);
    }
    let content = parse_kaleyra(&body).map_err(|error| unreadable(&error))?;
    store(&state, account, &body, content).await
}

fn unreadable(error: &PayloadError) -> AppError {
    AppError::BadRequest {
        code: ErrorCode::InvalidJson,
        message: error.to_string(),
        field: None,
    }
}

/// Stores an authenticated webhook durably, then acknowledges it.
async fn store(
    state: &AppState,
    account: &OpenedAccount,
    body: &[u8],
    content: WebhookContent,
) -> Result<StatusCode> {
    // The parser accepted it as JSON, so it is UTF-8.
    let payload = String::from_utf8_lossy(body).into_owned();
    let provider = account.record.provider;
    let stored = state
        .webhooks
        .store(IncomingWebhook {
            provider,
            account_id: account.record.id,
            dedupe_key: hex::encode(Sha256::digest(body)),
            payload,
            content,
        })
        .await?;
    let outcome = match stored {
        Stored::New => "stored",
        Stored::Replay => "replayed",
    };
    state.metrics.webhook(provider.as_str(), outcome);
    Ok(StatusCode::OK)
}

fn speaks_meta(account: &OpenedAccount) -> bool {
    matches!(account.record.provider, Provider::Meta | Provider::Sandbox)
}

async fn meta_accounts(state: &AppState) -> Result<Vec<OpenedAccount>> {
    Ok(state
        .accounts
        .all(state)
        .await?
        .iter()
        .filter(|account| speaks_meta(account))
        .cloned()
        .collect())
}

/// The account whose phone-number id (message events) or WABA id (template events) the payload
/// names.
async fn account_named_by(
    state: &AppState,
    content: &WebhookContent,
) -> Result<Option<OpenedAccount>> {
    let accounts = state.accounts.all(state).await?;
    Ok(accounts
        .iter()
        .find(|account| {
            let settings = &account.settings;
            speaks_meta(account)
                && (settings
                    .phone_number_id
                    .as_ref()
                    .is_some_and(|id| content.phone_number_ids.contains(id))
                    || settings
                        .waba_id
                        .as_ref()
                        .is_some_and(|id| content.business_account_ids.contains(id)))
        })
        .cloned())
}

/// Checks `sha256=<hex>` against the HMAC-SHA256 of the raw body, in constant time.
pub(crate) fn signature_valid(secret: &str, body: &[u8], header: &str) -> bool {
    let Some(hex_digest) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_digest) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .fold(0_u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked_over_the_raw_bytes() {
        let body = br#"{"object":"whatsapp_business_account"}"#;
        let header = herald_sandbox::signature("app-secret", body);
        assert!(signature_valid("app-secret", body, &header));
        assert!(!signature_valid("other-secret", body, &header));
        assert!(!signature_valid(
            "app-secret",
            b"{ \"object\":\"whatsapp_business_account\"}",
            &header
        ));
        assert!(!signature_valid("app-secret", body, "sha256=zz"));
        assert!(!signature_valid(
            "app-secret",
            body,
            header.trim_start_matches("sha256=")
        ));
    }
}
