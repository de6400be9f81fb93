//! Argument parsing and dispatch only: parse, call the library, print,
//! choose the exit code (0 success, 1 a check failed, 2 bad input or usage).

use crate::attack::graph::{AttackGraph, SimOptions, Target};
use crate::attack::rank::rank_all;
use crate::attack::simulate::SimResult;
use crate::engine::explain::{explain, Endpoint};
use crate::engine::reach::{ReachOptions, Reachability};
use crate::engine::view::{ConnView, Level};
use crate::input::load::{load_paths, LoadOptions};
use crate::model::ports::{parse_port_list, ConnSet};
use crate::model::selector::Selector;
use crate::model::{Cluster, Pod};
use crate::output::render::{render, summary_lines, Format};
use crate::output::report;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::collections::BTreeMap;
use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "blastradius",
    version,
    about = "Kubernetes NetworkPolicy blast-radius simulator: who can reach whom, and why"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List every allowed connection between workloads (or pods) and IP ranges.
    Reach(ReachArgs),
    /// Explain why a connection is allowed or denied, rule by rule.
    Explain(ExplainArgs),
    /// Simulate an attacker's lateral movement from compromised pods, hop by hop.
    Simulate(SimulateArgs),
    /// Write a full report (HTML, Markdown, JSON, SVG charts) under out/.
    Report(ReportArgs),
    /// Generate a deterministic synthetic cluster (manifests) for benches and demos.
    Synth(SynthArgs),
    /// Compare two policy sets: connections gained and lost, blast radius before and after; a CI gate.
    Diff(DiffArgs),
    /// Find the classic mistakes: no default deny, workloads in `default`, allow-all rules, dead selectors, ...
    Audit(AuditArgs),
    /// Rank the allowed edges (and the rules behind them) by how much removing each cuts the blast radius.
    Chokepoints(ChokeArgs),
}

#[derive(Args, Debug)]
pub struct ChokeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub attack: AttackArgs,
    /// How many edges to list.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    #[arg(short, long, value_enum, default_value_t = ExplainFormat::Text)]
    pub output: ExplainFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Text,
    Json,
    /// SARIF 2.1.0, for code-scanning UIs.
    Sarif,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[arg(short, long, value_enum, default_value_t = AuditFormat::Text)]
    pub output: AuditFormat,
    /// Exit 1 when a finding of this severity or higher is present.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on_severity: Option<SeverityArg>,
    /// Only list findings of this severity or higher.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub min_severity: Option<SeverityArg>,
}

/// `--fail-on-severity`, `--min-severity`: the CLI spelling of [`crate::review::audit::Severity`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Low,
    Medium,
    High,
}

