//! One batch of a campaign: claim contacts, check each (phone, opt-out, duplicate check, open
//! interaction elsewhere, agent conversation, mapped values), pace, send; then write every
//! outcome with the accepted messages in one transaction ([`Outcomes::write`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use governor::DefaultDirectRateLimiter;
use herald_contacts::Contact;
use herald_domain::{
    BACKOFF_BASE_MS, DAY_MS, ErrorClass, Hold, HopperEvent, HopperState, IllegalTransition,
    MessageKind, MessageStatus, PAIR_INTERVAL_MS, PhoneStanding, Transition, normalize_phone,
    retry_at,
};
use herald_store::{
    CampaignRecord, ClaimedContact, HopperMove, OutboundMessage, PhoneFacts, TemplateRecord,
};
use herald_templates::{Category, RenderedMessage, Template, render_for_contact};

use super::{callback_data, escalate, legal};
use crate::accounts::OpenedAccount;
use crate::providers::meta::{TemplateMessage, template_object};
use crate::providers::{self, ProviderClient};
use crate::state::AppState;
use crate::templates::parse_file;

/// Most contacts claimed at once.
const BATCH_MAX: i64 = 256;
/// Most provider calls in flight for one batch.
pub(super) const CONCURRENT_SENDS: usize = 64;
/// The seed's reason for a contact busy with another campaign, word for word.
pub(crate) const OPEN_ELSEWHERE: &str = "Contact has an open interaction with another campaign";

/// How long a batch waits for its next send to finish, once none of its contacts is waiting
/// for the rate limiter, before it leaves the sends still running to finish on their own.
const STRAGGLER_WAIT: std::time::Duration = std::time::Duration::from_millis(200);

/// What a batch did.
pub(super) struct Batch {
    /// Whether it claimed as many as it could (more may be waiting).
    pub(super) full: bool,
    /// What became of the contacts, still to be written: the engine writes them while the
    /// next batch sends.
    pub(super) outcomes: Option<Outcomes>,
    /// Sends still running when the rest of the batch was done (a slow provider call, bounded
    /// by its own time limit): each is written on its own when it ends, so it holds back
    /// neither its batch nor the next.
    pub(super) stragglers: Vec<Straggler>,
}

impl Batch {
    fn empty() -> Self {
        Self {
            full: false,
            outcomes: None,
            stragglers: Vec::new(),
        }
    }
}

/// A send that outlived its batch; [`Straggler::finish`] writes its outcome.
pub(super) struct Straggler {
    state: AppState,
    campaign: CampaignRecord,
    category: String,
    send: tokio::task::JoinHandle<Outcome>,
}

impl Straggler {
    /// Waits for the send and writes its outcome (a send that panicked stays `sending`, to be
    /// reconciled after its lease).
    pub(super) async fn finish(self) -> anyhow::Result<()> {
        let outcome = self.send.await?;
        Outcomes {
            state: self.state,
            campaign: self.campaign,
            category: self.category,
            list: vec![outcome],
            lease_until: 0,
        }
        .write()
        .await
    }
}

/// The outcomes of a batch's contacts, with what writing them needs.
pub(super) struct Outcomes {
    state: AppState,
    campaign: CampaignRecord,
    category: String,
    list: Vec<Outcome>,
    /// When the claim of the batch's contacts ends.
    pub(super) lease_until: i64,
}

/// What became of one claimed contact.
struct Outcome {
    hopper_id: i64,
    attempt: i64,
    /// The move from `sending`; an illegal one leaves the row there (reconciled after its
    /// lease).
    transition: Result<Transition, IllegalTransition>,
    reason: Option<String>,
    error_code: Option<i64>,
    ready_at: Option<i64>,
    tries_left: Option<i64>,
    sent: Option<Sent>,
    /// A message an earlier attempt turned out to have sent.
    earlier_message: Option<String>,
    escalation: Option<(ErrorClass, String)>,
    /// Nothing was sent: the claim's attempt is given back.
    claim_undone: bool,
}

/// A message the provider accepted.
struct Sent {
    message_id: String,
    phone: String,
    body: String,
    payload: String,
    callback_data: String,
}

impl Outcome {
    fn new(claimed: &ClaimedContact, event: HopperEvent) -> Self {
        Self {
            hopper_id: claimed.hopper_id,
            attempt: claimed.attempt,
            transition: HopperState::Sending.take(event),
            reason: None,
            error_code: None,
            ready_at: None,
            tries_left: None,
            sent: None,
            earlier_message: None,
            escalation: None,
            claim_undone: false,
        }
    }

