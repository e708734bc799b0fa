//! Typed calls to the relay's `/api/v1`. Every failure is an [`ApiError`]: the network, an HTTP
//! error with the relay's `{"code", "message", "field"?}` body, or an answer that does not decode.

use gloo_net::http::{Request, RequestBuilder, Response};
use herald_api::{
    API_PREFIX, AccountInput, AccountView, AttachList, CampaignResults, CampaignView,
    ConnectionReport, ContactView, ConversationChange, ConversationSummary, ConversationView,
    DryRun, ErrorBody, ErrorCode, HopperRowView, ImportPreview, ImportProgress, ImportReport,
    ListView, LoginRequest, MessageView, NewCampaign, NewList, NewPassword, NewUser, ResetList,
    SendMessage, SessionState, SessionUser, TemplateList, TemplateSyncReport, TemplateView,
    UserChange, UserView,
};
use herald_contacts::Contact;
use herald_domain::TemplateFilter;
use herald_domain::{CampaignSettings, HopperState, Outcome};
use herald_templates::Template;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The relay could not be reached.
    #[error("the server cannot be reached: {0}")]
    Network(String),
    /// The relay refused, with its error body.
    #[error("{}", .body.message)]
    Http {
        /// HTTP status.
        status: u16,
        /// The relay's error.
        body: ErrorBody,
    },
    /// The answer was not what this app expects.
    #[error("unexpected answer from the server: {0}")]
    Decode(String),
}

fn url(path: &str) -> String {
    format!("{API_PREFIX}{path}")
}

async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, ApiError> {
    let request = request.map_err(|error| ApiError::Decode(error.to_string()))?;
    let response = request
        .send()
        .await
        .map_err(|error| ApiError::Network(error.to_string()))?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let body = response
        .json::<ErrorBody>()
        .await
        .unwrap_or_else(|_| ErrorBody {
            code: ErrorCode::HttpError,
            message: format!("the server answered {status}"),
            field: None,
            diagnostics: Vec::new(),
        });
    Err(ApiError::Http { status, body })
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    response
        .json()
        .await
        .map_err(|error| ApiError::Decode(error.to_string()))
}

fn with_json<B: Serialize>(builder: RequestBuilder, body: &B) -> Result<Request, gloo_net::Error> {
    builder.json(body)
}

/// `GET /session`: the signed-in user, `None` for a visitor.
pub async fn current_user() -> Result<Option<SessionUser>, ApiError> {
    let state: SessionState = decode(send(Request::get(&url("/session")).build()).await?).await?;
    Ok(state.user)
}

/// `POST /session`.
pub async fn sign_in(login: &LoginRequest) -> Result<SessionUser, ApiError> {
    decode(send(with_json(Request::post(&url("/session")), login)).await?).await
}

/// `DELETE /session`.
pub async fn sign_out() -> Result<(), ApiError> {
    send(Request::delete(&url("/session")).build())
        .await
        .map(|_| ())
}

/// `GET /accounts`.
pub async fn list_accounts() -> Result<Vec<AccountView>, ApiError> {
    decode(send(Request::get(&url("/accounts")).build()).await?).await
}

/// `POST /accounts/{id}/test`.
pub async fn test_connection(id: i64) -> Result<ConnectionReport, ApiError> {
    decode(send(Request::post(&url(&format!("/accounts/{id}/test"))).build()).await?).await
}

/// `GET /users`.
pub async fn list_users() -> Result<Vec<UserView>, ApiError> {
    decode(send(Request::get(&url("/users")).build()).await?).await
}

/// `POST /users`.
pub async fn create_user(user: &NewUser) -> Result<(), ApiError> {
    send(with_json(Request::post(&url("/users")), user))
        .await
        .map(|_| ())
}

/// `PUT /users/{id}`.
pub async fn update_user(id: i64, change: &UserChange) -> Result<UserView, ApiError> {
    decode(
        send(with_json(
            Request::put(&url(&format!("/users/{id}"))),
            change,
        ))
        .await?,
    )
    .await
}

/// `PUT /users/{id}/password`.
pub async fn reset_password(id: i64, password: &NewPassword) -> Result<(), ApiError> {
    let path = url(&format!("/users/{id}/password"));
    send(with_json(Request::put(&path), password))
        .await
        .map(|_| ())
}