impl From<SeverityArg> for crate::review::audit::Severity {
    fn from(s: SeverityArg) -> Self {
        match s {
            SeverityArg::Low => Self::Low,
            SeverityArg::Medium => Self::Medium,
            SeverityArg::High => Self::High,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
    /// A pull-request comment.
    Md,
    /// Before/after charts, written to --out.
    Svg,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// Before: a file, folder or `-`.
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// After: a file, folder or `-`.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    #[command(flatten)]
    pub opts: InputOpts,
    #[command(flatten)]
    pub attack: AttackArgs,
    #[arg(long, value_enum, default_value_t = Level::Workload)]
    pub level: Level,
    #[arg(short, long, value_enum, default_value_t = DiffFormat::Text)]
    pub output: DiffFormat,
    /// Exit 1 when any of these holds (comma list): added, removed, blast-increase, new-target-path.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub fail_on: Vec<crate::review::diff::FailOn>,
    /// Folder for -o svg (default out/diff/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct SynthArgs {
    #[arg(long, default_value_t = 1000)]
    pub pods: usize,
    #[arg(long, default_value_t = 10)]
    pub namespaces: usize,
    #[arg(long, default_value_t = 100)]
    pub policies: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Distinct `app` label values per namespace (drives the number of pod classes).
    #[arg(long, default_value_t = 20)]
    pub label_diversity: usize,
    /// Write DIR/cluster.yaml (refuses to overwrite an existing file).
    #[arg(long, value_name = "DIR", conflicts_with = "output")]
    pub out: Option<PathBuf>,
    /// `-` writes the manifests to stdout.
    #[arg(short, long, value_name = "-")]
    pub output: Option<String>,
}

/// The attacker model's knobs; shared by simulate and report.
#[derive(Args, Debug, Clone)]
pub struct AttackArgs {
    /// Stop after N hops.
    #[arg(long, value_name = "N")]
    pub max_hops: Option<usize>,
    /// An edge counts only on ports the destination declares as containerPorts.
    #[arg(long)]
    pub ports_listening_only: bool,
    /// Only these ports carry the attack, e.g. 80/TCP,443/TCP.
    #[arg(long, value_name = "PORTS")]
    pub via: Option<String>,
    /// Crown jewels: a label selector over pods (e.g. tier=db); repeatable.
    #[arg(long, value_name = "SELECTOR")]
    pub target: Vec<String>,
}

impl AttackArgs {
    fn sim_options(&self) -> Result<SimOptions, Failure> {
        Ok(SimOptions {
            max_hops: self.max_hops,
            via: self
                .via
                .as_deref()
                .map(parse_port_list)
                .transpose()
                .map_err(|e| Failure(format!("error: --via: {e}")))?,
            listening_only: self.ports_listening_only,
        })
    }

    fn targets(&self) -> Result<Vec<Target>, Failure> {
        self.target
            .iter()
            .map(|t| Target::parse(t).map_err(|e| Failure(format!("error: --target: {e}"))))
            .collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SimFormat {
    Text,
    Json,
    Md,
}

#[derive(Args, Debug)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub attack: AttackArgs,
    /// Starting point: ns/name of a pod or workload (one pod held); repeatable, one simulation each.
    #[arg(long, value_name = "SRC")]
    pub from: Vec<String>,
    /// Starting point: every pod matching this label selector, held together.
    #[arg(long, value_name = "SELECTOR")]
    pub from_selector: Option<String>,
    /// Namespace for --from-selector (default: `default`, like kubectl).
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,
    /// --from-selector over all namespaces.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Simulate from every workload and rank them by blast radius.
    #[arg(long)]
    pub all: bool,
    /// Rows of the --all ranking to print.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    #[arg(short, long, value_enum, default_value_t = SimFormat::Text)]
    pub output: SimFormat,
    /// Also write the SVG charts into this folder.
    #[arg(long, value_name = "DIR")]
    pub svg: Option<PathBuf>,
    /// Deterministic reachability, or probabilistic spread.
    #[arg(long, value_enum, default_value_t = SimModel::Deterministic)]
    pub model: SimModel,
    /// Monte Carlo: number of trials.
    #[arg(long, default_value_t = 1000)]
    pub trials: usize,
    /// Monte Carlo: random seed (same seed, same output).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Monte Carlo: steps to simulate.
    #[arg(long, default_value_t = 20)]
    pub steps: usize,
    /// Monte Carlo: per-port success probabilities, e.g. 22/TCP=0.9,5432/TCP=0.3 (added to the default table).
    #[arg(long, value_name = "TABLE")]
    pub exploit_prob: Option<String>,
    /// Monte Carlo: success probability of ports no table entry names.
    #[arg(long = "p", value_name = "P", default_value = "0.2")]
    pub p: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SimModel {
    /// Every allowed connection compromises (reachability).
    Deterministic,
    /// Each attempt succeeds with a probability; many seeded trials.
    MonteCarlo,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub attack: AttackArgs,
    /// Starting points (default: workloads reachable from outside the cluster, and the top 3 by blast radius).
    #[arg(long, value_name = "SRC")]
    pub from: Vec<String>,
    /// Output folder (default: out/<input name>/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum IpBlockPods {
    /// ipBlock peers also match pods whose IP is in the block (Calico, upstream e2e).
    Match,
    /// ipBlock peers never match pods (Cilium, np-guard).
    Ignore,
}

/// How input is read; shared by every command.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Manifest files or folders (walked recursively for .yaml/.yml/.json); `-` reads stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub opts: InputOpts,
}

/// Reading and semantics options, without the paths.
#[derive(Args, Debug, Clone)]
pub struct InputOpts {
    /// Whether ipBlock peers match pod IPs (SEM-24..27).
    #[arg(long, value_enum, default_value_t = IpBlockPods::Match)]
    pub ipblock_pods: IpBlockPods,
    /// Accept CIDRs with host bits or leading zeros (normalised, with a warning), as older API servers did.
    #[arg(long)]
    pub lenient_cidr: bool,
    /// Accept NetworkPolicy names that are not DNS subdomains, with a warning.
    #[arg(long)]
    pub lenient_names: bool,
    /// Keep pods in phase Succeeded/Failed (excluded by default, SEM-50).
    #[arg(long)]
    pub include_terminal_pods: bool,
    /// Treat hostNetwork pods as ordinary pods (by default selectors ignore them, SEM-49).
    #[arg(long)]
    pub host_network_as_pods: bool,
    /// Refuse unknown fields in NetworkPolicies (by default a warning names them).
    #[arg(long)]
    pub strict: bool,
    /// Say what was skipped (other kinds, terminal pods) on stderr.
    #[arg(short, long)]
    pub verbose: bool,
}

impl InputOpts {
    fn load_options(&self) -> LoadOptions {
        LoadOptions {
            lenient_cidr: self.lenient_cidr,
            include_terminal_pods: self.include_terminal_pods,
            host_network_as_pods: self.host_network_as_pods,
            lenient_names: self.lenient_names,
            strict: self.strict,
        }
    }

    fn reach_options(&self) -> ReachOptions {
        ReachOptions {
            ipblock_pods: self.ipblock_pods == IpBlockPods::Match,
        }
    }
}

impl InputArgs {
    fn reach_options(&self) -> ReachOptions {
        self.opts.reach_options()
    }
}

#[derive(Args, Debug)]
pub struct ReachArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub output: Format,
    /// List workloads (replicas as one entity) or individual pod entries.
    #[arg(long, value_enum, default_value_t = Level::Workload)]
    pub level: Level,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Source: ns/name of a pod or workload, ns/name[Kind], or an IP address.
    #[arg(long)]
    pub from: String,
    /// Destination: ns/name of a pod or workload, ns/name[Kind], or an IP address.
    #[arg(long)]
    pub to: String,
    /// Ports to ask about: 80/TCP, 8000-8080/TCP, UDP, comma-separated.
    #[arg(long)]
    pub port: Option<String>,
    #[arg(short, long, value_enum, default_value_t = ExplainFormat::Text)]
    pub output: ExplainFormat,
}

/// Exit code for bad input or usage.
pub const EXIT_BAD_INPUT: i32 = 2;

struct Failure(String);

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_BAD_INPUT } else { 0 };
        }
    };
    let result = match cli.command {
        Command::Reach(a) => cmd_reach(a),
        Command::Explain(a) => cmd_explain(a),
        Command::Simulate(a) => cmd_simulate(a),
        Command::Report(a) => cmd_report(a),
        Command::Synth(a) => cmd_synth(a),
        Command::Diff(a) => cmd_diff(a),
        Command::Audit(a) => cmd_audit(a),
        Command::Chokepoints(a) => cmd_chokepoints(a),
    };
    match result {
        Ok(code) => code,
        Err(Failure(msg)) => {
            eprintln!("{msg}");
            EXIT_BAD_INPUT
        }
    }
}

