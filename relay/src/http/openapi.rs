//! `GET /api/v1/openapi.json`: an OpenAPI 3.1 document built from the route table, so it lists
//! exactly the routes that exist, each with the role it needs and the one error shape.

use axum::Json;
use herald_api::API_PREFIX;
use serde_json::{Map, Value, json};

use super::{Access, api_routes};

/// The OpenAPI document of `/api/v1`.
pub(crate) async fn show_openapi() -> Json<Value> {
    Json(document())
}

fn document() -> Value {
    let mut paths = Map::new();
    for route in api_routes() {
        let parameters: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "integer"}}))
            .collect();
        let (security, role) = match route.access {
            Access::Public => (json!([]), "anyone"),
            Access::Agent => (json!([{"session": []}]), "agent or admin"),
            Access::Admin => (json!([{"session": []}]), "admin"),
        };
        let operation = json!({
            "summary": route.summary,
            "parameters": parameters,
            "security": security,
            "x-herald-role": role,
            "responses": {
                "200": {"description": "Success", "content": {"application/json": {}}},
                "default": {
                    "description": "An error: a stable code, a message, the field at fault",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
                }
            }
        });
        let path = format!("{API_PREFIX}{}", route.path);
        let entry = paths.entry(path).or_insert_with(|| json!({}));
        entry[route.method.as_str().to_lowercase()] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Herald relay API", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE}},
            "schemas": {"ErrorBody": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "description": "stable machine-readable code"},
                    "message": {"type": "string"},
                    "field": {"type": "string", "description": "the request field at fault"},
                    "diagnostics": {"type": "array", "description": "the template core's findings, for a refused template"}
                }
            }}
        }
    })
}
