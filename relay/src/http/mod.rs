//! HTTP surface of the relay: health, the JSON API under `/api/v1`, and the web app's files.
//!
//! Every API route is declared once in [`api_routes`] with the role it needs; the router is
//! built from that table, so a route cannot exist without a guard, and the role test walks the
//! same table.

pub(crate) mod accounts;
mod campaigns;
mod contacts;
mod download;
pub(crate) mod json;
mod messages;
mod openapi;
mod session;
pub(crate) mod templates;
mod users;
mod webhooks;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodFilter, MethodRouter, get, on, post};
use herald_api::{
    API_PREFIX, AccountInput, AccountView, AttachList, CampaignProgress, CampaignResults,
    CampaignView, ConnectionReport, ContactView, ConversationChange, ConversationSummary,
    ConversationView, DryRun, ErrorCode, HopperRowView, ImportPreview, ImportProgress,
    ImportReport, ListView, LoginRequest, MessageView, NewCampaign, NewList, NewPassword, NewUser,
    ResetList, SendMessage, SessionState, SessionUser, TemplateList, TemplateView, UserChange,
    UserView,
};
use herald_contacts::Contact;
use herald_domain::CampaignSettings;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

use crate::auth;
use crate::config::Settings;
use crate::state::AppState;

/// Largest JSON body the API takes (a template with a 10 MB body is refused before parsing).
const API_BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// The `limit` of a listing: `default` when absent, refused (naming the field and the bounds)
/// outside 1 to `max`.
pub(crate) fn page_limit(limit: Option<i64>, default: i64, max: i64) -> crate::error::Result<i64> {
    let limit = limit.unwrap_or(default);
    if (1..=max).contains(&limit) {
        Ok(limit)
    } else {
        Err(crate::error::AppError::invalid(
            ErrorCode::InvalidLimit,
            "limit",
            format!("limit must be between 1 and {max}"),
        ))
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (signing in).
    Public,
    /// Any signed-in user: agents and admins.
    Agent,
    /// Admins only.
    Admin,
}

/// One API route: method, path under `/api/v1`, who may call it, and its handler.
pub struct ApiRoute {
    /// HTTP method.
    pub method: Method,
    /// Path under `/api/v1`, with `{id}` parameters.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// What it does, for the OpenAPI document.
    pub summary: &'static str,
    handler: MethodRouter<AppState>,
    body_limit: usize,
    /// What the request body is.
    pub request: Body,
    /// What a success answers.
    pub response: Body,
}

/// Registers a type's JSON schema (and those it refers to) and returns its name.
pub type SchemaFn = fn(
    &mut Vec<(
        String,
        utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    )>,
) -> String;

/// A request or response body, for the OpenAPI document.
#[derive(Clone, Copy)]
pub enum Body {
    /// None.
    Empty,
    /// JSON of one type.
    Json(SchemaFn),
    /// A JSON array of one type.
    JsonList(SchemaFn),
    /// A JSON object the template core defines (a template file).
    TemplateFile,
    /// A CSV file.
    Csv,
    /// Server-sent events whose data is JSON of one type.
    Events(SchemaFn),
}

fn schema_of<T: utoipa::ToSchema>(
    all: &mut Vec<(
        String,
        utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    )>,
) -> String {
    let name = T::name().into_owned();
    all.push((name.clone(), T::schema()));
    T::schemas(all);
    name
}

impl ApiRoute {
    fn new<H, T>(
        access: Access,
        method: Method,
        path: &'static str,
        summary: &'static str,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).unwrap_or(MethodFilter::GET);
        Self {
            method,
            path,
            access,
            summary,
            handler: on(filter, handler),
            body_limit: API_BODY_LIMIT_BYTES,
            request: Body::Empty,
            response: Body::Empty,
        }
    }

    /// The route takes JSON of `T`.
    fn takes<T: utoipa::ToSchema>(mut self) -> Self {
        self.request = Body::Json(schema_of::<T>);
        self
    }

    /// The route answers JSON of `T`.
    fn returns<T: utoipa::ToSchema>(mut self) -> Self {
        self.response = Body::Json(schema_of::<T>);
        self
    }

    /// The route answers a JSON array of `T`.
    fn returns_list<T: utoipa::ToSchema>(mut self) -> Self {
        self.response = Body::JsonList(schema_of::<T>);
        self
    }

    /// The route's request or response body (`request` true for the request).
    fn with(mut self, request: bool, body: Body) -> Self {
        if request {
            self.request = body;
        } else {
            self.response = body;
        }
        self
    }

    /// The same route taking bodies up to `bytes` (file uploads).
    fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }
}

