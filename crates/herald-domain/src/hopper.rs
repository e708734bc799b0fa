//! The hopper: where each contact of a campaign stands (SPEC section 5, "Hopper rules"), as a
//! pure state machine. A store applies only a [`Transition`], which only [`HopperState::take`]
//! makes, so an impossible move is an error, never a silent overwrite or another state.
//!
//! `sending` is written before the provider call: a contact found in `sending` after a crash is
//! in doubt, and is reconciled (with the provider's webhooks, never by sending blindly) through
//! [`HopperEvent::Reconciled`].

use crate::ErrorClass;

text_enum!(
    /// Where a contact of a campaign stands.
    HopperState, "hopper state", {
        /// Not contacted yet, or the list was reset.
        Fresh => "fresh",
        /// Claimed by a sender; the provider call is in flight or, after a crash, in doubt.
        Sending => "sending",
        /// Sent: waiting for the answer or the response timeout.
        Pending => "pending",
        /// Waiting for the contact's open interaction with another campaign to close.
        Waiting => "waiting",
        /// A temporary failure: Start Retry Campaign sends it again.
        Retry => "retry",
        /// Done: answered, timed out, skipped or failed for good (the history says which).
        Closed => "closed",
    }
);

text_enum!(
    /// How a contact's latest attempt ended, or why it waits: what the history shows beside the
    /// reason. Each [`HopperEvent`] records one (or none: the outcome before it stays).
    Outcome, "hopper outcome", {
        /// The provider accepted the message.
        Sent => "sent",
        /// The contact answered within the response timeout (a text or a quick-reply tap).
        Answered => "answered",
        /// The contact answered after the response timeout: no longer valid for the campaign.
        LateReply => "late_reply",
        /// No answer within the response timeout.
        TimedOut => "timed_out",
        /// The provider refused the send, or reported the message failed.
        Failed => "failed",
        /// Not sent: the history's reason says why (unmapped value, duplicate, opted out).
        Skipped => "skipped",
        /// The phone number cannot be sent to until it is fixed.
        InvalidPhone => "invalid_phone",
        /// Waiting for the contact's interaction with another campaign to close.
        Waiting => "waiting",
        /// Given back unsent (the pair rate, or the relay stopping) to be sent later.
        Paced => "paced",
        /// Herald could not process the contact; tried again after a pause.
        Error => "error",
        /// The send may have reached the provider without an answer (after a crash, a timeout
        /// or a connection dropped mid-call): in `retry` with no automatic tries, settled by
        /// the provider's webhook, left alone by Start Retry Campaign, and sent again only when
        /// an admin chooses to.
        InDoubt => "in_doubt",
        /// An admin chose to send an in-doubt contact again.
        Resent => "resent",
    }
);

/// How many times the sender tries a contact again on its own after a temporary failure; Start
/// Retry Campaign grants as many again.
pub const AUTOMATIC_RETRIES: i64 = 2;

/// Backoff of a temporary failure: this much, doubled with every attempt (64 times at most).
pub const BACKOFF_BASE_MS: i64 = 30_000;
/// Pause after the provider said "too fast".
pub const THROTTLE_PAUSE_MS: i64 = 2_000;

/// When a contact whose attempt number `attempt` failed with `class` at `now` may be tried
/// again: soon after throttling, a day after 131049, with a backoff doubling per attempt
/// otherwise.
pub fn retry_at(class: ErrorClass, attempt: i64, now: i64) -> i64 {
    match class {
        ErrorClass::Throttle => now + THROTTLE_PAUSE_MS,
        ErrorClass::Wait24Hours => now + crate::DAY_MS,
        _ => now + BACKOFF_BASE_MS * (1 << attempt.clamp(0, 6)),
    }
}

/// What happens to a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HopperEvent {
    /// A sender claims it (fresh contacts; retry contacts in a retry run).
    Claimed,
    /// The provider accepted the message.
    Accepted,
    /// The provider refused the send, by class.
    Refused(ErrorClass),
    /// The contact cannot be sent to (no mapped value, duplicate within the check's days, opted
    /// out): closed with the reason in the history.
    Skipped,
    /// The contact has an open interaction with another campaign.
    Blocked,
    /// The contact's phone number cannot be sent to (fewer than 5 digits): it stays in the
    /// hopper with the error until the number is fixed and the campaign retried.
    InvalidPhone,
    /// That other interaction closed.
    Unblocked,
    /// A `failed` status arrived for the sent message, by class.
    DeliveryFailed(ErrorClass),
    /// A `delivered` or `read` status arrived for the sent message.
    Delivered,
    /// The contact answered within the response timeout (a text or a quick-reply tap).
    Answered,
    /// The contact answered after the response timeout (its row pending, or already closed by
    /// the timeout).
    LateReply,
    /// The response timeout passed without an answer.
    TimedOut,
    /// The provider call may have reached the provider but gave no readable answer (a timeout,
    /// a connection dropped after the request was written): the contact is in doubt, settled
    /// by the provider's webhook, and sent again only when an admin chooses to.
    SendInDoubt,
    /// After a crash: whether the provider shows the in-doubt message as sent.
    Reconciled {
        /// A webhook or the provider's log names the message.
        sent: bool,
    },
    /// Not sent, and not a failure: the pair rate or the relay stopping put the claim back.
    GivenBack,
    /// Herald could not process the contact (a bug or a database error): tried again later.
    NotProcessed,
    /// Reset List: every contact receives the campaign again.
    ListReset,
}

