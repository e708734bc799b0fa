//! The rules of buttons: how many of each type, their grouping, their labels, and each type's
//! own fields (URL, phone number, coupon code, Flow).

use std::ops::Range;

use crate::diagnostic::{Code, Component, Diagnostic};
use crate::model::{Button, ButtonKind, Category, Template};
use crate::text::{analysed, is_emoji, is_formatting_marker};
use crate::variables::{VariableKind, VariableToken, scan};

use super::{Findings, chars, written};

/// Most buttons of a template.
pub const BUTTONS_MAX: usize = 10;
/// Most quick-reply buttons.
pub const QUICK_REPLIES_MAX: usize = 10;
/// Buttons the chat shows before folding the rest under "See all options".
pub const QUICK_REPLIES_SHOWN: usize = 3;
/// Most URL buttons.
pub const URL_BUTTONS_MAX: usize = 2;
/// Most phone-number and voice-call buttons together.
pub const PHONE_BUTTONS_MAX: usize = 1;
/// Most copy-code buttons.
pub const COPY_CODE_BUTTONS_MAX: usize = 1;
/// Longest button label, in characters.
pub const BUTTON_TEXT_MAX_CHARS: usize = 25;
/// Longest voice-call button label, in characters.
pub const VOICE_CALL_TEXT_MAX_CHARS: usize = 20;
/// Longest coupon code of a limited-time offer, in characters.
pub const OFFER_COUPON_CODE_MAX_CHARS: usize = 15;
/// Longest button URL, in characters.
pub const URL_MAX_CHARS: usize = 2000;
/// Longest coupon code, in characters.
pub const COUPON_CODE_MAX_CHARS: usize = 20;

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
];

/// Where a list of buttons stands, which decides the types and the number it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ButtonPlace {
    /// The template's own buttons.
    Template,
    /// A carousel card's buttons.
    Card,
}

/// The template's buttons.
pub(super) fn check_buttons(findings: &mut Findings, template: &Template, buttons: &[Button]) {
    check_button_list(findings, template, buttons, ButtonPlace::Template);
}

/// The most buttons `buttons` may hold where they stand, and why.
fn limit_of(template: &Template, buttons: &[Button], place: ButtonPlace) -> (usize, &'static str) {
    let single = buttons
        .iter()
        .find(|button| matches!(button.kind, ButtonKind::Catalog | ButtonKind::Mpm));
    match (place, single) {
        (ButtonPlace::Card, _) => (super::CARD_BUTTONS_MAX, "a carousel card"),
        (ButtonPlace::Template, Some(_)) => (1, "a catalog or multi-product template"),
        (ButtonPlace::Template, None) if template.is_authentication() => {
            (1, "an authentication template (its one OTP button)")
        }
        (ButtonPlace::Template, None) => (BUTTONS_MAX, "a template"),
    }
}

