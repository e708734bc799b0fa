//! One contact at a time (SPEC section 5): what an agent (or admin) may send a contact, the
//! contact's customer service window, and the send itself, recorded with the provider's id.

use herald_api::{ContactValues, ConversationChange, ErrorCode, SendMessage};
use herald_domain::{
    HopperState, MessageDirection, MessageKind, Role, ServiceWindow, WindowEvent, normalize_phone,
};
use herald_store::{
    ConversationMark, ConversationRecord, MessageRecord, OutboundMessage, UserRecord,
};
use herald_templates::{ContactField, ContactFields, RenderError, Template, render_for_contact};

use crate::accounts::{OpenedAccount, open_account};
use crate::error::{AppError, Result};
use crate::providers::meta::{
    SentMessage, TemplateMessage, list_object, template_object, text_object,
};
use crate::providers::{self, ProviderError};
use crate::state::AppState;
use crate::templates::{agents_may_send, load, parse_file};

/// Longest text message WhatsApp takes.
const TEXT_MAX_CHARS: usize = 4096;
/// How many of a contact's latest messages the window is replayed from: the window depends on
/// the last day's exchange, which this covers unless a contact wrote hundreds of times.
const WINDOW_MESSAGES: i64 = 200;

/// Sends `request` (a template with the contact's values, or text inside the window) to one
/// contact of `account_id` for `user`, and returns the message as recorded.
pub(crate) async fn send(
    state: &AppState,
    user: &UserRecord,
    account_id: i64,
    request: &SendMessage,
) -> Result<MessageRecord> {
    let account = open_account(state, account_id).await?;
    let to = normalize_phone(&request.to)
        .map_err(|error| AppError::invalid(ErrorCode::InvalidPhone, "to", error.to_string()))?;
    let client = providers::provider_client(state, &account).await?;
    let sender = providers::sender(&account);
    if let Some(reason) = awaiting_answer(state, account_id, &to).await? {
        return Err(AppError::InvalidState {
            code: ErrorCode::AwaitingCustomerResponse,
            message: reason,
        });
    }
    let now = state.clock.now_ms();
    let (_, window) = contact_window(state, account_id, &to).await?;
    let content = (request.template_id, &request.text, &request.list);
    let (kind, body, payload, sent, category) = match content {
        (Some(template_id), None, None) => {
            let template = sendable_template(state, user, &account, template_id).await?;
            recontact_if_expired(window.as_ref(), &account, template_id, now)?;
            let rendered =
                render_for_contact(&template, &Values(&request.fields, &to)).map_err(|error| {
                    let code = match error {
                        RenderError::Unmapped { .. } => ErrorCode::VariableUnmapped,
                        RenderError::EmptyValue { .. } => ErrorCode::ValueMissing,
                        RenderError::InvalidValue { .. } => ErrorCode::ValueInvalid,
                        RenderError::MissingSetting { .. } => ErrorCode::TemplateSettingMissing,
                    };
                    AppError::invalid(code, "fields", error.to_string())
                })?;
            let message = TemplateMessage {
                sender,
                to: &to,
                name: &template.name,
                language: &template.language,
                components: &rendered.meta_components,
                callback_data: None,
            };
            let sent = client.send_template(&message).await;
            (
                MessageKind::Template,
                rendered.body_text,
                template_object(&message),
                sent,
                Some(template.category.to_string()),
            )
        }
        (None, Some(text), None) => {
            check_text(text)?;
            free_text_allowed(window.as_ref(), now)?;
            let object = text_object(&to, text);
            let sent = client.send_object(sender, &object).await;
            (MessageKind::Text, text.clone(), object, sent, None)
        }
        (None, None, Some(list)) => {
            list.check().map_err(|error| AppError::BadRequest {
                code: ErrorCode::ListInvalid,
                message: error.to_string(),
                field: Some("list"),
            })?;
            free_text_allowed(window.as_ref(), now)?;
            let object = list_object(&to, list);
            let sent = client.send_object(sender, &object).await;
            (MessageKind::List, list.summary(), object, sent, None)
        }
        _ => {
            return Err(AppError::invalid(
                ErrorCode::MessageContent,
                "template_id",
                "send one of a template_id, a text or a list",
            ));
        }
    };
    let sent = record_call(state, &account, sent)?;
    let payload = payload.to_string();
    state
        .store
        .record_outbound_message(
            &OutboundMessage {
                account_id,
                provider_message_id: &sent.id,
                kind,
                phone: &to,
                body: &body,
                payload: &payload,
                callback_data: None,
                category: category.as_deref(),
            },
            state.clock.now_ms(),
        )
        .await?;
    Ok(state
        .store
        .message_by_provider_id(account_id, &sent.id)
        .await?)
}

