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
    let most = limit.saturating_mul(ANALYSIS_FACTOR);
    // No more bytes than that, so no more characters: nothing to cut, nothing to walk.
    if text.len() <= most {
        return text;
    }
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

/// Counts Unicode words (UAX #29) in character ranges of one text, without copying it. The
/// ranges are asked in order, so the byte offset of a character is found by walking on from
/// the last one.
pub(crate) struct WordCounter<'t> {
    text: &'t str,
    /// The last character offset asked and its byte offset.
    cursor: std::cell::Cell<(usize, usize)>,
}

impl<'t> WordCounter<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        Self {
            text,
            cursor: std::cell::Cell::new((0, 0)),
        }
    }

    fn byte_at(&self, char_offset: usize) -> usize {
        let (mut at, mut byte) = self.cursor.get();
        if char_offset < at {
            (at, byte) = (0, 0);
        }
        let skipped = self.text[byte..]
            .char_indices()
            .nth(char_offset - at)
            .map_or(self.text.len() - byte, |(offset, _)| offset);
        byte += skipped;
        self.cursor.set((char_offset, byte));
        byte
    }

    /// The words in character `range`, not counting the text of `variables` (sorted by
    /// position, all starting inside `range`): a variable separates the words around it.
    pub(crate) fn words_outside(&self, range: Range<usize>, variables: &[&VariableToken]) -> usize {
        let words = |from: usize, to: usize| {
            let start = self.byte_at(from);
            self.text[start..self.byte_at(to)].unicode_words().count()
        };
        let mut count = 0;
        let mut position = range.start;
        for token in variables {
            let start = token.span.start.clamp(position, range.end);
            count += words(position, start);
            position = token.span.end.clamp(start, range.end);
        }
        count + words(position, range.end)
    }
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
        let tokens = crate::variables::scan("您好{{1}}");
        let refs: Vec<&VariableToken> = tokens.iter().collect();
        assert_eq!(WordCounter::new("您好{{1}}").words_outside(0..7, &refs), 2);
    }

    #[test]
    fn a_variable_separates_the_words_around_it() {
        let text = "abc{{1}}def, é {{2}}";
        let tokens = crate::variables::scan(text);
        let refs: Vec<&VariableToken> = tokens.iter().collect();
        let counter = WordCounter::new(text);
        assert_eq!(counter.words_outside(0..text.chars().count(), &refs), 3);
        assert_eq!(counter.words_outside(0..3, &[]), 1);
    }
}
