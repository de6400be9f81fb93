//! The attack graph: pods grouped by what the attacker can do from and to
//! them, edges the allowed connections (from the [`Reachability`] value only:
//! policies are never re-evaluated here); and the attacker model's inputs.

use crate::attack::adjacency::Adjacency;
use crate::engine::reach::{ConnTable, Reachability, EMPTY};
use crate::model::ports::ConnSet;
use crate::model::selector::Selector;
use crate::model::SelectorError;
use crate::model::{Cluster, Pod};
use std::collections::HashMap;

/// Knobs of the attacker model.
#[derive(Clone, Debug, Default)]
pub struct SimOptions {
    /// Stop after this many hops (None: until nothing new is reached).
    pub max_hops: Option<usize>,
    /// Only these protocol/ports carry the attack (None: every allowed port).
    pub via: Option<ConnSet>,
    /// An edge counts only on ports the destination declares as containerPorts.
    pub listening_only: bool,
}

/// Pods that are interchangeable for the attacker: same class and, with
/// `listening_only`, the same declared ports.
#[derive(Clone, Debug)]
pub struct Group {
    pub class: usize,
    pub pods: Vec<usize>,
    pub replicas: u64,
}

/// The attack graph: nodes are groups, an edge a → b carries the
/// connections pods of `a` may open to pods of `b` (a self-edge means pods of
/// the group reach each other).
pub struct AttackGraph<'a> {
    pub cluster: &'a Cluster,
    pub reach: &'a Reachability,
    pub options: SimOptions,
    pub groups: Vec<Group>,
    pub pod_group: Vec<usize>,
    /// The edges, factored by row and column keys ([`Adjacency`]); edge
    /// weights are ids into `conns`.
    pub edges: Adjacency,
    pub conns: ConnTable,
    /// Per group: the external destinations it may reach, with ports: a
    /// destination atom `x` of `reach.ext_dst`, or `ext_dst.len() + d` for
    /// the named destination `d` (CNP-12).
    pub exfil: Vec<Vec<(usize, ConnSet)>>,
}

/// A label selector with a display form, for `--target`.
#[derive(Clone, Debug)]
pub struct Target {
    pub text: String,
    pub selector: Selector,
}

/// A `--target` that is not a label selector (the selector parser's text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TargetError(pub SelectorError);

impl Target {
    pub fn parse(s: &str) -> Result<Target, TargetError> {
        Ok(Target {
            text: s.to_string(),
            selector: Selector::parse(s).map_err(TargetError)?,
        })
    }
}

