//! Campaigns (SPEC section 5): their statuses, the settings an admin chooses and the limits
//! those settings must respect, and the account's daily messaging-limit tiers.

use serde::{Deserialize, Serialize};

text_enum!(
    /// Where a campaign stands.
    CampaignStatus, "campaign status", {
        /// Waiting for its start date.
        Scheduled => "SCHEDULED",
        /// Sending and following its contacts.
        Running => "RUNNING",
        /// The provider paused its template; it resumes when the template is approved again.
        Paused => "PAUSED",
        /// Stopped by an admin or by an error that concerns the template or the account.
        Stopped => "STOPPED",
        /// Every contact was sent to and every interaction has closed.
        Completed => "COMPLETED",
    }
);

impl CampaignStatus {
    /// Whether the sender works on it.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Running)
    }

    /// The status after `event`, if the campaign's state machine allows it from here.
    pub fn next(self, event: CampaignEvent) -> Result<Self, IllegalCampaignMove> {
        let change = event.change();
        if change.from.contains(&self) {
            Ok(change.to)
        } else {
            Err(IllegalCampaignMove { from: self, event })
        }
    }
}

/// What changes a campaign's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CampaignEvent {
    /// A scheduled campaign's start date came.
    StartDateCame,
    /// The provider paused the campaign's template.
    TemplatePaused,
    /// The provider approved the paused template again.
    TemplateApprovedAgain,
    /// An admin stopped it, or the relay did: its template was refused, disabled or deleted, or
    /// its account was refused.
    Stopped,
    /// Nothing is left to send or follow.
    Finished,
    /// A list was attached: a completed campaign has new contacts to send to.
    ListAdded,
    /// An admin's Start Retry Campaign, resend of the contacts in doubt or Reset List: it runs
    /// again, whatever it was doing.
    Restarted,
}

impl CampaignEvent {
    /// Every event, for tables.
    pub const ALL: [Self; 7] = [
        Self::StartDateCame,
        Self::TemplatePaused,
        Self::TemplateApprovedAgain,
        Self::Stopped,
        Self::Finished,
        Self::ListAdded,
        Self::Restarted,
    ];

    /// The whole machine, by event: the statuses it may happen in and the one it leads to.
    /// Stores apply a [`CampaignChange`] as one conditional write, so a change races safely
    /// with another.
    pub fn change(self) -> CampaignChange {
        use CampaignStatus as S;
        let (from, to): (&'static [CampaignStatus], CampaignStatus) = match self {
            Self::StartDateCame => (&[S::Scheduled], S::Running),
            Self::TemplatePaused => (&[S::Running], S::Paused),
            Self::TemplateApprovedAgain => (&[S::Paused], S::Running),
            Self::Stopped => (&[S::Scheduled, S::Running, S::Paused], S::Stopped),
            Self::Finished => (&[S::Running], S::Completed),
            Self::ListAdded => (&[S::Completed], S::Running),
            Self::Restarted => (CampaignStatus::ALL, S::Running),
        };
        CampaignChange { from, to }
    }
}

/// A change of status the campaign's state machine allows: from any of some statuses to one.
/// Only [`CampaignEvent::change`] makes one, so every status a store writes went through the
/// machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CampaignChange {
    from: &'static [CampaignStatus],
    to: CampaignStatus,
}

impl CampaignChange {
    /// The statuses the campaign may be in.
    pub fn from(self) -> &'static [CampaignStatus] {
        self.from
    }

    /// The status it gets.
    pub fn to(self) -> CampaignStatus {
        self.to
    }
}

/// A status change the campaign's state machine does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} campaign cannot take {event:?}")]
pub struct IllegalCampaignMove {
    /// Where the campaign stood.
    pub from: CampaignStatus,
    /// What was attempted.
    pub event: CampaignEvent,
}

/// What the account knows about a contact's phone when a campaign is about to send to it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PhoneStanding {
    /// The contact opted out of marketing messages.
    pub opted_out: bool,
    /// Another campaign of the account sent to it within the duplicate check's days.
    pub sent_recently: bool,
    /// It has an open interaction (pending or being sent) in another campaign.
    pub busy_elsewhere: bool,
    /// It wrote to the account in the last 24 hours: an agent may be talking to it.
    pub wrote_recently: bool,
}

/// Why a contact with a valid phone is not sent the campaign now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// It goes to the history with the reason.
    Skip(String),
    /// It waits for its interaction with another campaign to close.
    Wait,
}

