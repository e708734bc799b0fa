//! Meta's WhatsApp Cloud API (providers.md sections 1, 4 and 6): templates (create, edit, list,
//! delete) and messages (template, text, mark as read). The sandbox speaks the same wire format.

use std::time::Duration;

use herald_domain::{ListMessage, Provider};
use herald_templates::Template;
use serde::Deserialize;
use serde_json::{Value, json};

use super::ProviderError;

/// Meta's Graph API with the version Herald was written against.
pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com/v23.0";
const PROVIDER: Provider = Provider::Meta;
/// Keys of a template file that Meta's create call takes; Herald's own keys, and what Meta's
/// list answers with about a template's state, stay home.
const TEMPLATE_KEYS: [&str; 9] = [
    "name",
    "language",
    "category",
    "parameter_format",
    "components",
    "message_send_ttl_seconds",
    "cta_url_link_tracking_opted_out",
    "library_template_name",
    "library_template_button_inputs",
];

/// The fields of Meta's template list that Herald asks for: the state and the whole content.
const LISTED_FIELDS: &str = "id,name,language,status,category,previous_category,sub_category,\
quality_score,rejected_reason,parameter_format,components,message_send_ttl_seconds,\
cta_url_link_tracking_opted_out,library_template_name";

/// A client for one account.
#[derive(Debug, Clone)]
pub struct MetaClient {
    http: reqwest::Client,
    base_url: String,
    access_token: String,
}

/// What Meta answers to a template creation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CreatedTemplate {
    /// Meta's template id.
    pub id: String,
    /// `PENDING`, `APPROVED` or `REJECTED`.
    pub status: String,
    /// The category Meta assigned (may differ from the requested one).
    #[serde(default)]
    pub category: Option<String>,
}

/// A template as Meta lists it: its state, and its content in `content`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RemoteTemplate {
    /// Meta's id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Language code.
    pub language: String,
    /// Review status.
    pub status: String,
    /// Category.
    #[serde(default)]
    pub category: Option<String>,
    /// Quality, e.g. `{"score": "GREEN"}`.
    #[serde(default)]
    pub quality_score: Option<QualityScore>,
    /// Rejection reason (`NONE` when not rejected).
    #[serde(default)]
    pub rejected_reason: Option<String>,
    /// Every other field: the components, the parameter format, ...
    #[serde(flatten)]
    pub content: serde_json::Map<String, Value>,
}

impl RemoteTemplate {
    /// The template file of this template: Meta's content as Meta wrote it, without the
    /// state (id, status, quality, reason), which Herald keeps beside the file.
    pub fn file(&self) -> Result<Template, serde_json::Error> {
        let mut content = self.content.clone();
        content.insert("name".to_owned(), Value::String(self.name.clone()));
        content.insert("language".to_owned(), Value::String(self.language.clone()));
        if let Some(category) = &self.category {
            content.insert("category".to_owned(), Value::String(category.clone()));
        }
        serde_json::from_value(Value::Object(content))
    }
}

/// Meta's quality object.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct QualityScore {
    /// `GREEN`, `YELLOW`, `RED` or `UNKNOWN`.
    pub score: String,
}

/// The fields a connection check reads of a business phone number.
const PHONE_NUMBER_FIELDS: &str =
    "display_phone_number,verified_name,quality_rating,messaging_limit_tier";

/// A business phone number, as `GET /{phone_number_id}` describes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct PhoneNumber {
    /// The number as contacts see it.
    #[serde(default)]
    pub display_phone_number: String,
    /// The business name Meta verified.
    #[serde(default)]
    pub verified_name: String,
    /// `GREEN`, `YELLOW`, `RED` or `UNKNOWN`.
    #[serde(default)]
    pub quality_rating: Option<String>,
    /// `TIER_250` … `TIER_UNLIMITED`.
    #[serde(default)]
    pub messaging_limit_tier: Option<String>,
}

/// An accepted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// The `wamid`.
    pub id: String,
    /// `accepted` or `held_for_quality_assessment`.
    pub message_status: Option<String>,
}

