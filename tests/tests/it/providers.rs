//! Templates go to the provider over real HTTP (the sandbox speaks Meta's wire format) and their
//! review comes back as a signed webhook.

use herald_sandbox::SandboxConfig;
use herald_tests::{TestRelay, eventually};
use serde_json::{Value, json};

/// A Meta account of `relay` whose API is a sandbox of its own (changed by `configure`);
/// returns the sandbox and the account's id.
pub(crate) async fn sandboxed_meta_account(
    relay: &TestRelay,
    admin: &reqwest::Client,
    configure: impl FnOnce(&mut SandboxConfig),
) -> (herald_sandbox::Sandbox, i64) {
    let mut config = SandboxConfig {
        webhook_url: relay.url("/webhooks/meta"),
        app_secret: "meta-app-secret".into(),
        access_token: "meta-token".into(),
        waba_id: "waba-1".into(),
        phone_number_id: "15550002000".into(),
        review_delay_ms: 20,
        reject_patterns: Vec::new(),
        ..SandboxConfig::from_env()
    };
    configure(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = herald_sandbox::start(listener, config).unwrap();
    let account: Value = admin
        .post(relay.url("/api/v1/accounts"))
        .json(&json!({
            "name": "Meta (sandboxed)", "provider": "meta",
            "settings": {"waba_id": "waba-1", "phone_number_id": "15550002000", "base_url": sandbox.base_url},
            "secrets": {"access_token": "meta-token", "app_secret": "meta-app-secret", "verify_token": "v"}
        }))
        .send().await.unwrap().json().await.unwrap();
    (sandbox, account["id"].as_i64().unwrap())
}

fn template(name: &str, body: &str) -> Value {
    json!({
        "name": name, "language": "en_US", "category": "MARKETING",
        "components": [{"type": "BODY", "text": body, "example": {"body_text": [["Ann"]]}}]
    })
}

async fn create(relay: &TestRelay, admin: &reqwest::Client, account: i64, file: &Value) -> Value {
    let response = admin
        .post(relay.url(&format!("/api/v1/accounts/{account}/templates")))
        .json(file)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_submitted_template_is_approved_by_the_sandbox_webhook() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let account = relay.sandbox_account_id(&admin).await.unwrap();
    let created = create(
        &relay,
        &admin,
        account,
        &template("welcome", "Hello {{1}}, welcome to our shop."),
    )
    .await;

    let submitted = relay.submit_template(&admin, &created["id"]).await.unwrap();
    assert_eq!(submitted.status(), 200);
    let submitted: Value = submitted.json().await.unwrap();
    assert_eq!(submitted["status"], "PENDING");
    assert!(submitted["provider_template_id"].as_str().is_some());

    relay
        .template_status_becomes(&admin, &created["id"], "APPROVED")
        .await
        .unwrap();
    let again = relay.submit_template(&admin, &created["id"]).await.unwrap();
    assert_eq!(
        again.status(),
        200,
        "an approved template may be edited and resubmitted"
    );
}

#[tokio::test]
async fn a_rejection_carries_the_reason() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let account = relay.sandbox_account_id(&admin).await.unwrap();
    let created = create(
        &relay,
        &admin,
        account,
        &template("refused", "Hello {{1}}, REJECT ME please now."),
    )
    .await;
    relay.submit_template(&admin, &created["id"]).await.unwrap();
    let rejected = relay
        .template_status_becomes(&admin, &created["id"], "REJECTED")
        .await
        .unwrap();
    assert_eq!(rejected["rejection_reason"], "INVALID_FORMAT");
}

#[tokio::test]
async fn a_refusal_at_submission_names_the_part_it_concerns() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let account = relay.sandbox_account_id(&admin).await.unwrap();
    let created = create(
        &relay,
        &admin,
        account,
        &template("refused_at_once", "Hello {{1}}, REFUSE ME please now."),
    )
    .await;
    let answer = relay.submit_template(&admin, &created["id"]).await.unwrap();
    assert_eq!(answer.status(), 502);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["code"], "provider_error");
    assert_eq!(body["diagnostics"].as_array().map(Vec::len), Some(1));
    let finding = &body["diagnostics"][0];
    assert_eq!(finding["code"], "provider_refused");
    assert_eq!(
        finding["component"], "BODY",
        "Meta's subcode 2388072 is about the body"
    );
    assert_eq!(
        finding["message"],
        "The message body is not formatted correctly."
    );
    assert_eq!(finding["severity"], "error");
}

#[tokio::test]
async fn a_meta_account_talks_to_its_configured_base_url_and_syncs() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let (sandbox, account) =
        sandboxed_meta_account(&relay, &admin, |config| config.template_library = false).await;
    let mut ids = Vec::new();
    for index in 0..3 {
        let created = create(
            &relay,
            &admin,
            account,
            &template(&format!("t{index}"), "Hello {{1}}, your order has shipped."),
        )
        .await;
        let response = relay.submit_template(&admin, &created["id"]).await.unwrap();
        assert_eq!(response.status(), 200);
        ids.push(created["id"].clone());
    }
    for id in &ids {
        relay
            .template_status_becomes(&admin, id, "APPROVED")
            .await
            .unwrap();
    }
    assert_eq!(sandbox.templates().len(), 3);
    let report: Value = admin
        .post(relay.url(&format!("/api/v1/accounts/{account}/templates/sync")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        report,
        json!({"listed": 3, "imported": 0, "updated": 0, "unreadable": []})
    );
}

