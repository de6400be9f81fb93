//! np-guard netpol-analyzer conformance: every core-only case with a plain
//! connectivity list must match line for line; core error cases are refused.
//! Data is read in place from ../shared/conformance/netpol-analyzer.

mod common;

use blastradius::engine::reach::{ReachOptions, Reachability};
use blastradius::engine::view::{ConnView, Level};
use blastradius::input::{load_paths, LoadOptions};
use blastradius::output::text::connlist::connlist;
use std::path::Path;

/// np-guard never matches pods with ipBlocks ("IP ranges are external").
fn np_guard_options() -> ReachOptions {
    ReachOptions::np_guard()
}

/// np-guard keeps terminal and hostNetwork pods as ordinary pods, accepts
/// any policy name and keeps ReplicaSet names (`--compat np-guard`).
fn np_guard_load() -> LoadOptions {
    let o = LoadOptions::np_guard();
    assert!(o.include_terminal_pods && o.host_network_as_pods && o.lenient_names);
    assert!(o.keep_replicaset_names && !o.lenient_cidr && !o.strict);
    o
}

fn run_case(dir: &Path) -> Result<(String, Vec<String>), String> {
    let cluster =
        load_paths(&[dir.join("manifests")], &np_guard_load()).map_err(|e| e.to_string())?;
    let reach = Reachability::compile(&cluster, &np_guard_options());
    let view = ConnView::build(&cluster, &reach, Level::Workload);
    let mut warnings = cluster.warnings.clone();
    warnings.extend(view.warnings.iter().cloned());
    Ok((connlist(&view), warnings))
}

/// Upstream's comparison: drop every `\r` and `\n`, compare the rest.
fn squash(s: &str) -> String {
    s.chars().filter(|c| *c != '\n' && *c != '\r').collect()
}

/// Every plain-list case whose kinds satisfy `kinds`, compared line for
/// line: (cases passed, failure reports).
fn plain_cases(shared: &Path, kinds: impl Fn(&str) -> bool) -> (usize, Vec<String>) {
    let base = shared.join("conformance/netpol-analyzer");
    let cases = common::read_tsv(&base.join("cases.tsv"));
    let runs = common::read_tsv(&base.join("runs.tsv"));
    let mut passed = 0;
    let mut failures = Vec::new();
    for row in &cases {
        if row["type"] != "ok" || !kinds(&row["beyond_core_kinds"]) {
            continue;
        }
        let from = row["plain_connlist_from"].as_str();
        let case = row["case"].as_str();
        let file = match from {
            "connlist.txt" => "expected/connlist.txt",
            "exposure.txt-top" => "expected/exposure.txt",
            _ => continue,
        };
        // The run that produced the file must be a plain one (no focus).
        let run = runs
            .iter()
            .find(|r| r["case"] == case && r["file"] == file)
            .unwrap_or_else(|| panic!("{case}: no runs.tsv row for {file}"));
        assert!(
            run["focus_workload"].is_empty() && run["focus_conn"].is_empty(),
            "{case}: {file} was made with focus options"
        );
        let dir = base.join(case);
        let expected_text = std::fs::read_to_string(dir.join(file)).unwrap();
        let expected = match from {
            "exposure.txt-top" => {
                let t = format!("\n{expected_text}");
                t.split("\nExposure Analysis Result:")
                    .next()
                    .unwrap_or_default()
                    .to_string()
            }
            _ => expected_text,
        };
        if case == "document_with_syntax_error" {
            // Deliberate divergence: upstream drops the rest of a broken file;
            // we refuse the whole input.
            let err = run_case(&dir).expect_err("a YAML syntax error must refuse the input");
            assert!(err.contains("invalid YAML"), "{err}");
            assert!(err.contains("document_with_syntax_error.yaml"), "{err}");
            continue;
        }
        match run_case(&dir) {
            Ok((got, _)) if squash(&got) == squash(&expected) => passed += 1,
            Ok((got, warnings)) => {
                let exp: Vec<&str> = expected.lines().collect();
                let got_l: Vec<&str> = got.lines().collect();
                let missing: Vec<&&str> =
                    exp.iter().filter(|l| !got_l.contains(l)).take(5).collect();
                let extra: Vec<&&str> = got_l.iter().filter(|l| !exp.contains(l)).take(5).collect();
                failures.push(format!(
                    "{case}: {} expected lines, {} got\n  missing: {missing:#?}\n  extra: {extra:#?}\n  warnings: {warnings:?}",
                    exp.len(),
                    got_l.len()
                ));
            }
            Err(e) => failures.push(format!("{case}: refused: {e}")),
        }
    }
    (passed, failures)
}

