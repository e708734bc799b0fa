//! The contract every backend must pass: the same checks run against SQLite and PostgreSQL.

use herald_domain::{
    InboundMessage, MessageDirection, MessageError, MessageKind, MessageStatus, Provider, Role,
    StatusUpdate, TemplateFilter, TemplateQuality, TemplateStatus,
};

use crate::{
    AccountData, NewWebhookEvent, OutboundMessage, Store, StoreError, TemplateContent,
    TemplateReview,
};

/// Runs every check against an empty `store`; panics (as tests do) on the first broken promise.
pub async fn check_store(store: &dyn Store) {
    users_and_sessions(store).await;
    accounts(store).await;
    templates(store).await;
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
    let event = NewWebhookEvent {
        provider: Provider::Meta,
        account_id: Some(account),
        dedupe_key: "sha-of-body",
        payload: "{\"object\":\"whatsapp_business_account\"}",
        statuses: &[],
        inbound: &[],
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
    assert_eq!(pending[0].payload, event.payload);
    store
        .mark_webhooks_processed(&[pending[0].id], 12)
        .await
        .unwrap();
    assert_eq!(store.unprocessed_webhooks(10).await.unwrap().len(), 1);
    messages(store, account).await;
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
fn settled<'a>(
    account: i64,
    key: &'a str,
    statuses: &'a [StatusUpdate],
    inbound: &'a [InboundMessage],
) -> NewWebhookEvent<'a> {
    NewWebhookEvent {
        provider: Provider::Meta,
        account_id: Some(account),
        dedupe_key: key,
        payload: "{}",
        statuses,
        inbound,
        settled: true,
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
    };
    let id = store.record_outbound_message(&sent, 100).await.unwrap();
    let read = [status("wamid.1", MessageStatus::Read, 3_000)];
    let late = [
        status("wamid.1", MessageStatus::Delivered, 2_000),
        status("wamid.1", MessageStatus::Failed, 2_500),
        status("wamid.2", MessageStatus::Failed, 2_600),
    ];
    store
        .record_webhooks(&[settled(account, "read", &read, &[])], 200)
        .await
        .unwrap();
    store
        .record_webhooks(&[settled(account, "late", &late, &[])], 201)
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
    assert_eq!(first.kind, Some(MessageKind::Template));

    let one_batch = [
        status("wamid.3", MessageStatus::Sent, 1_000),
        status("wamid.3", MessageStatus::Read, 1_200),
        status("wamid.3", MessageStatus::Delivered, 1_100),
    ];
    store
        .record_webhooks(&[settled(account, "batch", &one_batch, &[])], 202)
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
                settled(account, "in-1", &[], &inbound),
                settled(account, "in-2", &[], &inbound),
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
}
