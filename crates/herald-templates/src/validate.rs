//! Template validation: every rule of SPEC section 3, returning every finding, not the first.

use std::collections::HashMap;
use std::ops::Range;

use crate::diagnostic::{Component, Diagnostic};
use crate::languages::is_supported_language;
use crate::mapping::Samples;
use crate::model::{Button, HeaderFormat, MediaFile, ParameterFormat, Template};
use crate::text::{analysed, sentences, trim_range, words_outside_variables};
use crate::variables::{VariableKind, VariableToken, distinct_variables, scan};

/// Longest template name, in characters.
pub const NAME_MAX_CHARS: usize = 512;
/// Longest body, in characters.
pub const BODY_MAX_CHARS: usize = 1024;
/// Longest text header, in characters.
pub const HEADER_MAX_CHARS: usize = 60;
/// Longest footer, in characters.
pub const FOOTER_MAX_CHARS: usize = 60;
/// Longest button label, in characters.
pub const BUTTON_TEXT_MAX_CHARS: usize = 25;
/// Most quick-reply buttons.
pub const QUICK_REPLIES_MAX: usize = 3;
/// Most templates per account, deleted ones excepted.
pub const TEMPLATES_PER_ACCOUNT_MAX: usize = 250;
/// Fewest words a sentence holding a variable must have besides its variables.
pub const WORDS_PER_VARIABLE_SENTENCE_MIN: usize = 3;
/// Largest image header, in bytes.
pub const IMAGE_MAX_BYTES: u64 = 5 * 1024 * 1024;
/// Largest video or document header, in bytes.
pub const VIDEO_OR_DOCUMENT_MAX_BYTES: u64 = 16 * 1024 * 1024;
/// Longest button URL, in characters.
pub const URL_MAX_CHARS: usize = 2000;

/// The seed's wording for `too_many_variables`, shown word for word.
pub const TOO_MANY_VARIABLES_MESSAGE: &str = "This template has too many variable parameters for the message length. Please reduce them or extend the message length";

/// A rule that matches many places (every `?` of a long text) reports at most this many, so a
/// hostile 10 MB body cannot produce millions of findings.
const MAX_FINDINGS_PER_RULE: usize = 20;

/// Link-shortener hosts Meta refuses in URL buttons.
const URL_SHORTENERS: &[&str] = &[
    "bit.ly",
    "tinyurl.com",
    "t.co",
    "goo.gl",
    "ow.ly",
    "is.gd",
    "buff.ly",
    "rebrand.ly",
    "cutt.ly",
    "shorturl.at",
    "tiny.cc",
    "rb.gy",
    "t.ly",
    "s.id",
    "v.gd",
    "bl.ink",
    "lnkd.in",
    "wa.me",
];

/// What the validator needs to know of one other template of the same account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingTemplate {
    /// Its name.
    pub name: String,
    /// Its language code.
    pub language: String,
    /// Its body text.
    pub body: String,
    /// Its footer text (empty when it has none).
    pub footer: String,
}

impl ExistingTemplate {
    /// What the account-level rules compare of `template`.
    pub fn of(template: &Template) -> Self {
        Self {
            name: template.name.clone(),
            language: template.language.clone(),
            body: template.body_text().to_owned(),
            footer: template.footer_text().to_owned(),
        }
    }

    /// The account's live templates, given with their ids, other than the one being edited
    /// (`None` for a new template): what [`validate_in_account`] compares against, in the
    /// editor and in the relay alike.
    pub fn others<'a>(
        templates: impl IntoIterator<Item = (i64, &'a Template)>,
        editing: Option<i64>,
    ) -> Vec<Self> {
        templates
            .into_iter()
            .filter(|(id, _)| Some(*id) != editing)
            .map(|(_, template)| Self::of(template))
            .collect()
    }
}

/// Validates `template` on its own: every rule except the account-level ones.
pub fn validate(template: &Template) -> Vec<Diagnostic> {
    validate_in_account(template, &[])
}

