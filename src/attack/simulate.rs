//! Attacker lateral movement over the reachability graph (petgraph).
//!
//! Model: an attacker holding a pod can open every connection the matrix
//! allows from it; reaching a pod on an allowed port compromises it; spread
//! goes in rounds (hops) until nothing new is reached or `max_hops`.
//! The graph is built from the [`Reachability`] value only: policies are
//! never re-evaluated here.

use crate::engine::reach::{ConnTable, Reachability, EMPTY};
use crate::model::ports::ConnSet;
use crate::model::selector::Selector;
use crate::model::{Cluster, Pod};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Knobs of the attacker model.
#[derive(Clone, Debug, Default)]
pub struct SimOptions {
    /// Stop after this many hops (None: until nothing new is reached).
    pub max_hops: Option<usize>,
    /// Only these protocol/ports carry the attack (None: every allowed port).
    pub via: Option<ConnSet>,
    /// An edge counts only on ports the destination declares as containerPorts.
    pub listening_only: bool,
}

/// Pods that are interchangeable for the attacker: same class and, with
/// `listening_only`, the same declared ports.
#[derive(Clone, Debug)]
pub struct Group {
    pub class: usize,
    pub pods: Vec<usize>,
    pub replicas: u64,
}

/// The attack graph: nodes are groups, an edge a → b carries the
/// connections pods of `a` may open to pods of `b` (a self-edge means pods of
/// the group reach each other).
pub struct AttackGraph<'a> {
    pub cluster: &'a Cluster,
    pub reach: &'a Reachability,
    pub options: SimOptions,
    pub groups: Vec<Group>,
    pub pod_group: Vec<usize>,
    /// Edge weights are ids into `conns`.
    pub graph: DiGraph<usize, u32>,
    pub conns: ConnTable,
    /// Per group: the external destination atoms it may reach, with ports.
    pub exfil: Vec<Vec<(usize, ConnSet)>>,
}

