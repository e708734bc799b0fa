//! Phone numbers as Herald stores them: digits only, with the international prefix
//! (SPEC section 4).

/// Why a phone number cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Something other than digits and the separators people type.
    #[error(
        "Contact with invalid phone number: {0}. Only digits, spaces, +, -, . and parentheses are allowed."
    )]
    InvalidCharacters(String),
    /// Fewer than 5 digits (the seed's message, word for word).
    #[error(
        "Contact with invalid phone number: {0}. The phone number should have at least 5 digits."
    )]
    TooShort(String),
    /// More than E.164's 15 digits.
    #[error(
        "Contact with invalid phone number: {0}. The phone number should have at most 15 digits."
    )]
    TooLong(String),
}

/// The most digits an E.164 number has.
pub(crate) const MAX_DIGITS: usize = 15;
/// The fewest digits Herald sends to.
pub(crate) const MIN_DIGITS: usize = 5;

/// Strips `+`, spaces, dashes, dots and parentheses; refuses anything else, and numbers with
/// fewer than 5 or more than 15 digits.
pub fn normalize_phone(raw: &str) -> Result<String, PhoneError> {
    let digits = strip_phone(raw)?;
    if digits.len() < MIN_DIGITS {
        return Err(PhoneError::TooShort(raw.trim().to_owned()));
    }
    Ok(digits)
}

/// What a contact list stores: the digits of `raw` (separators stripped), refusing other
/// characters and more than 15 digits. A number too short to send to is kept (the campaign
/// reports it on the contact, SPEC section 5); an empty one is empty.
pub fn strip_phone(raw: &str) -> Result<String, PhoneError> {
    let trimmed = raw.trim();
    let mut digits = String::with_capacity(trimmed.len());
    for character in trimmed.chars() {
        match character {
            '0'..='9' => digits.push(character),
            '+' | ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(PhoneError::InvalidCharacters(trimmed.to_owned())),
        }
    }
    if digits.len() > MAX_DIGITS {
        return Err(PhoneError::TooLong(trimmed.to_owned()));
    }
    Ok(digits)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn separators_go_and_the_limits_hold() {
        assert_eq!(
            normalize_phone("+49 (151) 234-56.78"),
            Ok("491512345678".into())
        );
        assert_eq!(
            normalize_phone("1234").unwrap_err().to_string(),
            "Contact with invalid phone number: 1234. The phone number should have at least 5 digits."
        );
        assert_eq!(normalize_phone("12345"), Ok("12345".into()));
        assert!(matches!(
            normalize_phone("1234567890123456"),
            Err(PhoneError::TooLong(_))
        ));
        assert!(matches!(
            normalize_phone("0800-FLOWERS"),
            Err(PhoneError::InvalidCharacters(_))
        ));
    }

    proptest! {
        #[test]
        fn a_normalized_number_is_digits_within_the_limits(raw in ".{0,40}") {
            if let Ok(digits) = normalize_phone(&raw) {
                prop_assert!(digits.chars().all(|c| c.is_ascii_digit()));
                prop_assert!((MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()));
                let again = normalize_phone(&digits);
                prop_assert_eq!(again, Ok(digits));
            }
        }
    }
}
