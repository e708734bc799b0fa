#![cfg(target_arch = "wasm32")]
//! Component tests in headless Chromium (wasm-bindgen-test-runner).

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web::components::body_checker::BodyChecker;
use web_sys::{Event, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

fn mount_body_checker() -> web_sys::Element {
    let container = document().create_element("section").unwrap();
    document().body().unwrap().append_child(&container).unwrap();
    let handle = leptos::mount::mount_to(container.clone().unchecked_into(), BodyChecker);
    handle.forget();
    container
}

async fn type_into(container: &web_sys::Element, text: &str) {
    let textarea: HtmlTextAreaElement = container
        .query_selector("textarea")
        .unwrap()
        .unwrap()
        .unchecked_into();
    textarea.set_value(text);
    textarea
        .dispatch_event(&Event::new("input").unwrap())
        .unwrap();
    leptos::task::tick().await;
}

fn text_of(container: &web_sys::Element, selector: &str) -> String {
    container
        .query_selector(selector)
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn typing_past_the_limit_shows_the_error_and_marks_the_field() {
    let container = mount_body_checker();
    type_into(&container, &"é".repeat(1025)).await;

    assert_eq!(
        text_of(&container, "[data-testid=body-counter]"),
        "1025 / 1024"
    );
    assert!(text_of(&container, "[data-testid=diagnostics]").contains("1025 / 1024"));
    let textarea = container.query_selector("textarea").unwrap().unwrap();
    assert_eq!(
        textarea.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
}

#[wasm_bindgen_test]
async fn fixing_the_text_clears_the_error() {
    let container = mount_body_checker();
    type_into(&container, &"a".repeat(1025)).await;
    type_into(&container, "Hello, your order has shipped.").await;

    assert_eq!(text_of(&container, "[data-testid=diagnostics]"), "");
    let textarea = container.query_selector("textarea").unwrap().unwrap();
    assert_eq!(
        textarea.get_attribute("aria-invalid").as_deref(),
        Some("false")
    );
}
