//! What-if before a change: two policy sets (and possibly workloads)
//! compared connection by connection, and blast radius before and after.

use crate::attack::graph::{AttackGraph, SimOptions, Target};
use crate::attack::rank::rank_by_blast;
use crate::engine::reach::Reachability;
use crate::engine::reach::EMPTY;
use crate::engine::view::{entities, Entity, Level};
use crate::model::ip::{partition, IpRange};
use crate::model::ports::ConnSet;
use crate::model::Cluster;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Hops to one target and the path, from one starting workload.
type TargetHop = (Option<usize>, Option<String>);

/// One side of the comparison.
pub struct Side<'a> {
    pub cluster: &'a Cluster,
    pub reach: &'a Reachability,
}

#[derive(Clone, Debug)]
pub struct ConnChange {
    pub src: String,
    pub dst: String,
    pub before: ConnSet,
    pub after: ConnSet,
    pub gained: ConnSet,
    pub lost: ConnSet,
}

#[derive(Clone, Debug)]
pub struct BlastChange {
    pub workload: String,
    /// None: the workload does not exist on that side.
    pub before: Option<u64>,
    pub after: Option<u64>,
    pub delta: i64,
}

#[derive(Clone, Debug)]
pub struct TargetChange {
    pub workload: String,
    pub target: String,
    pub hops_before: Option<usize>,
    pub hops_after: Option<usize>,
    pub path_after: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Diff {
    pub level: &'static str,
    pub added: Vec<ConnChange>,
    pub removed: Vec<ConnChange>,
    pub changed: Vec<ConnChange>,
    pub workloads_added: Vec<String>,
    pub workloads_removed: Vec<String>,
    /// Sorted by the largest increase first.
    pub blast_radius: Vec<BlastChange>,
    /// Starting workloads that reach a crown jewel now but did not before.
    pub new_target_paths: Vec<TargetChange>,
    /// Targets reached in fewer hops than before.
    pub closer_targets: Vec<TargetChange>,
    /// Targets reached in more hops than before, or no longer reached
    /// (`hops_after` None).
    pub further_targets: Vec<TargetChange>,
    pub total_pods_before: u64,
    pub total_pods_after: u64,
}

/// Gate conditions for `--fail-on`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    /// A connection was added or gained ports.
    Added,
    /// A connection was removed or lost ports.
    Removed,
    /// Some workload's blast radius grew; a workload only on the new side
    /// with a blast radius above 0 counts as grown (from nothing).
    BlastIncrease,
    /// Some workload reaches a crown jewel it could not reach before.
    NewTargetPath,
}

impl Diff {
    pub fn holds(&self, f: FailOn) -> bool {
        match f {
            FailOn::Added => {
                !self.added.is_empty() || self.changed.iter().any(|c| !c.gained.is_empty())
            }
            FailOn::Removed => {
                !self.removed.is_empty() || self.changed.iter().any(|c| !c.lost.is_empty())
            }
            FailOn::BlastIncrease => self
                .blast_radius
                .iter()
                // A new workload counts from 0: it adds its whole blast radius.
                .any(|b| b.delta > 0),
            FailOn::NewTargetPath => !self.new_target_paths.is_empty(),
        }
    }
}

/// Connections of an entity pair: the union over their classes.
fn pair<'r>(reach: &'r Reachability, a: &Entity, b: &Entity) -> Cow<'r, ConnSet> {
    if let ([s], [d]) = (a.classes.as_slice(), b.classes.as_slice()) {
        return Cow::Borrowed(reach.class_to_class(*s, *d));
    }
    let mut acc = ConnSet::empty();
    for &s in &a.classes {
        for &d in &b.classes {
            acc = acc.union(reach.class_to_class(s, d));
        }
    }
    Cow::Owned(acc)
}

fn atom_of(atoms: &[IpRange], probe: &IpRange) -> Option<usize> {
    atoms.iter().position(|a| a.contains_range(probe))
}