fn load(input: &InputArgs) -> Result<Cluster, Failure> {
    timed(input.opts.verbose, "load", || {
        load_with(&input.paths, &input.opts)
    })
}

/// Run a phase; with -v, say how long it took on stderr.
fn timed<T>(verbose: bool, what: &str, f: impl FnOnce() -> T) -> T {
    let t = std::time::Instant::now();
    let r = f();
    if verbose {
        eprintln!("{what}: {:.3} s", t.elapsed().as_secs_f64());
    }
    r
}

fn compile(cluster: &Cluster, input: &InputArgs) -> Reachability {
    let r = timed(input.opts.verbose, "compile", || {
        Reachability::compile(cluster, &input.reach_options())
    });
    if input.opts.verbose {
        eprintln!(
            "matrix: {} pods in {} classes, {} source and {} destination IP ranges, {} distinct port sets",
            cluster.pod_count(),
            r.class_count(),
            r.ext_src.len(),
            r.ext_dst.len(),
            r.distinct_conn_sets()
        );
    }
    r
}

fn load_with(paths: &[PathBuf], input: &InputOpts) -> Result<Cluster, Failure> {
    let cluster = load_paths(paths, &input.load_options()).map_err(|e| Failure(e.to_string()))?;
    for w in &cluster.warnings {
        eprintln!("warning: {w}");
    }
    if input.verbose {
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for s in &cluster.skipped {
            *kinds.entry(s.kind.as_str()).or_default() += 1;
        }
        let total: usize = kinds.values().sum();
        let list: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
        eprintln!(
            "skipped {total} objects: {}",
            if list.is_empty() {
                "none".into()
            } else {
                list.join(", ")
            }
        );
        for s in &cluster.skipped {
            eprintln!(
                "  skipped {} {} ({}): {}",
                s.kind, s.name, s.origin, s.reason
            );
        }
    }
    Ok(cluster)
}

fn write_out(s: &str) -> Result<i32, Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(0),
        // A closed pipe (`| head`) is not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(Failure(format!("error: cannot write output: {e}"))),
    }
}

fn cmd_reach(a: ReachArgs) -> Result<i32, Failure> {
    let cluster = load(&a.input)?;
    let reach = compile(&cluster, &a.input);
    let view = ConnView::build(&cluster, &reach, a.level);
    for w in &view.warnings {
        eprintln!("warning: {w}");
    }
    write_out(&render(&cluster, &reach, &view, a.output))
}

