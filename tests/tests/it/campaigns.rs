//! Campaigns end to end, over real HTTP to the sandbox provider: contacts imported from CSV,
//! the hopper sending each contact once, and each seed scenario of SPEC section 5 followed to
//! the contact's outcome. Time is the relay's injected clock, so response timeouts of days take
//! milliseconds.

use std::sync::Arc;

use herald_domain::{HopperState, PAIR_INTERVAL_MS};
use herald_sandbox::{CallbackStyle, Sandbox, SandboxConfig};
use herald_tests::{TestRelay, eventually};
use relay::clock::{Clock, ManualClock};
use serde_json::{Value, json};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

struct Setup {
    relay: TestRelay,
    /// Signed in again whenever the clock passes the session's lifetime.
    admin: std::sync::Mutex<reqwest::Client>,
    sandbox: Sandbox,
    account: i64,
    clock: Arc<ManualClock>,
}

fn real_now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// A relay on a manual clock with a Meta account whose API is a quick sandbox: statuses within
/// milliseconds, answers as `reply_rate` says.
async fn setup(reply_rate: f64) -> Setup {
    setup_with(CallbackStyle::Meta, |config| config.reply_rate = reply_rate).await
}

/// A relay on a manual clock with an account of the provider `style` names, whose API is a
/// quick sandbox changed by `configure`.
async fn setup_with(style: CallbackStyle, configure: impl FnOnce(&mut SandboxConfig)) -> Setup {
    setup_with_relay(style, |_| {}, configure).await
}

/// Like [`setup_with`], with the relay's settings changed by `relay_settings` too.
async fn setup_with_relay(
    style: CallbackStyle,
    relay_settings: impl FnOnce(&mut relay::config::Settings),
    configure: impl FnOnce(&mut SandboxConfig),
) -> Setup {
    let clock = Arc::new(ManualClock::new(real_now()));
    let relay = TestRelay::spawn_with_clock(relay_settings, clock.clone())
        .await
        .unwrap();
    let admin = relay.admin().await.unwrap();
    let (provider, settings, secrets) = match style {
        CallbackStyle::Meta => (
            "meta",
            json!({"waba_id": "waba-m", "phone_number_id": "15550001000"}),
            json!({"access_token": "token", "app_secret": "app-secret"}),
        ),
        CallbackStyle::Kaleyra => (
            "kaleyra",
            json!({"sid": "waba-m", "sender_number": "+1 555 000 1000", "waba_id": "waba-m"}),
            json!({"api_key": "token", "callback_token": "callback-token"}),
        ),
    };
    let created: Value = admin
        .post(relay.url("/api/v1/accounts"))
        .json(&json!({"name": "Provider", "provider": provider, "settings": settings, "secrets": secrets}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let account = created["id"].as_i64().unwrap();
    let webhook_url = match style {
        CallbackStyle::Meta => relay.url("/webhooks/meta"),
        CallbackStyle::Kaleyra => relay.url(&format!("/webhooks/kaleyra/{account}")),
    };
    let mut config = SandboxConfig {
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
        reply_rate: 0.0,
        reply_after_ms: 30,
        failure_rate: 0.0,
        ..SandboxConfig::from_env()
    };
    configure(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox = herald_sandbox::start(listener, config).unwrap();
    let base_url = match style {
        CallbackStyle::Meta => &sandbox.base_url,
        CallbackStyle::Kaleyra => &sandbox.kaleyra_base_url,
    };
    let mut settings = settings;
    settings["base_url"] = json!(base_url);
    let updated = admin
        .put(relay.url(&format!("/api/v1/accounts/{account}")))
        .json(&json!({"name": "Provider", "provider": provider, "settings": settings}))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);
    Setup {
        account,
        relay,
        admin: std::sync::Mutex::new(admin),
        sandbox,
        clock,
    }
}

impl Setup {
    fn admin(&self) -> reqwest::Client {
        self.admin.lock().unwrap().clone()
    }

    /// Moves the relay's clock forward, and signs in again (sessions expire on that clock).
    async fn advance(&self, ms: i64) {
        self.clock.advance(ms);
        let admin = self.relay.admin().await.unwrap();
        *self.admin.lock().unwrap() = admin;
    }

    async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .admin()
            .post(self.relay.url(path))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> Value {
        self.admin()
            .get(self.relay.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Creates `file`, submits it and waits for its approval; returns its id.
    async fn approved_template(&self, file: &Value) -> i64 {
        let (status, created) = self
            .post(
                &format!("/api/v1/accounts/{}/templates", self.account),
                file,
            )
            .await;
        assert_eq!(status, 201, "{created}");
        let submitted = self
            .relay
            .submit_template(&self.admin(), &created["id"])
            .await
            .unwrap();
        assert_eq!(submitted.status(), 200);
        self.relay
            .template_status_becomes(&self.admin(), &created["id"], "APPROVED")
            .await
            .unwrap();
        created["id"].as_i64().unwrap()
    }

    /// A new list holding the contacts of `csv`; returns its id and the import report.
    async fn list_from_csv(&self, name: &str, csv: &str) -> (i64, Value) {
        let (status, list) = self
            .post(
                &format!("/api/v1/accounts/{}/lists", self.account),
                &json!({"name": name}),
            )
            .await;
        assert_eq!(status, 201, "{list}");
        let id = list["id"].as_i64().unwrap();
        let response = self
            .admin()
            .post(self.relay.url(&format!("/api/v1/lists/{id}/import")))
            .header("content-type", "text/csv")
            .body(csv.to_owned())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        (id, response.json().await.unwrap())
    }

    async fn campaign(&self, settings: Value) -> i64 {
        let (status, campaign) = self
            .post(
                &format!("/api/v1/accounts/{}/campaigns", self.account),
                &settings,
            )
            .await;
        assert_eq!(status, 201, "{campaign}");
        campaign["id"].as_i64().unwrap()
    }

    /// Opens `campaign`'s live progress (server-sent events), as the campaign page does.
    async fn progress_stream(&self, campaign: i64) -> reqwest::Response {
        self.admin()
            .get(
                self.relay
                    .url(&format!("/api/v1/campaigns/{campaign}/events")),
            )
            .send()
            .await
            .unwrap()
    }

    /// Waits until the hopper row of `phone` in `campaign` satisfies `wanted`; returns it.
    async fn row_becomes(
        &self,
        campaign: i64,
        phone: &str,
        wanted: impl Fn(&Value) -> bool,
    ) -> Value {
        eventually(&format!("the hopper row of {phone}"), || async {
            let rows = self
                .get(&format!("/api/v1/campaigns/{campaign}/hopper?limit=1000"))
                .await;
            Ok(rows
                .as_array()
                .unwrap_or_else(|| panic!("the hopper: {rows}"))
                .iter()
                .find(|row| row["phone"] == phone && wanted(row))
                .cloned())
        })
        .await
        .unwrap()
    }

    /// Asks for a campaign of `template` and expects the refusal `mapping_incomplete`; returns
    /// its message.
    async fn refused_for_its_mapping(&self, template: i64) -> String {
        let (status, refused) = self
            .post(
                &format!("/api/v1/accounts/{}/campaigns", self.account),
                &json!({"name": "X", "template_id": template}),
            )
            .await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (400, Some("mapping_incomplete")),
            "{refused}"
        );
        let (draft_status, draft_refused) = self
            .post(
                &format!("/api/v1/accounts/{}/campaigns/dry-run", self.account),
                &json!({"name": "X", "template_id": template}),
            )
            .await;
        assert_eq!(
            (draft_status, &draft_refused["message"]),
            (400, &refused["message"]),
            "the dry run before launch refuses it the same way"
        );
        refused["message"].as_str().unwrap().to_owned()
    }

    async fn status_becomes(&self, campaign: i64, wanted: &str) -> Value {
        eventually(
            &format!("campaign {campaign} becoming {wanted}"),
            || async {
                let shown = self.get(&format!("/api/v1/campaigns/{campaign}")).await;
                Ok((shown["status"] == wanted).then_some(shown))
            },
        )
        .await
        .unwrap()
    }

    /// How many times the sandbox accepted a message to `phone`.
    fn sends_to(&self, phone: &str) -> usize {
        self.sandbox
            .accepted_messages()
            .iter()
            .filter(|message| message.to.trim_start_matches('+') == phone)
            .count()
    }

    /// Waits until the campaign engine has made `rounds` more passes: what it would do after a
    /// change is done then, so a test can assert that something did not happen.
    async fn engine_rounds(&self, rounds: u64) {
        let count = || async {
            let text = self
                .relay
                .client
                .get(self.relay.url("/metrics"))
                .send()
                .await?
                .text()
                .await?;
            text.lines()
                .find_map(|line| line.strip_prefix("herald_campaign_rounds_total "))
                .and_then(|value| value.trim().parse::<u64>().ok())
                .ok_or_else(|| anyhow::anyhow!("no campaign_rounds in /metrics"))
        };
        let start = count().await.unwrap();
        eventually("the campaign engine's next rounds", || async {
            Ok((count().await? >= start + rounds).then_some(()))
        })
        .await
        .unwrap();
    }

    /// Moves the clock an hour at a time until `done` holds (backoffs and waits pass).
    async fn advance_until(&self, what: &str, done: impl AsyncFn(&Self) -> bool) {
        for _ in 0..200 {
            if done(self).await {
                return;
            }
            self.advance(3_600_000).await;
            self.engine_rounds(1).await;
        }
        panic!("{what} did not happen within 200 hours of the relay's clock");
    }

    /// The provider says the template's status changed, as Meta's signed webhook does.
    async fn template_becomes(&self, template: i64, event: &str) {
        let shown = self.get(&format!("/api/v1/templates/{template}")).await;
        let body = json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "waba-m", "time": real_now() / 1000, "changes": [{"field": "message_template_status_update", "value": {
                "event": event, "message_template_id": shown["provider_template_id"],
                "message_template_name": shown["template"]["name"], "message_template_language": "en_US", "reason": "NONE"
            }}]}]
        })
        .to_string();
        self.signed_webhook(body).await;
    }

    async fn signed_webhook(&self, body: String) {
        let response = self
            .relay
            .client
            .post(self.relay.url("/webhooks/meta"))
            .header("content-type", "application/json")
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

    /// The contact writes `text`, as Meta's signed webhook says it.
    async fn contact_writes(&self, phone: &str, text: &str) {
        self.contact_sends(phone, json!({"type": "text", "text": {"body": text}}))
            .await;
    }

    /// The contact taps the template's quick reply `label`, as Meta's signed webhook says it.
    async fn contact_taps(&self, phone: &str, label: &str) {
        self.contact_sends(
            phone,
            json!({"type": "button", "button": {"text": label, "payload": label}}),
        )
        .await;
    }

    /// The contact sends `message` (Meta's message object without its sender, id and time).
    async fn contact_sends(&self, phone: &str, message: Value) {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut message = message;
        message["from"] = json!(phone);
        message["id"] = json!(format!("wamid.test-in-{phone}-{id}"));
        message["timestamp"] = json!((real_now() / 1000).to_string());
        let body = json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "waba-m", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550001000", "phone_number_id": "15550001000"},
                "contacts": [{"profile": {"name": "Contact"}, "wa_id": phone}],
                "messages": [message]
            }}]}]
        })
        .to_string();
        self.signed_webhook(body).await;
    }
}

