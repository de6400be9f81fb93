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

/// `-n NS` restricts the starting points (the compromised workloads) of
/// `chokepoints`, `report` and `simulate --all` to NS, and the output says
/// so; `-A` (the default) starts from every namespace; a namespace not in
/// the input is exit 2 with the closest names, also for `audit -n`, where
/// it would otherwise pass any gate with "no findings".
#[test]
fn namespace_restricts_the_starts_of_chokepoints_report_and_ranking() {
    // chokepoints: the measure sums over the 4 shop workloads only.
    let all = stdout_of(&["chokepoints", "scenarios/shop", "--top", "3"]);
    assert_eq!(
        all,
        stdout_of(&["chokepoints", "scenarios/shop", "--top", "3", "-A"])
    );
    assert!(!all.contains("Starting points:"), "{all}");
    let shop = stdout_of(&["chokepoints", "scenarios/shop", "--top", "3", "-n", "shop"]);
    let total = |s: &str| -> u64 {
        let l = s.lines().find(|l| l.starts_with("Total now: ")).unwrap();
        l["Total now: ".len()..]
            .split(';')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(
        shop.contains("\nStarting points: 4 workloads of namespace shop only (-n shop; -A: every namespace)\n"),
        "{shop}"
    );
    assert!(total(&shop) < total(&all), "{shop}\n{all}");
    let data = stdout_of(&["chokepoints", "scenarios/shop", "-n", "data"]);
    assert!(
        data.contains("Starting points: 2 workloads of namespace data only"),
        "{data}"
    );
    assert!(total(&data) < total(&shop), "{data}");
    let j: serde_json::Value = serde_json::from_str(&stdout_of(&[
        "chokepoints",
        "scenarios/shop",
        "-n",
        "shop",
        "-o",
        "json",
    ]))
    .unwrap();
    assert_eq!(j["namespace"], "shop");
    assert_eq!(j["chokepoints"]["total"], total(&shop));
    let j: serde_json::Value =
        serde_json::from_str(&stdout_of(&["chokepoints", "scenarios/shop", "-o", "json"])).unwrap();
    assert!(j["namespace"].is_null());
    // simulate --all -n: the ranking holds that namespace's workloads.
    let rows = |s: &str| {
        s.lines()
            .skip_while(|l| !l.starts_with("RANK"))
            .skip(1)
            .filter(|l| !l.is_empty())
            .count()
    };
    let ranked = stdout_of(&["simulate", "scenarios/shop", "--all"]);
    let ranked_shop = stdout_of(&["simulate", "scenarios/shop", "--all", "-n", "shop"]);
    assert_eq!((rows(&ranked), rows(&ranked_shop)), (9, 4));
    assert!(
        ranked_shop
            .starts_with("Blast radius of every workload of namespace shop (4 workloads; top 4):"),
        "{ranked_shop}"
    );
    // report: starts, ranking and choke points of `data`, said in every file.
    let out = std::env::temp_dir().join(format!("blastradius-conv-ns-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let json = |dir: &std::path::Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
    };
    let (d_all, d_data) = (out.join("all"), out.join("data"));
    bin()
        .args(["report", "scenarios/shop", "--out"])
        .arg(&d_all)
        .assert()
        .code(0);
    bin()
        .args(["report", "scenarios/shop", "-n", "data", "--out"])
        .arg(&d_data)
        .assert()
        .code(0);
    let (a, d) = (json(&d_all), json(&d_data));
    assert!(a["namespace"].is_null());
    assert_eq!(d["namespace"], "data");
    assert_eq!(
        (
            a["ranking"].as_array().unwrap().len(),
            d["ranking"].as_array().unwrap().len()
        ),
        (9, 2)
    );
    let starts: Vec<&str> = d["simulations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"].as_str().unwrap())
        .collect();
    assert_eq!(starts, ["data/cache[Deployment]", "data/db[StatefulSet]"]);
    assert!(a["simulations"].as_array().unwrap().len() > starts.len());
    assert_eq!(d["chokepoints"]["total"], total(&data));
    let said = "Starting points: 2 workloads of namespace data only (-n data)";
    assert!(d["summary"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l.as_str().unwrap().starts_with(said)));
    let md = std::fs::read_to_string(d_data.join("summary.md")).unwrap();
    assert!(md.contains(&format!("- {said}")), "{md}");
    let html = std::fs::read_to_string(d_data.join("index.html")).unwrap();
    assert!(
        html.contains("Every workload of namespace <code>data</code> ranked"),
        "{html}"
    );
    assert!(html.contains(said));
    // report -n also names the namespace of a bare --from.
    let d_from = out.join("from");
    bin()
        .args([
            "report",
            "scenarios/shop",
            "-n",
            "shop",
            "--from",
            "frontend",
            "--out",
        ])
        .arg(&d_from)
        .assert()
        .code(0);
    assert_eq!(
        json(&d_from)["simulations"][0]["start"],
        "shop/frontend[Deployment]"
    );
    // A namespace that is not there: exit 2, the closest name, nothing written.
    let d_typo = out.join("typo");
    for args in [
        vec!["chokepoints", "scenarios/shop", "-n", "dta"],
        vec!["simulate", "scenarios/shop", "--all", "-n", "dta"],
        vec![
            "audit",
            "scenarios/shop",
            "-n",
            "dta",
            "--fail-on-severity",
            "high",
        ],
        vec![
            "report",
            "scenarios/shop",
            "-n",
            "dta",
            "--out",
            d_typo.to_str().unwrap(),
        ],
    ] {
        bin()
            .args(&args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(
                "error: --namespace: no namespace `dta` in the input; did you mean data?",
            ));
    }
    assert!(!d_typo.exists());
    for cmd in ["chokepoints", "report"] {
        bin()
            .args([cmd, "scenarios/shop", "-n", "data", "-A"])
            .assert()
            .code(2);
    }
    let _ = std::fs::remove_dir_all(&out);
}

const ESC: &str = "\x1b[";

/// `--color always` colours the tool's own `error:`/`warning:` prefixes on
/// stderr and audit's severities on stdout; `auto` (the default) colours
/// only a terminal, so a pipe (as here) or a file gets plain text, and
/// NO_COLOR turns `auto` off; `never` is plain.
#[test]
fn color_only_when_asked_or_on_a_terminal() {
    let run = |args: &[&str], no_color: bool| {
        let mut c = bin();
        c.args(args).env_remove("NO_COLOR");
        if no_color {
            c.env("NO_COLOR", "1");
        }
        let out = c.output().unwrap();
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (_, err) = run(&["reach", "no-such-folder", "--color", "always"], false);
    assert!(
        err.starts_with("\x1b[1;31merror:\x1b[0m no-such-folder"),
        "{err:?}"
    );
    let (out, _) = run(
        &["audit", "scenarios/shop", "--brief", "--color=always"],
        false,
    );
    assert!(
        out.contains("BR001 \x1b[1;31m[high]\x1b[0m no-default-deny-ingress"),
        "{out:?}"
    );
    assert!(out.contains("BR009 \x1b[1;36m[low]\x1b[0m"), "{out:?}");
    let warned = bin()
        .args(["reach", "-", "--color", "always"])
        .write_stdin("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: x, ports: [{containerPort: 99999}]}]}\n")
        .output()
        .unwrap();
    let err = String::from_utf8(warned.stderr).unwrap();
    assert!(
        err.starts_with("\x1b[1;33mwarning:\x1b[0m <stdin>: document 1"),
        "{err:?}"
    );
    assert!(!String::from_utf8(warned.stdout).unwrap().contains(ESC));
    // The summary line and JSON are never coloured.
    assert!(out.lines().last().is_some_and(|l| !l.contains(ESC)));
    let (json, _) = run(
        &["audit", "scenarios/shop", "-o", "json", "--color", "always"],
        false,
    );
    assert!(!json.contains(ESC));
    for (args, no_color) in [
        (&["reach", "no-such-folder"][..], false),
        (&["reach", "no-such-folder", "--color", "auto"][..], true),
        (&["reach", "no-such-folder", "--color", "never"][..], false),
        (&["audit", "scenarios/shop"][..], false),
        (&["audit", "scenarios/shop"][..], true),
        (&["audit", "scenarios/shop", "--color", "never"][..], false),
    ] {
        let (out, err) = run(args, no_color);
        assert!(
            !out.contains(ESC) && !err.contains(ESC),
            "{args:?}: {out}{err}"
        );
    }
    // clap's own usage errors follow --color too.
    let (_, err) = run(&["reach", "--colr", "--color", "always"], false);
    assert!(err.contains(ESC), "{err:?}");
    let (_, err) = run(&["reach", "--colr", "--color", "never"], false);
    assert!(!err.contains(ESC), "{err:?}");
}

/// `audit --brief` is one line per finding and the summary: the lines the
/// full text starts each finding with, in the same order.
#[test]
fn audit_brief_is_one_line_per_finding() {
    let full = stdout_of(&["audit", "scenarios/shop"]);
    let brief = stdout_of(&["audit", "scenarios/shop", "--brief"]);
    let heads: Vec<&str> = full.lines().filter(|l| l.starts_with("BR")).collect();
    let lines: Vec<&str> = brief.lines().collect();
    assert_eq!(lines.len(), heads.len() + 1);
    assert_eq!(&lines[..heads.len()], &heads[..]);
    assert_eq!(lines.last(), full.lines().last().as_ref());
    bin()
        .args(["audit", "scenarios/shop", "--brief", "-o", "sarif"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "audit --brief cannot write -o sarif; choose text",
        ));
}

/// A count takes the noun in its number: "1 namespace", "1 policy",
/// "1 workload", "1 pod" (the header of reach, simulate's lines).
#[test]
fn counts_take_singular_and_plural_words() {
    let one = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {app: a}}\nspec: {containers: [{name: c}]}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: x}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n";
    let out = bin()
        .args(["reach", "-"])
        .write_stdin(one)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(
            "1 namespace, 1 pod (1 workload), 1 policy, 1 pod class\n0 allowed connections"
        ),
        "{text}"
    );
    let pod = |n: &str| {
        format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: {n}, namespace: x}}\nspec: {{containers: [{{name: c}}]}}\n---\n")
    };
    let out = bin()
        .args(["simulate", "-", "--from", "x/a"])
        .write_stdin(pod("a") + &pod("b"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("(1 pod held of 2 in the cluster)"), "{text}");
    assert!(
        text.contains("Blast radius: 1 pod (50.0% of the cluster) in 1 hop\n"),
        "{text}"
    );
    let out = bin()
        .args(["simulate", "-", "--all"])
        .write_stdin(one)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("Blast radius of every workload (1 workload; top 1)"),
        "{text}"
    );
    let two = stdout_of(&["reach", "scenarios/shop"]);
    assert!(two.starts_with("4 namespaces, 18 pods (9 workloads), 9 policies, 9 pod classes\n"));
}

