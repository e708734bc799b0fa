//! Messages between an account and its contacts: their kinds and the life of their status.

use crate::UnknownValue;

text_enum!(
    /// What a message carries (SPEC section 5, "Windows and agents").
    MessageKind, "message kind", {
        /// A quick-reply tap on a template's button.
        Button => "button",
        /// A tap on an interactive reply button.
        ButtonReply => "button_reply",
        /// An interactive list message.
        List => "list",
        /// A choice from an interactive list.
        ListReply => "list_reply",
        /// A shared location.
        Location => "location",
        /// Image, video, audio, document or sticker.
        Media => "media",
        /// A template message.
        Template => "template",
        /// Plain text.
        Text => "text",
        /// Anything else WhatsApp delivers (reactions, contacts, orders, unsupported): kept whole.
        Other => "other",
    }
);

text_enum!(
    /// Which way a message went.
    MessageDirection, "message direction", {
        /// From the contact to the account.
        Inbound => "inbound",
        /// From the account to the contact.
        Outbound => "outbound",
    }
);

text_enum!(
    /// Where a message stands. Outbound messages move accepted → sent → delivered → read, or to
    /// failed; inbound ones are received.
    MessageStatus, "message status", {
        /// The provider took it.
        Accepted => "accepted",
        /// On its way to the phone.
        Sent => "sent",
        /// Could not be delivered.
        Failed => "failed",
        /// On the phone.
        Delivered => "delivered",
        /// Opened.
        Read => "read",
        /// From the contact.
        Received => "received",
    }
);

impl MessageStatus {
    /// The order statuses may follow: a status only replaces one of lower rank, so a late or
    /// replayed webhook never moves a message backwards (`read` then a late `delivered` stays
    /// `read`). `failed` outranks `sent` but not `delivered`: a phone that reported delivery
    /// did get the message, whatever a stale failure from another device says.
    pub fn rank(self) -> i64 {
        match self {
            Self::Accepted => 0,
            Self::Sent => 1,
            Self::Failed => 2,
            Self::Delivered => 3,
            Self::Read => 4,
            Self::Received => 5,
        }
    }

    /// Whether a message in `self` should take `next`.
    pub fn advances_to(self, next: Self) -> bool {
        next.rank() > self.rank()
    }

    /// Meta's (`sent`, `delivered`, `read`, `failed`, `played`) and Kaleyra's (`SENT`, …,
    /// `NOT-SENT`) status words.
    pub fn from_provider(word: &str) -> Result<Self, UnknownValue> {
        match word.to_ascii_lowercase().as_str() {
            "accepted" => Ok(Self::Accepted),
            "sent" => Ok(Self::Sent),
            "delivered" => Ok(Self::Delivered),
            "read" | "played" => Ok(Self::Read),
            "failed" | "not-sent" | "not_sent" => Ok(Self::Failed),
            _ => Err(UnknownValue {
                kind: "message status",
                value: word.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_never_move_backwards() {
        use MessageStatus::{Accepted, Delivered, Failed, Read, Sent};
        let forward = [
            (Accepted, Sent),
            (Sent, Delivered),
            (Delivered, Read),
            (Accepted, Read),
            (Sent, Failed),
            (Failed, Delivered),
            (Failed, Read),
        ];
        for (from, to) in forward {
            assert!(from.advances_to(to), "{from} → {to}");
        }
        let backward = [
            (Read, Delivered),
            (Read, Sent),
            (Delivered, Sent),
            (Delivered, Failed),
            (Read, Failed),
            (Sent, Sent),
            (Failed, Sent),
        ];
        for (from, to) in backward {
            assert!(!from.advances_to(to), "{from} ↛ {to}");
        }
    }

    #[test]
    fn provider_words_are_understood() {
        assert_eq!(
            MessageStatus::from_provider("NOT-SENT"),
            Ok(MessageStatus::Failed)
        );
        assert_eq!(
            MessageStatus::from_provider("DELIVERED"),
            Ok(MessageStatus::Delivered)
        );
        assert_eq!(
            MessageStatus::from_provider("played"),
            Ok(MessageStatus::Read)
        );
        assert!(MessageStatus::from_provider("deleted").is_err());
        for kind in MessageKind::ALL {
            assert_eq!(kind.as_str().parse::<MessageKind>(), Ok(*kind));
        }
    }
}