#[tokio::test]
async fn provider_refusals_come_back_with_the_providers_code() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let account: Value = admin
        .post(relay.url("/api/v1/accounts"))
        .json(&json!({
            "name": "Wrong token", "provider": "sandbox",
            "settings": {"waba_id": "w", "phone_number_id": "p"},
            "secrets": {"access_token": "t", "app_secret": "s"}
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let account = account["id"].as_i64().unwrap();
    let created = create(
        &relay,
        &admin,
        account,
        &template("dup", "Hello {{1}}, your order has shipped."),
    )
    .await;
    let first = relay.submit_template(&admin, &created["id"]).await.unwrap();
    assert_eq!(first.status(), 200);
    let second = create(
        &relay,
        &admin,
        account,
        &template("dup", "Hello {{1}}, your parcel is on its way."),
    )
    .await;
    let response = relay.submit_template(&admin, &second["id"]).await.unwrap();
    assert_eq!(response.status(), 502);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "provider_error");
    assert!(
        body["message"].as_str().unwrap().contains("already exists"),
        "{body}"
    );
}

#[tokio::test]
async fn a_lost_webhook_is_caught_up_by_the_periodic_sync() {
    let relay = TestRelay::spawn_with(|settings| settings.template_sync_seconds = 1)
        .await
        .unwrap();
    let admin = relay.admin().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = herald_sandbox::start(
        listener,
        SandboxConfig {
            // Nothing listens here: every review webhook is lost.
            webhook_url: "http://127.0.0.1:9/webhooks/meta".into(),
            app_secret: "s".into(),
            access_token: "t".into(),
            waba_id: "w".into(),
            phone_number_id: "p".into(),
            review_delay_ms: 10,
            reject_patterns: Vec::new(),
            ..SandboxConfig::from_env()
        },
    )
    .unwrap();
    let account: Value = admin
        .post(relay.url("/api/v1/accounts"))
        .json(&json!({"name": "Lossy", "provider": "meta",
            "settings": {"waba_id": "w", "phone_number_id": "p", "base_url": sandbox.base_url},
            "secrets": {"access_token": "t", "app_secret": "s"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let created = create(
        &relay,
        &admin,
        account["id"].as_i64().unwrap(),
        &template("lossy", "Hello {{1}}, your order has shipped."),
    )
    .await;
    relay.submit_template(&admin, &created["id"]).await.unwrap();
    relay
        .template_status_becomes(&admin, &created["id"], "APPROVED")
        .await
        .unwrap();
}

/// The Meta adapter's message and clean-up calls, over HTTP against the sandbox, whose log of
/// accepted messages shows exactly what was sent.
#[tokio::test]
async fn the_meta_adapter_sends_templates_and_text_marks_read_and_deletes() {
    use relay::providers::meta::{MetaClient, TemplateMessage, text_object};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = herald_sandbox::start(
        listener,
        SandboxConfig {
            webhook_url: "http://127.0.0.1:9/webhooks/meta".into(),
            app_secret: "s".into(),
            access_token: "token".into(),
            waba_id: "waba".into(),
            phone_number_id: "phone".into(),
            review_delay_ms: 10,
            reject_patterns: Vec::new(),
            template_library: false,
            ..SandboxConfig::from_env()
        },
    )
    .unwrap();
    let http = MetaClient::http_client().unwrap();
    let client = MetaClient::new(http.clone(), &sandbox.base_url, "token");
    let file: herald_templates::Template =
        serde_json::from_value(template("hello", "Hello {{1}}, your order has shipped.")).unwrap();
    let created = client.create_template("waba", &file).await.unwrap();
    eventually("the sandbox approving the template", || async {
        Ok(sandbox
            .templates()
            .iter()
            .any(|t| t.name == "hello" && t.status == "APPROVED")
            .then_some(()))
    })
    .await
    .unwrap();

    let components = [json!({"type": "body", "parameters": [{"type": "text", "text": "Ann"}]})];
    let message = TemplateMessage {
        sender: "phone",
        to: "393402211333",
        name: "hello",
        language: "en_US",
        components: &components,
        callback_data: Some("hopper:7"),
    };
    let sent = client.send_template(&message).await.unwrap();
    assert!(sent.id.starts_with("wamid."));
    assert_eq!(sent.message_status.as_deref(), Some("accepted"));
    let text = client
        .send_object(
            "phone",
            &text_object("393402211333", "Thanks for your answer"),
        )
        .await
        .unwrap();
    client.mark_read("phone", "wamid.inbound1").await.unwrap();

    let log = sandbox.accepted_messages();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[0].wamid.as_str(), log[0].to.as_str()),
        (sent.id.as_str(), "+393402211333")
    );
    assert_eq!(log[0].request["biz_opaque_callback_data"], "hopper:7");
    assert_eq!(
        log[0].request["template"]["components"][0]["parameters"][0]["text"],
        "Ann"
    );
    assert_eq!(
        (
            log[1].wamid.as_str(),
            log[1].request["text"]["body"].as_str()
        ),
        (text.id.as_str(), Some("Thanks for your answer"))
    );

    let unknown = TemplateMessage {
        name: "nope",
        ..message
    };
    let refused = client.send_template(&unknown).await.unwrap_err();
    assert_eq!(
        (refused.http_status, refused.code),
        (Some(404), Some(132_001))
    );
    assert_eq!(refused.class(), herald_domain::ErrorClass::TemplateStop);
    let wrong_token = MetaClient::new(http, &sandbox.base_url, "stolen");
    assert_eq!(
        wrong_token
            .send_object("phone", &text_object("1", "x"))
            .await
            .unwrap_err()
            .code,
        Some(190)
    );

    client
        .delete_template("waba", "hello", &created.id)
        .await
        .unwrap();
    assert!(sandbox.templates().is_empty());
    assert_eq!(
        sandbox.accepted_messages().len(),
        2,
        "refused sends are not in the log"
    );
}
