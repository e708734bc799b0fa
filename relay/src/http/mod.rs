//! HTTP surface of the relay: health, the JSON API and the web app's static files.

use axum::Router;
use axum::routing::get;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

use crate::config::Settings;

/// The whole application router.
pub(crate) fn router(settings: &Settings) -> Router {
    // Any path that is not a file is a route of the single-page app, so it gets index.html.
    let index = settings.web_dir.join("index.html");
    let web_app = ServeDir::new(&settings.web_dir).fallback(ServeFile::new(index));
    Router::new()
        .route("/healthz", get(healthz))
        .fallback_service(web_app)
        .layer(TraceLayer::new_for_http())
}

async fn healthz() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "ok" }))
}
