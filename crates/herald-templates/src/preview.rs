//! A structured WhatsApp-style preview: header, body and footer as styled segments, and buttons.
//!
//! The preview is data, not markup: the browser renders every segment as a text node, so nothing
//! a user or a contact typed can become HTML. WhatsApp formatting (`*bold*`, `_italic_`,
//! `~strike~`, triple-backtick monospace) is read from the template's own text only; a variable's
//! value is shown literally, so a contact named `*x*` is not made bold.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Component;
use crate::mapping::{ContactFields, TemplateVariable, resolve, variables_of};
use crate::model::{Button, ButtonKind, Components, Header, HeaderFormat, Template};
use crate::text::analysed;
use crate::validate::{BODY_MAX_CHARS, FOOTER_MAX_CHARS, HEADER_MAX_CHARS};
use crate::variables::{VariableToken, scan};

/// The whole bubble.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    /// Text, a media placeholder or a map pin above the body.
    pub header: Option<PreviewHeader>,
    /// A limited-time offer's title and expiry, between the header and the body.
    pub offer: Option<PreviewOffer>,
    /// The body as styled segments.
    pub body: Vec<Segment>,
    /// The footer in small grey text.
    pub footer: Option<String>,
    /// Buttons under the bubble.
    pub buttons: Vec<PreviewButton>,
    /// A carousel's cards, scrolled sideways under the bubble.
    pub cards: Vec<PreviewCard>,
}

/// A header as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PreviewHeader {
    /// Bold text.
    Text {
        /// Its segments.
        segments: Vec<Segment>,
    },
    /// A placeholder for an image, video, GIF or document.
    Media {
        /// Which kind of media.
        format: HeaderFormat,
        /// The file name, when known.
        file_name: Option<String>,
    },
    /// A map pin.
    Location {
        /// The place's name, when set.
        name: Option<String>,
        /// Its address, when set.
        address: Option<String>,
    },
    /// A product of the catalog.
    Product,
}

/// A limited-time offer as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewOffer {
    /// The offer's title.
    pub title: String,
    /// When it ends (Unix milliseconds), if it counts down and the time is known.
    pub expires_at_ms: Option<i64>,
    /// Whether it counts down.
    pub counts_down: bool,
}

/// One card of a carousel as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewCard {
    /// Its media or product header.
    pub header: Option<PreviewHeader>,
    /// Its body as styled segments.
    pub body: Vec<Segment>,
    /// Its buttons.
    pub buttons: Vec<PreviewButton>,
}

/// A run of text with one style.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Segment {
    /// The text to show (line breaks included).
    pub text: String,
    /// WhatsApp formatting applied to it.
    pub style: Style,
    /// For a variable, its key; the text is then its value, or `{{key}}` when it has none.
    pub variable: Option<String>,
    /// For a variable, whether a value filled it.
    pub filled: bool,
}

/// WhatsApp formatting flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Style {
    /// `*bold*`
    pub bold: bool,
    /// `_italic_`
    pub italic: bool,
    /// `~strike~`
    pub strike: bool,
    /// ```` ```monospace``` ````
    pub monospace: bool,
}

/// A button as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewButton {
    /// Its type in lower case: `quick_reply`, `url`, `phone_number`, `copy_code`, `otp`,
    /// `flow`, `catalog`, `mpm`, `spm`, `voice_call`, or an unknown one as written.
    pub kind: String,
    /// Its label.
    pub text: String,
    /// What it carries: a copy-code button's code (once known).
    pub detail: Option<String>,
}

/// Where a variable stands: its component, card, button and key.
type Place = (Component, Option<usize>, Option<usize>, String);

fn place_of(variable: &TemplateVariable) -> Place {
    (
        variable.component,
        variable.card,
        variable.button,
        variable.key.clone(),
    )
}

/// The preview with variables filled from the template's sample values.
pub fn preview_with_samples(template: &Template) -> Preview {
    let values: HashMap<Place, String> = variables_of(template)
        .into_iter()
        .filter_map(|variable| Some((place_of(&variable), variable.sample?)))
        .collect();
    build(template, &values)
}

