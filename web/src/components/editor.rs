//! The template editor: every field of SPEC section 3, for every kind of template (standard,
//! carousel, limited-time offer, catalog, multi-product, authentication). On each keystroke the
//! template core validates the whole template; each finding is shown next to its field, the
//! offending characters are underlined in a copy of the text, and counters follow the limits.

use herald_templates::{
    BODY_MAX_CHARS, BUTTON_TEXT_MAX_CHARS, Button, ButtonKind, CARD_BODY_MAX_CHARS,
    CAROUSEL_CARDS_MAX, Category, Component, Components, Diagnostic, FOOTER_MAX_CHARS,
    HEADER_MAX_CHARS, Header, HeaderFormat, Location, MediaFile, NAME_MAX_CHARS,
    OFFER_TEXT_MAX_CHARS, Offer, OtpType, ProductSection, ProductSelection, SUPPORTED_LANGUAGES,
    Severity, SupportedApp, Template, TemplateComponent, TemplateKind, VariableUse, check_media,
    media_rule, variables_of,
};
use leptos::html;
use leptos::prelude::*;

use crate::components::diagnostics::{FieldDiagnostics, has_error};
use crate::reactive::{Parts, deferred};

/// The findings of one part, as a memo so that a field whose findings did not change is not
/// touched.
fn findings_where(
    findings: Signal<Vec<Diagnostic>>,
    wanted: impl Fn(&Diagnostic) -> bool + Send + Sync + 'static,
) -> Signal<Vec<Diagnostic>> {
    Signal::from(Memo::new(move |_| {
        findings.with(|all| {
            all.iter()
                .filter(|finding| wanted(finding))
                .cloned()
                .collect::<Vec<_>>()
        })
    }))
}

