//! Entities (workloads or pods, and external IP atoms) and the list of
//! allowed connections between them, aggregated from the class matrix.

use crate::engine::reach::{Reachability, EMPTY};
use crate::model::ports::ConnSet;
use crate::model::{Cluster, WorkloadRef};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// One entity per workload (`ns/name[Kind]`); bare pods as `[Pod]`.
    Workload,
    /// One entity per pod manifest or pod template.
    Pod,
    /// One entity per namespace (`ns[Namespace]`): the shape of a cluster
    /// too large to list workload by workload.
    Namespace,
}

/// A listed entity: a workload (or, at pod level, a pod).
#[derive(Clone, Debug)]
pub struct Entity {
    /// `ns/name[Kind]`.
    pub name: String,
    pub namespace: String,
    pub workload: WorkloadRef,
    /// Indices into `Cluster::pods`.
    pub pods: Vec<usize>,
    /// Pods counted with replicas.
    pub replicas: u64,
    /// Distinct classes of its pods.
    pub classes: Vec<usize>,
}

/// One side of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    Entity(usize),
    SrcAtom(usize),
    DstAtom(usize),
    /// A named destination (CNP-12), index into `Reachability::domains`.
    Domain(usize),
}

/// One allowed connection. Sets are shared (`Rc`) because most pairs have
/// one of a few distinct sets.
#[derive(Clone, Debug)]
pub struct Connection {
    pub src: Endpoint,
    pub dst: Endpoint,
    pub conns: Rc<ConnSet>,
    /// The part of `conns` that is ambiguous: equal-priority cluster
    /// policies disagree on it and the implementation picks (CNP-4). It is
    /// in `conns` too, as the worst case.
    pub ambiguous: Option<Rc<ConnSet>>,
}

impl Connection {
    /// `conns` in np-guard's spelling, then ` (ambiguous: …)` when some of
    /// it is (CNP-4).
    pub fn conn_text(&self) -> String {
        match &self.ambiguous {
            Some(a) => format!(
                "{} (ambiguous: {})",
                self.conns.to_connlist(),
                a.to_connlist()
            ),
            None => self.conns.to_connlist(),
        }
    }
}

/// Entities and their connections at one level, sorted as np-guard sorts:
/// by source name, then destination name, as bytes.
#[derive(Clone, Debug)]
pub struct ConnView {
    pub level: Level,
    pub entities: Vec<Entity>,
    pub src_atoms: Vec<String>,
    pub dst_atoms: Vec<String>,
    /// `dns:api.example.com`, per `Reachability::domains`.
    pub domains: Vec<String>,
    pub connections: Vec<Connection>,
    pub warnings: Vec<String>,
}

/// Entities of a cluster, sorted by name.
pub fn entities(cluster: &Cluster, reach: &Reachability, level: Level) -> Vec<Entity> {
    let mut map: BTreeMap<String, Entity> = BTreeMap::new();
    for (i, pod) in cluster.pods.iter().enumerate() {
        let (name, wl) = match level {
            Level::Workload => (pod.workload.to_string(), pod.workload.clone()),
            Level::Pod => {
                let kind = if pod.workload.kind == "Pod" || pod.workload.name != pod.name {
                    "Pod"
                } else {
                    pod.workload.kind.as_str()
                };
                let wl = WorkloadRef {
                    namespace: pod.namespace.clone(),
                    name: pod.name.clone(),
                    kind: kind.to_string(),
                };
                (wl.to_string(), wl)
            }
            Level::Namespace => (
                format!("{}[Namespace]", pod.namespace),
                WorkloadRef {
                    namespace: pod.namespace.clone(),
                    name: pod.namespace.clone(),
                    kind: "Namespace".into(),
                },
            ),
        };
        let e = map.entry(name.clone()).or_insert_with(|| Entity {
            name,
            namespace: pod.namespace.clone(),
            workload: wl,
            pods: Vec::new(),
            replicas: 0,
            classes: Vec::new(),
        });
        e.pods.push(i);
        e.replicas += u64::from(pod.replicas);
        if let Some(&c) = reach.pod_class.get(i) {
            if !e.classes.contains(&c) {
                e.classes.push(c);
            }
        }
    }
    map.into_values().collect()
}

