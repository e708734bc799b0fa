//! One contact at a time, over real HTTP to the sandbox: a template goes out, its statuses and
//! the contact's answer come back by webhook (Meta's signed ones, or Kaleyra's callbacks), and
//! the sandbox's caps and failures come back as the providers' codes.

use herald_sandbox::{CallbackStyle, Sandbox, SandboxConfig};
use herald_tests::{TestRelay, eventually};
use serde_json::{Value, json};

const PHONE: &str = "+49 151 2345 6789";
const DIGITS: &str = "4915123456789";

/// A quick sandbox: statuses within milliseconds, every message read and answered.
fn quick(webhook_url: String, style: CallbackStyle) -> SandboxConfig {
    SandboxConfig {
        webhook_url,
        style,
        app_secret: "app-secret".into(),
        callback_token: "callback-token".into(),
        access_token: "token".into(),
        waba_id: "waba-m".into(),
        phone_number_id: "15550001000".into(),
        review_delay_ms: 10,
        sent_after_ms: 5,
        delivered_after_ms: 10,
        read_after_ms: 20,
        read_rate: 1.0,
        reply_rate: 1.0,
        reply_after_ms: 30,
        failure_rate: 0.0,
        ..SandboxConfig::from_env()
    }
}

struct Setup {
    relay: TestRelay,
    admin: reqwest::Client,
    sandbox: Sandbox,
    account: i64,
}

async fn start_sandbox(config: SandboxConfig) -> Sandbox {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    herald_sandbox::start(listener, config).unwrap()
}

/// A relay with a Meta account whose API is a sandbox configured by `configure`.
async fn meta_setup(configure: impl FnOnce(&mut SandboxConfig)) -> Setup {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let mut config = quick(relay.url("/webhooks/meta"), CallbackStyle::Meta);
    configure(&mut config);
    let sandbox = start_sandbox(config).await;
    let account = create_account(&relay, &admin, &json!({
        "name": "Meta", "provider": "meta",
        "settings": {"waba_id": "waba-m", "phone_number_id": "15550001000", "base_url": sandbox.base_url},
        "secrets": {"access_token": "token", "app_secret": "app-secret"}
    }))
    .await;
    Setup {
        relay,
        admin,
        sandbox,
        account,
    }
}

async fn create_account(relay: &TestRelay, admin: &reqwest::Client, input: &Value) -> i64 {
    let response = admin
        .post(relay.url("/api/v1/accounts"))
        .json(input)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let account: Value = response.json().await.unwrap();
    account["id"].as_i64().unwrap()
}

/// Creates `file` in the account, submits it and waits for its approval; returns its id.
async fn approved(setup: &Setup, file: &Value) -> Value {
    let response = setup
        .admin
        .post(
            setup
                .relay
                .url(&format!("/api/v1/accounts/{}/templates", setup.account)),
        )
        .json(file)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let submitted = setup
        .relay
        .submit_template(&setup.admin, &created["id"])
        .await
        .unwrap();
    assert_eq!(submitted.status(), 200);
    setup
        .relay
        .template_status_becomes(&setup.admin, &created["id"], "APPROVED")
        .await
        .unwrap();
    created["id"].clone()
}

fn offer(agents: bool) -> Value {
    json!({
        "name": "offer", "language": "en_US", "category": "MARKETING",
        "components": [
            {"type": "BODY", "text": "Hello {{1}}, shall we call you back?", "example": {"body_text": [["Ann"]]}},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Yes"}, {"type": "QUICK_REPLY", "text": "No"}]}
        ],
        "herald": {"mapping": {"body": {"1": {"field": "first_name"}}}, "available_to_agents": agents}
    })
}

async fn send(setup: &Setup, client: &reqwest::Client, request: &Value) -> reqwest::Response {
    client
        .post(
            setup
                .relay
                .url(&format!("/api/v1/accounts/{}/messages", setup.account)),
        )
        .json(request)
        .send()
        .await
        .unwrap()
}

