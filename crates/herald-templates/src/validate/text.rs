//! The rules of text: header, body (the template's and each carousel card's), footer, their
//! variables and samples.

use std::ops::Range;

use crate::diagnostic::{Code, Component, Diagnostic};
use crate::mapping::SampleValues;
use crate::model::{Body, Header, HeaderFormat, MediaFile, ParameterFormat, Template};
use crate::text::{WordCounter, analysed, is_emoji, is_formatting_marker, sentences, trim_range};
use crate::variables::{
    NAMED_PARAMETER_MAX_CHARS, VariableKind, VariableToken, distinct_variables, scan, scan_chars,
};

use super::{Findings, chars, check_media, media_rule, written};

/// Longest body, in characters.
pub const BODY_MAX_CHARS: usize = 1024;
/// Longest text header, in characters.
pub const HEADER_MAX_CHARS: usize = 60;
/// Longest footer, in characters.
pub const FOOTER_MAX_CHARS: usize = 60;
/// Meta's 2388293: a body with at most this many words of fixed text per distinct variable is
/// refused (published refusals at 1, 1.25 and 2; approvals at 2.3 and more).
pub const WORDS_PER_VARIABLE_REFUSED: usize = 2;
/// The seed's stricter reading: fewest words a sentence holding a variable has besides its
/// variables.
pub const WORDS_PER_VARIABLE_SENTENCE_MIN: usize = 3;

/// The seed's wording for `too_many_variables`, shown word for word.
pub const TOO_MANY_VARIABLES_MESSAGE: &str = "This template has too many variable parameters for the message length. Please reduce them or extend the message length";

fn check_length(
    findings: &mut Findings,
    (code, component, what): (Code, Component, &str),
    length: usize,
    limit: usize,
) {
    if length > limit {
        findings.push(Diagnostic::new(
            code,
            component,
            format!("The {what} is {length} / {limit} characters long"),
            Some(limit..length),
        ));
    }
}

/// Every `?`, `？` and `؟` of a utility template's text: the seed refuses them; Meta may move
/// the template to MARKETING.
fn check_question_marks(findings: &mut Findings, component: Component, text_chars: &[char]) {
    for (index, character) in text_chars.iter().enumerate() {
        if matches!(character, '?' | '？' | '؟') {
            findings.push(Diagnostic::new(
                Code::UtilityQuestionMark,
                component,
                "A question mark in a utility template: Meta may consider it marketing (the seed's product refuses it)"
                    .to_owned(),
                Some(index..index + 1),
            ));
        }
    }
}

fn check_malformed(
    findings: &mut Findings,
    component: Component,
    text_chars: &[char],
    tokens: &[VariableToken],
) {
    for token in tokens {
        if let VariableKind::Named(name) = &token.kind
            && name.len() > NAMED_PARAMETER_MAX_CHARS
        {
            findings.push(
                Diagnostic::new(
                    Code::VariableMalformed,
                    component,
                    format!(
                        "{{{{{name}}}}} is {} characters long: Meta publishes no limit, but libraries cap names at {NAMED_PARAMETER_MAX_CHARS}",
                        name.len()
                    ),
                    Some(token.span.clone()),
                )
                .as_warning(),
            );
        }
    }
    for token in tokens.iter().filter(|token| !token.is_variable()) {
        findings.push(Diagnostic::new(
            Code::VariableMalformed,
            component,
            format!(
                "\"{}\" is not a valid variable: write {{{{1}}}}, {{{{2}}}}… (or {{{{name}}}}: lowercase letters, digits and _, starting with a letter), with balanced braces",
                written(text_chars, &token.span)
            ),
            Some(token.span.clone()),
        ));
    }
}

