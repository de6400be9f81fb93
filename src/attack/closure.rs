//! Transitive closure of a directed graph: strongly connected components
//! (petgraph's Tarjan, sinks first) and descendant bitsets over the
//! condensed DAG, with the weight reachable below each node.

use fixedbitset::FixedBitSet;
use petgraph::algo::tarjan_scc;
use petgraph::visit::{IntoNeighbors, IntoNodeIdentifiers, NodeIndexable};

/// Strongly connected components and the weight below each.
pub struct Closure {
    pub sccs: Vec<Vec<usize>>,
    pub scc_of: Vec<usize>,
    pub scc_weight: Vec<u64>,
    /// Strict descendants of each component.
    pub below: Vec<FixedBitSet>,
    pub below_weight: Vec<u64>,
}

impl Closure {
    pub fn new<G>(graph: G, n: usize, weight: &[u64]) -> Closure
    where
        G: IntoNeighbors + IntoNodeIdentifiers + NodeIndexable,
    {
        let raw = tarjan_scc(graph); // sinks first
        let sccs: Vec<Vec<usize>> = raw
            .iter()
            .map(|c| c.iter().map(|&v| graph.to_index(v)).collect())
            .collect();
        let mut scc_of = vec![0usize; n];
        for (i, comp) in sccs.iter().enumerate() {
            for &v in comp {
                if let Some(s) = scc_of.get_mut(v) {
                    *s = i;
                }
            }
        }
        let scc_weight: Vec<u64> = sccs
            .iter()
            .map(|c| c.iter().map(|&v| weight.get(v).copied().unwrap_or(0)).sum())
            .collect();
        let mut below: Vec<FixedBitSet> = Vec::with_capacity(sccs.len());
        let mut below_weight: Vec<u64> = Vec::with_capacity(sccs.len());
        for (i, comp) in raw.iter().enumerate() {
            let mut set = FixedBitSet::with_capacity(sccs.len());
            for &v in comp {
                for m in graph.neighbors(v) {
                    let j = scc_of.get(graph.to_index(m)).copied().unwrap_or(i);
                    if j != i && !set.contains(j) {
                        set.insert(j);
                        if let Some(b) = below.get(j) {
                            set.union_with(b);
                        }
                    }
                }
            }
            below_weight.push(set.ones().filter_map(|j| scc_weight.get(j)).sum());
            below.push(set);
        }
        Closure {
            sccs,
            scc_of,
            scc_weight,
            below,
            below_weight,
        }
    }

    /// Per node: the weight reachable from it (strict descendants, plus its
    /// own weight when a path leads back to it).
    pub fn per_node(&self, weight: &[u64], self_loop: &dyn Fn(usize) -> bool) -> Vec<u64> {
        (0..self.scc_of.len())
            .map(|v| {
                let i = self.scc_of.get(v).copied().unwrap_or(0);
                let comp_len = self.sccs.get(i).map_or(1, |c| c.len());
                let own = weight.get(v).copied().unwrap_or(0);
                let cyclic = comp_len > 1 || self_loop(v);
                let rest_of_scc = self.scc_weight.get(i).copied().unwrap_or(0) - own;
                self.below_weight.get(i).copied().unwrap_or(0)
                    + rest_of_scc
                    + if cyclic { own } else { 0 }
            })
            .collect()
    }
}

/// Per node: the weight reachable from it (see [`Closure::per_node`]).
pub fn reach_weights<G>(
    graph: G,
    n: usize,
    weight: &[u64],
    self_loop: &dyn Fn(usize) -> bool,
) -> Vec<u64>
where
    G: IntoNeighbors + IntoNodeIdentifiers + NodeIndexable,
{
    Closure::new(graph, n, weight).per_node(weight, self_loop)
}
