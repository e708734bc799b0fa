//! The relay's layers point one way: the HTTP handlers call the services (accounts, templates,
//! users, messages, contacts, campaigns, the webhook pipeline), never the other way round. Only
//! `http/` itself, the crate root and `startup.rs` (which builds the router) may name
//! `crate::http`.

use std::path::{Path, PathBuf};

fn sources(folder: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).expect("the source folder reads") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn nothing_outside_http_imports_from_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let allowed = |path: &Path| {
        let relative = path.strip_prefix(&root).expect("inside src");
        relative.starts_with("http")
            || ["lib.rs", "main.rs", "startup.rs"]
                .iter()
                .any(|name| relative == Path::new(name))
    };
    let offenders: Vec<String> = files
        .iter()
        .filter(|path| !allowed(path))
        .filter(|path| {
            std::fs::read_to_string(path)
                .expect("a source file reads")
                .contains("crate::http")
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "these modules import from http/ (move what they need into a service): {offenders:?}"
    );
}
