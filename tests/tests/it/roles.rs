//! Every API route checks the caller's role. The routes come from the relay's own route table,
//! the one the router is built from, so a new route cannot be forgotten here.

use herald_tests::TestRelay;
use relay::http::{Access, api_routes};
use serde_json::Value;

fn concrete(path: &str) -> String {
    format!("/api/v1{}", path.replace("{id}", "1"))
}

#[tokio::test]
async fn an_agent_gets_403_on_every_admin_route() {
    let relay = TestRelay::spawn().await.unwrap();
    let agent = relay.agent().await.unwrap();
    let admin_routes: Vec<_> = api_routes()
        .into_iter()
        .filter(|route| route.access == Access::Admin)
        .collect();
    assert!(admin_routes.len() >= 10);
    for route in admin_routes {
        let response = agent
            .request(route.method.clone(), relay.url(&concrete(route.path)))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{} {}", route.method, route.path);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "forbidden");
    }
}

#[tokio::test]
async fn without_a_session_every_guarded_route_is_401() {
    let relay = TestRelay::spawn().await.unwrap();
    for route in api_routes()
        .into_iter()
        .filter(|route| route.access != Access::Public)
    {
        let response = relay
            .client
            .request(route.method.clone(), relay.url(&concrete(route.path)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{} {}", route.method, route.path);
    }
}

#[tokio::test]
async fn an_agent_may_see_its_own_session() {
    let relay = TestRelay::spawn().await.unwrap();
    let agent = relay.agent().await.unwrap();
    let me: Value = agent
        .get(relay.url("/api/v1/session"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["role"], "agent");
}
