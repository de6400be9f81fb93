//! From flags to library inputs: read and compile the manifests (with -v
//! timings), build options, resolve `--from`/`--to`/`--target` names.

use crate::attack::graph::{SimOptions, Target};
use crate::cli::args::{AttackArgs, Compat, InputArgs, InputOpts, IpBlockPods};
use crate::cli::error::CliError;
use crate::cli::print::err_line;
use crate::engine::budget::MemBudget;
use crate::engine::explain::Endpoint;
use crate::engine::reach::{ReachOptions, Reachability};
use crate::engine::view::Entity;
use crate::input::{load_paths, LoadOptions};
use crate::model::domain;
use crate::model::error::PodLookupError;
use crate::model::ports::parse_port_list;
use crate::model::{Cluster, Pod};
use crate::util::text::count;
use crate::util::text::{closest, is_typo_of, path_text, place, ticked};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

/// Starting point of a simulation: its name and the pods held (index, count).
pub type Held = (String, Vec<(usize, u64)>);

impl AttackArgs {
    pub fn sim_options(&self) -> Result<SimOptions, CliError> {
        Ok(SimOptions {
            max_hops: self.max_hops,
            via: self
                .via
                .as_deref()
                .map(parse_port_list)
                .transpose()
                .map_err(|e| CliError::flag("via", e))?,
            listening_only: self.ports_listening_only,
        })
    }

    pub fn targets(&self) -> Result<Vec<Target>, CliError> {
        self.target
            .iter()
            .map(|t| Target::parse(t).map_err(|e| CliError::flag("target", e)))
            .collect()
    }
}

impl InputOpts {
    pub fn load_options(&self) -> LoadOptions {
        let base = match self.compat {
            Some(Compat::NpGuard) => LoadOptions::np_guard(),
            None => LoadOptions::default(),
        };
        LoadOptions {
            lenient_cidr: self.lenient_cidr || base.lenient_cidr,
            include_terminal_pods: self.include_terminal_pods || base.include_terminal_pods,
            host_network_as_pods: self.host_network_as_pods || base.host_network_as_pods,
            lenient_names: self.lenient_names || base.lenient_names,
            strict: self.strict,
            keep_replicaset_names: base.keep_replicaset_names,
            np_guard_quirks: base.np_guard_quirks,
            follow_links: self.follow_links,
            exclude: self.exclude.clone(),
        }
    }

    pub fn reach_options(&self) -> ReachOptions {
        match self.compat {
            Some(Compat::NpGuard) => ReachOptions::np_guard(),
            None => ReachOptions {
                ipblock_pods: self.ipblock_pods == IpBlockPods::Match,
            },
        }
    }
}

impl InputArgs {
    pub fn reach_options(&self) -> ReachOptions {
        self.opts.reach_options()
    }
}

pub fn load(input: &InputArgs) -> Result<Cluster, CliError> {
    timed(input.opts.verbose, "load", || {
        load_with(&input.paths, &input.opts)
    })
}

/// Run a phase, with a progress line on a terminal when it takes over a
/// second; with -v, say how long it took on stderr.
pub fn timed<T>(verbose: bool, what: &str, f: impl FnOnce() -> T) -> T {
    let t = std::time::Instant::now();
    let r = crate::cli::progress::phase(what, f);
    if verbose {
        err_line(format_args!("{what}: {:.3} s", t.elapsed().as_secs_f64()));
    }
    r
}

/// [`compile`], and a warning when some connection is ambiguous (CNP-4):
/// the attack model and every count take it as reachable.
pub fn compile_for_attack(cluster: &Cluster, input: &InputArgs) -> Result<Reachability, CliError> {
    let r = compile(cluster, input)?;
    if r.has_ambiguity() {
        err_line(format_args!(
            "warning: some connections are ambiguous: cluster policies of one tier and priority disagree and the implementation may apply either (CNP-4); they are counted as reachable, the worst case (`reach` marks them, `explain` names the candidates)"
        ));
    }
    Ok(r)
}

