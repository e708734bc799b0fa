//! The command line: `relay` (or `relay serve`) starts the server; `relay validate FILE` checks
//! a template file offline.

use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::config::Settings;
use herald_domain::Role;

use crate::users::check_new_user;
use crate::{auth, startup, validate_command};

/// Herald's relay.
#[derive(Debug, Parser)]
#[command(name = "relay", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    settings: Settings,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the server (the default when no command is given).
    Serve(Settings),
    /// Validate a template file (Meta's JSON plus "herald"); `-` reads standard input.
    ///
    /// Prints {"valid", "diagnostics"} and exits 0 without errors, 1 with errors, 2 when the
    /// input is not a readable template file.
    Validate {
        /// The template file, or `-` for standard input.
        file: PathBuf,
    },
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a user; the password comes from HERALD_NEW_USER_PASSWORD or is generated and printed.
    Add {
        /// The new user's name.
        username: String,
        /// admin or agent.
        #[arg(long, default_value = "agent")]
        role: Role,
        #[command(flatten)]
        settings: Settings,
    },
}

/// Runs the command the user asked for and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let settings = match cli.command {
        Some(Command::Serve(settings)) => settings,
        Some(Command::Validate { file }) => return validate_command::run(&file),
        Some(Command::User(UserCommand::Add {
            username,
            role,
            settings,
        })) => {
            init_tracing();
            return finish(block_on(add_user(settings, username, role)));
        }
        None => cli.settings,
    };
    init_tracing();
    finish(block_on(serve_until_signal(settings)))
}

fn block_on(work: impl Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    tokio::runtime::Runtime::new()
        .map_err(|error| anyhow::anyhow!("cannot start the async runtime: {error}"))?
        .block_on(work)
}

fn finish(outcome: anyhow::Result<()>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "relay stopped");
            ExitCode::FAILURE
        }
    }
}

async fn add_user(settings: Settings, username: String, role: Role) -> anyhow::Result<()> {
    let state = startup::prepare(&settings, startup::system_clock(), None)
        .await?
        .state;
    let (password, generated) = match std::env::var("HERALD_NEW_USER_PASSWORD") {
        Ok(password) => (password, false),
        Err(_) => (auth::new_password(), true),
    };
    check_new_user(&username, &password).map_err(|error| anyhow::anyhow!("{error}"))?;
    let hash = auth::hash_password(&password)?;
    state
        .store
        .create_user(&username, &hash, role, state.clock.now_ms())
        .await
        .map_err(|error| anyhow::anyhow!("cannot add {username}: {error}"))?;
    #[allow(clippy::print_stdout)]
    {
        if generated {
            println!("Added {role} \"{username}\" with password {password} (shown once)");
        } else {
            println!("Added {role} \"{username}\"");
        }
    }
    Ok(())
}

async fn serve_until_signal(settings: Settings) -> anyhow::Result<()> {
    let listener = startup::bind(settings.listen).await?;
    let address = listener.local_addr()?;
    let prepared = startup::prepare(&settings, startup::system_clock(), Some(address)).await?;
    // The operator reads these lines once; the end-to-end harness reads the URL line.
    #[allow(clippy::print_stdout)]
    {
        for notice in &prepared.notices {
            println!("{notice}");
        }
        println!("Herald is running at http://{address}/");
    }
    startup::serve(listener, settings, prepared, startup::shutdown_signal()).await
}

fn init_tracing() {
    let filter = EnvFilter::try_from_env("HERALD_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
