//! `GET /api/v1/openapi.json`: an OpenAPI 3.1 document built from the route table, so it lists
//! exactly the routes that exist, each with the role it needs, its request and response bodies
//! (JSON schemas derived from the `herald-api` types by utoipa) and the one error shape.

use axum::Json;
use herald_api::{API_PREFIX, ErrorBody};
use serde_json::{Map, Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use super::{Access, Body, api_routes};

/// The OpenAPI document of `/api/v1`.
pub(crate) async fn show_openapi() -> Json<Value> {
    Json(document())
}

/// The content of a body, registering the schemas it names in `schemas`.
fn content(body: Body, schemas: &mut Vec<(String, RefOr<Schema>)>) -> Option<Value> {
    let reference = |name: String| json!({"$ref": format!("#/components/schemas/{name}")});
    Some(match body {
        Body::Empty => return None,
        Body::Json(schema) => json!({"application/json": {"schema": reference(schema(schemas))}}),
        Body::JsonList(schema) => {
            json!({"application/json": {"schema": {"type": "array", "items": reference(schema(schemas))}}})
        }
        Body::TemplateFile => json!({"application/json": {"schema": {
            "type": "object",
            "description": "a template file: Meta's message_templates JSON plus Herald's keys under \"herald\" (see the template core)"
        }}}),
        Body::Csv => {
            json!({"text/csv": {"schema": {"type": "string", "description": "CSV: comma, semicolon or tab separated, UTF-8 with or without BOM"}}})
        }
        Body::Events(schema) => json!({"text/event-stream": {
            "schema": {"type": "string", "description": format!("server-sent events named progress, whose data is a {}", schema(schemas))},
            "x-herald-event-data": reference(schema(schemas)),
        }}),
    })
}

fn document() -> Value {
    let mut paths = Map::new();
    let mut schemas: Vec<(String, RefOr<Schema>)> = Vec::new();
    for route in api_routes() {
        let parameters: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| {
                let kind = if name == "phone" { "string" } else { "integer" };
                json!({"name": name, "in": "path", "required": true, "schema": {"type": kind}})
            })
            .collect();
        let (security, role) = match route.access {
            Access::Public => (json!([]), "anyone"),
            Access::Agent => (json!([{"session": []}]), "agent or admin"),
            Access::Admin => (json!([{"session": []}]), "admin"),
        };
        let mut success = json!({"description": "Success"});
        if let Some(content) = content(route.response, &mut schemas) {
            success["content"] = content;
        }
        let mut operation = json!({
            "summary": route.summary,
            "parameters": parameters,
            "security": security,
            "x-herald-role": role,
            "responses": {
                "2XX": success,
                "default": {
                    "description": "An error: a stable code, a message, the field at fault",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
                }
            }
        });
        if let Some(content) = content(route.request, &mut schemas) {
            operation["requestBody"] = json!({"required": true, "content": content});
        }
        let path = format!("{API_PREFIX}{}", route.path);
        let entry = paths.entry(path).or_insert_with(|| json!({}));
        entry[route.method.as_str().to_lowercase()] = operation;
    }
    content(Body::Json(super::schema_of::<ErrorBody>), &mut schemas);
    let components: Map<String, Value> = schemas
        .into_iter()
        .map(|(name, schema)| (name, serde_json::to_value(schema).unwrap_or(Value::Null)))
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Herald relay API", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE}},
            "schemas": components,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn references(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    found.push(target.clone());
                }
                map.values().for_each(|inner| references(inner, found));
            }
            Value::Array(items) => items.iter().for_each(|inner| references(inner, found)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_resolves_to_a_component() {
        let document = document();
        let mut found = Vec::new();
        references(&document, &mut found);
        assert!(found.len() > 40, "{found:?}");
        for target in found {
            let name = target.trim_start_matches("#/components/schemas/");
            assert!(
                document["components"]["schemas"].get(name).is_some(),
                "{target} is not in the components"
            );
        }
    }

    #[test]
    fn writes_declare_their_body_and_reads_their_answer() {
        let document = document();
        // Actions whose path says everything.
        let bodyless = ["/submit", "/sync", "/stop", "/retry", "/test"];
        for (path, operations) in document["paths"].as_object().unwrap() {
            for (method, operation) in operations.as_object().unwrap() {
                if (method == "post" || method == "put")
                    && !bodyless.iter().any(|suffix| path.ends_with(suffix))
                    && !path.ends_with("/session")
                {
                    assert!(
                        operation.get("requestBody").is_some(),
                        "{method} {path} has no request body"
                    );
                }
                if method == "get" && !path.ends_with("/openapi.json") {
                    assert!(
                        operation["responses"]["2XX"].get("content").is_some(),
                        "{method} {path} has no answer"
                    );
                }
            }
        }
        let settings = &document["components"]["schemas"]["CampaignSettings"];
        assert!(
            settings.to_string().contains("response_timeout_days"),
            "{settings}"
        );
    }
}
