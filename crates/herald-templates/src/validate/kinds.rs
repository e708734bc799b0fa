//! The rules of the template kinds beyond header, body, footer and buttons: which components a
//! category and a kind take, carousels, limited-time offers, authentication templates, catalog
//! and multi-product templates.

use crate::diagnostic::{Code, Component, Diagnostic};
use crate::model::{
    ButtonKind, Category, ComponentKind, Components, HeaderFormat, OtpType, Template,
    TemplateComponent,
};

use super::Findings;
use super::buttons::{ButtonPlace, check_button_list, is_listed_otp_button};
use super::text::{BodyRules, check_body, check_header};

/// Fewest cards of a carousel.
pub const CAROUSEL_CARDS_MIN: usize = 2;
/// Most cards of a carousel.
pub const CAROUSEL_CARDS_MAX: usize = 10;
/// Longest carousel card body, in characters.
pub const CARD_BODY_MAX_CHARS: usize = 160;
/// Most buttons of a carousel card.
pub const CARD_BUTTONS_MAX: usize = 2;
/// Longest limited-time offer title, in characters.
pub const OFFER_TEXT_MAX_CHARS: usize = 16;
/// Longest body of a limited-time offer template, in characters.
pub const OFFER_BODY_MAX_CHARS: usize = 600;
/// Most Android apps a one-tap or zero-tap button names.
pub const SUPPORTED_APPS_MAX: usize = 5;
/// Length of an Android app's signature hash.
pub const SIGNATURE_HASH_CHARS: usize = 11;
/// The expiry an authentication footer may state, in minutes.
pub const CODE_EXPIRATION_MINUTES: std::ops::RangeInclusive<i64> = 1..=90;

fn not_allowed(findings: &mut Findings, component: Component, message: String) {
    findings.push(Diagnostic::new(
        Code::ComponentNotAllowed,
        component,
        message,
        None,
    ));
}

fn component_of(kind: &ComponentKind) -> Component {
    match kind {
        ComponentKind::Header => Component::Header,
        ComponentKind::Body => Component::Body,
        ComponentKind::Footer => Component::Footer,
        ComponentKind::Buttons => Component::Buttons,
        ComponentKind::Carousel => Component::Carousel,
        ComponentKind::LimitedTimeOffer => Component::LimitedTimeOffer,
        ComponentKind::CallPermissionRequest | ComponentKind::Other(_) => Component::Template,
    }
}

/// Unknown components, components a category or a kind does not take, and the ones a kind
/// needs.
pub(super) fn check_components(findings: &mut Findings, template: &Template) {
    let carousel = !template.cards().is_empty()
        || template
            .components
            .iter()
            .any(|component| matches!(component, TemplateComponent::Carousel(_)));
    let offer = template.offer().is_some();
    let mut seen: Vec<ComponentKind> = Vec::new();
    for component in &template.components {
        let kind = component.kind();
        if let TemplateComponent::Unsupported(_) = component {
            findings.push(Diagnostic::new(
                Code::ComponentUnsupported,
                Component::Template,
                format!(
                    "Herald does not know the component \"{kind}\" yet: it is kept as it is and shown, but Herald cannot submit it"
                ),
                None,
            ));
            continue;
        }
        if seen.contains(&kind) {
            not_allowed(
                findings,
                component_of(&kind),
                format!("The template has two {kind} components: keep one"),
            );
        }
        seen.push(kind);
    }
    let marketing_only = |findings: &mut Findings, component: Component, what: &str| {
        if template.category != Category::Marketing && template.category.is_known() {
            not_allowed(
                findings,
                component,
                format!("{what} are for MARKETING templates only"),
            );
        }
    };
    if carousel {
        marketing_only(findings, Component::Carousel, "Carousels");
        for (present, component, what) in [
            (template.header().is_some(), Component::Header, "a header"),
            (template.footer().is_some(), Component::Footer, "a footer"),
            (
                !template.buttons().is_empty(),
                Component::Buttons,
                "buttons",
            ),
        ] {
            if present {
                not_allowed(
                    findings,
                    component,
                    format!(
                        "A carousel template has no {what} of its own: each card has its header and buttons"
                    ),
                );
            }
        }
    }
    if offer {
        marketing_only(findings, Component::LimitedTimeOffer, "Limited-time offers");
        if template.footer().is_some() {
            not_allowed(
                findings,
                Component::Footer,
                "A limited-time offer template has no footer".to_owned(),
            );
        }
        if let Some(header) = template.header()
            && !matches!(header.format, HeaderFormat::Image | HeaderFormat::Video)
        {
            not_allowed(
                findings,
                Component::Header,
                "A limited-time offer's header is an image or a video".to_owned(),
            );
        }
    }
    let asks_to_call = template
        .components
        .iter()
        .any(|component| matches!(component, TemplateComponent::CallPermissionRequest(_)));
    if asks_to_call {
        if template.category == Category::Authentication {
            not_allowed(
                findings,
                Component::Template,
                "A call permission request is for MARKETING and UTILITY templates".to_owned(),
            );
        }
        if !template.buttons().is_empty() || carousel || offer {
            not_allowed(
                findings,
                Component::Template,
                "A call permission request cannot be combined with buttons, carousels or offers"
                    .to_owned(),
            );
        }
    }
    if template.is_authentication() {
        if template.header().is_some() {
            not_allowed(
                findings,
                Component::Header,
                "An authentication template has no header".to_owned(),
            );
        }
        if carousel || offer {
            not_allowed(
                findings,
                Component::Template,
                "An authentication template has a body, an optional footer and its OTP button only"
                    .to_owned(),
            );
        }
    }
}

