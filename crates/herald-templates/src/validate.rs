//! Template validation: every rule of SPEC section 3, returning every finding, not the first.
//!
//! An error is what Meta refuses today; where the seed's product is stricter, the finding is a
//! warning (each code's severity and its evidence: [`Code`] and `docs/template-rules.md`).
//! The rules of text (header, body, footer, variables, samples) are in `text.rs`, those of
//! buttons in `buttons.rs`, and those of the template kinds (carousel, limited-time offer,
//! authentication, catalog and multi-product) in `kinds.rs`.

mod buttons;
mod kinds;
mod text;

use std::collections::HashMap;
use std::ops::Range;

use crate::diagnostic::{Code, Component, Diagnostic};
use crate::languages::is_supported_language;
use crate::model::{Category, Components, HeaderFormat, MediaFile, Template};

pub use buttons::{
    BUTTON_TEXT_MAX_CHARS, BUTTONS_MAX, COPY_CODE_BUTTONS_MAX, COUPON_CODE_MAX_CHARS,
    OFFER_COUPON_CODE_MAX_CHARS, PHONE_BUTTONS_MAX, QUICK_REPLIES_MAX, QUICK_REPLIES_SHOWN,
    URL_BUTTONS_MAX, URL_MAX_CHARS, VOICE_CALL_TEXT_MAX_CHARS,
};
pub use kinds::{
    CARD_BODY_MAX_CHARS, CARD_BUTTONS_MAX, CAROUSEL_CARDS_MAX, CAROUSEL_CARDS_MIN,
    CODE_EXPIRATION_MINUTES, OFFER_BODY_MAX_CHARS, OFFER_TEXT_MAX_CHARS, SIGNATURE_HASH_CHARS,
    SUPPORTED_APPS_MAX,
};
pub use text::{
    BODY_MAX_CHARS, FOOTER_MAX_CHARS, HEADER_MAX_CHARS, TOO_MANY_VARIABLES_MESSAGE,
    WORDS_PER_VARIABLE_REFUSED, WORDS_PER_VARIABLE_SENTENCE_MIN,
};

/// Longest template name, in characters.
pub const NAME_MAX_CHARS: usize = 512;
/// Most templates per account, deleted ones excepted.
pub const TEMPLATES_PER_ACCOUNT_MAX: usize = 250;
/// Largest image header, in bytes.
pub const IMAGE_MAX_BYTES: u64 = 5 * 1024 * 1024;
/// Largest video header, in bytes.
pub const VIDEO_MAX_BYTES: u64 = 16 * 1024 * 1024;
/// Largest document header, in bytes.
pub const DOCUMENT_MAX_BYTES: u64 = 100 * 1024 * 1024;
/// Largest GIF header (an MP4 file), in bytes.
pub const GIF_MAX_BYTES: u64 = 3_670_016;

/// A rule that matches many places (every `?` of a long text) reports at most this many, so a
/// hostile 10 MB body cannot produce millions of findings.
const MAX_FINDINGS_PER_RULE: usize = 20;

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
    check_language(&mut findings, &template.language);
    kinds::check_components(&mut findings, template);
    text::check_header(
        &mut findings,
        template,
        template.header(),
        &template.herald.media,
    );
    if template.is_authentication() {
        kinds::check_authentication(&mut findings, template);
    } else {
        let single_product = template
            .buttons()
            .iter()
            .any(|button| button.kind == crate::model::ButtonKind::Spm);
        let limit = if template.offer().is_some() {
            OFFER_BODY_MAX_CHARS
        } else if single_product {
            CARD_BODY_MAX_CHARS
        } else {
            BODY_MAX_CHARS
        };
        // A template created from Meta's Template Library names it and has no components of
        // its own until Meta lists it.
        let from_library =
            template.components.is_empty() && template.other.contains_key("library_template_name");
        text::check_body(
            &mut findings,
            template.body(),
            &text::BodyRules {
                limit,
                required: !from_library,
                utility: template.category == Category::Utility,
                declared: template.parameter_format,
            },
        );
        text::check_footer(&mut findings, template);
    }
    buttons::check_buttons(&mut findings, template, template.buttons());
    kinds::check_carousel(&mut findings, template);
    kinds::check_offer(&mut findings, template);
    kinds::check_products(&mut findings, template);
    check_account(&mut findings, template, others);
    findings.into_sorted()
}

/// The findings so far; while a carousel card is checked, each is moved into that card.
#[derive(Default)]
struct Findings {
    diagnostics: Vec<Diagnostic>,
    per_rule: HashMap<(Code, Component, Option<usize>, Option<usize>), usize>,
    card: Option<usize>,
}

impl Findings {
    fn push(&mut self, diagnostic: Diagnostic) {
        let diagnostic = match self.card {
            Some(card) => diagnostic.in_card(card),
            None => diagnostic,
        };
        let count = self
            .per_rule
            .entry((
                diagnostic.code,
                diagnostic.component,
                diagnostic.card,
                diagnostic.button,
            ))
            .or_default();
        if *count < MAX_FINDINGS_PER_RULE {
            *count += 1;
            self.diagnostics.push(diagnostic);
        }
    }

