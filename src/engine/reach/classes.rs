//! Pod equivalence classes (pods no policy can tell apart) and the index of
//! classes by namespace.

use crate::engine::eval;
use crate::engine::reach::ReachOptions;
use crate::model::ip::{partition, IpRange};
use crate::model::ports::Protocol;
use crate::model::selector::{Labels, Selector};
use crate::model::{Cluster, Direction, Peer, Pod, Policy, PortRef};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

/// A pod's named container ports, sorted and deduplicated: what named-port
/// resolution can see of it (SEM-34..36).
pub(super) type PortSig<'a> = Vec<(&'a str, Protocol, u16)>;

pub(super) fn port_signature(pod: &Pod) -> PortSig<'_> {
    let mut sig: PortSig<'_> = pod
        .ports
        .iter()
        .filter_map(|p| p.name.as_deref().map(|n| (n, p.protocol, p.port)))
        .collect();
    sig.sort_unstable();
    sig.dedup();
    sig
}

/// What the policies can see of a pod: the label keys some pod selector
/// reads (SEM-2, SEM-15..18), the container port names some rule names
/// (SEM-34..36), and the `ipBlock` atoms (SEM-21..27): the address space cut
/// at every block boundary of either side, so that two IPs in one atom are
/// matched by the same blocks.
pub(super) struct Visible<'p> {
    keys: HashSet<&'p str>,
    port_names: HashSet<&'p str>,
    /// Sorted, disjoint, covering the address space.
    atoms: Vec<IpRange>,
    /// Whether some block covers each atom (an IP outside every block is
    /// seen by none, wherever it is).
    covered: Vec<bool>,
}

impl<'p> Visible<'p> {
    pub fn of(policies: &'p [Policy], all_blocks: &[IpRange]) -> Visible<'p> {
        let mut keys = HashSet::new();
        let mut port_names = HashSet::new();
        let mut read = |s: &'p Selector| keys.extend(s.keys());
        for p in policies {
            read(&p.subject.pods);
            for dir in [Direction::Ingress, Direction::Egress] {
                for r in p.rules(dir).unwrap_or(&[]) {
                    for peer in r.peers.iter().flatten() {
                        if let Peer::Pods { pods: Some(s), .. } = peer {
                            read(s);
                        }
                    }
                    for port in r.ports.iter().flatten() {
                        if let PortRef::Named(n) = &port.port {
                            port_names.insert(n.as_str());
                        }
                    }
                }
            }
        }
        let mut atoms = partition(all_blocks.to_vec());
        atoms.sort_by_key(|a| (a.v6, a.start));
        let mut covered = vec![false; atoms.len()];
        for b in all_blocks {
            let from = atoms.partition_point(|a| (a.v6, a.start) < (b.v6, b.start));
            for (a, c) in atoms.iter().zip(covered.iter_mut()).skip(from) {
                if a.v6 != b.v6 || a.start > b.end {
                    break;
                }
                *c = true;
            }
        }
        Visible {
            keys,
            port_names,
            atoms,
            covered,
        }
    }

    /// Sees every label key of these pods, and no IPs: one class per
    /// distinct label set (for tests of later stages).
    #[cfg(test)]
    pub fn all_labels(pods: &'p [Pod]) -> Visible<'p> {
        Visible {
            keys: pods
                .iter()
                .flat_map(|p| p.labels.keys())
                .map(String::as_str)
                .collect(),
            port_names: HashSet::new(),
            atoms: Vec::new(),
            covered: Vec::new(),
        }
    }

    /// The atom an address falls in, if any block covers it.
    fn atom(&self, ip: IpAddr) -> Option<usize> {
        let r = IpRange::from_addr(ip);
        let i = self
            .atoms
            .partition_point(|a| (a.v6, a.start) <= (r.v6, r.start));
        i.checked_sub(1).filter(|&i| {
            self.atoms.get(i).is_some_and(|a| a.contains_addr(ip))
                && self.covered.get(i).copied().unwrap_or(false)
        })
    }
}

/// What makes two pods behave identically: what the policies can see.
#[derive(Hash, PartialEq, Eq)]
struct ClassKey<'a> {
    namespace: &'a str,
    labels: Vec<(&'a str, &'a str)>,
    named_ports: PortSig<'a>,
    host_network: bool,
    atoms: Vec<usize>,
}

/// The classes of a cluster's pods.
pub(super) struct Classes<'c> {
    /// Pod indices of each class, in pod order.
    pub members: Vec<Vec<usize>>,
    /// The representative (first) pod of each class.
    pub reps: Vec<&'c Pod>,
    /// Class of each pod.
    pub pod_class: Vec<usize>,
}