/// Validates `template` against every rule, given the account's other templates that are not
/// deleted (the template being edited excluded).
pub fn validate_in_account(template: &Template, others: &[ExistingTemplate]) -> Vec<Diagnostic> {
    let mut findings = Findings::default();
    check_name(&mut findings, &template.name);
    check_category(&mut findings, &template.category);
    if !is_supported_language(&template.language) {
        findings.push(Diagnostic::error(
            "language_unsupported",
            Component::Language,
            if template.language.is_empty() {
                "The language is required".to_owned()
            } else {
                format!(
                    "\"{}\" is not a language Meta supports for templates",
                    template.language
                )
            },
            None,
        ));
    }
    check_header(&mut findings, template);
    check_body(&mut findings, template);
    check_footer(&mut findings, template);
    check_buttons(&mut findings, template.buttons());
    check_parameter_format(&mut findings, template);
    check_account(&mut findings, template, others);
    findings.into_sorted()
}

#[derive(Default)]
struct Findings {
    diagnostics: Vec<Diagnostic>,
    per_rule: HashMap<(String, Component, Option<usize>), usize>,
}

impl Findings {
    fn push(&mut self, diagnostic: Diagnostic) {
        let count = self
            .per_rule
            .entry((
                diagnostic.code.clone(),
                diagnostic.component,
                diagnostic.button,
            ))
            .or_default();
        if *count < MAX_FINDINGS_PER_RULE {
            *count += 1;
            self.diagnostics.push(diagnostic);
        }
    }

    fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.diagnostics
            .sort_by_key(|found| (found.component, found.button, found.start));
        self.diagnostics
    }
}

fn chars(text: &str) -> Vec<char> {
    text.chars().collect()
}

fn written(chars: &[char], span: &Range<usize>) -> String {
    chars[span.clone()].iter().collect()
}

fn check_name(findings: &mut Findings, name: &str) {
    let name_chars = chars(name);
    if name_chars.is_empty() {
        findings.push(Diagnostic::error(
            "name_invalid",
            Component::Name,
            "The template name is required".to_owned(),
            Some(0..0),
        ));
        return;
    }
    if name_chars.len() > NAME_MAX_CHARS {
        findings.push(Diagnostic::error(
            "name_invalid",
            Component::Name,
            format!(
                "The template name is {} / {NAME_MAX_CHARS} characters long",
                name_chars.len()
            ),
            Some(NAME_MAX_CHARS..name_chars.len()),
        ));
    }
    let allowed = |character: &char| {
        character.is_ascii_lowercase() || character.is_ascii_digit() || *character == '_'
    };
    if let Some(first_bad) = name_chars.iter().position(|c| !allowed(c)) {
        let run_end = name_chars[first_bad..]
            .iter()
            .position(allowed)
            .map_or(name_chars.len(), |offset| first_bad + offset);
        findings.push(Diagnostic::error(
            "name_invalid",
            Component::Name,
            "The template name may only contain lowercase letters, digits and underscores (_)"
                .to_owned(),
            Some(first_bad..run_end),
        ));
    }
}

fn check_category(findings: &mut Findings, category: &str) {
    if category != "MARKETING" && category != "UTILITY" {
        findings.push(Diagnostic::error(
            "category_invalid",
            Component::Category,
            "The category must be MARKETING or UTILITY".to_owned(),
            None,
        ));
    }
}

fn is_utility(template: &Template) -> bool {
    template.category == "UTILITY"
}

/// Every `?`, `？` and `؟` of a utility template's text is an error.
fn check_question_marks(findings: &mut Findings, component: Component, text_chars: &[char]) {
    for (index, character) in text_chars.iter().enumerate() {
        if matches!(character, '?' | '？' | '؟') {
            findings.push(Diagnostic::error(
                "utility_question_mark",
                component,
                "Utility templates cannot contain question marks: Meta considers them marketing"
                    .to_owned(),
                Some(index..index + 1),
            ));
        }
    }
}

fn check_length(
    findings: &mut Findings,
    (code, component, what): (&str, Component, &str),
    length: usize,
    limit: usize,
) {
    if length > limit {
        findings.push(Diagnostic::error(
            code,
            component,
            format!("The {what} is {length} / {limit} characters long"),
            Some(limit..length),
        ));
    }
}

fn check_malformed(
    findings: &mut Findings,
    component: Component,
    text_chars: &[char],
    tokens: &[VariableToken],
) {
    for token in tokens.iter().filter(|token| !token.is_variable()) {
        findings.push(Diagnostic::error(
            "variable_malformed",
            component,
            format!(
                "\"{}\" is not a valid variable: write {{{{1}}}}, {{{{2}}}}… (or {{{{name}}}} in lowercase letters and _), with balanced braces",
                written(text_chars, &token.span)
            ),
            Some(token.span.clone()),
        ));
    }
}

