//! Presentational components: they take signals and callbacks, and never fetch.

pub mod body_checker;
