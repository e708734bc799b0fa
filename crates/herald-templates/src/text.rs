//! Sentences and words, as SPEC section 3 defines them for the variable-density rule.

use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

use crate::variables::VariableToken;

/// Text is analysed up to this many times its limit; past that only its length is reported, so a
/// hostile 10 MB body costs milliseconds, not seconds, and a body a little too long while the
/// user types is still checked whole.
const ANALYSIS_FACTOR: usize = 4;

/// The part of `text` the rules look at: its first `limit × 4` characters.
pub(crate) fn analysed(text: &str, limit: usize) -> &str {
    match text
        .char_indices()
        .nth(limit.saturating_mul(ANALYSIS_FACTOR))
    {
        Some((byte_offset, _)) => &text[..byte_offset],
        None => text,
    }
}

/// Sentence ranges (Unicode-scalar offsets) covering `chars`.
///
/// A sentence ends at `.`, `!` or `?` followed by whitespace or the end of the text (so
/// `example.com` and `20.5` do not end one), and at `。`, `！`, `？`, `।` or `؟` wherever they
/// stand. Line breaks do not end a sentence.
pub(crate) fn sentences(chars: &[char]) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for (index, &character) in chars.iter().enumerate() {
        let ends = match character {
            '.' | '!' | '?' => chars.get(index + 1).is_none_or(|next| next.is_whitespace()),
            '。' | '！' | '？' | '।' | '؟' => true,
            _ => false,
        };
        if ends {
            ranges.push(start..index + 1);
            start = index + 1;
        }
    }
    if start < chars.len() {
        ranges.push(start..chars.len());
    }
    ranges
}

/// Unicode words (UAX #29) in `range` of `chars`, not counting the text of `variables` (sorted
/// by position, all starting inside `range`).
pub(crate) fn words_outside_variables(
    chars: &[char],
    range: Range<usize>,
    variables: &[&VariableToken],
) -> usize {
    let mut text = String::with_capacity(range.len());
    let mut position = range.start;
    for token in variables {
        let start = token.span.start.clamp(position, range.end);
        text.extend(&chars[position..start]);
        text.push(' ');
        position = token.span.end.clamp(start, range.end);
    }
    text.extend(&chars[position..range.end]);
    text.unicode_words().count()
}

/// WhatsApp's formatting markers: `*bold*`, `_italic_`, `~strike~`, backtick monospace.
pub(crate) fn is_formatting_marker(character: char) -> bool {
    matches!(character, '*' | '_' | '~' | '`')
}

/// Whether `character` is an emoji or a part of one (joiner, variation selector, skin tone,
/// regional indicator, tag): the blocks Unicode's emoji data draws from, without the ASCII
/// digits, `#` and `*` that can start a keycap.
pub(crate) fn is_emoji(character: char) -> bool {
    matches!(
        u32::from(character),
        0x1F000..=0x1FAFF
            | 0x2600..=0x27BF
            | 0x2B00..=0x2BFF
            | 0x2300..=0x23FF
            | 0x3030
            | 0x303D
            | 0x3297
            | 0x3299
            | 0x200D
            | 0x20E3
            | 0xFE0F
            | 0xE0020..=0xE007F
    )
}

/// `range` without its leading and trailing whitespace (empty ranges stay where they are).
pub(crate) fn trim_range(chars: &[char], range: Range<usize>) -> Range<usize> {
    let mut start = range.start;
    let mut end = range.end;
    while start < end && chars[start].is_whitespace() {
        start += 1;
    }
    while end > start && chars[end - 1].is_whitespace() {
        end -= 1;
    }
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        sentences(&chars)
            .into_iter()
            .map(|range| chars[range].iter().collect())
            .collect()
    }

    #[test]
    fn sentence_ends_need_whitespace_after_latin_punctuation() {
        assert_eq!(
            split("See example.com now. Price 20.5 today! Ok?"),
            ["See example.com now.", " Price 20.5 today!", " Ok?"]
        );
    }

    #[test]
    fn line_breaks_do_not_end_a_sentence() {
        assert_eq!(
            split("Hi {{1}},\n\nyour order is ready"),
            ["Hi {{1}},\n\nyour order is ready"]
        );
    }

    #[test]
    fn cjk_and_devanagari_terminators_end_anywhere() {
        assert_eq!(
            split("您好{{1}}。订单已发货"),
            ["您好{{1}}。", "订单已发货"]
        );
        assert_eq!(split("नमस्ते।धन्यवाद"), ["नमस्ते।", "धन्यवाद"]);
    }

    #[test]
    fn emoji_and_their_parts_are_told_from_letters_and_symbols() {
        for emoji in [
            '😀', '👍', '🏽', '❤', '\u{FE0F}', '\u{200D}', '🇮', '⏰', '✅', '⭐',
        ] {
            assert!(is_emoji(emoji), "{emoji:?}");
        }
        for plain in ['a', 'é', '您', '€', '#', '*', '1', '·', '→'] {
            assert!(!is_emoji(plain), "{plain:?}");
        }
    }

    #[test]
    fn ideographs_count_as_words() {
        let chars: Vec<char> = "您好{{1}}".chars().collect();
        let tokens = crate::variables::scan("您好{{1}}");
        let refs: Vec<&VariableToken> = tokens.iter().collect();
        assert_eq!(words_outside_variables(&chars, 0..chars.len(), &refs), 2);
    }
}