pub(super) fn check_button_list(
    findings: &mut Findings,
    template: &Template,
    buttons: &[Button],
    place: ButtonPlace,
) {
    let (limit, holder) = limit_of(template, buttons, place);
    if buttons.len() > limit {
        findings.push(
            Diagnostic::new(
                Code::ButtonsTooMany,
                Component::Buttons,
                format!(
                    "There are {} buttons: {holder} may have at most {limit}",
                    buttons.len()
                ),
                None,
            )
            .in_button(limit, "text"),
        );
    }
    check_counts(findings, buttons);
    if place == ButtonPlace::Template {
        check_grouping(findings, buttons);
    }
    for (index, button) in buttons.iter().enumerate() {
        check_type_allowed(findings, template, index, button, place);
        check_button_text(findings, index, button);
        match button.kind {
            ButtonKind::Url => check_url(findings, index, button),
            ButtonKind::PhoneNumber => check_phone(findings, index, button.phone_number.as_deref()),
            ButtonKind::CopyCode => {
                let limit = if template.offer().is_some() {
                    OFFER_COUPON_CODE_MAX_CHARS
                } else {
                    COUPON_CODE_MAX_CHARS
                };
                check_coupon_sample(findings, index, button, limit);
            }
            ButtonKind::Flow => check_flow(findings, index, button),
            _ => {}
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for (index, button) in buttons.iter().enumerate() {
        let text = button.text.trim();
        if text.is_empty() {
            continue;
        }
        if seen.contains(&text) {
            findings.push(
                Diagnostic::new(
                    Code::ButtonTextDuplicate,
                    Component::Buttons,
                    format!("Two buttons are labelled \"{text}\": each label must be different"),
                    Some(0..button.text.chars().count()),
                )
                .in_button(index, "text"),
            );
        }
        seen.push(text);
    }
}

/// Meta's per-type limits (an error each) and the seed's stricter ones (warnings).
fn check_counts(findings: &mut Findings, buttons: &[Button]) {
    let indexes = |kind: ButtonKind| -> Vec<usize> {
        (0..buttons.len())
            .filter(|&index| buttons[index].kind == kind)
            .collect()
    };
    let quick_replies = indexes(ButtonKind::QuickReply);
    if let Some(&extra) = quick_replies.get(QUICK_REPLIES_MAX) {
        findings.push(
            Diagnostic::new(
                Code::QuickReplyTooMany,
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
    if buttons.len() > QUICK_REPLIES_SHOWN {
        findings.push(
            Diagnostic::new(
                Code::QuickReplyCollapsed,
                Component::Buttons,
                format!(
                    "More than {QUICK_REPLIES_SHOWN} buttons: the chat shows two and folds the rest under \"See all options\", and WhatsApp on desktop cannot show them (the seed's product allows {QUICK_REPLIES_SHOWN} quick replies)"
                ),
                None,
            )
            .in_button(QUICK_REPLIES_SHOWN, "text"),
        );
    }
    let calls: Vec<usize> = (0..buttons.len())
        .filter(|&index| {
            matches!(
                buttons[index].kind,
                ButtonKind::PhoneNumber | ButtonKind::VoiceCall
            )
        })
        .collect();
    for (found, limit, name) in [
        (indexes(ButtonKind::Url), URL_BUTTONS_MAX, "website"),
        (calls, PHONE_BUTTONS_MAX, "phone number or voice call"),
        (
            indexes(ButtonKind::CopyCode),
            COPY_CODE_BUTTONS_MAX,
            "copy code",
        ),
    ] {
        if let Some(&extra) = found.get(limit) {
            findings.push(
                Diagnostic::new(
                    Code::CtaTooMany,
                    Component::Buttons,
                    format!(
                        "A template may have at most {limit} {name} button{}",
                        if limit == 1 { "" } else { "s" }
                    ),
                    None,
                )
                .in_button(extra, "text"),
            );
        }
    }
}

/// Quick replies stand together and the other buttons together (Meta's two groups).
fn check_grouping(findings: &mut Findings, buttons: &[Button]) {
    let quick_replies = buttons
        .iter()
        .filter(|button| button.is_quick_reply())
        .count();
    if quick_replies == 0 || quick_replies == buttons.len() {
        return;
    }
    findings.push(Diagnostic::new(
        Code::ButtonsMixed,
        Component::Buttons,
        "Quick replies and call-to-action buttons in one template: Meta allows it, the seed's product does not".to_owned(),
        None,
    ));
    let mut groups = 1;
    let mut interleaved_at = None;
    for (index, pair) in buttons.windows(2).enumerate() {
        if pair[0].is_quick_reply() != pair[1].is_quick_reply() {
            groups += 1;
            if groups == 3 {
                interleaved_at = Some(index + 1);
            }
        }
    }
    if let Some(index) = interleaved_at {
        findings.push(
            Diagnostic::new(
                Code::ButtonsNotGrouped,
                Component::Buttons,
                "Quick replies and the other buttons must form two groups: put all quick replies together, before or after the others".to_owned(),
                None,
            )
            .in_button(index, "text"),
        );
    }
}

/// Whether `button` is the copy-code button of an authentication template as Meta lists it
/// (a URL to WhatsApp's own `otp/code` page).
pub(super) fn is_listed_otp_button(button: &Button) -> bool {
    button.kind == ButtonKind::Url && button.otp_kind().is_some()
}

fn check_type_allowed(
    findings: &mut Findings,
    template: &Template,
    index: usize,
    button: &Button,
    place: ButtonPlace,
) {
    let refusal = match (&button.kind, place) {
        (ButtonKind::Other(kind), _) => {
            findings.push(
                Diagnostic::new(
                    Code::ComponentUnsupported,
                    Component::Buttons,
                    format!(
                        "Herald does not know the button type \"{kind}\" yet: it is kept as it is, but Herald cannot submit it"
                    ),
                    None,
                )
                .in_button(index, "type"),
            );
            return;
        }
        (
            ButtonKind::QuickReply | ButtonKind::Url | ButtonKind::PhoneNumber | ButtonKind::Spm,
            ButtonPlace::Card,
        ) => None,
        (_, ButtonPlace::Card) => {
            Some("carousel cards take quick reply, URL, phone number and product buttons only")
        }
        (ButtonKind::Otp, _) if !template.is_authentication() => {
            Some("OTP buttons belong to AUTHENTICATION templates")
        }
        (ButtonKind::Otp, _) => None,
        _ if template.is_authentication() && !is_listed_otp_button(button) => {
            Some("an AUTHENTICATION template has one OTP button and no other")
        }
        (ButtonKind::CopyCode, _) if template.category == Category::Utility => {
            findings.push(
                Diagnostic::new(
                    Code::ButtonTypeNotAllowed,
                    Component::Buttons,
                    "A copy-code button in a UTILITY template: Meta's utility page lists it, older rules refused it".to_owned(),
                    None,
                )
                .in_button(index, "type")
                .as_warning(),
            );
            None
        }
        _ => None,
    };
    if let Some(reason) = refusal {
        findings.push(
            Diagnostic::new(
                Code::ButtonTypeNotAllowed,
                Component::Buttons,
                format!("A {} button is not allowed here: {reason}", button.kind),
                None,
            )
            .in_button(index, "type"),
        );
    }
}

fn check_button_text(findings: &mut Findings, index: usize, button: &Button) {
    let text = &button.text;
    let length = text.chars().count();
    let label_optional = matches!(button.kind, ButtonKind::CopyCode | ButtonKind::Otp);
    let finding = |message: String, span: Range<usize>| {
        Diagnostic::new(
            Code::ButtonTextInvalid,
            Component::Buttons,
            message,
            Some(span),
        )
        .in_button(index, "text")
    };
    if text.trim().is_empty() {
        if !label_optional {
            findings.push(finding("The button text is required".to_owned(), 0..length));
        }
        return;
    }
    let limit = if button.kind == ButtonKind::VoiceCall {
        VOICE_CALL_TEXT_MAX_CHARS
    } else {
        BUTTON_TEXT_MAX_CHARS
    };
    if length > limit {
        findings.push(finding(
            format!("The button text is {length} / {limit} characters long"),
            limit..length,
        ));
    }
    for (position, character) in analysed(text, BUTTON_TEXT_MAX_CHARS).chars().enumerate() {
        let refused = if matches!(character, '\n' | '\r') {
            Some("line breaks")
        } else if is_emoji(character) {
            Some("emoji")
        } else if is_formatting_marker(character) {
            Some("formatting characters (*, _, ~, `)")
        } else {
            None
        };
        if let Some(what) = refused {
            findings.push(finding(
                format!("The button text cannot contain {what}"),
                position..position + 1,
            ));
        }
    }
}

/// 8 to 15 digits with the country code, `+` optional (Meta's own examples omit it); spaces,
/// dashes, dots and parentheses allowed.
fn is_international_phone(phone: &str) -> bool {
    let phone = phone.trim();
    let rest = phone.strip_prefix('+').unwrap_or(phone);
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

fn check_phone(findings: &mut Findings, index: usize, phone_number: Option<&str>) {
    let phone_number = phone_number.unwrap_or_default();
    if !is_international_phone(phone_number) {
        findings.push(
            Diagnostic::new(
                Code::CtaPhoneInvalid,
                Component::Buttons,
                "The phone number must be an international number of 8 to 15 digits with its country code, e.g. +393402211333".to_owned(),
                Some(0..phone_number.chars().count()),
            )
            .in_button(index, "phone_number"),
        );
    }
}

fn check_coupon_sample(findings: &mut Findings, index: usize, button: &Button, limit: usize) {
    match button.sample().map(str::trim) {
        None | Some("") => findings.push(
            Diagnostic::new(
                Code::ExampleMissing,
                Component::Buttons,
                "Add a sample coupon code: Meta reviews the template with it".to_owned(),
                None,
            )
            .in_button(index, "example"),
        ),
        Some(code) if code.chars().count() > limit || !code.chars().all(char::is_alphanumeric) => {
            findings.push(
                Diagnostic::new(
                    Code::ExampleMissing,
                    Component::Buttons,
                    format!(
                        "The sample coupon code must be letters and digits only, at most {limit} (it is {} long)",
                        code.chars().count()
                    ),
                    None,
                )
                .in_button(index, "example"),
            );
        }
        Some(_) => {}
    }
}

fn check_flow(findings: &mut Findings, index: usize, button: &Button) {
    let flow_id = button.flow_id.as_ref().map(crate::model::FlowId::to_text);
    let given = [&flow_id, &button.flow_name, &button.flow_json]
        .iter()
        .filter(|field| {
            field
                .as_deref()
                .is_some_and(|value| !value.trim().is_empty())
        })
        .count();
    let mut problems = Vec::new();
    if given != 1 {
        problems.push("name the Flow once: by its id, its name or its JSON");
    }
    if button.flow_action.as_deref().is_some_and(|action| {
        !action.eq_ignore_ascii_case("navigate") && !action.eq_ignore_ascii_case("data_exchange")
    }) {
        problems.push("the action must be navigate or data_exchange");
    }
    for problem in problems {
        findings.push(
            Diagnostic::new(
                Code::FlowButtonInvalid,
                Component::Buttons,
                format!("The Flow button is incomplete: {problem}"),
                None,
            )
            .in_button(index, "flow_id"),
        );
    }
}

fn check_url(findings: &mut Findings, index: usize, button: &Button) {
    let url = button.url_text();
    let full_length = url.chars().count();
    let url = analysed(url, URL_MAX_CHARS);
    let url_chars = chars(url);
    let finding = |code: Code, message: String, span: Option<Range<usize>>| {
        Diagnostic::new(code, Component::Buttons, message, span).in_button(index, "url")
    };
    let Some(parts) = UrlParts::parse(url) else {
        findings.push(finding(
            Code::CtaUrlInvalid,
            "The website must be a full URL starting with http:// or https://, e.g. https://example.com/offers".to_owned(),
            Some(0..full_length),
        ));
        return;
    };
    if full_length > URL_MAX_CHARS {
        findings.push(finding(
            Code::CtaUrlInvalid,
            format!("The URL is {full_length} / {URL_MAX_CHARS} characters long"),
            Some(URL_MAX_CHARS..full_length),
        ));
    }
    let host = parts.host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    if URL_SHORTENERS.contains(&host) {
        findings.push(finding(
            Code::CtaUrlShortener,
            format!("Shortened links ({host}) are not supported by Meta: use the full URL"),
            Some(parts.host_span.clone()),
        ));
    }
    if is_private_host(host) {
        findings.push(
            finding(
                Code::CtaUrlInvalid,
                format!("{host} is a private address: customers cannot open it"),
                Some(parts.host_span.clone()),
            )
            .as_warning(),
        );
    }
    let tokens = scan(url);
    for token in tokens.iter().filter(|token| !token.is_variable()) {
        findings.push(finding(
            Code::VariableMalformed,
            format!(
                "\"{}\" is not a valid variable: write {{{{1}}}}",
                written(&url_chars, &token.span)
            ),
            Some(token.span.clone()),
        ));
    }
    let variables: Vec<&VariableToken> = tokens.iter().filter(|t| t.is_variable()).collect();
    for (position, token) in variables.iter().enumerate() {
        let at_end = token.span.end == url_chars.len() && token.span.start >= parts.path_start;
        let is_first = matches!(token.kind, VariableKind::Positional(1));
        if !at_end || position > 0 || !is_first {
            findings.push(finding(
                Code::CtaUrlVariablePosition,
                "A URL may hold one variable, {{1}}, at its very end (in the path or the query string), e.g. https://example.com/order/{{1}}".to_owned(),
                Some(token.span.clone()),
            ));
        }
    }
    if !variables.is_empty()
        && button
            .sample()
            .is_none_or(|sample| sample.trim().is_empty())
    {
        findings.push(
            Diagnostic::new(
                Code::ExampleMissing,
                Component::Buttons,
                "Add a sample full URL for the button's variable: Meta reviews the template with it"
                    .to_owned(),
                None,
            )
            .in_button(index, "example"),
        );
    }
}

/// `localhost`, a loopback, private or link-local IPv4 address.
fn is_private_host(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    let octets: Vec<u8> = host
        .split('.')
        .filter_map(|part| part.parse().ok())
        .collect();
    if octets.len() != 4 || host.split('.').count() != 4 {
        return false;
    }
    matches!(
        (octets[0], octets[1]),
        (10 | 127, _) | (192, 168) | (169, 254)
    ) || (octets[0] == 172 && (16..=31).contains(&octets[1]))
}

/// The parts of an http(s) URL the rules look at, with character offsets.
struct UrlParts<'a> {
    host: &'a str,
    host_span: Range<usize>,
    /// Where the path (or the query, when there is no path) starts.
    path_start: usize,
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
        let valid_host = (host.contains('.') || host.eq_ignore_ascii_case("localhost"))
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
        let path_start = url[..scheme_length + authority_end].chars().count();
        Some(Self {
            host,
            host_span: host_start..host_start + host.chars().count(),
            path_start,
        })
    }
}
