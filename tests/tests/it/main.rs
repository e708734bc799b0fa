//! Integration tests against a real relay on a random port (one binary, see ARCHITECTURE.md).

mod accounts;
mod campaigns;
mod kill;
mod messages;
mod providers;
mod roles;
mod serving;
mod session;
mod templates;
mod webhooks;
