//! `diff`: hand-made before/after pairs with exact expected results, the
//! CI gate's exit codes, and the PR-comment and SVG outputs.

use assert_cmd::Command;
use blastradius::attack::graph::{SimOptions, Target};
use blastradius::engine::reach::{ReachOptions, Reachability};
use blastradius::engine::view::Level;
use blastradius::input::{load_str, LoadOptions};
use blastradius::output::text;
use blastradius::review::diff::{diff, Diff, FailOn, Side};
use std::path::PathBuf;

fn pod(ns: &str, name: &str, labels: &str) -> String {
    format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}, labels: {{{labels}}}}}\nspec: {{containers: [{{name: c, image: x}}]}}\n")
}

fn np(ns: &str, name: &str, spec: &str) -> String {
    format!("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {spec}\n")
}

fn docs(d: &[String]) -> String {
    d.join("---\n")
}

/// Three pods in x: web -> api -> db is the intended chain; ingress is
/// denied by default, and egress is open.
fn base() -> Vec<String> {
    vec![
        pod("x", "web", "app: web"),
        pod("x", "api", "app: api"),
        pod("x", "db", "app: db, tier: db"),
        np("x", "deny", "{podSelector: {}, policyTypes: [Ingress]}"),
        np("x", "api-from-web", "{podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 8080}]}]}"),
    ]
}

fn run(old: &[String], new: &[String], targets: &[&str]) -> Diff {
    let o = load_str("old", &docs(old), &LoadOptions::default()).unwrap();
    let n = load_str("new", &docs(new), &LoadOptions::default()).unwrap();
    let ro = Reachability::compile(&o, &ReachOptions::default());
    let rn = Reachability::compile(&n, &ReachOptions::default());
    let t: Vec<Target> = targets.iter().map(|t| Target::parse(t).unwrap()).collect();
    diff(
        &Side {
            cluster: &o,
            reach: &ro,
        },
        &Side {
            cluster: &n,
            reach: &rn,
        },
        Level::Workload,
        &t,
        &SimOptions::default(),
    )
}

fn lines(list: &[blastradius::review::diff::ConnChange]) -> Vec<String> {
    list.iter()
        .map(|c| {
            format!(
                "{} => {} : {} -> {}",
                c.src,
                c.dst,
                c.before.to_connlist(),
                c.after.to_connlist()
            )
        })
        .collect()
}

#[test]
fn identical_inputs_have_no_changes() {
    let d = run(&base(), &base(), &["tier=db"]);
    assert!(d.added.is_empty() && d.removed.is_empty() && d.changed.is_empty());
    assert!(d.blast_radius.iter().all(|b| b.delta == 0));
    for f in [
        FailOn::Added,
        FailOn::Removed,
        FailOn::BlastIncrease,
        FailOn::NewTargetPath,
    ] {
        assert!(!d.holds(f), "{f:?}");
    }
}

#[test]
fn added_connection_and_new_path_to_the_crown_jewel() {
    let mut new = base();
    new.push(np(
        "x",
        "db-from-api",
        "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: 5432}]}]}",
    ));
    let d = run(&base(), &new, &["tier=db"]);
    assert_eq!(
        lines(&d.added),
        vec!["x/api[Pod] => x/db[Pod] : No Connections -> TCP 5432"]
    );
    assert!(d.removed.is_empty() && d.changed.is_empty());
    // Blast radius: web 1 -> 2 (api, then db), api 0 -> 1, db 0 -> 0.
    let br: Vec<(String, Option<u64>, Option<u64>, i64)> = d
        .blast_radius
        .iter()
        .map(|b| (b.workload.clone(), b.before, b.after, b.delta))
        .collect();
    assert_eq!(
        br,
        vec![
            ("x/api[Pod]".into(), Some(0), Some(1), 1),
            ("x/web[Pod]".into(), Some(1), Some(2), 1),
            ("x/db[Pod]".into(), Some(0), Some(0), 0),
        ]
    );
    type Row = (String, Option<usize>, Option<usize>, Option<String>);
    let paths: Vec<Row> = d
        .new_target_paths
        .iter()
        .map(|t| {
            (
                t.workload.clone(),
                t.hops_before,
                t.hops_after,
                t.path_after.clone(),
            )
        })
        .collect();
    assert_eq!(
        paths,
        vec![
            (
                "x/api[Pod]".into(),
                None,
                Some(1),
                Some("x/api -[TCP 5432]-> x/db".into())
            ),
            (
                "x/web[Pod]".into(),
                None,
                Some(2),
                Some("x/web -[TCP 8080]-> x/api -[TCP 5432]-> x/db".into())
            ),
        ]
    );
    assert!(
        d.holds(FailOn::Added) && d.holds(FailOn::BlastIncrease) && d.holds(FailOn::NewTargetPath)
    );
    assert!(!d.holds(FailOn::Removed));
    assert!(text::diff::text(&d).contains("New paths to crown jewels:\n  ! x/api[Pod] reaches tier=db at hop 1 (was unreachable): x/api -[TCP 5432]-> x/db"));
}

