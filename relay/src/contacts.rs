//! Contacts and their lists (SPEC section 4): one contact added, or a CSV file imported as it
//! arrives (through a column mapping; bad rows reported, good rows kept).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures_util::{Stream, TryStreamExt};
use herald_api::{ErrorCode, ImportProgress, ImportReport};
use herald_contacts::import::{ColumnTarget, ContactReader, ImportError};
use herald_contacts::{Contact, FieldError};
use herald_domain::MAX_LIST_NAME_CHARS;
use herald_store::{ContactRecord, ListRecord, StoreError};

use crate::error::{AppError, Result};
use crate::imports::ImportBoard;
use crate::state::AppState;

/// Contacts written per transaction during an import.
const IMPORT_BATCH: usize = 4_000;

/// The list, unless it does not exist.
pub(crate) async fn load_list(state: &AppState, id: i64) -> Result<ListRecord> {
    state.store.list(id).await.map_err(|error| match error {
        StoreError::NotFound => AppError::NotFound("list"),
        other => other.into(),
    })
}

/// A list name as stored: trimmed, 1 to [`MAX_LIST_NAME_CHARS`] characters.
fn list_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_LIST_NAME_CHARS {
        return Err(AppError::invalid(
            ErrorCode::InvalidName,
            "name",
            format!("the list name must have 1 to {MAX_LIST_NAME_CHARS} characters"),
        ));
    }
    Ok(name)
}

/// The account already has a list of that name.
fn name_taken(error: StoreError, name: &str) -> AppError {
    match error {
        StoreError::Conflict { .. } => AppError::Conflict {
            field: "name",
            message: format!("the account already has a list named \"{name}\""),
        },
        other => other.into(),
    }
}

/// A list that is not the master list; `refusal` says why the master list is not.
async fn own_list(state: &AppState, id: i64, refusal: &str) -> Result<ListRecord> {
    let list = load_list(state, id).await?;
    if list.is_master {
        return Err(AppError::InvalidState {
            code: ErrorCode::ListIsMaster,
            message: format!("the master list holds every contact of the account: {refusal}"),
        });
    }
    Ok(list)
}

/// Creates a list of `account_id`.
pub(crate) async fn create_list(state: &AppState, account_id: i64, name: &str) -> Result<i64> {
    let name = list_name(name)?;
    state
        .store
        .create_list(account_id, name, state.clock.now_ms())
        .await
        .map_err(|error| name_taken(error, name))
}

/// Renames a list (not the master list).
pub(crate) async fn rename_list(state: &AppState, id: i64, name: &str) -> Result<()> {
    own_list(state, id, "it keeps its name").await?;
    let name = list_name(name)?;
    state
        .store
        .rename_list(id, name)
        .await
        .map_err(|error| name_taken(error, name))
}

/// Deletes a list that no campaign sends to (not the master list); its contacts stay in the
/// master list.
pub(crate) async fn delete_list(state: &AppState, id: i64) -> Result<()> {
    own_list(state, id, "it cannot be deleted").await?;
    let campaigns = state.store.campaigns_using_list(id).await?;
    if campaigns > 0 {
        return Err(AppError::InvalidState {
            code: ErrorCode::ListInUse,
            message: format!(
                "{campaigns} campaign(s) send to this list: delete them first (its contacts stay in the master list either way)"
            ),
        });
    }
    Ok(state.store.delete_list(id).await?)
}

/// The contact, unless it does not exist.
pub(crate) async fn load_contact(state: &AppState, id: i64) -> Result<ContactRecord> {
    state.store.contact(id).await.map_err(|error| match error {
        StoreError::NotFound => AppError::NotFound("contact"),
        other => other.into(),
    })
}

/// Replaces a contact's fields, everywhere it is used; a new phone reaches the campaigns that
/// have not sent to it yet.
pub(crate) async fn update_contact(
    state: &AppState,
    id: i64,
    contact: Contact,
) -> Result<ContactRecord> {
    load_contact(state, id).await?;
    let contact = normalized(contact)?;
    state
        .store
        .update_contact(id, &contact, state.clock.now_ms())
        .await
        .map_err(|error| match error {
            StoreError::Conflict { .. } => AppError::Conflict {
                field: "phone",
                message: format!(
                    "another contact of the account has the phone {}",
                    contact.phone
                ),
            },
            other => other.into(),
        })?;
    load_contact(state, id).await
}

/// Deletes a contact (see `ContactStore::delete_contact`).
pub(crate) async fn delete_contact(state: &AppState, id: i64) -> Result<()> {
    load_contact(state, id).await?;
    Ok(state.store.delete_contact(id, state.clock.now_ms()).await?)
}

/// Takes a contact out of a list (not the master list).
pub(crate) async fn remove_from_list(
    state: &AppState,
    list_id: i64,
    contact_id: i64,
) -> Result<()> {
    own_list(
        state,
        list_id,
        "a contact leaves it only when deleted (Delete contact)",
    )
    .await?;
    state
        .store
        .remove_from_list(list_id, contact_id)
        .await
        .map_err(|error| match error {
            StoreError::NotFound => AppError::NotFound("contact"),
            other => other.into(),
        })
}

/// A contact as stored, or the error naming its bad field.
fn normalized(contact: Contact) -> Result<Contact> {
    contact
        .normalized()
        .map_err(|FieldError { field, reason }| {
            AppError::invalid(
                ErrorCode::InvalidContact,
                field_name(&field),
                format!("{field}: {reason}"),
            )
        })
}

/// The request field a contact's field is checked under.
fn field_name(field: &str) -> &'static str {
    match field {
        "phone" => "phone",
        "mobile" => "mobile",
        "first_name" => "first_name",
        "last_name" => "last_name",
        "email" => "email",
        _ => "custom",
    }
}

