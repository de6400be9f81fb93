//! The command line as data: every subcommand, flag and value enum (clap
//! definitions only; building library options from them is in `input.rs`).

use crate::output::format::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "blastradius",
    version = crate::cli::VERSION,
    about = "Kubernetes NetworkPolicy blast-radius simulator: who can reach whom, and why"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// No progress line on stderr (it shows only on a terminal, for phases over a second).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Colour the `error:`/`warning:` prefixes and audit severities: on a
    /// terminal only (and not with NO_COLOR set), always, or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = crate::cli::print::ColorWhen::Auto)]
    pub color: crate::cli::print::ColorWhen,
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
    /// Print a shell completion script: `blastradius completions bash > /etc/bash_completion.d/blastradius`.
    Completions(CompletionsArgs),
    /// Print the man page (roff): `blastradius man > blastradius.1; man ./blastradius.1`.
    Man,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
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
    /// Output format.
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value_t = ChokeFormat::Text)]
    pub output: ChokeFormat,
    /// Start only from the workloads of namespace NS: the measure sums
    /// their blast radius (the policies of every namespace still decide
    /// where they reach).
    #[arg(
        short = 'n',
        long,
        value_name = "NS",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,
    /// Start from the workloads of every namespace (the default).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
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
    /// Output format.
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value_t = AuditFormat::Text)]
    pub output: AuditFormat,
    /// Exit 1 when a finding of this severity or higher is present.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on_severity: Option<SeverityArg>,
    /// Only list findings of this severity or higher.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub min_severity: Option<SeverityArg>,
    /// One line per finding (id, severity, check, what), then the summary
    /// line; text only.
    #[arg(long)]
    pub brief: bool,
    /// Only list findings about namespace NS or an object in it (cluster
    /// policies are in no namespace: their findings are left out).
    #[arg(
        short = 'n',
        long,
        value_name = "NS",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,
    /// List findings of every namespace and the cluster policies (the default).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
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

impl From<AuditFormat> for Format {
    fn from(f: AuditFormat) -> Self {
        match f {
            AuditFormat::Text => Format::Text,
            AuditFormat::Json => Format::Json,
            AuditFormat::Sarif => Format::Sarif,
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
    /// Compare connections workload by workload (replicas as one entity),
    /// pod by pod, or namespace by namespace.
    #[arg(long, value_enum, default_value_t = Level::Workload)]
    pub level: Level,
    /// Output format.
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value_t = DiffFormat::Text)]
    pub output: DiffFormat,
    /// Exit 1 when any of these holds (comma list): added, removed, blast-increase, new-target-path.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub fail_on: Vec<FailOn>,
    /// Folder for -o svg (default out/diff/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct SynthArgs {
    /// Pods in the cluster, spread over the namespaces (bare Pods and
    /// Deployments' replicas).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub pods: usize,
    /// Namespaces, named ns-00000, ns-00001, …
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub namespaces: usize,
    /// NetworkPolicies, spread over the namespaces (default denies,
    /// selectors on `app`/`tier`, namespace selectors, ipBlocks).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub policies: usize,
    /// Random seed: the same flags and seed give byte-identical output.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub seed: u64,
    /// Distinct `app` label values per namespace (drives the number of pod classes).
    #[arg(long, default_value_t = 20)]
    pub label_diversity: usize,
    /// Admin-tier cluster policies: AdminNetworkPolicy (v1alpha1) and
    /// ClusterNetworkPolicy tier Admin (v1alpha2), alternately.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub admin_policies: usize,
    /// Baseline-tier cluster policies: the BaselineAdminNetworkPolicy
    /// `default`, then ClusterNetworkPolicies of tier Baseline.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub baseline_policies: usize,
    /// NetworkPolicies in the shape CNI teams load-test with, after the
    /// others: ten ingress rules of a namespace list of ten each, ten
    /// ipBlock rules, twenty ports on every rule.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub heavy_policies: usize,
    /// Write what `kubectl get ns,pods,netpol -A -o json|yaml` prints for the
    /// cluster once it runs: Pods with owners, hash labels, IPs, status and
    /// managedFields, as one `kind: List`.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub live: Option<LiveFormat>,
    /// With --live: also the workload objects (Deployments and their
    /// ReplicaSets, …), as `kubectl get all` prints them.
    #[arg(long, requires = "live")]
    pub with_workloads: bool,
    /// Where to write: DIR writes DIR/cluster.yaml (cluster.json with
    /// `--live json`) and refuses to overwrite an existing file; `-` writes
    /// to stdout.
    #[arg(long, value_name = "DIR|-")]
    pub out: Option<PathBuf>,
    /// Not a destination: `-o` is the output format in every command, and
    /// synth writes YAML (or what --live says); kept only to say so.
    #[arg(short, long, value_name = "FORMAT", hide = true)]
    pub output: Option<String>,
    /// Instead of a realistic cluster, a small crafted input that is hard
    /// for one part of the tool (`bench/bounds.sh`), of size --size.
    #[arg(long, value_enum, conflicts_with = "live")]
    pub shape: Option<ShapeArg>,
    /// With --shape: its N (pods, or ipBlocks, or excepts).
    #[arg(long, requires = "shape", default_value_t = 1000)]
    pub size: usize,
}