/// Distinct positional variables must be exactly 1, 2, …, n (an error, as Meta refuses a gap);
/// in order of first appearance is the seed's rule (a warning).
fn check_sequential(findings: &mut Findings, component: Component, tokens: &[VariableToken]) {
    let positional: Vec<(u32, &VariableToken)> = distinct_variables(tokens)
        .into_iter()
        .filter_map(|token| match token.kind {
            VariableKind::Positional(number) => Some((number, token)),
            _ => None,
        })
        .collect();
    let mut numbers: Vec<u32> = positional.iter().map(|(number, _)| *number).collect();
    numbers.sort_unstable();
    if let Some(missing) = numbers
        .iter()
        .zip(1_u32..)
        .find_map(|(number, expected)| (*number != expected).then_some(expected))
    {
        let (number, token) = positional
            .iter()
            .find(|(number, _)| *number > missing)
            .copied()
            .unwrap_or(positional[0]);
        findings.push(Diagnostic::new(
            Code::VariablesNotSequential,
            component,
            format!(
                "Variables must be numbered 1, 2, … without gaps: {{{{{missing}}}}} is missing before {{{{{number}}}}}"
            ),
            Some(token.span.clone()),
        ));
        return;
    }
    if let Some(pair) = positional.windows(2).find(|pair| pair[1].0 < pair[0].0) {
        findings.push(Diagnostic::new(
            Code::VariablesOutOfOrder,
            component,
            format!(
                "{{{{{}}}}} comes before {{{{{}}}}}: Meta accepts it, the seed's product wants variables in order",
                pair[0].0, pair[1].0
            ),
            Some(pair[0].1.span.clone()),
        ));
    }
}

/// The header, the template's or a carousel card's (`media` is the card's own file).
pub(super) fn check_header(
    findings: &mut Findings,
    template: &Template,
    header: Option<&Header>,
    media: &Option<MediaFile>,
) {
    let Some(header) = header else {
        return;
    };
    match &header.format {
        HeaderFormat::Text => check_text_header(findings, template, header),
        HeaderFormat::Location | HeaderFormat::Product => {}
        HeaderFormat::Other(format) => findings.push(Diagnostic::new(
            Code::ComponentUnsupported,
            Component::Header,
            format!(
                "Herald does not know the header format \"{format}\" yet: it is kept as it is, but Herald cannot submit it"
            ),
            None,
        )),
        format => check_media_header(findings, header, format, media.as_ref()),
    }
}

fn check_text_header(findings: &mut Findings, template: &Template, header: &Header) {
    let full_text = header.text.as_deref().unwrap_or_default();
    let full_length = full_text.chars().count();
    let text = analysed(full_text, HEADER_MAX_CHARS);
    let text_chars = chars(text);
    if text.trim().is_empty() {
        findings.push(Diagnostic::new(
            Code::HeaderTextInvalid,
            Component::Header,
            "The header text is required when the header type is text".to_owned(),
            Some(0..text_chars.len()),
        ));
    }
    check_length(
        findings,
        (Code::HeaderTextTooLong, Component::Header, "header"),
        full_length,
        HEADER_MAX_CHARS,
    );
    let tokens = scan_chars(&text_chars);
    check_format(
        findings,
        Component::Header,
        &tokens,
        template.parameter_format,
    );
    let mut token_at = tokens.iter().peekable();
    for (index, character) in text_chars.iter().enumerate() {
        while token_at.next_if(|token| token.span.end <= index).is_some() {}
        let in_variable = token_at
            .peek()
            .is_some_and(|token| token.is_variable() && token.span.contains(&index));
        if in_variable {
            continue;
        }
        let span = Some(index..index + 1);
        if matches!(character, '\n' | '\r') || is_formatting_marker(*character) {
            findings.push(Diagnostic::new(
                Code::HeaderTextInvalid,
                Component::Header,
                "The header cannot contain line breaks or formatting characters (*, _, ~, `)"
                    .to_owned(),
                span,
            ));
        } else if is_emoji(*character) {
            findings.push(
                Diagnostic::new(
                    Code::HeaderTextInvalid,
                    Component::Header,
                    "An emoji in the header: other providers refuse it, Meta's pages do not say"
                        .to_owned(),
                    span,
                )
                .as_warning(),
            );
        }
    }
    if template.category == crate::model::Category::Utility {
        check_question_marks(findings, Component::Header, &text_chars);
    }
    check_malformed(findings, Component::Header, &text_chars, &tokens);
    let variables: Vec<&VariableToken> = tokens.iter().filter(|t| t.is_variable()).collect();
    if let Some(second) = variables.get(1) {
        findings.push(Diagnostic::new(
            Code::HeaderTooManyVariables,
            Component::Header,
            "The header may contain only one variable".to_owned(),
            Some(second.span.start..variables[variables.len() - 1].span.end),
        ));
    }
    check_sequential(findings, Component::Header, &tokens);
    check_samples(
        findings,
        Component::Header,
        &tokens,
        &SampleValues::of_header(Some(header)),
    );
}