pub fn ext_name(r: &crate::model::ip::IpRange) -> String {
    format!("{r}[External]")
}

/// Whether a class stands for more than one pod (a pod to itself is never
/// a line, SEM-47; two pods of one class are).
fn several(cluster: &Cluster, reach: &Reachability, class: usize) -> bool {
    reach.classes.get(class).is_some_and(|members| {
        members
            .iter()
            .filter_map(|&p| cluster.pods.get(p))
            .map(|p| u64::from(p.replicas))
            .sum::<u64>()
            > 1
    })
}

/// How many connections the list would hold, without building it: what a
/// summary line needs, at a cost of one matrix read per pair and no
/// allocation (a 100,000-pod cluster has a billion workload pairs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnCounts {
    pub entities: usize,
    pub connections: usize,
    /// Of which with an external IP range or a named destination on one
    /// side.
    pub external: usize,
}

impl ConnCounts {
    /// The counts of a list already built.
    pub fn of_view(view: &ConnView) -> ConnCounts {
        let external = view
            .connections
            .iter()
            .filter(|c| {
                !matches!(c.src, Endpoint::Entity(_)) || !matches!(c.dst, Endpoint::Entity(_))
            })
            .count();
        ConnCounts {
            entities: view.entities.len(),
            connections: view.connections.len(),
            external,
        }
    }

    /// Entity pairs are counted by key signatures, not one by one: an
    /// entity's sources are the row keys of its classes, its destinations
    /// the column keys ([`Reachability::row_key`]), and two entities are
    /// connected exactly when some (row key, column key) cell of theirs is,
    /// so the pairs of entities are the pairs of signatures times their
    /// sizes (100,000 workloads: 7,000 × 8,000 signatures instead of 10¹⁰
    /// pairs). An entity with itself is then set right on its own.
    pub fn count(cluster: &Cluster, reach: &Reachability, level: Level) -> ConnCounts {
        let entities = entities(cluster, reach, level);
        let shown = |a: &crate::model::ip::IpRange| !a.v6 || reach.ipv6_in_use;
        // Signatures: sorted, deduplicated key sets, interned.
        fn intern(
            index: &mut HashMap<Vec<usize>, usize>,
            sigs: &mut Vec<(Vec<usize>, u64)>,
            mut keys: Vec<usize>,
        ) -> usize {
            keys.sort_unstable();
            keys.dedup();
            let next = sigs.len();
            let i = *index.entry(keys.clone()).or_insert(next);
            if i == next {
                sigs.push((keys, 0));
            }
            if let Some(s) = sigs.get_mut(i) {
                s.1 += 1;
            }
            i
        }
        let (mut r_index, mut c_index) = (HashMap::new(), HashMap::new());
        let mut r_sigs: Vec<(Vec<usize>, u64)> = Vec::new();
        let mut c_sigs: Vec<(Vec<usize>, u64)> = Vec::new();
        let mut of_entity: Vec<(usize, usize)> = Vec::with_capacity(entities.len());
        for e in &entities {
            let rs = e.classes.iter().map(|&c| reach.row_key(c)).collect();
            let cs = e.classes.iter().map(|&c| reach.col_key(c)).collect();
            of_entity.push((
                intern(&mut r_index, &mut r_sigs, rs),
                intern(&mut c_index, &mut c_sigs, cs),
            ));
        }
        let linked = |r: &[usize], c: &[usize]| {
            r.iter()
                .any(|&rk| c.iter().any(|&ck| reach.key_cell(rk, ck) != EMPTY))
        };
        let mut connections: u64 = 0;
        for (rs, rn) in &r_sigs {
            for (cs, cn) in &c_sigs {
                if linked(rs, cs) {
                    connections = connections.saturating_add(rn.saturating_mul(*cn));
                }
            }
        }
        let mut external = 0u64;
        for (ea, &(sr, sc)) in entities.iter().zip(&of_entity) {
            // The entity with itself: counted above when its cells link; as
            // `ConnView::build` lists it, only at namespace level, and a
            // class with itself only when it holds several pods (SEM-47).
            let counted = match (r_sigs.get(sr), c_sigs.get(sc)) {
                (Some((rs, _)), Some((cs, _))) => linked(rs, cs),
                _ => false,
            };
            let listed = level == Level::Namespace
                && ea.classes.iter().any(|&s| {
                    ea.classes.iter().any(|&d| {
                        (d != s || several(cluster, reach, s))
                            && !reach.class_to_class(s, d).is_empty()
                    })
                });
            connections = (connections + u64::from(listed)).saturating_sub(u64::from(counted));
            for (x, _) in reach.ext_dst.iter().enumerate().filter(|(_, a)| shown(a)) {
                if ea
                    .classes
                    .iter()
                    .any(|&s| !reach.class_to_ext(s, x).is_empty())
                {
                    external += 1;
                }
            }
            for (x, _) in reach.ext_src.iter().enumerate().filter(|(_, a)| shown(a)) {
                if ea
                    .classes
                    .iter()
                    .any(|&d| !reach.ext_to_class(x, d).is_empty())
                {
                    external += 1;
                }
            }
            for d in 0..reach.domains.len() {
                if ea
                    .classes
                    .iter()
                    .any(|&s| !reach.class_to_domain(s, d).is_empty())
                {
                    external += 1;
                }
            }
        }
        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        ConnCounts {
            entities: entities.len(),
            connections: size(connections.saturating_add(external)),
            external: size(external),
        }
    }
}

