//! Rule peers and policy subjects compiled into bitsets over pod classes
//! and IP atoms, with the predicates of `engine::eval`.

use crate::engine::eval;
use crate::engine::reach::classes::NsIndex;
use crate::engine::reach::ReachOptions;
use crate::model::ip::IpRange;
use crate::model::selector::Selector;
use crate::model::{Peer, Pod, Policy, Rule};
use fixedbitset::FixedBitSet;
use std::collections::HashMap;

/// Which classes and IP atoms a rule's peers match.
pub(super) struct CompiledPeers {
    pub classes: FixedBitSet,
    pub ext: FixedBitSet,
}

/// Compiles peers against one set of classes, caching namespace selectors.
pub(super) struct PeerCompiler<'a, 'c> {
    ns: &'a NsIndex<'c>,
    /// Classes whose representative has an IP: the only ones an `ipBlock`
    /// can match.
    ip_classes: Vec<(usize, &'c Pod)>,
    options: &'a ReachOptions,
    class_count: usize,
    ns_sel_cache: HashMap<Selector, Vec<usize>>,
    /// The classes of each distinct pod peer seen so far: policies repeat
    /// their peers ("from the monitoring namespace", "from app=web"), and
    /// a peer over many namespaces is thousands of selector matches.
    pod_peer_cache: HashMap<PodPeerKey, FixedBitSet>,
}

/// A pod peer as far as its classes go: the namespace half (a selector, or
/// the policy's own namespace when absent, SEM-16) and the pod half.
type PodPeerKey = (Result<Selector, String>, Option<Selector>);

impl<'a, 'c> PeerCompiler<'a, 'c> {
    pub fn new(ns: &'a NsIndex<'c>, reps: &[&'c Pod], options: &'a ReachOptions) -> Self {
        let ip_classes = reps
            .iter()
            .enumerate()
            .filter(|(_, rep)| !rep.ips.is_empty())
            .map(|(c, &rep)| (c, rep))
            .collect();
        PeerCompiler {
            ns,
            ip_classes,
            options,
            class_count: reps.len(),
            ns_sel_cache: HashMap::new(),
            pod_peer_cache: HashMap::new(),
        }
    }

    /// The classes and atoms (of `ext`, one side's atoms) a rule's peers match.
    pub fn compile(&mut self, rule: &Rule, policy_ns: &str, ext: &[IpRange]) -> CompiledPeers {
        let mut out = CompiledPeers {
            classes: FixedBitSet::with_capacity(self.class_count),
            ext: FixedBitSet::with_capacity(ext.len()),
        };
        let Some(peers) = &rule.peers else {
            // SEM-14: any peer, external addresses included.
            out.classes.insert_range(..);
            out.ext.insert_range(..);
            return out;
        };
        for peer in peers {
            match peer {
                Peer::Pods { namespaces, pods } => {
                    let key: PodPeerKey = (
                        namespaces.clone().ok_or_else(|| policy_ns.to_string()),
                        pods.clone(),
                    );
                    if let Some(b) = self.pod_peer_cache.get(&key) {
                        out.classes.union_with(b);
                        continue;
                    }
                    let mut b = FixedBitSet::with_capacity(self.class_count);
                    for n in self.namespaces(namespaces.as_ref(), policy_ns) {
                        for &(c, p) in self.ns.classes_of(n) {
                            if eval::peer_matches_pod_in_namespace(peer, p) {
                                b.insert(c);
                            }
                        }
                    }
                    out.classes.union_with(&b);
                    self.pod_peer_cache.insert(key, b);
                }
                Peer::IpBlock(b) => {
                    // `eval::peer_covers` per atom, by binary search over
                    // the sorted atoms (the unit test checks they agree).
                    for x in b.covered_atoms(ext) {
                        out.ext.insert(x);
                    }
                    for &(c, p) in &self.ip_classes {
                        if eval::address_peer_matches_pod(peer, p, self.options) {
                            out.classes.insert(c);
                        }
                    }
                }
                // CNP-12: a named destination is a column of its own
                // (`domains`), never an address atom or a pod.
                Peer::DomainNames(_) => {}
                Peer::Nodes { .. } => {
                    for (x, atom) in ext.iter().enumerate() {
                        if eval::peer_covers(peer, atom) {
                            out.ext.insert(x);
                        }
                    }
                    for &(c, p) in &self.ip_classes {
                        if eval::address_peer_matches_pod(peer, p, self.options) {
                            out.classes.insert(c);
                        }
                    }
                }
            }
        }
        out
    }

    /// Indices of the namespaces a peer's namespace half matches
    /// (`eval::namespace_matches`). `None` matches the policy's namespace
    /// only (SEM-16), found by lookup; a selector is matched once per
    /// namespace and cached (SEM-17).
    fn namespaces(&mut self, sel: Option<&Selector>, policy_ns: &str) -> Vec<usize> {
        let Some(sel) = sel else {
            return self.ns.get(policy_ns).into_iter().collect();
        };
        if let Some(v) = self.ns_sel_cache.get(sel) {
            return v.clone();
        }
        let v: Vec<usize> = self
            .ns
            .iter()
            .filter(|&(_, name, labels)| {
                eval::namespace_matches(Some(sel), Some(policy_ns), name, labels)
            })
            .map(|(i, _, _)| i)
            .collect();
        self.ns_sel_cache.insert(sel.clone(), v.clone());
        v
    }
}

/// The classes a policy governs (SEM-1, SEM-2, SEM-49, CNP-10).
pub(super) fn selected_classes(pol: &Policy, ns: &NsIndex<'_>, class_count: usize) -> FixedBitSet {
    let mut b = FixedBitSet::with_capacity(class_count);
    let mut mark = |n: usize| {
        for &(c, rep) in ns.classes_of(n) {
            if eval::subject_matches_pod_in_namespace(pol, rep) {
                b.insert(c);
            }
        }
    };
    match (&pol.subject.namespaces, pol.scope.namespace()) {
        // A subject in the policy's own namespace: look it up.
        (None, Some(own)) => ns.get(own).into_iter().for_each(&mut mark),
        (None, None) => {}
        (Some(_), _) => ns
            .iter()
            .filter(|&(_, name, labels)| eval::subject_matches_namespace(pol, name, labels))
            .for_each(|(i, _, _)| mark(i)),
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::reach::classes::{form, Visible};
    use crate::engine::reach::tests::{cluster, ipblock, pod, pods_peer, policy, rule, with_ip};
    use crate::model::Cluster;

    fn compile_one(c: &Cluster, peers: Option<Vec<Peer>>, ns: &str, ext: &[IpRange]) -> Vec<usize> {
        let opts = ReachOptions::default();
        let cl = form(&c.pods, &Visible::all_labels(&c.pods), &opts);
        let ix = NsIndex::build(c, &cl.reps);
        let mut pc = PeerCompiler::new(&ix, &cl.reps, &opts);
        pc.compile(&rule(peers, None), ns, ext)
            .classes
            .ones()
            .collect()
    }

    fn sample() -> Cluster {
        // Classes 0..4 in pod order.
        let mut h = pod("x", "h", "role=client");
        h.host_network = true;
        let mut c = cluster(
            vec![
                pod("x", "a", "role=client"),
                pod("x", "b", "role=server"),
                pod("y", "c", "role=client"),
                h,
            ],
            vec![],
        );
        if let Some(n) = c.namespaces.iter_mut().find(|n| n.name == "y") {
            n.labels.insert("user".into(), "alice".into());
        }
        c
    }

    #[test]
    fn pod_selector_alone_is_own_namespace() {
        // SEM-16, SEM-49: x/a only; not y/c, not the hostNetwork x/h.
        let got = compile_one(
            &sample(),
            Some(vec![pods_peer(None, Some("role=client"))]),
            "x",
            &[],
        );
        assert_eq!(got, vec![0]);
    }

    #[test]
    fn namespace_selector_and_pod_selector_are_anded_peers_ored() {
        let c = sample();
        // SEM-17: every pod of user=alice namespaces.
        let got = compile_one(
            &c,
            Some(vec![pods_peer(Some("user=alice"), None)]),
            "x",
            &[],
        );
        assert_eq!(got, vec![2]);
        // SEM-18: AND in one peer.
        let and = pods_peer(Some("user=alice"), Some("role=server"));
        assert!(compile_one(&c, Some(vec![and]), "x", &[]).is_empty());
        // SEM-19: OR across peers.
        let or = vec![
            pods_peer(Some("user=alice"), None),
            pods_peer(None, Some("role=server")),
        ];
        assert_eq!(compile_one(&c, Some(or), "x", &[]), vec![1, 2]);
        // SEM-20: {} / {} is every non-hostNetwork pod.
        let all = compile_one(&c, Some(vec![pods_peer(Some(""), Some(""))]), "x", &[]);
        assert_eq!(all, vec![0, 1, 2]);
    }

    #[test]
    fn absent_peers_match_everything_including_atoms() {
        // SEM-14.
        let atoms = [IpRange::all_v4(), IpRange::all_v6()];
        let opts = ReachOptions::default();
        let c = sample();
        let cl = form(&c.pods, &Visible::all_labels(&c.pods), &opts);
        let ix = NsIndex::build(&c, &cl.reps);
        let mut pc = PeerCompiler::new(&ix, &cl.reps, &opts);
        let out = pc.compile(&rule(None, None), "x", &atoms);
        assert_eq!(out.classes.count_ones(..), 4);
        assert_eq!(out.ext.count_ones(..), 2);
    }

    #[test]
    fn ipblock_matches_atoms_and_pod_ips() {
        // SEM-21, SEM-25, SEM-27.
        let c = cluster(
            vec![
                with_ip(pod("x", "a", ""), "10.0.0.1"),
                with_ip(pod("x", "b", "k=v"), "192.168.0.1"),
                pod("x", "c", "k=w"), // no IP (SEM-51)
            ],
            vec![],
        );
        let atoms = crate::model::ip::partition(ipblock("10.0.0.0/8", &[]).ranges());
        let peer = Peer::IpBlock(ipblock("10.0.0.0/8", &[]));
        let opts = ReachOptions::default();
        let cl = form(&c.pods, &Visible::all_labels(&c.pods), &opts);
        let ix = NsIndex::build(&c, &cl.reps);
        let mut pc = PeerCompiler::new(&ix, &cl.reps, &opts);
        let out = pc.compile(&rule(Some(vec![peer]), None), "x", &atoms);
        assert_eq!(out.classes.ones().collect::<Vec<_>>(), vec![0]);
        assert_eq!(out.ext.count_ones(..), 1);
        let inside = atoms
            .iter()
            .position(|a| a.contains_addr("10.1.1.1".parse().unwrap()));
        assert!(out.ext.contains(inside.unwrap()));
    }

    #[test]
    fn selected_classes_follow_the_subject() {
        // SEM-1, SEM-2, SEM-49.
        let c = sample();
        let opts = ReachOptions::default();
        let cl = form(&c.pods, &Visible::all_labels(&c.pods), &opts);
        let ix = NsIndex::build(&c, &cl.reps);
        let pol = policy("x", "role=client", Some(vec![]), None);
        assert_eq!(
            selected_classes(&pol, &ix, 4).ones().collect::<Vec<_>>(),
            vec![0]
        );
        let all_x = policy("x", "", Some(vec![]), None);
        assert_eq!(
            selected_classes(&all_x, &ix, 4).ones().collect::<Vec<_>>(),
            vec![0, 1]
        );
        let elsewhere = policy("z", "", Some(vec![]), None);
        assert!(selected_classes(&elsewhere, &ix, 4).is_clear());
    }
}
