#![cfg(target_arch = "wasm32")]
//! Component tests in headless Chromium (wasm-bindgen-test-runner): the editor's pieces, with
//! the template core validating and previewing on every input event.

use herald_templates::{
    Category, Components, HeaderFormat, MediaFile, Template, TemplateKind, preview_with_samples,
    validate,
};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web::components::editor::{TemplateEditor, media_refusal};
use web::components::mapping::MappingEditor;
use web::components::preview::WhatsAppPreview;
use web::reactive::Parts;
use web_sys::{Event, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts the editor, its mapping and its preview on a fresh template; returns the container
/// and the template.
fn mount_workspace() -> (web_sys::Element, RwSignal<Template>) {
    let container = document().create_element("section").unwrap();
    document().body().unwrap().append_child(&container).unwrap();
    let template = RwSignal::new(Template {
        name: "order_update".to_owned(),
        language: "en_US".to_owned(),
        category: Category::Utility,
        ..Template::default()
    });
    let handle = leptos::mount::mount_to(container.clone().unchecked_into(), move || {
        let findings = Signal::derive(move || template.with(validate));
        let preview = Signal::derive(move || template.with(preview_with_samples));
        view! {
            <TemplateEditor template findings locked=false />
            <MappingEditor template />
            <WhatsAppPreview preview />
        }
    });
    handle.forget();
    (container, template)
}

fn textarea(container: &web_sys::Element) -> HtmlTextAreaElement {
    container
        .query_selector("textarea")
        .unwrap()
        .unwrap()
        .unchecked_into()
}

async fn type_into(container: &web_sys::Element, text: &str) {
    let area = textarea(container);
    area.set_value(text);
    area.dispatch_event(&Event::new("input").unwrap()).unwrap();
    leptos::task::tick().await;
}

/// Resolves once the browser has been idle: the sample inputs and mapping rows, built at idle
/// time, have caught up with the template.
async fn idle() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .request_idle_callback(&resolve)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
    leptos::task::tick().await;
}

