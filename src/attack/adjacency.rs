//! The attack graph's edges, stored factored instead of one by one.
//!
//! The matrix already says which groups behave alike: every class of one
//! row key reaches the same column keys with the same connections
//! ([`crate::engine::reach`]). So the edges are kept as
//!
//! * **rows**: groups whose classes share a row key have the same out-edges;
//! * **buckets**: groups whose classes share a column key, the same entry
//!   connections (`--via`, `--listening-only`) and the same exploitability
//!   annotation are reached alike;
//! * one entry per (row, bucket) pair with a connection, holding the edge
//!   weight, forwards (per row) and backwards (per bucket).
//!
//! An edge a → b is the entry (row of a, bucket of b) expanded to every
//! group of the row and of the bucket. Memory grows with the entries (8 bytes
//! each way), not with the edges: 150,000 pods with 147 M edges between
//! 41,000 groups keep 0.1–0.2 GB of entries where one object an edge took
//! 3.4 GB. Walking the out-edges of a group still costs one step an edge.

use std::ops::Range;

/// Items grouped by an index (compressed sparse rows).
#[derive(Clone, Debug, Default)]
struct Csr<T> {
    start: Vec<usize>,
    items: Vec<T>,
}

impl<T: Copy> Csr<T> {
    /// Group `(key, item)` pairs by key (`keys` keys), keeping the pairs'
    /// order within a key (a counting sort).
    fn by_key(keys: usize, pairs: impl Iterator<Item = (usize, T)> + Clone) -> Csr<T> {
        let mut start = vec![0usize; keys + 1];
        let mut len = 0usize;
        for (k, _) in pairs.clone() {
            if let Some(s) = start.get_mut(k + 1) {
                *s += 1;
                len += 1;
            }
        }
        for i in 1..start.len() {
            let prev = start.get(i - 1).copied().unwrap_or(0);
            if let Some(s) = start.get_mut(i) {
                *s += prev;
            }
        }
        let mut next = start.clone();
        let mut items: Vec<Option<T>> = vec![None; len];
        for (k, item) in pairs {
            if let Some(at) = next.get_mut(k) {
                if let Some(slot) = items.get_mut(*at) {
                    *slot = Some(item);
                }
                *at += 1;
            }
        }
        Csr {
            start,
            items: items.into_iter().flatten().collect(),
        }
    }

    fn range(&self, i: usize) -> Range<usize> {
        let a = self.start.get(i).copied().unwrap_or(0);
        let b = i
            .checked_add(1)
            .and_then(|j| self.start.get(j))
            .copied()
            .unwrap_or(a);
        a..b.max(a)
    }

    fn get(&self, i: usize) -> &[T] {
        self.items.get(self.range(i)).unwrap_or(&[])
    }

    fn len(&self) -> usize {
        self.start.len().saturating_sub(1)
    }
}

/// The edges between groups, factored by rows and buckets (module header).
#[derive(Clone, Debug, Default)]
pub struct Adjacency {
    row_of: Vec<u32>,
    row_groups: Csr<u32>,
    /// Per row: (bucket, connection id), buckets ascending.
    row_out: Csr<(u32, u32)>,
    bucket_of: Vec<u32>,
    bucket_groups: Csr<u32>,
    /// Per bucket: (row, connection id), rows ascending.
    bucket_in: Csr<(u32, u32)>,
    edges: u64,
}

impl Adjacency {
    /// `row_of[g]` and `bucket_of[g]` for every group, and the entries of
    /// each row as `(bucket, connection id)` with a non-empty id, buckets
    /// ascending.
    pub fn new(row_of: Vec<u32>, bucket_of: Vec<u32>, row_out: Vec<Vec<(u32, u32)>>) -> Adjacency {
        let rows = row_out.len();
        let buckets = bucket_of.iter().map(|&b| b as usize + 1).max().unwrap_or(0);
        let row_groups = Csr::by_key(
            rows,
            row_of
                .iter()
                .enumerate()
                .map(|(g, &r)| (r as usize, g as u32)),
        );
        let bucket_groups = Csr::by_key(
            buckets,
            bucket_of
                .iter()
                .enumerate()
                .map(|(g, &b)| (b as usize, g as u32)),
        );
        let bucket_in = Csr::by_key(
            buckets,
            row_out
                .iter()
                .enumerate()
                .flat_map(|(r, out)| out.iter().map(move |&(b, w)| (b as usize, (r as u32, w)))),
        );
        let mut edges = 0u64;
        for (r, out) in row_out.iter().enumerate() {
            let sources = row_groups.get(r).len() as u64;
            let targets: u64 = out
                .iter()
                .map(|&(b, _)| bucket_groups.get(b as usize).len() as u64)
                .sum();
            edges = edges.saturating_add(sources.saturating_mul(targets));
        }
        let row_out = Csr::by_key(
            rows,
            row_out
                .iter()
                .enumerate()
                .flat_map(|(r, out)| out.iter().map(move |&e| (r, e))),
        );
        Adjacency {
            row_of,
            row_groups,
            row_out,
            bucket_of,
            bucket_groups,
            bucket_in,
            edges,
        }
    }

