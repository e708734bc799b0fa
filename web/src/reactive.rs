//! Reactive helpers for the editor's keystroke path, where one template signal sits behind
//! every field of the page.
//!
//! `slice`: a part of the template that wakes its readers only when it changes. A `Memo` keeps
//! its own value, but every effect below a memo is woken to check it whenever the template
//! changes, so a keystroke in the body would wake every field's effects.
//!
//! `deferred`: a value that follows its source when the browser is next idle, not within the
//! change that moved it (React's `useDeferredValue`). The sample inputs and mapping rows read
//! the template's variables this way: a keystroke that closes a `{{n}}` updates the findings
//! and the preview at once, and the new rows are built in the idle time after the frame.

use std::time::Duration;

use leptos::prelude::*;

/// What `read` returns, as a signal set only when the value changes: the one effect that
/// computes it is woken by each change of its sources, its readers only by a new value.
pub fn slice<T>(read: impl Fn() -> T + Send + Sync + 'static) -> ReadSignal<T>
where
    T: PartialEq + Send + Sync + 'static,
{
    let (value, set_value) = signal(untrack(&read));
    Effect::new(move |_| {
        let next = read();
        if value.with_untracked(|shown| *shown != next) {
            set_value.set(next);
        }
    });
    value
}

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