/// Group pods by namespace and by what the policies can see of them
/// ([`Visible`]): the labels they read, the port names they name,
/// hostNetwork, and, when ipBlocks see pod IPs (SEM-27, SEM-49), the atoms
/// the IPs fall in. Pods of one class are told apart by no policy.
pub(super) fn form<'c>(pods: &'c [Pod], visible: &Visible, options: &ReachOptions) -> Classes<'c> {
    let mut key_to_class: HashMap<ClassKey, usize> = HashMap::new();
    let mut out = Classes {
        members: Vec::new(),
        reps: Vec::new(),
        pod_class: Vec::with_capacity(pods.len()),
    };
    for (i, pod) in pods.iter().enumerate() {
        let mut atoms: Vec<usize> = if eval::ip_visible(pod, options) {
            pod.ips.iter().filter_map(|ip| visible.atom(*ip)).collect()
        } else {
            Vec::new()
        };
        atoms.sort_unstable();
        atoms.dedup();
        let key = ClassKey {
            namespace: &pod.namespace,
            labels: pod
                .labels
                .iter()
                .filter(|(k, _)| visible.keys.contains(k.as_str()))
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            named_ports: port_signature(pod)
                .into_iter()
                .filter(|(n, _, _)| visible.port_names.contains(n))
                .collect(),
            host_network: pod.host_network,
            atoms,
        };
        let c = *key_to_class.entry(key).or_insert_with(|| {
            out.members.push(Vec::new());
            out.reps.push(pod);
            out.members.len() - 1
        });
        if let Some(members) = out.members.get_mut(c) {
            members.push(i);
        }
        out.pod_class.push(c);
    }
    out
}

/// Classes indexed by namespace: a selector peer without a
/// namespaceSelector only ever looks at one namespace (SEM-16), and a
/// namespaceSelector is matched once per namespace, not per class.
pub(super) struct NsIndex<'c> {
    index: HashMap<&'c str, usize>,
    /// Namespace names, in order of first appearance.
    pub names: Vec<&'c str>,
    /// Labels of each namespace (SEM-45).
    pub labels: Vec<Labels>,
    /// (class, its representative) per namespace.
    pub classes: Vec<Vec<(usize, &'c Pod)>>,
}

