//! kubectl-style conventions (issue 16): the same flag means the same thing
//! in every command (`-o` the output format, `-n/-A` the namespace of a
//! selection), `--color`, `audit --brief`, singular and plural words, help
//! for every flag, hints for common input mistakes.

use assert_cmd::Command;
use predicates::prelude::*;

fn bin() -> Command {
    Command::cargo_bin("blastradius").unwrap()
}

fn stdout_of(args: &[&str]) -> String {
    let out = bin().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// `-o` is a format everywhere: synth writes to `--out DIR` or `--out -`,
/// and `synth -o -` (its old spelling) says so instead of writing.
#[test]
fn synth_writes_to_out_and_o_is_never_a_destination() {
    let yaml = stdout_of(&["synth", "--pods", "5", "--namespaces", "1", "--out", "-"]);
    assert!(yaml.contains("kind: Namespace"), "{yaml}");
    let live = stdout_of(&["synth", "--pods", "5", "--live", "json", "--out", "-"]);
    assert!(live.contains("\"kind\": \"List\""), "{live}");
    bin()
        .args(["synth", "--pods", "5", "-o", "-"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("-o is the output format in every command")
                .and(predicate::str::contains("write to stdout with `--out -`")),
        );
    bin()
        .args(["synth", "--pods", "5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--out DIR, or --out - for stdout"));
    // Every command that has -o takes a format name there.
    for cmd in [
        "reach",
        "explain",
        "simulate",
        "diff",
        "audit",
        "chokepoints",
    ] {
        let help = stdout_of(&[cmd, "--help"]);
        let at = help
            .find("-o, --output <FORMAT>\n          Output format")
            .unwrap_or_else(|| panic!("{cmd}: {help}"));
        assert!(help[at..].contains("text"), "{cmd}: {help}");
    }
}

/// `reach -n NS` lists the connections with an end in NS (the policies of
/// every namespace still decide them, SEM-3); `-A` is every namespace.
#[test]
fn reach_takes_a_namespace_like_kubectl() {
    let all = stdout_of(&["reach", "scenarios/shop"]);
    let all_a = stdout_of(&["reach", "scenarios/shop", "-A"]);
    assert_eq!(all, all_a);
    let data = stdout_of(&["reach", "scenarios/shop", "-n", "data"]);
    let rows: Vec<&str> = data
        .lines()
        .skip_while(|l| !l.starts_with("SOURCE"))
        .skip(1)
        .collect();
    assert!(!rows.is_empty());
    for r in &rows {
        assert!(r.contains("data/"), "a row without namespace data: {r}");
    }
    // The row into data from another namespace is kept.
    assert!(
        data.contains("shop/api[Deployment]    data/db[StatefulSet]"),
        "{data}"
    );
    // Rows of the full list that touch data are all there.
    let touching = all.lines().filter(|l| l.contains("data/")).count();
    assert_eq!(touching, rows.len());
    bin()
        .args(["reach", "scenarios/shop", "-n", "dta"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: --namespace: no namespace `dta` in the input; did you mean data",
        ));
    bin()
        .args(["reach", "scenarios/shop", "-n", "data", "-A"])
        .assert()
        .code(2);
}

/// `-n NS` names the namespace of a bare --from/--to (explain, simulate)
/// and restricts audit's findings to NS.
#[test]
fn namespace_flag_in_explain_simulate_and_audit() {
    let qualified = stdout_of(&[
        "explain",
        "scenarios/shop",
        "--from",
        "shop/api",
        "--to",
        "data/db",
        "--port",
        "5432/TCP",
    ]);
    let with_n = stdout_of(&[
        "explain",
        "scenarios/shop",
        "-n",
        "data",
        "--from",
        "shop/api",
        "--to",
        "db",
        "--port",
        "5432/TCP",
    ]);
    assert_eq!(qualified, with_n);
    let sim = stdout_of(&["simulate", "scenarios/shop", "--from", "shop/frontend"]);
    let sim_n = stdout_of(&[
        "simulate",
        "scenarios/shop",
        "-n",
        "shop",
        "--from",
        "frontend",
    ]);
    assert_eq!(sim, sim_n);
    let audit = stdout_of(&["audit", "scenarios/shop", "-n", "data"]);
    let heads: Vec<&str> = audit.lines().filter(|l| l.starts_with("BR")).collect();
    assert!(!heads.is_empty());
    let full = stdout_of(&["audit", "scenarios/shop"]);
    assert!(full.lines().filter(|l| l.starts_with("BR")).count() > heads.len());
    for h in &heads {
        assert!(h.contains("data"), "{h}");
    }
}
