use super::*;

const CLASSES: [ErrorClass; 7] = [
    ErrorClass::Throttle,
    ErrorClass::Temporary,
    ErrorClass::Wait24Hours,
    ErrorClass::PermanentForContact,
    ErrorClass::TemplateStop,
    ErrorClass::TemplatePause,
    ErrorClass::AccountStop,
];

fn every_event() -> Vec<HopperEvent> {
    use HopperEvent as E;
    let mut events = vec![
        E::Claimed,
        E::Accepted,
        E::Skipped,
        E::Blocked,
        E::InvalidPhone,
        E::Unblocked,
        E::Delivered,
        E::Answered,
        E::LateReply,
        E::TimedOut,
        E::GivenBack,
        E::NotProcessed,
        E::Reconciled { sent: true },
        E::Reconciled { sent: false },
        E::SendInDoubt,
        E::ListReset,
    ];
    events.extend(CLASSES.iter().map(|class| E::Refused(*class)));
    events.extend(CLASSES.iter().map(|class| E::DeliveryFailed(*class)));
    events
}

/// The whole table, written out: every legal move and where it leads.
fn expected(from: HopperState, event: HopperEvent) -> Option<HopperState> {
    use HopperEvent as E;
    use HopperState as S;
    let permanent = |class: ErrorClass| {
        matches!(
            class,
            ErrorClass::PermanentForContact | ErrorClass::TemplateStop
        )
    };
    Some(match (from, event) {
        (_, E::ListReset) => S::Fresh,
        (S::Fresh, E::Claimed) | (S::Retry, E::Claimed) => S::Sending,
        (S::Fresh | S::Retry | S::Sending, E::Skipped) => S::Closed,
        (S::Fresh | S::Retry | S::Sending, E::Blocked) => S::Waiting,
        (S::Sending, E::InvalidPhone) => S::Retry,
        (S::Waiting, E::Unblocked) => S::Fresh,
        (S::Sending, E::Accepted) => S::Pending,
        (S::Sending, E::Reconciled { sent: true }) => S::Pending,
        (S::Sending, E::Reconciled { sent: false }) => S::Retry,
        (S::Sending, E::SendInDoubt | E::GivenBack | E::NotProcessed) => S::Retry,
        (S::Retry, E::Reconciled { sent: true }) => S::Pending,
        (S::Sending, E::Refused(class)) if permanent(class) => S::Closed,
        (S::Sending, E::Refused(_)) => S::Retry,
        (S::Pending, E::DeliveryFailed(class)) if permanent(class) => S::Closed,
        (S::Pending, E::DeliveryFailed(_)) => S::Retry,
        (S::Pending, E::Delivered) => S::Pending,
        (S::Pending, E::Answered | E::TimedOut | E::LateReply) => S::Closed,
        (S::Closed, E::LateReply) => S::Closed,
        _ => return None,
    })
}

#[test]
fn every_state_and_event_follows_the_table_including_the_illegal_ones() {
    let mut legal = 0;
    let mut illegal = 0;
    for from in HopperState::ALL {
        for event in every_event() {
            match (from.next(event), expected(*from, event)) {
                (Ok(next), Some(wanted)) => {
                    assert_eq!(next, wanted, "{from} + {event:?}");
                    legal += 1;
                }
                (Err(error), None) => {
                    assert_eq!(error, IllegalTransition { from: *from, event });
                    illegal += 1;
                }
                (got, wanted) => panic!("{from} + {event:?}: got {got:?}, wanted {wanted:?}"),
            }
        }
    }
    assert_eq!(
        legal + illegal,
        HopperState::ALL.len() * every_event().len()
    );
    assert!(
        illegal > legal,
        "most moves are illegal: {legal} legal, {illegal} illegal"
    );
}

#[test]
fn a_closed_contact_is_never_sent_again_until_the_list_is_reset() {
    assert!(HopperState::Closed.next(HopperEvent::Claimed).is_err());
    assert!(HopperState::Pending.next(HopperEvent::Claimed).is_err());
    assert!(HopperState::Sending.next(HopperEvent::Claimed).is_err());
    assert_eq!(
        HopperState::Closed.next(HopperEvent::ListReset),
        Ok(HopperState::Fresh)
    );
}