fn check_media_header(
    findings: &mut Findings,
    header: &Header,
    format: &HeaderFormat,
    media: Option<&MediaFile>,
) {
    let Some(rule) = media_rule(format) else {
        return;
    };
    let Some(media) = media else {
        let has_handle = header
            .example
            .as_ref()
            .and_then(|example| example.header_handle.as_ref())
            .is_some_and(|handles| handles.as_slice().iter().any(|h| !h.trim().is_empty()));
        if !has_handle {
            findings.push(
                Diagnostic::new(
                    Code::ExampleMissing,
                    Component::Header,
                    format!(
                        "Add a sample {} for the header: Meta reviews the template with it",
                        rule.kind
                    ),
                    None,
                )
                .in_field("example"),
            );
        }
        return;
    };
    for finding in check_media(&rule, media) {
        findings.push(finding);
    }
}

/// How a body is checked: the template's (1,024 characters, required), an offer's (600), a
/// carousel card's (160, optional).
pub(super) struct BodyRules {
    pub(super) limit: usize,
    pub(super) required: bool,
    pub(super) utility: bool,
    pub(super) declared: Option<ParameterFormat>,
}

/// A body, by `rules`.
pub(super) fn check_body(findings: &mut Findings, body: Option<&Body>, rules: &BodyRules) {
    let BodyRules {
        limit,
        required,
        utility,
        declared,
    } = *rules;
    let full_text = body.map_or("", |body| body.text.as_str());
    if body.is_none() && !required {
        return;
    }
    let full_length = full_text.chars().count();
    let text = analysed(full_text, limit);
    let text_chars = chars(text);
    if text.trim().is_empty() {
        findings.push(Diagnostic::new(
            Code::BodyEmpty,
            Component::Body,
            "The message content is required".to_owned(),
            Some(0..text_chars.len()),
        ));
        return;
    }
    check_length(
        findings,
        (Code::BodyTooLong, Component::Body, "content"),
        full_length,
        limit,
    );
    check_html(findings, &text_chars);
    if utility {
        check_question_marks(findings, Component::Body, &text_chars);
    }
    let tokens = scan_chars(&text_chars);
    check_format(findings, Component::Body, &tokens, declared);
    check_malformed(findings, Component::Body, &text_chars, &tokens);
    check_sequential(findings, Component::Body, &tokens);
    let variables: Vec<&VariableToken> = tokens.iter().filter(|t| t.is_variable()).collect();
    let whole_text_analysed = text_chars.len() == full_length;
    check_variable_placement(findings, &text_chars, &variables, whole_text_analysed);
    check_variable_density(findings, text, &text_chars, &variables);
    check_samples(
        findings,
        Component::Body,
        &tokens,
        &SampleValues::of_body(body),
    );
}

/// HTML tags (`<b>`, `</p>`, `<img src=x>`) are markup the body may not carry.
fn check_html(findings: &mut Findings, text_chars: &[char]) {
    let mut index = 0;
    while index < text_chars.len() {
        if text_chars[index] == '<' {
            let name_start = index + 1 + usize::from(text_chars.get(index + 1) == Some(&'/'));
            let starts_tag = text_chars
                .get(name_start)
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == '!');
            let close = text_chars[index + 1..]
                .iter()
                .take_while(|c| **c != '<' && **c != '\n')
                .position(|c| *c == '>');
            if let (true, Some(offset)) = (starts_tag, close) {
                let end = index + 1 + offset + 1;
                findings.push(Diagnostic::new(
                    Code::BodyNotPlainText,
                    Component::Body,
                    "Only plain text is allowed in this field".to_owned(),
                    Some(index..end),
                ));
                index = end;
                continue;
            }
        }
        index += 1;
    }
}

/// Whether `character` may stand between a variable and the edge of the body without making
/// the variable stop being at the edge: whitespace, punctuation and WhatsApp's formatting
/// markers (`on {{3}}.` ends with a variable for Meta's 2388299).
fn is_edge_filler(character: char) -> bool {
    character.is_whitespace()
        || character.is_ascii_punctuation()
        || matches!(
            character,
            '。' | '！'
                | '？'
                | '،'
                | '؟'
                | '…'
                | '«'
                | '»'
                | '“'
                | '”'
                | '‘'
                | '’'
                | '¡'
                | '¿'
        )
}

