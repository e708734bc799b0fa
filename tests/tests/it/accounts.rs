//! Provider accounts: secrets are write-only and encrypted at rest.

use herald_tests::TestRelay;
use serde_json::{Value, json};

const TOKEN: &str = "EAAG-very-secret-access-token-123";
const APP_SECRET: &str = "app-secret-4f9a2b";

fn meta_account() -> Value {
    json!({
        "name": "Acme Meta",
        "provider": "meta",
        "settings": {"waba_id": "1029384756", "phone_number_id": "106540352242922", "messages_per_second": 80},
        "secrets": {"access_token": TOKEN, "app_secret": APP_SECRET, "verify_token": "verify-me"}
    })
}

#[tokio::test]
async fn secrets_are_never_returned_and_never_stored_in_plain_text() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let response = admin
        .post(relay.url("/api/v1/accounts"))
        .json(&meta_account())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let text = response.text().await.unwrap();
    assert!(
        !text.contains(TOKEN) && !text.contains(APP_SECRET),
        "{text}"
    );
    let created: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        created["secrets_set"],
        json!({"access_token": true, "app_secret": true, "verify_token": true, "api_key": false, "callback_token": false})
    );

    let listed = admin
        .get(relay.url("/api/v1/accounts"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!listed.contains(TOKEN) && !listed.contains(APP_SECRET));

    let database = relay.stored_account_bytes().await.unwrap();
    assert!(!database.is_empty());
    for secret in [TOKEN, APP_SECRET] {
        assert!(
            !database
                .windows(secret.len())
                .any(|window| window == secret.as_bytes()),
            "{secret} found in the database files"
        );
    }
}

#[tokio::test]
async fn an_update_without_secrets_keeps_them_and_an_empty_one_clears_it() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let created: Value = admin
        .post(relay.url("/api/v1/accounts"))
        .json(&meta_account())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = relay.url(&format!("/api/v1/accounts/{}", created["id"]));
    let mut update = meta_account();
    update["name"] = json!("Renamed");
    update["secrets"] = json!({"verify_token": ""});
    let updated: Value = admin
        .put(&url)
        .json(&update)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(updated["name"], "Renamed");
    assert_eq!(updated["secrets_set"]["access_token"], true);
    assert_eq!(updated["secrets_set"]["verify_token"], false);
}

#[tokio::test]
async fn missing_settings_are_named() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let mut account = meta_account();
    account["settings"] = json!({"waba_id": "1"});
    let response = admin
        .post(relay.url("/api/v1/accounts"))
        .json(&account)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (body["code"].as_str(), body["field"].as_str()),
        (Some("account_setting_missing"), Some("phone_number_id"))
    );
}

#[tokio::test]
async fn the_first_start_seeds_a_sandbox_account() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let accounts: Value = admin
        .get(relay.url("/api/v1/accounts"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(accounts[0]["provider"], "sandbox");
    assert_eq!(accounts[0]["secrets_set"]["app_secret"], true);
}

#[tokio::test]
async fn sql_metacharacters_and_100_kb_strings_are_stored_or_refused_cleanly() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let mut account = meta_account();
    account["name"] = json!("Robert'); drop table accounts;--");
    account["settings"]["waba_id"] = json!("x".repeat(100_000));
    let response = admin
        .post(relay.url("/api/v1/accounts"))
        .json(&account)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["name"], "Robert'); drop table accounts;--");
    assert_eq!(
        created["settings"]["waba_id"].as_str().unwrap().len(),
        100_000
    );
    account["name"] = json!("n".repeat(100_000));
    let response = admin
        .post(relay.url("/api/v1/accounts"))
        .json(&account)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["field"], "name");
}
