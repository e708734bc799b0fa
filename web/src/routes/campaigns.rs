//! Campaigns (admins): an account's campaigns with status and hopper counts, the menu's actions
//! (Stop, Start Retry Campaign, Reset List, Delete), a new campaign (only APPROVED templates are
//! offered), and one campaign's live progress, pushed by the relay as server-sent events.

use herald_api::{
    CampaignProgress, CampaignView, DryRun, HopperCountsView, HopperRowView, ListView, NewCampaign,
    OutcomeCountView,
};
use herald_contacts::Contact;
use herald_domain::{
    CampaignSettings, HopperState, MAX_CAMPAIGN_NAME_CHARS, Outcome, TemplateFilter,
    TemplateStatus, launch_summary, sending_rate,
};
use herald_templates::{Preview, preview_for_contact, preview_with_samples};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::api::{self, ApiError};
use crate::components::account_picker::{AccountPicker, per_account};
use crate::components::preview::WhatsAppPreview;
use crate::components::preview_contact::PreviewContact;
use crate::components::results::Results;
use crate::refresh::refetch_every;
use crate::remote::{Fetched, Job};
use crate::time::{input_value, time_label};

/// How often the list of campaigns is reloaded (statuses and counts of every row; the watched
/// campaign's progress is pushed).
const REFRESH_MS: u64 = 3_000;
/// The seed's warning before Reset List, word for word.
const RESET_WARNING: &str = "all previously contacted recipients will receive the campaign again";

/// The campaigns page.
#[component]
pub fn Campaigns() -> impl IntoView {
    let accounts = Fetched::new(api::list_accounts);
    let account = RwSignal::new(None::<i64>);
    let campaigns = per_account(account, api::list_campaigns);
    refetch_every(campaigns, REFRESH_MS);
    let watched = RwSignal::new(None::<i64>);
    let editing = RwSignal::new(None::<CampaignView>);
    let lists = per_account(account, api::list_lists);
    let error = RwSignal::new(None::<String>);
    let add_list = Job::new(move |(id, list_id): (i64, i64)| async move {
        match api::attach_list(id, list_id).await {
            Ok(_) => {
                error.set(None);
                campaigns.refetch();
            }
            Err(failure) => error.set(Some(failure.to_string())),
        }
    });
    let act = Job::new(move |(id, action): (i64, &'static str)| async move {
        match api::campaign_action(id, action).await {
            Ok(()) => {
                error.set(None);
                campaigns.refetch();
            }
            Err(failure) => error.set(Some(failure.to_string())),
        }
    });
    view! {
        <h2>"Campaigns"</h2>
        <div class="toolbar"><AccountPicker accounts account /></div>
        <Show when=move || error.with(Option::is_some)>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </Show>
        {move || match campaigns.get() {
            None => view! { <p>"Loading campaigns…"</p> }.into_any(),
            Some(Err(failure)) => view! {
                <p class="form-error" role="alert">{failure.to_string()}" "
                    <button on:click=move |_| campaigns.refetch()>"Retry"</button></p>
            }.into_any(),
            Some(Ok(found)) => view! {
                <table class="table" data-testid="campaigns">
                    <thead><tr><th>"Name"</th><th>"Status"</th><th>"Total"</th><th>"Fresh"</th><th>"Retry"</th>
                        <th>"Pending"</th><th>"Closed"</th><th>"Actions"</th></tr></thead>
                    <tbody>{found.into_iter().map(|campaign| {
                        let menu = Menu { act, add_list, watched, editing, lists };
                        row(campaign, menu)
                    }).collect_view()}</tbody>
                </table>
            }.into_any(),
        }}
        {move || watched.get().map(|id| view! { <Live id /> })}
        {move || match editing.get() {
            Some(campaign) => view! {
                <CampaignForm account=campaign.account_id editing=Some(campaign)
                    on_done=move || { editing.set(None); campaigns.refetch(); } />
            }.into_any(),
            None => account.get().map(|id| view! {
                <CampaignForm account=id editing=None on_done=move || campaigns.refetch() />
            }).into_any(),
        }}
    }
}

