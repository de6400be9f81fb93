//! Choke points: the allowed edges whose removal cuts the total blast radius
//! (or the reachability of crown jewels) the most.
//!
//! The measure is a sum over every starting workload of the pods (or target
//! pods) it can reach. Removing an edge a → b can only lower the measure of
//! starts that reach `a`, and by at most what `b` leads to, so each edge has
//! an upper bound from two closures over the strongly connected components
//! (forward and reversed). Edges are evaluated exactly in order of that
//! bound, one closure each with the edge filtered out, and the search stops
//! as soon as no remaining bound can beat the current top list
//! (branch and bound): exact results without re-running every edge.
//!
//! The exact evaluations have a budget counted in work, not seconds: one
//! evaluation is a closure over the whole graph, costed at
//! `nodes + edges × ⌈components / 64⌉` steps (Tarjan, then a descendant
//! bitset union per edge), and [`EVAL_STEPS`] steps buy
//! [`ChokeReport::budget`] evaluations. The same input always evaluates the
//! same edges, whatever the machine's load.

use crate::attack::adjacency::{Backward, Forward, Without};
use crate::attack::closure::{reach_weights, Closure};
use crate::attack::graph::{AttackGraph, Target};
use crate::engine::explain::{explain, Endpoint};

/// One choke point.
#[derive(Clone, Debug)]
pub struct ChokePoint {
    /// `ns/name[Kind]` of the source and destination workloads.
    pub from: String,
    pub to: String,
    /// Other workloads that share the same edge (same pod classes).
    pub also: Vec<String>,
    /// The allowed connections on the edge.
    pub conns: String,
    /// Rules to change: `ns/policy ingress[0].from[1]`, on either side.
    pub rules: Vec<String>,
    /// How much the measure drops if the edge is removed.
    pub drop: u64,
    pub measure_before: u64,
}

#[derive(Clone, Debug)]
pub struct ChokeReport {
    /// `blast radius` (pods reached, summed over starting workloads) or
    /// `target pods reached`.
    pub measure: String,
    pub total: u64,
    pub edges: usize,
    /// Edges whose removal could change the measure at all.
    pub candidates: usize,
    pub evaluated: usize,
    /// How many exact evaluations the work budget allows on this graph.
    pub budget: usize,
    /// Edges inside strongly connected groups larger than
    /// [`MAX_SCC_FOR_INNER_EDGES`], not evaluated.
    pub skipped_inner: usize,
    /// True when the bound proves no other edge beats the list.
    pub exact: bool,
    pub top: Vec<ChokePoint>,
}

/// Inside a strongly connected group larger than this, single edges are not
/// evaluated: they are counted and reported as skipped.
pub const MAX_SCC_FOR_INNER_EDGES: usize = 64;

/// Work budget of the exact evaluations, in closure steps (see the module
/// header); past it the list is marked as the best found, not proven. About
/// 4 s on the project's machine (2 ns a step): 250 evaluations of a
/// 1,000-class graph with 495,000 edges, 1,700 of one with 90,000.
pub const EVAL_STEPS: u64 = 2_000_000_000;

/// Evaluations always allowed, however large the graph: enough to fill a
/// top-10 list.
pub const MIN_EVALUATIONS: usize = 10;

/// Exact evaluations `steps` buy on a graph of `nodes` nodes, `edges` edges
/// and `components` strongly connected components.
pub fn evaluation_budget(steps: u64, nodes: usize, edges: usize, components: usize) -> usize {
    let words = components.div_ceil(64).max(1) as u64;
    let per_eval = (nodes as u64).saturating_add((edges as u64).saturating_mul(words));
    let n = steps / per_eval.max(1);
    usize::try_from(n)
        .unwrap_or(usize::MAX)
        .max(MIN_EVALUATIONS)
}

/// Rank the attack graph's edges by how much removing each lowers the
/// measure; `targets` empty means total blast radius.
pub fn chokepoints(
    g: &AttackGraph,
    starts: &[usize],
    targets: &[Target],
    top: usize,
) -> ChokeReport {
    chokepoints_within(g, starts, targets, top, EVAL_STEPS)
}

