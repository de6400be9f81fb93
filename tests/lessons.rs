//! The lessons in zero-trust segmentation under `scenarios/` (issue 7).
//!
//! Docs must not drift from the tool, so for every lesson this file:
//! - runs every `cargo run --release -- ...` command its README shows (with
//!   the exit code the README states, `# exits N`, 0 otherwise; `--out`
//!   folders are redirected to a temporary folder);
//! - checks every ```text block that follows a command against the real
//!   output of that command (`...` skips lines, a line ending in `...` is a
//!   prefix);
//! - recomputes every number and claim of the prose from the JSON output
//!   and asserts that the README states it as written.
//!
//! It also checks that the lessons share one app, that the copies of
//! policy sets the READMEs call identical are identical, and that the index
//! (`scenarios/README.md`) links every lesson and chart and states each
//! headline number.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const LESSONS: &[&str] = &[
    "01-open-by-default",
    "02-default-namespace",
    "03-default-deny",
    "04-too-broad",
    "05-and-or-trap",
    "06-least-privilege",
    "07-egress-exfiltration",
    "08-what-if-review",
    "09-cluster-guardrails",
];

// ---------------------------------------------------------------- helpers

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `scenarios/<lesson>/<state>` as the READMEs write it (relative to the
/// repository root, which is the working directory of every command).
fn cluster(lesson: &str, state: &str) -> String {
    format!("scenarios/{lesson}/{state}")
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("blastradius-lessons-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Out {
    let out = Command::cargo_bin("blastradius")
        .unwrap()
        .current_dir(root())
        .args(args)
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run with `-o json` and parse; the command must succeed.
fn json(args: &[&str]) -> Value {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["-o", "json"]);
    let out = run(&all);
    assert_eq!(
        out.code,
        0,
        "blastradius {}: exit {}\n{}",
        all.join(" "),
        out.code,
        out.stderr
    );
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("blastradius {}: bad JSON: {e}", all.join(" ")))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn readme(lesson: &str) -> String {
    read(&root().join("scenarios").join(lesson).join("README.md"))
}

/// Prose as a reader sees it: whitespace runs collapsed, `**` removed.
fn prose(text: &str) -> String {
    text.replace("**", "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The README (prose form) must contain `needle` (prose form).
fn says(readme: &str, needle: &str) {
    let hay = prose(readme);
    let needle = prose(needle);
    assert!(
        hay.contains(&needle),
        "the README should state {needle:?} (computed from the tool's output); it does not"
    );
}

fn pct(fraction: f64) -> String {
    format!("{:.1}%", fraction * 100.0)
}

// ---------------------------------------------------------------- simulate

#[derive(Debug)]
struct Hop {
    new_pods: u64,
    pods: u64,
    fraction: f64,
    new_workloads: Vec<String>,
}

#[derive(Debug, PartialEq)]
struct Exfil {
    from: String,
    hop: u64,
    range: String,
    conns: String,
}

#[derive(Debug)]
struct Sim {
    total: u64,
    blast: u64,
    fraction: f64,
    hops: Vec<Hop>,
    /// Hop and path of the first `--target`; None when unreachable.
    target: Option<(u64, String)>,
    /// Workload -> hop at which it was reached (the start is not listed).
    reached: BTreeMap<String, u64>,
    exfil: Vec<Exfil>,
}

impl Sim {
    /// Hops after the start: the number the tool prints as "in N hops".
    fn max_hop(&self) -> usize {
        self.hops.len() - 1
    }

    /// "7 pods (58.3%) in 2 hops", as the READMEs write it.
    fn radius(&self) -> String {
        let hops = self.max_hop();
        format!(
            "{} pods ({}) in {} hop{}",
            self.blast,
            pct(self.fraction),
            hops,
            if hops == 1 { "" } else { "s" }
        )
    }

    fn target_hop(&self) -> Option<u64> {
        self.target.as_ref().map(|t| t.0)
    }
}

fn simulate(path: &str, from: &str) -> Sim {
    let v = json(&["simulate", path, "--from", from, "--target", "tier=db"]);
    parse_sim(&v["simulations"][0])
}

fn parse_sim(s: &Value) -> Sim {
    let hops = s["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| Hop {
            new_pods: h["new_pods"].as_u64().unwrap(),
            pods: h["pods"].as_u64().unwrap(),
            fraction: h["fraction"].as_f64().unwrap(),
            new_workloads: h["new_workloads"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w.as_str().unwrap().to_string())
                .collect(),
        })
        .collect();
    let t = &s["targets"][0];
    let target = t["hop"]
        .as_u64()
        .map(|h| (h, t["path"].as_str().unwrap().to_string()));
    let reached = s["reached"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["workload"].as_str().unwrap().to_string(),
                r["hop"].as_u64().unwrap(),
            )
        })
        .collect();
    let exfil = s["exfiltration"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| Exfil {
            from: e["from"].as_str().unwrap().to_string(),
            hop: e["hop"].as_u64().unwrap(),
            range: e["range"].as_str().unwrap().to_string(),
            conns: e["conns"].as_str().unwrap().to_string(),
        })
        .collect();
    Sim {
        total: s["total_pods"].as_u64().unwrap(),
        blast: s["blast_radius"].as_u64().unwrap(),
        fraction: s["blast_fraction"].as_f64().unwrap(),
        hops,
        target,
        reached,
        exfil,
    }
}

/// "after hop 1 ... 12 of 12 pods (100.0%": pods held after hop `h`.
fn held_after(sim: &Sim, h: usize) -> String {
    format!(
        "{} of {} pods ({}",
        sim.hops[h].pods,
        sim.total,
        pct(sim.hops[h].fraction)
    )
}

fn ip(s: &str) -> u32 {
    s.parse::<std::net::Ipv4Addr>().unwrap().into()
}

/// The ranges (`a-b`, or a CIDR such as `0.0.0.0/0`) are disjoint, sorted
/// and cover all of IPv4.
fn covers_all_ipv4(ranges: &[&str]) -> bool {
    let mut spans: Vec<(u32, u32)> = ranges
        .iter()
        .map(|r| match r.split_once('-') {
            Some((a, b)) => (ip(a), ip(b)),
            None => {
                let n: ipnet::Ipv4Net = r.parse().unwrap();
                (n.network().into(), n.broadcast().into())
            }
        })
        .collect();
    spans.sort();
    let mut next: u64 = 0;
    for (a, b) in spans {
        if a as u64 != next {
            return false;
        }
        next = b as u64 + 1;
    }
    next == 1 << 32
}

// ---------------------------------------------------------------- reach

struct Reach {
    connections: u64,
    policies: u64,
    /// Workload name -> pods.
    pods: BTreeMap<String, u64>,
    /// (src, dst, conn).
    conns: Vec<(String, String, String)>,
}

fn reach(path: &str) -> Reach {
    let v = json(&["reach", path]);
    Reach {
        connections: v["summary"]["connections"].as_u64().unwrap(),
        policies: v["summary"]["policies"].as_u64().unwrap(),
        pods: v["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["name"].as_str().unwrap().to_string(),
                    e["pods"].as_u64().unwrap(),
                )
            })
            .collect(),
        conns: v["connections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["src"].as_str().unwrap().to_string(),
                    c["dst"].as_str().unwrap().to_string(),
                    c["conn"].as_str().unwrap().to_string(),
                )
            })
            .collect(),
    }
}

impl Reach {
    /// Workloads (not external ranges) with a connection to `dst`.
    fn sources_of(&self, dst: &str) -> BTreeSet<String> {
        self.conns
            .iter()
            .filter(|(s, d, _)| d == dst && !s.ends_with("[External]"))
            .map(|(s, _, _)| s.clone())
            .collect()
    }
}

// ---------------------------------------------------------------- audit

struct Finding {
    id: String,
    severity: String,
    title: String,
    objects: Vec<String>,
    fix: String,
}

fn audit(path: &str) -> Vec<Finding> {
    let v = json(&["audit", path]);
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| Finding {
            id: f["id"].as_str().unwrap().to_string(),
            severity: f["severity"].as_str().unwrap().to_string(),
            title: f["title"].as_str().unwrap().to_string(),
            objects: f["objects"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["object"].as_str().unwrap().to_string())
                .collect(),
            fix: f["fix"].as_str().unwrap().to_string(),
        })
        .collect()
}

/// "14 findings: 10 high, 4 medium, 0 low", as `audit` prints it.
fn audit_summary(findings: &[Finding]) -> String {
    let n = |s: &str| findings.iter().filter(|f| f.severity == s).count();
    format!(
        "{} findings: {} high, {} medium, {} low",
        findings.len(),
        n("high"),
        n("medium"),
        n("low")
    )
}

