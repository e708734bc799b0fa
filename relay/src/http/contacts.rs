//! Contact lists: create and list them, add one contact, import a CSV file (streamed, any size,
//! through a column mapping; bad rows reported, good rows kept), export, undo an opt-out.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use futures_util::TryStreamExt;
use herald_api::{
    ContactView, ErrorCode, ImportPreview, ImportProgress, ImportReport, ListView, NewList,
};
use herald_contacts::Contact;
use herald_contacts::export::ContactWriter;
use herald_contacts::import::{ColumnTarget, ContactReader, ImportError};
use herald_domain::strip_phone;
use herald_store::{ContactFilter, ContactRecord, ListRecord, StoreError};
use serde::Deserialize;

use crate::accounts::open_account;
use crate::contacts::{self, import_error, load_list};
use crate::error::{AppError, Result};
use crate::http::download::{PageBuffer, csv_download};
use crate::http::json::AppJson;
use crate::http::page_limit;
use crate::state::AppState;

/// Largest CSV file an import takes (about 4 million typical rows).
pub(crate) const IMPORT_BODY_LIMIT_BYTES: usize = 512 * 1024 * 1024;
pub(crate) const PAGE_DEFAULT: i64 = 100;
pub(crate) const PAGE_MAX: i64 = 1_000;

fn list_view(list: ListRecord) -> ListView {
    ListView {
        id: list.id,
        account_id: list.account_id,
        name: list.name,
        is_master: list.is_master,
        size: list.size,
    }
}

pub(crate) fn contact_view(record: ContactRecord) -> ContactView {
    ContactView {
        id: record.id,
        contact: record.contact,
        opted_out_at: record.opted_out_at,
    }
}

/// `GET /api/v1/accounts/{id}/lists`.
pub(crate) async fn list_lists(
    State(state): State<AppState>,
    Path(account_id): Path<i64>,
) -> Result<Json<Vec<ListView>>> {
    open_account(&state, account_id).await?;
    let lists = state.store.lists(account_id).await?;
    Ok(Json(lists.into_iter().map(list_view).collect()))
}

/// `POST /api/v1/accounts/{id}/lists`.
pub(crate) async fn create_list(
    State(state): State<AppState>,
    Path(account_id): Path<i64>,
    AppJson(request): AppJson<NewList>,
) -> Result<(StatusCode, Json<ListView>)> {
    open_account(&state, account_id).await?;
    let id = contacts::create_list(&state, account_id, &request.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(list_view(load_list(&state, id).await?)),
    ))
}

