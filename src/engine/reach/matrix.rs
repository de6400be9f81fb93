//! Filling the matrix: isolation per class, then the egress side per source
//! row, then the ingress side per destination column, intersected (SEM-8).

use crate::engine::eval;
use crate::engine::reach::cells::Cells;
use crate::engine::reach::conn_table::{ConnTable, ALL, EMPTY};
use crate::engine::reach::named_ports::{RuleConns, Signatures};
use crate::engine::reach::peers::{CompiledPeers, PeerCompiler};
use crate::engine::reach::tiers::{Column, Row};
use crate::model::ip::IpRange;
use crate::model::{Cluster, Direction};
use fixedbitset::FixedBitSet;
use std::collections::{BTreeMap, HashMap};

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
    pub fn egress(
        &mut self,
        isolated: &[bool],
        ext_dst: &[IpRange],
    ) -> (Cells, HashMap<usize, u32>) {
        let nc = self.class_count;
        let stride = nc + ext_dst.len();
        let mut cells = Cells::filled(nc * stride, EMPTY);
        for (s, &iso) in isolated.iter().enumerate() {
            if !iso {
                cells.fill(s * stride, (s + 1) * stride, ALL); // SEM-4
            }
        }
        for (p, pol) in self.cluster.policies.iter().enumerate() {
            // The cluster tiers come after, in `tiers` (CNP-1).
            if pol.tier.is_cluster() {
                continue;
            }
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
        // The cluster tiers around the NetworkPolicy value (CNP-1, CNP-2).
        let mut tiers = self.cluster_tiers(Direction::Egress, ext_dst);
        let mut amb = HashMap::new();
        if !tiers.is_empty() {
            for (s, &iso) in isolated.iter().enumerate() {
                if !tiers.governs(s) {
                    continue;
                }
                let mut row = Row {
                    cells: &mut cells,
                    start: s * stride,
                    width: stride,
                };
                for (k, id) in self.apply_tiers(&mut tiers, s, iso, &mut row) {
                    amb.insert(s * stride + k, id);
                }
            }
        }
        (cells, amb)
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
            if pol.tier.is_cluster() {
                continue;
            }
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
        egress_amb: &HashMap<usize, u32>,
    ) -> (Vec<u32>, Ambiguity) {
        let nc = self.class_count;
        let (compiled, per_class) = self.compile_ingress(ext_src);
        let mut tiers = self.cluster_tiers(Direction::Ingress, ext_src);
        let mut amb = Ambiguity::default();
        // Egress towards atoms: only the source side counts (SEM-9);
        // towards classes, kept by destination column until it is filled.
        let mut egress_by_col: HashMap<usize, HashMap<usize, u32>> = HashMap::new();
        for (&i, &id) in egress_amb {
            let (s, k) = (i / stride.max(1), i % stride.max(1));
            if k >= nc {
                amb.cells.insert((s, k), id);
            } else {
                egress_by_col.entry(k).or_default().insert(s, id);
            }
        }
        let mut ingress_amb: Vec<Vec<(usize, u32)>> = vec![Vec::new(); COLUMN_BLOCK];
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
                let found = if tiers.governs(d) {
                    self.apply_tiers(&mut tiers, d, iso, &mut Column(col))
                } else {
                    Vec::new()
                };
                let col_ext = col.get(nc..).unwrap_or_default();
                for (x, &from_x) in col_ext.iter().enumerate() {
                    if let Some(cell) = from_ext.get_mut(x * nc + d) {
                        *cell = from_x;
                    }
                }
                for &(k, id) in &found {
                    if k >= nc {
                        amb.from_ext.insert((k - nc, d), id);
                    }
                }
                if let Some(slot) = ingress_amb.get_mut(j) {
                    *slot = found;
                }
            }
            for s in 0..nc {
                for (j, d) in (first..last).enumerate() {
                    let from_s = cols.get(j * height + s).copied().unwrap_or(EMPTY);
                    let i = s * stride + d;
                    cells.set(i, self.table.intersect(cells.get(i), from_s));
                }
            }
            // CNP-2, CNP-4: a connection is ambiguous where one side is and
            // the other may allow it.
            for (j, d) in (first..last).enumerate() {
                let col = cols.get(j * height..(j + 1) * height).unwrap_or_default();
                let mut found: HashMap<usize, u32> = HashMap::new();
                for &(k, id) in ingress_amb.get(j).map(Vec::as_slice).unwrap_or(&[]) {
                    if k < nc {
                        found.insert(k, id);
                    }
                }
                let from_egress = egress_by_col.remove(&d).unwrap_or_default();
                if found.is_empty() && from_egress.is_empty() {
                    continue;
                }
                let mut rows: Vec<usize> =
                    found.keys().chain(from_egress.keys()).copied().collect();
                rows.sort_unstable();
                rows.dedup();
                for s in rows {
                    let e_amb = from_egress.get(&s).copied().unwrap_or(EMPTY);
                    let i_amb = found.get(&s).copied().unwrap_or(EMPTY);
                    if e_amb == EMPTY && i_amb == EMPTY {
                        continue;
                    }
                    let i_allow = col.get(s).copied().unwrap_or(EMPTY);
                    let both = cells.get(s * stride + d);
                    // Ambiguous parts that the other side may allow; the
                    // cell already holds egress ∩ ingress.
                    let a = self.table.intersect(e_amb, i_allow);
                    let a = self.table.intersect(a, both);
                    let b = self.table.intersect(i_amb, both);
                    let id = self.table.union(a, b);
                    if id != EMPTY {
                        amb.cells.insert((s, d), id);
                    }
                }
            }
            for v in ingress_amb.iter_mut() {
                v.clear();
            }
        }
        (from_ext, amb)
    }
}

/// Ambiguous connections (CNP-4): may be allowed, may be denied.
#[derive(Clone, Debug, Default)]
pub(super) struct Ambiguity {
    /// (source class, column): a class, or `classes + x` for atom x.
    pub cells: BTreeMap<(usize, usize), u32>,
    /// (source atom, destination class).
    pub from_ext: BTreeMap<(usize, usize), u32>,
}
