//! Interactions (agents and admins): the contacts an account exchanged messages with, one
//! contact's thread with each message's type and status, its customer service window, and what
//! may be sent now: nothing while a campaign waits for the answer (the seed's words), text while
//! the contact's last message is under 24 hours old, a template otherwise (only the recontact
//! template once the window has expired). The thread refreshes itself every few seconds.

use herald_api::{
    ContactValues, ContactView, ConversationChange, ConversationSummary, ConversationView,
    MessageView, SendMessage,
};
use herald_contacts::Contact;
use herald_domain::{
    LIST_BODY_MAX_CHARS, LIST_BUTTON_MAX_CHARS, LIST_MAX_ROWS, ListMessage, ListRow, ListSection,
    MessageDirection, MessageStatus, strip_phone,
};
use herald_templates::{MappingSource, Preview, Template, preview_for_contact, variables_of};
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::components::account_picker::{AccountPicker, per_account};
use crate::components::preview::WhatsAppPreview;
use crate::refresh::refetch_every;
use crate::remote::{Fetched, Job};
use crate::time::time_label;

/// How often an open thread asks for news (answers, statuses).
const REFRESH_MS: u64 = 3_000;

/// Which conversations the inbox lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    Open,
    Closed,
    All,
}

impl Shown {
    fn admits(self, summary: &ConversationSummary) -> bool {
        match self {
            Self::Open => summary.open,
            Self::Closed => !summary.open,
            Self::All => true,
        }
    }
}

/// The interactions page: the inbox beside the open thread (one pane at a time on a phone).
#[component]
pub fn Interactions() -> impl IntoView {
    let accounts = Fetched::new(api::list_accounts);
    let account = RwSignal::new(None::<i64>);
    let conversations = per_account(account, api::list_conversations);
    refetch_every(conversations, REFRESH_MS);
    let phone = RwSignal::new(None::<String>);
    let typed_phone = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let shown = RwSignal::new(Shown::Open);
    // Opening the conversation already open keeps it (and whatever is being typed in it).
    let open = move |number: String| {
        if phone.with_untracked(|open| open.as_deref() != Some(number.as_str())) {
            phone.set(Some(number));
        }
    };
    let listed = move || conversations.get().and_then(Result::ok).unwrap_or_default();
    let count = move |which: Shown| {
        conversations.with(|found| {
            found
                .and_then(|found| found.as_ref().ok())
                .map_or(0, |found| {
                    found.iter().filter(|summary| which.admits(summary)).count()
                })
        })
    };
    let filter = move |which: Shown, label: &'static str| {
        view! {
            <button type="button" role="tab" aria-selected=move || (shown.get() == which).to_string()
                class:selected=move || shown.get() == which
                on:click=move |_| shown.set(which)>
                {move || format!("{label} ({})", count(which))}
            </button>
        }
    };
    view! {
        <h2>"Interactions"</h2>
        <div class="toolbar">
            <AccountPicker accounts account />
            <form on:submit=move |event| {
                event.prevent_default();
                match strip_phone(&typed_phone.get_untracked()) {
                    Ok(digits) => {
                        error.set(None);
                        open(digits);
                    }
                    Err(refused) => error.set(Some(refused.to_string())),
                }
            }>
                <label for="open-phone">"Contact's number"</label>
                <input id="open-phone" type="tel" bind:value=typed_phone required />
                <button type="submit">"Open"</button>
            </form>
        </div>
        {move || error.get().map(|refused| view! { <p class="form-error" role="alert">{refused}</p> })}
        <div class="interactions" class:has-thread=move || phone.with(Option::is_some)>
            <nav aria-label="Conversations" class="inbox">
                <div role="tablist" class="inbox-filter" aria-label="Which conversations">
                    {filter(Shown::Open, "Open")}
                    {filter(Shown::Closed, "Closed")}
                    {filter(Shown::All, "All")}
                </div>
                <ul class="conversations" data-testid="conversations">
                    {move || {
                        let which = shown.get();
                        let current = phone.get();
                        listed().into_iter().filter(|summary| which.admits(summary)).map(|summary| {
                            let number = summary.phone.clone();
                            let selected = current.as_deref() == Some(summary.phone.as_str());
                            view! {
                                <li><button class="conversation" class:selected=selected
                                    aria-current=selected.then_some("true")
                                    on:click=move |_| open(number.clone())>
                                    <span class="who">
                                        <strong>{summary.name.clone().unwrap_or_else(|| summary.phone.clone())}</strong>
                                        <time>{time_label(summary.last.created_at)}</time>
                                    </span>
                                    <span class="what">
                                        <small>{summary.last.body.clone().unwrap_or_default()}</small>
                                        {(summary.unread > 0).then(|| view! {
                                            <span class="badge" data-testid="unread"
                                                aria-label=format!("{} unread", summary.unread)>{summary.unread}</span>
                                        })}
                                        {(!summary.open).then(|| view! { <span class="tag">"Closed"</span> })}
                                    </span>
                                    {summary.name.is_some().then(|| view! { <small>{summary.phone.clone()}</small> })}
                                </button></li>
                            }
                        }).collect_view()
                    }}
                </ul>
                {move || (conversations.get().is_some() && count(shown.get()) == 0).then(|| view! {
                    <p class="muted">"No conversations here."</p>
                })}
            </nav>
            {move || account.get().zip(phone.get()).map(|(account, number)| {
                // Read apart from the thread, so that the inbox's refreshes keep the thread.
                let shown_number = number.clone();
                let name = Signal::derive(move || conversations.with(|found| {
                    found
                        .and_then(|found| found.as_ref().ok())
                        .and_then(|found| found.iter().find(|summary| summary.phone == shown_number))
                        .and_then(|summary| summary.name.clone())
                }));
                view! {
                    <Thread account phone=number name
                        on_changed=move || conversations.refetch()
                        on_back=move || phone.set(None) />
                }
            })}
        </div>
    }
}

