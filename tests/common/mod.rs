//! Helpers shared by integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// Say on the real stderr that a test skipped part or all of its work, and
/// why: `SKIPPED: <why>`. libtest captures `println!`/`eprintln!` of a
/// test that passes, so a skip printed with them would never be seen; a
/// write to the stderr handle is not captured and shows in the default
/// `cargo test` output, between the test lines.
pub fn skipped(why: impl std::fmt::Display) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED: {why}");
}

/// `../shared` next to the repo, if present. Tests that need it say why
/// they skip when it is absent ([`skipped`]).
pub fn shared_dir() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if p.is_dir() {
        Some(p)
    } else {
        skipped(format_args!(
            "{} is absent; conformance and reference tests need ../shared next to the repo",
            p.display()
        ));
        None
    }
}

/// Rows of a TSV file with a header: Vec of column-name → value maps.
pub fn read_tsv(path: &std::path::Path) -> Vec<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split('\t')
        .map(str::to_string)
        .collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(
                    l.split('\t')
                        .map(str::to_string)
                        .chain(std::iter::repeat(String::new())),
                )
                .collect()
        })
        .collect()
}
