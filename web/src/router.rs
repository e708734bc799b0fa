//! The app's pages by URL, and moving between them without reloading: the address bar is the
//! one place the page is kept (`history.pushState` on a link or [`Router::navigate`],
//! `popstate` on back and forward). A dozen fixed paths do not need a general router, and
//! `leptos_router` was 5 % of the app's wasm (docs/benchmarks.md).

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// A page of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// `/login`.
    SignIn,
    /// `/`: the templates for admins, the interactions for agents.
    Home,
    /// `/interactions`.
    Interactions,
    /// `/templates`.
    Templates,
    /// `/templates/new?account=ID`.
    NewTemplate {
        /// The account the template is for.
        account: Option<i64>,
    },
    /// `/templates/ID`.
    Template(i64),
    /// `/campaigns`.
    Campaigns,
    /// `/lists`.
    Lists,
    /// `/lists/ID`.
    List(i64),
    /// `/accounts`.
    Accounts,
    /// `/accounts/new`.
    NewAccount,
    /// `/accounts/ID`.
    Account(i64),
    /// `/users`.
    Users,
    /// Anything else.
    NotFound,
}

impl Page {
    /// The page `url` (a path with an optional query) names.
    pub fn at(url: &str) -> Self {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let segments: Vec<&str> = path.split('/').filter(|part| !part.is_empty()).collect();
        match segments.as_slice() {
            [] => Self::Home,
            ["login"] => Self::SignIn,
            ["interactions"] => Self::Interactions,
            ["templates"] => Self::Templates,
            ["templates", "new"] => Self::NewTemplate {
                account: query
                    .split('&')
                    .find_map(|pair| pair.strip_prefix("account="))
                    .and_then(|id| id.parse().ok()),
            },
            ["templates", id] => id.parse().map_or(Self::NotFound, Self::Template),
            ["campaigns"] => Self::Campaigns,
            ["lists"] => Self::Lists,
            ["lists", id] => id.parse().map_or(Self::NotFound, Self::List),
            ["accounts"] => Self::Accounts,
            ["accounts", "new"] => Self::NewAccount,
            ["accounts", id] => id.parse().map_or(Self::NotFound, Self::Account),
            ["users"] => Self::Users,
            _ => Self::NotFound,
        }
    }
}

/// The current URL (path and query) and the page it names.
#[derive(Debug, Clone, Copy)]
pub struct Router {
    url: RwSignal<String>,
    page: RwSignal<Page>,
}

impl Router {
    /// Follows the address bar from now on: back and forward, and clicks on the app's own
    /// links (a plain left click on an `<a href="/...">` without `download` or `target`, that
    /// no handler of its own prevented, as the editor's unsaved-changes question does).
    pub fn start() -> Self {
        let url = current_url();
        let router = Self {
            page: RwSignal::new(Page::at(&url)),
            url: RwSignal::new(url),
        };
        let back_and_forward = window_event_listener(ev::popstate, move |_| {
            router.show(current_url());
        });
        let clicks = window_event_listener(ev::click, move |event| {
            if let Some(href) = own_link(&event) {
                event.prevent_default();
                router.navigate(&href);
            }
        });
        on_cleanup(move || {
            back_and_forward.remove();
            clicks.remove();
        });
        router
    }

    /// The page shown (tracked).
    pub fn page(&self) -> Page {
        self.page.get()
    }

    /// Whether `path` is the current path (tracked), for `aria-current`.
    pub fn is_at(&self, path: &str) -> bool {
        self.url
            .with(|url| url.split_once('?').map_or(url.as_str(), |(path, _)| path) == path)
    }

    /// Shows `url`, adding it to the history.
    pub fn navigate(&self, url: &str) {
        if self.url.with_untracked(|current| current == url) {
            return;
        }
        if let Ok(history) = window().history() {
            // Should the browser refuse, the page still changes; only its history entry is lost.
            let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(url));
        }
        self.show(url.to_owned());
    }

    /// Follows `url`; the page is built again only when `url` names another one.
    fn show(&self, url: String) {
        let page = Page::at(&url);
        self.url.set(url);
        if self.page.with_untracked(|shown| *shown != page) {
            self.page.set(page);
        }
    }

    /// Gives the page at hand the address `url` without building it again (a new template,
    /// once saved, is at its own address), in place of its history entry. URL and page change
    /// untracked: what is shown stays, and a later move to the former address builds that page.
    pub fn rename(&self, url: &str) {
        replace_history_entry(url);
        self.url
            .update_untracked(|current| *current = url.to_owned());
        self.page.update_untracked(|page| *page = Page::at(url));
    }
}

/// Puts `url` in the address bar in place of the current history entry (should the browser
/// refuse, only the address is not updated).
fn replace_history_entry(url: &str) {
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(url));
    }
}

/// The router [`crate::App`] started.
pub fn use_router() -> Router {
    expect_context::<Router>()
}

fn current_url() -> String {
    let location = window().location();
    let path = location.pathname().unwrap_or_default();
    let query = location.search().unwrap_or_default();
    format!("{path}{query}")
}

/// The app path a click should open in place, if it is a plain click on one of the app's links.
fn own_link(event: &ev::MouseEvent) -> Option<String> {
    if event.default_prevented()
        || event.button() != 0
        || event.meta_key()
        || event.ctrl_key()
        || event.shift_key()
        || event.alt_key()
    {
        return None;
    }
    let target: web_sys::Element = event.target()?.dyn_into().ok()?;
    let anchor = target.closest("a[href]").ok()??;
    if anchor.has_attribute("download") || anchor.has_attribute("target") {
        return None;
    }
    let href = anchor.get_attribute("href")?;
    (href.starts_with('/') && !href.starts_with("//")).then_some(href)
}

/// A navigation link marked `aria-current="page"` while its page is shown.
#[component]
pub fn NavLink(href: &'static str, children: Children) -> impl IntoView {
    let router = use_router();
    view! {
        <a href=href aria-current=move || router.is_at(href).then_some("page")>{children()}</a>
    }
}

/// Replaces the current page by `path` once shown (a page the user may not stay on).
#[component]
pub fn Redirect(path: &'static str) -> impl IntoView {
    let router = use_router();
    Effect::new(move |_| {
        replace_history_entry(path);
        router.show(path.to_owned());
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_names_its_page_and_anything_else_is_not_found() {
        for (url, page) in [
            ("/", Page::Home),
            ("", Page::Home),
            ("/login", Page::SignIn),
            ("/interactions", Page::Interactions),
            ("/templates", Page::Templates),
            ("/templates/", Page::Templates),
            ("/templates/new", Page::NewTemplate { account: None }),
            (
                "/templates/new?account=3",
                Page::NewTemplate { account: Some(3) },
            ),
            (
                "/templates/new?x=1&account=12",
                Page::NewTemplate { account: Some(12) },
            ),
            (
                "/templates/new?account=x",
                Page::NewTemplate { account: None },
            ),
            ("/templates/42", Page::Template(42)),
            ("/templates/42?tab=preview", Page::Template(42)),
            ("/templates/abc", Page::NotFound),
            ("/campaigns", Page::Campaigns),
            ("/lists", Page::Lists),
            ("/users", Page::Users),
            ("/lists/3", Page::List(3)),
            ("/accounts", Page::Accounts),
            ("/accounts/new", Page::NewAccount),
            ("/accounts/7", Page::Account(7)),
            ("/accounts/7/edit", Page::NotFound),
            ("/nowhere", Page::NotFound),
        ] {
            assert_eq!(Page::at(url), page, "{url}");
        }
    }
}
