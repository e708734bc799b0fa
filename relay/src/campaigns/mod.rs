//! The hopper engine: sends each campaign's template to its contacts and follows each contact
//! until its interaction closes (SPEC section 5).
//!
//! One loop per relay ([`start`]) does, every tick and for every campaign that needs it:
//! start scheduled campaigns whose date came, pause or resume with the template's status,
//! reconcile contacts left in `sending` by a crash ([`follower::reconcile`]), close pending
//! contacts whose response timeout passed, release contacts that waited for another campaign,
//! send a batch ([`sender::send_batch`]) and mark finished campaigns completed. Webhooks reach
//! the hopper through the webhook applier ([`follower::apply_webhook`]).
//!
//! Exactly once: a contact is claimed (`sending`, with a lease and a new attempt number) in
//! one atomic statement before the provider is called, and the attempt goes to the provider as
//! `biz_opaque_callback_data`. Nothing but a claim sends, and a claim only takes `fresh` or
//! `retry` rows, so a contact found in `sending` after a crash is never sent again blindly: it
//! waits for its lease to end and is then reconciled with what the provider's webhooks said
//! about that attempt (ARCHITECTURE.md has the whole argument).

pub(crate) mod admin;
pub(crate) mod dry_run;
mod follower;
mod sender;

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use herald_domain::{
    CampaignEvent, CampaignStatus, ErrorClass, IllegalTransition, TemplateStatus, Transition,
};
use herald_store::{CampaignRecord, StoreError};
use tokio_util::sync::CancellationToken;

use crate::state::AppState;

pub(crate) use follower::{Applied, apply_webhook};
pub(crate) use sender::{Admission, OPEN_ELSEWHERE, admit, batch_facts};

/// Pause between two rounds of the engine when there was nothing to send.
const TICK: Duration = Duration::from_millis(50);
/// The campaign statuses the engine looks at.
const WATCHED: [CampaignStatus; 3] = [
    CampaignStatus::Scheduled,
    CampaignStatus::Running,
    CampaignStatus::Paused,
];

/// What ties a message to its hopper row and attempt: sent as `biz_opaque_callback_data`,
/// echoed in every status webhook of the message.
pub(crate) fn callback_data(hopper_id: i64, attempt: i64) -> String {
    format!("herald:{hopper_id}:{attempt}")
}

/// The hopper row and attempt a `biz_opaque_callback_data` names, if Herald wrote it.
pub(crate) fn parse_callback_data(data: &str) -> Option<(i64, i64)> {
    let (id, attempt) = data.strip_prefix("herald:")?.split_once(':')?;
    Some((id.parse().ok()?, attempt.parse().ok()?))
}

/// Logs a slow send that ended without its outcome stored (its row is reconciled after its
/// lease).
fn log_straggler(finished: Result<anyhow::Result<()>, tokio::task::JoinError>) {
    let failed = match finished {
        Ok(Ok(())) => return,
        Ok(Err(error)) => format!("{error:#}"),
        Err(error) => error.to_string(),
    };
    tracing::error!(error = failed, "a slow send's outcome was not stored");
}

/// The move the hopper's state machine allows, or none: an impossible one is logged and
/// counted (`herald_illegal_hopper_moves`), and its row stays where it is, never moved to some
/// other state instead.
pub(crate) fn legal(
    state: &AppState,
    hopper_id: i64,
    moved: Result<Transition, IllegalTransition>,
) -> Option<Transition> {
    moved
        .inspect_err(|refused| {
            tracing::error!(hopper = hopper_id, %refused, "the hopper refused a move");
            state.metrics.illegal_move(refused);
        })
        .ok()
}

/// How long a stopping relay waits for the engine to store what it sent.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// Starts the engine.
pub fn start(state: &AppState) -> RunningEngine {
    let engine = Engine {
        state: state.clone(),
        pacers: HashMap::new(),
        last_send: HashMap::new(),
        writing: None,
        stragglers: tokio::task::JoinSet::new(),
    };
    RunningEngine {
        stop: state.stopping.clone(),
        task: tokio::spawn(engine.run()),
    }
}