impl Setup {
    /// Meta reports `wamid` delivered to `phone` at the relay's current time.
    async fn delivered_now(&self, phone: &str, wamid: &str) {
        let body = json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "waba-m", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550001000", "phone_number_id": "15550001000"},
                "statuses": [{"id": wamid, "status": "delivered", "recipient_id": phone,
                    "timestamp": (self.clock.now_ms() / 1000).to_string()}]
            }}]}]
        })
        .to_string();
        self.signed_webhook(body).await;
    }
}

fn quick_reply_template() -> Value {
    json!({
        "name": "offer", "language": "en_US", "category": "MARKETING",
        "components": [
            {"type": "BODY", "text": "Hello {{1}}, shall we call you back?", "example": {"body_text": [["Ann"]]}},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Yes"}, {"type": "QUICK_REPLY", "text": "No"}]}
        ],
        "herald": {"mapping": {"body": {"1": {"field": "first_name"}}}}
    })
}

fn call_to_action_template() -> Value {
    json!({
        "name": "visit", "language": "en_US", "category": "UTILITY",
        "components": [
            {"type": "BODY", "text": "Your order is ready, {{1}}. Track it below.", "example": {"body_text": [["Ann"]]}},
            {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Track", "url": "https://example.com/track"}]}
        ],
        "herald": {"mapping": {"body": {"1": {"field": "first_name"}}}}
    })
}

#[tokio::test]
async fn a_campaign_sends_each_contact_once_and_reports_every_outcome() {
    let setup = setup(1.0).await;
    let template = setup.approved_template(&quick_reply_template()).await;
    let (list, report) = setup
        .list_from_csv(
            "Spring",
            "\u{feff}Phone;First Name\r\n+49 151 0000001;Ann\r\n1234;Bob\r\n+1 555 000 9999;Cy\r\n+49 151 0000004;\r\nnot a phone;Eve\r\n",
        )
        .await;
    assert_eq!(
        (
            report["rows"].as_u64(),
            report["created"].as_u64(),
            report["error_count"].as_u64()
        ),
        (Some(5), Some(4), Some(1))
    );
    assert_eq!(
        (
            report["errors"][0]["row"].as_u64(),
            report["errors"][0]["field"].as_str()
        ),
        (Some(6), Some("phone"))
    );

    let draft = setup
        .campaign(json!({"name": "Dry", "template_id": template, "list_ids": [list], "start_at": real_now() + 10 * DAY_MS}))
        .await;
    let dry_run = setup
        .get(&format!("/api/v1/campaigns/{draft}/dry-run"))
        .await;
    assert_eq!(dry_run["sendable"], 2, "{dry_run}");
    assert_eq!(
        dry_run["sample"]["body"],
        "Hello Ann, shall we call you back?"
    );
    let reasons: Vec<&str> = dry_run["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|skip| skip["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|reason| reason.contains("at least 5 digits")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|reason| reason.contains("First name")),
        "{reasons:?}"
    );

    // The same before the campaign exists: its first messages and its skipped contacts.
    let (status, draft_run) = setup
        .post(
            &format!("/api/v1/accounts/{}/campaigns/dry-run", setup.account),
            &json!({"name": "Spring", "template_id": template, "list_ids": [list, list]}),
        )
        .await;
    assert_eq!(status, 200, "{draft_run}");
    assert_eq!(
        (&draft_run["sendable"], &draft_run["skipped"]),
        (&dry_run["sendable"], &dry_run["skipped"]),
        "a list named twice counts each contact once: {draft_run}"
    );
    assert_eq!(
        draft_run["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|message| message["body"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [
            "Hello Ann, shall we call you back?",
            "Hello Cy, shall we call you back?"
        ]
    );
    assert_eq!(setup.sandbox.accepted_messages().len(), 0, "nothing sent");
    let campaign = setup
        .campaign(json!({"name": "Spring", "template_id": template, "list_ids": [list], "close_on_quick_reply": true}))
        .await;
    let answered = setup
        .row_becomes(campaign, "491510000001", |row| row["state"] == "closed")
        .await;
    assert_eq!(answered["outcome"], "answered", "{answered}");
    assert!(answered["delivered_at"].is_i64(), "{answered}");
    let invalid = setup
        .row_becomes(campaign, "1234", |row| row["state"] == "retry")
        .await;
    assert_eq!(
        invalid["reason"],
        "Contact with invalid phone number: 1234. The phone number should have at least 5 digits."
    );
    let undeliverable = setup
        .row_becomes(campaign, "15550009999", |row| row["state"] == "closed")
        .await;
    assert_eq!(
        (
            undeliverable["reason"].as_str(),
            undeliverable["error_code"].as_i64()
        ),
        (Some("Message Undeliverable"), Some(131_026))
    );
    let unmapped = setup
        .row_becomes(campaign, "491510000004", |row| row["state"] == "closed")
        .await;
    assert_eq!(unmapped["outcome"], "skipped");
    assert!(
        unmapped["reason"].as_str().unwrap().contains("First name"),
        "{unmapped}"
    );

    let shown = setup.status_becomes(campaign, "COMPLETED").await;
    assert_eq!(
        shown["counts"],
        json!({"total": 4, "fresh": 0, "retry": 1, "in_doubt": 0, "pending": 0, "closed": 3})
    );
    // The results say why the contacts not sent were not, counted by outcome and reason.
    let outcome = |name: &str| -> Vec<Value> {
        shown["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|group| group["outcome"] == name)
            .cloned()
            .collect()
    };
    let skipped = outcome("skipped");
    assert_eq!(skipped.len(), 1, "{shown}");
    assert_eq!(skipped[0]["count"], 1);
    assert!(
        skipped[0]["reason"]
            .as_str()
            .unwrap()
            .contains("First name")
    );
    assert_eq!(outcome("failed")[0]["reason"], "Message Undeliverable");
    // The Contacts History as CSV, all of it or one outcome's.
    let export = |query: &'static str| {
        let url = setup
            .relay
            .url(&format!("/api/v1/campaigns/{campaign}/history.csv{query}"));
        let client = setup.admin();
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let history = export("").await;
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(
        lines[0],
        "phone,state,outcome,reason,error_code,answer,attempts,sent_at,delivered_at,closed_at"
    );
    assert_eq!(lines.len(), 4, "the three closed contacts: {history}");
    let failed = export("?outcome=failed").await;
    assert_eq!(failed.lines().count(), 2, "{failed}");
    assert!(
        failed.contains("15550009999,closed,failed,Message Undeliverable,131026,"),
        "{failed}"
    );
    // The funnel, the pace and the failures by code with what they mean.
    let results = setup
        .get(&format!("/api/v1/campaigns/{campaign}/results"))
        .await;
    let funnel = &results["funnel"];
    assert_eq!(
        (
            &funnel["sent"],
            &funnel["delivered"],
            &funnel["replied"],
            &funnel["failed"]
        ),
        (&json!(2), &json!(1), &json!(1), &json!(1)),
        "{results}"
    );
    assert!(funnel["read"].as_i64().unwrap() <= 1, "{results}");
    let sent_per_minute: i64 = results["per_minute"]
        .as_array()
        .unwrap()
        .iter()
        .map(|minute| minute["sent"].as_i64().unwrap())
        .sum();
    assert_eq!(sent_per_minute, 2, "{results}");
    assert_eq!(
        results["failures"],
        json!([{"code": 131026, "count": 1,
            "meaning": "Message undeliverable: not a WhatsApp number, terms not accepted or an old app",
            "handling": "Not retried for this contact"}])
    );
    assert_eq!(
        (
            setup.sends_to("491510000001"),
            setup.sends_to("15550009999"),
            setup.sends_to("1234")
        ),
        (1, 1, 0)
    );
    assert_eq!(setup.sends_to("491510000004"), 0);
}

#[tokio::test]
async fn call_to_action_waits_for_the_timeout_and_a_late_reply_closes_as_no_longer_valid() {
    let setup = setup(0.0).await;
    let template = setup.approved_template(&call_to_action_template()).await;
    let (list, _) = setup
        .list_from_csv("Orders", "phone,first_name\n491510000011,Ann\n")
        .await;
    let campaign = setup
        .campaign(json!({"name": "Orders", "template_id": template, "list_ids": [list], "response_timeout_days": 2}))
        .await;
    setup
        .row_becomes(campaign, "491510000011", |row| {
            row["state"] == "pending" && row["delivered_at"].is_i64()
        })
        .await;
    setup.contact_writes("491510000011", "Thanks!").await;
    setup.advance(DAY_MS).await;
    setup.engine_rounds(2).await;
    let still = setup.row_becomes(campaign, "491510000011", |_| true).await;
    assert_eq!(
        still["state"], "pending",
        "a call-to-action template waits for the timeout: {still}"
    );

    setup.advance(DAY_MS + 1).await;
    let closed = setup
        .row_becomes(campaign, "491510000011", |row| row["state"] == "closed")
        .await;
    assert_eq!(closed["outcome"], "timed_out");
    setup
        .contact_writes("491510000011", "Is it still on?")
        .await;
    let late = setup
        .row_becomes(campaign, "491510000011", |row| {
            row["outcome"] == "late_reply"
        })
        .await;
    assert_eq!(late["answer"], "Is it still on?");
    setup.status_becomes(campaign, "COMPLETED").await;
    assert_eq!(setup.sends_to("491510000011"), 1);
}

#[tokio::test]
async fn a_quick_reply_tap_is_an_answer_whatever_close_on_quick_reply_says() {
    let setup = setup(0.0).await;
    let template = setup.approved_template(&quick_reply_template()).await;
    let (list, _) = setup
        .list_from_csv(
            "Taps",
            "phone,first_name\n491510000031,Ann\n491510000032,Bob\n",
        )
        .await;
    // The option off (the default): the tap still closes the row, and the agent can write.
    let open = setup
        .campaign(json!({"name": "Left open", "template_id": template, "list_ids": [list]}))
        .await;
    for phone in ["491510000031", "491510000032"] {
        setup
            .row_becomes(open, phone, |row| row["state"] == "pending")
            .await;
    }
    setup.contact_taps("491510000031", "No").await;
    let tapped = setup
        .row_becomes(open, "491510000031", |row| row["state"] == "closed")
        .await;
    assert_eq!(
        (
            tapped["outcome"].as_str(),
            tapped["answer"].as_str(),
            tapped["reason"].as_str()
        ),
        (
            Some("answered"),
            Some("No"),
            Some("The contact tapped a quick reply")
        ),
        "{tapped}"
    );
    let conversation = setup
        .get(&format!(
            "/api/v1/accounts/{}/conversations/491510000031",
            setup.account
        ))
        .await;
    assert_eq!(
        (
            &conversation["awaiting_customer_response"],
            &conversation["free_text_allowed"]
        ),
        (&Value::Null, &json!(true)),
        "once the contact answered, the agent is not told to wait: {conversation}"
    );
    assert_eq!(conversation["open"], true, "left open for the agents");
    // The untouched contact still waits.
    let untouched = setup.row_becomes(open, "491510000032", |_| true).await;
    assert_eq!(untouched["state"], "pending");

    // The option on: the tap closes the row and the conversation, which a later message
    // reopens.
    let (closing_list, _) = setup
        .list_from_csv("Closing taps", "phone,first_name\n491510000033,Cy\n")
        .await;
    let closing = setup
        .campaign(json!({"name": "Closed on tap", "template_id": template,
            "list_ids": [closing_list], "close_on_quick_reply": true}))
        .await;
    setup
        .row_becomes(closing, "491510000033", |row| row["state"] == "pending")
        .await;
    setup.contact_taps("491510000033", "Yes").await;
    let tapped = setup
        .row_becomes(closing, "491510000033", |row| row["state"] == "closed")
        .await;
    assert_eq!(tapped["answer"], "Yes");
    let inbox = format!("/api/v1/accounts/{}/conversations", setup.account);
    let closed = eventually("the tapped conversation closes", || async {
        let listed = setup.get(&inbox).await;
        let shown = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|shown| shown["phone"] == "491510000033")
            .cloned();
        Ok(shown.filter(|shown| shown["open"] == false))
    })
    .await
    .unwrap();
    assert_eq!(
        (&closed["name"], &closed["unread"]),
        (&json!("Cy"), &json!(1)),
        "{closed}"
    );
    let left_open = setup.get(&inbox).await;
    let left_open = left_open
        .as_array()
        .unwrap()
        .iter()
        .find(|shown| shown["phone"] == "491510000031")
        .unwrap();
    assert_eq!(left_open["open"], true, "{left_open}");
    let conversation = setup.get(&format!("{inbox}/491510000033")).await;
    assert_eq!(
        (&conversation["open"], &conversation["free_text_allowed"]),
        (&json!(false), &json!(true)),
        "closed, yet the agent may still write: {conversation}"
    );
    setup
        .contact_writes("491510000033", "Actually, call me")
        .await;
    eventually("a new message reopens it", || async {
        let conversation = setup.get(&format!("{inbox}/491510000033")).await;
        Ok((conversation["open"] == true).then_some(()))
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn an_open_interaction_elsewhere_holds_the_contact_and_the_duplicate_check_skips_it() {
    let setup = setup(0.0).await;
    let template = setup.approved_template(&quick_reply_template()).await;
    let (list, _) = setup
        .list_from_csv("Both", "phone,first_name\n491510000021,Ann\n")
        .await;
    let first = setup
        .campaign(json!({"name": "First", "template_id": template, "list_ids": [list]}))
        .await;
    setup
        .row_becomes(first, "491510000021", |row| row["state"] == "pending")
        .await;

    let second = setup.campaign(json!({"name": "Second", "template_id": template, "list_ids": [list], "include_active_interactions": true})).await;
    let waiting = setup
        .row_becomes(second, "491510000021", |row| row["state"] == "waiting")
        .await;
    assert_eq!(
        waiting["reason"],
        "Contact has an open interaction with another campaign"
    );
    assert_eq!(setup.sends_to("491510000021"), 1);

    setup.contact_writes("491510000021", "Yes").await;
    let answered = setup
        .row_becomes(first, "491510000021", |row| row["state"] == "closed")
        .await;
    assert_eq!(
        (answered["outcome"].as_str(), answered["answer"].as_str()),
        (Some("answered"), Some("Yes"))
    );
    // The pair rate keeps the second message 6 seconds behind the first.
    setup.advance(PAIR_INTERVAL_MS).await;
    setup
        .row_becomes(second, "491510000021", |row| row["state"] == "pending")
        .await;
    assert_eq!(setup.sends_to("491510000021"), 2);

    // The contact wrote in the last 24 hours: without "include active interactions", a third
    // campaign skips it; with a duplicate check it is skipped as a duplicate first.
    let third = setup.campaign(json!({"name": "Third", "template_id": template, "list_ids": [list], "duplicate_check_days": 1})).await;
    let duplicate = setup
        .row_becomes(third, "491510000021", |row| row["state"] == "closed")
        .await;
    assert!(
        duplicate["reason"]
            .as_str()
            .unwrap()
            .starts_with("Duplicate"),
        "{duplicate}"
    );
    assert_eq!(setup.sends_to("491510000021"), 2);
}

#[tokio::test]
async fn a_scheduled_campaign_waits_for_its_date_and_stop_reset_and_retry_do_what_they_say() {
    let setup = setup(0.0).await;
    let template = setup.approved_template(&quick_reply_template()).await;
    let (list, _) = setup
        .list_from_csv(
            "Paced",
            "phone,first_name\n491510000031,Ann\n491510000032,Bob\n491510000033,Cy\n",
        )
        .await;
    let start_at = setup.clock.now_ms() + DAY_MS;
    let campaign = setup
        .campaign(json!({"name": "Paced", "template_id": template, "list_ids": [list], "start_at": start_at, "sending_interval_ms": 3_600_000}))
        .await;
    setup.engine_rounds(2).await;
    assert_eq!(
        setup.get(&format!("/api/v1/campaigns/{campaign}")).await["status"],
        "SCHEDULED"
    );
    assert!(setup.sandbox.accepted_messages().is_empty());

    setup.advance(DAY_MS).await;
    setup.status_becomes(campaign, "RUNNING").await;
    setup
        .row_becomes(campaign, "491510000031", |row| row["state"] == "pending")
        .await;
    // The sending interval (one hour) holds the next contact back.
    setup.engine_rounds(2).await;
    assert_eq!(setup.sandbox.accepted_messages().len(), 1);
    setup.advance(3_600_000).await;
    setup
        .row_becomes(campaign, "491510000032", |row| row["state"] == "pending")
        .await;

    let (status, stopped) = setup
        .post(&format!("/api/v1/campaigns/{campaign}/stop"), &json!({}))
        .await;
    assert_eq!((status, stopped["status"].as_str()), (200, Some("STOPPED")));
    setup.advance(3_600_000).await;
    setup.engine_rounds(2).await;
    assert_eq!(setup.sandbox.accepted_messages().len(), 2);

    let (status, refused) = setup
        .post(&format!("/api/v1/campaigns/{campaign}/reset"), &json!({}))
        .await;
    assert_eq!(
        (status, refused["code"].as_str(), refused["field"].as_str()),
        (400, Some("confirmation_required"), Some("confirm"))
    );
    let (status, reset) = setup
        .post(
            &format!("/api/v1/campaigns/{campaign}/reset"),
            &json!({"confirm": true}),
        )
        .await;
    assert_eq!((status, reset["status"].as_str()), (200, Some("RUNNING")));
    // Every row is back in the hopper (the running engine may already have claimed some).
    let counts = &reset["counts"];
    assert_eq!(
        (
            counts["total"].as_i64(),
            counts["closed"].as_i64(),
            counts["retry"].as_i64()
        ),
        (Some(3), Some(0), Some(0)),
        "{reset}"
    );
    setup
        .row_becomes(campaign, "491510000031", |row| row["state"] == "pending")
        .await;
    assert_eq!(
        setup.sends_to("491510000031"),
        2,
        "Reset List sends the campaign again"
    );
}

#[tokio::test]
async fn only_approved_templates_with_a_complete_mapping_and_valid_settings_make_a_campaign() {
    let setup = setup(0.0).await;
    let (status, draft) = setup
        .post(
            &format!("/api/v1/accounts/{}/templates", setup.account),
            &quick_reply_template(),
        )
        .await;
    assert_eq!(status, 201);
    let (status, refused) = setup
        .post(
            &format!("/api/v1/accounts/{}/campaigns", setup.account),
            &json!({"name": "X", "template_id": draft["id"]}),
        )
        .await;
    assert_eq!(
        (status, refused["code"].as_str(), refused["field"].as_str()),
        (400, Some("template_not_approved"), Some("template_id"))
    );

    let mut unmapped = quick_reply_template();
    unmapped["name"] = json!("unmapped");
    unmapped["herald"] = json!({});
    let template = setup.approved_template(&unmapped).await;
    let refused = setup.refused_for_its_mapping(template).await;
    assert!(refused.contains("{{1}} is not mapped"), "{refused}");

    // A custom field with no name gives no value: before, every contact was skipped.
    let mut nameless = quick_reply_template();
    nameless["name"] = json!("nameless");
    nameless["herald"] = json!({"mapping": {"body": {"1": {"custom_field": " "}}}});
    let template = setup.approved_template(&nameless).await;
    let refused = setup.refused_for_its_mapping(template).await;
    assert!(
        refused.contains("{{1}} is mapped to a custom field with no name"),
        "{refused}"
    );

    let template = setup.approved_template(&quick_reply_template()).await;
    for (settings, field) in [
        (
            json!({"name": "X", "template_id": template, "response_timeout_days": 0}),
            "response_timeout_days",
        ),
        (
            json!({"name": "X", "template_id": template, "duplicate_check_days": 8}),
            "duplicate_check_days",
        ),
        (json!({"name": "", "template_id": template}), "name"),
    ] {
        let (status, refused) = setup
            .post(
                &format!("/api/v1/accounts/{}/campaigns", setup.account),
                &settings,
            )
            .await;
        assert_eq!(
            (status, refused["field"].as_str()),
            (400, Some(field)),
            "{refused}"
        );
    }
}

#[tokio::test]
async fn a_number_not_on_whatsapp_goes_to_history_with_kaleyras_reason() {
    let setup = setup_with(CallbackStyle::Kaleyra, |config| {
        config.undeliverable_numbers = vec!["15550009999".into()];
    })
    .await;
    let template = setup.approved_template(&quick_reply_template()).await;
    let (list, _) = setup
        .list_from_csv(
            "Kaleyra",
            "phone,first_name\n+1 555 000 9999,Cy\n491510000041,Ann\n",
        )
        .await;
    let campaign = setup
        .campaign(json!({"name": "Kaleyra", "template_id": template, "list_ids": [list]}))
        .await;
    let undeliverable = setup
        .row_becomes(campaign, "15550009999", |row| row["state"] == "closed")
        .await;
    assert_eq!(
        undeliverable["reason"],
        "'To' number invalid or WhatsApp account does not exist"
    );
    setup
        .row_becomes(campaign, "491510000041", |row| row["state"] == "pending")
        .await;
}

#[tokio::test]
async fn temporary_failures_retry_with_backoff_and_start_retry_sends_only_them() {
    let setup = setup_with(CallbackStyle::Meta, |config| {
        config.failure_rate = 1.0;
        config.failure_code = 131_000;
    })
    .await;
    let template = setup.approved_template(&quick_reply_template()).await;
    let (list, _) = setup
        .list_from_csv(
            "Flaky",
            "phone,first_name\n491510000051,Ann\n15550009999,Cy\n",
        )
        .await;
    let campaign = setup
        .campaign(json!({"name": "Flaky", "template_id": template, "list_ids": [list]}))
        .await;
    let failed = setup
        .row_becomes(campaign, "491510000051", |row| row["state"] == "retry")
        .await;
    assert_eq!(failed["error_code"], 131_000, "{failed}");
    setup
        .row_becomes(campaign, "15550009999", |row| row["state"] == "closed")
        .await;
    // Two automatic retries, each after its backoff, then the campaign ends with the contact in
    // retry.
    setup
        .advance_until("the automatic retries", async |setup: &Setup| {
            setup.get(&format!("/api/v1/campaigns/{campaign}")).await["status"] == "COMPLETED"
        })
        .await;
    assert_eq!(setup.sends_to("491510000051"), 3);
    assert_eq!(setup.sends_to("15550009999"), 1);

    let (status, retried) = setup
        .post(&format!("/api/v1/campaigns/{campaign}/retry"), &json!({}))
        .await;
    assert_eq!((status, retried["status"].as_str()), (200, Some("RUNNING")));
    eventually("the retry run's first send", || async {
        Ok((setup.sends_to("491510000051") == 4).then_some(()))
    })
    .await
    .unwrap();
    assert_eq!(
        setup.sends_to("15550009999"),
        1,
        "permanent failures are not retried"
    );
}

#[tokio::test]
async fn meta_131049_waits_a_day_before_the_next_try() {
    let setup = setup_with(CallbackStyle::Meta, |config| {
        config.failure_rate = 1.0;
        config.failure_code = 131_049;
    })
    .await;
    let template = setup.approved_template(&quick_reply_template()).await;
    let (list, _) = setup
        .list_from_csv("Healthy", "phone,first_name\n491510000061,Ann\n")
        .await;
    let campaign = setup
        .campaign(json!({"name": "Healthy", "template_id": template, "list_ids": [list]}))
        .await;
    setup
        .row_becomes(campaign, "491510000061", |row| row["error_code"] == 131_049)
        .await;
    setup.advance(DAY_MS - 60_000).await;
    setup.engine_rounds(2).await;
    assert_eq!(setup.sends_to("491510000061"), 1, "not before 24 hours");
    setup.advance(120_000).await;
    eventually("the try after 24 hours", || async {
        Ok((setup.sends_to("491510000061") == 2).then_some(()))
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_template_paused_mid_run_pauses_the_campaign_until_it_is_approved_again() {
    let setup = setup(0.0).await;
    let template = setup.approved_template(&quick_reply_template()).await;
    let (list, _) = setup
        .list_from_csv(
            "Paused",
            "phone,first_name\n491510000071,Ann\n491510000072,Bob\n",
        )
        .await;
    let campaign = setup
        .campaign(json!({"name": "Paused", "template_id": template, "list_ids": [list], "sending_interval_ms": 3_600_000}))
        .await;
    setup
        .row_becomes(campaign, "491510000071", |row| row["state"] == "pending")
        .await;
    setup.template_becomes(template, "PAUSED").await;
    let paused = setup.status_becomes(campaign, "PAUSED").await;
    assert!(
        paused["status_reason"]
            .as_str()
            .unwrap()
            .contains("paused the template"),
        "{paused}"
    );
    setup.advance(3_600_000).await;
    setup.engine_rounds(2).await;
    assert_eq!(
        setup.sends_to("491510000072"),
        0,
        "nothing is sent while paused"
    );

    setup.template_becomes(template, "APPROVED").await;
    setup.status_becomes(campaign, "RUNNING").await;
    setup
        .row_becomes(campaign, "491510000072", |row| row["state"] == "pending")
        .await;
}

/// A running campaign of 40 contacts (phones `{prefix}00` to `{prefix}39`) on an account that
/// may send 20 messages a second, as the sandbox allows: two seconds of sending.
async fn campaign_at_20_a_second(name: &str, prefix: &str) -> (Setup, i64) {
    let setup = setup_with(CallbackStyle::Meta, |config| {
        config.messages_per_second = 20
    })
    .await;
    let updated = setup
        .admin()
        .put(setup.relay.url(&format!("/api/v1/accounts/{}", setup.account)))
        .json(&json!({"name": "Provider", "provider": "meta", "settings": {
            "waba_id": "waba-m", "phone_number_id": "15550001000", "base_url": setup.sandbox.base_url,
            "messages_per_second": 20
        }}))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);
    let template = setup.approved_template(&quick_reply_template()).await;
    let csv: String = std::iter::once("phone,first_name\n".to_owned())
        .chain((0..40).map(|n| format!("{prefix}{n:02},Ann\n")))
        .collect();
    let (list, _) = setup.list_from_csv(name, &csv).await;
    let campaign = setup
        .campaign(json!({"name": name, "template_id": template, "list_ids": [list]}))
        .await;
    (setup, campaign)
}

#[tokio::test]
async fn sending_never_exceeds_the_providers_rate() {
    let (setup, campaign) = campaign_at_20_a_second("Fast", "4915100001").await;
    let started = std::time::Instant::now();
    let rows = eventually("every contact sent", || async {
        let rows = setup
            .get(&format!("/api/v1/campaigns/{campaign}/hopper?limit=100"))
            .await;
        let settled = rows
            .as_array()
            .unwrap()
            .iter()
            .all(|row| row["state"] != "fresh" && row["state"] != "sending");
        Ok(settled.then_some(rows))
    })
    .await
    .unwrap();
    // 40 messages at 20 a second take at least 1.9 s (the first goes at once).
    assert!(started.elapsed() >= std::time::Duration::from_millis(1_900));
    let refused: Vec<&Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["error_code"] == 130_429)
        .collect();
    assert!(
        refused.is_empty(),
        "the sandbox refused for rate: {refused:?}"
    );
    assert_eq!(setup.sandbox.accepted_messages().len(), 40, "{rows}");
}

#[tokio::test]
async fn a_relay_stopped_mid_campaign_stores_what_it_sent_and_gives_back_the_rest() {
    let (setup, campaign) = campaign_at_20_a_second("Stopped", "4915100002").await;
    eventually("a few contacts sent", || async {
        Ok((setup.sandbox.accepted_messages().len() >= 5).then_some(()))
    })
    .await
    .unwrap();
    let store = Arc::clone(&setup.relay.store);
    setup.relay.stop().await.unwrap();

    // The engine has returned: every message the sandbox accepted is stored as sent, nothing is
    // left `sending` (leases are a minute long here, so a restart would wait for them), and the
    // contacts the batch had not sent yet were given back, to go out after a restart.
    let rows_in = async |state: HopperState| {
        store
            .hopper_rows(
                campaign,
                &herald_store::HopperFilter::in_state(state),
                0,
                100,
            )
            .await
            .unwrap()
            .len()
    };
    let accepted = setup.sandbox.accepted_messages().len();
    assert!(
        accepted < 40,
        "the campaign finished before the stop: {accepted}"
    );
    assert_eq!(rows_in(HopperState::Pending).await, accepted);
    assert_eq!(rows_in(HopperState::Sending).await, 0);
    assert_eq!(
        rows_in(HopperState::Fresh).await + rows_in(HopperState::Retry).await,
        40 - accepted
    );
}

#[tokio::test]
async fn an_open_progress_stream_does_not_keep_the_relay_from_stopping() {
    let setup = setup(0.0).await;
    let template = setup.approved_template(&quick_reply_template()).await;
    let (list, _) = setup
        .list_from_csv("Watched", "phone,first_name\n491510000091,Ann\n")
        .await;
    let campaign = setup
        .campaign(json!({"name": "Watched", "template_id": template, "list_ids": [list], "start_at": setup.clock.now_ms() + 60_000}))
        .await;
    let mut events = setup.progress_stream(campaign).await;
    events
        .chunk()
        .await
        .unwrap()
        .expect("the first progress event");
    tokio::time::timeout(std::time::Duration::from_secs(5), setup.relay.stop())
        .await
        .expect("the relay stops within 5 s with a progress page open")
        .unwrap();
    // The stream ended (the browser's EventSource reconnects to the next relay by itself).
    let ended = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Ok(Some(_)) = events.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the progress stream is still open");
}

#[tokio::test]
async fn progress_is_pushed_as_server_sent_events_while_the_campaign_runs() {
    let setup = setup(0.0).await;
    let template = setup.approved_template(&quick_reply_template()).await;
    let (list, _) = setup
        .list_from_csv(
            "Live",
            "phone,first_name\n491510000081,Ann\n491510000082,Bob\n1234,Cy\n",
        )
        .await;
    let campaign = setup
        .campaign(json!({"name": "Live", "template_id": template, "list_ids": [list], "start_at": setup.clock.now_ms() + 60_000}))
        .await;
    let mut events = setup.progress_stream(campaign).await;
    assert_eq!(
        events.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    setup.advance(60_000).await;
    let mut text = String::new();
    let mut seen: Vec<Value> = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !seen
        .iter()
        .any(|event| event["counts"]["pending"] == 2 && event["counts"]["retry"] == 1)
    {
        let chunk = tokio::time::timeout_at(deadline, events.chunk())
            .await
            .expect("progress within 10 s")
            .unwrap()
            .expect("the stream stays open");
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            if let Some(data) = block.lines().find_map(|line| line.strip_prefix("data: ")) {
                seen.push(serde_json::from_str(data).unwrap());
            }
        }
    }
    assert_eq!(seen[0]["status"], "SCHEDULED");
    assert_eq!(seen[0]["counts"]["fresh"], 3);
    let phones: Vec<&str> = seen
        .iter()
        .flat_map(|event| event["recent"].as_array().unwrap())
        .filter(|row| row["state"] == "pending")
        .map(|row| row["phone"].as_str().unwrap())
        .collect();
    assert!(
        phones.contains(&"491510000081") && phones.contains(&"491510000082"),
        "{seen:?}"
    );
}

#[tokio::test]
async fn nothing_goes_out_while_the_campaign_waits_and_an_expired_window_takes_only_the_recontact_template()
 {
    let setup = setup(0.0).await;
    let template = setup.approved_template(&quick_reply_template()).await;
    let (list, _) = setup
        .list_from_csv("Window", "phone,first_name\n491510000091,Ann\n")
        .await;
    let campaign = setup
        .campaign(json!({"name": "Window", "template_id": template, "list_ids": [list]}))
        .await;
    setup
        .row_becomes(campaign, "491510000091", |row| {
            row["state"] == "pending" && row["delivered_at"].is_i64()
        })
        .await;
    let messages = format!("/api/v1/accounts/{}/messages", setup.account);
    let template_send =
        json!({"to": "+49 151 0000091", "template_id": template, "fields": {"first_name": "Ann"}});
    let conversation = setup
        .get(&format!(
            "/api/v1/accounts/{}/conversations/491510000091",
            setup.account
        ))
        .await;
    assert_eq!(
        (
            &conversation["contact"]["first_name"],
            &conversation["awaiting_customer_response"]
        ),
        (
            &json!("Ann"),
            &json!("No messages can be sent since we are waiting for the customer's response.")
        ),
        "the conversation names the account's contact: {conversation}"
    );
    for request in [
        json!({"to": "+49 151 0000091", "text": "Hello"}),
        template_send.clone(),
    ] {
        let (status, refused) = setup.post(&messages, &request).await;
        assert_eq!(
            (
                status,
                refused["code"].as_str(),
                refused["message"].as_str()
            ),
            (
                409,
                Some("awaiting_customer_response"),
                Some("No messages can be sent since we are waiting for the customer's response.")
            )
        );
    }

    setup.contact_writes("491510000091", "Yes").await;
    setup
        .row_becomes(campaign, "491510000091", |row| row["state"] == "closed")
        .await;
    let (status, sent) = setup
        .post(
            &messages,
            &json!({"to": "+49 151 0000091", "text": "Thanks, Ann!"}),
        )
        .await;
    assert_eq!(status, 201, "the answer opened the window: {sent}");

    setup.advance(25 * 60 * 60 * 1000).await;
    let (status, refused) = setup.post(&messages, &template_send).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("recontact_only")),
        "{refused}"
    );
    let updated = setup
        .admin()
        .put(setup.relay.url(&format!("/api/v1/accounts/{}", setup.account)))
        .json(&json!({"name": "Provider", "provider": "meta", "settings": {
            "waba_id": "waba-m", "phone_number_id": "15550001000", "base_url": setup.sandbox.base_url,
            "recontact_template_id": template
        }}))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);
    let (status, sent) = setup.post(&messages, &template_send).await;
    assert_eq!(
        status, 201,
        "the recontact template reaches the contact: {sent}"
    );
    let agent = setup.relay.agent().await.unwrap();
    let by_agent = agent
        .post(setup.relay.url(&messages))
        .json(&template_send)
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_agent.status(),
        201,
        "agents may send the account's recontact template, available to agents or not"
    );
}