#[test]
fn np_guard_core_cases_match_line_for_line() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let (passed, failures) = plain_cases(&shared, |k| k == "-");
    println!(
        "np-guard core cases: {passed} passed, {} failed",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(passed, 96, "expected 96 core cases");
}

/// The cases whose only kinds beyond core are AdminNetworkPolicy and
/// BaselineAdminNetworkPolicy (SEMANTICS-CNP.md, CNP-A1..A11): 54
/// `connlist.txt` and 16 tops of `exposure.txt`, line for line.
#[test]
fn np_guard_anp_banp_cases_match_line_for_line() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let (passed, failures) = plain_cases(&shared, |k| {
        !k.is_empty() && k != "-" && k.split(',').all(|x| x == "anp" || x == "banp")
    });
    println!(
        "np-guard ANP/BANP cases: {passed} passed, {} failed",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(
        passed, 70,
        "expected 54 connlist + 16 exposure ANP/BANP cases"
    );
}

/// The ANP/BANP error cases: refused with the document named, except two
/// the API server accepts (documented divergences, each with its warning):
/// two AdminNetworkPolicies of equal priority are legal and their
/// disagreement is ambiguous (CNP-4), and a v1alpha1 port range with end
/// before start is only refused by a doc comment (CNP-A6).
#[test]
fn np_guard_anp_banp_error_cases() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let base = shared.join("conformance/netpol-analyzer");
    let errors = common::read_tsv(&base.join("errors.tsv"));
    let accepted = [
        ("anp_bad_path_test_1", "ambiguous"),
        ("anp_test_with_empty_port_range", "10-1 is empty"),
        // np-guard refuses a selector that touches pods of one owner with
        // different labels; here the only rule is a Pass that changes no
        // connection (CNP-6), so the pods are not treated differently and
        // nothing needs saying beyond the np-guard reading.
        (
            "example_w_err_pods_w_same_owner_and_labels_gap_anp",
            "namespaceSelector: absent, read as `{}`",
        ),
    ];
    let (mut refused, mut warned) = (0, 0);
    let rows = errors
        .iter()
        .filter(|r| r["needs_beyond_core"] == "yes" && !r["case"].contains("udn"));
    for row in rows {
        let case = row["case"].as_str();
        let dir = base.join(case);
        match (run_case(&dir), accepted.iter().find(|(c, _)| *c == case)) {
            (Ok((_, warnings)), Some((_, want))) => {
                let w = warnings.iter().find(|w| w.contains(want));
                assert!(
                    w.is_some(),
                    "{case}: expected a warning with `{want}`, got {warnings:?}"
                );
                warned += 1;
            }
            (Err(e), None) => {
                assert!(
                    e.contains("document"),
                    "{case}: must name the document: {e}"
                );
                println!("{case}: refused: {e}");
                refused += 1;
            }
            (Ok(_), None) => panic!("{case} must be refused ({})", row["what_is_wrong"]),
            (Err(e), Some(_)) => panic!("{case} must be accepted: {e}"),
        }
    }
    assert_eq!((refused, warned), (32, 3));
}

/// The 12 core error cases: 9 refused with a clear error; 3 accepted with a
/// warning because the API server accepts them (per-pod evaluation).
#[test]
fn np_guard_core_error_cases() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let base = shared.join("conformance/netpol-analyzer");
    let errors = common::read_tsv(&base.join("errors.tsv"));
    // (case, the warning it must carry)
    let accepted = [
        (
            "semanticDiff-same-topologies-illegal-podlist",
            "pods of demo/cog-agents[DaemonSet] have different labels",
        ),
        (
            "example_pods_w_same_owner_and_labels_gap_with_bad_match_expression",
            "pods of default/internal-security[Pod] have different labels",
        ),
        (
            "bad_netpols__subdir6",
            "a named port never matches an ipBlock destination",
        ),
    ];
    let (mut refused, mut warned) = (0, 0);
    for row in errors.iter().filter(|r| r["needs_beyond_core"] == "no") {
        let case = row["case"].as_str();
        let dir = base.join(case);
        let loaded = load_paths(&[dir.join("manifests")], &np_guard_load());
        if let Some((_, want)) = accepted.iter().find(|(c, _)| *c == case) {
            let cluster = loaded.unwrap_or_else(|e| panic!("{case} must be accepted: {e}"));
            let reach = Reachability::compile(&cluster, &np_guard_options());
            let view = ConnView::build(&cluster, &reach, Level::Workload);
            let mut warnings = cluster.warnings.clone();
            warnings.extend(view.warnings.iter().cloned());
            let w = warnings
                .iter()
                .find(|w| w.contains(want))
                .unwrap_or_else(|| {
                    panic!("{case}: expected a warning with `{want}`, got {warnings:?}")
                });
            println!("{case}: accepted with warning: {w}");
            warned += 1;
        } else {
            let e = loaded.expect_err(case);
            let msg = e.to_string();
            assert!(
                msg.contains("document"),
                "{case}: message must name the document: {msg}"
            );
            println!("{case}: refused: {msg}");
            refused += 1;
        }
    }
    assert_eq!((refused, warned), (9, 3));
}

