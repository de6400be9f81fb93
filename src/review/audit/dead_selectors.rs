//! BR006: policy podSelectors and peers that match no loaded pod.

use super::and_or::and_or_pair;
use super::{list, plural, Auditor, Severity};
use crate::engine::explain::describe_peer;
use crate::model::selector::{Labels, Requirement, Selector};
use crate::model::{Direction, Peer, Pod, Policy, Rule, NS_NAME_LABEL};
use std::collections::BTreeSet;

impl Auditor<'_> {
    pub(super) fn dead_selectors(&mut self) {
        for pol in &self.c.policies {
            if self.selected(pol).is_empty() {
                self.dead_policy(pol);
            }
            for dir in [Direction::Ingress, Direction::Egress] {
                for (i, rule) in pol.rules(dir).unwrap_or(&[]).iter().enumerate() {
                    for (j, peer) in rule.peers.iter().flatten().enumerate() {
                        let stand_in = self
                            .dns_stand_in
                            .as_ref()
                            .is_some_and(|d| self.peer_matches(peer, &pol.namespace, d));
                        if matches!(peer, Peer::Pods { .. })
                            && !stand_in
                            && !self
                                .any_pod_matching(Some(std::slice::from_ref(peer)), &pol.namespace)
                        {
                            self.dead_peer(pol, dir, i, rule, j, peer);
                        }
                    }
                }
            }
        }
    }

    fn dead_policy(&mut self, pol: &Policy) {
        let ns = &pol.namespace;
        let in_ns: Vec<&Pod> = self.c.pods.iter().filter(|p| &p.namespace == ns).collect();
        let title = format!(
            "{} spec.podSelector ({}) selects no pod",
            pol.id(),
            pol.pod_selector
        );
        let mut why = format!(
            "The policy governs no pod in namespace `{ns}`, so it isolates nothing and its rules have no effect (SEM-1, SEM-64). Usually a label typo, a policy applied to the wrong namespace, or workloads missing from the inputs."
        );
        if in_ns.is_empty() {
            why.push_str(&format!(
                " No pod of `{ns}` is among the inputs: load its workloads to check the policy."
            ));
        } else if in_ns
            .iter()
            .any(|p| p.host_network && pol.pod_selector.matches(&p.labels))
        {
            why.push_str(
                " It matches hostNetwork pods only, which policies do not govern (SEM-49).",
            );
        } else {
            why.push_str(&label_hints(
                &pol.pod_selector,
                in_ns.iter().map(|p| &p.labels),
                &format!("pods of `{ns}`"),
            ));
        }
        let fix = format!(
            "Set `spec.podSelector` to labels the intended pods carry (check with `kubectl get pods -n {ns} --show-labels`), or delete the policy if those pods are gone."
        );
        self.push(
            "BR006",
            Severity::Low,
            title,
            vec![Self::policy_loc(pol)],
            why,
            fix,
        );
    }

    fn dead_peer(
        &mut self,
        pol: &Policy,
        dir: Direction,
        i: usize,
        rule: &Rule,
        j: usize,
        peer: &Peer,
    ) {
        let Peer::Pods { namespaces, pods } = peer else {
            return;
        };
        let at = format!("{}[{i}].{}[{j}]", dir.as_str(), dir.peers_field());
        let title = format!(
            "{} {at} matches no pod: {}",
            pol.id(),
            describe_peer(peer, &pol.namespace)
        );
        // Which namespaces the peer looks in, and whether any of them has pods.
        let nss: Vec<&str> = match namespaces {
            None => vec![pol.namespace.as_str()],
            Some(sel) => self
                .c
                .namespaces
                .iter()
                .filter(|n| sel.matches(&n.labels))
                .map(|n| n.name.as_str())
                .collect(),
        };
        let pods_there: Vec<&Pod> = self
            .c
            .pods
            .iter()
            .filter(|p| !p.host_network && nss.contains(&p.namespace.as_str()))
            .collect();
        let named_ns: Vec<String> = namespaces.as_ref().map_or(Vec::new(), names_selected);
        let mut severity = Severity::Medium;
        let mut why = String::from("The peer admits nothing today, so the rule does not allow the flow it was written for; and it starts admitting whatever later gets these labels.");
        // `nss` is empty only for a namespaceSelector that matches no namespace.
        if let Some(sel) = namespaces.as_ref().filter(|_| nss.is_empty()) {
            if named_ns.is_empty() {
                why.push_str(&format!(
                    " Its namespaceSelector ({sel}) matches no namespace."
                ));
                why.push_str(&label_hints(
                    sel,
                    self.c.namespaces.iter().map(|n| &n.labels),
                    "namespaces",
                ));
            } else {
                severity = Severity::Low;
                why.push_str(&format!(
                    " It names namespace{} {} by `{NS_NAME_LABEL}`, which {} not among the inputs: load {} manifests to check this peer (low severity until then).",
                    plural(named_ns.len()),
                    named_ns.join(", "),
                    if named_ns.len() == 1 { "is" } else { "are" },
                    if named_ns.len() == 1 { "its" } else { "their" }
                ));
            }
        } else if pods_there.is_empty() {
            severity = Severity::Low;
            why.push_str(&format!(
                " No pod of {} is among the inputs: load {} workloads to check this peer (low severity until then).",
                nss.join(", "),
                if nss.len() == 1 { "its" } else { "their" }
            ));
        } else if let Some(sel) = pods {
            why.push_str(&format!(
                " Its podSelector ({sel}) matches no pod in {} {}.",
                if nss.len() == 1 {
                    "namespace"
                } else {
                    "namespaces"
                },
                list(&nss.iter().map(|s| s.to_string()).collect::<Vec<_>>(), 6)
            ));
            if namespaces.is_none() {
                why.push_str(&format!(
                    " A podSelector without namespaceSelector only looks in the policy's own namespace `{}` (SEM-16).",
                    pol.namespace
                ));
            }
            why.push_str(&label_hints(
                sel,
                pods_there.iter().map(|p| &p.labels),
                "pods there",
            ));
        }
        if and_or_pair(rule.peers.as_deref().unwrap_or(&[])).is_some() {
            why.push_str(" The rule also has the AND/OR shape of BR009: one peer with both selectors may have been meant.");
        }
        let fix = format!(
            "Correct the selectors of {} {at} (check with `kubectl get pods -A --show-labels` and `kubectl get ns --show-labels`), or remove the peer if the flow is gone.",
            pol.id(),
        );
        self.push(
            "BR006",
            severity,
            title,
            vec![Self::peer_loc(pol, dir, i, j)],
            why,
            fix,
        );
    }
}

