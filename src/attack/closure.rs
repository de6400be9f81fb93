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

#[cfg(test)]
mod tests {
    use super::{reach_weights, Closure};
    use crate::util::rng::Rng;
    use petgraph::graph::{DiGraph, NodeIndex};

    /// Weight reachable from `v` by one or more edges, by breadth-first search.
    fn bfs_weight(g: &DiGraph<(), ()>, v: usize, weight: &[u64]) -> u64 {
        let mut seen = vec![false; g.node_count()];
        let mut queue: Vec<usize> = g.neighbors(NodeIndex::new(v)).map(|n| n.index()).collect();
        while let Some(x) = queue.pop() {
            if !seen[x] {
                seen[x] = true;
                queue.extend(g.neighbors(NodeIndex::new(x)).map(|n| n.index()));
            }
        }
        (0..seen.len())
            .filter(|&x| seen[x])
            .map(|x| weight[x])
            .sum()
    }

    fn graph(n: usize, edges: &[(usize, usize)]) -> DiGraph<(), ()> {
        let mut g = DiGraph::new();
        for _ in 0..n {
            g.add_node(());
        }
        for &(a, b) in edges {
            g.add_edge(NodeIndex::new(a), NodeIndex::new(b), ());
        }
        g
    }

    fn weights_of(g: &DiGraph<(), ()>, weight: &[u64]) -> Vec<u64> {
        let self_loop = |v: usize| g.contains_edge(NodeIndex::new(v), NodeIndex::new(v));
        reach_weights(g, g.node_count(), weight, &self_loop)
    }

    #[test]
    fn components_and_descendants_of_a_small_graph() {
        // 0 -> 1 <-> 2 -> 3, 4 -> 4 (self-loop), 5 alone.
        let g = graph(6, &[(0, 1), (1, 2), (2, 1), (2, 3), (4, 4)]);
        let weight = [1, 2, 3, 4, 5, 6];
        let c = Closure::new(&g, 6, &weight);
        assert_eq!(c.sccs.len(), 5);
        assert_eq!(c.scc_of[1], c.scc_of[2]);
        assert_ne!(c.scc_of[0], c.scc_of[1]);
        assert_eq!(c.scc_weight[c.scc_of[1]], 5);
        assert_eq!(c.below_weight[c.scc_of[0]], 9);
        assert_eq!(c.below_weight[c.scc_of[3]], 0);
        // 1 and 2 reach each other (and so themselves); 4 reaches itself.
        assert_eq!(weights_of(&g, &weight), vec![9, 9, 9, 0, 5, 0]);
    }

    #[test]
    fn closure_equals_breadth_first_search_on_random_graphs() {
        for seed in 0..200u64 {
            let mut rng = Rng::for_trial(7, seed);
            let n = 1 + rng.below(12);
            let m = rng.below(3 * n);
            let edges: Vec<(usize, usize)> = (0..m).map(|_| (rng.below(n), rng.below(n))).collect();
            let g = graph(n, &edges);
            let weight: Vec<u64> = (0..n).map(|_| rng.below(5) as u64).collect();
            let want: Vec<u64> = (0..n).map(|v| bfs_weight(&g, v, &weight)).collect();
            assert_eq!(weights_of(&g, &weight), want, "seed {seed}: {edges:?}");
        }
    }
}