/// The csv and md renderings of plain runs match np-guard's files byte for
/// byte (after upstream's newline squash).
#[test]
fn np_guard_csv_and_md_match() {
    use blastradius::output::format::Format;
    use blastradius::output::render::render;
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let base = shared.join("conformance/netpol-analyzer");
    let cases = common::read_tsv(&base.join("cases.tsv"));
    let runs = common::read_tsv(&base.join("runs.tsv"));
    let mut checked = 0;
    for row in cases
        .iter()
        .filter(|r| r["type"] == "ok" && r["beyond_core_kinds"] == "-")
    {
        let case = row["case"].as_str();
        if case == "document_with_syntax_error" {
            continue;
        }
        for (fmt, file) in [
            (Format::Csv, "expected/connlist.csv"),
            (Format::Md, "expected/connlist.md"),
        ] {
            let Some(run) = runs.iter().find(|r| r["case"] == case && r["file"] == file) else {
                continue;
            };
            if !run["focus_workload"].is_empty() || run["exposure"] == "yes" {
                continue;
            }
            let dir = base.join(case);
            let cluster = load_paths(&[dir.join("manifests")], &np_guard_load()).unwrap();
            let reach = Reachability::compile(&cluster, &np_guard_options());
            let view = ConnView::build(&cluster, &reach, Level::Workload);
            let got = render(&cluster, &reach, &view, fmt).unwrap();
            let want = std::fs::read_to_string(dir.join(file)).unwrap();
            assert_eq!(squash(&got), squash(&want), "{case} {file}");
            checked += 1;
        }
    }
    println!("np-guard csv/md files matched: {checked}");
    assert!(
        checked >= 4,
        "expected several csv/md files, checked {checked}"
    );
}

/// `TCP, UDP:[1-52,54-65535], SCTP` (np-guard's explain spelling) as
/// (protocol, lo, hi) pieces.
fn explain_conns(s: &str) -> Vec<(blastradius::model::ports::Protocol, u16, u16)> {
    use blastradius::model::ports::Protocol;
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        let (name, after) = match rest.find([',', ':']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let proto = Protocol::parse(name.trim()).unwrap_or_else(|| panic!("protocol in `{s}`"));
        if let Some(list) = after.strip_prefix(":[") {
            let end = list.find(']').unwrap_or(list.len());
            for r in list[..end].split(',') {
                let (lo, hi) = r.split_once('-').unwrap_or((r, r));
                out.push((proto, lo.parse().unwrap(), hi.parse().unwrap()));
            }
            rest = list[end..].trim_start_matches(']');
        } else {
            out.push((proto, 1, 65535));
            rest = after;
        }
        rest = rest.trim_start_matches(',').trim();
    }
    out
}