/// The checks SPEC section 5 makes before a campaign sends to a phone, in the seed's order:
/// opted out of marketing, duplicate within the check's days, an open interaction elsewhere,
/// an active conversation with an agent. (The phone's own validity comes before these, the
/// contact's mapped values after.)
pub fn admit(
    settings: &CampaignSettings,
    marketing: bool,
    standing: PhoneStanding,
) -> Result<(), Hold> {
    if standing.opted_out && marketing {
        return Err(Hold::Skip(
            "The contact opted out of marketing messages".to_owned(),
        ));
    }
    if let Some(days) = settings.duplicate_check_days
        && standing.sent_recently
    {
        return Err(Hold::Skip(format!(
            "Duplicate: the contact was sent a campaign template by this account in the last {days} days"
        )));
    }
    if standing.busy_elsewhere {
        return Err(Hold::Wait);
    }
    if !settings.include_active_interactions && standing.wrote_recently {
        return Err(Hold::Skip(
            "The contact is in an active conversation (it wrote in the last 24 hours)".to_owned(),
        ));
    }
    Ok(())
}

/// One day, in milliseconds.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// Meta's pair rate: one message every 6 seconds from a business number to one user
/// (providers.md section 7.2).
pub const PAIR_INTERVAL_MS: i64 = 6_000;
/// The shortest response timeout, in days.
pub const MIN_RESPONSE_TIMEOUT_DAYS: u32 = 1;
/// The longest response timeout, in days (Meta keeps a conversation 30 days at most).
pub const MAX_RESPONSE_TIMEOUT_DAYS: u32 = 30;
/// The duplicate check looks back 1 to 7 days.
pub const DUPLICATE_CHECK_DAYS: std::ops::RangeInclusive<u32> = 1..=7;
/// The longest pause between two sends of one campaign: one hour.
pub const MAX_SENDING_INTERVAL_MS: u32 = 60 * 60 * 1000;
/// The longest campaign name.
pub const MAX_CAMPAIGN_NAME_CHARS: usize = 120;

/// What an admin chooses for a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignSettings {
    /// Name shown in the list.
    pub name: String,
    /// The approved template it sends.
    pub template_id: i64,
    /// Pause between two sends of this campaign, in milliseconds (0: as fast as the account
    /// allows).
    #[serde(default)]
    pub sending_interval_ms: u32,
    /// Days a sent contact stays pending waiting for an answer.
    #[serde(default = "default_response_timeout_days")]
    pub response_timeout_days: u32,
    /// Skip contacts sent to by this account within that many days (none: no check).
    #[serde(default)]
    pub duplicate_check_days: Option<u32>,
    /// Send also to contacts in an active conversation with an agent.
    #[serde(default)]
    pub include_active_interactions: bool,
    /// A quick-reply tap closes the interaction.
    #[serde(default)]
    pub close_on_quick_reply: bool,
    /// When sending starts (Unix ms); none: on save.
    #[serde(default)]
    pub start_at: Option<i64>,
}

fn default_response_timeout_days() -> u32 {
    MIN_RESPONSE_TIMEOUT_DAYS
}

/// A new campaign's settings as SPEC section 5 starts them (the same defaults an API request
/// that leaves the fields out gets); no name and no template yet.
impl Default for CampaignSettings {
    fn default() -> Self {
        Self {
            name: String::new(),
            template_id: 0,
            sending_interval_ms: 0,
            response_timeout_days: default_response_timeout_days(),
            duplicate_check_days: None,
            include_active_interactions: false,
            close_on_quick_reply: false,
            start_at: None,
        }
    }
}

/// A campaign setting out of its limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SettingError {
    /// The field, as named in the API.
    pub field: &'static str,
    /// What is wrong, with the limit.
    pub message: String,
}

impl CampaignSettings {
    /// Checks every limit of SPEC section 5; the first violation names its field.
    pub fn check(&self) -> Result<(), SettingError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_CAMPAIGN_NAME_CHARS {
            return Err(SettingError {
                field: "name",
                message: format!("the name must have 1 to {MAX_CAMPAIGN_NAME_CHARS} characters"),
            });
        }
        if !(MIN_RESPONSE_TIMEOUT_DAYS..=MAX_RESPONSE_TIMEOUT_DAYS)
            .contains(&self.response_timeout_days)
        {
            return Err(SettingError {
                field: "response_timeout_days",
                message: format!(
                    "the response timeout must be {MIN_RESPONSE_TIMEOUT_DAYS} to {MAX_RESPONSE_TIMEOUT_DAYS} days"
                ),
            });
        }
        if let Some(days) = self.duplicate_check_days
            && !DUPLICATE_CHECK_DAYS.contains(&days)
        {
            return Err(SettingError {
                field: "duplicate_check_days",
                message: format!(
                    "the duplicate check looks back {} to {} days, or is left blank",
                    DUPLICATE_CHECK_DAYS.start(),
                    DUPLICATE_CHECK_DAYS.end()
                ),
            });
        }
        if self.sending_interval_ms > MAX_SENDING_INTERVAL_MS {
            return Err(SettingError {
                field: "sending_interval_ms",
                message: format!(
                    "the sending interval must be at most {MAX_SENDING_INTERVAL_MS} ms (one hour)"
                ),
            });
        }
        Ok(())
    }

    /// The response timeout in milliseconds.
    pub fn response_timeout_ms(&self) -> i64 {
        i64::from(self.response_timeout_days) * DAY_MS
    }
}