impl MetaClient {
    /// A client for `base_url` (e.g. [`DEFAULT_BASE_URL`]) with the account's access token.
    pub fn new(http: reqwest::Client, base_url: &str, access_token: &str) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            access_token: access_token.to_owned(),
        }
    }

    /// The HTTP client the relay uses for providers: rustls, keep-alive, bounded time.
    pub fn http_client() -> reqwest::Result<reqwest::Client> {
        reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()
    }

    /// `GET /{phone_number_id}`: the business number as Meta describes it (its display number,
    /// verified name, quality rating and messaging-limit tier).
    pub async fn phone_number(&self, phone_number_id: &str) -> Result<PhoneNumber, ProviderError> {
        let request = self
            .http
            .get(format!("{}/{phone_number_id}", self.base_url))
            .query(&[("fields", PHONE_NUMBER_FIELDS)]);
        decode(PROVIDER, self.call(request).await?)
    }

    /// `POST /{waba_id}/message_templates`.
    pub async fn create_template(
        &self,
        waba_id: &str,
        template: &Template,
    ) -> Result<CreatedTemplate, ProviderError> {
        let body = template_body(PROVIDER, template)?;
        let value = self
            .call(
                self.http
                    .post(format!("{}/{waba_id}/message_templates", self.base_url))
                    .json(&body),
            )
            .await?;
        decode(PROVIDER, value)
    }

    /// `POST /{template_id}`: replaces category and components of a submitted template.
    pub async fn edit_template(
        &self,
        template_id: &str,
        template: &Template,
    ) -> Result<(), ProviderError> {
        let mut body = template_body(PROVIDER, template)?;
        if let Some(object) = body.as_object_mut() {
            object.retain(|key, _| key == "category" || key == "components");
        }
        self.call(
            self.http
                .post(format!("{}/{template_id}", self.base_url))
                .json(&body),
        )
        .await?;
        Ok(())
    }

    /// `GET /{waba_id}/message_templates`, following the paging to the end.
    pub async fn list_templates(
        &self,
        waba_id: &str,
    ) -> Result<Vec<RemoteTemplate>, ProviderError> {
        let mut templates = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut request = self
                .http
                .get(format!("{}/{waba_id}/message_templates", self.base_url))
                .query(&[("limit", "100"), ("fields", LISTED_FIELDS)]);
            if let Some(cursor) = &after {
                request = request.query(&[("after", cursor.as_str())]);
            }
            let page: TemplatePage = decode(PROVIDER, self.call(request).await?)?;
            let received = page.data.len();
            templates.extend(page.data);
            match page
                .paging
                .and_then(|paging| paging.next.is_some().then_some(paging.cursors))
                .flatten()
            {
                Some(cursors) if received > 0 => after = Some(cursors.after),
                _ => return Ok(templates),
            }
        }
    }

    /// `DELETE /{waba_id}/message_templates?name=&hsm_id=`: deletes one language version.
    pub async fn delete_template(
        &self,
        waba_id: &str,
        name: &str,
        template_id: &str,
    ) -> Result<(), ProviderError> {
        let request = self
            .http
            .delete(format!("{}/{waba_id}/message_templates", self.base_url))
            .query(&[("name", name), ("hsm_id", template_id)]);
        self.call(request).await?;
        Ok(())
    }

    /// `POST /{phone_number_id}/messages` with a template.
    pub async fn send_template(
        &self,
        message: &TemplateMessage<'_>,
    ) -> Result<SentMessage, ProviderError> {
        self.send(message.sender, &template_object(message)).await
    }

    /// `POST /{phone_number_id}/messages` with text, inside the customer service window.
    pub async fn send_object(
        &self,
        phone_number_id: &str,
        object: &Value,
    ) -> Result<SentMessage, ProviderError> {
        self.send(phone_number_id, object).await
    }

    /// Marks an inbound message as read.
    pub async fn mark_read(
        &self,
        phone_number_id: &str,
        message_id: &str,
    ) -> Result<(), ProviderError> {
        let body =
            json!({"messaging_product": "whatsapp", "status": "read", "message_id": message_id});
        self.call(
            self.http
                .post(format!("{}/{phone_number_id}/messages", self.base_url))
                .json(&body),
        )
        .await?;
        Ok(())
    }

    async fn send(
        &self,
        phone_number_id: &str,
        body: &Value,
    ) -> Result<SentMessage, ProviderError> {
        let value = self
            .call(
                self.http
                    .post(format!("{}/{phone_number_id}/messages", self.base_url))
                    .json(body),
            )
            .await?;
        sent_message(PROVIDER, &value)
    }

    async fn call(&self, request: reqwest::RequestBuilder) -> Result<Value, ProviderError> {
        read_answer(PROVIDER, request.bearer_auth(&self.access_token)).await
    }
}