/// The ambiguous part of a listed connection: the union over its class
/// pairs, as the connection is (CNP-4).
fn ambiguous_part(
    reach: &Reachability,
    entities: &[Entity],
    c: &Connection,
    level: Level,
) -> ConnSet {
    let classes = |i: usize| entities.get(i).map(|e| e.classes.as_slice()).unwrap_or(&[]);
    let mut acc = ConnSet::empty();
    match (c.src, c.dst) {
        (Endpoint::Entity(a), Endpoint::Entity(b)) => {
            for &s in classes(a) {
                for &d in classes(b) {
                    // A class towards itself within one entity counts only
                    // as ConnView::build counts it.
                    if a == b && s == d && level != Level::Namespace {
                        continue;
                    }
                    acc = acc.union(reach.ambiguous_class_to_class(s, d));
                }
            }
        }
        (Endpoint::Entity(a), Endpoint::DstAtom(x)) => {
            for &s in classes(a) {
                acc = acc.union(reach.ambiguous_class_to_ext(s, x));
            }
        }
        (Endpoint::SrcAtom(x), Endpoint::Entity(b)) => {
            for &d in classes(b) {
                acc = acc.union(reach.ambiguous_ext_to_class(x, d));
            }
        }
        (Endpoint::Entity(a), Endpoint::Domain(d)) => {
            for &s in classes(a) {
                acc = acc.union(reach.ambiguous_class_to_domain(s, d));
            }
        }
        _ => {}
    }
    acc.intersect(&c.conns)
}

