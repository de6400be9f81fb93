//! One simulation from a starting point: pods reached per hop, the shortest
//! path to every reached workload and crown jewel, exfiltration ranges; and
//! the result types of simulations and rankings.

use crate::attack::graph::{AttackGraph, Target};
use crate::attack::spread::Spread;
use crate::model::ip::IpRange;
use crate::model::ports::ConnSet;
use crate::model::Pod;
use std::collections::{BTreeMap, BTreeSet};

/// The pods one crown jewel selects ([`AttackGraph::target_pods`]).
#[derive(Clone, Debug)]
pub struct TargetPods {
    selector: String,
    matches: Vec<String>,
    /// (group, pod entry), in group order.
    pods: Vec<(usize, usize)>,
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
    /// Workloads seen at an earlier hop with more of their pods reached at
    /// this one (the start's other replicas).
    pub more_of: Vec<String>,
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

/// One row of exfiltration: a run of adjacent external addresses that the
/// same source reaches at the same hop with the same connections, or a
/// named destination (CNP-12).
#[derive(Clone, Debug)]
pub struct Exfil {
    /// The CIDR when the run is exactly one (`0.0.0.0/0`), else
    /// `first-last`; `dns:api.example.com` for a named destination.
    pub range: String,
    /// The addresses; `None` for a named destination.
    pub span: Option<IpRange>,
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
    /// `simulate --all --target`: the hop at which each crown jewel is
    /// first reached (None: never), in `--target` order; empty without
    /// targets and beyond the rows [`crate::attack::rank::target_hops`] filled.
    pub target_hops: Vec<Option<usize>>,
}

/// How many of the top-ranked workloads get their exact number of hops
/// (one breadth-first spread each); the rest only need the closure.
pub const RANK_HOPS_FOR_TOP: usize = 50;

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

/// Adjacent atoms (same family, no gap) with the same hop, source and
/// connections become one row: the atoms are cut at every ipBlock of the
/// cluster, but a source that sees no difference between two of them
/// should not be shown one.
fn merge_exfil(rows: impl Iterator<Item = (IpRange, (usize, String, String))>) -> Vec<Exfil> {
    let mut rows: Vec<(IpRange, (usize, String, String))> = rows.collect();
    rows.sort_by_key(|r| r.0);
    let mut out: Vec<(IpRange, (usize, String, String))> = Vec::new();
    for (r, row) in rows {
        if let Some((last, last_row)) = out.last_mut() {
            let touches = last.v6 == r.v6 && last.end.checked_add(1) == Some(r.start);
            if touches && *last_row == row {
                last.end = r.end;
                continue;
            }
        }
        out.push((r, row));
    }
    out.into_iter()
        .map(|(span, (hop, from, conns))| Exfil {
            range: span.label(),
            span: Some(span),
            hop,
            from,
            conns,
        })
        .collect()
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
                    let held = s.held_in.get(g).copied().unwrap_or(0);
                    let others = self.groups.get(g).map_or(0, |x| x.replicas - held);
                    let replicas = if others == 1 {
                        "its other replica".to_string()
                    } else {
                        format!("its {others} other replicas")
                    };
                    if a == g {
                        // The held pod reached the rest of its own group.
                        let from = self.held_name(s, g).map_or_else(
                            || plain(&self.group_name(g)).to_string(),
                            |n| plain(&n).to_string(),
                        );
                        return if from == end {
                            format!("{from} → {replicas} ({})", short(self.conns.get(c)))
                        } else {
                            format!("{from} -[{}]-> {end}", short(self.conns.get(c)))
                        };
                    }
                    let from = self.path_to(s, a, None);
                    let first = from.split(" -[").next().unwrap_or(&from);
                    // Back to the start's own workload: its other replicas.
                    let to = if first == end { replicas } else { end };
                    format!("{from} -[{}]-> {to}", short(self.conns.get(c)))
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

    /// The pods each crown jewel selects, in group order, and the workloads
    /// they belong to: what every simulation towards `targets` reads, found
    /// once however many starting points there are.
    pub fn target_pods(&self, targets: &[Target]) -> Vec<TargetPods> {
        targets
            .iter()
            .map(|t| {
                let mut matches = BTreeSet::new();
                let mut pods = Vec::new();
                for (g, grp) in self.groups.iter().enumerate() {
                    for &p in &grp.pods {
                        let Some(pod) = self.cluster.pods.get(p) else {
                            continue;
                        };
                        if t.selector.matches(&pod.labels) {
                            matches.insert(pod.workload.to_string());
                            pods.push((g, p));
                        }
                    }
                }
                TargetPods {
                    selector: t.text.clone(),
                    matches: matches.into_iter().collect(),
                    pods,
                }
            })
            .collect()
    }

    /// Each target's nearest selected pod after spread `s`, and the path
    /// to it.
    fn target_results(&self, s: &Spread, targets: &[TargetPods]) -> Vec<TargetResult> {
        targets
            .iter()
            .map(|t| {
                let mut best: Option<(usize, usize, &Pod)> = None;
                for &(g, p) in &t.pods {
                    let Some(pod) = self.cluster.pods.get(p) else {
                        continue;
                    };
                    let h = if s.held_pods.contains(&p) {
                        Some(0)
                    } else {
                        s.hop.get(g).copied().flatten()
                    };
                    if let Some(h) = h {
                        if best.is_none_or(|(bh, _, _)| h < bh) {
                            best = Some((h, g, pod));
                        }
                    }
                }
                TargetResult {
                    selector: t.selector.clone(),
                    matches: t.matches.clone(),
                    hop: best.map(|b| b.0),
                    workload: best.map(|(_, _, pod)| pod.workload.to_string()),
                    path: best
                        .map(|(_, g, pod)| self.path_to(s, g, Some(&pod.workload.to_string()))),
                }
            })
            .collect()
    }

    /// Only the crown jewels of [`Self::simulate`] from `held`: the same
    /// hops and paths, without the per-hop statistics, the path to every
    /// reached workload and the exfiltration ranges (what `diff` asks of
    /// every workload on both sides).
    pub fn target_hops(&self, held: &[(usize, u64)], targets: &[TargetPods]) -> Vec<TargetResult> {
        self.target_results(&self.spread(held), targets)
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
            let mut more_of: BTreeSet<String> = BTreeSet::new();
            let mut new_here: BTreeSet<String> = BTreeSet::new();
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
                    let w = pod.workload.to_string();
                    if seen_wl.insert(w.clone()) {
                        new_here.insert(w.clone());
                        new_workloads.push(w);
                    } else if n > 0 && h > 0 && !new_here.contains(&w) {
                        more_of.insert(w);
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
                more_of: more_of.into_iter().collect(),
                new_by_namespace,
            });
        }
        // A pod held whole is not reached, even when the rest of its group
        // (pods no policy tells apart from it) is.
        let mut held_count: BTreeMap<usize, u64> = BTreeMap::new();
        for &(p, n) in held {
            *held_count.entry(p).or_default() += n;
        }
        let fully_held = |p: usize| {
            self.cluster.pods.get(p).is_some_and(|pod| {
                held_count.get(&p).copied().unwrap_or(0) >= u64::from(pod.replicas)
            })
        };
        // Shortest path to every reached workload (earliest of its groups).
        let mut best: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (g, (h, grp)) in s.hop.iter().zip(&self.groups).enumerate() {
            if let Some(h) = h {
                if *h == 0 {
                    continue;
                }
                let reached = grp.pods.iter().filter(|&&p| !fully_held(p));
                for pod in reached.filter_map(|&p| self.cluster.pods.get(p)) {
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
        let targets = self.target_results(&s, &self.target_pods(targets));
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
        let atoms = self.reach.ext_dst.len();
        let mut exfiltration = merge_exfil(
            ex.iter()
                .filter_map(|(&x, row)| Some((*self.reach.ext_dst.get(x)?, row.clone()))),
        );
        // Named destinations after the ranges, in name order (CNP-12).
        for (&x, (hop, from, conns)) in ex.range(atoms..) {
            if let Some(name) = self.reach.domains.get(x - atoms) {
                exfiltration.push(Exfil {
                    range: format!("dns:{name}"),
                    span: None,
                    hop: *hop,
                    from: from.clone(),
                    conns: conns.clone(),
                });
            }
        }
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

#[cfg(test)]
mod tests {
    use crate::attack::fixtures::{allow, chain, chain_docs, pod, World};
    use crate::attack::graph::{SimOptions, Target};

    /// `target_hops` (what `diff` asks of every workload) says what the
    /// full `simulate` says of the targets, from every start and held count.
    #[test]
    fn target_hops_agree_with_simulate() {
        let w = chain();
        let g = w.graph(&SimOptions::default());
        let targets: Vec<Target> = ["app=c", "app=d", "app=b", "app=nothing"]
            .iter()
            .map(|t| Target::parse(t).unwrap())
            .collect();
        let tp = g.target_pods(&targets);
        let key = |t: &super::TargetResult| {
            (
                t.selector.clone(),
                t.matches.clone(),
                t.hop,
                t.workload.clone(),
                t.path.clone(),
            )
        };
        let mut reached = 0;
        for p in 0..w.c.pods.len() {
            for n in [1, 2] {
                let full = g.simulate("s", &[(p, n)], &targets);
                let only = g.target_hops(&[(p, n)], &tp);
                let a: Vec<_> = full.targets.iter().map(key).collect();
                let b: Vec<_> = only.iter().map(key).collect();
                assert_eq!(a, b, "start pod {p}, {n} held");
                reached += a.iter().filter(|t| t.2.is_some_and(|h| h > 0)).count();
            }
        }
        assert!(
            reached > 0,
            "the fixture reaches some target in a hop or more"
        );
    }

    #[test]
    fn chain_spreads_one_hop_per_link() {
        let w = chain();
        let g = w.graph(&SimOptions::default());
        let r = g.simulate("x/a", &[(w.pod("x/a"), 1)], &[]);
        // a, then b (2 replicas), then c, then d.
        let per_hop: Vec<(usize, u64, u64)> =
            r.hops.iter().map(|h| (h.hop, h.new_pods, h.pods)).collect();
        assert_eq!(per_hop, vec![(0, 1, 1), (1, 2, 3), (2, 1, 4), (3, 1, 5)]);
        assert_eq!(r.blast_radius, 4);
        assert_eq!(r.total_pods, 5);
        assert!((r.blast_fraction - 0.8).abs() < 1e-12);
        let paths: Vec<(&str, usize, &str)> = r
            .reached
            .iter()
            .map(|x| (x.workload.as_str(), x.hop, x.path.as_str()))
            .collect();
        assert_eq!(
            paths,
            vec![
                ("x/b[Deployment]", 1, "x/a -[TCP 8080]-> x/b"),
                ("x/c[Pod]", 2, "x/a -[TCP 8080]-> x/b -[TCP 5432]-> x/c"),
                (
                    "x/d[Pod]",
                    3,
                    "x/a -[TCP 8080]-> x/b -[TCP 5432]-> x/c -[TCP 6379]-> x/d"
                ),
            ]
        );
    }

    #[test]
    fn max_hops_stops_the_spread() {
        let w = chain();
        let g = w.graph(&SimOptions {
            max_hops: Some(2),
            ..SimOptions::default()
        });
        let r = g.simulate("x/a", &[(w.pod("x/a"), 1)], &[]);
        assert_eq!(r.hops.len(), 3);
        assert_eq!(r.blast_radius, 3);
        assert!(r.reached.iter().all(|x| x.workload != "x/d[Pod]"));
    }

    #[test]
    fn crown_jewel_hop_and_path() {
        let w = chain();
        let g = w.graph(&SimOptions::default());
        let t = [
            Target::parse("app=d").unwrap(),
            Target::parse("app=zz").unwrap(),
        ];
        let r = g.simulate("x/b", &[(w.pod("x/b"), 1)], &t);
        let d = &r.targets[0];
        assert_eq!(d.matches, vec!["x/d[Pod]".to_string()]);
        assert_eq!(d.hop, Some(2));
        assert_eq!(
            d.path.as_deref(),
            Some("x/b -[TCP 5432]-> x/c -[TCP 6379]-> x/d")
        );
        // A selector that matches nothing is never reached.
        assert!(r.targets[1].matches.is_empty());
        assert_eq!(r.targets[1].hop, None);
        // From b: c and d; the other replica of b is not reachable from b.
        assert_eq!(r.blast_radius, 2);
        assert_eq!(r.start_pods, 1);
    }

    #[test]
    fn a_shortcut_shortens_the_path() {
        let mut docs = chain_docs();
        docs.push(allow("d", "a", 6379));
        let w = World::new(&docs);
        let g = w.graph(&SimOptions::default());
        let r = g.simulate("x/a", &[(w.pod("x/a"), 1)], &[]);
        let d = r.reached.iter().find(|x| x.workload == "x/d[Pod]").unwrap();
        assert_eq!((d.hop, d.path.as_str()), (1, "x/a -[TCP 6379]-> x/d"));
        assert_eq!(r.hops.len(), 3);
    }

    #[test]
    fn open_egress_reaches_every_external_range_at_hop_zero() {
        let w = World::new(&[pod("a", &[])]);
        let g = w.graph(&SimOptions::default());
        let r = g.simulate("x/a", &[(w.pod("x/a"), 1)], &[]);
        assert_eq!(r.blast_radius, 0);
        assert!(!r.exfiltration.is_empty());
        assert!(
            r.exfiltration
                .iter()
                .all(|e| e.hop == 0 && e.from == "x/a[Pod]" && e.conns == "All Connections"),
            "{:?}",
            r.exfiltration
        );
    }

    #[test]
    fn named_destinations_are_exits_after_the_ranges() {
        // CNP-12: a pod whose only way out is an Accept naming two
        // destinations exfiltrates to those names, not to any address.
        let guard = "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: guard}\nspec:\n  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n  egress:\n  - action: Accept\n    to: [{domainNames: [api.stripe.com, '*.github.com']}]\n    protocols: [{tcp: {destinationPort: {number: 443}}}]\n  - action: Deny\n    to: [{networks: [0.0.0.0/0]}]\n";
        let w = World::new(&[pod("a", &[]), guard.to_string()]);
        let g = w.graph(&SimOptions::default());
        let r = g.simulate("x/a", &[(w.pod("x/a"), 1)], &[]);
        let rows: Vec<(&str, bool, &str)> = r
            .exfiltration
            .iter()
            .map(|e| (e.range.as_str(), e.span.is_none(), e.conns.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("dns:*.github.com", true, "TCP 443"),
                ("dns:api.stripe.com", true, "TCP 443")
            ]
        );
    }
}
