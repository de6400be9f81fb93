//! The evaluator: the one place that decides which pods a policy governs,
//! which pods, namespaces and addresses a peer matches, and how the rules of
//! the policies on one side of a connection combine (SEM-1..28, SEM-45, SEM-49).
//!
//! `reach` applies these predicates per pod class and per IP atom, `explain`
//! per endpoint; `tests/naive` is the only other evaluator, on purpose.

use crate::engine::reach::ReachOptions;
use crate::model::domain;
use crate::model::ip::{IpBlock, IpRange};
use crate::model::ports::ConnSet;
use crate::model::selector::{Labels, Selector};
use crate::model::{Action, Cluster, Direction, Peer, Pod, Policy, Rule, Tier};
use std::net::IpAddr;

/// The other end of a connection, as a peer sees it.
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    /// A pod and its namespace's labels (with the name label, SEM-45).
    Pod { pod: &'a Pod, ns_labels: &'a Labels },
    /// An address that is not a pod (SEM-9).
    Ip(IpAddr),
    /// A `domainNames` destination (CNP-12) as if its name resolved to
    /// `addr`: `domainNames` peers match by name, address peers by `addr`;
    /// it is outside the cluster, so no selector or `nodes` peer matches.
    Domain { name: &'a str, addr: IpAddr },
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
        Peer::IpBlock(_) | Peer::Nodes { .. } | Peer::DomainNames(_) => false,
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
        Peer::IpBlock(_) | Peer::Nodes { .. } | Peer::DomainNames(_) => false,
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
        _ => address_peer_matches_pod(peer, pod, opts),
    }
}

/// An address peer (`ipBlock`, `nodes`) matches a pod by one of its IPs
/// (SEM-21..27): a node's addresses are what a hostNetwork pod speaks with
/// (SEM-49, CNP-12), other pods only under `--ipblock-pods`. Selector and
/// `domainNames` peers never match by address.
pub fn address_peer_matches_pod(peer: &Peer, pod: &Pod, opts: &ReachOptions) -> bool {
    match peer {
        Peer::IpBlock(b) => ipblock_matches_pod(b, pod, opts),
        Peer::Nodes { addrs, .. } => {
            ip_visible(pod, opts) && pod.ips.iter().any(|ip| addrs.contains(ip))
        }
        Peer::Pods { .. } | Peer::DomainNames(_) => false,
    }
}

/// A peer matches an external address: only an `ipBlock` does, inside its
/// `cidr` and outside every `except` (SEM-17, SEM-21, SEM-23).
pub fn peer_matches_ip(peer: &Peer, ip: IpAddr) -> bool {
    match peer {
        Peer::IpBlock(b) => b.contains_addr(ip),
        Peer::Nodes { addrs, .. } => addrs.contains(&ip),
        Peer::Pods { .. } | Peer::DomainNames(_) => false,
    }
}

/// A peer matches every address of an IP atom (atoms never straddle a
/// block boundary, so "covers" is "matches", SEM-21, SEM-22).
pub fn peer_covers(peer: &Peer, atom: &IpRange) -> bool {
    match peer {
        Peer::IpBlock(b) => b.covers(atom),
        // Node addresses are cut into atoms of their own (one address each).
        Peer::Nodes { addrs, .. } => {
            atom.start == atom.end && addrs.iter().any(|a| atom.contains_addr(*a))
        }
        Peer::Pods { .. } | Peer::DomainNames(_) => false,
    }
}

/// A peer matches the other end.
pub fn peer_matches(peer: &Peer, policy_ns: &str, target: Target<'_>, opts: &ReachOptions) -> bool {
    match target {
        Target::Pod { pod, ns_labels } => peer_matches_pod(peer, policy_ns, ns_labels, pod, opts),
        Target::Ip(ip) => peer_matches_ip(peer, ip),
        Target::Domain { name, addr } => peer_matches_domain(peer, name, addr),
    }
}