fn count(findings: &[Finding], id: &str) -> usize {
    findings.iter().filter(|f| f.id == id).count()
}

// ---------------------------------------------------------------- diff

struct DiffOut {
    code: i32,
    stderr: String,
    /// (src, dst, gained).
    added: Vec<(String, String, String)>,
    removed: usize,
    changed: usize,
    /// Workload -> (before, after), only those that changed.
    blast: BTreeMap<String, (u64, u64)>,
    new_target_paths: usize,
}

fn diff(old: &str, new: &str, fail_on: Option<&str>) -> DiffOut {
    let mut args = vec!["diff", old, new, "--target", "tier=db", "-o", "json"];
    if let Some(f) = fail_on {
        args.extend(["--fail-on", f]);
    }
    let out = run(&args);
    let v: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("diff {old} {new}: bad JSON: {e}\n{}", out.stderr));
    let d = &v["diff"];
    DiffOut {
        code: out.code,
        stderr: out.stderr,
        added: d["added"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["src"].as_str().unwrap().to_string(),
                    c["dst"].as_str().unwrap().to_string(),
                    c["gained"].as_str().unwrap().to_string(),
                )
            })
            .collect(),
        removed: d["removed"].as_array().unwrap().len(),
        changed: d["changed"].as_array().unwrap().len(),
        blast: d["blast_radius"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["delta"].as_i64().unwrap() != 0)
            .map(|b| {
                (
                    b["workload"].as_str().unwrap().to_string(),
                    (b["before"].as_u64().unwrap(), b["after"].as_u64().unwrap()),
                )
            })
            .collect(),
        new_target_paths: d["new_target_paths"].as_array().unwrap().len(),
    }
}

// ---------------------------------------------------------------- README commands

struct Fence {
    lang: String,
    lines: Vec<String>,
    /// 1-based line of the opening fence.
    line: usize,
}

/// Code fences of a Markdown file, indented ones (in lists) included.
fn fences(md: &str) -> Vec<Fence> {
    let mut out = Vec::new();
    let mut lines = md.lines().enumerate();
    while let Some((n, l)) = lines.next() {
        let t = l.trim_start();
        if let Some(lang) = t.strip_prefix("```") {
            let indent = l.len() - t.len();
            let mut body = Vec::new();
            for (_, l) in lines.by_ref() {
                if l.trim() == "```" {
                    break;
                }
                let cut = l.len() - l.trim_start().len();
                body.push(l[cut.min(indent)..].to_string());
            }
            out.push(Fence {
                lang: lang.trim().to_string(),
                lines: body,
                line: n + 1,
            });
        }
    }
    out
}

/// One README command: arguments after `cargo run --release --` (with
/// `--out` moved under `out_root`) and the exit code it states.
fn parse_command(line: &str, out_root: &Path) -> Option<(Vec<String>, i32, Option<PathBuf>)> {
    let rest = line.trim().strip_prefix("cargo run --release -- ")?;
    let (cmd, comment) = match rest.split_once('#') {
        Some((c, m)) => (c, m.trim()),
        None => (rest, ""),
    };
    let code = match comment.strip_prefix("exits ") {
        Some(n) => n
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap(),
        None => 0,
    };
    let mut args: Vec<String> = cmd.split_whitespace().map(str::to_string).collect();
    let mut out_dir = None;
    if let Some(i) = args.iter().position(|a| a == "--out") {
        let d = out_root.join(&args[i + 1]);
        args[i + 1] = d.display().to_string();
        out_dir = Some(d);
    }
    Some((args, code, out_dir))
}

/// Every expected line appears in `actual`, in order.
fn check_quoted(expected: &[String], actual: &str, what: &str) {
    let lines: Vec<&str> = actual.lines().map(str::trim_end).collect();
    let mut at = 0;
    for e in expected {
        let e = e.trim_end();
        if e.trim() == "..." || e.is_empty() {
            continue;
        }
        let found = match e.strip_suffix("...") {
            Some(prefix) => lines[at..].iter().position(|l| l.starts_with(prefix)),
            None => lines[at..].iter().position(|l| *l == e),
        };
        match found {
            Some(i) => at += i + 1,
            None => panic!(
                "{what}: the README quotes a line the output lacks (or has out of order):\n  {e}\n--- actual output ---\n{actual}"
            ),
        }
    }
}

/// Run every command of a Markdown file; check each ```text block against
/// the output of the last command shown before it. Returns the commands
/// that wrote a folder through `--out`, with that folder.
fn run_markdown(md_path: &Path, out_root: &Path) -> Vec<(Vec<String>, PathBuf)> {
    let md = read(md_path);
    let mut written = Vec::new();
    let mut ran = 0;
    let mut last: Option<(String, String)> = None;
    for f in fences(&md) {
        match f.lang.as_str() {
            "sh" => {
                for l in &f.lines {
                    let Some((args, code, out_dir)) = parse_command(l, out_root) else {
                        assert!(
                            l.trim().is_empty() || l.trim_start().starts_with('#'),
                            "{}:{}: a sh block line that is not `cargo run --release -- ...`: {l}",
                            md_path.display(),
                            f.line
                        );
                        continue;
                    };
                    let out = run(&args);
                    assert_eq!(
                        out.code,
                        code,
                        "{}:{}: `{}` exited {} (the README says {code})\n{}",
                        md_path.display(),
                        f.line,
                        l.trim(),
                        out.code,
                        out.stderr
                    );
                    if let Some(d) = out_dir {
                        written.push((args.clone(), d));
                    }
                    last = Some((l.trim().to_string(), out.stdout));
                    ran += 1;
                }
            }
            "text" => {
                let (cmd, stdout) = last.take().unwrap_or_else(|| {
                    panic!(
                        "{}:{}: a text block without a command before it",
                        md_path.display(),
                        f.line
                    )
                });
                check_quoted(
                    &f.lines,
                    &stdout,
                    &format!("{}:{} `{cmd}`", md_path.display(), f.line),
                );
            }
            _ => {}
        }
    }
    assert!(ran > 0, "{}: no command found", md_path.display());
    written
}

/// Check a `report PATH --from SRC ... --out DIR` run: the folder holds the
/// page and its charts, and the page's numbers are `simulate`'s.
fn check_report(args: &[String], dir: &Path) {
    assert_eq!(args[0], "report");
    for f in [
        "index.html",
        "summary.md",
        "report.json",
        "reach-by-hop.svg",
        "ranking.svg",
        "namespace-matrix.svg",
    ] {
        assert!(dir.join(f).is_file(), "{}: {f} missing", dir.display());
    }
    let from = &args[args.iter().position(|a| a == "--from").unwrap() + 1];
    let report: Value = serde_json::from_str(&read(&dir.join("report.json"))).unwrap();
    let in_report = parse_sim(&report["simulations"][0]);
    let direct = simulate(&args[1], from);
    assert_eq!(
        (in_report.blast, in_report.max_hop(), in_report.target_hop()),
        (direct.blast, direct.max_hop(), direct.target_hop()),
        "{}: the report disagrees with simulate",
        dir.display()
    );
}

/// Run a lesson README's commands; its `report` writes `out/<lesson>/`.
fn run_lesson_commands(lesson: &str) {
    let out_root = tmpdir(lesson);
    let written = run_markdown(
        &root().join("scenarios").join(lesson).join("README.md"),
        &out_root,
    );
    let report = out_root.join("out").join(lesson);
    let (args, dir) = written
        .iter()
        .find(|(_, d)| *d == report)
        .unwrap_or_else(|| {
            panic!("{lesson}: the README should show `report ... --out out/{lesson}`")
        });
    check_report(args, dir);
    let _ = std::fs::remove_dir_all(&out_root);
}

// ---------------------------------------------------------------- shared checks

/// Every lesson README has the parts the issue asks for.
#[test]
fn every_lesson_readme_has_mistake_command_output_why_fix_and_charts() {
    for l in LESSONS {
        let r = readme(l);
        let goal = if *l == "06-least-privilege" {
            "**The goal.**"
        } else {
            "**The mistake.**"
        };
        for part in [
            goal,
            "## Run it",
            "## What you will see",
            "## Why",
            "## Charts",
        ] {
            assert!(r.contains(part), "{l}/README.md lacks {part:?}");
        }
        if *l != "06-least-privilege" {
            assert!(r.contains("## The fix"), "{l}/README.md lacks `## The fix`");
        }
    }
}

