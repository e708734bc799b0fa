//! `docs/template-rules.md` is the table of every rule with its evidence: it must list every
//! code of [`Code`] with the severity the code has, and no code that does not exist.

use std::path::Path;

use herald_templates::Code;

#[test]
fn the_rules_page_lists_every_code_with_its_severity() {
    let page = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/template-rules.md"),
    )
    .expect("docs/template-rules.md reads");
    let rows: Vec<(String, String)> = page
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let code = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((code.to_owned(), (*cells.get(2)?).to_owned()))
        })
        .collect();
    for code in Code::ALL {
        let row = rows.iter().find(|(listed, _)| listed == code.as_str());
        assert_eq!(
            row.map(|(_, severity)| severity.as_str()),
            Some(code.severity().as_str()),
            "docs/template-rules.md must list `{code}` as {}",
            code.severity().as_str()
        );
    }
    for (listed, _) in &rows {
        assert!(
            Code::parse(listed).is_some(),
            "docs/template-rules.md lists `{listed}`, which is no code"
        );
    }
}
