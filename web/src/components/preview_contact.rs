//! Picks a real contact of one of the account's lists, so the preview shows the message that
//! contact would receive (its mapped values, and what is missing for it).

use herald_contacts::Contact;
use leptos::prelude::*;

use crate::api;
use crate::components::account_picker::per_account;
use crate::remote::Fetched;

/// How many of a list's contacts are offered.
const CONTACTS_OFFERED: u32 = 100;

/// A list select and a contact select; `contact` is the one chosen (`None`: sample values).
#[component]
pub fn PreviewContact(
    account: Signal<Option<i64>>,
    contact: RwSignal<Option<Contact>>,
) -> impl IntoView {
    let lists = per_account(account, api::list_lists);
    let list = RwSignal::new(None::<i64>);
    let contacts = Fetched::new(move || {
        let list = list.get();
        async move {
            match list {
                Some(list) => {
                    let first = api::ContactPage {
                        limit: CONTACTS_OFFERED,
                        ..api::ContactPage::default()
                    };
                    api::browse_contacts(list, &first).await
                }
                None => Ok(Vec::new()),
            }
        }
    });
    let pick = move |id: String| {
        let id = id.parse::<i64>().ok();
        contact.set(contacts.get().and_then(Result::ok).and_then(|found| {
            found
                .into_iter()
                .find(|shown| Some(shown.id) == id)
                .map(|shown| shown.contact)
        }));
    };
    view! {
        <section class="preview-contact" aria-label="Preview with a contact">
            <label for="preview-list">"Preview with a contact of"</label>
            <select id="preview-list" on:change=move |event| {
                list.set(event_target_value(&event).parse().ok());
                contact.set(None);
            }>
                <option value="">"Sample values"</option>
                {move || lists.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|shown| view! {
                    <option value=shown.id.to_string()>{shown.name}</option>
                }).collect_view()}
            </select>
            <label for="preview-contact">"Contact"</label>
            <select id="preview-contact" disabled=move || list.with(Option::is_none)
                on:change=move |event| pick(event_target_value(&event))>
                <option value="">"—"</option>
                {move || contacts.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|shown| view! {
                    <option value=shown.id.to_string()>
                        {format!("{} {} (+{})", shown.contact.first_name, shown.contact.last_name, shown.contact.phone)}
                    </option>
                }).collect_view()}
            </select>
        </section>
    }
}
