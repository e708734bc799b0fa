//! Herald's domain vocabulary: who may do what, which providers exist, and the life of a
//! template at its provider. Pure: no IO, no clock; compiles for wasm32 and the host.
//!
//! Every enum has one text form (`as_str` / `FromStr`), used in the database (with a `CHECK`
//! constraint), on the wire and in the UI, so the three never drift apart.

mod answers;
mod interactive;
mod phone;
mod provider_errors;

pub use answers::{
    AnswerVerdict, Awaits, Interaction, LATE_REPLY_REASON, judge_answer, takes_answers,
};
pub use campaigns::{
    CampaignChange, CampaignEvent, CampaignSettings, CampaignStatus, DAY_MS,
    DEFAULT_MESSAGES_PER_SECOND, DEFAULT_OPT_OUT_KEYWORDS, DUPLICATE_CHECK_DAYS, Hold,
    IllegalCampaignMove, MAX_CAMPAIGN_NAME_CHARS, MAX_LIST_NAME_CHARS, MAX_OPT_OUT_KEYWORD_CHARS,
    MAX_OPT_OUT_KEYWORDS, MAX_RESPONSE_TIMEOUT_DAYS, MAX_SENDING_INTERVAL_MS, MESSAGING_TIERS,
    MIN_RESPONSE_TIMEOUT_DAYS, PAIR_INTERVAL_MS, PhoneStanding, SettingError, admit,
    is_messaging_tier, is_opt_out, launch_summary, sending_rate, tier_warning,
};
pub use hopper::{
    AUTOMATIC_RETRIES, BACKOFF_BASE_MS, HopperEvent, HopperState, IllegalTransition, Outcome,
    THROTTLE_PAUSE_MS, Transition, retry_at,
};
pub use interactive::{
    LIST_BODY_MAX_CHARS, LIST_BUTTON_MAX_CHARS, LIST_HEADER_MAX_CHARS, LIST_MAX_ROWS,
    LIST_ROW_DESCRIPTION_MAX_CHARS, LIST_ROW_ID_MAX_CHARS, LIST_ROW_TITLE_MAX_CHARS,
    LIST_SECTION_TITLE_MAX_CHARS, ListMessage, ListMessageError, ListRow, ListSection,
};
pub use messages::{MessageDirection, MessageKind, MessageStatus};
pub use phone::{PhoneError, normalize_phone, strip_phone};
pub use provider_errors::{ErrorClass, classify_error, classify_kaleyra_error, error_meaning};
pub use webhooks::{
    InboundMessage, MessageError, PayloadError, StatusUpdate, TemplateEvent, WebhookContent,
    parse_kaleyra, parse_meta, status_from_event,
};
pub use window::{SERVICE_WINDOW_MS, ServiceWindow, WindowEvent};

/// A text that names no variant of an enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {kind}")]
pub struct UnknownValue {
    /// Which enum was parsed, e.g. `role`.
    pub kind: &'static str,
    /// The text that did not match.
    pub value: String,
}

/// An enum whose values travel as text: one text form per variant (`as_str`, `Display`,
/// `FromStr`, serde), for this crate and the crates that build on it (the API's error codes).
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident, $kind:literal, { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The one text form of the value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::UnknownValue;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value {
                    $($text => Ok(Self::$variant),)+
                    _ => Err($crate::UnknownValue { kind: $kind, value: value.to_owned() }),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, formatter: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                formatter.write_str(self.as_str())
            }
        }
    };
}

mod campaigns;
mod hopper;
mod messages;
mod webhooks;
mod window;

text_enum!(
    /// What a user may do (SPEC section 1).
    Role, "role", {
        /// Manages accounts, templates, lists and campaigns; sees everything.
        Admin => "admin",
        /// Converses with contacts and sends templates marked available to agents.
        Agent => "agent",
    }
);

text_enum!(
    /// Who carries an account's messages.
    Provider, "provider", {
        /// Meta's WhatsApp Cloud API.
        Meta => "meta",
        /// Kaleyra's WhatsApp API.
        Kaleyra => "kaleyra",
        /// Herald's built-in simulator, speaking Meta's wire format.
        Sandbox => "sandbox",
    }
);

text_enum!(
    /// A template's review state at its provider (SPEC section 3).
    TemplateStatus, "template status", {
        /// Written in Herald, not yet submitted.
        Draft => "DRAFT",
        /// Submitted; cannot be used yet.
        Pending => "PENDING",
        /// Usable in campaigns.
        Approved => "APPROVED",
        /// Refused, with a reason.
        Rejected => "REJECTED",
        /// Paused by the provider for low quality; cannot send.
        Paused => "PAUSED",
        /// Disabled for good.
        Disabled => "DISABLED",
    }
);

text_enum!(
    /// A template's quality rating at Meta.
    TemplateQuality, "template quality", {
        /// High.
        Green => "GREEN",
        /// Medium.
        Yellow => "YELLOW",
        /// Low: at risk of being paused.
        Red => "RED",
        /// Not rated yet.
        Unknown => "UNKNOWN",
    }
);

text_enum!(
    /// Which templates a list shows (SPEC section 3).
    #[derive(Default)]
    TemplateFilter, "template filter", {
        /// Templates that are not deleted (the default).
        #[default]
        NotDeleted => "not_deleted",
        /// Every template.
        All => "all",
        /// Deleted templates only.
        Deleted => "deleted",
    }
);

impl TemplateStatus {
    /// Whether a campaign may send the template (low quality does not block).
    pub fn is_usable(self) -> bool {
        self == Self::Approved
    }

    /// Whether Herald may send its content to the provider again: drafts and refused or paused
    /// templates (Meta edits only APPROVED, REJECTED or PAUSED templates; editing an approved
    /// one re-submits it).
    pub fn is_editable(self) -> bool {
        !matches!(self, Self::Pending | Self::Disabled)
    }
}

impl Role {
    /// Whether this role may do what `required` may.
    pub fn allows(self, required: Role) -> bool {
        self == Role::Admin || self == required
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_round_trips_through_its_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(*role));
        }
        for status in TemplateStatus::ALL {
            assert_eq!(status.as_str().parse::<TemplateStatus>(), Ok(*status));
        }
        assert_eq!(
            "root".parse::<Role>(),
            Err(UnknownValue {
                kind: "role",
                value: "root".into()
            })
        );
    }

    #[test]
    fn admins_may_do_what_agents_may() {
        assert!(Role::Admin.allows(Role::Agent));
        assert!(Role::Agent.allows(Role::Agent));
        assert!(!Role::Agent.allows(Role::Admin));
    }

    #[test]
    fn only_approved_templates_are_usable() {
        let usable: Vec<_> = TemplateStatus::ALL
            .iter()
            .filter(|s| s.is_usable())
            .collect();
        assert_eq!(usable, [&TemplateStatus::Approved]);
    }
}
