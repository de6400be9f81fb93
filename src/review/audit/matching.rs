//! The checks' questions about matching, answered by the one evaluator
//! ([`crate::engine::eval`]): which namespaces and pods a peer matches,
//! and whether a pod may resolve DNS. No matching logic lives here.

use super::Auditor;
use crate::engine::eval;
use crate::model::ports::{ConnSet, Protocol};
use crate::model::selector::Labels;
use crate::model::{Direction, Peer, Pod, Policy};

impl Auditor<'_> {
    /// Labels of a namespace (SEM-45): cached for declared and referenced
    /// namespaces, computed for any other.
    pub(super) fn labels_of(&self, ns: &str) -> std::borrow::Cow<'_, Labels> {
        match self.ns_labels.get(ns) {
            Some(l) => std::borrow::Cow::Borrowed(l),
            None => std::borrow::Cow::Owned(self.c.namespace_labels(ns)),
        }
    }

    /// The namespace's labels when `needed`, else none (no allocation).
    fn labels_if(&self, needed: bool, ns: &str) -> std::borrow::Cow<'_, Labels> {
        if needed {
            self.labels_of(ns)
        } else {
            std::borrow::Cow::Owned(Labels::new())
        }
    }

    /// The policy governs the pod (SEM-1, SEM-49). The namespace's labels
    /// are looked up only when a namespace selector needs them: the checks
    /// ask this for every pod and policy.
    pub(super) fn selects(&self, pol: &Policy, pod: &Pod) -> bool {
        let labels = self.labels_if(pol.subject.namespaces.is_some(), &pod.namespace);
        eval::selects(pol, pod, &labels)
    }

    /// A peer matches a pod (SEM-16..18, SEM-21, SEM-27, SEM-49).
    pub(super) fn peer_matches(&self, peer: &Peer, policy_ns: &str, pod: &Pod) -> bool {
        let labels = self.labels_if(reads_namespace_labels(peer), &pod.namespace);
        eval::peer_matches_pod(peer, policy_ns, &labels, pod, &self.reach.options)
    }

    /// Any of `peers` matches the pod; absent peers match all (SEM-14).
    pub(super) fn peers_match(&self, peers: Option<&[Peer]>, policy_ns: &str, pod: &Pod) -> bool {
        let needed = peers.is_some_and(|ps| ps.iter().any(reads_namespace_labels));
        let labels = self.labels_if(needed, &pod.namespace);
        eval::peers_match_pod(peers, policy_ns, &labels, pod, &self.reach.options)
    }

    /// Some egress rule that applies to `pod` allows port 53 towards one of
    /// `targets` (the DNS servers), or towards an ipBlock.
    pub(super) fn dns_allowed(&self, pod: &Pod, targets: &[&Pod]) -> bool {
        let dns = |c: &ConnSet| c.contains(Protocol::Udp, 53) || c.contains(Protocol::Tcp, 53);
        eval::rules_for(self.c, pod, Direction::Egress).any(|(pol, _, rule)| {
            let to_pod = targets.iter().any(|t| {
                self.peers_match(rule.peers.as_deref(), &pol.namespace, t)
                    && dns(&rule.ports_towards(Some(t)))
            });
            // An ipBlock with 53 may be a node-local cache or a resolver the
            // pods are configured for: give it the benefit of the doubt (an
            // audit heuristic, not a matching rule).
            let to_ip = rule
                .peers
                .iter()
                .flatten()
                .any(|p| matches!(p, Peer::IpBlock(_)))
                && dns(&rule.ports_towards(None));
            to_pod || to_ip
        })
    }
}

/// Only a namespaceSelector reads a namespace's labels (SEM-16, SEM-17).
fn reads_namespace_labels(peer: &Peer) -> bool {
    matches!(
        peer,
        Peer::Pods {
            namespaces: Some(_),
            ..
        }
    )
}