/// The memory guard's budget: `BLASTRADIUS_MEMORY_BUDGET` (bytes, or
/// with a K, M or G suffix), else half the memory available.
pub fn memory_budget() -> Result<MemBudget, CliError> {
    match std::env::var("BLASTRADIUS_MEMORY_BUDGET") {
        Ok(v) => parse_bytes(&v).map(MemBudget).ok_or_else(|| {
            CliError::Usage(format!(
                "BLASTRADIUS_MEMORY_BUDGET: `{v}` is not a size: write bytes, or a number with K, M or G (e.g. 2G)"
            ))
        }),
        Err(_) => Ok(MemBudget(crate::input::available_memory() / 2)),
    }
}

fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, shift) = match s.char_indices().last()? {
        (i, 'K' | 'k') => (&s[..i], 10),
        (i, 'M' | 'm') => (&s[..i], 20),
        (i, 'G' | 'g') => (&s[..i], 30),
        _ => (s, 0),
    };
    num.trim().parse::<u64>().ok()?.checked_mul(1u64 << shift)
}

/// Build the attack graph, refused first when its stored entries (one per
/// connected pair of row and column keys) would not fit the memory budget;
/// with -v, its time and size.
pub fn attack_graph<'a>(
    cluster: &'a Cluster,
    reach: &'a Reachability,
    opts: &crate::attack::graph::SimOptions,
    verbose: bool,
) -> Result<crate::attack::graph::AttackGraph<'a>, CliError> {
    use crate::attack::graph::AttackGraph;
    memory_budget()?
        .check(
            "the attack graph",
            reach.class_count(),
            AttackGraph::estimated_bytes(reach),
        )
        .map_err(CliError::TooLarge)?;
    let g = timed(verbose, "attack graph", || {
        AttackGraph::build(cluster, reach, opts)
    });
    if verbose {
        let (rows, buckets) = g.edges.shape();
        err_line(format_args!(
            "attack graph: {} groups, {} edges stored as {} entries ({} rows × {} buckets)",
            g.groups.len(),
            g.edges.edge_count(),
            g.edges.entry_count(),
            rows,
            buckets
        ));
    }
    Ok(g)
}

/// Compile within the memory budget, with the timing and matrix lines of -v.
pub fn compile(cluster: &Cluster, input: &InputArgs) -> Result<Reachability, CliError> {
    let budget = memory_budget()?;
    let r = timed(input.opts.verbose, "compile", || {
        Reachability::compile_within(cluster, &input.reach_options(), budget)
    })
    .map_err(CliError::TooLarge)?;
    if input.opts.verbose {
        err_line(format_args!(
            "matrix: {} pods in {} classes ({} row × {} column keys), {} source and {} destination IP ranges, {} distinct port sets",
            cluster.pod_count(),
            r.class_count(),
            r.key_counts().0,
            r.key_counts().1,
            r.ext_src.len(),
            r.ext_dst.len(),
            r.distinct_conn_sets()
        ));
    }
    Ok(r)
}

pub fn load_with(paths: &[PathBuf], input: &InputOpts) -> Result<Cluster, CliError> {
    loaded(paths, input, load_paths(paths, &input.load_options()))
}

/// Two inputs loaded at once (each on its own core), then told about in
/// order as [`load_with`] tells: the first one's warnings, then the
/// second's; the first one's error if both fail.
pub fn load_two(
    first: &[PathBuf],
    second: &[PathBuf],
    input: &InputOpts,
) -> Result<(Cluster, Cluster), CliError> {
    let opts = input.load_options();
    let (a, b) = rayon::join(|| load_paths(first, &opts), || load_paths(second, &opts));
    let a = loaded(first, input, a)?;
    let b = loaded(second, input, b)?;
    Ok((a, b))
}