impl<'a> AttackGraph<'a> {
    pub fn build(
        cluster: &'a Cluster,
        reach: &'a Reachability,
        options: &SimOptions,
    ) -> AttackGraph<'a> {
        // Pods with different exploitability annotations must not share a
        // group: the Monte Carlo spread draws per group.
        let mut key_to_group: HashMap<(usize, Option<ConnSet>, Option<u64>), usize> =
            HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut pod_group = Vec::with_capacity(cluster.pods.len());
        // `reach` is compiled from `cluster`: one class per pod.
        for (i, (pod, &c)) in cluster.pods.iter().zip(&reach.pod_class).enumerate() {
            let listening = options.listening_only.then(|| {
                pod.ports.iter().fold(ConnSet::empty(), |acc, p| {
                    acc.union(&ConnSet::port(p.protocol, p.port))
                })
            });
            let annotated = pod.exploitability.map(f64::to_bits);
            let g = *key_to_group
                .entry((c, listening, annotated))
                .or_insert_with(|| {
                    groups.push(Group {
                        class: c,
                        pods: Vec::new(),
                        replicas: 0,
                    });
                    groups.len() - 1
                });
            if let Some(grp) = groups.get_mut(g) {
                grp.pods.push(i);
                grp.replicas += u64::from(pod.replicas);
            }
            pod_group.push(g);
        }
        // What may carry the attack into each group, interned locally.
        let mut table = ConnTable::new();
        let entry: Vec<u32> = groups
            .iter()
            .map(|g| {
                let mut e = options.via.clone().unwrap_or_else(ConnSet::all);
                if options.listening_only {
                    let ports = g
                        .pods
                        .first()
                        .and_then(|&p| cluster.pods.get(p))
                        .map_or(&[][..], |pod| &pod.ports);
                    let l = ports.iter().fold(ConnSet::empty(), |acc, p| {
                        acc.union(&ConnSet::port(p.protocol, p.port))
                    });
                    e = e.intersect(&l);
                }
                table.intern(e)
            })
            .collect();
        let mut local: Vec<Option<u32>> = vec![None; reach.distinct_conn_sets()];
        let mut graph = DiGraph::with_capacity(groups.len(), groups.len());
        let nodes: Vec<NodeIndex> = (0..groups.len()).map(|g| graph.add_node(g)).collect();
        for (ga, &na) in groups.iter().zip(&nodes) {
            for ((gb, &nb), &entry_b) in groups.iter().zip(&nodes).zip(&entry) {
                let id = reach.class_id(ga.class, gb.class);
                if id == EMPTY {
                    continue;
                }
                let lid = match local.get_mut(id as usize) {
                    Some(slot) => *slot.get_or_insert_with(|| table.intern(reach.conn(id).clone())),
                    None => table.intern(reach.conn(id).clone()),
                };
                let w = table.intersect(lid, entry_b);
                if w != EMPTY {
                    graph.add_edge(na, nb, w);
                }
            }
        }
        let via = options.via.clone().unwrap_or_else(ConnSet::all);
        let exfil = groups
            .iter()
            .map(|g| {
                reach
                    .ext_dst
                    .iter()
                    .enumerate()
                    .filter(|(_, atom)| !atom.v6 || reach.ipv6_in_use)
                    .filter_map(|(x, _)| {
                        let c = reach.class_to_ext(g.class, x).intersect(&via);
                        (!c.is_empty()).then_some((x, c))
                    })
                    .collect()
            })
            .collect();
        AttackGraph {
            cluster,
            reach,
            options: options.clone(),
            groups,
            pod_group,
            graph,
            conns: table,
            exfil,
        }
    }

    /// Workload name (`ns/name[Kind]`) of a group, by its first pod (empty
    /// for a group that does not exist).
    pub fn group_name(&self, g: usize) -> String {
        self.group_pod(g)
            .map(|p| p.workload.to_string())
            .unwrap_or_default()
    }

    /// The first pod of a group.
    fn group_pod(&self, g: usize) -> Option<&Pod> {
        let &p = self.groups.get(g)?.pods.first()?;
        self.cluster.pods.get(p)
    }

    /// Spread from a set of held pods, each counted as `held` pods (one pod
    /// of a workload by default). Pod indices outside the cluster are ignored.
    pub fn spread(&self, held: &[(usize, u64)]) -> Spread {
        let ng = self.groups.len();
        let mut held_in: Vec<u64> = vec![0; ng];
        let mut held_pods = Vec::with_capacity(held.len());
        for &(p, n) in held {
            let Some(&g) = self.pod_group.get(p) else {
                continue;
            };
            if let (Some(h), Some(grp)) = (held_in.get_mut(g), self.groups.get(g)) {
                *h = (*h + n).min(grp.replicas);
            }
            held_pods.push(p);
        }
        // hop at which the whole group is compromised
        let mut hop: Vec<Option<usize>> = held_in
            .iter()
            .zip(&self.groups)
            .map(|(&n, grp)| (n > 0 && n >= grp.replicas).then_some(0))
            .collect();
        let mut parent: Vec<Option<(usize, u32)>> = vec![None; ng];
        let mut held_parent: Vec<Option<(usize, u32)>> = vec![None; ng];
        let mut active: Vec<bool> = held_in.iter().map(|&n| n > 0).collect();
        let mut frontier: Vec<usize> = active
            .iter()
            .enumerate()
            .filter(|(_, &on)| on)
            .map(|(g, _)| g)
            .collect();
        let mut h = 0;
        while !frontier.is_empty() && self.options.max_hops.is_none_or(|m| h < m) {
            h += 1;
            let mut next = Vec::new();
            for &a in &frontier {
                for e in self.graph.edges(NodeIndex::new(a)) {
                    // Graph nodes are the groups, so `b` < ng: these lookups
                    // always succeed.
                    let b = e.target().index();
                    let Some(hop_b) = hop.get_mut(b) else {
                        continue;
                    };
                    if hop_b.is_some() {
                        continue;
                    }
                    *hop_b = Some(h);
                    // Held groups are path roots: their parent is kept
                    // apart so that paths through them stay short.
                    let via = if held_in.get(b).is_some_and(|&n| n > 0) {
                        held_parent.get_mut(b)
                    } else {
                        parent.get_mut(b)
                    };
                    if let Some(via) = via {
                        *via = Some((a, *e.weight()));
                    }
                    if let Some(on) = active.get_mut(b) {
                        if !*on {
                            *on = true;
                            next.push(b);
                        }
                    }
                }
            }
            frontier = next;
        }
        Spread {
            held_in,
            held_pods,
            hop,
            parent,
            held_parent,
            active,
        }
    }
}

