//! Provider webhooks. Meta: `GET /webhooks/meta` answers the verification handshake; `POST`
//! checks `X-Hub-Signature-256` over the raw bytes with the app secret of the account the
//! payload names, stores the event before acknowledging it, ignores replays, and applies
//! template status, quality and category events.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use herald_domain::{Provider, TemplateQuality, TemplateStatus};
use herald_store::{StoreError, TemplateReview};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{AppError, Result};
use crate::http::accounts::OpenedAccount;
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
    let payload: Value = serde_json::from_slice(&body).map_err(|error| AppError::BadRequest {
        code: "invalid_json",
        message: format!("the webhook body is not JSON: {error}"),
        field: None,
    })?;
    let Some(account) = account_named_by(&state, &payload).await? else {
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
        state
            .metrics
            .webhook(account.record.provider.as_str(), "bad_signature");
        return Err(AppError::SignatureInvalid);
    }
    let payload_text = String::from_utf8(body.to_vec()).map_err(|_| AppError::BadRequest {
        code: "invalid_json",
        message: "the webhook body is not UTF-8".to_owned(),
        field: None,
    })?;
    let writer = state
        .webhooks
        .get()
        .ok_or_else(|| anyhow::anyhow!("the webhook writer is not running"))?;
    let provider = account.record.provider;
    let stored = writer
        .store(IncomingWebhook {
            provider,
            account_id: account.record.id,
            dedupe_key: hex::encode(Sha256::digest(&body)),
            payload: payload_text,
        })
        .await?;
    let outcome = match stored {
        Stored::New => "stored",
        Stored::Replay => "replayed",
    };
    state.metrics.webhook(provider.as_str(), outcome);
    Ok(StatusCode::OK)
}

async fn meta_accounts(state: &AppState) -> Result<Vec<OpenedAccount>> {
    Ok(state
        .accounts
        .all(state)
        .await?
        .iter()
        .filter(|account| matches!(account.record.provider, Provider::Meta | Provider::Sandbox))
        .cloned()
        .collect())
}

/// The account whose phone-number id (message events) or WABA id (template events) the payload
/// names.
async fn account_named_by(state: &AppState, payload: &Value) -> Result<Option<OpenedAccount>> {
    let entries = payload
        .get("entry")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let phone_number_ids: Vec<&str> = entries
        .iter()
        .flat_map(|entry| {
            entry
                .get("changes")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
        })
        .filter_map(|change| {
            change
                .pointer("/value/metadata/phone_number_id")
                .and_then(Value::as_str)
        })
        .collect();
    let waba_ids: Vec<&str> = entries
        .iter()
        .filter_map(|entry| entry.get("id").and_then(Value::as_str))
        .collect();
    Ok(meta_accounts(state).await?.into_iter().find(|account| {
        let settings = &account.settings;
        settings
            .phone_number_id
            .as_deref()
            .is_some_and(|id| phone_number_ids.contains(&id))
            || settings
                .waba_id
                .as_deref()
                .is_some_and(|id| waba_ids.contains(&id))
    }))
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

/// Applies a stored Meta webhook (idempotent: applying it twice changes nothing more).
pub(crate) async fn apply_meta_webhook(
    state: &AppState,
    account_id: i64,
    payload: &str,
) -> anyhow::Result<()> {
    let Ok(payload) = serde_json::from_str::<Value>(payload) else {
        tracing::warn!(account_id, "a stored webhook is not JSON; skipped");
        return Ok(());
    };
    apply(state, account_id, &payload)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))
}

async fn apply(state: &AppState, account_id: i64, payload: &Value) -> Result<()> {
    let changes = payload
        .get("entry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|entry| {
            entry
                .get("changes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        });
    for change in changes {
        let field = change
            .get("field")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let value = change.get("value").unwrap_or(&Value::Null);
        match field {
            "message_template_status_update" | "message_template_quality_update" => {
                apply_template_event(state, account_id, field, value).await?;
            }
            other => tracing::debug!(field = other, "webhook field not handled yet"),
        }
    }
    Ok(())
}

async fn apply_template_event(
    state: &AppState,
    account_id: i64,
    field: &str,
    value: &Value,
) -> Result<()> {
    let provider_id = match value.get("message_template_id") {
        Some(Value::Number(number)) => number.to_string(),
        Some(Value::String(text)) => text.clone(),
        _ => return Ok(()),
    };
    let record = match state
        .store
        .template_by_provider_id(account_id, &provider_id)
        .await
    {
        Ok(record) => record,
        Err(StoreError::NotFound) => {
            tracing::info!(
                provider_id,
                "template event for a template Herald does not know"
            );
            return Ok(());
        }
        Err(error) => return Err(error.into()),
    };
    let mut review = TemplateReview {
        status: record.status,
        quality: record.quality,
        rejection_reason: record.rejection_reason.clone(),
        provider_template_id: None,
    };
    let text = |key: &str| value.get(key).and_then(Value::as_str);
    if field == "message_template_status_update" {
        let Some(status) = text("event").and_then(status_from_event) else {
            return Ok(());
        };
        review.status = status;
        review.rejection_reason = (status == TemplateStatus::Rejected).then(|| {
            value
                .pointer("/rejection_info/reason")
                .and_then(Value::as_str)
                .or(text("reason"))
                .unwrap_or("NONE")
                .to_owned()
        });
    } else if let Some(quality) =
        text("new_quality_score").and_then(|score| score.parse::<TemplateQuality>().ok())
    {
        review.quality = quality;
    }
    state
        .store
        .update_template_review(record.id, &review, state.clock.now_ms())
        .await?;
    Ok(())
}

/// Meta's template events that change what Herald shows; the others are informational.
pub(crate) fn status_from_event(event: &str) -> Option<TemplateStatus> {
    match event {
        "APPROVED" | "REINSTATED" | "UNPAUSED" => Some(TemplateStatus::Approved),
        "REJECTED" => Some(TemplateStatus::Rejected),
        "PAUSED" => Some(TemplateStatus::Paused),
        "DISABLED" => Some(TemplateStatus::Disabled),
        "PENDING" | "IN_APPEAL" => Some(TemplateStatus::Pending),
        _ => None,
    }
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