/// What a campaign's menu acts on.
#[derive(Clone, Copy)]
struct Menu {
    act: Job<(i64, &'static str)>,
    add_list: Job<(i64, i64)>,
    watched: RwSignal<Option<i64>>,
    editing: RwSignal<Option<CampaignView>>,
    lists: Fetched<Result<Vec<ListView>, ApiError>>,
}

fn row(campaign: CampaignView, menu: Menu) -> impl IntoView {
    let Menu {
        act,
        add_list,
        watched,
        editing,
        lists,
    } = menu;
    let id = campaign.id;
    let edited = campaign.clone();
    let attached = campaign.list_ids.clone();
    let chosen_list = RwSignal::new(String::new());
    let reset = move |_| {
        let asked = format!("Reset List: {RESET_WARNING}. Continue?");
        if window().confirm_with_message(&asked).unwrap_or(false) {
            act.dispatch((id, "reset"));
        }
    };
    let delete = move |_| {
        if window()
            .confirm_with_message("Delete this campaign?")
            .unwrap_or(false)
        {
            act.dispatch((id, "delete"));
        }
    };
    let in_doubt = campaign.counts.in_doubt;
    let resend = move |_| {
        let asked = format!(
            "{in_doubt} contacts are in doubt: the provider may have sent them the message already, and no webhook said so. Send it to them again? Some may get it twice."
        );
        if window().confirm_with_message(&asked).unwrap_or(false) {
            act.dispatch((id, "resend-in-doubt"));
        }
    };
    let name = campaign.settings.name;
    // The view macro builds the children first: the attribute takes the last use.
    view! {
        <tr data-testid="campaign-row" data-name=name>
            <td><button class="link" on:click=move |_| watched.set(Some(id))>{name.clone()}</button></td>
            <td>
                <span class=format!("badge status-{}", campaign.status.as_str().to_lowercase()) data-testid="status">{campaign.status.to_string()}</span>
                {campaign.status_reason.map(|reason| view! { <small class="reason">{reason}</small> })}
                {campaign.warning.map(|warning| view! { <small class="reason" role="note">{warning}</small> })}
                {results_line(&campaign.outcomes).map(|line| {
                    // Only a campaign that sent nothing reads as a problem.
                    let class = if line.starts_with("0 sent") { "reason" } else { "results-line" };
                    view! { <small class=class data-testid="results">{line}</small> }
                })}
                {(in_doubt > 0).then(|| view! {
                    <small class="reason" role="note" data-testid="in-doubt">
                        {format!("{in_doubt} in doubt: the provider may have sent them; Start Retry Campaign leaves them alone")}
                    </small>
                })}
            </td>
            {counts_cells(campaign.counts)}
            <td class="actions">
                <button on:click=move |_| editing.set(Some(edited.clone()))>"Edit"</button>
                <details class="add-list">
                    <summary>"Add List"</summary>
                    <form aria-label="Add List" on:submit=move |event| {
                        event.prevent_default();
                        if let Ok(list_id) = chosen_list.get_untracked().parse() {
                            add_list.dispatch((id, list_id));
                        }
                    }>
                        <label class="visually-hidden" for=format!("add-list-{id}")>"List to add"</label>
                        <select id=format!("add-list-{id}") bind:value=chosen_list required>
                            <option value="">"—"</option>
                            {move || lists.get().and_then(Result::ok).unwrap_or_default().into_iter()
                                .filter(|shown| !attached.contains(&shown.id))
                                .map(|shown| view! { <option value=shown.id.to_string()>{format!("{} ({})", shown.name, shown.size)}</option> })
                                .collect_view()}
                        </select>
                        <button type="submit">"Add"</button>
                    </form>
                </details>
                <button on:click=move |_| { act.dispatch((id, "stop")); }>"Stop"</button>
                <button on:click=move |_| { act.dispatch((id, "retry")); }>"Start Retry Campaign"</button>
                <button on:click=reset>"Reset List"</button>
                {(in_doubt > 0).then(|| view! { <button on:click=resend>{format!("Resend the {in_doubt} in doubt")}</button> })}
                <button on:click=delete>"Delete"</button>
            </td>
        </tr>
    }
}

/// The moment a `datetime-local` value names in the browser's time zone (Unix ms); none when
/// blank or unreadable.
fn start_moment(value: &str) -> Option<i64> {
    if value.trim().is_empty() {
        return None;
    }
    let moment = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(value)).get_time();
    // A Unix time in ms: whole, and far inside i64.
    moment.is_finite().then_some(moment as i64)
}