/// Atoms fine enough for both sides.
fn common_atoms(a: &[IpRange], b: &[IpRange], ipv6: bool) -> Vec<IpRange> {
    partition(a.iter().chain(b.iter()).copied())
        .into_iter()
        .filter(|x| !x.v6 || ipv6)
        .collect()
}

/// An entity's connections with one atom of its own side (`None`: the atom
/// does not exist there).
fn ext_conns(reach: &Reachability, e: &Entity, x: Option<usize>, inbound: bool) -> ConnSet {
    let Some(x) = x else {
        return ConnSet::empty();
    };
    let mut acc = ConnSet::empty();
    for &c in &e.classes {
        acc = acc.union(if inbound {
            reach.ext_to_class(x, c)
        } else {
            reach.class_to_ext(c, x)
        });
    }
    acc
}

/// Each common atom with its name and the atom holding it on either side,
/// looked up once rather than per entity.
fn atom_map(
    common: &[IpRange],
    old: &[IpRange],
    new: &[IpRange],
) -> Vec<(String, Option<usize>, Option<usize>)> {
    common
        .iter()
        .map(|a| (format!("{a}[External]"), atom_of(old, a), atom_of(new, a)))
        .collect()
}

/// One connection change with the ranks of its source and destination.
type Change = (u32, u32, ConnChange);

/// Add the change from `before` to `after` of a source and a destination
/// (each with its rank), if they differ.
fn record(
    out: &mut Vec<Change>,
    (sr, src): (u32, &str),
    (dr, dst): (u32, &str),
    before: &ConnSet,
    after: &ConnSet,
) {
    if before != after {
        out.push((
            sr,
            dr,
            ConnChange {
                src: src.to_string(),
                dst: dst.to_string(),
                before: before.clone(),
                after: after.clone(),
                gained: after.subtract(before),
                lost: before.subtract(after),
            },
        ));
    }
}

/// The rank of each name of two sorted, distinct lists in their merged
/// order (by bytes, as `str` sorts).
fn merged_ranks(a: &[&str], b: &[&str]) -> (Vec<u32>, Vec<u32>) {
    let (mut ra, mut rb) = (Vec::with_capacity(a.len()), Vec::with_capacity(b.len()));
    let (mut i, mut j) = (0, 0);
    for r in 0..(a.len() + b.len()) as u32 {
        let from_a = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => x <= y,
            (x, _) => x.is_some(),
        };
        if from_a {
            ra.push(r);
            i += 1;
        } else {
            rb.push(r);
            j += 1;
        }
    }
    (ra, rb)
}

/// What a name's connections as a source (row keys) or as a destination
/// (column keys) depend on: its keys on the old and on the new side.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum KeySig {
    /// One class on both sides: the two keys.
    One(usize, usize),
    /// Anything else: the sorted keys of each side (None: no such name).
    Many(Option<Vec<usize>>, Option<Vec<usize>>),
}

/// Names (indices into `idx`) grouped by their [`KeySig`] under `key`
/// (`Reachability::row_key` or `col_key`), in a fixed order.
fn key_groups(
    idx: &[(Option<&Entity>, Option<&Entity>)],
    old: &Reachability,
    new: &Reachability,
    key: fn(&Reachability, usize) -> usize,
) -> BTreeMap<KeySig, Vec<usize>> {
    let keys = |r: &Reachability, e: Option<&Entity>| {
        e.map(|e| {
            let mut k: Vec<usize> = e.classes.iter().map(|&c| key(r, c)).collect();
            k.sort_unstable();
            k.dedup();
            k
        })
    };
    let mut groups: BTreeMap<KeySig, Vec<usize>> = BTreeMap::new();
    for (i, &(o, n)) in idx.iter().enumerate() {
        let sig = match (keys(old, o), keys(new, n)) {
            (Some(a), Some(b)) if a.len() == 1 && b.len() == 1 => KeySig::One(
                a.first().copied().unwrap_or(usize::MAX),
                b.first().copied().unwrap_or(usize::MAX),
            ),
            (a, b) => KeySig::Many(a, b),
        };
        groups.entry(sig).or_default().push(i);
    }
    groups
}