/// Namespace names a selector pins by `kubernetes.io/metadata.name`.
fn names_selected(sel: &Selector) -> Vec<String> {
    let mut out: Vec<String> = sel
        .match_labels
        .get(NS_NAME_LABEL)
        .cloned()
        .into_iter()
        .collect();
    for r in &sel.requirements {
        if let Requirement::In(k, vs) = r {
            if k == NS_NAME_LABEL {
                out.extend(vs.iter().cloned());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// ` Values of app among pods of `shop`: api, cart.` for each selector key.
fn label_hints<'l>(sel: &Selector, labels: impl Iterator<Item = &'l Labels>, what: &str) -> String {
    let labels: Vec<&Labels> = labels.collect();
    let mut out = String::new();
    let keys: BTreeSet<&str> = sel.keys().collect();
    for key in keys {
        let vals: BTreeSet<&str> = labels
            .iter()
            .filter_map(|l| l.get(key).map(|v| v.as_str()))
            .collect();
        if vals.is_empty() {
            out.push_str(&format!(" No {what} have the label `{key}`."));
        } else {
            let vals: Vec<String> = vals.into_iter().map(str::to_string).collect();
            out.push_str(&format!(
                " Values of `{key}` among {what}: {}.",
                list(&vals, 8)
            ));
        }
    }
    out
}
