//! Who is signed in, shared by every page.

use herald_api::SessionUser;
use leptos::prelude::*;

/// The signed-in user: `None` while unknown or signed out.
#[derive(Debug, Clone, Copy)]
pub struct SessionCtx {
    /// The user, once known.
    pub user: RwSignal<Option<SessionUser>>,
    /// Whether the first check of the session has finished.
    pub checked: RwSignal<bool>,
}

/// The session context provided by [`crate::App`].
pub fn use_session() -> SessionCtx {
    expect_context::<SessionCtx>()
}