/// `synth --shape`: see `util::shapes::Shape`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ShapeArg {
    /// N pods with one distinct label each, no policy.
    DistinctLabels,
    /// The same and a selector reading the label: N classes, N² edges.
    DistinctClasses,
    /// N classes with a rule per pod each way: an N² matrix.
    DistinctKeys,
    /// One ingress rule with N /32 ipBlocks.
    IpBlocks,
    /// N ipBlocks, each with an except.
    IpBlockExcepts,
    /// One ipBlock with N excepts.
    Excepts,
    /// N pods in layers of 10, each reaching every later layer (choke points).
    LayeredDag,
}

impl From<ShapeArg> for crate::util::shapes::Shape {
    fn from(s: ShapeArg) -> Self {
        use crate::util::shapes::Shape;
        match s {
            ShapeArg::DistinctLabels => Shape::DistinctLabels,
            ShapeArg::DistinctClasses => Shape::DistinctClasses,
            ShapeArg::DistinctKeys => Shape::DistinctKeys,
            ShapeArg::IpBlocks => Shape::IpBlocks,
            ShapeArg::IpBlockExcepts => Shape::IpBlockExcepts,
            ShapeArg::Excepts => Shape::Excepts,
            ShapeArg::LayeredDag => Shape::LayeredDag,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LiveFormat {
    Json,
    Yaml,
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
    /// Namespace for --from-selector (default: `default`, like kubectl), of
    /// a --from given as a bare name (`web` is `NS/web`), and of the
    /// workloads --all ranks.
    #[arg(
        short = 'n',
        long,
        value_name = "NS",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,
    /// --from-selector over all namespaces (and --all: every workload, the default).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Simulate from every workload and rank them by blast radius.
    #[arg(long)]
    pub all: bool,
    /// Rows of the --all ranking to print.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Output format.
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value_t = SimFormat::Text)]
    pub output: SimFormat,
    /// Also write the SVG charts into this folder.
    #[arg(long, value_name = "DIR")]
    pub svg: Option<PathBuf>,
    /// Deterministic reachability, or probabilistic spread.
    #[arg(long, value_enum, default_value_t = SimModel::Deterministic)]
    pub model: SimModel,
    /// Monte Carlo: number of trials (fewer when --max-edge-visits runs out, at least 20).
    #[arg(long, default_value_t = 1000)]
    pub trials: usize,
    /// Monte Carlo: work budget in edge visits (a count, never seconds: same input, same output).
    #[arg(long, value_name = "N", default_value_t = crate::attack::montecarlo::MC_EDGE_VISITS)]
    pub max_edge_visits: u64,
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
    /// Start only from the workloads of namespace NS: the default starting
    /// points, the ranking and the choke points are theirs (the policies of
    /// every namespace still decide where they reach); also the namespace
    /// of a --from given as a bare name (`web` is `NS/web`).
    #[arg(
        short = 'n',
        long,
        value_name = "NS",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,
    /// Start from the workloads of every namespace (the default).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum IpBlockPods {
    /// ipBlock peers also match pods whose IP is in the block (Calico, upstream e2e).
    Match,
    /// ipBlock peers never match pods (Cilium, np-guard).
    Ignore,
}

/// Another tool's semantics, for comparing results with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Compat {
    /// np-guard netpol-analyzer: --ipblock-pods ignore, --include-terminal-pods,
    /// --host-network-as-pods, --lenient-names, and pods keep their ReplicaSet's name.
    NpGuard,
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
    /// Follow every symbolic link inside an input folder (by default a link that leads outside the folder is skipped, with a warning).
    #[arg(long)]
    pub follow_links: bool,
    /// Leave out paths below an input folder that match this glob (`*`,
    /// `?`, `**`; against the path inside the folder or a name), e.g.
    /// `--exclude 'charts/**'`; repeatable. Hidden folders and the tool's
    /// own output (report folders, its JSON) are never read.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Read as another tool does (sets the flags it needs; see --help).
    #[arg(long, value_enum, value_name = "TOOL")]
    pub compat: Option<Compat>,
    /// Say what was skipped (other kinds, terminal pods) on stderr.
    #[arg(short, long)]
    pub verbose: bool,
    /// Accept an input with no pods, workloads, namespaces or policies (by
    /// default an error, exit 2: a gate must not pass on the wrong folder).
    #[arg(long)]
    pub allow_empty: bool,
    /// Exit 1 when the input holds policy kinds that are not evaluated
    /// (CiliumNetworkPolicy, Calico or Antrea policies, …): connections they
    /// block are shown as allowed.
    #[arg(long)]
    pub fail_on_unevaluated: bool,
}

