//! BR004: workloads that no NetworkPolicy selects, open in both directions.

use super::fixes::{
    dns_peer, dns_ports, peer_lines, placeholder_peer_lines, placeholder_selector, policy_doc,
    rule_lines,
};
use super::{plural, workload_object, Auditor, Severity};
use crate::model::ports::Protocol;
use crate::model::selector::Selector;
use crate::model::{
    ContainerPort, Direction, Peer, PortRef, PortSpec, WorkloadRef, CONTROLLER_LABELS,
};
use std::collections::BTreeMap;

impl Auditor<'_> {
    pub(super) fn unprotected(&mut self) {
        // Every policy applies in at least one direction (SEM-5), so "selected
        // by no policy" is "isolated in neither direction".
        let mut by_workload: BTreeMap<WorkloadRef, Vec<usize>> = BTreeMap::new();
        for (i, p) in self.c.pods.iter().enumerate() {
            if !p.host_network
                && !self.guarded(i, Direction::Ingress)
                && !self.guarded(i, Direction::Egress)
            {
                by_workload.entry(p.workload.clone()).or_default().push(i);
            }
        }
        for (w, pods) in by_workload {
            let obj = workload_object(&w);
            let Some(rep) = pods.first().and_then(|&i| self.pod(i)) else {
                continue;
            };
            // What the workload's pods share, without the labels their
            // controllers stamp on (a selector on `pod-template-hash` breaks
            // at the next rollout).
            let mut shared = rep.labels.clone();
            for p in pods.iter().filter_map(|&i| self.pod(i)) {
                shared.retain(|k, v| p.labels.get(k) == Some(v));
            }
            shared.retain(|k, _| !CONTROLLER_LABELS.contains(&k.as_str()));
            let labels = Selector {
                match_labels: shared,
                requirements: Vec::new(),
            };
            let n = self.replicas(&pods);
            let title = format!("{obj} is selected by no NetworkPolicy: open in both directions");
            let why = format!(
                "No policy in namespace `{}` selects its pods (labels {}), so they are isolated neither for ingress nor for egress (SEM-3, SEM-4): anything may connect to its {n} pod{} on any port, and {} may connect anywhere, external addresses included. If one is compromised it is a free pivot.",
                w.namespace,
                labels,
                plural(n as usize),
                if n == 1 { "it" } else { "they" }
            );
            let selector = if labels.match_labels.is_empty() {
                placeholder_selector(&[("app", "<label this workload>")])
            } else {
                labels
            };
            let ingress_ports: Vec<PortSpec> = declared_ports(&rep.ports);
            let ports_or_all = if ingress_ports.is_empty() {
                None
            } else {
                Some(ingress_ports.as_slice())
            };
            // A DNS server (CoreDNS) serves every pod and needs its
            // upstream resolvers and the API server: a fix that allowed it
            // DNS to itself only would break name resolution cluster-wide.
            let dns_server = rep.ports.iter().any(|p| p.port == 53)
                || rep.labels.get("k8s-app").is_some_and(|v| v == "kube-dns");
            let (ingress, egress, intro) = if dns_server {
                let every_pod = Peer::Pods {
                    namespaces: Some(Selector::default()),
                    pods: None,
                };
                let anywhere = vec!["ipBlock:".to_string(), "  cidr: 0.0.0.0/0".to_string()];
                let tcp = |port| PortSpec {
                    protocol: Protocol::Tcp,
                    port: PortRef::Range(port, port),
                };
                let upstream = rule_lines(
                    Direction::Egress,
                    Some(std::slice::from_ref(&anywhere)),
                    Some(&dns_ports()),
                );
                let api = rule_lines(
                    Direction::Egress,
                    Some(std::slice::from_ref(&anywhere)),
                    Some(&[tcp(443), tcp(6443)]),
                );
                let mut egress = vec!["egress:".to_string()];
                egress.push("  # its upstream resolvers (`forward . /etc/resolv.conf`): narrow the cidr to their addresses".into());
                egress.extend(upstream.into_iter().skip(1));
                egress.push("  # the API server, which it watches for Services and EndpointSlices: narrow the cidr to its address".into());
                egress.extend(api.into_iter().skip(1));
                (
                    rule_lines(
                        Direction::Ingress,
                        Some(&[peer_lines(&every_pod)]),
                        ports_or_all,
                    ),
                    egress,
                    "It serves DNS, so select it with a policy for both directions that keeps it working: every pod on the ports it declares, and on the way out its upstream resolvers on 53 and the API server on 443/6443 (nothing else):",
                )
            } else {
                (
                    rule_lines(
                        Direction::Ingress,
                        Some(&[placeholder_peer_lines(true)]),
                        ports_or_all,
                    ),
                    rule_lines(
                        Direction::Egress,
                        Some(&[peer_lines(&dns_peer())]),
                        Some(&dns_ports()),
                    ),
                    "Select it with a policy for both directions that allows only what it needs: its clients on the ports it declares, and DNS plus its real destinations on the way out:",
                )
            };
            let fix = format!(
                "{intro}\n\n{}",
                policy_doc(
                    &w.name,
                    &w.namespace,
                    &selector,
                    &["Ingress", "Egress"],
                    Some(ingress),
                    Some(egress)
                )
            );
            let objects = self.workload_locs(&pods);
            self.push("BR004", Severity::High, title, objects, why, fix);
        }
    }
}

/// Declared container ports as ingress port entries (by number, sorted).
fn declared_ports(ports: &[ContainerPort]) -> Vec<PortSpec> {
    let mut v: Vec<(Protocol, u16)> = ports.iter().map(|p| (p.protocol, p.port)).collect();
    v.sort();
    v.dedup();
    v.into_iter()
        .map(|(protocol, p)| PortSpec {
            protocol,
            port: PortRef::Range(p, p),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::engine::reach::{ReachOptions, Reachability};
    use crate::input::{load_str, LoadOptions};

    #[test]
    fn the_fix_selects_what_the_pods_share_without_controller_labels() {
        // Two live pods of one StatefulSet: `app` is shared; the pod-name
        // and revision labels are stamped per pod by the controller.
        let pod = |i: usize| {
            format!("---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: db-{i}\n  namespace: 'n'\n  labels: {{app: db, controller-revision-hash: db-6d4f, statefulset.kubernetes.io/pod-name: db-{i}}}\n  ownerReferences: [{{apiVersion: apps/v1, kind: StatefulSet, name: db, uid: u, controller: true}}]\nspec: {{containers: [{{name: c, image: i}}]}}\n")
        };
        let c = load_str("t.yaml", &(pod(0) + &pod(1)), &LoadOptions::default()).unwrap();
        let r = Reachability::compile(&c, &ReachOptions::default());
        let f = super::super::audit(&c, &r);
        let br004 = f.iter().find(|f| f.id == "BR004").expect("BR004");
        assert!(
            br004
                .fix
                .contains("matchLabels:\n      app: db\n  policyTypes"),
            "{}",
            br004.fix
        );
        assert!(!br004.fix.contains("revision"), "{}", br004.fix);
    }
}
