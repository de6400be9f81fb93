//! Bad-input corpus: every case must be refused with exit code 2 and a
//! message that names the file, the document and the field path, never with a
//! panic, a hang or anything on stdout (SEM-54..63 and malformed manifests).
//!
//! `tests/bad_inputs/expected.tsv` has one row per file of that folder:
//! `file<TAB>expected_fragment`, a fragment the stderr message must contain.
//! Cases that need big, binary or file-system content (deep nesting, an alias
//! bomb, a NUL byte, invalid UTF-8, symlink loops, missing and unreadable
//! paths, a FIFO) are generated at test time in `generated_cases`.
//!
//! `KNOWN_BAD` lists cases where the tool is wrong today (accepts what the API
//! server refuses, or names the wrong place); their fragment is what the tool
//! should print. They are skipped with `SKIPPED (known): <case>` until fixed:
//! then remove them from the list.

mod common;

use assert_cmd::Command;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Cases the tool gets wrong today (file names, or `gen-*` generated cases).
const KNOWN_BAD: &[&str] = &[];

/// The corpus must hold at least this many rows.
const MIN_ROWS: usize = 60;

/// A case that takes longer than this counts as a hang.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Corpus files stay small; big content is generated at test time.
const MAX_FILE_BYTES: u64 = 10 * 1024;

const MANIFEST: &str = "expected.tsv";

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs")
}

/// One run of `blastradius reach <arg>` and what its stderr must hold.
struct Case {
    /// Shown in reports and matched against `KNOWN_BAD`.
    name: String,
    arg: PathBuf,
    /// The file (or folder) at fault, which stderr must name.
    names: String,
    fragments: Vec<String>,
    /// Stderr must give a document number (every manifest-content error does).
    needs_doc: bool,
    /// The first fragment must occur exactly once (no file read twice).
    once: bool,
}

impl Case {
    fn new(name: &str, arg: PathBuf, names: &str, fragments: &[&str]) -> Case {
        Case {
            name: name.to_string(),
            arg,
            names: names.to_string(),
            fragments: fragments.iter().map(|f| f.to_string()).collect(),
            needs_doc: false,
            once: false,
        }
    }
}

/// Rows of `expected.tsv`: (file, fragment), header skipped.
fn manifest_rows() -> Vec<(String, String)> {
    let path = corpus_dir().join(MANIFEST);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("file\texpected_fragment"),
        "{}: bad header",
        path.display()
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            let (file, frag) = l.split_once('\t').unwrap_or_else(|| {
                panic!(
                    "{}: row {}: expected file<TAB>fragment",
                    path.display(),
                    i + 2
                )
            });
            assert!(
                !frag.trim().is_empty(),
                "{}: row {}: empty fragment",
                path.display(),
                i + 2
            );
            (file.to_string(), frag.to_string())
        })
        .collect()
}

/// Run one case; `Err` lists every way it fails.
fn check(case: &Case) -> Result<(), String> {
    let start = Instant::now();
    let out = Command::cargo_bin("blastradius")
        .unwrap()
        .arg("reach")
        .arg(&case.arg)
        .timeout(TIMEOUT)
        .output()
        .map_err(|e| format!("{}: cannot run blastradius: {e}", case.name))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    match out.status.code() {
        Some(2) => {}
        Some(c) => problems.push(format!("exit code {c}, expected 2")),
        None => problems.push(format!(
            "killed after {:.1?}: hang or crash (timeout {TIMEOUT:?})",
            start.elapsed()
        )),
    }
    if stderr.contains("panicked") {
        problems.push("stderr shows a panic".into());
    }
    if !out.stdout.is_empty() {
        problems.push(format!("stdout is not empty ({} bytes)", out.stdout.len()));
    }
    if !stderr.contains(&case.names) {
        problems.push(format!("stderr does not name `{}`", case.names));
    }
    if case.needs_doc && !stderr.contains(": document ") {
        problems.push("stderr gives no document number".into());
    }
    for f in &case.fragments {
        if !stderr.contains(f.as_str()) {
            problems.push(format!("stderr lacks `{f}`"));
        }
    }
    if case.once {
        let n = stderr.matches(case.fragments[0].as_str()).count();
        if n > 1 {
            problems.push(format!("`{}` reported {n} times", case.fragments[0]));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}:\n    {}\n    stderr: {}",
            case.name,
            problems.join("\n    "),
            stderr.trim_end().replace('\n', "\n            ")
        ))
    }
}