/// Whether IPv6 plays a part: some `ipBlock` or `nodes` address of any
/// rule is IPv6, or some pod has an IPv6 address. A name may then resolve
/// to an IPv6 address too (CNP-12).
pub fn ipv6_in_use(c: &Cluster) -> bool {
    let in_rules = c.policies.iter().any(|p| {
        [Direction::Ingress, Direction::Egress].iter().any(|&d| {
            p.rules(d)
                .unwrap_or(&[])
                .iter()
                .flat_map(|r| r.peers.iter().flatten())
                .any(|peer| match peer {
                    Peer::IpBlock(b) => b.cidr.addr().is_ipv6(),
                    Peer::Nodes { addrs, .. } => addrs.iter().any(IpAddr::is_ipv6),
                    Peer::Pods { .. } | Peer::DomainNames(_) => false,
                })
        })
    });
    in_rules || c.pods.iter().flat_map(|p| &p.ips).any(IpAddr::is_ipv6)
}

/// The address ranges a `domainNames` destination may resolve to, as the
/// policies tell them apart: the egress `ipBlock`s cut into atoms, in
/// IPv4 and, when in use, IPv6 (CNP-12). Every egress verdict is the same
/// for all addresses of one range.
pub fn resolution_ranges(c: &Cluster) -> Vec<IpRange> {
    let blocks = c.policies.iter().flat_map(|p| {
        p.rules(Direction::Egress)
            .unwrap_or(&[])
            .iter()
            .flat_map(|r| r.peers.iter().flatten())
            .filter_map(|peer| match peer {
                Peer::IpBlock(b) => Some(b.ranges()),
                _ => None,
            })
            .flatten()
    });
    let v6 = ipv6_in_use(c);
    crate::model::ip::partition(blocks.collect::<Vec<_>>())
        .into_iter()
        .filter(|r| !r.v6 || v6)
        .collect()
}

/// A peer matches a domain resolved to `addr` (CNP-12): a `domainNames`
/// peer when one of its patterns covers the name, an `ipBlock` when it holds
/// the address; never a selector or `nodes` peer.
pub fn peer_matches_domain(peer: &Peer, name: &str, addr: IpAddr) -> bool {
    match peer {
        Peer::DomainNames(patterns) => patterns.iter().any(|p| domain::covers(p, name)),
        Peer::IpBlock(b) => b.contains_addr(addr),
        Peer::Pods { .. } | Peer::Nodes { .. } => false,
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
        .filter(|(pol, _, _)| pol.tier == Tier::NetworkPolicy)
        .filter(|(pol, _, r)| {
            other.is_some_and(|t| peers_match(r.peers.as_deref(), &pol.namespace, t, opts))
                || r.peers.is_none()
        })
        .map(|(_, _, r)| r.ports_towards(dst));
    combine(isolated, allows)
}

// ---- tiers: cluster policies around the NetworkPolicy tier (CNP-1..9) ----

/// The connection-set operations the tier logic needs, so that one
/// implementation serves plain [`ConnSet`]s (`explain`, one pair) and the
/// matrix's interned ids (every pair).
pub trait ConnOps {
    type Set: Clone + PartialEq;
    fn all(&mut self) -> Self::Set;
    fn none(&mut self) -> Self::Set;
    fn union(&mut self, a: &Self::Set, b: &Self::Set) -> Self::Set;
    fn intersect(&mut self, a: &Self::Set, b: &Self::Set) -> Self::Set;
    fn subtract(&mut self, a: &Self::Set, b: &Self::Set) -> Self::Set;
}

/// [`ConnOps`] on plain sets.
pub struct PlainConns;

impl ConnOps for PlainConns {
    type Set = ConnSet;
    fn all(&mut self) -> ConnSet {
        ConnSet::all()
    }
    fn none(&mut self) -> ConnSet {
        ConnSet::empty()
    }
    fn union(&mut self, a: &ConnSet, b: &ConnSet) -> ConnSet {
        a.union(b)
    }
    fn intersect(&mut self, a: &ConnSet, b: &ConnSet) -> ConnSet {
        a.intersect(b)
    }
    fn subtract(&mut self, a: &ConnSet, b: &ConnSet) -> ConnSet {
        a.subtract(b)
    }
}

/// What one cluster policy does with a connection, per port: the part its
/// first matching rule accepts, denies or passes (CNP-5); the rest it does
/// not match. The three parts are disjoint.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyOutcome<S> {
    pub allow: S,
    pub deny: S,
    pub pass: S,
}

