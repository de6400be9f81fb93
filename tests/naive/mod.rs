//! A deliberately naive evaluator, used only by tests: one connection at a
//! time, straight from the rules of ../shared/SEMANTICS.md and
//! SEMANTICS-CNP.md. No classes, no bitsets, no interning, no IP atoms, no
//! connection-set algebra: nothing shared with `reach` or `engine::eval`
//! except the model types and label-selector matching. Cluster tiers are
//! evaluated by enumerating every choice the implementation may make
//! between equal-priority policies (CNP-4).
#![allow(dead_code)]

use blastradius::model::ports::Protocol;
use blastradius::model::{Action, Cluster, Direction, Peer, Pod, Policy, PortRef, Rule, Tier};
use std::net::IpAddr;

#[derive(Clone, Copy, Debug)]
pub enum End {
    Pod(usize),
    Ip(IpAddr),
}

/// May `src` open a connection to `dst` on `proto`/`port`? Where the
/// outcome is ambiguous (CNP-4), yes: the worst case.
pub fn allowed(
    c: &Cluster,
    src: End,
    dst: End,
    proto: Protocol,
    port: u16,
    ipblock_pods: bool,
) -> bool {
    outcomes(c, src, dst, proto, port, ipblock_pods).0
}

/// (may be allowed, may be denied) for one connection: both at once is an
/// ambiguous connection (CNP-4).
pub fn outcomes(
    c: &Cluster,
    src: End,
    dst: End,
    proto: Protocol,
    port: u16,
    ipblock_pods: bool,
) -> (bool, bool) {
    if let (End::Pod(a), End::Pod(b)) = (src, dst) {
        if a == b {
            return (true, false); // SEM-47, CNP-17
        }
    }
    let dst_pod = match dst {
        End::Pod(d) => Some(&c.pods[d]),
        End::Ip(_) => None,
    };
    let q = Query {
        c,
        dst_pod,
        proto,
        port,
        ipblock_pods,
        domain: None,
    };
    // SEM-8, CNP-2: both ends; SEM-9: only pod ends are governed.
    let egress = match src {
        End::Pod(s) => q.side(&c.pods[s], Direction::Egress, dst),
        End::Ip(_) => (true, false),
    };
    let ingress = match dst {
        End::Pod(d) => q.side(&c.pods[d], Direction::Ingress, src),
        End::Ip(_) => (true, false),
    };
    // Allowed when both sides allow; denied when either may deny.
    (egress.0 && ingress.0, egress.1 || ingress.1)
}

struct Query<'c> {
    c: &'c Cluster,
    dst_pod: Option<&'c Pod>,
    proto: Protocol,
    port: u16,
    ipblock_pods: bool,
    /// Set when the `End::Ip` end is a `domainNames` destination resolved
    /// to that address (CNP-12).
    domain: Option<&'c str>,
}

