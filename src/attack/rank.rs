//! Ranking of every workload by blast radius (`simulate --all`): one
//! closure over the whole graph at no hop limit, one spread per group with one.

use crate::attack::adjacency::Forward;
use crate::attack::closure::Closure;
use crate::attack::graph::{AttackGraph, Target};
use crate::attack::simulate::{Ranked, RANK_HOPS_FOR_TOP};
use std::collections::HashMap;

/// Simulate from every workload (one held pod each) and rank by blast radius,
/// largest first, ties by name.
///
/// Without a hop limit the blast radius is the size of the transitive
/// closure, computed once for the whole graph: strongly connected components
/// (Tarjan), then descendant sets as bitsets over the condensed
/// DAG, sinks first. With `max_hops` each distinct start spreads on its own.
pub fn rank_all(g: &AttackGraph, entities: &[crate::engine::view::Entity]) -> Vec<Ranked> {
    let mut out = rank_by_blast(g, entities);
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

/// [`rank_all`] without the hop counts of the first rows (every
/// `max_hop` is `None`): the blast radii alone, as `diff` compares them.
pub fn rank_by_blast(g: &AttackGraph, entities: &[crate::engine::view::Entity]) -> Vec<Ranked> {
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
                target_hops: Vec::new(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.blast_radius
            .cmp(&a.blast_radius)
            .then_with(|| a.workload.cmp(&b.workload))
    });
    out
}

/// Fill [`Ranked::target_hops`] for the first `top` rows: one simulation
/// from one held pod of each, as `simulate --from` would run it.
pub fn target_hops(
    g: &AttackGraph,
    entities: &[crate::engine::view::Entity],
    ranked: &mut [Ranked],
    targets: &[Target],
    top: usize,
) {
    if targets.is_empty() {
        return;
    }
    let by_name: HashMap<&str, &crate::engine::view::Entity> =
        entities.iter().map(|e| (e.name.as_str(), e)).collect();
    for r in ranked.iter_mut().take(top) {
        let Some(&p) = by_name
            .get(r.workload.as_str())
            .and_then(|e| e.pods.first())
        else {
            continue;
        };
        let sim = g.simulate(&r.workload, &[(p, 1)], targets);
        r.target_hops = sim.targets.iter().map(|t| t.hop).collect();
    }
}

/// Pods compromised from one held pod of each group, at no hop limit: the
/// pods reachable in the closure (see [`Closure`]),
/// less the held pod when a path leads back to its own group.
fn closure_blast(g: &AttackGraph) -> Vec<u64> {
    let weight: Vec<u64> = g.groups.iter().map(|gr| gr.replicas).collect();
    let self_loop = |v: usize| g.edges.self_loop(v);
    let closure = Closure::new(&Forward(&g.edges), &weight);
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

#[cfg(test)]
mod tests {
    use super::rank_all;
    use crate::attack::fixtures::{allow, chain, chain_docs, World};
    use crate::attack::graph::SimOptions;
    use crate::engine::view::{entities, Level};

    fn ranking(w: &World, o: &SimOptions) -> Vec<(String, u64, Option<usize>)> {
        let g = w.graph(o);
        let es = entities(&w.c, &w.r, Level::Workload);
        rank_all(&g, &es)
            .into_iter()
            .map(|r| (r.workload, r.blast_radius, r.max_hop))
            .collect()
    }

    fn row(w: &str, br: u64, h: usize) -> (String, u64, Option<usize>) {
        (w.to_string(), br, Some(h))
    }

    #[test]
    fn chain_ranks_by_blast_radius() {
        let w = chain();
        assert_eq!(
            ranking(&w, &SimOptions::default()),
            vec![
                row("x/a[Pod]", 4, 3),
                row("x/b[Deployment]", 2, 2),
                row("x/c[Pod]", 1, 1),
                row("x/d[Pod]", 0, 0),
            ]
        );
        let one_hop = SimOptions {
            max_hops: Some(1),
            ..SimOptions::default()
        };
        // Ties are broken by name.
        assert_eq!(
            ranking(&w, &one_hop),
            vec![
                row("x/a[Pod]", 2, 1),
                row("x/b[Deployment]", 1, 1),
                row("x/c[Pod]", 1, 1),
                row("x/d[Pod]", 0, 0),
            ]
        );
    }

    #[test]
    fn closure_ranking_equals_one_spread_per_workload_with_a_cycle() {
        // d -> a closes the cycle: b's other replica becomes reachable from b.
        let mut docs = chain_docs();
        docs.push(allow("a", "d", 80));
        let w = World::new(&docs);
        let g = w.graph(&SimOptions::default());
        let ranked = ranking(&w, &SimOptions::default());
        for (name, br, _) in &ranked {
            let p = w.pod(name.split('[').next().unwrap());
            assert_eq!(*br, g.spread(&[(p, 1)]).blast_radius(&g), "{name}");
        }
        assert!(ranked.iter().any(|r| r == &row("x/b[Deployment]", 4, 4)));
    }
}
