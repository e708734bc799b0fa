//! The templates API: every write re-validated by the template core, soft delete, filters.

use herald_tests::TestRelay;
use serde_json::{Value, json};

fn template(name: &str, body: &str) -> Value {
    json!({
        "name": name, "language": "en_US", "category": "MARKETING",
        "components": [{"type": "BODY", "text": body, "example": {"body_text": [["Ann"]]}}],
        "herald": {"available_to_agents": true}
    })
}

async fn sandbox_account(relay: &TestRelay, admin: &reqwest::Client) -> i64 {
    relay.sandbox_account_id(admin).await.unwrap()
}

#[tokio::test]
async fn a_valid_template_is_stored_as_a_draft_and_exported_unchanged() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let account = sandbox_account(&relay, &admin).await;
    let file = template("order_update", "Hello {{1}}, your order has shipped today.");
    let response = admin
        .post(relay.url(&format!("/api/v1/accounts/{account}/templates")))
        .json(&file)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(
        (created["status"].as_str(), created["quality"].as_str()),
        (Some("DRAFT"), Some("UNKNOWN"))
    );
    let exported: Value = admin
        .get(relay.url(&format!("/api/v1/templates/{}/file", created["id"])))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(exported, file);
}

#[tokio::test]
async fn an_invalid_template_is_refused_with_every_diagnostic() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let account = sandbox_account(&relay, &admin).await;
    let mut file = template("Bad Name", "{{1}} {{3}}");
    file["category"] = json!("UTILITY");
    let response = admin
        .post(relay.url(&format!("/api/v1/accounts/{account}/templates")))
        .json(&file)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "template_invalid");
    let codes: Vec<&str> = body["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    for expected in [
        "name_invalid",
        "variables_not_sequential",
        "variable_at_edge",
        "variables_adjacent",
    ] {
        assert!(
            codes.contains(&expected),
            "{expected} missing from {codes:?}"
        );
    }
}

#[tokio::test]
async fn a_duplicate_name_is_a_warning_not_a_refusal() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let account = sandbox_account(&relay, &admin).await;
    let url = relay.url(&format!("/api/v1/accounts/{account}/templates"));
    admin
        .post(&url)
        .json(&template(
            "same",
            "Hello {{1}}, your order has shipped today.",
        ))
        .send()
        .await
        .unwrap();
    let response = admin
        .post(&url)
        .json(&template(
            "same",
            "Hello {{1}}, your parcel is on its way now.",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["warnings"][0]["code"], "name_duplicate");
}

#[tokio::test]
async fn deleted_templates_move_to_the_deleted_filter_and_cannot_be_edited() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let account = sandbox_account(&relay, &admin).await;
    let url = relay.url(&format!("/api/v1/accounts/{account}/templates"));
    let kept: Value = admin
        .post(&url)
        .json(&template(
            "kept",
            "Hello {{1}}, your order has shipped today.",
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let gone: Value = admin
        .post(&url)
        .json(&template(
            "gone",
            "Hello {{1}}, your invoice is ready today.",
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let gone_url = relay.url(&format!("/api/v1/templates/{}", gone["id"]));
    assert_eq!(admin.delete(&gone_url).send().await.unwrap().status(), 204);

    let names = |list: Value| -> Vec<String> {
        list["templates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["template"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let default: Value = admin.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (
            names(default.clone()),
            default["count"].as_u64(),
            default["limit"].as_u64()
        ),
        (vec!["kept".to_owned()], Some(1), Some(250))
    );
    let deleted: Value = admin
        .get(format!("{url}?filter=deleted"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(names(deleted.clone()), ["gone"]);
    assert_eq!(deleted["templates"][0]["deleted"], true);
    let all: Value = admin
        .get(format!("{url}?filter=all"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(names(all), ["kept", "gone"]);
    let bad_filter = admin
        .get(format!("{url}?filter=everything"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_filter.status(), 400);

    let edit = admin
        .put(&gone_url)
        .json(&template("gone", "Hello {{1}}, changed text for you."))
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status(), 409);
    let body: Value = edit.json().await.unwrap();
    assert_eq!(body["code"], "template_deleted");
    assert_eq!(admin.get(&gone_url).send().await.unwrap().status(), 200);
    let _ = kept;
}

#[tokio::test]
async fn an_edit_is_validated_again() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let account = sandbox_account(&relay, &admin).await;
    let created: Value = admin
        .post(relay.url(&format!("/api/v1/accounts/{account}/templates")))
        .json(&template(
            "editable",
            "Hello {{1}}, your order has shipped today.",
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = relay.url(&format!("/api/v1/templates/{}", created["id"]));
    let refused = admin
        .put(&url)
        .json(&template("editable", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let mut mapped = template("editable", "Hello {{1}}, your order has shipped today.");
    mapped["herald"]["mapping"] = json!({"body": {"1": {"field": "first_name"}}});
    let updated: Value = admin
        .put(&url)
        .json(&mapped)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        updated["template"]["herald"]["mapping"]["body"]["1"]["field"],
        "first_name"
    );
}

#[tokio::test]
async fn oversized_bodies_are_413_and_unknown_templates_404() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let account = sandbox_account(&relay, &admin).await;
    let huge = template("huge", &"a".repeat(2 * 1024 * 1024));
    let response = admin
        .post(relay.url(&format!("/api/v1/accounts/{account}/templates")))
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "payload_too_large");
    let missing = admin
        .get(relay.url("/api/v1/templates/999999"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let missing: Value = missing.json().await.unwrap();
    assert_eq!(missing["code"], "not_found");
}
