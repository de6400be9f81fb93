//! BR005: rules whose peers admit every source or destination.

use super::fixes::{dns_peer, join_lines, peer_lines, placeholder_peer_lines, rule_lines};
use super::{list, Auditor, Location, Severity};
use crate::engine::explain::describe_peer;
use crate::model::ports::Protocol;
use crate::model::{Direction, Peer, Policy, PortRef, PortSpec, Rule};

impl Auditor<'_> {
    pub(super) fn any_peer(&mut self) {
        for pol in &self.c.policies {
            for dir in [Direction::Ingress, Direction::Egress] {
                for (i, rule) in pol.rules(dir).unwrap_or(&[]).iter().enumerate() {
                    self.any_peer_rule(pol, dir, i, rule);
                }
            }
        }
    }

    fn any_peer_rule(&mut self, pol: &Policy, dir: Direction, i: usize, rule: &Rule) {
        let field = dir.peers_field();
        let (at, descs, notes, locs): (String, Vec<String>, Vec<&str>, Vec<Location>) =
            match &rule.peers {
                None => (
                    format!("{}[{i}]", dir.as_str()),
                    vec![format!(
                        "`{field}` is absent, so every pod of every namespace and every IP address"
                    )],
                    vec![ANY_PEER_NOTE],
                    vec![Self::rule_loc(pol, dir, i)],
                ),
                Some(peers) => {
                    let wide: Vec<(usize, &Peer)> = peers
                        .iter()
                        .enumerate()
                        .filter(|(_, p)| is_wide(p))
                        .collect();
                    if wide.is_empty() {
                        return;
                    }
                    let at = wide
                        .iter()
                        .map(|(j, _)| format!("{}[{i}].{field}[{j}]", dir.as_str()))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let (descs, mut notes): (Vec<String>, Vec<&str>) = wide
                        .iter()
                        .map(|&(_, p)| wide_peer_desc(p, &pol.namespace))
                        .unzip();
                    notes.sort_unstable();
                    notes.dedup();
                    let locs = wide
                        .iter()
                        .map(|&(j, _)| Self::peer_loc(pol, dir, i, j))
                        .collect();
                    (at, descs, notes, locs)
                }
            };
        let dns_only = is_dns_only(rule);
        let severity = if dns_only {
            Severity::Low
        } else {
            Severity::Medium
        };
        let ports = match &rule.ports {
            None => "every port and protocol".to_string(),
            Some(ps) => ps
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        };
        let every = match dir {
            Direction::Ingress => "source",
            Direction::Egress => "destination",
        };
        let title = format!(
            "{} {at} admits every {every}: {}, on {ports}",
            pol.id(),
            descs.join("; ")
        );
        let selected = self.selected(pol);
        let targets = if selected.is_empty() {
            "no pod today".to_string()
        } else {
            list(&self.workload_names(&selected), 6)
        };
        let reach = match dir {
            Direction::Ingress => {
                format!("lets every such source connect to the pods it selects ({targets})")
            }
            Direction::Egress => {
                format!("lets the pods it selects ({targets}) open connections to every such destination")
            }
        };
        let severity_note = if dns_only {
            " Its ports are limited to DNS (53/UDP, 53/TCP), so it is reported at low severity: the exposure is name resolution only, but an unrestricted resolver target still allows DNS tunnelling and rogue resolvers."
        } else {
            " Reported at medium severity; a rule whose ports are limited to DNS (53/UDP, 53/TCP) would be low."
        };
        let why = format!(
            "Allows are a union (SEM-7): whatever the other rules say, this rule {reach}, on {ports}. {}{severity_note}",
            notes.join(" ")
        );
        let fix = self.any_peer_fix(pol, dir, i, rule, dns_only);
        self.push("BR005", severity, title, locs, why, fix);
    }

    fn any_peer_fix(
        &self,
        pol: &Policy,
        dir: Direction,
        i: usize,
        rule: &Rule,
        dns_only: bool,
    ) -> String {
        let replacement = |is_ip: bool| -> Vec<String> {
            if dns_only {
                peer_lines(&dns_peer())
            } else if is_ip {
                vec![
                    "ipBlock:".to_string(),
                    "  cidr: <the real address range>  # e.g. 203.0.113.0/24".to_string(),
                ]
            } else {
                placeholder_peer_lines(true)
            }
        };
        let mut has_ip = false;
        let peers: Vec<Vec<String>> = match &rule.peers {
            None => vec![replacement(false)],
            Some(ps) => ps
                .iter()
                .map(|p| {
                    if is_wide(p) {
                        let ip = matches!(p, Peer::IpBlock(_));
                        has_ip |= ip;
                        replacement(ip)
                    } else {
                        peer_lines(p)
                    }
                })
                .collect(),
        };
        let placeholder_ports;
        let ports = match &rule.ports {
            Some(ps) => Some(ps.as_slice()),
            None => {
                placeholder_ports = vec![PortSpec {
                    protocol: Protocol::Tcp,
                    port: PortRef::Range(0, 0),
                }];
                Some(placeholder_ports.as_slice())
            }
        };
        let head = if dns_only {
            format!(
                "Point `{}` at the cluster DNS pods instead of every peer:",
                dir.peers_field()
            )
        } else if has_ip {
            "If the exposure is intended (a public entry point, an external provider), keep the rule with its ports as narrow as they are and record the exception; otherwise name the real address range:".to_string()
        } else {
            format!(
                "Narrow the peer to the {} that need it{}:",
                match dir {
                    Direction::Ingress => "clients",
                    Direction::Egress => "destinations",
                },
                if rule.ports.is_none() {
                    ", and list the ports"
                } else {
                    ""
                }
            )
        };
        let mut lines = vec![format!("# {}: spec.{}[{i}]", pol.id(), dir.as_str())];
        lines.extend(rule_lines(dir, Some(&peers), ports));
        format!("{head}\n\n{}", join_lines(&lines))
    }
}