    /// Runs `check` with every finding it pushes moved into card `card`.
    fn in_card(&mut self, card: usize, check: impl FnOnce(&mut Self)) {
        self.card = Some(card);
        check(self);
        self.card = None;
    }

    fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.diagnostics
            .sort_by_key(|found| (found.component, found.card, found.button, found.start));
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
        findings.push(Diagnostic::new(
            Code::NameInvalid,
            Component::Name,
            "The template name is required".to_owned(),
            Some(0..0),
        ));
        return;
    }
    if name_chars.len() > NAME_MAX_CHARS {
        findings.push(Diagnostic::new(
            Code::NameInvalid,
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
        findings.push(Diagnostic::new(
            Code::NameInvalid,
            Component::Name,
            "The template name may only contain lowercase letters, digits and underscores (_)"
                .to_owned(),
            Some(first_bad..run_end),
        ));
    }
}

fn check_category(findings: &mut Findings, category: &Category) {
    if !category.is_known() {
        findings.push(Diagnostic::new(
            Code::CategoryInvalid,
            Component::Category,
            if category.as_str().is_empty() {
                "The category is required: MARKETING, UTILITY or AUTHENTICATION".to_owned()
            } else {
                format!(
                    "\"{category}\" is not a category: choose MARKETING, UTILITY or AUTHENTICATION"
                )
            },
            None,
        ));
    }
}

fn check_language(findings: &mut Findings, language: &str) {
    if !is_supported_language(language) {
        findings.push(Diagnostic::new(
            Code::LanguageUnsupported,
            Component::Language,
            if language.is_empty() {
                "The language is required".to_owned()
            } else {
                format!("\"{language}\" is not a language Meta supports for templates")
            },
            None,
        ));
    }
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

/// The rule of a media header `format` (`None` for a header that holds no file).
pub fn media_rule(format: &HeaderFormat) -> Option<MediaRule> {
    match format {
        HeaderFormat::Image => Some(MediaRule {
            kind: "image",
            extensions: &["jpg", "jpeg", "png"],
            mime_types: &["image/jpeg", "image/png"],
            max_bytes: IMAGE_MAX_BYTES,
            allowed: "JPG, JPEG or PNG",
        }),
        HeaderFormat::Video => Some(MediaRule {
            kind: "video",
            extensions: &["3gp", "mp4"],
            mime_types: &["video/3gpp", "video/mp4"],
            max_bytes: VIDEO_MAX_BYTES,
            allowed: "3GP or MP4",
        }),
        HeaderFormat::Gif => Some(MediaRule {
            kind: "GIF",
            extensions: &["mp4"],
            mime_types: &["video/mp4"],
            max_bytes: GIF_MAX_BYTES,
            allowed: "MP4",
        }),
        HeaderFormat::Document => Some(MediaRule {
            kind: "document",
            extensions: &["pdf"],
            mime_types: &["application/pdf"],
            max_bytes: DOCUMENT_MAX_BYTES,
            allowed: "PDF",
        }),
        _ => None,
    }
}

impl MediaRule {
    /// The accepted files as users read them, e.g. `JPG, JPEG or PNG, at most 5 MB`.
    pub fn describe(&self) -> String {
        format!("{}, at most {} MB", self.allowed, megabytes(self.max_bytes))
    }
}

/// The findings about `media` as the file of a header: its type and its size. The editor asks
/// this before any upload; the validator asks it of every stored template.
pub fn check_media(rule: &MediaRule, media: &MediaFile) -> Vec<Diagnostic> {
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
        findings.push(Diagnostic::new(
            Code::HeaderMediaType,
            Component::Header,
            format!(
                "\"{}\" cannot be used: the {kind} must be a {} file",
                media.file_name, rule.allowed
            ),
            None,
        ));
    }
    if media.size_bytes > rule.max_bytes {
        findings.push(Diagnostic::new(
            Code::HeaderMediaTooLarge,
            Component::Header,
            format!(
                "The {kind} is {} MB, more than the {} MB allowed",
                megabytes(media.size_bytes),
                megabytes(rule.max_bytes)
            ),
            None,
        ));
    }
    findings
}

/// Megabytes with one decimal when it has one: `5`, `3.5`, `16.1`.
fn megabytes(bytes: u64) -> String {
    let tenths = bytes.saturating_mul(10).div_ceil(1024 * 1024);
    match tenths % 10 {
        0 => format!("{}", tenths / 10),
        decimal => format!("{}.{decimal}", tenths / 10),
    }
}

fn check_account(findings: &mut Findings, template: &Template, others: &[ExistingTemplate]) {
    if others.len() >= TEMPLATES_PER_ACCOUNT_MAX {
        findings.push(Diagnostic::new(
            Code::TemplateLimit,
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
        findings.push(Diagnostic::new(
            Code::NameDuplicate,
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
        findings.push(Diagnostic::new(
            Code::DuplicateContent,
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