/// Run the cases not in `KNOWN_BAD`; panic listing every failure.
fn run_all(cases: &[Case]) {
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in cases {
        if KNOWN_BAD.contains(&case.name.as_str()) {
            common::skipped(format_args!("(known) {}", case.name));
            continue;
        }
        ran += 1;
        if let Err(e) = check(case) {
            failures.push(e);
        }
    }
    println!("{ran} cases run, {} failed", failures.len());
    assert!(
        failures.is_empty(),
        "{} of {ran} bad inputs were not refused properly:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_files_and_manifest_agree() {
    let rows = manifest_rows();
    assert!(
        rows.len() >= MIN_ROWS,
        "the corpus has {} rows, expected at least {MIN_ROWS}",
        rows.len()
    );
    let mut listed = BTreeSet::new();
    for (file, _) in &rows {
        assert!(listed.insert(file.clone()), "{file} is listed twice");
    }
    let mut on_disk = BTreeSet::new();
    for e in std::fs::read_dir(corpus_dir()).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if name == MANIFEST {
            continue;
        }
        let len = e.metadata().unwrap().len();
        assert!(
            len < MAX_FILE_BYTES,
            "{name} is {len} bytes: generate big content at test time instead"
        );
        on_disk.insert(name);
    }
    let unlisted: Vec<_> = on_disk.difference(&listed).collect();
    assert!(
        unlisted.is_empty(),
        "files without a row in {MANIFEST}: {unlisted:?}"
    );
    let missing: Vec<_> = listed.difference(&on_disk).collect();
    assert!(
        missing.is_empty(),
        "rows of {MANIFEST} without a file: {missing:?}"
    );
    for k in KNOWN_BAD {
        assert!(
            listed.contains(*k) || k.starts_with("gen-"),
            "KNOWN_BAD names {k}, which is not in the corpus"
        );
    }
}

#[test]
fn corpus_is_refused() {
    let dir = corpus_dir();
    let cases: Vec<Case> = manifest_rows()
        .into_iter()
        .map(|(file, frag)| {
            let mut c = Case::new(&file, dir.join(&file), &file, &[&frag]);
            c.needs_doc = true;
            c
        })
        .collect();
    run_all(&cases);
}

