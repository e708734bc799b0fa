//! A WhatsApp-style bubble built by the template core's preview: formatting rendered, header,
//! media placeholder, footer and buttons. Every value is a text node, so nothing becomes markup.

use herald_templates::{HeaderFormat, Preview, PreviewHeader, Segment};
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

/// The bubble for `preview`. Header, body, footer and buttons are parts, so a keystroke in the
/// body re-renders the body only and wakes nothing of the rest.
#[component]
pub fn WhatsAppPreview(preview: Signal<Preview>) -> impl IntoView {
    let parts: Parts<Preview> = Parts::new(preview);
    let header = parts.slice(|p| p.header.clone());
    let body = parts.slice(|p| p.body.clone());
    let footer = parts.slice(|p| p.footer.clone());
    let buttons = parts.slice(|p| p.buttons.clone());
    view! {
        <figure class="phone" aria-label="Preview">
            <div class="bubble" data-testid="preview">
                {move || header.get().map(|header| match header {
                    PreviewHeader::Text { segments: parts } => {
                        view! { <p class="bubble-header">{segments(parts)}</p> }.into_any()
                    }
                    PreviewHeader::Media { format, file_name } => {
                        let kind = match format {
                            HeaderFormat::Image => "Image",
                            HeaderFormat::Video => "Video",
                            HeaderFormat::Document | HeaderFormat::Text => "Document",
                        };
                        view! {
                            <div class="bubble-media">{format!("{kind}: {}", file_name.unwrap_or_else(|| "no file yet".to_owned()))}</div>
                        }.into_any()
                    }
                })}
                // Keyed: a keystroke replaces the segments it changed, not the whole body.
                <p class="bubble-body">
                    <For each=move || body.get().into_iter().enumerate() key=|(index, segment)| (*index, segment.clone()) children=|(_, segment)| span(segment) />
                </p>
                {move || footer.get().map(|footer| view! { <p class="bubble-footer">{footer}</p> })}
                <div class="bubble-buttons">
                    {move || buttons.get().into_iter().map(|button| view! {
                        <span class="bubble-button" data-kind=button.kind>{button.text}</span>
                    }).collect_view()}
                </div>
            </div>
        </figure>
    }
}
