//! A WhatsApp provider simulator. It speaks, over real HTTP, the Meta Cloud API endpoints
//! Herald's Meta adapter uses and the Kaleyra v2 endpoints its Kaleyra adapter uses, and calls
//! the relay back like the provider would: Meta-style webhooks signed with the app secret
//! (`X-Hub-Signature-256`), or Kaleyra-style callbacks carrying the callback token.
//!
//! - Templates are reviewed after a delay: approved, or rejected when their body contains a
//!   configured pattern.
//! - Messages are accepted with a `wamid` and then reported `sent`, `delivered` and (some)
//!   `read` after configurable latencies; some fail by a configured code and rate; numbers listed
//!   as not on WhatsApp fail with 131026; some contacts answer (a quick-reply tap when the
//!   template has quick replies, text otherwise).
//! - Throughput is capped like Meta's: messages per second (130429) and per recipient (131056).
//! - A template send must carry the parameters its template needs, component by component, as
//!   Meta checks them (132000), carousel cards and limited-time offers included.
//! - A new sandbox already holds a template of every kind, as made in Meta's own console
//!   (`SANDBOX_TEMPLATE_LIBRARY=false` starts it empty).
//! - Every accepted message is kept in a log, so tests can prove nothing was sent twice.
//!
//! Outcomes are decided by a hash of the message's sequence number and the seed, so a run is
//! reproducible.

mod delivery;
mod library;
mod messages;
mod parameters;
mod templates;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clap::Parser;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;

pub use delivery::signature;

/// Which provider's callbacks the simulator sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CallbackStyle {
    /// Meta's webhooks: batched `entry[].changes[]`, signed with the app secret.
    Meta,
    /// Kaleyra's callbacks: one event per request, with the callback token header.
    Kaleyra,
}

/// How the simulator behaves.
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxConfig {
    /// Where to send webhooks (the relay's `/webhooks/meta` or `/webhooks/kaleyra/{account}`).
    #[arg(
        long,
        env = "SANDBOX_WEBHOOK_URL",
        default_value = "http://127.0.0.1:8080/webhooks/meta"
    )]
    pub webhook_url: String,
    /// Whose callbacks to send.
    #[arg(long, env = "SANDBOX_STYLE", value_enum, default_value = "meta")]
    pub style: CallbackStyle,
    /// Secret that signs Meta-style webhooks (the account's app secret).
    #[arg(long, env = "SANDBOX_APP_SECRET", default_value = "sandbox-app-secret")]
    pub app_secret: String,
    /// Token sent with Kaleyra-style callbacks (the account's callback token).
    #[arg(
        long,
        env = "SANDBOX_CALLBACK_TOKEN",
        default_value = "sandbox-callback-token"
    )]
    pub callback_token: String,
    /// Credential every call must carry: Meta's bearer token, or Kaleyra's `api-key`.
    #[arg(
        long,
        env = "SANDBOX_ACCESS_TOKEN",
        default_value = "sandbox-access-token"
    )]
    pub access_token: String,
    /// The WhatsApp Business Account id it answers for (Kaleyra: also its SID).
    #[arg(long, env = "SANDBOX_WABA_ID", default_value = "sandbox-waba")]
    pub waba_id: String,
    /// The phone-number id it sends from (Kaleyra: the sender number).
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
    /// A template whose body contains one of these (comma-separated) is refused at once, as
    /// Meta refuses a malformed body (subcode 2388072).
    #[arg(
        long,
        env = "SANDBOX_REFUSE_PATTERNS",
        value_delimiter = ',',
        default_value = "REFUSE ME"
    )]
    pub refuse_patterns: Vec<String>,
    /// Milliseconds from acceptance to `sent`.
    #[arg(long, env = "SANDBOX_SENT_AFTER_MS", default_value_t = 100)]
    pub sent_after_ms: u64,
    /// Milliseconds from acceptance to `delivered`.
    #[arg(long, env = "SANDBOX_DELIVERED_AFTER_MS", default_value_t = 300)]
    pub delivered_after_ms: u64,
    /// Milliseconds from acceptance to `read`.
    #[arg(long, env = "SANDBOX_READ_AFTER_MS", default_value_t = 1200)]
    pub read_after_ms: u64,
    /// Share of delivered messages that are read (0 to 1).
    #[arg(long, env = "SANDBOX_READ_RATE", default_value_t = 0.6)]
    pub read_rate: f64,
    /// Share of messages that fail after `sent` (0 to 1).
    #[arg(long, env = "SANDBOX_FAILURE_RATE", default_value_t = 0.0)]
    pub failure_rate: f64,
    /// The error code of those failures.
    #[arg(long, env = "SANDBOX_FAILURE_CODE", default_value_t = 131_000)]
    pub failure_code: i64,
    /// Numbers (digits, comma-separated) that are not on WhatsApp: they fail with 131026.
    #[arg(
        long,
        env = "SANDBOX_UNDELIVERABLE",
        value_delimiter = ',',
        default_value = "15550009999"
    )]
    pub undeliverable_numbers: Vec<String>,
    /// Messages per second accepted before 130429 (0: no cap). Meta's default is 80.
    #[arg(long, env = "SANDBOX_MESSAGES_PER_SECOND", default_value_t = 80)]
    pub messages_per_second: u32,
    /// Messages to one recipient within 6 seconds before 131056 (0: no cap).
    #[arg(long, env = "SANDBOX_PAIR_BURST", default_value_t = 45)]
    pub pair_burst: u32,
    /// Share of delivered templates the contact answers (0 to 1).
    #[arg(long, env = "SANDBOX_REPLY_RATE", default_value_t = 0.3)]
    pub reply_rate: f64,
    /// Milliseconds from acceptance to the answer.
    #[arg(long, env = "SANDBOX_REPLY_AFTER_MS", default_value_t = 2500)]
    pub reply_after_ms: u64,
    /// What a contact answers when the template has no quick replies.
    #[arg(long, env = "SANDBOX_REPLY_TEXT", default_value = "Thank you!")]
    pub reply_text: String,
    /// Seed of the outcome hash.
    #[arg(long, env = "SANDBOX_SEED", default_value_t = 7)]
    pub seed: u64,
    /// Share of accepted messages whose answer hangs (the message is sent, its webhooks follow,
    /// but the caller waits `hang_after_accept_ms` for the answer): a provider that accepted and
    /// then timed out, as an independent fake provider does.
    #[arg(long, env = "SANDBOX_HANG_AFTER_ACCEPT_RATE", default_value_t = 0.0)]
    pub hang_after_accept_rate: f64,
    /// How long such an answer hangs.
    #[arg(long, env = "SANDBOX_HANG_AFTER_ACCEPT_MS", default_value_t = 10_000)]
    pub hang_after_accept_ms: u64,
    /// Share of accepted messages whose answer is cut after its status line (the message is
    /// sent, its webhooks follow, the connection drops before the body).
    #[arg(long, env = "SANDBOX_DROP_AFTER_ACCEPT_RATE", default_value_t = 0.0)]
    pub drop_after_accept_rate: f64,
    /// Start with a template of every kind, approved, as made in Meta's own console.
    #[arg(long, env = "SANDBOX_TEMPLATE_LIBRARY", default_value_t = true, action = clap::ArgAction::Set)]
    pub template_library: bool,
}