pub fn diff(old: &Side, new: &Side, level: Level, targets: &[Target], sim: &SimOptions) -> Diff {
    let (eo, en) = rayon::join(
        || entities(old.cluster, old.reach, level),
        || entities(new.cluster, new.reach, level),
    );
    // The listing's entities when it is by workload, else built again.
    let (wo, wn): (Cow<[Entity]>, Cow<[Entity]>) = if level == Level::Workload {
        (Cow::Borrowed(&eo), Cow::Borrowed(&en))
    } else {
        let (wo, wn) = rayon::join(
            || entities(old.cluster, old.reach, Level::Workload),
            || entities(new.cluster, new.reach, Level::Workload),
        );
        (Cow::Owned(wo), Cow::Owned(wn))
    };
    // The connections that changed, and the blast radii and crown-jewel
    // hops of both sides: three independent computations, on both cores.
    let (((added, removed, changed), workloads), (blast_radius, hops)) = rayon::join(
        || connection_changes(old, new, &eo, &en),
        || {
            rayon::join(
                || side_blast(old, &wo, sim, targets),
                || side_blast(new, &wn, sim, targets),
            )
        },
    );
    let ((ro, ho), (rn, hn)) = (blast_radius, hops);
    let (workloads_added, workloads_removed) = workloads;
    let all_w: BTreeSet<&String> = ro.keys().chain(rn.keys()).collect();
    let mut blast_radius: Vec<BlastChange> = all_w
        .into_iter()
        .map(|w| {
            let (b, a) = (ro.get(w).copied(), rn.get(w).copied());
            BlastChange {
                workload: w.clone(),
                before: b,
                after: a,
                delta: a.unwrap_or(0) as i64 - b.unwrap_or(0) as i64,
            }
        })
        .collect();
    blast_radius.sort_by(|x, y| {
        y.delta
            .cmp(&x.delta)
            .then_with(|| x.workload.cmp(&y.workload))
    });

    // Crown jewels: hops from every workload, before and after.
    let mut new_target_paths = Vec::new();
    let mut closer_targets = Vec::new();
    let mut further_targets = Vec::new();
    for (w, after) in &hn {
        let before = ho.get(w);
        // One entry per target, in `targets` order.
        for (i, ((h_after, path), t)) in after.iter().zip(targets).enumerate() {
            let h_before = before.and_then(|b| b.get(i)).and_then(|x| x.0);
            let change = TargetChange {
                workload: w.clone(),
                target: t.text.clone(),
                hops_before: h_before,
                hops_after: *h_after,
                path_after: path.clone(),
            };
            match (h_before, h_after) {
                (None, Some(_)) => new_target_paths.push(change),
                (Some(b), Some(a)) if a < &b => closer_targets.push(change),
                (Some(b), Some(a)) if a > &b => further_targets.push(change),
                (Some(_), None) => further_targets.push(change),
                _ => {}
            }
        }
    }
    Diff {
        level: match level {
            Level::Workload => "workload",
            Level::Pod => "pod",
            Level::Namespace => "namespace",
        },
        added,
        removed,
        changed,
        workloads_added,
        workloads_removed,
        blast_radius,
        new_target_paths,
        closer_targets,
        further_targets,
        total_pods_before: old.cluster.pod_count(),
        total_pods_after: new.cluster.pod_count(),
    }
}

/// Each workload's blast radius on one side, and (with targets) the hops
/// to each target from its first pod, as `simulate` says them.
type SideBlast = (BTreeMap<String, u64>, BTreeMap<String, Vec<TargetHop>>);

