//! The hopper: where each contact of a campaign stands (SPEC section 5, "Hopper rules"), as a
//! pure state machine. The relay persists the state per contact and moves it only through
//! [`HopperState::next`], so an impossible move is an error, not a silent overwrite.
//!
//! `sending` is written before the provider call: a contact found in `sending` after a crash is
//! in doubt, and is reconciled (with the provider's webhooks, never by sending blindly) through
//! [`HopperEvent::Reconciled`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{ErrorClass, UnknownValue};

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

/// The outcome of a contact whose send may have reached the provider without an answer (after a
/// crash, a timeout or a connection dropped mid-call): in `retry` with no automatic tries,
/// settled by the provider's webhook, left alone by Start Retry Campaign, and sent again only
/// when an admin chooses to.
pub const OUTCOME_IN_DOUBT: &str = "in_doubt";

/// How many times the sender tries a contact again on its own after a temporary failure; Start
/// Retry Campaign grants as many again.
pub const AUTOMATIC_RETRIES: i64 = 2;

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
    /// The contact answered within the response timeout (text, or a quick reply that closes).
    Answered,
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
    /// Reset List: every contact receives the campaign again.
    ListReset,
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
            (S::Sending, E::Reconciled { sent: false } | E::SendInDoubt) => Some(S::Retry),
            // A webhook confirms, late, a send that was taken as not made.
            (S::Retry, E::Reconciled { sent: true }) => Some(S::Pending),
            (S::Sending, E::Refused(class)) => Some(after_failure(class)),
            (S::Pending, E::DeliveryFailed(class)) => Some(after_failure(class)),
            (S::Pending, E::Answered | E::TimedOut) => Some(S::Closed),
            _ => None,
        };
        next.ok_or(IllegalTransition { from: self, event })
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