/// What [`load_with`] says of a loaded input (warnings, `-v` listings,
/// kinds not evaluated), and the empty-input refusal.
fn loaded(
    paths: &[PathBuf],
    input: &InputOpts,
    cluster: Result<Cluster, crate::input::LoadErrors>,
) -> Result<Cluster, CliError> {
    let cluster = cluster?;
    let empty =
        cluster.pods.is_empty() && cluster.policies.is_empty() && cluster.namespaces.is_empty();
    for w in &cluster.warnings {
        // The loader's note on an empty input is this function's error.
        if empty && !input.allow_empty && w.starts_with("no ") && w.contains(" in the input") {
            continue;
        }
        err_line(format_args!("warning: {w}"));
    }
    if input.verbose {
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for s in &cluster.skipped {
            *kinds.entry(s.kind.as_str()).or_default() += 1;
        }
        let total: usize = kinds.values().sum();
        let list: Vec<String> = kinds
            .iter()
            .map(|(k, n)| format!("{} {n}", place(k)))
            .collect();
        err_line(format_args!(
            "skipped {}: {}",
            count(total, "object", "objects"),
            if list.is_empty() {
                "none".into()
            } else {
                list.join(", ")
            }
        ));
        for s in &cluster.skipped {
            err_line(format_args!(
                "  skipped {} {} ({}): {}",
                place(&s.kind),
                place(&s.name),
                s.origin,
                s.reason
            ));
        }
    }
    report_not_read(&cluster, input.verbose);
    report_unevaluated(&cluster, input.fail_on_unevaluated);
    if empty && !input.allow_empty {
        let names: Vec<String> = paths
            .iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    "<stdin>".to_string()
                } else {
                    path_text(p)
                }
            })
            .collect();
        let n = cluster.skipped.len();
        let found = if n == 0 {
            "no Kubernetes objects in the input".to_string()
        } else {
            format!(
                "no pods, workloads, namespaces or policies in the input, only {n} other object{} (-v lists {})",
                if n == 1 { "" } else { "s" },
                if n == 1 { "it" } else { "them" }
            )
        };
        return Err(CliError::Usage(format!(
            "{}: {found}: nothing to analyse, so no check can pass on it (the wrong folder, or manifests not rendered yet?); --allow-empty accepts an empty input",
            names.join(", ")
        )));
    }
    Ok(cluster)
}

/// Documents and folders that are not manifests: a count always, each
/// with `-v`.
fn report_not_read(cluster: &Cluster, verbose: bool) {
    let n = cluster.not_read.len();
    if n == 0 {
        return;
    }
    let docs = cluster
        .not_read
        .iter()
        .filter(|(_, why)| why.starts_with("not a Kubernetes object"))
        .count();
    let mut parts = Vec::new();
    if docs > 0 {
        parts.push(format!(
            "{docs} YAML/JSON document{} (kustomization.yaml, Chart.yaml, values.yaml, CI workflows, …)",
            if docs == 1 { " that is not a Kubernetes object" } else { "s that are not Kubernetes objects" },
        ));
    }
    if n > docs {
        parts.push(format!(
            "{} path{} left out (--exclude, the tool's own output)",
            n - docs,
            if n - docs == 1 { "" } else { "s" }
        ));
    }
    err_line(format_args!(
        "note: skipped {}{}",
        parts.join(" and "),
        if verbose { ":" } else { " (-v lists them)" }
    ));
    if verbose {
        for (place_, why) in &cluster.not_read {
            err_line(format_args!("  skipped {}: {why}", place(place_)));
        }
    }
}

/// Set once some input held policy kinds that are not evaluated and
/// `--fail-on-unevaluated` was given: the run then ends with exit 1.
static UNEVALUATED_GATE: AtomicBool = AtomicBool::new(false);

/// Whether `--fail-on-unevaluated` found policy kinds it does not evaluate.
pub fn unevaluated_gate_failed() -> bool {
    UNEVALUATED_GATE.load(Ordering::Relaxed)
}