#[test]
fn removed_connection_and_blast_radius_down() {
    let mut old = base();
    old.push(np(
        "x",
        "db-open",
        "{podSelector: {matchLabels: {app: db}}, ingress: [{}]}",
    ));
    let d = run(&old, &base(), &[]);
    // db was open to every source: web, api and every external range lose it.
    assert_eq!(
        lines(&d.removed),
        vec![
            "0.0.0.0-255.255.255.255[External] => x/db[Pod] : All Connections -> No Connections",
            "x/api[Pod] => x/db[Pod] : All Connections -> No Connections",
            "x/web[Pod] => x/db[Pod] : All Connections -> No Connections",
        ]
    );
    assert!(d.added.is_empty());
    let web = d
        .blast_radius
        .iter()
        .find(|b| b.workload == "x/web[Pod]")
        .unwrap();
    assert_eq!((web.before, web.after, web.delta), (Some(2), Some(1), -1));
    assert!(d.holds(FailOn::Removed) && !d.holds(FailOn::BlastIncrease) && !d.holds(FailOn::Added));
}

#[test]
fn changed_ports_gained_and_lost() {
    let mut new = base();
    new[4] = np(
        "x",
        "api-from-web",
        "{podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 8443}, {port: 53, protocol: UDP}]}]}",
    );
    let d = run(&base(), &new, &[]);
    assert!(d.added.is_empty() && d.removed.is_empty());
    assert_eq!(d.changed.len(), 1);
    let c = &d.changed[0];
    assert_eq!(
        (c.src.as_str(), c.dst.as_str()),
        ("x/web[Pod]", "x/api[Pod]")
    );
    assert_eq!(c.gained.to_connlist(), "TCP 8443,UDP 53");
    assert_eq!(c.lost.to_connlist(), "TCP 8080");
    assert!(d.holds(FailOn::Added) && d.holds(FailOn::Removed));
    assert!(
        text::diff::text(&d).contains("~ x/web[Pod] => x/api[Pod] : +TCP 8443,UDP 53 -TCP 8080")
    );
}

