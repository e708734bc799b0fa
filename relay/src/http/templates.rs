//! Templates of an account: create (or import), edit, list, show, export, soft-delete. Every
//! write goes through the template core again; the browser's verdict is never trusted.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use herald_api::{ErrorCode, TemplateList, TemplateSyncReport, TemplateView};
use herald_domain::{Role, TemplateFilter, TemplateQuality, TemplateStatus};
use herald_store::{TemplateRecord, TemplateReview, UserRecord};
use herald_templates::{
    Diagnostic, ExistingTemplate, TEMPLATES_PER_ACCOUNT_MAX, Template, validate_in_account,
};
use serde::Deserialize;

use crate::accounts::open_account;
use crate::error::{AppError, Result};
use crate::http::json::AppJson;
use crate::providers;
use crate::state::AppState;
use crate::templates::{agents_may_send, content, load, parse_file, sync_account_templates};

fn view(record: &TemplateRecord, template: Template, warnings: Vec<Diagnostic>) -> TemplateView {
    TemplateView {
        id: record.id,
        account_id: record.account_id,
        status: record.status,
        quality: record.quality,
        rejection_reason: record.rejection_reason.clone(),
        provider_template_id: record.provider_template_id.clone(),
        deleted: record.deleted_at.is_some(),
        template,
        warnings,
    }
}

/// Validates `template` against the account's other live templates; errors refuse it, unless
/// Meta approved this very content (`approved`): then they are warnings, since it can be sent
/// whatever today's rules say.
async fn checked(
    state: &AppState,
    account_id: i64,
    editing: Option<i64>,
    template: &Template,
    approved: bool,
) -> Result<Vec<Diagnostic>> {
    let files = state
        .store
        .list_templates(account_id, TemplateFilter::NotDeleted)
        .await?
        .iter()
        .map(|record| Ok((record.id, parse_file(record)?)))
        .collect::<Result<Vec<_>>>()?;
    let others = ExistingTemplate::others(files.iter().map(|(id, file)| (*id, file)), editing);
    let mut diagnostics = validate_in_account(template, &others);
    if approved {
        diagnostics = diagnostics
            .into_iter()
            .map(Diagnostic::approved_by_meta)
            .collect();
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(AppError::TemplateInvalid(diagnostics));
    }
    Ok(diagnostics)
}

/// Query of the template list.
#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    filter: Option<String>,
}

/// `GET /api/v1/accounts/{id}/templates?filter=not_deleted|all|deleted`. Agents see only what
/// they may send (see [`agents_may_send`]).
pub(crate) async fn list_templates(
    State(state): State<AppState>,
    Path(account_id): Path<i64>,
    Extension(user): Extension<UserRecord>,
    Query(query): Query<ListQuery>,
) -> Result<Json<TemplateList>> {
    let account = open_account(&state, account_id).await?;
    let filter = match query.filter.as_deref() {
        None | Some("") => TemplateFilter::default(),
        Some(text) => text.parse().map_err(|_| {
            AppError::invalid(
                ErrorCode::FilterInvalid,
                "filter",
                "filter must be not_deleted, all or deleted",
            )
        })?,
    };
    let records = state.store.list_templates(account_id, filter).await?;
    let live = state
        .store
        .list_templates(account_id, TemplateFilter::NotDeleted)
        .await?;
    let mut templates = Vec::with_capacity(records.len());
    for record in &records {
        let template = parse_file(record)?;
        let recontact = account.settings.recontact_template_id;
        if user.role == Role::Admin || agents_may_send(record, &template, recontact) {
            templates.push(view(record, template, Vec::new()));
        }
    }
    Ok(Json(TemplateList {
        templates,
        count: live.len(),
        limit: TEMPLATES_PER_ACCOUNT_MAX,
    }))
}

/// `POST /api/v1/accounts/{id}/templates`: creates a template from Meta's JSON plus `"herald"`
/// (also how a file is imported).
pub(crate) async fn create_template(
    State(state): State<AppState>,
    Path(account_id): Path<i64>,
    AppJson(template): AppJson<Template>,
) -> Result<(StatusCode, Json<TemplateView>)> {
    open_account(&state, account_id).await?;
    let warnings = checked(&state, account_id, None, &template, false).await?;
    let id = state
        .store
        .create_template(account_id, &content(&template)?, state.clock.now_ms())
        .await?;
    let record = load(&state, id).await?;
    Ok((StatusCode::CREATED, Json(view(&record, template, warnings))))
}