/// The engine's task, to stop it without leaving contacts in doubt.
pub struct RunningEngine {
    /// The relay's `stopping`.
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl RunningEngine {
    /// Asks the engine to stop (contacts of the current batch not sent yet are given back) and
    /// waits, at most [`STOP_GRACE`], until the outcomes of every batch it sent are stored, so
    /// that a restart finds no contact in `sending` to wait for (a relay killed outright is
    /// covered by the leases instead).
    pub async fn stop(self) {
        self.stop.cancel();
        if tokio::time::timeout(STOP_GRACE, self.task).await.is_err() {
            tracing::warn!(
                "the campaign engine did not stop in time; leases will recover its batch"
            );
        }
    }
}

/// The engine's memory between rounds: one token bucket per account, when each campaign last
/// sent (for its sending interval), the batch whose outcomes are being written.
struct Engine {
    state: AppState,
    pacers: HashMap<i64, (u32, Arc<DefaultDirectRateLimiter>)>,
    last_send: HashMap<i64, i64>,
    writing: Option<Writing>,
    /// Slow sends left running by their batches, each writing its own outcome when it ends
    /// (at most [`sender::CONCURRENT_SENDS`] before the engine waits for some).
    stragglers: tokio::task::JoinSet<anyhow::Result<()>>,
}

/// A batch's outcomes being written while the next batch of the same campaign claims and
/// sends. At most one is in flight, and only across batches of one campaign: its contacts are
/// other phones than the next batch's (one hopper row per contact, one contact per phone) and
/// its rows stay `sending` until written, so no check of the next batch depends on it. The
/// daily tier does: its accepted messages are counted until they are stored. And its rows must
/// not be reconciled as abandoned: it is waited for before any sweep past its lease.
struct Writing {
    campaign_id: i64,
    sent: i64,
    lease_until: i64,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Engine {
    async fn run(mut self) {
        // Once the relay is stopping, contacts not sent yet are given back (`send_batch`) and the
        // engine returns when what it sent is stored.
        let stopping = self.state.stopping.clone();
        while !stopping.is_cancelled() {
            let pause = match self.round().await {
                Ok(true) => None,
                Ok(false) => Some(TICK),
                Err(error) => {
                    tracing::error!(
                        error = format!("{error:#}"),
                        "campaign round failed; retrying"
                    );
                    Some(Duration::from_secs(1))
                }
            };
            match pause {
                None => tokio::task::yield_now().await,
                Some(pause) => {
                    tokio::select! {
                        () = stopping.cancelled() => {}
                        () = tokio::time::sleep(pause) => {}
                    }
                }
            }
        }
        if let Err(error) = self.written().await {
            tracing::error!(
                error = format!("{error:#}"),
                "the last batch's outcomes were not stored; leases will recover them"
            );
        }
        while let Some(finished) = self.stragglers.join_next().await {
            log_straggler(finished);
        }
    }

    /// One pass over the campaigns, ended early when the engine is asked to stop; whether a
    /// batch went out full (more may be waiting).
    async fn round(&mut self) -> anyhow::Result<bool> {
        let mut busy = false;
        for campaign in self.state.store.campaigns_in(&WATCHED).await? {
            if self.state.stopping.is_cancelled() {
                break;
            }
            match self.step(&campaign).await {
                Ok(full) => busy |= full,
                Err(error) => tracing::warn!(
                    campaign = campaign.id,
                    error = format!("{error:#}"),
                    "campaign step failed"
                ),
            }
        }
        if !busy {
            self.written().await?;
        }
        self.state.metrics.campaign_rounds.inc();
        Ok(busy)
    }

    /// Waits for the batch being written, if any.
    async fn written(&mut self) -> anyhow::Result<()> {
        match self.writing.take() {
            Some(writing) => writing.task.await?,
            None => Ok(()),
        }
    }

    async fn step(&mut self, campaign: &CampaignRecord) -> anyhow::Result<bool> {
        let state = &self.state.clone();
        let now = state.clock.now_ms();
        while let Some(finished) = self.stragglers.try_join_next() {
            log_straggler(finished);
        }
        if self
            .writing
            .as_ref()
            .is_some_and(|writing| writing.campaign_id != campaign.id || writing.lease_until <= now)
        {
            self.written().await?;
        }
        let store = &state.store;
        let template = match store.template(campaign.settings.template_id).await {
            Ok(template) => template,
            Err(StoreError::NotFound) => {
                stop(
                    state,
                    campaign.id,
                    "The campaign's template no longer exists",
                )
                .await?;
                return Ok(false);
            }
            Err(error) => return Err(error.into()),
        };
        let status = match campaign.status {
            CampaignStatus::Scheduled if campaign.settings.start_at.unwrap_or(0) <= now => {
                set_status(state, campaign, CampaignEvent::StartDateCame, None).await?
            }
            CampaignStatus::Paused if template.status == TemplateStatus::Approved => {
                set_status(state, campaign, CampaignEvent::TemplateApprovedAgain, None).await?
            }
            CampaignStatus::Running if template.status == TemplateStatus::Paused => {
                let reason = "The provider paused the template; the campaign resumes when it is approved again";
                set_status(state, campaign, CampaignEvent::TemplatePaused, Some(reason)).await?
            }
            CampaignStatus::Running
                if template.deleted_at.is_some() || template.status == TemplateStatus::Disabled =>
            {
                stop(
                    state,
                    campaign.id,
                    "The campaign's template was disabled or deleted",
                )
                .await?;
                CampaignStatus::Stopped
            }
            status => status,
        };
        if status == CampaignStatus::Scheduled {
            return Ok(false);
        }
        // Contacts already sent are followed even while the campaign is paused.
        follower::sweep(state, campaign, now).await?;
        if status != CampaignStatus::Running {
            return Ok(false);
        }
        let pacer = self.pacer(campaign.account_id).await?;
        let interval = i64::from(campaign.settings.sending_interval_ms);
        let last = self
            .last_send
            .get(&campaign.id)
            .copied()
            .unwrap_or(i64::MIN / 2);
        if interval > 0 && now < last + interval {
            return Ok(false);
        }
        if self.stragglers.len() >= sender::CONCURRENT_SENDS {
            // As many slow sends as a batch runs at once: the provider is struggling.
            return Ok(false);
        }
        // Slow sends still running may yet be accepted: they count against the daily tier.
        let unwritten = self.writing.as_ref().map_or(0, |writing| writing.sent)
            + i64::try_from(self.stragglers.len()).unwrap_or(i64::MAX);
        let batch =
            sender::send_batch(state, campaign, &template, &pacer, interval > 0, unwritten).await?;
        self.written().await?;
        for straggler in batch.stragglers {
            self.stragglers.spawn(straggler.finish());
        }
        match batch.outcomes {
            Some(outcomes) => {
                self.last_send.insert(campaign.id, now);
                self.writing = Some(Writing {
                    campaign_id: campaign.id,
                    sent: outcomes.sent(),
                    lease_until: outcomes.lease_until,
                    task: tokio::spawn(outcomes.write()),
                });
            }
            None => follower::complete_if_done(state, campaign).await?,
        }
        Ok(batch.full)
    }

    /// The account's token bucket at its messages-per-second (rebuilt when that changes).
    async fn pacer(&mut self, account_id: i64) -> anyhow::Result<Arc<DefaultDirectRateLimiter>> {
        let account = self.state.store.account(account_id).await?;
        let settings: herald_api::AccountSettings = serde_json::from_str(&account.settings_json)?;
        let rate = settings
            .messages_per_second
            .unwrap_or(herald_domain::DEFAULT_MESSAGES_PER_SECOND);
        if let Some((known, pacer)) = self.pacers.get(&account_id)
            && *known == rate
        {
            return Ok(Arc::clone(pacer));
        }
        let per_second = NonZeroU32::new(rate).unwrap_or(NonZeroU32::MIN);
        let pacer = Arc::new(RateLimiter::direct(
            Quota::per_second(per_second).allow_burst(NonZeroU32::MIN),
        ));
        self.pacers.insert(account_id, (rate, Arc::clone(&pacer)));
        Ok(pacer)
    }
}

/// Applies `event` to the campaign's status; the status it has after (unchanged when another
/// change came first).
async fn set_status(
    state: &AppState,
    campaign: &CampaignRecord,
    event: CampaignEvent,
    reason: Option<&str>,
) -> anyhow::Result<CampaignStatus> {
    let change = event.change();
    let changed = state
        .store
        .set_campaign_status(campaign.id, change, reason, state.clock.now_ms())
        .await?;
    if !changed {
        tracing::info!(
            campaign = campaign.id,
            ?event,
            "the campaign's status had changed first"
        );
        return Ok(state.store.campaign(campaign.id).await?.status);
    }
    let status = change.to();
    tracing::info!(campaign = campaign.id, %status, ?reason, "campaign status changed");
    Ok(status)
}

async fn stop(state: &AppState, campaign_id: i64, reason: &str) -> anyhow::Result<()> {
    state
        .store
        .set_campaign_status(
            campaign_id,
            CampaignEvent::Stopped.change(),
            Some(reason),
            state.clock.now_ms(),
        )
        .await?;
    tracing::warn!(campaign = campaign_id, reason, "campaign stopped");
    Ok(())
}

/// What a provider error means beyond the one contact: a template-wide error stops or pauses
/// the campaign, an account-wide one stops every campaign of the account (and says so in each
/// campaign's status reason, which the admin sees in the list).
pub(crate) async fn escalate(
    state: &AppState,
    campaign: &CampaignRecord,
    class: ErrorClass,
    detail: &str,
) -> anyhow::Result<()> {
    match class {
        ErrorClass::TemplateStop => {
            stop(
                state,
                campaign.id,
                &format!("The provider refused the template: {detail}"),
            )
            .await
        }
        ErrorClass::TemplatePause => {
            let reason = format!("The provider paused the template: {detail}");
            set_status(
                state,
                campaign,
                CampaignEvent::TemplatePaused,
                Some(&reason),
            )
            .await?;
            Ok(())
        }
        ErrorClass::AccountStop => {
            let reason = format!(
                "The provider refused the account: {detail}. Check the account's credentials and status, then start the campaign again."
            );
            tracing::error!(
                account = campaign.account_id,
                detail,
                "account-wide provider error: stopping its campaigns"
            );
            for other in state.store.campaigns(Some(campaign.account_id)).await? {
                if other.status.next(CampaignEvent::Stopped).is_ok() {
                    stop(state, other.id, &reason).await?;
                }
            }
            Ok(())
        }
        ErrorClass::Throttle
        | ErrorClass::Temporary
        | ErrorClass::Wait24Hours
        | ErrorClass::PermanentForContact => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_data_round_trips_and_foreign_data_is_ignored() {
        assert_eq!(parse_callback_data(&callback_data(42, 3)), Some((42, 3)));
        assert_eq!(parse_callback_data("order-17"), None);
        assert_eq!(parse_callback_data("herald:x:1"), None);
    }
}
