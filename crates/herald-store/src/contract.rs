//! The contract every backend must pass: the same checks run against SQLite and PostgreSQL.

use herald_domain::{
    InboundMessage, MessageDirection, MessageError, MessageKind, MessageStatus, Provider, Role,
    StatusUpdate, TemplateEvent, TemplateFilter, TemplateQuality, TemplateStatus, WebhookContent,
};

use herald_contacts::Contact;
use herald_domain::{
    AUTOMATIC_RETRIES, CampaignEvent, CampaignSettings, CampaignStatus, ErrorClass, HopperEvent,
    HopperState, Outcome,
};

use crate::{
    AccountData, ContactFilter, ConversationMark, Funnel, HopperCounts, HopperFilter, HopperMove,
    ListRecord, NewWebhookEvent, OutboundMessage, Store, StoreError, TemplateContent,
    TemplateReview,
};

/// Runs every check against an empty `store`; panics (as tests do) on the first broken promise.
pub async fn check_store(store: &dyn Store) {
    users_and_sessions(store).await;
    accounts(store).await;
    templates(store).await;
    lists_and_contacts(store).await;
    browsing_and_editing_a_list(store).await;
    campaigns_and_hopper(store).await;
}

async fn users_and_sessions(store: &dyn Store) {
    assert_eq!(store.count_users().await.unwrap(), 0);
    let id = store
        .create_user("ann", "hash", Role::Admin, 1)
        .await
        .unwrap();
    assert!(matches!(
        store.create_user("ann", "other", Role::Agent, 2).await,
        Err(StoreError::Conflict {
            constraint: "username"
        })
    ));
    let ann = store.user_by_name("ann").await.unwrap();
    assert_eq!(
        (ann.id, ann.role, ann.password_hash.as_str()),
        (id, Role::Admin, "hash")
    );
    assert!(matches!(
        store.user_by_name("bob").await,
        Err(StoreError::NotFound)
    ));

    store
        .create_session("token-hash", id, 1_000, 10)
        .await
        .unwrap();
    assert_eq!(store.session_user("token-hash", 999).await.unwrap().id, id);
    assert!(matches!(
        store.session_user("token-hash", 1_000).await,
        Err(StoreError::NotFound)
    ));
    store.delete_session("token-hash").await.unwrap();
    assert!(matches!(
        store.session_user("token-hash", 500).await,
        Err(StoreError::NotFound)
    ));
    store.delete_session("never-existed").await.unwrap();
    assert_eq!(store.count_users().await.unwrap(), 1);
    disabling_and_passwords(store, id).await;
}

/// Disabling a user ends its sessions and keeps new ones from working; a new password ends
/// them too; role changes apply to sessions already open.
async fn disabling_and_passwords(store: &dyn Store, admin: i64) {
    let agent = store
        .create_user("zoe", "hash-1", Role::Agent, 10)
        .await
        .unwrap();
    assert_eq!(
        store
            .list_users()
            .await
            .unwrap()
            .iter()
            .map(|user| user.username.as_str())
            .collect::<Vec<_>>(),
        ["ann", "zoe"]
    );
    store
        .create_session("zoe-1", agent, 1_000, 10)
        .await
        .unwrap();
    store
        .update_user(agent, Role::Admin, None, 11)
        .await
        .unwrap();
    assert_eq!(
        store.session_user("zoe-1", 20).await.unwrap().role,
        Role::Admin
    );
    store
        .update_user(agent, Role::Agent, Some(12), 12)
        .await
        .unwrap();
    assert_eq!(store.user(agent).await.unwrap().disabled_at, Some(12));
    assert!(matches!(
        store.session_user("zoe-1", 20).await,
        Err(StoreError::NotFound)
    ));
    store
        .create_session("zoe-2", agent, 1_000, 13)
        .await
        .unwrap();
    assert!(
        matches!(
            store.session_user("zoe-2", 20).await,
            Err(StoreError::NotFound)
        ),
        "a disabled user's new session does not work"
    );
    store
        .update_user(agent, Role::Agent, None, 14)
        .await
        .unwrap();
    assert!(store.session_user("zoe-2", 20).await.is_ok());
    store.set_password(agent, "hash-2", 15).await.unwrap();
    assert!(matches!(
        store.session_user("zoe-2", 20).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.user_by_name("zoe").await.unwrap().password_hash,
        "hash-2"
    );
    assert_eq!(store.user(admin).await.unwrap().disabled_at, None);
    assert!(matches!(
        store.set_password(agent + 1_000, "x", 16).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .update_user(agent + 1_000, Role::Agent, None, 16)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.user(agent + 1_000).await,
        Err(StoreError::NotFound)
    ));
}

async fn accounts(store: &dyn Store) {
    let data = AccountData {
        name: "Main ' ; drop table accounts; --".to_owned(),
        provider: Provider::Meta,
        settings_json: "{}".to_owned(),
        secrets: vec![0, 1, 2, 255],
    };
    let id = store.create_account(&data, 5).await.unwrap();
    let stored = store.account(id).await.unwrap();
    assert_eq!(
        (stored.name.as_str(), stored.secrets.as_slice()),
        (data.name.as_str(), data.secrets.as_slice())
    );
    let renamed = AccountData {
        name: "x".repeat(100_000),
        ..data
    };
    store.update_account(id, &renamed, 6).await.unwrap();
    assert_eq!(store.list_accounts().await.unwrap()[0].name.len(), 100_000);
    assert!(matches!(
        store.update_account(id + 1000, &renamed, 7).await,
        Err(StoreError::NotFound)
    ));
}

async fn templates(store: &dyn Store) {
    let account = store.list_accounts().await.unwrap()[0].id;
    let content = |name: &str| TemplateContent {
        name: name.to_owned(),
        language: "en".to_owned(),
        file_json: format!("{{\"name\":\"{name}\"}}"),
    };
    let first = store
        .create_template(account, &content("first"), 1)
        .await
        .unwrap();
    let second = store
        .create_template(account, &content("second"), 2)
        .await
        .unwrap();
    let created = store.template(first).await.unwrap();
    assert_eq!(
        (created.status, created.quality, created.deleted_at),
        (TemplateStatus::Draft, TemplateQuality::Unknown, None)
    );

    store
        .update_template_content(first, &content("renamed"), 3)
        .await
        .unwrap();
    assert_eq!(store.template(first).await.unwrap().name, "renamed");

    let review = TemplateReview {
        status: TemplateStatus::Rejected,
        quality: TemplateQuality::Unknown,
        rejection_reason: Some("INVALID_FORMAT".to_owned()),
        provider_template_id: Some("123".to_owned()),
    };
    store
        .update_template_review(first, &review, 4)
        .await
        .unwrap();
    let approved = TemplateReview {
        status: TemplateStatus::Approved,
        rejection_reason: None,
        provider_template_id: None,
        ..review
    };
    store
        .update_template_review(first, &approved, 5)
        .await
        .unwrap();
    let reviewed = store.template(first).await.unwrap();
    assert_eq!(reviewed.status, TemplateStatus::Approved);
    assert_eq!(
        reviewed.provider_template_id.as_deref(),
        Some("123"),
        "a review without an id keeps the known one"
    );

    store.delete_template(second, 6).await.unwrap();
    store.delete_template(second, 7).await.unwrap();
    assert_eq!(
        store.template(second).await.unwrap().deleted_at,
        Some(6),
        "deleting twice keeps the first time"
    );
    let ids =
        |records: Vec<crate::TemplateRecord>| records.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store
            .list_templates(account, TemplateFilter::NotDeleted)
            .await
            .unwrap()),
        [first]
    );
    assert_eq!(
        ids(store
            .list_templates(account, TemplateFilter::Deleted)
            .await
            .unwrap()),
        [second]
    );
    assert_eq!(
        ids(store
            .list_templates(account, TemplateFilter::All)
            .await
            .unwrap()),
        [first, second]
    );
    assert!(matches!(
        store.template(second + 1000).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store
            .template_by_provider_id(account, "123")
            .await
            .unwrap()
            .id,
        first
    );
    assert!(matches!(
        store.template_by_provider_id(account, "404").await,
        Err(StoreError::NotFound)
    ));
    webhooks(store, account).await;
}

