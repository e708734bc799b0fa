//! A WhatsApp provider simulator. It speaks the Meta Cloud API endpoints Herald's adapter uses,
//! over real HTTP, and calls the relay's webhook with payloads signed like Meta's
//! (`X-Hub-Signature-256`, HMAC-SHA256 of the raw body with the app secret).
//!
//! Templates are reviewed after a configurable delay: approved, or rejected with a reason when
//! their body contains a configured pattern. Every message it accepts is kept in a log, so tests
//! can prove that nothing was sent twice.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::net::TcpListener;

/// How the simulator behaves.
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxConfig {
    /// Where to send webhooks (the relay's `/webhooks/meta`).
    #[arg(
        long,
        env = "SANDBOX_WEBHOOK_URL",
        default_value = "http://127.0.0.1:8080/webhooks/meta"
    )]
    pub webhook_url: String,
    /// Secret that signs webhooks (the account's app secret).
    #[arg(long, env = "SANDBOX_APP_SECRET", default_value = "sandbox-app-secret")]
    pub app_secret: String,
    /// Bearer token every call must carry (the account's access token).
    #[arg(
        long,
        env = "SANDBOX_ACCESS_TOKEN",
        default_value = "sandbox-access-token"
    )]
    pub access_token: String,
    /// The WhatsApp Business Account id it answers for.
    #[arg(long, env = "SANDBOX_WABA_ID", default_value = "sandbox-waba")]
    pub waba_id: String,
    /// The phone-number id it sends from.
    #[arg(long, env = "SANDBOX_PHONE_NUMBER_ID", default_value = "sandbox-phone")]
    pub phone_number_id: String,
    /// Milliseconds before a submitted template is reviewed.
    #[arg(long, env = "SANDBOX_REVIEW_DELAY_MS", default_value_t = 1500)]
    pub review_delay_ms: u64,
    /// A template whose body contains one of these (comma-separated) is rejected.
    #[arg(
        long,
        env = "SANDBOX_REJECT_PATTERNS",
        value_delimiter = ',',
        default_value = "REJECT ME"
    )]
    pub reject_patterns: Vec<String>,
}

/// A template as the simulator keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct RemoteTemplate {
    /// Numeric id, as text (REST form).
    pub id: String,
    /// Name.
    pub name: String,
    /// Language code.
    pub language: String,
    /// Category.
    pub category: String,
    /// `PENDING`, `APPROVED` or `REJECTED`.
    pub status: String,
    /// Components as submitted.
    pub components: Value,
    /// Why it was rejected.
    pub rejected_reason: Option<String>,
}

/// One message the simulator accepted.
#[derive(Debug, Clone, Serialize)]
pub struct AcceptedMessage {
    /// The id it answered with.
    pub wamid: String,
    /// Recipient as given.
    pub to: String,
    /// The request body.
    pub request: Value,
}

#[derive(Default)]
struct Book {
    templates: Vec<RemoteTemplate>,
    next_id: u64,
    messages: Vec<AcceptedMessage>,
}

struct Shared {
    config: SandboxConfig,
    book: Mutex<Book>,
    webhooks: reqwest::Client,
}

impl Shared {
    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A running simulator.
#[derive(Clone)]
pub struct Sandbox {
    /// Base URL the Meta adapter uses (with the API version), e.g. `http://127.0.0.1:1234/v23.0`.
    pub base_url: String,
    shared: Arc<Shared>,
}

impl Sandbox {
    /// Every message accepted so far.
    pub fn accepted_messages(&self) -> Vec<AcceptedMessage> {
        self.shared.book().messages.clone()
    }

    /// Every template it knows.
    pub fn templates(&self) -> Vec<RemoteTemplate> {
        self.shared.book().templates.clone()
    }
}

/// Starts the simulator on `listener`; it runs until the process ends.
pub fn start(listener: TcpListener, config: SandboxConfig) -> anyhow::Result<Sandbox> {
    let address = listener.local_addr()?;
    let shared = Arc::new(Shared {
        config,
        book: Mutex::new(Book {
            next_id: 1_000_000_000_000_000,
            ..Book::default()
        }),
        webhooks: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?,
    });
    let app = Router::new()
        .route(
            "/{version}/{node}/message_templates",
            get(list_templates)
                .post(create_template)
                .delete(delete_template),
        )
        .route("/{version}/{node}/messages", post(send_message))
        .route("/{version}/{node}", post(edit_template))
        .with_state(Arc::clone(&shared));
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "sandbox stopped");
        }
    });
    Ok(Sandbox {
        base_url: format!("http://{address}/v23.0"),
        shared,
    })
}