    fn because(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

/// One contact of a batch that has not passed the rate limiter yet: counted from its claim
/// until it is let through or ends without a send, so that a batch tells a paced send from a
/// slow one.
struct Unpaced(Arc<AtomicUsize>);

impl Unpaced {
    fn new(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(Arc::clone(count))
    }
}

impl Drop for Unpaced {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Everything the contacts of one batch share, owned so that each contact's send can run as a
/// task of its own.
struct Context {
    /// How many of the batch's contacts have not passed the rate limiter yet (nor ended).
    unpaced: Arc<AtomicUsize>,
    state: AppState,
    campaign: CampaignRecord,
    account: OpenedAccount,
    client: ProviderClient,
    record: TemplateRecord,
    template: Template,
    pacer: Arc<DefaultDirectRateLimiter>,
    facts: PhoneFacts,
    now: i64,
}

/// Claims and sends one batch of `campaign`; `unwritten` messages the account sent are not
/// stored yet (the previous batch's, being written) and count against its daily tier. Once the
/// relay is stopping, the contacts still waiting for the rate limiter are given back unsent.
pub(super) async fn send_batch(
    state: &AppState,
    campaign: &CampaignRecord,
    record: &TemplateRecord,
    pacer: &Arc<DefaultDirectRateLimiter>,
    one_at_a_time: bool,
    unwritten: i64,
) -> anyhow::Result<Batch> {
    let now = state.clock.now_ms();
    // From the directory: no database read and no decryption per batch.
    let account = state.accounts.get(state, campaign.account_id).await?;
    let mut limit = if one_at_a_time { 1 } else { BATCH_MAX };
    if let Some(tier) = account.settings.messaging_limit {
        let sent = state
            .store
            .templates_sent_since(campaign.account_id, now - DAY_MS)
            .await?;
        limit = limit.min(i64::from(tier) - sent - unwritten);
        if limit <= 0 {
            return Ok(Batch::empty());
        }
    }
    let lease_until = now + state.campaign_lease_ms;
    let claimed = state
        .store
        .claim_contacts(campaign.id, limit, lease_until, now)
        .await?;
    if claimed.is_empty() {
        return Ok(Batch::empty());
    }
    let template = parse_file(record)?;
    let facts = batch_facts(
        state,
        campaign,
        claimed.iter().map(|claimed| &claimed.contact),
        now,
    )
    .await?;
    let context = Arc::new(Context {
        unpaced: Arc::new(AtomicUsize::new(0)),
        facts,
        state: state.clone(),
        campaign: campaign.clone(),
        client: providers::provider_client(state, &account).await?,
        account,
        record: record.clone(),
        template,
        pacer: Arc::clone(pacer),
        now,
    });
    let count = claimed.len();
    // Each send is a task of its own, so rendering, encoding and reading answers spread over
    // the runtime's threads instead of being polled one after another in this one.
    let slots = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_SENDS));
    let mut running: FuturesUnordered<tokio::task::JoinHandle<Outcome>> = claimed
        .into_iter()
        .map(|claimed| {
            let context = Arc::clone(&context);
            let slots = Arc::clone(&slots);
            let unpaced = Unpaced::new(&context.unpaced);
            tokio::spawn(async move {
                let _slot = slots.acquire_owned().await;
                attempt(&context, claimed, unpaced).await
            })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(count);
    loop {
        match tokio::time::timeout(STRAGGLER_WAIT, running.next()).await {
            Ok(Some(Ok(outcome))) => outcomes.push(outcome),
            // A send that panicked leaves its contact `sending`: reconciled after its lease.
            Ok(Some(Err(error))) => tracing::error!(%error, "a campaign send failed"),
            Ok(None) => break,
            // Contacts still wait for the rate limiter: the batch is only paced, not stuck.
            Err(_) if context.unpaced.load(Ordering::Relaxed) > 0 => {}
            Err(_) => break,
        }
    }
    let category = context.template.category.to_string();
    let stragglers: Vec<Straggler> = running
        .into_iter()
        .map(|send| Straggler {
            state: state.clone(),
            campaign: campaign.clone(),
            category: category.clone(),
            send,
        })
        .collect();
    if !stragglers.is_empty() {
        tracing::info!(
            campaign = campaign.id,
            slow = stragglers.len(),
            "slow provider calls left to finish on their own"
        );
    }
    Ok(Batch {
        full: i64::try_from(count).unwrap_or(i64::MAX) >= limit && !one_at_a_time,
        outcomes: Some(Outcomes {
            state: state.clone(),
            campaign: campaign.clone(),
            category,
            list: outcomes,
            lease_until,
        }),
        stragglers,
    })
}

impl Outcomes {
    /// Messages the provider accepted.
    pub(super) fn sent(&self) -> i64 {
        let sent = self.list.iter().filter(|outcome| outcome.sent.is_some());
        i64::try_from(sent.count()).unwrap_or(i64::MAX)
    }

    /// Moves every contact of the batch and stores the accepted messages, in one transaction;
    /// then stops or pauses what a provider error said to.
    pub(super) async fn write(self) -> anyhow::Result<()> {
        let Self {
            state,
            campaign,
            category,
            list,
            ..
        } = self;
        let moves: Vec<HopperMove<'_>> = list
            .iter()
            .filter_map(|outcome| {
                let transition = legal(&state, outcome.hopper_id, outcome.transition.clone())?;
                Some(HopperMove {
                    attempt: Some(outcome.attempt),
                    reason: outcome.reason.as_deref(),
                    error_code: outcome.error_code,
                    message_id: outcome
                        .sent
                        .as_ref()
                        .map(|sent| sent.message_id.as_str())
                        .or(outcome.earlier_message.as_deref()),
                    ready_at: outcome.ready_at,
                    tries_left: outcome.tries_left,
                    claim_undone: outcome.claim_undone,
                    ..HopperMove::new(outcome.hopper_id, transition)
                })
            })
            .collect();
        let messages: Vec<OutboundMessage<'_>> = list
            .iter()
            .filter_map(|outcome| outcome.sent.as_ref())
            .map(|sent| OutboundMessage {
                account_id: campaign.account_id,
                provider_message_id: &sent.message_id,
                kind: MessageKind::Template,
                phone: &sent.phone,
                body: &sent.body,
                payload: &sent.payload,
                callback_data: Some(&sent.callback_data),
                category: Some(&category),
            })
            .collect();
        state
            .store
            .apply_hopper_moves(&moves, &messages, state.clock.now_ms())
            .await?;
        if let Some((class, detail)) = list.iter().find_map(|outcome| outcome.escalation.clone()) {
            escalate(&state, &campaign, class, &detail).await?;
        }
        Ok(())
    }
}

/// Not sent, and not a failure: back to retry from `ready_at`, with the attempt and the
/// automatic try this claim took given back (so a late webhook of the attempt before still finds
/// the row, and the next claim checks that attempt first).
fn given_back(claimed: &ClaimedContact, ready_at: i64, reason: &str) -> Outcome {
    Outcome {
        ready_at: Some(ready_at),
        tries_left: Some(claimed.tries_left + i64::from(claimed.retrying)),
        claim_undone: true,
        ..Outcome::new(claimed, HopperEvent::GivenBack).because(reason)
    }
}

async fn attempt(context: &Context, claimed: ClaimedContact, unpaced: Unpaced) -> Outcome {
    match checked_send(context, &claimed, unpaced).await {
        Ok(outcome) => outcome,
        Err(error) => {
            tracing::warn!(
                hopper = claimed.hopper_id,
                error = format!("{error:#}"),
                "a contact could not be processed"
            );
            Outcome {
                ready_at: Some(context.now + BACKOFF_BASE_MS),
                ..Outcome::new(&claimed, HopperEvent::NotProcessed)
                    .because(format!("Herald could not process the contact: {error}"))
            }
        }
    }
}

/// Whether a contact may be sent the campaign's template now (SPEC section 5): its phone, then
/// `herald_domain::admit`'s rules, then its mapped values; the sender and the dry run both ask
/// this.
pub(crate) enum Admission {
    /// Send it: the number to send to and the rendered message.
    Send(String, RenderedMessage),
    /// The number cannot be sent to: the contact stays in the hopper with the error.
    InvalidPhone(String),
    /// The contact goes to the history with the reason.
    Skip(String),
    /// The contact waits for its interaction with another campaign to close.
    Wait,
}

/// What the checks need to know about a batch of contacts, read once for the batch.
pub(crate) async fn batch_facts<'a>(
    state: &AppState,
    campaign: &CampaignRecord,
    contacts: impl Iterator<Item = &'a Contact>,
    now: i64,
) -> anyhow::Result<PhoneFacts> {
    let phones: Vec<String> = contacts
        .filter_map(|contact| normalize_phone(&contact.phone).ok())
        .collect();
    let sent_since = campaign
        .settings
        .duplicate_check_days
        .map(|days| now - i64::from(days) * DAY_MS);
    Ok(state
        .store
        .phone_facts(
            campaign.account_id,
            campaign.id,
            &phones,
            sent_since,
            now - DAY_MS,
        )
        .await?)
}

/// Checks one contact of `campaign` against the rules that can hold it back, given what
/// [`batch_facts`] found.
pub(crate) fn admit(
    campaign: &CampaignRecord,
    template: &Template,
    contact: &Contact,
    opted_out: bool,
    facts: &PhoneFacts,
) -> Admission {
    let phone = match normalize_phone(&contact.phone) {
        Ok(phone) => phone,
        Err(error) => return Admission::InvalidPhone(error.to_string()),
    };
    let standing = PhoneStanding {
        opted_out,
        sent_recently: facts.sent_recently.contains(&phone),
        busy_elsewhere: facts.busy_elsewhere.contains(&phone),
        wrote_recently: facts.wrote_recently.contains(&phone),
    };
    let marketing = template.category == Category::Marketing;
    match herald_domain::admit(&campaign.settings, marketing, standing) {
        Ok(()) => {}
        Err(Hold::Skip(reason)) => return Admission::Skip(reason),
        Err(Hold::Wait) => return Admission::Wait,
    }
    match render_for_contact(template, contact) {
        Ok(rendered) => Admission::Send(phone, rendered),
        Err(error) => Admission::Skip(error.to_string()),
    }
}

async fn checked_send(
    context: &Context,
    claimed: &ClaimedContact,
    unpaced: Unpaced,
) -> anyhow::Result<Outcome> {
    let Context {
        state,
        campaign,
        now,
        ..
    } = context;
    if claimed.retrying {
        // The previous attempt failed or was in doubt; if its message went out after all (a
        // timeout after the provider accepted), its webhooks say so: never send it twice.
        let earlier = callback_data(claimed.hopper_id, claimed.attempt - 1);
        let found = state
            .store
            .message_by_callback(campaign.account_id, &earlier)
            .await?;
        if let Some((message_id, status)) = found
            && status != MessageStatus::Failed
        {
            return Ok(Outcome {
                earlier_message: Some(message_id),
                ..Outcome::new(claimed, HopperEvent::Reconciled { sent: true })
            });
        }
    }
    let admission = admit(
        campaign,
        &context.template,
        &claimed.contact,
        claimed.opted_out_at.is_some(),
        &context.facts,
    );
    let (phone, rendered) = match admission {
        Admission::Send(phone, rendered) => (phone, rendered),
        Admission::InvalidPhone(reason) => {
            return Ok(Outcome {
                tries_left: Some(0),
                ..Outcome::new(claimed, HopperEvent::InvalidPhone).because(reason)
            });
        }
        Admission::Skip(reason) => {
            return Ok(Outcome::new(claimed, HopperEvent::Skipped).because(reason));
        }
        Admission::Wait => {
            return Ok(Outcome::new(claimed, HopperEvent::Blocked).because(OPEN_ELSEWHERE));
        }
    };
    if let Some(&last) = context.facts.last_outbound.get(&phone)
        && *now < last + PAIR_INTERVAL_MS
    {
        return Ok(given_back(
            claimed,
            last + PAIR_INTERVAL_MS,
            "Pair rate: the account messaged this number less than 6 seconds ago",
        ));
    }
    let callback = callback_data(claimed.hopper_id, claimed.attempt);
    let message = TemplateMessage {
        sender: providers::sender(&context.account),
        to: &phone,
        name: &context.record.name,
        language: &context.record.language,
        components: &rendered.meta_components,
        callback_data: Some(&callback),
    };
    let stopping = tokio::select! {
        () = context.pacer.until_ready() => false,
        () = state.stopping.cancelled() => true,
    };
    drop(unpaced);
    if stopping {
        return Ok(given_back(
            claimed,
            *now,
            "The relay stopped before sending; the contact goes out after it starts again",
        ));
    }
    // Each call has its own limit: one that hangs puts its contact in doubt instead of holding
    // the batch.
    let limit = std::time::Duration::from_millis(state.providers.send_timeout_ms);
    let sent = tokio::time::timeout(limit, context.client.send_template(&message))
        .await
        .unwrap_or_else(|_| {
            Err(providers::ProviderError::timed_out(
                context.account.record.provider,
                state.providers.send_timeout_ms,
            ))
        });
    state.metrics.provider_call("send_message", &sent);
    Ok(match sent {
        Ok(sent) => Outcome {
            sent: Some(Sent {
                message_id: sent.id,
                payload: template_object(&message).to_string(),
                phone,
                body: rendered.body_text,
                callback_data: callback,
            }),
            ..Outcome::new(claimed, HopperEvent::Accepted)
        },
        Err(error) if error.in_doubt => {
            tracing::warn!(
                hopper = claimed.hopper_id,
                error = %error,
                "a send is in doubt: the provider may have sent it"
            );
            Outcome {
                tries_left: Some(0),
                ..Outcome::new(claimed, HopperEvent::SendInDoubt).because(format!(
                    "In doubt: the provider may have sent the message ({}). Its webhook settles it; otherwise it is sent again only when you choose to",
                    error.message
                ))
            }
        }
        Err(error) => {
            let class = error.class();
            let ready_at = retry_at(class, claimed.attempt, *now);
            Outcome {
                error_code: error.code,
                ready_at: Some(ready_at),
                escalation: matches!(
                    class,
                    ErrorClass::TemplateStop | ErrorClass::TemplatePause | ErrorClass::AccountStop
                )
                .then(|| (class, error.to_string())),
                ..Outcome::new(claimed, HopperEvent::Refused(class)).because(error.message)
            }
        }
    })
}