/// AUTHENTICATION: Meta writes the body and footer; the template chooses the security
/// recommendation, the code's expiry and its one OTP button.
pub(super) fn check_authentication(findings: &mut Findings, template: &Template) {
    let creates_otp = template
        .buttons()
        .iter()
        .any(|button| button.kind == ButtonKind::Otp);
    if creates_otp && !template.body_text().trim().is_empty() {
        findings.push(Diagnostic::new(
            Code::AuthenticationBodyFixed,
            Component::Body,
            "Meta writes the text of authentication templates itself (\"{{1}} is your verification code.\"): this text is not sent".to_owned(),
            None,
        ));
    }
    if let Some(footer) = template.footer()
        && let Some(minutes) = footer.code_expiration_minutes
        && !CODE_EXPIRATION_MINUTES.contains(&minutes)
    {
        findings.push(Diagnostic::new(
            Code::CodeExpirationInvalid,
            Component::Footer,
            format!(
                "The code expires after {minutes} minutes: choose {} to {}",
                CODE_EXPIRATION_MINUTES.start(),
                CODE_EXPIRATION_MINUTES.end()
            ),
            None,
        ));
    }
    let buttons = template.buttons();
    let Some((index, button)) = buttons
        .iter()
        .enumerate()
        .find(|(_, button)| button.kind == ButtonKind::Otp || is_listed_otp_button(button))
    else {
        findings.push(Diagnostic::new(
            Code::OtpButtonInvalid,
            Component::Buttons,
            "An authentication template needs its OTP button: copy code, one-tap or zero-tap"
                .to_owned(),
            None,
        ));
        return;
    };
    if button.kind != ButtonKind::Otp {
        return;
    }
    let legacy_app = button
        .other
        .get("package_name")
        .zip(button.other.get("signature_hash"))
        .and_then(|(package, hash)| Some((package.as_str()?, hash.as_str()?)));
    let apps: Vec<(&str, &str)> = button
        .supported_apps
        .iter()
        .flatten()
        .map(|app| (app.package_name.as_str(), app.signature_hash.as_str()))
        .chain(legacy_app)
        .collect();
    let has_apps = !apps.is_empty()
        && apps.len() <= SUPPORTED_APPS_MAX
        && apps.iter().all(|(package, hash)| {
            !package.trim().is_empty() && hash.chars().count() == SIGNATURE_HASH_CHARS
        });
    let problem = match &button.otp_type {
        None => Some("choose its kind: COPY_CODE, ONE_TAP or ZERO_TAP".to_owned()),
        Some(OtpType::Other(kind)) => {
            Some(format!("\"{kind}\" is not COPY_CODE, ONE_TAP or ZERO_TAP"))
        }
        Some(OtpType::OneTap | OtpType::ZeroTap) if !has_apps => Some(format!(
            "one-tap and zero-tap buttons name 1 to {SUPPORTED_APPS_MAX} Android apps, each a package name and an {SIGNATURE_HASH_CHARS}-character signature hash"
        )),
        Some(OtpType::ZeroTap) if button.zero_tap_terms_accepted != Some(true) => {
            Some("zero-tap needs Meta's zero-tap terms accepted".to_owned())
        }
        Some(_) => None,
    };
    if let Some(problem) = problem {
        findings.push(
            Diagnostic::new(
                Code::OtpButtonInvalid,
                Component::Buttons,
                format!("The OTP button is incomplete: {problem}"),
                None,
            )
            .in_button(index, "otp_type"),
        );
    }
}

/// The signature of a card: its components' kinds, its header's format and its buttons'
/// types, which every card of a carousel shares.
fn card_shape(components: &[TemplateComponent]) -> Vec<String> {
    components
        .iter()
        .flat_map(|component| match component {
            TemplateComponent::Header(header) => vec![format!("HEADER {}", header.format)],
            TemplateComponent::Buttons(buttons) => buttons
                .buttons
                .iter()
                .map(|button| format!("BUTTON {}", button.kind))
                .collect(),
            other => vec![other.kind().to_string()],
        })
        .collect()
}