#[tokio::test]
async fn an_opt_out_keyword_keeps_marketing_away_until_an_admin_undoes_it() {
    let setup = setup(0.0).await;
    let account_url = setup
        .relay
        .url(&format!("/api/v1/accounts/{}", setup.account));
    let settings = |extra: Value| {
        let mut settings = json!({"waba_id": "waba-m", "phone_number_id": "15550001000", "base_url": setup.sandbox.base_url});
        for (key, value) in extra.as_object().unwrap() {
            settings[key] = value.clone();
        }
        json!({"name": "Provider", "provider": "meta", "settings": settings})
    };
    for (extra, field) in [
        (json!({"opt_out_keywords": [" "]}), "opt_out_keywords"),
        (json!({"messaging_limit": 300}), "messaging_limit"),
    ] {
        let refused = setup
            .admin()
            .put(&account_url)
            .json(&settings(extra))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400);
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["field"], field);
    }
    let updated = setup
        .admin()
        .put(&account_url)
        .json(&settings(
            json!({"opt_out_keywords": ["BASTA"], "messaging_limit": 250}),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);

    let template = setup.approved_template(&quick_reply_template()).await;
    let (list, _) = setup
        .list_from_csv("Optout", "phone,first_name\n491510000101,Ann\n")
        .await;
    let first = setup
        .campaign(json!({"name": "First", "template_id": template, "list_ids": [list]}))
        .await;
    setup
        .row_becomes(first, "491510000101", |row| row["state"] == "pending")
        .await;
    setup.contact_writes("491510000101", " basta ").await;
    setup
        .row_becomes(first, "491510000101", |row| row["state"] == "closed")
        .await;
    let contacts = setup.get(&format!("/api/v1/lists/{list}/contacts")).await;
    assert!(contacts[0]["opted_out_at"].is_i64(), "{contacts}");

    let second = setup
        .campaign(json!({"name": "Second", "template_id": template, "list_ids": [list], "include_active_interactions": true}))
        .await;
    let skipped = setup
        .row_becomes(second, "491510000101", |row| row["state"] == "closed")
        .await;
    assert_eq!(
        skipped["reason"],
        "The contact opted out of marketing messages"
    );

    let undone = setup
        .admin()
        .delete(format!("{account_url}/opt-outs/+49%20151%200000101"))
        .send()
        .await
        .unwrap();
    assert_eq!(undone.status(), 204);
    let third = setup
        .campaign(json!({"name": "Third", "template_id": template, "list_ids": [list], "include_active_interactions": true}))
        .await;
    setup.advance(PAIR_INTERVAL_MS).await;
    setup
        .row_becomes(third, "491510000101", |row| row["state"] == "pending")
        .await;
    assert_eq!(setup.sends_to("491510000101"), 2);
}

