//! The template editor: every field of SPEC section 3. On each keystroke the template core
//! validates the whole template; each finding is shown next to its field, the offending
//! characters are underlined in a copy of the text, and counters follow the limits.

use herald_templates::{
    BODY_MAX_CHARS, BUTTON_TEXT_MAX_CHARS, Button, Component, Diagnostic, FOOTER_MAX_CHARS,
    HEADER_MAX_CHARS, Header, HeaderFormat, MediaFile, NAME_MAX_CHARS, QUICK_REPLIES_MAX,
    SUPPORTED_LANGUAGES, Severity, Template, check_media, media_rule, variables_of,
};
use leptos::html;
use leptos::prelude::*;

use crate::components::diagnostics::{FieldDiagnostics, has_error};
use crate::reactive::{Parts, deferred};

/// Edits `template` in place; `findings` are the core's findings plus the server's.
#[component]
pub fn TemplateEditor(
    template: RwSignal<Template>,
    findings: Signal<Vec<Diagnostic>>,
    /// True while the provider reviews the template: only settings and mapping may change.
    #[prop(into)]
    locked: Signal<bool>,
) -> impl IntoView {
    // Memos, not derived signals: a field whose findings did not change is not touched.
    let of = move |component: Component| {
        Signal::from(Memo::new(move |_| {
            findings.with(|all| {
                all.iter()
                    .filter(|finding| finding.component == component)
                    .cloned()
                    .collect::<Vec<_>>()
            })
        }))
    };
    // Parts, not memos: a keystroke in the body wakes none of the other fields' effects.
    let parts = Parts::new(template);
    let text_of = move |read: fn(&Template) -> String| Signal::from(parts.slice(read));
    let flag_of = move |read: fn(&Template) -> bool| parts.slice(read);
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
                <label for="template-category">"Category"</label>
                <select
                    id="template-category"
                    prop:value=text_of(|t| t.category.clone())
                    on:change=move |event| template.update(|t| t.category = event_target_value(&event))
                >
                    <option value="">"Choose a category"</option>
                    <option value="MARKETING">"Marketing"</option>
                    <option value="UTILITY">"Utility"</option>
                    <option value="AUTHENTICATION">"Authentication"</option>
                </select>
                <FieldDiagnostics findings=of(Component::Category) />
            </div>
            <HeaderField template parts findings=of(Component::Header) />
            <BodyField template parts findings=of(Component::Body) />
            <Samples template parts />
            <TextField
                id="template-footer" label="Footer (optional)" limit=FOOTER_MAX_CHARS findings=of(Component::Footer)
                value=text_of(|t| t.footer_text().to_owned())
                on_change=move |value| template.update(|t| t.set_footer_text(value))
            />
            <ButtonsField template parts findings=of(Component::Buttons) />
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

/// Header: none, text (with its counter) or media (with a drop zone that checks the file).
#[component]
fn HeaderField(
    template: RwSignal<Template>,
    parts: Parts<Template>,
    findings: Signal<Vec<Diagnostic>>,
) -> impl IntoView {
    let format = parts.slice(|t| t.header().map(|header| header.format));
    let format = move || format.get();
    let choose = move |choice: String| {
        template.update(|t| {
            let format = match choice.as_str() {
                "TEXT" => Some(HeaderFormat::Text),
                "IMAGE" => Some(HeaderFormat::Image),
                "VIDEO" => Some(HeaderFormat::Video),
                "DOCUMENT" => Some(HeaderFormat::Document),
                _ => None,
            };
            t.set_header(format.map(|format| Header {
                format,
                text: (format == HeaderFormat::Text).then(String::new),
                example: None,
            }));
            if format.is_none_or(|format| format == HeaderFormat::Text) {
                t.herald.media = None;
            }
        });
    };
    let header_text = Signal::from(parts.slice(|t| t.header_text().unwrap_or_default().to_owned()));
    view! {
        <div class="field">
            <label for="template-header-format">"Header"</label>
            <select
                id="template-header-format"
                prop:value=move || match format() {
                    None => "NONE",
                    Some(HeaderFormat::Text) => "TEXT",
                    Some(HeaderFormat::Image) => "IMAGE",
                    Some(HeaderFormat::Video) => "VIDEO",
                    Some(HeaderFormat::Document) => "DOCUMENT",
                }
                on:change=move |event| choose(event_target_value(&event))
            >
                <option value="NONE">"None"</option>
                <option value="TEXT">"Text"</option>
                <option value="IMAGE">"Image"</option>
                <option value="VIDEO">"Video"</option>
                <option value="DOCUMENT">"Document"</option>
            </select>
        </div>
        {move || match format() {
            Some(HeaderFormat::Text) => view! {
                <TextField
                    id="template-header" label="Header text" limit=HEADER_MAX_CHARS findings
                    value=header_text
                    on_change=move |value| template.update(|t| {
                        let example = t.header().and_then(|header| header.example.clone());
                        t.set_header(Some(Header { format: HeaderFormat::Text, text: Some(value), example }));
                    })
                />
            }.into_any(),
            Some(media) => view! { <MediaDrop template parts format=media findings /> }.into_any(),
            None => view! { <FieldDiagnostics findings /> }.into_any(),
        }}
    }
}

/// Why the core refuses `file` for a `format` header, checked before any upload.
pub fn media_refusal(format: HeaderFormat, file: &MediaFile) -> Option<String> {
    let findings = check_media(format, file);
    (!findings.is_empty()).then(|| {
        findings
            .into_iter()
            .map(|finding| finding.message)
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// A drop zone (or file picker) for the header's media; the file is checked here, in the browser.
#[component]
fn MediaDrop(
    template: RwSignal<Template>,
    parts: Parts<Template>,
    format: HeaderFormat,
    findings: Signal<Vec<Diagnostic>>,
) -> impl IntoView {
    let refusal = RwSignal::new(None::<String>);
    let rule = media_rule(format);
    let rule = format!(
        "{}, at most {} MB",
        rule.allowed,
        rule.max_bytes / (1024 * 1024)
    );
    let take = move |file: web_sys::File| {
        let media = MediaFile {
            file_name: file.name(),
            mime_type: file.type_(),
            size_bytes: file.size() as u64,
            link: None,
        };
        match media_refusal(format, &media) {
            Some(reason) => refusal.set(Some(reason)),
            None => {
                refusal.set(None);
                template.update(|t| t.herald.media = Some(media));
            }
        }
    };
    let input_ref = NodeRef::<html::Input>::new();
    let media_name = parts.slice(|t| t.herald.media.as_ref().map(|media| media.file_name.clone()));
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
            <label for="template-media">{format!("Drop the header file here or choose it ({rule})")}</label>
            <input
                id="template-media"
                type="file"
                node_ref=input_ref
                on:change=move |_| {
                    if let Some(file) = input_ref.get().and_then(|input| input.files()).and_then(|files| files.get(0)) {
                        take(file);
                    }
                }
            />
            <p class="media-name">{media_name}</p>
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
    let variables = deferred(parts.slice(variables_of));
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

/// Buttons: none, quick replies, or call to action, each within its limits.
#[component]
fn ButtonsField(
    template: RwSignal<Template>,
    parts: Parts<Template>,
    findings: Signal<Vec<Diagnostic>>,
) -> impl IntoView {
    let buttons = parts.slice(|t| t.buttons().to_vec());
    let kind = move || {
        buttons.with(|buttons| match buttons.first() {
            None => "NONE",
            Some(Button::QuickReply { .. }) => "QUICK_REPLY",
            Some(_) => "CALL_TO_ACTION",
        })
    };
    let choose = move |choice: String| {
        template.update(|t| {
            t.set_buttons(match choice.as_str() {
                "QUICK_REPLY" => vec![Button::QuickReply {
                    text: String::new(),
                }],
                "CALL_TO_ACTION" => vec![Button::Url {
                    text: String::new(),
                    url: String::new(),
                    example: None,
                }],
                _ => Vec::new(),
            });
        });
    };
    let edit = move |index: usize, change: Box<dyn FnOnce(&mut Button)>| {
        template.update(|t| {
            let mut buttons = t.buttons().to_vec();
            if let Some(button) = buttons.get_mut(index) {
                change(button);
            }
            t.set_buttons(buttons);
        });
    };
    let remove = move |index: usize| {
        template.update(|t| {
            let mut buttons = t.buttons().to_vec();
            if index < buttons.len() {
                buttons.remove(index);
            }
            t.set_buttons(buttons);
        });
    };
    let add = move |button: Button| {
        template.update(|t| {
            let mut buttons = t.buttons().to_vec();
            buttons.push(button);
            t.set_buttons(buttons);
        });
    };
    view! {
        <div class="field">
            <label for="template-buttons">"Buttons"</label>
            <select id="template-buttons" prop:value=kind on:change=move |event| choose(event_target_value(&event))>
                <option value="NONE">"None"</option>
                <option value="QUICK_REPLY">"Quick replies"</option>
                <option value="CALL_TO_ACTION">"Call to action"</option>
            </select>
            <ol class="buttons-list">
                {move || buttons.get().into_iter().enumerate().map(|(index, button)| {
                    let label_id = format!("button-{index}-text");
                    let text = button.text().to_owned();
                    let length = text.chars().count();
                    let detail = match &button {
                        Button::QuickReply { .. } => None,
                        Button::Url { url, .. } => Some(("URL", url.clone(), true)),
                        Button::PhoneNumber { phone_number, .. } => Some(("Phone number", phone_number.clone(), false)),
                    };
                    view! {
                        <li class="button-row">
                            <label for=label_id.clone()>{format!("Button {} label", index + 1)}</label>
                            <input id=label_id type="text" prop:value=text
                                on:input=move |event| {
                                    let value = event_target_value(&event);
                                    edit(index, Box::new(move |button| match button {
                                        Button::QuickReply { text } | Button::Url { text, .. } | Button::PhoneNumber { text, .. } => *text = value,
                                    }));
                                } />
                            <span class="counter" class:over={ length > BUTTON_TEXT_MAX_CHARS }>
                                {format!("{length} / {BUTTON_TEXT_MAX_CHARS}")}
                            </span>
                            {detail.map(|(name, value, is_url)| {
                                let detail_id = format!("button-{index}-target");
                                view! {
                                    <label for=detail_id.clone()>{name}</label>
                                    <input id=detail_id type="text" prop:value=value
                                        on:input=move |event| {
                                            let value = event_target_value(&event);
                                            edit(index, Box::new(move |button| match button {
                                                Button::Url { url, .. } if is_url => *url = value,
                                                Button::PhoneNumber { phone_number, .. } => *phone_number = value,
                                                _ => {}
                                            }));
                                        } />
                                }
                            })}
                            <button type="button" on:click=move |_| remove(index)>"Remove"</button>
                        </li>
                    }
                }).collect_view()}
            </ol>
            <Show when=move || kind() == "QUICK_REPLY" && buttons.with(Vec::len) < QUICK_REPLIES_MAX>
                <button type="button" on:click=move |_| add(Button::QuickReply { text: String::new() })>"Add quick reply"</button>
            </Show>
            <Show when=move || kind() == "CALL_TO_ACTION">
                <button type="button" on:click=move |_| add(Button::Url { text: String::new(), url: String::new(), example: None })>"Add website button"</button>
                <button type="button" on:click=move |_| add(Button::PhoneNumber { text: String::new(), phone_number: String::new() })>"Add call button"</button>
            </Show>
            <FieldDiagnostics findings />
        </div>
    }
}
