//! BR007: named ports that no destination pod declares.

use super::fixes::{join_lines, peer_lines, rule_lines};
use super::{list, Auditor, Severity};
use crate::model::ports::Protocol;
use crate::model::{Direction, Peer, Policy, PortRef, PortSpec, Rule};
use std::collections::BTreeSet;

impl Auditor<'_> {
    pub(super) fn named_ports(&mut self) {
        for pol in &self.c.policies {
            let selected = self.selected(pol);
            if selected.is_empty() {
                continue; // BR006 covers a policy that governs nothing
            }
            for dir in [Direction::Ingress, Direction::Egress] {
                for (i, rule) in pol.rules(dir).unwrap_or(&[]).iter().enumerate() {
                    if !rule.has_named_ports() {
                        continue;
                    }
                    let dsts: Vec<usize> = match dir {
                        Direction::Ingress => selected.clone(),
                        Direction::Egress => {
                            let d: Vec<usize> = self
                                .pods_matching(rule.peers.as_deref(), &pol.namespace)
                                .into_iter()
                                .filter(|&k| self.pod(k).is_some_and(|p| !p.host_network))
                                .collect();
                            let pod_peers = rule
                                .peers
                                .iter()
                                .flatten()
                                .any(|p| matches!(p, Peer::Pods { .. }));
                            if d.is_empty() && pod_peers {
                                continue; // dead peers: BR006
                            }
                            d
                        }
                    };
                    for (k, spec) in rule.ports.iter().flatten().enumerate() {
                        let PortRef::Named(name) = &spec.port else {
                            continue;
                        };
                        if dsts
                            .iter()
                            .filter_map(|&d| self.pod(d))
                            .any(|p| p.named_port(name, spec.protocol).is_some())
                        {
                            continue;
                        }
                        self.unresolved(pol, dir, i, rule, k, name, spec.protocol, &dsts);
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn unresolved(
        &mut self,
        pol: &Policy,
        dir: Direction,
        i: usize,
        rule: &Rule,
        k: usize,
        name: &str,
        proto: Protocol,
        dsts: &[usize],
    ) {
        let at = format!("{}[{i}].ports[{k}]", dir.as_str());
        let title = format!(
            "{} {at}: no destination pod declares port {name}/{proto}",
            pol.id()
        );
        let where_ = match dir {
            Direction::Ingress => "the pods the policy selects".to_string(),
            Direction::Egress => "the pods the rule's peers match".to_string(),
        };
        let mut why = format!(
            "Named ports resolve on each destination pod, by name and protocol (SEM-34..36); for {dir} that is {where_}",
            dir = dir.as_str()
        );
        if dsts.is_empty() {
            why.push_str(": here none, as the rule's peers are ipBlocks and names never resolve on IP destinations (SEM-35).");
        } else {
            why.push_str(&format!(
                " ({}). None of them declares a container port named `{name}` with protocol {proto}, so this entry allows nothing; it is not a validation error, just silently dead (SEM-64).",
                list(&self.workload_names(dsts), 6)
            ));
        }
        // Same name, other protocol: the classic `protocol` omission (SEM-34).
        let other: BTreeSet<(Protocol, u16)> = dsts
            .iter()
            .filter_map(|&d| self.pod(d))
            .flat_map(|p| p.ports.iter())
            .filter(|p| p.name.as_deref() == Some(name) && p.protocol != proto)
            .map(|p| (p.protocol, p.port))
            .collect();
        let declared: BTreeSet<String> = dsts
            .iter()
            .filter_map(|&d| self.pod(d))
            .flat_map(|p| p.ports.iter())
            .map(|p| match &p.name {
                Some(n) => format!("{n} ({}/{})", p.port, p.protocol),
                None => format!("{}/{}", p.port, p.protocol),
            })
            .collect();
        let suggestion = if let Some(&(p, _)) = other.iter().next() {
            why.push_str(&format!(
                " The destinations do declare `{name}` as {p}: the entry's protocol is {proto}{}.",
                if proto == Protocol::Tcp {
                    " (the default when `protocol` is omitted, SEM-30)"
                } else {
                    ""
                }
            ));
            vec![PortSpec {
                protocol: p,
                port: PortRef::Named(name.to_string()),
            }]
        } else {
            vec![PortSpec {
                protocol: proto,
                port: PortRef::Range(0, 0),
            }]
        };
        let mut lines = vec![format!("# {}: spec.{}[{i}]", pol.id(), dir.as_str())];
        let peers: Option<Vec<Vec<String>>> = rule
            .peers
            .as_ref()
            .map(|ps| ps.iter().map(peer_lines).collect());
        let ports: Vec<PortSpec> = rule
            .ports
            .iter()
            .flatten()
            .enumerate()
            .flat_map(|(x, p)| {
                if x == k {
                    suggestion.clone()
                } else {
                    vec![p.clone()]
                }
            })
            .collect();
        lines.extend(rule_lines(dir, peers.as_deref(), Some(&ports)));
        let head = if other.is_empty() {
            if declared.is_empty() {
                "Use the port number the destination listens on:".to_string()
            } else {
                format!(
                    "Use the port number, or a name the destinations declare ({}):",
                    list(&declared.into_iter().collect::<Vec<_>>(), 8)
                )
            }
        } else {
            "Set the protocol the destinations declare for that name:".to_string()
        };
        let fix = format!("{head}\n\n{}", join_lines(&lines));
        self.push(
            "BR007",
            Severity::Medium,
            title,
            vec![Self::rule_loc(pol, dir, i)],
            why,
            fix,
        );
    }
}
