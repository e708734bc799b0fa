//! What the store keeps of contact lists, campaigns and their hoppers.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use herald_contacts::Contact;
use herald_domain::{
    CampaignChange, CampaignSettings, CampaignStatus, HopperState, MessageStatus, Outcome,
    Transition,
};

use crate::{OutboundMessage, Result};

/// A contact list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRecord {
    /// Id.
    pub id: i64,
    /// The account.
    pub account_id: i64,
    /// Name.
    pub name: String,
    /// Whether it is the account's master list (every contact of the account is in it).
    pub is_master: bool,
    /// How many contacts it holds.
    pub size: i64,
}

/// A stored contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRecord {
    /// Id.
    pub id: i64,
    /// The account.
    pub account_id: i64,
    /// Its fields.
    pub contact: Contact,
    /// When it opted out of marketing messages.
    pub opted_out_at: Option<i64>,
}

/// What an import batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertReport {
    /// Contacts new to the account.
    pub created: u64,
    /// Contacts that existed and took the new values.
    pub updated: u64,
}

/// A campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignRecord {
    /// Id.
    pub id: i64,
    /// The sending account.
    pub account_id: i64,
    /// What the admin chose.
    pub settings: CampaignSettings,
    /// Where it stands.
    pub status: CampaignStatus,
    /// Why it stopped or paused, when it did on its own.
    pub status_reason: Option<String>,
    /// The lists attached.
    pub list_ids: Vec<i64>,
    /// When it was created.
    pub created_at: i64,
}

/// A contact of a campaign: its hopper state and, once closed, its history entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HopperRecord {
    /// Id.
    pub id: i64,
    /// The campaign.
    pub campaign_id: i64,
    /// The contact.
    pub contact_id: i64,
    /// The contact's phone when it was added.
    pub phone: String,
    /// Where it stands.
    pub state: HopperState,
    /// How many times a sender claimed it.
    pub attempt: i64,
    /// How many more times the sender retries it on its own.
    pub tries_left: i64,
    /// For a fresh or retry row, not claimed before this moment (backoff); for a pending row,
    /// when it was sent.
    pub ready_at: i64,
    /// The provider's id of the message sent.
    pub message_id: Option<String>,
    /// When the provider accepted it.
    pub sent_at: Option<i64>,
    /// When it reached the phone.
    pub delivered_at: Option<i64>,
    /// When the interaction closed.
    pub closed_at: Option<i64>,
    /// How its latest attempt ended, or why it waits.
    pub outcome: Option<Outcome>,
    /// The reason shown to the admin.
    pub reason: Option<String>,
    /// The provider's error code.
    pub error_code: Option<i64>,
    /// The contact's answer.
    pub answer: Option<String>,
    /// Last change.
    pub updated_at: i64,
}

/// Which of a campaign's hopper rows to read: all by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HopperFilter {
    /// Only the rows in this state.
    pub state: Option<HopperState>,
    /// Only the rows whose latest attempt ended so (the history's outcome filter).
    pub outcome: Option<Outcome>,
}

impl HopperFilter {
    /// The rows in `state`.
    pub fn in_state(state: HopperState) -> Self {
        Self {
            state: Some(state),
            outcome: None,
        }
    }
}

/// How many of a campaign's contacts ended with one outcome and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeCount {
    /// The outcome of their latest attempt.
    pub outcome: Outcome,
    /// Its reason, when it has one.
    pub reason: Option<String>,
    /// How many contacts.
    pub count: i64,
}

/// How far a campaign's messages got, in contacts: each stage counts those that reached it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Funnel {
    /// The provider accepted the message.
    pub sent: i64,
    /// It reached the phone (read ones included).
    pub delivered: i64,
    /// The contact opened it.
    pub read: i64,
    /// The contact answered, in time or late.
    pub replied: i64,
    /// The send was refused or the message failed (the latest attempt).
    pub failed: i64,
}

/// How many of a campaign's contacts failed with one provider error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    /// Meta's code; `None` when the failure carried none (a timeout, a dropped connection).
    pub code: Option<i64>,
    /// How many contacts.
    pub count: i64,
}