/// `GET /accounts/{id}/templates?filter=`.
pub async fn list_templates(
    account_id: i64,
    filter: TemplateFilter,
) -> Result<TemplateList, ApiError> {
    let path = format!("/accounts/{account_id}/templates?filter={filter}");
    decode(send(Request::get(&url(&path)).build()).await?).await
}

/// `GET /templates/{id}`.
pub async fn show_template(id: i64) -> Result<TemplateView, ApiError> {
    decode(send(Request::get(&url(&format!("/templates/{id}"))).build()).await?).await
}

/// `POST /accounts/{id}/templates`.
pub async fn create_template(
    account_id: i64,
    template: &Template,
) -> Result<TemplateView, ApiError> {
    let path = format!("/accounts/{account_id}/templates");
    decode(send(with_json(Request::post(&url(&path)), template)).await?).await
}

/// `POST /accounts/{id}/templates` with a template file as it is (Meta's `message_templates`
/// JSON plus Herald's keys): the relay reads and validates it.
pub async fn import_template_file(
    account_id: i64,
    file: web_sys::File,
) -> Result<TemplateView, ApiError> {
    let request = Request::post(&url(&format!("/accounts/{account_id}/templates")))
        .header("content-type", "application/json")
        .body(file);
    decode(send(request).await?).await
}

/// Where template `id`'s file downloads from.
pub fn template_file_url(id: i64) -> String {
    url(&format!("/templates/{id}/file"))
}

/// `PUT /templates/{id}`.
pub async fn update_template(id: i64, template: &Template) -> Result<TemplateView, ApiError> {
    let path = format!("/templates/{id}");
    decode(send(with_json(Request::put(&url(&path)), template)).await?).await
}

/// `POST /accounts/{id}/templates/sync`.
pub async fn sync_templates(account_id: i64) -> Result<TemplateSyncReport, ApiError> {
    let path = format!("/accounts/{account_id}/templates/sync");
    decode(send(Request::post(&url(&path)).build()).await?).await
}

/// `DELETE /templates/{id}`.
pub async fn delete_template(id: i64) -> Result<(), ApiError> {
    send(Request::delete(&url(&format!("/templates/{id}"))).build())
        .await
        .map(|_| ())
}

/// `POST /templates/{id}/submit`.
pub async fn submit_template(id: i64) -> Result<TemplateView, ApiError> {
    decode(send(Request::post(&url(&format!("/templates/{id}/submit"))).build()).await?).await
}

/// `GET /accounts/{id}`.
pub async fn show_account(id: i64) -> Result<AccountView, ApiError> {
    decode(send(Request::get(&url(&format!("/accounts/{id}"))).build()).await?).await
}

/// `POST /accounts`, or `PUT /accounts/{id}` when `id` is given.
pub async fn save_account(id: Option<i64>, input: &AccountInput) -> Result<AccountView, ApiError> {
    let request = match id {
        Some(id) => Request::put(&url(&format!("/accounts/{id}"))),
        None => Request::post(&url("/accounts")),
    };
    decode(send(with_json(request, input)).await?).await
}

/// `GET /accounts/{id}/lists`.
pub async fn list_lists(account_id: i64) -> Result<Vec<ListView>, ApiError> {
    let path = format!("/accounts/{account_id}/lists");
    decode(send(Request::get(&url(&path)).build()).await?).await
}

/// `POST /accounts/{id}/lists`.
pub async fn create_list(account_id: i64, name: String) -> Result<ListView, ApiError> {
    let path = format!("/accounts/{account_id}/lists");
    decode(send(with_json(Request::post(&url(&path)), &NewList { name })).await?).await
}

/// Which page of a list's contacts to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactPage {
    /// Contacts with ids after this one.
    pub after: i64,
    /// Part of the phone or of the name.
    pub search: String,
    /// Only the opted-out contacts (`Some(true)`) or only the others.
    pub opted_out: Option<bool>,
    /// How many.
    pub limit: u32,
}

/// `GET /lists/{id}`.
pub async fn show_list(id: i64) -> Result<ListView, ApiError> {
    decode(send(Request::get(&url(&format!("/lists/{id}"))).build()).await?).await
}