impl SandboxConfig {
    /// The defaults above, overridden by any `SANDBOX_*` environment variable.
    pub fn from_env() -> Self {
        #[derive(Parser)]
        struct Defaults {
            #[command(flatten)]
            config: SandboxConfig,
        }
        Defaults::parse_from(["sandbox"]).config
    }
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
    /// The other fields of the template as submitted (`parameter_format`, ...).
    pub fields: serde_json::Map<String, Value>,
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
    /// The request body (Meta's message object; for Kaleyra the `messaging_object`).
    pub request: Value,
}

#[derive(Default)]
struct Book {
    templates: Vec<RemoteTemplate>,
    next_id: u64,
    messages: Vec<AcceptedMessage>,
    /// Acceptances of the current second: (second since start, count).
    this_second: (u64, u32),
    /// Recent acceptances per recipient, for the pair rate.
    per_recipient: HashMap<String, VecDeque<Instant>>,
}

struct Shared {
    config: SandboxConfig,
    book: Mutex<Book>,
    started: Instant,
    outbox: delivery::Outbox,
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
    /// Base URL the Kaleyra adapter uses, e.g. `http://127.0.0.1:1234`.
    pub kaleyra_base_url: String,
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

    /// Puts an approved template in its book, as one made in the provider's own console.
    pub fn add_approved_template(&self, name: &str, language: &str, components: Value) -> String {
        templates::add(
            &self.shared,
            templates::Submitted {
                name,
                language,
                category: "MARKETING",
                fields: serde_json::Map::new(),
                components,
            },
            "APPROVED",
        )
    }
}