fn side_blast(side: &Side, ents: &[Entity], sim: &SimOptions, targets: &[Target]) -> SideBlast {
    let g = AttackGraph::build(side.cluster, side.reach, sim);
    let ranks = rank_by_blast(&g, ents)
        .into_iter()
        .map(|r| (r.workload, r.blast_radius))
        .collect();
    if targets.is_empty() {
        return (ranks, BTreeMap::new());
    }
    let tp = g.target_pods(targets);
    let hops = ents
        .iter()
        .filter(|e| e.replicas > 0)
        .filter_map(|e| {
            let &p = e.pods.first()?;
            let r = g.target_hops(&[(p, 1)], &tp);
            Some((
                e.name.clone(),
                r.into_iter().map(|t| (t.hop, t.path)).collect(),
            ))
        })
        .collect();
    (ranks, hops)
}

/// Connections added, removed and changed between the two sides' entities
/// (and external ranges and names), sorted; and the entities only the new
/// side has, and only the old.
type ConnChanges = (
    (Vec<ConnChange>, Vec<ConnChange>, Vec<ConnChange>),
    (Vec<String>, Vec<String>),
);

fn connection_changes(old: &Side, new: &Side, eo: &[Entity], en: &[Entity]) -> ConnChanges {
    let by_name_old: HashMap<&str, usize> = eo
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name.as_str(), i))
        .collect();
    let by_name_new: HashMap<&str, usize> = en
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name.as_str(), i))
        .collect();
    let names: BTreeSet<&str> = by_name_old
        .keys()
        .chain(by_name_new.keys())
        .copied()
        .collect();
    // Entity to entity. Old matrix ids are translated to new ones once, so
    // that single-class pairs compare as two integers.
    let names_v: Vec<&str> = names.iter().copied().collect();
    // External ranges, on atoms fine enough for both sides, and the names
    // (CNP-12) both sides know.
    let ipv6 = old.reach.ipv6_in_use || new.reach.ipv6_in_use;
    let src_atoms = atom_map(
        &common_atoms(&old.reach.ext_src, &new.reach.ext_src, ipv6),
        &old.reach.ext_src,
        &new.reach.ext_src,
    );
    let dst_atoms = atom_map(
        &common_atoms(&old.reach.ext_dst, &new.reach.ext_dst, ipv6),
        &old.reach.ext_dst,
        &new.reach.ext_dst,
    );
    let domains: Vec<(usize, usize, String)> = new
        .reach
        .domains
        .iter()
        .enumerate()
        .filter_map(|(dn, name)| Some((old.reach.domain_index(name)?, dn, format!("dns:{name}"))))
        .collect();
    // Every name a change can name, ranked in the order changes are listed
    // (by bytes), so that they sort as integers.
    let mut extras: Vec<&str> = src_atoms
        .iter()
        .chain(&dst_atoms)
        .map(|a| a.0.as_str())
        .chain(domains.iter().map(|d| d.2.as_str()))
        .collect();
    extras.sort_unstable();
    extras.dedup();
    let (name_rank, extra_rank) = merged_ranks(&names_v, &extras);
    let rank_of = |s: &str| -> u32 {
        extras
            .binary_search(&s)
            .ok()
            .and_then(|i| extra_rank.get(i).copied())
            .unwrap_or(u32::MAX)
    };
    let name_of =
        |i: usize| -> Option<(u32, &str)> { Some((*name_rank.get(i)?, *names_v.get(i)?)) };
    let empty = ConnSet::empty();
    // Each name's entity on the old and on the new side.
    let idx: Vec<(Option<&Entity>, Option<&Entity>)> = names_v
        .iter()
        .map(|n| {
            (
                by_name_old.get(n).and_then(|&i| eo.get(i)),
                by_name_new.get(n).and_then(|&i| en.get(i)),
            )
        })
        .collect();
    let old_to_new: Vec<Option<u32>> = (0..old.reach.distinct_conn_sets() as u32)
        .map(|id| new.reach.find_id(old.reach.conn(id)))
        .collect();
    // A pair's connections depend only on the source's row keys and the
    // destination's column keys on each side, so names are grouped by
    // those and each pair of groups is compared once; only a pair of
    // groups that changed lists its names' pairs.
    let src_groups = key_groups(&idx, old.reach, new.reach, Reachability::row_key);
    let dst_groups = key_groups(&idx, old.reach, new.reach, Reachability::col_key);
    let translate = |id: u32| old_to_new.get(id as usize).copied().flatten();
    let dst_list: Vec<(&KeySig, &Vec<usize>)> = dst_groups.iter().collect();
    // Towards and from atoms and names, per group of keys as well: what a
    // source atom reaches depends on the column keys, what reaches an atom
    // or a name on the row keys.
    let members =
        |g: &[usize]| -> Vec<(u32, &str)> { g.iter().filter_map(|&i| name_of(i)).collect() };
    // The id of one entity's connections with one atom when it is one
    // class (EMPTY when there is no such entity or atom); `None` when the
    // union of several classes' connections is needed.
    let single = |e: Option<&Entity>, x: Option<usize>, id: &dyn Fn(usize, usize) -> u32| match (
        e.map(|e| e.classes.as_slice()),
        x,
    ) {
        (None, _) | (_, None) => Some(EMPTY),
        (Some([c]), Some(x)) => Some(id(x, *c)),
        _ => None,
    };
    let unchanged = |before: Option<u32>, after: Option<u32>| matches!((before, after), (Some(b), Some(a)) if translate(b) == Some(a));
    // Changes from atoms to the names of one group of column keys.
    let to_group = |g: &[usize]| -> Vec<Change> {
        let mut out = Vec::new();
        let Some(&(o, w)) = g.first().and_then(|&i| idx.get(i)) else {
            return out;
        };
        for (name, xo, xn) in &src_atoms {
            let ids = (
                single(o, *xo, &|x, c| old.reach.ext_to_class_id(x, c)),
                single(w, *xn, &|x, c| new.reach.ext_to_class_id(x, c)),
            );
            if unchanged(ids.0, ids.1) {
                continue;
            }
            let before = o.map_or_else(ConnSet::empty, |e| ext_conns(old.reach, e, *xo, true));
            let after = w.map_or_else(ConnSet::empty, |e| ext_conns(new.reach, e, *xn, true));
            if before != after {
                let atom = (rank_of(name), name.as_str());
                for n in members(g) {
                    record(&mut out, atom, n, &before, &after);
                }
            }
        }
        out
    };
    // Changes from the names of one group of row keys, to names, to atoms
    // and to named destinations.
    let from_group = |sk: &KeySig, sg: &[usize]| -> Vec<Change> {
        let mut out = Vec::new();
        let &[a0, ..] = sg else { return out };
        let Some(&(oa, na)) = idx.get(a0) else {
            return out;
        };
        // One row key on each side: both rows read once, the old one's ids
        // translated, so that a pair of single-key groups compares two ids.
        let rows = match sk {
            KeySig::One(x, p) => Some((
                old.reach
                    .key_row(*x)
                    .into_iter()
                    .map(translate)
                    .collect::<Vec<_>>(),
                new.reach.key_row(*p),
            )),
            KeySig::Many(..) => None,
        };
        for &(dk, dg) in &dst_list {
            let &[b0, ..] = dg.as_slice() else { continue };
            let Some(&(ob, nb)) = idx.get(b0) else {
                continue;
            };
            if let (Some((row_old, row_new)), KeySig::One(y, q)) = (&rows, dk) {
                // Outside the keys a cell is EMPTY, as `key_cell` says.
                let id_old = row_old.get(*y).copied().unwrap_or_else(|| translate(EMPTY));
                let id_new = row_new.get(*q).copied().unwrap_or(EMPTY);
                if id_old == Some(id_new) {
                    continue; // unchanged
                }
            }
            let before = match (oa, ob) {
                (Some(x), Some(y)) => pair(old.reach, x, y),
                _ => Cow::Borrowed(&empty),
            };
            let after = match (na, nb) {
                (Some(x), Some(y)) => pair(new.reach, x, y),
                _ => Cow::Borrowed(&empty),
            };
            if before == after {
                continue;
            }
            for &ai in sg {
                for &bi in dg {
                    if ai == bi {
                        continue;
                    }
                    if let (Some(a), Some(b)) = (name_of(ai), name_of(bi)) {
                        record(&mut out, a, b, &before, &after);
                    }
                }
            }
        }
        let g = sg;
        let (o, w) = (oa, na);
        for (name, xo, xn) in &dst_atoms {
            let ids = (
                single(o, *xo, &|x, c| old.reach.class_to_ext_id(c, x)),
                single(w, *xn, &|x, c| new.reach.class_to_ext_id(c, x)),
            );
            if unchanged(ids.0, ids.1) {
                continue;
            }
            let before = o.map_or_else(ConnSet::empty, |e| ext_conns(old.reach, e, *xo, false));
            let after = w.map_or_else(ConnSet::empty, |e| ext_conns(new.reach, e, *xn, false));
            if before != after {
                let atom = (rank_of(name), name.as_str());
                for n in members(g) {
                    record(&mut out, n, atom, &before, &after);
                }
            }
        }
        // Named destinations (CNP-12) both sides know: compile both with
        // `Reachability::compile_naming` and the names of both, as the CLI
        // does, for a name only one side's rules mention.
        for (d_old, dn, dst) in &domains {
            let to = |reach: &Reachability, e: &Entity, d: usize| {
                e.classes.iter().fold(ConnSet::empty(), |acc, &c| {
                    acc.union(reach.class_to_domain(c, d))
                })
            };
            let before = o.map_or_else(ConnSet::empty, |e| to(old.reach, e, *d_old));
            let after = w.map_or_else(ConnSet::empty, |e| to(new.reach, e, *dn));
            if before != after {
                let dst = (rank_of(dst), dst.as_str());
                for n in members(g) {
                    record(&mut out, n, dst, &before, &after);
                }
            }
        }
        out
    };
    // Every group on both cores; the order is the sort's below.
    let src_list: Vec<(&KeySig, &Vec<usize>)> = src_groups.iter().collect();
    let dst_only: Vec<&Vec<usize>> = dst_groups.values().collect();
    let (mut changes, to_groups): (Vec<Change>, Vec<Change>) = rayon::join(
        || {
            src_list
                .par_iter()
                .flat_map_iter(|&(sk, sg)| from_group(sk, sg))
                .collect()
        },
        || dst_only.par_iter().flat_map_iter(|g| to_group(g)).collect(),
    );
    changes.extend(to_groups);
    // By source, then destination, as their names sort by bytes.
    changes.sort_by_key(|&(s, d, _)| (s, d));
    let (mut added, mut removed, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    for (_, _, c) in changes {
        if c.before.is_empty() {
            added.push(c);
        } else if c.after.is_empty() {
            removed.push(c);
        } else {
            changed.push(c);
        }
    }
    let workloads_added: Vec<String> = en
        .iter()
        .filter(|e| !by_name_old.contains_key(e.name.as_str()))
        .map(|e| e.name.clone())
        .collect();
    let workloads_removed: Vec<String> = eo
        .iter()
        .filter(|e| !by_name_new.contains_key(e.name.as_str()))
        .map(|e| e.name.clone())
        .collect();

    (
        (added, removed, changed),
        (workloads_added, workloads_removed),
    )
}