/// The preview with variables filled from `contact` through the template's mapping.
pub fn preview_for_contact(template: &Template, contact: &dyn ContactFields) -> Preview {
    let values: HashMap<Place, String> = variables_of(template)
        .into_iter()
        .filter_map(|variable| {
            let value = resolve(variable.source(template)?, contact)?;
            (!value.trim().is_empty()).then(|| (place_of(&variable), value.to_owned()))
        })
        .collect();
    build(template, &values)
}

type ValueOf<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// Meta's own body and footer of an authentication template, when the file does not carry
/// them (a template as created rather than as Meta lists it).
fn authentication_texts(template: &Template) -> (String, Option<String>) {
    let body = template.body();
    let text = body.map_or("", |body| body.text.as_str());
    let body_text = if text.trim().is_empty() {
        let mut text = "*{{1}}* is your verification code.".to_owned();
        if body.and_then(|body| body.add_security_recommendation) == Some(true) {
            text.push_str(" For your security, do not share this code.");
        }
        text
    } else {
        text.to_owned()
    };
    let footer = template.footer().and_then(|footer| {
        if !footer.text.is_empty() {
            Some(footer.text.clone())
        } else {
            footer
                .code_expiration_minutes
                .map(|minutes| format!("This code expires in {minutes} minutes."))
        }
    });
    (body_text, footer)
}

fn header_of(
    header: &Header,
    media_name: Option<String>,
    value_of: &ValueOf<'_>,
    template: &Template,
) -> PreviewHeader {
    match &header.format {
        HeaderFormat::Text => PreviewHeader::Text {
            segments: format_text(
                analysed(header.text.as_deref().unwrap_or_default(), HEADER_MAX_CHARS),
                value_of,
            ),
        },
        HeaderFormat::Location => PreviewHeader::Location {
            name: template
                .herald
                .location
                .as_ref()
                .map(|place| place.name.clone()),
            address: template
                .herald
                .location
                .as_ref()
                .map(|place| place.address.clone()),
        },
        HeaderFormat::Product => PreviewHeader::Product,
        format => PreviewHeader::Media {
            format: format.clone(),
            file_name: media_name,
        },
    }
}

fn buttons_of(
    buttons: &[Button],
    value_of: &dyn Fn(usize) -> Option<String>,
) -> Vec<PreviewButton> {
    buttons
        .iter()
        .enumerate()
        .map(|(index, button)| PreviewButton {
            kind: button.kind.as_str().to_ascii_lowercase(),
            text: button.label().to_owned(),
            detail: (button.kind == ButtonKind::CopyCode)
                .then(|| value_of(index).or_else(|| button.sample().map(str::to_owned)))
                .flatten(),
        })
        .collect()
}

fn build(template: &Template, values: &HashMap<Place, String>) -> Preview {
    let lookup = |component: Component, card: Option<usize>, button: Option<usize>, key: &str| {
        values
            .get(&(component, card, button, key.to_owned()))
            .cloned()
    };
    let header = template.header().map(|header| {
        header_of(
            header,
            template
                .herald
                .media
                .as_ref()
                .map(|media| media.file_name.clone()),
            &|key| lookup(Component::Header, None, None, key),
            template,
        )
    });
    let offer = template.offer().map(|offer| {
        let counts_down = offer.has_expiration == Some(true);
        PreviewOffer {
            title: offer.text.clone(),
            counts_down,
            expires_at_ms: counts_down
                .then(|| lookup(Component::LimitedTimeOffer, None, None, "expiration_time"))
                .flatten()
                .and_then(|value| crate::render::parse_expiration(&value)),
        }
    });
    let body_value = |key: &str| lookup(Component::Body, None, None, key);
    let (body, footer) = if template.is_authentication() {
        let (text, footer) = authentication_texts(template);
        (format_text(&text, &body_value), footer)
    } else {
        (
            format_text(analysed(template.body_text(), BODY_MAX_CHARS), &body_value),
            template
                .footer()
                .map(|footer| analysed(&footer.text, FOOTER_MAX_CHARS).to_owned()),
        )
    };
    let coupon = |index: usize| lookup(Component::Buttons, None, Some(index), "coupon_code");
    let cards = template
        .cards()
        .iter()
        .enumerate()
        .map(|(index, card)| PreviewCard {
            header: card.header().map(|header| {
                header_of(
                    header,
                    template
                        .herald
                        .card_media
                        .get(index)
                        .and_then(Option::as_ref)
                        .map(|media| media.file_name.clone()),
                    &|_| None,
                    template,
                )
            }),
            body: format_text(analysed(card.body_text(), BODY_MAX_CHARS), &|key| {
                lookup(Component::Carousel, Some(index), None, key)
            }),
            buttons: buttons_of(card.buttons(), &|_| None),
        })
        .collect();
    Preview {
        header,
        offer,
        body,
        footer,
        buttons: buttons_of(template.buttons(), &coupon),
        cards,
    }
}

