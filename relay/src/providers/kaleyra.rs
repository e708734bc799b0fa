//! Kaleyra's WhatsApp API, version 2 (providers.md section 8.3): templates are created with
//! Meta's body under Kaleyra's path, and messages are Meta's message object wrapped as
//! `messaging_object`. Version 2 was chosen over version 1 because of that: the renderer's Meta
//! components serve both providers, media and buttons included, where version 1's
//! comma-separated `params` cannot carry a parameter containing a comma. Authentication is the
//! `api-key` header; the account's SID is in the path. Callbacks arrive at
//! `/webhooks/kaleyra/{account_id}` (see http/webhooks.rs).

use herald_domain::Provider;
use herald_templates::Template;
use serde_json::{Value, json};

use super::ProviderError;
use super::meta::{
    CreatedTemplate, SentMessage, TemplateMessage, decode, read_answer, sent_message,
    template_body, template_object,
};

/// Kaleyra's India pod; accounts on other pods set their base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.in.kaleyra.io";
const PROVIDER: Provider = Provider::Kaleyra;

/// A client for one Kaleyra account.
#[derive(Debug, Clone)]
pub struct KaleyraClient {
    http: reqwest::Client,
    base_url: String,
    sid: String,
    api_key: String,
}

impl KaleyraClient {
    /// A client for `base_url` (e.g. [`DEFAULT_BASE_URL`]) with the account's SID and API key.
    pub fn new(http: reqwest::Client, base_url: &str, sid: &str, api_key: &str) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            sid: sid.to_owned(),
            api_key: api_key.to_owned(),
        }
    }

    /// `POST /v2/{sid}/whatsapp/{waba_id}/message_templates`.
    pub async fn create_template(
        &self,
        waba_id: &str,
        template: &Template,
    ) -> Result<CreatedTemplate, ProviderError> {
        let body = template_body(PROVIDER, template)?;
        let url = format!(
            "{}/v2/{}/whatsapp/{waba_id}/message_templates",
            self.base_url, self.sid
        );
        decode(PROVIDER, self.call(&url, &body).await?)
    }

    /// Sends a template; `message.sender` is the account's WhatsApp number.
    pub async fn send_template(
        &self,
        message: &TemplateMessage<'_>,
    ) -> Result<SentMessage, ProviderError> {
        let reference = message.callback_data.unwrap_or_default();
        self.send(message.sender, template_object(message), reference)
            .await
    }

    /// Sends text, inside the customer service window.
    pub async fn send_object(
        &self,
        sender: &str,
        object: Value,
    ) -> Result<SentMessage, ProviderError> {
        self.send(sender, object, "").await
    }

    async fn send(
        &self,
        sender: &str,
        message: Value,
        reference: &str,
    ) -> Result<SentMessage, ProviderError> {
        let number: String = sender.chars().filter(char::is_ascii_digit).collect();
        let url = format!(
            "{}/v2/{}/whatsapp/{number}/messages",
            self.base_url, self.sid
        );
        let body = json!({"messaging_object": message, "extra_info": {"ref": reference}});
        let value = self.call(&url, &body).await?;
        sent_message(PROVIDER, &value)
    }

    async fn call(&self, url: &str, body: &Value) -> Result<Value, ProviderError> {
        let request = self
            .http
            .post(url)
            .header("api-key", &self.api_key)
            .json(body);
        read_answer(PROVIDER, request).await
    }
}

#[cfg(test)]
mod tests {
    use herald_domain::ErrorClass;

    use super::super::meta::error_from;
    use super::*;

    #[test]
    fn kaleyra_codes_are_kept_as_text_and_classified() {
        let body = json!({"error": {"code": "WA401", "message": "template not approved"}});
        let error = error_from(PROVIDER, 400, &body, &body.to_string());
        assert_eq!(error.code_text.as_deref(), Some("WA401"));
        assert_eq!(error.class(), ErrorClass::TemplateStop);
        let flat = json!({"code": "E110", "message": "Insufficient balance"});
        let error = error_from(PROVIDER, 400, &flat, &flat.to_string());
        assert_eq!(
            (error.class(), error.message.as_str()),
            (ErrorClass::AccountStop, "Insufficient balance")
        );
        let passed_through =
            json!({"error": {"code": 131_026, "message": "Message Undeliverable"}});
        let error = error_from(PROVIDER, 400, &passed_through, "");
        assert_eq!(error.class(), ErrorClass::PermanentForContact);
    }
}