#[cfg(test)]
mod tests {
    use super::{diff, Diff, FailOn, Side};
    use crate::attack::fixtures::{allow, chain_docs, pod, World};
    use crate::attack::graph::{SimOptions, Target};
    use crate::engine::view::Level;

    /// The chain, with c no longer reachable from b and d reachable from a.
    fn rewired() -> World {
        let mut docs: Vec<String> = chain_docs()
            .into_iter()
            .filter(|d| !d.contains("c-from-b"))
            .collect();
        docs.push(allow("d", "a", 6379));
        World::new(&docs)
    }

    fn run(old: &World, new: &World, targets: &[&str]) -> Diff {
        let t: Vec<Target> = targets.iter().map(|s| Target::parse(s).unwrap()).collect();
        diff(
            &Side {
                cluster: &old.c,
                reach: &old.r,
            },
            &Side {
                cluster: &new.c,
                reach: &new.r,
            },
            Level::Workload,
            &t,
            &SimOptions::default(),
        )
    }

    fn conns(v: &[super::ConnChange]) -> Vec<(String, String, String)> {
        v.iter()
            .map(|c| {
                (
                    c.src.clone(),
                    c.dst.clone(),
                    c.gained.union(&c.lost).to_connlist(),
                )
            })
            .collect()
    }

