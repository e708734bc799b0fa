//! Finding variables (`{{1}}`, `{{first_name}}`) in template text, with their positions.

use std::ops::Range;

/// One `{{...}}` found in a text, or a brace pair that does not form one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableToken {
    /// Unicode-scalar offsets of the whole token, braces included.
    pub span: Range<usize>,
    /// What the token holds.
    pub kind: VariableKind,
}

/// The meaning of a token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VariableKind {
    /// `{{n}}` with n a positive integer.
    Positional(u32),
    /// `{{name}}`: lowercase letters, digits and `_`, starting with a letter.
    Named(String),
    /// Braces that are not a valid variable: `{{ 1 }}`, `{{#}}`, `{{1}`, a stray `}}`.
    Malformed,
}

impl VariableToken {
    /// The variable as written between the braces (`"1"`, `"first_name"`); `None` when malformed.
    pub fn key(&self) -> Option<String> {
        match &self.kind {
            VariableKind::Positional(number) => Some(number.to_string()),
            VariableKind::Named(name) => Some(name.clone()),
            VariableKind::Malformed => None,
        }
    }

    /// The variable as written, e.g. `{{1}}`; braces only when malformed.
    pub fn written(&self) -> String {
        self.key()
            .map_or_else(|| "{{}}".to_owned(), |key| format!("{{{{{key}}}}}"))
    }

    /// Whether this is a well-formed variable.
    pub fn is_variable(&self) -> bool {
        !matches!(self.kind, VariableKind::Malformed)
    }
}

/// Every token of `text`, in order.
pub fn scan(text: &str) -> Vec<VariableToken> {
    scan_chars(&text.chars().collect::<Vec<char>>())
}

/// Every token of a text already split into characters, in order.
pub(crate) fn scan_chars(chars: &[char]) -> Vec<VariableToken> {
    let mut tokens = Vec::new();
    let pair_at = |index: usize, brace: char| {
        chars.get(index) == Some(&brace) && chars.get(index + 1) == Some(&brace)
    };
    let mut index = 0;
    while index < chars.len() {
        if pair_at(index, '{') {
            let content_start = index + 2;
            // A variable closes on the same line, before any other opening pair.
            let close = (content_start..chars.len())
                .take_while(|&at| chars[at] != '\n' && !pair_at(at, '{'))
                .find(|&at| pair_at(at, '}'));
            match close {
                Some(close) => {
                    let content: String = chars[content_start..close].iter().collect();
                    tokens.push(VariableToken {
                        span: index..close + 2,
                        kind: classify(&content),
                    });
                    index = close + 2;
                }
                None => {
                    tokens.push(VariableToken {
                        span: index..content_start,
                        kind: VariableKind::Malformed,
                    });
                    index = content_start;
                }
            }
        } else if pair_at(index, '}') {
            tokens.push(VariableToken {
                span: index..index + 2,
                kind: VariableKind::Malformed,
            });
            index += 2;
        } else {
            index += 1;
        }
    }
    tokens
}

/// Longest name of a named parameter that libraries accept (Meta publishes no limit: a longer
/// name is a warning, not a malformed variable).
pub const NAMED_PARAMETER_MAX_CHARS: usize = 20;

fn classify(content: &str) -> VariableKind {
    let bytes = content.as_bytes();
    if !bytes.is_empty() && bytes[0] != b'0' && bytes.iter().all(u8::is_ascii_digit) {
        return content
            .parse()
            .map_or(VariableKind::Malformed, VariableKind::Positional);
    }
    let is_name = bytes.first().is_some_and(u8::is_ascii_lowercase)
        && bytes
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if is_name {
        return VariableKind::Named(content.to_owned());
    }
    VariableKind::Malformed
}

/// The first occurrence of each distinct well-formed variable, in order of appearance.
pub(crate) fn distinct_variables(tokens: &[VariableToken]) -> Vec<&VariableToken> {
    let mut seen = std::collections::HashSet::new();
    tokens
        .iter()
        .filter(|token| token.is_variable() && seen.insert(&token.kind))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Range<usize>, VariableKind)> {
        scan(text)
            .into_iter()
            .map(|token| (token.span, token.kind))
            .collect()
    }

    #[test]
    fn positional_and_named_variables_with_character_offsets() {
        assert_eq!(
            kinds("Ciao {{1}}, è {{first_name}}"),
            vec![
                (5..10, VariableKind::Positional(1)),
                (14..28, VariableKind::Named("first_name".into())),
            ]
        );
    }

    #[test]
    fn malformed_tokens() {
        for text in [
            "{{ 1 }}",
            "{{#}}",
            "{{0}}",
            "{{01}}",
            "{{1a}}",
            "{{}}",
            "{{First}}",
            "{{_name}}",
        ] {
            assert_eq!(
                kinds(text),
                vec![(0..text.chars().count(), VariableKind::Malformed)],
                "{text}"
            );
        }
    }

    #[test]
    fn named_parameters_may_hold_digits_after_a_letter() {
        assert_eq!(
            kinds("{{address_line1}} {{abcdefghijklmnopqrstu}}"),
            vec![
                (0..17, VariableKind::Named("address_line1".into())),
                (18..43, VariableKind::Named("abcdefghijklmnopqrstu".into())),
            ]
        );
    }

    #[test]
    fn unbalanced_braces() {
        assert_eq!(kinds("a {{1} b"), vec![(2..4, VariableKind::Malformed)]);
        assert_eq!(kinds("a {1}} b"), vec![(4..6, VariableKind::Malformed)]);
        assert_eq!(
            kinds("{{1\n}}"),
            vec![
                (0..2, VariableKind::Malformed),
                (4..6, VariableKind::Malformed)
            ]
        );
        assert_eq!(kinds("{{{1}}}"), vec![(0..6, VariableKind::Malformed)]);
    }

    #[test]
    fn single_braces_are_plain_text() {
        assert!(scan("{a} and {1}").is_empty());
    }

    #[test]
    fn huge_numbers_are_malformed_not_a_panic() {
        assert_eq!(
            kinds("{{99999999999999999999}}")[0].1,
            VariableKind::Malformed
        );
    }

    #[test]
    fn distinct_variables_keep_first_appearance_order() {
        let tokens = scan("{{2}} {{1}} {{2}} {{3}}");
        let keys: Vec<String> = distinct_variables(&tokens)
            .into_iter()
            .filter_map(VariableToken::key)
            .collect();
        assert_eq!(keys, ["2", "1", "3"]);
        assert_eq!(distinct_variables(&tokens)[1].span, 6..11);
    }
}
