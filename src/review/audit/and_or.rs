//! BR009: a namespaceSelector-only peer ORed with a podSelector-only peer.

use super::fixes::{join_lines, peer_lines, rule_lines};
use super::{plural, Auditor, Severity};
use crate::engine::explain::describe_peer;
use crate::model::{Direction, Peer, Policy, Rule};
use std::collections::BTreeMap;

impl Auditor<'_> {
    pub(super) fn and_or(&mut self) {
        for pol in &self.c.policies {
            for dir in [Direction::Ingress, Direction::Egress] {
                for (i, rule) in pol.rules(dir).unwrap_or(&[]).iter().enumerate() {
                    let Some(peers) = &rule.peers else { continue };
                    let Some((j, k)) = and_or_pair(peers) else {
                        continue;
                    };
                    self.and_or_rule(pol, dir, i, rule, peers, j, k);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn and_or_rule(
        &mut self,
        pol: &Policy,
        dir: Direction,
        i: usize,
        rule: &Rule,
        peers: &[Peer],
        j: usize,
        k: usize,
    ) {
        let field = dir.peers_field();
        let (Some(peer_j), Some(peer_k)) = (peers.get(j), peers.get(k)) else {
            return;
        };
        let merged = match (peer_j, peer_k) {
            (Peer::Pods { namespaces, .. }, Peer::Pods { pods, .. }) => Peer::Pods {
                namespaces: namespaces.clone(),
                pods: pods.clone(),
            },
            _ => return,
        };
        let first = j.min(k);
        let and_peers: Vec<Peer> = peers
            .iter()
            .enumerate()
            .filter(|&(x, _)| x != j && x != k || x == first)
            .map(|(x, p)| {
                if x == first {
                    merged.clone()
                } else {
                    p.clone()
                }
            })
            .collect();
        let or_pods = self.pods_matching(Some(peers), &pol.namespace);
        let and_pods = self.pods_matching(Some(&and_peers), &pol.namespace);
        let (a, b) = (self.replicas(&or_pods), self.replicas(&and_pods));
        let title = format!(
            "{} {}[{i}]: {field}[{j}] (namespaceSelector only) OR {field}[{k}] (podSelector only) matches {a} pod{}; as one peer (AND) it would match {b}",
            pol.id(),
            dir.as_str(),
            plural(a as usize),
        );
        // Pods only the OR form admits (both lists are sorted).
        let idx: Vec<usize> = or_pods
            .iter()
            .copied()
            .filter(|x| and_pods.binary_search(x).is_err())
            .collect();
        let mut why = format!(
            "Two items of a peer list are ORed (SEM-19): `{}` OR `{}`. One item holding both selectors ANDs them (SEM-18): `{}`. A single dash of YAML indentation is the whole difference, and the OR form is rarely what was meant. Counted against the loaded cluster, the rule as written matches {a} pod{} ({}); the AND form would match {b} ({}).",
            describe_peer(peer_j, &pol.namespace),
            describe_peer(peer_k, &pol.namespace),
            describe_peer(&merged, &pol.namespace),
            plural(a as usize),
            self.workloads_or_none(&or_pods),
            self.workloads_or_none(&and_pods),
        );
        if !idx.is_empty() {
            why.push_str(&format!(
                " Only the OR form admits {}.",
                self.workload_list(&idx, 6)
            ));
        }
        // Rated by consequence: what the OR form lets in beyond the AND
        // form, not by the kind of mistake.
        // Of those, the ones that do connect today (their own egress, or
        // the destination's ingress, may stop them elsewhere).
        // Pod entries of one class share their cells: the selected pods by
        // class, and a pod `x` connects when some class cell towards (or
        // from) a selected pod other than `x` itself is open.
        let selected = self.selected(pol);
        let mut by_class: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for &q in &selected {
            if let Some(&cq) = self.reach.pod_class.get(q) {
                by_class.entry(cq).or_default().push(q);
            }
        }
        let connects: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&x| {
                let Some(&cx) = self.reach.pod_class.get(x) else {
                    return false;
                };
                by_class.iter().any(|(&cq, qs)| {
                    let (src, dst) = match dir {
                        Direction::Ingress => (cx, cq),
                        Direction::Egress => (cq, cx),
                    };
                    qs.iter().any(|&q| q != x) && !self.reach.class_to_class(src, dst).is_empty()
                })
            })
            .collect();
        let exposed: Vec<usize> = connects
            .iter()
            .copied()
            .filter(|&p| self.reachable_from_outside(p))
            .collect();
        let names = |pods: &[usize]| self.workload_list(pods, 6);
        let (severity, rating) = if idx.is_empty() {
            (
                Severity::Low,
                "Rated low: today the OR form admits no pod the AND form would not; it will once a matching pod or namespace is added.".to_string(),
            )
        } else if connects.is_empty() {
            (
                Severity::Low,
                format!(
                    "Rated low: the OR form admits {}, but no connection it admits is open today (another policy stops it); the rule stays wider than meant.",
                    names(&idx)
                ),
            )
        } else if dir == Direction::Ingress && !exposed.is_empty() {
            (
                Severity::High,
                format!(
                    "Rated high: the pods this policy protects are one hop from outside the cluster, because {} (which only the OR form admits) {} connections from external addresses and reach{} them; compromising {} is enough.",
                    names(&exposed),
                    if exposed.len() == 1 { "accepts" } else { "accept" },
                    if exposed.len() == 1 { "es" } else { "" },
                    if exposed.len() == 1 { "it" } else { "one of them" },
                ),
            )
        } else if dir == Direction::Ingress {
            (
                Severity::Medium,
                format!(
                    "Rated medium: {} (only the OR form admits {}) can connect to the pods this policy protects, though none is reachable from outside the cluster.",
                    names(&connects),
                    if connects.len() == 1 { "it" } else { "them" },
                ),
            )
        } else {
            (
                Severity::Medium,
                format!(
                    "Rated medium: the pods this policy selects can connect to {}, which only the OR form lets them reach.",
                    names(&connects)
                ),
            )
        };
        why.push(' ');
        why.push_str(&rating);
        why.push_str(" This is a heuristic: if the OR is intended, split it into two rules or comment it so the next reader knows.");
        let mut lines = vec![format!(
            "# {}: spec.{}[{i}], AND form (one peer, both selectors)",
            pol.id(),
            dir.as_str()
        )];
        let peer_blocks: Vec<Vec<String>> = and_peers.iter().map(peer_lines).collect();
        lines.extend(rule_lines(dir, Some(&peer_blocks), rule.ports.as_deref()));
        let fix = format!(
            "If the intent is pods matching the podSelector inside the namespaces matching the namespaceSelector, make them one peer (no dash before `podSelector`):\n\n{}",
            join_lines(&lines)
        );
        self.push(
            "BR009",
            severity,
            title,
            // The rule (its title names the two peers).
            vec![Self::rule_loc(pol, dir, i)],
            why,
            fix,
        );
    }
}

impl Auditor<'_> {
    /// Whether some external address may open a connection to pod `p`
    /// (SEM-9: its ingress alone decides).
    fn reachable_from_outside(&self, p: usize) -> bool {
        let Some(&c) = self.reach.pod_class.get(p) else {
            return false;
        };
        (0..self.reach.ext_src.len()).any(|x| !self.reach.ext_to_class(x, c).is_empty())
    }
}

/// First peer with only a namespaceSelector and first with only a podSelector.
pub(super) fn and_or_pair(peers: &[Peer]) -> Option<(usize, usize)> {
    let j = peers.iter().position(|p| {
        matches!(
            p,
            Peer::Pods {
                namespaces: Some(_),
                pods: None
            }
        )
    })?;
    let k = peers.iter().position(|p| {
        matches!(
            p,
            Peer::Pods {
                namespaces: None,
                pods: Some(_)
            }
        )
    })?;
    Some((j, k))
}