#[test]
fn the_seed_scenarios_walk_the_machine() {
    use HopperEvent as E;
    let walk = |events: &[HopperEvent]| {
        events
            .iter()
            .try_fold(HopperState::Fresh, |state, event| state.next(*event))
    };
    assert_eq!(
        walk(&[E::Claimed, E::Accepted, E::Answered]),
        Ok(HopperState::Closed),
        "a reply closes it"
    );
    assert_eq!(
        walk(&[E::Claimed, E::Accepted, E::TimedOut]),
        Ok(HopperState::Closed),
        "a call-to-action template stays pending until the timeout"
    );
    assert_eq!(
        walk(&[E::Claimed, E::Refused(ErrorClass::PermanentForContact)]),
        Ok(HopperState::Closed),
        "a number not on WhatsApp goes to history"
    );
    assert_eq!(
        walk(&[
            E::Claimed,
            E::Refused(ErrorClass::Temporary),
            E::Claimed,
            E::Accepted
        ]),
        Ok(HopperState::Pending),
        "Start Retry Campaign sends a temporary failure again"
    );
    assert_eq!(
        walk(&[E::Blocked, E::Unblocked, E::Claimed]),
        Ok(HopperState::Sending),
        "an open interaction elsewhere makes it wait, then it goes"
    );
    assert_eq!(
        walk(&[
            E::Claimed,
            E::Accepted,
            E::DeliveryFailed(ErrorClass::Wait24Hours)
        ]),
        Ok(HopperState::Retry),
        "131049 waits and is retried"
    );
}

#[test]
fn counts_put_in_flight_and_waiting_contacts_under_pending() {
    let columns: Vec<HopperState> = HopperState::ALL.iter().map(|s| s.counted_as()).collect();
    assert_eq!(
        columns,
        [
            HopperState::Fresh,
            HopperState::Pending,
            HopperState::Pending,
            HopperState::Pending,
            HopperState::Retry,
            HopperState::Closed
        ]
    );
}

#[test]
fn each_event_records_its_outcome_and_a_transition_carries_it() {
    use HopperEvent as E;
    let table = [
        (E::Accepted, Some(Outcome::Sent)),
        (E::Reconciled { sent: true }, Some(Outcome::Sent)),
        (E::Reconciled { sent: false }, Some(Outcome::InDoubt)),
        (E::SendInDoubt, Some(Outcome::InDoubt)),
        (E::Refused(ErrorClass::Temporary), Some(Outcome::Failed)),
        (E::Skipped, Some(Outcome::Skipped)),
        (E::Blocked, Some(Outcome::Waiting)),
        (E::InvalidPhone, Some(Outcome::InvalidPhone)),
        (E::GivenBack, Some(Outcome::Paced)),
        (E::NotProcessed, Some(Outcome::Error)),
        (E::Unblocked, None),
        (E::Claimed, None),
    ];
    for (event, outcome) in table {
        assert_eq!(event.outcome(), outcome, "{event:?}");
    }
    let answered = HopperState::Pending.take(E::Answered).unwrap();
    assert_eq!(
        (answered.from(), answered.to(), answered.outcome()),
        (
            HopperState::Pending,
            HopperState::Closed,
            Some(Outcome::Answered)
        )
    );
    let delivered = HopperState::Pending.take(E::Delivered).unwrap();
    assert_eq!(
        (delivered.to(), delivered.outcome()),
        (HopperState::Pending, None)
    );
    assert_eq!(
        HopperState::Closed.take(E::Answered),
        Err(IllegalTransition {
            from: HopperState::Closed,
            event: E::Answered
        })
    );
}

#[test]
fn every_outcome_has_one_text_form() {
    for outcome in Outcome::ALL {
        assert_eq!(outcome.as_str().parse::<Outcome>(), Ok(*outcome));
    }
    assert!("answered_late".parse::<Outcome>().is_err());
}

#[test]
fn the_retry_schedule() {
    let now = 1_000_000;
    let table = [
        (ErrorClass::Throttle, 1, now + THROTTLE_PAUSE_MS),
        (ErrorClass::Throttle, 9, now + THROTTLE_PAUSE_MS),
        (ErrorClass::Wait24Hours, 1, now + crate::DAY_MS),
        (ErrorClass::Temporary, 0, now + BACKOFF_BASE_MS),
        (ErrorClass::Temporary, 1, now + 2 * BACKOFF_BASE_MS),
        (ErrorClass::Temporary, 3, now + 8 * BACKOFF_BASE_MS),
        (ErrorClass::Temporary, 6, now + 64 * BACKOFF_BASE_MS),
        (ErrorClass::Temporary, 40, now + 64 * BACKOFF_BASE_MS),
        (ErrorClass::Temporary, -1, now + BACKOFF_BASE_MS),
        (ErrorClass::AccountStop, 2, now + 4 * BACKOFF_BASE_MS),
    ];
    for (class, attempt, wanted) in table {
        assert_eq!(
            retry_at(class, attempt, now),
            wanted,
            "{class:?} attempt {attempt}"
        );
    }
}