    /// Number of groups (nodes).
    pub fn node_count(&self) -> usize {
        self.row_of.len()
    }

    /// Number of edges (each group pair with a connection, self-edges
    /// included).
    pub fn edge_count(&self) -> u64 {
        self.edges
    }

    /// Number of stored (row, bucket) entries: what the memory grows with.
    pub fn entry_count(&self) -> usize {
        self.row_out.items.len()
    }

    /// Rows and buckets.
    pub fn shape(&self) -> (usize, usize) {
        (self.row_out.len(), self.bucket_groups.len())
    }

    fn row(&self, g: usize) -> usize {
        self.row_of.get(g).map_or(usize::MAX, |&r| r as usize)
    }

    fn bucket(&self, g: usize) -> usize {
        self.bucket_of.get(g).map_or(usize::MAX, |&b| b as usize)
    }

    /// Out-edges of group `a`: `(b, connection id)`, by bucket, then by
    /// group ascending within a bucket.
    pub fn out(&self, a: usize) -> Out<'_> {
        Out {
            groups: &self.bucket_groups,
            entries: self.row_out.get(self.row(a)).iter(),
            targets: [].iter(),
            w: 0,
        }
    }

    /// In-edges of group `b`: `(a, connection id)`, by row, then by group
    /// ascending within a row.
    pub fn incoming(&self, b: usize) -> Out<'_> {
        Out {
            groups: &self.row_groups,
            entries: self.bucket_in.get(self.bucket(b)).iter(),
            targets: [].iter(),
            w: 0,
        }
    }

    /// The connection id of edge a → b, if there is one.
    pub fn weight(&self, a: usize, b: usize) -> Option<u32> {
        let bucket = u32::try_from(self.bucket(b)).ok()?;
        let out = self.row_out.get(self.row(a));
        let i = out.binary_search_by_key(&bucket, |&(x, _)| x).ok()?;
        out.get(i).map(|&(_, w)| w)
    }

    /// Whether pods of group `a` reach each other.
    pub fn self_loop(&self, a: usize) -> bool {
        self.weight(a, a).is_some()
    }

    /// Number of out-edges of group `a`.
    pub fn out_degree(&self, a: usize) -> u64 {
        self.row_entries(self.row(a))
            .iter()
            .map(|&(b, _)| self.bucket_groups.get(b as usize).len() as u64)
            .sum()
    }

    /// Every edge `(a, b, connection id)`: sources ascending, each source's
    /// out-edges in [`Adjacency::out`] order.
    pub fn edges(&self) -> impl Iterator<Item = (usize, usize, u32)> + '_ {
        (0..self.node_count()).flat_map(move |a| self.out(a).map(move |(b, w)| (a, b, w)))
    }

    /// The row of group `g` (`usize::MAX` for no group): groups of one
    /// row have the same out-edges.
    pub fn row_of(&self, g: usize) -> usize {
        self.row(g)
    }

    /// The bucket of group `g` (`usize::MAX` for no group): groups of one
    /// bucket are reached alike (same sources, same connections).
    pub fn bucket_of(&self, g: usize) -> usize {
        self.bucket(g)
    }

    /// The entries of row `r`: `(bucket, connection id)`, buckets ascending.
    pub fn row_entries(&self, r: usize) -> &[(u32, u32)] {
        self.row_out.get(r)
    }

    /// The groups of bucket `b`, ascending.
    pub fn bucket_groups(&self, b: usize) -> &[u32] {
        self.bucket_groups.get(b)
    }
}

/// Edges out of (or into) one group, expanded from the stored entries.
#[derive(Clone, Debug)]
pub struct Out<'g> {
    groups: &'g Csr<u32>,
    entries: std::slice::Iter<'g, (u32, u32)>,
    targets: std::slice::Iter<'g, u32>,
    w: u32,
}

impl Iterator for Out<'_> {
    type Item = (usize, u32);

    fn next(&mut self) -> Option<(usize, u32)> {
        loop {
            if let Some(&g) = self.targets.next() {
                return Some((g as usize, self.w));
            }
            let &(k, w) = self.entries.next()?;
            self.targets = self.groups.get(k as usize).iter();
            self.w = w;
        }
    }
}

