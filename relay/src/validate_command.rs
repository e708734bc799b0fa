//! `relay validate FILE`: the template core's verdict on a file, with no server, database,
//! network or configuration.

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use herald_templates::{ValidationReport, parse_template, validate};

/// Exit code when the file is valid.
const VALID: u8 = 0;
/// Exit code when the template has at least one error.
const INVALID: u8 = 1;
/// Exit code when the input is not a readable template file.
const UNREADABLE: u8 = 2;

/// Reads `file` (`-` for standard input), prints the report and returns the exit code.
pub(crate) fn run(file: &Path) -> ExitCode {
    let shown = if file == Path::new("-") {
        "standard input".to_owned()
    } else {
        file.display().to_string()
    };
    let bytes = match read(file) {
        Ok(bytes) => bytes,
        Err(error) => return unreadable(&format!("cannot read {shown}: {error}")),
    };
    let template = match parse_template(&bytes) {
        Ok(template) => template,
        Err(error) => return unreadable(&format!("{shown} is not a template file: {error}")),
    };
    let report = ValidationReport::new(validate(&template));
    let mut stdout = std::io::stdout().lock();
    let printed = serde_json::to_writer_pretty(&mut stdout, &report)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(stdout));
    if let Err(error) = printed {
        return unreadable(&format!("cannot write the report: {error}"));
    }
    ExitCode::from(if report.valid { VALID } else { INVALID })
}

fn read(file: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if file == Path::new("-") {
        std::io::stdin().lock().read_to_end(&mut bytes)?;
    } else {
        bytes = std::fs::read(file)?;
    }
    Ok(bytes)
}

fn unreadable(message: &str) -> ExitCode {
    let one_line = message.replace(['\n', '\r'], " ");
    let _ = writeln!(std::io::stderr(), "relay validate: {one_line}");
    ExitCode::from(UNREADABLE)
}
