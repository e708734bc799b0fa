//! Contact lists (admins): an account's lists with their sizes, a new list, and the CSV import
//! with its column-mapping step (the file's first part is read by the relay for its columns,
//! the admin maps each, then the whole file is streamed) and its report of bad rows.

use herald_api::{ImportPreview, ImportProgress, ImportReport};
use herald_contacts::import::ColumnTarget;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::api::{self, ApiError};
use crate::components::account_picker::{AccountPicker, per_account};
use crate::remote::{Fetched, Job};

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
                <input id="list-name" bind:value=name required maxlength="100" />
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
                                <td>{list.name.clone()}{list.is_master.then_some(" (master)")}</td>
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
        {move || importing.get().map(|list| view! { <Import list on_done=move || lists.refetch() /> })}
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

/// The import of one file into `list`: pick, map, import, report.
#[component]
fn Import(list: i64, on_done: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
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
            <h3>"Import contacts"</h3>
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
