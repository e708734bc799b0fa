//! One row type per record a backend writes in batches: built once from the store's record,
//! moved to SQLite's writer thread or sent to PostgreSQL as one JSON array (read back with
//! `json_array_elements`). Several statuses of one message in a batch are reduced to the one
//! that wins (`strongest_statuses`) on both backends.

use std::collections::HashMap;

use herald_domain::{InboundMessage, MessageStatus, StatusUpdate};
use herald_store::{HopperMove, NewWebhookEvent, OutboundMessage, Result};

use crate::other;

pub(crate) fn json_rows<T: serde::Serialize>(rows: &[T]) -> Result<String> {
    serde_json::to_string(rows).map_err(other)
}

/// A webhook event.
#[derive(serde::Serialize)]
pub(crate) struct EventRow {
    pub(crate) provider: &'static str,
    pub(crate) account_id: Option<i64>,
    pub(crate) dedupe_key: String,
    pub(crate) payload: String,
    /// What the applier reads, as stored; none for an event settled at once.
    pub(crate) content: Option<String>,
    pub(crate) settled: bool,
    /// What the event says of messages, written with it when it is new.
    #[serde(skip)]
    pub(crate) statuses: Vec<StatusUpdate>,
    #[serde(skip)]
    pub(crate) inbound: Vec<InboundMessage>,
}

impl EventRow {
    pub(crate) fn new(event: &NewWebhookEvent<'_>) -> Result<Self> {
        Ok(Self {
            provider: event.provider.as_str(),
            account_id: event.account_id,
            dedupe_key: event.dedupe_key.to_owned(),
            payload: event.payload.to_owned(),
            content: content_for_applier(event)?,
            settled: event.settled,
            statuses: event.content.statuses.clone(),
            inbound: event.content.inbound.clone(),
        })
    }
}

/// What the applier reads of a webhook that is not settled at once, as stored.
fn content_for_applier(event: &NewWebhookEvent<'_>) -> Result<Option<String>> {
    if event.settled {
        return Ok(None);
    }
    serde_json::to_string(event.content)
        .map(Some)
        .map_err(other)
}

/// The status a batch leaves a message in: of several statuses for one message
/// in one batch, the one that wins when applied in turn (one statement may touch a row once).
#[derive(serde::Serialize)]
pub(crate) struct StatusRow<'a> {
    pub(crate) account_id: i64,
    pub(crate) message_id: &'a str,
    pub(crate) recipient: &'a str,
    pub(crate) status: &'static str,
    pub(crate) rank: i64,
    pub(crate) at: i64,
    /// The earliest moment of the batch's statuses that imply delivery.
    pub(crate) delivered_at: Option<i64>,
    /// The error of the winning status, or of another one in the batch.
    pub(crate) error_code: Option<i64>,
    pub(crate) error_message: Option<&'a str>,
    pub(crate) callback_data: Option<&'a str>,
    #[serde(skip)]
    pub(crate) winner: MessageStatus,
}

impl<'a> StatusRow<'a> {
    fn new(account_id: i64, update: &'a StatusUpdate) -> Self {
        Self {
            account_id,
            message_id: &update.message_id,
            recipient: &update.recipient,
            status: update.status.as_str(),
            rank: update.status.rank(),
            at: update.at_ms,
            delivered_at: delivery_moment(update),
            error_code: update.error.as_ref().and_then(|error| error.code),
            error_message: update.error.as_ref().map(|error| error.message.as_str()),
            callback_data: update.callback_data.as_deref(),
            winner: update.status,
        }
    }

    fn absorb(&mut self, update: &'a StatusUpdate) {
        let delivered_at = match (self.delivered_at, delivery_moment(update)) {
            (Some(known), Some(new)) => Some(known.min(new)),
            (known, new) => known.or(new),
        };
        if self.winner.advances_to(update.status) {
            let earlier = std::mem::replace(self, Self::new(self.account_id, update));
            if self.error_message.is_none() {
                (self.error_code, self.error_message) = (earlier.error_code, earlier.error_message);
            }
            self.callback_data = self.callback_data.or(earlier.callback_data);
        } else if self.error_message.is_none() {
            let error = update.error.as_ref();
            self.error_code = error.and_then(|error| error.code);
            self.error_message = error.map(|error| error.message.as_str());
        }
        self.delivered_at = delivered_at;
    }
}

fn delivery_moment(update: &StatusUpdate) -> Option<i64> {
    (update.status.rank() >= MessageStatus::Delivered.rank()).then_some(update.at_ms)
}

