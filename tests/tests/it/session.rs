//! Signing in and out, the session cookie, and the brute-force limiter.

use herald_tests::{ADMIN_PASSWORD, TestRelay};
use serde_json::{Value, json};

#[tokio::test]
async fn sign_in_sets_an_http_only_same_site_cookie_and_sign_out_ends_it() {
    let relay = TestRelay::spawn().await.unwrap();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let response = client
        .post(relay.url("/api/v1/session"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("herald_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let user: Value = response.json().await.unwrap();
    assert_eq!(
        (user["username"].as_str(), user["role"].as_str()),
        (Some("admin"), Some("admin"))
    );

    let me = client
        .get(relay.url("/api/v1/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let signed_out = client
        .delete(relay.url("/api/v1/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 204);
    let me: Value = client
        .get(relay.url("/api/v1/session"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        me,
        json!({"user": null}),
        "a visitor is told so, without an error"
    );
    let guarded = client
        .get(relay.url("/api/v1/accounts"))
        .send()
        .await
        .unwrap();
    assert_eq!(guarded.status(), 401, "the ended session opens nothing");
    let body: Value = guarded.json().await.unwrap();
    assert_eq!(body["code"], "unauthenticated");
}

#[tokio::test]
async fn wrong_passwords_and_unknown_users_get_the_same_answer() {
    let relay = TestRelay::spawn().await.unwrap();
    for (username, password) in [("admin", "wrong-password"), ("nobody", ADMIN_PASSWORD)] {
        let response = relay
            .client
            .post(relay.url("/api/v1/session"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "bad_credentials");
    }
}

#[tokio::test]
async fn guessing_passwords_is_rate_limited() {
    let relay = TestRelay::spawn().await.unwrap();
    let mut statuses = Vec::new();
    for attempt in 0..12 {
        let response = relay
            .client
            .post(relay.url("/api/v1/session"))
            .json(&json!({"username": "admin", "password": format!("guess-{attempt}")}))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(&statuses[..10], &[401; 10]);
    assert_eq!(&statuses[10..], &[429, 429]);
    let response = relay
        .client
        .post(relay.url("/api/v1/session"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        429,
        "even the right password waits once the quota is spent"
    );
}

#[tokio::test]
async fn malformed_json_is_a_400_with_a_code() {
    let relay = TestRelay::spawn().await.unwrap();
    let response = relay
        .client
        .post(relay.url("/api/v1/session"))
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "invalid_json");
    assert!(body["message"].as_str().unwrap().len() > 5);
}
