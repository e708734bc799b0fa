//! Following contacts after the send: what webhooks say about them (delivery, failure,
//! answers, opt-outs), response timeouts, contacts released by another campaign, contacts left
//! in doubt by a crash, and campaigns that have finished.

use herald_domain::{
    Awaits, CampaignEvent, DEFAULT_OPT_OUT_KEYWORDS, HopperEvent, HopperState, InboundMessage,
    Interaction, MessageStatus, Outcome, StatusUpdate, classify_error, is_opt_out, judge_answer,
    retry_at, takes_answers,
};
use herald_store::{
    CampaignRecord, ConversationMark, HopperFilter, HopperMove, StoreError, StoredWebhook,
};
use herald_templates::{Button, Components, Template};

use super::sender::OPEN_ELSEWHERE;
use super::{callback_data, escalate, legal, parse_callback_data, set_status};
use crate::state::AppState;
use crate::templates::parse_file;

/// Most rows one sweep step looks at.
const SWEEP_BATCH: i64 = 500;

/// Whether a webhook could be applied now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Applied {
    /// Done.
    Yes,
    /// It speaks of a send whose outcome the sender has not recorded yet (the provider's
    /// webhook overtook the sender's commit): apply it again shortly.
    Later,
}

/// Applies what a stored webhook says about campaign contacts (idempotent: every move is
/// conditional on the state and attempt it expects, so applying it twice changes nothing).
pub(crate) async fn apply_webhook(
    state: &AppState,
    webhook: &StoredWebhook,
) -> anyhow::Result<Applied> {
    let Some(account_id) = webhook.account_id else {
        return Ok(Applied::Yes);
    };
    let content = &webhook.content;
    let mut applied = Applied::Yes;
    for status in &content.statuses {
        if apply_status(state, status).await? == Applied::Later {
            applied = Applied::Later;
        }
    }
    for message in &content.inbound {
        apply_answer(state, account_id, message).await?;
    }
    Ok(applied)
}

async fn apply_status(state: &AppState, status: &StatusUpdate) -> anyhow::Result<Applied> {
    let Some((hopper_id, attempt)) = status
        .callback_data
        .as_deref()
        .and_then(parse_callback_data)
    else {
        return Ok(Applied::Yes);
    };
    let row = match state.store.hopper_row(hopper_id).await {
        Ok(row) => row,
        Err(StoreError::NotFound) => return Ok(Applied::Yes),
        Err(error) => return Err(error.into()),
    };
    if row.attempt != attempt {
        return Ok(Applied::Yes);
    }
    if row.state == HopperState::Sending {
        return Ok(Applied::Later);
    }
    let now = state.clock.now_ms();
    let guarded = |from: HopperState, event: HopperEvent| {
        let transition = legal(state, hopper_id, from.take(event))?;
        Some(HopperMove {
            attempt: Some(attempt),
            ..HopperMove::new(hopper_id, transition)
        })
    };
    if row.state == HopperState::Retry && row.outcome == Some(Outcome::InDoubt) {
        // The send was taken as not made, and this webhook says it went out.
        if let Some(moved) = guarded(HopperState::Retry, HopperEvent::Reconciled { sent: true }) {
            let confirmed = HopperMove {
                reason: Some("The provider's webhook confirmed the send in doubt"),
                message_id: Some(&status.message_id),
                ..moved
            };
            state
                .store
                .apply_hopper_moves(&[confirmed], &[], now)
                .await?;
        }
    }
    match status.status {
        MessageStatus::Delivered | MessageStatus::Read => {
            let Some(moved) = guarded(HopperState::Pending, HopperEvent::Delivered) else {
                return Ok(Applied::Yes);
            };
            let delivered = HopperMove {
                delivered_at: Some(if status.at_ms > 0 { status.at_ms } else { now }),
                ..moved
            };
            state
                .store
                .apply_hopper_moves(&[delivered], &[], now)
                .await?;
        }
        MessageStatus::Failed => {
            let error = status.error.as_ref();
            let code = error.and_then(|error| error.code);
            let class = classify_error(code, None);
            let Some(moved) = guarded(HopperState::Pending, HopperEvent::DeliveryFailed(class))
            else {
                return Ok(Applied::Yes);
            };
            let reason = error.map_or_else(
                || "The message failed".to_owned(),
                |error| error.message.clone(),
            );
            let failed = HopperMove {
                reason: Some(&reason),
                error_code: code,
                ready_at: Some(retry_at(class, attempt, now)),
                ..moved
            };
            let applied = state.store.apply_hopper_moves(&[failed], &[], now).await?;
            if applied.first() == Some(&true) {
                if code == Some(131_050) {
                    opt_out(state, &status.recipient, hopper_id).await?;
                }
                let campaign = state.store.campaign(row.campaign_id).await?;
                escalate(state, &campaign, class, &reason).await?;
            }
        }
        MessageStatus::Accepted | MessageStatus::Sent | MessageStatus::Received => {}
    }
    Ok(Applied::Yes)
}

