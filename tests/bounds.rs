//! Issue 14, "bounded on small inputs" and "same input, same bytes": the
//! budgets are counts of work stated in the output, and allocations that
//! grow with classes² are refused with the numbers before they are made.
//! Speed itself is measured by `bench/bounds.sh` (release build), never here.

use assert_cmd::Command;
use predicates::prelude::*;

fn bin() -> Command {
    Command::cargo_bin("blastradius").unwrap()
}

/// `synth --shape NAME --size N` on stdout.
fn shape(name: &str, size: usize) -> String {
    let out = bin()
        .args([
            "synth",
            "--shape",
            name,
            "--size",
            &size.to_string(),
            "--out",
            "-",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn run(args: &[&str], stdin: &str) -> std::process::Output {
    bin()
        .args(args)
        .write_stdin(stdin.to_string())
        .output()
        .unwrap()
}

#[test]
fn chokepoints_same_input_same_bytes_with_the_budget_stated() {
    // A wall-clock budget made `evaluated` depend on the machine's load.
    let dag = shape("layered-dag", 60);
    for format in ["text", "json"] {
        let a = run(&["chokepoints", "-", "-o", format], &dag);
        let b = run(&["chokepoints", "-", "-o", format], &dag);
        assert!(a.status.success());
        assert_eq!(a.stdout, b.stdout, "{format}");
    }
    let text = String::from_utf8(run(&["chokepoints", "-"], &dag).stdout).unwrap();
    assert!(
        text.contains("could matter; evaluated ")
            && text.contains(" candidate edges exactly (budget: "),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&run(&["chokepoints", "-", "-o", "json"], &dag).stdout).unwrap();
    let c = &json["chokepoints"];
    assert!(c["budget_evaluations"].as_u64().unwrap() >= 10);
    assert!(c["evaluated"].as_u64().unwrap() <= c["budget_evaluations"].as_u64().unwrap());
}

#[test]
fn monte_carlo_states_its_edge_visit_budget_and_cuts_trials_to_it() {
    let open = shape("distinct-classes", 40);
    let args = [
        "simulate",
        "-",
        "--from",
        "default/p0",
        "--model",
        "monte-carlo",
        "--max-edge-visits",
        "100000",
    ];
    let a = run(&args, &open);
    assert!(a.status.success());
    assert_eq!(a.stdout, run(&args, &open).stdout);
    let text = String::from_utf8(a.stdout).unwrap();
    assert!(
        text.contains(" of 1,000 trials (the budget of 100,000 edge visits ran out; --max-edge-visits raises it)"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&run(&[&args[..], &["-o", "json"]].concat(), &open).stdout).unwrap();
    let r = &json["results"][0];
    assert_eq!(r["trials_requested"], 1000);
    assert_eq!(r["edge_visit_budget"], 100000);
    assert!(r["trials"].as_u64().unwrap() < 1000);
}

#[test]
fn the_matrix_is_refused_before_it_is_allocated_with_the_class_count() {
    // 2,000 classes with 2,000 row and column keys: a 4 MB matrix, over a
    // 1 MiB budget.
    bin()
        .env("BLASTRADIUS_MEMORY_BUDGET", "1M")
        .args(["simulate", "-", "--all"])
        .write_stdin(shape("distinct-keys", 2000))
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "error: the reachability matrix of 2000 pod classes would need about 4 MiB, more than the memory budget of 1 MiB; pods form one class when no policy can tell them apart",
        ))
        .stderr(predicate::str::contains("raise the budget with BLASTRADIUS_MEMORY_BUDGET"));
    // The same 2,000 classes under a 16 MiB budget: the 4 MB matrix fits,
    // but the attack graph stores one entry per connected (row key, column
    // key) pair, 4 M of them here.
    bin()
        .env("BLASTRADIUS_MEMORY_BUDGET", "16M")
        .args(["chokepoints", "-"])
        .write_stdin(shape("distinct-keys", 2000))
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "error: the attack graph of 2000 pod classes would need about 123 MiB, more than the memory budget of 16 MiB",
        ));
    // 2,000 classes that nothing tells apart as rows or columns: 4 M edges,
    // but one stored entry (the edges are factored by keys), so the graph
    // fits the same budget and the command runs.
    bin()
        .env("BLASTRADIUS_MEMORY_BUDGET", "16M")
        .args(["chokepoints", "-"])
        .write_stdin(shape("distinct-classes", 2000))
        .assert()
        .success()
        .stdout(predicate::str::contains("4,000,000 edges"));
    bin()
        .env("BLASTRADIUS_MEMORY_BUDGET", "lots")
        .args(["reach", "-"])
        .write_stdin(shape("distinct-labels", 3))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "BLASTRADIUS_MEMORY_BUDGET: `lots` is not a size",
        ));
}

#[test]
fn a_connection_list_too_long_is_refused_before_it_is_built() {
    // 30 workloads in one open namespace: 30 × 29 between them, and each
    // to and from the outside (30 × 2): 930 connections.
    let pods = shape("distinct-labels", 30);
    bin()
        .args(["reach", "-", "-o", "json", "--max-connections", "800"])
        .write_stdin(pods.clone())
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "the connection list would hold 930 connections between 30 entities, more than --max-connections (800;",
        ))
        .stderr(predicate::str::contains("use --level namespace"));
    bin()
        .args(["reach", "-", "-o", "connlist", "--max-connections", "930"])
        .write_stdin(pods.clone())
        .assert()
        .success();
    // The memory guard counts the bytes: 930 × 200.
    bin()
        .env("BLASTRADIUS_MEMORY_BUDGET", "100K")
        .args(["reach", "-"])
        .write_stdin(pods)
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "error: the connection list of 30 entities would need about 182 KiB, more than the memory budget of 100 KiB; the list is quadratic",
        ));
}