/// Replies that opt a contact out of marketing messages unless the account names its own
/// (compared trimmed and case-insensitive).
pub const DEFAULT_OPT_OUT_KEYWORDS: [&str; 12] = [
    "STOP",
    "UNSUBSCRIBE",
    "STOP ALL",
    "OPT OUT",
    "CANCEL",
    "END",
    "QUIT",
    "ANNULLA",
    "BAJA",
    "STOPP",
    "ARRET",
    "ARRÊT",
];
/// Most opt-out keywords an account may name.
pub const MAX_OPT_OUT_KEYWORDS: usize = 50;
/// Longest opt-out keyword.
pub const MAX_OPT_OUT_KEYWORD_CHARS: usize = 40;

/// Whether `reply` is one of `keywords` (the account's, or [`DEFAULT_OPT_OUT_KEYWORDS`]).
pub fn is_opt_out<K: AsRef<str>>(reply: &str, keywords: &[K]) -> bool {
    let reply = reply.trim().to_uppercase();
    keywords
        .iter()
        .any(|keyword| keyword.as_ref().trim().to_uppercase() == reply)
}

/// Meta's daily limits on business-initiated conversations, by tier.
pub const MESSAGING_TIERS: [u32; 4] = [250, 2_000, 10_000, 100_000];

/// Whether `limit` is one of Meta's tiers (none is unlimited).
pub fn is_messaging_tier(limit: u32) -> bool {
    MESSAGING_TIERS.contains(&limit)
}

/// The warning shown before launch when the campaign's contacts exceed what the account's tier
/// lets it reach in a day, given what it has already sent in the last 24 hours.
pub fn tier_warning(limit: Option<u32>, sent_last_day: u64, contacts: u64) -> Option<String> {
    let limit = u64::from(limit?);
    let room = limit.saturating_sub(sent_last_day);
    (contacts > room).then(|| {
        format!(
            "The account's messaging limit is {limit} contacts a day and {sent_last_day} were reached in the last 24 hours: {contacts} contacts need {} days; the sender waits for the limit to free up.",
            1 + contacts.saturating_sub(room).div_ceil(limit)
        )
    })
}

/// Longest name of a contact list.
pub const MAX_LIST_NAME_CHARS: usize = 100;

/// Meta's default throughput of a business phone number, for an account that names none.
pub const DEFAULT_MESSAGES_PER_SECOND: u32 = 80;

/// How many messages a second a campaign sends: its account's rate (Meta's default when the
/// account names none), or one per sending interval when that is slower.
pub fn sending_rate(messages_per_second: Option<u32>, sending_interval_ms: u32) -> f64 {
    let account = f64::from(
        messages_per_second
            .unwrap_or(DEFAULT_MESSAGES_PER_SECOND)
            .max(1),
    );
    if sending_interval_ms == 0 {
        account
    } else {
        account.min(1000.0 / f64::from(sending_interval_ms))
    }
}

/// What launching a campaign means, for the admin to confirm: how many contacts, how long at
/// what pace ("5,000 contacts, about 2 minutes at 80/s").
pub fn launch_summary(contacts: u64, rate: f64) -> String {
    let rate = if rate > 0.0 { rate } else { 1.0 };
    // Whole seconds: the estimate is for people, and a campaign's length is far below f64's
    // exact range.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let seconds = (contacts as f64 / rate).ceil() as u64;
    let duration = match seconds {
        0..=1 => "a second".to_owned(),
        2..=59 => format!("{seconds} seconds"),
        60 => "a minute".to_owned(),
        61..=5_399 => format!("{} minutes", seconds.div_ceil(60)),
        _ => format!("{} hours", seconds.div_ceil(3_600)),
    };
    let pace = if rate >= 1.0 {
        format!("{}/s", thousands(rate.round() as u64))
    } else {
        format!("one every {} s", (1.0 / rate).round() as u64)
    };
    let contacts_text = match contacts {
        1 => "1 contact".to_owned(),
        _ => format!("{} contacts", thousands(contacts)),
    };
    format!("{contacts_text}, about {duration} at {pace}")
}

