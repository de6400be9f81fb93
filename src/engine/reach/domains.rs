//! `domainNames` destinations (CNP-12): each name or pattern some rule
//! names is a destination of its own, outside the cluster and never
//! resolved (docs/semantics.md, "domainNames destinations").
//!
//! A name's verdict depends on the address it would resolve to: an
//! `ipBlock` matches it only there. So the fill first decides every
//! (name, address range) pair as an extra destination column, each range
//! an atom of the egress `ipBlock`s in an address family in use, with
//! `domainNames` peers matching by name and address peers by range; then
//! [`Domains::fold`] folds each name's ranges into one column: what some
//! range may allow is allowed (the worst case), and where the ranges
//! disagree the connection *depends on resolution* and is ambiguous, as a
//! CNP-4 tie is.

use crate::engine::eval;
use crate::engine::reach::cells::Cells;
use crate::engine::reach::conn_table::{ConnTable, ALL, EMPTY};
use crate::engine::reach::matrix::Ambiguity;
use crate::model::domain;
use crate::model::ip::IpRange;
use crate::model::{Cluster, Direction, Peer, Rule};
use fixedbitset::FixedBitSet;
use std::collections::BTreeMap;

/// The named destinations and the address ranges they may resolve to.
#[derive(Clone, Debug, Default)]
pub(super) struct Domains {
    /// Every name or pattern of a `domainNames` peer, canonical, sorted.
    pub names: Vec<String>,
    /// The ranges a name may resolve to: the egress `ipBlock`s cut into
    /// atoms, IPv4, and IPv6 when in use. Empty when there is no name.
    pub ranges: Vec<IpRange>,
}

impl Domains {
    /// The names the cluster's rules name, and `extra` (canonical).
    pub fn collect(cluster: &Cluster, extra: &[String]) -> Domains {
        let mut names: Vec<String> = extra.to_vec();
        for p in &cluster.policies {
            for r in p.rules(Direction::Egress).unwrap_or(&[]) {
                for peer in r.peers.iter().flatten() {
                    if let Peer::DomainNames(n) = peer {
                        names.extend(n.iter().cloned());
                    }
                }
            }
        }
        if names.is_empty() {
            return Domains::default();
        }
        names.sort_unstable();
        names.dedup();
        let ranges = eval::resolution_ranges(cluster);
        Domains { names, ranges }
    }

    /// Extra destination columns during the fill: one per (name, range).
    pub fn positions(&self) -> usize {
        self.names.len() * self.ranges.len()
    }

    /// The (name, range) columns an egress rule's peers match, as bits
    /// `first + name * ranges + range` of `ext`, grown to hold them.
    pub fn mark(&self, rule: &Rule, ext: &mut FixedBitSet, first: usize) {
        let m = self.ranges.len();
        if m == 0 {
            return;
        }
        ext.grow(first + self.positions());
        let Some(peers) = &rule.peers else {
            // SEM-14: every destination, named ones too.
            ext.insert_range(first..first + self.positions());
            return;
        };
        for peer in peers {
            match peer {
                Peer::DomainNames(patterns) => {
                    for (d, name) in self.names.iter().enumerate() {
                        if patterns.iter().any(|p| domain::covers(p, name)) {
                            ext.insert_range(first + d * m..first + (d + 1) * m);
                        }
                    }
                }
                Peer::IpBlock(b) => {
                    for (a, range) in self.ranges.iter().enumerate() {
                        if b.covers(range) {
                            for d in 0..self.names.len() {
                                ext.insert(first + d * m + a);
                            }
                        }
                    }
                }
                // A named destination is outside the cluster: no pod, no node.
                Peer::Pods { .. } | Peer::Nodes { .. } => {}
            }
        }
    }

    /// Fold the (name, range) columns of `cells` (at `first..` of each row
    /// of `stride`) into one column per name, after the `first` columns
    /// kept: returns the new cells, of stride `first + names`. Ambiguous
    /// (name, range) parts and the parts where ranges disagree become the
    /// name's ambiguous part.
    pub fn fold(
        &self,
        cells: &Cells,
        rows: usize,
        stride: usize,
        first: usize,
        table: &mut ConnTable,
        amb: &mut Ambiguity,
    ) -> Cells {
        let (nd, m) = (self.names.len(), self.ranges.len());
        let width = first + nd;
        let mut out = Cells::filled(rows * width, EMPTY);
        // The (name, range) ambiguities by row, taken out of the map.
        let mut by_row: BTreeMap<(usize, usize), u32> = BTreeMap::new();
        amb.cells.retain(|&(i, k), id| {
            if k >= first {
                by_row.insert((i, k - first), *id);
                false
            } else {
                true
            }
        });
        for i in 0..rows {
            for k in 0..first {
                out.set(i * width + k, cells.get(i * stride + k));
            }
            for d in 0..nd {
                let (mut may, mut every, mut tied) = (EMPTY, ALL, EMPTY);
                for a in 0..m {
                    let pos = d * m + a;
                    let v = cells.get(i * stride + first + pos);
                    may = table.union(may, v);
                    every = table.intersect(every, v);
                    if let Some(&t) = by_row.get(&(i, pos)) {
                        tied = table.union(tied, t);
                    }
                }
                out.set(i * width + first + d, may);
                // Allowed at some range, not at all: depends on resolution.
                let depends = table.subtract(may, every);
                let ambiguous = table.union(depends, tied);
                if ambiguous != EMPTY {
                    amb.cells.insert((i, first + d), ambiguous);
                }
            }
        }
        out
    }
}