/// One contact's messages, window and send form. The thread refreshes; the form stays put, so
/// nothing typed is lost. What it shows counts as read.
#[component]
fn Thread(
    account: i64,
    phone: String,
    name: Signal<Option<String>>,
    on_changed: impl Fn() + Clone + 'static,
    on_back: impl Fn() + 'static,
) -> impl IntoView {
    let number = phone.clone();
    let thread = Fetched::new(move || api::show_conversation(account, number.clone()));
    refetch_every(thread, REFRESH_MS);
    let shown = move || thread.get().and_then(Result::ok);
    let after_send = {
        let on_changed = on_changed.clone();
        move || {
            thread.refetch();
            on_changed();
        }
    };
    // The latest message from the contact that was marked read, so each is marked once.
    let read_through = RwSignal::new(0_i64);
    let mark = {
        let phone = phone.clone();
        Job::new(move |change: ConversationChange| {
            let phone = phone.clone();
            let on_changed = on_changed.clone();
            async move {
                if api::change_conversation(account, &phone, &change)
                    .await
                    .is_ok()
                {
                    thread.refetch();
                    on_changed();
                }
            }
        })
    };
    Effect::new(move |_| {
        let latest = thread.with(|found| {
            found
                .and_then(|found| found.as_ref().ok())
                .and_then(|shown| {
                    shown
                        .messages
                        .iter()
                        .rev()
                        .find(|message| message.direction == MessageDirection::Inbound)
                        .map(|message| message.id)
                })
        });
        if let Some(latest) = latest.filter(|latest| *latest > read_through.get_untracked()) {
            read_through.set(latest);
            mark.dispatch(ConversationChange {
                read_through: Some(latest),
                open: None,
            });
        }
    });
    let is_open = move || shown().is_none_or(|shown| shown.open);
    let number = phone.clone();
    let title = move || match name.get() {
        Some(name) => format!("{name} · {number}"),
        None => number.clone(),
    };
    view! {
        <section class="thread" aria-label="Conversation" data-testid="thread">
            <header class="thread-head">
                <button type="button" class="link back" on:click=move |_| on_back()>"← Conversations"</button>
                <h3>{title}</h3>
                <span class="tag" data-testid="conversation-state">{move || if is_open() { "Open" } else { "Closed" }}</span>
                <button type="button" data-testid="close-conversation" disabled=move || mark.pending() || shown().is_none()
                    on:click=move |_| mark.dispatch(ConversationChange { read_through: None, open: Some(!is_open()) })>
                    {move || if is_open() { "Close conversation" } else { "Reopen" }}
                </button>
            </header>
            {move || match thread.get() {
                None => view! { <p>"Loading the conversation…"</p> }.into_any(),
                Some(Err(failure)) => view! {
                    <p class="form-error" role="alert">{failure.to_string()}" "
                        <button on:click=move |_| thread.refetch()>"Retry"</button></p>
                }.into_any(),
                Some(Ok(shown)) => view! {
                    <ol class="messages" data-testid="messages">
                        {shown.messages.iter().cloned().map(message).collect_view()}
                    </ol>
                    <p role="status" data-testid="window">{window_note(&shown)}</p>
                }.into_any(),
            }}
            <SendForm account phone
                blocked=Signal::derive(move || shown().is_none_or(|shown| shown.awaiting_customer_response.is_some()))
                free_text=Signal::derive(move || shown().is_some_and(|shown| shown.free_text_allowed))
                recontact=Signal::derive(move || shown().and_then(|shown| shown.recontact_template_id))
                contact=Signal::derive(move || shown().and_then(|shown| shown.contact))
                on_sent=after_send />
        </section>
    }
}

