//! The cluster tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
//! ClusterNetworkPolicy) around the NetworkPolicy matrix (CNP-1..9).
//!
//! The NetworkPolicy tier fills the matrix first, as if the cluster tiers
//! did not exist. Then, per direction, every class that some cluster policy
//! selects has each cell re-decided by `eval::side_verdict`: the Admin tier
//! first, the NetworkPolicy value where a NetworkPolicy isolates the class,
//! else the Baseline tier, else allow. Classes no cluster policy selects
//! keep their cells untouched, so a cluster without cluster policies pays
//! nothing.
//!
//! A tier's outcome for a cell depends only on which cluster policies
//! select the class (its *signature*), the column and, when a rule names a
//! port, the destination's named ports: outcomes are computed once per
//! signature and column, and verdicts memoised on interned ids.
//!
//! Where two policies of one tier and priority both match and disagree the
//! verdict is ambiguous (CNP-4): the cell holds what *may* be allowed (the
//! worst case) and the ambiguous part is kept aside.

use crate::engine::eval::{self, PolicyOutcome, TierOutcome};
use crate::engine::reach::cells::Cells;
use crate::engine::reach::conn_table::{ConnTable, ALL, EMPTY};
use crate::engine::reach::matrix::Filler;
use crate::engine::reach::named_ports::RuleConns;
use crate::engine::reach::peers::CompiledPeers;
use crate::model::ip::IpRange;
use crate::model::{Action, Direction, Tier};
use std::collections::HashMap;

/// One compiled rule of a cluster policy.
struct CompiledRule {
    peers: CompiledPeers,
    conns: RuleConns,
    action: Action,
}

/// The cluster policies selecting a class for one direction, by tier and
/// priority group (policy indices).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
struct Signature {
    admin: Vec<Vec<usize>>,
    baseline: Vec<Vec<usize>>,
}

/// Outcomes of the Admin and the Baseline tier for one column.
type Outcomes = (TierOutcome<u32>, TierOutcome<u32>);

/// A column's verdict, prepared so that most cells need no lookup: where
/// no NetworkPolicy isolates the class the NetworkPolicy value plays no
/// part (`open`); where one does, the Admin tier either leaves the cell
/// alone, decides it wholly, or mixes with it.
#[derive(Clone, Copy, Debug)]
struct Prepared {
    /// (may allow, ambiguous) when the class is not isolated.
    open: (u32, u32),
    isolated: Iso,
}

#[derive(Clone, Copy, Debug)]
enum Iso {
    /// The Admin tier matches nothing here: the NetworkPolicy value stands.
    Keep,
    /// The Admin tier decides every connection: (may allow, ambiguous).
    Fixed(u32, u32),
    /// Both: the verdict depends on the NetworkPolicy value; the index of
    /// the Admin outcome in `DirTiers::admin`.
    Mixed(u32),
}

/// The cluster tiers of one direction.
pub(super) struct DirTiers {
    dir: Direction,
    /// Signature index of each class; `None`: no cluster policy selects it.
    sig_of_class: Vec<Option<usize>>,
    sigs: Vec<Signature>,
    /// Compiled rules per policy index (only the policies of some signature).
    rules: HashMap<usize, Vec<CompiledRule>>,
    /// The column group of each line position, and a representative column
    /// (a class, or `class_count + x`) of each group.
    col_group: Vec<u32>,
    group_rep: Vec<usize>,
    /// Per (signature, destination named-port signature): each column
    /// group prepared.
    outcomes: HashMap<(usize, usize), Vec<Prepared>>,
    /// Per (signature, destination signature, isolated): the columns to
    /// re-decide; the others keep their value.
    active: HashMap<(usize, usize, bool), Vec<u32>>,
    /// Whether any rule of this direction names a port.
    named: bool,
    /// Admin outcomes that mix with the NetworkPolicy value, interned.
    admin: Vec<TierOutcome<u32>>,
    admin_index: HashMap<(u32, u32, u32), u32>,
    /// (admin outcome, NetworkPolicy value) -> (may allow, ambiguous).
    verdicts: HashMap<(u32, u32), (u32, u32)>,
}

impl DirTiers {
    pub fn is_empty(&self) -> bool {
        self.sigs.is_empty()
    }

    pub fn governs(&self, class: usize) -> bool {
        matches!(self.sig_of_class.get(class), Some(Some(_)))
    }
}