impl<'c> NsIndex<'c> {
    pub fn build(cluster: &Cluster, reps: &[&'c Pod]) -> NsIndex<'c> {
        let mut ix = NsIndex {
            index: HashMap::new(),
            names: Vec::new(),
            labels: Vec::new(),
            classes: Vec::new(),
        };
        for (c, &rep) in reps.iter().enumerate() {
            let ns = rep.namespace.as_str();
            let i = *ix.index.entry(ns).or_insert_with(|| {
                ix.names.push(ns);
                ix.labels.push(cluster.namespace_labels(ns));
                ix.classes.push(Vec::new());
                ix.classes.len() - 1
            });
            if let Some(members) = ix.classes.get_mut(i) {
                members.push((c, rep));
            }
        }
        ix
    }

    /// The index of a namespace that holds pods.
    pub fn get(&self, ns: &str) -> Option<usize> {
        self.index.get(ns).copied()
    }

    /// The classes of namespace `n`.
    pub fn classes_of(&self, n: usize) -> impl Iterator<Item = &(usize, &'c Pod)> {
        self.classes.get(n).into_iter().flatten()
    }

    /// (index, name, labels) of every namespace that holds pods.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &'c str, &Labels)> + '_ {
        self.names
            .iter()
            .zip(&self.labels)
            .enumerate()
            .map(|(i, (n, l))| (i, *n, l))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::reach::tests::{pod, pods_peer, policy, rule, with_ip, with_port};
    use crate::model::ip::IpRange;
    use crate::model::PortSpec;

    fn block(s: &str) -> IpRange {
        IpRange::from_net(&s.parse().unwrap())
    }

    /// A policy selecting `app=a` whose rule names port `http` and reads
    /// `role` in a peer: what the policies can see.
    fn reading_app_role_http() -> Vec<Policy> {
        let named = PortSpec {
            protocol: Protocol::Tcp,
            port: PortRef::Named("http".into()),
        };
        vec![policy(
            "x",
            "app=a",
            Some(vec![rule(
                Some(vec![pods_peer(None, Some("role"))]),
                Some(vec![named]),
            )]),
            None,
        )]
    }

    #[test]
    fn same_namespace_and_visible_labels_and_ports_share_a_class() {
        let policies = reading_app_role_http();
        let visible = Visible::of(&policies, &[]);
        let pods = vec![
            pod("x", "a1", "app=a"),
            pod("x", "a2", "app=a,pod-template-hash=1f2e"), // a key no selector reads
            pod("y", "a3", "app=a"),                        // other namespace (SEM-1, SEM-16)
            pod("x", "b", "app=b"),                         // other value of a read key
            with_port(pod("x", "a4", "app=a"), "http", 80), // a named port a rule names (SEM-36)
            with_port(pod("x", "a5", "app=a"), "metrics", 9090), // a name no rule names
            pod("x", "r", "app=a,role=x"), // a key read by a peer selector (Exists)
        ];
        let c = form(&pods, &visible, &ReachOptions::default());
        assert_eq!(c.pod_class, vec![0, 0, 1, 2, 3, 0, 4]);
        assert_eq!(c.members[0], vec![0, 1, 5]);
        assert_eq!(c.reps[1].name, "a3");
        // Without any policy, nothing tells pods of a namespace apart.
        let c = form(&pods, &Visible::of(&[], &[]), &ReachOptions::default());
        assert_eq!(c.pod_class, vec![0, 0, 1, 0, 0, 0, 0]);
    }

    #[test]
    fn ips_split_classes_by_the_block_atoms_they_fall_in_when_visible() {
        let pods = vec![
            with_ip(pod("x", "a", "app=a"), "10.0.0.1"),
            with_ip(pod("x", "b", "app=a"), "10.0.0.2"),
            with_ip(pod("x", "c", "app=a"), "10.1.0.1"),
            with_ip(pod("x", "d", "app=a"), "192.168.0.2"),
            with_ip(pod("x", "e", "app=a"), "9.0.0.1"),
        ];
        // 10.0.0.0/8 except 10.1.0.0/16: atoms [10.0/8 minus 10.1/16] and
        // [10.1/16]; every address outside the block is seen by none.
        let b = [block("10.0.0.0/8"), block("10.1.0.0/16")];
        let v = Visible::of(&[], &b);
        let c = form(&pods, &v, &ReachOptions::default());
        assert_eq!(c.pod_class, vec![0, 0, 1, 2, 2]);
        // SEM-27 switch off: ipBlocks never see pod IPs, so one class.
        let off = ReachOptions {
            ipblock_pods: false,
        };
        let c = form(&pods, &v, &off);
        assert_eq!(c.pod_class, vec![0, 0, 0, 0, 0]);
    }

    #[test]
    fn host_network_pods_are_their_own_class_and_keep_ips() {
        // SEM-49: hostNetwork traffic is node traffic, ipBlocks see it.
        let mut h = with_ip(pod("x", "h", "app=a"), "10.0.0.9");
        h.host_network = true;
        let pods = vec![with_ip(pod("x", "a", "app=a"), "10.0.0.1"), h];
        let off = ReachOptions {
            ipblock_pods: false,
        };
        let c = form(&pods, &Visible::of(&[], &[block("10.0.0.0/8")]), &off);
        assert_eq!(c.pod_class, vec![0, 1]);
    }

    #[test]
    fn namespace_index_groups_classes() {
        let pods = vec![pod("x", "a", "app=a"), pod("y", "b", ""), pod("x", "c", "")];
        let policies = reading_app_role_http();
        let c = form(
            &pods,
            &Visible::of(&policies, &[]),
            &ReachOptions::default(),
        );
        let cl = crate::engine::reach::tests::cluster(pods.clone(), vec![]);
        let ix = NsIndex::build(&cl, &c.reps);
        let x = ix.get("x").unwrap();
        let in_x: Vec<usize> = ix.classes_of(x).map(|&(c, _)| c).collect();
        assert_eq!(in_x, vec![0, 2]);
        assert!(ix.get("z").is_none());
        // SEM-45: the name label is always there.
        let (_, name, labels) = ix.iter().nth(1).unwrap();
        assert_eq!(name, "y");
        assert_eq!(labels.get(crate::model::NS_NAME_LABEL).unwrap(), "y");
    }
}
