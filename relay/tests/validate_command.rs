//! `relay validate` as users run it: the real binary, files and standard input, exit codes.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn validate_stdin(input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relay"))
        .args(["validate", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        // The relay may stop reading early on bad input; a broken pipe is expected then.
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    output
}

fn report(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap()
}

const VALID: &str = r#"{
  "name": "order_update", "language": "en_US", "category": "MARKETING",
  "components": [{"type": "BODY", "text": "Hello {{1}}, your order has shipped today.",
                  "example": {"body_text": [["Ann"]]}}],
  "herald": {"recontact": true}
}"#;

#[test]
fn a_valid_file_exits_0() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("template.json");
    std::fs::write(&path, VALID).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_relay"))
        .arg("validate")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        report(&output),
        serde_json::json!({"valid": true, "diagnostics": []})
    );
}

#[test]
fn errors_exit_1_with_every_diagnostic() {
    let output = validate_stdin(
        br#"{"name": "Bad", "language": "en_US", "category": "UTILITY",
             "components": [{"type": "BODY", "text": "Ready?"}]}"#,
    );
    assert_eq!(output.status.code(), Some(1));
    let report = report(&output);
    assert_eq!(report["valid"], false);
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["name_invalid", "utility_question_mark"]);
    let question = &report["diagnostics"][1];
    assert_eq!(
        (
            question["component"].as_str(),
            question["start"].as_u64(),
            question["end"].as_u64()
        ),
        (Some("BODY"), Some(5), Some(6))
    );
}

#[test]
fn warnings_alone_exit_0() {
    let output = validate_stdin(VALID.as_bytes());
    assert_eq!(output.status.code(), Some(0));
}

#[track_caller]
fn assert_unreadable(input: &[u8], expected_in_message: &str) {
    let output = validate_stdin(input);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let message = String::from_utf8(output.stderr).unwrap();
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains(expected_in_message), "{message}");
    assert!(message.contains("line "), "{message}");
}

#[test]
fn not_json_exits_2_naming_the_position() {
    assert_unreadable(b"{\"name\": \"x\",\n  oops}", "line 2 column 3");
}

#[test]
fn wrong_shape_exits_2() {
    assert_unreadable(br#"{"name": 42}"#, "invalid type");
    assert_unreadable(br#"{"components": [{"text": "no type"}]}"#, "no type");
    assert_unreadable(
        br#"{"components": [{"type": "BODY", "text": 5}]}"#,
        "BODY: invalid type",
    );
}

#[test]
fn an_unknown_component_is_readable_and_reported_not_unreadable() {
    let output = validate_stdin(
        br#"{"name": "future", "language": "en_US", "category": "marketing",
             "components": [{"type": "BODY", "text": "Hello, your order has shipped today."},
                            {"type": "SIDEBAR", "items": [1, 2]}]}"#,
    );
    assert_eq!(output.status.code(), Some(1));
    let report = report(&output);
    assert_eq!(report["diagnostics"][0]["code"], "component_unsupported");
}

#[test]
fn hostile_inputs_are_refused_cleanly() {
    let deep_component = format!("{{\"components\": {}", "[".repeat(100_000));
    assert_unreadable(deep_component.as_bytes(), "expected a map");
    let deep_extra_key = format!("{{\"extra\": {}", "[".repeat(100_000));
    assert_unreadable(deep_extra_key.as_bytes(), "recursion limit");
    assert_unreadable(b"{\"name\": \"\xff\xfe\"}", "invalid unicode");
}

#[test]
fn a_ten_megabyte_body_gets_diagnostics() {
    let body = "a".repeat(10 * 1024 * 1024);
    let file = format!(
        r#"{{"name": "big", "language": "en", "category": "MARKETING", "components": [{{"type": "BODY", "text": "{body}"}}]}}"#
    );
    let output = validate_stdin(file.as_bytes());
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(report(&output)["diagnostics"][0]["code"], "body_too_long");
}

#[test]
fn a_missing_file_exits_2() {
    let output = Command::new(env!("CARGO_BIN_EXE_relay"))
        .args(["validate", "/nonexistent/template.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot read /nonexistent/template.json")
    );
}
