//! Message endpoints: Meta's `POST /{phone_number_id}/messages` and Kaleyra v2's
//! `POST /v2/{sid}/whatsapp/{number}/messages` (Meta's message object as `messaging_object`).
//! Both go through [`accept`], which enforces the caps, logs the message and plays its life:
//! statuses, failures and answers, through the outbox.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::{AcceptedMessage, Answer, CallbackStyle, Refusal, Shared, check, fraction, refusal};

/// The window of Meta's pair rate.
const PAIR_WINDOW: Duration = Duration::from_secs(6);

pub(crate) async fn send_meta(
    State(shared): State<Arc<Shared>>,
    Path((_version, node)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Answer {
    check(
        &shared,
        &headers,
        Some((&node, &shared.config.phone_number_id)),
    )?;
    if body.get("status").and_then(Value::as_str) == Some("read") {
        return Ok(Json(json!({"success": true})).into_response());
    }
    let (wamid, to) = accept(&shared, body)?;
    let answer = json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": digits(&to)}],
        "messages": [{"id": wamid, "message_status": "accepted"}],
    });
    Ok(accepted_answer(&shared, &wamid, &answer).await)
}

pub(crate) async fn send_kaleyra(
    State(shared): State<Arc<Shared>>,
    Path((sid, number)): Path<(String, String)>,
    headers: HeaderMap,
    Json(mut body): Json<Value>,
) -> Answer {
    check(&shared, &headers, Some((&sid, &shared.config.waba_id)))?;
    if digits(&number) != digits(&shared.config.phone_number_id) {
        return Err(kaleyra_refusal(
            "WA401",
            "the sender number is not registered",
        ));
    }
    let Some(message) = body.get_mut("messaging_object").map(Value::take) else {
        return Err(kaleyra_refusal("WA400", "messaging_object is required"));
    };
    let (wamid, to) = accept(&shared, message)?;
    let answer = json!({
        "contacts": [{"input": to, "wa_id": digits(&to)}],
        "messages": [{"id": wamid}],
        "extra_info": body.get("extra_info").cloned().unwrap_or_default(),
    });
    Ok(accepted_answer(&shared, &wamid, &answer).await)
}

/// The answer to a message it accepted (its life already started), as a struggling provider
/// gives it for the configured shares of messages: held (the caller's time limit runs out while
/// the message is sent), or cut after the status line (the connection drops before the body).
async fn accepted_answer(shared: &Shared, wamid: &str, answer: &Value) -> Response {
    let config = &shared.config;
    let sequence = wamid
        .trim_start_matches("wamid.sandbox")
        .parse::<u64>()
        .unwrap_or_default();
    if config.hang_after_accept_rate > 0.0
        && fraction(config.seed, sequence, 11) < config.hang_after_accept_rate
    {
        tokio::time::sleep(Duration::from_millis(config.hang_after_accept_ms)).await;
    }
    if config.drop_after_accept_rate > 0.0
        && fraction(config.seed, sequence, 12) < config.drop_after_accept_rate
    {
        let cut = futures_util::stream::iter([Err::<String, _>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "the sandbox dropped the connection after accepting the message",
        ))]);
        return ([(CONTENT_TYPE, "application/json")], Body::from_stream(cut)).into_response();
    }
    Json(answer).into_response()
}

fn kaleyra_refusal(code: &str, message: &str) -> Refusal {
    Refusal {
        status: StatusCode::BAD_REQUEST,
        code: json!(code),
        message: message.to_owned(),
        template_reason: None,
        details: None,
    }
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Checks the caps and the template, logs the message and starts its life.
fn accept(shared: &Arc<Shared>, message: Value) -> Result<(String, String), Refusal> {
    let to = message
        .get("to")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let recipient = digits(&to);
    let config = &shared.config;
    let now = Instant::now();
    let mut book = shared.book();
    let quick_replies = match message.get("type").and_then(Value::as_str) {
        Some("template") => {
            let name = text_at(&message, "/template/name");
            let language = text_at(&message, "/template/language/code");
            let template = book
                .templates
                .iter()
                .find(|t| t.name == name && t.language == language && t.status == "APPROVED");
            let Some(template) = template else {
                return Err(refusal(
                    StatusCode::NOT_FOUND,
                    132_001,
                    &format!("template name ({name}) does not exist in {language}"),
                ));
            };
            let sent = message
                .pointer("/template/components")
                .cloned()
                .unwrap_or(Value::Null);
            if let Err(mismatch) = crate::parameters::check(&template.components, &sent) {
                return Err(Refusal {
                    details: Some(mismatch),
                    ..refusal(
                        StatusCode::BAD_REQUEST,
                        132_000,
                        "(#132000) Number of parameters does not match the expected number of params",
                    )
                });
            }
            Some(quick_replies_of(&template.components))
        }
        _ => None,
    };
    let second = now.duration_since(shared.started).as_secs();
    if book.this_second.0 != second {
        book.this_second = (second, 0);
    }
    if config.messages_per_second > 0 && book.this_second.1 >= config.messages_per_second {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            130_429,
            "(#130429) Rate limit hit",
        ));
    }
    let recent = book.per_recipient.entry(recipient.clone()).or_default();
    while recent
        .front()
        .is_some_and(|sent| now.duration_since(*sent) >= PAIR_WINDOW)
    {
        recent.pop_front();
    }
    if config.pair_burst > 0 && recent.len() >= config.pair_burst as usize {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            131_056,
            "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        ));
    }
    recent.push_back(now);
    book.this_second.1 += 1;
    book.next_id += 1;
    let sequence = book.next_id;
    let wamid = format!("wamid.sandbox{sequence}");
    let callback_data = message.get("biz_opaque_callback_data").cloned();
    book.messages.push(AcceptedMessage {
        wamid: wamid.clone(),
        to: to.clone(),
        request: message,
    });
    drop(book);
    tokio::spawn(play(
        Arc::clone(shared),
        Life {
            sequence,
            wamid: wamid.clone(),
            recipient,
            callback_data,
            quick_replies,
        },
    ));
    Ok((wamid, to))
}