/// Every name or pattern named by some egress `domainNames` peer, sorted:
/// the named destinations (CNP-12).
pub fn domain_names(c: &Cluster) -> Vec<String> {
    let mut names: Vec<String> = c
        .policies
        .iter()
        .flat_map(|p| p.rules(Direction::Egress).unwrap_or(&[]))
        .flat_map(|r| r.peers.iter().flatten())
        .filter_map(|peer| match peer {
            Peer::DomainNames(n) => Some(n.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    names.sort();
    names.dedup();
    names
}

/// (may be allowed, may be denied) from a pod to the named destination
/// `name` (CNP-12): it may resolve to any address, so every address where
/// some egress `ipBlock` starts or ends is tried (plus the first of each
/// family in use), and the name may be allowed where one address is, may be
/// denied where one is. Only the pod's egress side counts (no ingress side
/// outside the cluster).
pub fn domain_outcomes(
    c: &Cluster,
    src: usize,
    name: &str,
    proto: Protocol,
    port: u16,
    ipblock_pods: bool,
) -> (bool, bool) {
    let q = Query {
        c,
        dst_pod: None,
        proto,
        port,
        ipblock_pods,
        domain: Some(name),
    };
    let (mut allow, mut deny) = (false, false);
    for addr in resolution_probes(c) {
        let (a, d) = q.side(&c.pods[src], Direction::Egress, End::Ip(addr));
        allow |= a;
        deny |= d;
    }
    (allow, deny)
}

/// The first address of each family in use (IPv6 when some block, node
/// address or pod IP is IPv6), and the first address of every egress
/// `ipBlock` cidr and except and the one after its last.
fn resolution_probes(c: &Cluster) -> Vec<IpAddr> {
    let mut nets: Vec<ipnet::IpNet> = Vec::new();
    let mut v6 = c.pods.iter().flat_map(|p| &p.ips).any(|ip| ip.is_ipv6());
    for p in &c.policies {
        for dir in [Direction::Ingress, Direction::Egress] {
            for r in p.rules(dir).unwrap_or(&[]) {
                for peer in r.peers.iter().flatten() {
                    match peer {
                        Peer::IpBlock(b) => {
                            v6 |= matches!(b.cidr, ipnet::IpNet::V6(_));
                            if dir == Direction::Egress {
                                nets.push(b.cidr);
                                nets.extend(b.except.iter().copied());
                            }
                        }
                        Peer::Nodes { addrs, .. } => v6 |= addrs.iter().any(|a| a.is_ipv6()),
                        _ => {}
                    }
                }
            }
        }
    }
    let mut out: Vec<IpAddr> = vec!["0.0.0.0".parse().unwrap()];
    if v6 {
        out.push("::".parse().unwrap());
    }
    for n in nets {
        if n.addr().is_ipv6() && !v6 {
            continue;
        }
        out.push(n.network());
        match n.broadcast() {
            IpAddr::V4(b) => {
                if let Some(next) = u32::from(b).checked_add(1) {
                    out.push(IpAddr::V4(next.into()));
                }
            }
            IpAddr::V6(b) => {
                if let Some(next) = u128::from(b).checked_add(1) {
                    out.push(IpAddr::V6(next.into()));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Where evaluation may end in one tier: decided, or on to the next tier.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Step {
    Allow,
    Deny,
    Next,
}

impl Query<'_> {
    /// (may allow, may deny) for one side, tier by tier (CNP-1).
    fn side(&self, pod: &Pod, dir: Direction, other: End) -> (bool, bool) {
        let mut allow = false;
        let mut deny = false;
        for admin in self.tier_steps(pod, dir, other, true) {
            match admin {
                Step::Allow => allow = true,
                Step::Deny => deny = true,
                Step::Next => match self.np_side(pod, dir, other) {
                    // CNP-7: a NetworkPolicy that selects the pod decides.
                    Some(true) => allow = true,
                    Some(false) => deny = true,
                    None => {
                        for base in self.tier_steps(pod, dir, other, false) {
                            match base {
                                Step::Deny => deny = true,
                                // CNP-8, CNP-9: Pass or no match, default allow.
                                Step::Allow | Step::Next => allow = true,
                            }
                        }
                    }
                },
            }
        }
        (allow, deny)
    }

    /// Every way one cluster tier may end (CNP-3..6, CNP-8): walk the
    /// priorities; at the first where some selecting policy has a matching
    /// rule, each such policy's first matching rule is a possible choice.
    fn tier_steps(&self, pod: &Pod, dir: Direction, other: End, admin: bool) -> Vec<Step> {
        let mut pols: Vec<(u32, &Policy)> = self
            .c
            .policies
            .iter()
            .filter_map(|p| match p.tier {
                Tier::Admin { priority } if admin => Some((priority, p)),
                Tier::Baseline { priority } if !admin => Some((priority, p)),
                _ => None,
            })
            .filter(|(_, p)| self.cluster_subject(p, pod))
            .collect();
        pols.sort_by_key(|(prio, _)| *prio);
        let mut i = 0;
        while i < pols.len() {
            let prio = pols[i].0;
            let mut steps = Vec::new();
            while i < pols.len() && pols[i].0 == prio {
                let pol = pols[i].1;
                // CNP-5: the first matching rule of this policy.
                let hit = pol.rules(dir).unwrap_or(&[]).iter().find(|r| {
                    self.peer_matches(r, "", other)
                        && port_matches(r, self.dst_pod, self.proto, self.port)
                });
                if let Some(r) = hit {
                    steps.push(match r.action {
                        Action::Allow => Step::Allow,
                        Action::Deny => Step::Deny,
                        Action::Pass => Step::Next, // CNP-6
                    });
                }
                i += 1;
            }
            if !steps.is_empty() {
                return steps; // CNP-4: any of them
            }
        }
        vec![Step::Next] // CNP-9
    }

    /// CNP-10, CNP-13: namespace selector AND pod selector, never a
    /// hostNetwork pod.
    fn cluster_subject(&self, pol: &Policy, pod: &Pod) -> bool {
        !pod.host_network
            && pol
                .subject
                .namespaces
                .as_ref()
                .is_some_and(|s| s.matches(&self.c.namespace_labels(&pod.namespace)))
            && pol.subject.pods.matches(&pod.labels)
    }

    /// The NetworkPolicy tier: `None` when no NetworkPolicy selects the pod
    /// for `dir`, else whether one of their rules allows (SEM-3, SEM-7).
    fn np_side(&self, pod: &Pod, dir: Direction, other: End) -> Option<bool> {
        let mut isolated = false;
        for pol in self
            .c
            .policies
            .iter()
            .filter(|p| p.tier == Tier::NetworkPolicy)
        {
            // SEM-1, SEM-49: same namespace, selected, not hostNetwork.
            if pol.namespace != pod.namespace
                || pod.host_network
                || !pol.pod_selector.matches(&pod.labels)
            {
                continue;
            }
            // SEM-3, SEM-6: only policies with this direction in policyTypes.
            let Some(rules) = pol.rules(dir) else {
                continue;
            };
            isolated = true;
            for rule in rules {
                if self.peer_matches(rule, &pol.namespace, other)
                    && port_matches(rule, self.dst_pod, self.proto, self.port)
                {
                    return Some(true); // SEM-7: any rule of any policy
                }
            }
        }
        isolated.then_some(false) // SEM-4
    }
}

impl Query<'_> {
    fn peer_matches(&self, rule: &Rule, policy_ns: &str, other: End) -> bool {
        match (self.domain, other) {
            (Some(name), End::Ip(addr)) => domain_peer_matches(rule, name, addr),
            _ => peer_matches(self.c, rule, policy_ns, other, self.ipblock_pods),
        }
    }
}

/// CNP-12: a named destination resolved to `addr` matches an absent `to`,
/// a `domainNames` pattern covering the name (the same name, or `*.S` with
/// whole labels before `.S`), or an `ipBlock` holding `addr`; never pods or
/// nodes, which are inside the cluster.
fn domain_peer_matches(rule: &Rule, name: &str, addr: IpAddr) -> bool {
    let Some(peers) = &rule.peers else {
        return true;
    };
    peers.iter().any(|peer| match peer {
        Peer::DomainNames(patterns) => patterns.iter().any(|p| {
            p == name
                || p.strip_prefix('*').is_some_and(|dot_suffix| {
                    name.len() > dot_suffix.len() && name.ends_with(dot_suffix)
                })
        }),
        Peer::IpBlock(b) => in_block(b, addr),
        Peer::Pods { .. } | Peer::Nodes { .. } => false,
    })
}

fn peer_matches(c: &Cluster, rule: &Rule, policy_ns: &str, other: End, ipblock_pods: bool) -> bool {
    let Some(peers) = &rule.peers else {
        return true;
    }; // SEM-14
    peers.iter().any(|peer| match (peer, other) {
        (Peer::Pods { namespaces, pods }, End::Pod(o)) => {
            let o = &c.pods[o];
            if o.host_network {
                return false; // SEM-49
            }
            let ns_ok = match namespaces {
                None => o.namespace == policy_ns, // SEM-16
                Some(sel) => sel.matches(&c.namespace_labels(&o.namespace)), // SEM-17
            };
            ns_ok && pods.as_ref().is_none_or(|s| s.matches(&o.labels)) // SEM-18
        }
        (Peer::Pods { .. }, End::Ip(_)) => false, // SEM-17: selectors never match IPs
        (Peer::IpBlock(b), End::Ip(ip)) => in_block(b, ip),
        (Peer::IpBlock(b), End::Pod(o)) => {
            let o = &c.pods[o];
            (ipblock_pods || o.host_network) && o.ips.iter().any(|ip| in_block(b, *ip))
        }
        // CNP-12: the selected nodes' addresses.
        (Peer::Nodes { addrs, .. }, End::Ip(ip)) => addrs.contains(&ip),
        (Peer::Nodes { addrs, .. }, End::Pod(o)) => {
            let o = &c.pods[o];
            (ipblock_pods || o.host_network) && o.ips.iter().any(|ip| addrs.contains(ip))
        }
        // CNP-12: a named destination is neither a pod nor an address.
        (Peer::DomainNames(_), _) => false,
    })
}

/// SEM-21, SEM-23 by hand: inside the CIDR, outside every except.
fn in_block(b: &blastradius::model::ip::IpBlock, ip: IpAddr) -> bool {
    let inside = |net: &ipnet::IpNet| match (net, ip) {
        (ipnet::IpNet::V4(n), IpAddr::V4(a)) => n.contains(&a),
        (ipnet::IpNet::V6(n), IpAddr::V6(a)) => n.contains(&a),
        _ => false,
    };
    inside(&b.cidr) && !b.except.iter().any(inside)
}

fn port_matches(rule: &Rule, dst_pod: Option<&Pod>, proto: Protocol, port: u16) -> bool {
    let Some(specs) = &rule.ports else {
        return true;
    }; // SEM-29
    specs.iter().any(|s| {
        s.protocol == proto // SEM-30, SEM-31
            && match &s.port {
                PortRef::Any => true, // SEM-33
                PortRef::Range(lo, hi) => *lo <= port && port <= *hi, // SEM-37
                // SEM-34..36: on the destination pod, name and protocol.
                PortRef::Named(n) => dst_pod.is_some_and(|d| {
                    d.ports
                        .iter()
                        .any(|cp| cp.name.as_deref() == Some(n) && cp.protocol == proto && cp.port == port)
                }),
            }
    })
}
