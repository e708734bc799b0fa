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

/// What a business submits: the template's name, language, category, components and its other
/// fields (`parameter_format`, `message_send_ttl_seconds`, ...), kept as given.
pub(crate) struct Submitted<'a> {
    pub(crate) name: &'a str,
    pub(crate) language: &'a str,
    pub(crate) category: &'a str,
    pub(crate) fields: serde_json::Map<String, Value>,
    pub(crate) components: Value,
}

/// Adds a template to the book; returns its id.
pub(crate) fn add(shared: &Shared, submitted: Submitted<'_>, status: &str) -> String {
    let mut book = shared.book();
    book.next_id += 1;
    let id = book.next_id.to_string();
    book.templates.push(RemoteTemplate {
        id: id.clone(),
        name: submitted.name.to_owned(),
        language: submitted.language.to_owned(),
        category: submitted.category.to_uppercase(),
        status: status.to_owned(),
        components: submitted.components,
        fields: submitted.fields,
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
    let fields: serde_json::Map<String, Value> = body
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| {
            !matches!(
                key.as_str(),
                "name" | "language" | "category" | "components"
            )
        })
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    if body_contains_any(&components, &shared.config.refuse_patterns) {
        return Err(Refusal {
            template_reason: Some((
                2_388_072,
                "The message body is not formatted correctly.".to_owned(),
            )),
            ..refusal(StatusCode::BAD_REQUEST, 100, "Invalid parameter")
        });
    }
    let id = add(
        shared,
        Submitted {
            name,
            language,
            category,
            fields,
            components,
        },
        "PENDING",
    );
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
        .filter(|component| {
            component
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|kind| kind.eq_ignore_ascii_case("BODY"))
        })
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
            let mut listed = json!({
                "id": t.id, "name": t.name, "language": t.language, "status": t.status,
                "category": t.category, "components": upper_case_types(&t.components),
                "quality_score": {"score": "UNKNOWN"},
                "rejected_reason": t.rejected_reason.clone().unwrap_or_else(|| "NONE".to_owned()),
            });
            if let Some(listed) = listed.as_object_mut() {
                for (key, value) in &t.fields {
                    listed.entry(key.clone()).or_insert_with(|| value.clone());
                }
            }
            listed
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

/// Components as Meta lists them: every `type` and header `format` in upper case, whatever
/// case they were created in.
fn upper_case_types(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(upper_case_types).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, value)| {
                    let value = match (key.as_str(), value) {
                        ("type" | "format" | "otp_type", Value::String(text)) => {
                            Value::String(text.to_uppercase())
                        }
                        _ => upper_case_types(value),
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        other => other.clone(),
    }
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