/// Every API route, with the role it needs.
pub fn api_routes() -> Vec<ApiRoute> {
    use Access::{Admin, Agent, Public};
    vec![
        ApiRoute::new(
            Public,
            Method::POST,
            "/session",
            "Sign in with a user name and password; sets the session cookie",
            session::create_session,
        ).takes::<LoginRequest>().returns::<SessionUser>(),
        ApiRoute::new(
            Public,
            Method::DELETE,
            "/session",
            "Sign out",
            session::delete_session,
        ),
        ApiRoute::new(
            Public,
            Method::GET,
            "/session",
            "The signed-in user, or null",
            session::show_session,
        ).returns::<SessionState>(),
        ApiRoute::new(
            Public,
            Method::GET,
            "/openapi.json",
            "This document",
            openapi::show_openapi,
        ),
        ApiRoute::new(
            Admin,
            Method::POST,
            "/users",
            "Add a user",
            users::create_user,
        ).takes::<NewUser>().returns::<SessionUser>(),
        ApiRoute::new(Admin, Method::GET, "/users", "Every user, by name (never a password)", users::list_users).returns_list::<UserView>(),
        ApiRoute::new(Admin, Method::PUT, "/users/{id}", "Change a user's role or disable it (its sessions end); never the last active admin", users::update_user).takes::<UserChange>().returns::<UserView>(),
        ApiRoute::new(Admin, Method::PUT, "/users/{id}/password", "Set a user's new password (its sessions end)", users::reset_password).takes::<NewPassword>(),
        ApiRoute::new(
            Agent,
            Method::GET,
            "/accounts",
            "List provider accounts (secrets only as set / not set; agents pick the one they converse on)",
            accounts::list_accounts,
        ).returns_list::<AccountView>(),
        ApiRoute::new(
            Admin,
            Method::POST,
            "/accounts",
            "Create a provider account",
            accounts::create_account,
        ).takes::<AccountInput>().returns::<AccountView>(),
        ApiRoute::new(
            Agent,
            Method::GET,
            "/accounts/{id}/messages",
            "An account's messages, newest first (phone: one contact's; limit: at most 500)",
            messages::list_messages,
        ).returns_list::<MessageView>(),
        ApiRoute::new(
            Agent,
            Method::POST,
            "/accounts/{id}/messages",
            "Send one contact a template (agents: those available to agents) or, inside the customer service window, text",
            messages::send_message,
        ).takes::<SendMessage>().returns::<MessageView>(),
        ApiRoute::new(
            Agent,
            Method::GET,
            "/accounts/{id}/conversations",
            "The contacts that wrote most recently, newest first",
            messages::list_conversations,
        ).returns_list::<ConversationSummary>(),
        ApiRoute::new(
            Agent,
            Method::GET,
            "/accounts/{id}/conversations/{phone}",
            "One contact's messages, its customer service window and what may be sent to it now",
            messages::show_conversation,
        ).returns::<ConversationView>(),
        ApiRoute::new(
            Agent,
            Method::PUT,
            "/accounts/{id}/conversations/{phone}",
            "Mark a contact's messages read, close its conversation (until it writes again) or reopen it",
            messages::change_conversation,
        ).takes::<ConversationChange>(),
        ApiRoute::new(
            Admin,
            Method::POST,
            "/accounts/{id}/test",
            "Test connection: call the provider with the account's settings and credentials and say, check by check, what it answered",
            accounts::test_connection,
        ).returns::<ConnectionReport>(),
        ApiRoute::new(
            Admin,
            Method::GET,
            "/accounts/{id}",
            "Show an account",
            accounts::show_account,
        ).returns::<AccountView>(),
        ApiRoute::new(
            Admin,
            Method::PUT,
            "/accounts/{id}",
            "Update an account; absent secrets keep their value",
            accounts::update_account,
        ).takes::<AccountInput>().returns::<AccountView>(),
        ApiRoute::new(
            Agent,
            Method::GET,
            "/accounts/{id}/templates",
            "List an account's templates (filter: not_deleted, all, deleted; agents: the approved ones available to agents)",
            templates::list_templates,
        ).returns::<TemplateList>(),
        ApiRoute::new(
            Admin,
            Method::POST,
            "/accounts/{id}/templates",
            "Create or import a template (Meta's JSON plus herald)",
            templates::create_template,
        ).with(true, Body::TemplateFile).returns::<TemplateView>(),
        ApiRoute::new(
            Admin,
            Method::POST,
            "/accounts/{id}/templates/sync",
            "Sync statuses, quality and reasons with the provider",
            templates::sync_templates,
        )
        .returns::<herald_api::TemplateSyncReport>(),
        ApiRoute::new(
            Admin,
            Method::GET,
            "/templates/{id}",
            "Show a template",
            templates::show_template,
        ).returns::<TemplateView>(),
        ApiRoute::new(
            Admin,
            Method::PUT,
            "/templates/{id}",
            "Edit a template",
            templates::update_template,
        ).with(true, Body::TemplateFile).returns::<TemplateView>(),
        ApiRoute::new(
            Admin,
            Method::DELETE,
            "/templates/{id}",
            "Soft-delete a template",
            templates::delete_template,
        ),
        ApiRoute::new(
            Admin,
            Method::GET,
            "/templates/{id}/file",
            "Export the template file",
            templates::export_template,
        ).with(false, Body::TemplateFile),
        ApiRoute::new(
            Admin,
            Method::POST,
            "/templates/{id}/submit",
            "Submit the template to its provider for review",
            templates::submit_template,
        ).returns::<TemplateView>(),
        ApiRoute::new(Admin, Method::GET, "/accounts/{id}/lists", "An account's contact lists, the master list first", contacts::list_lists).returns_list::<ListView>(),
        ApiRoute::new(Admin, Method::POST, "/accounts/{id}/lists", "Create a contact list", contacts::create_list).takes::<NewList>().returns::<ListView>(),
        ApiRoute::new(Admin, Method::DELETE, "/accounts/{id}/opt-outs/{phone}", "Undo a contact's opt-out of marketing messages", contacts::undo_opt_out),
        ApiRoute::new(Admin, Method::GET, "/lists/{id}", "One contact list, with its size", contacts::show_list).returns::<ListView>(),
        ApiRoute::new(Admin, Method::PUT, "/lists/{id}", "Rename a list (not the master list)", contacts::rename_list).takes::<NewList>().returns::<ListView>(),
        ApiRoute::new(Admin, Method::DELETE, "/lists/{id}", "Delete a list no campaign sends to (not the master list); its contacts stay in the master list", contacts::delete_list),
        ApiRoute::new(Admin, Method::GET, "/lists/{id}/contacts", "A list's contacts by id (after, limit: at most 1000; search: part of the phone or the name; opted_out: true or false)", contacts::list_contacts).returns_list::<ContactView>(),
        ApiRoute::new(Admin, Method::DELETE, "/lists/{id}/contacts/{contact_id}", "Take a contact out of a list (not the master list)", contacts::remove_from_list),
        ApiRoute::new(Admin, Method::PUT, "/contacts/{id}", "Replace a contact's fields, custom fields included (a new phone reaches the campaigns not yet sent to it)", contacts::update_contact).takes::<Contact>().returns::<ContactView>(),
        ApiRoute::new(Admin, Method::DELETE, "/contacts/{id}", "Delete a contact: it leaves every list and the campaigns not yet sent to it, its name, e-mail and custom fields are erased", contacts::delete_contact),
        ApiRoute::new(Admin, Method::POST, "/lists/{id}/contacts", "Add one contact (an existing phone takes the new values everywhere)", contacts::add_contact).takes::<Contact>().returns::<ContactView>(),
        ApiRoute::new(Admin, Method::POST, "/lists/{id}/import/preview", "The columns of a CSV file's first part and the fields they suggest", contacts::preview_import).with(true, Body::Csv).returns::<ImportPreview>(),
        ApiRoute::new(Admin, Method::POST, "/lists/{id}/import", "Import a CSV file (mapping: JSON array of column targets); bad rows reported, good rows kept", contacts::import_contacts)
            .with_body_limit(contacts::IMPORT_BODY_LIMIT_BYTES)
            .with(true, Body::Csv)
            .returns::<ImportReport>(),
        ApiRoute::new(Admin, Method::GET, "/lists/{id}/import/progress", "How far the import running into the list got (`running: false` when none runs)", contacts::import_progress).returns::<ImportProgress>(),
        ApiRoute::new(Admin, Method::GET, "/lists/{id}/export", "Export a list as CSV (formula-safe)", contacts::export_contacts).with(false, Body::Csv),
        ApiRoute::new(Admin, Method::GET, "/campaigns", "Campaigns, newest first (account_id: one account's)", campaigns::list_campaigns).returns_list::<CampaignView>(),
        ApiRoute::new(Admin, Method::POST, "/accounts/{id}/campaigns", "Create a campaign (APPROVED template with a complete mapping) and attach lists", campaigns::create_campaign).takes::<NewCampaign>().returns::<CampaignView>(),
        ApiRoute::new(Admin, Method::GET, "/campaigns/{id}", "Show a campaign with its hopper counts", campaigns::show_campaign).returns::<CampaignView>(),
        ApiRoute::new(Admin, Method::GET, "/campaigns/{id}/results", "A campaign's results: the funnel (sent, delivered, read, replied, failed), sends per minute, failures by provider error code with their meaning", campaigns::show_results).returns::<CampaignResults>(),
        ApiRoute::new(Admin, Method::PUT, "/campaigns/{id}", "Edit a campaign's settings", campaigns::update_campaign).takes::<CampaignSettings>().returns::<CampaignView>(),
        ApiRoute::new(Admin, Method::DELETE, "/campaigns/{id}", "Delete a campaign", campaigns::delete_campaign),
        ApiRoute::new(Admin, Method::POST, "/campaigns/{id}/lists", "Add List", campaigns::attach_list).takes::<AttachList>().returns::<CampaignView>(),
        ApiRoute::new(Admin, Method::POST, "/campaigns/{id}/stop", "Stop", campaigns::stop_campaign).returns::<CampaignView>(),
        ApiRoute::new(Admin, Method::POST, "/campaigns/{id}/retry", "Start Retry Campaign: send the retry contacts again (those in doubt are left alone)", campaigns::retry_campaign).returns::<CampaignView>(),
        ApiRoute::new(Admin, Method::POST, "/campaigns/{id}/resend-in-doubt", "Send again, knowingly, the contacts whose send may have reached the provider and that no webhook settled (confirm: true)", campaigns::resend_in_doubt).takes::<ResetList>().returns::<CampaignView>(),
        ApiRoute::new(Admin, Method::POST, "/campaigns/{id}/reset", "Reset List: every contact receives the campaign again (confirm: true)", campaigns::reset_campaign).takes::<ResetList>().returns::<CampaignView>(),
        ApiRoute::new(Admin, Method::GET, "/campaigns/{id}/events", "Live progress: server-sent events with the counts and the rows that changed", campaigns::campaign_events).with(false, Body::Events(schema_of::<CampaignProgress>)),
        ApiRoute::new(Admin, Method::GET, "/campaigns/{id}/history.csv", "Export the Contacts History as CSV (outcome: one outcome's), formula-safe", campaigns::export_history).with(false, Body::Csv),
        ApiRoute::new(Admin, Method::GET, "/campaigns/{id}/hopper", "The hopper's rows (state: fresh, retry, pending, waiting, closed...; outcome: answered, failed, skipped...)", campaigns::hopper_rows).returns_list::<HopperRowView>(),
        ApiRoute::new(Admin, Method::POST, "/accounts/{id}/campaigns/dry-run", "A dry run of a campaign not created yet: its settings checked (a variable not mapped is named), the first messages and the contacts it would skip, and why", campaigns::dry_run_draft).takes::<NewCampaign>().returns::<DryRun>(),
        ApiRoute::new(Admin, Method::GET, "/campaigns/{id}/dry-run", "The message a contact would get and who would be skipped, before launch", campaigns::dry_run).returns::<DryRun>(),
    ]
}