/// `GET /api/v1/lists/{id}`.
pub(crate) async fn show_list(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ListView>> {
    Ok(Json(list_view(load_list(&state, id).await?)))
}

/// `PUT /api/v1/lists/{id}`: renames it.
pub(crate) async fn rename_list(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AppJson(request): AppJson<NewList>,
) -> Result<Json<ListView>> {
    contacts::rename_list(&state, id, &request.name).await?;
    Ok(Json(list_view(load_list(&state, id).await?)))
}

/// `DELETE /api/v1/lists/{id}`.
pub(crate) async fn delete_list(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    contacts::delete_list(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub(crate) struct PageQuery {
    after: Option<i64>,
    limit: Option<i64>,
    /// Part of the phone or of the name.
    search: Option<String>,
    /// Only the contacts opted out (`true`) or only the others (`false`).
    opted_out: Option<bool>,
}

/// `GET /api/v1/lists/{id}/contacts?after=&limit=&search=&opted_out=`.
pub(crate) async fn list_contacts(
    State(state): State<AppState>,
    Path(list_id): Path<i64>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Vec<ContactView>>> {
    load_list(&state, list_id).await?;
    let limit = page_limit(page.limit, PAGE_DEFAULT, PAGE_MAX)?;
    let filter = ContactFilter {
        search: page.search,
        opted_out: page.opted_out,
    };
    let contacts = state
        .store
        .list_contacts(list_id, &filter, page.after.unwrap_or(0), limit)
        .await?;
    Ok(Json(contacts.into_iter().map(contact_view).collect()))
}

/// `POST /api/v1/lists/{id}/contacts`: adds one contact (or updates the account's contact with
/// that phone, everywhere it is used).
pub(crate) async fn add_contact(
    State(state): State<AppState>,
    Path(list_id): Path<i64>,
    AppJson(contact): AppJson<Contact>,
) -> Result<(StatusCode, Json<ContactView>)> {
    let stored = contacts::add(&state, list_id, contact).await?;
    Ok((StatusCode::CREATED, Json(contact_view(stored))))
}

/// `PUT /api/v1/contacts/{id}`: replaces the contact's fields (custom fields included).
pub(crate) async fn update_contact(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    AppJson(contact): AppJson<Contact>,
) -> Result<Json<ContactView>> {
    Ok(Json(contact_view(
        contacts::update_contact(&state, id, contact).await?,
    )))
}

/// `DELETE /api/v1/contacts/{id}`.
pub(crate) async fn delete_contact(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    contacts::delete_contact(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/lists/{id}/contacts/{contact_id}`: the contact leaves the list.
pub(crate) async fn remove_from_list(
    State(state): State<AppState>,
    Path((list_id, contact_id)): Path<(i64, i64)>,
) -> Result<StatusCode> {
    contacts::remove_from_list(&state, list_id, contact_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub(crate) struct ImportQuery {
    /// Where each column goes, as a JSON array (`["phone","ignore","custom:Tier"]`); the
    /// header's suggestions when absent.
    mapping: Option<String>,
}

/// `POST /api/v1/lists/{id}/import/preview`: the columns of a file's first part and the
/// fields their names suggest, for the mapping step.
pub(crate) async fn preview_import(
    State(state): State<AppState>,
    Path(list_id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Json<ImportPreview>> {
    load_list(&state, list_id).await?;
    let reader = ContactReader::new(body.as_ref(), None).or_else(|error| match error {
        // Preview shows the columns even when no column looks like a phone yet.
        ImportError::NoPhoneColumn | ImportError::DuplicateTarget(_) => {
            ContactReader::new(body.as_ref(), Some(phone_first(body.as_ref())?))
        }
        other => Err(other),
    });
    let reader = reader.map_err(|error| import_error(&error))?;
    let delimiter = match reader.delimiter() {
        b'\t' => "\t".to_owned(),
        other => char::from(other).to_string(),
    };
    Ok(Json(ImportPreview {
        delimiter,
        headers: reader.headers().to_vec(),
        suggested: reader
            .headers()
            .iter()
            .map(|header| ColumnTarget::suggested_by(header))
            .collect(),
    }))
}

/// A mapping that only marks the first column as the phone, to read a file's header when the
/// suggestions do not make a valid mapping.
fn phone_first(bytes: &[u8]) -> std::result::Result<Vec<ColumnTarget>, ImportError> {
    let columns = ContactReader::new(bytes, Some(vec![ColumnTarget::Phone]))
        .err()
        .and_then(|error| match error {
            ImportError::MappingLength { columns, .. } => Some(columns),
            _ => None,
        })
        .unwrap_or(1);
    Ok(std::iter::once(ColumnTarget::Phone)
        .chain(std::iter::repeat_n(
            ColumnTarget::Ignore,
            columns.saturating_sub(1),
        ))
        .collect())
}

/// `GET /api/v1/lists/{id}/import/progress`: how far the import running into the list got.
pub(crate) async fn import_progress(
    State(state): State<AppState>,
    Path(list_id): Path<i64>,
) -> Result<Json<ImportProgress>> {
    load_list(&state, list_id).await?;
    Ok(Json(state.imports.progress(list_id)))
}

/// `POST /api/v1/lists/{id}/import?mapping=`: the body is the CSV file, read as it arrives
/// (see `contacts::import`), so a file of any size takes constant memory.
pub(crate) async fn import_contacts(
    State(state): State<AppState>,
    Path(list_id): Path<i64>,
    Query(query): Query<ImportQuery>,
    body: Body,
) -> Result<Json<ImportReport>> {
    let mapping: Option<Vec<ColumnTarget>> = query
        .mapping
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|error| {
            AppError::invalid(
                ErrorCode::MappingInvalid,
                "mapping",
                format!("the mapping must be a JSON array of column targets: {error}"),
            )
        })?;
    let file = body
        .into_data_stream()
        .map_err(|error| std::io::Error::other(error.to_string()));
    Ok(Json(
        contacts::import(&state, list_id, mapping, file).await?,
    ))
}

/// `GET /api/v1/lists/{id}/export`: the list as CSV, formula-safe.
pub(crate) async fn export_contacts(
    State(state): State<AppState>,
    Path(list_id): Path<i64>,
) -> Result<impl IntoResponse> {
    let list = load_list(&state, list_id).await?;
    let buffer = PageBuffer::default();
    let (custom, last_id) = custom_fields(&state, list_id).await?;
    let mut writer = ContactWriter::new(buffer.clone(), custom)
        .map_err(|error| anyhow::anyhow!("cannot write the export: {error}"))?;
    Ok(csv_download(&list.name, move |pages| async move {
        let mut after = 0;
        loop {
            let page = match state
                .store
                .list_contacts(list_id, &ContactFilter::default(), after, PAGE_MAX)
                .await
            {
                Ok(page) => page,
                Err(error) => {
                    tracing::warn!(list = list_id, %error, "an export stopped");
                    pages
                        .send(Err(std::io::Error::other(error.to_string())))
                        .await;
                    return;
                }
            };
            // The contacts the header was read from: one added since may have fields it lacks.
            let page: Vec<_> = page
                .into_iter()
                .filter(|record| record.id <= last_id)
                .collect();
            let Some(last) = page.last() else { break };
            after = last.id;
            let written = page
                .iter()
                .try_for_each(|record| writer.write(&record.contact).map_err(std::io::Error::other))
                .and_then(|()| writer.flush());
            if !pages.send(written.map(|()| buffer.take())).await {
                return;
            }
        }
        let _ = writer.finish();
        pages.send(Ok(buffer.take())).await;
    }))
}

/// The custom fields the list's contacts have, for the export's header, read page by page; and
/// the last contact read, where the export stops.
async fn custom_fields(state: &AppState, list_id: i64) -> Result<(Vec<String>, i64)> {
    let mut names = std::collections::BTreeSet::new();
    let mut after = 0;
    loop {
        let page = state
            .store
            .list_contacts(list_id, &ContactFilter::default(), after, PAGE_MAX)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for record in page {
            names.extend(record.contact.custom.into_keys());
        }
    }
    Ok((names.into_iter().collect(), after))
}

/// `DELETE /api/v1/accounts/{id}/opt-outs/{phone}`: the contact receives marketing again.
pub(crate) async fn undo_opt_out(
    State(state): State<AppState>,
    Path((account_id, phone)): Path<(i64, String)>,
) -> Result<StatusCode> {
    open_account(&state, account_id).await?;
    let phone = strip_phone(&phone)
        .map_err(|error| AppError::invalid(ErrorCode::InvalidPhone, "phone", error.to_string()))?;
    state
        .store
        .set_opted_out(account_id, &phone, None)
        .await
        .map_err(|error| match error {
            StoreError::NotFound => AppError::NotFound("contact"),
            other => other.into(),
        })?;
    Ok(StatusCode::NO_CONTENT)
}