/// A refusal, answered in Meta's error shape.
struct MetaFailure {
    status: StatusCode,
    code: i64,
    message: String,
}

impl IntoResponse for MetaFailure {
    fn into_response(self) -> Response {
        let body = json!({"error": {"message": self.message, "type": "OAuthException", "code": self.code, "fbtrace_id": "sandbox"}});
        (self.status, Json(body)).into_response()
    }
}

fn meta_error(status: StatusCode, code: i64, message: &str) -> MetaFailure {
    MetaFailure {
        status,
        code,
        message: message.to_owned(),
    }
}

type Answer = Result<Response, MetaFailure>;

/// The caller must carry the account's token, and address the node this sandbox simulates
/// (`None` for calls addressed to a template id).
fn check(
    shared: &Shared,
    headers: &HeaderMap,
    node: Option<(&str, &str)>,
) -> Result<(), MetaFailure> {
    let expected = format!("Bearer {}", shared.config.access_token);
    if headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        != Some(expected.as_str())
    {
        return Err(meta_error(
            StatusCode::UNAUTHORIZED,
            190,
            "Invalid OAuth access token",
        ));
    }
    match node {
        Some((given, simulated)) if given != simulated => Err(meta_error(
            StatusCode::BAD_REQUEST,
            100,
            "Unsupported request: the object does not exist",
        )),
        _ => Ok(()),
    }
}

async fn create_template(
    State(shared): State<Arc<Shared>>,
    Path((_version, node)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Answer {
    check(&shared, &headers, Some((&node, &shared.config.waba_id)))?;
    let text = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (name, language, category) = (text("name"), text("language"), text("category"));
    let template = {
        let mut book = shared.book();
        if book
            .templates
            .iter()
            .any(|t| t.name == name && t.language == language)
        {
            return Err(meta_error(
                StatusCode::BAD_REQUEST,
                100,
                "Content in this language already exists",
            ));
        }
        book.next_id += 1;
        let template = RemoteTemplate {
            id: book.next_id.to_string(),
            name,
            language,
            category: category.clone(),
            status: "PENDING".to_owned(),
            components: body.get("components").cloned().unwrap_or(Value::Null),
            rejected_reason: None,
        };
        book.templates.push(template.clone());
        template
    };
    review_later(Arc::clone(&shared), template.id.clone());
    Ok(Json(json!({"id": template.id, "status": "PENDING", "category": category})).into_response())
}

async fn edit_template(
    State(shared): State<Arc<Shared>>,
    Path((_version, template_id)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Answer {
    check(&shared, &headers, None)?;
    {
        let mut book = shared.book();
        let Some(template) = book.templates.iter_mut().find(|t| t.id == template_id) else {
            return Err(meta_error(
                StatusCode::BAD_REQUEST,
                100,
                "Unsupported post request: the template does not exist",
            ));
        };
        if let Some(components) = body.get("components") {
            template.components = components.clone();
        }
        template.status = "PENDING".to_owned();
        template.rejected_reason = None;
    }
    review_later(Arc::clone(&shared), template_id);
    Ok(Json(json!({"success": true})).into_response())
}

/// Reviews a template after the configured delay and reports it like Meta does.
fn review_later(shared: Arc<Shared>, template_id: String) {
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(shared.config.review_delay_ms)).await;
        let reviewed = {
            let mut book = shared.book();
            let Some(template) = book.templates.iter_mut().find(|t| t.id == template_id) else {
                return;
            };
            let body = template.components.to_string();
            let rejected = shared
                .config
                .reject_patterns
                .iter()
                .any(|pattern| !pattern.is_empty() && body.contains(pattern.as_str()));
            template.status = if rejected { "REJECTED" } else { "APPROVED" }.to_owned();
            template.rejected_reason = rejected.then(|| "INVALID_FORMAT".to_owned());
            template.clone()
        };
        let value = json!({
            "event": reviewed.status,
            "message_template_id": reviewed.id.parse::<u64>().unwrap_or_default(),
            "message_template_name": reviewed.name,
            "message_template_language": reviewed.language.replace('_', "-"),
            "reason": reviewed.rejected_reason.clone().unwrap_or_else(|| "NONE".to_owned()),
            "message_template_category": reviewed.category,
        });
        send_webhook(&shared, "message_template_status_update", value).await;
    });
}

/// Posts one change to the webhook URL, signed with the app secret.
async fn send_webhook(shared: &Shared, field: &str, value: Value) {
    let payload = json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": shared.config.waba_id, "time": 0, "changes": [{"field": field, "value": value}]}],
    });
    let body = payload.to_string();
    let response = shared
        .webhooks
        .post(&shared.config.webhook_url)
        .header("content-type", "application/json")
        .header(
            "x-hub-signature-256",
            signature(&shared.config.app_secret, body.as_bytes()),
        )
        .body(body)
        .send()
        .await;
    match response {
        Ok(response) if response.status().is_success() => {}
        Ok(response) => tracing::warn!(status = %response.status(), "the webhook was refused"),
        Err(error) => tracing::warn!(%error, "the webhook could not be delivered"),
    }
}

/// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`, as Meta signs.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC accepts keys of every length, so this never takes the early return.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    format!("sha256={}", hex::encode(digest))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    limit: Option<usize>,
    after: Option<String>,
}

async fn list_templates(
    State(shared): State<Arc<Shared>>,
    Path((version, node)): Path<(String, String)>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Answer {
    check(&shared, &headers, Some((&node, &shared.config.waba_id)))?;
    let limit = query.limit.unwrap_or(25).clamp(1, 100);
    let start = query
        .after
        .as_deref()
        .and_then(|after| after.parse::<usize>().ok())
        .unwrap_or(0);
    let book = shared.book();
    let page: Vec<Value> = book
        .templates
        .iter()
        .skip(start)
        .take(limit)
        .map(|t| {
            json!({
                "id": t.id, "name": t.name, "language": t.language, "status": t.status,
                "category": t.category, "components": t.components,
                "quality_score": {"score": "UNKNOWN"},
                "rejected_reason": t.rejected_reason.clone().unwrap_or_else(|| "NONE".to_owned()),
            })
        })
        .collect();
    let end = start + page.len();
    let mut paging = json!({"cursors": {"before": start.to_string(), "after": end.to_string()}});
    if end < book.templates.len() {
        paging["next"] = json!(format!(
            "/{version}/{node}/message_templates?limit={limit}&after={end}"
        ));
    }
    Ok(Json(json!({"data": page, "paging": paging})).into_response())
}

#[derive(Debug, Deserialize)]
struct DeleteQuery {
    name: String,
    hsm_id: Option<String>,
}

async fn delete_template(
    State(shared): State<Arc<Shared>>,
    Path((_version, node)): Path<(String, String)>,
    Query(query): Query<DeleteQuery>,
    headers: HeaderMap,
) -> Answer {
    check(&shared, &headers, Some((&node, &shared.config.waba_id)))?;
    let mut book = shared.book();
    let before = book.templates.len();
    book.templates
        .retain(|t| t.name != query.name || query.hsm_id.as_ref().is_some_and(|id| *id != t.id));
    if book.templates.len() == before {
        return Err(meta_error(
            StatusCode::BAD_REQUEST,
            100,
            "Template not found",
        ));
    }
    Ok(Json(json!({"success": true})).into_response())
}

async fn send_message(
    State(shared): State<Arc<Shared>>,
    Path((_version, node)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Answer {
    check(
        &shared,
        &headers,
        Some((&node, &shared.config.phone_number_id)),
    )?;
    if body.get("status").and_then(Value::as_str) == Some("read") {
        return Ok(Json(json!({"success": true})).into_response());
    }
    let to = body
        .get("to")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if body.get("type").and_then(Value::as_str) == Some("template") {
        let name = body
            .pointer("/template/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let language = body
            .pointer("/template/language/code")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let approved = shared
            .book()
            .templates
            .iter()
            .any(|t| t.name == name && t.language == language && t.status == "APPROVED");
        if !approved {
            return Err(meta_error(
                StatusCode::NOT_FOUND,
                132_001,
                &format!("template name ({name}) does not exist in {language}"),
            ));
        }
    }
    let wamid = {
        let mut book = shared.book();
        book.next_id += 1;
        let wamid = format!("wamid.sandbox{}", book.next_id);
        book.messages.push(AcceptedMessage {
            wamid: wamid.clone(),
            to: to.clone(),
            request: body,
        });
        wamid
    };
    let wa_id: String = to.chars().filter(char::is_ascii_digit).collect();
    Ok(Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": wa_id}],
        "messages": [{"id": wamid, "message_status": "accepted"}],
    }))
    .into_response())
}