/// `GET /api/v1/templates/{id}`.
pub(crate) async fn show_template(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<TemplateView>> {
    let record = load(&state, id).await?;
    let template = parse_file(&record)?;
    Ok(Json(view(&record, template, Vec::new())))
}

/// `GET /api/v1/templates/{id}/file`: the template file, for export.
pub(crate) async fn export_template(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Template>> {
    Ok(Json(parse_file(&load(&state, id).await?)?))
}

/// `PUT /api/v1/templates/{id}`: replaces the template. A deleted template cannot change; while
/// the provider reviews it (PENDING) or after it is DISABLED only Herald's own settings (the
/// variable mapping, the flags) may change.
pub(crate) async fn update_template(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AppJson(template): AppJson<Template>,
) -> Result<Json<TemplateView>> {
    let record = load(&state, id).await?;
    if record.deleted_at.is_some() {
        return Err(AppError::InvalidState {
            code: ErrorCode::TemplateDeleted,
            message: "a deleted template can only be shown and previewed".to_owned(),
        });
    }
    let stored = parse_file(&record)?;
    let content_changed = !stored.same_content(&template);
    if content_changed && !record.status.is_editable() {
        return Err(AppError::InvalidState {
            code: ErrorCode::TemplateLocked,
            message: format!(
                "a {} template's content cannot change; its variable mapping and settings can",
                record.status
            ),
        });
    }
    let approved = record.status == TemplateStatus::Approved && !content_changed;
    let warnings = checked(&state, record.account_id, Some(id), &template, approved).await?;
    state
        .store
        .update_template_content(id, &content(&template)?, state.clock.now_ms())
        .await?;
    let record = load(&state, id).await?;
    Ok(Json(view(&record, template, warnings)))
}

/// `DELETE /api/v1/templates/{id}`: soft delete; the template stays visible under Deleted.
pub(crate) async fn delete_template(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    load(&state, id).await?;
    state
        .store
        .delete_template(id, state.clock.now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/templates/{id}/submit`: sends the template to the provider for review (a
/// first submission creates it there; a later one edits it).
pub(crate) async fn submit_template(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<TemplateView>> {
    let record = load(&state, id).await?;
    if record.deleted_at.is_some() {
        return Err(AppError::InvalidState {
            code: ErrorCode::TemplateDeleted,
            message: "a deleted template cannot be submitted".to_owned(),
        });
    }
    if !record.status.is_editable() {
        return Err(AppError::InvalidState {
            code: ErrorCode::TemplateLocked,
            message: format!("a {} template cannot be submitted again", record.status),
        });
    }
    let template = parse_file(&record)?;
    checked(&state, record.account_id, Some(id), &template, false).await?;
    let account = open_account(&state, record.account_id).await?;
    let client = providers::provider_client(&state, &account).await?;
    let review = match &record.provider_template_id {
        None => {
            let waba_id = account.settings.waba_id.as_deref().unwrap_or_default();
            let created = client.create_template(waba_id, &template).await;
            state.metrics.provider_call("create_template", &created);
            let created = created?;
            TemplateReview {
                status: created.status.parse().unwrap_or(TemplateStatus::Pending),
                quality: TemplateQuality::Unknown,
                rejection_reason: None,
                provider_template_id: Some(created.id),
            }
        }
        Some(provider_id) => {
            let edited = client
                .meta("edit a submitted template")?
                .edit_template(provider_id, &template)
                .await;
            state.metrics.provider_call("edit_template", &edited);
            edited?;
            TemplateReview {
                status: TemplateStatus::Pending,
                quality: record.quality,
                rejection_reason: None,
                provider_template_id: None,
            }
        }
    };
    state
        .store
        .update_template_review(id, &review, state.clock.now_ms())
        .await?;
    let record = load(&state, id).await?;
    Ok(Json(view(&record, template, Vec::new())))
}

/// `POST /api/v1/accounts/{id}/templates/sync`: reads every template from the provider (all
/// pages), imports the ones Herald does not have yet, and brings statuses, quality, rejection
/// reasons and content up to date, for webhooks that were missed and edits made elsewhere.
pub(crate) async fn sync_templates(
    State(state): State<AppState>,
    Path(account_id): Path<i64>,
) -> Result<Json<TemplateSyncReport>> {
    Ok(Json(sync_account_templates(&state, account_id).await?))
}
