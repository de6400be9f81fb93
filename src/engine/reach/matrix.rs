//! Filling the matrix: isolation per class, then the egress side per source
//! row, then the ingress side per destination column, intersected (SEM-8).

use crate::engine::eval;
use crate::engine::reach::cells::Cells;
use crate::engine::reach::conn_table::{ConnTable, ALL, EMPTY};
use crate::engine::reach::named_ports::{RuleConns, Signatures};
use crate::engine::reach::peers::{CompiledPeers, PeerCompiler};
use crate::model::ip::IpRange;
use crate::model::{Cluster, Direction};
use fixedbitset::FixedBitSet;

/// Destination columns filled together before one pass over the rows.
const COLUMN_BLOCK: usize = 64;

/// Everything the fill reads and the table it interns into.
pub(super) struct Filler<'a, 'c> {
    pub cluster: &'c Cluster,
    /// Classes each policy governs, in policy order.
    pub selected: Vec<FixedBitSet>,
    pub peers: PeerCompiler<'a, 'c>,
    pub sigs: Signatures<'c>,
    pub table: ConnTable,
    pub class_count: usize,
}

/// Ingress rules compiled per policy, and per class the (policy, rule)
/// positions of the rules that govern it.
type IngressRules = (
    Vec<Vec<(CompiledPeers, RuleConns)>>,
    Vec<Vec<(usize, usize)>>,
);

impl Filler<'_, '_> {
    /// Isolation per class for one direction (SEM-3, SEM-5, SEM-6).
    pub fn isolation(&self, dir: Direction) -> Vec<bool> {
        let mut iso = vec![false; self.class_count];
        for (pol, sel) in self.cluster.policies.iter().zip(&self.selected) {
            if !eval::isolates(pol, dir) {
                continue;
            }
            for c in sel.ones() {
                if let Some(i) = iso.get_mut(c) {
                    *i = true;
                }
            }
        }
        iso
    }

    /// Egress side (SEM-8, source half): `cells[s][d]` and `cells[s][C + x]`.
    /// A row that is not isolated allows everything (SEM-4); an isolated row
    /// holds the union of its matching rules (SEM-7).
    pub fn egress(&mut self, isolated: &[bool], ext_dst: &[IpRange]) -> Cells {
        let nc = self.class_count;
        let stride = nc + ext_dst.len();
        let mut cells = Cells::filled(nc * stride, EMPTY);
        for (s, &iso) in isolated.iter().enumerate() {
            if !iso {
                cells.fill(s * stride, (s + 1) * stride, ALL); // SEM-4
            }
        }
        for (p, pol) in self.cluster.policies.iter().enumerate() {
            let Some(rules) = &pol.egress else { continue };
            let Some(sel) = self.selected.get(p).filter(|s| !s.is_clear()) else {
                continue;
            };
            for rule in rules {
                let peers = self.peers.compile(rule, &pol.namespace, ext_dst);
                let rc = self.sigs.rule_conns(rule, &mut self.table);
                let contrib = self.egress_contrib(&peers, &rc);
                for s in sel.ones() {
                    for &(k, id) in &contrib {
                        let i = s * stride + k;
                        cells.set(i, self.table.union(cells.get(i), id)); // SEM-7: union
                    }
                }
            }
        }
        cells
    }

    /// The (column, connections) one egress rule adds to each row it governs.
    fn egress_contrib(&self, peers: &CompiledPeers, rc: &RuleConns) -> Vec<(usize, u32)> {
        let nc = self.class_count;
        let mut contrib: Vec<(usize, u32)> = peers
            .classes
            .ones()
            .map(|d| (d, self.sigs.conn_at(rc, d)))
            .filter(|&(_, id)| id != EMPTY)
            .collect();
        if rc.to_ip != EMPTY {
            contrib.extend(peers.ext.ones().map(|x| (nc + x, rc.to_ip)));
        }
        contrib
    }

    /// Ingress rules compiled once per policy, in policy order, then listed
    /// under every class they govern.
    fn compile_ingress(&mut self, ext_src: &[IpRange]) -> IngressRules {
        let mut per_class: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.class_count];
        let mut compiled: Vec<Vec<(CompiledPeers, RuleConns)>> = Vec::new();
        for (p, pol) in self.cluster.policies.iter().enumerate() {
            let Some(rules) = &pol.ingress else { continue };
            let Some(sel) = self.selected.get(p).filter(|s| !s.is_clear()) else {
                continue;
            };
            let k = compiled.len();
            let mut these = Vec::with_capacity(rules.len());
            for rule in rules {
                let peers = self.peers.compile(rule, &pol.namespace, ext_src);
                these.push((peers, self.sigs.rule_conns(rule, &mut self.table)));
            }
            for d in sel.ones() {
                if let Some(list) = per_class.get_mut(d) {
                    list.extend((0..these.len()).map(|r| (k, r)));
                }
            }
            compiled.push(these);
        }
        (compiled, per_class)
    }

    /// Ingress side, one destination class at a time, intersected with the
    /// egress side in place (SEM-8); returns `from_ext` (`[x][d]`, row x at
    /// `x * classes`), where only the ingress side counts (SEM-9).
    pub fn ingress(
        &mut self,
        cells: &mut Cells,
        isolated: &[bool],
        ext_src: &[IpRange],
        stride: usize,
    ) -> Vec<u32> {
        let nc = self.class_count;
        let (compiled, per_class) = self.compile_ingress(ext_src);
        let nxs = ext_src.len();
        let height = nc + nxs;
        let mut from_ext = vec![EMPTY; nxs * nc];
        // Columns a block at a time, then one pass over the rows per block:
        // the cells are read in order, not one column (a cache miss per
        // cell) at a time.
        let mut cols = vec![EMPTY; COLUMN_BLOCK * height];
        for first in (0..nc).step_by(COLUMN_BLOCK) {
            let last = (first + COLUMN_BLOCK).min(nc);
            for (j, d) in (first..last).enumerate() {
                let (Some(rules), Some(&iso)) = (per_class.get(d), isolated.get(d)) else {
                    continue;
                };
                let Some(col) = cols.get_mut(j * height..(j + 1) * height) else {
                    continue;
                };
                col.fill(if iso { EMPTY } else { ALL }); // SEM-4
                let rules = rules
                    .iter()
                    .filter_map(|&(k, r)| compiled.get(k).and_then(|v| v.get(r)));
                for (peers, rc) in rules {
                    let id = self.sigs.conn_at(rc, d);
                    if id == EMPTY {
                        continue;
                    }
                    let ks = peers.classes.ones().chain(peers.ext.ones().map(|x| nc + x));
                    for k in ks {
                        if let Some(v) = col.get_mut(k) {
                            *v = self.table.union(*v, id); // SEM-7: union
                        }
                    }
                }
                let col_ext = col.get(nc..).unwrap_or_default();
                for (x, &from_x) in col_ext.iter().enumerate() {
                    if let Some(cell) = from_ext.get_mut(x * nc + d) {
                        *cell = from_x;
                    }
                }
            }
            for s in 0..nc {
                for (j, d) in (first..last).enumerate() {
                    let from_s = cols.get(j * height + s).copied().unwrap_or(EMPTY);
                    let i = s * stride + d;
                    cells.set(i, self.table.intersect(cells.get(i), from_s));
                }
            }
        }
        from_ext
    }
}