fn check_variable_placement(
    findings: &mut Findings,
    text_chars: &[char],
    variables: &[&VariableToken],
    whole_text_analysed: bool,
) {
    let only_filler = |range: Range<usize>| text_chars[range].iter().all(|c| is_edge_filler(*c));
    let mut at_edge: Vec<&VariableToken> = Vec::new();
    if let Some(first) = variables
        .first()
        .filter(|token| only_filler(0..token.span.start))
    {
        at_edge.push(first);
    }
    if let Some(last) = variables
        .last()
        .filter(|token| whole_text_analysed && only_filler(token.span.end..text_chars.len()))
        && at_edge.last().is_none_or(|first| first.span != last.span)
    {
        at_edge.push(last);
    }
    for token in at_edge {
        findings.push(Diagnostic::new(
            Code::VariableAtEdge,
            Component::Body,
            format!(
                "The content cannot start or end with a variable (punctuation aside): add text before or after {}",
                written(text_chars, &token.span)
            ),
            Some(token.span.clone()),
        ));
    }
    for pair in variables.windows(2) {
        let between = &text_chars[pair[0].span.end..pair[1].span.start];
        if between.iter().all(|c| c.is_whitespace()) {
            findings.push(Diagnostic::new(
                Code::VariablesAdjacent,
                Component::Body,
                format!(
                    "{} and {} are next to each other: separate them with text or punctuation",
                    written(text_chars, &pair[0].span),
                    written(text_chars, &pair[1].span)
                ),
                Some(pair[0].span.start..pair[1].span.end),
            ));
        }
    }
    for line in line_ranges(text_chars) {
        let content = trim_range(text_chars, line);
        if content.is_empty() {
            continue;
        }
        let mut covered = content.start;
        for token in tokens_starting_in(variables, &content) {
            if text_chars[covered..token.span.start]
                .iter()
                .any(|c| !c.is_whitespace())
            {
                break;
            }
            covered = token.span.end;
        }
        if covered == content.end {
            findings.push(Diagnostic::new(
                Code::VariableAloneOnLine,
                Component::Body,
                "A variable alone on its line: the seed's product refuses it (\"a variable inserted in an empty row is not accepted\"); add text on the same line"
                    .to_owned(),
                Some(content),
            ));
        }
    }
}

/// The tokens (sorted by position) that start inside `range`, found by binary search so that a
/// text with many lines or sentences stays linear.
fn tokens_starting_in<'v, 't>(
    variables: &'v [&'t VariableToken],
    range: &Range<usize>,
) -> &'v [&'t VariableToken] {
    let first = variables.partition_point(|token| token.span.start < range.start);
    let end = variables.partition_point(|token| token.span.start < range.end);
    &variables[first..end.max(first)]
}

fn line_ranges(text_chars: &[char]) -> Vec<Range<usize>> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (index, character) in text_chars.iter().enumerate() {
        if *character == '\n' {
            lines.push(start..index);
            start = index + 1;
        }
    }
    lines.push(start..text_chars.len());
    lines
}

/// Meta's 2388293 over the whole body (an error), then the seed's per-sentence reading (a
/// warning).
fn check_variable_density(
    findings: &mut Findings,
    text: &str,
    text_chars: &[char],
    variables: &[&VariableToken],
) {
    if variables.is_empty() {
        return;
    }
    // Words never cross a sentence's end, so the body's words are its sentences' words: one
    // pass counts both.
    let counter = WordCounter::new(text);
    let counted: Vec<(Range<usize>, &[&VariableToken], usize)> = sentences(text_chars)
        .into_iter()
        .map(|sentence| {
            let inside = tokens_starting_in(variables, &sentence);
            let words = counter.words_outside(sentence.clone(), inside);
            (sentence, inside, words)
        })
        .collect();
    let fixed_words: usize = counted.iter().map(|(_, _, words)| words).sum();
    let distinct = variables
        .iter()
        .map(|token| &token.kind)
        .collect::<std::collections::HashSet<_>>()
        .len();
    if fixed_words <= WORDS_PER_VARIABLE_REFUSED.saturating_mul(distinct) {
        findings.push(Diagnostic::new(
            Code::TooManyVariables,
            Component::Body,
            TOO_MANY_VARIABLES_MESSAGE.to_owned(),
            Some(trim_range(text_chars, 0..text_chars.len())),
        ));
        return;
    }
    for (sentence, inside, words) in counted {
        if !inside.is_empty() && words < WORDS_PER_VARIABLE_SENTENCE_MIN {
            findings.push(Diagnostic::new(
                Code::VariableSentenceShort,
                Component::Body,
                format!(
                    "This sentence has fewer than {WORDS_PER_VARIABLE_SENTENCE_MIN} words besides its variables: Meta accepts it, the seed's product does not"
                ),
                Some(trim_range(text_chars, sentence)),
            ));
        }
    }
}