#[tokio::test]
async fn the_daily_messaging_limit_is_warned_of_and_never_exceeded() {
    let setup = setup_with(CallbackStyle::Meta, |config| config.messages_per_second = 0).await;
    let updated = setup
        .admin()
        .put(setup.relay.url(&format!("/api/v1/accounts/{}", setup.account)))
        .json(&json!({"name": "Provider", "provider": "meta", "settings": {
            "waba_id": "waba-m", "phone_number_id": "15550001000", "base_url": setup.sandbox.base_url,
            "messaging_limit": 250, "messages_per_second": 200
        }}))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);
    let template = setup.approved_template(&quick_reply_template()).await;
    let csv: String = std::iter::once("phone,first_name\n".to_owned())
        .chain((0..300).map(|n| format!("4915100002{n:03},Ann\n")))
        .collect();
    let (list, _) = setup.list_from_csv("Tier", &csv).await;
    let start_at = setup.clock.now_ms() + 60_000;
    let (status, draft) = setup
        .post(
            &format!("/api/v1/accounts/{}/campaigns/dry-run", setup.account),
            &json!({"name": "Tier", "template_id": template, "list_ids": [list]}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        draft["warning"]
            .as_str()
            .is_some_and(|warning| warning.contains("300 contacts need 2 days")),
        "the form is told before launch: {draft}"
    );
    let (status, created) = setup
        .post(
            &format!("/api/v1/accounts/{}/campaigns", setup.account),
            &json!({"name": "Tier", "template_id": template, "list_ids": [list], "start_at": start_at}),
        )
        .await;
    assert_eq!(status, 201);
    let warning = created["warning"].as_str().unwrap_or_default();
    assert!(
        warning.contains("250 contacts a day") && warning.contains("300 contacts need 2 days"),
        "{created}"
    );
    let campaign = created["id"].as_i64().unwrap();
    setup.advance(60_000).await;
    eventually("the day's 250 sends", || async {
        Ok((setup.sandbox.accepted_messages().len() >= 250).then_some(()))
    })
    .await
    .unwrap();
    setup.engine_rounds(2).await;
    assert_eq!(
        setup.sandbox.accepted_messages().len(),
        250,
        "the limit holds"
    );

    setup.advance(DAY_MS + 1_000).await;
    eventually("the next day's sends", || async {
        Ok((setup.sandbox.accepted_messages().len() == 300).then_some(()))
    })
    .await
    .unwrap();
    let shown = setup.get(&format!("/api/v1/campaigns/{campaign}")).await;
    assert_eq!(shown["counts"]["fresh"], 0, "{shown}");
}

