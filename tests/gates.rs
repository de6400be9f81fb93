//! Gates that must not pass by mistake (issue 16): an empty input, policy
//! kinds of other implementations that are not evaluated, selectors and
//! names that match nothing, `explain --exit-code`.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::PathBuf;

fn bin() -> Command {
    Command::cargo_bin("blastradius").unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("blastradius-gates-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x, labels: {tier: db}}\nspec: {containers: []}\n";

/// An empty folder is not a clean bill of health: every command that reads
/// input refuses it (exit 2) so that `audit --fail-on-severity low` on the
/// wrong folder cannot pass.
#[test]
fn empty_input_is_an_error_for_every_command() {
    let empty = tmp("empty");
    let cases: Vec<Vec<&str>> = vec![
        vec!["reach"],
        vec!["audit", "--fail-on-severity", "low"],
        vec!["simulate", "--all"],
        vec!["chokepoints"],
        vec!["explain", "--from", "10.0.0.1", "--to", "x/p"],
        vec!["report", "--out"],
    ];
    for args in cases {
        let mut c = bin();
        c.arg(args[0]).arg(&empty).args(&args[1..]);
        if args[0] == "report" {
            c.arg(empty.join("out"));
        }
        c.assert().code(2).stderr(predicate::str::contains(
            "no Kubernetes objects in the input: nothing to analyse",
        ));
    }
    bin()
        .arg("diff")
        .arg(&empty)
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--allow-empty"));
    // Only objects of other kinds: still nothing to analyse.
    bin()
        .args(["reach", "-"])
        .write_stdin("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "<stdin>: no pods, workloads, namespaces or policies in the input, only 1 other object (-v lists it)",
        ));
}

#[test]
fn allow_empty_accepts_an_empty_input() {
    let empty = tmp("allow");
    bin()
        .arg("audit")
        .arg(&empty)
        .args(["--allow-empty", "--fail-on-severity", "low"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "warning: no Kubernetes objects found",
        ));
    bin()
        .args(["reach", "-", "-o", "connlist", "--allow-empty"])
        .write_stdin("")
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
}

/// Kinds of other network-policy implementations are read but not
/// evaluated; what they block shows as allowed, so it is said always, per
/// kind. A Calico `projectcalico.org/v3` NetworkPolicy is another kind
/// (another API group), not a wrong apiVersion of ours. Kyverno's
/// ClusterPolicy is admission, not traffic: not counted.
#[test]
fn unevaluated_policy_kinds_are_reported_and_can_fail_the_gate() {
    let input = format!(
        "{POD}---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {{name: a, namespace: x}}\n---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {{name: b, namespace: x}}\n---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {{name: c, namespace: x}}\n---\napiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {{name: d, namespace: x}}\n---\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {{name: e}}\n---\napiVersion: crd.antrea.io/v1beta1\nkind: ClusterNetworkPolicy\nmetadata: {{name: f}}\n---\napiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {{name: k}}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: s, namespace: x}}\n"
    );
    let out = bin()
        .args(["reach", "-", "-o", "connlist"])
        .write_stdin(input.clone())
        .assert()
        .code(0)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    for line in [
        "warning: 3 CiliumNetworkPolicy (cilium.io/v2) objects were not evaluated: connections they block are shown as allowed",
        "warning: 1 NetworkPolicy (projectcalico.org/v3) object was not evaluated: connections it blocks are shown as allowed",
        "warning: 1 GlobalNetworkPolicy (projectcalico.org/v3) object was not evaluated",
        "warning: 1 ClusterNetworkPolicy (crd.antrea.io/v1beta1) object was not evaluated",
    ] {
        assert!(err.contains(line), "{line}\n--- stderr:\n{err}");
    }
    assert!(!err.contains("ClusterPolicy (kyverno.io"), "{err}");
    assert!(!err.contains("Service"), "{err}");
    bin()
        .args(["audit", "-", "--fail-on-unevaluated"])
        .write_stdin(input)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("BR001"))
        .stderr(predicate::str::contains(
            "gate failed: policy kinds that are not evaluated",
        ));
    // Without such kinds the flag changes nothing.
    bin()
        .args(["reach", "-", "--fail-on-unevaluated"])
        .write_stdin(POD)
        .assert()
        .code(0);
}