/// First match decides (CNP-5): `rules` are, in order, each rule's action
/// and the connections it matches for this pair (empty when its peers do
/// not match).
pub fn first_match<O: ConnOps>(
    ops: &mut O,
    rules: impl IntoIterator<Item = (Action, O::Set)>,
) -> PolicyOutcome<O::Set> {
    let mut rest = ops.all();
    let mut out = PolicyOutcome {
        allow: ops.none(),
        deny: ops.none(),
        pass: ops.none(),
    };
    let none = ops.none();
    for (action, matched) in rules {
        if rest == none {
            break;
        }
        let hit = ops.intersect(&matched, &rest);
        if hit == none {
            continue;
        }
        rest = ops.subtract(&rest, &hit);
        let part = match action {
            Action::Allow => &mut out.allow,
            Action::Deny => &mut out.deny,
            Action::Pass => &mut out.pass,
        };
        *part = ops.union(part, &hit);
    }
    out
}

/// What a tier may do with a connection, per port. A port is in `allow`
/// (`deny`) when some choice the implementation may make accepts (drops)
/// it, and in `next` when evaluation may go on to the next tier (a Pass, or
/// no rule of the tier matches). Without ties the three are disjoint; a
/// port in two of them is ambiguous (CNP-4).
#[derive(Clone, Debug, PartialEq)]
pub struct TierOutcome<S> {
    pub allow: S,
    pub deny: S,
    pub next: S,
}

impl<S: Clone> TierOutcome<S> {
    /// A tier in which no policy selects the pod: everything goes on (CNP-9).
    pub fn open<O: ConnOps<Set = S>>(ops: &mut O) -> TierOutcome<S> {
        TierOutcome {
            allow: ops.none(),
            deny: ops.none(),
            next: ops.all(),
        }
    }
}

/// One tier (CNP-3..6, CNP-8): `groups` are the outcomes of the policies
/// that select the pod, grouped by equal priority, lowest priority value
/// first. A higher group sees only what the groups before it left open;
/// within a group, any matching policy may be the one applied (CNP-4).
pub fn tier_outcome<O, G>(ops: &mut O, groups: impl IntoIterator<Item = G>) -> TierOutcome<O::Set>
where
    O: ConnOps,
    G: IntoIterator<Item = PolicyOutcome<O::Set>>,
{
    let mut out = TierOutcome {
        allow: ops.none(),
        deny: ops.none(),
        next: ops.none(),
    };
    let mut open = ops.all();
    let none = ops.none();
    for group in groups {
        if open == none {
            break;
        }
        let mut matched = ops.none();
        for p in group {
            let a = ops.intersect(&p.allow, &open);
            out.allow = ops.union(&out.allow, &a);
            let d = ops.intersect(&p.deny, &open);
            out.deny = ops.union(&out.deny, &d);
            let n = ops.intersect(&p.pass, &open);
            out.next = ops.union(&out.next, &n);
            for part in [&a, &d, &n] {
                matched = ops.union(&matched, part);
            }
        }
        open = ops.subtract(&open, &matched);
    }
    out.next = ops.union(&out.next, &open);
    out
}

/// One direction of one connection, per port: what may be allowed and what
/// may be denied. Both at once is ambiguous (CNP-4).
#[derive(Clone, Debug, PartialEq)]
pub struct SideVerdict<S> {
    pub allow: S,
    pub deny: S,
}