/// The raw result of one spread, per group.
#[derive(Clone, Debug)]
pub struct Spread {
    /// Pods held at the start, per group.
    pub held_in: Vec<u64>,
    /// The held pod entries.
    pub held_pods: Vec<usize>,
    /// Hop at which every pod of the group is compromised.
    pub hop: Vec<Option<usize>>,
    /// The group, and the connections (an id into `AttackGraph::conns`),
    /// that first reached it.
    pub parent: Vec<Option<(usize, u32)>>,
    /// For held groups: what first reached their other pods.
    pub held_parent: Vec<Option<(usize, u32)>>,
    /// Groups whose capabilities the attacker has (held or reached).
    pub active: Vec<bool>,
}

impl Spread {
    /// Pods compromised beyond the held ones: the blast radius.
    pub fn blast_radius(&self, g: &AttackGraph) -> u64 {
        self.hop
            .iter()
            .zip(&self.held_in)
            .zip(&g.groups)
            .filter(|((h, _), _)| h.is_some())
            .map(|((_, &held), grp)| grp.replicas.saturating_sub(held))
            .sum()
    }
}

/// One hop of a simulation.
#[derive(Clone, Debug)]
pub struct HopStat {
    pub hop: usize,
    pub new_pods: u64,
    pub pods: u64,
    pub workloads: usize,
    pub namespaces: usize,
    pub fraction: f64,
    pub new_workloads: Vec<String>,
    /// New pods at this hop per namespace.
    pub new_by_namespace: BTreeMap<String, u64>,
}

#[derive(Clone, Debug)]
pub struct ReachedWorkload {
    pub workload: String,
    pub hop: usize,
    /// `a -[TCP 8080]-> b -[TCP 5432]-> c`
    pub path: String,
}

#[derive(Clone, Debug)]
pub struct TargetResult {
    pub selector: String,
    /// Workloads the selector matches.
    pub matches: Vec<String>,
    pub hop: Option<usize>,
    pub workload: Option<String>,
    pub path: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Exfil {
    pub range: String,
    pub hop: usize,
    pub from: String,
    pub conns: String,
}

/// Everything a report needs about one starting point.
#[derive(Clone, Debug)]
pub struct SimResult {
    pub start: String,
    pub start_pods: u64,
    pub total_pods: u64,
    pub blast_radius: u64,
    pub blast_fraction: f64,
    pub hops: Vec<HopStat>,
    pub reached: Vec<ReachedWorkload>,
    pub targets: Vec<TargetResult>,
    pub exfiltration: Vec<Exfil>,
}

/// A label selector with a display form, for `--target`.
#[derive(Clone, Debug)]
pub struct Target {
    pub text: String,
    pub selector: Selector,
}

/// A `--target` that is not a label selector (the selector parser's text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TargetError(pub String);

impl Target {
    pub fn parse(s: &str) -> Result<Target, TargetError> {
        Ok(Target {
            text: s.to_string(),
            selector: Selector::parse(s).map_err(TargetError)?,
        })
    }
}

fn short(c: &ConnSet) -> String {
    if c.is_all() {
        return "any".into();
    }
    let s = c.to_connlist();
    if s.len() <= 24 {
        return s;
    }
    match c.first() {
        Some((p, port)) => format!("{p} {port},…"),
        None => s,
    }
}

/// Workload-level name without the kind: `ns/name`.
fn plain(name: &str) -> &str {
    name.split('[').next().unwrap_or(name)
}

impl AttackGraph<'_> {
    /// The shortest path to group `g`, the last step named `last` (the
    /// workload asked about) when given.
    fn path_to(&self, s: &Spread, mut g: usize, last: Option<&str>) -> String {
        let end = last
            .map(|l| plain(l).to_string())
            .unwrap_or_else(|| plain(&self.group_name(g)).to_string());
        if s.held_in.get(g).is_some_and(|&n| n > 0) {
            // A held group: its other pods were reached from `a` (possibly
            // itself), which is the start or on a path from it.
            return match s.held_parent.get(g).copied().flatten() {
                Some((a, c)) => {
                    let from = if a == g {
                        self.held_name(s, g).map_or_else(
                            || plain(&self.group_name(g)).to_string(),
                            |n| plain(&n).to_string(),
                        )
                    } else {
                        self.path_to(s, a, None)
                    };
                    format!("{from} -[{}]-> {end}", short(self.conns.get(c)))
                }
                None => end,
            };
        }
        let mut steps: Vec<(usize, Option<u32>)> = vec![(g, None)];
        let mut guard = 0;
        while let Some(&Some((p, c))) = s.parent.get(g) {
            steps.push((p, Some(c)));
            if p == g || guard > self.groups.len() {
                break;
            }
            g = p;
            guard += 1;
        }
        steps.reverse();
        // steps: [(start, conn into next), ..., (target, None)]
        let mut out = String::new();
        // The connection out of the previous step (None before the first).
        let mut prev_conn: Option<Option<u32>> = None;
        for (i, &(grp, conn)) in steps.iter().enumerate() {
            if let Some(prev) = prev_conn {
                let c = prev.map(|id| short(self.conns.get(id))).unwrap_or_default();
                out.push_str(&format!(" -[{c}]-> "));
            }
            prev_conn = Some(conn);
            if i + 1 == steps.len() {
                out.push_str(&end);
            } else if s.held_in.get(grp).is_some_and(|&n| n > 0) {
                out.push_str(plain(
                    &self
                        .held_name(s, grp)
                        .unwrap_or_else(|| self.group_name(grp)),
                ));
            } else {
                out.push_str(plain(&self.group_name(grp)));
            }
        }
        out
    }

