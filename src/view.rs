//! Entities (workloads or pods, and external IP atoms) and the list of
//! allowed connections between them, aggregated from the class matrix.

use crate::model::{Cluster, WorkloadRef};
use crate::ports::ConnSet;
use crate::reach::Reachability;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Level {
    /// One entity per workload (`ns/name[Kind]`); bare pods as `[Pod]`.
    Workload,
    /// One entity per pod manifest or pod template.
    Pod,
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
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Endpoint {
    Entity(usize),
    SrcAtom(usize),
    DstAtom(usize),
}

#[derive(Clone, Debug)]
pub struct Connection {
    pub src: Endpoint,
    pub dst: Endpoint,
    pub src_name: String,
    pub dst_name: String,
    pub conns: ConnSet,
}

/// Entities and their connections at one level.
#[derive(Clone, Debug)]
pub struct ConnView {
    pub level: Level,
    pub entities: Vec<Entity>,
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
        let c = reach.pod_class[i];
        if !e.classes.contains(&c) {
            e.classes.push(c);
        }
    }
    map.into_values().collect()
}

pub fn ext_name(r: &crate::ip::IpRange) -> String {
    format!("{r}[External]")
}

impl ConnView {
    pub fn build(cluster: &Cluster, reach: &Reachability, level: Level) -> ConnView {
        let entities = entities(cluster, reach, level);
        let mut warnings = Vec::new();
        for e in &entities {
            if e.classes.len() > 1 {
                let first = e.classes[0];
                let differs = e.classes[1..].iter().any(|&c| {
                    (0..reach.class_count()).any(|o| {
                        reach.class_id(c, o) != reach.class_id(first, o)
                            || reach.class_id(o, c) != reach.class_id(o, first)
                    }) || (0..reach.ext_src.len())
                        .any(|x| reach.ext_to_class(x, c) != reach.ext_to_class(x, first))
                        || (0..reach.ext_dst.len())
                            .any(|x| reach.class_to_ext(c, x) != reach.class_to_ext(first, x))
                });
                if differs {
                    warnings.push(format!(
                        "pods of {} have different labels or ports and policies treat them differently; its rows are the union over its pods (use --level pod to see each)",
                        e.name
                    ));
                }
            }
        }
        let union_over = |pairs: &mut dyn Iterator<Item = &ConnSet>| -> ConnSet {
            let mut acc = ConnSet::empty();
            for c in pairs {
                if c.is_all() {
                    return ConnSet::all();
                }
                acc = acc.union(c);
            }
            acc
        };
        let mut connections = Vec::new();
        for (a, ea) in entities.iter().enumerate() {
            for (b, eb) in entities.iter().enumerate() {
                if a == b {
                    continue; // SEM-47: no self-lines
                }
                let conns =
                    union_over(&mut ea.classes.iter().flat_map(|&s| {
                        eb.classes.iter().map(move |&d| reach.class_to_class(s, d))
                    }));
                if !conns.is_empty() {
                    connections.push(Connection {
                        src: Endpoint::Entity(a),
                        dst: Endpoint::Entity(b),
                        src_name: ea.name.clone(),
                        dst_name: eb.name.clone(),
                        conns,
                    });
                }
            }
            for (x, atom) in reach.ext_dst.iter().enumerate() {
                if atom.v6 && !reach.ipv6_in_use {
                    continue;
                }
                let conns = union_over(&mut ea.classes.iter().map(|&s| reach.class_to_ext(s, x)));
                if !conns.is_empty() {
                    connections.push(Connection {
                        src: Endpoint::Entity(a),
                        dst: Endpoint::DstAtom(x),
                        src_name: ea.name.clone(),
                        dst_name: ext_name(atom),
                        conns,
                    });
                }
            }
            for (x, atom) in reach.ext_src.iter().enumerate() {
                if atom.v6 && !reach.ipv6_in_use {
                    continue;
                }
                let conns = union_over(&mut ea.classes.iter().map(|&d| reach.ext_to_class(x, d)));
                if !conns.is_empty() {
                    connections.push(Connection {
                        src: Endpoint::SrcAtom(x),
                        dst: Endpoint::Entity(a),
                        src_name: ext_name(atom),
                        dst_name: ea.name.clone(),
                        conns,
                    });
                }
            }
        }
        // np-guard's order: source string, then destination string, as bytes.
        connections.sort_by(|x, y| {
            (x.src_name.as_bytes(), x.dst_name.as_bytes())
                .cmp(&(y.src_name.as_bytes(), y.dst_name.as_bytes()))
        });
        ConnView {
            level,
            entities,
            connections,
            warnings,
        }
    }

    /// np-guard netpol-analyzer's `connlist` text, one line per connection.
    pub fn to_connlist(&self) -> String {
        let mut s = String::new();
        for c in &self.connections {
            s.push_str(&format!(
                "{} => {} : {}\n",
                c.src_name,
                c.dst_name,
                c.conns.to_connlist()
            ));
        }
        s
    }
}