/// A directed graph over nodes `0..n`, for [`crate::attack::closure`].
pub trait Successors {
    type Iter<'s>: Iterator<Item = usize>
    where
        Self: 's;
    fn node_count(&self) -> usize;
    fn successors(&self, v: usize) -> Self::Iter<'_>;
}

/// The attack graph forwards.
#[derive(Clone, Copy, Debug)]
pub struct Forward<'g>(pub &'g Adjacency);

/// The attack graph with every edge reversed.
#[derive(Clone, Copy, Debug)]
pub struct Backward<'g>(pub &'g Adjacency);

/// The attack graph less one edge `from → to`.
#[derive(Clone, Copy, Debug)]
pub struct Without<'g> {
    pub adj: &'g Adjacency,
    pub from: usize,
    pub to: usize,
}

/// Targets only, of an [`Out`].
pub struct Nodes<'g> {
    inner: Out<'g>,
    skip: Option<usize>,
}

impl Iterator for Nodes<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        loop {
            let (b, _) = self.inner.next()?;
            if Some(b) != self.skip {
                return Some(b);
            }
        }
    }
}

/// A view of the factored graph: its node count and each node's targets.
trait View {
    fn adjacency(&self) -> &Adjacency;
    fn nodes(&self, v: usize) -> Nodes<'_>;
}

impl View for Forward<'_> {
    fn adjacency(&self) -> &Adjacency {
        self.0
    }
    fn nodes(&self, v: usize) -> Nodes<'_> {
        Nodes {
            inner: self.0.out(v),
            skip: None,
        }
    }
}

impl View for Backward<'_> {
    fn adjacency(&self) -> &Adjacency {
        self.0
    }
    fn nodes(&self, v: usize) -> Nodes<'_> {
        Nodes {
            inner: self.0.incoming(v),
            skip: None,
        }
    }
}

impl View for Without<'_> {
    fn adjacency(&self) -> &Adjacency {
        self.adj
    }
    fn nodes(&self, v: usize) -> Nodes<'_> {
        Nodes {
            inner: self.adj.out(v),
            skip: (v == self.from).then_some(self.to),
        }
    }
}

impl<T: View> Successors for T {
    type Iter<'s>
        = Nodes<'s>
    where
        Self: 's;
    fn node_count(&self) -> usize {
        self.adjacency().node_count()
    }
    fn successors(&self, v: usize) -> Nodes<'_> {
        self.nodes(v)
    }
}

// The factored graph is a petgraph graph to petgraph's traversals and
// algorithms (`Dfs`, `Bfs`, `kosaraju_scc`, `has_path_connecting`, …): they
// walk the stored entries, no edge is materialised. (Its `tarjan_scc`
// recurses once per node on the path, which overflows the main thread's
// stack on a long chain; [`crate::attack::closure::sccs`] does not.)
impl petgraph::visit::GraphBase for Forward<'_> {
    type NodeId = usize;
    type EdgeId = (usize, usize);
}

impl petgraph::visit::GraphRef for Forward<'_> {}

impl petgraph::visit::NodeCount for Forward<'_> {
    fn node_count(&self) -> usize {
        self.0.node_count()
    }
}

impl petgraph::visit::NodeIndexable for Forward<'_> {
    fn node_bound(&self) -> usize {
        self.0.node_count()
    }
    fn to_index(&self, a: usize) -> usize {
        a
    }
    fn from_index(&self, i: usize) -> usize {
        i
    }
}

impl petgraph::visit::Visitable for Forward<'_> {
    type Map = fixedbitset::FixedBitSet;
    fn visit_map(&self) -> fixedbitset::FixedBitSet {
        fixedbitset::FixedBitSet::with_capacity(self.0.node_count())
    }
    fn reset_map(&self, map: &mut fixedbitset::FixedBitSet) {
        map.clear();
        map.grow(self.0.node_count());
    }
}

impl<'g> petgraph::visit::IntoNodeIdentifiers for Forward<'g> {
    type NodeIdentifiers = Range<usize>;
    fn node_identifiers(self) -> Range<usize> {
        0..self.0.node_count()
    }
}

impl<'g> petgraph::visit::IntoNeighbors for Forward<'g> {
    type Neighbors = Nodes<'g>;
    fn neighbors(self, a: usize) -> Nodes<'g> {
        Nodes {
            inner: self.0.out(a),
            skip: None,
        }
    }
}