/// A peer that admits every pod of the cluster or every address of a family.
fn is_wide(p: &Peer) -> bool {
    match p {
        Peer::Pods {
            namespaces: Some(ns),
            pods,
        } => ns.is_empty() && pods.as_ref().is_none_or(|s| s.is_empty()),
        Peer::Pods {
            namespaces: None, ..
        } => false,
        Peer::IpBlock(b) => b.cidr.prefix_len() == 0,
        Peer::Nodes { .. } | Peer::DomainNames(_) => false,
    }
}

const ANY_PEER_NOTE: &str =
    "An absent or empty `from`/`to` means every peer, external addresses included (SEM-14).";

/// A wide peer in words, and the rule behind it.
fn wide_peer_desc(p: &Peer, policy_ns: &str) -> (String, &'static str) {
    let desc = describe_peer(p, policy_ns);
    match p {
        Peer::IpBlock(b) => {
            let fam = if b.cidr.addr().is_ipv4() {
                "IPv4"
            } else {
                "IPv6"
            };
            let but = if b.except.is_empty() {
                ""
            } else {
                " but the excepted ranges"
            };
            (
                format!("{desc} (every {fam} address{but})"),
                "A /0 block is every address of its family; with the default choice it also \
                 matches every pod with a known IP (SEM-27), and `except` only punches holes \
                 (SEM-21, SEM-22).",
            )
        }
        Peer::Pods { .. } | Peer::Nodes { .. } | Peer::DomainNames(_) => (
            desc,
            "`namespaceSelector: {}` matches every namespace, including ones created later, \
             and without a podSelector it takes every pod in them (SEM-17).",
        ),
    }
}

/// Ports present and limited to 53/UDP and 53/TCP.
fn is_dns_only(rule: &Rule) -> bool {
    match &rule.ports {
        Some(ps) if !ps.is_empty() => ps.iter().all(|p| {
            matches!(p.protocol, Protocol::Udp | Protocol::Tcp) && p.port == PortRef::Range(53, 53)
        }),
        _ => false,
    }
}
