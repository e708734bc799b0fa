//! The contract every backend must pass: the same checks run against SQLite and PostgreSQL.

use herald_domain::{Provider, Role, TemplateFilter, TemplateQuality, TemplateStatus};

use crate::{AccountData, Store, StoreError, TemplateContent, TemplateReview};

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
    let event = crate::NewWebhookEvent {
        provider: Provider::Meta,
        account_id: Some(account),
        dedupe_key: "sha-of-body",
        payload: "{\"object\":\"whatsapp_business_account\"}",
    };
    let other = crate::NewWebhookEvent {
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
}