impl<'g> petgraph::visit::IntoNeighborsDirected for Forward<'g> {
    type NeighborsDirected = Nodes<'g>;
    fn neighbors_directed(self, a: usize, d: petgraph::Direction) -> Nodes<'g> {
        let inner = match d {
            petgraph::Direction::Outgoing => self.0.out(a),
            petgraph::Direction::Incoming => self.0.incoming(a),
        };
        Nodes { inner, skip: None }
    }
}

/// Plain adjacency lists (tests and small graphs).
impl Successors for Vec<Vec<usize>> {
    type Iter<'s>
        = std::iter::Copied<std::slice::Iter<'s, usize>>
    where
        Self: 's;
    fn node_count(&self) -> usize {
        self.len()
    }
    fn successors(&self, v: usize) -> Self::Iter<'_> {
        self.get(v).map_or(&[][..], Vec::as_slice).iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::{Adjacency, Backward, Forward, Successors, Without};

    /// Groups 0..5; rows {0,1} {2} {3,4}; buckets {0} {1,2} {3} {4}.
    fn small() -> Adjacency {
        Adjacency::new(
            vec![0, 0, 1, 2, 2],
            vec![0, 1, 1, 2, 3],
            vec![vec![(1, 7), (2, 8)], vec![(0, 9)], vec![(3, 7)]],
        )
    }

    fn expand(a: &Adjacency) -> Vec<(usize, usize, u32)> {
        let mut v: Vec<_> = a.edges().collect();
        v.sort();
        v
    }

    #[test]
    fn entries_expand_to_every_group_of_the_row_and_the_bucket() {
        let a = small();
        let want = vec![
            (0, 1, 7),
            (0, 2, 7),
            (0, 3, 8),
            (1, 1, 7),
            (1, 2, 7),
            (1, 3, 8),
            (2, 0, 9),
            (3, 4, 7),
            (4, 4, 7),
        ];
        assert_eq!(expand(&a), want);
        assert_eq!(a.edge_count(), 9);
        assert_eq!(a.entry_count(), 4);
        assert_eq!(a.shape(), (3, 4));
        assert_eq!(a.weight(1, 3), Some(8));
        assert_eq!(a.weight(3, 1), None);
        assert_eq!(a.weight(9, 1), None);
        assert!(a.self_loop(1) && a.self_loop(4) && !a.self_loop(0) && !a.self_loop(2));
        assert_eq!(a.out_degree(0), 3);
        assert_eq!(a.out_degree(2), 1);
        // In-edges are the same edges, reversed.
        let mut back: Vec<(usize, usize, u32)> = (0..5)
            .flat_map(|b| a.incoming(b).map(move |(x, w)| (x, b, w)))
            .collect();
        back.sort();
        assert_eq!(back, want);
    }

    #[test]
    fn views_forwards_backwards_and_without_one_edge() {
        let a = small();
        let f: Vec<usize> = Forward(&a).successors(0).collect();
        assert_eq!(f, vec![1, 2, 3]);
        let b: Vec<usize> = Backward(&a).successors(1).collect();
        assert_eq!(b, vec![0, 1]);
        let w = Without {
            adj: &a,
            from: 0,
            to: 2,
        };
        assert_eq!(w.successors(0).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(w.successors(1).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(Forward(&a).node_count(), 5);
    }

    #[test]
    fn petgraph_walks_the_factored_graph() {
        use petgraph::visit::{Dfs, Reversed};
        let a = small();
        let mut dfs = Dfs::new(Forward(&a), 2);
        let mut seen = Vec::new();
        while let Some(v) = dfs.next(Forward(&a)) {
            seen.push(v);
        }
        seen.sort();
        assert_eq!(seen, vec![0, 1, 2, 3, 4]);
        assert!(!petgraph::algo::has_path_connecting(
            Forward(&a),
            3,
            0,
            None
        ));
        assert!(petgraph::algo::has_path_connecting(
            Reversed(Forward(&a)),
            4,
            2,
            None
        ));
        // petgraph's components are ours.
        let mut theirs = petgraph::algo::kosaraju_scc(Forward(&a));
        let mut ours = crate::attack::closure::sccs(&Forward(&a));
        for c in theirs.iter_mut().chain(ours.iter_mut()) {
            c.sort();
        }
        theirs.sort();
        ours.sort();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn an_empty_graph_has_no_edges() {
        let a = Adjacency::new(vec![0, 0], vec![0, 1], vec![vec![]]);
        assert_eq!(a.edge_count(), 0);
        assert_eq!(a.edges().count(), 0);
        assert_eq!(Adjacency::default().node_count(), 0);
    }
}