fn message(shown: MessageView) -> impl IntoView {
    let side = match shown.direction {
        MessageDirection::Inbound => "inbound",
        MessageDirection::Outbound => "outbound",
    };
    let kind = shown.kind.map(|kind| kind.to_string()).unwrap_or_default();
    let ticks = (shown.direction == MessageDirection::Outbound).then(|| {
        let (mark, class) = ticks(shown.status);
        view! {
            <span class=format!("ticks {class}") title=shown.status.to_string()
                aria-label=shown.status.to_string()>{mark}</span>
        }
    });
    let kind_shown = kind.clone();
    view! {
        <li class=format!("message {side}") data-kind=kind>
            <p>{shown.body.unwrap_or_default()}</p>
            <small class="meta">
                {kind_shown}{shown.category.map(|category| format!(" · {category}"))}" · "
                <time>{time_label(shown.created_at)}</time>" "{ticks}
            </small>
            {shown.error_message.map(|error| view! { <small class="form-error">{error}</small> })}
        </li>
    }
}

/// WhatsApp's delivery marks for a status, and the class that colours them.
fn ticks(status: MessageStatus) -> (&'static str, &'static str) {
    match status {
        MessageStatus::Accepted => ("🕓", "waiting"),
        MessageStatus::Sent => ("✓", "sent"),
        MessageStatus::Delivered | MessageStatus::Received => ("✓✓", "delivered"),
        MessageStatus::Read => ("✓✓", "read"),
        MessageStatus::Failed => ("!", "failed"),
    }
}

/// What the window allows, in words.
fn window_note(shown: &ConversationView) -> String {
    if let Some(reason) = &shown.awaiting_customer_response {
        reason.clone()
    } else if shown.free_text_allowed {
        "The customer service window is open: text or a template can be sent.".to_owned()
    } else if shown.window_open {
        "The customer service window is open; text needs the contact to write first.".to_owned()
    } else if shown.window.is_some() {
        "The customer service window has expired: only the recontact template can be sent."
            .to_owned()
    } else {
        "No messages yet: a template opens the conversation.".to_owned()
    }
}

