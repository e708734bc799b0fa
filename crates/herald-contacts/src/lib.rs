//! Contacts as Herald keeps them (SPEC section 4), and the CSV files they come in and go out as.
//! Pure: no IO beyond the `Read`/`Write` the caller hands in; compiles for wasm32 and the host,
//! so the browser can show a file's columns before it is uploaded.
//!
//! - [`import`]: reads a spreadsheet's CSV (comma, semicolon or tab; with or without a BOM;
//!   CRLF or LF; blank lines; quoted fields) row by row, through a column mapping, into
//!   [`Contact`]s, reporting each bad row with its number, field and reason.
//! - [`export`]: writes contacts back, escaping cells a spreadsheet would run as formulas.

pub mod export;
pub mod import;

use std::collections::BTreeMap;

use herald_domain::{PhoneError, strip_phone};
use herald_templates::{ContactField, ContactFields};
use serde::{Deserialize, Serialize};

/// Longest name (first or last), in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest email address (RFC 5321).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Longest custom field value, in characters.
pub const MAX_CUSTOM_VALUE_CHARS: usize = 1_024;
/// Most custom fields one contact may have.
pub const MAX_CUSTOM_FIELDS: usize = 50;

/// A contact: phone and mobile digits-only with the international prefix.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    /// Phone, digits.
    pub phone: String,
    /// Mobile, digits.
    pub mobile: String,
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Last name.
    #[serde(default)]
    pub last_name: String,
    /// Email.
    #[serde(default)]
    pub email: String,
    /// Custom fields by name.
    #[serde(default)]
    pub custom: BTreeMap<String, String>,
}

/// A field of a contact that cannot be stored as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    /// The field, as the API names it (`phone`, `email`, `custom.tier`...).
    pub field: String,
    /// Why.
    pub reason: String,
}

impl FieldError {
    fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl Contact {
    /// The contact as Herald stores it: phone and mobile stripped of `+`, spaces, dashes, dots
    /// and parentheses (each copied to the other when only one is set), text trimmed, every
    /// limit checked.
    pub fn normalized(mut self) -> Result<Self, FieldError> {
        let phone_error =
            |field: &str, error: PhoneError| FieldError::new(field, error.to_string());
        self.phone = strip_phone(&self.phone).map_err(|error| phone_error("phone", error))?;
        self.mobile = strip_phone(&self.mobile).map_err(|error| phone_error("mobile", error))?;
        match (self.phone.is_empty(), self.mobile.is_empty()) {
            (true, true) => {
                return Err(FieldError::new(
                    "phone",
                    "a phone or a mobile number is required",
                ));
            }
            (true, false) => self.phone.clone_from(&self.mobile),
            (false, true) => self.mobile.clone_from(&self.phone),
            (false, false) => {}
        }
        for (field, value) in [
            ("first_name", &mut self.first_name),
            ("last_name", &mut self.last_name),
        ] {
            trim_in_place(value);
            if value.chars().count() > MAX_NAME_CHARS {
                return Err(FieldError::new(
                    field,
                    format!("at most {MAX_NAME_CHARS} characters"),
                ));
            }
        }
        trim_in_place(&mut self.email);
        if !self.email.is_empty() && !plausible_email(&self.email) {
            return Err(FieldError::new(
                "email",
                format!("\"{}\" is not an email address", self.email),
            ));
        }
        if self.custom.len() > MAX_CUSTOM_FIELDS {
            return Err(FieldError::new(
                "custom",
                format!("at most {MAX_CUSTOM_FIELDS} custom fields"),
            ));
        }
        for (name, value) in &mut self.custom {
            trim_in_place(value);
            if name.trim().is_empty() {
                return Err(FieldError::new("custom", "a custom field needs a name"));
            }
            if value.chars().count() > MAX_CUSTOM_VALUE_CHARS {
                return Err(FieldError::new(
                    format!("custom.{name}"),
                    format!("at most {MAX_CUSTOM_VALUE_CHARS} characters"),
                ));
            }
        }
        self.custom.retain(|_, value| !value.is_empty());
        Ok(self)
    }
}

fn trim_in_place(value: &mut String) {
    let trimmed = value.trim();
    if trimmed.len() != value.len() {
        *value = trimmed.to_owned();
    }
}

/// One `@` with text on both sides, no spaces, within the length limit: what a spreadsheet
/// column of addresses holds; the mail server is the real judge.
fn plausible_email(email: &str) -> bool {
    email.chars().count() <= MAX_EMAIL_CHARS
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        })
}

impl ContactFields for Contact {
    fn standard(&self, field: ContactField) -> Option<&str> {
        let value = match field {
            ContactField::FirstName => &self.first_name,
            ContactField::LastName => &self.last_name,
            ContactField::Phone => &self.phone,
            ContactField::Mobile => &self.mobile,
            ContactField::Email => &self.email,
        };
        Some(value.as_str()).filter(|value| !value.is_empty())
    }

    fn custom(&self, name: &str) -> Option<&str> {
        self.custom
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(phone: &str, mobile: &str) -> Contact {
        Contact {
            phone: phone.into(),
            mobile: mobile.into(),
            ..Contact::default()
        }
    }

    #[test]
    fn separators_go_and_phone_and_mobile_fill_each_other() {
        let stored = contact("+39 (340) 221-13.33", "").normalized().unwrap();
        assert_eq!(
            (stored.phone.as_str(), stored.mobile.as_str()),
            ("393402211333", "393402211333")
        );
        let stored = contact("", "+44 7700 900123").normalized().unwrap();
        assert_eq!(stored.phone, "447700900123");
        let stored = contact("4930123456", "491511234567").normalized().unwrap();
        assert_eq!(
            (stored.phone.as_str(), stored.mobile.as_str()),
            ("4930123456", "491511234567")
        );
    }

    #[test]
    fn a_short_number_is_kept_for_the_campaign_to_report() {
        assert_eq!(contact("1234", "").normalized().unwrap().phone, "1234");
    }

    #[test]
    fn bad_fields_are_named() {
        let field = |contact: Contact| contact.normalized().unwrap_err().field;
        assert_eq!(field(contact("", "")), "phone");
        assert_eq!(field(contact("0800-FLOWERS", "")), "phone");
        assert_eq!(field(contact("1", "12345678901234567")), "mobile");
        let mut bad_email = contact("12345", "");
        bad_email.email = "not an address".into();
        assert_eq!(field(bad_email), "email");
        let mut long_name = contact("12345", "");
        long_name.first_name = "x".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(field(long_name), "first_name");
        let mut long_custom = contact("12345", "");
        long_custom
            .custom
            .insert("tier".into(), "x".repeat(MAX_CUSTOM_VALUE_CHARS + 1));
        assert_eq!(field(long_custom), "custom.tier");
    }

    #[test]
    fn names_in_any_script_are_kept_as_written() {
        let mut written = contact("12345", "");
        written.first_name = "  Zoë 李 محمد ".into();
        assert_eq!(written.normalized().unwrap().first_name, "Zoë 李 محمد");
    }
}