fn text_at(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The labels of a template's quick-reply buttons (the first carousel card's, for a carousel).
fn quick_replies_of(components: &Value) -> Vec<String> {
    let cards = components
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|component| component.pointer("/cards/0/components"));
    components
        .as_array()
        .into_iter()
        .chain(cards.filter_map(Value::as_array))
        .flatten()
        .filter_map(|component| component.get("buttons").and_then(Value::as_array))
        .flatten()
        .filter(|button| {
            button
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|kind| kind.eq_ignore_ascii_case("QUICK_REPLY"))
        })
        .filter_map(|button| button.get("text").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// What the simulator needs to play a message's life.
struct Life {
    sequence: u64,
    wamid: String,
    recipient: String,
    callback_data: Option<Value>,
    /// `Some` for templates: their quick-reply labels.
    quick_replies: Option<Vec<String>>,
}

fn unix_seconds() -> String {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        .to_string()
}

/// Reports the message's statuses and its contact's answer, at the configured times.
async fn play(shared: Arc<Shared>, life: Life) {
    let config = &shared.config;
    let chance = |salt: u64| fraction(config.seed, life.sequence, salt);
    let status = |word: &str, error: Option<(i64, String)>| {
        let mut status = json!({
            "id": life.wamid, "status": word, "timestamp": unix_seconds(), "recipient_id": life.recipient,
        });
        if let Some(data) = &life.callback_data {
            status["biz_opaque_callback_data"] = data.clone();
        }
        if let Some((code, title)) = error {
            status["errors"] = json!([{"code": code, "title": title, "message": title}]);
        }
        shared.outbox.status(status);
    };
    let started = tokio::time::Instant::now();
    let at = |ms: u64| tokio::time::sleep_until(started + Duration::from_millis(ms));

    at(config.sent_after_ms).await;
    let undeliverable = config
        .undeliverable_numbers
        .iter()
        .any(|number| digits(number) == life.recipient);
    if undeliverable {
        let title = match config.style {
            CallbackStyle::Meta => "Message Undeliverable",
            CallbackStyle::Kaleyra => "'To' number invalid or WhatsApp account does not exist",
        };
        status("failed", Some((131_026, title.to_owned())));
        return;
    }
    status("sent", None);
    if chance(1) < config.failure_rate {
        status(
            "failed",
            Some((config.failure_code, error_title(config.failure_code))),
        );
        return;
    }
    at(config.delivered_after_ms).await;
    status("delivered", None);

    let read = chance(2) < config.read_rate;
    let answer = life
        .quick_replies
        .as_ref()
        .filter(|_| chance(3) < config.reply_rate);
    let mut moments: Vec<(u64, bool)> = Vec::new();
    if read {
        moments.push((config.read_after_ms, true));
    }
    if answer.is_some() {
        moments.push((config.reply_after_ms, false));
    }
    moments.sort_unstable();
    for (moment, is_read) in moments {
        at(moment).await;
        if is_read {
            status("read", None);
        } else if let Some(labels) = answer {
            shared.outbox.inbound(
                json!({"profile": {"name": "Sandbox contact"}, "wa_id": life.recipient}),
                answer_message(&shared, &life, labels),
            );
        }
    }
}

/// A quick-reply tap when the template has quick replies, otherwise the configured text.
fn answer_message(shared: &Shared, life: &Life, labels: &[String]) -> Value {
    let config = &shared.config;
    let id = format!("wamid.sandbox-in{}", life.sequence);
    let context = json!({"from": config.phone_number_id, "id": life.wamid});
    let common = |kind: &str| json!({"from": life.recipient, "id": id, "timestamp": unix_seconds(), "type": kind, "context": context});
    if labels.is_empty() {
        let mut message = common("text");
        message["text"] = json!({"body": config.reply_text});
        return message;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let pick = (fraction(config.seed, life.sequence, 4) * labels.len() as f64) as usize;
    let label = &labels[pick.min(labels.len() - 1)];
    let mut message = common("button");
    message["button"] = json!({"payload": label, "text": label});
    message
}

/// Meta's title for the codes the simulator fails with.
fn error_title(code: i64) -> String {
    match code {
        131_000 => "Something went wrong".to_owned(),
        131_026 => "Message Undeliverable".to_owned(),
        131_049 => {
            "This message was not delivered to maintain healthy ecosystem engagement.".to_owned()
        }
        131_050 => "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.".to_owned(),
        132_015 => "Template is paused".to_owned(),
        other => format!("Error {other}"),
    }
}
