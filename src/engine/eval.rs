//! The evaluator: the one place that decides which pods a policy governs,
//! which pods, namespaces and addresses a peer matches, and how the rules of
//! the policies on one side of a connection combine (SEM-1..28, SEM-45, SEM-49).
//!
//! `reach` applies these predicates per pod class and per IP atom, `explain`
//! per endpoint; `tests/naive` is the only other evaluator, on purpose.

use crate::engine::reach::ReachOptions;
use crate::model::ip::{IpBlock, IpRange};
use crate::model::ports::ConnSet;
use crate::model::selector::{Labels, Selector};
use crate::model::{Cluster, Direction, Peer, Pod, Policy, Rule, Tier, NS_NAME_LABEL};
use std::net::IpAddr;

/// The other end of a connection, as a peer sees it.
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    /// A pod and its namespace's labels (with the name label, SEM-45).
    Pod { pod: &'a Pod, ns_labels: &'a Labels },
    /// An address that is not a pod (SEM-9).
    Ip(IpAddr),
}

// ---- subjects: which pods a policy governs ------------------------------

/// The namespace half of a subject: a NetworkPolicy governs only its own
/// namespace (SEM-1); a cluster policy the namespaces its selector matches
/// (CNP-10, CNP-13).
pub fn subject_matches_namespace(policy: &Policy, ns: &str, ns_labels: &Labels) -> bool {
    namespace_matches(
        policy.subject.namespaces.as_ref(),
        policy.scope.namespace(),
        ns,
        ns_labels,
    )
}

/// The pod half of a subject, the namespace already matched: the pod
/// selector (SEM-2), never a hostNetwork pod (SEM-49, CNP-10).
pub fn subject_matches_pod_in_namespace(policy: &Policy, pod: &Pod) -> bool {
    !pod.host_network && policy.subject.pods.matches(&pod.labels)
}

/// The policy governs this pod (SEM-1, SEM-2, SEM-49, CNP-10).
pub fn selects(policy: &Policy, pod: &Pod, ns_labels: &Labels) -> bool {
    subject_matches_namespace(policy, &pod.namespace, ns_labels)
        && subject_matches_pod_in_namespace(policy, pod)
}

/// [`selects`] without the namespace's labels: exact for a subject in the
/// policy's own namespace (every NetworkPolicy); a namespace selector is
/// matched against the name label only (SEM-45).
pub fn selects_in_own_namespace(policy: &Policy, pod: &Pod) -> bool {
    let mut labels = Labels::new();
    if policy.subject.namespaces.is_some() {
        labels.insert(NS_NAME_LABEL.to_string(), pod.namespace.clone());
    }
    selects(policy, pod, &labels)
}

/// Whether governing a pod isolates it for `dir`: a NetworkPolicy with the
/// direction in its effective policyTypes does (SEM-3, SEM-5, SEM-6); the
/// cluster tiers isolate nothing (CNP-9).
pub fn isolates(policy: &Policy, dir: Direction) -> bool {
    policy.tier == Tier::NetworkPolicy && policy.rules(dir).is_some()
}

/// The rules of `policy` that apply to `pod` for `dir`, in order; `None`
/// when the policy does not govern the pod for that direction (SEM-3, SEM-6).
pub fn applying_rules<'p>(
    policy: &'p Policy,
    pod: &Pod,
    ns_labels: &Labels,
    dir: Direction,
) -> Option<&'p [Rule]> {
    if selects(policy, pod, ns_labels) {
        policy.rules(dir)
    } else {
        None
    }
}

/// Every (policy, rule index, rule) that applies to `pod` for `dir`, in
/// policy then rule order.
pub fn rules_for<'c>(
    c: &'c Cluster,
    pod: &'c Pod,
    dir: Direction,
) -> impl Iterator<Item = (&'c Policy, usize, &'c Rule)> + 'c {
    let ns_labels = c.namespace_labels(&pod.namespace);
    c.policies.iter().flat_map(move |pol| {
        applying_rules(pol, pod, &ns_labels, dir)
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .map(move |(i, r)| (pol, i, r))
    })
}

// ---- peers ----------------------------------------------------------------

/// The namespace half of a selector peer or subject. `None`: the policy's
/// own namespace only (SEM-16; a cluster policy has none, so nothing);
/// `Some(sel)`: every namespace whose labels match (SEM-17, SEM-45).
pub fn namespace_matches(
    sel: Option<&Selector>,
    policy_ns: Option<&str>,
    ns: &str,
    ns_labels: &Labels,
) -> bool {
    match sel {
        None => policy_ns == Some(ns),
        Some(sel) => sel.matches(ns_labels),
    }
}

/// The namespace half of a peer (SEM-16, SEM-17); an `ipBlock` selects no
/// namespace.
pub fn peer_matches_namespace(peer: &Peer, policy_ns: &str, ns: &str, ns_labels: &Labels) -> bool {
    match peer {
        Peer::Pods { namespaces, .. } => {
            namespace_matches(namespaces.as_ref(), Some(policy_ns), ns, ns_labels)
        }
        Peer::IpBlock(_) => false,
    }
}