/// Distinct positional variables, in order of first appearance, must be 1, 2, …, n.
fn check_sequential(findings: &mut Findings, component: Component, tokens: &[VariableToken]) {
    // Variables seen so far are exactly 1..=highest, so a number up to it is a repeat.
    let mut highest: u32 = 0;
    for token in tokens {
        let VariableKind::Positional(number) = token.kind else {
            continue;
        };
        if number <= highest {
            continue;
        }
        let expected = highest.saturating_add(1);
        if number != expected {
            findings.push(Diagnostic::error(
                "variables_not_sequential",
                component,
                format!(
                    "Variables must be added sequentially (e.g., {{{{1}}}}, {{{{2}}}}…): {{{{{expected}}}}} is expected here, not {{{{{number}}}}}"
                ),
                Some(token.span.clone()),
            ));
            return;
        }
        highest = number;
    }
}

fn check_header(findings: &mut Findings, template: &Template) {
    let Some(header) = template.header() else {
        return;
    };
    match header.format {
        HeaderFormat::Text => check_text_header(findings, template),
        HeaderFormat::Image | HeaderFormat::Video | HeaderFormat::Document => {
            check_media_header(findings, template, header.format);
        }
    }
}

fn check_text_header(findings: &mut Findings, template: &Template) {
    let full_text = template.header_text().unwrap_or_default();
    let full_length = full_text.chars().count();
    let text = analysed(full_text, HEADER_MAX_CHARS);
    let text_chars = chars(text);
    if text.trim().is_empty() {
        findings.push(Diagnostic::error(
            "header_text_invalid",
            Component::Header,
            "The header text is required when the header type is text".to_owned(),
            Some(0..text_chars.len()),
        ));
    }
    check_length(
        findings,
        ("header_text_too_long", Component::Header, "header"),
        full_length,
        HEADER_MAX_CHARS,
    );
    for (index, character) in text_chars.iter().enumerate() {
        if matches!(character, '\n' | '\r' | '*' | '~' | '`') {
            findings.push(Diagnostic::error(
                "header_text_invalid",
                Component::Header,
                "The header cannot contain line breaks or formatting characters (*, ~, `)"
                    .to_owned(),
                Some(index..index + 1),
            ));
        }
    }
    if is_utility(template) {
        check_question_marks(findings, Component::Header, &text_chars);
    }
    let tokens = scan(text);
    check_malformed(findings, Component::Header, &text_chars, &tokens);
    let variables: Vec<&VariableToken> = tokens.iter().filter(|t| t.is_variable()).collect();
    if let Some(second) = variables.get(1) {
        findings.push(Diagnostic::error(
            "header_too_many_variables",
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
        &Samples::of_header(template),
    );
}

/// What a media header accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaRule {
    /// `image`, `video` or `document`.
    pub kind: &'static str,
    /// File name extensions, lower case.
    pub extensions: &'static [&'static str],
    /// MIME types.
    pub mime_types: &'static [&'static str],
    /// Largest file.
    pub max_bytes: u64,
    /// The accepted types as users read them, e.g. `JPG, JPEG or PNG`.
    pub allowed: &'static str,
}

/// The rule of a header `format` (a text header has none; it gets the document rule).
pub fn media_rule(format: HeaderFormat) -> MediaRule {
    match format {
        HeaderFormat::Image => MediaRule {
            kind: "image",
            extensions: &["jpg", "jpeg", "png"],
            mime_types: &["image/jpeg", "image/png"],
            max_bytes: IMAGE_MAX_BYTES,
            allowed: "JPG, JPEG or PNG",
        },
        HeaderFormat::Video => MediaRule {
            kind: "video",
            extensions: &["3gp", "mp4"],
            mime_types: &["video/3gpp", "video/mp4"],
            max_bytes: VIDEO_OR_DOCUMENT_MAX_BYTES,
            allowed: "3GP or MP4",
        },
        HeaderFormat::Document | HeaderFormat::Text => MediaRule {
            kind: "document",
            extensions: &["pdf"],
            mime_types: &["application/pdf"],
            max_bytes: VIDEO_OR_DOCUMENT_MAX_BYTES,
            allowed: "PDF",
        },
    }
}