/// `GET /lists/{id}/contacts?after=&limit=&search=&opted_out=`.
pub async fn browse_contacts(
    list_id: i64,
    page: &ContactPage,
) -> Result<Vec<ContactView>, ApiError> {
    let mut query = vec![
        ("after", page.after.to_string()),
        ("limit", page.limit.to_string()),
    ];
    if !page.search.trim().is_empty() {
        query.push(("search", page.search.trim().to_owned()));
    }
    if let Some(only) = page.opted_out {
        query.push(("opted_out", only.to_string()));
    }
    let request = Request::get(&url(&format!("/lists/{list_id}/contacts"))).query(query);
    decode(send(request.build()).await?).await
}

/// `POST /lists/{id}/contacts`.
pub async fn add_contact(list_id: i64, contact: &Contact) -> Result<ContactView, ApiError> {
    let path = format!("/lists/{list_id}/contacts");
    decode(send(with_json(Request::post(&url(&path)), contact)).await?).await
}

/// `PUT /contacts/{id}`.
pub async fn update_contact(id: i64, contact: &Contact) -> Result<ContactView, ApiError> {
    let path = format!("/contacts/{id}");
    decode(send(with_json(Request::put(&url(&path)), contact)).await?).await
}

/// `DELETE /contacts/{id}`.
pub async fn delete_contact(id: i64) -> Result<(), ApiError> {
    send(Request::delete(&url(&format!("/contacts/{id}"))).build())
        .await
        .map(|_| ())
}

/// `DELETE /lists/{id}/contacts/{contact_id}`.
pub async fn remove_from_list(list_id: i64, contact_id: i64) -> Result<(), ApiError> {
    let path = format!("/lists/{list_id}/contacts/{contact_id}");
    send(Request::delete(&url(&path)).build()).await.map(|_| ())
}

/// `PUT /lists/{id}`.
pub async fn rename_list(id: i64, name: String) -> Result<ListView, ApiError> {
    let path = format!("/lists/{id}");
    decode(send(with_json(Request::put(&url(&path)), &NewList { name })).await?).await
}

/// `DELETE /lists/{id}`.
pub async fn delete_list(id: i64) -> Result<(), ApiError> {
    send(Request::delete(&url(&format!("/lists/{id}"))).build())
        .await
        .map(|_| ())
}

/// `POST /lists/{id}/import/preview` with the first part of a file.
pub async fn preview_import(list_id: i64, head: web_sys::Blob) -> Result<ImportPreview, ApiError> {
    let path = format!("/lists/{list_id}/import/preview");
    decode(send(Request::post(&url(&path)).body(head)).await?).await
}

/// `POST /lists/{id}/import?mapping=` with the whole file, which the browser streams.
pub async fn import_contacts(
    list_id: i64,
    mapping: &[herald_contacts::import::ColumnTarget],
    file: web_sys::File,
) -> Result<ImportReport, ApiError> {
    let mapping =
        serde_json::to_string(mapping).map_err(|error| ApiError::Decode(error.to_string()))?;
    let request = Request::post(&url(&format!("/lists/{list_id}/import")))
        .query([("mapping", mapping)])
        .header("content-type", "text/csv")
        .body(file);
    decode(send(request).await?).await
}

/// `GET /lists/{id}/import/progress`.
pub async fn import_progress(list_id: i64) -> Result<ImportProgress, ApiError> {
    let path = format!("/lists/{list_id}/import/progress");
    decode(send(Request::get(&url(&path)).build()).await?).await
}

/// `GET /campaigns?account_id=`.
pub async fn list_campaigns(account_id: i64) -> Result<Vec<CampaignView>, ApiError> {
    let path = format!("/campaigns?account_id={account_id}");
    decode(send(Request::get(&url(&path)).build()).await?).await
}

/// `GET /campaigns/{id}`.
pub async fn show_campaign(id: i64) -> Result<CampaignView, ApiError> {
    decode(send(Request::get(&url(&format!("/campaigns/{id}"))).build()).await?).await
}

/// `POST /accounts/{id}/campaigns`.
pub async fn create_campaign(
    account_id: i64,
    campaign: &NewCampaign,
) -> Result<CampaignView, ApiError> {
    let path = format!("/accounts/{account_id}/campaigns");
    decode(send(with_json(Request::post(&url(&path)), campaign)).await?).await
}

