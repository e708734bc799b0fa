//! The command line: `relay` (or `relay serve`) starts the server; `relay validate FILE` checks
//! a template file offline.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::config::Settings;
use crate::{startup, validate_command};

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
}

/// Runs the command the user asked for and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let settings = match cli.command {
        Some(Command::Serve(settings)) => settings,
        Some(Command::Validate { file }) => return validate_command::run(&file),
        None => cli.settings,
    };
    init_tracing();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve_until_signal(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "relay stopped");
            ExitCode::FAILURE
        }
    }
}

async fn serve_until_signal(settings: Settings) -> anyhow::Result<()> {
    let listener = startup::bind(settings.listen).await?;
    let address = listener.local_addr()?;
    // The quick start and the end-to-end harness read this line to find the server.
    #[allow(clippy::print_stdout)]
    {
        println!("Herald is running at http://{address}/");
    }
    startup::serve(listener, settings, startup::shutdown_signal()).await
}

fn init_tracing() {
    let filter = EnvFilter::try_from_env("HERALD_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