/// What a campaign's contacts came to, in a line: how many were sent, skipped and failed, and
/// the most frequent reasons of those not sent ("0 sent, 5 skipped: variable {{2}} is empty
/// (5)"), so that a campaign that sent nothing never reads as a success.
pub fn results_line(outcomes: &[OutcomeCountView]) -> Option<String> {
    if outcomes.is_empty() {
        return None;
    }
    let (mut sent, mut skipped, mut failed) = (0, 0, 0);
    let mut reasons = Vec::new();
    for group in outcomes {
        let tally = match group.outcome {
            Outcome::Sent | Outcome::Answered | Outcome::LateReply | Outcome::TimedOut => {
                sent += group.count;
                continue;
            }
            Outcome::Skipped | Outcome::InvalidPhone => &mut skipped,
            Outcome::Failed | Outcome::Error => &mut failed,
            Outcome::Waiting | Outcome::Paced | Outcome::InDoubt | Outcome::Resent => continue,
        };
        *tally += group.count;
        if let Some(reason) = &group.reason
            && reasons.len() < 3
        {
            reasons.push(format!("{reason} ({})", group.count));
        }
    }
    let mut line = format!("{sent} sent");
    if skipped > 0 {
        line.push_str(&format!(", {skipped} skipped"));
    }
    if failed > 0 {
        line.push_str(&format!(", {failed} failed"));
    }
    if !reasons.is_empty() {
        line.push_str(": ");
        line.push_str(&reasons.join("; "));
    }
    Some(line)
}

fn counts_cells(counts: HopperCountsView) -> impl IntoView {
    view! {
        <td>{counts.total}</td><td>{counts.fresh}</td><td>{counts.retry}</td>
        <td>{counts.pending}</td><td>{counts.closed}</td>
    }
}