/// The tiers in order (CNP-1, CNP-6..8): the Admin tier decides what it
/// accepts or denies; what it passes or leaves goes to the NetworkPolicy
/// tier, which decides all of it when a NetworkPolicy isolates the pod for
/// this direction (`np: Some(allowed)`, SEM-3, SEM-7); otherwise to the
/// Baseline tier, after which the default is allow.
pub fn side_verdict<O: ConnOps>(
    ops: &mut O,
    admin: &TierOutcome<O::Set>,
    np: Option<&O::Set>,
    baseline: &TierOutcome<O::Set>,
) -> SideVerdict<O::Set> {
    let (lower_allow, lower_deny) = match np {
        Some(allowed) => {
            let all = ops.all();
            (allowed.clone(), ops.subtract(&all, allowed))
        }
        None => (
            ops.union(&baseline.allow, &baseline.next),
            baseline.deny.clone(),
        ),
    };
    let a = ops.intersect(&admin.next, &lower_allow);
    let d = ops.intersect(&admin.next, &lower_deny);
    SideVerdict {
        allow: ops.union(&admin.allow, &a),
        deny: ops.union(&admin.deny, &d),
    }
}

/// Cluster policies of one tier that select `pod`, grouped by priority in
/// precedence order (CNP-3), each group in input order.
pub fn tier_groups<'c>(
    c: &'c Cluster,
    pod: &Pod,
    ns_labels: &Labels,
    admin: bool,
) -> Vec<Vec<&'c Policy>> {
    let mut pols: Vec<&Policy> = c
        .policies
        .iter()
        .filter(|p| match p.tier {
            Tier::Admin { .. } => admin,
            Tier::Baseline { .. } => !admin,
            Tier::NetworkPolicy => false,
        })
        .filter(|p| selects(p, pod, ns_labels))
        .collect();
    pols.sort_by_key(|p| p.tier);
    let mut groups: Vec<Vec<&Policy>> = Vec::new();
    for p in pols {
        match groups.last_mut() {
            Some(g) if g.first().is_some_and(|q| q.tier == p.tier) => g.push(p),
            _ => groups.push(vec![p]),
        }
    }
    groups
}

/// The connections a cluster policy's rule matches for this pair: its
/// ports towards `dst` when a peer matches the other end (CNP-11..15).
pub fn rule_matches(
    rule: &Rule,
    other: Option<Target<'_>>,
    dst: Option<&Pod>,
    opts: &ReachOptions,
) -> ConnSet {
    if other.is_some_and(|t| peers_match(rule.peers.as_deref(), "", t, opts)) {
        rule.ports_towards(dst)
    } else {
        ConnSet::empty()
    }
}

/// A cluster policy's outcome for one pair and direction (CNP-5).
pub fn policy_outcome(
    policy: &Policy,
    dir: Direction,
    other: Option<Target<'_>>,
    dst: Option<&Pod>,
    opts: &ReachOptions,
) -> PolicyOutcome<ConnSet> {
    first_match(
        &mut PlainConns,
        policy
            .rules(dir)
            .unwrap_or(&[])
            .iter()
            .map(|r| (r.action, rule_matches(r, other, dst, opts))),
    )
}

