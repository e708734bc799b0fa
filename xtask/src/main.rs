//! `cargo xtask run` builds and starts Herald; `cargo xtask test` runs every check and test.
//!
//! Both first install what is missing (the wasm32 target, Trunk, wasm-bindgen-cli, npm packages
//! and, for tests, Debian's Chromium), skipping what is already there at the right version, so a
//! second run spends well under a minute on installs. Only the standard library is used so that
//! this program itself compiles in seconds on a fresh machine.

mod install;
mod postgres;
mod process;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use process::{Failure, run};

const USAGE: &str = "usage: cargo xtask run [RELAY ARGS...] | cargo xtask test";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let outcome = match args.next().as_deref() {
        // `cargo xtask run -- --listen …`: what follows `--` goes to the relay.
        Some("run") => run_herald(args.skip_while(|arg| arg == "--").collect()),
        Some("test") => test_everything(),
        _ => Err(Failure(USAGE.to_owned())),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Installs what is missing, builds the web app in release mode and starts the relay.
fn run_herald(relay_args: Vec<String>) -> Result<(), Failure> {
    let root = repository_root();
    install::build_tools(&root)?;
    build_web_app(&root)?;
    let mut relay = process::cargo(&root);
    relay.args(["run", "--release", "--locked", "--package", "relay", "--"]);
    if relay_args.is_empty() {
        relay.arg("serve");
    }
    relay.args(relay_args);
    run(&mut relay)
}

/// Installs what is missing and runs every check and test the CI runs.
fn test_everything() -> Result<(), Failure> {
    let root = repository_root();
    install::build_tools(&root)?;
    install::browser(&root)?;

    let cargo = || process::cargo(&root);
    run(cargo().args(["fmt", "--all", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--locked",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    // Libraries and tests only: the benchmarks are native-only.
    run(cargo()
        .args([
            "clippy",
            "--locked",
            "--target",
            "wasm32-unknown-unknown",
            "--lib",
            "--tests",
        ])
        .args(wasm_crates().iter().flat_map(|name| ["--package", name]))
        .args(["--", "-D", "warnings"]))?;

    // Unit and integration tests on SQLite, the contract suite on PostgreSQL too, then the
    // integration suite again with every test relay on PostgreSQL.
    let postgres = postgres::TestPostgres::start(&root)?;
    run(native_tests(&root, None).env("HERALD_TEST_POSTGRES_URL", &postgres.url))?;
    run(native_tests(&root, Some("herald-tests"))
        .env("HERALD_TEST_POSTGRES_URL", &postgres.url)
        .env("HERALD_TEST_DATABASE", "postgres"))?;
    drop(postgres);

    // wasm-bindgen-test-runner stops Chromium without letting it delete its 50 MB profile; a
    // private TMPDIR keeps those profiles out of /tmp, and deleting it afterwards frees them.
    let browser_tmp = root.join("target/wasm-browser-tmp");
    std::fs::create_dir_all(&browser_tmp)
        .map_err(|error| Failure(format!("cannot create {}: {error}", browser_tmp.display())))?;
    for name in wasm_crates() {
        run(cargo()
            .args([
                "test",
                "--locked",
                "--target",
                "wasm32-unknown-unknown",
                "--package",
                name,
            ])
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                "wasm-bindgen-test-runner",
            )
            .env("CHROMEDRIVER", install::CHROMEDRIVER)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
            .env("TMPDIR", &browser_tmp))?;
    }
    // Best effort: a profile left behind only costs disk inside target/.
    let _ = std::fs::remove_dir_all(&browser_tmp);

    build_web_app(&root)?;
    run(cargo().args(["build", "--locked", "--package", "relay", "--bin", "relay"]))?;
    run(process::command(&root, "npm")
        .args(["run", "e2e"])
        .env("HERALD_RELAY_BIN", root.join("target/debug/relay")))
}

/// Crates that must compile for the browser; their wasm-bindgen tests run in Chromium.
fn wasm_crates() -> [&'static str; 2] {
    ["herald-templates", "web"]
}

/// `cargo nextest run` (or `cargo test`) on the workspace, or only on `package` when given.
/// nextest picks the package's tests out of the workspace build, so nothing is compiled again
/// (`--package` would resolve other features and rebuild the relay and everything above it).
fn native_tests(root: &Path, package: Option<&str>) -> Command {
    let mut command = process::cargo(root);
    let nextest =
        process::output(process::command(root, "cargo-nextest").arg("--version")).is_some();
    if nextest {
        command.args(["nextest", "run"]);
    } else {
        command.arg("test");
    }
    command.args(["--locked", "--no-fail-fast"]);
    match package {
        Some(package) if nextest => {
            command.args(["--workspace", "-E", &format!("package({package})")])
        }
        Some(package) => command.args(["--package", package]),
        None => command.arg("--workspace"),
    };
    command
}

fn build_web_app(root: &Path) -> Result<(), Failure> {
    run(process::command(root, "trunk").args(["build", "--release"]))
}