    fn c(s: &str, d: &str, p: &str) -> (String, String, String) {
        (s.to_string(), d.to_string(), p.to_string())
    }

    #[test]
    fn rewiring_adds_and_removes_one_connection_each() {
        let (old, new) = (World::new(&chain_docs()), rewired());
        let d = run(&old, &new, &["app=c"]);
        assert_eq!(conns(&d.added), vec![c("x/a[Pod]", "x/d[Pod]", "TCP 6379")]);
        assert_eq!(
            conns(&d.removed),
            vec![c("x/b[Deployment]", "x/c[Pod]", "TCP 5432")]
        );
        assert!(d.changed.is_empty());
        assert!(d.holds(FailOn::Added) && d.holds(FailOn::Removed));
        // a: b, c, d (4 pods) before; b and d (3) after. b: 2 before, 0 after.
        let blast: Vec<(&str, Option<u64>, Option<u64>, i64)> = d
            .blast_radius
            .iter()
            .map(|b| (b.workload.as_str(), b.before, b.after, b.delta))
            .collect();
        assert!(
            blast.contains(&("x/a[Pod]", Some(4), Some(3), -1)),
            "{blast:?}"
        );
        assert!(
            blast.contains(&("x/b[Deployment]", Some(2), Some(0), -2)),
            "{blast:?}"
        );
        assert!(!d.holds(FailOn::BlastIncrease));
        assert!(d.new_target_paths.is_empty());
        assert_eq!((d.total_pods_before, d.total_pods_after), (5, 5));
    }