/// One unit of text: a character that may be a formatting marker, or a whole variable.
#[derive(Clone, Copy)]
enum Atom<'t> {
    Char(char),
    Variable(&'t VariableToken),
}

const BOLD: u8 = 1;
const ITALIC: u8 = 2;
const STRIKE: u8 = 4;
const MONOSPACE: u8 = 8;

/// Splits `text` into styled segments, with variables filled by `value_of`.
pub(crate) fn format_text(text: &str, value_of: &ValueOf<'_>) -> Vec<Segment> {
    let chars: Vec<char> = text.chars().collect();
    let tokens = scan(text);
    let mut atoms: Vec<Atom<'_>> = Vec::with_capacity(chars.len());
    let mut index = 0;
    let mut token_iter = tokens.iter().filter(|token| token.is_variable()).peekable();
    while index < chars.len() {
        if let Some(token) = token_iter.next_if(|token| token.span.start == index) {
            atoms.push(Atom::Variable(token));
            index = token.span.end;
        } else {
            atoms.push(Atom::Char(chars[index]));
            index += 1;
        }
    }

    let mut styles = vec![0_u8; atoms.len()];
    let mut hidden = vec![false; atoms.len()];
    mark_monospace(&atoms, &mut styles, &mut hidden);
    for (marker, flag) in [('*', BOLD), ('_', ITALIC), ('~', STRIKE)] {
        mark_pairs(&atoms, marker, flag, &mut styles, &mut hidden);
    }

    let mut segments: Vec<Segment> = Vec::new();
    for (position, atom) in atoms.iter().enumerate() {
        if hidden[position] {
            continue;
        }
        let style = style_of(styles[position]);
        match atom {
            Atom::Char(character) => match segments.last_mut() {
                Some(last) if last.variable.is_none() && last.style == style => {
                    last.text.push(*character);
                }
                _ => segments.push(Segment {
                    text: character.to_string(),
                    style,
                    variable: None,
                    filled: false,
                }),
            },
            Atom::Variable(token) => {
                let key = token.key().unwrap_or_default();
                let value = value_of(&key);
                segments.push(Segment {
                    filled: value.is_some(),
                    text: value.unwrap_or_else(|| format!("{{{{{key}}}}}")),
                    style,
                    variable: Some(key),
                });
            }
        }
    }
    segments
}

fn style_of(flags: u8) -> Style {
    Style {
        bold: flags & BOLD != 0,
        italic: flags & ITALIC != 0,
        strike: flags & STRIKE != 0,
        monospace: flags & MONOSPACE != 0,
    }
}

