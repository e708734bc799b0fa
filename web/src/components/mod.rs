//! Presentational components: they take signals and callbacks, and never fetch.

pub mod account_picker;
pub mod diagnostics;
pub mod editor;
pub mod mapping;
pub mod preview;
pub mod preview_contact;
pub mod results;
