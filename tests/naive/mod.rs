//! A deliberately naive evaluator, used only by tests: one connection at a
//! time, straight from the rules of ../shared/SEMANTICS.md. No classes, no
//! bitsets, no interning, no IP atoms: nothing shared with `reach` except the
//! model types and label-selector matching.
#![allow(dead_code)]

use blastradius::model::ports::Protocol;
use blastradius::model::{Cluster, Direction, Peer, Pod, PortRef, Rule};
use std::net::IpAddr;

#[derive(Clone, Copy, Debug)]
pub enum End {
    Pod(usize),
    Ip(IpAddr),
}

/// May `src` open a connection to `dst` on `proto`/`port`?
pub fn allowed(
    c: &Cluster,
    src: End,
    dst: End,
    proto: Protocol,
    port: u16,
    ipblock_pods: bool,
) -> bool {
    if let (End::Pod(a), End::Pod(b)) = (src, dst) {
        if a == b {
            return true; // SEM-47
        }
    }
    let dst_pod = match dst {
        End::Pod(d) => Some(&c.pods[d]),
        End::Ip(_) => None,
    };
    // SEM-8: both ends; SEM-9: only pod ends are governed.
    let egress_ok = match src {
        End::Pod(s) => side_allows(
            c,
            &c.pods[s],
            Direction::Egress,
            dst,
            dst_pod,
            proto,
            port,
            ipblock_pods,
        ),
        End::Ip(_) => true,
    };
    let ingress_ok = match dst {
        End::Pod(d) => side_allows(
            c,
            &c.pods[d],
            Direction::Ingress,
            src,
            dst_pod,
            proto,
            port,
            ipblock_pods,
        ),
        End::Ip(_) => true,
    };
    egress_ok && ingress_ok
}

#[allow(clippy::too_many_arguments)]
fn side_allows(
    c: &Cluster,
    pod: &Pod,
    dir: Direction,
    other: End,
    dst_pod: Option<&Pod>,
    proto: Protocol,
    port: u16,
    ipblock_pods: bool,
) -> bool {
    let mut isolated = false;
    for pol in &c.policies {
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
            if peer_matches(c, rule, &pol.namespace, other, ipblock_pods)
                && port_matches(rule, dst_pod, proto, port)
            {
                return true; // SEM-7: any rule of any policy
            }
        }
    }
    !isolated // SEM-4
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