/// How many messages a campaign sent in one minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinuteCount {
    /// The minute's start (Unix ms).
    pub minute_ms: i64,
    /// How many were sent in it.
    pub sent: i64,
}

/// The hopper's counts (SPEC section 5: total, fresh, retry, pending, closed; a contact being
/// sent or waiting for another campaign counts as pending).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HopperCounts {
    /// Every contact.
    pub total: i64,
    /// Not contacted yet.
    pub fresh: i64,
    /// To be tried again.
    pub retry: i64,
    /// In doubt: the send may have reached the provider; settled by its webhook, or sent again
    /// only at an admin's request (counted apart from `retry`).
    pub in_doubt: i64,
    /// Sent (or being sent, or waiting), awaiting the answer.
    pub pending: i64,
    /// Done.
    pub closed: i64,
}

/// A contact a sender claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedContact {
    /// The hopper row.
    pub hopper_id: i64,
    /// The claim's attempt number.
    pub attempt: i64,
    /// Whether it was claimed from `retry` (its previous attempt failed or was in doubt).
    pub retrying: bool,
    /// Automatic retries left after this claim.
    pub tries_left: i64,
    /// The contact's current fields.
    pub contact: Contact,
    /// When it opted out of marketing.
    pub opted_out_at: Option<i64>,
}

/// A change of one hopper row, applied only if the row is still where the mover saw it
/// (the transition's `from`, and `attempt` when given): webhooks and senders race, and the
/// loser's move is dropped rather than overwriting the winner's. Its states and outcome come
/// from the hopper's state machine ([`Transition`]); a move that records an outcome replaces
/// the reason and the error code, so a row shows its latest attempt's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HopperMove<'a> {
    /// The row.
    pub id: i64,
    /// Where it must stand, where it goes, and the outcome recorded.
    pub transition: Transition,
    /// The attempt it must be at, if that matters.
    pub attempt: Option<i64>,
    /// The reason shown to the admin.
    pub reason: Option<&'a str>,
    /// The provider's error code.
    pub error_code: Option<i64>,
    /// The message sent (with `to` pending).
    pub message_id: Option<&'a str>,
    /// The contact's answer.
    pub answer: Option<&'a str>,
    /// Not claimed before this moment.
    pub ready_at: Option<i64>,
    /// How many more automatic tries.
    pub tries_left: Option<i64>,
    /// When the message reached the phone.
    pub delivered_at: Option<i64>,
    /// The claim sent nothing (pacing put it back): its attempt number is given back, so the
    /// webhooks of the attempt before it still find the row and the next claim checks that
    /// attempt before sending.
    pub claim_undone: bool,
}

impl<'a> HopperMove<'a> {
    /// Row `id`'s `transition`, changing nothing else.
    pub fn new(id: i64, transition: Transition) -> Self {
        Self {
            id,
            transition,
            attempt: None,
            reason: None,
            error_code: None,
            message_id: None,
            answer: None,
            ready_at: None,
            tries_left: None,
            delivered_at: None,
            claim_undone: false,
        }
    }
}

/// What the account knows about some phones, for a campaign's admission checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhoneFacts {
    /// Phones with an open interaction (pending or being sent) in another campaign.
    pub busy_elsewhere: HashSet<String>,
    /// Phones another campaign of the account sent to since the duplicate check's start.
    pub sent_recently: HashSet<String>,
    /// Phones that wrote to the account since the given moment.
    pub wrote_recently: HashSet<String>,
    /// When the account last sent a message to each phone, since the same moment.
    pub last_outbound: HashMap<String, i64>,
}

/// Which of a list's contacts a page shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactFilter {
    /// Part of the phone (digits) or of the first or last name, any letter case.
    pub search: Option<String>,
    /// Only the contacts opted out of marketing (`Some(true)`) or only the others.
    pub opted_out: Option<bool>,
}