/// `git diff --exit-code`, `kubectl auth can-i`: 1 when denied.
#[test]
fn explain_exit_code_is_1_when_denied() {
    let shop = "scenarios/shop";
    let args = |from: &str, exit_code: bool| {
        let mut c = bin();
        c.args([
            "explain", shop, "--from", from, "--to", "data/db", "--port", "5432/TCP",
        ]);
        if exit_code {
            c.arg("--exit-code");
        }
        c
    };
    // The README: frontend -> db on 5432 is DENIED, api -> db allowed.
    args("shop/frontend", true)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("TCP 5432: DENIED"));
    args("shop/frontend", false).assert().code(0);
    args("shop/api", true).assert().code(0);
}

/// A `--target` typo would make `--fail-on new-target-path` pass for ever:
/// a selector that matches no pod (on either side of a diff) is exit 2,
/// with the closest labels that exist.
#[test]
fn a_target_that_matches_nothing_is_an_error_with_did_you_mean() {
    let dir = tmp("target");
    let f = dir.join("a.yaml");
    std::fs::write(&f, POD).unwrap();
    for cmd in ["simulate", "report", "chokepoints"] {
        let mut c = bin();
        c.arg(cmd).arg(&f).args(["--target", "tier=dbb"]);
        match cmd {
            "simulate" => c.arg("--all"),
            "report" => c.arg("--out").arg(dir.join("out")),
            _ => &mut c,
        };
        c.assert().code(2).stderr(predicate::str::contains(
            "error: --target: `tier=dbb` matches no pod; did you mean tier=db?",
        ));
    }
    bin()
        .arg("diff")
        .arg(&f)
        .arg(&f)
        .args(["--target", "tier=dbb", "--fail-on", "new-target-path"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "`tier=dbb` matches no pod on either side; did you mean tier=db?",
        ));
    // Nothing close: the closest labels that exist are named anyway.
    bin()
        .arg("simulate")
        .arg(&f)
        .args(["--all", "--target", "team=payments"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "matches no pod; the closest labels that exist: tier=db",
        ));
    bin()
        .arg("diff")
        .arg(&f)
        .arg(&f)
        .args(["--target", "tier=db", "--fail-on", "new-target-path"])
        .assert()
        .code(0);
}