impl Filler<'_, '_> {
    /// Which cluster policies select each class for `dir`, and their rules
    /// compiled against `ext` (this side's atoms).
    ///
    /// `line` lists, per position of the lines later re-decided, the column
    /// it stands for (a class below `class_count`, else `class_count + x`
    /// for atom `x` of `ext`): one class per row or column key.
    pub fn cluster_tiers(&mut self, dir: Direction, ext: &[IpRange], line: &[usize]) -> DirTiers {
        let mut sig_index: HashMap<Signature, usize> = HashMap::new();
        let mut sigs = Vec::new();
        let mut sig_of_class = vec![None; self.class_count];
        let mut order: Vec<usize> = (0..self.cluster.policies.len())
            .filter(|&p| {
                self.cluster
                    .policies
                    .get(p)
                    .is_some_and(|pol| pol.tier.is_cluster() && pol.rules(dir).is_some())
            })
            .collect();
        // Precedence order (CNP-3); equal tiers keep input order.
        order.sort_by_key(|&p| self.cluster.policies.get(p).map(|pol| pol.tier));
        let mut used = Vec::new();
        if !order.is_empty() {
            // A class's signature is first the list of policies selecting
            // it (flat, in precedence order), grouped by priority only once
            // per distinct list.
            let mut flat_index: HashMap<Vec<usize>, usize> = HashMap::new();
            let mut flat = Vec::new();
            for (c, slot) in sig_of_class.iter_mut().enumerate() {
                flat.clear();
                flat.extend(
                    order
                        .iter()
                        .copied()
                        .filter(|&p| self.selected.get(p).is_some_and(|sel| sel.contains(c))),
                );
                if flat.is_empty() {
                    continue;
                }
                if let Some(&id) = flat_index.get(&flat) {
                    *slot = Some(id);
                    continue;
                }
                let mut sig = Signature::default();
                let mut last: Option<Tier> = None;
                for &p in &flat {
                    let Some(pol) = self.cluster.policies.get(p) else {
                        continue;
                    };
                    let list = match pol.tier {
                        Tier::Admin { .. } => &mut sig.admin,
                        _ => &mut sig.baseline,
                    };
                    match list.last_mut() {
                        Some(g) if last == Some(pol.tier) => g.push(p),
                        _ => list.push(vec![p]),
                    }
                    last = Some(pol.tier);
                }
                let next = sigs.len();
                let id = *sig_index.entry(sig.clone()).or_insert(next);
                if id == next {
                    used.extend(flat.iter().copied());
                    sigs.push(sig);
                }
                flat_index.insert(flat.clone(), id);
                *slot = Some(id);
            }
        }
        used.sort_unstable();
        used.dedup();
        let mut rules = HashMap::new();
        let mut named = false;
        for p in used {
            let Some(pol) = self.cluster.policies.get(p) else {
                continue;
            };
            let compiled: Vec<CompiledRule> = pol
                .rules(dir)
                .unwrap_or(&[])
                .iter()
                .map(|r| {
                    named |= r.has_named_ports();
                    CompiledRule {
                        peers: self.compile_peers(r, "", dir, ext),
                        conns: self.sigs.rule_conns(r, &mut self.table),
                        action: r.action,
                    }
                })
                .collect();
            rules.insert(p, compiled);
        }
        // Columns that every cluster rule treats alike (the same hits, the
        // same connections) share their outcomes: a few dozen groups, not
        // one per class.
        let width = self.class_count
            + match dir {
                Direction::Egress => self.dst_extra(ext),
                Direction::Ingress => ext.len(),
            };
        let mut col_group = Vec::new();
        let mut group_rep = Vec::new();
        if !sigs.is_empty() {
            let mut keys: Vec<&usize> = rules.keys().collect();
            keys.sort_unstable();
            let nc = self.class_count;
            // Partition refinement: each rule splits the groups of the
            // columns it hits by what it gives them (exact, and work in
            // proportion to the hits).
            col_group = vec![0u32; width];
            let mut groups = 1u32;
            let mut split: HashMap<(u32, u32), u32> = HashMap::new();
            for p in keys {
                for r in rules.get(p).into_iter().flatten() {
                    split.clear();
                    let hit = r
                        .peers
                        .classes
                        .ones()
                        .chain(r.peers.ext.ones().map(|x| nc + x));
                    for k in hit {
                        let value = match dir {
                            // Ingress: ports resolve on the destination.
                            Direction::Ingress => 0,
                            Direction::Egress if k < nc => self.sigs.conn_at(&r.conns, k),
                            Direction::Egress => r.conns.to_ip,
                        };
                        let Some(g) = col_group.get_mut(k) else {
                            continue;
                        };
                        let new = *split.entry((*g, value)).or_insert_with(|| {
                            groups += 1;
                            groups - 1
                        });
                        *g = new;
                    }
                }
            }
            // Per line position, dense ids in line order, and a
            // representative column per group.
            let mut dense: HashMap<u32, u32> = HashMap::new();
            col_group = line
                .iter()
                .map(|&k| {
                    let g = col_group.get(k).copied().unwrap_or(0);
                    let next = group_rep.len() as u32;
                    let d = *dense.entry(g).or_insert(next);
                    if d == next {
                        group_rep.push(k);
                    }
                    d
                })
                .collect();
        }
        DirTiers {
            dir,
            sig_of_class,
            sigs,
            rules,
            col_group,
            group_rep,
            outcomes: HashMap::new(),
            active: HashMap::new(),
            named,
            admin: Vec::new(),
            admin_index: HashMap::new(),
            verdicts: HashMap::new(),
        }
    }

