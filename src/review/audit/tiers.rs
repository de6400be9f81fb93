//! The cluster tiers swept once, exactly, for the checks BR010..BR012 and
//! BR014: per direction and tier (Admin, Baseline), every pod class some
//! policy of the tier selects is walked against every column of that side
//! (every pod class and every IP atom) the way `engine::eval` walks a tier
//! (CNP-3..6, CNP-8): groups of equal priority in precedence order, within
//! a policy first match decides (`eval::first_match`), a group sees only
//! what the groups before it left open (`eval::tier_outcome`).
//!
//! Classes with the same selecting policies (and, on ingress where a rule
//! names a port, the same container ports) share one walk per column: the
//! work is (distinct subjects) × (columns) × (rules), counted against
//! [`BUDGET`]; past it the sweep stops and says so (`stopped`), and the
//! checks that need the whole sweep ("never the first match") stay quiet.

use super::Auditor;
use crate::engine::eval::{self, PlainConns, Target};
use crate::model::ports::ConnSet;
use crate::model::{Action, Direction, Pod, Policy, Rule, Tier};
use std::collections::{BTreeMap, BTreeSet};

/// Rule evaluations (and NetworkPolicy side lookups) the sweep may spend.
pub(super) const BUDGET: u64 = 40_000_000;

/// One connection of a finding: subject class, column (a class below the
/// class count, else an IP atom of the direction's side), and ports.
#[derive(Clone, Debug)]
pub(super) struct Sample {
    pub dir: Direction,
    pub subject: usize,
    pub column: usize,
    pub conns: ConnSet,
}

/// What the sweep saw of one rule of a cluster policy.
#[derive(Default, Debug)]
pub(super) struct RuleFacts {
    /// The rule's peers and ports match some connection of a subject pod.
    pub matched: bool,
    /// It is the first match for some connection (CNP-5, CNP-3).
    pub first: bool,
    /// (policy, rule) that took what it matches, while it was never first.
    pub takers: BTreeSet<(usize, usize)>,
    /// Admin Pass: subject classes whose passed traffic no lower tier
    /// governs (no NetworkPolicy isolates them, no Baseline policy selects
    /// them for this direction): the Pass means allow (CNP-6, CNP-9).
    pub pass_open: BTreeSet<usize>,
    pub pass_sample: Option<Sample>,
    /// Admin Allow: per subject class isolated by a NetworkPolicy, what the
    /// rule lets through that the NetworkPolicy tier would deny (CNP-6, SEM-7).
    pub bypass: BTreeMap<usize, ConnSet>,
    pub bypass_sample: Option<Sample>,
}

/// Two policies of one tier and priority that both match a connection and
/// disagree (CNP-4).
#[derive(Clone, Debug)]
pub(super) struct Tie {
    pub sample: Sample,
    /// The actions of the first and the second policy on the sample.
    pub actions: (Action, Action),
    /// The matrix marks the sample's verdict ambiguous (allowed or denied
    /// by the implementation's pick), rather than agreeing after the lower
    /// tiers.
    pub ambiguous: bool,
}

#[derive(Default, Debug)]
pub(super) struct Sweep {
    /// (direction, policy index, rule index).
    pub rules: BTreeMap<(Direction, usize, usize), RuleFacts>,
    /// (policy index, policy index), the lower first.
    pub ties: BTreeMap<(usize, usize), Tie>,
    pub stopped: bool,
    pub work: u64,
}

fn in_tier(p: &Policy, admin: bool) -> bool {
    match p.tier {
        Tier::Admin { .. } => admin,
        Tier::Baseline { .. } => !admin,
        Tier::NetworkPolicy => false,
    }
}

/// One policy's rules with their peer part matched once per column.
struct Compiled<'c> {
    rules: &'c [Rule],
    /// `peers[r][k]`: rule `r`'s peers match column `k` (CNP-11, CNP-12).
    peers: Vec<Vec<bool>>,
    /// Ports of rules without named ports (towards any destination).
    fixed: Vec<Option<ConnSet>>,
}

