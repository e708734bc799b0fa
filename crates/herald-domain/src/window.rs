//! The customer service window (SPEC section 5, "Windows and agents"): when it opens, how long it
//! lasts, and what an agent may send inside and outside it. Pure: the relay feeds it a contact's
//! messages and the time.

use serde::{Deserialize, Serialize};

/// How long a window lasts after the event that opened or extended it.
pub const SERVICE_WINDOW_MS: i64 = crate::DAY_MS;

/// What the window rules read from one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowEvent<'a> {
    /// A template of this category reached the contact's phone.
    TemplateDelivered {
        /// When it was delivered (Unix ms).
        at: i64,
        /// Its category as sent (`MARKETING`, `UTILITY`...).
        category: &'a str,
    },
    /// The contact wrote (text, a button tap, a list choice, media...).
    CustomerWrote {
        /// When (Unix ms).
        at: i64,
    },
}

impl WindowEvent<'_> {
    fn at(&self) -> i64 {
        match self {
            Self::TemplateDelivered { at, .. } | Self::CustomerWrote { at } => *at,
        }
    }
}

/// A contact's latest customer service window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceWindow {
    /// When it opened (Unix ms): a delivered template, or the contact writing first.
    pub opened_at: i64,
    /// When it closes (Unix ms).
    pub closes_at: i64,
    /// The category of the template that opened it; `None` when the contact opened it.
    pub category: Option<String>,
    /// When the contact last wrote inside it (Unix ms).
    pub customer_wrote_at: Option<i64>,
}

