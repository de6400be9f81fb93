//! Transitive closure of a directed graph: strongly connected components
//! (Tarjan's algorithm, iterative, sinks first) and descendant bitsets over
//! the condensed DAG, with the weight reachable below each node.

use crate::attack::adjacency::Successors;
use fixedbitset::FixedBitSet;

/// Strongly connected components and the weight below each.
pub struct Closure {
    pub sccs: Vec<Vec<usize>>,
    pub scc_of: Vec<usize>,
    pub scc_weight: Vec<u64>,
    /// Strict descendants of each component.
    pub below: Vec<FixedBitSet>,
    pub below_weight: Vec<u64>,
}

/// Strongly connected components, sinks first (every edge leaves a
/// component for one listed before it). Iterative: a path of 150,000 nodes
/// needs no call stack (petgraph's recursive version overflows the main
/// thread's on one).
pub fn sccs<G: Successors>(graph: &G) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = graph.node_count();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0usize; n];
    let mut on_stack = FixedBitSet::with_capacity(n);
    let mut stack: Vec<usize> = Vec::new();
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut next_index = 0usize;
    let mut calls: Vec<(usize, G::Iter<'_>)> = Vec::new();
    for root in 0..n {
        if index.get(root).copied() != Some(UNSEEN) {
            continue;
        }
        // Enter a node: number it, put it on the stack, start its successors.
        macro_rules! enter {
            ($v:expr) => {{
                let v: usize = $v;
                if let (Some(i), Some(l)) = (index.get_mut(v), low.get_mut(v)) {
                    *i = next_index;
                    *l = next_index;
                }
                next_index += 1;
                stack.push(v);
                on_stack.insert(v);
                calls.push((v, graph.successors(v)));
            }};
        }
        enter!(root);
        while let Some((v, it)) = calls.last_mut() {
            let v = *v;
            if let Some(w) = it.next() {
                if w >= n {
                    continue;
                }
                if index.get(w).copied() == Some(UNSEEN) {
                    enter!(w);
                } else if on_stack.contains(w) {
                    let iw = index.get(w).copied().unwrap_or(UNSEEN);
                    if let Some(lv) = low.get_mut(v) {
                        *lv = (*lv).min(iw);
                    }
                }
                continue;
            }
            calls.pop();
            let lv = low.get(v).copied().unwrap_or(0);
            if let Some(&(u, _)) = calls.last() {
                if let Some(lu) = low.get_mut(u) {
                    *lu = (*lu).min(lv);
                }
            }
            if Some(lv) == index.get(v).copied() {
                let mut comp = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack.set(w, false);
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(comp);
            }
        }
    }
    out
}

impl Closure {
    pub fn new<G: Successors>(graph: &G, weight: &[u64]) -> Closure {
        let n = graph.node_count();
        let sccs = sccs(graph); // sinks first
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
        for (i, comp) in sccs.iter().enumerate() {
            let mut set = FixedBitSet::with_capacity(sccs.len());
            for &v in comp {
                for m in graph.successors(v) {
                    let j = scc_of.get(m).copied().unwrap_or(i);
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
pub fn reach_weights<G: Successors>(
    graph: &G,
    weight: &[u64],
    self_loop: &dyn Fn(usize) -> bool,
) -> Vec<u64> {
    Closure::new(graph, weight).per_node(weight, self_loop)
}

#[cfg(test)]
mod tests {
    use super::{reach_weights, sccs, Closure};
    use crate::util::rng::Rng;

    type Lists = Vec<Vec<usize>>;

    /// Weight reachable from `v` by one or more edges, by breadth-first search.
    fn bfs_weight(g: &Lists, v: usize, weight: &[u64]) -> u64 {
        let mut seen = vec![false; g.len()];
        let mut queue: Vec<usize> = g[v].clone();
        while let Some(x) = queue.pop() {
            if !seen[x] {
                seen[x] = true;
                queue.extend(g[x].iter().copied());
            }
        }
        (0..seen.len())
            .filter(|&x| seen[x])
            .map(|x| weight[x])
            .sum()
    }

    fn graph(n: usize, edges: &[(usize, usize)]) -> Lists {
        let mut g = vec![Vec::new(); n];
        for &(a, b) in edges {
            g[a].push(b);
        }
        g
    }

    fn weights_of(g: &Lists, weight: &[u64]) -> Vec<u64> {
        let self_loop = |v: usize| g[v].contains(&v);
        reach_weights(g, weight, &self_loop)
    }

    #[test]
    fn components_and_descendants_of_a_small_graph() {
        // 0 -> 1 <-> 2 -> 3, 4 -> 4 (self-loop), 5 alone.
        let g = graph(6, &[(0, 1), (1, 2), (2, 1), (2, 3), (4, 4)]);
        let weight = [1, 2, 3, 4, 5, 6];
        let c = Closure::new(&g, &weight);
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
        for seed in 0..300u64 {
            let mut rng = Rng::for_trial(7, seed);
            let n = 1 + rng.below(12);
            let m = rng.below(3 * n);
            let edges: Vec<(usize, usize)> = (0..m).map(|_| (rng.below(n), rng.below(n))).collect();
            let g = graph(n, &edges);
            let weight: Vec<u64> = (0..n).map(|_| rng.below(5) as u64).collect();
            let want: Vec<u64> = (0..n).map(|v| bfs_weight(&g, v, &weight)).collect();
            assert_eq!(weights_of(&g, &weight), want, "seed {seed}: {edges:?}");
            // The same components as petgraph's (independent) Kosaraju.
            let mut pg = petgraph::graph::DiGraph::<(), ()>::new();
            let nodes: Vec<_> = (0..n).map(|_| pg.add_node(())).collect();
            for &(a, b) in &edges {
                pg.add_edge(nodes[a], nodes[b], ());
            }
            let norm = |mut v: Vec<Vec<usize>>| {
                v.iter_mut().for_each(|c| c.sort());
                v.sort();
                v
            };
            let theirs: Vec<Vec<usize>> = petgraph::algo::kosaraju_scc(&pg)
                .into_iter()
                .map(|c| c.into_iter().map(|x| x.index()).collect())
                .collect();
            assert_eq!(norm(sccs(&g)), norm(theirs), "seed {seed}");
            // Components are sinks first: an edge never leads to a later one.
            let c = Closure::new(&g, &weight);
            for &(a, b) in &edges {
                assert!(c.scc_of[b] <= c.scc_of[a], "seed {seed}: {a} -> {b}");
            }
        }
    }

    #[test]
    fn a_path_of_a_million_nodes_needs_no_call_stack() {
        // The recursive version overflows the stack on a long chain.
        let n = 1_000_000;
        let g: Lists = (0..n)
            .map(|v| if v + 1 < n { vec![v + 1] } else { vec![] })
            .collect();
        let comps = sccs(&g);
        assert_eq!(comps.len(), n);
        assert_eq!(comps[0], vec![n - 1], "the sink comes first");
        let mut cycle = g.clone();
        cycle[n - 1].push(0);
        assert_eq!(sccs(&cycle).len(), 1);
    }
}