/// Resolve `--from`/`--to`: an IP, or a pod/workload (its first pod).
fn endpoint(cluster: &Cluster, spec: &str, flag: &str) -> Result<Endpoint, Failure> {
    if let Ok(ip) = spec.parse::<IpAddr>() {
        return Ok(Endpoint::Ip(ip));
    }
    let pods = cluster
        .find_pods(spec)
        .map_err(|e| Failure(format!("error: --{flag}: {e}")))?;
    let (first, pod) = first_pod(cluster, &pods)
        .ok_or_else(|| Failure(format!("error: --{flag}: no pod or workload `{spec}`")))?;
    let name = if pod.workload.kind == "Pod" || pod.workload.name != pod.name {
        format!("{}[Pod]", pod.id())
    } else {
        pod.workload.to_string()
    };
    if pods.len() > 1 {
        eprintln!(
            "note: --{flag} {spec} matches {} pod entries; explaining {}",
            pods.len(),
            pod.id()
        );
    }
    Ok(Endpoint::Pod(first, name))
}

fn cmd_explain(a: ExplainArgs) -> Result<i32, Failure> {
    let cluster = load(&a.input)?;
    let from = endpoint(&cluster, &a.from, "from")?;
    let to = endpoint(&cluster, &a.to, "to")?;
    if matches!((&from, &to), (Endpoint::Ip(_), Endpoint::Ip(_))) {
        return Err(Failure(
            "error: --from and --to are both IP addresses: traffic with no pod at either end is out of scope (SEM-9)".into(),
        ));
    }
    let ports: Option<ConnSet> = a
        .port
        .as_deref()
        .map(parse_port_list)
        .transpose()
        .map_err(|e| Failure(format!("error: --port: {e}")))?;
    let e = explain(&cluster, &a.input.reach_options(), &from, &to);
    match a.output {
        ExplainFormat::Text => write_out(&e.to_text(ports.as_ref())),
        ExplainFormat::Json => {
            let mut s = serde_json::to_string_pretty(&e).unwrap_or_default();
            s.push('\n');
            write_out(&s)
        }
    }
}

