use proptest::prelude::*;
use serde_json::json;

use super::*;

fn meta(field: &str, value: &Value) -> Vec<u8> {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "waba-1", "changes": [{"field": field, "value": value}]}],
    })
    .to_string()
    .into_bytes()
}

#[test]
fn statuses_carry_their_error_and_callback_data() {
    let body = meta(
        "messages",
        &json!({
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": "phone-1"},
            "statuses": [
                {"id": "wamid.A", "status": "delivered", "timestamp": "1750030073", "recipient_id": "16505551234", "biz_opaque_callback_data": "h:42"},
                {"id": "wamid.B", "status": "failed", "timestamp": 1750030074, "recipient_id": "+1 650 555 0000",
                 "errors": [{"code": 131026, "title": "Message Undeliverable", "error_data": {"details": "not on WhatsApp"}}]},
                {"id": "wamid.C", "status": "deleted"},
            ],
        }),
    );
    let content = parse_meta(&body).expect("a status webhook");
    assert_eq!(content.phone_number_ids, ["phone-1"]);
    assert_eq!(content.business_account_ids, ["waba-1"]);
    assert_eq!(
        content.statuses,
        [
            StatusUpdate {
                message_id: "wamid.A".into(),
                status: MessageStatus::Delivered,
                at_ms: 1_750_030_073_000,
                recipient: "16505551234".into(),
                error: None,
                callback_data: Some("h:42".into()),
            },
            StatusUpdate {
                message_id: "wamid.B".into(),
                status: MessageStatus::Failed,
                at_ms: 1_750_030_074_000,
                recipient: "16505550000".into(),
                error: Some(MessageError {
                    code: Some(131_026),
                    message: "Message Undeliverable: not on WhatsApp".into()
                }),
                callback_data: None,
            },
        ]
    );
}

#[test]
fn every_inbound_type_is_stored_with_its_kind() {
    let messages = json!([
        {"from": "4915112345678", "id": "m1", "timestamp": "1", "type": "text", "text": {"body": "Hello"}},
        {"from": "4915112345678", "id": "m2", "type": "button", "button": {"payload": "YES", "text": "Yes please"}, "context": {"id": "wamid.T"}},
        {"from": "4915112345678", "id": "m3", "type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": "b", "title": "Cancel"}}},
        {"from": "4915112345678", "id": "m4", "type": "interactive", "interactive": {"type": "list_reply", "list_reply": {"id": "l", "title": "Tuesday"}}},
        {"from": "4915112345678", "id": "m5", "type": "location", "location": {"latitude": 1.0, "longitude": 2.0, "name": "Office"}},
        {"from": "4915112345678", "id": "m6", "type": "image", "image": {"id": "media", "caption": "Receipt"}},
        {"from": "4915112345678", "id": "m7", "type": "reaction", "reaction": {"message_id": "x", "emoji": "👍"}},
        {"from": "4915112345678", "type": "text", "text": {"body": "no id: ignored"}},
    ]);
    let content = parse_meta(&meta("messages", &json!({"messages": messages}))).expect("inbound");
    let kinds: Vec<(MessageKind, Option<&str>)> = content
        .inbound
        .iter()
        .map(|message| (message.kind, message.text.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [
            (MessageKind::Text, Some("Hello")),
            (MessageKind::Button, Some("Yes please")),
            (MessageKind::ButtonReply, Some("Cancel")),
            (MessageKind::ListReply, Some("Tuesday")),
            (MessageKind::Location, Some("Office")),
            (MessageKind::Media, Some("Receipt")),
            (MessageKind::Other, None),
        ]
    );
    assert_eq!(content.inbound[1].reply_to.as_deref(), Some("wamid.T"));
    assert_eq!(content.inbound[0].at_ms, 1000);
    assert!(content.inbound[6].payload.contains("👍"));
}

#[test]
fn template_events_are_read_with_their_reason() {
    let status = parse_meta(&meta(
        "message_template_status_update",
        &json!({"event": "REJECTED", "message_template_id": 1234, "reason": "INVALID_FORMAT"}),
    ))
    .expect("template status");
    let quality = parse_meta(&meta(
        "message_template_quality_update",
        &json!({"message_template_id": "1234", "new_quality_score": "red"}),
    ))
    .expect("quality");
    let category = parse_meta(&meta(
        "template_category_update",
        &json!({"message_template_id": 1234, "new_category": "MARKETING"}),
    ))
    .expect("category");
    let approved = parse_meta(&meta(
        "message_template_status_update",
        &json!({"event": "APPROVED", "message_template_id": 1234, "reason": "NONE"}),
    ))
    .expect("approval");
    assert_eq!(
        [
            status.template_events,
            quality.template_events,
            category.template_events,
            approved.template_events
        ]
        .concat(),
        [
            TemplateEvent::Status {
                template_id: "1234".into(),
                status: TemplateStatus::Rejected,
                reason: Some("INVALID_FORMAT".into())
            },
            TemplateEvent::Quality {
                template_id: "1234".into(),
                quality: TemplateQuality::Red
            },
            TemplateEvent::Category {
                template_id: "1234".into(),
                category: "MARKETING".into()
            },
            TemplateEvent::Status {
                template_id: "1234".into(),
                status: TemplateStatus::Approved,
                reason: None
            },
        ]
    );
}