/// Sends `request` and reads the provider's JSON answer; a failure status becomes a
/// [`ProviderError`] with the provider's code (Kaleyra answers errors in the same shapes).
pub(super) async fn read_answer(
    provider: Provider,
    request: reqwest::RequestBuilder,
) -> Result<Value, ProviderError> {
    let response = request
        .send()
        .await
        .map_err(|error| ProviderError::transport(provider, &error))?;
    let status = response.status();
    // The status is known: a refusal is certain; a success whose body is lost is in doubt.
    let text = response.text().await.map_err(|error| ProviderError {
        in_doubt: status.is_success(),
        ..ProviderError::transport(provider, &error)
    })?;
    let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(value);
    }
    Err(error_from(provider, status.as_u16(), &value, &text))
}

/// What a template send needs.
#[derive(Debug, Clone)]
pub struct TemplateMessage<'a> {
    /// Who sends: Meta's phone-number id, or Kaleyra's sender number.
    pub sender: &'a str,
    /// Recipient, digits with the international prefix.
    pub to: &'a str,
    /// Template name.
    pub name: &'a str,
    /// Language code.
    pub language: &'a str,
    /// The rendered `components`.
    pub components: &'a [Value],
    /// Echoed back in status webhooks (ties them to Herald's row).
    pub callback_data: Option<&'a str>,
}

/// Meta's message object of a template send (Kaleyra v2 takes it as `messaging_object`).
pub(crate) fn template_object(message: &TemplateMessage<'_>) -> Value {
    let mut object = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": format!("+{}", message.to),
        "type": "template",
        "template": {"name": message.name, "language": {"code": message.language}, "components": message.components},
    });
    if let Some(callback) = message.callback_data {
        object["biz_opaque_callback_data"] = json!(callback);
    }
    object
}

/// Meta's message object of a text send.
pub fn text_object(to: &str, text: &str) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": format!("+{to}"),
        "type": "text",
        "text": {"preview_url": false, "body": text},
    })
}

/// Meta's message object of an interactive list (its `list_reply` comes back by webhook).
pub fn list_object(to: &str, list: &ListMessage) -> Value {
    let text = |text: &Option<String>| {
        text.as_deref()
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(str::to_owned)
    };
    let mut interactive = json!({
        "type": "list",
        "body": {"text": list.body},
        "action": {
            "button": list.button,
            "sections": list.sections.iter().map(|section| {
                let mut shown = json!({"rows": section.rows.iter().map(|row| {
                    let mut option = json!({"id": row.id, "title": row.title});
                    if let Some(description) = text(&row.description) {
                        option["description"] = json!(description);
                    }
                    option
                }).collect::<Vec<_>>()});
                if let Some(title) = text(&section.title) {
                    shown["title"] = json!(title);
                }
                shown
            }).collect::<Vec<_>>(),
        },
    });
    if let Some(header) = text(&list.header) {
        interactive["header"] = json!({"type": "text", "text": header});
    }
    if let Some(footer) = text(&list.footer) {
        interactive["footer"] = json!({"text": footer});
    }
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": format!("+{to}"),
        "type": "interactive",
        "interactive": interactive,
    })
}

