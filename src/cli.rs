//! Argument parsing and dispatch only: parse, call the library, print,
//! choose the exit code (0 success, 1 a check failed, 2 bad input or usage).

use crate::explain::{explain, Endpoint};
use crate::load::{load_paths, LoadOptions};
use crate::model::Cluster;
use crate::ports::{parse_port_list, ConnSet};
use crate::reach::{ReachOptions, Reachability};
use crate::render::{render, Format};
use crate::view::{ConnView, Level};
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
    /// Say what was skipped (other kinds, terminal pods) on stderr.
    #[arg(short, long)]
    pub verbose: bool,
}

impl InputArgs {
    fn load_options(&self) -> LoadOptions {
        LoadOptions {
            lenient_cidr: self.lenient_cidr,
            include_terminal_pods: self.include_terminal_pods,
            host_network_as_pods: self.host_network_as_pods,
            lenient_names: self.lenient_names,
        }
    }

    fn reach_options(&self) -> ReachOptions {
        ReachOptions {
            ipblock_pods: self.ipblock_pods == IpBlockPods::Match,
        }
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
    let cluster =
        load_paths(&input.paths, &input.load_options()).map_err(|e| Failure(e.to_string()))?;
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
    let reach = Reachability::compile(&cluster, &a.input.reach_options());
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
    let first = pods[0];
    let pod = &cluster.pods[first];
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