/// The pod half of a selector peer, the namespace already matched: ANDed
/// with it (SEM-18), `pods: None` = every pod (SEM-17), never a hostNetwork
/// pod (SEM-49). An `ipBlock` never matches by labels.
pub fn peer_matches_pod_in_namespace(peer: &Peer, pod: &Pod) -> bool {
    match peer {
        Peer::Pods { pods, .. } => {
            !pod.host_network && pods.as_ref().is_none_or(|s| s.matches(&pod.labels))
        }
        Peer::IpBlock(_) => false,
    }
}

/// Whether `ipBlock`s can see this pod's IPs at all: with `--ipblock-pods`
/// (SEM-24..27), and always for hostNetwork pods, which speak with the
/// node's address (SEM-49).
pub fn ip_visible(pod: &Pod, opts: &ReachOptions) -> bool {
    opts.ipblock_pods || pod.host_network
}

/// An `ipBlock` matches a pod by one of its IPs (SEM-21..27); a pod without
/// a known IP never matches (SEM-51).
pub fn ipblock_matches_pod(block: &IpBlock, pod: &Pod, opts: &ReachOptions) -> bool {
    ip_visible(pod, opts) && pod.ips.iter().any(|ip| block.contains_addr(*ip))
}

/// A peer matches a pod (SEM-16..21, SEM-25..27, SEM-49).
pub fn peer_matches_pod(
    peer: &Peer,
    policy_ns: &str,
    pod_ns_labels: &Labels,
    pod: &Pod,
    opts: &ReachOptions,
) -> bool {
    match peer {
        Peer::Pods { .. } => {
            peer_matches_namespace(peer, policy_ns, &pod.namespace, pod_ns_labels)
                && peer_matches_pod_in_namespace(peer, pod)
        }
        Peer::IpBlock(b) => ipblock_matches_pod(b, pod, opts),
    }
}

/// A peer matches an external address: only an `ipBlock` does, inside its
/// `cidr` and outside every `except` (SEM-17, SEM-21, SEM-23).
pub fn peer_matches_ip(peer: &Peer, ip: IpAddr) -> bool {
    match peer {
        Peer::IpBlock(b) => b.contains_addr(ip),
        Peer::Pods { .. } => false,
    }
}

/// A peer matches every address of an IP atom (atoms never straddle a
/// block boundary, so "covers" is "matches", SEM-21, SEM-22).
pub fn peer_covers(peer: &Peer, atom: &IpRange) -> bool {
    match peer {
        Peer::IpBlock(b) => b.covers(atom),
        Peer::Pods { .. } => false,
    }
}

/// A peer matches the other end.
pub fn peer_matches(peer: &Peer, policy_ns: &str, target: Target<'_>, opts: &ReachOptions) -> bool {
    match target {
        Target::Pod { pod, ns_labels } => peer_matches_pod(peer, policy_ns, ns_labels, pod, opts),
        Target::Ip(ip) => peer_matches_ip(peer, ip),
    }
}

/// The first peer of a list that matches (peers are ORed, SEM-19).
pub fn first_matching_peer(
    peers: &[Peer],
    policy_ns: &str,
    target: Target<'_>,
    opts: &ReachOptions,
) -> Option<usize> {
    peers
        .iter()
        .position(|p| peer_matches(p, policy_ns, target, opts))
}

/// A rule's peer part matches: `None` (absent or empty `from`/`to`) is
/// every peer (SEM-14), else any peer (SEM-19).
pub fn peers_match(
    peers: Option<&[Peer]>,
    policy_ns: &str,
    target: Target<'_>,
    opts: &ReachOptions,
) -> bool {
    peers.is_none_or(|ps| first_matching_peer(ps, policy_ns, target, opts).is_some())
}

/// [`peers_match`] for a pod end.
pub fn peers_match_pod(
    peers: Option<&[Peer]>,
    policy_ns: &str,
    pod_ns_labels: &Labels,
    pod: &Pod,
    opts: &ReachOptions,
) -> bool {
    let target = Target::Pod {
        pod,
        ns_labels: pod_ns_labels,
    };
    peers_match(peers, policy_ns, target, opts)
}

// ---- combining one side ---------------------------------------------------

/// What one direction of one pod allows: not isolated = everything (SEM-3,
/// SEM-4); isolated = the union of the matching rules' ports (SEM-7, SEM-12).
pub fn combine(isolated: bool, matching_rule_ports: impl IntoIterator<Item = ConnSet>) -> ConnSet {
    if !isolated {
        return ConnSet::all();
    }
    matching_rule_ports
        .into_iter()
        .fold(ConnSet::empty(), |acc, p| acc.union(&p))
}

/// What `pod`'s `dir` side allows towards / from `other` (`dst` is the
/// destination pod, where named ports resolve, SEM-34..36).
pub fn side_allows(
    c: &Cluster,
    pod: &Pod,
    dir: Direction,
    other: Option<Target<'_>>,
    dst: Option<&Pod>,
    opts: &ReachOptions,
) -> ConnSet {
    let ns_labels = c.namespace_labels(&pod.namespace);
    let isolated = c
        .policies
        .iter()
        .any(|p| isolates(p, dir) && selects(p, pod, &ns_labels));
    let allows = rules_for(c, pod, dir)
        .filter(|(pol, _, r)| {
            other.is_some_and(|t| peers_match(r.peers.as_deref(), &pol.namespace, t, opts))
                || r.peers.is_none()
        })
        .map(|(_, _, r)| r.ports_towards(dst));
    combine(isolated, allows)
}