/// One campaign's progress as the relay pushes it, and its Pending and Contacts History tabs.
#[component]
fn Live(id: i64) -> impl IntoView {
    let progress = RwSignal::new(None::<CampaignProgress>);
    let recent = RwSignal::new(Vec::new());
    let tab = RwSignal::new(LiveTab::Hopper);
    if let Ok(source) = web_sys::EventSource::new(&api::campaign_events_url(id)) {
        let on_progress = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let Some(data) = event.data().as_string() else {
                    return;
                };
                if let Ok(update) = serde_json::from_str::<CampaignProgress>(&data) {
                    recent.update(|rows: &mut Vec<HopperRowView>| {
                        rows.splice(0..0, update.recent.iter().cloned());
                        // A contact shows once, as it stands now.
                        let mut seen = std::collections::HashSet::new();
                        rows.retain(|row| seen.insert(row.id));
                        rows.truncate(20);
                    });
                    progress.set(Some(update));
                }
            },
        );
        let _ = source
            .add_event_listener_with_callback("progress", on_progress.as_ref().unchecked_ref());
        on_progress.forget();
        let source = send_wrapper::SendWrapper::new(source);
        on_cleanup(move || source.close());
    }
    // The history's outcome filter (`None`: every outcome).
    let outcome = RwSignal::new(None::<Outcome>);
    let rows = Fetched::new(move || {
        let (state, outcome) = match tab.get() {
            LiveTab::Pending => (Some(HopperState::Pending), None),
            LiveTab::History => (Some(HopperState::Closed), outcome.get()),
            LiveTab::Settings | LiveTab::Hopper => (None, None),
        };
        async move {
            match state {
                Some(state) => api::hopper_rows(id, state, outcome).await,
                None => Ok(Vec::new()),
            }
        }
    });
    let campaign = Fetched::new(move || api::show_campaign(id));
    refetch_every(rows, REFRESH_MS);
    let results = Fetched::new(move || api::campaign_results(id));
    refetch_every(results, REFRESH_MS);
    view! {
        <section class="live" aria-label="Live progress" data-testid="live">
            <h3>{move || campaign.get().and_then(Result::ok).map_or_else(|| "Campaign".to_owned(), |shown| shown.settings.name)}</h3>
            <div role="tablist" class="tabs">
                {LIVE_TABS.into_iter().map(|(which, label)| view! {
                    <button role="tab" aria-selected=move || (tab.get() == which).to_string()
                        class:selected=move || tab.get() == which
                        on:click=move |_| {
                            tab.set(which);
                            if which == LiveTab::Settings { campaign.refetch(); }
                        }>{label}</button>
                }).collect_view()}
            </div>
            <Show when=move || tab.get() == LiveTab::Settings>
                {move || campaign.get().map(|found| match found {
                    Ok(shown) => settings_view(&shown).into_any(),
                    Err(failure) => view! { <p class="form-error" role="alert">{failure.to_string()}</p> }.into_any(),
                })}
            </Show>
            <Show when=move || tab.get() == LiveTab::Hopper>
                {move || progress.get().map(|now| view! {
                    <p data-testid="live-status">{now.status.to_string()}</p>
                    <table class="table"><thead><tr><th>"Total"</th><th>"Fresh"</th><th>"Retry"</th><th>"Pending"</th><th>"Closed"</th></tr></thead>
                        <tbody><tr data-testid="live-counts">{counts_cells(now.counts)}</tr></tbody></table>
                })}
                {move || results.get().map(|found| match found {
                    Ok(results) => view! { <Results results /> }.into_any(),
                    Err(failure) => view! { <p class="form-error" role="alert">{failure.to_string()}</p> }.into_any(),
                })}
                <h4>"Latest changes"</h4>
                <ul class="recent" data-testid="recent">
                    {move || recent.get().into_iter().map(|row| view! {
                        <li>{format!("{} {}{}", row.phone, row.state, row.reason.map(|reason| format!(": {reason}")).unwrap_or_default())}</li>
                    }).collect_view()}
                </ul>
            </Show>
            <Show when=move || tab.get() == LiveTab::History>
                <div class="toolbar">
                    <label for="history-outcome">"Outcome"</label>
                    <select id="history-outcome" on:change=move |event| {
                        outcome.set(event_target_value(&event).parse().ok());
                    }>
                        <option value="">"All"</option>
                        {HISTORY_OUTCOMES.into_iter().map(|shown| view! {
                            <option value=shown.as_str()>{shown.as_str()}</option>
                        }).collect_view()}
                    </select>
                    <a class="button" download data-testid="history-export"
                        href=move || api::history_export_url(id, outcome.get())>"Export CSV"</a>
                </div>
            </Show>
            {move || matches!(tab.get(), LiveTab::Pending | LiveTab::History).then(|| rows.get().map(|found| match found {
                Err(failure) => view! { <p class="form-error" role="alert">{failure.to_string()}</p> }.into_any(),
                Ok(found) => view! {
                    <table class="table"><thead><tr><th>"Phone"</th><th>"Outcome"</th><th>"Reason"</th><th>"Answer"</th></tr></thead>
                        <tbody>{found.into_iter().map(|row| view! {
                            <tr><td>{row.phone}</td><td>{row.outcome.map(|outcome| outcome.as_str())}</td><td>{row.reason}</td><td>{row.answer}</td></tr>
                        }).collect_view()}</tbody></table>
                }.into_any(),
            }))}
        </section>
    }
}

/// The campaign editor's tabs (SPEC section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LiveTab {
    Settings,
    Hopper,
    Pending,
    History,
}

const LIVE_TABS: [(LiveTab, &str); 4] = [
    (LiveTab::Settings, "Settings"),
    (LiveTab::Hopper, "Hopper"),
    (LiveTab::Pending, "Pending"),
    (LiveTab::History, "Contacts History"),
];

/// A campaign's settings as they are saved (Edit changes them).
fn settings_view(campaign: &CampaignView) -> impl IntoView {
    let settings = &campaign.settings;
    let start = settings
        .start_at
        .map_or_else(|| "On save".to_owned(), time_label);
    let days = |count: u32| {
        if count == 1 {
            "1 day".to_owned()
        } else {
            format!("{count} days")
        }
    };
    let duplicate = settings
        .duplicate_check_days
        .map_or_else(|| "No check".to_owned(), days);
    let yes_no = |on: bool| if on { "Yes" } else { "No" };
    let rows = [
        ("Status", campaign.status.to_string()),
        ("Template id", settings.template_id.to_string()),
        ("Lists", campaign.list_ids.len().to_string()),
        ("Start", start),
        (
            "Sending interval",
            format!("{} ms", settings.sending_interval_ms),
        ),
        ("Response timeout", days(settings.response_timeout_days)),
        ("Duplicate check", duplicate),
        (
            "Include customers with active interactions",
            yes_no(settings.include_active_interactions).to_owned(),
        ),
        (
            "Close interaction on quick reply response",
            yes_no(settings.close_on_quick_reply).to_owned(),
        ),
    ];
    view! {
        <dl class="settings" data-testid="campaign-settings">
            {rows.into_iter().map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> }).collect_view()}
        </dl>
    }
}