/// A nested duplicate key is just a duplicate: no `---` hint there.
#[test]
fn the_separator_hint_is_for_objects_run_together_only() {
    let nested =
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\nspec: {containers: []}\n";
    let out = bin()
        .args(["reach", "-"])
        .write_stdin(nested)
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("duplicate entry with key \"name\""), "{err}");
    assert!(!err.contains("---"), "{err}");
    let run_together = "kind: Namespace\napiVersion: v1\nmetadata: {name: a}\nkind: Namespace\napiVersion: v1\nmetadata: {name: b}\n";
    let out = bin()
        .args(["reach", "-"])
        .write_stdin(run_together)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("duplicate entry with key \"kind\" (two objects run together? separate Kubernetes objects in one file with a line `---` before each) at line 4 column 1"), "{err}");
}

/// Every `SEM-N` and `CNP-N` a message or doc comment of the tool cites is
/// explained in `docs/semantics.md`, which ships with the repository (the
/// full checklist in ../shared does not).
#[test]
fn every_cited_rule_is_in_the_shipped_semantics_doc() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/semantics.md")).unwrap();
    let defined = |id: &str| {
        doc.contains(&format!("| {id} |"))
            || (id.starts_with("CNP-A") && doc.contains("| CNP-A1..A11 |"))
    };
    for n in 1..=64 {
        assert!(defined(&format!("SEM-{n}")), "SEM-{n} missing");
    }
    let mut cited = std::collections::BTreeSet::new();
    let mut stack = vec![root.join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for prefix in ["SEM-", "CNP-"] {
                    for (i, _) in text.match_indices(prefix) {
                        let rest = &text[i + prefix.len()..];
                        let id: String = rest
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric())
                            .collect();
                        if id
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_ascii_digit() || c == 'A')
                            && id.chars().last().is_some_and(|c| c.is_ascii_digit())
                        {
                            cited.insert(format!("{prefix}{id}"));
                        }
                    }
                }
            }
        }
    }
    assert!(cited.len() > 40, "{cited:?}");
    for id in &cited {
        assert!(
            defined(id),
            "{id} is cited in src/ but not in docs/semantics.md"
        );
    }
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains("docs/semantics.md"));
}