/// Starts the simulator on `listener`; it runs until the process ends.
pub fn start(listener: TcpListener, config: SandboxConfig) -> anyhow::Result<Sandbox> {
    let address = listener.local_addr()?;
    let outbox = delivery::Outbox::start(&config)?;
    let shared = Arc::new(Shared {
        config,
        book: Mutex::new(Book {
            next_id: 1_000_000_000_000_000,
            ..Book::default()
        }),
        started: Instant::now(),
        outbox,
    });
    if shared.config.template_library {
        for (name, language, category, fields, components) in library::templates() {
            let fields = fields.as_object().cloned().unwrap_or_default();
            templates::add(
                &shared,
                templates::Submitted {
                    name,
                    language,
                    category,
                    fields,
                    components,
                },
                "APPROVED",
            );
        }
    }
    let app = Router::new()
        .route(
            "/{version}/{node}/message_templates",
            get(templates::list)
                .post(templates::create)
                .delete(templates::delete),
        )
        .route("/{version}/{node}/messages", post(messages::send_meta))
        .route("/{version}/{node}", get(phone_number).post(templates::edit))
        .route(
            "/v2/{sid}/whatsapp/{number}/messages",
            post(messages::send_kaleyra),
        )
        .route(
            "/v2/{sid}/whatsapp/{waba}/message_templates",
            post(templates::create_kaleyra),
        )
        .with_state(Arc::clone(&shared));
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "sandbox stopped");
        }
    });
    Ok(Sandbox {
        base_url: format!("http://{address}/v23.0"),
        kaleyra_base_url: format!("http://{address}"),
        shared,
    })
}

/// A refusal, answered in Meta's error shape (Kaleyra passes Meta's codes through).
struct Refusal {
    status: StatusCode,
    code: Value,
    message: String,
    /// Meta's `error_subcode` and `error_user_msg`, for refusals of a template's content.
    template_reason: Option<(i64, String)>,
    /// Meta's `error_data.details`: which part of a send is wrong.
    details: Option<String>,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut body = json!({"error": {"message": self.message, "type": "OAuthException", "code": self.code, "fbtrace_id": "sandbox"}});
        if let Some((subcode, reason)) = self.template_reason {
            body["error"]["error_subcode"] = json!(subcode);
            body["error"]["error_user_msg"] = json!(reason);
        }
        if let Some(details) = self.details {
            body["error"]["error_data"] =
                json!({"messaging_product": "whatsapp", "details": details});
        }
        (self.status, Json(body)).into_response()
    }
}

fn refusal(status: StatusCode, code: i64, message: &str) -> Refusal {
    Refusal {
        status,
        code: json!(code),
        message: message.to_owned(),
        template_reason: None,
        details: None,
    }
}

type Answer = Result<Response, Refusal>;

/// `GET /{phone_number_id}?fields=`: the number this sandbox sends from, as Meta describes a
/// business phone number (what a connection check reads).
async fn phone_number(
    State(shared): State<Arc<Shared>>,
    Path((_version, node)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    check(
        &shared,
        &headers,
        Some((&node, &shared.config.phone_number_id)),
    )?;
    Ok(Json(json!({
        "id": node,
        "display_phone_number": "+1 555-000-1000",
        "verified_name": "Herald Sandbox",
        "quality_rating": "GREEN",
        "messaging_limit_tier": "TIER_1K",
    }))
    .into_response())
}

/// The caller must carry the account's credential (Meta: `Authorization: Bearer`, Kaleyra:
/// `api-key`), and address the node this sandbox simulates (`None` for calls addressed to a
/// template id).
fn check(shared: &Shared, headers: &HeaderMap, node: Option<(&str, &str)>) -> Result<(), Refusal> {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let token = &shared.config.access_token;
    let authorised = match shared.config.style {
        CallbackStyle::Meta => header("authorization") == Some(format!("Bearer {token}").as_str()),
        CallbackStyle::Kaleyra => header("api-key") == Some(token.as_str()),
    };
    if !authorised {
        return Err(match shared.config.style {
            CallbackStyle::Meta => {
                refusal(StatusCode::UNAUTHORIZED, 190, "Invalid OAuth access token")
            }
            CallbackStyle::Kaleyra => Refusal {
                status: StatusCode::UNAUTHORIZED,
                code: json!("RBC001"),
                message: "Invalid API key or SID".to_owned(),
                template_reason: None,
                details: None,
            },
        });
    }
    match node {
        Some((given, simulated)) if given != simulated => Err(refusal(
            StatusCode::BAD_REQUEST,
            100,
            "Unsupported request: the object does not exist",
        )),
        _ => Ok(()),
    }
}

/// A reproducible number in [0, 1) for message `sequence` and purpose `salt`.
fn fraction(seed: u64, sequence: u64, salt: u64) -> f64 {
    // splitmix64: well mixed, so consecutive sequence numbers get independent outcomes.
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(sequence)
        .wrapping_add(salt.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    #[allow(clippy::cast_precision_loss)]
    let unit = (z >> 11) as f64 / (1_u64 << 53) as f64;
    unit
}