/// `5000` as `5,000`.
fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_launch_says_how_many_contacts_how_long_and_how_fast() {
        let cases = [
            (
                5_000,
                sending_rate(None, 0),
                "5,000 contacts, about 2 minutes at 80/s",
            ),
            (
                1,
                sending_rate(Some(80), 0),
                "1 contact, about a second at 80/s",
            ),
            (
                2,
                sending_rate(None, 0),
                "2 contacts, about a second at 80/s",
            ),
            (
                1_000_000,
                sending_rate(Some(1_000), 0),
                "1,000,000 contacts, about 17 minutes at 1,000/s",
            ),
            (
                600,
                sending_rate(Some(80), 2_000),
                "600 contacts, about 20 minutes at one every 2 s",
            ),
            (
                2_000_000,
                sending_rate(None, 0),
                "2,000,000 contacts, about 7 hours at 80/s",
            ),
            (
                120,
                sending_rate(Some(0), 0),
                "120 contacts, about 2 minutes at 1/s",
            ),
            (
                0,
                sending_rate(None, 0),
                "0 contacts, about a second at 80/s",
            ),
        ];
        for (contacts, rate, expected) in cases {
            assert_eq!(
                launch_summary(contacts, rate),
                expected,
                "{contacts} at {rate}"
            );
        }
        assert!((sending_rate(Some(80), 100) - 10.0).abs() < f64::EPSILON);
        assert!((sending_rate(Some(5), 100) - 5.0).abs() < f64::EPSILON);
    }

    /// The whole table, written out: every legal change of status.
    fn expected(from: CampaignStatus, event: CampaignEvent) -> Option<CampaignStatus> {
        use CampaignEvent as E;
        use CampaignStatus as S;
        Some(match (from, event) {
            (S::Scheduled, E::StartDateCame) => S::Running,
            (S::Running, E::TemplatePaused) => S::Paused,
            (S::Paused, E::TemplateApprovedAgain) => S::Running,
            (S::Scheduled | S::Running | S::Paused, E::Stopped) => S::Stopped,
            (S::Running, E::Finished) => S::Completed,
            (S::Completed, E::ListAdded) => S::Running,
            (_, E::Restarted) => S::Running,
            _ => return None,
        })
    }

    #[test]
    fn the_admission_rules_in_the_seeds_order() {
        let plain = settings();
        let checked = CampaignSettings {
            duplicate_check_days: Some(3),
            ..settings()
        };
        let including = CampaignSettings {
            include_active_interactions: true,
            ..settings()
        };
        let every = PhoneStanding {
            opted_out: true,
            sent_recently: true,
            busy_elsewhere: true,
            wrote_recently: true,
        };
        let skip = |reason: &str| Err(Hold::Skip(reason.to_owned()));
        let opted_out = "The contact opted out of marketing messages";
        let duplicate = "Duplicate: the contact was sent a campaign template by this account in the last 3 days";
        let talking = "The contact is in an active conversation (it wrote in the last 24 hours)";
        let rows = [
            (
                "nothing against it",
                &plain,
                true,
                PhoneStanding::default(),
                Ok(()),
            ),
            (
                "opted out, marketing",
                &plain,
                true,
                (PhoneStanding {
                    opted_out: true,
                    ..Default::default()
                }),
                skip(opted_out),
            ),
            (
                "opted out, utility",
                &plain,
                false,
                (PhoneStanding {
                    opted_out: true,
                    ..Default::default()
                }),
                Ok(()),
            ),
            (
                "sent recently, no check",
                &plain,
                true,
                (PhoneStanding {
                    sent_recently: true,
                    ..Default::default()
                }),
                Ok(()),
            ),
            (
                "sent recently, checked",
                &checked,
                true,
                (PhoneStanding {
                    sent_recently: true,
                    ..Default::default()
                }),
                skip(duplicate),
            ),
            (
                "busy elsewhere",
                &plain,
                true,
                (PhoneStanding {
                    busy_elsewhere: true,
                    ..Default::default()
                }),
                Err(Hold::Wait),
            ),
            (
                "talking to an agent",
                &plain,
                true,
                (PhoneStanding {
                    wrote_recently: true,
                    ..Default::default()
                }),
                skip(talking),
            ),
            (
                "talking, active interactions included",
                &including,
                true,
                (PhoneStanding {
                    wrote_recently: true,
                    ..Default::default()
                }),
                Ok(()),
            ),
            (
                "everything: opt-out first",
                &checked,
                true,
                every,
                skip(opted_out),
            ),
            (
                "everything but opt-out: duplicate next",
                &checked,
                false,
                every,
                skip(duplicate),
            ),
            (
                "then the other campaign",
                &plain,
                false,
                every,
                Err(Hold::Wait),
            ),
        ];
        for (case, settings, marketing, standing, wanted) in rows {
            assert_eq!(admit(settings, marketing, standing), wanted, "{case}");
        }
    }

    #[test]
    fn every_status_and_event_follows_the_table() {
        for from in CampaignStatus::ALL {
            for event in CampaignEvent::ALL {
                let got = from.next(event).ok();
                assert_eq!(got, expected(*from, event), "{from} + {event:?}");
                assert_eq!(
                    event.change().from().contains(from),
                    got.is_some(),
                    "the change a store applies agrees with next: {from} + {event:?}"
                );
            }
        }
    }

    #[test]
    fn a_stopped_or_completed_campaign_only_runs_again_at_an_admins_word() {
        for status in [CampaignStatus::Stopped, CampaignStatus::Completed] {
            assert!(status.next(CampaignEvent::StartDateCame).is_err());
            assert!(status.next(CampaignEvent::TemplateApprovedAgain).is_err());
            assert!(status.next(CampaignEvent::Stopped).is_err());
            assert_eq!(
                status.next(CampaignEvent::Restarted),
                Ok(CampaignStatus::Running)
            );
        }
        assert_eq!(
            CampaignStatus::Completed.next(CampaignEvent::Finished),
            Err(IllegalCampaignMove {
                from: CampaignStatus::Completed,
                event: CampaignEvent::Finished
            })
        );
    }

    fn settings() -> CampaignSettings {
        serde_json::from_value(serde_json::json!({"name": "Spring", "template_id": 1})).unwrap()
    }

    #[test]
    fn defaults_are_the_specs() {
        let settings = settings();
        assert_eq!(settings.response_timeout_days, 1);
        assert_eq!(settings.duplicate_check_days, None);
        assert!(!settings.include_active_interactions);
        assert!(!settings.close_on_quick_reply);
        assert_eq!(
            CampaignSettings {
                name: settings.name.clone(),
                template_id: settings.template_id,
                ..CampaignSettings::default()
            },
            settings,
            "Default is what a request leaving the fields out gets"
        );
        assert_eq!(settings.start_at, None);
        assert_eq!(settings.check(), Ok(()));
    }

    #[test]
    fn each_limit_names_its_field() {
        type Change = fn(&mut CampaignSettings);
        let cases: [(Change, &str); 5] = [
            (|s| s.name = " ".into(), "name"),
            (|s| s.response_timeout_days = 0, "response_timeout_days"),
            (|s| s.duplicate_check_days = Some(8), "duplicate_check_days"),
            (|s| s.duplicate_check_days = Some(0), "duplicate_check_days"),
            (
                |s| s.sending_interval_ms = MAX_SENDING_INTERVAL_MS + 1,
                "sending_interval_ms",
            ),
        ];
        for (change, field) in cases {
            let mut settings = settings();
            change(&mut settings);
            assert_eq!(settings.check().unwrap_err().field, field);
        }
    }

    #[test]
    fn opt_out_keywords_match_whatever_the_case_and_spacing() {
        assert!(is_opt_out(" stop ", &DEFAULT_OPT_OUT_KEYWORDS));
        assert!(is_opt_out("Unsubscribe", &DEFAULT_OPT_OUT_KEYWORDS));
        assert!(is_opt_out("arrêt", &DEFAULT_OPT_OUT_KEYWORDS));
        assert!(!is_opt_out("please don't stop", &DEFAULT_OPT_OUT_KEYWORDS));
        assert!(is_opt_out("Basta", &["basta".to_owned()]));
        assert!(!is_opt_out("stop", &["basta".to_owned()]));
    }

    #[test]
    fn the_tier_warns_only_when_the_contacts_exceed_the_room_left() {
        assert_eq!(tier_warning(None, 0, 1_000_000), None);
        assert_eq!(tier_warning(Some(250), 0, 250), None);
        assert_eq!(tier_warning(Some(250), 100, 150), None);
        let warning = tier_warning(Some(250), 100, 400).unwrap();
        assert!(warning.contains("250 contacts a day"), "{warning}");
        assert!(warning.contains("400 contacts need 2 days"), "{warning}");
    }
}