impl ConnView {
    pub fn build(cluster: &Cluster, reach: &Reachability, level: Level) -> ConnView {
        let entities = entities(cluster, reach, level);
        let mut warnings = Vec::new();
        // A namespace holds many classes by nature: no warning for it.
        for e in entities.iter().filter(|_| level != Level::Namespace) {
            if let [first, rest @ ..] = e.classes.as_slice() {
                let first = *first;
                let differs = rest.iter().any(|&c| {
                    (0..reach.class_count()).any(|o| {
                        reach.class_id(c, o) != reach.class_id(first, o)
                            || reach.class_id(o, c) != reach.class_id(o, first)
                    }) || (0..reach.ext_src.len())
                        .any(|x| reach.ext_to_class(x, c) != reach.ext_to_class(x, first))
                        || (0..reach.ext_dst.len())
                            .any(|x| reach.class_to_ext(c, x) != reach.class_to_ext(first, x))
                        || (0..reach.domains.len()).any(|d| {
                            reach.class_to_domain_id(c, d) != reach.class_to_domain_id(first, d)
                        })
                });
                if differs {
                    warnings.push(format!(
                        "pods of {} have different labels or ports and policies treat them differently; its rows are the union over its pods (use --level pod to see each)",
                        e.name
                    ));
                }
            }
        }
        let shown = |a: &crate::model::ip::IpRange| !a.v6 || reach.ipv6_in_use;
        let src_atoms: Vec<String> = reach
            .ext_src
            .iter()
            .map(|a| if shown(a) { ext_name(a) } else { String::new() })
            .collect();
        let dst_atoms: Vec<String> = reach
            .ext_dst
            .iter()
            .map(|a| if shown(a) { ext_name(a) } else { String::new() })
            .collect();
        // One shared set per distinct matrix id; an entity spanning several
        // classes (a label gap) gets the union of its classes' sets.
        let mut shared: HashMap<u32, Rc<ConnSet>> = HashMap::new();
        let mut connections = Vec::new();
        let mut push = |src: Endpoint, dst: Endpoint, ids: &mut dyn Iterator<Item = u32>| {
            // The common case, one class on each side, allocates nothing;
            // each distinct id is added to the union once (a namespace
            // pair has thousands of class pairs and a few distinct sets).
            let mut first: Option<u32> = None;
            let mut acc: Option<ConnSet> = None;
            let mut added: Vec<u32> = Vec::new();
            for id in ids {
                match first {
                    None => first = Some(id),
                    Some(f) if f == id => {}
                    Some(_) if added.contains(&id) => {}
                    Some(f) => {
                        added.push(id);
                        let a = acc.get_or_insert_with(|| reach.conn(f).clone());
                        *a = a.union(reach.conn(id));
                    }
                }
            }
            let conns = match (first, acc) {
                (_, Some(a)) => Rc::new(a),
                (Some(id), None) => shared
                    .entry(id)
                    .or_insert_with(|| Rc::new(reach.conn(id).clone()))
                    .clone(),
                (None, None) => return,
            };
            if !conns.is_empty() {
                connections.push(Connection {
                    src,
                    dst,
                    conns,
                    ambiguous: None,
                });
            }
        };
        for (a, ea) in entities.iter().enumerate() {
            for (b, eb) in entities.iter().enumerate() {
                // SEM-47: no self-lines, but a namespace's pods reaching
                // each other is a line of the namespace view.
                if a == b && level != Level::Namespace {
                    continue;
                }
                let self_pair = a == b;
                let mut it = ea.classes.iter().flat_map(|&s| {
                    eb.classes
                        .iter()
                        .filter(move |&&d| !self_pair || d != s || several(cluster, reach, s))
                        .map(move |&d| reach.class_id(s, d))
                });
                push(Endpoint::Entity(a), Endpoint::Entity(b), &mut it);
            }
            let shown_dst = reach.ext_dst.iter().enumerate().filter(|(_, a)| shown(a));
            for (x, _) in shown_dst {
                let mut it = ea.classes.iter().map(|&s| reach.class_to_ext_id(s, x));
                push(Endpoint::Entity(a), Endpoint::DstAtom(x), &mut it);
            }
            for d in 0..reach.domains.len() {
                let mut it = ea.classes.iter().map(|&s| reach.class_to_domain_id(s, d));
                push(Endpoint::Entity(a), Endpoint::Domain(d), &mut it);
            }
            let shown_src = reach.ext_src.iter().enumerate().filter(|(_, a)| shown(a));
            for (x, _) in shown_src {
                let mut it = ea.classes.iter().map(|&d| reach.ext_to_class_id(x, d));
                push(Endpoint::SrcAtom(x), Endpoint::Entity(a), &mut it);
            }
        }
        if reach.has_ambiguity() {
            let (mut n, mut named) = (0, 0);
            for c in &mut connections {
                let a = ambiguous_part(reach, &entities, c, level);
                if !a.is_empty() {
                    n += 1;
                    named += usize::from(matches!(c.dst, Endpoint::Domain(_)));
                    c.ambiguous = Some(Rc::new(a));
                }
            }
            if named > 0 {
                warnings.push(format!(
                    "{named} connection{} to named destinations {} ambiguous: {} on the address the name resolves to, or cluster policies of one tier and priority disagree (CNP-12, CNP-4); shown as allowed, the worst case (`explain --to dns:NAME` shows each case)",
                    if named == 1 { "" } else { "s" },
                    if named == 1 { "is" } else { "are" },
                    if named == 1 { "it depends" } else { "they depend" }
                ));
            }
            let n = n - named;
            if n > 0 {
                warnings.push(format!(
                    "{n} connection{} ambiguous: cluster policies of one tier and priority disagree on {}, and the implementation may apply either (CNP-4); shown as allowed, the worst case (`explain` names the candidates)",
                    if n == 1 { " is" } else { "s are" },
                    if n == 1 { "it" } else { "them" }
                ));
            }
        }
        let mut view = ConnView {
            level,
            entities,
            src_atoms,
            dst_atoms,
            domains: reach.domains.iter().map(|d| format!("dns:{d}")).collect(),
            connections: Vec::new(),
            warnings,
        };
        // np-guard's order: source name, then destination name, as bytes.
        // Rank every name once instead of comparing strings per pair.
        let mut all: Vec<(Endpoint, &str)> = Vec::new();
        all.extend(
            view.entities
                .iter()
                .enumerate()
                .map(|(i, e)| (Endpoint::Entity(i), e.name.as_str())),
        );
        all.extend(
            view.src_atoms
                .iter()
                .enumerate()
                .map(|(i, n)| (Endpoint::SrcAtom(i), n.as_str())),
        );
        all.extend(
            view.dst_atoms
                .iter()
                .enumerate()
                .map(|(i, n)| (Endpoint::DstAtom(i), n.as_str())),
        );
        all.extend(
            view.domains
                .iter()
                .enumerate()
                .map(|(i, n)| (Endpoint::Domain(i), n.as_str())),
        );
        all.sort_by(|x, y| x.1.as_bytes().cmp(y.1.as_bytes()).then(x.0.cmp(&y.0)));
        let mut rank: HashMap<Endpoint, usize> = HashMap::new();
        let mut r = 0;
        let mut prev: Option<&str> = None;
        for (i, &(e, n)) in all.iter().enumerate() {
            if prev.is_some_and(|p| p != n) {
                r = i;
            }
            prev = Some(n);
            rank.insert(e, r);
        }
        // Every endpoint of a connection was ranked above.
        let rank_of = |e: &Endpoint| rank.get(e).copied().unwrap_or(usize::MAX);
        connections.sort_by_key(|c| (rank_of(&c.src), rank_of(&c.dst)));
        view.connections = connections;
        view
    }

