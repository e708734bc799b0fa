//! A structured WhatsApp-style preview: header, body and footer as styled segments, and buttons.
//!
//! The preview is data, not markup: the browser renders every segment as a text node, so nothing
//! a user or a contact typed can become HTML. WhatsApp formatting (`*bold*`, `_italic_`,
//! `~strike~`, triple-backtick monospace) is read from the template's own text only; a variable's
//! value is shown literally, so a contact named `*x*` is not made bold.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Component;
use crate::mapping::{ContactFields, resolve, variables_of};
use crate::model::{Button, HeaderFormat, Template};
use crate::text::analysed;
use crate::validate::{BODY_MAX_CHARS, FOOTER_MAX_CHARS, HEADER_MAX_CHARS};
use crate::variables::{VariableToken, scan};

/// The whole bubble.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    /// Text or a media placeholder above the body.
    pub header: Option<PreviewHeader>,
    /// The body as styled segments.
    pub body: Vec<Segment>,
    /// The footer in small grey text.
    pub footer: Option<String>,
    /// Buttons under the bubble.
    pub buttons: Vec<PreviewButton>,
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
    /// A placeholder for an image, video or document.
    Media {
        /// Which kind of media.
        format: HeaderFormat,
        /// The file name, when known.
        file_name: Option<String>,
    },
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
    /// `quick_reply`, `url` or `phone_number`.
    pub kind: String,
    /// Its label.
    pub text: String,
}

/// The preview with variables filled from the template's sample values.
pub fn preview_with_samples(template: &Template) -> Preview {
    let values: HashMap<(Component, String), String> = variables_of(template)
        .into_iter()
        .filter_map(|variable| Some(((variable.component, variable.key), variable.sample?)))
        .collect();
    build(template, &|component, key| {
        values.get(&(component, key.to_owned())).cloned()
    })
}

/// The preview with variables filled from `contact` through the template's mapping.
pub fn preview_for_contact(template: &Template, contact: &dyn ContactFields) -> Preview {
    let values: HashMap<(Component, String), String> = variables_of(template)
        .into_iter()
        .filter_map(|variable| {
            let value = resolve(variable.source(template)?, contact)?;
            (!value.trim().is_empty())
                .then(|| ((variable.component, variable.key), value.to_owned()))
        })
        .collect();
    build(template, &|component, key| {
        values.get(&(component, key.to_owned())).cloned()
    })
}

type ValueOf<'a> = dyn Fn(Component, &str) -> Option<String> + 'a;

fn build(template: &Template, value_of: &ValueOf<'_>) -> Preview {
    let header = template.header().map(|header| match header.format {
        HeaderFormat::Text => PreviewHeader::Text {
            segments: format_text(
                analysed(header.text.as_deref().unwrap_or_default(), HEADER_MAX_CHARS),
                Component::Header,
                value_of,
            ),
        },
        format => PreviewHeader::Media {
            format,
            file_name: template
                .herald
                .media
                .as_ref()
                .map(|media| media.file_name.clone()),
        },
    });
    Preview {
        header,
        body: format_text(
            analysed(template.body_text(), BODY_MAX_CHARS),
            Component::Body,
            value_of,
        ),
        footer: template
            .footer()
            .map(|footer| analysed(&footer.text, FOOTER_MAX_CHARS).to_owned()),
        buttons: template
            .buttons()
            .iter()
            .map(|button| PreviewButton {
                kind: match button {
                    Button::QuickReply { .. } => "quick_reply",
                    Button::Url { .. } => "url",
                    Button::PhoneNumber { .. } => "phone_number",
                }
                .to_owned(),
                text: button.text().to_owned(),
            })
            .collect(),
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
pub(crate) fn format_text(
    text: &str,
    component: Component,
    value_of: &ValueOf<'_>,
) -> Vec<Segment> {
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
                let value = value_of(component, &key);
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
        format_text(text, Component::Body, &|_, key| Some(format!("<{key}>")))
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
        let segments = format_text("Dear *{{1}}*!", Component::Body, &|_, _| {
            Some("*Ann*".into())
        });
        assert_eq!(segments[1].text, "*Ann*");
        assert_eq!(segments[1].variable.as_deref(), Some("1"));
        assert!(segments[1].style.bold && segments[1].filled);
    }

    #[test]
    fn missing_values_show_the_placeholder() {
        let segments = format_text("Dear {{1}}, hi", Component::Body, &|_, _| None);
        assert_eq!(segments[1].text, "{{1}}");
        assert!(!segments[1].filled);
    }
}
