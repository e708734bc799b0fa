//! The templates workspace: the list of an account's templates (pick the account first, as in the
//! seed), and the editor page with its live preview and variable mapping.

use herald_api::TemplateView;
use herald_domain::{TemplateFilter, TemplateStatus};
use herald_templates::{
    Category, Code, Component, Diagnostic, ExistingTemplate, Template, preview_for_contact,
    preview_with_samples, validate_in_account,
};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::api::{self, ApiError};
use crate::components::account_picker::AccountPicker;
use crate::components::diagnostics::has_error;
use crate::components::editor::TemplateEditor;
use crate::components::mapping::MappingEditor;
use crate::components::preview::WhatsAppPreview;
use crate::components::preview_contact::PreviewContact;
use crate::reactive::Parts;
use crate::refresh::refetch_every;
use crate::remote::{Fetched, Job};
use crate::router::use_router;

/// How often the list asks for status changes that webhooks brought.
const REFRESH_MS: u64 = 2_000;

/// The list of templates.
#[component]
pub fn Templates() -> impl IntoView {
    let accounts = Fetched::new(api::list_accounts);
    let account = RwSignal::new(None::<i64>);
    let filter = RwSignal::new(TemplateFilter::NotDeleted);
    let templates = Fetched::new(move || {
        let (account, filter) = (account.get(), filter.get());
        async move {
            match account {
                Some(account) => api::list_templates(account, filter).await.map(Some),
                None => Ok(None),
            }
        }
    });
    refetch_every(templates, REFRESH_MS);
    let action_error = RwSignal::new(None::<String>);
    let run = move |outcome: Result<(), ApiError>| match outcome {
        Ok(()) => {
            action_error.set(None);
            templates.refetch();
        }
        Err(error) => action_error.set(Some(error.to_string())),
    };
    let delete = Job::new(move |id: i64| async move { run(api::delete_template(id).await) });
    let submit =
        Job::new(move |id: i64| async move { run(api::submit_template(id).await.map(|_| ())) });
    let router = use_router();
    let import = Job::new(move |(account, file): (i64, web_sys::File)| async move {
        match api::import_template_file(account, file).await {
            Ok(imported) => router.navigate(&format!("/templates/{}", imported.id)),
            Err(ApiError::Http { body, .. }) => {
                let findings: Vec<String> = body
                    .diagnostics
                    .iter()
                    .map(|finding| finding.message.clone())
                    .collect();
                let said = if findings.is_empty() {
                    body.message
                } else {
                    format!("{}: {}", body.message, findings.join("; "))
                };
                action_error.set(Some(format!("The file was not imported: {said}")));
            }
            Err(failure) => action_error.set(Some(format!("The file was not imported: {failure}"))),
        }
    });
    let synced = RwSignal::new(None::<String>);
    let sync = Job::new(move |account: i64| async move {
        match api::sync_templates(account).await {
            Ok(report) => {
                let unreadable = if report.unreadable.is_empty() {
                    String::new()
                } else {
                    format!(" Not readable, left out: {}.", report.unreadable.join(", "))
                };
                synced.set(Some(format!(
                    "The provider lists {} templates: {} imported, {} updated.{unreadable}",
                    report.listed, report.imported, report.updated
                )));
                run(Ok(()));
            }
            Err(error) => run(Err(error)),
        }
    });
    view! {
        <h2>"Templates"</h2>
        <div class="toolbar">
            <AccountPicker accounts account />
            <label for="filter">"Show"</label>
            <select id="filter" on:change=move |event| filter.set(event_target_value(&event).parse().unwrap_or_default())>
                <option value="not_deleted">"Not deleted"</option>
                <option value="all">"All"</option>
                <option value="deleted">"Deleted"</option>
            </select>
            {move || account.get().map(|id| view! {
                <a href=format!("/templates/new?account={id}")>"New template"</a>
                <label class="file-button">"Import a template file"
                    <input type="file" accept=".json,application/json" data-testid="template-file"
                        on:change=move |event| {
                            let input: Option<web_sys::HtmlInputElement> =
                                event.target().and_then(|target| target.dyn_into().ok());
                            if let Some(chosen) = input.as_ref().and_then(|input| input.files()).and_then(|files| files.get(0)) {
                                import.dispatch((id, chosen));
                            }
                            if let Some(input) = input { input.set_value(""); }
                        } />
                </label>
                <button type="button" data-testid="sync-templates" disabled=move || sync.pending()
                    on:click=move |_| { sync.dispatch(id); }>
                    "Sync with the provider"
                </button>
            })}
        </div>
        <Show when=move || synced.with(Option::is_some)>
            <p class="form-ok" role="status" data-testid="sync-report">{move || synced.get()}</p>
        </Show>
        <Show when=move || action_error.with(Option::is_some)>
            <p class="form-error" role="alert">{move || action_error.get()}</p>
        </Show>
        {move || match templates.get() {
            None => view! { <p>"Loading templates…"</p> }.into_any(),
            Some(Err(error)) => view! {
                <p class="form-error" role="alert">{error.to_string()}" "
                    <button on:click=move |_| templates.refetch()>"Retry"</button></p>
            }.into_any(),
            Some(Ok(None)) => view! { <p>"Add an account first."</p> }.into_any(),
            Some(Ok(Some(list))) => view! {
                <p class="count" data-testid="template-count">{format!("{} of {}", list.count, list.limit)}</p>
                <table class="table" data-testid="templates">
                    <thead><tr>
                        <th>"Name"</th><th>"Language"</th><th>"Category"</th><th>"Status"</th><th>"Quality"</th>
                        <th>"Recontact"</th><th>"Agents"</th><th>"Actions"</th>
                    </tr></thead>
                    <tbody>
                        {list.templates.iter().map(|shown| row(shown, delete, submit)).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        }}
    }
}

fn row(shown: &TemplateView, delete: Job<i64>, submit: Job<i64>) -> impl IntoView {
    let id = shown.id;
    let name = shown.template.name.clone();
    let status = shown.status;
    let can_submit = !shown.deleted && status.is_editable();
    let confirm_delete = move |_| {
        let asked = format!("Delete the template \"{name}\"? It stays visible under Deleted.");
        if window().confirm_with_message(&asked).unwrap_or(false) {
            delete.dispatch(id);
        }
    };
    view! {
        <tr data-testid="template-row" data-name=shown.template.name.clone()>
            <td>{shown.template.name.clone()}</td>
            <td>{shown.template.language.clone()}</td>
            <td>{shown.template.category.to_string()}</td>
            <td>
                <span class=format!("badge status-{}", status.as_str().to_lowercase()) data-testid="status">
                    {if shown.deleted { "DELETED".to_owned() } else { status.to_string() }}
                </span>
                {shown.rejection_reason.clone().map(|reason| view! { <small class="reason">{reason}</small> })}
                {flagged(shown).map(|count| view! {
                    <small class="warning-note" data-testid="approved-warnings">
                        {format!("Approved by Meta; today's rules would flag {count}")}
                    </small>
                })}
            </td>
            <td>{shown.quality.to_string()}</td>
            <td>{if shown.template.herald.recontact { "yes" } else { "no" }}</td>
            <td>{if shown.template.herald.available_to_agents { "yes" } else { "no" }}</td>
            <td class="actions">
                {if shown.deleted {
                    view! { <a href=format!("/templates/{id}")>"Show details and preview"</a> }.into_any()
                } else {
                    view! {
                        <a href=format!("/templates/{id}")>{if status == TemplateStatus::Approved { "Edit mapping" } else { "Edit" }}</a>
                        <Show when=move || can_submit>
                            <button type="button" on:click=move |_| { submit.dispatch(id); }>"Submit"</button>
                        </Show>
                        <button type="button" class="danger" on:click=confirm_delete>"Delete"</button>
                    }.into_any()
                }}
            </td>
        </tr>
    }
}

/// How many of today's rules an approved template breaks (it can be sent all the same).
fn flagged(shown: &TemplateView) -> Option<usize> {
    let count = herald_templates::validate(&shown.template)
        .iter()
        .filter(|finding| finding.is_error())
        .count();
    (shown.status == TemplateStatus::Approved && !shown.deleted && count > 0).then_some(count)
}

/// Why the provider rejected the template as stored, shown with the template's findings; a
/// warning, since changing the template and submitting it again is the way out.
fn rejection(saved: &TemplateView) -> Option<Diagnostic> {
    let reason = saved.rejection_reason.as_deref()?;
    (saved.status == TemplateStatus::Rejected).then(|| {
        Diagnostic::new(
            Code::TemplateRejected,
            Component::Template,
            format!(
                "The provider rejected this template ({reason}): change it and submit it again"
            ),
            None,
        )
    })
}

/// A fresh template for the editor.
fn draft() -> Template {
    Template {
        language: "en_US".to_owned(),
        category: Category::Marketing,
        ..Template::default()
    }
}

/// The editor page: a new template of `account` (`/templates/new?account=ID`) or template `id`
/// (`/templates/ID`).
#[component]
pub fn TemplateWorkspace(id: Option<i64>, account: Option<i64>) -> impl IntoView {
    let template = RwSignal::new(draft());
    let saved = RwSignal::new(None::<TemplateView>);
    let load_error = RwSignal::new(None::<String>);
    // The relay's last refusal, with the template it refused: shown while the template is that.
    let server_findings = RwSignal::new(None::<(Template, Vec<Diagnostic>)>);
    let message = RwSignal::new(None::<(bool, String)>);
    let account_id = move || {
        saved
            .with(|saved| saved.as_ref().map(|saved| saved.account_id))
            .or(account)
    };
    let loaded = Fetched::new(move || async move {
        match id {
            Some(id) => api::show_template(id).await.map(Some),
            None => Ok(None),
        }
    });
    Effect::new(move |_| match loaded.get() {
        Some(Ok(Some(view))) => {
            template.set(view.template.clone());
            saved.set(Some(view));
        }
        Some(Err(error)) => load_error.set(Some(error.to_string())),
        _ => {}
    });
    let editing = move || {
        saved
            .with(|saved| saved.as_ref().map(|saved| saved.id))
            .or(id)
    };
    // The account's other templates, so that a duplicate name or content is flagged while
    // typing by the same account-level rules the relay applies on saving.
    let others = Fetched::new(move || {
        let account = account_id();
        async move {
            match account {
                Some(account) => api::list_templates(account, TemplateFilter::NotDeleted)
                    .await
                    .ok(),
                None => None,
            }
        }
    });
    let others = Memo::new(move |_| {
        others
            .get()
            .flatten()
            .map(|list| {
                let templates = list
                    .templates
                    .iter()
                    .map(|other| (other.id, &other.template));
                ExistingTemplate::others(templates, editing())
            })
            .unwrap_or_default()
    });
    let parts = Parts::new(template);
    let findings = parts.slice(move |template| {
        let mut found = others.with(|others| validate_in_account(template, others));
        // What Meta approved can be sent whatever today's rules say: its findings are warnings
        // until its content changes.
        let approved = saved.with(|saved| {
            saved.as_ref().is_some_and(|saved| {
                saved.status == TemplateStatus::Approved && saved.template.same_content(template)
            })
        });
        if approved {
            found = found
                .into_iter()
                .map(Diagnostic::approved_by_meta)
                .collect();
        }
        found.extend(saved.with(|saved| saved.as_ref().and_then(rejection)));
        // The relay's own findings that the browser's check does not repeat: a provider's
        // refusal, or a rule that saw templates created since the list was read.
        server_findings.with(|answer| {
            if let Some((refused, findings)) = answer
                && refused == template
            {
                for finding in findings {
                    if !found.contains(finding) {
                        found.push(finding.clone());
                    }
                }
            }
        });
        found
    });
    let contact = RwSignal::new(None::<herald_contacts::Contact>);
    let preview = Signal::from(Memo::new(move |_| {
        contact.with(|contact| match contact {
            Some(contact) => template.with(|template| preview_for_contact(template, contact)),
            None => template.with(preview_with_samples),
        })
    }));
    let status = move || saved.with(|saved| saved.as_ref().map(|saved| saved.status));
    let deleted = move || saved.with(|saved| saved.as_ref().is_some_and(|saved| saved.deleted));
    let locked =
        Signal::derive(move || deleted() || status().is_some_and(|status| !status.is_editable()));
    // While the provider reviews the template its status is asked again, so the verdict a
    // webhook brought shows here without a reload; the template being edited is left alone.
    let review = Fetched::new(move || {
        let pending = editing().filter(|_| status() == Some(TemplateStatus::Pending));
        async move {
            match pending {
                Some(id) => api::show_template(id).await.ok(),
                None => None,
            }
        }
    });
    refetch_every(review, REFRESH_MS);
    Effect::new(move |_| {
        let Some(Some(view)) = review.get() else {
            return;
        };
        let reviewed = saved.with_untracked(|saved| {
            saved
                .as_ref()
                .is_some_and(|saved| saved.id == view.id && saved.status != view.status)
        });
        if reviewed {
            // "Saved; status PENDING." is no longer true: the verdict replaces it.
            message.set(Some((
                view.status != TemplateStatus::Rejected,
                format!("Reviewed by the provider: {}.", view.status),
            )));
            saved.update(|saved| {
                if let Some(saved) = saved {
                    saved.status = view.status;
                    saved.quality = view.quality;
                    saved.rejection_reason = view.rejection_reason;
                }
            });
        }
    });
    let dirty = parts.slice(move |current| {
        saved.with(|saved| match saved {
            Some(saved) => saved.template != *current,
            None => *current != draft(),
        })
    });
    // Leaving with unsaved changes asks first: closing or reloading the tab, and the back link.
    let guard = window_event_listener(leptos::ev::beforeunload, move |event| {
        if dirty.get_untracked() {
            event.prevent_default();
            event.set_return_value("unsaved");
        }
    });
    on_cleanup(move || guard.remove());
    let leave = move |event: leptos::ev::MouseEvent| {
        let asked = "Leave the editor? Your unsaved changes will be lost.";
        if dirty.get_untracked() && !window().confirm_with_message(asked).unwrap_or(false) {
            event.prevent_default();
        }
    };
    let router = use_router();
    let save = Job::new(move |submit_after: bool| {
        let current = template.get_untracked();
        let id = saved.with_untracked(|saved| saved.as_ref().map(|saved| saved.id));
        let account = account_id();
        async move {
            let stored = match (id, account) {
                (Some(id), _) => api::update_template(id, &current).await,
                (None, Some(account)) => api::create_template(account, &current).await,
                (None, None) => {
                    message.set(Some((
                        false,
                        "Choose an account on the templates page first.".to_owned(),
                    )));
                    return;
                }
            };
            // The page may be gone by the time the relay answers: then there is nothing to show.
            let refused = |sent: Template, error: ApiError| {
                if saved.is_disposed() {
                    return;
                }
                match error {
                    ApiError::Http { body, .. } => {
                        server_findings.set(Some((sent, body.diagnostics.clone())));
                        message.set(Some((false, body.message)));
                    }
                    error => message.set(Some((
                        false,
                        format!("{error}. Nothing was lost: try again."),
                    ))),
                }
            };
            let keep = |sent: &Template, stored: TemplateView| {
                if saved.is_disposed() {
                    return;
                }
                server_findings.set(None);
                // The editor flags the same warnings beside their fields while they last; the
                // relay's, from the moment of saving, are said once here.
                let warnings = stored
                    .warnings
                    .iter()
                    .map(|warning| format!(" {}.", warning.message))
                    .collect::<String>();
                message.set(Some((
                    true,
                    format!("Saved; status {}.{warnings}", stored.status),
                )));
                if id.is_none() {
                    // Kept, not rebuilt: a refusal of the submission that follows stays shown.
                    router.rename(&format!("/templates/{}", stored.id));
                }
                // What was typed while the relay answered stays.
                if template.with_untracked(|current| current == sent) {
                    template.set(stored.template.clone());
                }
                saved.set(Some(stored));
            };
            let stored = match stored {
                Ok(stored) => stored,
                Err(error) => return refused(current, error),
            };
            let (stored_id, submitted_template) = (stored.id, stored.template.clone());
            keep(&current, stored);
            if submit_after {
                match api::submit_template(stored_id).await {
                    Ok(submitted) => keep(&submitted_template, submitted),
                    Err(error) => refused(submitted_template, error),
                }
            }
        }
    });
    let blocked = move || findings.with(|found| has_error(found)) || save.pending();
    view! {
        <div class="workspace-head">
            <h2>{move || match (editing().is_some(), deleted()) {
                (_, true) => "Template details (deleted)",
                (true, false) => "Edit template",
                (false, false) => "New template",
            }}</h2>
            <a href="/templates" on:click=leave>"Back to templates"</a>
            {move || status().map(|status| {
                let (class, text) = if deleted() {
                    ("badge status-deleted".to_owned(), "DELETED".to_owned())
                } else {
                    (format!("badge status-{}", status.as_str().to_lowercase()), status.to_string())
                };
                view! { <span class=class data-testid="editor-status">{text}</span> }
            })}
            <Show when=move || dirty.get()>
                <span class="unsaved" data-testid="unsaved">"Unsaved changes"</span>
            </Show>
            {move || editing().map(|id| view! {
                <a class="button" href=api::template_file_url(id) download data-testid="export-template">"Export file"</a>
            })}
        </div>
        <Show when=move || load_error.with(Option::is_some)>
            <p class="form-error" role="alert">{move || load_error.get()}" "
                <button on:click=move |_| loaded.refetch()>"Retry"</button></p>
        </Show>
        <div class="workspace">
            <div class="workspace-form">
                <TemplateEditor template findings=findings.into() locked />
                <MappingEditor template />
                <PreviewContact account=Signal::derive(account_id) contact />
                <div class="actions">
                    <button type="button" on:click=move |_| { save.dispatch(false); } disabled=move || save.pending() || deleted()>"Save"</button>
                    <button type="button" class="primary" on:click=move |_| { save.dispatch(true); } disabled=move || blocked() || locked.get()>"Save and submit"</button>
                </div>
                {move || message.get().map(|(ok, text)| view! {
                    <p class=if ok { "form-ok" } else { "form-error" } role="status" data-testid="save-message">{text}</p>
                })}
            </div>
            <WhatsAppPreview preview />
        </div>
    }
}
