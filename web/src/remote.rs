//! Asking the relay from a page: what a page shows ([`Fetched`]) and what a button does
//! ([`Job`]). Leptos's `LocalResource` and `Action` do the same, but their async machinery,
//! compiled once per value type, was a tenth of the app's wasm (docs/benchmarks.md); these are
//! a signal and a spawned future.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

/// A value fetched from the relay: asked again whenever a signal the fetch reads changes, or on
/// [`Fetched::refetch`]. Until the first answer it is `None`; while asking again it keeps the
/// last answer, and an answer overtaken by a newer question is dropped.
pub struct Fetched<T: 'static> {
    value: RwSignal<Option<T>, LocalStorage>,
    asked: Trigger,
}

impl<T: 'static> Clone for Fetched<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for Fetched<T> {}

impl<T: 'static> Fetched<T> {
    /// Fetches with `fetch`; the signals it reads before its first `.await` are tracked.
    pub fn new<Fut>(fetch: impl Fn() -> Fut + 'static) -> Self
    where
        Fut: Future<Output = T> + 'static,
    {
        let value = RwSignal::new_local(None);
        let asked = Trigger::new();
        let latest = Rc::new(Cell::new(0_u64));
        Effect::new(move |_| {
            asked.track();
            let answer = fetch();
            let question = latest.get() + 1;
            latest.set(question);
            let latest = Rc::clone(&latest);
            spawn_local(async move {
                let answer = answer.await;
                if latest.get() == question {
                    value.try_set(Some(answer));
                }
            });
        });
        Self { value, asked }
    }

    /// The last answer (tracked).
    pub fn get(&self) -> Option<T>
    where
        T: Clone,
    {
        self.value.get()
    }

    /// The last answer, untracked (for an event handler).
    pub fn get_untracked(&self) -> Option<T>
    where
        T: Clone,
    {
        self.value.get_untracked()
    }

    /// Reads the last answer without cloning it (tracked).
    pub fn with<R>(&self, read: impl FnOnce(Option<&T>) -> R) -> R {
        self.value.with(|value| read(value.as_ref()))
    }

    /// Asks again.
    pub fn refetch(&self) {
        self.asked.notify();
    }
}

/// A job's run: one boxed future per input, so the job's own code is compiled once per input
/// type, not once per future.
type Run<I> = Rc<dyn Fn(I) -> Pin<Box<dyn Future<Output = ()>>>>;

/// What a button starts: runs its future for each [`Job::dispatch`], and says whether one is
/// still running (to disable the button meanwhile).
pub struct Job<I: 'static> {
    run: StoredValue<Run<I>, LocalStorage>,
    running: RwSignal<u32>,
}

impl<I: 'static> Clone for Job<I> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I: 'static> Copy for Job<I> {}

impl<I: 'static> Job<I> {
    /// A job running `run`.
    pub fn new<Fut>(run: impl Fn(I) -> Fut + 'static) -> Self
    where
        Fut: Future<Output = ()> + 'static,
    {
        let run: Run<I> = Rc::new(move |input| Box::pin(run(input)));
        Self {
            run: StoredValue::new_local(run),
            running: RwSignal::new(0),
        }
    }

    /// Starts the job with `input`.
    pub fn dispatch(&self, input: I) {
        let Some(run) = self.run.try_get_value() else {
            return;
        };
        let running = self.running;
        running.update(|count| *count += 1);
        spawn_local(async move {
            run(input).await;
            running.try_update(|count| *count -= 1);
        });
    }

    /// Whether a dispatched run has not finished (tracked).
    pub fn pending(&self) -> bool {
        self.running.get() > 0
    }
}