/// The findings about `media` as the file of a `format` header: its type and its size. The
/// editor asks this before any upload; the validator asks it of every stored template.
pub fn check_media(format: HeaderFormat, media: &MediaFile) -> Vec<Diagnostic> {
    let rule = media_rule(format);
    let kind = rule.kind;
    let mut findings = Vec::new();
    let extension = media
        .file_name
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .unwrap_or_default();
    let mime_type = media.mime_type.to_ascii_lowercase();
    let extension_ok = rule.extensions.contains(&extension.as_str());
    let mime_ok = mime_type.is_empty() || rule.mime_types.contains(&mime_type.as_str());
    if !extension_ok || !mime_ok {
        findings.push(Diagnostic::error(
            "header_media_type",
            Component::Header,
            format!(
                "\"{}\" cannot be used: the {kind} must be a {} file",
                media.file_name, rule.allowed
            ),
            None,
        ));
    }
    if media.size_bytes > rule.max_bytes {
        findings.push(Diagnostic::error(
            "header_media_too_large",
            Component::Header,
            format!(
                "The {kind} is {} MB, more than the {} MB allowed",
                megabytes(media.size_bytes),
                rule.max_bytes / (1024 * 1024)
            ),
            None,
        ));
    }
    findings
}

fn check_media_header(findings: &mut Findings, template: &Template, format: HeaderFormat) {
    let Some(media) = template.herald.media.as_ref() else {
        let has_handle = template
            .header()
            .and_then(|header| header.example.as_ref())
            .and_then(|example| example.header_handle.as_ref())
            .is_some_and(|handles| handles.iter().any(|handle| !handle.trim().is_empty()));
        if !has_handle {
            let kind = media_rule(format).kind;
            findings.push(
                Diagnostic::error(
                    "example_missing",
                    Component::Header,
                    format!(
                        "Add a sample {kind} for the header: Meta reviews the template with it"
                    ),
                    None,
                )
                .in_field("example"),
            );
        }
        return;
    };
    for finding in check_media(format, media) {
        findings.push(finding);
    }
}

fn megabytes(bytes: u64) -> String {
    let tenths = bytes.saturating_mul(10).div_ceil(1024 * 1024);
    format!("{}.{}", tenths / 10, tenths % 10)
}