/// One direction of one pair through every tier (CNP-1, CNP-2).
pub fn side_verdict_for(
    c: &Cluster,
    pod: &Pod,
    dir: Direction,
    other: Option<Target<'_>>,
    dst: Option<&Pod>,
    opts: &ReachOptions,
) -> SideVerdict<ConnSet> {
    let ns_labels = c.namespace_labels(&pod.namespace);
    let isolated = c
        .policies
        .iter()
        .any(|p| isolates(p, dir) && selects(p, pod, &ns_labels));
    let np = isolated.then(|| side_allows(c, pod, dir, other, dst, opts));
    let tier = |admin: bool| {
        let groups = tier_groups(c, pod, &ns_labels, admin);
        let outcomes = groups
            .iter()
            .map(|g| g.iter().map(|p| policy_outcome(p, dir, other, dst, opts)));
        tier_outcome(&mut PlainConns, outcomes)
    };
    let (admin, baseline) = (tier(true), tier(false));
    side_verdict(&mut PlainConns, &admin, np.as_ref(), &baseline)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::reach::tests::{
        cluster, ipblock, pod, pods_peer, policy, rule, tcp, with_ip,
    };
    use crate::model::ports::Protocol;
    use crate::model::{Scope, Subject, NS_NAME_LABEL};

    fn ns_labels(ns: &str, extra: &str) -> Labels {
        let mut l = crate::engine::reach::tests::labels(extra);
        l.insert(NS_NAME_LABEL.into(), ns.into());
        l
    }

    #[test]
    fn subjects_stay_in_their_namespace_and_skip_host_network() {
        // SEM-1, SEM-2, SEM-49.
        let pol = policy("x", "", Some(vec![]), None);
        let a = pod("x", "a", "app=a");
        let other = pod("y", "b", "app=a");
        let mut h = pod("x", "h", "app=a");
        h.host_network = true;
        assert!(selects(&pol, &a, &ns_labels("x", "")));
        assert!(!selects(&pol, &other, &ns_labels("y", "")));
        assert!(!selects(&pol, &h, &ns_labels("x", "")));
        let web = policy("x", "app=web", Some(vec![]), None);
        assert!(!selects(&web, &a, &ns_labels("x", "")));
    }

    #[test]
    fn cluster_subjects_select_by_namespace_labels() {
        // CNP-10, CNP-13: namespace selector AND pod selector.
        let mut pol = policy("x", "app=a", Some(vec![]), None);
        pol.scope = Scope::Cluster;
        pol.tier = Tier::Admin { priority: 10 };
        pol.subject = Subject {
            namespaces: Some(Selector::parse("team=ops").unwrap()),
            pods: Selector::parse("app=a").unwrap(),
        };
        let a = pod("y", "a", "app=a");
        assert!(selects(&pol, &a, &ns_labels("y", "team=ops")));
        assert!(!selects(&pol, &a, &ns_labels("y", "team=dev")));
        // CNP-9: cluster tiers isolate nothing.
        assert!(!isolates(&pol, Direction::Ingress));
        assert_eq!(pol.id(), "p");
    }

    #[test]
    fn tiers_order_admin_then_networkpolicy_then_baseline() {
        // CNP-1, CNP-3.
        let a0 = Tier::Admin { priority: 0 };
        let a9 = Tier::Admin { priority: 1000 };
        assert!(a0 < a9 && a9 < Tier::NetworkPolicy);
        assert!(Tier::NetworkPolicy < Tier::Baseline { priority: 0 });
    }

    #[test]
    fn isolation_follows_policy_types() {
        // SEM-3, SEM-5, SEM-6: `None` rules = direction not in policyTypes.
        let pol = policy("x", "", None, Some(vec![]));
        assert!(!isolates(&pol, Direction::Ingress));
        assert!(isolates(&pol, Direction::Egress));
    }

    #[test]
    fn peer_halves() {
        // SEM-16: no namespaceSelector = the policy's namespace.
        let own = pods_peer(None, Some("app=a"));
        assert!(peer_matches_namespace(&own, "x", "x", &ns_labels("x", "")));
        assert!(!peer_matches_namespace(&own, "x", "y", &ns_labels("y", "")));
        // SEM-17, SEM-45: by labels, the name label included.
        let by_name = pods_peer(Some("kubernetes.io/metadata.name=y"), None);
        assert!(peer_matches_namespace(
            &by_name,
            "x",
            "y",
            &ns_labels("y", "")
        ));
        // SEM-18: the pod half.
        assert!(peer_matches_pod_in_namespace(&own, &pod("y", "a", "app=a")));
        assert!(!peer_matches_pod_in_namespace(
            &own,
            &pod("y", "a", "app=b")
        ));
        let ip = Peer::IpBlock(ipblock("10.0.0.0/8", &[]));
        assert!(!peer_matches_namespace(&ip, "x", "x", &ns_labels("x", "")));
        assert!(!peer_matches_pod_in_namespace(&ip, &pod("x", "a", "")));
    }

    #[test]
    fn peers_match_pods() {
        let opts = ReachOptions::default();
        let a = pod("x", "a", "app=a");
        let l = ns_labels("x", "");
        // SEM-14: absent peers match everything.
        assert!(peers_match_pod(None, "x", &l, &a, &opts));
        // SEM-19: ORed.
        let peers = [
            pods_peer(None, Some("app=b")),
            pods_peer(None, Some("app=a")),
        ];
        assert!(peers_match_pod(Some(&peers), "x", &l, &a, &opts));
        let t = Target::Pod {
            pod: &a,
            ns_labels: &l,
        };
        assert_eq!(first_matching_peer(&peers, "x", t, &opts), Some(1));
        assert!(!peers_match_pod(Some(&peers[..1]), "x", &l, &a, &opts));
        // SEM-49: a hostNetwork pod never matches a selector.
        let mut h = a.clone();
        h.host_network = true;
        assert!(!peer_matches_pod(&peers[1], "x", &l, &h, &opts));
    }

    #[test]
    fn ipblocks_match_addresses_and_pod_ips() {
        // SEM-21, SEM-22 (except), SEM-23 (families), SEM-27 (switch), SEM-51.
        let p = Peer::IpBlock(ipblock("10.0.0.0/8", &["10.1.0.0/16"]));
        assert!(peer_matches_ip(&p, "10.2.0.1".parse().unwrap()));
        assert!(!peer_matches_ip(&p, "10.1.0.1".parse().unwrap()));
        assert!(!peer_matches_ip(&p, "::1".parse().unwrap()));
        assert!(!peer_matches_ip(
            &pods_peer(Some(""), None),
            "10.2.0.1".parse().unwrap()
        ));
        let on = ReachOptions::default();
        let off = ReachOptions {
            ipblock_pods: false,
        };
        let a = with_ip(pod("x", "a", ""), "10.2.0.1");
        let l = ns_labels("x", "");
        assert!(peer_matches_pod(&p, "x", &l, &a, &on));
        assert!(!peer_matches_pod(&p, "x", &l, &a, &off));
        let mut h = a.clone();
        h.host_network = true; // SEM-49: node address, always visible
        assert!(peer_matches_pod(&p, "x", &l, &h, &off));
        assert!(!peer_matches_pod(&p, "x", &l, &pod("x", "n", ""), &on));
        let atom = crate::model::ip::IpRange::from_addr("10.2.0.1".parse().unwrap());
        assert!(peer_covers(&p, &atom));
    }

    #[test]
    fn sides_combine_by_union_or_allow_all() {
        // SEM-4, SEM-7, SEM-13.
        assert!(combine(false, []).is_all());
        assert!(combine(true, []).is_empty());
        let u = combine(
            true,
            [
                ConnSet::port(Protocol::Tcp, 80),
                ConnSet::port(Protocol::Tcp, 81),
            ],
        );
        assert!(u.contains(Protocol::Tcp, 80) && u.contains(Protocol::Tcp, 81));
        let a = pod("x", "a", "app=a");
        let b = pod("x", "b", "app=b");
        let from_a = Some(vec![pods_peer(None, Some("app=a"))]);
        let c = cluster(
            vec![a, b],
            vec![policy(
                "x",
                "app=b",
                Some(vec![rule(from_a, Some(vec![tcp(80)]))]),
                None,
            )],
        );
        let opts = ReachOptions::default();
        let (pa, pb) = (&c.pods[0], &c.pods[1]);
        let l = c.namespace_labels("x");
        let t = Target::Pod {
            pod: pa,
            ns_labels: &l,
        };
        let got = side_allows(&c, pb, Direction::Ingress, Some(t), Some(pb), &opts);
        assert_eq!(got, ConnSet::port(Protocol::Tcp, 80));
        let ext = Target::Ip("1.2.3.4".parse().unwrap());
        assert!(side_allows(&c, pb, Direction::Ingress, Some(ext), Some(pb), &opts).is_empty());
        assert!(side_allows(&c, pa, Direction::Ingress, Some(ext), Some(pa), &opts).is_all());
        assert_eq!(rules_for(&c, pb, Direction::Ingress).count(), 1);
        assert_eq!(rules_for(&c, pb, Direction::Egress).count(), 0);
    }
}
