//! Provider webhooks read into what Herald applies: message statuses, inbound messages and
//! template events. Meta's envelope (`entry[].changes[].value`) is the common shape; Kaleyra's
//! callbacks wrap the same `value` (v2 statuses), send its fields bare (incoming messages) or send
//! Meta's template event fields flat, so both read through one path.
//!
//! Parsing is pure and total: any byte string gives either content or a [`PayloadError`], never
//! a panic (property-tested, and fuzzed with the template pipeline's harness).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{MessageKind, MessageStatus, TemplateQuality, TemplateStatus};

/// A body that is not a webhook Herald can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PayloadError(String);

/// Everything one webhook delivery says; what the applier needs of it is stored in this form
/// (serde), so a webhook is read from the provider's format once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookContent {
    /// The phone-number ids of `value.metadata` (message events name the account by these).
    pub phone_number_ids: Vec<String>,
    /// The `entry[].id`s: WhatsApp Business Account ids (template events name the account so).
    pub business_account_ids: Vec<String>,
    /// Status changes of outbound messages.
    pub statuses: Vec<StatusUpdate>,
    /// Messages from contacts.
    pub inbound: Vec<InboundMessage>,
    /// Template review, quality and category changes.
    pub template_events: Vec<TemplateEvent>,
}

/// A status change of an outbound message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusUpdate {
    /// The provider's message id (`wamid…`).
    pub message_id: String,
    /// The new status.
    pub status: MessageStatus,
    /// When it happened at the provider, Unix milliseconds (0 when not given).
    pub at_ms: i64,
    /// The contact's number, digits.
    pub recipient: String,
    /// Why it failed.
    pub error: Option<MessageError>,
    /// What Herald set as `biz_opaque_callback_data` when it sent the message.
    pub callback_data: Option<String>,
}

/// A provider's reason for a failed message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageError {
    /// The provider's code, e.g. 131026.
    pub code: Option<i64>,
    /// Its title (Meta's "Message Undeliverable") and details.
    pub message: String,
}

/// A message from a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundMessage {
    /// The provider's message id.
    pub message_id: String,
    /// The contact's number, digits.
    pub from: String,
    /// What it carries.
    pub kind: MessageKind,
    /// What a person reads: the text, the tapped button's label, the caption, the place.
    pub text: Option<String>,
    /// The id of the message it answers (a quick-reply tap names the template message).
    pub reply_to: Option<String>,
    /// When the contact sent it, Unix milliseconds (0 when not given).
    pub at_ms: i64,
    /// The message object as received, JSON.
    pub payload: String,
}

/// A change to a template at the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TemplateEvent {
    /// Reviewed, paused, disabled, reinstated…
    Status {
        /// The provider's template id.
        template_id: String,
        /// The new status.
        status: TemplateStatus,
        /// Why it was rejected, paused or disabled.
        reason: Option<String>,
    },
    /// A new quality rating.
    Quality {
        /// The provider's template id.
        template_id: String,
        /// The new rating.
        quality: TemplateQuality,
    },
    /// Meta moved the template to another category.
    Category {
        /// The provider's template id.
        template_id: String,
        /// The new category, e.g. `MARKETING`.
        category: String,
    },
}

impl TemplateEvent {
    /// The provider's id of the template it concerns.
    pub fn template_id(&self) -> &str {
        match self {
            Self::Status { template_id, .. }
            | Self::Quality { template_id, .. }
            | Self::Category { template_id, .. } => template_id,
        }
    }
}

/// Meta's template events that change what Herald shows; the others are informational.
pub fn status_from_event(event: &str) -> Option<TemplateStatus> {
    match event.to_ascii_uppercase().as_str() {
        "APPROVED" | "REINSTATED" | "UNPAUSED" => Some(TemplateStatus::Approved),
        "REJECTED" => Some(TemplateStatus::Rejected),
        "PAUSED" => Some(TemplateStatus::Paused),
        "DISABLED" => Some(TemplateStatus::Disabled),
        "PENDING" | "IN_APPEAL" => Some(TemplateStatus::Pending),
        _ => None,
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Deserialize)]
struct Change {
    #[serde(default)]
    field: String,
    #[serde(default)]
    value: ChangeValue,
}