fn check_body(findings: &mut Findings, template: &Template) {
    let full_text = template.body_text();
    let full_length = full_text.chars().count();
    let text = analysed(full_text, BODY_MAX_CHARS);
    let text_chars = chars(text);
    if text.trim().is_empty() {
        findings.push(Diagnostic::error(
            "body_empty",
            Component::Body,
            "The message content is required".to_owned(),
            Some(0..text_chars.len()),
        ));
        return;
    }
    check_length(
        findings,
        ("body_too_long", Component::Body, "content"),
        full_length,
        BODY_MAX_CHARS,
    );
    check_html(findings, &text_chars);
    if is_utility(template) {
        check_question_marks(findings, Component::Body, &text_chars);
    }
    let tokens = scan(text);
    check_malformed(findings, Component::Body, &text_chars, &tokens);
    check_sequential(findings, Component::Body, &tokens);
    let variables: Vec<&VariableToken> = tokens.iter().filter(|t| t.is_variable()).collect();
    let whole_text_analysed = text_chars.len() == full_length;
    check_variable_placement(findings, &text_chars, &variables, whole_text_analysed);
    check_variable_density(findings, &text_chars, &variables);
    check_samples(
        findings,
        Component::Body,
        &tokens,
        &Samples::of_body(template),
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
                findings.push(Diagnostic::error(
                    "body_not_plain_text",
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

fn check_variable_placement(
    findings: &mut Findings,
    text_chars: &[char],
    variables: &[&VariableToken],
    whole_text_analysed: bool,
) {
    let trimmed = trim_range(text_chars, 0..text_chars.len());
    let mut at_edge: Vec<&VariableToken> = Vec::new();
    if let Some(first) = variables
        .first()
        .filter(|token| token.span.start == trimmed.start)
    {
        at_edge.push(first);
    }
    if let Some(last) = variables
        .last()
        .filter(|token| whole_text_analysed && token.span.end == trimmed.end)
        && at_edge.last().is_none_or(|first| first.span != last.span)
    {
        at_edge.push(last);
    }
    for token in at_edge {
        findings.push(Diagnostic::error(
            "variable_at_edge",
            Component::Body,
            format!(
                "The content cannot start or end with a variable: add text before or after {}",
                written(text_chars, &token.span)
            ),
            Some(token.span.clone()),
        ));
    }
    for pair in variables.windows(2) {
        let between = &text_chars[pair[0].span.end..pair[1].span.start];
        if between.iter().all(|c| c.is_whitespace()) {
            findings.push(Diagnostic::error(
                "variables_adjacent",
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
            findings.push(Diagnostic::error(
                "variable_alone_on_line",
                Component::Body,
                "A variable inserted in an empty row is not accepted: add text on the same line"
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

fn check_variable_density(
    findings: &mut Findings,
    text_chars: &[char],
    variables: &[&VariableToken],
) {
    if variables.is_empty() {
        return;
    }
    for sentence in sentences(text_chars) {
        let inside = tokens_starting_in(variables, &sentence);
        if inside.is_empty() {
            continue;
        }
        if words_outside_variables(text_chars, sentence.clone(), inside)
            < WORDS_PER_VARIABLE_SENTENCE_MIN
        {
            findings.push(Diagnostic::error(
                "too_many_variables",
                Component::Body,
                TOO_MANY_VARIABLES_MESSAGE.to_owned(),
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
    samples: &Samples<'_>,
) {
    let variables = distinct_variables(tokens);
    let positional = variables
        .iter()
        .filter(|token| matches!(token.kind, VariableKind::Positional(_)))
        .count();
    if positional > 0 && samples.positional_count() > 0 && samples.positional_count() != positional
    {
        findings.push(
            Diagnostic::error(
                "example_missing",
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
                Diagnostic::error(
                    "example_missing",
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

fn check_footer(findings: &mut Findings, template: &Template) {
    let Some(footer) = template.footer() else {
        return;
    };
    let text = analysed(&footer.text, FOOTER_MAX_CHARS);
    let text_chars = chars(text);
    check_length(
        findings,
        ("footer_too_long", Component::Footer, "footer"),
        footer.text.chars().count(),
        FOOTER_MAX_CHARS,
    );
    if is_utility(template) {
        check_question_marks(findings, Component::Footer, &text_chars);
    }
    for token in scan(text) {
        findings.push(Diagnostic::error(
            "footer_has_variable",
            Component::Footer,
            "The footer cannot contain variables".to_owned(),
            Some(token.span),
        ));
    }
}

fn check_buttons(findings: &mut Findings, buttons: &[Button]) {
    let quick_replies: Vec<usize> = (0..buttons.len())
        .filter(|&index| !buttons[index].is_call_to_action())
        .collect();
    if !quick_replies.is_empty() && quick_replies.len() < buttons.len() {
        findings.push(Diagnostic::error(
            "buttons_mixed",
            Component::Buttons,
            "Quick reply and call-to-action buttons cannot be mixed: choose one kind".to_owned(),
            None,
        ));
    }
    if let Some(&extra) = quick_replies.get(QUICK_REPLIES_MAX) {
        findings.push(
            Diagnostic::error(
                "quick_reply_too_many",
                Component::Buttons,
                format!(
                    "There are {} quick reply buttons: at most {QUICK_REPLIES_MAX} are allowed",
                    quick_replies.len()
                ),
                None,
            )
            .in_button(extra, "text"),
        );
    }
    let mut phones = 0;
    let mut urls = 0;
    for (index, button) in buttons.iter().enumerate() {
        check_button_text(findings, index, button.text());
        match button {
            Button::QuickReply { .. } => {}
            Button::PhoneNumber { phone_number, .. } => {
                phones += 1;
                if phones == 2 {
                    report_too_many_calls_to_action(findings, index);
                }
                if !is_international_phone(phone_number) {
                    findings.push(
                        Diagnostic::error(
                            "cta_phone_invalid",
                            Component::Buttons,
                            "The phone number must be an international number with its country prefix, e.g. +393402211333".to_owned(),
                            Some(0..phone_number.chars().count()),
                        )
                        .in_button(index, "phone_number"),
                    );
                }
            }
            Button::Url { url, example, .. } => {
                urls += 1;
                if urls == 2 {
                    report_too_many_calls_to_action(findings, index);
                }
                check_url(findings, index, url, example.as_deref());
            }
        }
    }
}

fn report_too_many_calls_to_action(findings: &mut Findings, index: usize) {
    findings.push(
        Diagnostic::error(
            "cta_too_many",
            Component::Buttons,
            "Call to action allows at most 1 phone number button and 1 website button".to_owned(),
            None,
        )
        .in_button(index, "text"),
    );
}

fn check_button_text(findings: &mut Findings, index: usize, text: &str) {
    let length = text.chars().count();
    if text.trim().is_empty() {
        findings.push(
            Diagnostic::error(
                "button_text_invalid",
                Component::Buttons,
                "The button text is required".to_owned(),
                Some(0..length),
            )
            .in_button(index, "text"),
        );
    } else if length > BUTTON_TEXT_MAX_CHARS {
        findings.push(
            Diagnostic::error(
                "button_text_invalid",
                Component::Buttons,
                format!("The button text is {length} / {BUTTON_TEXT_MAX_CHARS} characters long"),
                Some(BUTTON_TEXT_MAX_CHARS..length),
            )
            .in_button(index, "text"),
        );
    }
}

/// `+`, then 8 to 15 digits not starting with 0; spaces, dashes, dots and parentheses allowed.
fn is_international_phone(phone: &str) -> bool {
    let Some(rest) = phone.trim().strip_prefix('+') else {
        return false;
    };
    let mut digits = String::new();
    for character in rest.chars() {
        match character {
            '0'..='9' => digits.push(character),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return false,
        }
    }
    (8..=15).contains(&digits.len()) && !digits.starts_with('0')
}

fn check_url(findings: &mut Findings, index: usize, url: &str, example: Option<&[String]>) {
    let full_length = url.chars().count();
    let url = analysed(url, URL_MAX_CHARS);
    let url_chars = chars(url);
    let whole = Some(0..full_length);
    let Some(parts) = UrlParts::parse(url) else {
        findings.push(
            Diagnostic::error(
                "cta_url_invalid",
                Component::Buttons,
                "The website must be a full URL starting with http:// or https://, e.g. https://example.com/offers".to_owned(),
                whole,
            )
            .in_button(index, "url"),
        );
        return;
    };
    if full_length > URL_MAX_CHARS {
        findings.push(
            Diagnostic::error(
                "cta_url_invalid",
                Component::Buttons,
                format!("The URL is {full_length} / {URL_MAX_CHARS} characters long"),
                Some(URL_MAX_CHARS..full_length),
            )
            .in_button(index, "url"),
        );
    }
    let host = parts.host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    if URL_SHORTENERS.contains(&host) {
        findings.push(
            Diagnostic::error(
                "cta_url_shortener",
                Component::Buttons,
                format!("Shortened links ({host}) are not supported by Meta: use the full URL"),
                Some(parts.host_span.clone()),
            )
            .in_button(index, "url"),
        );
    }
    let tokens = scan(url);
    check_malformed_in_button(findings, index, &url_chars, &tokens);
    let variables: Vec<&VariableToken> = tokens.iter().filter(|t| t.is_variable()).collect();
    for (position, token) in variables.iter().enumerate() {
        let in_query = parts
            .query_start
            .is_some_and(|start| token.span.start >= start);
        let at_end = token.span.end == url_chars.len();
        let is_first = matches!(token.kind, VariableKind::Positional(1));
        if !in_query || !at_end || position > 0 || !is_first {
            findings.push(
                Diagnostic::error(
                    "cta_url_variable_position",
                    Component::Buttons,
                    "Variables are permitted only in the query string: one {{1}} at the end of the URL, e.g. https://example.com/order?id={{1}}".to_owned(),
                    Some(token.span.clone()),
                )
                .in_button(index, "url"),
            );
        }
    }
    if !variables.is_empty()
        && example
            .and_then(|samples| samples.first())
            .is_none_or(|sample| sample.trim().is_empty())
    {
        findings.push(
            Diagnostic::error(
                "example_missing",
                Component::Buttons,
                "Add a sample full URL for the button's variable: Meta reviews the template with it"
                    .to_owned(),
                None,
            )
            .in_button(index, "example"),
        );
    }
}

fn check_malformed_in_button(
    findings: &mut Findings,
    index: usize,
    url_chars: &[char],
    tokens: &[VariableToken],
) {
    for token in tokens.iter().filter(|token| !token.is_variable()) {
        findings.push(
            Diagnostic::error(
                "variable_malformed",
                Component::Buttons,
                format!(
                    "\"{}\" is not a valid variable: write {{{{1}}}}",
                    written(url_chars, &token.span)
                ),
                Some(token.span.clone()),
            )
            .in_button(index, "url"),
        );
    }
}

/// The parts of an http(s) URL the rules look at, with character offsets.
struct UrlParts<'a> {
    host: &'a str,
    host_span: Range<usize>,
    query_start: Option<usize>,
}

impl<'a> UrlParts<'a> {
    fn parse(url: &'a str) -> Option<Self> {
        let scheme_length = if url.starts_with("https://") {
            8
        } else if url.starts_with("http://") {
            7
        } else {
            return None;
        };
        if url.chars().any(char::is_whitespace) {
            return None;
        }
        let rest = &url[scheme_length..];
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        let host_and_port = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        let host = host_and_port
            .split_once(':')
            .map_or(host_and_port, |(host, _)| host);
        let valid_host = host.contains('.')
            && !host.starts_with('.')
            && !host.ends_with('.')
            && !host.contains("..")
            && host
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if !valid_host {
            return None;
        }
        let host_byte_start = scheme_length + (authority.len() - host_and_port.len());
        let host_start = url[..host_byte_start].chars().count();
        let query_start = url
            .find('?')
            .map(|byte_offset| url[..byte_offset].chars().count() + 1);
        Some(Self {
            host,
            host_span: host_start..host_start + host.chars().count(),
            query_start,
        })
    }
}

/// One template uses one variable format: the declared one, or that of its first variable.
/// URL buttons always use `{{1}}`, so they are not counted.
fn check_parameter_format(findings: &mut Findings, template: &Template) {
    let mut texts: Vec<(Component, &str)> = Vec::new();
    if let Some(text) = template.header_text() {
        texts.push((Component::Header, analysed(text, HEADER_MAX_CHARS)));
    }
    texts.push((
        Component::Body,
        analysed(template.body_text(), BODY_MAX_CHARS),
    ));
    let tokens: Vec<(Component, Vec<VariableToken>)> = texts
        .into_iter()
        .map(|(component, text)| (component, scan(text)))
        .collect();
    let first_format = tokens
        .iter()
        .flat_map(|(_, tokens)| tokens.iter())
        .find_map(|token| format_of(&token.kind));
    let Some(expected) = template.parameter_format.or(first_format) else {
        return;
    };
    for (component, component_tokens) in &tokens {
        for token in component_tokens {
            if format_of(&token.kind).is_some_and(|format| format != expected) {
                let declared = match expected {
                    ParameterFormat::Positional => "positional ({{1}})",
                    ParameterFormat::Named => "named ({{first_name}})",
                };
                findings.push(Diagnostic::error(
                    "parameter_format_mixed",
                    *component,
                    format!(
                        "Positional and named variables cannot be mixed: this template uses {declared} variables"
                    ),
                    Some(token.span.clone()),
                ));
            }
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

fn check_account(findings: &mut Findings, template: &Template, others: &[ExistingTemplate]) {
    if others.len() >= TEMPLATES_PER_ACCOUNT_MAX {
        findings.push(Diagnostic::error(
            "template_limit",
            Component::Template,
            format!(
                "This account already has {} templates, the most allowed is {TEMPLATES_PER_ACCOUNT_MAX}: delete one before creating another",
                others.len()
            ),
            None,
        ));
    }
    if !template.name.is_empty()
        && others
            .iter()
            .any(|other| other.name == template.name && other.language == template.language)
    {
        findings.push(Diagnostic::warning(
            "name_duplicate",
            Component::Name,
            format!(
                "Another template of this account is already named \"{}\" in this language: names should be unique",
                template.name
            ),
            Some(0..template.name.chars().count()),
        ));
    }
    let body = template.body_text();
    let footer = template.footer_text();
    if !body.trim().is_empty()
        && let Some(twin) = others
            .iter()
            .find(|other| other.body == body && other.footer == footer)
    {
        findings.push(Diagnostic::warning(
            "duplicate_content",
            Component::Body,
            format!(
                "Template \"{}\" of this account has the same content and footer: Meta rejects duplicates",
                twin.name
            ),
            Some(0..body.chars().count()),
        ));
    }
}

#[cfg(test)]
mod tests;
