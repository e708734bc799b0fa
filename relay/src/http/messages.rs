//! One contact at a time: an agent (or admin) sends a template, or text inside the customer
//! service window, and reads an account's messages with the statuses webhooks brought.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use herald_api::{
    ConversationChange, ConversationSummary, ConversationView, ErrorCode, MessageView, SendMessage,
};
use herald_domain::normalize_phone;
use herald_store::{ConversationRecord, MessageRecord, StoreError, UserRecord};
use serde::Deserialize;

use crate::accounts::open_account;
use crate::error::{AppError, Result};
use crate::http::contacts::contact_view;
use crate::http::json::AppJson;
use crate::messages::{self, awaiting_answer, contact_window};
use crate::state::AppState;

const LIST_LIMIT_DEFAULT: i64 = 100;
const LIST_LIMIT_MAX: i64 = 500;

fn view(record: MessageRecord) -> MessageView {
    MessageView {
        id: record.id,
        provider_message_id: record.provider_message_id,
        direction: record.direction,
        kind: record.kind,
        phone: record.phone,
        status: record.status,
        status_at: record.status_at,
        error_code: record.error_code,
        error_message: record.error_message,
        body: record.body,
        reply_to: record.reply_to,
        category: record.category,
        created_at: record.created_at,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    phone: Option<String>,
    limit: Option<i64>,
}

/// `GET /api/v1/accounts/{id}/messages?phone=&limit=`.
pub(crate) async fn list_messages(
    State(state): State<AppState>,
    Path(account_id): Path<i64>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<MessageView>>> {
    open_account(&state, account_id).await?;
    let phone = query.phone.as_deref().map(parse_phone).transpose()?;
    let limit = crate::http::page_limit(query.limit, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX)?;
    let messages = state
        .store
        .messages(account_id, phone.as_deref(), limit)
        .await?;
    Ok(Json(messages.into_iter().map(view).collect()))
}

/// `POST /api/v1/accounts/{id}/messages`.
pub(crate) async fn send_message(
    State(state): State<AppState>,
    Path(account_id): Path<i64>,
    Extension(user): Extension<UserRecord>,
    AppJson(request): AppJson<SendMessage>,
) -> Result<(StatusCode, Json<MessageView>)> {
    let record = messages::send(&state, &user, account_id, &request).await?;
    Ok((StatusCode::CREATED, Json(view(record))))
}

/// `GET /api/v1/accounts/{id}/conversations`: the contacts that wrote, the latest first
/// (campaign traffic without answers does not push them out).
pub(crate) async fn list_conversations(
    State(state): State<AppState>,
    Path(account_id): Path<i64>,
) -> Result<Json<Vec<ConversationSummary>>> {
    let conversations = messages::inbox(&state, account_id).await?;
    Ok(Json(conversations.into_iter().map(summary).collect()))
}

fn summary(record: ConversationRecord) -> ConversationSummary {
    let name = record
        .contact_name
        .map(|(first, last)| format!("{first} {last}").trim().to_owned())
        .filter(|name| !name.is_empty());
    ConversationSummary {
        phone: record.last.phone.clone(),
        name,
        unread: record.unread,
        open: record.open,
        last: view(record.last),
    }
}

/// `PUT /api/v1/accounts/{id}/conversations/{phone}`.
pub(crate) async fn change_conversation(
    State(state): State<AppState>,
    Path((account_id, phone)): Path<(i64, String)>,
    AppJson(change): AppJson<ConversationChange>,
) -> Result<StatusCode> {
    let phone = parse_phone(&phone)?;
    messages::change_conversation(&state, account_id, &phone, &change).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn parse_phone(phone: &str) -> Result<String> {
    normalize_phone(phone)
        .map_err(|error| AppError::invalid(ErrorCode::InvalidPhone, "phone", error.to_string()))
}

/// `GET /api/v1/accounts/{id}/conversations/{phone}`.
pub(crate) async fn show_conversation(
    State(state): State<AppState>,
    Path((account_id, phone)): Path<(i64, String)>,
) -> Result<Json<ConversationView>> {
    let account = open_account(&state, account_id).await?;
    let phone = parse_phone(&phone)?;
    let now = state.clock.now_ms();
    let (mut messages, window) = contact_window(&state, account_id, &phone).await?;
    messages.reverse();
    let contact = match state.store.contact_by_phone(account_id, &phone).await {
        Ok(record) => Some(contact_view(record)),
        Err(StoreError::NotFound) => None,
        Err(error) => return Err(error.into()),
    };
    Ok(Json(ConversationView {
        contact,
        awaiting_customer_response: awaiting_answer(&state, account_id, &phone).await?,
        window_open: window.as_ref().is_some_and(|window| window.is_open(now)),
        free_text_allowed: window
            .as_ref()
            .is_some_and(|window| window.allows_free_text(now)),
        window,
        recontact_template_id: account.settings.recontact_template_id,
        open: messages::conversation(&state, account_id, &phone)
            .await?
            .is_none_or(|shown| shown.open),
        messages: messages.into_iter().map(view).collect(),
        phone,
    }))
}
