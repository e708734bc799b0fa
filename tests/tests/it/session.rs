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

#[tokio::test]
async fn an_admin_changes_roles_disables_users_and_resets_passwords_but_keeps_one_admin() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let agent = relay.agent().await.unwrap();
    let users = relay.get_json(&admin, "/api/v1/users").await.unwrap();
    let listed: Vec<(&str, &str, bool)> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|user| {
            (
                user["username"].as_str().unwrap(),
                user["role"].as_str().unwrap(),
                user["disabled"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [("admin", "admin", false), ("agent", "agent", false)]
    );
    assert!(!users.to_string().contains("password"), "{users}");
    let id = |name: &str| {
        users
            .as_array()
            .unwrap()
            .iter()
            .find(|user| user["username"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (admin_id, agent_id) = (id("admin"), id("agent"));
    let put = |client: &reqwest::Client, path: String, body: Value| {
        client.put(relay.url(&path)).json(&body).send()
    };
    let status = |response: reqwest::Response| response.status().as_u16();

    let forbidden = put(
        &agent,
        format!("/api/v1/users/{agent_id}"),
        json!({"role": "admin"}),
    )
    .await
    .unwrap();
    assert_eq!(status(forbidden), 403, "an agent cannot promote itself");
    let last = put(
        &admin,
        format!("/api/v1/users/{admin_id}"),
        json!({"disabled": true}),
    )
    .await
    .unwrap();
    assert_eq!(status(last), 409);

    // Promoted: the agent's open session is an admin's at once.
    let promoted: Value = put(
        &admin,
        format!("/api/v1/users/{agent_id}"),
        json!({"role": "admin"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(promoted["role"], "admin");
    assert_eq!(
        agent
            .get(relay.url("/api/v1/users"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // With a second admin, the first may step down.
    let demoted = put(
        &admin,
        format!("/api/v1/users/{admin_id}"),
        json!({"role": "agent"}),
    )
    .await
    .unwrap();
    assert_eq!(status(demoted), 200);
    let restored = put(
        &agent,
        format!("/api/v1/users/{admin_id}"),
        json!({"role": "admin"}),
    )
    .await
    .unwrap();
    assert_eq!(status(restored), 200);

    // Disabled: its session ends and it cannot sign in, with a reason only after the password.
    let disabled = put(
        &admin,
        format!("/api/v1/users/{agent_id}"),
        json!({"disabled": true}),
    )
    .await
    .unwrap();
    assert_eq!(status(disabled), 200);
    assert_eq!(
        agent
            .get(relay.url("/api/v1/users"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let refused = reqwest::Client::new()
        .post(relay.url("/api/v1/session"))
        .json(&json!({"username": "agent", "password": "agent-password-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 409);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "user_disabled");
    let guessed = reqwest::Client::new()
        .post(relay.url("/api/v1/session"))
        .json(&json!({"username": "agent", "password": "wrong-password-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(guessed.status(), 401);

    // Enabled again with a new password: the old one no longer works.
    put(
        &admin,
        format!("/api/v1/users/{agent_id}"),
        json!({"disabled": false}),
    )
    .await
    .unwrap();
    let short = put(
        &admin,
        format!("/api/v1/users/{agent_id}/password"),
        json!({"password": "short"}),
    )
    .await
    .unwrap();
    assert_eq!(status(short), 400);
    let reset = put(
        &admin,
        format!("/api/v1/users/{agent_id}/password"),
        json!({"password": "a-brand-new-password"}),
    )
    .await
    .unwrap();
    assert_eq!(status(reset), 204);
    assert!(relay.signed_in("agent", "agent-password-1").await.is_err());
    assert!(
        relay
            .signed_in("agent", "a-brand-new-password")
            .await
            .is_ok()
    );
    let missing = put(
        &admin,
        "/api/v1/users/99999".to_owned(),
        json!({"role": "agent"}),
    )
    .await
    .unwrap();
    assert_eq!(status(missing), 404);
}