/// A fresh, empty folder for generated cases.
fn scratch_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bad_inputs");
    if dir.exists() {
        // Restore permissions changed by an earlier run, then clear.
        let _ = make_readable(&dir.join("gen-unreadable.yaml"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[cfg(unix)]
fn make_readable(p: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn make_readable(_: &Path) -> std::io::Result<()> {
    Ok(())
}

const PORT_ZERO: &str = "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: prod}
spec:
  podSelector: {}
  ingress:
  - ports: [{port: 0}]
";

const DENY_ALL: &str = "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: prod}
spec: {podSelector: {}}
";

/// A file of `body` in `dir`; returns its path.
fn write(dir: &Path, name: &str, body: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, body).unwrap();
    p
}

/// "Billion laughs": ten levels of nine aliases each, 9^9 leaves if expanded.
fn alias_bomb() -> String {
    let mut s = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        s.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    s.push_str("apiVersion: v1\nkind: Namespace\nmetadata: {name: bomb}\n");
    s
}

const DEPTH: usize = 10_000;

fn generated_cases(dir: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    let make = |name: &str, file: &str, body: Vec<u8>, frags: &[&str]| {
        let p = write(dir, file, body);
        let mut c = Case::new(name, p, file, frags);
        c.needs_doc = !name.contains("utf8");
        c
    };
    let deep_seq = format!("a: {}{}\n", "[".repeat(DEPTH), "]".repeat(DEPTH));
    cases.push(make(
        "gen-deep-nesting-seq",
        "gen-deep-seq.yaml",
        deep_seq.into_bytes(),
        &["document 1: invalid YAML: recursion limit exceeded"],
    ));
    let deep_map = format!("{}1{}\n", "{a: ".repeat(DEPTH), "}".repeat(DEPTH));
    cases.push(make(
        "gen-deep-nesting-map",
        "gen-deep-map.yaml",
        deep_map.into_bytes(),
        &["document 1: invalid YAML: recursion limit exceeded"],
    ));
    let deep_json = format!("{}1{}\n", "{\"a\": ".repeat(DEPTH), "}".repeat(DEPTH));
    cases.push(make(
        "gen-deep-nesting-json",
        "gen-deep.json",
        deep_json.into_bytes(),
        &["document 1: invalid JSON: recursion limit exceeded"],
    ));
    cases.push(make(
        "gen-alias-bomb",
        "gen-alias-bomb.yaml",
        alias_bomb().into_bytes(),
        &["document 1: invalid YAML: repetition limit exceeded"],
    ));
    cases.push(make(
        "gen-nul-byte",
        "gen-nul.yaml",
        b"apiVersion: v1\nkind: Namespace\nmetadata: {name: a\0b}\n".to_vec(),
        &["document 1: invalid YAML: control characters are not allowed"],
    ));
    cases.push(make(
        "gen-nul-byte-json",
        "gen-nul.json",
        b"{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"a\0b\"}}\n"
            .to_vec(),
        &["document 1: invalid JSON: control character"],
    ));
    cases.push(make(
        "gen-invalid-utf8",
        "gen-latin1.yaml",
        b"apiVersion: v1\nkind: Namespace\nmetadata: {name: caf\xe9}\n".to_vec(),
        &["gen-latin1.yaml: is not UTF-8 text"],
    ));

    // A folder, then files in it, each refused by a folder-level check.
    // Conflicting: identical duplicates are read once, as `kubectl apply`
    // accepts them (issue 16); these two differ in their policyTypes.
    let dup = dir.join("gen-dup-across-files");
    write(&dup, "a.yaml", DENY_ALL);
    write(
        &dup,
        "b.yaml",
        DENY_ALL.replace(
            "{podSelector: {}}",
            "{podSelector: {}, policyTypes: [Egress]}",
        ),
    );
    let mut c = Case::new(
        "gen-dup-across-files",
        dup,
        "b.yaml",
        &[
            "document 1 (NetworkPolicy deny-all): metadata.name: duplicate object",
            "already defined at ",
        ],
    );
    c.needs_doc = true;
    cases.push(c);

    let missing = dir.join("gen-does-not-exist.yaml");
    cases.push(Case::new(
        "gen-missing-path",
        missing,
        "gen-does-not-exist.yaml",
        &["gen-does-not-exist.yaml: cannot read: "],
    ));
    cases.extend(unix_cases(dir));
    cases
}

#[cfg(unix)]
fn unix_cases(dir: &Path) -> Vec<Case> {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let mut cases = Vec::new();

    // A folder with links back to itself and to its parent: walked once.
    let root = dir.join("gen-symlink-loop");
    write(&root, "sub/bad.yaml", PORT_ZERO);
    symlink("..", root.join("sub/up")).unwrap();
    symlink(".", root.join("self")).unwrap();
    let mut c = Case::new(
        "gen-symlink-loop",
        root,
        "bad.yaml",
        &["(NetworkPolicy p): spec.ingress[0].ports[0].port: must be between 1 and 65535"],
    );
    c.needs_doc = true;
    c.once = true;
    cases.push(c);

    // A link to itself inside a folder: the error must name the link.
    let root = dir.join("gen-symlink-self");
    write(&root, "a.yaml", DENY_ALL);
    symlink("me.yaml", root.join("me.yaml")).unwrap();
    cases.push(Case::new(
        "gen-symlink-self-in-folder",
        root,
        "me.yaml",
        &["me.yaml: cannot read: "],
    ));

    // A link to itself given directly.
    let link = dir.join("gen-self-link.yaml");
    symlink("gen-self-link.yaml", &link).unwrap();
    cases.push(Case::new(
        "gen-symlink-self",
        link,
        "gen-self-link.yaml",
        &["gen-self-link.yaml: cannot read: "],
    ));

    // A FIFO: must be refused without being opened (opening would block).
    let fifo = dir.join("gen-fifo.yaml");
    match std::process::Command::new("mkfifo").arg(&fifo).status() {
        Ok(s) if s.success() => cases.push(Case::new(
            "gen-fifo",
            fifo,
            "gen-fifo.yaml",
            &["gen-fifo.yaml: is neither a file nor a folder"],
        )),
        _ => common::skipped("gen-fifo: mkfifo is not available"),
    }

    // An unreadable file; root reads it anyway, so the case is skipped then.
    let p = write(dir, "gen-unreadable.yaml", DENY_ALL);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&p).is_ok() {
        common::skipped(
            "gen-unreadable: the file stays readable after chmod 000 (running as root?)",
        );
    } else {
        cases.push(Case::new(
            "gen-unreadable",
            p,
            "gen-unreadable.yaml",
            &["gen-unreadable.yaml: cannot read: Permission denied"],
        ));
    }
    cases
}

#[cfg(not(unix))]
fn unix_cases(_: &Path) -> Vec<Case> {
    common::skipped("symlink, FIFO and permission cases need unix");
    Vec::new()
}

#[test]
fn generated_cases_are_refused() {
    let dir = scratch_dir();
    let cases = generated_cases(&dir);
    let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    for k in KNOWN_BAD.iter().filter(|k| k.starts_with("gen-")) {
        // A skipped platform case may be absent; otherwise the name must exist.
        if cfg!(unix) {
            assert!(names.contains(k), "KNOWN_BAD names unknown case {k}");
        }
    }
    run_all(&cases);
    let _ = make_readable(&dir.join("gen-unreadable.yaml"));
}