/// `PUT /campaigns/{id}`: Edit.
pub async fn update_campaign(
    id: i64,
    settings: &CampaignSettings,
) -> Result<CampaignView, ApiError> {
    let path = url(&format!("/campaigns/{id}"));
    decode(send(with_json(Request::put(&path), settings)).await?).await
}

/// `POST /campaigns/{id}/lists`: Add List.
pub async fn attach_list(id: i64, list_id: i64) -> Result<CampaignView, ApiError> {
    let path = url(&format!("/campaigns/{id}/lists"));
    decode(send(with_json(Request::post(&path), &AttachList { list_id })).await?).await
}

/// `POST /accounts/{id}/campaigns/dry-run`.
pub async fn dry_run_draft(account_id: i64, draft: &NewCampaign) -> Result<DryRun, ApiError> {
    let path = format!("/accounts/{account_id}/campaigns/dry-run");
    decode(send(with_json(Request::post(&url(&path)), draft)).await?).await
}

/// A campaign menu action: `stop`, `retry`, `reset` or `resend-in-doubt` (both confirmed by the
/// user first) or `delete`.
pub async fn campaign_action(id: i64, action: &str) -> Result<(), ApiError> {
    let path = url(&format!("/campaigns/{id}/{action}"));
    let request = match action {
        "delete" => Request::delete(&url(&format!("/campaigns/{id}"))).build(),
        "reset" | "resend-in-doubt" => {
            with_json(Request::post(&path), &ResetList { confirm: true })
        }
        _ => Request::post(&path).build(),
    };
    send(request).await.map(|_| ())
}

/// `GET /campaigns/{id}/results`.
pub async fn campaign_results(id: i64) -> Result<CampaignResults, ApiError> {
    decode(send(Request::get(&url(&format!("/campaigns/{id}/results"))).build()).await?).await
}

/// `GET /campaigns/{id}/hopper?state=&outcome=`.
pub async fn hopper_rows(
    id: i64,
    state: HopperState,
    outcome: Option<Outcome>,
) -> Result<Vec<HopperRowView>, ApiError> {
    let only = outcome
        .map(|outcome| format!("&outcome={}", outcome.as_str()))
        .unwrap_or_default();
    let path = format!("/campaigns/{id}/hopper?state={state}{only}&limit=200");
    decode(send(Request::get(&url(&path)).build()).await?).await
}

/// Where a campaign's Contacts History downloads from as CSV (one outcome's when given).
pub fn history_export_url(id: i64, outcome: Option<Outcome>) -> String {
    let only = outcome
        .map(|outcome| format!("?outcome={}", outcome.as_str()))
        .unwrap_or_default();
    url(&format!("/campaigns/{id}/history.csv{only}"))
}

/// `GET /accounts/{id}/conversations`.
pub async fn list_conversations(account_id: i64) -> Result<Vec<ConversationSummary>, ApiError> {
    let path = format!("/accounts/{account_id}/conversations");
    decode(send(Request::get(&url(&path)).build()).await?).await
}

/// `GET /accounts/{id}/conversations/{phone}`.
pub async fn show_conversation(
    account_id: i64,
    phone: String,
) -> Result<ConversationView, ApiError> {
    let path = format!("/accounts/{account_id}/conversations/{phone}");
    decode(send(Request::get(&url(&path)).build()).await?).await
}

/// `PUT /accounts/{id}/conversations/{phone}`.
pub async fn change_conversation(
    account_id: i64,
    phone: &str,
    change: &ConversationChange,
) -> Result<(), ApiError> {
    let path = format!("/accounts/{account_id}/conversations/{phone}");
    send(with_json(Request::put(&url(&path)), change))
        .await
        .map(|_| ())
}

/// `POST /accounts/{id}/messages`.
pub async fn send_message(account_id: i64, message: &SendMessage) -> Result<MessageView, ApiError> {
    let path = format!("/accounts/{account_id}/messages");
    decode(send(with_json(Request::post(&url(&path)), message)).await?).await
}

/// Where a campaign's live progress streams from.
pub fn campaign_events_url(id: i64) -> String {
    url(&format!("/campaigns/{id}/events"))
}

/// Where a list's CSV export downloads from.
pub fn export_url(list_id: i64) -> String {
    url(&format!("/lists/{list_id}/export"))
}
