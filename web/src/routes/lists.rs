//! Contact lists (admins): an account's lists with their sizes, a new list, and the CSV import
//! with its column-mapping step (the file's first part is read by the relay for its columns,
//! the admin maps each, then the whole file is streamed) and its report of bad rows. A list's
//! own page browses its contacts page by page (search by phone or name, opted-out filter),
//! adds, edits, removes and deletes contacts, and renames or deletes the list.

use std::collections::BTreeMap;

use herald_api::{ContactView, ImportPreview, ImportProgress, ImportReport};
use herald_contacts::import::ColumnTarget;
use herald_contacts::{Contact, MAX_NAME_CHARS};
use herald_domain::MAX_LIST_NAME_CHARS;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::api::{self, ApiError, ContactPage};
use crate::components::account_picker::{AccountPicker, per_account};
use crate::remote::{Fetched, Job};
use crate::router::use_router;

/// How many contacts a page of a list shows.
const CONTACTS_PER_PAGE: u32 = 50;
/// How often a running import is asked how far it got.
const PROGRESS_EVERY_MS: u64 = 500;
/// How much of a file the mapping step reads.
const PREVIEW_BYTES: i32 = 64 * 1024;
/// The standard targets offered for each column (custom fields take the column's name).
const TARGETS: [(&str, &str); 6] = [
    ("phone", "Phone"),
    ("mobile", "Mobile"),
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("email", "Email"),
    ("ignore", "Do not import"),
];