/// `--from shop/frontnd` names the workload it probably meant.
#[test]
fn a_workload_name_that_matches_nothing_gets_did_you_mean() {
    bin()
        .args(["simulate", "scenarios/shop", "--from", "shop/frontnd"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no pod or workload `shop/frontnd`: write ns/name (a pod or workload), ns/name[Kind], or an IP address; did you mean shop/frontend?",
        ));
    bin()
        .args([
            "explain",
            "scenarios/shop",
            "--from",
            "shop/frontend",
            "--to",
            "data/dbb",
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("error: --to: no pod or workload `data/dbb`")
                .and(predicate::str::contains("did you mean data/db?")),
        );
    bin()
        .args([
            "simulate",
            "scenarios/shop",
            "--from-selector",
            "app=frontnd",
            "-n",
            "shop",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the closest labels there: app=frontend",
        ));
}

/// `simulate --all --target` used to drop `--target`: the ranking now says
/// at which hop each workload first reaches the crown jewel (the same hop
/// `simulate --from` reports: the README's shop/frontend reaches tier=data
/// at hop 2).
#[test]
fn simulate_all_honours_target() {
    let out = bin()
        .args([
            "simulate",
            "scenarios/shop",
            "--all",
            "--target",
            "tier=data",
            "--top",
            "3",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("MAX HOP  TARGET HOP\n"), "{text}");
    let front = text
        .lines()
        .find(|l| l.contains("shop/frontend[Deployment]"))
        .unwrap();
    assert!(front.ends_with("  2"), "{front}");
    let json = bin()
        .args([
            "simulate",
            "scenarios/shop",
            "--all",
            "--target",
            "tier=data",
            "-o",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let row = v["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["workload"] == "shop/frontend[Deployment]")
        .unwrap();
    assert_eq!(row["target_hops"], serde_json::json!([2]));
    // Without --target the ranking is as before.
    bin()
        .args(["simulate", "scenarios/shop", "--all"])
        .assert()
        .success()
        .stdout(predicate::str::contains("TARGET HOP").not());
}

// Inputs as they sit in a repository (issue 16).

/// A repository with manifests beside a kustomization.yaml, a Helm chart's
/// Chart.yaml and values.yaml, a `.github` workflow and `out/` from an
/// earlier `report .`: the manifests are read, the rest is left out.
fn repo(name: &str) -> PathBuf {
    let r = tmp(name);
    for d in ["k8s", ".github/workflows", "chart/templates", "out/old"] {
        std::fs::create_dir_all(r.join(d)).unwrap();
    }
    std::fs::write(r.join("k8s/pod.yaml"), POD).unwrap();
    std::fs::write(
        r.join(".github/workflows/ci.yml"),
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n",
    )
    .unwrap();
    std::fs::write(
        r.join("chart/Chart.yaml"),
        "apiVersion: v2\nname: c\nversion: 1.0.0\n",
    )
    .unwrap();
    std::fs::write(r.join("chart/values.yaml"), "replicas: 2\n").unwrap();
    std::fs::write(r.join("kustomization.yaml"), "resources:\n- k8s/pod.yaml\n").unwrap();
    std::fs::write(
        r.join("chart/templates/deploy.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    )
    .unwrap();
    r
}

fn stderr_of(c: &mut Command) -> (i32, String) {
    let o = c.output().unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

#[test]
fn a_repository_folder_reads_its_manifests_only() {
    let r = repo("repo");
    // The Helm template is refused with the way out.
    let (code, err) = stderr_of(bin().arg("reach").arg(&r));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("chart/templates/deploy.yaml: a Helm template (`{{ … }}` at line 4), not a manifest: render it first, e.g. `helm template RELEASE CHART"),
        "{err}"
    );
    // Excluded, the rest reads: 3 documents that are not objects are
    // counted (the hidden .github folder is not even walked).
    let (code, err) = stderr_of(
        bin()
            .arg("reach")
            .arg(&r)
            .args(["--exclude", "chart/templates/**"]),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("note: skipped 3 YAML/JSON documents that are not Kubernetes objects"),
        "{err}"
    );
    assert!(!err.contains("ci.yml"), "{err}");
    // A report written into the folder is never read back.
    bin()
        .arg("report")
        .arg(&r)
        .args(["--exclude", "templates", "--out"])
        .arg(r.join("out/shop"))
        .assert()
        .success();
    let (code, err) = stderr_of(
        bin()
            .arg("reach")
            .arg(&r)
            .args(["--exclude", "templates", "-v"]),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("out/shop: a folder `blastradius report` wrote"),
        "{err}"
    );
    assert!(
        err.contains(
            "chart/values.yaml: document 1: not a Kubernetes object (no `kind` and no `metadata`)"
        ),
        "{err}"
    );
    // Our own JSON output beside the manifests is not read either.
    let json = bin()
        .args(["reach", "-o", "json"])
        .arg(r.join("k8s"))
        .output()
        .unwrap()
        .stdout;
    std::fs::write(r.join("k8s/reach.json"), json).unwrap();
    let (code, err) = stderr_of(bin().arg("reach").arg(r.join("k8s")).arg("-v"));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("reach.json: a JSON output of blastradius"),
        "{err}"
    );
    // An object that only lacks its kind is still an error.
    std::fs::write(
        r.join("k8s/bad.yaml"),
        "apiVersion: v1\nmetadata: {name: x}\n",
    )
    .unwrap();
    let (code, err) = stderr_of(bin().arg("reach").arg(r.join("k8s")));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("missing `kind`"), "{err}");
}

/// `kubectl apply -f a.yaml -f b.yaml` accepts an object declared twice
/// identically; one that differs is refused naming both places.
#[test]
fn identical_duplicates_are_read_once_conflicting_ones_refused() {
    let d = tmp("dups");
    let ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n";
    std::fs::write(d.join("a.yaml"), format!("{ns}---\n{POD}")).unwrap();
    std::fs::write(d.join("b.yaml"), ns).unwrap();
    let (code, err) = stderr_of(bin().arg("reach").arg(&d));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: 1 object is defined twice, identically, read once (as kubectl apply accepts them): Namespace x ("),
        "{err}"
    );
    std::fs::write(
        d.join("b.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: x, labels: {a: b}}\n",
    )
    .unwrap();
    let (code, err) = stderr_of(bin().arg("reach").arg(&d));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("b.yaml: document 1 (Namespace x): metadata.name: duplicate object: Namespace \"x\" is already defined at"), "{err}");
    assert!(err.contains("a.yaml: document 1"), "{err}");
}

/// A lesson's folder holds `mistake/` and `fixed/`: read together they
/// would be one cluster with every object twice.
#[test]
fn a_lesson_folder_says_which_subfolder_to_pick() {
    let lesson = "scenarios/05-and-or-trap";
    assert!(std::path::Path::new(lesson).join("mistake").is_dir());
    bin()
        .args(["reach", lesson])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "scenarios/05-and-or-trap: holds two versions of the same manifests, mistake/ and fixed/, which would be read as one cluster: pick one (`blastradius reach scenarios/05-and-or-trap/mistake`), or compare them (`blastradius diff scenarios/05-and-or-trap/mistake scenarios/05-and-or-trap/fixed`)",
        ));
}

// Conventions (issue 16).

/// Completions for every shell clap_complete knows, from the one clap
/// definition: they name the subcommands and the newest flags.
#[test]
fn completions_for_every_shell_come_from_the_clap_definition() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = bin().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        for word in [
            "blastradius",
            "simulate",
            "chokepoints",
            "allow-empty",
            "fail-on-unevaluated",
        ] {
            assert!(text.contains(word), "{shell} completion lacks {word}");
        }
    }
    bin().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn man_page_is_roff_from_the_clap_definition() {
    let out = bin().arg("man").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(".TH blastradius 1"), "{text}");
    assert!(text.contains(".SH NAME"), "{text}");
    assert!(text.contains("Kubernetes NetworkPolicy blast"), "{text}");
    assert!(text.contains("completions"), "{text}");
}

/// `--version` is the crate's version, with the commit when built from a
/// git checkout (build.rs; a build without git or .git has the version
/// alone).
#[test]
fn version_names_the_commit_when_built_from_git() {
    let out = bin().arg("--version").output().unwrap();
    assert!(out.status.success());
    let v = String::from_utf8(out.stdout).unwrap();
    let want = format!("blastradius {}", env!("CARGO_PKG_VERSION"));
    assert!(v.starts_with(&want), "{v}");
    let head = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        Some(head) => {
            let commit = v
                .trim_end()
                .strip_prefix(&format!("{want} (commit "))
                .and_then(|r| r.strip_suffix(')'))
                .unwrap_or_else(|| panic!("no commit in {v:?}"));
            assert!(
                commit.len() >= 7 && head.starts_with(commit),
                "{commit} is not HEAD {head}"
            );
        }
        None => assert_eq!(v.trim_end(), want),
    }
}

/// LICENSE matches Cargo.toml's `license` (Apache-2.0); `out/` exists with
/// a README and ignores the rest.
#[test]
fn license_and_out_folder() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let toml = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(toml.contains("license = \"Apache-2.0\""));
    let license = std::fs::read_to_string(root.join("LICENSE")).unwrap();
    assert!(license.contains("Apache License") && license.contains("Version 2.0, January 2004"));
    assert!(root.join("out/README.md").is_file());
    let ignore = std::fs::read_to_string(root.join("out/.gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "*") && ignore.contains("!README.md"));
}