    /// The workload of the first held pod in group `g`.
    fn held_name(&self, s: &Spread, g: usize) -> Option<String> {
        s.held_pods
            .iter()
            .find(|&&p| self.pod_group.get(p) == Some(&g))
            .and_then(|&p| self.cluster.pods.get(p))
            .map(|pod| pod.workload.to_string())
    }

    /// Full result for one starting point.
    pub fn simulate(&self, start: &str, held: &[(usize, u64)], targets: &[Target]) -> SimResult {
        let s = self.spread(held);
        let total_pods = self.cluster.pod_count();
        let start_pods: u64 = s.held_in.iter().sum();
        let max_hop = s.hop.iter().flatten().copied().max().unwrap_or(0);
        let mut hops = Vec::new();
        let mut seen_wl: BTreeSet<String> = BTreeSet::new();
        let mut seen_ns: BTreeSet<String> = BTreeSet::new();
        let mut cumulative = 0u64;
        for h in 0..=max_hop {
            let mut new_pods = 0;
            let mut new_workloads = Vec::new();
            let mut new_by_namespace: BTreeMap<String, u64> = BTreeMap::new();
            let per_group = self.groups.iter().zip(&s.hop).zip(&s.held_in);
            for (g, ((grp, &hop_g), &held_g)) in per_group.enumerate() {
                let n = match (h, hop_g) {
                    (0, _) => held_g,
                    (h, Some(x)) if x == h => grp.replicas - held_g,
                    _ => 0,
                };
                if n == 0 && !(h == 0 && held_g > 0) {
                    continue;
                }
                new_pods += n;
                // At hop 0 only the held pods; later the whole group.
                let pods: Vec<usize> = if h == 0 {
                    s.held_pods
                        .iter()
                        .copied()
                        .filter(|&p| self.pod_group.get(p) == Some(&g))
                        .collect()
                } else {
                    grp.pods.clone()
                };
                for pod in pods.iter().filter_map(|&p| self.cluster.pods.get(p)) {
                    if seen_wl.insert(pod.workload.to_string()) {
                        new_workloads.push(pod.workload.to_string());
                    }
                    seen_ns.insert(pod.namespace.clone());
                }
                if let Some(first) = self.group_pod(g) {
                    *new_by_namespace.entry(first.namespace.clone()).or_default() += n;
                }
            }
            cumulative += new_pods;
            new_workloads.sort();
            hops.push(HopStat {
                hop: h,
                new_pods,
                pods: cumulative,
                workloads: seen_wl.len(),
                namespaces: seen_ns.len(),
                fraction: if total_pods == 0 {
                    0.0
                } else {
                    cumulative as f64 / total_pods as f64
                },
                new_workloads,
                new_by_namespace,
            });
        }
        // Shortest path to every reached workload (earliest of its groups).
        let mut best: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (g, (h, grp)) in s.hop.iter().zip(&self.groups).enumerate() {
            if let Some(h) = h {
                if *h == 0 {
                    continue;
                }
                for pod in grp.pods.iter().filter_map(|&p| self.cluster.pods.get(p)) {
                    let w = pod.workload.to_string();
                    let e = best.entry(w).or_insert((*h, g));
                    if *h < e.0 {
                        *e = (*h, g);
                    }
                }
            }
        }
        let mut reached: Vec<ReachedWorkload> = best
            .into_iter()
            .map(|(w, (h, g))| ReachedWorkload {
                workload: w.clone(),
                hop: h,
                path: self.path_to(&s, g, Some(&w)),
            })
            .collect();
        reached.sort_by(|a, b| a.hop.cmp(&b.hop).then_with(|| a.workload.cmp(&b.workload)));
        let targets = targets
            .iter()
            .map(|t| {
                let mut matches = BTreeSet::new();
                let mut best: Option<(usize, usize, &Pod)> = None;
                for (g, (grp, &hop_g)) in self.groups.iter().zip(&s.hop).enumerate() {
                    for &p in &grp.pods {
                        let Some(pod) = self.cluster.pods.get(p) else {
                            continue;
                        };
                        if !t.selector.matches(&pod.labels) {
                            continue;
                        }
                        matches.insert(pod.workload.to_string());
                        let h = if s.held_pods.contains(&p) {
                            Some(0)
                        } else {
                            hop_g
                        };
                        if let Some(h) = h {
                            if best.is_none_or(|(bh, _, _)| h < bh) {
                                best = Some((h, g, pod));
                            }
                        }
                    }
                }
                TargetResult {
                    selector: t.text.clone(),
                    matches: matches.into_iter().collect(),
                    hop: best.map(|b| b.0),
                    workload: best.map(|(_, _, pod)| pod.workload.to_string()),
                    path: best
                        .map(|(_, g, pod)| self.path_to(&s, g, Some(&pod.workload.to_string()))),
                }
            })
            .collect();
        // Exfiltration: the earliest hop at which each external range is reachable.
        let mut ex: BTreeMap<usize, (usize, String, String)> = BTreeMap::new();
        let per_group = s.active.iter().zip(&s.held_in).zip(&s.hop).zip(&self.exfil);
        for (g, (((&on, &held_g), &hop_g), exfil)) in per_group.enumerate() {
            if !on {
                continue;
            }
            let h = if held_g > 0 { 0 } else { hop_g.unwrap_or(0) };
            for (x, c) in exfil {
                let cand = (h, self.group_name(g), c.to_connlist());
                match ex.get(x) {
                    Some(old) if (old.0, &old.1) <= (cand.0, &cand.1) => {}
                    _ => {
                        ex.insert(*x, cand);
                    }
                }
            }
        }
        let exfiltration = ex
            .into_iter()
            .filter_map(|(x, (hop, from, conns))| {
                Some(Exfil {
                    range: format!("{}", self.reach.ext_dst.get(x)?),
                    hop,
                    from,
                    conns,
                })
            })
            .collect();
        let blast_radius = s.blast_radius(self);
        SimResult {
            start: start.to_string(),
            start_pods,
            total_pods,
            blast_radius,
            blast_fraction: if total_pods == 0 {
                0.0
            } else {
                blast_radius as f64 / total_pods as f64
            },
            hops,
            reached,
            targets,
            exfiltration,
        }
    }
}

