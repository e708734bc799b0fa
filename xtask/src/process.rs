//! Running commands with PATH set up for the project's tools, and failing loudly.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};

/// A step that failed, with the message to print.
#[derive(Debug)]
pub(crate) struct Failure(pub(crate) String);

/// `program` run from the repository root, with `node_modules/.bin` (wasm-opt from npm) and
/// cargo's bin folder first on PATH so that Trunk finds the pinned tools and never fetches its own.
pub(crate) fn command(root: &Path, program: &str) -> Command {
    let mut command = Command::new(program);
    command.current_dir(root).env("PATH", tool_path(root));
    command
}

/// A `cargo` command run from the repository root. On CI (a clean clone, built once) incremental
/// compilation only costs disk: gigabytes of caches nothing reads again.
pub(crate) fn cargo(root: &Path) -> Command {
    let mut command = command(root, "cargo");
    if std::env::var_os("CI").is_some() {
        command.env("CARGO_INCREMENTAL", "0");
    }
    command
}

/// Runs `command`, echoing it first, and fails unless it exits 0.
pub(crate) fn run(command: &mut Command) -> Result<(), Failure> {
    let shown = show(command);
    eprintln!("xtask: $ {shown}");
    match command.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(Failure(format!("`{shown}` failed ({status})"))),
        Err(error) => Err(Failure(format!("cannot start `{shown}`: {error}"))),
    }
}

/// Runs `command` quietly and returns its standard output when it exits 0.
pub(crate) fn output(command: &mut Command) -> Option<String> {
    let result = command.stderr(Stdio::null()).output().ok()?;
    result
        .status
        .success()
        .then(|| String::from_utf8_lossy(&result.stdout).trim().to_owned())
}

fn tool_path(root: &Path) -> OsString {
    let mut folders = vec![root.join("node_modules/.bin")];
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        folders.push(Path::new(&home).join("bin"));
    } else if let Some(home) = std::env::var_os("HOME") {
        folders.push(Path::new(&home).join(".cargo/bin"));
    }
    if let Some(path) = std::env::var_os("PATH") {
        folders.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(folders).unwrap_or_default()
}

fn show(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