impl ServiceWindow {
    /// Replays a contact's messages, in any order (SPEC section 5 and the seed's scenarios):
    /// - a delivered template opens a window of 24 hours from its delivery;
    /// - the contact's answer lets the agent write freely until that window ends (template at
    ///   11:00, answer at 12:00: until 11:00 the next day);
    /// - a later message of the contact extends the window to 24 hours after it, as Meta does;
    /// - a template of another category replaces the open window with its own, and the agent
    ///   may not write freely until the contact answers that one;
    /// - a template of the same category leaves the window as it is;
    /// - the contact writing with no window open opens one from that message.
    ///
    /// `None` for a contact nothing has reached or come from.
    pub fn replay<'a>(events: impl IntoIterator<Item = WindowEvent<'a>>) -> Option<Self> {
        let mut events: Vec<WindowEvent<'a>> = events.into_iter().collect();
        // Writing before a delivery of the same millisecond, and categories in text order, so
        // that ties replay the same whatever order the messages were read in.
        events.sort_by_key(|event| match event {
            WindowEvent::CustomerWrote { at } => (*at, None),
            WindowEvent::TemplateDelivered { at, category } => (*at, Some(*category)),
        });
        events
            .into_iter()
            .fold(None, |window: Option<Self>, event| {
                let open = window
                    .as_ref()
                    .filter(|window| event.at() < window.closes_at);
                Some(match (event, open) {
                    (WindowEvent::TemplateDelivered { category, .. }, Some(window))
                        if window
                            .category
                            .as_deref()
                            .is_none_or(|open| open.eq_ignore_ascii_case(category)) =>
                    {
                        let mut window = window.clone();
                        window.category = Some(category.to_owned());
                        window
                    }
                    (WindowEvent::TemplateDelivered { at, category }, _) => Self {
                        opened_at: at,
                        closes_at: at + SERVICE_WINDOW_MS,
                        category: Some(category.to_owned()),
                        customer_wrote_at: None,
                    },
                    (WindowEvent::CustomerWrote { at }, Some(window)) => Self {
                        closes_at: match window.customer_wrote_at {
                            None => window.closes_at,
                            Some(_) => window.closes_at.max(at + SERVICE_WINDOW_MS),
                        },
                        customer_wrote_at: Some(at),
                        ..window.clone()
                    },
                    (WindowEvent::CustomerWrote { at }, None) => Self {
                        opened_at: at,
                        closes_at: at + SERVICE_WINDOW_MS,
                        category: None,
                        customer_wrote_at: Some(at),
                    },
                })
            })
    }

    /// Whether the window is still open at `now`.
    pub fn is_open(&self, now: i64) -> bool {
        now < self.closes_at
    }

    /// Whether free-form messages may go to the contact at `now`: the window is open and the
    /// contact answered in it.
    pub fn allows_free_text(&self, now: i64) -> bool {
        self.is_open(now) && self.customer_wrote_at.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HOUR: i64 = 60 * 60 * 1000;

    fn delivered(at: i64, category: &str) -> WindowEvent<'_> {
        WindowEvent::TemplateDelivered { at, category }
    }

    fn wrote(at: i64) -> WindowEvent<'static> {
        WindowEvent::CustomerWrote { at }
    }

    #[test]
    fn nothing_exchanged_means_no_window() {
        assert_eq!(ServiceWindow::replay([]), None);
    }

    #[test]
    fn the_seeds_scenario_template_at_11_answer_at_12_window_until_11_the_next_day() {
        let window = ServiceWindow::replay([delivered(11 * HOUR, "MARKETING"), wrote(12 * HOUR)])
            .expect("a window");
        assert_eq!((window.opened_at, window.closes_at), (11 * HOUR, 35 * HOUR));
        assert!(window.allows_free_text(34 * HOUR));
        assert!(!window.allows_free_text(35 * HOUR));
        assert!(!window.is_open(35 * HOUR));
    }

    #[test]
    fn a_later_message_of_the_contact_extends_the_window_a_day_past_it() {
        let window = ServiceWindow::replay([
            delivered(11 * HOUR, "MARKETING"),
            wrote(12 * HOUR),
            wrote(20 * HOUR),
        ])
        .expect("a window");
        assert_eq!(window.closes_at, 44 * HOUR);
        assert!(window.allows_free_text(43 * HOUR));
    }

    #[test]
    fn a_template_alone_opens_the_window_but_not_free_text() {
        let window = ServiceWindow::replay([delivered(0, "MARKETING")]).expect("a window");
        assert!(window.is_open(23 * HOUR));
        assert!(!window.allows_free_text(HOUR));
        assert!(!window.is_open(24 * HOUR));
    }

    #[test]
    fn a_utility_template_after_a_marketing_one_replaces_the_window_until_answered() {
        let replaced = [
            delivered(0, "MARKETING"),
            wrote(HOUR),
            delivered(10 * HOUR, "UTILITY"),
        ];
        let window = ServiceWindow::replay(replaced).expect("a window");
        assert_eq!(
            (
                window.opened_at,
                window.closes_at,
                window.category.as_deref()
            ),
            (10 * HOUR, 34 * HOUR, Some("UTILITY"))
        );
        assert!(
            !window.allows_free_text(11 * HOUR),
            "no text until the contact answers the utility template"
        );
        let answered = ServiceWindow::replay(replaced.into_iter().chain([wrote(12 * HOUR)]))
            .expect("a window");
        assert!(answered.allows_free_text(13 * HOUR));
    }

    #[test]
    fn a_template_of_the_same_category_leaves_the_window_as_it_is() {
        let window =
            ServiceWindow::replay([delivered(0, "MARKETING"), delivered(10 * HOUR, "marketing")])
                .expect("a window");
        assert_eq!((window.opened_at, window.closes_at), (0, 24 * HOUR));
    }

    #[test]
    fn a_template_after_the_window_closed_opens_a_new_one() {
        let window = ServiceWindow::replay([
            delivered(0, "MARKETING"),
            wrote(HOUR),
            delivered(30 * HOUR, "MARKETING"),
        ])
        .expect("a window");
        assert_eq!(window.opened_at, 30 * HOUR);
        assert_eq!(
            window.customer_wrote_at, None,
            "the old answer does not carry over"
        );
    }

    #[test]
    fn the_contact_writing_first_opens_a_window_a_template_then_takes() {
        let window =
            ServiceWindow::replay([wrote(0), delivered(HOUR, "UTILITY")]).expect("a window");
        assert_eq!(window.category.as_deref(), Some("UTILITY"));
        assert_eq!(window.opened_at, 0, "the open window is kept");
        assert!(window.allows_free_text(23 * HOUR));
    }

    fn event() -> impl Strategy<Value = (i64, Option<bool>)> {
        (0..200 * HOUR, proptest::option::of(any::<bool>()))
    }

    /// A contact's events as (time, `None` for the contact writing or whether a template was
    /// marketing).
    type RawEvents = Vec<(i64, Option<bool>)>;

    fn events_and_a_shuffle() -> impl Strategy<Value = (RawEvents, RawEvents)> {
        proptest::collection::vec(event(), 0..20)
            .prop_flat_map(|events| (Just(events.clone()), Just(events).prop_shuffle()))
    }

    fn as_events(raw: &[(i64, Option<bool>)]) -> Vec<WindowEvent<'static>> {
        raw.iter()
            .map(|(at, kind)| match kind {
                None => wrote(*at),
                Some(true) => delivered(*at, "MARKETING"),
                Some(false) => delivered(*at, "UTILITY"),
            })
            .collect()
    }

    proptest! {
        #[test]
        fn the_window_never_outlives_its_last_event_by_more_than_a_day(
            (raw, shuffled) in events_and_a_shuffle(),
        ) {
            let events = as_events(&raw);
            let shuffled = as_events(&shuffled);
            let window = ServiceWindow::replay(events.clone());
            prop_assert_eq!(&window, &ServiceWindow::replay(shuffled), "order of input is irrelevant");
            match window {
                None => prop_assert!(events.is_empty()),
                Some(window) => {
                    let last = events.iter().map(WindowEvent::at).max().unwrap_or_default();
                    prop_assert!(window.opened_at <= window.closes_at - SERVICE_WINDOW_MS);
                    prop_assert!(window.closes_at <= last + SERVICE_WINDOW_MS);
                    if let Some(wrote) = window.customer_wrote_at {
                        prop_assert!(wrote < window.closes_at);
                    }
                }
            }
        }
    }
}