/// Issue 16: every `$ blastradius …` excerpt of the README is real output:
/// its lines appear in the command's output in order and next to each
/// other, except where a `...` line says rows are left out (a line ending
/// in `...` is cut: it must start the output's line).
#[test]
fn readme_excerpts_are_real_output() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("blastradius");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut checked = 0;
    let mut lines = readme.lines().peekable();
    while let Some(l) = lines.next() {
        if l != "```" || !lines.peek().is_some_and(|n| n.starts_with("$ blastradius")) {
            continue;
        }
        let mut block = Vec::new();
        for b in lines.by_ref() {
            if b == "```" {
                break;
            }
            block.push(b);
        }
        // The command, with its `\\` continuation lines.
        let mut cmd = String::new();
        let mut rest = block.iter();
        for c in rest.by_ref() {
            let c = c.trim_start_matches("$ ");
            match c.strip_suffix('\\') {
                Some(part) => cmd.push_str(part),
                None => {
                    cmd.push_str(c);
                    break;
                }
            }
        }
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&cmd)
            .current_dir(root)
            .env("PATH", &path)
            .env_remove("NO_COLOR")
            .output()
            .unwrap();
        let actual = String::from_utf8(out.stdout).unwrap();
        let got: Vec<&str> = actual.lines().map(str::trim_end).collect();
        let mut at = 0;
        let mut gap = true; // the excerpt may start anywhere
        for e in rest {
            let e = e.trim_end();
            if e.trim() == "..." {
                gap = true;
                continue;
            }
            let matches = |g: &str| match e.strip_suffix("...") {
                Some(prefix) => g.starts_with(prefix),
                None => g == e,
            };
            let found = if gap {
                got.get(at..)
                    .and_then(|r| r.iter().position(|g| matches(g)))
                    .map(|i| at + i)
            } else {
                got.get(at).filter(|g| matches(g)).map(|_| at)
            };
            match found {
                Some(i) => at = i + 1,
                None => panic!(
                    "README `{cmd}`: {e:?} is not in the output{}\n--- output ---\n{actual}",
                    if gap {
                        ""
                    } else {
                        " right after the line before it (a `...` missing?)"
                    }
                ),
            }
            gap = false;
        }
        checked += 1;
    }
    assert!(checked >= 6, "{checked} excerpts checked");
}

/// Issue 16: `--help` describes every flag of every command (`synth`
/// included), from the one clap definition.
#[test]
fn every_flag_of_every_command_has_help() {
    use clap::CommandFactory;
    let cli = blastradius::cli::args::Cli::command();
    let mut checked = 0;
    let mut missing = Vec::new();
    let mut cmds = vec![cli.clone()];
    cmds.extend(cli.get_subcommands().cloned());
    for c in &cmds {
        for a in c.get_arguments() {
            if a.is_hide_set() || matches!(a.get_id().as_str(), "help" | "version") {
                continue;
            }
            checked += 1;
            if a.get_help().is_none_or(|h| h.to_string().trim().is_empty()) {
                missing.push(format!("{} --{}", c.get_name(), a.get_id()));
            }
        }
    }
    assert!(checked > 50, "{checked}");
    assert!(missing.is_empty(), "flags without help: {missing:?}");
    let synth = stdout_of(&["synth", "--help"]);
    for flag in [
        "--pods",
        "--namespaces",
        "--policies",
        "--out",
        "--live",
        "--shape",
    ] {
        assert!(synth.contains(flag), "{flag}: {synth}");
    }
}