/// Every variable needs a non-empty sample, and there must be as many samples as variables.
fn check_samples(
    findings: &mut Findings,
    component: Component,
    tokens: &[VariableToken],
    samples: &SampleValues<'_>,
) {
    let variables = distinct_variables(tokens);
    let positional = variables
        .iter()
        .filter(|token| matches!(token.kind, VariableKind::Positional(_)))
        .count();
    if positional > 0 && samples.positional_count() > 0 && samples.positional_count() != positional
    {
        findings.push(
            Diagnostic::new(
                Code::ExampleMissing,
                component,
                format!(
                    "There are {} sample values for {positional} variables: give exactly one per variable",
                    samples.positional_count()
                ),
                None,
            )
            .in_field("example"),
        );
    }
    for token in variables {
        if samples
            .get(&token.kind)
            .is_none_or(|sample| sample.trim().is_empty())
        {
            findings.push(
                Diagnostic::new(
                    Code::ExampleMissing,
                    component,
                    format!(
                        "Add a sample value for {}: Meta reviews the template with it",
                        token.written()
                    ),
                    Some(token.span.clone()),
                )
                .in_field("text"),
            );
        }
    }
}

pub(super) fn check_footer(findings: &mut Findings, template: &Template) {
    let Some(footer) = template.footer() else {
        return;
    };
    let text = analysed(&footer.text, FOOTER_MAX_CHARS);
    let text_chars = chars(text);
    check_length(
        findings,
        (Code::FooterTooLong, Component::Footer, "footer"),
        footer.text.chars().count(),
        FOOTER_MAX_CHARS,
    );
    if template.category == crate::model::Category::Utility {
        check_question_marks(findings, Component::Footer, &text_chars);
    }
    for token in scan(text) {
        findings.push(Diagnostic::new(
            Code::FooterHasVariable,
            Component::Footer,
            "The footer cannot contain variables".to_owned(),
            Some(token.span),
        ));
    }
}

/// One template uses one variable format, the declared one (positional when none is: Meta
/// reads a template without `parameter_format` as positional). URL buttons always use `{{1}}`,
/// so they are not checked.
fn check_format(
    findings: &mut Findings,
    component: Component,
    tokens: &[VariableToken],
    declared: Option<ParameterFormat>,
) {
    let expected = declared.unwrap_or(ParameterFormat::Positional);
    let message = match (expected, declared) {
        (ParameterFormat::Positional, None) => {
            "Named variables need \"parameter_format\": \"named\" (Meta reads the template as positional and rejects it); positional and named variables cannot be mixed"
        }
        (ParameterFormat::Positional, Some(_)) => {
            "Positional and named variables cannot be mixed: this template uses positional ({{1}}) variables"
        }
        (ParameterFormat::Named, _) => {
            "Positional and named variables cannot be mixed: this template uses named ({{first_name}}) variables"
        }
    };
    for token in tokens {
        if format_of(&token.kind).is_some_and(|format| format != expected) {
            findings.push(Diagnostic::new(
                Code::ParameterFormatMixed,
                component,
                message.to_owned(),
                Some(token.span.clone()),
            ));
        }
    }
}

fn format_of(kind: &VariableKind) -> Option<ParameterFormat> {
    match kind {
        VariableKind::Positional(_) => Some(ParameterFormat::Positional),
        VariableKind::Named(_) => Some(ParameterFormat::Named),
        VariableKind::Malformed => None,
    }
}