/// Blast radius of one workload entity, for `--all`.
#[derive(Clone, Debug)]
pub struct Ranked {
    pub workload: String,
    pub namespace: String,
    pub replicas: u64,
    pub blast_radius: u64,
    pub fraction: f64,
    /// Hops of the longest shortest path; computed for the top
    /// [`RANK_HOPS_FOR_TOP`] only.
    pub max_hop: Option<usize>,
}

/// How many of the top-ranked workloads get their exact number of hops
/// (one breadth-first spread each); the rest only need the closure.
pub const RANK_HOPS_FOR_TOP: usize = 50;

/// Simulate from every workload (one held pod each) and rank by blast radius,
/// largest first, ties by name.
///
/// Without a hop limit the blast radius is the size of the transitive
/// closure, computed once for the whole graph: strongly connected components
/// (petgraph's Tarjan), then descendant sets as bitsets over the condensed
/// DAG, sinks first. With `max_hops` each distinct start spreads on its own.
pub fn rank_all(g: &AttackGraph, entities: &[crate::engine::view::Entity]) -> Vec<Ranked> {
    let total = g.cluster.pod_count();
    let blast_of_group: Vec<u64> = match g.options.max_hops {
        None => closure_blast(g),
        Some(_) => {
            let mut cache: HashMap<usize, u64> = HashMap::new();
            g.groups
                .iter()
                .enumerate()
                .map(|(grp, gr)| {
                    *cache.entry(grp).or_insert_with(|| {
                        gr.pods
                            .first()
                            .map_or(0, |&p| g.spread(&[(p, 1)]).blast_radius(g))
                    })
                })
                .collect()
        }
    };
    let mut out: Vec<Ranked> = entities
        .iter()
        .filter(|e| e.replicas > 0)
        .map(|e| {
            let br = e
                .pods
                .first()
                .and_then(|&p| g.pod_group.get(p))
                .and_then(|&grp| blast_of_group.get(grp))
                .copied()
                .unwrap_or(0);
            Ranked {
                workload: e.name.clone(),
                namespace: e.namespace.clone(),
                replicas: e.replicas,
                blast_radius: br,
                fraction: if total == 0 {
                    0.0
                } else {
                    br as f64 / total as f64
                },
                max_hop: None,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.blast_radius
            .cmp(&a.blast_radius)
            .then_with(|| a.workload.cmp(&b.workload))
    });
    let by_name: HashMap<&str, &crate::engine::view::Entity> =
        entities.iter().map(|e| (e.name.as_str(), e)).collect();
    let mut hops_cache: HashMap<usize, usize> = HashMap::new();
    for r in out.iter_mut().take(RANK_HOPS_FOR_TOP) {
        let Some(&p) = by_name
            .get(r.workload.as_str())
            .and_then(|e| e.pods.first())
        else {
            continue;
        };
        let Some(&grp) = g.pod_group.get(p) else {
            continue;
        };
        let h = *hops_cache.entry(grp).or_insert_with(|| {
            let s = g.spread(&[(p, 1)]);
            s.hop.iter().flatten().copied().max().unwrap_or(0)
        });
        r.max_hop = Some(h);
    }
    out
}

/// Pods compromised from one held pod of each group, at no hop limit: the
/// pods reachable in the closure (see [`crate::attack::chokepoints::Closure`]),
/// less the held pod when a path leads back to its own group.
fn closure_blast(g: &AttackGraph) -> Vec<u64> {
    let weight: Vec<u64> = g.groups.iter().map(|gr| gr.replicas).collect();
    let self_loop = |v: usize| g.graph.contains_edge(NodeIndex::new(v), NodeIndex::new(v));
    let closure = crate::attack::chokepoints::Closure::new(&g.graph, weight.len(), &weight);
    let reach = closure.per_node(&weight, &self_loop);
    reach
        .iter()
        .enumerate()
        .map(|(v, &r)| {
            let comp = closure.scc_of.get(v).and_then(|&i| closure.sccs.get(i));
            let cyclic = comp.is_some_and(|c| c.len() > 1) || self_loop(v);
            // The held pod itself is not part of its blast radius; a
            // workload scaled to 0 replicas holds nothing.
            let held = u64::from(cyclic && weight.get(v).is_some_and(|&w| w > 0));
            r - held
        })
        .collect()
}