impl HopperEvent {
    /// The outcome the history records for it; none keeps the one before.
    pub fn outcome(self) -> Option<Outcome> {
        use HopperEvent as E;
        match self {
            E::Accepted | E::Reconciled { sent: true } => Some(Outcome::Sent),
            E::Refused(_) | E::DeliveryFailed(_) => Some(Outcome::Failed),
            E::Skipped => Some(Outcome::Skipped),
            E::Blocked => Some(Outcome::Waiting),
            E::InvalidPhone => Some(Outcome::InvalidPhone),
            E::Answered => Some(Outcome::Answered),
            E::LateReply => Some(Outcome::LateReply),
            E::TimedOut => Some(Outcome::TimedOut),
            E::SendInDoubt | E::Reconciled { sent: false } => Some(Outcome::InDoubt),
            E::GivenBack => Some(Outcome::Paced),
            E::NotProcessed => Some(Outcome::Error),
            E::Claimed | E::Unblocked | E::Delivered | E::ListReset => None,
        }
    }
}

/// A move the hopper allows: where the contact stands, where it goes and the outcome its history
/// records. Only [`HopperState::take`] makes one, so every move a store applies went through the
/// state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    from: HopperState,
    to: HopperState,
    outcome: Option<Outcome>,
}

impl Transition {
    /// The state the contact must be in.
    pub fn from(self) -> HopperState {
        self.from
    }

    /// The state it goes to.
    pub fn to(self) -> HopperState {
        self.to
    }

    /// The outcome recorded; none keeps the one before.
    pub fn outcome(self) -> Option<Outcome> {
        self.outcome
    }
}

/// A move the hopper does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} contact cannot take {event:?}")]
pub struct IllegalTransition {
    /// Where the contact stood.
    pub from: HopperState,
    /// What was attempted.
    pub event: HopperEvent,
}

/// Whether a failure leaves the contact to be tried again (the contact is not at fault: the
/// campaign or account pauses or stops on its own) or closes it for good.
fn after_failure(class: ErrorClass) -> HopperState {
    match class {
        ErrorClass::PermanentForContact | ErrorClass::TemplateStop => HopperState::Closed,
        ErrorClass::Throttle
        | ErrorClass::Temporary
        | ErrorClass::Wait24Hours
        | ErrorClass::TemplatePause
        | ErrorClass::AccountStop => HopperState::Retry,
    }
}

impl HopperState {
    /// The state after `event`.
    pub fn next(self, event: HopperEvent) -> Result<Self, IllegalTransition> {
        use HopperEvent as E;
        use HopperState as S;
        let next = match (self, event) {
            (_, E::ListReset) => Some(S::Fresh),
            (S::Fresh | S::Retry, E::Claimed) => Some(S::Sending),
            // A sender checks a contact after claiming it, so the checks also apply to a
            // contact in `sending` (nothing has gone to the provider yet).
            (S::Fresh | S::Retry | S::Sending, E::Skipped) => Some(S::Closed),
            (S::Fresh | S::Retry | S::Sending, E::Blocked) => Some(S::Waiting),
            (S::Sending, E::InvalidPhone) => Some(S::Retry),
            (S::Waiting, E::Unblocked) => Some(S::Fresh),
            (S::Sending, E::Accepted) | (S::Sending, E::Reconciled { sent: true }) => {
                Some(S::Pending)
            }
            (
                S::Sending,
                E::Reconciled { sent: false } | E::SendInDoubt | E::GivenBack | E::NotProcessed,
            ) => Some(S::Retry),
            // A webhook confirms, late, a send that was taken as not made.
            (S::Retry, E::Reconciled { sent: true }) => Some(S::Pending),
            (S::Sending, E::Refused(class)) => Some(after_failure(class)),
            (S::Pending, E::DeliveryFailed(class)) => Some(after_failure(class)),
            (S::Pending, E::Delivered) => Some(S::Pending),
            (S::Pending, E::Answered | E::TimedOut | E::LateReply) => Some(S::Closed),
            // The timeout closed it; the answer that comes after is recorded as late.
            (S::Closed, E::LateReply) => Some(S::Closed),
            _ => None,
        };
        next.ok_or(IllegalTransition { from: self, event })
    }

    /// The move `event` makes from here, with the outcome it records.
    pub fn take(self, event: HopperEvent) -> Result<Transition, IllegalTransition> {
        Ok(Transition {
            from: self,
            to: self.next(event)?,
            outcome: event.outcome(),
        })
    }

    /// The column of the campaign's counts (total, fresh, retry, pending, closed) it falls in:
    /// a contact being sent or waiting for another campaign is pending.
    pub fn counted_as(self) -> Self {
        match self {
            Self::Sending | Self::Waiting => Self::Pending,
            other => other,
        }
    }
}

#[cfg(test)]
mod tests;
