//! Provider accounts (admins only): the list, and the form that creates or edits one. Secrets are
//! write-only: the form shows whether each is set, never its value; a blank secret field keeps
//! the stored value.

use herald_api::{AccountInput, AccountSecrets, AccountSettings, AccountView, ConnectionReport};
use herald_domain::{MESSAGING_TIERS, Provider, TemplateFilter, TemplateStatus};
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::remote::{Fetched, Job};
use crate::router::use_router;

/// The list of accounts.
#[component]
pub fn Accounts() -> impl IntoView {
    let accounts = Fetched::new(api::list_accounts);
    view! {
        <div class="workspace-head">
            <h2>"Accounts"</h2>
            <a href="/accounts/new">"New account"</a>
        </div>
        {move || match accounts.get() {
                None => view! { <p>"Loading accounts…"</p> }.into_any(),
                Some(Err(error)) => view! {
                    <p class="form-error" role="alert">{error.to_string()}" "
                        <button on:click=move |_| accounts.refetch()>"Retry"</button></p>
                }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p>"No accounts yet."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="table" data-testid="accounts">
                        <thead><tr><th>"Name"</th><th>"Provider"</th><th>"Access token"</th><th>"App secret"</th><th>"API key"</th><th></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|account| view! {
                                <tr>
                                    <td>{account.name}</td>
                                    <td>{account.provider.as_str()}</td>
                                    <td>{set_or_not(account.secrets_set.access_token)}</td>
                                    <td>{set_or_not(account.secrets_set.app_secret)}</td>
                                    <td>{set_or_not(account.secrets_set.api_key)}</td>
                                    <td><a href=format!("/accounts/{}", account.id)>"Edit"</a></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
        }}
    }
}

fn set_or_not(set: bool) -> &'static str {
    if set { "set" } else { "not set" }
}

/// The field's value; blank means "not given".
fn given(value: RwSignal<String>) -> Option<String> {
    value.with_untracked(|value| {
        let trimmed = value.trim();
        (!trimmed.is_empty()).then(|| trimmed.to_owned())
    })
}

/// One text setting of the form.
#[component]
fn SettingField(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    error_field: RwSignal<Option<String>>,
    #[prop(optional)] secret: Option<Signal<bool>>,
) -> impl IntoView {
    let invalid = move || error_field.with(|field| field.as_deref() == Some(id));
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                type=if secret.is_some() { "password" } else { "text" }
                autocomplete="off"
                placeholder=move || secret.map(|set| if set.get() { "set: leave blank to keep" } else { "not set" })
                prop:value=value
                aria-invalid=move || invalid().to_string()
                on:input=move |event| value.set(event_target_value(&event))
            />
        </div>
    }
}