fn app_docs(text: &str) -> Vec<String> {
    text.split("\n---\n")
        .map(|d| {
            d.lines()
                .skip_while(|l| l.starts_with('#'))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

/// "Every lesson uses the same app; only the policies change; lesson 2
/// moves the workloads into `default`."
#[test]
fn every_lesson_uses_the_same_app() {
    let canonical_path = root().join("scenarios/06-least-privilege/least-privilege/app.yaml");
    let canonical = read(&canonical_path);
    let mut clusters = 0;
    for l in LESSONS {
        for e in std::fs::read_dir(root().join("scenarios").join(l)).unwrap() {
            let dir = e.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            clusters += 1;
            let files: BTreeSet<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            let expected: BTreeSet<String> = if *l == "01-open-by-default" {
                ["app.yaml".to_string()].into()
            } else if *l == "09-cluster-guardrails" {
                [
                    "app.yaml",
                    "policies.yaml",
                    "tenant.yaml",
                    "guardrails.yaml",
                ]
                .iter()
                .map(|f| f.to_string())
                .collect()
            } else {
                ["app.yaml".to_string(), "policies.yaml".to_string()].into()
            };
            assert_eq!(files, expected, "{}", dir.display());
            let app = read(&dir.join("app.yaml"));
            if dir.ends_with("02-default-namespace/mistake") {
                // The same documents with web, app and data folded into
                // `default` (their Namespace objects dropped).
                let moved: Vec<String> = app_docs(&canonical)
                    .into_iter()
                    .filter(|d| !d.contains("kind: Namespace") || d.contains("name: kube-system"))
                    .map(|d| {
                        let mut d = d;
                        for ns in ["web", "app", "data"] {
                            d = d.replace(&format!("namespace: {ns}\n"), "namespace: default\n");
                            d = d.replace(&format!(".{ns}.svc."), ".default.svc.");
                        }
                        d
                    })
                    .collect();
                assert_eq!(app_docs(&app), moved, "{}", dir.display());
            } else {
                assert!(
                    app == canonical,
                    "{}/app.yaml differs from {}",
                    dir.display(),
                    canonical_path.display()
                );
            }
        }
    }
    assert_eq!(clusters, 17);

    // The app as the index and lesson 1 describe it.
    let r = reach(&cluster("06-least-privilege", "least-privilege"));
    let total: u64 = r.pods.values().sum();
    assert_eq!(total, 12);
    let index = read(&root().join("scenarios/README.md"));
    let l1 = readme("01-open-by-default");
    for (w, name) in [
        ("web/frontend[Deployment]", "`web/frontend`"),
        ("app/api[Deployment]", "`app/api`"),
        ("app/worker[Deployment]", "`app/worker`"),
        ("data/postgres[StatefulSet]", "`data/postgres`"),
        ("data/redis[Deployment]", "`data/redis`"),
        ("kube-system/coredns[Deployment]", "`kube-system/coredns`"),
    ] {
        let n = r.pods[w];
        let said = if w.starts_with("web/") {
            format!("{name} ({n} pods)")
        } else {
            format!("{name} ({n}")
        };
        says(&index, &said);
        says(&l1, &said);
    }
    says(&index, &format!("That's {total} pods"));
    says(&l1, &format!("That makes {total} pods"));
}

fn policies(lesson: &str, state: &str) -> String {
    read(
        &root()
            .join("scenarios")
            .join(lesson)
            .join(state)
            .join("policies.yaml"),
    )
}

/// `new` is `base` plus exactly one more YAML document, a NetworkPolicy.
fn plus_one_policy(base: &str, new: &str, what: &str) -> String {
    let added = new
        .strip_prefix(base)
        .unwrap_or_else(|| panic!("{what}: does not start with lesson 6's policies"));
    let added = added
        .strip_prefix("---\n")
        .unwrap_or_else(|| panic!("{what}: no new document"));
    assert!(
        !added.contains("\n---\n"),
        "{what}: more than one new document"
    );
    assert_eq!(added.matches("kind: NetworkPolicy").count(), 1, "{what}");
    added.to_string()
}

/// The copies the READMEs call identical are, and the variants differ from
/// lesson 6 as the READMEs say.
#[test]
fn policy_copies_and_variants_are_what_the_readmes_say() {
    let lp = policies("06-least-privilege", "least-privilege");
    for (l, s) in [
        ("03-default-deny", "fixed"),
        ("04-too-broad", "fixed"),
        ("08-what-if-review", "before"),
    ] {
        assert!(
            policies(l, s) == lp,
            "{l}/{s}/policies.yaml should be lesson 6's"
        );
    }
    says(
        &readme("03-default-deny"),
        "Its files are identical to lesson 6's.",
    );
    says(
        &readme("04-too-broad"),
        "its files are identical to lesson 6's",
    );
    says(
        &readme("08-what-if-review"),
        "lesson 6's least-privilege set (the files are identical)",
    );

    let m7 = plus_one_policy(
        &lp,
        &policies("07-egress-exfiltration", "mistake"),
        "07 mistake",
    );
    assert!(m7.contains("name: allow-internet-egress") && m7.contains("cidr: 0.0.0.0/0"));
    assert!(
        !m7.contains("ports:"),
        "07 mistake: the policy has no ports"
    );
    let f7 = plus_one_policy(
        &lp,
        &policies("07-egress-exfiltration", "fixed"),
        "07 fixed",
    );
    assert!(f7.contains("name: allow-identity-provider") && f7.contains("cidr: 198.51.100.0/24"));
    let r7 = readme("07-egress-exfiltration");
    says(
        &r7,
        "`mistake/` is lesson 6's least-privilege set plus that one policy.",
    );
    says(
        &r7,
        "`fixed/` is lesson 6's set plus `allow-identity-provider` instead",
    );

    let a8 = plus_one_policy(&lp, &policies("08-what-if-review", "after"), "08 after");
    assert!(a8.contains("name: allow-internal") && a8.contains("namespace: app"));
    assert!(
        !a8.contains("ports:"),
        "08 after: the PR's policy has no ports"
    );
    let f8 = plus_one_policy(&lp, &policies("08-what-if-review", "fixed"), "08 fixed");
    assert!(f8.contains("name: api-to-worker") && f8.contains("port: 8080"));
    let r8 = readme("08-what-if-review");
    says(
        &r8,
        "`after/` is the pull request: `before/` plus that one policy.",
    );
    says(&r8, "`before/` plus one exact policy, `app/api-to-worker`");

    // "the platform team's CoreDNS policy, which is the same in lessons 2
    // to 8"
    let coredns = lp
        .split("\n---\n")
        .find(|d| d.contains("  name: coredns\n"))
        .unwrap();
    for l in &LESSONS[1..] {
        for e in std::fs::read_dir(root().join("scenarios").join(l)).unwrap() {
            let dir = e.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            let p = dir.join("policies.yaml");
            assert!(
                read(&p).contains(coredns),
                "{}: not the same CoreDNS policy",
                p.display()
            );
        }
    }
    says(
        &readme("03-default-deny"),
        "the platform team's CoreDNS policy, which is the same in lessons 2 to 8",
    );

    // Lesson 5: one line, one dash.
    let m5 = policies("05-and-or-trap", "mistake");
    let f5 = policies("05-and-or-trap", "fixed");
    let (m5, f5): (Vec<&str>, Vec<&str>) = (m5.lines().collect(), f5.lines().collect());
    assert_eq!(m5.len(), f5.len());
    let diffs: Vec<(&str, &str)> = m5
        .iter()
        .zip(&f5)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (*a, *b))
        .collect();
    assert_eq!(
        diffs,
        vec![("        - podSelector:", "          podSelector:")]
    );
    let r5 = readme("05-and-or-trap");
    assert!(r5.contains("-        - podSelector:\n+          podSelector:"));
    says(&r5, "The two files differ in exactly one line");
}

/// "`report` writes a self-contained HTML page"; the index runs it for each
/// lesson, links every report and chart, and states each headline number.
#[test]
fn index_links_every_lesson_and_chart_and_states_the_headlines() {
    let index_path = root().join("scenarios/README.md");
    let index = read(&index_path);
    let out_root = tmpdir("index");
    let written = run_markdown(&index_path, &out_root);
    for l in LESSONS {
        assert!(
            index.contains(&format!("]({l}/README.md)")),
            "index: no link to {l}"
        );
        let dir = out_root.join("out").join(l);
        let (args, _) = written
            .iter()
            .find(|(a, d)| *d == dir && a[0] == "report")
            .unwrap_or_else(|| panic!("index: no `report ... --out out/{l}`"));
        check_report(args, &dir);
        // The same command as the lesson's README shows.
        let shown = format!("cargo run --release -- {}", args.join(" "));
        let shown = shown.replace(&format!("{}/", out_root.display()), "");
        assert!(
            readme(l).contains(&shown),
            "{l}/README.md should show `{shown}`"
        );
        assert!(
            index.contains(&format!("](../out/{l}/index.html)")),
            "index: no link to out/{l}/index.html"
        );
    }
    // Every link into out/ names a file the commands above wrote.
    let mut links = 0;
    for part in index.split("](../out/").skip(1) {
        let target = &part[..part.find(')').unwrap()];
        assert!(
            out_root.join("out").join(target).is_file(),
            "index links ../out/{target}, which the commands do not write"
        );
        links += 1;
    }
    assert_eq!(links, 9 * 4 + 2);
    let _ = std::fs::remove_dir_all(&out_root);

    let row = |n: usize| -> String {
        let start = format!("| {n} |");
        index
            .lines()
            .find(|l| l.starts_with(&start))
            .unwrap_or_else(|| panic!("index: no table row {n}"))
            .to_string()
    };

    // 1
    let s1 = simulate(&cluster("01-open-by-default", "mistake"), "web/frontend");
    says(&row(1), &format!("{}) after hop 1", held_after(&s1, 1)));
    says(
        &row(1),
        &format!("a blast radius of {} pods ({})", s1.blast, pct(s1.fraction)),
    );
    // 2
    let s2 = simulate(
        &cluster("02-default-namespace", "mistake"),
        "default/frontend",
    );
    says(&row(2), &format!("{}) after hop 1", held_after(&s2, 1)));
    let a2 = audit(&cluster("02-default-namespace", "mistake"));
    says(
        &row(2),
        &format!("{} policies in `default`", default_policies()),
    );
    assert!(a2.iter().any(|f| f.id == "BR003" && f.severity == "low"));
    says(&row(2), "the only hint is BR003 (low)");
    // 3
    let s3 = simulate(&cluster("03-default-deny", "mistake"), "web/frontend");
    let r3 = reach(&cluster("03-default-deny", "mistake"));
    let a3 = audit(&cluster("03-default-deny", "mistake"));
    let s3f = simulate(&cluster("03-default-deny", "fixed"), "web/frontend");
    says(&row(3), &format!("blast radius {} pods", s3.blast));
    says(
        &row(3),
        &format!("only {} allowed connections", r3.connections),
    );
    says(&row(3), &format!("{} BR008", count(&a3, "BR008")));
    says(&row(3), &format!("fixed: {} pods", s3f.blast));
    // 4
    let s4 = simulate(&cluster("04-too-broad", "mistake"), "web/frontend");
    let a4 = audit(&cluster("04-too-broad", "mistake"));
    says(&row(4), &format!("{}) after hop 1", held_after(&s4, 1)));
    let medium_br005 = a4
        .iter()
        .filter(|f| f.id == "BR005" && f.severity == "medium")
        .count();
    says(&row(4), &format!("{medium_br005} BR005 findings at medium"));
    // 5
    let s5 = simulate(&cluster("05-and-or-trap", "mistake"), "web/frontend");
    let s5f = simulate(&cluster("05-and-or-trap", "fixed"), "web/frontend");
    let who5 =
        reach(&cluster("05-and-or-trap", "mistake")).sources_of("data/postgres[StatefulSet]");
    let who5f = reach(&cluster("05-and-or-trap", "fixed")).sources_of("data/postgres[StatefulSet]");
    says(
        &row(5),
        &format!(
            "the database at hop {} instead of {}",
            s5.target_hop().unwrap(),
            s5f.target_hop().unwrap()
        ),
    );
    says(
        &row(5),
        &format!("{} workloads instead of {}", who5.len(), who5f.len()),
    );
    // 6
    let s6 = simulate(
        &cluster("06-least-privilege", "least-privilege"),
        "web/frontend",
    );
    says(&row(6), &s6.radius());
    assert_eq!(s6.target_hop(), Some(2));
    says(&row(6), "behind two hops");
    // 7
    let s7 = simulate(
        &cluster("07-egress-exfiltration", "mistake"),
        "web/frontend",
    );
    let s7f = simulate(&cluster("07-egress-exfiltration", "fixed"), "web/frontend");
    assert!(s7
        .exfil
        .iter()
        .all(|e| e.hop == 0 && e.conns == "All Connections"));
    assert!(covers_all_ipv4(
        &s7.exfil
            .iter()
            .map(|e| e.range.as_str())
            .collect::<Vec<_>>()
    ));
    says(&row(7), "every IPv4 address, all connections, from hop 0");
    says(&row(7), &format!("fixed: {} exits", s7f.exfil.len()));
    // 8
    let d8 = diff(
        &cluster("08-what-if-review", "before"),
        &cluster("08-what-if-review", "after"),
        Some("blast-increase,new-target-path"),
    );
    let (b, a) = d8.blast["web/frontend[Deployment]"];
    says(
        &row(8),
        &format!("the PR adds {} connections", d8.added.len()),
    );
    says(&row(8), &format!("{b} -> {a} pods"));
    says(&row(8), &format!("the gate exits {}", d8.code));
    // 9
    let g = "09-cluster-guardrails";
    let s9 = simulate(&cluster(g, "mistake"), "analytics/notebook");
    says(&row(9), &s9.radius());
    assert_eq!(ambiguous(&cluster(g, "mistake")), 1);
    assert_eq!(ambiguous(&cluster(g, "fixed")), 0);
    assert_eq!(count(&audit(&cluster(g, "mistake")), "BR012"), 1);
    says(&row(9), "the one path is ambiguous");
    says(&row(9), "two admin policies at priority 10, BR012");
    says(&row(9), "fixed: priority 5, no ambiguity");
}

/// Connections `reach` marks ambiguous (CNP-4).
fn ambiguous(path: &str) -> usize {
    json(&["reach", path])["connections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ambiguous"].is_string())
        .count()
}

fn default_policies() -> usize {
    policies("02-default-namespace", "mistake")
        .split("\n---\n")
        .filter(|d| d.contains("kind: NetworkPolicy") && d.contains("namespace: default\n"))
        .count()
}

// ---------------------------------------------------------------- lessons

#[test]
fn lesson_01_open_by_default() {
    let l = "01-open-by-default";
    run_lesson_commands(l);
    let r = readme(l);
    let m = cluster(l, "mistake");

    let s = simulate(&m, "web/frontend");
    assert_eq!(s.max_hop(), 1);
    assert_eq!(s.hops[1].pods, s.total, "everything after hop 1");
    says(
        &r,
        &format!(
            "After hop 1 they hold {} of the cluster)",
            held_after(&s, 1)
        ),
    );
    says(
        &r,
        &format!(
            "{} pods ({}), all reached in 1 hop",
            s.blast,
            pct(s.fraction)
        ),
    );
    assert_eq!(s.target_hop(), Some(1));
    assert!(s.target.as_ref().unwrap().1.contains("-[any]->"));
    says(
        &r,
        "The database (`tier=db`) is reached at hop 1, on any port.",
    );
    assert_eq!(
        s.exfil,
        vec![Exfil {
            from: "web/frontend[Deployment]".into(),
            hop: 0,
            range: "0.0.0.0/0".into(),
            conns: "All Connections".into(),
        }]
    );
    says(&r, "From hop 0 the frontend can send data to every IPv4 address (`0.0.0.0/0`), with all connections allowed.");

    let re = reach(&m);
    assert_eq!(re.policies, 0);
    says(&r, "This lesson has no `policies.yaml`.");
    says(
        &r,
        &format!(
            "lists {} allowed connections between the {} workloads",
            re.connections,
            re.pods.len()
        ),
    );

    let a = audit(&m);
    says(&r, &audit_summary(&a));
    let namespaces: BTreeSet<&str> = re
        .pods
        .keys()
        .map(|w| w.split('/').next().unwrap())
        .collect();
    assert_eq!(count(&a, "BR001"), namespaces.len());
    assert_eq!(count(&a, "BR002"), namespaces.len());
    assert_eq!(count(&a, "BR004"), re.pods.len());
    assert_eq!(
        a.len(),
        count(&a, "BR001") + count(&a, "BR002") + count(&a, "BR004")
    );
    says(
        &r,
        &format!("fire once for each of the {} namespaces", namespaces.len()),
    );
    says(
        &r,
        &format!("fires once for each of the {} workloads", re.pods.len()),
    );

    let s6 = simulate(
        &cluster("06-least-privilege", "least-privilege"),
        "web/frontend",
    );
    says(
        &r,
        &format!(
            "reaches {}, and the database is {} hops away",
            s6.radius(),
            s6.target_hop().unwrap()
        ),
    );
}

#[test]
fn lesson_02_default_namespace() {
    let l = "02-default-namespace";
    run_lesson_commands(l);
    let r = readme(l);
    let (m, f) = (cluster(l, "mistake"), cluster(l, "fixed"));

    // Every workload but CoreDNS is in `default`.
    let re = reach(&m);
    for w in re.pods.keys() {
        assert!(
            w.starts_with("default/") || w.starts_with("kube-system/coredns"),
            "{w}"
        );
    }
    says(&r, "(CoreDNS stays in `kube-system`)");

    let s = simulate(&m, "default/frontend");
    let s1 = simulate(&cluster("01-open-by-default", "mistake"), "web/frontend");
    says(
        &r,
        &format!("There are {} policies in `default`", default_policies()),
    );
    says(
        &r,
        &format!("after hop 1 the attacker holds {})", held_after(&s, 1)),
    );
    says(
        &r,
        &format!("The blast radius is {}, the same as lesson 1", s.radius()),
    );
    assert_eq!((s.blast, s.max_hop()), (s1.blast, s1.max_hop()));
    assert_eq!(s.target_hop(), Some(1));
    assert!(s.target.as_ref().unwrap().1.contains("-[any]->"));
    says(&r, "The database is reached at hop 1, on any port.");

    let a = audit(&m);
    says(&r, &audit_summary(&a));
    let br003: Vec<&Finding> = a.iter().filter(|x| x.id == "BR003").collect();
    assert_eq!(br003.len(), 1);
    assert_eq!(br003[0].severity, "low");
    says(&r, &format!("BR003 (low): {}", br003[0].title));
    let medium: Vec<&Finding> = a.iter().filter(|x| x.severity == "medium").collect();
    assert_eq!(medium.len(), 1);
    assert!(medium[0]
        .title
        .starts_with("default/frontend-public ingress[0]"));
    let other_low: Vec<&Finding> = a
        .iter()
        .filter(|x| x.severity == "low" && x.id != "BR003")
        .collect();
    assert_eq!(other_low.len(), 1);
    assert!(other_low[0]
        .title
        .starts_with("kube-system/coredns ingress[0]"));

    let sf = simulate(&f, "web/frontend");
    says(&r, &format!("Hop 1 now holds {})", held_after(&sf, 1)));
    // "the frontend's own tier, the app tier (on 8080 only) and DNS"
    let hop1: BTreeSet<String> = sf
        .reached
        .iter()
        .filter(|(_, h)| **h == 1)
        .map(|(w, _)| w.split('/').next().unwrap().to_string())
        .collect();
    assert_eq!(
        hop1,
        ["app", "kube-system", "web"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    let fr = reach(&f);
    for (src, dst, conn) in &fr.conns {
        if src == "web/frontend[Deployment]" && dst.starts_with("app/") {
            assert_eq!(conn, "TCP 8080");
        }
    }
    assert_eq!(sf.target_hop(), Some(2));
    says(&r, "The database moves to hop 2.");
    assert_eq!(sf.blast, s.blast);
    says(
        &r,
        &format!(
            "The blast radius is still {} pods ({}), now in {} hops",
            sf.blast,
            pct(sf.fraction),
            sf.max_hop()
        ),
    );
    let s6 = simulate(
        &cluster("06-least-privilege", "least-privilege"),
        "web/frontend",
    );
    says(
        &r,
        &format!("gets the blast radius down to {} pods", s6.blast),
    );
    let af = audit(&f);
    says(
        &r,
        &format!(
            "`audit` on `fixed/` reports {}, and BR003 is gone",
            audit_summary(&af)
        ),
    );
    assert_eq!(count(&af, "BR003"), 0);
}

#[test]
fn lesson_03_default_deny() {
    let l = "03-default-deny";
    run_lesson_commands(l);
    let r = readme(l);
    let (m, f) = (cluster(l, "mistake"), cluster(l, "fixed"));

    let s = simulate(&m, "web/frontend");
    assert_eq!(s.blast, 0);
    assert_eq!(s.target_hop(), None);
    assert!(s.exfil.is_empty());
    says(
        &r,
        "The blast radius is 0 pods, the database is unreachable and there is no exfiltration.",
    );

    let re = reach(&m);
    says(
        &r,
        &format!(
            "There are {} allowed connections in the whole cluster, and both are CoreDNS's own.",
            re.connections
        ),
    );
    assert_eq!(re.conns.len(), 2);
    assert!(re
        .conns
        .iter()
        .all(|(src, _, _)| src == "kube-system/coredns[Deployment]"));
    let app_ns = |w: &str| ["web/", "app/", "data/"].iter().any(|p| w.starts_with(p));
    assert!(re
        .conns
        .iter()
        .all(|(src, dst, _)| !app_ns(src) && !app_ns(dst)));
    says(&r, "No pod of the app may connect anywhere, and the internet cannot reach the frontend either.");

    let a = audit(&m);
    says(&r, &audit_summary(&a));
    let br008: Vec<&Finding> = a.iter().filter(|x| x.id == "BR008").collect();
    let namespaces: BTreeSet<&str> = br008
        .iter()
        .map(|x| {
            x.title
                .split("in namespace ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(namespaces.len(), br008.len(), "one per namespace");
    let workloads: usize = br008
        .iter()
        .map(|x| {
            x.objects
                .iter()
                .filter(|o| !o.starts_with("Namespace"))
                .count()
        })
        .sum();
    assert!(br008
        .iter()
        .all(|x| x.severity == "high" && x.fix.contains("name: allow-dns")));
    says(&r, &format!("That makes {} BR008 findings (high), one per namespace, covering {workloads} workloads.", br008.len()));
    says(&r, "Each one comes with the `allow-dns` policy to add.");

    let sf = simulate(&f, "web/frontend");
    let s1 = simulate(&cluster("01-open-by-default", "mistake"), "web/frontend");
    says(
        &r,
        &format!(
            "The app works again: {} allowed connections.",
            reach(&f).connections
        ),
    );
    says(
        &r,
        &format!(
            "The attacker gets {} instead of the {} of lesson 1",
            sf.radius(),
            s1.blast
        ),
    );
    says(
        &r,
        &format!("`audit` reports {}", audit_summary(&audit(&f))),
    );
}

#[test]
fn lesson_04_too_broad() {
    let l = "04-too-broad";
    run_lesson_commands(l);
    let r = readme(l);
    let (m, f) = (cluster(l, "mistake"), cluster(l, "fixed"));

    let re = reach(&m);
    says(
        &r,
        &format!(
            "There are {} policies, and after hop 1 the attacker holds",
            re.policies
        ),
    );
    let s = simulate(&m, "web/frontend");
    let s1 = simulate(&cluster("01-open-by-default", "mistake"), "web/frontend");
    says(
        &r,
        &format!("after hop 1 the attacker holds {})", held_after(&s, 1)),
    );
    says(
        &r,
        &format!("The blast radius is {}, exactly lesson 1's.", s.radius()),
    );
    assert_eq!((s.blast, s.max_hop()), (s1.blast, s1.max_hop()));
    assert_eq!(s.target_hop(), Some(1));
    assert!(s.target.as_ref().unwrap().1.contains("-[any]->"));
    says(&r, "The database is reached at hop 1, on any port.");

    assert!(s.exfil.iter().all(|e| e.from == "web/frontend[Deployment]"
        && e.hop == 0
        && e.conns == "All Connections"));
    let ranges: Vec<&str> = s.exfil.iter().map(|e| e.range.as_str()).collect();
    assert!(covers_all_ipv4(&ranges), "{ranges:?}");
    // The atoms are cut at the CoreDNS policy's /32 blocks, 10.0.0.2 and
    // 10.0.0.10, but the frontend sees no difference: one row.
    assert_eq!(ranges, ["0.0.0.0/0"]);
    says(&r, "The simulation lists it as **1 range**, `0.0.0.0/0`: the CoreDNS policy's `ipBlock` boundaries cut the address space, but the frontend sees no difference between the pieces, so they are one row.".replace("**", "").as_str());

    let rf = reach(&f);
    says(
        &r,
        &format!(
            "`reach` counts {} allowed connections, against {} for the exact policies in `fixed/`.",
            re.connections, rf.connections
        ),
    );

    let a = audit(&m);
    says(&r, &audit_summary(&a));
    let medium: Vec<&Finding> = a.iter().filter(|x| x.severity == "medium").collect();
    assert!(medium.iter().all(|x| x.id == "BR005"));
    let lows: Vec<&Finding> = a.iter().filter(|x| x.severity == "low").collect();
    assert_eq!(lows.len(), 1);
    assert!(lows[0]
        .title
        .starts_with("kube-system/coredns ingress[0].from[0]"));
    assert_eq!(a.len(), medium.len() + 1);
    says(
        &r,
        &format!(
            "That is {} findings: {} BR005 at medium",
            a.len(),
            medium.len()
        ),
    );
    // "3 per allow-internal policy and 1 for the from-absent rule", and the
    // table's "means" column.
    for ns in ["web", "app", "data"] {
        let p = format!("{ns}/allow-internal ");
        let mine: Vec<&&Finding> = medium.iter().filter(|x| x.title.starts_with(&p)).collect();
        assert_eq!(mine.len(), 3, "{ns}");
        let t = |rule: &str| {
            mine.iter()
                .find(|x| x.title.starts_with(&format!("{p}{rule}")))
                .unwrap_or_else(|| panic!("{ns}: no finding for {rule}"))
                .title
                .clone()
        };
        assert!(t("ingress[0].from[0]").contains("all pods in every namespace, on every port"));
        assert!(t("egress[0].to[0]").contains("all pods in every namespace, on every port"));
        assert!(
            t("egress[1].to[0]").contains("ipBlock 0.0.0.0/0 (every IPv4 address), on every port")
        );
    }
    says(&r, "3 per `allow-internal` policy and 1 for the `from`-absent rule, plus the CoreDNS DNS rule at low");
    let absent: Vec<&&Finding> = medium
        .iter()
        .filter(|x| x.title.starts_with("web/frontend-public "))
        .collect();
    assert_eq!(absent.len(), 1);
    assert!(absent[0]
        .title
        .contains("`from` is absent, so every pod of every namespace and every IP address"));
    says(&r, "| `from` absent | `web/frontend-public` | the internet | every pod of every namespace and every IP address |");
    says(&r, "| every pod of every namespace, on every port |");
    says(&r, "| every IPv4 address, on every port |");

    let sf = simulate(&f, "web/frontend");
    says(
        &r,
        &format!(
            "The blast radius drops to {}, the database is {} hops away",
            sf.radius(),
            sf.target_hop().unwrap()
        ),
    );
    let ex = run(&[
        "explain",
        &f,
        "--from",
        "web/frontend",
        "--to",
        "data/postgres",
        "--port",
        "5432/TCP",
    ]);
    assert!(ex.stdout.contains("TCP 5432: DENIED"));
    assert!(
        ex.stdout
            .contains("- egress of web/frontend is isolated by")
            && ex
                .stdout
                .contains("- ingress of data/postgres is isolated by")
    );
    says(&r, "`explain` now says `TCP 5432: DENIED` on both sides");
}

#[test]
fn lesson_05_and_or_trap() {
    let l = "05-and-or-trap";
    run_lesson_commands(l);
    let r = readme(l);
    let (m, f) = (cluster(l, "mistake"), cluster(l, "fixed"));

    let s = simulate(&m, "web/frontend");
    let sf = simulate(&f, "web/frontend");
    let (hop, path) = s.target.clone().unwrap();
    assert_eq!(path, "web/frontend -[TCP 5432]-> data/postgres");
    says(
        &r,
        &format!("reaches the database at hop {hop}, directly on 5432"),
    );
    let (hop_f, path_f) = sf.target.clone().unwrap();
    says(
        &r,
        &format!("With the dash removed it is hop {hop_f}, through the api."),
    );
    assert!(path_f.contains("app/api") && !path.contains("app/api"));
    assert_eq!((s.blast, s.max_hop()), (sf.blast, sf.max_hop()));
    says(
        &r,
        &format!("The blast radius is {} in both versions", s.radius()),
    );

    let who = reach(&m).sources_of("data/postgres[StatefulSet]");
    let who_f = reach(&f).sources_of("data/postgres[StatefulSet]");
    let short = |w: &BTreeSet<String>| -> BTreeSet<String> {
        w.iter()
            .map(|x| {
                x.split('/')
                    .nth(1)
                    .unwrap()
                    .split('[')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(
        short(&who),
        ["api", "worker", "redis", "frontend"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    assert_eq!(
        short(&who_f),
        ["api", "worker"].iter().map(|s| s.to_string()).collect()
    );
    says(&r, &format!("That's {} workloads with the dash (api, worker, redis, frontend) and {} without it (api, worker).", who.len(), who_f.len()));

    let a = audit(&m);
    let br009: Vec<&Finding> = a.iter().filter(|x| x.id == "BR009").collect();
    assert_eq!(br009.len(), 1);
    let t = &br009[0].title;
    let n_or: u64 = t
        .split("matches ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let n_and: u64 = t
        .split("would match ")
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let re = reach(&m);
    let (api, worker) = (
        re.pods["app/api[Deployment]"],
        re.pods["app/worker[Deployment]"],
    );
    assert_eq!(n_and, api + worker);
    says(&r, &format!("as written the rule matches {n_or} pods. As one peer (AND) it would match {n_and}, the api's {api} and the worker's {worker}."));
    // Rated by consequence (issue 16): web/frontend, which only the OR
    // form admits, is reachable from outside the cluster.
    assert_eq!(br009[0].severity, "high");
    says(&r, "It is rated **high** by its consequence");
    assert_eq!(count(&a, "BR006"), 1);
    let af = audit(&f);
    assert_eq!(count(&af, "BR006") + count(&af, "BR009"), 0);
    says(&r, "`audit` on `fixed/` no longer reports BR006 or BR009.");
    assert_eq!(count(&af, "BR002"), 3);
    assert_eq!(count(&a, "BR002"), 3);
    says(
        &r,
        "It still reports BR002 three times, because this cluster has no egress isolation.",
    );
}

#[test]
fn lesson_06_least_privilege() {
    let l = "06-least-privilege";
    run_lesson_commands(l);
    let r = readme(l);
    let lp = cluster(l, "least-privilege");
    let re = reach(&lp);

    let s = simulate(&lp, "web/frontend");
    assert_eq!(
        s.hops[1].new_workloads,
        ["app/api[Deployment]", "kube-system/coredns[Deployment]"]
    );
    let (api, dns) = (
        re.pods["app/api[Deployment]"],
        re.pods["kube-system/coredns[Deployment]"],
    );
    assert_eq!(s.hops[1].new_pods, api + dns);
    says(&r, &format!("Hop 1 reaches {} pods, which are exactly the pods the frontend must reach: the {api} api pods (TCP 8080) and the {dns} CoreDNS pods (port 53).", s.hops[1].new_pods));
    assert_eq!(
        s.hops[2].new_workloads,
        ["data/postgres[StatefulSet]", "data/redis[Deployment]"]
    );
    says(
        &r,
        &format!(
            "Hop 2 adds {} pods, the database and the cache",
            s.hops[2].new_pods
        ),
    );
    let s1 = simulate(&cluster("01-open-by-default", "mistake"), "web/frontend");
    says(
        &r,
        &format!(
            "The blast radius is {}, down from {} ({}) in {} hop in lesson 1.",
            s.radius(),
            s1.blast,
            pct(s1.fraction),
            s1.max_hop()
        ),
    );
    let never = s.total - s.hops.last().unwrap().pods;
    let frontend = re.pods["web/frontend[Deployment]"];
    let worker = re.pods["app/worker[Deployment]"];
    assert!(!s.reached.contains_key("app/worker[Deployment]"));
    assert!(!s.reached.contains_key("web/frontend[Deployment]"));
    assert_eq!(never, frontend - 1 + worker);
    says(&r, &format!("{never} pods are never reached: the other {} frontend pods and the {worker} worker pods.", frontend - 1));
    assert_eq!(
        s.target,
        Some((
            2,
            "web/frontend -[TCP 8080]-> app/api -[TCP 5432]-> data/postgres".to_string()
        ))
    );
    says(&r, "The crown jewel is behind two hops");
    assert!(s
        .exfil
        .iter()
        .all(|e| e.from == "kube-system/coredns[Deployment]" && e.hop == 1));
    let ranges: BTreeSet<(&str, &str)> = s
        .exfil
        .iter()
        .map(|e| (e.range.as_str(), e.conns.as_str()))
        .collect();
    assert_eq!(
        ranges,
        [
            ("10.0.0.10/32", "TCP 6443"),
            ("10.0.0.2/32", "TCP 53,UDP 53")
        ]
        .into()
    );
    says(
        &r,
        "CoreDNS's: the resolver on port 53 and the API server on 6443, both at hop 1.",
    );
    let sw = simulate(&lp, "app/worker");
    let own: Vec<&Exfil> = sw
        .exfil
        .iter()
        .filter(|e| e.from == "app/worker[Deployment]")
        .collect();
    assert_eq!(own.len(), 1);
    assert_eq!(
        (own[0].range.as_str(), own[0].conns.as_str()),
        ("203.0.113.0/24", "TCP 443")
    );
    says(
        &r,
        "The worker can, to the payment provider only, but the attacker never reaches the worker.",
    );

    let ranking = json(&["simulate", &lp, "--all", "--target", "tier=db"]);
    assert_eq!(
        ranking["ranking"][0]["workload"],
        "web/frontend[Deployment]"
    );
    says(&r, "the frontend is the worst starting point left");

    let a = audit(&lp);
    assert!(a.iter().all(|x| x.id == "BR005"));
    says(
        &r,
        &format!(
            "`audit` reports {}, and both are intended",
            audit_summary(&a)
        ),
    );

    // "one wrong rule on one side is not enough to open a path (compare
    // lesson 5 ...)": lesson 5's dash in lesson 6's database policy.
    let dir = tmpdir("06-with-lesson-5-dash");
    std::fs::copy(root().join(&lp).join("app.yaml"), dir.join("app.yaml")).unwrap();
    let pol = read(&root().join(&lp).join("policies.yaml"));
    let and_peer = "        - namespaceSelector:\n            matchLabels:\n              team: ledger\n          podSelector:";
    let or_peers = "        - namespaceSelector:\n            matchLabels:\n              team: ledger\n        - podSelector:";
    let docs: Vec<String> = pol
        .split("\n---\n")
        .map(|d| {
            if d.contains("  name: postgres\n") {
                assert!(d.contains(and_peer));
                d.replace(and_peer, or_peers)
            } else {
                d.to_string()
            }
        })
        .collect();
    std::fs::write(dir.join("policies.yaml"), docs.join("\n---\n")).unwrap();
    let d = dir.display().to_string();
    let trapped = simulate(&d, "web/frontend");
    assert_eq!(trapped.target_hop(), Some(2));
    assert_eq!(trapped.blast, s.blast);
    let ex = run(&[
        "explain",
        &d,
        "--from",
        "web/frontend",
        "--to",
        "data/postgres",
        "--port",
        "5432/TCP",
    ]);
    assert!(
        ex.stdout.contains("TCP 5432: DENIED")
            && ex.stdout.contains("ingress allowed by data/postgres")
    );
    says(&r, "one wrong rule on one side is not enough to open a path (compare lesson 5, where egress was open and one dash was enough)");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn lesson_07_egress_exfiltration() {
    let l = "07-egress-exfiltration";
    run_lesson_commands(l);
    let r = readme(l);
    let (m, f) = (cluster(l, "mistake"), cluster(l, "fixed"));

    let s = simulate(&m, "web/frontend");
    assert!(s.exfil.iter().all(|e| e.from == "web/frontend[Deployment]"
        && e.hop == 0
        && e.conns == "All Connections"));
    let ranges: Vec<&str> = s.exfil.iter().map(|e| e.range.as_str()).collect();
    assert!(covers_all_ipv4(&ranges), "{ranges:?}");
    says(&r, "From hop 0, the pod the attacker already holds can send to every IPv4 address, with all connections allowed.");
    says(
        &r,
        &format!(
            "The simulation lists it as {} range, `0.0.0.0/0`",
            ranges.len()
        ),
    );
    let s6 = simulate(
        &cluster("06-least-privilege", "least-privilege"),
        "web/frontend",
    );
    assert_eq!((s.blast, s.max_hop()), (s6.blast, s6.max_hop()));
    says(
        &r,
        &format!(
            "The blast radius inside the cluster is unchanged at {}.",
            s.radius()
        ),
    );

    let a = audit(&m);
    says(&r, &format!("`audit` reports {}", audit_summary(&a)));
    let new: Vec<&Finding> = a
        .iter()
        .filter(|x| x.title.starts_with("web/allow-internet-egress "))
        .collect();
    assert_eq!(new.len(), 1);
    assert_eq!(
        (new[0].id.as_str(), new[0].severity.as_str()),
        ("BR005", "medium")
    );
    says(
        &r,
        &format!("The new one is `BR005 [medium] ... {}`", new[0].title),
    );

    let sf = simulate(&f, "web/frontend");
    let exits: BTreeSet<(String, u64, String, String)> = sf
        .exfil
        .iter()
        .map(|e| (e.from.clone(), e.hop, e.range.clone(), e.conns.clone()))
        .collect();
    let expected: BTreeSet<(String, u64, String, String)> = [
        ("web/frontend[Deployment]", 0, "198.51.100.0/24", "TCP 443"),
        (
            "kube-system/coredns[Deployment]",
            1,
            "10.0.0.2/32",
            "TCP 53,UDP 53",
        ),
        (
            "kube-system/coredns[Deployment]",
            1,
            "10.0.0.10/32",
            "TCP 6443",
        ),
    ]
    .iter()
    .map(|(a, b, c, d)| (a.to_string(), *b, c.to_string(), d.to_string()))
    .collect();
    assert_eq!(exits, expected);
    says(&r, &format!("{} exits remain, each to one address range on specific ports only: the identity provider on TCP 443 from the frontend at hop 0, and CoreDNS's resolver and API server at hop 1.", exits.len()));
    says(
        &r,
        &format!(
            "`audit` on `fixed/` reports {}, the same two intended ones as lesson 6.",
            audit_summary(&audit(&f))
        ),
    );
    let a6 = audit(&cluster("06-least-privilege", "least-privilege"));
    let titles = |x: &[Finding]| x.iter().map(|f| f.title.clone()).collect::<Vec<_>>();
    assert_eq!(titles(&audit(&f)), titles(&a6));
}

#[test]
fn lesson_08_what_if_review() {
    let l = "08-what-if-review";
    run_lesson_commands(l);
    let r = readme(l);
    let (before, after, fixed) = (
        cluster(l, "before"),
        cluster(l, "after"),
        cluster(l, "fixed"),
    );

    let gate = "blast-increase,new-target-path";
    let d = diff(&before, &after, Some(gate));
    assert_eq!(d.code, 1);
    assert!(d.stderr.contains("gate failed: blast-increase"));
    says(&r, "On stderr it prints `gate failed: blast-increase`, and the exit code is 1, so the CI job fails.");
    assert_eq!((d.removed, d.changed), (0, 0));
    let added: BTreeSet<(String, String, String)> = d.added.iter().cloned().collect();
    let all = "All Connections".to_string();
    assert_eq!(
        added,
        [
            (
                "app/api[Deployment]".to_string(),
                "app/worker[Deployment]".to_string(),
                all.clone()
            ),
            (
                "app/worker[Deployment]".to_string(),
                "app/api[Deployment]".to_string(),
                all.clone()
            ),
        ]
        .into()
    );
    says(&r, &format!("{} connections are added, on all ports: api to worker, which the pull request wanted, and worker to api, which nobody asked for.", added.len()));
    let b = |w: &str| d.blast[w];
    let (api, worker, fe) = (
        b("app/api[Deployment]"),
        b("app/worker[Deployment]"),
        b("web/frontend[Deployment]"),
    );
    assert_eq!(d.blast.len(), 3);
    says(&r, &format!(
        "The blast radius grows for {} workloads: the api from {} to {} pods (+{}), the worker from {} to {} (+{}), and the internet-facing frontend from {} to {} (+{}).",
        d.blast.len(),
        api.0, api.1, api.1 - api.0,
        worker.0, worker.1, worker.1 - worker.0,
        fe.0, fe.1, fe.1 - fe.0
    ));
    assert_eq!(d.new_target_paths, 0);
    assert_eq!(diff(&before, &after, Some("new-target-path")).code, 0);
    for w in ["app/api", "app/worker", "web/frontend"] {
        assert!(
            simulate(&before, w).target_hop().is_some(),
            "{w} reached the db before"
        );
    }
    assert!(simulate(&before, "web/frontend")
        .target
        .unwrap()
        .1
        .contains("app/api"));
    says(&r, "`new-target-path` does not fire. The api and the worker already reached the database, and the frontend already reached it through the api.");
    let sa = simulate(&after, "web/frontend");
    let sb = simulate(&before, "web/frontend");
    assert!(sb.exfil.iter().all(|e| e.from != "app/worker[Deployment]"));
    assert!(sa.exfil.iter().any(|e| e.from == "app/worker[Deployment]"
        && e.hop == 2
        && e.range == "203.0.113.0/24"
        && e.conns == "TCP 443"));
    says(
        &r,
        "A simulation on `after/` shows the frontend's new exit at hop 2",
    );
    let rb = reach(&before);
    let internet: BTreeSet<&String> = rb
        .conns
        .iter()
        .filter(|(s, d, _)| d.ends_with("[External]") && !s.starts_with("kube-system/"))
        .map(|(s, _, _)| s)
        .collect();
    assert_eq!(
        internet.into_iter().collect::<Vec<_>>(),
        ["app/worker[Deployment]"]
    );
    says(
        &r,
        "the worker is the one pod allowed to call the internet (the payment provider)",
    );

    let df = diff(&before, &fixed, Some(gate));
    assert_eq!(df.code, 1);
    assert_eq!(
        df.added,
        vec![(
            "app/api[Deployment]".to_string(),
            "app/worker[Deployment]".to_string(),
            "TCP 8080".to_string()
        )]
    );
    says(&r, &format!("{} connection, on TCP 8080", df.added.len()));
    let fapi = df.blast["app/api[Deployment]"];
    says(
        &r,
        &format!(
            "The api grows by +{} pods (the worker) instead of +{}",
            fapi.1 - fapi.0,
            api.1 - api.0
        ),
    );
    assert_eq!(fapi.1 - fapi.0, rb.pods["app/worker[Deployment]"]);
    assert!(!df.blast.contains_key("app/worker[Deployment]"));
    says(&r, "the worker's own blast radius doesn't change");
    let ffe = df.blast["web/frontend[Deployment]"];
    says(&r, &format!("The gate still exits {}, because the feature itself makes the worker reachable from the frontend (+{} pods).", df.code, ffe.1 - ffe.0));
}

#[test]
fn lesson_09_cluster_guardrails() {
    let l = "09-cluster-guardrails";
    run_lesson_commands(l);
    let r = readme(l);
    let (m, f) = (cluster(l, "mistake"), cluster(l, "fixed"));

    // The same app and lesson 6's policies; the tenant is the same in both.
    let lp = policies("06-least-privilege", "least-privilege");
    for s in ["mistake", "fixed"] {
        assert!(
            policies(l, s) == lp,
            "{l}/{s}/policies.yaml should be lesson 6's"
        );
    }
    says(
        &r,
        "The ledger keeps lesson 6's least-privilege set (the files are identical).",
    );
    let file = |s: &str, n: &str| read(&root().join("scenarios").join(l).join(s).join(n));
    assert_eq!(file("mistake", "tenant.yaml"), file("fixed", "tenant.yaml"));
    let (gm, gf) = (
        file("mistake", "guardrails.yaml"),
        file("fixed", "guardrails.yaml"),
    );
    let diffs: Vec<(&str, &str)> = gm.lines().zip(gf.lines()).filter(|(a, b)| a != b).collect();
    assert_eq!(gm.lines().count(), gf.lines().count());
    assert_eq!(diffs, vec![("  priority: 10", "  priority: 5")]);
    says(
        &r,
        "The two `guardrails.yaml` files differ in exactly one line",
    );
    // Both API versions are shown, one object of each kind.
    for kind in [
        "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy",
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy",
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy",
    ] {
        assert_eq!(gm.matches(kind).count(), 1, "{kind}");
    }

    let re = reach(&m);
    let notebook = re.pods["analytics/notebook[Deployment]"];
    let total: u64 = re.pods.values().sum();
    assert_eq!(total - notebook, 12);
    says(&r, &format!("`analytics/notebook` ({notebook} pods)"));
    says(
        &r,
        &format!(
            "The cluster now has {total} pods: the ledger's {} and the notebook's {notebook}.",
            total - notebook
        ),
    );

    // The attacker in the notebook: CoreDNS only, the database unreachable,
    // no exit of its own (the baseline denies every address).
    let s = simulate(&m, "analytics/notebook");
    assert_eq!(s.total, total);
    assert_eq!(s.hops[1].new_workloads, ["kube-system/coredns[Deployment]"]);
    assert_eq!(s.blast, re.pods["kube-system/coredns[Deployment]"]);
    assert_eq!(s.target, None);
    says(&r, &format!("The attacker in the notebook gets {}, the CoreDNS pods, and the database is unreachable.", s.radius()));
    assert!(s
        .exfil
        .iter()
        .all(|e| e.from == "kube-system/coredns[Deployment]"));
    says(&r, "every exit in the list is CoreDNS's own");
    let sf = simulate(&f, "analytics/notebook");
    assert_eq!((sf.blast, sf.max_hop()), (s.blast, s.max_hop()));
    says(&r, &format!("The blast radius from the notebook is still {} pods, but now it is certain: no connection is ambiguous.", sf.blast));

    // CNP-4: exactly the notebook's DNS is ambiguous in the mistake.
    let amb: Vec<(String, String)> = json(&["reach", &m])["connections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ambiguous"].is_string())
        .map(|c| {
            (
                c["src"].as_str().unwrap().to_string(),
                c["dst"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        amb,
        vec![(
            "analytics/notebook[Deployment]".to_string(),
            "kube-system/coredns[Deployment]".to_string()
        )]
    );
    assert_eq!(ambiguous(&f), 0);
    says(
        &r,
        &format!(
            "That's {} allowed connections, {} of them ambiguous.",
            re.connections,
            amb.len()
        ),
    );
    assert_eq!(reach(&f).connections, re.connections);

    // The baseline: no notebook-to-notebook connection; inbound from
    // outside stays open (CNP-11).
    assert!(!re
        .conns
        .iter()
        .any(|(a, b, _)| a == "analytics/notebook[Deployment]"
            && b == "analytics/notebook[Deployment]"));
    says(&r, "Its two notebook pods cannot reach each other");
    assert!(re.conns.contains(&(
        "0.0.0.0-9.255.255.255[External]".to_string(),
        "analytics/notebook[Deployment]".to_string(),
        "All Connections".to_string()
    )));
    says(&r, "`reach` still lists `0.0.0.0-9.255.255.255[External]` to `analytics/notebook[Deployment]` with `All Connections`.");

    let a = audit(&m);
    let tie: Vec<&Finding> = a.iter().filter(|x| x.id == "BR012").collect();
    assert_eq!(tie.len(), 1);
    assert_eq!(tie[0].severity, "medium");
    assert_eq!(
        tie[0].objects,
        [
            "ClusterNetworkPolicy tenant-analytics",
            "AdminNetworkPolicy allow-dns"
        ]
    );
    let others: Vec<(&str, &str)> = a
        .iter()
        .filter(|x| x.id != "BR012")
        .map(|x| (x.id.as_str(), x.severity.as_str()))
        .collect();
    assert_eq!(
        others,
        [("BR005", "low"), ("BR005", "medium"), ("BR014", "low")]
    );
    says(
        &r,
        "lesson 6's two intended BR005 findings, and one BR014 at low severity",
    );
    for id in ["BR001", "BR002", "BR004"] {
        assert_eq!(count(&a, id), 0, "{id}");
    }
    says(&r, "There is no BR001, BR002 or BR004 for `analytics`, because the baseline default deny covers it.");
    let af = audit(&f);
    assert_eq!(count(&af, "BR012"), 0);
    says(
        &r,
        &format!(
            "`audit` on `fixed/` reports {}, with no BR012.",
            audit_summary(&af)
        ),
    );

    // The ledger's attacker: lesson 6's 7 pods, now of 14.
    let s6 = simulate(
        &cluster("06-least-privilege", "least-privilege"),
        "web/frontend",
    );
    let sl = simulate(&f, "web/frontend");
    assert_eq!(sl.blast, s6.blast);
    assert_eq!(sl.reached, s6.reached);
    says(
        &r,
        &format!(
            "These are the same {} pods as in lesson 6, now out of {}.",
            sl.blast, sl.total
        ),
    );
}

/// Issue 16: the index's "folders" column names exactly the subfolders each
/// lesson has (lesson 1 has no `fixed/`), so a teacher pointing a command
/// at one finds it.
#[test]
fn index_lists_the_folders_each_lesson_has() {
    let index = read(&root().join("scenarios/README.md"));
    for l in LESSONS {
        let row = index
            .lines()
            .find(|r| r.contains(&format!("]({l}/README.md) |")))
            .unwrap_or_else(|| panic!("index: no row for {l}"));
        let listed: std::collections::BTreeSet<String> = row
            .split(" | ")
            .nth(2)
            .unwrap()
            .split(", ")
            .map(|f| f.trim_matches('`').trim_end_matches('/').to_string())
            .collect();
        let actual: std::collections::BTreeSet<String> =
            std::fs::read_dir(root().join("scenarios").join(l))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_dir())
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect();
        assert_eq!(listed, actual, "{l}");
    }
}