fn record_call(
    state: &AppState,
    account: &OpenedAccount,
    sent: std::result::Result<SentMessage, ProviderError>,
) -> Result<SentMessage> {
    state.metrics.provider_call("send_message", &sent);
    sent.map_err(|error| {
        tracing::warn!(account = account.record.id, %error, "a send was refused");
        error.into()
    })
}

/// The template, when this account may send it and this user may use it.
async fn sendable_template(
    state: &AppState,
    user: &UserRecord,
    account: &OpenedAccount,
    template_id: i64,
) -> Result<Template> {
    let record = load(state, template_id).await?;
    if record.account_id != account.record.id || record.deleted_at.is_some() {
        return Err(AppError::NotFound("template"));
    }
    if !record.status.is_usable() {
        return Err(AppError::InvalidState {
            code: ErrorCode::TemplateNotApproved,
            message: format!("a {} template cannot be sent", record.status),
        });
    }
    let template = parse_file(&record)?;
    let recontact = account.settings.recontact_template_id;
    if user.role != Role::Admin && !agents_may_send(&record, &template, recontact) {
        return Err(AppError::Forbidden);
    }
    Ok(template)
}

fn check_text(text: &str) -> Result<()> {
    let length = text.chars().count();
    if text.trim().is_empty() || length > TEXT_MAX_CHARS {
        return Err(AppError::invalid(
            ErrorCode::InvalidText,
            "text",
            format!("the text must have 1 to {TEXT_MAX_CHARS} characters (it has {length})"),
        ));
    }
    Ok(())
}

/// How many of an account's latest messages from contacts the inbox is drawn from (and unread
/// counts are counted in).
const INBOX_MESSAGES: i64 = 5_000;
/// How many conversations the inbox lists.
const INBOX_CONVERSATIONS: i64 = 200;

/// The account's conversations, the one whose contact wrote last first.
pub(crate) async fn inbox(state: &AppState, account_id: i64) -> Result<Vec<ConversationRecord>> {
    open_account(state, account_id).await?;
    Ok(state
        .store
        .conversations(account_id, None, INBOX_MESSAGES, INBOX_CONVERSATIONS)
        .await?)
}

/// One contact's conversation, when it wrote to the account.
pub(crate) async fn conversation(
    state: &AppState,
    account_id: i64,
    phone: &str,
) -> Result<Option<ConversationRecord>> {
    Ok(state
        .store
        .conversations(account_id, Some(phone), INBOX_MESSAGES, 1)
        .await?
        .pop())
}

/// Applies what an agent did with `phone`'s conversation: read up to a message, closed (up to
/// the contact's latest message) or reopened.
pub(crate) async fn change_conversation(
    state: &AppState,
    account_id: i64,
    phone: &str,
    change: &ConversationChange,
) -> Result<()> {
    open_account(state, account_id).await?;
    let Some(shown) = conversation(state, account_id, phone).await? else {
        return Err(AppError::NotFound("conversation"));
    };
    let mut marks = Vec::new();
    if let Some(through) = change.read_through {
        marks.push(ConversationMark::ReadThrough(through));
    }
    match change.open {
        Some(true) => marks.push(ConversationMark::Reopened),
        Some(false) => marks.push(ConversationMark::ClosedThrough(shown.last.id)),
        None => {}
    }
    for mark in marks {
        state
            .store
            .mark_conversation(account_id, phone, mark)
            .await?;
    }
    Ok(())
}