fn button_named(container: &web_sys::Element, name: &str) -> web_sys::HtmlElement {
    let buttons = container.query_selector_all("button").unwrap();
    (0..buttons.length())
        .filter_map(|index| buttons.item(index))
        .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
        .find(|button| button.text_content().as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no button {name}"))
}

fn text_of(container: &web_sys::Element, selector: &str) -> String {
    container
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("{selector} is missing"))
        .text_content()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn typing_past_the_limit_shows_the_error_and_marks_the_field() {
    let (container, _) = mount_workspace();
    type_into(&container, &"é".repeat(1025)).await;

    assert_eq!(
        text_of(&container, "[data-testid=body-counter]"),
        "1025 / 1024"
    );
    assert!(text_of(&container, "[data-testid=diagnostics]").contains("1025 / 1024"));
    assert_eq!(
        textarea(&container)
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("true")
    );
}

#[wasm_bindgen_test]
async fn fixing_the_text_clears_the_error() {
    let (container, _) = mount_workspace();
    type_into(&container, &"a".repeat(1025)).await;
    type_into(&container, "Hello, your order has shipped.").await;

    assert_eq!(text_of(&container, "[data-testid=diagnostics]"), "");
    assert_eq!(
        textarea(&container)
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("false")
    );
}

#[wasm_bindgen_test]
async fn the_offending_characters_are_underlined() {
    let (container, _) = mount_workspace();
    type_into(&container, "Hi {{1}}").await;
    let marks = container
        .query_selector("[data-testid=body-marks] mark.error")
        .unwrap()
        .expect("a marked run");
    assert!(marks.text_content().unwrap_or_default().contains("{{1}}"));
}

#[wasm_bindgen_test]
async fn add_variable_inserts_the_next_number_at_the_cursor_and_asks_for_its_sample() {
    let (container, template) = mount_workspace();
    type_into(&container, "Hello , your order is ready.").await;
    textarea(&container).set_selection_range(6, 6).unwrap();
    let add = button_named(&container, "Add variable");
    add.click();
    leptos::task::tick().await;
    assert_eq!(
        template.with_untracked(|t| t.body_text().to_owned()),
        "Hello {{1}}, your order is ready."
    );
    let area = textarea(&container);
    assert_eq!(area.value(), "Hello {{1}}, your order is ready.");
    assert_eq!(
        area.selection_start().unwrap(),
        Some(11),
        "the caret is after the variable, ready for the next word"
    );
    let mapping_rows = || {
        container
            .query_selector_all("[data-testid=mapping-row]")
            .unwrap()
            .length()
    };
    assert_eq!(
        mapping_rows(),
        0,
        "the rows are not built within the change: the findings and the preview come first"
    );
    idle().await;
    assert!(text_of(&container, "[data-testid=samples]").contains("Sample for {{1}}"));
    assert_eq!(mapping_rows(), 1, "the mapping lists the variable");
}

#[wasm_bindgen_test]
async fn the_text_area_follows_changes_that_do_not_come_from_it() {
    let (container, template) = mount_workspace();
    type_into(&container, "Hello").await;
    let add = button_named(&container, "Add variable");
    add.click();
    leptos::task::tick().await;
    assert_eq!(textarea(&container).value(), "Hello{{1}}");
    // A reload from the server that brings back the text last typed must show it again.
    template.update(|t| t.set_body_text("Hello".to_owned()));
    leptos::task::tick().await;
    assert_eq!(textarea(&container).value(), "Hello");
    type_into(&container, "Hello there").await;
    assert_eq!(textarea(&container).value(), "Hello there");
    assert_eq!(
        template.with_untracked(|t| t.body_text().to_owned()),
        "Hello there"
    );
}

#[wasm_bindgen_test]
async fn the_preview_follows_every_keystroke_with_formatting() {
    let (container, _) = mount_workspace();
    type_into(&container, "Your *order* is ~late~").await;
    let bold = container
        .query_selector("[data-testid=preview] span.bold")
        .unwrap()
        .expect("a bold run");
    assert_eq!(bold.text_content().as_deref(), Some("order"));
    type_into(&container, "<b>not markup</b>").await;
    assert!(text_of(&container, "[data-testid=preview]").contains("<b>not markup</b>"));
}

#[wasm_bindgen_test]
fn media_is_checked_before_any_upload() {
    let file = |name: &str, mime_type: &str, size_bytes: u64| MediaFile {
        file_name: name.to_owned(),
        mime_type: mime_type.to_owned(),
        size_bytes,
        link: None,
    };
    assert!(media_refusal(&HeaderFormat::Image, &file("a.png", "image/png", 1_000)).is_none());
    assert!(
        media_refusal(&HeaderFormat::Image, &file("a.gif", "image/gif", 1_000))
            .unwrap()
            .contains("JPG, JPEG or PNG")
    );
    assert!(
        media_refusal(
            &HeaderFormat::Video,
            &file("a.mp4", "video/mp4", 17 * 1_048_576)
        )
        .unwrap()
        .contains("17 MB")
    );
}

#[wasm_bindgen_test]
async fn a_part_runs_its_readers_only_when_it_changes() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    let template = RwSignal::new(Template::default());
    let runs = Arc::new(AtomicU32::new(0));
    let container = document().create_element("section").unwrap();
    document().body().unwrap().append_child(&container).unwrap();
    let counted = Arc::clone(&runs);
    let handle = leptos::mount::mount_to(container.unchecked_into(), move || {
        let name = Parts::<Template>::new(template).slice(|t| t.name.clone());
        Effect::new(move |_| {
            name.track();
            counted.fetch_add(1, Ordering::Relaxed);
        });
    });
    handle.forget();
    leptos::task::tick().await;
    let after_mount = runs.load(Ordering::Relaxed);
    template.update(|t| t.set_body_text("Hello".to_owned()));
    leptos::task::tick().await;
    leptos::task::tick().await;
    assert_eq!(
        runs.load(Ordering::Relaxed),
        after_mount,
        "a body change does not run the name's readers"
    );
    template.update(|t| t.name = "order_update".to_owned());
    leptos::task::tick().await;
    leptos::task::tick().await;
    assert_eq!(runs.load(Ordering::Relaxed), after_mount + 1);
}