#[test]
fn kaleyra_callbacks_read_like_meta_changes() {
    let status = json!({
        "meta_object": {"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"phone_number_id": "919000000000"},
            "statuses": [{"id": "wamid.K", "status": "NOT-SENT", "timestamp": "5", "recipient_id": "919811111111",
                          "errors": [{"code": 131026, "title": "'To' number invalid or WhatsApp account does not exist"}]}]}},
        "extra_info": {"ref": "h:7"}, "status": "NOT-SENT", "message_id": "wamid.K",
    });
    let content = parse_kaleyra(status.to_string().as_bytes()).expect("status callback");
    assert_eq!(content.statuses[0].status, MessageStatus::Failed);
    assert_eq!(
        content.statuses[0]
            .error
            .as_ref()
            .map(|error| error.message.as_str()),
        Some("'To' number invalid or WhatsApp account does not exist")
    );
    let incoming = json!({
        "contacts": [{"profile": {"name": "Asha"}, "wa_id": "919811111111"}],
        "messages": [{"from": "919811111111", "id": "k1", "timestamp": "9", "type": "text", "text": {"body": "yes"}}],
    });
    let content = parse_kaleyra(incoming.to_string().as_bytes()).expect("incoming callback");
    assert_eq!(content.inbound[0].text.as_deref(), Some("yes"));
    let template =
        json!({"event": "approved", "message_template_id": 77, "message_template_name": "promo"});
    let content = parse_kaleyra(template.to_string().as_bytes()).expect("template callback");
    assert_eq!(
        content.template_events,
        [TemplateEvent::Status {
            template_id: "77".into(),
            status: TemplateStatus::Approved,
            reason: None
        }]
    );
}

#[test]
fn bodies_of_the_wrong_shape_are_refused_not_guessed() {
    assert!(parse_meta(b"not json").is_err());
    assert!(parse_meta(br#"{"entry": {"id": 1}}"#).is_err());
    assert!(parse_kaleyra(b"[1, 2]").is_err());
    assert_eq!(parse_meta(b"{}"), Ok(WebhookContent::default()));
}

#[test]
fn content_is_stored_and_read_back_whole() {
    let body = meta(
        "messages",
        &json!({
            "metadata": {"phone_number_id": "phone-1"},
            "statuses": [{"id": "wamid.B", "status": "failed", "timestamp": 1750030074, "recipient_id": "16505550000",
                "biz_opaque_callback_data": "herald:4:2", "errors": [{"code": 131026, "title": "Message Undeliverable"}]}],
            "messages": [{"from": "16505551234", "id": "wamid.in", "timestamp": "1750030075", "type": "button",
                "button": {"text": "Yes", "payload": "Yes"}, "context": {"id": "wamid.B"}}],
        }),
    );
    let mut content = parse_meta(&body).unwrap();
    let events = meta(
        "message_template_status_update",
        &json!({"event": "REJECTED", "message_template_id": 77, "reason": "INVALID_FORMAT"}),
    );
    content.template_events = parse_meta(&events).unwrap().template_events;
    assert_eq!(
        (
            content.statuses.len(),
            content.inbound.len(),
            content.template_events.len()
        ),
        (1, 1, 1)
    );
    let stored = serde_json::to_string(&content).unwrap();
    assert_eq!(
        serde_json::from_str::<WebhookContent>(&stored).unwrap(),
        content
    );
}

proptest! {
    #[test]
    fn any_bytes_parse_or_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_meta(&bytes);
        let _ = parse_kaleyra(&bytes);
    }

    #[test]
    fn statuses_survive_any_text(id in ".{1,40}", word in "(sent|delivered|read|failed|[a-z]{1,8})", recipient in ".{0,20}") {
        let body = meta("messages", &json!({"statuses": [{"id": id, "status": word, "recipient_id": recipient}]}));
        let content = parse_meta(&body).expect("valid JSON of the right shape");
        for status in content.statuses {
            prop_assert!(status.recipient.chars().all(|c| c.is_ascii_digit()));
            prop_assert!(!status.message_id.is_empty());
        }
    }
}
