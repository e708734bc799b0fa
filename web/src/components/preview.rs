//! A WhatsApp-style bubble built by the template core's preview: formatting rendered, header,
//! media placeholder or map pin, a limited-time offer with its countdown, footer, buttons (a
//! copy-code button shows its code), and a carousel's cards side by side, scrolled sideways.
//! Every value is a text node, so nothing becomes markup.

use herald_templates::{
    HeaderFormat, Preview, PreviewButton, PreviewHeader, PreviewOffer, Segment,
};
use leptos::prelude::*;

use crate::reactive::Parts;

fn span(segment: Segment) -> impl IntoView {
    let style = segment.style;
    view! {
        <span
            class:bold=style.bold
            class:italic=style.italic
            class:strike=style.strike
            class:mono=style.monospace
            class:variable=segment.variable.is_some()
            class:unfilled=segment.variable.is_some() && !segment.filled
        >
            {segment.text}
        </span>
    }
}

fn segments(parts: Vec<Segment>) -> impl IntoView {
    parts.into_iter().map(span).collect_view()
}

fn header_view(header: PreviewHeader) -> AnyView {
    match header {
        PreviewHeader::Text { segments: parts } => {
            view! { <p class="bubble-header">{segments(parts)}</p> }.into_any()
        }
        PreviewHeader::Media { format, file_name } => {
            let kind = match format {
                HeaderFormat::Image => "Image",
                HeaderFormat::Video => "Video",
                HeaderFormat::Gif => "GIF",
                _ => "Document",
            };
            view! {
                <div class="bubble-media">{format!("{kind}: {}", file_name.unwrap_or_else(|| "no file yet".to_owned()))}</div>
            }
            .into_any()
        }
        PreviewHeader::Location { name, address } => view! {
            <div class="bubble-media bubble-location" data-testid="preview-location">
                {format!("📍 {}", [name, address].into_iter().flatten().filter(|part| !part.is_empty()).collect::<Vec<_>>().join(", "))}
            </div>
        }
        .into_any(),
        PreviewHeader::Product => {
            view! { <div class="bubble-media">"Product from the catalog"</div> }.into_any()
        }
    }
}

fn buttons_view(buttons: Vec<PreviewButton>) -> impl IntoView {
    buttons
        .into_iter()
        .map(|button| {
            let code = button.detail.clone();
            view! {
                <span class="bubble-button" data-kind=button.kind>
                    {button.text}
                    {code.map(|code| view! { <small class="bubble-code" data-testid="coupon-code">{code}</small> })}
                </span>
            }
        })
        .collect_view()
}

/// The offer's title and when it ends, counted from the browser's clock.
fn offer_view(offer: PreviewOffer) -> impl IntoView {
    // Integer milliseconds: formatting floats would add their code to the bundle.
    #[allow(clippy::cast_possible_truncation)]
    let now_ms = js_sys::Date::now() as i64;
    let ends = offer.counts_down.then(|| match offer.expires_at_ms {
        Some(at) if at <= now_ms => "Offer ended".to_owned(),
        Some(at) => {
            let left_minutes = (at - now_ms) / 60_000;
            let hours = left_minutes / 60;
            if hours >= 24 {
                format!("Ends in {} days", hours / 24)
            } else {
                format!("Ends in {hours} h {} min", left_minutes % 60)
            }
        }
        None => "Ends in … (each contact's expiry)".to_owned(),
    });
    view! {
        <div class="bubble-offer" data-testid="preview-offer">
            <strong>{offer.title}</strong>
            {ends.map(|ends| view! { <small class="bubble-countdown">{ends}</small> })}
        </div>
    }
}

/// The bubble for `preview`. Header, body, footer and buttons are parts, so a keystroke in the
/// body re-renders the body only and wakes nothing of the rest.
#[component]
pub fn WhatsAppPreview(preview: Signal<Preview>) -> impl IntoView {
    let parts: Parts<Preview> = Parts::new(preview);
    let header = parts.slice(|p| p.header.clone());
    let offer = parts.slice(|p| p.offer.clone());
    let body = parts.slice(|p| p.body.clone());
    let footer = parts.slice(|p| p.footer.clone());
    let buttons = parts.slice(|p| p.buttons.clone());
    let cards = parts.slice(|p| p.cards.clone());
    view! {
        <figure class="phone" aria-label="Preview">
            <div class="bubble" data-testid="preview">
                {move || header.get().map(header_view)}
                {move || offer.get().map(offer_view)}
                // Keyed: a keystroke replaces the segments it changed, not the whole body.
                <p class="bubble-body">
                    <For each=move || body.get().into_iter().enumerate() key=|(index, segment)| (*index, segment.clone()) children=|(_, segment)| span(segment) />
                </p>
                {move || footer.get().map(|footer| view! { <p class="bubble-footer">{footer}</p> })}
                <div class="bubble-buttons">{move || buttons_view(buttons.get())}</div>
            </div>
            <Show when=move || cards.with(|cards| !cards.is_empty())>
                <div class="bubble-cards" data-testid="preview-cards" tabindex="0" aria-label="Carousel cards">
                    {move || cards.get().into_iter().map(|card| view! {
                        <div class="bubble bubble-card" data-testid="preview-card">
                            {card.header.map(header_view)}
                            <p class="bubble-body">{segments(card.body)}</p>
                            <div class="bubble-buttons">{buttons_view(card.buttons)}</div>
                        </div>
                    }).collect_view()}
                </div>
            </Show>
        </figure>
    }
}