/// Say on stderr, always, which policy kinds of other implementations
/// (Cilium, Calico, Antrea, …) were read but not evaluated, per kind: the
/// connections they block are shown as allowed.
fn report_unevaluated(cluster: &Cluster, gate: bool) {
    let mut kinds: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for s in cluster.skipped.iter().filter(|s| s.unevaluated_policy) {
        *kinds.entry((s.kind.as_str(), s.api.as_str())).or_default() += 1;
    }
    for ((kind, api), n) in &kinds {
        let (objects, they) = if *n == 1 {
            ("object was", "it blocks")
        } else {
            ("objects were", "they block")
        };
        err_line(format_args!(
            "warning: {n} {} ({}) {objects} not evaluated: connections {they} are shown as allowed (only Kubernetes NetworkPolicy and the network-policy-api kinds are evaluated){}",
            place(kind),
            place(api),
            if gate { "" } else { "; --fail-on-unevaluated makes this exit 1" }
        ));
    }
    if gate && !kinds.is_empty() {
        UNEVALUATED_GATE.store(true, Ordering::Relaxed);
    }
}

/// Resolve `--from`/`--to`: an IP, or a pod/workload (its first pod).
pub fn endpoint(cluster: &Cluster, spec: &str, flag: &'static str) -> Result<Endpoint, CliError> {
    if let Ok(ip) = spec.parse::<IpAddr>() {
        return Ok(Endpoint::Ip(ip));
    }
    if let Some(name) = spec.strip_prefix("dns:") {
        if flag != "to" {
            return Err(CliError::flag(
                flag,
                format!("`{spec}`: a named destination is only ever a destination: it has no pods and sends nothing the policies see (CNP-12)"),
            ));
        }
        if !domain::valid(name) {
            return Err(CliError::flag(
                flag,
                format!("`{spec}`: not a domain name; give one like `dns:api.example.com` or `dns:*.example.com` (CNP-12)"),
            ));
        }
        return Ok(Endpoint::Domain(domain::canonical(name)));
    }
    let pods = find_pods(cluster, spec, flag)?;
    let (first, pod) = first_pod(cluster, &pods)
        .ok_or_else(|| CliError::flag(flag, format!("no pod or workload `{spec}`")))?;
    let name = if pod.workload.kind == "Pod" || pod.workload.name != pod.name {
        format!("{}[Pod]", pod.id())
    } else {
        pod.workload.to_string()
    };
    if pods.len() > 1 {
        err_line(format_args!(
            "note: --{flag} {spec} matches {} pod entries; explaining {}",
            pods.len(),
            pod.id()
        ));
    }
    Ok(Endpoint::Pod(first, name))
}