impl<'a> AttackGraph<'a> {
    pub fn build(
        cluster: &'a Cluster,
        reach: &'a Reachability,
        options: &SimOptions,
    ) -> AttackGraph<'a> {
        // Pods with different exploitability annotations must not share a
        // group: the Monte Carlo spread draws per group.
        let mut key_to_group: HashMap<(usize, Option<ConnSet>, Option<u64>), usize> =
            HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut pod_group = Vec::with_capacity(cluster.pods.len());
        // `reach` is compiled from `cluster`: one class per pod.
        for (i, (pod, &c)) in cluster.pods.iter().zip(&reach.pod_class).enumerate() {
            let listening = options.listening_only.then(|| {
                pod.ports.iter().fold(ConnSet::empty(), |acc, p| {
                    acc.union(&ConnSet::port(p.protocol, p.port))
                })
            });
            let annotated = pod.exploitability.map(f64::to_bits);
            let g = *key_to_group
                .entry((c, listening, annotated))
                .or_insert_with(|| {
                    groups.push(Group {
                        class: c,
                        pods: Vec::new(),
                        replicas: 0,
                    });
                    groups.len() - 1
                });
            if let Some(grp) = groups.get_mut(g) {
                grp.pods.push(i);
                grp.replicas += u64::from(pod.replicas);
            }
            pod_group.push(g);
        }
        // What may carry the attack into each group, interned locally.
        let mut table = ConnTable::new();
        let entry: Vec<u32> = groups
            .iter()
            .map(|g| {
                let mut e = options.via.clone().unwrap_or_else(ConnSet::all);
                if options.listening_only {
                    let ports = g
                        .pods
                        .first()
                        .and_then(|&p| cluster.pods.get(p))
                        .map_or(&[][..], |pod| &pod.ports);
                    let l = ports.iter().fold(ConnSet::empty(), |acc, p| {
                        acc.union(&ConnSet::port(p.protocol, p.port))
                    });
                    e = e.intersect(&l);
                }
                table.intern(e)
            })
            .collect();
        let annotation: Vec<Option<u64>> = groups
            .iter()
            .map(|g| {
                g.pods
                    .first()
                    .and_then(|&p| cluster.pods.get(p))
                    .and_then(|p| p.exploitability.map(f64::to_bits))
            })
            .collect();
        let edges = factored_edges(reach, &groups, &entry, &mut table, &annotation);
        let via = options.via.clone().unwrap_or_else(ConnSet::all);
        let exfil = groups
            .iter()
            .map(|g| {
                reach
                    .ext_dst
                    .iter()
                    .enumerate()
                    .filter(|(_, atom)| !atom.v6 || reach.ipv6_in_use)
                    .filter_map(|(x, _)| {
                        let c = reach.class_to_ext(g.class, x).intersect(&via);
                        (!c.is_empty()).then_some((x, c))
                    })
                    .chain((0..reach.domains.len()).filter_map(|d| {
                        let c = reach.class_to_domain(g.class, d).intersect(&via);
                        (!c.is_empty()).then_some((reach.ext_dst.len() + d, c))
                    }))
                    .collect()
            })
            .collect();
        AttackGraph {
            cluster,
            reach,
            options: options.clone(),
            groups,
            pod_group,
            edges,
            conns: table,
            exfil,
        }
    }

    /// Bytes the edges would take, before building them: one stored entry
    /// per (row key, column key) pair with a connection, 8 bytes each way
    /// plus the build's 12-byte scratch copy (32 counted), and 64 bytes a
    /// class for the group, row and bucket indices; checked against the
    /// memory budget by the caller (`engine::budget`).
    pub fn estimated_bytes(reach: &Reachability) -> u64 {
        reach
            .connected_key_pairs()
            .saturating_mul(32)
            .saturating_add((reach.class_count() as u64).saturating_mul(64))
    }

    /// Workload name (`ns/name[Kind]`) of a group, by its first pod (empty
    /// for a group that does not exist).
    pub fn group_name(&self, g: usize) -> String {
        self.group_pod(g)
            .map(|p| p.workload.to_string())
            .unwrap_or_default()
    }

    /// The first pod of a group.
    pub(crate) fn group_pod(&self, g: usize) -> Option<&Pod> {
        let &p = self.groups.get(g)?.pods.first()?;
        self.cluster.pods.get(p)
    }
}

/// The edges between groups as rows and buckets: a group's row is its
/// class's row key, its bucket its class's column key with its entry
/// connections and exploitability annotation. Each (row, bucket) pair is
/// looked up once in the matrix, not each pair of groups.
fn factored_edges(
    reach: &Reachability,
    groups: &[Group],
    entry: &[u32],
    table: &mut ConnTable,
    annotation: &[Option<u64>],
) -> Adjacency {
    let mut row_index: HashMap<usize, u32> = HashMap::new();
    let mut row_key: Vec<usize> = Vec::new();
    let mut bucket_index: HashMap<(usize, u32, Option<u64>), u32> = HashMap::new();
    let mut bucket_key: Vec<(usize, u32)> = Vec::new();
    let mut row_of = Vec::with_capacity(groups.len());
    let mut bucket_of = Vec::with_capacity(groups.len());
    for (i, g) in groups.iter().enumerate() {
        let rk = reach.row_key(g.class);
        let r = *row_index.entry(rk).or_insert_with(|| {
            row_key.push(rk);
            (row_key.len() - 1) as u32
        });
        row_of.push(r);
        let ck = reach.col_key(g.class);
        let e = entry.get(i).copied().unwrap_or(EMPTY);
        let a = annotation.get(i).copied().flatten();
        let b = *bucket_index.entry((ck, e, a)).or_insert_with(|| {
            bucket_key.push((ck, e));
            (bucket_key.len() - 1) as u32
        });
        bucket_of.push(b);
    }
    // Buckets by column key, so a row reads each matrix cell once.
    let (_, cols) = reach.key_counts();
    let mut by_col: Vec<Vec<(u32, u32)>> = vec![Vec::new(); cols];
    for (b, &(ck, e)) in bucket_key.iter().enumerate() {
        if let Some(v) = by_col.get_mut(ck) {
            v.push((b as u32, e));
        }
    }
    let cols_used: Vec<usize> = (0..cols)
        .filter(|&k| by_col.get(k).is_some_and(|v| !v.is_empty()))
        .collect();
    // Matrix ids to local ones, and local × entry intersections, memoised.
    let mut local: Vec<Option<u32>> = vec![None; reach.distinct_conn_sets()];
    let row_out: Vec<Vec<(u32, u32)>> = row_key
        .iter()
        .map(|&rk| {
            let mut out: Vec<(u32, u32)> = Vec::new();
            for &k in &cols_used {
                let id = reach.key_cell(rk, k);
                if id == EMPTY {
                    continue;
                }
                let lid = match local.get_mut(id as usize) {
                    Some(slot) => *slot.get_or_insert_with(|| table.intern(reach.conn(id).clone())),
                    None => table.intern(reach.conn(id).clone()),
                };
                for &(b, e) in by_col.get(k).map_or(&[][..], Vec::as_slice) {
                    let w = table.intersect(lid, e);
                    if w != EMPTY {
                        out.push((b, w));
                    }
                }
            }
            out.sort_unstable_by_key(|&(b, _)| b);
            out
        })
        .collect();
    Adjacency::new(row_of, bucket_of, row_out)
}