async fn webhooks(store: &dyn Store, account: i64) {
    let content = WebhookContent {
        business_account_ids: vec!["waba-1".to_owned()],
        template_events: vec![TemplateEvent::Status {
            template_id: "1234".to_owned(),
            status: TemplateStatus::Rejected,
            reason: Some("INVALID_FORMAT".to_owned()),
        }],
        ..WebhookContent::default()
    };
    let event = NewWebhookEvent {
        provider: Provider::Meta,
        account_id: Some(account),
        dedupe_key: "sha-of-body",
        payload: "{\"object\":\"whatsapp_business_account\"}",
        content: &content,
        settled: false,
    };
    let other = NewWebhookEvent {
        account_id: None,
        dedupe_key: "other",
        ..event
    };
    let ids = store
        .record_webhooks(&[event, other, event], 10)
        .await
        .unwrap();
    assert!(ids[0].is_some() && ids[1].is_some());
    assert_eq!(
        ids[2], None,
        "a replay in the same batch is not stored twice"
    );
    assert_eq!(
        store.record_webhooks(&[event], 11).await.unwrap(),
        [None],
        "nor in a later one"
    );
    let pending = store.unprocessed_webhooks(10).await.unwrap();
    assert_eq!(
        pending.iter().map(|w| Some(w.id)).collect::<Vec<_>>(),
        ids[..2]
    );
    assert_eq!(
        pending[0].content, content,
        "the applier reads what the webhook said, as read when it came"
    );
    store
        .mark_webhooks_processed(&[pending[0].id], 12)
        .await
        .unwrap();
    assert_eq!(store.unprocessed_webhooks(10).await.unwrap().len(), 1);
    status_batches_side_by_side(store, account).await;
    messages(store, account).await;
}

/// Two batches reporting the same messages in opposite orders, stored at the same time: on a
/// backend with row locks both must store (each locks the messages in one order), no deadlock.
async fn status_batches_side_by_side(store: &dyn Store, account: i64) {
    let ids: Vec<String> = (0..200).map(|n| format!("wamid.side.{n:03}")).collect();
    let of = |id: &String, state: MessageStatus, at_ms: i64| StatusUpdate {
        recipient: "4915100000999".to_owned(),
        ..status(id, state, at_ms)
    };
    let forward: Vec<StatusUpdate> = ids
        .iter()
        .map(|id| of(id, MessageStatus::Sent, 20))
        .collect();
    let backward: Vec<StatusUpdate> = ids
        .iter()
        .rev()
        .map(|id| of(id, MessageStatus::Delivered, 21))
        .collect();
    for round in 0..5 {
        let (first, second) = (format!("side-{round}-a"), format!("side-{round}-b"));
        let (a, b) = futures_util::future::join(
            store.record_webhooks(&[settled(account, &first, &carrying(&forward, &[]))], 20),
            store.record_webhooks(&[settled(account, &second, &carrying(&backward, &[]))], 20),
        )
        .await;
        assert!(a.is_ok() && b.is_ok(), "round {round}: {a:?} {b:?}");
    }
}