/// Adds one contact to `list_id` (or updates the account's contact with that phone, everywhere
/// it is used), and returns it as stored.
pub(crate) async fn add(state: &AppState, list_id: i64, contact: Contact) -> Result<ContactRecord> {
    let list = load_list(state, list_id).await?;
    let contact = normalized(contact)?;
    state
        .store
        .upsert_contacts(
            list.account_id,
            list_id,
            std::slice::from_ref(&contact),
            state.clock.now_ms(),
        )
        .await?;
    Ok(state
        .store
        .contact_by_phone(list.account_id, &contact.phone)
        .await?)
}

/// The error for a file that cannot be imported, under the request field `file`.
pub(crate) fn import_error(error: &ImportError) -> AppError {
    let code = match &error {
        ImportError::Empty => ErrorCode::FileEmpty,
        ImportError::TooManyColumns(_) => ErrorCode::TooManyColumns,
        ImportError::MappingLength { .. } | ImportError::DuplicateTarget(_) => {
            ErrorCode::MappingInvalid
        }
        ImportError::NoPhoneColumn => ErrorCode::NoPhoneColumn,
        ImportError::Header(_) | ImportError::Io(_) => ErrorCode::FileUnreadable,
    };
    AppError::invalid(code, "file", error.to_string())
}

/// What the reading thread hands the writer.
enum ImportStep {
    Started {
        headers: Vec<String>,
        mapping: Vec<ColumnTarget>,
    },
    Rows {
        contacts: Vec<Contact>,
        errors: Vec<herald_contacts::import::RowError>,
    },
}

/// Imports `file` into `list_id` through `mapping` (the header's suggestions when `None`), read
/// as it arrives: a thread parses, this task writes batches of [`IMPORT_BATCH`] in their own
/// transactions, and at most one parsed batch waits for it, so a file of any size takes
/// constant memory. One import per list at a time; its progress is on the import board.
pub(crate) async fn import(
    state: &AppState,
    list_id: i64,
    mapping: Option<Vec<ColumnTarget>>,
    file: impl Stream<Item = std::io::Result<Bytes>> + Send + Unpin + 'static,
) -> Result<ImportReport> {
    let list = load_list(state, list_id).await?;
    let ticket = ImportBoard::begin(&state.imports, list_id).ok_or(AppError::InvalidState {
        code: ErrorCode::ImportRunning,
        message: "a file is being imported into this list: wait for it to finish".to_owned(),
    })?;
    let bytes_read = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&bytes_read);
    let stream = file.map_ok(move |chunk| {
        counted.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        chunk
    });
    let reader = tokio_util::io::SyncIoBridge::new(tokio_util::io::StreamReader::new(stream));
    let (steps, mut received) = tokio::sync::mpsc::channel::<ImportStep>(1);
    let parser = tokio::task::spawn_blocking(move || -> std::result::Result<(), ImportError> {
        let rows = ContactReader::new(reader, mapping)?;
        let started = ImportStep::Started {
            headers: rows.headers().to_vec(),
            mapping: rows.mapping().to_vec(),
        };
        if steps.blocking_send(started).is_err() {
            return Ok(());
        }
        let (mut contacts, mut errors) = (Vec::with_capacity(IMPORT_BATCH), Vec::new());
        for row in rows {
            match row {
                Ok(row) => contacts.push(row.contact),
                Err(error) => errors.push(error),
            }
            if contacts.len() + errors.len() >= IMPORT_BATCH {
                let batch = ImportStep::Rows {
                    contacts: std::mem::replace(&mut contacts, Vec::with_capacity(IMPORT_BATCH)),
                    errors: std::mem::take(&mut errors),
                };
                if steps.blocking_send(batch).is_err() {
                    return Ok(());
                }
            }
        }
        let _ = steps.blocking_send(ImportStep::Rows { contacts, errors });
        Ok(())
    });
    let mut report = ImportReport::default();
    while let Some(step) = received.recv().await {
        match step {
            ImportStep::Started { headers, mapping } => {
                report.headers = headers;
                report.mapping = mapping;
            }
            ImportStep::Rows { contacts, errors } => {
                report.rows += (contacts.len() + errors.len()) as u64;
                report.error_count += errors.len() as u64;
                let room = ImportReport::ERRORS_SHOWN.saturating_sub(report.errors.len());
                report.errors.extend(errors.into_iter().take(room));
                let done = state
                    .store
                    .upsert_contacts(
                        list.account_id,
                        list_id,
                        &dedupe(contacts),
                        state.clock.now_ms(),
                    )
                    .await?;
                report.created += done.created;
                report.updated += done.updated;
                ticket.report(ImportProgress {
                    bytes_read: bytes_read.load(Ordering::Relaxed),
                    rows: report.rows,
                    created: report.created,
                    updated: report.updated,
                    error_count: report.error_count,
                    ..ImportProgress::default()
                });
            }
        }
    }
    parser
        .await
        .map_err(|error| anyhow::anyhow!("the import parser failed: {error}"))?
        .map_err(|error| import_error(&error))?;
    tracing::info!(
        list = list_id,
        rows = report.rows,
        errors = report.error_count,
        "contacts imported"
    );
    Ok(report)
}

/// Keeps the last row of each phone in a batch (a later row in the file wins, as if imported
/// one after the other).
fn dedupe(contacts: Vec<Contact>) -> Vec<Contact> {
    let mut seen = std::collections::HashSet::new();
    let mut kept: Vec<Contact> = contacts
        .into_iter()
        .rev()
        .filter(|contact| seen.insert(contact.phone.clone()))
        .collect();
    kept.reverse();
    kept
}
