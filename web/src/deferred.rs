//! Values that follow their source when the browser is next idle, not within the change that
//! moved them (React's `useDeferredValue`). The editor's sample inputs and mapping rows read the
//! template's variables this way: a keystroke that closes a `{{n}}` updates the findings and
//! the preview at once, and the new rows are built in the idle time after the frame instead of
//! delaying that keystroke's feedback.

use std::time::Duration;

use leptos::prelude::*;

/// `source`, updated at the browser's next idle period after each change. Changes that come
/// faster than idle periods are coalesced: the update reads the latest value.
pub fn deferred<T>(source: Memo<T>) -> ReadSignal<T>
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    let (value, set_value) = signal(source.get_untracked());
    let scheduled = StoredValue::new(false);
    Effect::new(move |_| {
        source.track();
        if scheduled.get_value() {
            return;
        }
        scheduled.set_value(true);
        let follow = move || {
            scheduled.try_set_value(false);
            if let Some(latest) = source.try_get_untracked()
                && value.try_with_untracked(|shown| *shown != latest) == Some(true)
            {
                set_value.try_set(latest);
            }
        };
        // Safari has no `requestIdleCallback`: there the rows follow in the next task.
        if request_idle_callback_with_handle(follow).is_err() {
            set_timeout(follow, Duration::ZERO);
        }
    });
    value
}