#[derive(Args, Debug)]
pub struct ReachArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value_t = ReachFormat::Text)]
    pub output: ReachFormat,
    /// List workloads (replicas as one entity) or individual pod entries.
    #[arg(long, value_enum, default_value_t = Level::Workload)]
    pub level: Level,
    /// Refuse (exit 2) a list of more connections than this: about 5 s and
    /// 200 MB of output a million; counted before anything is listed.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub max_connections: usize,
    /// List only connections from or to a workload in namespace NS (the
    /// policies of every namespace still decide them).
    #[arg(
        short = 'n',
        long,
        value_name = "NS",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,
    /// List connections of every namespace (the default).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
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
    /// Namespace of a --from or --to given as a bare name (`web` is
    /// `NS/web`), as with kubectl; without it a bare name must be unique
    /// across namespaces.
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, value_name = "FORMAT", default_value_t = ExplainFormat::Text)]
    pub output: ExplainFormat,
    /// Exit 1 when denied (as `git diff --exit-code`, `kubectl auth can-i`):
    /// some port of --port is denied, or without --port nothing is allowed.
    #[arg(long)]
    pub exit_code: bool,
}

/// `reach -o`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReachFormat {
    /// A readable table.
    Text,
    /// Stable schema `blastradius.reach/v1` (see README).
    Json,
    /// `src,dst,conn`, as np-guard writes it.
    Csv,
    /// A Markdown table, as np-guard writes it.
    Md,
    /// Graphviz, one cluster per namespace.
    Dot,
    /// np-guard netpol-analyzer's line format.
    Connlist,
}

/// `chokepoints -o`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ChokeFormat {
    Text,
    Json,
}

/// `--level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Level {
    /// One entity per workload (`ns/name[Kind]`); bare pods as `[Pod]`.
    Workload,
    /// One entity per pod manifest or pod template.
    Pod,
    /// One entity per namespace: the shape of a cluster too large to list by workload.
    Namespace,
}

/// `diff --fail-on`: gate conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// A connection was added or gained ports.
    Added,
    /// A connection was removed or lost ports.
    Removed,
    /// Some workload's blast radius grew (a new workload: it is above 0).
    BlastIncrease,
    /// Some workload reaches a crown jewel it could not reach before.
    NewTargetPath,
}

impl From<Level> for crate::engine::view::Level {
    fn from(l: Level) -> Self {
        match l {
            Level::Workload => crate::engine::view::Level::Workload,
            Level::Pod => crate::engine::view::Level::Pod,
            Level::Namespace => crate::engine::view::Level::Namespace,
        }
    }
}

impl From<FailOn> for crate::review::diff::FailOn {
    fn from(f: FailOn) -> Self {
        use crate::review::diff::FailOn as F;
        match f {
            FailOn::Added => F::Added,
            FailOn::Removed => F::Removed,
            FailOn::BlastIncrease => F::BlastIncrease,
            FailOn::NewTargetPath => F::NewTargetPath,
        }
    }
}

impl FailOn {
    /// The name `--fail-on` takes.
    pub fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }
}

impl From<ReachFormat> for Format {
    fn from(f: ReachFormat) -> Self {
        match f {
            ReachFormat::Text => Format::Text,
            ReachFormat::Json => Format::Json,
            ReachFormat::Csv => Format::Csv,
            ReachFormat::Md => Format::Md,
            ReachFormat::Dot => Format::Dot,
            ReachFormat::Connlist => Format::Connlist,
        }
    }
}

impl From<ExplainFormat> for Format {
    fn from(f: ExplainFormat) -> Self {
        match f {
            ExplainFormat::Text => Format::Text,
            ExplainFormat::Json => Format::Json,
        }
    }
}

impl From<ChokeFormat> for Format {
    fn from(f: ChokeFormat) -> Self {
        match f {
            ChokeFormat::Text => Format::Text,
            ChokeFormat::Json => Format::Json,
        }
    }
}

impl From<SimFormat> for Format {
    fn from(f: SimFormat) -> Self {
        match f {
            SimFormat::Text => Format::Text,
            SimFormat::Json => Format::Json,
            SimFormat::Md => Format::Md,
        }
    }
}
