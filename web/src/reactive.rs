//! Reactive helpers for the editor's keystroke path, where one template signal sits behind
//! every field of the page.
//!
//! `Parts`: parts of one source (the template, the preview) as signals, each set only when its
//! part changes. A `Memo` keeps its own value, but every effect below a memo is woken to check
//! it whenever the source changes, so a keystroke in the body would wake every field's effects;
//! and an effect per part would still run a dozen effects per keystroke. One effect reads the
//! source and updates every part, so a keystroke runs that effect and the readers of the parts
//! that changed.
//!
//! `deferred`: a value that follows its source when the browser is next idle, not within the
//! change that moved it (React's `useDeferredValue`). The sample inputs and mapping rows read
//! the template's variables this way: a keystroke that closes a `{{n}}` updates the findings
//! and the preview at once, and the new rows are built in the idle time after the frame.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use leptos::prelude::*;

type Update<S> = Box<dyn Fn(&S) + Send + Sync>;

/// The parts of `source`, served by one effect; see the module's documentation.
pub struct Parts<S: Send + Sync + 'static> {
    source: Signal<S>,
    updates: StoredValue<Vec<(usize, Update<S>)>>,
}

impl<S: Send + Sync + 'static> Clone for Parts<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: Send + Sync + 'static> Copy for Parts<S> {}

impl<S: Send + Sync + 'static> Parts<S> {
    pub fn new(source: impl Into<Signal<S>>) -> Self {
        let source = source.into();
        let updates = StoredValue::new(Vec::<(usize, Update<S>)>::new());
        Effect::new(move |_| {
            source.with(|value| {
                updates.with_value(|all| {
                    for (_, update) in all {
                        update(value);
                    }
                });
            });
        });
        Self { source, updates }
    }

    /// What `read` returns, as a signal set only when the value changes. Signals `read` uses
    /// besides the source are tracked too, from the effect's next run on: a part that reads
    /// other signals is made before the effect first runs (when its component is built). The
    /// part lives as long as the owner it is made under (a component, a row of a list).
    pub fn slice<T>(self, read: impl Fn(&S) -> T + Send + Sync + 'static) -> ReadSignal<T>
    where
        T: PartialEq + Send + Sync + 'static,
    {
        static NEXT_ID: AtomicUsize = AtomicUsize::new(0);
        debug_assert!(
            Owner::current().is_some(),
            "a part made outside any owner would never leave the effect"
        );
        let (value, set_value) = signal(untrack(|| self.source.with(&read)));
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        self.updates.update_value(|all| {
            all.push((
                id,
                Box::new(move |source| {
                    let next = read(source);
                    if value.try_with_untracked(|shown| *shown != next) == Some(true) {
                        set_value.try_set(next);
                    }
                }),
            ));
        });
        let updates = self.updates;
        on_cleanup(move || {
            updates.try_update_value(|all| all.retain(|(other, _)| *other != id));
        });
        value
    }
}

/// `source`, updated at the browser's next idle period after each change. Changes that come
/// faster than idle periods are coalesced: the update reads the latest value.
pub fn deferred<T>(source: ReadSignal<T>) -> ReadSignal<T>
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