fn status(message_id: &str, status: MessageStatus, at_ms: i64) -> StatusUpdate {
    StatusUpdate {
        message_id: message_id.to_owned(),
        status,
        at_ms,
        recipient: "4915112345678".to_owned(),
        error: (status == MessageStatus::Failed).then(|| MessageError {
            code: Some(131_026),
            message: "Message Undeliverable".to_owned(),
        }),
        callback_data: None,
    }
}

/// A webhook that carries only statuses and messages.
fn settled<'a>(account: i64, key: &'a str, content: &'a WebhookContent) -> NewWebhookEvent<'a> {
    NewWebhookEvent {
        provider: Provider::Meta,
        account_id: Some(account),
        dedupe_key: key,
        payload: "{}",
        content,
        settled: true,
    }
}

/// What a webhook with `statuses` and `inbound` messages says.
fn carrying(statuses: &[StatusUpdate], inbound: &[InboundMessage]) -> WebhookContent {
    WebhookContent {
        statuses: statuses.to_vec(),
        inbound: inbound.to_vec(),
        ..WebhookContent::default()
    }
}

async fn messages(store: &dyn Store, account: i64) {
    let sent = OutboundMessage {
        account_id: account,
        provider_message_id: "wamid.1",
        kind: MessageKind::Template,
        phone: "4915112345678",
        body: "Hello Ann",
        payload: "{}",
        callback_data: Some("h:1"),
        category: Some("UTILITY"),
    };
    let id = store.record_outbound_message(&sent, 100).await.unwrap();
    let read = [status("wamid.1", MessageStatus::Read, 3_000)];
    let late = [
        status("wamid.1", MessageStatus::Delivered, 2_000),
        status("wamid.1", MessageStatus::Failed, 2_500),
        status("wamid.2", MessageStatus::Failed, 2_600),
    ];
    store
        .record_webhooks(&[settled(account, "read", &carrying(&read, &[]))], 200)
        .await
        .unwrap();
    store
        .record_webhooks(&[settled(account, "late", &carrying(&late, &[]))], 201)
        .await
        .unwrap();
    assert!(
        store.unprocessed_webhooks(10).await.unwrap().len() == 1,
        "settled events need no applier"
    );
    let first = store
        .message_by_provider_id(account, "wamid.1")
        .await
        .unwrap();
    assert_eq!(first.id, id);
    assert_eq!(
        (
            first.status,
            first.status_at,
            first.delivered_at,
            first.error_code
        ),
        (MessageStatus::Read, 3_000, Some(3_000), None),
        "read, then a late delivered and a stale failure, stays read"
    );
    assert_eq!(
        (first.kind, first.category.as_deref()),
        (Some(MessageKind::Template), Some("UTILITY"))
    );

    let one_batch = [
        status("wamid.3", MessageStatus::Sent, 1_000),
        status("wamid.3", MessageStatus::Read, 1_200),
        status("wamid.3", MessageStatus::Delivered, 1_100),
    ];
    store
        .record_webhooks(
            &[settled(account, "batch", &carrying(&one_batch, &[]))],
            202,
        )
        .await
        .unwrap();
    let batched = store
        .message_by_provider_id(account, "wamid.3")
        .await
        .unwrap();
    assert_eq!(
        (batched.status, batched.delivered_at),
        (MessageStatus::Read, Some(1_100)),
        "several statuses of one message in one batch: the strongest wins, delivery at the earliest"
    );

    let early = store
        .message_by_provider_id(account, "wamid.2")
        .await
        .unwrap();
    assert_eq!(
        (
            early.kind,
            early.status,
            early.error_code,
            early.error_message.as_deref()
        ),
        (
            None,
            MessageStatus::Failed,
            Some(131_026),
            Some("Message Undeliverable")
        ),
        "a status before the send is recorded makes the row"
    );
    store
        .record_outbound_message(
            &OutboundMessage {
                provider_message_id: "wamid.2",
                ..sent
            },
            300,
        )
        .await
        .unwrap();
    let filled = store
        .message_by_provider_id(account, "wamid.2")
        .await
        .unwrap();
    assert_eq!(
        (filled.kind, filled.status, filled.body.as_deref()),
        (
            Some(MessageKind::Template),
            MessageStatus::Failed,
            Some("Hello Ann")
        )
    );

    let reply = InboundMessage {
        message_id: "wamid.in".to_owned(),
        from: "4915112345678".to_owned(),
        kind: MessageKind::Button,
        text: Some("Yes".to_owned()),
        reply_to: Some("wamid.1".to_owned()),
        at_ms: 4_000,
        payload: "{\"type\":\"button\"}".to_owned(),
    };
    let inbound = [reply.clone(), reply];
    store
        .record_webhooks(
            &[
                settled(account, "in-1", &carrying(&[], &inbound)),
                settled(account, "in-2", &carrying(&[], &inbound)),
            ],
            400,
        )
        .await
        .unwrap();
    let conversation = store
        .messages(account, Some("4915112345678"), 10)
        .await
        .unwrap();
    let summary: Vec<(MessageDirection, Option<MessageKind>, MessageStatus)> = conversation
        .iter()
        .map(|m| (m.direction, m.kind, m.status))
        .collect();
    assert_eq!(
        summary,
        [
            (
                MessageDirection::Inbound,
                Some(MessageKind::Button),
                MessageStatus::Received
            ),
            (MessageDirection::Outbound, None, MessageStatus::Read),
            (
                MessageDirection::Outbound,
                Some(MessageKind::Template),
                MessageStatus::Failed
            ),
            (
                MessageDirection::Outbound,
                Some(MessageKind::Template),
                MessageStatus::Read
            ),
        ],
        "newest first; an inbound message delivered twice is stored once"
    );
    assert_eq!(conversation[0].reply_to.as_deref(), Some("wamid.1"));
    assert!(
        store
            .messages(account, Some("1"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.messages(account, None, 2).await.unwrap().len(), 2);
    check_conversations(store, account, conversation[0].id).await;
}

/// The inbox: who wrote, unread counts, closing and reopening, marks that never go back.
async fn check_conversations(store: &dyn Store, account: i64, tap_id: i64) {
    let phone = "4915112345678";
    let listed = store.conversations(account, None, 100, 10).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|shown| (shown.last.id, shown.unread, shown.open))
            .collect::<Vec<_>>(),
        [(tap_id, 1, true)],
        "only contacts that wrote, unread and open until someone acts"
    );
    store
        .mark_conversation(account, phone, ConversationMark::ReadThrough(tap_id))
        .await
        .unwrap();
    store
        .mark_conversation(account, phone, ConversationMark::ClosedThrough(tap_id))
        .await
        .unwrap();
    store
        .mark_conversation(account, phone, ConversationMark::ReadThrough(tap_id - 1))
        .await
        .unwrap();
    let listed = store.conversations(account, None, 100, 10).await.unwrap();
    assert_eq!(
        (listed[0].unread, listed[0].open),
        (0, false),
        "read and closed; an older read mark changes nothing"
    );

    let later = InboundMessage {
        message_id: "wamid.in-later".to_owned(),
        from: phone.to_owned(),
        kind: MessageKind::Text,
        text: Some("One more thing".to_owned()),
        reply_to: None,
        at_ms: 5_000,
        payload: "{}".to_owned(),
    };
    store
        .record_webhooks(&[settled(account, "in-3", &carrying(&[], &[later]))], 500)
        .await
        .unwrap();
    let listed = store.conversations(account, None, 100, 10).await.unwrap();
    assert_eq!(
        (
            listed[0].last.body.as_deref(),
            listed[0].unread,
            listed[0].open
        ),
        (Some("One more thing"), 1, true),
        "a new message reopens it"
    );
    let newest = listed[0].last.id;
    store
        .mark_conversation(account, phone, ConversationMark::ClosedThrough(newest))
        .await
        .unwrap();
    store
        .mark_conversation(account, phone, ConversationMark::ClosedThrough(tap_id))
        .await
        .unwrap();
    assert!(!store.conversations(account, None, 100, 10).await.unwrap()[0].open);
    store
        .mark_conversation(account, phone, ConversationMark::Reopened)
        .await
        .unwrap();
    assert!(store.conversations(account, None, 100, 10).await.unwrap()[0].open);
    assert!(
        store
            .conversations(account, None, 100, 0)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .conversations(account, Some(phone), 100, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .conversations(account, Some("4915100000000"), 100, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

fn contact(phone: &str, first_name: &str) -> Contact {
    Contact {
        phone: phone.to_owned(),
        mobile: phone.to_owned(),
        first_name: first_name.to_owned(),
        ..Contact::default()
    }
}

async fn fresh_account(store: &dyn Store, name: &str) -> i64 {
    let data = AccountData {
        name: name.to_owned(),
        provider: Provider::Sandbox,
        settings_json: "{}".to_owned(),
        secrets: vec![1],
    };
    store.create_account(&data, 1).await.unwrap()
}

async fn lists_and_contacts(store: &dyn Store) {
    let account = fresh_account(store, "contacts").await;
    let lists = store.lists(account).await.unwrap();
    assert_eq!(lists.len(), 1);
    assert!(lists[0].is_master);
    let vip = store.create_list(account, "VIP", 2).await.unwrap();
    assert!(matches!(
        store.create_list(account, "VIP", 3).await,
        Err(StoreError::Conflict { constraint: "list" })
    ));

    let mut anna = contact("393402211333", "Anna");
    anna.custom.insert("tier".into(), "gold".into());
    let report = store
        .upsert_contacts(account, vip, &[anna, contact("447700900123", "Bob")], 4)
        .await
        .unwrap();
    assert_eq!((report.created, report.updated), (2, 0));
    let mut again = contact("393402211333", "Anna Maria");
    again.email = "anna@example.com".into();
    again.custom.insert("city".into(), "Roma".into());
    let report = store
        .upsert_contacts(account, vip, &[again], 5)
        .await
        .unwrap();
    assert_eq!((report.created, report.updated), (0, 1));

    let sizes: Vec<(bool, i64)> = store
        .lists(account)
        .await
        .unwrap()
        .iter()
        .map(|list| (list.is_master, list.size))
        .collect();
    assert_eq!(sizes, [(true, 2), (false, 2)]);
    let stored = store
        .contact_by_phone(account, "393402211333")
        .await
        .unwrap();
    assert_eq!(stored.contact.first_name, "Anna Maria");
    assert_eq!(stored.contact.email, "anna@example.com");
    assert_eq!(
        stored
            .contact
            .custom
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>(),
        ["city=Roma", "tier=gold"]
    );
    let all = ContactFilter::default();
    let page = store.list_contacts(vip, &all, 0, 1).await.unwrap();
    assert_eq!(page.len(), 1);
    let rest = store
        .list_contacts(vip, &all, page[0].id, 10)
        .await
        .unwrap();
    assert_eq!(rest.len(), 1);

    store
        .set_opted_out(account, "447700900123", Some(9))
        .await
        .unwrap();
    assert_eq!(
        store
            .contact_by_phone(account, "447700900123")
            .await
            .unwrap()
            .opted_out_at,
        Some(9)
    );
    assert!(matches!(
        store.set_opted_out(account, "1", None).await,
        Err(StoreError::NotFound)
    ));
}

/// Search, filter, edit and delete contacts; rename and delete lists.
async fn browsing_and_editing_a_list(store: &dyn Store) {
    let account = fresh_account(store, "browsing").await;
    let master = store.lists(account).await.unwrap()[0].id;
    let list = store.create_list(account, "Autumn", 1).await.unwrap();
    let mut ada = contact("447700900001", "Ada");
    ada.last_name = "Lovelace".into();
    let mut percy = contact("447700900002", "Percy 100%");
    percy.custom.insert("tier".into(), "gold".into());
    store
        .upsert_contacts(
            account,
            list,
            &[ada, percy, contact("393400000003", "Bianca")],
            2,
        )
        .await
        .unwrap();
    let phones = |filter: ContactFilter| async move {
        store
            .list_contacts(list, &filter, 0, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|record| record.contact.phone)
            .collect::<Vec<_>>()
    };
    let search = |text: &str| ContactFilter {
        search: Some(text.to_owned()),
        opted_out: None,
    };
    assert_eq!(phones(search("ada love")).await, ["447700900001"]);
    assert_eq!(phones(search("LOVELACE")).await, ["447700900001"]);
    assert_eq!(
        phones(search("4477009")).await,
        ["447700900001", "447700900002"]
    );
    assert_eq!(phones(search("100%")).await, ["447700900002"]);
    assert_eq!(phones(search("0%")).await, ["447700900002"]);
    assert!(
        phones(search("_")).await.is_empty(),
        "_ is a letter, not a wildcard"
    );
    store
        .set_opted_out(account, "393400000003", Some(3))
        .await
        .unwrap();
    let opted_out = |only: bool| ContactFilter {
        search: None,
        opted_out: Some(only),
    };
    assert_eq!(phones(opted_out(true)).await, ["393400000003"]);
    assert_eq!(phones(opted_out(false)).await.len(), 2);

    let bianca = store
        .contact_by_phone(account, "393400000003")
        .await
        .unwrap();
    let mut edited = bianca.contact.clone();
    edited.phone = "393400000004".into();
    edited.custom.insert("city".into(), "Milano".into());
    store.update_contact(bianca.id, &edited, 4).await.unwrap();
    let stored = store.contact(bianca.id).await.unwrap();
    assert_eq!(stored.contact, edited);
    assert_eq!(stored.opted_out_at, Some(3), "an edit keeps the opt-out");
    let mut taken = edited.clone();
    taken.phone = "447700900001".into();
    assert!(matches!(
        store.update_contact(bianca.id, &taken, 5).await,
        Err(StoreError::Conflict {
            constraint: "contact"
        })
    ));
    assert!(matches!(
        store.update_contact(-1, &edited, 5).await,
        Err(StoreError::NotFound)
    ));

    assert!(matches!(
        store.remove_from_list(master, bianca.id).await,
        Err(StoreError::NotFound)
    ));
    store.remove_from_list(list, bianca.id).await.unwrap();
    let sizes = |lists: Vec<ListRecord>| lists.iter().map(|l| l.size).collect::<Vec<_>>();
    assert_eq!(sizes(store.lists(account).await.unwrap()), [3, 2]);
    let percy = store
        .contact_by_phone(account, "447700900002")
        .await
        .unwrap();
    store.delete_contact(percy.id, 6).await.unwrap();
    assert_eq!(sizes(store.lists(account).await.unwrap()), [2, 1]);
    let erased = store.contact(percy.id).await.unwrap();
    assert_eq!(
        (
            erased.contact.first_name.as_str(),
            erased.contact.custom.len()
        ),
        ("", 0)
    );

    store.rename_list(list, "Winter").await.unwrap();
    assert_eq!(store.list(list).await.unwrap().name, "Winter");
    let other = store.create_list(account, "Spring", 7).await.unwrap();
    assert!(matches!(
        store.rename_list(other, "Winter").await,
        Err(StoreError::Conflict { constraint: "list" })
    ));
    assert!(matches!(
        store.delete_list(master).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.campaigns_using_list(list).await.unwrap(), 0);
    store.delete_list(list).await.unwrap();
    assert!(matches!(store.list(list).await, Err(StoreError::NotFound)));
    assert_eq!(sizes(store.lists(account).await.unwrap()), [2, 0]);
}

fn settings(template_id: i64, name: &str) -> CampaignSettings {
    CampaignSettings {
        name: name.to_owned(),
        template_id,
        sending_interval_ms: 0,
        response_timeout_days: 1,
        duplicate_check_days: None,
        include_active_interactions: false,
        close_on_quick_reply: false,
        start_at: None,
    }
}

/// Row `id`'s move from `from` on `event`, as the hopper's state machine makes it.
fn moving(id: i64, from: HopperState, event: HopperEvent) -> HopperMove<'static> {
    HopperMove::new(id, from.take(event).expect("a legal move"))
}

async fn campaigns_and_hopper(store: &dyn Store) {
    let account = fresh_account(store, "campaigns").await;
    let list = store.create_list(account, "Spring", 1).await.unwrap();
    let phones: Vec<String> = (0..20).map(|n| format!("4915112345{n:02}")).collect();
    let contacts: Vec<Contact> = phones.iter().map(|phone| contact(phone, "Ann")).collect();
    store
        .upsert_contacts(account, list, &contacts[..10], 2)
        .await
        .unwrap();
    let template = store
        .create_template(
            account,
            &TemplateContent {
                name: "spring".into(),
                language: "en".into(),
                file_json: "{}".into(),
            },
            1,
        )
        .await
        .unwrap();
    let campaign = store
        .create_campaign(
            account,
            &settings(template, "Spring"),
            CampaignStatus::Scheduled,
            3,
        )
        .await
        .unwrap();
    assert_eq!(store.attach_list(campaign, list, 4).await.unwrap(), 10);
    assert_eq!(store.attach_list(campaign, list, 4).await.unwrap(), 0);
    // Contacts added to an attached list join the hopper of a campaign not yet ended.
    store
        .upsert_contacts(account, list, &contacts[10..], 5)
        .await
        .unwrap();
    let shown = store.campaign(campaign).await.unwrap();
    assert_eq!(
        (shown.status, shown.list_ids.clone()),
        (CampaignStatus::Scheduled, vec![list])
    );
    assert_eq!(shown.settings.name, "Spring");
    assert_eq!(
        store.hopper_counts(campaign).await.unwrap(),
        HopperCounts {
            total: 20,
            fresh: 20,
            ..HopperCounts::default()
        }
    );

    assert!(
        store
            .set_campaign_status(campaign, CampaignEvent::StartDateCame.change(), None, 6)
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_campaign_status(campaign, CampaignEvent::StartDateCame.change(), None, 6)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .campaigns_in(&[CampaignStatus::Running])
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store.campaigns(Some(account)).await.unwrap()[0].id,
        campaign
    );

    // Concurrent claims never share a row.
    let claims = futures_util::future::join_all(
        (0..8).map(|_| store.claim_contacts(campaign, 3, 1_000, 10)),
    )
    .await;
    let mut claimed: Vec<_> = claims.into_iter().flat_map(Result::unwrap).collect();
    assert_eq!(claimed.len(), 20);
    claimed.sort_by_key(|claim| claim.hopper_id);
    claimed.dedup_by_key(|claim| claim.hopper_id);
    assert_eq!(claimed.len(), 20);
    assert!(claimed.iter().all(|claim| claim.attempt == 1));
    assert!(
        store
            .claim_contacts(campaign, 5, 1_000, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.hopper_counts(campaign).await.unwrap().pending, 20);

    let (first, second, third) = (&claimed[0], &claimed[1], &claimed[2]);
    let callback = format!("h{}.{}", first.hopper_id, first.attempt);
    let sent = HopperMove {
        attempt: Some(first.attempt),
        message_id: Some("wamid.first"),
        ..moving(first.hopper_id, HopperState::Sending, HopperEvent::Accepted)
    };
    let failed = HopperMove {
        reason: Some("Service temporarily unavailable"),
        error_code: Some(131_000),
        ready_at: Some(500),
        ..moving(
            second.hopper_id,
            HopperState::Sending,
            HopperEvent::Refused(ErrorClass::Temporary),
        )
    };
    let stale = HopperMove {
        attempt: Some(third.attempt + 1),
        ..moving(third.hopper_id, HopperState::Sending, HopperEvent::Accepted)
    };
    let message = OutboundMessage {
        account_id: account,
        provider_message_id: "wamid.first",
        kind: MessageKind::Template,
        phone: &first.contact.phone,
        body: "Hello Ann",
        payload: "{}",
        callback_data: Some(&callback),
        category: Some("MARKETING"),
    };
    let applied = store
        .apply_hopper_moves(&[sent, failed, stale], &[message], 20)
        .await
        .unwrap();
    assert_eq!(applied, [true, true, false]);
    let row = store.hopper_row(first.hopper_id).await.unwrap();
    assert_eq!(
        (row.state, row.message_id.as_deref(), row.sent_at),
        (HopperState::Pending, Some("wamid.first"), Some(20))
    );
    assert_eq!(
        store.message_by_callback(account, &callback).await.unwrap(),
        Some(("wamid.first".to_owned(), MessageStatus::Accepted))
    );
    assert_eq!(
        store
            .message_by_provider_id(account, "wamid.first")
            .await
            .unwrap()
            .category
            .as_deref(),
        Some("MARKETING"),
        "a batch keeps each template's category"
    );
    assert_eq!(
        store.message_by_callback(account, "h0.0").await.unwrap(),
        None
    );
    assert_eq!(store.templates_sent_since(account, 0).await.unwrap(), 1);
    let retry = store.hopper_row(second.hopper_id).await.unwrap();
    assert_eq!(
        (retry.state, retry.error_code, retry.tries_left),
        (HopperState::Retry, Some(131_000), AUTOMATIC_RETRIES)
    );

    // A retry row is claimed again once ready, using up one of its tries.
    assert!(
        store
            .claim_contacts(campaign, 5, 1_000, 499)
            .await
            .unwrap()
            .is_empty()
    );
    let again = store.claim_contacts(campaign, 5, 1_000, 500).await.unwrap();
    assert_eq!(
        (again.len(), again[0].attempt, again[0].retrying),
        (1, 2, true)
    );
    assert!(!claimed[0].retrying);
    assert_eq!(
        store.hopper_row(second.hopper_id).await.unwrap().tries_left,
        AUTOMATIC_RETRIES - 1
    );

    assert_eq!(
        store.expired_leases(campaign, 1_001).await.unwrap().len(),
        19
    );
    assert_eq!(
        store
            .pending_sent_before(campaign, 21, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .pending_sent_before(campaign, 20, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let other = store
        .create_campaign(
            account,
            &settings(template, "Summer"),
            CampaignStatus::Running,
            30,
        )
        .await
        .unwrap();
    let phones = vec![first.contact.phone.clone(), third.contact.phone.clone()];
    let facts = store
        .phone_facts(account, other, &phones, Some(20), 0)
        .await
        .unwrap();
    // The first is pending in the other campaign (sent at 20); the third is being sent there.
    assert_eq!(facts.sent_recently, [first.contact.phone.clone()].into());
    assert_eq!(facts.busy_elsewhere, phones.iter().cloned().collect());
    assert!(facts.wrote_recently.is_empty());
    assert_eq!(
        facts.last_outbound,
        [(first.contact.phone.clone(), 20)].into(),
        "the message sent to the first at 20"
    );
    let later = store
        .phone_facts(account, other, &phones, Some(21), 0)
        .await
        .unwrap();
    assert!(later.sent_recently.is_empty());
    let own = store
        .phone_facts(account, campaign, &phones, Some(0), 0)
        .await
        .unwrap();
    assert!(own.sent_recently.is_empty() && own.busy_elsewhere.is_empty());
    let open = store
        .hopper_rows_for_phone(
            account,
            &first.contact.phone,
            &[HopperState::Pending],
            Some(other),
        )
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert!(
        store
            .hopper_rows_for_phone(
                account,
                &first.contact.phone,
                &[HopperState::Pending],
                Some(campaign)
            )
            .await
            .unwrap()
            .is_empty()
    );

    let closed = HopperMove {
        answer: Some("Yes please"),
        ..moving(first.hopper_id, HopperState::Pending, HopperEvent::Answered)
    };
    assert_eq!(
        store.apply_hopper_moves(&[closed], &[], 40).await.unwrap(),
        [true]
    );
    let row = store.hopper_row(first.hopper_id).await.unwrap();
    assert_eq!(
        (row.closed_at, row.answer.as_deref(), row.outcome),
        (Some(40), Some("Yes please"), Some(Outcome::Answered))
    );
    let changes = store.hopper_changes(campaign, 30, 10).await.unwrap();
    // The second row was claimed again at 500, the first closed at 40: latest first.
    assert_eq!(
        changes.iter().map(|row| row.id).collect::<Vec<_>>(),
        [second.hopper_id, first.hopper_id]
    );
    assert_eq!(
        store.hopper_changes(campaign, 40, 10).await.unwrap().len(),
        1
    );
    assert!(
        store
            .hopper_changes(campaign, 500, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let history = store
        .hopper_rows(
            campaign,
            &HopperFilter::in_state(HopperState::Closed),
            0,
            10,
        )
        .await
        .unwrap();
    assert_eq!(history.len(), 1);

    // Reset List: every row not being sent goes back to fresh, its history cleared.
    assert_eq!(store.reset_hopper(campaign, 50).await.unwrap(), 1);
    let reset = store.hopper_row(first.hopper_id).await.unwrap();
    assert_eq!(
        (reset.state, reset.message_id, reset.answer),
        (HopperState::Fresh, None, None)
    );
    assert_eq!(store.refill_retries(campaign, 3, 60).await.unwrap(), 0);

    // A send in doubt: counted apart, left alone by Start Retry Campaign, sent again only at an
    // admin's request once the reconciliation window is over.
    let doubtful = store.claim_contacts(campaign, 1, 1_000, 61).await.unwrap();
    let doubtful = &doubtful[0];
    let in_doubt = HopperMove {
        attempt: Some(doubtful.attempt),
        reason: Some("In doubt"),
        tries_left: Some(0),
        ..moving(
            doubtful.hopper_id,
            HopperState::Sending,
            HopperEvent::SendInDoubt,
        )
    };
    assert_eq!(
        store
            .apply_hopper_moves(&[in_doubt], &[], 62)
            .await
            .unwrap(),
        [true]
    );
    let counts = store.hopper_counts(campaign).await.unwrap();
    assert_eq!((counts.in_doubt, counts.retry), (1, 0));
    assert_eq!(store.refill_retries(campaign, 3, 63).await.unwrap(), 0);
    assert_eq!(
        store.resend_in_doubt(campaign, 1, 61, 64).await.unwrap(),
        0,
        "still in its window"
    );
    assert_eq!(store.resend_in_doubt(campaign, 1, 62, 65).await.unwrap(), 1);
    let resent = store.hopper_row(doubtful.hopper_id).await.unwrap();
    assert_eq!(
        (resent.state, resent.outcome),
        (HopperState::Retry, Some(Outcome::Resent))
    );
    assert_eq!(store.hopper_counts(campaign).await.unwrap().in_doubt, 0);
    let resent_claim = store.claim_contacts(campaign, 5, 1_000, 66).await.unwrap();
    assert_eq!(
        resent_claim
            .iter()
            .map(|claimed| claimed.hopper_id)
            .collect::<Vec<_>>(),
        [doubtful.hopper_id]
    );
    // An attempt that ends replaces the reason and code of the one before.
    let sent = HopperMove {
        attempt: Some(resent_claim[0].attempt),
        message_id: Some("wamid.resent"),
        ..moving(
            doubtful.hopper_id,
            HopperState::Sending,
            HopperEvent::Accepted,
        )
    };
    assert_eq!(
        store.apply_hopper_moves(&[sent], &[], 67).await.unwrap(),
        [true]
    );
    let latest = store.hopper_row(doubtful.hopper_id).await.unwrap();
    assert_eq!(
        (latest.outcome, latest.reason, latest.error_code),
        (Some(Outcome::Sent), None, None)
    );

    // Pacing puts claimed rows back with their attempt given back (two moves: the batch path).
    let paced = [
        HopperMove {
            attempt: Some(third.attempt),
            claim_undone: true,
            ready_at: Some(80),
            ..moving(
                third.hopper_id,
                HopperState::Sending,
                HopperEvent::GivenBack,
            )
        },
        HopperMove {
            attempt: Some(again[0].attempt),
            claim_undone: true,
            ..moving(
                second.hopper_id,
                HopperState::Sending,
                HopperEvent::GivenBack,
            )
        },
    ];
    assert_eq!(
        store.apply_hopper_moves(&paced, &[], 65).await.unwrap(),
        [true, true]
    );
    let third_row = store.hopper_row(third.hopper_id).await.unwrap();
    assert_eq!(
        (third_row.state, third_row.attempt, third_row.ready_at),
        (HopperState::Retry, third.attempt - 1, 80)
    );
    assert_eq!(
        store.hopper_row(second.hopper_id).await.unwrap().attempt,
        again[0].attempt - 1
    );

    store.delete_campaign(other, 70).await.unwrap();
    assert!(matches!(
        store.campaign(other).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.campaigns(Some(account)).await.unwrap().len(), 1);
    outcomes_are_counted_as_the_rows_say(store, campaign).await;
    results_agree_with_the_rows(store, account, campaign).await;
}

/// The funnel, the failures by code and the sends per minute say what the rows and their
/// messages say.
async fn results_agree_with_the_rows(store: &dyn Store, account: i64, campaign: i64) {
    let rows = store
        .hopper_rows(campaign, &HopperFilter::default(), 0, 1_000)
        .await
        .unwrap();
    let mut expected = Funnel::default();
    let mut codes: std::collections::BTreeMap<Option<i64>, i64> = Default::default();
    let mut minutes: std::collections::BTreeMap<i64, i64> = Default::default();
    for row in &rows {
        let status = match &row.message_id {
            Some(id) => store
                .message_by_provider_id(account, id)
                .await
                .ok()
                .map(|message| message.status),
            None => None,
        };
        if let Some(sent_at) = row.sent_at {
            expected.sent += 1;
            *minutes.entry(sent_at / 60_000 * 60_000).or_default() += 1;
        }
        let read = status == Some(MessageStatus::Read);
        if row.delivered_at.is_some() || read || status == Some(MessageStatus::Delivered) {
            expected.delivered += 1;
        }
        expected.read += i64::from(read);
        expected.replied += i64::from(row.answer.is_some());
        let failed = row.outcome == Some(Outcome::Failed);
        expected.failed += i64::from(failed);
        if failed || row.error_code.is_some() {
            *codes.entry(row.error_code).or_default() += 1;
        }
    }
    assert!(expected.sent > 0, "{expected:?}");
    assert_eq!(store.funnel(campaign).await.unwrap(), expected);
    let mut counted: Vec<(Option<i64>, i64)> = store
        .failure_counts(campaign, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|failure| (failure.code, failure.count))
        .collect();
    counted.sort();
    assert_eq!(counted, codes.into_iter().collect::<Vec<_>>());
    assert_eq!(
        store
            .sends_per_minute(campaign, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|minute| (minute.minute_ms, minute.sent))
            .collect::<Vec<_>>(),
        minutes.into_iter().collect::<Vec<_>>(),
        "oldest first"
    );
    assert_eq!(store.funnel(-1).await.unwrap(), Funnel::default());
}

/// The results' counts by outcome and reason agree with the rows themselves, most frequent
/// first, and a limit keeps the first groups.
async fn outcomes_are_counted_as_the_rows_say(store: &dyn Store, campaign: i64) {
    let mut expected: std::collections::BTreeMap<(&str, Option<String>), i64> =
        std::collections::BTreeMap::new();
    for row in store
        .hopper_rows(campaign, &HopperFilter::default(), 0, 1_000)
        .await
        .unwrap()
    {
        if let Some(outcome) = row.outcome {
            *expected.entry((outcome.as_str(), row.reason)).or_default() += 1;
        }
    }
    assert!(
        expected.len() > 1,
        "the campaign has several outcomes to count"
    );
    let counted = store.outcome_counts(campaign, 100).await.unwrap();
    assert!(
        counted
            .windows(2)
            .all(|pair| pair[0].count >= pair[1].count),
        "most frequent first"
    );
    let mut by_group: Vec<((&str, Option<String>), i64)> = counted
        .into_iter()
        .map(|count| ((count.outcome.as_str(), count.reason), count.count))
        .collect();
    by_group.sort();
    assert_eq!(by_group, expected.into_iter().collect::<Vec<_>>());
    assert_eq!(store.outcome_counts(campaign, 1).await.unwrap().len(), 1);
    let all = store
        .hopper_rows(campaign, &HopperFilter::default(), 0, 1_000)
        .await
        .unwrap();
    for outcome in [Outcome::Answered, Outcome::Sent, Outcome::Failed] {
        let filter = HopperFilter {
            state: None,
            outcome: Some(outcome),
        };
        let found = store
            .hopper_rows(campaign, &filter, 0, 1_000)
            .await
            .unwrap();
        assert_eq!(
            found.iter().map(|row| row.id).collect::<Vec<_>>(),
            all.iter()
                .filter(|row| row.outcome == Some(outcome))
                .map(|row| row.id)
                .collect::<Vec<_>>(),
            "the history filtered by {outcome}"
        );
    }
}
