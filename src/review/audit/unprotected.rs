//! BR004: workloads that no NetworkPolicy selects, open in both directions.

use super::fixes::{
    dns_peer, dns_ports, peer_lines, placeholder_peer_lines, placeholder_selector, policy_doc,
    rule_lines,
};
use super::{plural, workload_object, Auditor, Severity};
use crate::model::ports::Protocol;
use crate::model::selector::Selector;
use crate::model::{ContainerPort, Direction, PortRef, PortSpec, WorkloadRef};
use std::collections::BTreeMap;

impl Auditor<'_> {
    pub(super) fn unprotected(&mut self) {
        // Every policy applies in at least one direction (SEM-5), so "selected
        // by no policy" is "isolated in neither direction".
        let mut by_workload: BTreeMap<WorkloadRef, Vec<usize>> = BTreeMap::new();
        for (i, p) in self.c.pods.iter().enumerate() {
            if !p.host_network
                && !self.isolated(i, Direction::Ingress)
                && !self.isolated(i, Direction::Egress)
            {
                by_workload.entry(p.workload.clone()).or_default().push(i);
            }
        }
        for (w, pods) in by_workload {
            let obj = workload_object(&w);
            let Some(rep) = pods.first().and_then(|&i| self.pod(i)) else {
                continue;
            };
            let labels = Selector {
                match_labels: rep.labels.clone(),
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
            let selector = if rep.labels.is_empty() {
                placeholder_selector(&[("app", "<label this workload>")])
            } else {
                labels
            };
            let ingress_ports: Vec<PortSpec> = declared_ports(&rep.ports);
            let ingress = rule_lines(
                Direction::Ingress,
                Some(&[placeholder_peer_lines(true)]),
                if ingress_ports.is_empty() {
                    None
                } else {
                    Some(&ingress_ports)
                },
            );
            let egress = rule_lines(
                Direction::Egress,
                Some(&[peer_lines(&dns_peer())]),
                Some(&dns_ports()),
            );
            let fix = format!(
                "Select it with a policy for both directions that allows only what it needs: its clients on the ports it declares, and DNS plus its real destinations on the way out:\n\n{}",
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