    /// Re-decide row (egress) or column (ingress) `class` through the tiers.
    /// `line[k]` holds the NetworkPolicy value towards / from line position
    /// `k` (the positions given to `cluster_tiers`)
    /// (ALL where no NetworkPolicy isolates); it is replaced by what may be
    /// allowed, and the ambiguous parts are returned as (column, id).
    pub fn apply_tiers(
        &mut self,
        t: &mut DirTiers,
        class: usize,
        isolated: bool,
        line: &mut impl LineMut,
    ) -> Vec<(usize, u32)> {
        let Some(Some(sig)) = t.sig_of_class.get(class).copied() else {
            return Vec::new();
        };
        // Ingress: the destination is `class` itself; egress: the column.
        let dst_sig = if t.named && t.dir == Direction::Ingress {
            self.sigs.sig_of(class)
        } else {
            0
        };
        let width = line.width();
        if !t.outcomes.contains_key(&(sig, dst_sig)) {
            let reps = t.group_rep.clone();
            let v = reps
                .into_iter()
                .map(|k| {
                    let o = self.outcomes_at(t, sig, class, k);
                    self.prepare(t, o)
                })
                .collect();
            t.outcomes.insert((sig, dst_sig), v);
        }
        let mut amb = Vec::new();
        let Some(outs) = t.outcomes.get(&(sig, dst_sig)) else {
            return amb;
        };
        // The columns whose verdict can differ from the value already there
        // (ALL where nothing isolates, the NetworkPolicy value where it does).
        let key = (sig, dst_sig, isolated);
        if !t.active.contains_key(&key) {
            let touches = |p: &Prepared| match (isolated, p.isolated) {
                (false, _) => p.open != (ALL, EMPTY),
                (true, Iso::Keep) => false,
                (true, _) => true,
            };
            let cols: Vec<u32> = t
                .col_group
                .iter()
                .enumerate()
                .filter(|(_, &g)| outs.get(g as usize).is_some_and(touches))
                .map(|(k, _)| k as u32)
                .collect();
            t.active.insert(key, cols);
        }
        let cols = t.active.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        for &k in cols {
            let k = k as usize;
            if k >= width {
                continue;
            }
            let Some(p) = t.col_group.get(k).and_then(|&g| outs.get(g as usize)) else {
                continue;
            };
            let (allow, ambiguous) = match (isolated, p.isolated) {
                (false, _) => p.open,
                (true, Iso::Keep) => continue,
                (true, Iso::Fixed(a, m)) => (a, m),
                (true, Iso::Mixed(aid)) => {
                    let np = line.get(k);
                    match t.verdicts.get(&(aid, np)) {
                        Some(&v) => v,
                        None => {
                            let open = TierOutcome::open(&mut self.table);
                            let admin = t.admin.get(aid as usize).unwrap_or(&open);
                            let v = eval::side_verdict(&mut self.table, admin, Some(&np), &open);
                            let m = ConnTable::intersect(&mut self.table, v.allow, v.deny);
                            t.verdicts.insert((aid, np), (v.allow, m));
                            (v.allow, m)
                        }
                    }
                }
            };
            if ambiguous != EMPTY {
                amb.push((k, ambiguous));
            }
            // Most cells keep their value (ALL where nothing isolates).
            if line.get(k) != allow {
                line.set(k, allow);
            }
        }
        amb
    }