fn api_router(state: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    for route in api_routes() {
        let handler = match route.access {
            Access::Public => route.handler,
            Access::Agent => route
                .handler
                .route_layer(from_fn_with_state(state.clone(), auth::require_agent)),
            Access::Admin => route
                .handler
                .route_layer(from_fn_with_state(state.clone(), auth::require_admin)),
        };
        router = router.route(
            route.path,
            handler.layer(DefaultBodyLimit::max(route.body_limit)),
        );
    }
    router
        .fallback(|| async { crate::error::AppError::NotFound("API route") })
        .layer(DefaultBodyLimit::max(API_BODY_LIMIT_BYTES))
}

/// The whole application router.
pub(crate) fn router(settings: &Settings, state: AppState) -> Router {
    // Any path that is not a file is a route of the single-page app, so it gets index.html.
    let index = settings.web_dir.join("index.html");
    let web_app = ServeDir::new(&settings.web_dir).fallback(ServeFile::new(index));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route(
            "/webhooks/meta",
            get(webhooks::verify_meta_webhook)
                .post(webhooks::receive_meta_webhook)
                .layer(DefaultBodyLimit::max(webhooks::WEBHOOK_BODY_LIMIT_BYTES)),
        )
        .route(
            "/webhooks/kaleyra/{account_id}",
            post(webhooks::receive_kaleyra_callback)
                .layer(DefaultBodyLimit::max(webhooks::WEBHOOK_BODY_LIMIT_BYTES)),
        )
        .nest(API_PREFIX, api_router(&state))
        .fallback_service(web_app)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn metrics(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

async fn healthz() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "ok" }))
}