#[test]
fn workloads_added_and_removed() {
    let mut new = base();
    new.remove(0); // web goes away
    new.push(pod("x", "worker", "app: worker"));
    let d = run(&base(), &new, &[]);
    assert_eq!(d.workloads_added, vec!["x/worker[Pod]"]);
    assert_eq!(d.workloads_removed, vec!["x/web[Pod]"]);
    let web = d
        .blast_radius
        .iter()
        .find(|b| b.workload == "x/web[Pod]")
        .unwrap();
    assert_eq!((web.before, web.after), (Some(1), None));
    let worker = d
        .blast_radius
        .iter()
        .find(|b| b.workload == "x/worker[Pod]")
        .unwrap();
    assert_eq!((worker.before, worker.after), (None, Some(0)));
    // A new workload that reaches nothing adds no blast radius.
    assert!(!d.holds(FailOn::BlastIncrease));
    assert!(lines(&d.removed)
        .contains(&"x/web[Pod] => x/api[Pod] : TCP 8080 -> No Connections".to_string()));
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("blastradius-diff-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write_pair(name: &str) -> (PathBuf, PathBuf) {
    let dir = tmp(name);
    let (old, new) = (dir.join("old.yaml"), dir.join("new.yaml"));
    std::fs::write(&old, docs(&base())).unwrap();
    let mut n = base();
    n.push(np(
        "x",
        "db-from-api",
        "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: 5432}]}]}",
    ));
    std::fs::write(&new, docs(&n)).unwrap();
    (old, new)
}

#[test]
fn gate_exit_codes() {
    let (old, new) = write_pair("gate");
    let bin = || Command::cargo_bin("blastradius").unwrap();
    // Nothing to fail on: 0.
    bin().arg("diff").arg(&old).arg(&new).assert().code(0);
    for (fail_on, code) in [
        ("added", 1),
        ("removed", 0),
        ("blast-increase", 1),
        ("new-target-path", 1),
        ("removed,added", 1),
    ] {
        bin()
            .arg("diff")
            .arg(&old)
            .arg(&new)
            .args(["--target", "tier=db", "--fail-on", fail_on])
            .assert()
            .code(code);
    }
    // Without --target there is no crown jewel to reach.
    bin()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .args(["--fail-on", "new-target-path"])
        .assert()
        .code(0);
    // The same file on both sides: nothing changed.
    bin()
        .arg("diff")
        .arg(&old)
        .arg(&old)
        .args(["--fail-on", "added,removed,blast-increase"])
        .assert()
        .code(0);
    // Bad input: 2, whatever the gate.
    let bad = old.with_file_name("bad.yaml");
    std::fs::write(&bad, "kind: [").unwrap();
    bin()
        .arg("diff")
        .arg(&old)
        .arg(&bad)
        .args(["--fail-on", "added"])
        .assert()
        .code(2);
    bin().args(["diff", "-", "-"]).assert().code(2);
    bin()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .args(["--fail-on", "nonsense"])
        .assert()
        .code(2);
}

#[test]
fn markdown_comment_and_svg() {
    let (old, new) = write_pair("md");
    let out = Command::cargo_bin("blastradius")
        .unwrap()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .args(["--target", "tier=db", "-o", "md"])
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.starts_with("### NetworkPolicy change: blast radius review\n\n> [!CAUTION]"),
        "{md}"
    );
    let summary = md.find("**1 added, 0 removed").unwrap();
    let details = md.find("<details>").unwrap();
    assert!(summary < details, "summary before details");
    assert!(md.contains("| `x/web[Pod]` | 1 | 2 | +1 |"));

    let dir = tmp("svg");
    Command::cargo_bin("blastradius")
        .unwrap()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .args(["-o", "svg", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let bars = std::fs::read_to_string(dir.join("diff-blast-radius.svg")).unwrap();
    let doc = roxmltree::Document::parse(&bars).unwrap();
    // before (sky blue) and after (vermillion): one bar each per workload.
    let count = |fill: &str| {
        doc.descendants()
            .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some(fill))
            .count()
    };
    assert_eq!(count("#56B4E9"), 3 + 1, "3 before bars + legend swatch");
    assert_eq!(count("#D55E00"), 3 + 1, "3 after bars + legend swatch");
    let curves = std::fs::read_to_string(dir.join("diff-reach-by-hop.svg")).unwrap();
    let doc = roxmltree::Document::parse(&curves).unwrap();
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    assert!(
        texts.contains(&"x/api[Pod] (before)") && texts.contains(&"x/api[Pod] (after)"),
        "{texts:?}"
    );
}

/// An AdminNetworkPolicy (CNP-A1) denying `from` to `to`, or allowing it.
fn anp(name: &str, priority: u32, action: &str, to: &str, from: &str) -> String {
    format!("apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {{name: {name}}}\nspec: {{priority: {priority}, subject: {{pods: {{namespaceSelector: {{}}, podSelector: {{matchLabels: {{app: {to}}}}}}}}}, ingress: [{{action: {action}, from: [{{pods: {{namespaceSelector: {{}}, podSelector: {{matchLabels: {{app: {from}}}}}}}}}]}}]}}\n")
}

#[test]
fn a_changed_admin_action_or_priority_shows_as_gained_connections() {
    // CNP-6: an admin Allow decides before the namespace's default deny;
    // turned into a Deny, the connection and the blast radius are lost.
    let mut old = base();
    old.push(anp("db-access", 10, "Allow", "db", "web"));
    let mut new = base();
    new.push(anp("db-access", 10, "Deny", "db", "web"));
    let d = run(&old, &new, &["tier=db"]);
    assert_eq!(
        lines(&d.removed),
        vec!["x/web[Pod] => x/db[Pod] : All Connections -> No Connections"]
    );
    assert!(d.holds(FailOn::Removed) && !d.holds(FailOn::Added));
    let web = d.blast_radius.iter().find(|b| b.workload == "x/web[Pod]");
    assert_eq!(web.map(|b| b.delta), Some(-1));
    // CNP-3: the same Deny moved after an Allow of the same connection
    // (priority 20 > 5) gives the connection back.
    let mut later = base();
    later.push(anp("db-access", 20, "Deny", "db", "web"));
    later.push(anp("db-allow", 5, "Allow", "db", "web"));
    let d = run(&new, &later, &["tier=db"]);
    assert_eq!(
        lines(&d.added),
        vec!["x/web[Pod] => x/db[Pod] : No Connections -> All Connections"]
    );
    assert!(d.holds(FailOn::NewTargetPath));
}

/// Issue 16: the summary's "blast radius up" and `--fail-on blast-increase`
/// agree: a workload only on the new side that reaches something is an
/// increase from nothing (it adds attack surface the old side did not have).
#[test]
fn a_new_workload_that_reaches_pods_is_a_blast_increase() {
    let mut new = base();
    // Labelled app=web, so api-from-web lets it reach api on 8080.
    new.push(pod("x", "web2", "app: web"));
    let d = run(&base(), &new, &[]);
    let w = d
        .blast_radius
        .iter()
        .find(|b| b.workload == "x/web2[Pod]")
        .unwrap();
    assert_eq!((w.before, w.after, w.delta), (None, Some(1), 1));
    assert!(d.holds(FailOn::BlastIncrease));
}

/// A change that lengthens a path to a crown jewel says so, as one that
/// shortens it does: lesson 5's fix moves data/postgres from hop 1 to hop 2
/// of web/frontend (the AND peer, SEM-21) and cuts data/redis off.
#[test]
fn crown_jewels_further_away_are_listed_as_closer_ones_are() {
    let old = base();
    // Before: web reaches db directly.
    let mut direct = base();
    direct.push(np("x", "db-from-web", "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}, {podSelector: {matchLabels: {app: api}}}]}]}"));
    let mut via_api = old.clone();
    via_api.push(np("x", "db-from-api", "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: api}}}]}]}"));
    let d = run(&direct, &via_api, &["tier=db"]);
    let further: Vec<(String, Option<usize>, Option<usize>)> = d
        .further_targets
        .iter()
        .map(|t| (t.workload.clone(), t.hops_before, t.hops_after))
        .collect();
    assert_eq!(further, vec![("x/web[Pod]".to_string(), Some(1), Some(2))]);
    assert!(d.closer_targets.is_empty());
    let t = text::diff::text(&d);
    assert!(
        t.contains("Crown jewels now further:\n  x/web[Pod] reaches tier=db in 2 hops (was 1 hop): x/web -[TCP 8080]-> x/api -[any]-> x/db\n"),
        "{t}"
    );
    // The reverse change is "now closer".
    let back = run(&via_api, &direct, &["tier=db"]);
    assert_eq!(back.closer_targets.len(), 1);
    assert!(text::diff::text(&back).contains(
        "Crown jewels now closer:\n  x/web[Pod] reaches tier=db in 1 hop (was 2 hops)\n"
    ));
    // Cut off: api no longer reaches db.
    let cut = run(&via_api, &old, &["tier=db"]);
    let t = text::diff::text(&cut);
    assert!(
        t.contains("x/api[Pod] no longer reaches tier=db (was 1 hop)"),
        "{t}"
    );
    assert!(text::diff::md(&cut).contains("- x/api[Pod] no longer reaches tier=db (was 1 hop)"));
    // The lesson itself.
    let out = Command::cargo_bin("blastradius")
        .unwrap()
        .args([
            "diff",
            "scenarios/05-and-or-trap/mistake",
            "scenarios/05-and-or-trap/fixed",
            "--target",
            "tier=db",
        ])
        .output()
        .unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(
        s.contains("  web/frontend[Deployment] reaches tier=db in 2 hops (was 1 hop): web/frontend -[TCP 8080]-> app/api -[TCP 5432]-> data/postgres"),
        "{s}"
    );
}

/// Both sides load at once, but what is said of them comes in order: the
/// old side's warnings first, and its error alone when both are broken.
#[test]
fn both_sides_load_together_and_are_reported_old_first() {
    let dir = tmp("order");
    let (old, new) = (dir.join("old.yaml"), dir.join("new.yaml"));
    let cilium = "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: c-old, namespace: x}\nspec: {}\n";
    let calico = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: c-new, namespace: x}\nspec: {}\n";
    std::fs::write(&old, format!("{}---\n{cilium}", docs(&base()))).unwrap();
    std::fs::write(&new, format!("{}---\n{calico}", docs(&base()))).unwrap();
    for _ in 0..5 {
        let out = Command::cargo_bin("blastradius")
            .unwrap()
            .args(["diff", "-v"])
            .arg(&old)
            .arg(&new)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        let (o, n) = (
            err.find("CiliumNetworkPolicy"),
            err.find("projectcalico.org"),
        );
        assert!(o.is_some() && n.is_some() && o < n, "{err}");
    }
    std::fs::write(&old, "kind: [").unwrap();
    std::fs::write(&new, "kind: {").unwrap();
    let out = Command::cargo_bin("blastradius")
        .unwrap()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("old.yaml") && !err.contains("new.yaml"),
        "{err}"
    );
}