/// The lists page.
#[component]
pub fn Lists() -> impl IntoView {
    let accounts = Fetched::new(api::list_accounts);
    let account = RwSignal::new(None::<i64>);
    let lists = per_account(account, api::list_lists);
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let create = Job::new(move |()| async move {
        let Some(account) = account.get_untracked() else {
            return;
        };
        match api::create_list(account, name.get_untracked()).await {
            Ok(_) => {
                name.set(String::new());
                error.set(None);
                lists.refetch();
            }
            Err(failure) => error.set(Some(failure.to_string())),
        }
    });
    let importing = RwSignal::new(None::<i64>);
    view! {
        <h2>"Lists"</h2>
        <div class="toolbar">
            <AccountPicker accounts account />
            <form on:submit=move |event| { event.prevent_default(); create.dispatch(()); }>
                <label for="list-name">"New list"</label>
                <input id="list-name" bind:value=name required maxlength=MAX_LIST_NAME_CHARS />
                <button type="submit">"Create list"</button>
            </form>
        </div>
        <Show when=move || error.with(Option::is_some)>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </Show>
        {move || match lists.get() {
            None => view! { <p>"Loading lists…"</p> }.into_any(),
            Some(Err(failure)) => view! {
                <p class="form-error" role="alert">{failure.to_string()}" "
                    <button on:click=move |_| lists.refetch()>"Retry"</button></p>
            }.into_any(),
            Some(Ok(found)) => view! {
                <table class="table" data-testid="lists">
                    <thead><tr><th>"Name"</th><th>"Contacts"</th><th>"Actions"</th></tr></thead>
                    <tbody>
                        {found.into_iter().map(|list| view! {
                            <tr data-testid="list-row" data-name=list.name>
                                <td><a href=format!("/lists/{}", list.id)>{list.name.clone()}</a>{list.is_master.then_some(" (master)")}</td>
                                <td data-testid="list-size">{list.size}</td>
                                <td class="actions">
                                    <button on:click=move |_| importing.set(Some(list.id))>"Import CSV"</button>
                                    <a href=api::export_url(list.id) download>"Export"</a>
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        }}
        {move || importing.get().map(|list| {
            // Untracked: the import refreshes the lists, which must not start the panel again.
            let name = lists.get_untracked().and_then(Result::ok).and_then(|all| all.into_iter().find(|found| found.id == list)).map(|found| found.name).unwrap_or_default();
            view! { <Import list name on_done=move || lists.refetch() /> }
        })}
    }
}

/// How far the running import into `list` got, asked while it runs.
#[component]
fn Progress(list: i64, file_size: f64) -> impl IntoView {
    let progress = RwSignal::new(None::<ImportProgress>);
    let asking = RwSignal::new(false);
    // One question at a time: on a slow relay, answers never arrive out of order.
    let ask = move || {
        if asking.get_untracked() {
            return;
        }
        asking.set(true);
        leptos::task::spawn_local(async move {
            // Not running yet (the file's first bytes are on their way) or any more (the report
            // is): the last figures stay until the report replaces them.
            if let Ok(now) = api::import_progress(list).await
                && now.running
            {
                progress.try_set(Some(now));
            }
            asking.try_set(false);
        });
    };
    if let Ok(ticker) =
        set_interval_with_handle(ask, std::time::Duration::from_millis(PROGRESS_EVERY_MS))
    {
        on_cleanup(move || ticker.clear());
    }
    view! {
        <p role="status" data-testid="import-progress">{move || match progress.get() {
            None => "Sending the file…".to_owned(),
            Some(now) => format!(
                "{}% of the file read: {} rows, {} new, {} updated, {} refused so far.",
                percent(now.bytes_read, file_size), now.rows, now.created, now.updated, now.error_count
            ),
        }}</p>
    }
}

fn percent(done: u64, total: f64) -> u64 {
    if total <= 0.0 {
        return 0;
    }
    ((done as f64 / total) * 100.0).clamp(0.0, 100.0) as u64
}

/// The import of one file into `list` (named `name`): pick, map, import, report.
#[component]
fn Import(
    list: i64,
    #[prop(into)] name: Signal<String>,
    on_done: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let file = RwSignal::new_local(None::<web_sys::File>);
    let preview = RwSignal::new(None::<Result<ImportPreview, ApiError>>);
    let mapping = RwSignal::new(Vec::<ColumnTarget>::new());
    let report = RwSignal::new(None::<Result<ImportReport, ApiError>>);
    let read_columns = Job::new(move |chosen: web_sys::File| {
        let head = chosen.slice_with_i32_and_i32(0, PREVIEW_BYTES);
        async move {
            let Ok(head) = head else { return };
            let found = api::preview_import(list, head).await;
            if let Ok(found) = &found {
                mapping.set(found.suggested.clone());
            }
            preview.set(Some(found));
        }
    });
    let run = Job::new(move |()| {
        let on_done = on_done.clone();
        async move {
            let Some(chosen) = file.get_untracked() else {
                return;
            };
            report.set(Some(
                api::import_contacts(list, &mapping.get_untracked(), chosen).await,
            ));
            on_done();
        }
    });
    let choose = move |event: leptos::ev::Event| {
        let input: Option<web_sys::HtmlInputElement> =
            event.target().and_then(|target| target.dyn_into().ok());
        if let Some(chosen) = input
            .and_then(|input| input.files())
            .and_then(|files| files.get(0))
        {
            report.set(None);
            read_columns.dispatch(chosen.clone());
            file.set(Some(chosen));
        }
    };
    view! {
        <section class="import" aria-label="Import contacts">
            <h3>{move || format!("Import contacts into \"{}\"", name.get())}</h3>
            <input type="file" accept=".csv,text/csv,text/plain" data-testid="csv-file" on:change=choose />
            {move || preview.get().map(|found| match found {
                Err(failure) => view! { <p class="form-error" role="alert">{failure.to_string()}</p> }.into_any(),
                Ok(found) => view! {
                    <table class="table" data-testid="column-mapping">
                        <thead><tr><th>"Column"</th><th>"Imported as"</th></tr></thead>
                        <tbody>
                            {found.headers.iter().enumerate().map(|(index, header)| {
                                let custom = format!("custom:{header}");
                                view! {
                                    <tr>
                                        <td>{header.clone()}</td>
                                        <td><select aria-label=format!("Column {header}")
                                            prop:value=move || mapping.with(|all| all.get(index).map(ToString::to_string).unwrap_or_default())
                                            on:change=move |event| {
                                                if let Ok(target) = event_target_value(&event).parse::<ColumnTarget>() {
                                                    mapping.update(|all| if let Some(slot) = all.get_mut(index) { *slot = target; });
                                                }
                                            }>
                                            {TARGETS.iter().map(|(value, label)| view! { <option value=*value>{*label}</option> }).collect_view()}
                                            <option value=custom>{format!("Custom field \"{header}\"")}</option>
                                        </select></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <button on:click=move |_| { run.dispatch(()); } disabled=move || run.pending()>"Import"</button>
                }.into_any(),
            })}
            <Show when=move || run.pending()>
                <Progress list file_size=file.with_untracked(|file| file.as_ref().map_or(0.0, |file| file.size())) />
            </Show>
            {move || report.get().map(|done| match done {
                Err(failure) => view! { <p class="form-error" role="alert">{failure.to_string()}</p> }.into_any(),
                Ok(done) => view! {
                    <p data-testid="import-report">{format!(
                        "{} rows read: {} new contacts, {} updated, {} refused.",
                        done.rows, done.created, done.updated, done.error_count
                    )}</p>
                    <ul class="row-errors">
                        {done.errors.into_iter().map(|bad| view! {
                            <li>{format!("Row {}, {}: {}", bad.row, bad.field, bad.reason)}</li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
            })}
        </section>
    }
}

/// A list's page: its contacts, page by page, and what can be done to them and to the list.
#[component]
pub fn ListPage(id: i64) -> impl IntoView {
    let router = use_router();
    let list = Fetched::new(move || api::show_list(id));
    let search = RwSignal::new(String::new());
    let opted_out = RwSignal::new(None::<bool>);
    let after = RwSignal::new(0_i64);
    // Where each earlier page began, to go back to it.
    let earlier = RwSignal::new(Vec::<i64>::new());
    let contacts = Fetched::new(move || {
        let page = ContactPage {
            after: after.get(),
            search: search.get(),
            opted_out: opted_out.get(),
            limit: CONTACTS_PER_PAGE,
        };
        async move { api::browse_contacts(id, &page).await }
    });
    let from_the_start = move || {
        after.set(0);
        earlier.set(Vec::new());
    };
    let error = RwSignal::new(None::<String>);
    let done = move |result: Result<(), ApiError>| match result {
        Ok(()) => {
            error.set(None);
            list.refetch();
            contacts.refetch();
        }
        Err(failure) => error.set(Some(failure.to_string())),
    };
    let editing = RwSignal::new(None::<ContactView>);
    let save = Job::new(move |contact: Contact| async move {
        let saved = match editing.get_untracked() {
            Some(existing) => api::update_contact(existing.id, &contact).await,
            None => api::add_contact(id, &contact).await,
        };
        if saved.is_ok() {
            editing.set(None);
        }
        done(saved.map(|_| ()));
    });
    let remove = Job::new(move |contact: i64| async move {
        done(api::remove_from_list(id, contact).await);
    });
    let delete = Job::new(move |contact: i64| async move {
        done(api::delete_contact(contact).await);
    });
    let new_name = RwSignal::new(String::new());
    let rename = Job::new(move |()| async move {
        let renamed = api::rename_list(id, new_name.get_untracked()).await;
        if renamed.is_ok() {
            new_name.set(String::new());
        }
        done(renamed.map(|_| ()));
    });
    let delete_list = Job::new(move |()| async move {
        match api::delete_list(id).await {
            Ok(()) => router.navigate("/lists"),
            Err(failure) => error.set(Some(failure.to_string())),
        }
    });
    let is_master = move || {
        list.get()
            .and_then(Result::ok)
            .is_some_and(|found| found.is_master)
    };
    let name = move || {
        list.get()
            .and_then(Result::ok)
            .map(|found| found.name)
            .unwrap_or_default()
    };
    view! {
        <p><a href="/lists">"← Lists"</a></p>
        <h2 data-testid="list-title">{move || match list.get() {
            Some(Ok(found)) => format!("{} ({} contacts)", found.name, found.size),
            Some(Err(failure)) => failure.to_string(),
            None => "Loading…".to_owned(),
        }}</h2>
        <Show when=move || !is_master() && list.get().is_some_and(|found| found.is_ok())>
            <div class="toolbar">
                <form on:submit=move |event| { event.prevent_default(); rename.dispatch(()); }>
                    <label for="list-rename">"New name"</label>
                    <input id="list-rename" bind:value=new_name required maxlength=MAX_LIST_NAME_CHARS />
                    <button type="submit" disabled=move || rename.pending()>"Rename"</button>
                </form>
                <button class="danger" on:click=move |_| {
                    if confirmed(&format!("Delete the list \"{}\"? Its contacts stay in the master list.", name())) {
                        delete_list.dispatch(());
                    }
                }>"Delete list"</button>
            </div>
        </Show>
        <Show when=move || error.with(Option::is_some)>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </Show>
        <div class="toolbar" role="search">
            <label for="contact-search">"Search"</label>
            <input id="contact-search" type="search" placeholder="Phone or name"
                prop:value=move || search.get()
                on:input=move |event| { search.set(event_target_value(&event)); from_the_start(); } />
            <label for="opt-out-filter">"Show"</label>
            <select id="opt-out-filter" on:change=move |event| {
                opted_out.set(match event_target_value(&event).as_str() {
                    "opted-out" => Some(true),
                    "opted-in" => Some(false),
                    _ => None,
                });
                from_the_start();
            }>
                <option value="all">"Every contact"</option>
                <option value="opted-out">"Opted out"</option>
                <option value="opted-in">"Not opted out"</option>
            </select>
        </div>
        {move || match contacts.get() {
            None => view! { <p>"Loading contacts…"</p> }.into_any(),
            Some(Err(failure)) => view! { <p class="form-error" role="alert">{failure.to_string()}</p> }.into_any(),
            Some(Ok(page)) => {
                let last = page.last().map(|contact| contact.id);
                let full = page.len() == CONTACTS_PER_PAGE as usize;
                view! {
                    <div class="table-scroll">
                    <table class="table" data-testid="contacts">
                        <thead><tr>
                            <th>"Phone"</th><th>"Name"</th><th>"Email"</th><th>"Custom fields"</th>
                            <th>"Opted out"</th><th>"Actions"</th>
                        </tr></thead>
                        <tbody>
                            {page.into_iter().map(|contact| {
                                let id = contact.id;
                                let shown = contact.clone();
                                let phone = contact.contact.phone.clone();
                                view! {
                                    <tr data-testid="contact-row" data-phone=phone>
                                        <td>{phone.clone()}</td>
                                        <td>{format!("{} {}", contact.contact.first_name, contact.contact.last_name).trim().to_owned()}</td>
                                        <td>{contact.contact.email.clone()}</td>
                                        <td>{custom_text(&contact.contact.custom)}</td>
                                        <td>{if contact.opted_out_at.is_some() { "yes" } else { "" }}</td>
                                        <td class="actions">
                                            <button on:click=move |_| editing.set(Some(shown.clone()))>"Edit"</button>
                                            <Show when=move || !is_master()>
                                                <button on:click=move |_| { remove.dispatch(id); }>"Remove from list"</button>
                                            </Show>
                                            <button class="danger" on:click=move |_| {
                                                if confirmed("Delete this contact? It leaves every list, and its name, email and custom fields are erased.") {
                                                    delete.dispatch(id);
                                                }
                                            }>"Delete"</button>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                    <nav class="pager" aria-label="Pages">
                        <button disabled=move || earlier.with(Vec::is_empty) on:click=move |_| {
                            let back = earlier.try_update(Vec::pop).flatten().unwrap_or(0);
                            after.set(back);
                        }>"Previous"</button>
                        <button disabled=!full on:click=move |_| {
                            if let Some(last) = last {
                                earlier.update(|pages| pages.push(after.get_untracked()));
                                after.set(last);
                            }
                        }>"Next"</button>
                    </nav>
                }.into_any()
            }
        }}
        {move || {
            let shown = editing.get();
            let heading = if shown.is_some() { "Edit contact" } else { "Add a contact" };
            let initial = shown.map(|contact| contact.contact).unwrap_or_default();
            view! {
                <ContactForm heading initial save />
                <Show when=move || editing.with(Option::is_some)>
                    <button on:click=move |_| editing.set(None)>"Cancel editing"</button>
                </Show>
            }
        }}
        <Import list=id name=Signal::derive(name) on_done=move || { list.refetch(); contacts.refetch(); } />
    }
}

/// A contact's custom fields, as `name: value` pairs.
fn custom_text(custom: &BTreeMap<String, String>) -> String {
    custom
        .iter()
        .map(|(name, value)| format!("{name}: {value}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Custom fields from `name: value` lines (a line without a colon is ignored).
fn custom_from(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .filter(|(name, _)| !name.is_empty())
        .collect()
}

/// Whether the user said yes to `question`.
fn confirmed(question: &str) -> bool {
    window().confirm_with_message(question).unwrap_or(false)
}

/// A contact's fields, for a new contact or to edit one.
#[component]
fn ContactForm(heading: &'static str, initial: Contact, save: Job<Contact>) -> impl IntoView {
    let phone = RwSignal::new(initial.phone);
    let mobile = RwSignal::new(initial.mobile);
    let first_name = RwSignal::new(initial.first_name);
    let last_name = RwSignal::new(initial.last_name);
    let email = RwSignal::new(initial.email);
    let custom = RwSignal::new(
        initial
            .custom
            .iter()
            .map(|(name, value)| format!("{name}: {value}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        save.dispatch(Contact {
            phone: phone.get_untracked(),
            mobile: mobile.get_untracked(),
            first_name: first_name.get_untracked(),
            last_name: last_name.get_untracked(),
            email: email.get_untracked(),
            custom: custom_from(&custom.get_untracked()),
        });
    };
    view! {
        <form class="contact-form" aria-label=heading on:submit=submit>
            <h3>{heading}</h3>
            <label>"Phone"<input bind:value=phone inputmode="tel" placeholder="+49 151 2345 0001" /></label>
            <label>"Mobile"<input bind:value=mobile inputmode="tel" /></label>
            <label>"First name"<input bind:value=first_name maxlength=MAX_NAME_CHARS /></label>
            <label>"Last name"<input bind:value=last_name maxlength=MAX_NAME_CHARS /></label>
            <label>"Email"<input bind:value=email type="email" /></label>
            <label>"Custom fields (one \"name: value\" per line)"<textarea bind:value=custom rows="3"></textarea></label>
            <button type="submit" disabled=move || save.pending()>"Save contact"</button>
        </form>
    }
}