/// np-guard's `explain.txt` for the ANP/BANP cases as a check of explain's
/// content (the wording differs): for every connection and every allowed or
/// denied port set it lists, our verdict agrees, and every cluster policy
/// and NetworkPolicy it names for that set is named in our reasons for
/// those ports (CNP-1..9).
#[test]
fn np_guard_anp_banp_explain_agrees() {
    use blastradius::engine::explain::{explain, Endpoint};
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let base = shared.join("conformance/netpol-analyzer");
    let cases = common::read_tsv(&base.join("cases.tsv"));
    let runs = common::read_tsv(&base.join("runs.tsv"));
    let (mut checked, mut failures) = (0, Vec::new());
    let plain_explains = runs.iter().filter(|r| {
        r["file"] == "expected/explain.txt"
            && r["focus_workload"].is_empty()
            && r["explain_only"].is_empty()
            && r["focus_conn"].is_empty()
            && cases.iter().any(|c| {
                c["case"] == r["case"]
                    && c["beyond_core_kinds"]
                        .split(',')
                        .all(|k| k == "anp" || k == "banp")
            })
    });
    for run in plain_explains {
        let case = run["case"].as_str();
        let dir = base.join(case);
        let cluster = load_paths(&[dir.join("manifests")], &np_guard_load()).unwrap();
        let opts = np_guard_options();
        let text = std::fs::read_to_string(dir.join("expected/explain.txt")).unwrap();
        let endpoint = |name: &str| -> Endpoint {
            if let Some(range) = name.strip_suffix("[External]") {
                let first = range.split('-').next().unwrap_or(range);
                return Endpoint::Ip(first.parse().unwrap());
            }
            let pods = cluster
                .find_pods(name)
                .unwrap_or_else(|e| panic!("{case}: {e}"));
            Endpoint::Pod(pods[0], name.to_string())
        };
        let mut current: Option<(String, String, blastradius::engine::explain::Explanation)> = None;
        let mut piece: Option<(bool, String)> = None;
        let mut named: Vec<String> = Vec::new();
        let mut finish = |current: &Option<(
            String,
            String,
            blastradius::engine::explain::Explanation,
        )>,
                          piece: &Option<(bool, String)>,
                          named: &[String],
                          failures: &mut Vec<String>| {
            let (Some((src, dst, e)), Some((allowed, conns))) = (current, piece) else {
                return;
            };
            for (proto, lo, hi) in explain_conns(conns) {
                for port in [lo, hi, lo + (hi - lo) / 2] {
                    if e.allowed.contains(proto, port) != *allowed {
                        failures.push(format!(
                            "{case}: {src} => {dst} {port}/{proto}: np-guard says {}, we say {}",
                            if *allowed { "allowed" } else { "denied" },
                            if *allowed { "denied" } else { "allowed" }
                        ));
                    }
                    let reasons: Vec<&String> = e
                        .segments
                        .iter()
                        .filter(|s| s.conns.contains(proto, port))
                        .flat_map(|s| &s.reasons)
                        .collect();
                    for n in named {
                        if !reasons.iter().any(|r| r.contains(n.as_str())) {
                            failures.push(format!(
                                "{case}: {src} => {dst} {port}/{proto}: np-guard names `{n}`, our reasons {reasons:?}"
                            ));
                        }
                    }
                }
            }
            checked += 1;
        };
        for line in text.lines() {
            if let Some(head) = line.strip_prefix("Connections between ") {
                finish(&current, &piece, &named, &mut failures);
                piece = None;
                named.clear();
                let head = head.trim_end_matches(':');
                let (src, dst) = head.split_once(" => ").unwrap();
                let e = explain(&cluster, &opts, &endpoint(src), &endpoint(dst));
                current = Some((src.to_string(), dst.to_string(), e));
            } else if let Some(rest) = line
                .strip_prefix("\tAllowed ")
                .map(|r| (true, r))
                .or_else(|| line.strip_prefix("\tDenied ").map(|r| (false, r)))
            {
                finish(&current, &piece, &named, &mut failures);
                named.clear();
                let conns = rest.1.split(" due to").next().unwrap_or_default();
                piece = Some((rest.0, conns.to_string()));
            } else if line.starts_with("#") {
                finish(&current, &piece, &named, &mut failures);
                current = None;
                piece = None;
                named.clear();
            } else if line.starts_with("\t\t") {
                // `AdminNetworkPolicy 'x' …`, `NetworkPolicy 'ns/x' …`.
                for kind in [
                    "BaselineAdminNetworkPolicy",
                    "AdminNetworkPolicy",
                    "NetworkPolicy",
                ] {
                    let Some(i) = line.find(&format!("{kind} '")) else {
                        continue;
                    };
                    let after = &line[i + kind.len() + 2..];
                    let name = after.split('\'').next().unwrap_or_default();
                    let ours = if kind == "NetworkPolicy" {
                        name.to_string()
                    } else {
                        format!("{kind} {name}")
                    };
                    if !named.contains(&ours) {
                        named.push(ours);
                    }
                    // The deciding rule of a cluster policy, by its name.
                    if kind != "NetworkPolicy" {
                        if let Some(rule) = line.split(" rule ").nth(1) {
                            let quoted = format!("\"{}\"", rule.trim());
                            if !named.contains(&quoted) {
                                named.push(quoted);
                            }
                        }
                    }
                    break;
                }
            }
        }
        finish(&current, &piece, &named, &mut failures);
    }
    println!(
        "np-guard explain: {checked} port sets checked, {} disagreements",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        checked >= 40,
        "expected many explained port sets, checked {checked}"
    );
}