async fn opt_out(state: &AppState, phone: &str, hopper_id: i64) -> anyhow::Result<()> {
    let row = state.store.hopper_row(hopper_id).await?;
    let campaign = state.store.campaign(row.campaign_id).await?;
    let phone = if phone.is_empty() {
        row.phone.as_str()
    } else {
        phone
    };
    match state
        .store
        .set_opted_out(campaign.account_id, phone, Some(state.clock.now_ms()))
        .await
    {
        Ok(()) | Err(StoreError::NotFound) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

async fn apply_answer(
    state: &AppState,
    account_id: i64,
    message: &InboundMessage,
) -> anyhow::Result<()> {
    let now = state.clock.now_ms();
    let settings: herald_api::AccountSettings =
        serde_json::from_str(&state.store.account(account_id).await?.settings_json)?;
    let opts_out = |text: &str| match &settings.opt_out_keywords {
        Some(keywords) => is_opt_out(text, keywords),
        None => is_opt_out(text, &DEFAULT_OPT_OUT_KEYWORDS),
    };
    if message.text.as_deref().is_some_and(opts_out) {
        match state
            .store
            .set_opted_out(account_id, &message.from, Some(now))
            .await
        {
            Ok(()) | Err(StoreError::NotFound) => {}
            Err(error) => return Err(error.into()),
        }
    }
    let rows = state
        .store
        .hopper_rows_for_phone(
            account_id,
            &message.from,
            &[HopperState::Pending, HopperState::Closed],
            None,
        )
        .await?;
    let answer = message
        .text
        .clone()
        .unwrap_or_else(|| format!("({})", message.kind));
    let open = rows
        .into_iter()
        .filter(|row| takes_answers(row.state, row.outcome, row.answer.is_some()));
    for row in open {
        let campaign = state.store.campaign(row.campaign_id).await?;
        let template = parse_file(&state.store.template(campaign.settings.template_id).await?)?;
        let interaction = Interaction {
            state: row.state,
            outcome: row.outcome,
            answered: row.answer.is_some(),
            sent_at: row.sent_at,
            response_timeout_ms: campaign.settings.response_timeout_ms(),
            awaits: awaits(&template),
            close_on_quick_reply: campaign.settings.close_on_quick_reply,
        };
        // The relay's clock, not the provider's timestamp: the timeout is measured on the same
        // clock as the send.
        let Some(verdict) = judge_answer(&interaction, message.kind, now) else {
            continue;
        };
        let Some(transition) = legal(state, row.id, row.state.take(verdict.event)) else {
            continue;
        };
        let closed = HopperMove {
            reason: Some(verdict.reason),
            answer: Some(&answer),
            attempt: Some(row.attempt),
            ..HopperMove::new(row.id, transition)
        };
        state.store.apply_hopper_moves(&[closed], &[], now).await?;
        if verdict.closes_conversation {
            let tap = state
                .store
                .message_by_provider_id(account_id, &message.message_id)
                .await?;
            state
                .store
                .mark_conversation(
                    account_id,
                    &message.from,
                    ConversationMark::ClosedThrough(tap.id),
                )
                .await?;
        }
    }
    Ok(())
}

/// A call-to-action template (buttons, none of them a quick reply) waits for its timeout; any
/// other for the contact's answer.
fn awaits(template: &Template) -> Awaits {
    let buttons = template.buttons();
    if !buttons.is_empty() && !buttons.iter().any(Button::is_quick_reply) {
        Awaits::Timeout
    } else {
        Awaits::Answer
    }
}

/// Follows a campaign's contacts: in-doubt claims, timeouts, contacts waiting for another
/// campaign.
pub(super) async fn sweep(
    state: &AppState,
    campaign: &CampaignRecord,
    now: i64,
) -> anyhow::Result<()> {
    reconcile(state, campaign, now).await?;
    let store = &state.store;
    let timed_out = store
        .pending_sent_before(
            campaign.id,
            now - campaign.settings.response_timeout_ms(),
            SWEEP_BATCH,
        )
        .await?;
    let moves: Vec<HopperMove<'_>> = timed_out
        .iter()
        .filter_map(|row| {
            let transition = legal(state, row.id, row.state.take(HopperEvent::TimedOut))?;
            Some(HopperMove {
                reason: Some("No answer within the response timeout"),
                attempt: Some(row.attempt),
                ..HopperMove::new(row.id, transition)
            })
        })
        .collect();
    if !moves.is_empty() {
        store.apply_hopper_moves(&moves, &[], now).await?;
    }
    let waiting = store
        .hopper_rows(
            campaign.id,
            &HopperFilter::in_state(HopperState::Waiting),
            0,
            SWEEP_BATCH,
        )
        .await?;
    for row in waiting {
        let busy = store
            .hopper_rows_for_phone(
                campaign.account_id,
                &row.phone,
                &[HopperState::Pending, HopperState::Sending],
                Some(campaign.id),
            )
            .await?;
        if !busy.is_empty() {
            tracing::trace!(hopper = row.id, reason = OPEN_ELSEWHERE, "still waiting");
        } else if let Some(transition) =
            legal(state, row.id, row.state.take(HopperEvent::Unblocked))
        {
            let released = HopperMove {
                reason: Some("The other campaign's interaction closed"),
                ..HopperMove::new(row.id, transition)
            };
            store.apply_hopper_moves(&[released], &[], now).await?;
        }
    }
    Ok(())
}

/// Contacts left in `sending` whose lease ended: the relay stopped between the claim and
/// recording the outcome. The provider's status webhooks (which carry the attempt's callback
/// data, and which providers retry until stored) say whether the message went out: if one did,
/// the contact is pending; if none came within the lease, the contact is in doubt (`retry` with
/// no automatic tries left): a late webhook still settles it, and only an admin's resend of the
/// contacts in doubt sends it again.
async fn reconcile(state: &AppState, campaign: &CampaignRecord, now: i64) -> anyhow::Result<()> {
    let store = &state.store;
    for row in store.expired_leases(campaign.id, now).await? {
        let data = callback_data(row.id, row.attempt);
        let message_id = store
            .message_by_callback(campaign.account_id, &data)
            .await?
            .map(|(id, _)| id);
        let event = HopperEvent::Reconciled {
            sent: message_id.is_some(),
        };
        let Some(transition) = legal(state, row.id, row.state.take(event)) else {
            continue;
        };
        let moved = HopperMove {
            attempt: Some(row.attempt),
            ..HopperMove::new(row.id, transition)
        };
        let resolved = match &message_id {
            Some(message_id) => HopperMove {
                message_id: Some(message_id),
                ..moved
            },
            None => HopperMove {
                reason: Some(
                    "In doubt: the relay stopped while sending and no webhook confirmed the message, so it was not sent again; resend the contacts in doubt if you choose to",
                ),
                tries_left: Some(0),
                ..moved
            },
        };
        store.apply_hopper_moves(&[resolved], &[], now).await?;
        tracing::info!(
            hopper = row.id,
            sent = message_id.is_some(),
            "reconciled a contact left in doubt"
        );
    }
    Ok(())
}

/// Marks the campaign completed when nothing is left to send or follow: no fresh, sending,
/// waiting or pending contact, and no retry contact the sender would still try on its own.
pub(super) async fn complete_if_done(
    state: &AppState,
    campaign: &CampaignRecord,
) -> anyhow::Result<()> {
    let counts = state.store.hopper_counts(campaign.id).await?;
    if counts.total == 0 || counts.fresh > 0 || counts.pending > 0 {
        return Ok(());
    }
    let mut after = 0;
    loop {
        let retries = state
            .store
            .hopper_rows(
                campaign.id,
                &HopperFilter::in_state(HopperState::Retry),
                after,
                SWEEP_BATCH,
            )
            .await?;
        if retries.iter().any(|row| row.tries_left > 0) {
            return Ok(());
        }
        match retries.last() {
            Some(last) => after = last.id,
            None => break,
        }
    }
    set_status(state, campaign, CampaignEvent::Finished, None).await?;
    Ok(())
}