#[wasm_bindgen_test]
async fn a_part_is_no_longer_computed_once_its_owner_is_gone() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    let template = RwSignal::new(Template::default());
    let parts = Parts::<Template>::new(template);
    let reads = Arc::new(AtomicU32::new(0));
    let row = Owner::new();
    let counted = Arc::clone(&reads);
    let name = row.with(|| {
        parts.slice(move |t| {
            counted.fetch_add(1, Ordering::Relaxed);
            t.name.clone()
        })
    });
    leptos::task::tick().await;
    template.update(|t| t.name = "order_update".to_owned());
    leptos::task::tick().await;
    assert_eq!(name.get_untracked(), "order_update");
    let while_alive = reads.load(Ordering::Relaxed);
    row.cleanup();
    template.update(|t| t.name = "order_shipped".to_owned());
    leptos::task::tick().await;
    assert_eq!(
        reads.load(Ordering::Relaxed),
        while_alive,
        "a removed row's part is dropped from the template's effect"
    );
}

fn select_value(container: &web_sys::Element, selector: &str, value: &str) {
    let select: web_sys::HtmlSelectElement = container
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("{selector} is missing"))
        .unchecked_into();
    select.set_value(value);
    select
        .dispatch_event(&Event::new("change").unwrap())
        .unwrap();
}

fn count(container: &web_sys::Element, selector: &str) -> u32 {
    container.query_selector_all(selector).unwrap().length()
}

#[wasm_bindgen_test]
async fn carousel_cards_are_added_moved_and_removed_with_their_texts() {
    let (container, template) = mount_workspace();
    template.update(|t| t.category = Category::Marketing);
    select_value(&container, "#template-kind", "carousel");
    leptos::task::tick().await;
    assert_eq!(
        template.with_untracked(Template::kind),
        TemplateKind::Carousel
    );
    assert_eq!(count(&container, "[data-testid=card]"), 2);
    button_named(&container, "Add card").click();
    leptos::task::tick().await;
    assert_eq!(count(&container, "[data-testid=card]"), 3);
    for (index, fruit) in ["Lemons", "Limes", "Oranges"].iter().enumerate() {
        let area: HtmlTextAreaElement = container
            .query_selector(&format!("#card-{index}-body"))
            .unwrap()
            .unwrap()
            .unchecked_into();
        area.set_value(&format!("{fruit} for your table."));
        area.dispatch_event(&Event::new("input").unwrap()).unwrap();
    }
    leptos::task::tick().await;
    assert_eq!(count(&container, "[data-testid=preview-card]"), 3);
    // Card 3 moves left of card 2: its text goes with it.
    let cards = container.query_selector_all("[data-testid=card]").unwrap();
    let third: web_sys::Element = cards.item(2).unwrap().unchecked_into();
    button_named(&third, "Move left").click();
    leptos::task::tick().await;
    let bodies = template.with_untracked(|t| {
        t.cards()
            .iter()
            .map(|card| card.body_text().to_owned())
            .collect::<Vec<_>>()
    });
    assert_eq!(
        bodies,
        [
            "Lemons for your table.",
            "Oranges for your table.",
            "Limes for your table."
        ]
    );
    assert!(text_of(&container, "[data-testid=preview-cards]").contains("Oranges"));
    let first: web_sys::Element = container
        .query_selector("[data-testid=card]")
        .unwrap()
        .unwrap();
    button_named(&first, "Remove card").click();
    leptos::task::tick().await;
    assert_eq!(count(&container, "[data-testid=card]"), 2);
    assert_eq!(count(&container, "[data-testid=preview-card]"), 2);
}

#[wasm_bindgen_test]
async fn a_coupon_button_shows_its_code_in_the_preview() {
    let (container, template) = mount_workspace();
    template.update(|t| {
        t.category = Category::Marketing;
        t.set_body_text("Here is 10% off your next order, just for you.".to_owned());
    });
    select_value(&container, "#add-button-kind", "COPY_CODE");
    button_named(&container, "Add button").click();
    leptos::task::tick().await;
    let code: web_sys::HtmlInputElement = container
        .query_selector("#button-0-example")
        .unwrap()
        .expect("the sample code input")
        .unchecked_into();
    code.set_value("WELCOME10");
    code.dispatch_event(&Event::new("input").unwrap()).unwrap();
    leptos::task::tick().await;
    assert_eq!(
        text_of(&container, "[data-testid=coupon-code]"),
        "WELCOME10"
    );
    assert!(text_of(&container, "[data-testid=preview]").contains("Copy offer code"));
}