fn is_char(atoms: &[Atom<'_>], position: usize, wanted: char) -> bool {
    matches!(atoms.get(position), Some(Atom::Char(c)) if *c == wanted)
}

/// ```` ```text``` ```` pairs: the fences disappear and the inside is monospace.
fn mark_monospace(atoms: &[Atom<'_>], styles: &mut [u8], hidden: &mut [bool]) {
    let fence_at = |position: usize| (0..3).all(|offset| is_char(atoms, position + offset, '`'));
    let mut position = 0;
    while position + 3 <= atoms.len() {
        if fence_at(position) {
            let inner_start = position + 3;
            if let Some(close) =
                (inner_start + 1..=atoms.len().saturating_sub(3)).find(|&at| fence_at(at))
            {
                hidden[position..inner_start].fill(true);
                for style in &mut styles[inner_start..close] {
                    *style |= MONOSPACE;
                }
                hidden[close..close + 3].fill(true);
                position = close + 3;
                continue;
            }
            // No fence after this one: no later fence can close either.
            break;
        }
        position += 1;
    }
}

/// `*bold*`-style pairs on one line: an opening marker is preceded by the start, whitespace or
/// punctuation and followed by something other than whitespace; a closing one the reverse.
fn mark_pairs(atoms: &[Atom<'_>], marker: char, flag: u8, styles: &mut [u8], hidden: &mut [bool]) {
    let is_space_at = |position: Option<usize>| match position.and_then(|at| atoms.get(at)) {
        None => true,
        Some(Atom::Char(c)) => c.is_whitespace(),
        Some(Atom::Variable(_)) => false,
    };
    let is_boundary_at = |position: Option<usize>| match position.and_then(|at| atoms.get(at)) {
        None => true,
        Some(Atom::Char(c)) => c.is_whitespace() || (c.is_ascii_punctuation() && *c != marker),
        Some(Atom::Variable(_)) => false,
    };
    let mut open: Option<usize> = None;
    for position in 0..atoms.len() {
        if is_char(atoms, position, '\n') {
            open = None;
            continue;
        }
        if !is_char(atoms, position, marker)
            || hidden[position]
            || styles[position] & MONOSPACE != 0
        {
            continue;
        }
        let before = position.checked_sub(1);
        let after = Some(position + 1);
        match open {
            Some(start)
                if position > start + 1 && !is_space_at(before) && is_boundary_at(after) =>
            {
                hidden[start] = true;
                hidden[position] = true;
                for style in &mut styles[start + 1..position] {
                    *style |= flag;
                }
                open = None;
            }
            _ if is_boundary_at(before) && !is_space_at(after) => open = Some(position),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Vec<(String, Style)> {
        format_text(text, &|key| Some(format!("<{key}>")))
            .into_iter()
            .map(|segment| (segment.text, segment.style))
            .collect()
    }

    const B: Style = Style {
        bold: true,
        italic: false,
        strike: false,
        monospace: false,
    };
    const N: Style = Style {
        bold: false,
        italic: false,
        strike: false,
        monospace: false,
    };

    #[test]
    fn bold_markers_disappear_and_style_the_inside() {
        assert_eq!(
            plain("Hi *there* you"),
            vec![("Hi ".into(), N), ("there".into(), B), (" you".into(), N)]
        );
    }

    #[test]
    fn markers_inside_words_or_unpaired_stay_text() {
        assert_eq!(
            plain("2*3*4 and * alone"),
            vec![("2*3*4 and * alone".into(), N)]
        );
        assert_eq!(
            plain("snake_case_name"),
            vec![("snake_case_name".into(), N)]
        );
    }

    #[test]
    fn formatting_does_not_cross_lines() {
        assert_eq!(plain("*a\nb*"), vec![("*a\nb*".into(), N)]);
    }

    #[test]
    fn monospace_fences() {
        let segments = plain("```*code*```");
        assert_eq!(segments.len(), 1);
        assert_eq!(segments[0].0, "*code*");
        assert!(segments[0].1.monospace && !segments[0].1.bold);
    }

    #[test]
    fn variables_are_filled_and_take_the_surrounding_style() {
        let segments = format_text("Dear *{{1}}*!", &|_| Some("*Ann*".into()));
        assert_eq!(segments[1].text, "*Ann*");
        assert_eq!(segments[1].variable.as_deref(), Some("1"));
        assert!(segments[1].style.bold && segments[1].filled);
    }

    #[test]
    fn missing_values_show_the_placeholder() {
        let segments = format_text("Dear {{1}}, hi", &|_| None);
        assert_eq!(segments[1].text, "{{1}}");
        assert!(!segments[1].filled);
    }
}
