//! Idempotent installs of the tools the build and the tests need, each skipped when present at
//! the pinned version. Versions are pinned here (Trunk), in Trunk.toml (wasm-bindgen, wasm-opt),
//! in Cargo.lock (the wasm-bindgen library, which the CLI must equal) and in package-lock.json.

use std::fs;
use std::path::Path;

use crate::process::{Failure, cargo, command, output, run};

/// Trunk 0.22 needs a newer rustc than the pinned stable; 0.21.14 is the last that builds here.
const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's ChromeDriver, which wasm-bindgen-test-runner drives.
pub(crate) const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Everything `trunk build` needs: the wasm32 target, npm packages (wasm-opt), Trunk and
/// wasm-bindgen-cli.
pub(crate) fn build_tools(root: &Path) -> Result<(), Failure> {
    wasm_target(root)?;
    npm_packages(root)?;
    trunk(root)?;
    wasm_bindgen(root)
}

/// Debian's Chromium and ChromeDriver for the browser tests.
pub(crate) fn browser(root: &Path) -> Result<(), Failure> {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(());
    }
    apt_install(root, &["chromium", "chromium-driver"])
}

fn wasm_target(root: &Path) -> Result<(), Failure> {
    let installed = output(command(root, "rustup").args(["target", "list", "--installed"]));
    if installed.is_some_and(|targets| targets.lines().any(|line| line == WASM_TARGET)) {
        return Ok(());
    }
    run(command(root, "rustup").args(["target", "add", WASM_TARGET]))
}

fn npm_packages(root: &Path) -> Result<(), Failure> {
    if output(command(root, "npm").arg("--version")).is_none() {
        apt_install(root, &["nodejs", "npm"])?;
    }
    // npm writes node_modules/.package-lock.json after a complete install; when it is newer
    // than package-lock.json the installed tree is the locked one.
    let installed = modified(&root.join("node_modules/.package-lock.json"));
    let locked = modified(&root.join("package-lock.json"));
    if installed.is_some() && installed >= locked {
        return Ok(());
    }
    run(command(root, "npm").args(["ci", "--no-audit", "--no-fund"]))
}

fn trunk(root: &Path) -> Result<(), Failure> {
    let expected = format!("trunk {TRUNK_VERSION}");
    if output(command(root, "trunk").arg("--version")).as_deref() == Some(expected.as_str()) {
        return Ok(());
    }
    run(cargo(root).args(["install", "trunk", "--locked", "--version", TRUNK_VERSION]))
}

fn wasm_bindgen(root: &Path) -> Result<(), Failure> {
    let locked = locked_wasm_bindgen(root)?;
    let pinned = trunk_pinned_wasm_bindgen(root)?;
    if locked != pinned {
        return Err(Failure(format!(
            "Trunk.toml pins wasm_bindgen = \"{pinned}\" but Cargo.lock has wasm-bindgen {locked}: make them equal"
        )));
    }
    let expected = format!("wasm-bindgen {locked}");
    let runner = output(command(root, "wasm-bindgen-test-runner").arg("--version"));
    if output(command(root, "wasm-bindgen").arg("--version")).as_deref() == Some(expected.as_str())
        && runner.is_some()
    {
        return Ok(());
    }
    // Not `--locked`: the CLI's own lockfile names a webpki-roots release the registry lacks.
    run(cargo(root).args([
        "install",
        "wasm-bindgen-cli",
        "--force",
        "--version",
        &locked,
    ]))
}

/// The `wasm-bindgen` version Cargo.lock resolved; the CLI must be the same version.
fn locked_wasm_bindgen(root: &Path) -> Result<String, Failure> {
    let lock = read(&root.join("Cargo.lock"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines.next().and_then(|next| quoted_value(next, "version"))
        {
            return Ok(version);
        }
    }
    Err(Failure("Cargo.lock has no wasm-bindgen package".to_owned()))
}

fn trunk_pinned_wasm_bindgen(root: &Path) -> Result<String, Failure> {
    read(&root.join("Trunk.toml"))?
        .lines()
        .find_map(|line| quoted_value(line, "wasm_bindgen"))
        .ok_or_else(|| Failure("Trunk.toml has no [tools] wasm_bindgen version".to_owned()))
}

/// The value of a `key = "value"` TOML line.
fn quoted_value(line: &str, key: &str) -> Option<String> {
    let (name, value) = line.split_once('=')?;
    (name.trim() == key).then(|| value.trim().trim_matches('"').to_owned())
}

/// Installs Debian packages.
pub(crate) fn apt_install(root: &Path, packages: &[&str]) -> Result<(), Failure> {
    run(command(root, "apt-get").arg("update"))?;
    run(command(root, "apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    fs::metadata(path).and_then(|meta| meta.modified()).ok()
}

fn read(path: &Path) -> Result<String, Failure> {
    fs::read_to_string(path)
        .map_err(|error| Failure(format!("cannot read {}: {error}", path.display())))
}