#[tokio::test]
async fn a_utility_template_after_a_marketing_one_replaces_the_customer_service_window() {
    // The sandbox reports deliveries on its own clock; here the test reports them on the relay's.
    let setup = setup_with(CallbackStyle::Meta, |config| {
        config.delivered_after_ms = DAY_MS as u64;
        config.read_rate = 0.0;
    })
    .await;
    let marketing = setup.approved_template(&quick_reply_template()).await;
    let utility = setup.approved_template(&call_to_action_template()).await;
    let messages = format!("/api/v1/accounts/{}/messages", setup.account);
    let conversation = format!(
        "/api/v1/accounts/{}/conversations/+49%20151%200000092",
        setup.account
    );
    let send_and_deliver = async |template: i64| {
        let request =
            json!({"to": "491510000092", "template_id": template, "fields": {"first_name": "Ann"}});
        let (status, sent) = setup.post(&messages, &request).await;
        assert_eq!(status, 201, "{sent}");
        setup
            .delivered_now(
                "491510000092",
                sent["provider_message_id"].as_str().unwrap(),
            )
            .await;
        let delivered_at = setup.clock.now_ms() / 1000 * 1000;
        eventually("the delivery", || async {
            let conversation = setup.get(&conversation).await;
            let delivered = conversation["messages"]
                .as_array()
                .unwrap()
                .iter()
                .any(|message| message["id"] == sent["id"] && message["status"] == "delivered");
            Ok(delivered.then_some(()))
        })
        .await
        .unwrap();
        delivered_at
    };
    let window = async || setup.get(&conversation).await;

    let first = send_and_deliver(marketing).await;
    let opened = window().await;
    assert_eq!(opened["window"]["category"], "MARKETING", "{opened}");
    assert_eq!(opened["window"]["closes_at"], first + DAY_MS);
    assert_eq!(
        (
            opened["window_open"].as_bool(),
            opened["free_text_allowed"].as_bool()
        ),
        (Some(true), Some(false)),
        "a template alone does not allow free text"
    );
    setup
        .contact_writes("491510000092", "Yes, tell me more")
        .await;
    let answered = window().await;
    assert_eq!(
        (
            &answered["free_text_allowed"],
            &answered["window"]["closes_at"]
        ),
        (&json!(true), &json!(first + DAY_MS)),
        "the answer allows text until the window that the template opened ends: {answered}"
    );

    setup.advance(10 * 3_600_000).await;
    send_and_deliver(marketing).await;
    assert_eq!(
        window().await["window"]["closes_at"],
        first + DAY_MS,
        "a template of the same category leaves the window as it is"
    );

    setup.advance(3_600_000).await;
    let replaced_at = send_and_deliver(utility).await;
    let replaced = window().await;
    assert_eq!(
        (
            &replaced["window"]["category"],
            &replaced["window"]["opened_at"],
            &replaced["window"]["closes_at"]
        ),
        (
            &json!("UTILITY"),
            &json!(replaced_at),
            &json!(replaced_at + DAY_MS)
        ),
        "{replaced}"
    );
    assert_eq!(
        replaced["free_text_allowed"], false,
        "the new window is not answered yet"
    );
    let text = json!({"to": "491510000092", "text": "Any questions?"});
    let (status, refused) = setup.post(&messages, &text).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("window_closed"))
    );
    setup.contact_writes("491510000092", "Thanks").await;
    let (status, sent) = setup.post(&messages, &text).await;
    assert_eq!(
        status, 201,
        "the answer to the utility template allows text: {sent}"
    );

    setup.advance(20 * 3_600_000).await;
    let later = window().await;
    assert_eq!(
        later["window_open"], true,
        "31 hours after the first template: {later}"
    );
    let (status, sent) = setup
        .post(
            &messages,
            &json!({"to": "491510000092", "template_id": marketing, "fields": {"first_name": "Ann"}}),
        )
        .await;
    assert_eq!(status, 201, "no recontact template needed yet: {sent}");

    setup.advance(5 * 3_600_000).await;
    assert_eq!(window().await["window_open"], false);
    let (status, refused) = setup
        .post(
            &messages,
            &json!({"to": "491510000092", "template_id": marketing, "fields": {"first_name": "Ann"}}),
        )
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("recontact_only"))
    );
}