/// Text (inside the window) or a template the user may send, its variables filled from the
/// account's contact with this number (names editable here, email and custom fields as stored).
#[component]
fn SendForm(
    account: i64,
    phone: String,
    blocked: Signal<bool>,
    free_text: Signal<bool>,
    recontact: Signal<Option<i64>>,
    contact: Signal<Option<ContactView>>,
    on_sent: impl Fn() + Clone + 'static,
) -> impl IntoView {
    let templates = Fetched::new(move || api::list_templates(account, Default::default()));
    let text = RwSignal::new(String::new());
    let template = RwSignal::new(String::new());
    let first_name = RwSignal::new(String::new());
    let last_name = RwSignal::new(String::new());
    // Values the agent types for the custom fields the chosen template reads (a one-time code,
    // a coupon), over the ones stored with the contact.
    let typed_custom = RwSignal::new(std::collections::BTreeMap::<String, String>::new());
    let chosen_template = Memo::new(move |_| {
        let chosen: Option<i64> = template.get().parse().ok();
        templates.get().and_then(Result::ok).and_then(|found| {
            found
                .templates
                .into_iter()
                .find(|shown| Some(shown.id) == chosen)
                .map(|shown| shown.template)
        })
    });
    let custom_fields = Memo::new(move |_| {
        chosen_template.with(|chosen| chosen.as_ref().map(custom_fields_of).unwrap_or_default())
    });
    // The message as the contact would read it: the names as typed, the stored fields, the
    // custom values typed over the stored ones.
    let preview_phone = phone.clone();
    let preview = Signal::from(Memo::new(move |_| {
        chosen_template.with(|chosen| {
            chosen.as_ref().map_or_else(Preview::default, |chosen| {
                let stored = contact.get().map(|known| known.contact).unwrap_or_default();
                let mut custom = stored.custom;
                typed_custom.with(|typed| {
                    for (name, value) in typed.iter().filter(|(_, value)| !value.trim().is_empty())
                    {
                        custom.insert(name.clone(), value.clone());
                    }
                });
                let values = Contact {
                    phone: preview_phone.clone(),
                    mobile: preview_phone.clone(),
                    first_name: first_name.get(),
                    last_name: last_name.get(),
                    email: stored.email,
                    custom,
                };
                preview_for_contact(chosen, &values)
            })
        })
    }));
    // The names are filled in once, when the contact is first known; the agent may change them.
    Effect::new(move |filled: Option<bool>| {
        if filled == Some(true) {
            return true;
        }
        contact.with(|known| match known {
            Some(known) => {
                first_name.set(known.contact.first_name.clone());
                last_name.set(known.contact.last_name.clone());
                true
            }
            None => false,
        })
    });
    let outcome = RwSignal::new(None::<Result<(), ApiError>>);
    let send_list = {
        let on_sent = on_sent.clone();
        let to = phone.clone();
        Job::new(move |list: ListMessage| {
            let on_sent = on_sent.clone();
            let request = SendMessage {
                to: to.clone(),
                list: Some(list),
                ..SendMessage::default()
            };
            async move {
                let sent = api::send_message(account, &request).await.map(|_| ());
                if sent.is_ok() {
                    on_sent();
                }
                outcome.set(Some(sent));
            }
        })
    };
    let send = Job::new(move |as_text: bool| {
        let on_sent = on_sent.clone();
        let filled = |value: String| (!value.trim().is_empty()).then_some(value);
        let request = SendMessage {
            to: phone.clone(),
            template_id: (!as_text)
                .then(|| template.get_untracked().parse().ok())
                .flatten(),
            fields: contact.with_untracked(|known| {
                let stored = known.as_ref().map(|known| &known.contact);
                ContactValues {
                    first_name: filled(first_name.get_untracked()),
                    last_name: filled(last_name.get_untracked()),
                    email: stored.and_then(|stored| filled(stored.email.clone())),
                    custom: {
                        let mut custom = stored
                            .map(|stored| stored.custom.clone())
                            .unwrap_or_default();
                        typed_custom.with_untracked(|typed| {
                            for (name, value) in
                                typed.iter().filter(|(_, value)| !value.trim().is_empty())
                            {
                                custom.insert(name.clone(), value.clone());
                            }
                        });
                        custom
                    },
                }
            }),
            text: as_text.then(|| text.get_untracked()),
            list: None,
        };
        async move {
            let sent = api::send_message(account, &request).await.map(|_| ());
            if sent.is_ok() {
                text.set(String::new());
                on_sent();
            }
            outcome.set(Some(sent));
        }
    });
    view! {
        <div class="send" hidden=blocked>
            <form aria-label="Send text" hidden=move || !free_text.get()
                on:submit=move |event| { event.prevent_default(); send.dispatch(true); }>
                <label for="message-text">"Text"</label>
                <textarea id="message-text" rows="3" bind:value=text maxlength="4096" required></textarea>
                <button type="submit" disabled=move || send.pending()>"Send text"</button>
            </form>
            <ListForm hidden=Signal::derive(move || !free_text.get()) send=send_list />
            <form aria-label="Send template" on:submit=move |event| { event.prevent_default(); send.dispatch(false); }>
                <label for="message-template">"Template"</label>
                <select id="message-template" bind:value=template required>
                    <option value="">"—"</option>
                    {move || templates.get().and_then(Result::ok).map(|found| found.templates.into_iter()
                        .map(|shown| {
                            let label = if recontact.get() == Some(shown.id) {
                                format!("{} (recontact)", shown.template.name)
                            } else {
                                shown.template.name
                            };
                            view! { <option value=shown.id.to_string()>{label}</option> }
                        })
                        .collect_view())}
                </select>
                <label for="message-first-name">"First name"</label>
                <input id="message-first-name" bind:value=first_name />
                <label for="message-last-name">"Last name"</label>
                <input id="message-last-name" bind:value=last_name />
                {move || custom_fields.get().into_iter().map(|(name, label)| {
                    let id = format!("message-custom-{}", name.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
                    let stored = contact.with_untracked(|known| {
                        known.as_ref().and_then(|known| known.contact.custom.get(&name).cloned())
                    });
                    let key = name.clone();
                    view! {
                        <label for=id.clone()>{format!("{label} (custom field \"{name}\")")}</label>
                        <input id=id type="text" prop:value=stored.unwrap_or_default()
                            on:input=move |event| {
                                let value = event_target_value(&event);
                                typed_custom.update(|typed| { typed.insert(key.clone(), value); });
                            } />
                    }
                }).collect_view()}
                <Show when=move || chosen_template.with(Option::is_some)>
                    <div class="send-preview" data-testid="send-preview">
                        <span class="muted">"What the contact will read"</span>
                        <WhatsAppPreview preview />
                    </div>
                </Show>
                <button type="submit" disabled=move || send.pending()>"Send template"</button>
            </form>
            {move || outcome.get().map(|done| match done {
                Ok(()) => view! { <p role="status">"Sent."</p> }.into_any(),
                Err(failure) => view! { <p class="form-error" role="alert">{failure.to_string()}</p> }.into_any(),
            })}
        </div>
    }
}

/// An interactive list message, written as an outline: one option per line (`Title` or
/// `Title | description`), a line starting with `#` opening a titled section. Checked on every
/// keystroke by the same rules the relay applies.
#[component]
fn ListForm(hidden: Signal<bool>, send: Job<ListMessage>) -> impl IntoView {
    let body = RwSignal::new(String::new());
    let button = RwSignal::new(String::new());
    let outline = RwSignal::new(String::new());
    let list = Memo::new(move |_| list_from_outline(&body.get(), &button.get(), &outline.get()));
    let problem = move || list.with(|list| list.check().err().map(|error| error.to_string()));
    view! {
        <details class="list-form" hidden=hidden>
            <summary>"Send a list of options"</summary>
            <form aria-label="Send list" on:submit=move |event| {
                event.prevent_default();
                if problem().is_none() {
                    send.dispatch(list.get_untracked());
                }
            }>
                <label for="list-body">"Message"</label>
                <textarea id="list-body" rows="2" bind:value=body maxlength=LIST_BODY_MAX_CHARS required></textarea>
                <label for="list-button">"Button"</label>
                <input id="list-button" bind:value=button maxlength=LIST_BUTTON_MAX_CHARS required />
                <label for="list-options">{format!("Options, one per line (up to {LIST_MAX_ROWS}; \"Title | description\"; \"# Section\" starts a section)")}</label>
                <textarea id="list-options" rows="5" bind:value=outline required></textarea>
                <p class="form-error" role="status" data-testid="list-problem">{problem}</p>
                <button type="submit" disabled=move || send.pending() || problem().is_some()>"Send list"</button>
            </form>
        </details>
    }
}

/// The list message an outline describes (see [`ListForm`]); options get ids `option-1`,
/// `option-2`… in order.
fn list_from_outline(body: &str, button: &str, outline: &str) -> ListMessage {
    let mut sections: Vec<ListSection> = Vec::new();
    let mut count = 0;
    for line in outline
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
    {
        if let Some(title) = line.strip_prefix('#') {
            sections.push(ListSection {
                title: Some(title.trim().to_owned()),
                rows: Vec::new(),
            });
            continue;
        }
        if sections.is_empty() {
            sections.push(ListSection::default());
        }
        count += 1;
        let (title, description) = match line.split_once('|') {
            Some((title, description)) => (title.trim(), Some(description.trim().to_owned())),
            None => (line, None),
        };
        if let Some(section) = sections.last_mut() {
            section.rows.push(ListRow {
                id: format!("option-{count}"),
                title: title.to_owned(),
                description: description.filter(|text| !text.is_empty()),
            });
        }
    }
    ListMessage {
        header: None,
        body: body.trim().to_owned(),
        footer: None,
        button: button.trim().to_owned(),
        sections,
    }
}

/// The custom fields `template`'s variables read, each with the variable it fills.
fn custom_fields_of(template: &Template) -> Vec<(String, String)> {
    variables_of(template)
        .into_iter()
        .filter_map(|variable| match variable.source(template) {
            Some(MappingSource::CustomField(name)) if !name.trim().is_empty() => {
                Some((name.clone(), variable.label()))
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::list_from_outline;

    #[test]
    fn an_outline_becomes_sections_of_numbered_options() {
        let list = list_from_outline(
            " Which day? ",
            "Days",
            "Monday | morning only\n\n# Next week\nTuesday\n",
        );
        assert_eq!(list.body, "Which day?");
        assert_eq!(list.sections.len(), 2);
        assert_eq!(list.sections[0].title, None);
        assert_eq!(list.sections[0].rows[0].id, "option-1");
        assert_eq!(
            list.sections[0].rows[0].description.as_deref(),
            Some("morning only")
        );
        assert_eq!(list.sections[1].title.as_deref(), Some("Next week"));
        assert_eq!(list.sections[1].rows[0].id, "option-2");
        assert!(list.check().is_err(), "the first section needs a title too");
        let single = list_from_outline("Which day?", "Days", "Monday\nTuesday");
        assert_eq!(single.check(), Ok(()));
    }
}