/// The outcomes a closed contact can have, offered by the history's filter.
const HISTORY_OUTCOMES: [Outcome; 6] = [
    Outcome::Answered,
    Outcome::LateReply,
    Outcome::TimedOut,
    Outcome::Failed,
    Outcome::Skipped,
    Outcome::Sent,
];

/// How many skipped contacts a dry run lists in the page.
const DRY_RUN_SKIPS_SHOWN: usize = 10;

/// What a dry run found: how many would get the message, the first messages as they would
/// read, and who would be skipped, and why.
fn dry_run_view(found: DryRun) -> impl IntoView {
    let skipped = found.skipped.len();
    let more = skipped.saturating_sub(DRY_RUN_SKIPS_SHOWN);
    view! {
        <section class="dry-run" aria-label="Dry run" data-testid="dry-run">
            <p role="status">{format!("{} would get the message, {skipped} would be skipped (nothing was sent).", found.sendable)}</p>
            {found.warning.map(|warning| view! { <p class="reason" role="note" data-testid="dry-run-warning">{warning}</p> })}
            <ol class="messages">
                {found.messages.into_iter().map(|message| view! {
                    <li class="message outbound" data-testid="dry-run-message">
                        <p>{message.body}</p><small class="meta">{message.phone}</small>
                    </li>
                }).collect_view()}
            </ol>
            {(skipped > 0).then(|| view! {
                <ul class="skipped" data-testid="dry-run-skipped">
                    {found.skipped.into_iter().take(DRY_RUN_SKIPS_SHOWN).map(|skip| view! {
                        <li>{format!("{}: {}", skip.phone, skip.reason)}</li>
                    }).collect_view()}
                    {(more > 0).then(|| view! { <li>{format!("and {more} more")}</li> })}
                </ul>
            })}
        </section>
    }
}

