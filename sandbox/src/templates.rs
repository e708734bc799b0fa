//! Template endpoints: Meta's create, edit, list (with paging) and delete, and Kaleyra v2's
//! create (Meta's body under Kaleyra's path). Reviews arrive later as template events.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{Answer, Refusal, RemoteTemplate, Shared, check, refusal};

/// Adds a template to the book; returns its id.
pub(crate) fn add(
    shared: &Shared,
    name: &str,
    language: &str,
    category: &str,
    status: &str,
    components: Value,
) -> String {
    let mut book = shared.book();
    book.next_id += 1;
    let id = book.next_id.to_string();
    book.templates.push(RemoteTemplate {
        id: id.clone(),
        name: name.to_owned(),
        language: language.to_owned(),
        category: category.to_owned(),
        status: status.to_owned(),
        components,
        rejected_reason: None,
    });
    id
}

pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    Path((_version, node)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Answer {
    check(&shared, &headers, Some((&node, &shared.config.waba_id)))?;
    create_from(&shared, &body)
}

/// `POST /v2/{sid}/whatsapp/{waba_id}/message_templates`.
pub(crate) async fn create_kaleyra(
    State(shared): State<Arc<Shared>>,
    Path((_sid, waba)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Answer {
    check(&shared, &headers, Some((&waba, &shared.config.waba_id)))?;
    create_from(&shared, &body)
}

fn create_from(shared: &Arc<Shared>, body: &Value) -> Answer {
    let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default();
    let (name, language, category) = (text("name"), text("language"), text("category"));
    let duplicate = shared
        .book()
        .templates
        .iter()
        .any(|t| t.name == name && t.language == language);
    if duplicate {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            100,
            "Content in this language already exists",
        ));
    }
    let components = body.get("components").cloned().unwrap_or(Value::Null);
    if body_contains_any(&components, &shared.config.refuse_patterns) {
        return Err(Refusal {
            template_reason: Some((
                2_388_072,
                "The message body is not formatted correctly.".to_owned(),
            )),
            ..refusal(StatusCode::BAD_REQUEST, 100, "Invalid parameter")
        });
    }
    let id = add(shared, name, language, category, "PENDING", components);
    review_later(Arc::clone(shared), id.clone());
    Ok(Json(json!({"id": id, "status": "PENDING", "category": category})).into_response())
}

pub(crate) async fn edit(
    State(shared): State<Arc<Shared>>,
    Path((_version, template_id)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Answer {
    check(&shared, &headers, None)?;
    {
        let mut book = shared.book();
        let Some(template) = book.templates.iter_mut().find(|t| t.id == template_id) else {
            return Err(refusal(
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

/// Whether the body text among `components` contains one of `patterns` (empty ones ignored).
fn body_contains_any(components: &Value, patterns: &[String]) -> bool {
    let body = components
        .as_array()
        .into_iter()
        .flatten()
        .filter(|component| component.get("type").and_then(Value::as_str) == Some("BODY"))
        .filter_map(|component| component.get("text").and_then(Value::as_str))
        .collect::<String>();
    patterns
        .iter()
        .any(|pattern| !pattern.is_empty() && body.contains(pattern.as_str()))
}

/// Reviews a template after the configured delay and reports it like the provider does.
fn review_later(shared: Arc<Shared>, template_id: String) {
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(shared.config.review_delay_ms)).await;
        let reviewed = {
            let mut book = shared.book();
            let Some(template) = book.templates.iter_mut().find(|t| t.id == template_id) else {
                return;
            };
            let rejected = body_contains_any(&template.components, &shared.config.reject_patterns);
            template.status = if rejected { "REJECTED" } else { "APPROVED" }.to_owned();
            template.rejected_reason = rejected.then(|| "INVALID_FORMAT".to_owned());
            template.clone()
        };
        shared.outbox.template_event(json!({
            "event": reviewed.status,
            "message_template_id": reviewed.id.parse::<u64>().unwrap_or_default(),
            "message_template_name": reviewed.name,
            "message_template_language": reviewed.language.replace('_', "-"),
            "reason": reviewed.rejected_reason.clone().unwrap_or_else(|| "NONE".to_owned()),
            "message_template_category": reviewed.category,
        }));
    });
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    limit: Option<usize>,
    after: Option<String>,
}

pub(crate) async fn list(
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
pub(crate) struct DeleteQuery {
    name: String,
    hsm_id: Option<String>,
}

pub(crate) async fn delete(
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
        return Err(refusal(StatusCode::BAD_REQUEST, 100, "Template not found"));
    }
    Ok(Json(json!({"success": true})).into_response())
}
