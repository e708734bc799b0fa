//! Keeping a page current with what webhooks and the campaign engine change on the relay.

use crate::remote::Fetched;
use leptos::prelude::*;

/// Reloads `resource` every `period_ms` while the calling component is mounted.
pub fn refetch_every<T: 'static>(resource: Fetched<T>, period_ms: u64) {
    if let Ok(handle) = set_interval_with_handle(
        move || resource.refetch(),
        std::time::Duration::from_millis(period_ms),
    ) {
        on_cleanup(move || handle.clear());
    }
}