/// A new campaign: settings with the spec's defaults, an approved template, a list.
#[component]
fn CampaignForm(
    account: i64,
    /// The campaign edited (Edit); none for a new one.
    editing: Option<CampaignView>,
    /// Called once a campaign was created or saved, or the edit cancelled.
    on_done: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let edited_id = editing.as_ref().map(|campaign| campaign.id);
    let initial = editing.map_or_else(CampaignSettings::default, |campaign| campaign.settings);
    let templates = Fetched::new(move || api::list_templates(account, TemplateFilter::NotDeleted));
    let lists = Fetched::new(move || api::list_lists(account));
    let account_view = Fetched::new(move || api::show_account(account));
    let name = RwSignal::new(initial.name.clone());
    let template = RwSignal::new(if edited_id.is_some() {
        initial.template_id.to_string()
    } else {
        String::new()
    });
    let chosen_lists = RwSignal::new(Vec::<i64>::new());
    let start = RwSignal::new(initial.start_at.map(input_value).unwrap_or_default());
    let timeout_days = RwSignal::new(initial.response_timeout_days.to_string());
    let duplicate_days = RwSignal::new(
        initial
            .duplicate_check_days
            .map(|days| days.to_string())
            .unwrap_or_default(),
    );
    let interval_ms = RwSignal::new(initial.sending_interval_ms.to_string());
    let include_active = RwSignal::new(initial.include_active_interactions);
    let close_on_quick_reply = RwSignal::new(initial.close_on_quick_reply);
    let outcome = RwSignal::new(None::<Result<(), ApiError>>);
    let request = move || NewCampaign {
        settings: CampaignSettings {
            name: name.get_untracked(),
            template_id: template.get_untracked().parse().unwrap_or_default(),
            sending_interval_ms: interval_ms.get_untracked().parse().unwrap_or_default(),
            response_timeout_days: timeout_days.get_untracked().parse().unwrap_or_default(),
            duplicate_check_days: duplicate_days.get_untracked().parse().ok(),
            include_active_interactions: include_active.get_untracked(),
            close_on_quick_reply: close_on_quick_reply.get_untracked(),
            start_at: start_moment(&start.get_untracked()),
        },
        list_ids: chosen_lists.get_untracked(),
    };
    let dry_run = RwSignal::new(None::<Result<DryRun, ApiError>>);
    let try_it = Job::new(move |draft: NewCampaign| async move {
        dry_run.set(Some(api::dry_run_draft(account, &draft).await));
    });
    let previewing = RwSignal::new(false);
    let preview_contact = RwSignal::new(None::<Contact>);
    let chosen_template = Memo::new(move |_| {
        let id: Option<i64> = template.get().parse().ok();
        templates.get().and_then(Result::ok).and_then(|found| {
            found
                .templates
                .into_iter()
                .find(|shown| Some(shown.id) == id)
                .map(|shown| shown.template)
        })
    });
    let preview = Signal::from(Memo::new(move |_| {
        chosen_template.with(|chosen| {
            chosen.as_ref().map_or_else(Preview::default, |chosen| {
                preview_contact.with(|contact| match contact {
                    Some(contact) => preview_for_contact(chosen, contact),
                    None => preview_with_samples(chosen),
                })
            })
        })
    }));
    let save = {
        let on_done = on_done.clone();
        Job::new(move |id: i64| {
            let on_done = on_done.clone();
            let settings = request().settings;
            async move {
                let saved = api::update_campaign(id, &settings).await.map(|_| ());
                if saved.is_ok() {
                    on_done();
                }
                outcome.set(Some(saved));
            }
        })
    };
    let cancel = on_done.clone();
    let create = Job::new(move |()| {
        let on_created = on_done.clone();
        let request = request();
        async move {
            let created = api::create_campaign(account, &request).await.map(|_| ());
            if created.is_ok() {
                // A second click must not make a second campaign.
                name.set(String::new());
                template.set(String::new());
                chosen_lists.set(Vec::new());
                start.set(String::new());
                dry_run.set(None);
                on_created();
            }
            outcome.set(Some(created));
        }
    });
    // What the launch means, asked before it happens.
    let launch = move || {
        // A contact in several of the lists gets the message once: the sum is an upper bound.
        let chosen = chosen_lists.get_untracked();
        let contacts: u64 = lists
            .get_untracked()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|shown| chosen.contains(&shown.id))
            .map(|shown| u64::try_from(shown.size).unwrap_or(0))
            .sum();
        let per_second = account_view
            .get_untracked()
            .and_then(Result::ok)
            .and_then(|shown| shown.settings.messages_per_second);
        let interval = interval_ms.get_untracked().parse().unwrap_or_default();
        let summary = launch_summary(contacts, sending_rate(per_second, interval));
        let when = if start_moment(&start.get_untracked()).is_some() {
            "Create the campaign to start at the date chosen?"
        } else {
            "Create and start the campaign?"
        };
        if window()
            .confirm_with_message(&format!("{summary}. {when}"))
            .unwrap_or(false)
        {
            create.dispatch(());
        }
    };
    view! {
        <form class="new-campaign" aria-label=if edited_id.is_some() { "Edit campaign" } else { "New campaign" }
            on:submit=move |event| {
                event.prevent_default();
                match edited_id {
                    Some(id) => save.dispatch(id),
                    None => launch(),
                }
            }>
            <h3>{if edited_id.is_some() { format!("Edit campaign {}", initial.name) } else { "New campaign".to_owned() }}</h3>
            <label>"Name" <input bind:value=name required maxlength=MAX_CAMPAIGN_NAME_CHARS /></label>
            <label>"Template (approved)" <select bind:value=template required>
                <option value="">"—"</option>
                {move || templates.get().and_then(Result::ok).map(|found| found.templates.into_iter()
                    // One-time codes go to one person at a time: never to a list.
                    .filter(|shown| shown.status == TemplateStatus::Approved && !shown.template.is_authentication())
                    .map(|shown| {
                        // The options arrive after the value: each says whether it is the one.
                        let value = shown.id.to_string();
                        let selected = template.with_untracked(|chosen| *chosen == value);
                        view! { <option value=value selected=selected>{shown.template.name}</option> }
                    })
                    .collect_view())}
            </select></label>
            <button type="button" class="eye" aria-expanded=move || previewing.get().to_string()
                disabled=move || chosen_template.with(Option::is_none)
                on:click=move |_| previewing.update(|shown| *shown = !*shown)>
                <svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
                    <path d="M1 12s4-7 11-7 11 7 11 7-4 7-11 7S1 12 1 12z" fill="none" stroke="currentColor" stroke-width="2" />
                    <circle cx="12" cy="12" r="3" fill="currentColor" />
                </svg>
                " Preview"
            </button>
            <Show when=move || previewing.get() && chosen_template.with(Option::is_some)>
                <div class="campaign-preview" data-testid="campaign-preview">
                    <PreviewContact account=Signal::derive(move || Some(account)) contact=preview_contact />
                    <WhatsAppPreview preview />
                </div>
            </Show>
            <fieldset class="lists-chosen" hidden=edited_id.is_some()>
                <legend>"Lists"</legend>
                {move || lists.get().and_then(Result::ok).map(|found| found.into_iter().map(|shown| {
                    let id = shown.id;
                    view! {
                        <label><input type="checkbox"
                            prop:checked=move || chosen_lists.with(|chosen| chosen.contains(&id))
                            on:change=move |event| {
                                let on = event_target_checked(&event);
                                chosen_lists.update(|chosen| {
                                    chosen.retain(|kept| *kept != id);
                                    if on { chosen.push(id); }
                                });
                            } />
                            {format!("{} ({})", shown.name, shown.size)}</label>
                    }
                }).collect_view())}
            </fieldset>
            <label>"Start (blank: at once)" <input type="datetime-local" bind:value=start /></label>
            <label>"Sending interval (ms)" <input type="number" min="0" bind:value=interval_ms /></label>
            <label>"Response timeout (days)" <input type="number" min="1" max="30" bind:value=timeout_days /></label>
            <label>"Duplicate check (days, blank for none)" <input type="number" min="1" max="7" bind:value=duplicate_days /></label>
            <label><input type="checkbox" bind:checked=include_active />"Include customers with active interactions"</label>
            <label><input type="checkbox" bind:checked=close_on_quick_reply />"Close interaction on quick reply response"</label>
            <div class="actions">
                <button type="button" hidden=edited_id.is_some() disabled=move || try_it.pending()
                    on:click=move |_| try_it.dispatch(request())>"Dry run"</button>
                {match edited_id {
                    Some(_) => view! {
                        <button type="submit" disabled=move || save.pending()>"Save"</button>
                        <button type="button" on:click=move |_| cancel()>"Cancel"</button>
                    }.into_any(),
                    None => view! {
                        <button type="submit" disabled=move || create.pending()>"Create and start"</button>
                    }.into_any(),
                }}
            </div>
            {move || dry_run.get().map(|done| match done {
                Ok(found) => dry_run_view(found).into_any(),
                Err(failure) => view! { <p class="form-error" role="alert" data-testid="dry-run">{failure.to_string()}</p> }.into_any(),
            })}
            {move || outcome.get().map(|done| match done {
                Ok(()) => view! { <p role="status">"Campaign created."</p> }.into_any(),
                Err(failure) => view! { <p class="form-error" role="alert">{failure.to_string()}</p> }.into_any(),
            })}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use herald_api::OutcomeCountView;
    use herald_domain::Outcome;

    use super::results_line;

    fn group(outcome: Outcome, reason: Option<&str>, count: i64) -> OutcomeCountView {
        OutcomeCountView {
            outcome,
            reason: reason.map(str::to_owned),
            count,
        }
    }

    #[test]
    fn the_results_say_what_was_sent_and_why_the_rest_was_not() {
        assert_eq!(results_line(&[]), None);
        let all_skipped = [group(Outcome::Skipped, Some("variable {{2}} is empty"), 5)];
        assert_eq!(
            results_line(&all_skipped).as_deref(),
            Some("0 sent, 5 skipped: variable {{2}} is empty (5)")
        );
        let mixed = [
            group(Outcome::Sent, None, 40),
            group(Outcome::Answered, Some("Yes"), 7),
            group(Outcome::Failed, Some("Message Undeliverable"), 2),
            group(
                Outcome::InvalidPhone,
                Some("Contact with invalid phone number: 12"),
                1,
            ),
            group(Outcome::Waiting, Some("another campaign"), 3),
        ];
        assert_eq!(
            results_line(&mixed).as_deref(),
            Some(
                "47 sent, 1 skipped, 2 failed: Message Undeliverable (2); Contact with invalid phone number: 12 (1)"
            )
        );
    }
}
