//! How a contact's message ends its campaign interaction (SPEC section 5, "Hopper rules"): a pure
//! rule, so that each case is a row of a table test.

use crate::{HopperEvent, HopperState, MessageKind, Outcome};

/// What a sent template waits for before its contact's interaction ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Awaits {
    /// A template with quick replies, or with no buttons: the contact's answer.
    Answer,
    /// A call-to-action template (links, phone numbers, codes; no quick reply): the response
    /// timeout, whatever the contact writes before it.
    Timeout,
}

/// A contact's campaign row as one of its messages arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interaction {
    /// Where the row stands.
    pub state: HopperState,
    /// Its latest outcome.
    pub outcome: Option<Outcome>,
    /// Whether an answer is already recorded.
    pub answered: bool,
    /// When the relay sent the template (Unix ms); unknown counts as now.
    pub sent_at: Option<i64>,
    /// The campaign's response timeout, in milliseconds.
    pub response_timeout_ms: i64,
    /// What the template waits for.
    pub awaits: Awaits,
    /// The campaign's *close interaction on quick reply response*.
    pub close_on_quick_reply: bool,
}

/// What a contact's message does to its interaction: the event, and the reason the history
/// shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerVerdict {
    /// [`HopperEvent::Answered`] or [`HopperEvent::LateReply`].
    pub event: HopperEvent,
    /// For the admin.
    pub reason: &'static str,
    /// Whether the agents' conversation closes too: a quick-reply tap in time when the campaign
    /// says so, as nobody needs to handle it. Otherwise it stays open for the agents.
    pub closes_conversation: bool,
}

/// The reason of an answer after the response timeout.
pub const LATE_REPLY_REASON: &str =
    "The answer came after the response timeout: no longer valid for the campaign";

/// Whether a row in `state` with `outcome` (`answered` if an answer is recorded) can take a
/// contact's message at all: a pending one, or one the timeout closed that no answer reached yet
/// (the first answer after the timeout is recorded as late).
pub fn takes_answers(state: HopperState, outcome: Option<Outcome>, answered: bool) -> bool {
    match state {
        HopperState::Pending => true,
        HopperState::Closed => outcome == Some(Outcome::TimedOut) && !answered,
        _ => false,
    }
}