/// Write files into a folder the user named (or out/...): create it if
/// needed, refuse when it (or a file we would write) is the wrong kind of
/// thing; touch nothing else.
pub fn write_files(dir: &std::path::Path, files: &[(String, String)]) -> Result<(), String> {
    if dir.exists() && !dir.is_dir() {
        return Err(format!(
            "{} exists and is not a folder; choose another output folder",
            dir.display()
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (name, content) in files {
        let p = dir.join(name);
        if p.is_dir() {
            return Err(format!(
                "{} is a folder; cannot write a file there",
                p.display()
            ));
        }
        std::fs::write(&p, content).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    Ok(())
}

/// Pods held for `--from SRC`: one pod of the first matching entry.
fn held_from(cluster: &Cluster, spec: &str) -> Result<(String, Vec<(usize, u64)>), Failure> {
    let pods = cluster
        .find_pods(spec)
        .map_err(|e| Failure(format!("error: --from: {e}")))?;
    let (p, pod) = first_pod(cluster, &pods)
        .ok_or_else(|| Failure(format!("error: --from: no pod or workload `{spec}`")))?;
    Ok((pod.workload.to_string(), vec![(p, 1)]))
}

/// The first of the pod indices [`Cluster::find_pods`] returned, with its pod
/// (`find_pods` never returns an empty list, but do not rely on it).
fn first_pod<'c>(cluster: &'c Cluster, pods: &[usize]) -> Option<(usize, &'c Pod)> {
    let &i = pods.first()?;
    cluster.pods.get(i).map(|p| (i, p))
}

fn cmd_simulate(a: SimulateArgs) -> Result<i32, Failure> {
    let cluster = load(&a.input)?;
    let reach = compile(&cluster, &a.input);
    let opts = a.attack.sim_options()?;
    let targets = a.attack.targets()?;
    if a.from.is_empty() && a.from_selector.is_none() && !a.all {
        return Err(Failure(
            "error: say where the attacker starts: --from ns/name, --from-selector SELECTOR, or --all".into(),
        ));
    }
    let graph = timed(a.input.opts.verbose, "attack graph", || {
        AttackGraph::build(&cluster, &reach, &opts)
    });
    // Starting points: (name, held pods).
    let mut starts: Vec<(String, Vec<(usize, u64)>)> = Vec::new();
    for f in &a.from {
        starts.push(held_from(&cluster, f)?);
    }
    if let Some(sel) = &a.from_selector {
        let selector =
            Selector::parse(sel).map_err(|e| Failure(format!("error: --from-selector: {e}")))?;
        let ns = if a.all_namespaces {
            None
        } else {
            Some(a.namespace.clone().unwrap_or_else(|| "default".into()))
        };
        let held: Vec<(usize, u64)> = cluster
            .pods
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                ns.as_deref().is_none_or(|n| p.namespace == n) && selector.matches(&p.labels)
            })
            .map(|(i, p)| (i, u64::from(p.replicas)))
            .collect();
        if held.is_empty() {
            return Err(Failure(format!(
                "error: --from-selector {sel} matches no pod in {}",
                ns.map_or("any namespace".into(), |n| format!(
                    "namespace {n} (use -A for all namespaces)"
                ))
            )));
        }
        let scope = ns.map_or("all namespaces".into(), |n| format!("namespace {n}"));
        starts.push((format!("pods {sel} in {scope}"), held));
    }
    if a.model == SimModel::MonteCarlo {
        return monte_carlo_cmd(&a, &graph, &starts, &targets);
    }
    let sims: Vec<SimResult> = starts
        .iter()
        .map(|(name, held)| graph.simulate(name, held, &targets))
        .collect();
    let ranked = a.all.then(|| {
        let entities = crate::engine::view::entities(&cluster, &reach, Level::Workload);
        rank_all(&graph, &entities)
    });
    if let Some(dir) = &a.svg {
        let name = input_name(&a.input.paths);
        let files =
            report::charts(&name, &cluster, &reach, &sims, ranked.as_deref()).map_err(Failure)?;
        write_files(dir, &files).map_err(|e| Failure(format!("error: --svg: {e}")))?;
    }
    let out = match a.output {
        SimFormat::Text => {
            let mut s = report::sim_text(&sims);
            if let Some(r) = &ranked {
                if !s.is_empty() {
                    s.push('\n');
                }
                s.push_str(&report::ranking_text(r, a.top));
            }
            s
        }
        SimFormat::Md => {
            let mut s = report::sim_md(&sims);
            if let Some(r) = &ranked {
                s.push_str(&report::ranking_md(r, a.top));
            }
            s
        }
        SimFormat::Json => {
            let v = serde_json::json!({
                "schema": "blastradius.simulate/v1",
                "options": {
                    "ipblock_pods": reach.options.ipblock_pods,
                    "max_hops": opts.max_hops,
                    "via": opts.via.as_ref().map(|c| c.to_connlist()),
                    "ports_listening_only": opts.listening_only,
                },
                "simulations": sims,
                "ranking": ranked,
            });
            let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
            s.push('\n');
            s
        }
    };
    write_out(&out)
}

/// A name for the input, for titles and the default report folder.
fn input_name(paths: &[PathBuf]) -> String {
    let Some(p) = paths.first() else {
        return "input".into();
    };
    if p.as_os_str() == "-" {
        return "stdin".into();
    }
    let p = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
    let stem = if p.is_dir() {
        p.file_name()
    } else {
        p.file_stem()
    };
    stem.map(|s| s.to_string_lossy().to_string())
        .filter(|s| !s.is_empty() && s != "." && s != "..")
        .unwrap_or_else(|| "input".into())
}

fn cmd_report(a: ReportArgs) -> Result<i32, Failure> {
    let cluster = load(&a.input)?;
    let reach = compile(&cluster, &a.input);
    let opts = a.attack.sim_options()?;
    let targets = a.attack.targets()?;
    let graph = timed(a.input.opts.verbose, "attack graph", || {
        AttackGraph::build(&cluster, &reach, &opts)
    });
    let entities = crate::engine::view::entities(&cluster, &reach, Level::Workload);
    let ranked = rank_all(&graph, &entities);
    // Starting points: as given, or the workloads exposed to outside
    // addresses and the top 3 by blast radius.
    let mut starts: Vec<String> = a.from.clone();
    if starts.is_empty() {
        for e in &entities {
            let exposed = e
                .classes
                .iter()
                .any(|&c| (0..reach.ext_src.len()).any(|x| !reach.ext_to_class(x, c).is_empty()));
            if exposed && starts.len() < 5 {
                starts.push(e.name.clone());
            }
        }
        for r in ranked.iter().take(3) {
            if !starts.contains(&r.workload) {
                starts.push(r.workload.clone());
            }
        }
    }
    let held_starts: Vec<(String, Vec<(usize, u64)>)> = starts
        .iter()
        .map(|f| held_from(&cluster, f))
        .collect::<Result<_, _>>()?;
    let sims: Vec<SimResult> = held_starts
        .iter()
        .map(|(name, held)| graph.simulate(name, held, &targets))
        .collect();
    let name = input_name(&a.input.paths);
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(&name));
    let view = ConnView::build(&cluster, &reach, Level::Workload);
    let summary = summary_lines(&cluster, &reach, &view);
    let mut files =
        report::charts(&name, &cluster, &reach, &sims, Some(&ranked)).map_err(Failure)?;
    // Choke points and the probabilistic spread from the first start.
    let starts_all: Vec<usize> = entities
        .iter()
        .filter(|e| e.replicas > 0)
        .filter_map(|e| e.pods.first().copied())
        .collect();
    let chokes = timed(a.input.opts.verbose, "chokepoints", || {
        crate::attack::chokepoints::chokepoints(&graph, &starts_all, &targets, 10)
    });
    if !chokes.top.is_empty() {
        let items: Vec<(String, u64)> = chokes
            .top
            .iter()
            .map(|c| {
                let short = |w: &str| w.split('[').next().unwrap_or(w).to_string();
                (format!("{} -> {}", short(&c.from), short(&c.to)), c.drop)
            })
            .collect();
        files.push((
            "chokepoints.svg".into(),
            crate::output::charts::ranking_with(
                &format!("{name}: edges whose removal cuts the most blast radius"),
                &items,
                0,
                "drop in total blast radius (pods, summed over every starting workload)",
                "allowed edge",
            )
            .map_err(Failure)?,
        ));
    }
    let mc = match held_starts.first() {
        Some((start, held)) => {
            let o = crate::attack::montecarlo::McOptions {
                trials: 500,
                ..Default::default()
            };
            let r = crate::attack::montecarlo::monte_carlo(&graph, start, held, &targets, &o);
            files.push((
                "spread.svg".into(),
                crate::output::charts::spread_bands(&name, &r).map_err(Failure)?,
            ));
            Some(r)
        }
        _ => None,
    };
    let html = report::html(&name, &summary, &sims, &ranked, &files);
    let mut md = format!("# Blast radius report: {name}\n\n");
    for l in &summary {
        md.push_str(&format!("- {l}\n"));
    }
    if let Some(w) = ranked.first() {
        md.push_str(&format!(
            "\n**Worst case:** compromising `{}` reaches {} more pods ({:.1}% of the cluster) in {}.\n\n",
            w.workload,
            w.blast_radius,
            w.fraction * 100.0,
            report::hops_words(w.max_hop)
        ));
    }
    md.push_str("## Ranking\n\n");
    md.push_str(&report::ranking_md(&ranked, 10));
    md.push_str("\n## Starting points\n\n");
    md.push_str(&report::sim_md(&sims));
    md.push_str("## Assumptions\n\n");
    for a in report::ASSUMPTIONS {
        md.push_str(&format!("- {a}\n"));
    }
    let json = serde_json::json!({
        "schema": "blastradius.report/v1",
        "input": name,
        "options": { "ipblock_pods": reach.options.ipblock_pods, "max_hops": opts.max_hops, "ports_listening_only": opts.listening_only, "via": opts.via.as_ref().map(|c| c.to_connlist()) },
        "summary": summary,
        "ranking": ranked,
        "simulations": sims,
        "charts": files.iter().map(|f| f.0.clone()).collect::<Vec<_>>(),
        "chokepoints": chokes,
        "monte_carlo": mc,
        "assumptions": report::ASSUMPTIONS,
    });
    files.push(("index.html".into(), html));
    files.push(("summary.md".into(), md));
    files.push((
        "report.json".into(),
        format!(
            "{}\n",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        ),
    ));
    write_files(&dir, &files).map_err(|e| Failure(format!("error: {e}")))?;
    let mut names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    names.sort_unstable();
    eprintln!(
        "wrote {} files to {}: {}",
        files.len(),
        dir.display(),
        names.join(", ")
    );
    Ok(0)
}