async fn conversation(setup: &Setup, phone: &str) -> Vec<Value> {
    setup
        .admin
        .get(setup.relay.url(&format!(
            "/api/v1/accounts/{}/messages?phone={phone}",
            setup.account
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Waits until the contact's messages satisfy `done`; returns them.
async fn conversation_when(
    setup: &Setup,
    phone: &str,
    what: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    eventually(what, || async {
        let messages = conversation(setup, phone).await;
        Ok(done(&messages).then_some(messages))
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_template_is_read_and_the_quick_reply_tap_is_stored() {
    let setup = meta_setup(|_| {}).await;
    let template = approved(&setup, &offer(false)).await;
    let response = send(
        &setup,
        &setup.admin,
        &json!({"to": PHONE, "template_id": template, "fields": {"first_name": "Ann"}}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let sent: Value = response.json().await.unwrap();
    assert_eq!(
        (&sent["kind"], &sent["phone"], &sent["body"]),
        (
            &json!("template"),
            &json!(DIGITS),
            &json!("Hello Ann, shall we call you back?")
        )
    );
    let messages = conversation_when(
        &setup,
        DIGITS,
        "the read status and the answer",
        |messages| messages.len() == 2 && messages[1]["status"] == "read",
    )
    .await;
    let answer = &messages[0];
    assert_eq!(
        (&answer["direction"], &answer["kind"], &answer["status"]),
        (&json!("inbound"), &json!("button"), &json!("received"))
    );
    assert!(answer["body"] == "Yes" || answer["body"] == "No");
    assert_eq!(answer["reply_to"], sent["provider_message_id"]);

    let accepted = setup.sandbox.accepted_messages();
    assert_eq!(accepted.len(), 1, "sent once");
    assert_eq!(accepted[0].to, format!("+{DIGITS}"));
    assert_eq!(
        accepted[0].request["template"]["components"][0]["parameters"][0]["text"],
        "Ann"
    );
}

#[tokio::test]
async fn the_inbox_counts_unread_messages_and_an_agent_closes_and_reopens_a_conversation() {
    let setup = meta_setup(|_| {}).await;
    let template = approved(&setup, &offer(false)).await;
    let response = send(
        &setup,
        &setup.admin,
        &json!({"to": PHONE, "template_id": template, "fields": {"first_name": "Ann"}}),
    )
    .await;
    assert_eq!(response.status(), 201);
    conversation_when(&setup, DIGITS, "the answer", |messages| {
        messages
            .iter()
            .any(|message| message["direction"] == "inbound")
    })
    .await;
    let inbox = setup
        .relay
        .url(&format!("/api/v1/accounts/{}/conversations", setup.account));
    let listed: Vec<Value> = setup
        .admin
        .get(&inbox)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(
        (
            &listed[0]["phone"],
            &listed[0]["unread"],
            &listed[0]["open"]
        ),
        (&json!(DIGITS), &json!(1), &json!(true))
    );
    let change = |body: Value, phone: &str| {
        setup
            .admin
            .put(format!("{inbox}/{phone}"))
            .json(&body)
            .send()
    };
    let last = listed[0]["last"]["id"].clone();
    let read = change(json!({"read_through": last, "open": false}), DIGITS)
        .await
        .unwrap();
    assert_eq!(read.status(), 204);
    let listed: Vec<Value> = setup
        .admin
        .get(&inbox)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&listed[0]["unread"], &listed[0]["open"]),
        (&json!(0), &json!(false))
    );
    let reopened = change(json!({"open": true}), DIGITS).await.unwrap();
    assert_eq!(reopened.status(), 204);
    let shown: Value = setup
        .admin
        .get(format!("{inbox}/{DIGITS}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["open"], true);
    let stranger = change(json!({"open": false}), "4915199999999")
        .await
        .unwrap();
    assert_eq!(
        stranger.status(),
        404,
        "no conversation with a contact that never wrote"
    );
    let bad = change(json!({"open": false}), "12").await.unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn a_number_not_on_whatsapp_fails_with_meta_s_reason() {
    let setup =
        meta_setup(|config| config.undeliverable_numbers = vec!["4915100000000".into()]).await;
    let template = approved(&setup, &offer(false)).await;
    let response = send(
        &setup,
        &setup.admin,
        &json!({"to": "+49 151 0000 0000", "template_id": template, "fields": {"first_name": "Bo"}}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let messages = conversation_when(&setup, "4915100000000", "the failure", |messages| {
        messages
            .first()
            .is_some_and(|message| message["status"] == "failed")
    })
    .await;
    assert_eq!(messages[0]["error_code"], 131_026);
    assert_eq!(messages[0]["error_message"], "Message Undeliverable");
}

#[tokio::test]
async fn failures_come_by_the_configured_code_and_rate() {
    let setup = meta_setup(|config| {
        config.failure_rate = 1.0;
        config.failure_code = 131_049;
    })
    .await;
    let template = approved(&setup, &offer(false)).await;
    send(
        &setup,
        &setup.admin,
        &json!({"to": PHONE, "template_id": template, "fields": {"first_name": "Ann"}}),
    )
    .await;
    let messages = conversation_when(&setup, DIGITS, "the failure", |messages| {
        messages
            .first()
            .is_some_and(|message| message["status"] == "failed")
    })
    .await;
    assert_eq!(messages[0]["error_code"], 131_049);
}

#[tokio::test]
async fn the_caps_answer_130429_and_131056() {
    let setup = meta_setup(|config| {
        config.messages_per_second = 3;
        config.pair_burst = 1;
        config.reply_rate = 0.0;
    })
    .await;
    let template = approved(&setup, &offer(false)).await;
    let to = |phone: &str| json!({"to": phone, "template_id": template, "fields": {"first_name": "Ann"}});
    assert_eq!(
        send(&setup, &setup.admin, &to("4915100000001"))
            .await
            .status(),
        201
    );
    let second: Value = send(&setup, &setup.admin, &to("4915100000001"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["code"], "provider_error");
    assert!(
        second["message"].as_str().unwrap().contains("131056"),
        "{second}"
    );
    let mut refusals = Vec::new();
    for index in 2..8 {
        let response = send(&setup, &setup.admin, &to(&format!("49151000000{index:02}"))).await;
        if response.status() == 502 {
            let body: Value = response.json().await.unwrap();
            refusals.push(body["message"].as_str().unwrap().to_owned());
        }
    }
    assert!(
        refusals.iter().any(|message| message.contains("130429")),
        "more than 3 a second are refused: {refusals:?}"
    );
    assert!(setup.sandbox.accepted_messages().len() <= 4);
}

#[tokio::test]
async fn text_needs_an_open_window_and_agents_only_send_their_templates() {
    let setup = meta_setup(|_| {}).await;
    let text = json!({"to": PHONE, "text": "Are you there?"});
    let closed = send(&setup, &setup.admin, &text).await;
    assert_eq!(closed.status(), 409);
    let closed: Value = closed.json().await.unwrap();
    assert_eq!(closed["code"], "window_closed");
    let day = |id: &str, title: &str| json!({"id": id, "title": title});
    let list = json!({"to": PHONE, "list": {"body": "Which day suits you?", "button": "Choose a day",
        "sections": [{"title": "This week", "rows": [day("mon", "Monday"), day("tue", "Tuesday")]},
                     {"title": "Next week", "rows": [day("mon2", "Monday 15th")]}]}});
    let closed_list = send(&setup, &setup.admin, &list).await;
    assert_eq!(closed_list.status(), 409, "a list needs the window too");

    let admin_only = approved(&setup, &offer(false)).await;
    let agent = setup.relay.agent().await.unwrap();
    let mut file = offer(true);
    file["name"] = json!("offer_agents");
    let for_agents = approved(&setup, &file).await;
    let listed = setup
        .relay
        .get_json(
            &agent,
            &format!("/api/v1/accounts/{}/templates", setup.account),
        )
        .await
        .unwrap();
    let names: Vec<&Value> = listed["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|shown| &shown["id"])
        .collect();
    assert_eq!(
        names,
        [&for_agents],
        "agents list only the approved templates available to them"
    );
    let accounts = setup
        .relay
        .get_json(&agent, "/api/v1/accounts")
        .await
        .unwrap();
    assert_eq!(
        (
            &accounts[0]["settings"]["phone_number_id"],
            &accounts[0]["secrets_set"]["access_token"]
        ),
        (&Value::Null, &json!(false)),
        "agents see no provider identifiers or secrets: {accounts}"
    );
    let request = json!({"to": PHONE, "template_id": admin_only, "fields": {"first_name": "Ann"}});
    assert_eq!(send(&setup, &agent, &request).await.status(), 403);
    let missing = send(
        &setup,
        &setup.admin,
        &json!({"to": PHONE, "template_id": admin_only}),
    )
    .await;
    assert_eq!(missing.status(), 400);
    let missing: Value = missing.json().await.unwrap();
    assert_eq!(
        (&missing["code"], &missing["field"]),
        (&json!("value_missing"), &json!("fields"))
    );
    let short: Value = send(&setup, &setup.admin, &json!({"to": "12 34", "text": "hi"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        short["message"],
        "Contact with invalid phone number: 12 34. The phone number should have at least 5 digits."
    );

    assert_eq!(send(&setup, &setup.admin, &request).await.status(), 201);
    conversation_when(&setup, DIGITS, "the answer", |messages| {
        messages
            .iter()
            .any(|message| message["direction"] == "inbound")
    })
    .await;
    let open = send(&setup, &agent, &text).await;
    assert_eq!(open.status(), 201, "the answer opened the window");
    let accepted = setup.sandbox.accepted_messages();
    assert_eq!(
        accepted.last().unwrap().request["text"]["body"],
        "Are you there?"
    );

    // Inside the window an agent may send an interactive list, within Meta's limits.
    let too_many: Vec<Value> = (0..11).map(|n| day(&n.to_string(), "Day")).collect();
    let refused = send(
        &setup,
        &agent,
        &json!({"to": PHONE, "list": {"body": "Pick", "button": "Days",
            "sections": [{"rows": too_many}]}}),
    )
    .await;
    assert_eq!(refused.status(), 400);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(
        (&refused["code"], &refused["field"]),
        (&json!("list_invalid"), &json!("list"))
    );
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("1 to 10 options"),
        "{refused}"
    );
    let sent = send(&setup, &agent, &list).await;
    assert_eq!(sent.status(), 201);
    let sent: Value = sent.json().await.unwrap();
    assert_eq!(
        (&sent["kind"], &sent["body"]),
        (
            &json!("list"),
            &json!("Which day suits you?\n[Choose a day: Monday, Tuesday, Monday 15th]")
        )
    );
    let request = &setup
        .sandbox
        .accepted_messages()
        .last()
        .unwrap()
        .request
        .clone();
    assert_eq!(request["type"], "interactive");
    assert_eq!(request["interactive"]["type"], "list");
    assert_eq!(request["interactive"]["action"]["button"], "Choose a day");
    assert_eq!(
        request["interactive"]["action"]["sections"][1]["rows"][0],
        json!({"id": "mon2", "title": "Monday 15th"})
    );
}

#[tokio::test]
async fn a_status_never_moves_backwards_even_when_it_arrives_first() {
    let setup = meta_setup(|_| {}).await;
    let webhook = |status: &str| {
        json!({"object": "whatsapp_business_account", "entry": [{"id": "waba-m", "changes": [{"field": "messages", "value": {
            "metadata": {"phone_number_id": "15550001000"},
            "statuses": [{"id": "wamid.early", "status": status, "timestamp": "1750000000", "recipient_id": DIGITS}]}}]}]})
        .to_string()
    };
    for status in ["read", "delivered", "sent"] {
        let body = webhook(status);
        let response = setup
            .relay
            .client
            .post(setup.relay.url("/webhooks/meta"))
            .header(
                "x-hub-signature-256",
                herald_sandbox::signature("app-secret", body.as_bytes()),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let messages = conversation(&setup, DIGITS).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(
        (&messages[0]["status"], &messages[0]["kind"]),
        (&json!("read"), &Value::Null),
        "stored before the 200, and read stays read"
    );
}

#[tokio::test]
async fn kaleyra_sends_through_v2_and_reports_by_callback() {
    let relay = TestRelay::spawn().await.unwrap();
    let admin = relay.admin().await.unwrap();
    let placeholder = create_account(
        &relay,
        &admin,
        &json!({
            "name": "Kaleyra", "provider": "kaleyra",
            "settings": {"sid": "HXIN1", "sender_number": "+91 90000 00000", "waba_id": "waba-k"},
            "secrets": {"api_key": "kaleyra-key", "callback_token": "callback-token"}
        }),
    )
    .await;
    let mut config = quick(
        relay.url(&format!("/webhooks/kaleyra/{placeholder}")),
        CallbackStyle::Kaleyra,
    );
    config.access_token = "kaleyra-key".into();
    config.waba_id = "waba-k".into();
    config.phone_number_id = "919000000000".into();
    config.undeliverable_numbers = vec!["919811111111".into()];
    let sandbox = start_sandbox(config).await;
    // The SID names the account in Kaleyra's paths; the sandbox answers to its WABA id there.
    let update = json!({
        "name": "Kaleyra", "provider": "kaleyra",
        "settings": {"sid": "waba-k", "sender_number": "+91 90000 00000", "waba_id": "waba-k", "base_url": sandbox.kaleyra_base_url},
    });
    let updated = admin
        .put(relay.url(&format!("/api/v1/accounts/{placeholder}")))
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);
    let setup = Setup {
        relay,
        admin,
        sandbox,
        account: placeholder,
    };
    let template = approved(&setup, &offer(false)).await;

    let good = send(
        &setup,
        &setup.admin,
        &json!({"to": "+91 98222 22222", "template_id": template, "fields": {"first_name": "Asha"}}),
    )
    .await;
    assert_eq!(good.status(), 201);
    let messages = conversation_when(
        &setup,
        "919822222222",
        "Kaleyra's read callback and the answer",
        |messages| messages.len() == 2 && messages[1]["status"] == "read",
    )
    .await;
    assert_eq!(messages[0]["direction"], "inbound");
    let request = &setup.sandbox.accepted_messages()[0].request;
    assert_eq!(
        request["template"]["name"], "offer",
        "Meta's message object, as messaging_object"
    );

    send(
        &setup,
        &setup.admin,
        &json!({"to": "+91 98111 11111", "template_id": template, "fields": {"first_name": "Ravi"}}),
    )
    .await;
    let failed = conversation_when(&setup, "919811111111", "the failure callback", |messages| {
        messages
            .first()
            .is_some_and(|message| message["status"] == "failed")
    })
    .await;
    assert_eq!(
        failed[0]["error_message"],
        "'To' number invalid or WhatsApp account does not exist"
    );

    let callback = setup.relay.url(&format!("/webhooks/kaleyra/{placeholder}"));
    let forged = setup
        .relay
        .client
        .post(&callback)
        .header("x-herald-token", "guess")
        .body(r#"{"messages": []}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let unknown = setup
        .relay
        .client
        .post(setup.relay.url("/webhooks/kaleyra/999"))
        .header("x-herald-token", "callback-token")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let malformed = setup
        .relay
        .client
        .post(&callback)
        .header("x-herald-token", "callback-token")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
}

#[tokio::test]
async fn test_connection_says_what_the_provider_answered_check_by_check() {
    let setup = meta_setup(|_| {}).await;
    let test = |account: i64| {
        let url = setup.relay.url(&format!("/api/v1/accounts/{account}/test"));
        let admin = setup.admin.clone();
        async move {
            let response = admin.post(url).send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, report) = test(setup.account).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["checks"][0]["field"], "phone_number_id");
    assert!(
        report["checks"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("quality GREEN"),
        "{report}"
    );
    assert!(setup.sandbox.accepted_messages().is_empty(), "nothing sent");

    // A wrong token and a wrong number: each check says what Meta answered and what it means.
    let wrong = create_account(&setup.relay, &setup.admin, &json!({
        "name": "Wrong", "provider": "meta",
        "settings": {"waba_id": "waba-m", "phone_number_id": "15550009999", "base_url": setup.sandbox.base_url},
        "secrets": {"access_token": "not-the-token", "app_secret": "app-secret"}
    }))
    .await;
    let (status, report) = test(wrong).await;
    assert_eq!(status, 200);
    assert_eq!(report["ok"], false);
    let detail = report["checks"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("error 190"), "{detail}");
    assert!(detail.contains("The access token expired"), "{detail}");
    assert_eq!(report["checks"][1]["ok"], false, "{report}");

    let kaleyra = create_account(&setup.relay, &setup.admin, &json!({
        "name": "K", "provider": "kaleyra",
        "settings": {"sid": "sid", "sender_number": "+1 555 000 1000", "waba_id": "w", "base_url": setup.sandbox.base_url},
        "secrets": {"api_key": "key"}
    }))
    .await;
    let (status, refused) = test(kaleyra).await;
    assert_eq!(
        (status, &refused["code"]),
        (409, &json!("provider_unsupported")),
        "{refused}"
    );
}
