//! Pod equivalence classes (pods no policy can tell apart) and the index of
//! classes by namespace.

use crate::engine::eval;
use crate::engine::reach::ReachOptions;
use crate::model::ip::IpRange;
use crate::model::ports::Protocol;
use crate::model::selector::Labels;
use crate::model::{Cluster, Pod};
use std::collections::HashMap;
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

/// What makes two pods behave identically.
#[derive(Hash, PartialEq, Eq)]
struct ClassKey<'a> {
    namespace: &'a str,
    labels: &'a Labels,
    named_ports: PortSig<'a>,
    host_network: bool,
    ips: Vec<IpAddr>,
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

/// Group pods by namespace, labels, named ports, hostNetwork and, only when
/// some `ipBlock` could match them (SEM-27, SEM-49), their IPs.
pub(super) fn form<'c>(
    pods: &'c [Pod],
    all_blocks: &[IpRange],
    options: &ReachOptions,
) -> Classes<'c> {
    let mut key_to_class: HashMap<ClassKey, usize> = HashMap::new();
    let mut out = Classes {
        members: Vec::new(),
        reps: Vec::new(),
        pod_class: Vec::with_capacity(pods.len()),
    };
    for (i, pod) in pods.iter().enumerate() {
        let ips = if eval::ip_visible(pod, options)
            && pod
                .ips
                .iter()
                .any(|ip| all_blocks.iter().any(|b| b.contains_addr(*ip)))
        {
            pod.ips.clone()
        } else {
            Vec::new()
        };
        let key = ClassKey {
            namespace: &pod.namespace,
            labels: &pod.labels,
            named_ports: port_signature(pod),
            host_network: pod.host_network,
            ips,
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
    use crate::engine::reach::tests::{pod, with_ip, with_port};
    use crate::model::ip::IpRange;

    fn block(s: &str) -> IpRange {
        IpRange::from_net(&s.parse().unwrap())
    }

    #[test]
    fn same_namespace_labels_ports_share_a_class() {
        let pods = vec![
            pod("x", "a1", "app=a"),
            pod("x", "a2", "app=a"),
            pod("y", "a3", "app=a"), // other namespace (SEM-1, SEM-16)
            pod("x", "b", "app=b"),  // other labels
            with_port(pod("x", "a4", "app=a"), "http", 80), // named port (SEM-36)
        ];
        let c = form(&pods, &[], &ReachOptions::default());
        assert_eq!(c.pod_class, vec![0, 0, 1, 2, 3]);
        assert_eq!(c.members[0], vec![0, 1]);
        assert_eq!(c.reps[1].name, "a3");
    }

    #[test]
    fn ips_split_classes_only_inside_a_block_and_when_visible() {
        let pods = vec![
            with_ip(pod("x", "a", "app=a"), "10.0.0.1"),
            with_ip(pod("x", "b", "app=a"), "10.0.0.2"),
            with_ip(pod("x", "c", "app=a"), "192.168.0.1"),
            with_ip(pod("x", "d", "app=a"), "192.168.0.2"),
        ];
        let blocks = [block("10.0.0.0/8")];
        let c = form(&pods, &blocks, &ReachOptions::default());
        // Inside a block: per IP. Outside every block: the IP is invisible.
        assert_eq!(c.pod_class, vec![0, 1, 2, 2]);
        // SEM-27 switch off: ipBlocks never see pod IPs, so one class.
        let off = ReachOptions {
            ipblock_pods: false,
        };
        let c = form(&pods, &blocks, &off);
        assert_eq!(c.pod_class, vec![0, 0, 0, 0]);
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
        let c = form(&pods, &[block("10.0.0.0/8")], &off);
        assert_eq!(c.pod_class, vec![0, 1]);
    }

    #[test]
    fn namespace_index_groups_classes() {
        let pods = vec![pod("x", "a", "app=a"), pod("y", "b", ""), pod("x", "c", "")];
        let c = form(&pods, &[], &ReachOptions::default());
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