fn cmd_synth(a: SynthArgs) -> Result<i32, Failure> {
    let text = crate::util::synth::generate(&crate::util::synth::SynthOptions {
        pods: a.pods,
        namespaces: a.namespaces,
        policies: a.policies,
        seed: a.seed,
        label_diversity: a.label_diversity,
    });
    match (&a.out, a.output.as_deref()) {
        (Some(dir), _) => {
            let file = dir.join("cluster.yaml");
            if file.exists() {
                return Err(Failure(format!(
                    "error: {} exists; synth never overwrites a file: choose an empty folder",
                    file.display()
                )));
            }
            write_files(dir, &[("cluster.yaml".into(), text)])
                .map_err(|e| Failure(format!("error: {e}")))?;
            eprintln!("wrote {}", file.display());
            Ok(0)
        }
        (None, Some("-")) => write_out(&text),
        (None, Some(other)) => Err(Failure(format!(
            "error: -o takes `-` (stdout), got `{other}`; use --out DIR for a folder"
        ))),
        (None, None) => Err(Failure(
            "error: say where to write: --out DIR or -o -".into(),
        )),
    }
}

fn cmd_diff(a: DiffArgs) -> Result<i32, Failure> {
    if a.old.as_os_str() == "-" && a.new.as_os_str() == "-" {
        return Err(Failure(
            "error: OLD and NEW cannot both be `-` (stdin)".into(),
        ));
    }
    let old = load_with(std::slice::from_ref(&a.old), &a.opts)?;
    let new = load_with(std::slice::from_ref(&a.new), &a.opts)?;
    let ro = Reachability::compile(&old, &a.opts.reach_options());
    let rn = Reachability::compile(&new, &a.opts.reach_options());
    let sim = a.attack.sim_options()?;
    let targets = a.attack.targets()?;
    let d = crate::review::diff::diff(
        &crate::review::diff::Side {
            cluster: &old,
            reach: &ro,
        },
        &crate::review::diff::Side {
            cluster: &new,
            reach: &rn,
        },
        a.level,
        &targets,
        &sim,
    );
    let out = match a.output {
        DiffFormat::Text => d.to_text(),
        DiffFormat::Md => d.to_md(),
        DiffFormat::Json => {
            let v = serde_json::json!({ "schema": "blastradius.diff/v1", "diff": d });
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        DiffFormat::Svg => {
            let dir = a
                .out
                .clone()
                .unwrap_or_else(|| PathBuf::from("out").join("diff"));
            let name = format!(
                "{} -> {}",
                input_name(std::slice::from_ref(&a.old)),
                input_name(std::slice::from_ref(&a.new))
            );
            let files =
                diff_charts(&name, &d, &old, &ro, &new, &rn, &sim, &targets).map_err(Failure)?;
            write_files(&dir, &files).map_err(|e| Failure(format!("error: {e}")))?;
            let names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
            format!("wrote {} to {}\n", names.join(", "), dir.display())
        }
    };
    write_out(&out)?;
    let failed: Vec<&crate::review::diff::FailOn> =
        a.fail_on.iter().filter(|f| d.holds(**f)).collect();
    if failed.is_empty() {
        Ok(0)
    } else {
        let names: Vec<String> = failed
            .iter()
            .map(|f| {
                f.to_possible_value()
                    .map(|v| v.get_name().to_string())
                    .unwrap_or_default()
            })
            .collect();
        eprintln!("gate failed: {}", names.join(", "));
        Ok(1)
    }
}

#[allow(clippy::too_many_arguments)]
fn diff_charts(
    name: &str,
    d: &crate::review::diff::Diff,
    old: &Cluster,
    ro: &Reachability,
    new: &Cluster,
    rn: &Reachability,
    sim: &SimOptions,
    targets: &[Target],
) -> Result<Vec<(String, String)>, String> {
    let items: Vec<(String, u64, u64)> = d
        .blast_radius
        .iter()
        .take(20)
        .map(|b| {
            (
                b.workload.clone(),
                b.before.unwrap_or(0),
                b.after.unwrap_or(0),
            )
        })
        .collect();
    let total = d.total_pods_before.max(d.total_pods_after);
    let mut files = vec![(
        "diff-blast-radius.svg".to_string(),
        crate::output::charts::paired_bars(
            &format!("{name}: blast radius before and after"),
            &items,
            total,
        )?,
    )];
    if let Some(worst) = d.blast_radius.first() {
        let mut series = Vec::new();
        for (label, cluster, reach) in [("before", old, ro), ("after", new, rn)] {
            if let Some(first) = cluster
                .find_pods(&worst.workload)
                .ok()
                .and_then(|pods| pods.first().copied())
            {
                let g = AttackGraph::build(cluster, reach, sim);
                let r = g.simulate(&worst.workload, &[(first, 1)], targets);
                series.push(crate::output::charts::HopSeries {
                    name: format!("{} ({label})", worst.workload),
                    pods: r.hops.iter().map(|h| h.pods).collect(),
                });
            }
        }
        files.push((
            "diff-reach-by-hop.svg".to_string(),
            crate::output::charts::reach_by_hop(
                &format!("{name}: {} before and after", worst.workload),
                &series,
                total,
                &[],
            )?,
        ));
    }
    Ok(files)
}

fn cmd_audit(a: AuditArgs) -> Result<i32, Failure> {
    let cluster = load(&a.input)?;
    let reach = compile(&cluster, &a.input);
    let mut findings = crate::review::audit::audit(&cluster, &reach);
    if let Some(min) = a.min_severity.map(crate::review::audit::Severity::from) {
        findings.retain(|f| f.severity >= min);
    }
    let out = match a.output {
        AuditFormat::Text => crate::output::audit::to_text(&findings),
        AuditFormat::Json => crate::output::audit::to_json(&findings),
        AuditFormat::Sarif => crate::output::audit::to_sarif(&findings),
    };
    write_out(&out)?;
    match a.fail_on_severity.map(crate::review::audit::Severity::from) {
        Some(min) if findings.iter().any(|f| f.severity >= min) => {
            eprintln!(
                "gate failed: findings of severity {} or higher",
                min.as_str()
            );
            Ok(1)
        }
        _ => Ok(0),
    }
}

fn monte_carlo_cmd(
    a: &SimulateArgs,
    graph: &AttackGraph,
    starts: &[(String, Vec<(usize, u64)>)],
    targets: &[Target],
) -> Result<i32, Failure> {
    use crate::attack::montecarlo::{monte_carlo, parse_probability, parse_table, McOptions};
    if a.all || starts.is_empty() {
        return Err(Failure(
            "error: --model monte-carlo needs --from or --from-selector (not --all)".into(),
        ));
    }
    if a.trials == 0 {
        return Err(Failure("error: --trials must be at least 1".into()));
    }
    let mut o = McOptions {
        trials: a.trials,
        seed: a.seed,
        steps: a.steps,
        default_p: parse_probability(&a.p).map_err(|e| Failure(format!("error: --p: {e}")))?,
        ..McOptions::default()
    };
    if let Some(t) = &a.exploit_prob {
        o.table
            .extend(parse_table(t).map_err(|e| Failure(format!("error: --exploit-prob: {e}")))?);
    }
    let results: Vec<crate::attack::montecarlo::McResult> =
        timed(a.input.opts.verbose, "monte carlo", || {
            starts
                .iter()
                .map(|(name, held)| monte_carlo(graph, name, held, targets, &o))
                .collect()
        });
    if let Some(dir) = &a.svg {
        let name = input_name(&a.input.paths);
        let mut files = Vec::new();
        for (i, r) in results.iter().enumerate() {
            let file = if i == 0 {
                "spread.svg".to_string()
            } else {
                format!("spread-{}.svg", i + 1)
            };
            files.push((
                file,
                crate::output::charts::spread_bands(&name, r).map_err(Failure)?,
            ));
        }
        write_files(dir, &files).map_err(|e| Failure(format!("error: --svg: {e}")))?;
    }
    let out = match a.output {
        SimFormat::Text | SimFormat::Md => {
            let parts: Vec<String> = results.iter().map(|r| r.to_text()).collect();
            parts.join("\n")
        }
        SimFormat::Json => {
            let v = serde_json::json!({
                "schema": "blastradius.montecarlo/v1",
                "options": {
                    "trials": o.trials,
                    "seed": o.seed,
                    "steps": o.steps,
                    "default_p": o.default_p,
                    "table": o.table.iter().map(|(p, n, x)| format!("{n}/{p}={x}")).collect::<Vec<_>>(),
                },
                "results": results,
            });
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
    };
    write_out(&out)
}

fn cmd_chokepoints(a: ChokeArgs) -> Result<i32, Failure> {
    let cluster = load(&a.input)?;
    let reach = compile(&cluster, &a.input);
    let opts = a.attack.sim_options()?;
    if opts.max_hops.is_some() {
        return Err(Failure(
            "error: chokepoints measures reachability at no hop limit; drop --max-hops".into(),
        ));
    }
    let targets = a.attack.targets()?;
    let graph = timed(a.input.opts.verbose, "attack graph", || {
        AttackGraph::build(&cluster, &reach, &opts)
    });
    let starts: Vec<usize> = crate::engine::view::entities(&cluster, &reach, Level::Workload)
        .iter()
        .filter(|e| e.replicas > 0)
        .filter_map(|e| e.pods.first().copied())
        .collect();
    let r = timed(a.input.opts.verbose, "chokepoints", || {
        crate::attack::chokepoints::chokepoints(&graph, &starts, &targets, a.top)
    });
    match a.output {
        ExplainFormat::Text => write_out(&r.to_text()),
        ExplainFormat::Json => {
            let v = serde_json::json!({ "schema": "blastradius.chokepoints/v1", "chokepoints": r });
            write_out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            ))
        }
    }
}