/// What the message of kind `kind`, arriving at `now` (the relay's clock, the one the send was
/// timed on), does to `interaction`; none: nothing.
///
/// A quick-reply tap is an answer like any other: it closes the row whatever *close interaction
/// on quick reply* says (that option decides what becomes of the agents' conversation, not of
/// the campaign's row).
pub fn judge_answer(
    interaction: &Interaction,
    kind: MessageKind,
    now: i64,
) -> Option<AnswerVerdict> {
    let late = AnswerVerdict {
        event: HopperEvent::LateReply,
        reason: LATE_REPLY_REASON,
        closes_conversation: false,
    };
    if !takes_answers(interaction.state, interaction.outcome, interaction.answered) {
        return None;
    }
    if interaction.state == HopperState::Closed {
        return Some(late);
    }
    let sent_at = interaction.sent_at.unwrap_or(now);
    if now > sent_at + interaction.response_timeout_ms {
        return Some(late);
    }
    if interaction.awaits == Awaits::Timeout {
        return None;
    }
    let tapped = matches!(kind, MessageKind::Button | MessageKind::ButtonReply);
    Some(AnswerVerdict {
        event: HopperEvent::Answered,
        reason: if tapped {
            "The contact tapped a quick reply"
        } else {
            "The contact answered"
        },
        closes_conversation: tapped && interaction.close_on_quick_reply,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMEOUT: i64 = 1_000;

    fn pending(awaits: Awaits) -> Interaction {
        Interaction {
            state: HopperState::Pending,
            outcome: Some(Outcome::Sent),
            answered: false,
            sent_at: Some(10_000),
            response_timeout_ms: TIMEOUT,
            awaits,
            close_on_quick_reply: false,
        }
    }

    #[test]
    fn only_a_tap_in_time_closes_the_conversation_and_only_when_the_campaign_says_so() {
        let closing = Interaction {
            close_on_quick_reply: true,
            ..pending(Awaits::Answer)
        };
        let closes = |interaction: &Interaction, kind, now| {
            judge_answer(interaction, kind, now).map(|verdict| verdict.closes_conversation)
        };
        assert_eq!(closes(&closing, MessageKind::Button, 10_500), Some(true));
        assert_eq!(
            closes(&closing, MessageKind::ButtonReply, 10_500),
            Some(true)
        );
        assert_eq!(closes(&closing, MessageKind::Text, 10_500), Some(false));
        assert_eq!(closes(&closing, MessageKind::Button, 11_001), Some(false));
        assert_eq!(
            closes(&pending(Awaits::Answer), MessageKind::Button, 10_500),
            Some(false)
        );
    }

    fn event(verdict: Option<AnswerVerdict>) -> Option<HopperEvent> {
        verdict.map(|verdict| verdict.event)
    }

    #[test]
    fn the_answer_rules_table() {
        use HopperEvent::{Answered, LateReply};
        let timed_out = Interaction {
            state: HopperState::Closed,
            outcome: Some(Outcome::TimedOut),
            ..pending(Awaits::Answer)
        };
        let in_time = 10_500;
        let after = 11_001;
        let rows: [(&str, Interaction, MessageKind, i64, Option<HopperEvent>); 14] = [
            (
                "a text within the timeout",
                pending(Awaits::Answer),
                MessageKind::Text,
                in_time,
                Some(Answered),
            ),
            (
                "a tap within the timeout",
                pending(Awaits::Answer),
                MessageKind::Button,
                in_time,
                Some(Answered),
            ),
            (
                "an interactive reply",
                pending(Awaits::Answer),
                MessageKind::ButtonReply,
                in_time,
                Some(Answered),
            ),
            (
                "an image",
                pending(Awaits::Answer),
                MessageKind::Media,
                in_time,
                Some(Answered),
            ),
            (
                "at the timeout's last millisecond",
                pending(Awaits::Answer),
                MessageKind::Text,
                11_000,
                Some(Answered),
            ),
            (
                "a text after the timeout",
                pending(Awaits::Answer),
                MessageKind::Text,
                after,
                Some(LateReply),
            ),
            (
                "a tap after the timeout",
                pending(Awaits::Answer),
                MessageKind::Button,
                after,
                Some(LateReply),
            ),
            (
                "a call-to-action waits for its timeout",
                pending(Awaits::Timeout),
                MessageKind::Text,
                in_time,
                None,
            ),
            (
                "a call-to-action answered late",
                pending(Awaits::Timeout),
                MessageKind::Text,
                after,
                Some(LateReply),
            ),
            (
                "after the timeout closed it",
                timed_out,
                MessageKind::Text,
                after,
                Some(LateReply),
            ),
            (
                "a second late answer",
                Interaction {
                    answered: true,
                    ..timed_out
                },
                MessageKind::Text,
                after,
                None,
            ),
            (
                "an answered row",
                Interaction {
                    state: HopperState::Closed,
                    outcome: Some(Outcome::Answered),
                    answered: true,
                    ..pending(Awaits::Answer)
                },
                MessageKind::Text,
                in_time,
                None,
            ),
            (
                "a row not sent yet",
                Interaction {
                    state: HopperState::Sending,
                    ..pending(Awaits::Answer)
                },
                MessageKind::Text,
                in_time,
                None,
            ),
            (
                "a send time unknown counts as now",
                Interaction {
                    sent_at: None,
                    ..pending(Awaits::Answer)
                },
                MessageKind::Text,
                99_999,
                Some(Answered),
            ),
        ];
        for (case, interaction, kind, now, wanted) in rows {
            assert_eq!(
                event(judge_answer(&interaction, kind, now)),
                wanted,
                "{case}"
            );
        }
    }

    #[test]
    fn every_verdict_is_a_legal_move_from_its_row() {
        let interactions = [
            pending(Awaits::Answer),
            pending(Awaits::Timeout),
            Interaction {
                state: HopperState::Closed,
                outcome: Some(Outcome::TimedOut),
                ..pending(Awaits::Answer)
            },
        ];
        for interaction in interactions {
            for now in [10_000, 11_001] {
                if let Some(verdict) = judge_answer(&interaction, MessageKind::Button, now) {
                    let moved = interaction.state.take(verdict.event);
                    assert_eq!(moved.map(|moved| moved.to()), Ok(HopperState::Closed));
                }
            }
        }
    }

    #[test]
    fn a_tap_tells_itself_apart_in_the_history() {
        let tap = judge_answer(&pending(Awaits::Answer), MessageKind::Button, 10_001).unwrap();
        let text = judge_answer(&pending(Awaits::Answer), MessageKind::Text, 10_001).unwrap();
        assert_eq!(tap.reason, "The contact tapped a quick reply");
        assert_eq!(text.reason, "The contact answered");
    }
}
