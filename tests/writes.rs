//! A hostile environment around the binary (issue 14): output folders and
//! files that are links, writes that fail part-way, a full stdout or
//! stderr, input folders whose links lead elsewhere, names with control
//! characters, megabyte values quoted in messages.
//!
//! The binary is run as a CI job would run it, through
//! `env!("CARGO_BIN_EXE_blastradius")`, with real files in a fresh folder
//! under the system temp dir.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_blastradius");

const SMALL: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: prod, labels: {app: web}}
spec: {containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: prod, labels: {app: client}}
spec: {containers: [{name: c, image: curl}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-allow-client, namespace: prod}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: client}}}]
    ports: [{port: http}]
"#;

/// A fresh, empty folder for one test.
fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("br-writes-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

/// A folder `in/` with the small cluster in it.
fn input(base: &Path) -> PathBuf {
    let d = base.join("in");
    fs::create_dir_all(&d).unwrap();
    fs::write(d.join("cluster.yaml"), SMALL).unwrap();
    d
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn dev_full() -> Option<fs::File> {
    fs::OpenOptions::new().write(true).open("/dev/full").ok()
}

// ---- stdout and stderr that cannot be written ----

/// `2>/dev/full`: a run that succeeded still exits 0 (eprintln! would panic
/// with exit 101); one that failed exits 2.
#[test]
fn a_full_stderr_never_panics_and_keeps_the_exit_code() {
    let Some(_) = dev_full() else {
        eprintln!("SKIPPED: no /dev/full");
        return;
    };
    let base = scratch("stderr");
    input(&base);
    // report writes "wrote N files" on stderr: the report is written, exit 0.
    let out = Command::new(BIN)
        .args(["report", "in", "--out", "rep"])
        .current_dir(&base)
        .stderr(dev_full().unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(base.join("rep/index.html").is_file());
    // A warning (`-v` timings too) on a full stderr: still 0.
    let out = Command::new(BIN)
        .args(["reach", "in", "-v"])
        .current_dir(&base)
        .stderr(dev_full().unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("prod/client[Pod]"));
    // Bad input with nowhere to say so: exit 2, not 101.
    fs::write(base.join("bad.yaml"), "kind: [").unwrap();
    let out = Command::new(BIN)
        .args(["reach", "bad.yaml"])
        .current_dir(&base)
        .stderr(dev_full().unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let _ = fs::remove_dir_all(&base);
}

/// `>/dev/full`: the output was not delivered, so the run failed (exit 2,
/// with the reason on stderr); with stderr full as well, still exit 2.
#[test]
fn a_full_stdout_fails_the_run_with_exit_2() {
    let Some(_) = dev_full() else {
        eprintln!("SKIPPED: no /dev/full");
        return;
    };
    let base = scratch("stdout");
    input(&base);
    for args in [
        &["reach", "in"][..],
        &["reach", "in", "-o", "json"],
        &["explain", "in", "--from", "prod/client", "--to", "prod/web"],
        &["audit", "in"],
        &["synth", "--pods", "20", "-o", "-"],
        &["synth", "--pods", "20", "--live", "json", "-o", "-"],
        &["--help"],
    ] {
        let out = Command::new(BIN)
            .args(args)
            .current_dir(&base)
            .stdout(dev_full().unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        if args != ["--help"] {
            assert!(
                text(&out.stderr).contains("No space left on device"),
                "{args:?}: {}",
                text(&out.stderr)
            );
        }
        let out = Command::new(BIN)
            .args(args)
            .current_dir(&base)
            .stdout(dev_full().unwrap())
            .stderr(dev_full().unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?} with stderr full too");
    }
    let _ = fs::remove_dir_all(&base);
}

// ---- long values in messages ----

/// The API server refuses a label value over 63 characters (SEM-42,
/// apimachinery `IsValidLabelValue`); a megabyte of it is quoted as its
/// first few dozen characters, an ellipsis and its length.
#[test]
fn a_megabyte_label_value_is_quoted_short() {
    let base = scratch("long");
    let big = "v".repeat(1_000_000);
    let yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: d\n  labels:\n    app: {big}\n"
    );
    fs::write(base.join("big.yaml"), yaml).unwrap();
    let out = run(&base, &["reach", "big.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.len() < 1000, "{} bytes of message", err.len());
    assert!(
        err.contains(&format!(
            "metadata.labels.app: Invalid value: \"{}…\" (1000000 characters): a label value must be at most 63 characters",
            "v".repeat(48)
        )),
        "{err}"
    );
    // A megabyte name (metadata.name, IsDNS1123Subdomain) in JSON, where keys
    // and values have no length limit: the object and the value are both cut.
    let json = format!(
        "{{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{{\"name\":\"{big}\",\"namespace\":\"d\"}}}}"
    );
    fs::write(base.join("big.json"), json).unwrap();
    let out = run(&base, &["reach", "big.json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.len() < 1000,
        "{} bytes of message: {}",
        err.len(),
        &err[..300]
    );
    assert!(err.contains("(1000000 characters)"), "{err}");
    // serde's own message quoting a value is cut too.
    let yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: d}}\nspec:\n  containers:\n  - name: c\n    ports:\n    - containerPort: \"x{big}\"\n"
    );
    fs::write(base.join("type.yaml"), yaml).unwrap();
    let out = run(&base, &["reach", "type.yaml"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.len() < 1000, "{} bytes of message", err.len());
    assert!(err.contains("…\" (1000001 characters)"), "{err}");
    let _ = fs::remove_dir_all(&base);
}