    #[test]
    fn the_reverse_change_opens_paths_to_the_target() {
        let (old, new) = (rewired(), World::new(&chain_docs()));
        let d = run(&old, &new, &["app=c"]);
        assert_eq!(
            conns(&d.added),
            vec![c("x/b[Deployment]", "x/c[Pod]", "TCP 5432")]
        );
        assert!(d.holds(FailOn::BlastIncrease));
        let mut paths: Vec<(&str, Option<usize>)> = d
            .new_target_paths
            .iter()
            .map(|t| (t.workload.as_str(), t.hops_after))
            .collect();
        paths.sort();
        assert_eq!(
            paths,
            vec![("x/a[Pod]", Some(2)), ("x/b[Deployment]", Some(1))]
        );
        assert!(d.holds(FailOn::NewTargetPath));
    }

    #[test]
    fn same_input_no_change_and_a_new_workload_is_listed() {
        let old = World::new(&chain_docs());
        let d = run(&old, &World::new(&chain_docs()), &[]);
        assert!(d.added.is_empty() && d.removed.is_empty() && d.changed.is_empty());
        assert!(!d.holds(FailOn::Added) && !d.holds(FailOn::Removed));
        let mut docs = chain_docs();
        docs.push(pod("e", &[]));
        let d = run(&old, &World::new(&docs), &[]);
        assert_eq!(d.workloads_added, vec!["x/e[Pod]".to_string()]);
        assert!(d.workloads_removed.is_empty());
        // e's open egress: new connections from e only.
        assert!(!d.added.is_empty());
        assert!(
            d.added.iter().all(|x| x.src == "x/e[Pod]"),
            "{:?}",
            conns(&d.added)
        );
    }
}
