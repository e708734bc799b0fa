//! The `relay` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    relay::cli::run(relay::cli::Cli::parse())
}
