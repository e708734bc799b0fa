//! Variable mapping: each variable of the template takes its value from a contact field, a
//! custom field or fixed text. A campaign cannot use the template while one is unmapped.

use herald_templates::{ContactField, MappingSource, Template, variables_of};
use leptos::prelude::*;

use crate::reactive::{Parts, deferred};

const FIELDS: [ContactField; 5] = [
    ContactField::FirstName,
    ContactField::LastName,
    ContactField::Phone,
    ContactField::Mobile,
    ContactField::Email,
];

fn choice_of(source: Option<&MappingSource>) -> String {
    match source {
        None => String::new(),
        Some(MappingSource::Field(field)) => format!("field:{}", field.label()),
        Some(MappingSource::CustomField(_)) => "custom".to_owned(),
        Some(MappingSource::Text(_)) => "text".to_owned(),
    }
}

/// The mapping table of `template`; rows for new variables are built when the browser is next
/// idle (see [`deferred`]).
#[component]
pub fn MappingEditor(template: RwSignal<Template>) -> impl IntoView {
    let parts = Parts::new(template);
    let variables = deferred(parts.slice(variables_of));
    view! {
        <section class="mapping" aria-labelledby="mapping-title">
            <h3 id="mapping-title">"Variable mapping"</h3>
            <Show when=move || variables.with(Vec::is_empty)>
                <p>"This template has no variables."</p>
            </Show>
            <For each=move || variables.get() key=|variable| variable.label() let:variable>
                {
                    let label = variable.label();
                    let id = format!("map-{}", label.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
                    // A part: the row's effects wake only when its own source changes, not on
                    // every keystroke elsewhere in the template.
                    let current = parts.slice({
                        let variable = variable.clone();
                        move |t| variable.source(t).cloned()
                    });
                    let choice = move || current.with(|source| choice_of(source.as_ref()));
                    let detail = move || match current.get() {
                        Some(MappingSource::CustomField(name) | MappingSource::Text(name)) => Some(name),
                        _ => None,
                    };
                    let set = {
                        move |source: Option<MappingSource>| template.update(|t| t.set_mapping(&variable, source))
                    };
                    let set_detail = set.clone();
                    view! {
                        <div class="mapping-row" data-testid="mapping-row">
                            <label for=id.clone()>{label.clone()}</label>
                            <select id=id prop:value=choice aria-invalid=move || choice().is_empty().to_string()
                                on:change=move |event| {
                                    let value = event_target_value(&event);
                                    set(match value.as_str() {
                                        "custom" => Some(MappingSource::CustomField(String::new())),
                                        "text" => Some(MappingSource::Text(String::new())),
                                        other => FIELDS.into_iter()
                                            .find(|field| other == format!("field:{}", field.label()))
                                            .map(MappingSource::Field),
                                    });
                                }>
                                <option value="">"Not mapped"</option>
                                {FIELDS.iter().map(|field| view! {
                                    <option value=format!("field:{}", field.label())>{field.label()}</option>
                                }).collect_view()}
                                <option value="custom">"Custom field…"</option>
                                <option value="text">"Fixed text…"</option>
                            </select>
                            <Show when=move || detail().is_some()>
                                <input type="text" aria-label=format!("Value for {label}")
                                    prop:value=detail
                                    on:input={
                                        let set_detail = set_detail.clone();
                                        move |event| {
                                            let value = event_target_value(&event);
                                            set_detail(Some(if choice() == "custom" {
                                                MappingSource::CustomField(value)
                                            } else {
                                                MappingSource::Text(value)
                                            }));
                                        }
                                    } />
                            </Show>
                        </div>
                    }
                }
            </For>
        </section>
    }
}