/// The accepted message of a send's answer: Meta's `messages[0]`, or the `data[0].message_id`
/// or `id` some Kaleyra answers carry.
pub(super) fn sent_message(
    provider: Provider,
    value: &Value,
) -> Result<SentMessage, ProviderError> {
    let message = value.pointer("/messages/0");
    let id = message
        .and_then(|message| message.get("id"))
        .or_else(|| value.pointer("/data/0/message_id"))
        .or_else(|| value.get("id"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ProviderError::unexpected(provider, "the answer has no message id", value.to_string())
                .in_doubt()
        })?;
    Ok(SentMessage {
        id: id.to_owned(),
        message_status: message
            .and_then(|message| message.get("message_status"))
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// A provider's error body. Meta: `{"error": {"message", "code", "error_subcode", "error_data":
/// {"details"}}}`; Kaleyra passes Meta's codes through in that shape, and its own codes (`WA401`,
/// `E110`) as text, inside `error` or at the top level.
pub(super) fn error_from(
    provider: Provider,
    status: u16,
    value: &Value,
    text: &str,
) -> ProviderError {
    let error = value
        .get("error")
        .filter(|error| error.is_object())
        .unwrap_or(value);
    let field = |pointer: &str| error.pointer(pointer);
    let code = field("/code");
    ProviderError {
        provider,
        http_status: Some(status),
        code: code.and_then(Value::as_i64),
        code_text: code.and_then(Value::as_str).map(str::to_owned),
        subcode: field("/error_subcode").and_then(Value::as_i64),
        message: field("/message")
            .and_then(Value::as_str)
            .map_or_else(|| text.chars().take(300).collect(), str::to_owned),
        details: field("/error_data/details")
            .and_then(Value::as_str)
            .map(Box::from),
        user_message: field("/error_user_msg")
            .and_then(Value::as_str)
            .map(Box::from),
        in_doubt: false,
    }
}

/// The body of a template creation: Meta's keys only, Herald's own stay home.
pub(super) fn template_body(
    provider: Provider,
    template: &Template,
) -> Result<Value, ProviderError> {
    let mut body = serde_json::to_value(template).map_err(|error| {
        ProviderError::unexpected(provider, "cannot encode the template", error.to_string())
    })?;
    if let Some(object) = body.as_object_mut() {
        object.retain(|key, _| TEMPLATE_KEYS.contains(&key.as_str()));
    }
    Ok(body)
}

pub(super) fn decode<T: serde::de::DeserializeOwned>(
    provider: Provider,
    value: Value,
) -> Result<T, ProviderError> {
    let shown = value.to_string();
    serde_json::from_value(value).map_err(|error| {
        ProviderError::unexpected(
            provider,
            &format!("unexpected answer: {error}"),
            shown.chars().take(500).collect(),
        )
    })
}

#[derive(Debug, Deserialize)]
struct TemplatePage {
    data: Vec<RemoteTemplate>,
    #[serde(default)]
    paging: Option<Paging>,
}

#[derive(Debug, Deserialize)]
struct Paging {
    #[serde(default)]
    cursors: Option<Cursors>,
    #[serde(default)]
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Cursors {
    after: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_domain::ErrorClass;

    #[test]
    fn meta_errors_keep_code_subcode_and_details() {
        let body = json!({"error": {"message": "(#130429) Rate limit hit", "type": "OAuthException", "code": 130_429,
            "error_data": {"messaging_product": "whatsapp", "details": "Cloud API message throughput has been reached."},
            "error_subcode": 2_494_055, "fbtrace_id": "x"}});
        let error = error_from(PROVIDER, 400, &body, &body.to_string());
        assert_eq!(
            (error.code, error.subcode),
            (Some(130_429), Some(2_494_055))
        );
        assert_eq!(
            error.details.as_deref(),
            Some("Cloud API message throughput has been reached.")
        );
        assert_eq!(error.class(), ErrorClass::Throttle);
    }

    #[test]
    fn a_template_refusal_keeps_the_reason_meant_for_its_author() {
        let body = json!({"error": {"message": "Invalid parameter", "type": "OAuthException", "code": 100,
            "error_subcode": 2_388_293, "error_user_title": "Too many variables",
            "error_user_msg": "This template has too many variables for its length.", "fbtrace_id": "x"}});
        let error = error_from(PROVIDER, 400, &body, &body.to_string());
        assert_eq!(error.subcode, Some(2_388_293));
        assert_eq!(
            error.user_message.as_deref(),
            Some("This template has too many variables for its length.")
        );
    }

    #[test]
    fn a_non_json_error_keeps_its_text_and_follows_the_status() {
        let error = error_from(PROVIDER, 502, &Value::Null, "<html>Bad gateway</html>");
        assert_eq!(error.message, "<html>Bad gateway</html>");
        assert_eq!(error.class(), ErrorClass::Temporary);
    }

    #[test]
    fn only_meta_keys_are_submitted() {
        let template: Template = serde_json::from_value(json!({
            "name": "n", "language": "en", "category": "MARKETING", "id": "7",
            "components": [{"type": "BODY", "text": "Hello there friend."}],
            "herald": {"recontact": true}
        }))
        .unwrap();
        let body = template_body(PROVIDER, &template).unwrap();
        let mut keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["category", "components", "language", "name"]);
    }
}