/// [`chokepoints`] with a work budget of `steps` closure steps for the exact
/// evaluations.
pub fn chokepoints_within(
    g: &AttackGraph,
    starts: &[usize],
    targets: &[Target],
    top: usize,
    steps: u64,
) -> ChokeReport {
    let n = g.groups.len();
    // Weight of a group: its pods, or its pods that are crown jewels.
    let weight: Vec<u64> = g
        .groups
        .iter()
        .map(|gr| {
            if targets.is_empty() {
                gr.replicas
            } else {
                gr.pods
                    .iter()
                    .filter_map(|&p| g.cluster.pods.get(p))
                    .filter(|p| targets.iter().any(|t| t.selector.matches(&p.labels)))
                    .map(|p| u64::from(p.replicas))
                    .sum()
            }
        })
        .collect();
    // How many starting workloads hold a pod in each group.
    let mut starts_in = vec![0u64; n];
    for &p in starts {
        if let Some(s) = g.pod_group.get(p).and_then(|&grp| starts_in.get_mut(grp)) {
            *s += 1;
        }
    }
    let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    let self_loop = |v: usize| g.edges.self_loop(v);
    let measure = |down: &[u64]| -> u64 { starts_in.iter().zip(down).map(|(s, d)| s * d).sum() };
    let fwd = Closure::new(&Forward(&g.edges), &weight);
    let total = measure(&fwd.per_node(&weight, &self_loop));
    // Starts in each component or above it.
    let rev = Closure::new(&Backward(&g.edges), &starts_in);
    let starts_above = |scc_fwd: usize| -> u64 {
        // the same components, numbered in the reversed run
        let v = fwd
            .sccs
            .get(scc_fwd)
            .and_then(|c| c.first())
            .copied()
            .unwrap_or(0);
        let r = rev.scc_of.get(v).copied().unwrap_or(0);
        at(&rev.below_weight, r) + at(&rev.scc_weight, r)
    };
    // One pass per source component `ca` over the out-edges of its groups,
    // with dense per-component counters (no map keyed by pairs: at 100,000
    // pods that was 56 M hash lookups a pass):
    // * `between[cb]`: the graph edges from `ca` to `cb`. An edge that is
    //   not the only one between its components changes nothing alone.
    // * What only the edge a -> b leads to: `reached_by[x]` counts the
    //   successors of `ca` whose closure holds `x`; `cb` is reached through
    //   another successor when its count is 2 or more, and removing the
    //   edge loses exactly the part of `cb`'s closure counted once.
    // * Edges inside a component: bounded by everything the component
    //   reaches, or skipped (and counted) in one larger than
    //   MAX_SCC_FOR_INNER_EDGES.
    let components = fwd.sccs.len();
    let mut between = vec![0u32; components];
    let mut succ: Vec<usize> = Vec::new();
    let mut unique: Vec<(usize, usize, u32, usize)> = Vec::new();
    let mut reached_by = vec![0u32; components];
    let mut touched: Vec<usize> = Vec::new();
    let closure_of =
        |c: usize| std::iter::once(c).chain(fwd.below.get(c).into_iter().flat_map(|b| b.ones()));
    let mut skipped_inner = 0usize;
    let mut cands: Vec<(u64, usize, usize, u32)> = Vec::new();
    for (ca, members) in fwd.sccs.iter().enumerate() {
        let big = members.len() > MAX_SCC_FOR_INNER_EDGES;
        let inner_bound =
            starts_above(ca).saturating_mul(at(&fwd.scc_weight, ca) + at(&fwd.below_weight, ca));
        for &a in members {
            for (b, w) in g.edges.out(a) {
                let cb = at_usize(&fwd.scc_of, b);
                if cb == ca {
                    if big {
                        skipped_inner += 1;
                    } else if inner_bound > 0 {
                        cands.push((inner_bound, a, b, w));
                    }
                } else if let Some(n) = between.get_mut(cb) {
                    if *n == 0 {
                        succ.push(cb);
                    }
                    *n += 1;
                }
            }
        }
        for &a in members {
            for (b, w) in g.edges.out(a) {
                let cb = at_usize(&fwd.scc_of, b);
                if cb != ca && between.get(cb).copied() == Some(1) {
                    unique.push((a, b, w, cb));
                }
            }
        }
        if !unique.is_empty() {
            for &c in &succ {
                for x in closure_of(c) {
                    if let Some(n) = reached_by.get_mut(x) {
                        if *n == 0 {
                            touched.push(x);
                        }
                        *n += 1;
                    }
                }
            }
            for &(a, b, w, cb) in &unique {
                if reached_by.get(cb).copied().unwrap_or(0) >= 2 {
                    continue; // another successor leads to `cb`
                }
                let lost_weight: u64 = closure_of(cb)
                    .filter(|&x| reached_by.get(x).copied().unwrap_or(0) == 1)
                    .map(|x| at(&fwd.scc_weight, x))
                    .sum();
                let bound = starts_above(ca).saturating_mul(lost_weight);
                if bound > 0 {
                    cands.push((bound, a, b, w));
                }
            }
            for x in touched.drain(..) {
                if let Some(n) = reached_by.get_mut(x) {
                    *n = 0;
                }
            }
            unique.clear();
        }
        for cb in succ.drain(..) {
            if let Some(n) = between.get_mut(cb) {
                *n = 0;
            }
        }
    }
    cands.sort_by(|x, y| y.0.cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2))));
    let mut best: Vec<(u64, usize, usize, u32)> = Vec::new();
    let mut evaluated = 0;
    let mut exact = true;
    // More evaluations than candidates buy nothing: the stated budget is
    // the smaller number.
    let edge_count = usize::try_from(g.edges.edge_count()).unwrap_or(usize::MAX);
    let budget = evaluation_budget(steps, n, edge_count, fwd.sccs.len()).min(cands.len());
    for &(bound, a, b, w) in &cands {
        if best.len() >= top && best.last().is_some_and(|l| l.0 >= bound) {
            break; // no remaining edge can enter the top list
        }
        if evaluated >= budget {
            exact = false;
            break;
        }
        let filtered = Without {
            adj: &g.edges,
            from: a,
            to: b,
        };
        let loop_without = |v: usize| self_loop(v) && !(v == a && v == b);
        let d = reach_weights(&filtered, &weight, &loop_without);
        evaluated += 1;
        let drop = total.saturating_sub(measure(&d));
        if drop == 0 {
            continue;
        }
        best.push((drop, a, b, w));
        best.sort_by(|x, y| y.0.cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2))));
        best.truncate(top);
    }
    let top = best
        .into_iter()
        .map(|(drop, a, b, w)| describe(g, a, b, w, drop, total))
        .collect();
    ChokeReport {
        measure: if targets.is_empty() {
            "blast radius (pods reached, summed over every starting workload)".into()
        } else {
            "crown-jewel pods reached, summed over every starting workload".into()
        },
        total,
        edges: edge_count,
        candidates: cands.len(),
        evaluated,
        budget,
        skipped_inner,
        exact,
        top,
    }
}