/// `-n NS`: refused (exit 2) when NS is no namespace of the input, with the
/// closest names that are (did-you-mean).
pub fn check_namespace(cluster: &Cluster, ns: &str) -> Result<(), CliError> {
    if cluster.pods.iter().any(|p| p.namespace == ns) || cluster.namespace(ns).is_some() {
        return Ok(());
    }
    let mut names: Vec<&str> = cluster
        .pods
        .iter()
        .map(|p| p.namespace.as_str())
        .chain(cluster.namespaces.iter().map(|n| n.name.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    let hint = did_you_mean(ns, names.iter().copied());
    Err(CliError::flag(
        "namespace",
        format!("no namespace `{ns}` in the input{hint}"),
    ))
}

/// The workloads an attack command starts from (`chokepoints`, `report`):
/// every one, or with `-n NS` those of NS, which must hold a pod.
pub fn start_entities(
    cluster: &Cluster,
    entities: Vec<Entity>,
    ns: Option<&str>,
) -> Result<Vec<Entity>, CliError> {
    let Some(ns) = ns else {
        return Ok(entities);
    };
    check_namespace(cluster, ns)?;
    let kept: Vec<Entity> = entities
        .into_iter()
        .filter(|e| e.namespace == ns && e.replicas > 0)
        .collect();
    if kept.is_empty() {
        return Err(CliError::flag(
            "namespace",
            format!("namespace `{ns}` holds no pod to start from (-A starts from every namespace)"),
        ));
    }
    Ok(kept)
}

/// `-n NS`: a bare name (`web`) is `NS/web`; `ns/name`, `ns/name[Kind]`
/// and IP addresses are kept as they are.
pub fn in_namespace(spec: &str, ns: Option<&str>) -> String {
    match ns {
        Some(ns)
            if !spec.contains('/')
                && !spec.starts_with("dns:")
                && spec.parse::<IpAddr>().is_err() =>
        {
            format!("{ns}/{spec}")
        }
        _ => spec.to_string(),
    }
}

/// Pods held for `--from SRC`: one pod of the first matching entry.
pub fn held_from(cluster: &Cluster, spec: &str) -> Result<Held, CliError> {
    let pods = find_pods(cluster, spec, "from")?;
    let (p, pod) = first_pod(cluster, &pods)
        .ok_or_else(|| CliError::flag("from", format!("no pod or workload `{spec}`")))?;
    Ok((pod.workload.to_string(), vec![(p, 1)]))
}

/// [`Cluster::find_pods`], and for a name that matches nothing the closest
/// workload and pod names that exist (did-you-mean).
fn find_pods(cluster: &Cluster, spec: &str, flag: &'static str) -> Result<Vec<usize>, CliError> {
    cluster.find_pods(spec).map_err(|e| {
        let hint = match e {
            PodLookupError::NotFound { .. } => {
                let names = pod_names(cluster, spec.ends_with(']'));
                did_you_mean(spec, names.iter().map(String::as_str))
            }
            PodLookupError::Ambiguous { .. } => String::new(),
        };
        CliError::flag(flag, format!("{e}{hint}"))
    })
}

/// Names `--from`/`--to` take: `ns/name` of workloads and pods, or with
/// `[Kind]` as `reach` prints them.
fn pod_names(cluster: &Cluster, with_kind: bool) -> Vec<String> {
    let mut names: Vec<String> = cluster
        .pods
        .iter()
        .flat_map(|p| {
            if with_kind {
                [p.workload.to_string(), format!("{}[Pod]", p.id())]
            } else {
                [format!("{}/{}", p.namespace, p.workload.name), p.id()]
            }
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// `; did you mean a, b or c?` with the three closest candidates, or nothing.
fn did_you_mean<'a>(want: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let mut near = closest(want, candidates, 3);
    near.retain(|c| is_typo_of(want, c));
    match near.as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [init @ .., last] => format!("; did you mean {} or {last}?", init.join(", ")),
    }
}

/// Every `key=value` label of the pods of these clusters, sorted, once.
fn pod_labels(clusters: &[&Cluster]) -> Vec<String> {
    let set: std::collections::BTreeSet<String> = clusters
        .iter()
        .flat_map(|c| &c.pods)
        .flat_map(|p| p.labels.iter().map(|(k, v)| format!("{k}={v}")))
        .collect();
    set.into_iter().collect()
}

/// Refuse a `--target` that matches no pod (of either side, for `diff`): a
/// typo would otherwise make `--fail-on new-target-path` pass for ever.
pub fn check_targets(clusters: &[&Cluster], targets: &[Target]) -> Result<(), CliError> {
    for t in targets {
        let matched = clusters
            .iter()
            .flat_map(|c| &c.pods)
            .any(|p| t.selector.matches(&p.labels));
        if !matched {
            let labels = pod_labels(clusters);
            let mut near = closest(&t.text, labels.iter().map(String::as_str), 3);
            let typo = near.iter().any(|c| is_typo_of(&t.text, c));
            if typo {
                near.retain(|c| is_typo_of(&t.text, c));
            }
            let side = if clusters.len() > 1 {
                " on either side"
            } else {
                ""
            };
            let hint = match (near.as_slice(), typo) {
                ([], _) => " (no pod has labels)".to_string(),
                (_, true) => did_you_mean(&t.text, near.iter().copied()),
                (_, false) => format!("; the closest labels that exist: {}", near.join(", ")),
            };
            return Err(CliError::flag(
                "target",
                format!("{} matches no pod{side}{hint}", ticked(&t.text)),
            ));
        }
    }
    Ok(())
}

/// The first of the pod indices [`Cluster::find_pods`] returned, with its pod
/// (`find_pods` never returns an empty list, but do not rely on it).
fn first_pod<'c>(cluster: &'c Cluster, pods: &[usize]) -> Option<(usize, &'c Pod)> {
    let &i = pods.first()?;
    cluster.pods.get(i).map(|p| (i, p))
}

/// A name for the input, for titles and the default report folder.
pub fn input_name(paths: &[PathBuf]) -> String {
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
