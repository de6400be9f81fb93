//! Filling the matrix: isolation per class, the rules compiled once, the row
//! and column keys, then the egress side per row key and the ingress side
//! per column key, intersected (SEM-8).

use crate::engine::eval;
use crate::engine::reach::cells::Cells;
use crate::engine::reach::conn_table::{ConnTable, ALL, EMPTY};
use crate::engine::reach::domains::Domains;
use crate::engine::reach::keys::{Keys, Refiner};
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
    /// Row keys (sources) and column keys (destinations), set by
    /// [`Filler::keys`]: the matrix has a row per row key and a column per
    /// column key ([`crate::engine::reach::keys`]).
    pub rows: Keys,
    pub cols: Keys,
    /// Named destinations (CNP-12): during the fill, one extra egress
    /// column per (name, range) after the destination atoms.
    pub domains: Domains,
}

/// One compiled NetworkPolicy rule.
type CompiledRule = (CompiledPeers, RuleConns);

/// The NetworkPolicy rules, compiled once per policy that selects some
/// class: (policy index, its rules in order), per direction.
#[derive(Default)]
pub(super) struct NpRules {
    egress: Vec<(usize, Vec<CompiledRule>)>,
    ingress: Vec<(usize, Vec<CompiledRule>)>,
}

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

    /// Every NetworkPolicy rule's peers and ports, compiled once; the
    /// cluster tiers compile theirs in `tiers` (CNP-1).
    pub fn compile_rules(&mut self, ext_src: &[IpRange], ext_dst: &[IpRange]) -> NpRules {
        let mut out = NpRules::default();
        for (p, pol) in self.cluster.policies.iter().enumerate() {
            if pol.tier.is_cluster() || self.selected.get(p).is_none_or(|s| s.is_clear()) {
                continue;
            }
            for (dir, ext) in [(Direction::Egress, ext_dst), (Direction::Ingress, ext_src)] {
                let Some(rules) = pol.rules(dir) else {
                    continue;
                };
                let compiled = rules
                    .iter()
                    .map(|r| {
                        let peers = self.compile_peers(r, &pol.namespace, dir, ext);
                        (peers, self.sigs.rule_conns(r, &mut self.table))
                    })
                    .collect();
                match dir {
                    Direction::Egress => out.egress.push((p, compiled)),
                    Direction::Ingress => out.ingress.push((p, compiled)),
                }
            }
        }
        out
    }

    /// A rule's peers over classes and this side's atoms, and on egress the
    /// (name, range) columns of the named destinations after the atoms.
    pub fn compile_peers(
        &mut self,
        rule: &crate::model::Rule,
        policy_ns: &str,
        dir: Direction,
        ext: &[IpRange],
    ) -> CompiledPeers {
        let mut peers = self.peers.compile(rule, policy_ns, ext);
        if dir == Direction::Egress {
            self.domains.mark(rule, &mut peers.ext, ext.len());
        }
        peers
    }

    /// Destination columns after the column keys during the fill: the
    /// atoms, then the (name, range) pairs.
    pub fn dst_extra(&self, ext_dst: &[IpRange]) -> usize {
        ext_dst.len() + self.domains.positions()
    }

    /// Row and column keys: classes refined by every set a cell's value can
    /// depend on, for both the NetworkPolicy tier (SEM-7, SEM-8, SEM-34)
    /// and the cluster tiers (CNP-1..9, CNP-15).
    pub fn keys(&mut self, rules: &NpRules, ext_src: &[IpRange], ext_dst: &[IpRange]) {
        let nc = self.class_count;
        let mut rows = Refiner::new(nc);
        let mut cols = Refiner::new(nc);
        let mut named = false;
        for (pol, sel) in self.cluster.policies.iter().zip(&self.selected) {
            if sel.is_clear() {
                continue;
            }
            if pol.rules(Direction::Egress).is_some() {
                rows.split(sel);
            }
            if pol.rules(Direction::Ingress).is_some() {
                cols.split(sel);
            }
            for dir in [Direction::Ingress, Direction::Egress] {
                named |= pol
                    .rules(dir)
                    .unwrap_or(&[])
                    .iter()
                    .any(|r| r.has_named_ports());
            }
        }
        for (_, compiled) in &rules.ingress {
            for (peers, _) in compiled {
                rows.split(&peers.classes);
            }
        }
        for (_, compiled) in &rules.egress {
            for (peers, _) in compiled {
                cols.split(&peers.classes);
            }
        }
        // The cluster tiers' peers (their subjects are split above).
        let cluster = self.cluster;
        for (pol, sel) in cluster.policies.iter().zip(&self.selected) {
            if !pol.tier.is_cluster() || sel.is_clear() {
                continue;
            }
            for r in pol.rules(Direction::Ingress).unwrap_or(&[]) {
                rows.split(&self.peers.compile(r, "", ext_src).classes);
            }
            for r in pol.rules(Direction::Egress).unwrap_or(&[]) {
                cols.split(&self.peers.compile(r, "", ext_dst).classes);
            }
        }
        // Named ports resolve on the destination (SEM-34..36, CNP-15).
        if named {
            let mut by_sig: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
            for c in 0..nc {
                by_sig.entry(self.sigs.sig_of(c)).or_default().push(c);
            }
            for members in by_sig.values() {
                cols.split_by(members.iter().copied());
            }
        }
        self.rows = rows.finish();
        self.cols = cols.finish();
    }

    /// Line positions to the columns they stand for: one class per key,
    /// then the atoms (`class_count + x`).
    fn line(&self, keys: &Keys, atoms: usize) -> Vec<usize> {
        let nc = self.class_count;
        keys.rep
            .iter()
            .copied()
            .chain((0..atoms).map(|x| nc + x))
            .collect()
    }

    /// Egress side (SEM-8, source half): `cells[i][j]` (row key `i` to
    /// column key `j`) and `cells[i][K + x]`. A row that is not isolated
    /// allows everything (SEM-4); an isolated row holds the union of its
    /// matching rules (SEM-7).
    pub fn egress(
        &mut self,
        rules: &NpRules,
        isolated: &[bool],
        ext_dst: &[IpRange],
    ) -> (Cells, HashMap<usize, u32>) {
        let (nr, nk) = (self.rows.len(), self.cols.len());
        let stride = nk + self.dst_extra(ext_dst);
        let mut cells = Cells::filled(nr * stride, EMPTY);
        for (i, &s) in self.rows.rep.iter().enumerate() {
            if !isolated.get(s).copied().unwrap_or(false) {
                cells.fill(i * stride, (i + 1) * stride, ALL); // SEM-4
            }
        }
        for (p, compiled) in &rules.egress {
            let Some(sel) = self.selected.get(*p) else {
                continue;
            };
            let sel = self.rows.project(sel);
            for (peers, rc) in compiled {
                let contrib = self.egress_contrib(peers, rc);
                for i in sel.ones() {
                    for &(k, id) in &contrib {
                        let x = i * stride + k;
                        cells.set(x, self.table.union(cells.get(x), id)); // SEM-7: union
                    }
                }
            }
        }
        // The cluster tiers around the NetworkPolicy value (CNP-1, CNP-2).
        let line = self.line(&self.cols, self.dst_extra(ext_dst));
        let mut tiers = self.cluster_tiers(Direction::Egress, ext_dst, &line);
        let mut amb = HashMap::new();
        if !tiers.is_empty() {
            let reps = self.rows.rep.clone();
            for (i, s) in reps.into_iter().enumerate() {
                if !tiers.governs(s) {
                    continue;
                }
                let iso = isolated.get(s).copied().unwrap_or(false);
                let mut row = Row {
                    cells: &mut cells,
                    start: i * stride,
                    width: stride,
                };
                for (k, id) in self.apply_tiers(&mut tiers, s, iso, &mut row) {
                    amb.insert(i * stride + k, id);
                }
            }
        }
        (cells, amb)
    }

    /// The (column, connections) one egress rule adds to each row it
    /// governs: column keys, then atoms.
    fn egress_contrib(&self, peers: &CompiledPeers, rc: &RuleConns) -> Vec<(usize, u32)> {
        let nk = self.cols.len();
        let mut contrib: Vec<(usize, u32)> = self
            .cols
            .project(&peers.classes)
            .ones()
            .filter_map(|j| {
                let d = *self.cols.rep.get(j)?;
                Some((j, self.sigs.conn_at(rc, d)))
            })
            .filter(|&(_, id)| id != EMPTY)
            .collect();
        if rc.to_ip != EMPTY {
            contrib.extend(peers.ext.ones().map(|x| (nk + x, rc.to_ip)));
        }
        contrib
    }

    /// Ingress side, one destination column key at a time, intersected with
    /// the egress side in place (SEM-8); returns `from_ext` (`[x][j]`, row
    /// x at `x * K`), where only the ingress side counts (SEM-9).
    pub fn ingress(
        &mut self,
        rules: &NpRules,
        cells: &mut Cells,
        isolated: &[bool],
        ext_src: &[IpRange],
        stride: usize,
        egress_amb: &HashMap<usize, u32>,
    ) -> (Vec<u32>, Ambiguity) {
        let (nr, nk) = (self.rows.len(), self.cols.len());
        let nxs = ext_src.len();
        // Rules by the row keys their peers match, and per column key the
        // (policy, rule) positions of the rules that govern it.
        let compiled: Vec<Vec<(FixedBitSet, &CompiledPeers, &RuleConns)>> = rules
            .ingress
            .iter()
            .map(|(_, these)| {
                these
                    .iter()
                    .map(|(peers, rc)| (self.rows.project(&peers.classes), peers, rc))
                    .collect()
            })
            .collect();
        let mut per_col: Vec<Vec<(usize, usize)>> = vec![Vec::new(); nk];
        for (k, (p, these)) in rules.ingress.iter().enumerate() {
            let Some(sel) = self.selected.get(*p) else {
                continue;
            };
            for j in self.cols.project(sel).ones() {
                if let Some(list) = per_col.get_mut(j) {
                    list.extend((0..these.len()).map(|r| (k, r)));
                }
            }
        }
        let line = self.line(&self.rows, nxs);
        let mut tiers = self.cluster_tiers(Direction::Ingress, ext_src, &line);
        let mut amb = Ambiguity::default();
        // Egress towards atoms: only the source side counts (SEM-9);
        // towards classes, kept by destination column until it is filled.
        let mut egress_by_col: HashMap<usize, HashMap<usize, u32>> = HashMap::new();
        for (&x, &id) in egress_amb {
            let (i, k) = (x / stride.max(1), x % stride.max(1));
            if k >= nk {
                amb.cells.insert((i, k), id);
            } else {
                egress_by_col.entry(k).or_default().insert(i, id);
            }
        }
        let mut ingress_amb: Vec<Vec<(usize, u32)>> = vec![Vec::new(); COLUMN_BLOCK];
        let height = nr + nxs;
        let mut from_ext = vec![EMPTY; nxs * nk];
        let col_reps = self.cols.rep.clone();
        // Columns a block at a time, then one pass over the rows per block:
        // the cells are read in order, not one column (a cache miss per
        // cell) at a time.
        let mut cols = vec![EMPTY; COLUMN_BLOCK * height];
        for first in (0..nk).step_by(COLUMN_BLOCK) {
            let last = (first + COLUMN_BLOCK).min(nk);
            for (jl, j) in (first..last).enumerate() {
                let (Some(list), Some(&d)) = (per_col.get(j), col_reps.get(j)) else {
                    continue;
                };
                let iso = isolated.get(d).copied().unwrap_or(false);
                let Some(col) = cols.get_mut(jl * height..(jl + 1) * height) else {
                    continue;
                };
                col.fill(if iso { EMPTY } else { ALL }); // SEM-4
                let these = list
                    .iter()
                    .filter_map(|&(k, r)| compiled.get(k).and_then(|v| v.get(r)));
                for (rows, peers, rc) in these {
                    let id = self.sigs.conn_at(rc, d);
                    if id == EMPTY {
                        continue;
                    }
                    let ks = rows.ones().chain(peers.ext.ones().map(|x| nr + x));
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
                let col_ext = col.get(nr..).unwrap_or_default();
                for (x, &from_x) in col_ext.iter().enumerate() {
                    if let Some(cell) = from_ext.get_mut(x * nk + j) {
                        *cell = from_x;
                    }
                }
                for &(k, id) in &found {
                    if k >= nr {
                        amb.from_ext.insert((k - nr, j), id);
                    }
                }
                if let Some(slot) = ingress_amb.get_mut(jl) {
                    *slot = found;
                }
            }
            for i in 0..nr {
                for (jl, j) in (first..last).enumerate() {
                    let from_i = cols.get(jl * height + i).copied().unwrap_or(EMPTY);
                    let x = i * stride + j;
                    cells.set(x, self.table.intersect(cells.get(x), from_i));
                }
            }
            // CNP-2, CNP-4: a connection is ambiguous where one side is and
            // the other may allow it.
            for (jl, j) in (first..last).enumerate() {
                let col = cols.get(jl * height..(jl + 1) * height).unwrap_or_default();
                let mut found: HashMap<usize, u32> = HashMap::new();
                for &(k, id) in ingress_amb.get(jl).map(Vec::as_slice).unwrap_or(&[]) {
                    if k < nr {
                        found.insert(k, id);
                    }
                }
                let from_egress = egress_by_col.remove(&j).unwrap_or_default();
                if found.is_empty() && from_egress.is_empty() {
                    continue;
                }
                let mut rows: Vec<usize> =
                    found.keys().chain(from_egress.keys()).copied().collect();
                rows.sort_unstable();
                rows.dedup();
                for i in rows {
                    let e_amb = from_egress.get(&i).copied().unwrap_or(EMPTY);
                    let i_amb = found.get(&i).copied().unwrap_or(EMPTY);
                    if e_amb == EMPTY && i_amb == EMPTY {
                        continue;
                    }
                    let i_allow = col.get(i).copied().unwrap_or(EMPTY);
                    let both = cells.get(i * stride + j);
                    // Ambiguous parts that the other side may allow; the
                    // cell already holds egress ∩ ingress.
                    let a = self.table.intersect(e_amb, i_allow);
                    let a = self.table.intersect(a, both);
                    let b = self.table.intersect(i_amb, both);
                    let id = self.table.union(a, b);
                    if id != EMPTY {
                        amb.cells.insert((i, j), id);
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
    /// (row key, column): a column key, or `column keys + x` for atom x.
    pub cells: BTreeMap<(usize, usize), u32>,
    /// (source atom, destination column key).
    pub from_ext: BTreeMap<(usize, usize), u32>,
}