#[tokio::test]
async fn a_number_messaged_seconds_ago_waits_for_the_pair_rate() {
    let setup = setup_with(CallbackStyle::Meta, |config| config.pair_burst = 0).await;
    let direct = setup.approved_template(&call_to_action_template()).await;
    let (status, sent) = setup
        .post(
            &format!("/api/v1/accounts/{}/messages", setup.account),
            &json!({"to": "491510000093", "template_id": direct, "fields": {"first_name": "Ann"}}),
        )
        .await;
    assert_eq!(status, 201, "{sent}");
    let template = setup.approved_template(&quick_reply_template()).await;
    let (list, _) = setup
        .list_from_csv(
            "Pair",
            "phone,first_name\n491510000093,Ann\n491510000094,Bob\n",
        )
        .await;
    let campaign = setup
        .campaign(json!({"name": "Pair", "template_id": template, "list_ids": [list]}))
        .await;
    setup
        .row_becomes(campaign, "491510000094", |row| row["state"] == "pending")
        .await;
    let paced = setup
        .row_becomes(campaign, "491510000093", |row| row["state"] == "retry")
        .await;
    assert_eq!(
        (paced["outcome"].as_str(), paced["reason"].as_str()),
        (
            Some("paced"),
            Some("Pair rate: the account messaged this number less than 6 seconds ago")
        )
    );
    setup.engine_rounds(2).await;
    assert_eq!(
        setup.sends_to("491510000093"),
        1,
        "only the agent's message so far"
    );

    setup.advance(6_000).await;
    setup
        .row_becomes(campaign, "491510000093", |row| row["state"] == "pending")
        .await;
    assert_eq!(setup.sends_to("491510000093"), 2);
    let counts = setup.get(&format!("/api/v1/campaigns/{campaign}")).await["counts"].clone();
    assert_eq!(counts["retry"], 0, "{counts}");
}