/// Creates (`/accounts/new`) or edits account `id` (`/accounts/ID`).
#[component]
pub fn AccountForm(id: Option<i64>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let provider = RwSignal::new(Provider::Meta);
    let text = || RwSignal::new(String::new());
    let (waba_id, phone_number_id, sid, sender_number, base_url) =
        (text(), text(), text(), text(), text());
    let messages_per_second = text();
    // Advanced settings: the daily tier ("" for none), the recontact template's id ("" for
    // none), the opt-out keywords one per line ("" for the defaults).
    let (messaging_limit, recontact_template, opt_out_keywords) = (text(), text(), text());
    let templates = Fetched::new(move || async move {
        match id {
            Some(id) => api::list_templates(id, TemplateFilter::NotDeleted)
                .await
                .map(Some),
            None => Ok(None),
        }
    });
    let (access_token, app_secret, verify_token, api_key, callback_token) =
        (text(), text(), text(), text(), text());
    let stored = RwSignal::new(None::<AccountView>);
    let error = RwSignal::new(None::<String>);
    let error_field = RwSignal::new(None::<String>);
    let loaded = Fetched::new(move || async move {
        match id {
            Some(id) => api::show_account(id).await.map(Some),
            None => Ok(None),
        }
    });
    Effect::new(move |_| match loaded.get() {
        Some(Ok(Some(account))) => {
            name.set(account.name.clone());
            provider.set(account.provider);
            let settings = &account.settings;
            let show = |value: &Option<String>| value.clone().unwrap_or_default();
            waba_id.set(show(&settings.waba_id));
            phone_number_id.set(show(&settings.phone_number_id));
            sid.set(show(&settings.sid));
            sender_number.set(show(&settings.sender_number));
            base_url.set(show(&settings.base_url));
            messages_per_second.set(
                settings
                    .messages_per_second
                    .map(|mps| mps.to_string())
                    .unwrap_or_default(),
            );
            let number = |value: Option<String>| value.unwrap_or_default();
            messaging_limit.set(number(
                settings.messaging_limit.map(|limit| limit.to_string()),
            ));
            recontact_template.set(number(
                settings.recontact_template_id.map(|id| id.to_string()),
            ));
            opt_out_keywords.set(
                settings
                    .opt_out_keywords
                    .as_ref()
                    .map(|keywords| keywords.join("\n"))
                    .unwrap_or_default(),
            );
            stored.set(Some(account));
        }
        Some(Err(failure)) => error.set(Some(failure.to_string())),
        _ => {}
    });
    let is_set = move |pick: fn(&AccountView) -> bool| {
        Signal::derive(move || stored.with(|stored| stored.as_ref().is_some_and(pick)))
    };
    let router = use_router();
    let save = Job::new(move |()| {
        let rate = given(messages_per_second);
        let parsed_rate = rate.as_deref().map(str::parse::<u32>);
        let input = AccountInput {
            name: name.get_untracked(),
            provider: provider.get_untracked(),
            settings: AccountSettings {
                waba_id: given(waba_id),
                phone_number_id: given(phone_number_id),
                sid: given(sid),
                sender_number: given(sender_number),
                base_url: given(base_url),
                messages_per_second: parsed_rate.clone().and_then(Result::ok),
                messaging_limit: messaging_limit.get_untracked().parse().ok(),
                recontact_template_id: recontact_template.get_untracked().parse().ok(),
                opt_out_keywords: Some(
                    opt_out_keywords
                        .get_untracked()
                        .lines()
                        .map(str::trim)
                        .filter(|keyword| !keyword.is_empty())
                        .map(str::to_owned)
                        .collect::<Vec<_>>(),
                )
                .filter(|keywords| !keywords.is_empty()),
            },
            secrets: AccountSecrets {
                access_token: given(access_token),
                app_secret: given(app_secret),
                verify_token: given(verify_token),
                api_key: given(api_key),
                callback_token: given(callback_token),
            },
        };
        async move {
            if let Some(Err(_)) = parsed_rate {
                error_field.set(Some("messages_per_second".to_owned()));
                error.set(Some(format!(
                    "Messages per second must be a whole number from 1 to {}, not \"{}\"",
                    u32::MAX,
                    rate.unwrap_or_default()
                )));
                return;
            }
            match api::save_account(id, &input).await {
                Ok(_) => router.navigate("/accounts"),
                Err(ApiError::Http { body, .. }) => {
                    error_field.set(body.field.clone());
                    error.set(Some(body.message));
                }
                Err(failure) => {
                    error.set(Some(format!("{failure}. Nothing was saved: try again.")))
                }
            }
        }
    });
    let is_meta_like = move || provider.get() != Provider::Kaleyra;
    view! {
        <h2>{if id.is_some() { "Edit account" } else { "New account" }}</h2>
        <form class="editor" on:submit=move |event| { event.prevent_default(); save.dispatch(()); }>
            <SettingField id="name" label="Name" value=name error_field />
            <div class="field">
                <label for="provider">"Provider"</label>
                <select id="provider" prop:value=move || provider.get().as_str()
                    on:change=move |event| {
                        if let Ok(chosen) = event_target_value(&event).parse() { provider.set(chosen); }
                    }>
                    <option value="meta">"Meta (WhatsApp Cloud API)"</option>
                    <option value="kaleyra">"Kaleyra"</option>
                    <option value="sandbox">"Sandbox (simulator)"</option>
                </select>
            </div>
            <Show when=is_meta_like>
                <SettingField id="waba_id" label="WhatsApp Business Account id" value=waba_id error_field />
                <SettingField id="phone_number_id" label="Phone-number id" value=phone_number_id error_field />
                <SettingField id="access_token" label="Access token" value=access_token error_field secret=is_set(|a| a.secrets_set.access_token) />
                <SettingField id="app_secret" label="App secret (signs webhooks)" value=app_secret error_field secret=is_set(|a| a.secrets_set.app_secret) />
                <SettingField id="verify_token" label="Webhook verify token" value=verify_token error_field secret=is_set(|a| a.secrets_set.verify_token) />
            </Show>
            <Show when=move || !is_meta_like()>
                <SettingField id="sid" label="SID" value=sid error_field />
                <SettingField id="sender_number" label="Sender number" value=sender_number error_field />
                <SettingField id="waba_id" label="WhatsApp Business Account id (template creation)" value=waba_id error_field />
                <SettingField id="api_key" label="API key" value=api_key error_field secret=is_set(|a| a.secrets_set.api_key) />
                <SettingField id="callback_token" label="Callback token (X-Herald-Token header of the callback profile)" value=callback_token error_field secret=is_set(|a| a.secrets_set.callback_token) />
            </Show>
            <SettingField id="base_url" label="API base URL (blank: the provider's own)" value=base_url error_field />
            <SettingField id="messages_per_second" label="Messages per second (blank: 80)" value=messages_per_second error_field />
            <details class="advanced" data-testid="advanced-settings">
                <summary>"Advanced settings"</summary>
                <div class="field">
                    <label for="messaging_limit">"Messaging limit (business-initiated conversations a day)"</label>
                    <select id="messaging_limit" prop:value=move || messaging_limit.get()
                        aria-invalid=move || error_field.with(|field| field.as_deref() == Some("messaging_limit")).to_string()
                        on:change=move |event| messaging_limit.set(event_target_value(&event))>
                        <option value="">"Unlimited / not known"</option>
                        {MESSAGING_TIERS.into_iter().map(|tier| view! {
                            <option value=tier.to_string()>{tier.to_string()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="recontact_template">"Recontact template (the one template agents may send after the 24-hour window)"</label>
                    <select id="recontact_template" disabled=id.is_none()
                        aria-invalid=move || error_field.with(|field| field.as_deref() == Some("recontact_template_id")).to_string()
                        on:change=move |event| recontact_template.set(event_target_value(&event))>
                        <option value="">"None"</option>
                        {move || templates.get().and_then(Result::ok).flatten().map(|found| found.templates.into_iter()
                            .filter(|shown| shown.status == TemplateStatus::Approved)
                            .map(|shown| {
                                let value = shown.id.to_string();
                                let selected = recontact_template.with(|chosen| *chosen == value);
                                view! { <option value=value selected=selected>{shown.template.name}</option> }
                            })
                            .collect_view())}
                    </select>
                    {id.is_none().then(|| view! { <small class="muted">"Save the account first: its templates are then offered."</small> })}
                </div>
                <div class="field">
                    <label for="opt_out_keywords">"Opt-out keywords, one per line (blank: STOP, UNSUBSCRIBE and their equivalents)"</label>
                    <textarea id="opt_out_keywords" rows="4" prop:value=move || opt_out_keywords.get()
                        aria-invalid=move || error_field.with(|field| field.as_deref() == Some("opt_out_keywords")).to_string()
                        on:input=move |event| opt_out_keywords.set(event_target_value(&event))></textarea>
                </div>
            </details>
            <div class="actions">
                <button type="submit" disabled=move || save.pending()>"Save account"</button>
                <a href="/accounts">"Cancel"</a>
            </div>
            <Show when=move || error.with(Option::is_some)>
                <p class="form-error" role="alert" data-testid="account-error">{move || error.get()}</p>
            </Show>
        </form>
        <WebhookSetup id is_meta_like=Signal::derive(is_meta_like) />
        {id.map(|id| view! { <ConnectionTest id /> })}
    }
}

/// "Test connection": the relay calls the provider with the saved settings and credentials and
/// says, check by check, what it answered.
#[component]
fn ConnectionTest(id: i64) -> impl IntoView {
    let report = RwSignal::new(None::<Result<ConnectionReport, ApiError>>);
    let test = Job::new(move |()| async move {
        report.set(Some(api::test_connection(id).await));
    });
    view! {
        <section class="connection-test" aria-label="Connection">
            <h3>"Connection"</h3>
            <p class="muted">"Calls the provider with the saved settings and credentials; nothing is sent to anyone."</p>
            <button type="button" disabled=move || test.pending() on:click=move |_| test.dispatch(())>
                {move || if test.pending() { "Testing…" } else { "Test connection" }}
            </button>
            {move || report.get().map(|done| match done {
                Ok(found) => view! {
                    <p role="status" class=if found.ok { "form-ok" } else { "form-error" }>
                        {if found.ok { "The provider accepts this account." } else { "The provider refused part of this account:" }}
                    </p>
                    <ul class="checks" data-testid="connection-checks">
                        {found.checks.into_iter().map(|check| view! {
                            <li class=if check.ok { "form-ok" } else { "form-error" }>
                                <strong>{check.field}</strong>": "{check.detail}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(failure) => view! { <p class="form-error" role="alert">{failure.to_string()}</p> }.into_any(),
            })}
        </section>
    }
}

/// Where the provider must send its webhooks, to paste into its console: this relay's own
/// address (it serves the app and the webhooks alike).
#[component]
fn WebhookSetup(id: Option<i64>, is_meta_like: Signal<bool>) -> impl IntoView {
    let origin = window().location().origin().unwrap_or_default();
    let meta_url = format!("{origin}/webhooks/meta");
    let kaleyra_url = id.map(|id| format!("{origin}/webhooks/kaleyra/{id}"));
    view! {
        <section class="webhook-setup" aria-label="Webhook set-up">
            <h3>"Webhooks"</h3>
            <Show when=move || is_meta_like.get()>
                <p>"In Meta's App Dashboard (WhatsApp, Configuration), set the callback URL and the verify token above, and subscribe to the fields messages and message_template_status_update."</p>
                <label for="meta-callback-url">"Callback URL"</label>
                <input id="meta-callback-url" readonly prop:value=meta_url.clone() data-testid="meta-callback-url" />
            </Show>
            <Show when=move || !is_meta_like.get()>
                {match kaleyra_url.clone() {
                    Some(url) => view! {
                        <p>"In Kaleyra's console, add a callback profile for this number with this URL and a custom header X-Herald-Token holding the callback token above."</p>
                        <label for="kaleyra-callback-url">"Callback URL"</label>
                        <input id="kaleyra-callback-url" readonly prop:value=url data-testid="kaleyra-callback-url" />
                    }.into_any(),
                    None => view! { <p>"Kaleyra's callback URL names the account: it shows here once the account is saved."</p> }.into_any(),
                }}
            </Show>
        </section>
    }
}
