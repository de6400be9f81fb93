//! Peer and namespace matching for the checks (SEM-14, SEM-16..18, SEM-21,
//! SEM-27, SEM-49): same semantics as the matrix; kept in one file so it can
//! be swapped for the engine's evaluator in one place.

use super::Auditor;
use crate::model::ports::Protocol;
use crate::model::selector::Selector;
use crate::model::{Peer, Pod};

impl Auditor<'_> {
    pub(super) fn ns_matches(&self, sel: &Selector, ns: &str) -> bool {
        match self.ns_labels.get(ns) {
            Some(l) => sel.matches(l),
            None => sel.matches(&self.c.namespace_labels(ns)),
        }
    }

    /// Same semantics as the matrix (SEM-16..18, SEM-21, SEM-27, SEM-49).
    pub(super) fn peer_matches(&self, peer: &Peer, policy_ns: &str, pod: &Pod) -> bool {
        match peer {
            Peer::Pods { namespaces, pods } => {
                if pod.host_network {
                    return false;
                }
                let ns_ok = match namespaces {
                    None => pod.namespace == policy_ns,
                    Some(sel) => self.ns_matches(sel, &pod.namespace),
                };
                ns_ok && pods.as_ref().is_none_or(|s| s.matches(&pod.labels))
            }
            Peer::IpBlock(b) => {
                (self.reach.options.ipblock_pods || pod.host_network)
                    && pod.ips.iter().any(|ip| b.contains_addr(*ip))
            }
        }
    }

    pub(super) fn peers_match(&self, peers: Option<&[Peer]>, policy_ns: &str, pod: &Pod) -> bool {
        match peers {
            None => true, // SEM-14
            Some(ps) => ps.iter().any(|p| self.peer_matches(p, policy_ns, pod)),
        }
    }

    pub(super) fn dns_allowed(&self, pod: &Pod, targets: &[&Pod]) -> bool {
        let dns = |c: &crate::model::ports::ConnSet| {
            c.contains(Protocol::Udp, 53) || c.contains(Protocol::Tcp, 53)
        };
        self.c
            .policies
            .iter()
            .filter(|pol| pol.selects(pod))
            .flat_map(|pol| pol.egress.iter().flatten().map(move |r| (pol, r)))
            .any(|(pol, rule)| {
                let to_pod = targets.iter().any(|t| {
                    self.peers_match(rule.peers.as_deref(), &pol.namespace, t)
                        && dns(&rule.ports_towards(Some(t)))
                });
                // An ipBlock with 53 may be a node-local cache or a resolver
                // the pods are configured for: give it the benefit of the doubt.
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