#[derive(Deserialize, Default)]
struct ChangeValue {
    #[serde(default)]
    metadata: Option<Metadata>,
    #[serde(default)]
    statuses: Vec<RawStatus>,
    #[serde(default)]
    messages: Vec<Value>,
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    message_template_id: Option<Value>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    rejection_info: Option<RejectionInfo>,
    #[serde(default)]
    new_quality_score: Option<String>,
    #[serde(default)]
    new_category: Option<String>,
}

#[derive(Deserialize)]
struct Metadata {
    #[serde(default)]
    phone_number_id: Option<String>,
}

#[derive(Deserialize)]
struct RejectionInfo {
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
struct RawStatus {
    #[serde(default)]
    id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    timestamp: Option<Value>,
    #[serde(default)]
    recipient_id: String,
    #[serde(default)]
    biz_opaque_callback_data: Option<String>,
    #[serde(default)]
    errors: Vec<RawError>,
}

#[derive(Deserialize)]
struct RawError {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    error_data: Option<ErrorData>,
}

#[derive(Deserialize)]
struct ErrorData {
    #[serde(default)]
    details: Option<String>,
}

/// Reads a Meta webhook body (`{"object", "entry": [...]}`).
pub fn parse_meta(body: &[u8]) -> Result<WebhookContent, PayloadError> {
    let envelope: Envelope = serde_json::from_slice(body).map_err(|error| payload_error(&error))?;
    let mut content = WebhookContent::default();
    for entry in envelope.entry {
        if let Some(id) = entry.id.as_ref().and_then(id_text) {
            content.business_account_ids.push(id);
        }
        for change in entry.changes {
            content.add(&change.field, change.value);
        }
    }
    Ok(content)
}

/// Reads a Kaleyra callback: a v2 status (`meta_object` wrapping Meta's change), an incoming
/// message (Meta's `value` fields at the top level) or a template event (Meta's fields, flat).
pub fn parse_kaleyra(body: &[u8]) -> Result<WebhookContent, PayloadError> {
    let mut body: Value = serde_json::from_slice(body).map_err(|error| payload_error(&error))?;
    let mut content = WebhookContent::default();
    let (field, value) = match body.get_mut("meta_object").map(Value::take) {
        Some(mut change) => (
            change
                .get("field")
                .and_then(Value::as_str)
                .unwrap_or("messages")
                .to_owned(),
            change.get_mut("value").map(Value::take).unwrap_or_default(),
        ),
        None if body.get("event").is_some() => ("message_template_status_update".to_owned(), body),
        None => ("messages".to_owned(), body),
    };
    let value: ChangeValue =
        serde_json::from_value(value).map_err(|error| payload_error(&error))?;
    content.add(&field, value);
    Ok(content)
}

fn payload_error(error: &serde_json::Error) -> PayloadError {
    PayloadError(format!(
        "the webhook body is not a webhook Herald reads: {error}"
    ))
}

impl WebhookContent {
    fn add(&mut self, field: &str, value: ChangeValue) {
        if let Some(id) = value.metadata.and_then(|metadata| metadata.phone_number_id) {
            self.phone_number_ids.push(id);
        }
        match field {
            "messages" => {
                self.statuses
                    .extend(value.statuses.into_iter().filter_map(status_update));
                self.inbound
                    .extend(value.messages.iter().filter_map(inbound_message));
            }
            "message_template_status_update" => {
                let template_id = value.message_template_id.as_ref().and_then(id_text);
                let status = value.event.as_deref().and_then(status_from_event);
                if let (Some(template_id), Some(status)) = (template_id, status) {
                    let reason = value
                        .rejection_info
                        .and_then(|info| info.reason)
                        .or(value.reason)
                        .filter(|reason| reason != "NONE");
                    self.template_events.push(TemplateEvent::Status {
                        template_id,
                        status,
                        reason,
                    });
                }
            }
            "message_template_quality_update" => {
                let template_id = value.message_template_id.as_ref().and_then(id_text);
                let quality = value
                    .new_quality_score
                    .and_then(|score| score.to_ascii_uppercase().parse().ok());
                if let (Some(template_id), Some(quality)) = (template_id, quality) {
                    self.template_events.push(TemplateEvent::Quality {
                        template_id,
                        quality,
                    });
                }
            }
            "template_category_update" => {
                let template_id = value.message_template_id.as_ref().and_then(id_text);
                if let (Some(template_id), Some(category)) = (template_id, value.new_category) {
                    self.template_events.push(TemplateEvent::Category {
                        template_id,
                        category,
                    });
                }
            }
            _ => {}
        }
    }
}

/// Ids come as numbers in webhooks and as text in REST answers.
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Unix seconds (as text or a number) to milliseconds.
fn timestamp_ms(value: Option<&Value>) -> i64 {
    let seconds = match value {
        Some(Value::String(text)) => text.parse::<i64>().unwrap_or_default(),
        Some(Value::Number(number)) => number.as_i64().unwrap_or_default(),
        _ => 0,
    };
    seconds.saturating_mul(1000)
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

fn status_update(raw: RawStatus) -> Option<StatusUpdate> {
    let status = MessageStatus::from_provider(&raw.status).ok()?;
    if raw.id.is_empty() {
        return None;
    }
    let error = raw.errors.into_iter().next().map(|error| {
        let title = error.title.or(error.message).unwrap_or_default();
        let message = match error.error_data.and_then(|data| data.details) {
            Some(details) if !details.is_empty() && details != title => {
                format!("{title}: {details}")
            }
            _ => title,
        };
        MessageError {
            code: error.code,
            message,
        }
    });
    Some(StatusUpdate {
        message_id: raw.id,
        status,
        at_ms: timestamp_ms(raw.timestamp.as_ref()),
        recipient: digits(&raw.recipient_id),
        error,
        callback_data: raw.biz_opaque_callback_data,
    })
}

fn inbound_message(message: &Value) -> Option<InboundMessage> {
    let text_at = |pointer: &str| {
        message
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let message_id = text_at("/id").filter(|id| !id.is_empty())?;
    let kind_word = text_at("/type").unwrap_or_default();
    let (kind, text) = match kind_word.as_str() {
        "text" => (MessageKind::Text, text_at("/text/body")),
        "image" | "video" | "audio" | "document" | "sticker" => (
            MessageKind::Media,
            text_at(&format!("/{kind_word}/caption")),
        ),
        "location" => (
            MessageKind::Location,
            text_at("/location/name").or_else(|| text_at("/location/address")),
        ),
        "button" => (
            MessageKind::Button,
            text_at("/button/text").or_else(|| text_at("/button/payload")),
        ),
        "interactive" => match text_at("/interactive/type").as_deref() {
            Some("button_reply") => (
                MessageKind::ButtonReply,
                text_at("/interactive/button_reply/title"),
            ),
            Some("list_reply") => (
                MessageKind::ListReply,
                text_at("/interactive/list_reply/title"),
            ),
            _ => (MessageKind::Other, None),
        },
        _ => (MessageKind::Other, None),
    };
    Some(InboundMessage {
        message_id,
        from: digits(&text_at("/from").unwrap_or_default()),
        kind,
        text,
        reply_to: text_at("/context/id"),
        at_ms: timestamp_ms(message.get("timestamp")),
        payload: message.to_string(),
    })
}

#[cfg(test)]
mod tests;
