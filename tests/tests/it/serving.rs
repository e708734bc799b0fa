//! The relay starts, answers health checks, serves the web app and stops gracefully.

use herald_tests::TestRelay;

#[tokio::test]
async fn healthz_answers_ok() {
    let relay = TestRelay::spawn().await.unwrap();
    let response = relay
        .client
        .get(relay.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    relay.stop().await.unwrap();
}

#[tokio::test]
async fn unknown_paths_fall_back_to_the_single_page_app() {
    let relay = TestRelay::spawn().await.unwrap();
    for path in ["/", "/templates/new", "/campaigns/42"] {
        let response = relay.client.get(relay.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let text = response.text().await.unwrap();
        assert!(text.contains("Herald test page"), "{path}: {text}");
    }
    relay.stop().await.unwrap();
}

#[tokio::test]
async fn the_data_folder_is_created_on_start() {
    let relay = TestRelay::spawn().await.unwrap();
    assert!(relay.data_dir().is_dir());
    relay.stop().await.unwrap();
}

#[tokio::test]
async fn metrics_are_served_in_prometheus_text_format() {
    let relay = TestRelay::spawn().await.unwrap();
    let unknown = serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "nobody", "changes": []}]});
    relay
        .client
        .post(relay.url("/webhooks/meta"))
        .json(&unknown)
        .send()
        .await
        .unwrap();
    let response = relay
        .client
        .get(relay.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(text.contains("# TYPE herald_webhooks counter"), "{text}");
    assert!(
        text.contains(r#"herald_webhooks_total{provider="meta",outcome="unknown_account"} 1"#),
        "{text}"
    );
    assert!(text.trim_end().ends_with("# EOF"));
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_with_its_role() {
    let relay = TestRelay::spawn().await.unwrap();
    let document: serde_json::Value = relay
        .client
        .get(relay.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    for route in relay::http::api_routes() {
        let operation = &document["paths"][format!("/api/v1{}", route.path)]
            [route.method.as_str().to_lowercase()];
        assert_eq!(
            operation["summary"], route.summary,
            "{} {}",
            route.method, route.path
        );
        let role = match route.access {
            relay::http::Access::Admin => "admin",
            relay::http::Access::Agent => "agent or admin",
            relay::http::Access::Public => "anyone",
        };
        assert_eq!(operation["x-herald-role"], role);
    }
}
