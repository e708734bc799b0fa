//! Herald's relay: an axum server that serves the web app and the JSON API, holds provider
//! credentials, persists state and sends campaign messages.
//!
//! `main.rs` only parses the command line; everything else lives here so that the integration
//! tests can start the same server in-process on a random port.

pub mod accounts;
pub mod auth;
pub mod bootstrap;
pub mod campaigns;
pub mod cli;
pub mod clock;
pub mod config;
pub mod contacts;
pub mod crypto;
pub mod error;
pub mod http;
pub mod imports;
pub mod messages;
pub mod metrics;
pub mod providers;
pub mod startup;
pub mod state;
pub mod templates;
pub mod users;
mod validate_command;
pub mod webhook_pipeline;