fn at_usize(v: &[usize], i: usize) -> usize {
    v.get(i).copied().unwrap_or(0)
}

fn describe(g: &AttackGraph, a: usize, b: usize, w: u32, drop: u64, total: u64) -> ChokePoint {
    let names = |grp: usize| -> Vec<String> {
        let mut v: Vec<String> = g
            .groups
            .get(grp)
            .map(|gr| {
                gr.pods
                    .iter()
                    .filter_map(|&p| g.cluster.pods.get(p))
                    .map(|p| p.workload.to_string())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v.dedup();
        v
    };
    let (fa, fb) = (names(a), names(b));
    let mut also: Vec<String> = fa
        .iter()
        .skip(1)
        .chain(fb.iter().skip(1))
        .cloned()
        .collect();
    also.sort();
    let rep = |grp: usize| g.groups.get(grp).and_then(|gr| gr.pods.first()).copied();
    let mut rules = Vec::new();
    if let (Some(pa), Some(pb)) = (rep(a), rep(b)) {
        let e = explain(
            g.cluster,
            &g.reach.options,
            &Endpoint::Pod(pa, String::new()),
            &Endpoint::Pod(pb, String::new()),
        );
        for side in [&e.egress, &e.ingress].into_iter().flatten() {
            if side.isolated_by.is_empty() {
                rules.push(format!(
                    "{} of {}: not isolated (no policy selects it)",
                    side.direction, side.pod
                ));
            }
            // An admin or baseline rule that accepts (or passes) it is a
            // rule to change too (CNP-6, CNP-8).
            let cluster = side
                .cluster_rules
                .iter()
                .filter(|r| r.peer_matches && r.action != crate::model::Action::Deny);
            for r in cluster {
                rules.push(r.describe());
            }
            for r in side.rules.iter().filter(|r| r.peer_matches) {
                rules.push(format!("{} {}", r.policy, r.at));
            }
        }
    }
    ChokePoint {
        from: fa.first().cloned().unwrap_or_default(),
        to: fb.first().cloned().unwrap_or_default(),
        also,
        conns: g.conns.get(w).to_connlist(),
        rules,
        drop,
        measure_before: total,
    }
}

#[cfg(test)]
mod tests {
    use super::{chokepoints, chokepoints_within};
    use crate::attack::fixtures::{chain, World};
    use crate::attack::graph::{SimOptions, Target};

    fn starts(w: &World) -> Vec<usize> {
        ["x/a", "x/b", "x/c", "x/d"].map(|s| w.pod(s)).to_vec()
    }

    #[test]
    fn the_middle_link_of_the_chain_cuts_the_most() {
        let w = chain();
        let g = w.graph(&SimOptions::default());
        let r = chokepoints(&g, &starts(&w), &[], 10);
        // Blast radii from a, b, c, d: 4 + 2 + 1 + 0.
        assert_eq!(r.total, 7);
        assert_eq!(r.edges, 3);
        assert!(r.exact);
        // Cutting b -> c: a loses c and d (2), b loses c and d (2).
        // Cutting a -> b: a loses everything (4). Cutting c -> d: a, b, c lose d (3).
        let got: Vec<(&str, &str, u64)> = r
            .top
            .iter()
            .map(|c| (c.from.as_str(), c.to.as_str(), c.drop))
            .collect();
        assert_eq!(
            got,
            vec![
                ("x/a[Pod]", "x/b[Deployment]", 4),
                ("x/b[Deployment]", "x/c[Pod]", 4),
                ("x/c[Pod]", "x/d[Pod]", 3),
            ]
        );
        assert!(r.top.iter().all(|c| c.measure_before == 7));
        assert_eq!(r.top[0].conns, "TCP 8080");
        assert!(r.top[0].rules.iter().any(|x| x.contains("b-from-a-8080")));
    }

    /// The layered DAG of `util::shapes`: every edge is a candidate whose
    /// bound (the starts above it) is far above its real drop (1), so the
    /// search runs until the budget stops it.
    fn dag() -> (crate::model::Cluster, crate::engine::reach::Reachability) {
        let text = crate::util::shapes::generate(crate::util::shapes::Shape::LayeredDag, 60);
        let c = crate::input::load_str("dag", &text, &Default::default()).unwrap();
        let r = crate::engine::reach::Reachability::compile(&c, &Default::default());
        (c, r)
    }

    #[test]
    fn the_budget_is_a_count_of_evaluations_so_the_same_input_gives_the_same_result() {
        // Issue 14: a wall-clock budget made `evaluated` depend on the load.
        let (c, r) = dag();
        let g = crate::attack::graph::AttackGraph::build(&c, &r, &SimOptions::default());
        let starts: Vec<usize> = (0..c.pods.len()).collect();
        // 60 nodes, 1,500 edges, one word per bitset: 1,560 steps an evaluation.
        assert_eq!(super::evaluation_budget(1_560 * 25, 60, 1_500, 60), 25);
        assert_eq!(
            super::evaluation_budget(0, 60, 1_500, 60),
            super::MIN_EVALUATIONS
        );
        let run = || chokepoints_within(&g, &starts, &[], 5, 1_560 * 25);
        let (a, b) = (run(), run());
        // Only an edge into the next layer is the one way to its target.
        assert_eq!((a.edges, a.candidates), (1_500, 500));
        assert_eq!((a.budget, a.evaluated, a.exact), (25, 25, false));
        assert_eq!(format!("{:?}", a.top), format!("{:?}", b.top));
        // The default budget covers every candidate here: the ranking is
        // exact, and the search stops at the first bound of 1.
        let full = chokepoints(&g, &starts, &[], 5);
        assert_eq!((full.budget, full.exact), (500, true));
        assert!(full.evaluated > 25 && full.evaluated < 500);
        assert!(full.top.iter().all(|t| t.drop == 1));
    }

    #[test]
    fn with_targets_only_paths_to_the_jewel_count() {
        let w = chain();
        let g = w.graph(&SimOptions::default());
        let t = [Target::parse("app=d").unwrap()];
        let r = chokepoints(&g, &starts(&w), &t, 1);
        // a, b and c reach d: 3 target pods summed over starts; cutting
        // c -> d removes all of them.
        assert_eq!(r.total, 3);
        assert_eq!(r.top.len(), 1);
        assert_eq!((r.top[0].to.as_str(), r.top[0].drop), ("x/d[Pod]", 3));
    }
}