/// Edits `template` in place; `findings` are the core's findings plus the server's.
#[component]
pub fn TemplateEditor(
    template: RwSignal<Template>,
    findings: Signal<Vec<Diagnostic>>,
    /// True while the provider reviews the template: only settings and mapping may change.
    #[prop(into)]
    locked: Signal<bool>,
) -> impl IntoView {
    let of = move |component: Component| {
        findings_where(findings, move |finding| finding.component == component)
    };
    // Parts, not memos: a keystroke in the body wakes none of the other fields' effects.
    let parts = Parts::new(template);
    let text_of = move |read: fn(&Template) -> String| Signal::from(parts.slice(read));
    let flag_of = move |read: fn(&Template) -> bool| parts.slice(read);
    let kind = parts.slice(Template::kind);
    let unsupported = parts.slice(|t| {
        t.components
            .iter()
            .filter(|component| matches!(component, TemplateComponent::Unsupported(_)))
            .map(|component| component.kind().to_string())
            .collect::<Vec<_>>()
    });
    view! {
        <fieldset class="editor" prop:disabled=locked>
            <legend>"Template"</legend>
            <TextField
                id="template-name" label="Name" limit=NAME_MAX_CHARS findings=of(Component::Name)
                value=text_of(|t| t.name.clone())
                on_change=move |value| template.update(|t| t.name = value)
            />
            <div class="field">
                <label for="template-language">"Language"</label>
                <select
                    id="template-language"
                    prop:value=text_of(|t| t.language.clone())
                    on:change=move |event| template.update(|t| t.language = event_target_value(&event))
                >
                    <option value="">"Choose a language"</option>
                    {SUPPORTED_LANGUAGES.iter().map(|(code, name)| view! {
                        <option value=*code>{format!("{name} ({code})")}</option>
                    }).collect_view()}
                </select>
                <FieldDiagnostics findings=of(Component::Language) />
            </div>
            <div class="field">
                <label for="template-kind">"Kind"</label>
                <select
                    id="template-kind"
                    prop:value=move || kind.get().as_str()
                    on:change=move |event| {
                        if let Some(chosen) = TemplateKind::parse(&event_target_value(&event)) {
                            template.update(|t| t.set_kind(chosen));
                        }
                    }
                >
                    {TemplateKind::ALL.iter().map(|kind| view! {
                        <option value=kind.as_str()>{kind.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <Show when=move || kind.get() != TemplateKind::Authentication>
                <div class="field">
                    <label for="template-category">"Category"</label>
                    <select
                        id="template-category"
                        prop:value=text_of(|t| t.category.to_string())
                        on:change=move |event| template.update(|t| t.category = Category::parse(&event_target_value(&event)))
                    >
                        <option value="">"Choose a category"</option>
                        <option value="MARKETING">"Marketing"</option>
                        <option value="UTILITY">"Utility"</option>
                    </select>
                    <FieldDiagnostics findings=of(Component::Category) />
                </div>
            </Show>
            {move || match kind.get() {
                TemplateKind::Authentication => view! {
                    <AuthenticationField template parts findings=of(Component::Buttons) footer=of(Component::Footer) />
                }.into_any(),
                TemplateKind::Carousel => view! {
                    <BodyField template parts findings=of(Component::Body) />
                    <Samples template parts />
                    <CardsField template parts findings />
                }.into_any(),
                TemplateKind::LimitedTimeOffer => view! {
                    <HeaderField template parts findings=of(Component::Header) formats=&[HeaderFormat::Image, HeaderFormat::Video] />
                    <OfferField template parts findings=of(Component::LimitedTimeOffer) />
                    <BodyField template parts findings=of(Component::Body) />
                    <Samples template parts />
                    <ButtonsField template parts findings=of(Component::Buttons) kinds=&[ButtonKind::CopyCode, ButtonKind::Url] />
                }.into_any(),
                chosen => view! {
                    <HeaderField template parts findings=of(Component::Header) formats=if chosen == TemplateKind::MultiProduct { &[HeaderFormat::Text] } else { STANDARD_HEADERS } />
                    <BodyField template parts findings=of(Component::Body) />
                    <Samples template parts />
                    <TextField
                        id="template-footer" label="Footer (optional)" limit=FOOTER_MAX_CHARS findings=of(Component::Footer)
                        value=text_of(|t| t.footer_text().to_owned())
                        on_change=move |value| template.update(|t| t.set_footer_text(value))
                    />
                    <ButtonsField template parts findings=of(Component::Buttons) kinds=match chosen {
                        TemplateKind::Catalog => &[ButtonKind::Catalog],
                        TemplateKind::MultiProduct => &[ButtonKind::Mpm],
                        _ => STANDARD_BUTTONS,
                    } />
                    <Show when=move || chosen != TemplateKind::Standard>
                        <ProductsField template parts multi=chosen == TemplateKind::MultiProduct />
                    </Show>
                }.into_any(),
            }}
            <Show when=move || unsupported.with(|found| !found.is_empty())>
                <p class="notice" data-testid="unsupported">
                    {move || format!("Kept as they are, not editable here: {}", unsupported.get().join(", "))}
                </p>
            </Show>
            <div class="field checkboxes">
                <label>
                    <input type="checkbox"
                        prop:checked=flag_of(|t| t.herald.recontact)
                        on:change=move |event| template.update(|t| t.herald.recontact = event_target_checked(&event)) />
                    " Recontact template (reopens an expired conversation)"
                </label>
                <label>
                    <input type="checkbox"
                        prop:checked=flag_of(|t| t.herald.available_to_agents)
                        on:change=move |event| template.update(|t| t.herald.available_to_agents = event_target_checked(&event)) />
                    " Available to agents"
                </label>
            </div>
            <FieldDiagnostics findings=of(Component::Template) />
        </fieldset>
    }
}

/// The header formats a standard template offers.
const STANDARD_HEADERS: &[HeaderFormat] = &[
    HeaderFormat::Text,
    HeaderFormat::Image,
    HeaderFormat::Video,
    HeaderFormat::Document,
    HeaderFormat::Gif,
    HeaderFormat::Location,
];

/// The button types a standard template offers.
const STANDARD_BUTTONS: &[ButtonKind] = &[
    ButtonKind::QuickReply,
    ButtonKind::Url,
    ButtonKind::PhoneNumber,
    ButtonKind::CopyCode,
    ButtonKind::Flow,
    ButtonKind::VoiceCall,
];

/// The button types a carousel card takes.
const CARD_BUTTONS: &[ButtonKind] = &[
    ButtonKind::QuickReply,
    ButtonKind::Url,
    ButtonKind::PhoneNumber,
];

fn format_label(format: &HeaderFormat) -> &str {
    match format {
        HeaderFormat::Text => "Text",
        HeaderFormat::Image => "Image",
        HeaderFormat::Video => "Video",
        HeaderFormat::Document => "Document",
        HeaderFormat::Gif => "GIF",
        HeaderFormat::Location => "Location",
        HeaderFormat::Product => "Product",
        HeaderFormat::Other(other) => other,
    }
}

fn button_label(kind: &ButtonKind) -> &str {
    match kind {
        ButtonKind::QuickReply => "Quick reply",
        ButtonKind::Url => "Website",
        ButtonKind::PhoneNumber => "Call phone number",
        ButtonKind::CopyCode => "Copy offer code",
        ButtonKind::Otp => "One-time passcode",
        ButtonKind::Flow => "Open a Flow",
        ButtonKind::Catalog => "View catalog",
        ButtonKind::Mpm => "View items",
        ButtonKind::Spm => "View product",
        ButtonKind::VoiceCall => "Call on WhatsApp",
        ButtonKind::Other(other) => other,
    }
}

/// A one-line text input with its counter and findings.
#[component]
fn TextField(
    id: &'static str,
    label: &'static str,
    limit: usize,
    value: Signal<String>,
    findings: Signal<Vec<Diagnostic>>,
    on_change: impl Fn(String) + 'static,
) -> impl IntoView {
    let length = move || value.with(|text| text.chars().count());
    let counter_id = format!("{id}-counter");
    let described = format!("{counter_id} {id}-findings");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                type="text"
                prop:value=value
                aria-invalid=move || has_error(&findings.get()).to_string()
                aria-describedby=described
                on:input=move |event| on_change(event_target_value(&event))
            />
            <p id=counter_id class="counter" class:over=move || { length() > limit } data-testid=format!("{id}-counter")>
                {move || format!("{} / {limit}", length())}
            </p>
            <FieldDiagnostics findings id=format!("{id}-findings") />
        </div>
    }
}

/// Header: none, one of `formats`: text (with its counter), media (with a drop zone that checks
/// the file) or a location (its place).
#[component]
fn HeaderField(
    template: RwSignal<Template>,
    parts: Parts<Template>,
    findings: Signal<Vec<Diagnostic>>,
    formats: &'static [HeaderFormat],
) -> impl IntoView {
    let format = parts.slice(|t| t.header().map(|header| header.format.clone()));
    let choose = move |choice: String| {
        template.update(|t| {
            let format = formats
                .iter()
                .find(|format| format.as_str() == choice)
                .cloned();
            if format
                .as_ref()
                .is_none_or(|format| media_rule(format).is_none())
            {
                t.herald.media = None;
            }
            if format != Some(HeaderFormat::Location) {
                t.herald.location = None;
            }
            t.set_header(format.map(Header::new));
        });
    };
    let header_text = Signal::from(parts.slice(|t| t.header_text().unwrap_or_default().to_owned()));
    view! {
        <div class="field">
            <label for="template-header-format">"Header"</label>
            <select
                id="template-header-format"
                prop:value=move || format.get().map_or_else(|| "NONE".to_owned(), |format| format.to_string())
                on:change=move |event| choose(event_target_value(&event))
            >
                <option value="NONE">"None"</option>
                {formats.iter().map(|format| view! {
                    <option value=format.as_str().to_owned()>{format_label(format).to_owned()}</option>
                }).collect_view()}
            </select>
        </div>
        {move || match format.get() {
            Some(HeaderFormat::Text) => view! {
                <TextField
                    id="template-header" label="Header text" limit=HEADER_MAX_CHARS findings
                    value=header_text
                    on_change=move |value| template.update(|t| {
                        let header = t.header().cloned().unwrap_or_else(|| Header::new(HeaderFormat::Text));
                        t.set_header(Some(Header { text: Some(value), ..header }));
                    })
                />
            }.into_any(),
            Some(HeaderFormat::Location) => view! {
                <LocationField template parts />
                <FieldDiagnostics findings />
            }.into_any(),
            Some(media) if media_rule(&media).is_some() => view! {
                <MediaDrop
                    id="template-media".to_owned()
                    format=media
                    name=Signal::from(parts.slice(|t| t.herald.media.as_ref().map(|media| media.file_name.clone())))
                    link=Signal::from(parts.slice(|t| t.herald.media.as_ref().and_then(|media| media.link.clone()).unwrap_or_default()))
                    on_file=move |file| template.update(|t| t.herald.media = Some(MediaFile { link: t.herald.media.take().and_then(|media| media.link), ..file }))
                    on_link=move |link: String| template.update(|t| t.herald.media = MediaFile::linked(t.herald.media.take(), &link))
                    findings
                />
            }.into_any(),
            _ => view! { <FieldDiagnostics findings /> }.into_any(),
        }}
    }
}

/// The place a location header shows, given at send time.
#[component]
fn LocationField(template: RwSignal<Template>, parts: Parts<Template>) -> impl IntoView {
    let place = parts.slice(|t| t.herald.location.clone().unwrap_or_default());
    let edit = move |change: fn(&mut Location, String), value: String| {
        template.update(|t| {
            change(
                t.herald.location.get_or_insert_with(Location::default),
                value,
            )
        });
    };
    view! {
        <div class="field location" data-testid="location">
            <p class="field-title">"Place shown in the header (the same for every contact)"</p>
            <label for="location-latitude">"Latitude"</label>
            <input id="location-latitude" type="text" inputmode="decimal" prop:value=move || place.with(|p| p.latitude.clone())
                on:input=move |event| edit(|p, v| p.latitude = v, event_target_value(&event)) />
            <label for="location-longitude">"Longitude"</label>
            <input id="location-longitude" type="text" inputmode="decimal" prop:value=move || place.with(|p| p.longitude.clone())
                on:input=move |event| edit(|p, v| p.longitude = v, event_target_value(&event)) />
            <label for="location-name">"Name"</label>
            <input id="location-name" type="text" prop:value=move || place.with(|p| p.name.clone())
                on:input=move |event| edit(|p, v| p.name = v, event_target_value(&event)) />
            <label for="location-address">"Address"</label>
            <input id="location-address" type="text" prop:value=move || place.with(|p| p.address.clone())
                on:input=move |event| edit(|p, v| p.address = v, event_target_value(&event)) />
        </div>
    }
}

/// Why the core refuses `file` for a `format` header, checked before any upload.
pub fn media_refusal(format: &HeaderFormat, file: &MediaFile) -> Option<String> {
    let findings = check_media(&media_rule(format)?, file);
    (!findings.is_empty()).then(|| {
        findings
            .into_iter()
            .map(|finding| finding.message)
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// A drop zone (or file picker) for a header's media; the file is checked here, in the browser,
/// and given to `on_file` only when the core accepts it. Its public link, which Meta fetches the
/// media from at send time, is typed beside it.
#[component]
fn MediaDrop(
    id: String,
    format: HeaderFormat,
    name: Signal<Option<String>>,
    link: Signal<String>,
    on_file: impl Fn(MediaFile) + Copy + 'static,
    on_link: impl Fn(String) + Copy + 'static,
    findings: Signal<Vec<Diagnostic>>,
) -> impl IntoView {
    let refusal = RwSignal::new(None::<String>);
    let rule = media_rule(&format).map_or_else(String::new, |rule| rule.describe());
    let format = StoredValue::new(format);
    let take = move |file: web_sys::File| {
        let media = MediaFile {
            file_name: file.name(),
            mime_type: file.type_(),
            size_bytes: file.size() as u64,
            link: None,
        };
        match format.with_value(|format| media_refusal(format, &media)) {
            Some(reason) => refusal.set(Some(reason)),
            None => {
                refusal.set(None);
                on_file(media);
            }
        }
    };
    let input_ref = NodeRef::<html::Input>::new();
    view! {
        <div
            class="drop-zone"
            data-testid="media-drop"
            on:dragover=move |event| event.prevent_default()
            on:drop=move |event: web_sys::DragEvent| {
                event.prevent_default();
                if let Some(file) = event.data_transfer().and_then(|data| data.files()).and_then(|files| files.get(0)) {
                    take(file);
                }
            }
        >
            <label for=id.clone()>{format!("Drop the file here or choose it ({rule})")}</label>
            <input
                id=id.clone()
                type="file"
                node_ref=input_ref
                on:change=move |_| {
                    if let Some(file) = input_ref.get().and_then(|input| input.files()).and_then(|files| files.get(0)) {
                        take(file);
                    }
                }
            />
            <p class="media-name">{name}</p>
            <label for=format!("{id}-link")>"Public link of the file (Meta fetches it when sending)"</label>
            <input id=format!("{id}-link") type="url" inputmode="url" placeholder="https://"
                prop:value=link on:input=move |event| on_link(event_target_value(&event)) />
            <Show when=move || refusal.with(Option::is_some)>
                <p class="diagnostic error" role="alert" data-code="media_refused">{move || refusal.get()}</p>
            </Show>
            <FieldDiagnostics findings />
        </div>
    }
}

/// The body: text area, "Add variable", counter, the text with its offending characters
/// underlined, and the findings.
#[component]
fn BodyField(
    template: RwSignal<Template>,
    parts: Parts<Template>,
    findings: Signal<Vec<Diagnostic>>,
) -> impl IntoView {
    // A part in the same effect as the template's other parts: the underlined copy, which reads
    // the text and the findings, is drawn once when both change.
    let text = parts.slice(|t| t.body_text().to_owned());
    let length = move || text.with(|text| text.chars().count());
    // The copy with underlines is drawn only while a finding points into the text: otherwise a
    // second kilobyte of text would be laid out on every keystroke for nothing.
    let marks_shown = Memo::new(move |_| findings.with(|found| found.iter().any(points_into_body)));
    let area = NodeRef::<html::Textarea>::new();
    // The text area's value as last typed or written: writing the same kilobyte back into it
    // on every keystroke would cost a string crossing and the browser's compare.
    let in_area = StoredValue::new(String::new());
    let show = move |area: &web_sys::HtmlTextAreaElement, text: &str| {
        area.set_value(text);
        in_area.set_value(text.to_owned());
    };
    Effect::new(move |_| {
        text.with(|text| {
            if in_area.with_value(|shown| shown != text)
                && let Some(area) = area.get()
            {
                show(&area, text);
            }
        });
    });
    let add_variable = move |_| {
        let number = template.with(|t| t.next_body_variable());
        let token = format!("{{{{{number}}}}}");
        let current = text.get_untracked();
        let cursor = area
            .get()
            .and_then(|area| area.selection_start().ok().flatten())
            .map_or(current.encode_utf16().count(), |at| at as usize);
        let (before, after) = split_at_utf16(&current, cursor);
        let written = format!("{before}{token}{after}");
        // Written at once, so the caret set below is not moved to the end by a later write.
        if let Some(area) = area.get() {
            show(&area, &written);
            let caret = (before.encode_utf16().count() + token.len()) as u32;
            let _ = area.focus();
            let _ = area.set_selection_range(caret, caret);
        }
        template.update(|t| t.set_body_text(written));
    };
    view! {
        <div class="field">
            <label for="body">"Message content"</label>
            <textarea
                id="body"
                node_ref=area
                aria-invalid=move || has_error(&findings.get()).to_string()
                aria-describedby="body-counter body-diagnostics"
                on:input=move |event| {
                    let value = event_target_value(&event);
                    in_area.set_value(value.clone());
                    template.update(|t| t.set_body_text(value));
                }
            ></textarea>
            <div class="field-tools">
                <button type="button" on:click=add_variable>"Add variable"</button>
                <p id="body-counter" class="counter" class:over=move || { length() > BODY_MAX_CHARS } data-testid="body-counter">
                    {move || format!("{} / {BODY_MAX_CHARS}", length())}
                </p>
            </div>
            <Show when=move || marks_shown.get()>
                <p class="marked" data-testid="body-marks" aria-hidden="true">
                    {move || marked(&text.get(), &findings.get())}
                </p>
            </Show>
            <FieldDiagnostics findings id="body-diagnostics".to_owned() testid="diagnostics" />
        </div>
    }
}

/// Splits `text` at a cursor given in UTF-16 units (what the DOM counts).
fn split_at_utf16(text: &str, cursor: usize) -> (&str, &str) {
    let mut units = 0;
    for (index, character) in text.char_indices() {
        if units >= cursor {
            return text.split_at(index);
        }
        units += character.len_utf16();
    }
    (text, "")
}

/// Whether `finding` underlines characters of the body.
fn points_into_body(finding: &Diagnostic) -> bool {
    finding.field.is_none() && finding.start.is_some() && finding.end.is_some()
}

/// The text as runs, the characters some finding points at underlined.
fn marked(text: &str, findings: &[Diagnostic]) -> impl IntoView + use<> {
    let characters: Vec<char> = text.chars().collect();
    let mut flagged: Vec<Option<Severity>> = vec![None; characters.len()];
    for finding in findings.iter().filter(|finding| points_into_body(finding)) {
        if let (Some(start), Some(end)) = (finding.start, finding.end) {
            for slot in flagged
                .iter_mut()
                .take(end.min(characters.len()))
                .skip(start)
            {
                if *slot != Some(Severity::Error) {
                    *slot = Some(finding.severity);
                }
            }
        }
    }
    let mut runs: Vec<(Option<Severity>, String)> = Vec::new();
    for (character, flag) in characters.into_iter().zip(flagged) {
        match runs.last_mut() {
            Some((last, run)) if *last == flag => run.push(character),
            _ => runs.push((flag, character.to_string())),
        }
    }
    runs.into_iter()
        .map(|(flag, run)| match flag {
            Some(Severity::Error) => view! { <mark class="error">{run}</mark> }.into_any(),
            Some(Severity::Warning) => view! { <mark class="warning">{run}</mark> }.into_any(),
            None => view! { <span>{run}</span> }.into_any(),
        })
        .collect_view()
}

/// A sample value input for each variable, as the variables are typed (built when the browser
/// is next idle: see [`deferred`]).
#[component]
fn Samples(template: RwSignal<Template>, parts: Parts<Template>) -> impl IntoView {
    let variables = deferred(parts.slice(|t| {
        variables_of(t)
            .into_iter()
            .filter(|variable| variable.usage != VariableUse::OfferExpiration)
            .collect::<Vec<_>>()
    }));
    view! {
        <Show when=move || variables.with(|found| !found.is_empty())>
            <div class="field samples" data-testid="samples">
                <p class="field-title">"Sample values (Meta reviews the template with them)"</p>
                <For
                    each=move || variables.get()
                    key=|variable| variable.label()
                    let:variable
                >
                    {
                        let label = variable.label();
                        let id = format!("sample-{}", label.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
                        let shown = variable.clone();
                        view! {
                            <label for=id.clone()>{format!("Sample for {label}")}</label>
                            <input
                                id=id
                                type="text"
                                prop:value=shown.sample.unwrap_or_default()
                                on:input=move |event| {
                                    let value = event_target_value(&event);
                                    template.update(|t| t.set_sample(&variable, value));
                                }
                            />
                        }
                    }
                </For>
            </div>
        </Show>
    }
}

/// Where a list of buttons is: the template's, or a carousel card's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ButtonsOf {
    Template,
    Card(usize),
}

impl ButtonsOf {
    fn read(self, t: &Template) -> Vec<Button> {
        match self {
            Self::Template => t.buttons().to_vec(),
            Self::Card(card) => t
                .cards()
                .get(card)
                .map(|card| card.buttons().to_vec())
                .unwrap_or_default(),
        }
    }

    fn write(self, t: &mut Template, buttons: Vec<Button>) {
        match self {
            Self::Template => t.set_buttons(buttons),
            Self::Card(card) => t.edit_card(card, |card| card.set_buttons(buttons)),
        }
    }

    fn id(self, index: usize, field: &str) -> String {
        match self {
            Self::Template => format!("button-{index}-{field}"),
            Self::Card(card) => format!("card-{card}-button-{index}-{field}"),
        }
    }
}

/// One editable field of a button.
#[derive(Clone, Copy)]
struct ButtonField {
    name: &'static str,
    label: &'static str,
    read: fn(&Button) -> String,
    write: fn(&mut Button, String),
}

/// The fields a button of `kind` has besides its label.
fn fields_of(kind: &ButtonKind) -> &'static [ButtonField] {
    const URL: ButtonField = ButtonField {
        name: "target",
        label: "URL (may end with {{1}})",
        read: |b| b.url_text().to_owned(),
        write: |b, v| b.url = Some(v),
    };
    const PHONE: ButtonField = ButtonField {
        name: "target",
        label: "Phone number",
        read: |b| b.phone_number.clone().unwrap_or_default(),
        write: |b, v| b.phone_number = Some(v),
    };
    const CODE: ButtonField = ButtonField {
        name: "example",
        label: "Sample code (each contact's code is mapped below)",
        read: |b| b.sample().unwrap_or_default().to_owned(),
        write: |b, v| b.example = Some(herald_templates::Samples::One(v)),
    };
    const FLOW: ButtonField = ButtonField {
        name: "flow",
        label: "Flow id",
        read: |b| {
            b.flow_id
                .as_ref()
                .map(herald_templates::FlowId::to_text)
                .unwrap_or_default()
        },
        write: |b, v| b.flow_id = Some(herald_templates::FlowId::Text(v)),
    };
    const SCREEN: ButtonField = ButtonField {
        name: "screen",
        label: "First screen (optional)",
        read: |b| b.navigate_screen.clone().unwrap_or_default(),
        write: |b, v| b.navigate_screen = (!v.is_empty()).then_some(v),
    };
    match kind {
        ButtonKind::Url => &[URL],
        ButtonKind::PhoneNumber => &[PHONE],
        ButtonKind::CopyCode => &[CODE],
        ButtonKind::Flow => &[FLOW, SCREEN],
        _ => &[],
    }
}

/// A change to a list of buttons, made inside the template's update.
type ButtonsChange = Box<dyn FnOnce(&mut Vec<Button>)>;

/// Buttons of any of `kinds`, each row with its type's fields; the template's, or those of a
/// carousel card (`of`), whose types are set for every card by [`CardsField`].
#[component]
fn ButtonsField(
    template: RwSignal<Template>,
    parts: Parts<Template>,
    findings: Signal<Vec<Diagnostic>>,
    kinds: &'static [ButtonKind],
    #[prop(default = ButtonsOf::Template)] of: ButtonsOf,
) -> impl IntoView {
    let buttons = parts.slice(move |t| of.read(t));
    let edit = move |change: ButtonsChange| {
        template.update(|t| {
            let mut buttons = of.read(t);
            change(&mut buttons);
            of.write(t, buttons);
        });
    };
    let adding = RwSignal::new(kinds[0].clone());
    let own_types = of == ButtonsOf::Template;
    let finding_of =
        move |index: usize| findings_where(findings, move |finding| finding.button == Some(index));
    view! {
        <div class="field">
            <p class="field-title">"Buttons"</p>
            <ol class="buttons-list">
                {move || buttons.get().into_iter().enumerate().map(|(index, button)| {
                    let label_id = of.id(index, "text");
                    let length = button.text.chars().count();
                    let fixed_label = matches!(button.kind, ButtonKind::CopyCode | ButtonKind::Otp);
                    view! {
                        <li class="button-row" data-testid="button-row" data-kind=button.kind.as_str().to_owned()>
                            <span class="button-kind">{button_label(&button.kind).to_owned()}</span>
                            {(!fixed_label).then(|| view! {
                                <label for=label_id.clone()>{format!("Button {} label", index + 1)}</label>
                                <input id=label_id type="text" prop:value=button.text.clone()
                                    on:input=move |event| {
                                        let value = event_target_value(&event);
                                        edit(Box::new(move |buttons| if let Some(button) = buttons.get_mut(index) { button.text = value; }));
                                    } />
                                <span class="counter" class:over={ length > BUTTON_TEXT_MAX_CHARS }>
                                    {format!("{length} / {BUTTON_TEXT_MAX_CHARS}")}
                                </span>
                            })}
                            {fields_of(&button.kind).iter().map(|field| {
                                let field = *field;
                                let field_id = of.id(index, field.name);
                                view! {
                                    <label for=field_id.clone()>{field.label}</label>
                                    <input id=field_id type="text" prop:value=(field.read)(&button)
                                        on:input=move |event| {
                                            let value = event_target_value(&event);
                                            edit(Box::new(move |buttons| if let Some(button) = buttons.get_mut(index) { (field.write)(button, value); }));
                                        } />
                                }
                            }).collect_view()}
                            <Show when=move || own_types>
                                <button type="button" disabled=index == 0
                                    on:click=move |_| edit(Box::new(move |buttons| if index > 0 && index < buttons.len() { buttons.swap(index - 1, index); }))>
                                    "Move up"
                                </button>
                                <button type="button" on:click=move |_| edit(Box::new(move |buttons| if index < buttons.len() { buttons.remove(index); }))>"Remove"</button>
                            </Show>
                            <FieldDiagnostics findings=finding_of(index) />
                        </li>
                    }
                }).collect_view()}
            </ol>
            <Show when=move || own_types>
                <div class="field-tools">
                    <label for="add-button-kind" class="visually-hidden">"Type of the button to add"</label>
                    <select id="add-button-kind" on:change=move |event| {
                        let value = event_target_value(&event);
                        if let Some(kind) = kinds.iter().find(|kind| kind.as_str() == value) {
                            adding.set(kind.clone());
                        }
                    }>
                        {kinds.iter().map(|kind| view! { <option value=kind.as_str().to_owned()>{button_label(kind).to_owned()}</option> }).collect_view()}
                    </select>
                    <button type="button" on:click=move |_| {
                        let kind = adding.get_untracked();
                        edit(Box::new(move |buttons| buttons.push(Button::new(kind))));
                    }>"Add button"</button>
                </div>
            </Show>
            <FieldDiagnostics findings=findings_where(findings, |finding| finding.button.is_none()) />
        </div>
    }
}

/// A carousel's cards: their common header type and button types, and each card's media, body
/// and button texts, with Add card, Move left, Move right and Remove.
#[component]
fn CardsField(
    template: RwSignal<Template>,
    parts: Parts<Template>,
    findings: Signal<Vec<Diagnostic>>,
) -> impl IntoView {
    let count = parts.slice(|t| t.cards().len());
    let header_format = parts.slice(|t| {
        t.cards()
            .first()
            .and_then(|card| card.header())
            .map_or(HeaderFormat::Image, |header| header.format.clone())
    });
    let button_kinds = parts.slice(|t| {
        t.cards()
            .first()
            .map(|card| {
                card.buttons()
                    .iter()
                    .map(|button| button.kind.clone())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    let every_card = move |change: &dyn Fn(&mut herald_templates::Card)| {
        template.update(|t| {
            for index in 0..t.cards().len() {
                t.edit_card(index, change);
            }
        });
    };
    let adding = RwSignal::new(ButtonKind::QuickReply);
    view! {
        <section class="field cards" aria-labelledby="cards-title">
            <h3 id="cards-title">"Cards"</h3>
            <div class="field-tools">
                <label for="card-header-format">"Card header"</label>
                <select id="card-header-format" prop:value=move || header_format.get().to_string()
                    on:change=move |event| {
                        let format = HeaderFormat::parse(&event_target_value(&event));
                        template.update(|t| {
                            t.herald.card_media.clear();
                            for index in 0..t.cards().len() {
                                t.edit_card(index, |card| card.set_header(Some(Header::new(format.clone()))));
                            }
                        });
                    }>
                    <option value="IMAGE">"Image"</option>
                    <option value="VIDEO">"Video"</option>
                </select>
                <label for="card-button-kind">"Card buttons"</label>
                <select id="card-button-kind" on:change=move |event| {
                    let value = event_target_value(&event);
                    if let Some(kind) = CARD_BUTTONS.iter().find(|kind| kind.as_str() == value) {
                        adding.set(kind.clone());
                    }
                }>
                    {CARD_BUTTONS.iter().map(|kind| view! { <option value=kind.as_str().to_owned()>{button_label(kind).to_owned()}</option> }).collect_view()}
                </select>
                <button type="button" disabled=move || { button_kinds.with(Vec::len) >= herald_templates::CARD_BUTTONS_MAX }
                    on:click=move |_| {
                        let kind = adding.get_untracked();
                        every_card(&|card| {
                            let mut buttons = card.buttons().to_vec();
                            buttons.push(Button::new(kind.clone()));
                            card.set_buttons(buttons);
                        });
                    }>"Add a button to every card"</button>
                <button type="button" disabled=move || button_kinds.with(Vec::is_empty)
                    on:click=move |_| every_card(&|card| {
                        let mut buttons = card.buttons().to_vec();
                        buttons.pop();
                        card.set_buttons(buttons);
                    })>"Remove the last button of every card"</button>
            </div>
            <ol class="card-list" data-testid="cards">
                <For each=move || 0..count.get() key=|index| *index let:index>
                    <CardField template parts findings index count />
                </For>
            </ol>
            <button type="button" data-testid="add-card" disabled=move || { count.get() >= CAROUSEL_CARDS_MAX }
                on:click=move |_| template.update(|t| t.add_card())>"Add card"</button>
            <FieldDiagnostics findings=findings_where(findings, |finding| finding.component == Component::Carousel && finding.card.is_none()) />
        </section>
    }
}

/// One card of a carousel.
#[component]
fn CardField(
    template: RwSignal<Template>,
    parts: Parts<Template>,
    findings: Signal<Vec<Diagnostic>>,
    index: usize,
    count: ReadSignal<usize>,
) -> impl IntoView {
    let here = move |field: Option<&'static str>| {
        findings_where(findings, move |finding| {
            finding.card == Some(index)
                && finding.button.is_none()
                && (field.is_none() || finding.field.as_deref() == field)
        })
    };
    let buttons_findings = findings_where(findings, move |finding| {
        finding.card == Some(index) && finding.button.is_some()
    });
    let format = parts.slice(move |t| {
        t.cards()
            .get(index)
            .and_then(|card| card.header())
            .map(|header| header.format.clone())
    });
    let text = parts.slice(move |t| {
        t.cards()
            .get(index)
            .map(|card| card.body_text().to_owned())
            .unwrap_or_default()
    });
    let card_media = move |t: &Template| t.herald.card_media.get(index).cloned().flatten();
    let media_name = Signal::from(parts.slice(move |t| card_media(t).map(|media| media.file_name)));
    let media_link = Signal::from(parts.slice(move |t| {
        card_media(t)
            .and_then(|media| media.link)
            .unwrap_or_default()
    }));
    let length = move || text.with(|text| text.chars().count());
    let body_id = format!("card-{index}-body");
    view! {
        <li class="card" data-testid="card">
            <p class="field-title">{format!("Card {}", index + 1)}</p>
            {move || format.get().filter(|format| media_rule(format).is_some()).map(|format| view! {
                <MediaDrop
                    id=format!("card-{index}-media")
                    format
                    name=media_name
                    link=media_link
                    on_file=move |file| template.update(|t| {
                        let link = t.herald.card_media.get(index).cloned().flatten().and_then(|media| media.link);
                        t.set_card_media(index, Some(MediaFile { link, ..file }));
                    })
                    on_link=move |link: String| template.update(|t| {
                        let media = t.herald.card_media.get(index).cloned().flatten();
                        t.set_card_media(index, MediaFile::linked(media, &link));
                    })
                    findings=here(Some("header"))
                />
            })}
            <label for=body_id.clone()>"Card text (optional)"</label>
            <textarea id=body_id class="card-body" prop:value=move || text.get()
                on:input=move |event| {
                    let value = event_target_value(&event);
                    template.update(|t| t.edit_card(index, |card| card.set_body_text(value)));
                }></textarea>
            <p class="counter" class:over=move || { length() > CARD_BODY_MAX_CHARS }>
                {move || format!("{} / {CARD_BODY_MAX_CHARS}", length())}
            </p>
            <FieldDiagnostics findings=here(Some("body")) />
            <ButtonsField template parts findings=buttons_findings kinds=CARD_BUTTONS of=ButtonsOf::Card(index) />
            <div class="field-tools">
                <button type="button" disabled=index == 0 on:click=move |_| template.update(|t| t.move_card(index, index - 1))>"Move left"</button>
                <button type="button" disabled=move || { index + 1 >= count.get() } on:click=move |_| template.update(|t| t.move_card(index, index + 1))>"Move right"</button>
                <button type="button" on:click=move |_| template.update(|t| t.remove_card(index))>"Remove card"</button>
            </div>
            <FieldDiagnostics findings=here(None) />
        </li>
    }
}

/// A limited-time offer's title and countdown.
#[component]
fn OfferField(
    template: RwSignal<Template>,
    parts: Parts<Template>,
    findings: Signal<Vec<Diagnostic>>,
) -> impl IntoView {
    let offer = parts.slice(|t| t.offer().cloned().unwrap_or_default());
    let edit = move |change: Box<dyn FnOnce(&mut Offer)>| {
        template.update(|t| {
            let mut offer = t.offer().cloned().unwrap_or_default();
            change(&mut offer);
            t.set_offer(Some(offer));
        });
    };
    view! {
        <TextField
            id="offer-text" label="Offer title" limit=OFFER_TEXT_MAX_CHARS findings
            value=Signal::derive(move || offer.with(|offer| offer.text.clone()))
            on_change=move |value| edit(Box::new(move |offer| offer.text = value))
        />
        <div class="field checkboxes">
            <label>
                <input type="checkbox" prop:checked=move || offer.with(|offer| offer.has_expiration == Some(true))
                    on:change=move |event| {
                        let on = event_target_checked(&event);
                        edit(Box::new(move |offer| offer.has_expiration = Some(on)));
                    } />
                " Count down to the expiry (each contact's expiry is mapped below)"
            </label>
        </div>
    }
}

/// An authentication template: Meta writes the text; the template chooses the security
/// recommendation, the code's expiry and its OTP button.
#[component]
fn AuthenticationField(
    template: RwSignal<Template>,
    parts: Parts<Template>,
    findings: Signal<Vec<Diagnostic>>,
    footer: Signal<Vec<Diagnostic>>,
) -> impl IntoView {
    let recommend =
        parts.slice(|t| t.body().and_then(|body| body.add_security_recommendation) == Some(true));
    let expiry = parts.slice(|t| t.footer().and_then(|footer| footer.code_expiration_minutes));
    let otp = parts.slice(|t| {
        t.buttons()
            .iter()
            .find(|button| button.otp_kind().is_some() || button.kind == ButtonKind::Otp)
            .cloned()
            .unwrap_or_else(|| Button::new(ButtonKind::Otp))
    });
    let edit_otp = move |change: Box<dyn FnOnce(&mut Button)>| {
        template.update(|t| {
            let mut button = t
                .buttons()
                .iter()
                .find(|button| button.kind == ButtonKind::Otp)
                .cloned()
                .unwrap_or_else(|| Button::new(ButtonKind::Otp));
            change(&mut button);
            t.set_buttons(vec![button]);
        });
    };
    let app = move || {
        otp.with(|button| {
            button
                .supported_apps
                .as_ref()
                .and_then(|apps| apps.first().cloned())
        })
        .unwrap_or(SupportedApp {
            package_name: String::new(),
            signature_hash: String::new(),
        })
    };
    let set_app = move |change: fn(&mut SupportedApp, String), value: String| {
        edit_otp(Box::new(move |button| {
            let apps = button.supported_apps.get_or_insert_with(Vec::new);
            if apps.is_empty() {
                apps.push(SupportedApp {
                    package_name: String::new(),
                    signature_hash: String::new(),
                });
            }
            change(&mut apps[0], value);
        }));
    };
    let needs_app = move || {
        otp.with(|button| {
            button.kind == ButtonKind::Otp
                && matches!(button.otp_type, Some(OtpType::OneTap | OtpType::ZeroTap))
        })
    };
    view! {
        <p class="notice">"Meta writes the message: \"{{1}} is your verification code.\" The code is mapped below."</p>
        <div class="field checkboxes">
            <label>
                <input type="checkbox" prop:checked=move || recommend.get()
                    on:change=move |event| {
                        let on = event_target_checked(&event);
                        template.update(|t| t.set_security_recommendation(on));
                    } />
                " Add \"For your security, do not share this code.\""
            </label>
        </div>
        <div class="field">
            <label for="code-expiration">"The code expires after (minutes, optional)"</label>
            <input id="code-expiration" type="number" min="1" max="90" prop:value=move || expiry.get().map(|m| m.to_string()).unwrap_or_default()
                on:input=move |event| {
                    let minutes = event_target_value(&event).trim().parse::<i64>().ok();
                    template.update(|t| t.set_code_expiration(minutes));
                } />
            <FieldDiagnostics findings=footer />
        </div>
        <div class="field">
            <label for="otp-type">"Button"</label>
            <select id="otp-type" prop:value=move || otp.with(|b| b.otp_kind().map(|kind| kind.to_string()).unwrap_or_default())
                on:change=move |event| {
                    let kind = OtpType::parse(&event_target_value(&event));
                    edit_otp(Box::new(move |button| button.otp_type = Some(kind)));
                }>
                <option value="COPY_CODE">"Copy code"</option>
                <option value="ONE_TAP">"One-tap autofill (Android)"</option>
                <option value="ZERO_TAP">"Zero-tap (Android)"</option>
            </select>
        </div>
        <Show when=needs_app>
            <div class="field">
                <label for="otp-package">"Android package name"</label>
                <input id="otp-package" type="text" prop:value=move || app().package_name
                    on:input=move |event| set_app(|app, value| app.package_name = value, event_target_value(&event)) />
                <label for="otp-hash">"App signature hash (11 characters)"</label>
                <input id="otp-hash" type="text" prop:value=move || app().signature_hash
                    on:input=move |event| set_app(|app, value| app.signature_hash = value, event_target_value(&event)) />
            </div>
        </Show>
        <Show when=move || otp.with(|b| b.otp_type == Some(OtpType::ZeroTap))>
            <div class="field checkboxes">
                <label>
                    <input type="checkbox" prop:checked=move || otp.with(|b| b.zero_tap_terms_accepted == Some(true))
                        on:change=move |event| {
                            let on = event_target_checked(&event);
                            edit_otp(Box::new(move |button| button.zero_tap_terms_accepted = Some(on)));
                        } />
                    " I accept Meta's zero-tap terms"
                </label>
            </div>
        </Show>
        <FieldDiagnostics findings />
    }
}

/// What a catalog or multi-product button shows: the thumbnail product and, for multi-product
/// templates, the sections of products (the same for every contact).
#[component]
fn ProductsField(
    template: RwSignal<Template>,
    parts: Parts<Template>,
    multi: bool,
) -> impl IntoView {
    let products = parts.slice(|t| t.herald.products.clone().unwrap_or_default());
    let sections_text = move || {
        products.with(|products| {
            products
                .sections
                .iter()
                .map(|section| {
                    format!(
                        "{}: {}",
                        section.title,
                        section.product_retailer_ids.join(", ")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
    };
    let edit = move |change: Box<dyn FnOnce(&mut ProductSelection)>| {
        template.update(|t| {
            change(
                t.herald
                    .products
                    .get_or_insert_with(ProductSelection::default),
            )
        });
    };
    view! {
        <div class="field">
            <label for="thumbnail-product">"Thumbnail product (retailer id)"</label>
            <input id="thumbnail-product" type="text" prop:value=move || products.with(|p| p.thumbnail_product_retailer_id.clone())
                on:input=move |event| {
                    let value = event_target_value(&event);
                    edit(Box::new(move |products| products.thumbnail_product_retailer_id = value));
                } />
            <Show when=move || multi>
                <label for="product-sections">"Sections, one a line: \"Title: id1, id2\" (up to 10 sections, 30 products)"</label>
                <textarea id="product-sections" prop:value=sections_text
                    on:change=move |event| {
                        let value = event_target_value(&event);
                        edit(Box::new(move |products| {
                            products.sections = value
                                .lines()
                                .filter(|line| !line.trim().is_empty())
                                .map(|line| {
                                    let (title, ids) = line.split_once(':').unwrap_or(("", line));
                                    ProductSection {
                                        title: title.trim().to_owned(),
                                        product_retailer_ids: ids.split(',').map(|id| id.trim().to_owned()).filter(|id| !id.is_empty()).collect(),
                                    }
                                })
                                .collect();
                        }));
                    }></textarea>
            </Show>
        </div>
    }
}
