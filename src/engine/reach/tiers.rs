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
use crate::engine::reach::conn_table::{ConnTable, EMPTY};
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

/// The cluster tiers of one direction.
pub(super) struct DirTiers {
    dir: Direction,
    /// Signature index of each class; `None`: no cluster policy selects it.
    sig_of_class: Vec<Option<usize>>,
    sigs: Vec<Signature>,
    /// Compiled rules per policy index (only the policies of some signature).
    rules: HashMap<usize, Vec<CompiledRule>>,
    /// Per (signature, destination named-port signature): outcomes per column.
    outcomes: HashMap<(usize, usize), Vec<Outcomes>>,
    /// Whether any rule of this direction names a port.
    named: bool,
    verdicts: HashMap<[u32; 7], (u32, u32)>,
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
    pub fn cluster_tiers(&mut self, dir: Direction, ext: &[IpRange]) -> DirTiers {
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
            for (c, slot) in sig_of_class.iter_mut().enumerate() {
                let mut sig = Signature::default();
                let mut last: Option<Tier> = None;
                for &p in &order {
                    let (Some(pol), Some(sel)) =
                        (self.cluster.policies.get(p), self.selected.get(p))
                    else {
                        continue;
                    };
                    if !sel.contains(c) {
                        continue;
                    }
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
                if sig == Signature::default() {
                    continue;
                }
                let next = sigs.len();
                let id = *sig_index.entry(sig.clone()).or_insert(next);
                if id == next {
                    used.extend(sig.admin.iter().chain(&sig.baseline).flatten().copied());
                    sigs.push(sig);
                }
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
                        peers: self.peers.compile(r, "", ext),
                        conns: self.sigs.rule_conns(r, &mut self.table),
                        action: r.action,
                    }
                })
                .collect();
            rules.insert(p, compiled);
        }
        DirTiers {
            dir,
            sig_of_class,
            sigs,
            rules,
            outcomes: HashMap::new(),
            named,
            verdicts: HashMap::new(),
        }
    }

    /// Re-decide row (egress) or column (ingress) `class` through the tiers.
    /// `line[k]` holds the NetworkPolicy value towards / from column `k`
    /// (ALL where no NetworkPolicy isolates); it is replaced by what may be
    /// allowed, and the ambiguous parts are returned as (column, id).
    pub fn apply_tiers(
        &mut self,
        t: &mut DirTiers,
        class: usize,
        isolated: bool,
        line: &mut dyn LineMut,
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
            let v = (0..width)
                .map(|k| self.outcomes_at(t, sig, class, k))
                .collect();
            t.outcomes.insert((sig, dst_sig), v);
        }
        let mut amb = Vec::new();
        let Some(outs) = t.outcomes.get(&(sig, dst_sig)) else {
            return amb;
        };
        for (k, (admin, base)) in outs.iter().enumerate().take(width) {
            let np = line.get(k);
            let key = [
                admin.allow,
                admin.deny,
                admin.next,
                base.allow,
                base.deny,
                base.next,
                if isolated { np } else { u32::MAX },
            ];
            let (allow, ambiguous) = match t.verdicts.get(&key) {
                Some(&v) => v,
                None => {
                    let np = isolated.then_some(np);
                    let v = eval::side_verdict(&mut self.table, admin, np.as_ref(), base);
                    let a = ConnTable::intersect(&mut self.table, v.allow, v.deny);
                    t.verdicts.insert(key, (v.allow, a));
                    (v.allow, a)
                }
            };
            line.set(k, allow);
            if ambiguous != EMPTY {
                amb.push((k, ambiguous));
            }
        }
        amb
    }

    /// The Admin and Baseline outcomes for signature `sig` at column `k`
    /// (a class below `class_count`, else an atom of this side).
    fn outcomes_at(&mut self, t: &DirTiers, sig: usize, class: usize, k: usize) -> Outcomes {
        let nc = self.class_count;
        let Some(s) = t.sigs.get(sig) else {
            let open = TierOutcome::open(&mut self.table);
            return (open.clone(), open);
        };
        let tier = |groups: &[Vec<usize>], f: &mut Self| {
            let outs: Vec<Vec<PolicyOutcome<u32>>> = groups
                .iter()
                .map(|g| {
                    g.iter()
                        .map(|p| {
                            let rules = t.rules.get(p).map(Vec::as_slice).unwrap_or(&[]);
                            let matched: Vec<(Action, u32)> = rules
                                .iter()
                                .map(|r| {
                                    let hit = if k < nc {
                                        r.peers.classes.contains(k)
                                    } else {
                                        r.peers.ext.contains(k - nc)
                                    };
                                    let conns = if !hit {
                                        EMPTY
                                    } else if t.dir == Direction::Ingress {
                                        // Named ports resolve on the destination (CNP-15).
                                        f.sigs.conn_at(&r.conns, class)
                                    } else if k < nc {
                                        f.sigs.conn_at(&r.conns, k)
                                    } else {
                                        r.conns.to_ip
                                    };
                                    (r.action, conns)
                                })
                                .collect();
                            eval::first_match(&mut f.table, matched)
                        })
                        .collect()
                })
                .collect();
            eval::tier_outcome(&mut f.table, outs)
        };
        let admin = tier(&s.admin, self);
        let base = tier(&s.baseline, self);
        (admin, base)
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