#[tokio::test]
async fn a_long_import_reports_its_progress_and_keeps_the_list_to_itself() {
    let setup = setup(0.0).await;
    let (status, list) = setup
        .post(
            &format!("/api/v1/accounts/{}/lists", setup.account),
            &json!({"name": "Big"}),
        )
        .await;
    assert_eq!(status, 201, "{list}");
    let import_url = format!("/api/v1/lists/{}/import", list["id"]);
    let progress_url = format!("{import_url}/progress");
    let (more, rest) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(2);
    let head: String = std::iter::once("phone,first_name\n".to_owned())
        .chain((0..5_000).map(|row| format!("4915200{row:06},Ann\n")))
        .collect();
    more.send(Ok(head)).await.unwrap();
    let client = setup.admin();
    let running = tokio::spawn({
        let url = setup.relay.url(&import_url);
        async move {
            let chunks = futures_util::stream::unfold(rest, |mut rest| async move {
                rest.recv().await.map(|chunk| (chunk, rest))
            });
            client
                .post(url)
                .header("content-type", "text/csv")
                .body(reqwest::Body::wrap_stream(chunks))
                .send()
                .await
                .unwrap()
        }
    });
    let progress = eventually("the import's first rows", || async {
        let response = setup
            .admin()
            .get(setup.relay.url(&progress_url))
            .send()
            .await?;
        let progress: Value = response.json().await?;
        Ok(
            (progress["running"] == true && progress["rows"].as_u64() >= Some(1_000))
                .then_some(progress),
        )
    })
    .await
    .unwrap();
    assert!(progress["bytes_read"].as_u64() > Some(0), "{progress}");
    assert_eq!(progress["error_count"], 0);

    let (status, refused) = setup
        .post(&import_url, &json!("phone\n4915299999999\n"))
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (409, Some("import_running")),
        "a second file waits for the first"
    );

    let tail: String = (5_000..8_000)
        .map(|row| format!("4915200{row:06},Ann\n"))
        .chain(std::iter::once(",No phone\n".to_owned()))
        .collect();
    more.send(Ok(tail)).await.unwrap();
    drop(more);
    let report: Value = running.await.unwrap().json().await.unwrap();
    assert_eq!(
        (&report["rows"], &report["created"], &report["error_count"]),
        (&json!(8_001), &json!(8_000), &json!(1)),
        "{report}"
    );
    let after = setup.get(&progress_url).await;
    assert_eq!(
        (&after["running"], &after["rows"]),
        (&json!(false), &json!(0)),
        "the board forgets a finished import: {after}"
    );
}

#[tokio::test]
async fn a_list_exports_page_by_page_with_every_custom_field_and_formulas_made_text() {
    let setup = setup(0.0).await;
    let mut csv = "phone,first_name,tier\n4915400000000,=HYPERLINK(\"x\"),gold\n".to_owned();
    for row in 1..2_500 {
        csv.push_str(&format!("4915400{row:06},Ann,\n"));
    }
    csv.push_str("4915409999999,Zoë,\n");
    let (list, report) = setup.list_from_csv("Export", &csv).await;
    assert_eq!(report["created"], 2_501, "{report}");
    let exported = setup
        .admin()
        .get(setup.relay.url(&format!("/api/v1/lists/{list}/export")))
        .send()
        .await
        .unwrap();
    assert_eq!(exported.status(), 200);
    assert!(
        exported.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("Export.csv")
    );
    let text = exported.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "phone,mobile,first_name,last_name,email,tier");
    assert_eq!(
        lines.len(),
        2_502,
        "the header and every contact, across pages"
    );
    assert!(
        lines.contains(&"4915400000000,4915400000000,\"'=HYPERLINK(\"\"x\"\")\",,,gold"),
        "{}",
        lines[1]
    );
    assert!(lines.contains(&"4915409999999,4915409999999,Zoë,,,"));
}

/// A carousel of two cards, each with its media link, a body variable and a URL variable.
fn carousel_template() -> Value {
    let card = |fruit: &str| {
        json!({"components": [
            {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1n"]}},
            {"type": "BODY", "text": format!("Fresh {fruit} for your table, code {{{{1}}}} today."), "example": {"body_text": [["FRESH"]]}},
            {"type": "BUTTONS", "buttons": [
                {"type": "QUICK_REPLY", "text": "More like this"},
                {"type": "URL", "text": "Buy now", "url": "https://shop.example.com/p/{{1}}", "example": ["https://shop.example.com/p/lemons"]}
            ]}
        ]})
    };
    let media = |name: &str| json!({"file_name": name, "mime_type": "image/png", "size_bytes": 1000, "link": format!("https://cdn.example.com/{name}")});
    json!({
        "name": "fruit_carousel", "language": "en_US", "category": "MARKETING",
        "components": [
            {"type": "BODY", "text": "Hello {{1}}, our freshest picks of the week are here.", "example": {"body_text": [["Ann"]]}},
            {"type": "CAROUSEL", "cards": [card("lemons"), card("limes")]}
        ],
        "herald": {
            "mapping": {
                "body": {"1": {"field": "first_name"}},
                "cards": [
                    {"body": {"1": {"custom_field": "code"}}, "buttons": {"1": {"text": "lemons"}}},
                    {"body": {"1": {"custom_field": "code"}}, "buttons": {"1": {"text": "limes"}}}
                ]
            },
            "card_media": [media("lemons.png"), media("limes.png")]
        }
    })
}

/// A coupon: a quick reply and a copy-code button whose code comes from each contact.
fn coupon_template() -> Value {
    json!({
        "name": "welcome_coupon", "language": "en_US", "category": "MARKETING",
        "components": [
            {"type": "BODY", "text": "Hello {{1}}, here is 10% off your next order with the code below.", "example": {"body_text": [["Ann"]]}},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "No thanks"}, {"type": "COPY_CODE", "example": "WELCOME10"}]}
        ],
        "herald": {"mapping": {"body": {"1": {"field": "first_name"}}, "buttons": {"1": {"custom_field": "code"}}}}
    })
}