pub(super) fn check_carousel(findings: &mut Findings, template: &Template) {
    if !template
        .components
        .iter()
        .any(|component| matches!(component, TemplateComponent::Carousel(_)))
    {
        return;
    }
    let cards = template.cards();
    if !(CAROUSEL_CARDS_MIN..=CAROUSEL_CARDS_MAX).contains(&cards.len()) {
        findings.push(Diagnostic::new(
            Code::CarouselCardsCount,
            Component::Carousel,
            format!(
                "The carousel has {} cards: it needs {CAROUSEL_CARDS_MIN} to {CAROUSEL_CARDS_MAX}",
                cards.len()
            ),
            None,
        ));
    }
    let first_shape = cards.first().map(|card| card_shape(&card.components));
    let utility = template.category == Category::Utility;
    for (index, card) in cards.iter().enumerate() {
        let media = template.herald.card_media.get(index).cloned().flatten();
        findings.in_card(index, |findings| {
            match card.header().map(|header| &header.format) {
                Some(HeaderFormat::Image | HeaderFormat::Video | HeaderFormat::Product) => {}
                _ => findings.push(Diagnostic::new(
                    Code::CarouselCardHeader,
                    Component::Header,
                    "Each card needs an image or a video header".to_owned(),
                    None,
                )),
            }
            check_header(findings, template, card.header(), &media);
            check_body(
                findings,
                card.body(),
                &BodyRules {
                    limit: CARD_BODY_MAX_CHARS,
                    required: false,
                    utility,
                    declared: template.parameter_format,
                },
            );
            check_button_list(findings, template, card.buttons(), ButtonPlace::Card);
            for component in &card.components {
                if matches!(
                    component,
                    TemplateComponent::Footer(_)
                        | TemplateComponent::Carousel(_)
                        | TemplateComponent::LimitedTimeOffer(_)
                        | TemplateComponent::CallPermissionRequest(_)
                        | TemplateComponent::Unsupported(_)
                ) {
                    let kind = component.kind();
                    findings.push(Diagnostic::new(
                        Code::ComponentNotAllowed,
                        component_of(&kind),
                        format!("A card holds a header, a body and buttons only, not {kind}"),
                        None,
                    ));
                }
            }
            if index > 0 && first_shape.as_ref() != Some(&card_shape(&card.components)) {
                findings.push(Diagnostic::new(
                    Code::CarouselCardsDiffer,
                    Component::Carousel,
                    format!(
                        "Card {} differs from card 1: every card has the same components, header type and buttons",
                        index + 1
                    ),
                    None,
                ));
            }
        });
    }
}

pub(super) fn check_offer(findings: &mut Findings, template: &Template) {
    let Some(offer) = template.offer() else {
        return;
    };
    let length = offer.text.chars().count();
    if offer.text.trim().is_empty() || length > OFFER_TEXT_MAX_CHARS {
        findings.push(
            Diagnostic::new(
                Code::OfferTextInvalid,
                Component::LimitedTimeOffer,
                if length > OFFER_TEXT_MAX_CHARS {
                    format!(
                        "The offer's title is {length} / {OFFER_TEXT_MAX_CHARS} characters long"
                    )
                } else {
                    "The offer needs a title".to_owned()
                },
                Some(OFFER_TEXT_MAX_CHARS.min(length)..length),
            )
            .in_field("text"),
        );
    }
    let buttons = template.buttons();
    if !buttons.iter().any(|button| button.kind == ButtonKind::Url) {
        findings.push(Diagnostic::new(
            Code::ComponentMissing,
            Component::Buttons,
            "A limited-time offer needs a URL button".to_owned(),
            None,
        ));
    }
    if offer.has_expiration == Some(true)
        && buttons
            .first()
            .is_none_or(|button| button.kind != ButtonKind::CopyCode)
    {
        findings.push(Diagnostic::new(
            Code::ComponentMissing,
            Component::Buttons,
            "An offer that counts down needs a copy-code button, first among its buttons"
                .to_owned(),
            None,
        ));
    }
}

/// Catalog and multi-product templates: one button, and a text header for multi-product ones.
pub(super) fn check_products(findings: &mut Findings, template: &Template) {
    let multi_product = template
        .buttons()
        .iter()
        .any(|button| button.kind == ButtonKind::Mpm);
    if multi_product && template.header_text().is_none() {
        findings.push(Diagnostic::new(
            Code::ComponentMissing,
            Component::Header,
            "A multi-product template needs a text header".to_owned(),
            None,
        ));
    }
}