/// The seed's message while a campaign waits for the contact's answer, word for word.
const AWAITING_ANSWER: &str =
    "No messages can be sent since we are waiting for the customer's response.";

/// While a campaign waits for the contact's answer nothing else goes to it (SPEC section 5):
/// the reason to show, word for word.
pub(crate) async fn awaiting_answer(
    state: &AppState,
    account_id: i64,
    phone: &str,
) -> Result<Option<String>> {
    let waiting = state
        .store
        .hopper_rows_for_phone(account_id, phone, &[HopperState::Pending], None)
        .await?;
    Ok((!waiting.is_empty()).then(|| AWAITING_ANSWER.to_owned()))
}

/// A contact's latest messages (newest first) and the window they leave: delivered templates
/// open or replace it, the contact's messages extend it.
pub(crate) async fn contact_window(
    state: &AppState,
    account_id: i64,
    phone: &str,
) -> Result<(Vec<MessageRecord>, Option<ServiceWindow>)> {
    let messages = state
        .store
        .messages(account_id, Some(phone), WINDOW_MESSAGES)
        .await?;
    let window = ServiceWindow::replay(messages.iter().filter_map(|message| {
        match message.direction {
            MessageDirection::Inbound => Some(WindowEvent::CustomerWrote {
                at: message.created_at,
            }),
            MessageDirection::Outbound if message.kind == Some(MessageKind::Template) => {
                Some(WindowEvent::TemplateDelivered {
                    at: message.delivered_at?,
                    // Messages recorded before categories were kept count as one of their own.
                    category: message.category.as_deref().unwrap_or_default(),
                })
            }
            MessageDirection::Outbound => None,
        }
    }));
    Ok((messages, window))
}

/// After the window expired only the account's recontact template may reach the contact. A
/// contact never reached before has no window to expire.
fn recontact_if_expired(
    window: Option<&ServiceWindow>,
    account: &OpenedAccount,
    template_id: i64,
    now: i64,
) -> Result<()> {
    let expired = window.is_some_and(|window| !window.is_open(now));
    let recontact = account.settings.recontact_template_id;
    if !expired || recontact == Some(template_id) {
        return Ok(());
    }
    Err(AppError::InvalidState {
        code: ErrorCode::RecontactOnly,
        message: match recontact {
            Some(_) => "the customer service window has expired: only the account's recontact template can be sent".to_owned(),
            None => "the customer service window has expired: only a recontact template can be sent, and the account names none (advanced settings)".to_owned(),
        },
    })
}

/// Free-form text needs the contact to have written within the last 24 hours.
fn free_text_allowed(window: Option<&ServiceWindow>, now: i64) -> Result<()> {
    if window.is_some_and(|window| window.allows_free_text(now)) {
        Ok(())
    } else {
        Err(AppError::InvalidState {
            code: ErrorCode::WindowClosed,
            message: "the customer service window is closed: the contact has not written in the last 24 hours, so only a template can be sent".to_owned(),
        })
    }
}

/// The request's field values, with the number being sent to as phone and mobile.
struct Values<'a>(&'a ContactValues, &'a str);

impl ContactFields for Values<'_> {
    fn standard(&self, field: ContactField) -> Option<&str> {
        let Values(values, phone) = self;
        match field {
            ContactField::FirstName => values.first_name.as_deref(),
            ContactField::LastName => values.last_name.as_deref(),
            ContactField::Email => values.email.as_deref(),
            ContactField::Phone | ContactField::Mobile => Some(*phone),
        }
        .filter(|value| !value.trim().is_empty())
    }

    fn custom(&self, name: &str) -> Option<&str> {
        self.0
            .custom
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.trim().is_empty())
    }
}