/// Lists and contacts.
#[async_trait]
pub trait ContactStore: Send + Sync {
    /// Creates a list; `Conflict { constraint: "list" }` when the account has one of that name.
    async fn create_list(&self, account_id: i64, name: &str, now: i64) -> Result<i64>;
    /// An account's lists, the master list first.
    async fn lists(&self, account_id: i64) -> Result<Vec<ListRecord>>;
    /// One list.
    async fn list(&self, id: i64) -> Result<ListRecord>;
    /// Adds contacts to a list (and to the account's master list, and to the hopper of every
    /// campaign not yet ended that uses either), in one transaction. A contact whose phone the
    /// account has takes the new values; custom fields are merged.
    async fn upsert_contacts(
        &self,
        account_id: i64,
        list_id: i64,
        contacts: &[Contact],
        now: i64,
    ) -> Result<UpsertReport>;
    /// A list's contacts that `filter` keeps, with ids after `after_id`, by id.
    async fn list_contacts(
        &self,
        list_id: i64,
        filter: &ContactFilter,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<ContactRecord>>;
    /// One contact of the account.
    async fn contact(&self, id: i64) -> Result<ContactRecord>;
    /// Replaces a contact's fields (custom fields included). A new phone goes to the campaigns
    /// that have not reached the contact yet (fresh and retry rows); `Conflict { constraint:
    /// "contact" }` when the account has another contact with that phone.
    async fn update_contact(&self, id: i64, contact: &Contact, now: i64) -> Result<()>;
    /// Deletes a contact: it leaves every list and the campaigns that have not reached it yet
    /// (fresh rows), and its name, e-mail and custom fields are erased; its phone stays in the
    /// history of the campaigns that reached it.
    async fn delete_contact(&self, id: i64, now: i64) -> Result<()>;
    /// Takes a contact out of a list that is not the master list.
    async fn remove_from_list(&self, list_id: i64, contact_id: i64) -> Result<()>;
    /// Renames a list; `Conflict { constraint: "list" }` when the account has one of that name.
    async fn rename_list(&self, id: i64, name: &str) -> Result<()>;
    /// How many campaigns (not deleted) send to the list.
    async fn campaigns_using_list(&self, list_id: i64) -> Result<i64>;
    /// Deletes a list that is not the master list and that no campaign uses (its contacts stay
    /// in the master list); `NotFound` otherwise.
    async fn delete_list(&self, id: i64) -> Result<()>;
    /// The account's contact with that phone.
    async fn contact_by_phone(&self, account_id: i64, phone: &str) -> Result<ContactRecord>;
    /// Marks the contact opted out of marketing (`Some(when)`) or back in (`None`).
    async fn set_opted_out(&self, account_id: i64, phone: &str, at: Option<i64>) -> Result<()>;
}

/// Campaigns and their hoppers.
#[async_trait]
pub trait CampaignStore: Send + Sync {
    /// Creates a campaign.
    async fn create_campaign(
        &self,
        account_id: i64,
        settings: &CampaignSettings,
        status: CampaignStatus,
        now: i64,
    ) -> Result<i64>;
    /// Replaces a campaign's settings.
    async fn update_campaign(&self, id: i64, settings: &CampaignSettings, now: i64) -> Result<()>;
    /// Applies a change of the campaign's status (only from one of the statuses it allows),
    /// with the reason when the relay decided it. Returns whether it changed.
    async fn set_campaign_status(
        &self,
        id: i64,
        change: CampaignChange,
        reason: Option<&str>,
        now: i64,
    ) -> Result<bool>;
    /// Soft-deletes a campaign.
    async fn delete_campaign(&self, id: i64, now: i64) -> Result<()>;
    /// One campaign (deleted ones are not found).
    async fn campaign(&self, id: i64) -> Result<CampaignRecord>;
    /// The campaigns of one account, or of all, newest first.
    async fn campaigns(&self, account_id: Option<i64>) -> Result<Vec<CampaignRecord>>;
    /// Campaigns in one of these statuses, of every account.
    async fn campaigns_in(&self, statuses: &[CampaignStatus]) -> Result<Vec<CampaignRecord>>;
    /// Attaches a list: its contacts join the hopper as fresh. Returns how many joined.
    async fn attach_list(&self, campaign_id: i64, list_id: i64, now: i64) -> Result<u64>;
    /// The hopper's counts.
    async fn hopper_counts(&self, campaign_id: i64) -> Result<HopperCounts>;
    /// How the campaign's contacts ended so far, by outcome and reason, most frequent first
    /// (at most `limit` groups): what the results say, skipped contacts included.
    async fn outcome_counts(&self, campaign_id: i64, limit: i64) -> Result<Vec<OutcomeCount>>;
    /// How far the campaign's messages got, from the hopper and the messages' statuses.
    async fn funnel(&self, campaign_id: i64) -> Result<Funnel>;
    /// The campaign's contacts whose latest attempt failed or carried a provider error, by
    /// code, most frequent first (at most `limit` codes).
    async fn failure_counts(&self, campaign_id: i64, limit: i64) -> Result<Vec<FailureCount>>;
    /// Sends per minute over the latest `minutes` minutes that had sends, oldest first.
    async fn sends_per_minute(&self, campaign_id: i64, minutes: i64) -> Result<Vec<MinuteCount>>;
    /// Hopper rows `filter` admits with ids after `after_id`, by id.
    async fn hopper_rows(
        &self,
        campaign_id: i64,
        filter: &HopperFilter,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<HopperRecord>>;
    /// One hopper row.
    async fn hopper_row(&self, id: i64) -> Result<HopperRecord>;
    /// The rows that changed after `since` (Unix ms), the latest first.
    async fn hopper_changes(
        &self,
        campaign_id: i64,
        since: i64,
        limit: i64,
    ) -> Result<Vec<HopperRecord>>;
    /// Reset List: every contact back to fresh. Returns how many moved.
    async fn reset_hopper(&self, campaign_id: i64, now: i64) -> Result<u64>;
    /// Start Retry Campaign: every retry row may be tried `tries` more times, from now; rows in
    /// doubt are left alone (their send may have reached the provider).
    async fn refill_retries(&self, campaign_id: i64, tries: i64, now: i64) -> Result<u64>;
    /// An admin's knowing resend: the rows in doubt since `doubted_before` or earlier (no
    /// webhook settled them within the reconciliation window) may be tried `tries` more times.
    async fn resend_in_doubt(
        &self,
        campaign_id: i64,
        tries: i64,
        doubted_before: i64,
        now: i64,
    ) -> Result<u64>;
    /// Claims up to `limit` contacts ready to send (fresh, or retry with tries left) and moves
    /// them to `sending` with a lease until `lease_until`, atomically: two senders never claim
    /// one row.
    async fn claim_contacts(
        &self,
        campaign_id: i64,
        limit: i64,
        lease_until: i64,
        now: i64,
    ) -> Result<Vec<ClaimedContact>>;
    /// Applies moves and records the messages the provider accepted, in one transaction (group
    /// commit). For each move, whether it applied.
    async fn apply_hopper_moves(
        &self,
        moves: &[HopperMove<'_>],
        messages: &[OutboundMessage<'_>],
        now: i64,
    ) -> Result<Vec<bool>>;
    /// Rows of a campaign in `sending` whose lease ended before `now` (in doubt after a crash).
    async fn expired_leases(&self, campaign_id: i64, now: i64) -> Result<Vec<HopperRecord>>;
    /// Pending rows sent before `sent_before`, whose response timeout has passed.
    async fn pending_sent_before(
        &self,
        campaign_id: i64,
        sent_before: i64,
        limit: i64,
    ) -> Result<Vec<HopperRecord>>;
    /// The account's hopper rows for `phone` in `states`, of every campaign but `except`.
    async fn hopper_rows_for_phone(
        &self,
        account_id: i64,
        phone: &str,
        states: &[HopperState],
        except_campaign: Option<i64>,
    ) -> Result<Vec<HopperRecord>>;
    /// What the admission checks need to know about a batch's phones (three queries for the
    /// batch, not three per contact): `sent_since` bounds the duplicate check, `messages_since`
    /// the messages read.
    async fn phone_facts(
        &self,
        account_id: i64,
        campaign_id: i64,
        phones: &[String],
        sent_since: Option<i64>,
        messages_since: i64,
    ) -> Result<PhoneFacts>;
    /// The provider's id and status of the message the account sent with that
    /// `biz_opaque_callback_data`.
    async fn message_by_callback(
        &self,
        account_id: i64,
        callback_data: &str,
    ) -> Result<Option<(String, MessageStatus)>>;
    /// How many templates the account sent since `since`.
    async fn templates_sent_since(&self, account_id: i64, since: i64) -> Result<i64>;
}