#[tokio::test]
async fn carousels_and_coupons_go_out_with_every_parameter_meta_checks() {
    let setup = setup(0.0).await;
    let carousel = setup.approved_template(&carousel_template()).await;
    let coupon = setup.approved_template(&coupon_template()).await;
    // Two lists: a contact with an open interaction in one campaign waits for it in another.
    let (fruit, _) = setup
        .list_from_csv(
            "Fruit",
            "phone,first_name,code\n+49 151 0000011,Ann,ANN10\n+49 151 0000012,Bob,BOB10\n",
        )
        .await;
    let (welcome, _) = setup
        .list_from_csv(
            "Welcome",
            "phone,first_name,code\n+49 151 0000013,Cy,CY10\n",
        )
        .await;
    let cards_campaign = setup
        .campaign(json!({"name": "Cards", "template_id": carousel, "list_ids": [fruit]}))
        .await;
    let codes_campaign = setup
        .campaign(json!({"name": "Codes", "template_id": coupon, "list_ids": [welcome]}))
        .await;
    for (campaign, phone) in [
        (cards_campaign, "491510000011"),
        (cards_campaign, "491510000012"),
        (codes_campaign, "491510000013"),
    ] {
        setup
            .row_becomes(campaign, phone, |row| row["state"] == "pending")
            .await;
    }
    let sent_to = |phone: &str| -> Vec<Value> {
        setup
            .sandbox
            .accepted_messages()
            .into_iter()
            .filter(|message| message.to.trim_start_matches('+') == phone)
            .map(|message| message.request["template"]["components"].clone())
            .collect()
    };
    let sent_to_ann = sent_to("491510000011");
    assert_eq!(sent_to_ann.len(), 1, "{sent_to_ann:?}");
    let cards = sent_to_ann
        .iter()
        .find_map(|components| {
            components
                .as_array()?
                .iter()
                .find(|component| component["type"] == "carousel")
        })
        .expect("the carousel was sent");
    assert_eq!(
        cards["cards"][1],
        json!({"card_index": 1, "components": [
            {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://cdn.example.com/limes.png"}}]},
            {"type": "body", "parameters": [{"type": "text", "text": "ANN10"}]},
            {"type": "button", "sub_type": "url", "index": "1", "parameters": [{"type": "text", "text": "limes"}]}
        ]})
    );
    let sent_to_cy = sent_to("491510000013");
    let code = sent_to_cy
        .iter()
        .find_map(|components| {
            components
                .as_array()?
                .iter()
                .find(|component| component["sub_type"] == "copy_code")
        })
        .expect("the coupon was sent");
    assert_eq!(code["parameters"][0]["coupon_code"], "CY10");
}

#[tokio::test]
async fn an_authentication_template_is_for_one_contact_not_a_list() {
    let setup = setup(0.0).await;
    let template = setup
        .approved_template(&json!({
            "name": "login_code", "language": "en_US", "category": "AUTHENTICATION",
            "components": [
                {"type": "BODY", "add_security_recommendation": true},
                {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE"}]}
            ],
            "herald": {"mapping": {"body": {"1": {"custom_field": "code"}}}}
        }))
        .await;
    let (status, refused) = setup
        .post(
            &format!("/api/v1/accounts/{}/campaigns", setup.account),
            &json!({"name": "Codes", "template_id": template}),
        )
        .await;
    assert_eq!(
        (status, refused["code"].as_str(), refused["field"].as_str()),
        (400, Some("template_not_for_campaigns"), Some("template_id"))
    );
}

#[tokio::test]
async fn a_carousel_without_its_cards_media_cannot_start_a_campaign() {
    let setup = setup(0.0).await;
    let mut file = carousel_template();
    file["herald"]["card_media"] = json!([]);
    let template = setup.approved_template(&file).await;
    let refused = setup.refused_for_its_mapping(template).await;
    assert!(
        refused.contains("card 1 media has no public link to send"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_send_the_provider_took_but_did_not_answer_is_in_doubt_and_never_sent_twice() {
    // Half the provider's answers hang past the relay's limit, after the message went out.
    no_contact_is_sent_twice_when(|config| {
        config.hang_after_accept_rate = 0.5;
        config.hang_after_accept_ms = 3_000;
    })
    .await;
}

#[tokio::test]
async fn a_send_whose_connection_dropped_after_the_provider_took_it_is_never_sent_twice() {
    // Half the provider's answers are cut after the status line, after the message went out.
    no_contact_is_sent_twice_when(|config| config.drop_after_accept_rate = 0.5).await;
}

/// With a provider that takes every message but loses some answers (`configure`), every
/// contact is sent exactly once: the lost answers leave their contacts in doubt, the provider's
/// webhooks settle them, and Start Retry Campaign sends nothing more.
async fn no_contact_is_sent_twice_when(configure: impl FnOnce(&mut SandboxConfig)) {
    let setup = setup_with_relay(
        CallbackStyle::Meta,
        |settings| settings.send_timeout_ms = 300,
        configure,
    )
    .await;
    let template = setup.approved_template(&quick_reply_template()).await;
    let csv: String = std::iter::once("phone,first_name".to_owned())
        .chain((0..12).map(|index| format!("+49 151 00009{index:02},Ann")))
        .collect::<Vec<_>>()
        .join("\n");
    let (list, _) = setup.list_from_csv("Doubt", &csv).await;
    let campaign = setup
        .campaign(json!({"name": "Doubt", "template_id": template, "list_ids": [list]}))
        .await;
    // Every contact ends pending: the in-doubt ones are settled by the provider's webhooks,
    // which name the row through the callback data.
    for index in 0..12 {
        setup
            .row_becomes(campaign, &format!("491510000{:03}", 900 + index), |row| {
                row["state"] == "pending"
            })
            .await;
    }
    let rows = setup
        .get(&format!("/api/v1/campaigns/{campaign}/hopper?limit=100"))
        .await;
    let settled_by_webhook = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| {
            row["reason"]
                .as_str()
                .is_some_and(|reason| reason.contains("webhook confirmed"))
        })
        .count();
    assert!(settled_by_webhook > 0, "some sends were in doubt: {rows}");
    // Start Retry Campaign sends nothing more: nobody is sent twice.
    let (status, _) = setup
        .post(&format!("/api/v1/campaigns/{campaign}/retry"), &json!({}))
        .await;
    assert_eq!(status, 200);
    setup.engine_rounds(3).await;
    for index in 0..12 {
        assert_eq!(setup.sends_to(&format!("491510000{:03}", 900 + index)), 1);
    }
}

#[tokio::test]
async fn a_slow_provider_call_never_holds_back_the_rest_of_its_batch() {
    // Half the provider's answers take 2 s, within the relay's limit: they are sent, late.
    let setup = setup_with_relay(
        CallbackStyle::Meta,
        |settings| settings.send_timeout_ms = 10_000,
        |config| {
            config.hang_after_accept_rate = 0.5;
            config.hang_after_accept_ms = 2_000;
        },
    )
    .await;
    let template = setup.approved_template(&quick_reply_template()).await;
    let csv: String = std::iter::once("phone,first_name".to_owned())
        .chain((0..12).map(|index| format!("+49 151 00008{index:02},Ann")))
        .collect::<Vec<_>>()
        .join("\n");
    let (list, _) = setup.list_from_csv("Slow", &csv).await;
    let campaign = setup
        .campaign(json!({"name": "Slow", "template_id": template, "list_ids": [list]}))
        .await;
    // The fast sends of the batch are stored while the slow ones are still running.
    eventually(
        "a moment with some contacts sent and others still sending",
        || async {
            let rows = setup
                .get(&format!("/api/v1/campaigns/{campaign}/hopper?limit=100"))
                .await;
            let count = |state: &str| {
                rows.as_array()
                    .unwrap()
                    .iter()
                    .filter(|row| row["state"] == state)
                    .count()
            };
            Ok((count("pending") > 0 && count("sending") > 0).then_some(()))
        },
    )
    .await
    .unwrap();
    for index in 0..12 {
        let row = setup
            .row_becomes(campaign, &format!("491510000{:03}", 800 + index), |row| {
                row["state"] == "pending"
            })
            .await;
        assert_eq!(row["outcome"], "sent", "{row}");
        assert_eq!(setup.sends_to(&format!("491510000{:03}", 800 + index)), 1);
    }
}

/// A list is browsed and edited as the list page does: searched by phone or name, filtered by
/// opt-out, a contact edited (a new phone reaches the campaign not yet sent to it), taken out of
/// a list and deleted; the list renamed, and deleted only once no campaign sends to it. The
/// master list is never renamed, deleted or left.
#[tokio::test]
async fn a_list_is_browsed_and_edited() {
    let owned = setup(0.0).await;
    let setup = &owned;
    let (list, report) = setup
        .list_from_csv(
            "Autumn",
            "phone,first_name,last_name\n491510000201,Ada,Lovelace\n491510000202,Percy,Shelley\n491510000203,Mary,Shelley\n",
        )
        .await;
    assert_eq!(report["created"], 3, "{report}");
    let contacts = |query: &str| {
        let path = format!("/api/v1/lists/{list}/contacts?{query}");
        async move { setup.get(&path).await }
    };
    let phones = |page: &Value| -> Vec<String> {
        page.as_array()
            .unwrap()
            .iter()
            .map(|contact| contact["phone"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        phones(&contacts("search=SHELLEY").await),
        ["491510000202", "491510000203"]
    );
    assert_eq!(
        phones(&contacts("search=ada%20love").await),
        ["491510000201"]
    );
    assert_eq!(phones(&contacts("search=0203").await), ["491510000203"]);
    assert!(phones(&contacts("opted_out=true").await).is_empty());
    assert_eq!(phones(&contacts("opted_out=false&limit=2").await).len(), 2);

    let template = setup.approved_template(&quick_reply_template()).await;
    let later = setup
        .campaign(json!({"name": "Later", "template_id": template, "list_ids": [list], "start_at": real_now() + 10 * DAY_MS}))
        .await;
    let hopper_phones = || async {
        let rows = setup
            .get(&format!("/api/v1/campaigns/{later}/hopper?limit=100"))
            .await;
        phones(&rows)
    };
    assert_eq!(hopper_phones().await.len(), 3);

    let id_of = |page: &Value| page[0]["id"].as_i64().unwrap();
    let ada = id_of(&contacts("search=ada").await);
    let put = |id: i64, body: Value| {
        let client = setup.admin();
        let url = setup.relay.url(&format!("/api/v1/contacts/{id}"));
        async move { client.put(url).json(&body).send().await.unwrap() }
    };
    let edited = put(
        ada,
        json!({"phone": "+49 151 0000299", "mobile": "+49 151 0000299", "first_name": "Augusta Ada", "last_name": "King", "custom": {"tier": "gold"}}),
    )
    .await;
    assert_eq!(edited.status(), 200);
    let edited: Value = edited.json().await.unwrap();
    assert_eq!(
        (
            &edited["phone"],
            &edited["first_name"],
            &edited["custom"]["tier"]
        ),
        (
            &json!("491510000299"),
            &json!("Augusta Ada"),
            &json!("gold")
        )
    );
    assert!(hopper_phones().await.contains(&"491510000299".to_owned()));
    let taken = put(
        ada,
        json!({"phone": "491510000202", "mobile": "491510000202", "first_name": "Ada"}),
    )
    .await;
    assert_eq!(taken.status(), 409);
    let taken: Value = taken.json().await.unwrap();
    assert_eq!(
        (&taken["code"], &taken["field"]),
        (&json!("conflict"), &json!("phone"))
    );

    let master = setup
        .get(&format!("/api/v1/accounts/{}/lists", setup.account))
        .await[0]["id"]
        .as_i64()
        .unwrap();
    let delete = |path: String| {
        let client = setup.admin();
        let url = setup.relay.url(&path);
        async move { client.delete(url).send().await.unwrap() }
    };
    let percy = id_of(&contacts("search=percy").await);
    let refused = delete(format!("/api/v1/lists/{master}/contacts/{percy}")).await;
    assert_eq!(refused.status(), 409);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["code"],
        "list_is_master"
    );
    assert_eq!(
        delete(format!("/api/v1/lists/{list}/contacts/{percy}"))
            .await
            .status(),
        204
    );
    assert_eq!(phones(&contacts("").await).len(), 2);
    let mary = id_of(&contacts("search=mary").await);
    assert_eq!(
        delete(format!("/api/v1/contacts/{mary}")).await.status(),
        204
    );
    assert_eq!(phones(&contacts("").await), ["491510000299"]);
    assert!(
        !hopper_phones().await.contains(&"491510000203".to_owned()),
        "a deleted contact leaves the campaigns not yet sent to it"
    );

    let rename = |id: i64, name: &str| {
        let client = setup.admin();
        let url = setup.relay.url(&format!("/api/v1/lists/{id}"));
        let body = json!({ "name": name });
        async move { client.put(url).json(&body).send().await.unwrap() }
    };
    let renamed = rename(list, " Winter ").await;
    assert_eq!(renamed.status(), 200);
    assert_eq!(renamed.json::<Value>().await.unwrap()["name"], "Winter");
    assert_eq!(rename(master, "Everyone").await.status(), 409);

    let in_use = delete(format!("/api/v1/lists/{list}")).await;
    assert_eq!(in_use.status(), 409);
    assert_eq!(in_use.json::<Value>().await.unwrap()["code"], "list_in_use");
    assert_eq!(
        delete(format!("/api/v1/campaigns/{later}")).await.status(),
        204
    );
    assert_eq!(delete(format!("/api/v1/lists/{list}")).await.status(), 204);
    let gone = setup
        .admin()
        .get(setup.relay.url(&format!("/api/v1/lists/{list}/contacts")))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    assert_eq!(
        phones(
            &setup
                .get(&format!(
                    "/api/v1/lists/{master}/contacts?search=49151000029"
                ))
                .await
        ),
        ["491510000299"],
        "the contacts of a deleted list stay in the master list"
    );
}
