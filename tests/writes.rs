//! A hostile environment around the binary (issue 14): output folders and
//! files that are links, writes that fail part-way, a full stdout or
//! stderr, input folders whose links lead elsewhere, names with control
//! characters, megabyte values quoted in messages.
//!
//! The binary is run as a CI job would run it, through
//! `env!("CARGO_BIN_EXE_blastradius")`, with real files in a fresh folder
//! under the system temp dir.

mod common;

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
        common::skipped("no /dev/full");
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
        common::skipped("no /dev/full");
        return;
    };
    let base = scratch("stdout");
    input(&base);
    for args in [
        &["reach", "in"][..],
        &["reach", "in", "-o", "json"],
        &["explain", "in", "--from", "prod/client", "--to", "prod/web"],
        &["audit", "in"],
        &["synth", "--pods", "20", "--out", "-"],
        &["synth", "--pods", "20", "--live", "json", "--out", "-"],
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

// ---- output folders and files that are links ----

#[cfg(unix)]
fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// Every file and folder name under `dir`, sorted, with its content.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            let m = fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                out.push((format!("{rel}/"), Vec::new()));
                stack.push(p);
            } else if m.file_type().is_symlink() {
                out.push((format!("{rel} ->"), Vec::new()));
            } else {
                out.push((rel, fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// A pull request can commit `out/<name>/index.html` as a link: the report
/// replaces the link and never writes where it points; a dangling link
/// creates nothing outside the folder.
#[cfg(unix)]
#[test]
fn report_replaces_links_where_its_files_go_and_never_writes_through_them() {
    let base = scratch("report-links");
    input(&base);
    fs::create_dir_all(base.join("out/in")).unwrap();
    fs::write(base.join("victim.txt"), "mine").unwrap();
    symlink("../../victim.txt", base.join("out/in/index.html"));
    symlink("../../elsewhere.svg", base.join("out/in/reach-by-hop.svg"));
    let out = run(&base, &["report", "in"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(fs::read_to_string(base.join("victim.txt")).unwrap(), "mine");
    assert!(!base.join("elsewhere.svg").exists());
    for f in ["index.html", "reach-by-hop.svg"] {
        let m = fs::symlink_metadata(base.join("out/in").join(f)).unwrap();
        assert!(m.is_file(), "{f} is a plain file now");
    }
    assert!(fs::read_to_string(base.join("out/in/index.html"))
        .unwrap()
        .contains("<html"));
    // Nothing staged or set aside is left beside or inside.
    let names: Vec<String> = tree(&base).into_iter().map(|(n, _)| n).collect();
    assert!(
        names.iter().all(|n| !n.contains("blastradius-")),
        "{names:?}"
    );
    let _ = fs::remove_dir_all(&base);
}

/// The default folder (`out/<input name>`) is refused when it, or `out`, is
/// a link; a folder the user names may itself be a link (written where it
/// points), but a relative path may not pass through one.
#[cfg(unix)]
#[test]
fn output_folder_links_are_followed_only_when_named() {
    let base = scratch("folder-links");
    input(&base);
    fs::create_dir_all(base.join("real/in")).unwrap();
    // `out` itself a link (committed by a pull request).
    symlink("real", base.join("out"));
    let out = run(&base, &["report", "in"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("error: out is a symbolic link on the way to out/in"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&base, &["report", "in", "--out", "out/in"]);
    assert_eq!(out.status.code(), Some(2), "a link on the way, even named");
    assert_eq!(tree(&base.join("real")), [("in/".to_string(), vec![])]);
    // `out/in` a link, `out` a real folder: refused by default.
    fs::remove_file(base.join("out")).unwrap();
    fs::create_dir(base.join("out")).unwrap();
    symlink("../real/in", base.join("out/in"));
    let out = run(&base, &["report", "in"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(
            "error: out/in is a symbolic link; output goes through a link only when it is named"
        ),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(tree(&base.join("real")), [("in/".to_string(), vec![])]);
    // Named exactly: written where it points, the link kept.
    let out = run(&base, &["report", "in", "--out", "out/in"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(base.join("real/in/index.html").is_file());
    assert!(fs::symlink_metadata(base.join("out/in"))
        .unwrap()
        .file_type()
        .is_symlink());
    // simulate --svg and diff -o svg: the same rules.
    let out = run(
        &base,
        &[
            "simulate",
            "in",
            "--from",
            "prod/client[Pod]",
            "--svg",
            "out/in",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    fs::create_dir_all(base.join("real/diff")).unwrap();
    symlink("../real/diff", base.join("out/diff"));
    let out = run(&base, &["diff", "in", "in", "-o", "svg"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(fs::read_dir(base.join("real/diff"))
        .unwrap()
        .next()
        .is_none());
    let _ = fs::remove_dir_all(&base);
}

/// `simulate --svg DIR` with a link where a chart goes: replaced, never
/// written through; the folder's other files are kept.
#[cfg(unix)]
#[test]
fn simulate_svg_replaces_a_link_and_keeps_other_files() {
    let base = scratch("svg-links");
    input(&base);
    fs::create_dir_all(base.join("charts")).unwrap();
    fs::write(base.join("victim.txt"), "mine").unwrap();
    fs::write(base.join("charts/README.md"), "keep").unwrap();
    symlink("../victim.txt", base.join("charts/reach-by-hop.svg"));
    let out = run(
        &base,
        &[
            "simulate",
            "in",
            "--from",
            "prod/client[Pod]",
            "--svg",
            "charts",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(fs::read_to_string(base.join("victim.txt")).unwrap(), "mine");
    let m = fs::symlink_metadata(base.join("charts/reach-by-hop.svg")).unwrap();
    assert!(m.is_file());
    assert_eq!(
        fs::read_to_string(base.join("charts/README.md")).unwrap(),
        "keep"
    );
    let _ = fs::remove_dir_all(&base);
}

/// `synth --out` never overwrites: neither a file nor a link (dangling or
/// not) in its place.
#[cfg(unix)]
#[test]
fn synth_never_overwrites_a_file_or_a_link() {
    let base = scratch("synth");
    fs::create_dir_all(base.join("s")).unwrap();
    fs::write(base.join("s/cluster.yaml"), "mine").unwrap();
    let out = run(&base, &["synth", "--pods", "10", "--out", "s"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("s/cluster.yaml exists; synth never overwrites a file"));
    assert_eq!(
        fs::read_to_string(base.join("s/cluster.yaml")).unwrap(),
        "mine"
    );
    fs::write(base.join("victim.json"), "mine").unwrap();
    symlink("../victim.json", base.join("s/cluster.json"));
    let out = run(
        &base,
        &["synth", "--pods", "10", "--live", "json", "--out", "s"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        fs::read_to_string(base.join("victim.json")).unwrap(),
        "mine"
    );
    // A new file in a new folder: written, nothing staged left.
    let out = run(&base, &["synth", "--pods", "10", "--out", "t/u"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        tree(&base.join("t"))
            .into_iter()
            .map(|(n, _)| n)
            .collect::<Vec<_>>(),
        ["u/", "u/cluster.yaml"]
    );
    let _ = fs::remove_dir_all(&base);
}

// ---- reports are complete or not there ----

/// A write that fails part-way (here a file-size limit, `ulimit -f`, as a
/// full disk would): exit 2 with the reason; nothing of the new report is
/// left, and an older report stays exactly as it was.
#[cfg(unix)]
#[test]
fn a_report_that_fails_part_way_leaves_nothing_and_keeps_the_old_one() {
    let base = scratch("fsize");
    input(&base);
    let out = run(
        &base,
        &["report", "in", "--out", "rep", "--from", "prod/web[Pod]"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let before = tree(&base);
    // 16 blocks of 512 bytes (dash) or 1 KiB (bash): less than index.html (46 KB).
    for target in ["rep", "fresh/rep"] {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -f 16 && exec \"$0\" report in --out {target}"
            ))
            .arg(BIN)
            .current_dir(&base)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        let err = text(&out.stderr);
        assert!(
            err.contains("File too large") && err.starts_with("error: cannot write "),
            "{err}"
        );
        assert_eq!(tree(&base), before, "old report intact, nothing new left");
    }
    let _ = fs::remove_dir_all(&base);
}

/// A folder named like a report file (`index.html/`) in the target: refused
/// before the first byte, the folder as it was.
#[test]
fn a_folder_where_a_report_file_goes_is_refused_before_any_write() {
    let base = scratch("dir-in-target");
    input(&base);
    fs::create_dir_all(base.join("rep/index.html")).unwrap();
    fs::write(base.join("rep/summary.md"), "old").unwrap();
    let before = tree(&base);
    let out = run(&base, &["report", "in", "--out", "rep"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: rep/index.html is a folder; cannot write a file there\n"
    );
    assert_eq!(tree(&base), before);
    let _ = fs::remove_dir_all(&base);
}

// ---- input folders whose links point elsewhere ----

/// A link inside the input folder that leads outside it (a pull request can
/// commit one to `/etc/passwd` or to another team's manifests) is not read
/// unless --follow-links; the warning names it. One file behind two links is
/// one file, not a duplicate object (SEM-11 is about objects, not names).
#[cfg(unix)]
#[test]
fn input_links_outside_the_folder_are_skipped_and_files_read_once() {
    let base = scratch("input-links");
    let d = input(&base);
    fs::write(
        base.join("outside.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: intruder, namespace: prod}\n",
    )
    .unwrap();
    symlink("../outside.yaml", d.join("extra.yaml"));
    symlink("cluster.yaml", d.join("same.yaml"));
    fs::create_dir(d.join("sub")).unwrap();
    symlink("../cluster.yaml", d.join("sub/again.yaml"));
    let out = run(&base, &["reach", "in", "-o", "connlist"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "warning: in: skipped 1 symbolic link that leads outside the folder: in/extra.yaml -> "
        ),
        "{err}"
    );
    assert!(
        err.contains("outside.yaml; --follow-links follows them"),
        "{err}"
    );
    assert!(
        err.contains("warning: in: 2 paths name a file read already, read once: in/same.yaml (read as in/cluster.yaml), in/sub/again.yaml (read as in/cluster.yaml)"),
        "{err}"
    );
    assert!(!text(&out.stdout).contains("intruder"));
    let out = run(&base, &["reach", "in", "-o", "connlist", "--follow-links"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("prod/intruder[Pod]"));
    assert!(!text(&out.stderr).contains("skipped"));
    let _ = fs::remove_dir_all(&base);
}

/// A newline or an escape sequence in a file name is printed escaped: a
/// name cannot forge a second message line or drive the terminal.
#[test]
fn control_characters_in_file_names_are_escaped() {
    let base = scratch("ctl-names");
    let d = base.join("in");
    fs::create_dir_all(&d).unwrap();
    fs::write(d.join("x\nerror: forged\u{1b}[2J.yaml"), "kind: [").unwrap();
    let out = run(&base, &["reach", "in"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: in/x\\nerror: forged\\u{1b}[2J.yaml: document 1: invalid YAML: "),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains('\u{1b}'));
    let _ = fs::remove_dir_all(&base);
}