impl Auditor<'_> {
    pub(super) fn sweep(&self) -> Sweep {
        let mut sw = Sweep::default();
        if !self.classes_usable() {
            sw.stopped = true;
            return sw;
        }
        for dir in [Direction::Ingress, Direction::Egress] {
            for admin in [true, false] {
                self.sweep_tier(&mut sw, dir, admin);
            }
        }
        sw
    }

    fn rep(&self, class: usize) -> Option<&Pod> {
        self.reach
            .classes
            .get(class)
            .and_then(|m| m.first())
            .and_then(|&i| self.pod(i))
    }

    /// The other end at column `k` as the evaluator sees it.
    fn with_target<R>(&self, dir: Direction, k: usize, f: impl FnOnce(Target<'_>) -> R) -> R {
        let nc = self.reach.classes.len();
        if k < nc {
            if let Some(p) = self.rep(k) {
                let l = self.labels_of(&p.namespace);
                return f(Target::Pod {
                    pod: p,
                    ns_labels: &l,
                });
            }
        }
        let atoms = match dir {
            Direction::Ingress => &self.reach.ext_src,
            Direction::Egress => &self.reach.ext_dst,
        };
        if let Some((name, range)) = self.named_column(dir, k) {
            return f(Target::Domain {
                name,
                addr: range.first_addr(),
            });
        }
        let ip = atoms
            .get(k.saturating_sub(nc))
            .map(|a| a.first_addr())
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        f(Target::Ip(ip))
    }

    /// The (name, range) an egress column after the atoms stands for
    /// (CNP-12).
    fn named_column(&self, dir: Direction, k: usize) -> Option<(&str, &crate::model::ip::IpRange)> {
        let first = self.reach.classes.len() + self.reach.ext_dst.len();
        let m = self.resolution.len();
        if dir != Direction::Egress || k < first || m == 0 {
            return None;
        }
        let (d, a) = ((k - first) / m, (k - first) % m);
        Some((self.reach.domains.get(d)?.as_str(), self.resolution.get(a)?))
    }

    /// Columns of one side: classes, atoms, and on egress the (name, range)
    /// pairs of the named destinations (CNP-12).
    fn width(&self, dir: Direction) -> usize {
        let nc = self.reach.classes.len();
        match dir {
            Direction::Ingress => nc + self.reach.ext_src.len(),
            Direction::Egress => {
                nc + self.reach.ext_dst.len() + self.reach.domains.len() * self.resolution.len()
            }
        }
    }

    /// Whether a class stands for one pod only (a pod towards itself is no
    /// connection, SEM-47, CNP-17).
    fn single_pod(&self, class: usize) -> bool {
        self.reach.classes.get(class).is_some_and(|m| {
            m.len() == 1 && m.first().and_then(|&i| self.pod(i)).map(|p| p.replicas) == Some(1)
        })
    }

    fn isolated_class(&self, class: usize, dir: Direction) -> bool {
        let iso = match dir {
            Direction::Ingress => &self.reach.ingress_isolated,
            Direction::Egress => &self.reach.egress_isolated,
        };
        iso.get(class).copied().unwrap_or(false)
    }

    fn sweep_tier(&self, sw: &mut Sweep, dir: Direction, admin: bool) {
        let c = self.c;
        let mut order: Vec<usize> = (0..c.policies.len())
            .filter(|&i| {
                c.policies
                    .get(i)
                    .is_some_and(|p| in_tier(p, admin) && p.rules(dir).is_some())
            })
            .collect();
        if order.is_empty() {
            return;
        }
        // Precedence order (CNP-3); equal tiers keep input order.
        order.sort_by_key(|&i| c.policies.get(i).map(|p| p.tier));
        let nc = self.reach.classes.len();
        let width = self.width(dir);
        let opts = &self.reach.options;
        let named = order.iter().any(|&i| {
            c.policies
                .get(i)
                .and_then(|p| p.rules(dir))
                .is_some_and(|rs| rs.iter().any(Rule::has_named_ports))
        });
        // Subjects, grouped by the policies that select them (and the
        // destination's ports on ingress, where named ports resolve).
        let mut subjects: BTreeMap<(Vec<usize>, String), Vec<usize>> = BTreeMap::new();
        for s in 0..nc {
            let Some(rep) = self.rep(s) else { continue };
            let sel: Vec<usize> = order
                .iter()
                .copied()
                .filter(|&i| c.policies.get(i).is_some_and(|p| self.selects(p, rep)))
                .collect();
            if sel.is_empty() {
                continue;
            }
            let ports = if named && dir == Direction::Ingress {
                format!("{:?}", rep.ports)
            } else {
                String::new()
            };
            subjects.entry((sel, ports)).or_default().push(s);
        }
        let used: BTreeSet<usize> = subjects.keys().flat_map(|(v, _)| v.clone()).collect();
        let mut compiled: BTreeMap<usize, Compiled<'_>> = BTreeMap::new();
        for &p in &used {
            let Some(rules) = c.policies.get(p).and_then(|pol| pol.rules(dir)) else {
                continue;
            };
            sw.work += (rules.len() * width) as u64;
            if sw.work > BUDGET {
                sw.stopped = true;
                return;
            }
            let peers = rules
                .iter()
                .map(|r| {
                    (0..width)
                        .map(|k| {
                            self.with_target(dir, k, |t| {
                                eval::peers_match(r.peers.as_deref(), "", t, opts)
                            })
                        })
                        .collect()
                })
                .collect();
            let fixed = rules
                .iter()
                .map(|r| (!r.has_named_ports()).then(|| r.ports_towards(None)))
                .collect();
            compiled.insert(
                p,
                Compiled {
                    rules,
                    peers,
                    fixed,
                },
            );
        }
        let baseline_selects: Vec<bool> = (0..nc)
            .map(|s| {
                self.rep(s).is_some_and(|rep| {
                    c.policies.iter().any(|p| {
                        matches!(p.tier, Tier::Baseline { .. })
                            && p.rules(dir).is_some()
                            && self.selects(p, rep)
                    })
                })
            })
            .collect();
        for ((sel, _), classes) in &subjects {
            let mut groups: Vec<Vec<usize>> = Vec::new();
            for &p in sel {
                let tier = c.policies.get(p).map(|x| x.tier);
                match groups.last_mut() {
                    Some(g)
                        if g.first().map(|&q| c.policies.get(q).map(|x| x.tier)) == Some(tier) =>
                    {
                        g.push(p)
                    }
                    _ => groups.push(vec![p]),
                }
            }
            let rules_n: usize = sel
                .iter()
                .filter_map(|p| compiled.get(p))
                .map(|x| x.rules.len())
                .sum();
            for k in 0..width {
                sw.work += rules_n as u64;
                if sw.work > BUDGET {
                    sw.stopped = true;
                    return;
                }
                // A pod towards itself is no connection (SEM-47).
                let live: Vec<usize> = classes
                    .iter()
                    .copied()
                    .filter(|&s| !(s == k && self.single_pod(s)))
                    .collect();
                let Some(&first) = live.first() else { continue };
                let dst = match dir {
                    Direction::Ingress => self.rep(first),
                    Direction::Egress if k < nc => self.rep(k),
                    Direction::Egress => None,
                };
                self.walk(
                    sw,
                    dir,
                    admin,
                    &groups,
                    &compiled,
                    &live,
                    k,
                    dst,
                    &baseline_selects,
                );
            }
        }
    }

    /// One tier for one subject group and column.
    #[allow(clippy::too_many_arguments)]
    fn walk(
        &self,
        sw: &mut Sweep,
        dir: Direction,
        admin: bool,
        groups: &[Vec<usize>],
        compiled: &BTreeMap<usize, Compiled<'_>>,
        live: &[usize],
        k: usize,
        dst: Option<&Pod>,
        baseline_selects: &[bool],
    ) {
        let mut open = ConnSet::all();
        // What earlier groups took, by (policy, rule).
        let mut taken: Vec<((usize, usize), ConnSet)> = Vec::new();
        for group in groups {
            let mut outcomes = Vec::new();
            let mut group_taken = Vec::new();
            for &p in group {
                let Some(cp) = compiled.get(&p) else { continue };
                let mut rest = open.clone();
                let mut mine: Vec<((usize, usize), ConnSet)> = Vec::new();
                let mut matched = Vec::new();
                for (ri, r) in cp.rules.iter().enumerate() {
                    let peer_hit = cp.peers.get(ri).and_then(|v| v.get(k)).copied() == Some(true);
                    let hit = if !peer_hit {
                        ConnSet::empty()
                    } else {
                        match cp.fixed.get(ri) {
                            Some(Some(f)) => f.clone(),
                            _ => r.ports_towards(dst),
                        }
                    };
                    matched.push((r.action, hit.clone()));
                    if hit.is_empty() {
                        continue;
                    }
                    let eff = hit.intersect(&rest);
                    let facts = sw.rules.entry((dir, p, ri)).or_default();
                    facts.matched = true;
                    if eff.is_empty() {
                        if !facts.first {
                            for (who, t) in mine.iter().chain(&taken) {
                                if !t.intersect(&hit).is_empty() {
                                    facts.takers.insert(*who);
                                }
                            }
                        }
                        continue;
                    }
                    facts.first = true;
                    rest = rest.subtract(&eff);
                    mine.push(((p, ri), eff.clone()));
                    if admin {
                        self.lower_tiers(
                            sw,
                            dir,
                            (p, ri),
                            r.action,
                            &eff,
                            live,
                            k,
                            dst,
                            baseline_selects,
                        );
                    }
                }
                // The evaluator's outcome for this policy, restricted to what
                // the group sees (CNP-5, CNP-4).
                let out = eval::first_match(&mut PlainConns, matched);
                let out = eval::PolicyOutcome {
                    allow: out.allow.intersect(&open),
                    deny: out.deny.intersect(&open),
                    pass: out.pass.intersect(&open),
                };
                debug_assert_eq!(
                    mine.iter().fold(ConnSet::empty(), |a, (_, e)| a.union(e)),
                    out.allow.union(&out.deny).union(&out.pass)
                );
                outcomes.push((p, out));
                group_taken.extend(mine);
            }
            self.ties(sw, dir, &outcomes, live, k);
            for (_, o) in &outcomes {
                open = open.subtract(&o.allow).subtract(&o.deny).subtract(&o.pass);
            }
            // No early stop when nothing is left open: the later groups'
            // rules still need their matches and who took them (BR010).
            taken.extend(group_taken);
        }
    }

    /// BR011 and BR014 bookkeeping for an Admin rule that decides `eff`.
    #[allow(clippy::too_many_arguments)]
    fn lower_tiers(
        &self,
        sw: &mut Sweep,
        dir: Direction,
        at: (usize, usize),
        action: Action,
        eff: &ConnSet,
        live: &[usize],
        k: usize,
        dst: Option<&Pod>,
        baseline_selects: &[bool],
    ) {
        let Some(facts) = sw.rules.get_mut(&(dir, at.0, at.1)) else {
            return;
        };
        match action {
            Action::Pass => {
                for &s in live {
                    if !self.isolated_class(s, dir)
                        && !baseline_selects.get(s).copied().unwrap_or(false)
                    {
                        facts.pass_open.insert(s);
                        facts.pass_sample.get_or_insert_with(|| Sample {
                            dir,
                            subject: s,
                            column: k,
                            conns: eff.clone(),
                        });
                    }
                }
            }
            Action::Allow => {
                for &s in live {
                    if !self.isolated_class(s, dir) {
                        continue;
                    }
                    let Some(rep) = self.rep(s) else { continue };
                    sw.work += self.c.policies.len() as u64;
                    let np = self.with_target(dir, k, |t| {
                        eval::side_allows(self.c, rep, dir, Some(t), dst, &self.reach.options)
                    });
                    let bypass = eff.subtract(&np);
                    if bypass.is_empty() {
                        continue;
                    }
                    let e = facts.bypass.entry(s).or_default();
                    *e = e.union(&bypass);
                    facts.bypass_sample.get_or_insert_with(|| Sample {
                        dir,
                        subject: s,
                        column: k,
                        conns: bypass.clone(),
                    });
                }
            }
            Action::Deny => {}
        }
    }

    /// BR012: pairs of one priority group that both match and disagree (CNP-4).
    fn ties(
        &self,
        sw: &mut Sweep,
        dir: Direction,
        outcomes: &[(usize, eval::PolicyOutcome<ConnSet>)],
        live: &[usize],
        k: usize,
    ) {
        for (i, (p, a)) in outcomes.iter().enumerate() {
            for (q, b) in outcomes.iter().skip(i + 1) {
                let pairs = [
                    (Action::Allow, &a.allow, Action::Deny, &b.deny),
                    (Action::Deny, &a.deny, Action::Allow, &b.allow),
                    (Action::Allow, &a.allow, Action::Pass, &b.pass),
                    (Action::Pass, &a.pass, Action::Allow, &b.allow),
                    (Action::Deny, &a.deny, Action::Pass, &b.pass),
                    (Action::Pass, &a.pass, Action::Deny, &b.deny),
                ];
                for (x, xs, y, ys) in pairs {
                    let both = xs.intersect(ys);
                    if both.is_empty() {
                        continue;
                    }
                    let key = ((*p).min(*q), (*p).max(*q));
                    let actions = if p < q { (x, y) } else { (y, x) };
                    for &s in live {
                        let ambiguous = !self.ambiguous_at(dir, s, k).intersect(&both).is_empty();
                        let better = match sw.ties.get(&key) {
                            None => true,
                            Some(t) => ambiguous && !t.ambiguous,
                        };
                        if better {
                            sw.ties.insert(
                                key,
                                Tie {
                                    sample: Sample {
                                        dir,
                                        subject: s,
                                        column: k,
                                        conns: both.clone(),
                                    },
                                    actions,
                                    ambiguous,
                                },
                            );
                        }
                        if ambiguous {
                            break;
                        }
                    }
                }
            }
        }
    }

    /// The matrix's ambiguous part of the connection at (subject, column).
    fn ambiguous_at(&self, dir: Direction, s: usize, k: usize) -> ConnSet {
        let r = self.reach;
        let nc = r.classes.len();
        if let Some((name, _)) = self.named_column(dir, k) {
            return r
                .domain_index(name)
                .map(|d| r.ambiguous_class_to_domain(s, d).clone())
                .unwrap_or_default();
        }
        match (dir, k < nc) {
            (Direction::Egress, true) => r.ambiguous_class_to_class(s, k).clone(),
            (Direction::Egress, false) => r.ambiguous_class_to_ext(s, k - nc).clone(),
            (Direction::Ingress, true) => r.ambiguous_class_to_class(k, s).clone(),
            (Direction::Ingress, false) => r.ambiguous_ext_to_class(k - nc, s).clone(),
        }
    }

    /// `web/frontend[Deployment] -> data/db[StatefulSet] TCP 5432`.
    pub(super) fn sample_text(&self, s: &Sample) -> String {
        let nc = self.reach.classes.len();
        let subject = self.class_name(s.subject);
        let other = if s.column < nc {
            self.class_name(s.column)
        } else if let Some((name, _)) = self.named_column(s.dir, s.column) {
            format!("dns:{name}")
        } else {
            let atoms = match s.dir {
                Direction::Ingress => &self.reach.ext_src,
                Direction::Egress => &self.reach.ext_dst,
            };
            atoms
                .get(s.column - nc)
                .map(crate::engine::view::ext_name)
                .unwrap_or_default()
        };
        let (from, to) = match s.dir {
            Direction::Egress => (subject, other),
            Direction::Ingress => (other, subject),
        };
        format!("{from} -> {to} {}", s.conns.to_connlist())
    }

    /// A class by its representative's workload: `ns/name[Kind]`.
    pub(super) fn class_name(&self, class: usize) -> String {
        self.rep(class)
            .map(|p| {
                format!(
                    "{}/{}[{}]",
                    p.workload.namespace, p.workload.name, p.workload.kind
                )
            })
            .unwrap_or_default()
    }

    /// Pods of these classes, sorted.
    pub(super) fn class_pods(&self, classes: impl IntoIterator<Item = usize>) -> Vec<usize> {
        let mut v: Vec<usize> = classes
            .into_iter()
            .filter_map(|c| self.reach.classes.get(c))
            .flatten()
            .copied()
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}
