//! Meta webhooks: verification handshake, signatures, replays, unknown numbers, size limit.

use herald_sandbox::SandboxConfig;
use herald_tests::TestRelay;
use serde_json::{Value, json};

const APP_SECRET: &str = "webhook-app-secret";

async fn meta_account(relay: &TestRelay, admin: &reqwest::Client) -> i64 {
    let account: Value = admin
        .post(relay.url("/api/v1/accounts"))
        .json(&json!({
            "name": "Meta", "provider": "meta",
            "settings": {"waba_id": "waba-9", "phone_number_id": "phone-9", "base_url": "http://127.0.0.1:9"},
            "secrets": {"access_token": "t", "app_secret": APP_SECRET, "verify_token": "let-me-in"}
        }))
        .send().await.unwrap().json().await.unwrap();
    account["id"].as_i64().unwrap()
}

fn status_event(template_id: &str, event: &str) -> String {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "waba-9", "time": 1, "changes": [{
        "field": "message_template_status_update",
        "value": {"event": event, "message_template_id": template_id.parse::<u64>().unwrap(), "message_template_name": "t",
                  "message_template_language": "en-US", "reason": if event == "REJECTED" { "PROMOTIONAL" } else { "NONE" }}
    }]}]})
    .to_string()
}

async fn post(relay: &TestRelay, body: &str, signature: Option<String>) -> reqwest::Response {
    let mut request = relay
        .client
        .post(relay.url("/webhooks/meta"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(signature) = signature {
        request = request.header("x-hub-signature-256", signature);
    }
    request.send().await.unwrap()
}

/// A template of the account whose provider id is known, as if it had been submitted.
async fn submitted_template(
    relay: &TestRelay,
    admin: &reqwest::Client,
    account: i64,
) -> (Value, String) {
    let created: Value = admin
        .post(relay.url(&format!("/api/v1/accounts/{account}/templates")))
        .json(
            &json!({"name": "t", "language": "en_US", "category": "MARKETING",
            "components": [{"type": "BODY", "text": "Hello there, your order has shipped."}]}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The provider id comes from a real submission to a sandbox whose review never arrives (an
    // hour away), so only the events this test posts change the template's status.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = herald_sandbox::start(
        listener,
        SandboxConfig {
            webhook_url: "http://127.0.0.1:9/unused".into(),
            app_secret: APP_SECRET.into(),
            access_token: "t".into(),
            waba_id: "waba-9".into(),
            phone_number_id: "phone-9".into(),
            review_delay_ms: 3_600_000,
            reject_patterns: Vec::new(),
            ..SandboxConfig::from_env()
        },
    )
    .unwrap();
    let account_url = relay.url(&format!("/api/v1/accounts/{account}"));
    let mut settings: Value = admin
        .get(&account_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    settings["settings"]["base_url"] = json!(sandbox.base_url);
    settings["secrets"] = json!({});
    admin
        .put(&account_url)
        .json(&settings)
        .send()
        .await
        .unwrap();
    let submitted: Value = relay
        .submit_template(admin, &created["id"])
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let provider_id = submitted["provider_template_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (created, provider_id)
}

#[tokio::test]
async fn the_verification_handshake_echoes_the_challenge_only_for_the_right_token() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    meta_account(&relay, &admin).await;
    let ok = relay
        .client
        .get(relay.url(
            "/webhooks/meta?hub.mode=subscribe&hub.verify_token=let-me-in&hub.challenge=1158201444",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    let wrong = relay
        .client
        .get(relay.url("/webhooks/meta?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
}

#[tokio::test]
async fn signed_status_events_apply_and_replays_have_no_second_effect() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let account = meta_account(&relay, &admin).await;
    let (created, provider_id) = submitted_template(&relay, &admin, account).await;
    let url = relay.url(&format!("/api/v1/templates/{}", created["id"]));

    let rejected = status_event(&provider_id, "REJECTED");
    let signed_rejected = Some(herald_sandbox::signature(APP_SECRET, rejected.as_bytes()));
    let response = post(&relay, &rejected, signed_rejected.clone()).await;
    assert_eq!(response.status(), 200);
    let shown = relay
        .template_status_becomes(&admin, &created["id"], "REJECTED")
        .await
        .unwrap();
    assert_eq!(shown["rejection_reason"], "PROMOTIONAL");

    let approved = status_event(&provider_id, "APPROVED");
    post(
        &relay,
        &approved,
        Some(herald_sandbox::signature(APP_SECRET, approved.as_bytes())),
    )
    .await;
    relay
        .template_status_becomes(&admin, &created["id"], "APPROVED")
        .await
        .unwrap();
    let replay = post(&relay, &rejected, signed_rejected).await;
    assert_eq!(replay.status(), 200, "a replay is acknowledged");
    let metrics = relay
        .client
        .get(relay.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"herald_webhooks_total{provider="meta",outcome="replayed"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"herald_webhooks_total{provider="meta",outcome="stored"} 2"#),
        "{metrics}"
    );
    let shown: Value = admin.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        shown["status"], "APPROVED",
        "the replay was not stored, so nothing re-applies it"
    );
}

#[tokio::test]
async fn a_wrong_or_missing_signature_is_401_and_changes_nothing() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let account = meta_account(&relay, &admin).await;
    let (created, provider_id) = submitted_template(&relay, &admin, account).await;
    let event = status_event(&provider_id, "REJECTED");
    for signature in [
        None,
        Some(herald_sandbox::signature(
            "not-the-secret",
            event.as_bytes(),
        )),
        Some("sha256=00".to_owned()),
    ] {
        let response = post(&relay, &event, signature).await;
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "signature_invalid");
    }
    let shown: Value = admin
        .get(relay.url(&format!("/api/v1/templates/{}", created["id"])))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["status"], "PENDING");
    let good = post(
        &relay,
        &event,
        Some(herald_sandbox::signature(APP_SECRET, event.as_bytes())),
    )
    .await;
    assert_eq!(
        good.status(),
        200,
        "the refused attempts stored nothing, so this is no replay"
    );
    relay
        .template_status_becomes(&admin, &created["id"], "REJECTED")
        .await
        .unwrap();
}

#[tokio::test]
async fn unknown_numbers_are_acknowledged_malformed_json_is_400_and_big_bodies_413() {
    let relay = TestRelay::spawn().await.unwrap();
    let unknown = json!({"object": "whatsapp_business_account", "entry": [{"id": "nobody", "changes": [{"field": "messages",
        "value": {"metadata": {"phone_number_id": "nobody"}, "statuses": []}}]}]}).to_string();
    assert_eq!(post(&relay, &unknown, None).await.status(), 200);
    let malformed = post(&relay, "{\"entry\": [", None).await;
    assert_eq!(malformed.status(), 400);
    let body: Value = malformed.json().await.unwrap();
    assert_eq!(body["code"], "invalid_json");
    let big = format!("{{\"padding\": \"{}\"}}", "x".repeat(3 * 1024 * 1024 + 1));
    assert_eq!(post(&relay, &big, None).await.status(), 413);
}