    /// Prepare one column's verdicts from its tier outcomes.
    fn prepare(&mut self, t: &mut DirTiers, (admin, base): Outcomes) -> Prepared {
        let v = eval::side_verdict(&mut self.table, &admin, None, &base);
        let open = (
            v.allow,
            ConnTable::intersect(&mut self.table, v.allow, v.deny),
        );
        let isolated = if admin.allow == EMPTY && admin.deny == EMPTY && admin.next == ALL {
            Iso::Keep
        } else if admin.next == EMPTY {
            let m = ConnTable::intersect(&mut self.table, admin.allow, admin.deny);
            Iso::Fixed(admin.allow, m)
        } else {
            let key = (admin.allow, admin.deny, admin.next);
            let next = t.admin.len() as u32;
            let id = *t.admin_index.entry(key).or_insert(next);
            if id == next {
                t.admin.push(admin);
            }
            Iso::Mixed(id)
        };
        Prepared { open, isolated }
    }

    /// The Admin and Baseline outcomes for signature `sig` at column `k`
    /// (a class below `class_count`, else an atom of this side).
    fn outcomes_at(&mut self, t: &DirTiers, sig: usize, class: usize, k: usize) -> Outcomes {
        let Some(s) = t.sigs.get(sig) else {
            let open = TierOutcome::open(&mut self.table);
            return (open.clone(), open);
        };
        let admin = self.tier_at(t, &s.admin, class, k);
        let base = self.tier_at(t, &s.baseline, class, k);
        (admin, base)
    }

    /// One tier's outcome at column `k`: policies whose rules all miss the
    /// column are skipped before any set operation.
    fn tier_at(
        &mut self,
        t: &DirTiers,
        groups: &[Vec<usize>],
        class: usize,
        k: usize,
    ) -> TierOutcome<u32> {
        let nc = self.class_count;
        let hits = |r: &CompiledRule| {
            if k < nc {
                r.peers.classes.contains(k)
            } else {
                r.peers.ext.contains(k - nc)
            }
        };
        let sigs = &self.sigs;
        let table = &mut self.table;
        let conns_at = |r: &CompiledRule| {
            if t.dir == Direction::Ingress {
                // Named ports resolve on the destination (CNP-15).
                sigs.conn_at(&r.conns, class)
            } else if k < nc {
                sigs.conn_at(&r.conns, k)
            } else {
                r.conns.to_ip
            }
        };
        let mut outs: Vec<Vec<PolicyOutcome<u32>>> = Vec::new();
        for g in groups {
            let mut group = Vec::new();
            for p in g {
                let rules = t.rules.get(p).map(Vec::as_slice).unwrap_or(&[]);
                if !rules.iter().any(hits) {
                    continue;
                }
                let matched = rules
                    .iter()
                    .map(|r| (r.action, if hits(r) { conns_at(r) } else { EMPTY }));
                group.push(eval::first_match(table, matched));
            }
            if !group.is_empty() {
                outs.push(group);
            }
        }
        if outs.is_empty() {
            return TierOutcome::open(table);
        }
        eval::tier_outcome(table, outs)
    }
}

/// A row or column of the matrix being re-decided.
pub(super) trait LineMut {
    fn width(&self) -> usize;
    fn get(&self, k: usize) -> u32;
    fn set(&mut self, k: usize, v: u32);
}

/// A row of the egress cells.
pub(super) struct Row<'a> {
    pub cells: &'a mut Cells,
    pub start: usize,
    pub width: usize,
}

impl LineMut for Row<'_> {
    fn width(&self) -> usize {
        self.width
    }
    fn get(&self, k: usize) -> u32 {
        self.cells.get(self.start + k)
    }
    fn set(&mut self, k: usize, v: u32) {
        self.cells.set(self.start + k, v);
    }
}

/// A column being filled (ingress).
pub(super) struct Column<'a>(pub &'a mut [u32]);

impl LineMut for Column<'_> {
    fn width(&self) -> usize {
        self.0.len()
    }
    fn get(&self, k: usize) -> u32 {
        self.0.get(k).copied().unwrap_or(EMPTY)
    }
    fn set(&mut self, k: usize, v: u32) {
        if let Some(c) = self.0.get_mut(k) {
            *c = v;
        }
    }
}