    /// `reach -n NS`: keep the connections with a workload (pod,
    /// namespace) of namespace `ns` at one end or both.
    pub fn keep_namespace(&mut self, ns: &str) {
        let entities = &self.entities;
        let in_ns = |e: Endpoint| match e {
            Endpoint::Entity(i) => entities.get(i).is_some_and(|x| x.namespace == ns),
            _ => false,
        };
        self.connections.retain(|c| in_ns(c.src) || in_ns(c.dst));
    }

    /// The printed name of an endpoint (empty for one not in this view).
    pub fn name(&self, e: Endpoint) -> &str {
        match e {
            Endpoint::Entity(i) => self.entities.get(i).map(|e| e.name.as_str()),
            Endpoint::SrcAtom(i) => self.src_atoms.get(i).map(String::as_str),
            Endpoint::DstAtom(i) => self.dst_atoms.get(i).map(String::as_str),
            Endpoint::Domain(i) => self.domains.get(i).map(String::as_str),
        }
        .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::reach::ReachOptions;
    use crate::util::synth::{generate, SynthOptions};

    #[test]
    fn counting_the_list_gives_what_building_it_gives() {
        let text = generate(&SynthOptions {
            pods: 400,
            namespaces: 6,
            policies: 80,
            seed: 11,
            label_diversity: 5,
            ..SynthOptions::default()
        });
        let c = crate::input::load_str("s", &text, &Default::default()).unwrap();
        let r = Reachability::compile(&c, &ReachOptions::default());
        for level in [Level::Workload, Level::Pod, Level::Namespace] {
            let built = ConnCounts::of_view(&ConnView::build(&c, &r, level));
            assert_eq!(ConnCounts::count(&c, &r, level), built);
            assert!(built.connections > built.external && built.external > 0);
        }
        // One entity per namespace, and a namespace reaches itself.
        let ns = ConnView::build(&c, &r, Level::Namespace);
        assert_eq!(ns.entities.len(), 6);
        assert!(ns.entities.iter().all(|e| e.name.ends_with("[Namespace]")));
        assert!(ns
            .connections
            .iter()
            .any(|k| k.src == k.dst && matches!(k.src, Endpoint::Entity(_))));
        assert!(ns.warnings.is_empty());
    }
}