fn strongest_statuses<'a>(
    statuses: impl Iterator<Item = (i64, &'a StatusUpdate)>,
) -> Vec<StatusRow<'a>> {
    let mut by_message: HashMap<(i64, &str), usize> = HashMap::new();
    let mut rows: Vec<StatusRow<'a>> = Vec::new();
    for (account_id, update) in statuses {
        match by_message.get(&(account_id, update.message_id.as_str())) {
            Some(&index) => rows[index].absorb(update),
            None => {
                by_message.insert((account_id, update.message_id.as_str()), rows.len());
                rows.push(StatusRow::new(account_id, update));
            }
        }
    }
    rows
}

/// The events of a batch stored now (`ids` holds their new ids, in order) that belong to an
/// account, with that account: only they change messages.
pub(crate) fn fresh_events<'a>(
    events: &'a [EventRow],
    ids: &[Option<i64>],
) -> Vec<(i64, &'a EventRow)> {
    events
        .iter()
        .zip(ids)
        .filter(|(_, id)| id.is_some())
        .filter_map(|(event, _)| event.account_id.map(|account| (account, event)))
        .collect()
}

/// What the statuses of fresh events leave each message in (see [`strongest_statuses`]).
pub(crate) fn fresh_statuses<'a>(fresh: &[(i64, &'a EventRow)]) -> Vec<StatusRow<'a>> {
    strongest_statuses(
        fresh.iter().flat_map(|(account, event)| {
            event.statuses.iter().map(move |status| (*account, status))
        }),
    )
}

/// A message from a contact.
#[derive(serde::Serialize)]
pub(crate) struct InboundRow<'a> {
    account_id: i64,
    message_id: &'a str,
    kind: &'static str,
    from: &'a str,
    rank: i64,
    at: i64,
    text: Option<&'a str>,
    reply_to: Option<&'a str>,
    payload: &'a str,
}

impl<'a> InboundRow<'a> {
    pub(crate) fn new(account_id: i64, message: &'a InboundMessage) -> Self {
        Self {
            account_id,
            message_id: &message.message_id,
            kind: message.kind.as_str(),
            from: &message.from,
            rank: MessageStatus::Received.rank(),
            at: message.at_ms,
            text: message.text.as_deref(),
            reply_to: message.reply_to.as_deref(),
            payload: &message.payload,
        }
    }
}

/// A hopper move (see `HopperMove`).
#[derive(serde::Serialize)]
pub(crate) struct MoveRow {
    pub(crate) id: i64,
    pub(crate) from_state: &'static str,
    pub(crate) attempt: Option<i64>,
    pub(crate) to_state: &'static str,
    pub(crate) outcome: Option<&'static str>,
    pub(crate) reason: Option<String>,
    pub(crate) error_code: Option<i64>,
    pub(crate) message_id: Option<String>,
    pub(crate) answer: Option<String>,
    pub(crate) ready_at: Option<i64>,
    pub(crate) tries_left: Option<i64>,
    pub(crate) delivered_at: Option<i64>,
    pub(crate) claim_undone: i64,
}

impl From<&HopperMove<'_>> for MoveRow {
    fn from(change: &HopperMove<'_>) -> Self {
        Self {
            id: change.id,
            from_state: change.transition.from().as_str(),
            attempt: change.attempt,
            to_state: change.transition.to().as_str(),
            outcome: change.transition.outcome().map(|outcome| outcome.as_str()),
            reason: change.reason.map(str::to_owned),
            error_code: change.error_code,
            message_id: change.message_id.map(str::to_owned),
            answer: change.answer.map(str::to_owned),
            ready_at: change.ready_at,
            tries_left: change.tries_left,
            delivered_at: change.delivered_at,
            claim_undone: i64::from(change.claim_undone),
        }
    }
}

/// A sent message (see `OutboundMessage`).
#[derive(serde::Serialize)]
pub(crate) struct SentRow {
    pub(crate) account_id: i64,
    pub(crate) provider_message_id: String,
    pub(crate) kind: &'static str,
    pub(crate) phone: String,
    pub(crate) body: String,
    pub(crate) payload: String,
    pub(crate) callback_data: Option<String>,
    pub(crate) category: Option<String>,
}

impl From<&OutboundMessage<'_>> for SentRow {
    fn from(message: &OutboundMessage<'_>) -> Self {
        Self {
            account_id: message.account_id,
            provider_message_id: message.provider_message_id.to_owned(),
            kind: message.kind.as_str(),
            phone: message.phone.to_owned(),
            body: message.body.to_owned(),
            payload: message.payload.to_owned(),
            callback_data: message.callback_data.map(str::to_owned),
            category: message.category.map(str::to_owned),
        }
    }
}