#[cfg(test)]
mod tests {
    use super::SimOptions;
    use crate::attack::fixtures::{allow, chain, chain_docs, World};
    use crate::model::ports::parse_port_list;

    /// Edges as (source workload, destination workload).
    fn edges(w: &World, o: &SimOptions) -> Vec<(String, String)> {
        let g = w.graph(o);
        let mut v: Vec<(String, String)> = g
            .edges
            .edges()
            .map(|(a, b, _)| (g.group_name(a), g.group_name(b)))
            .collect();
        v.sort();
        v
    }

    fn e(a: &str, b: &str) -> (String, String) {
        (a.to_string(), b.to_string())
    }

    #[test]
    fn replicas_share_a_group_and_edges_follow_the_policies() {
        let w = chain();
        let g = w.graph(&SimOptions::default());
        assert_eq!(g.groups.len(), 4);
        let b = g.pod_group[w.pod("x/b")];
        assert_eq!(g.groups[b].replicas, 2);
        assert_eq!(g.group_name(b), "x/b[Deployment]");
        assert_eq!(g.group_name(99), "");
        assert_eq!(
            edges(&w, &SimOptions::default()),
            vec![
                e("x/a[Pod]", "x/b[Deployment]"),
                e("x/b[Deployment]", "x/c[Pod]"),
                e("x/c[Pod]", "x/d[Pod]"),
            ]
        );
        let a = g.pod_group[w.pod("x/a")];
        let ab = g.edges.weight(a, b).unwrap();
        assert_eq!(g.conns.get(ab).to_connlist(), "TCP 8080");
    }

    #[test]
    fn via_and_listening_only_drop_edges() {
        // b also allows a on 9090, a port b does not declare.
        let mut docs = chain_docs();
        docs.push(allow("b", "a", 9090));
        let w = World::new(&docs);
        let g = w.graph(&SimOptions::default());
        let (a, b) = (w.pod("x/a"), w.pod("x/b"));
        let ab = |g: &super::AttackGraph| {
            g.edges
                .weight(g.pod_group[a], g.pod_group[b])
                .map(|x| g.conns.get(x).to_connlist())
        };
        assert_eq!(ab(&g).as_deref(), Some("TCP 8080,9090"));
        let listening = w.graph(&SimOptions {
            listening_only: true,
            ..SimOptions::default()
        });
        assert_eq!(ab(&listening).as_deref(), Some("TCP 8080"));
        let via = SimOptions {
            via: Some(parse_port_list("5432/TCP").unwrap()),
            ..SimOptions::default()
        };
        assert_eq!(edges(&w, &via), vec![e("x/b[Deployment]", "x/c[Pod]")]);
    }
}
