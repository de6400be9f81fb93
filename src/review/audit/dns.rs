//! BR008: egress isolation without a DNS allowance to kube-system.

use super::fixes::allow_dns_doc;
use super::{list, plural, Auditor, Severity};
use crate::model::ports::Protocol;
use crate::model::selector::{Labels, Selector};
use crate::model::{ContainerPort, Direction, Origin, Pod, WorkloadRef};
use std::collections::{BTreeMap, BTreeSet};

impl Auditor<'_> {
    pub(super) fn dns(&mut self) {
        let targets: Vec<&Pod> = match &self.dns_stand_in {
            Some(d) => vec![d],
            None => self
                .c
                .pods
                .iter()
                .filter(|p| p.namespace == "kube-system" && !p.host_network)
                .collect(),
        };
        let mut affected: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        // Policy selection is a class property: decide once per class.
        let mut by_class: BTreeMap<usize, bool> = BTreeMap::new();
        for (ns, pods) in self.pods_by_namespace() {
            for i in pods {
                if !self.isolated(i, Direction::Egress) {
                    continue;
                }
                let Some(pod) = self.pod(i) else {
                    continue;
                };
                let class = self
                    .reach
                    .pod_class
                    .get(i)
                    .filter(|_| self.classes_usable());
                let allowed = match class {
                    Some(&class) => *by_class
                        .entry(class)
                        .or_insert_with(|| self.dns_allowed(pod, &targets)),
                    None => self.dns_allowed(pod, &targets),
                };
                if !allowed {
                    affected.entry(ns).or_default().push(i);
                }
            }
        }
        let assumed = if self.dns_stand_in.is_some() {
            " No pod of kube-system is among the inputs, so the check used a standard CoreDNS pod (k8s-app=kube-dns in kube-system, 53/UDP and 53/TCP)."
        } else {
            ""
        };
        for (ns, pods) in affected {
            let names = self.workload_names(&pods);
            let n = names.len();
            let policies: BTreeSet<String> = self
                .c
                .policies
                .iter()
                .filter(|pol| {
                    pol.egress.is_some()
                        && pods
                            .iter()
                            .filter_map(|&i| self.pod(i))
                            .any(|p| self.selects(pol, p))
                })
                .map(|pol| pol.id())
                .collect();
            let all_isolated = self.c.pods.iter().enumerate().all(|(i, p)| {
                p.namespace != ns || p.host_network || self.isolated(i, Direction::Egress)
            });
            let title = format!(
                "{n} workload{} in namespace {ns} cannot resolve names: egress allows no DNS (53/UDP, 53/TCP) to kube-system",
                plural(n)
            );
            let why = format!(
                "{} {} isolated for egress by {}, whose rules allow neither 53/UDP nor 53/TCP towards the cluster DNS pods in kube-system.{assumed} Every lookup of a Service name times out, so most connections fail before they start: too little access, name resolution breaks.",
                list(&names, 8),
                if n == 1 { "is" } else { "are" },
                list(&policies.into_iter().collect::<Vec<_>>(), 6)
            );
            // A `podSelector: {}` allow-dns would also isolate for egress the
            // pods of the namespace that are not isolated yet: only use it when
            // every pod already is. Otherwise reuse the selectors of the
            // egress policies that isolate the affected pods.
            let fix = if all_isolated {
                format!(
                    "Allow DNS to the cluster DNS pods for the whole namespace (every pod of `{ns}` is isolated for egress already, so this isolates nothing new):\n\n{}",
                    allow_dns_doc("allow-dns", ns, &Selector::everything())
                )
            } else {
                let mut sels: Vec<Selector> = Vec::new();
                for pol in &self.c.policies {
                    if pol.egress.is_some()
                        && pods
                            .iter()
                            .filter_map(|&i| self.pod(i))
                            .any(|p| self.selects(pol, p))
                        && !sels.contains(&pol.pod_selector)
                    {
                        sels.push(pol.pod_selector.clone());
                    }
                }
                let docs: Vec<String> = sels
                    .iter()
                    .enumerate()
                    .map(|(x, s)| {
                        let name = if x == 0 {
                            "allow-dns".to_string()
                        } else {
                            format!("allow-dns-{}", x + 1)
                        };
                        allow_dns_doc(&name, ns, s)
                    })
                    .collect();
                format!(
                    "Allow DNS to the cluster DNS pods for the pods that are isolated for egress (same podSelector as the policies that isolate them; `podSelector: {{}}` would also isolate the other pods of `{ns}` for egress):\n\n{}",
                    docs.join("---\n")
                )
            };
            let objects = self.workload_locs(&pods);
            self.push("BR008", Severity::High, title, objects, why, fix);
        }
    }
}

/// The usual CoreDNS deployment, used when kube-system is not loaded.
pub(super) fn standard_dns_pod() -> Pod {
    let mut labels = Labels::new();
    labels.insert("k8s-app".into(), "kube-dns".into());
    Pod {
        namespace: "kube-system".into(),
        name: "coredns".into(),
        labels,
        ports: vec![
            ContainerPort {
                name: Some("dns".into()),
                port: 53,
                protocol: Protocol::Udp,
            },
            ContainerPort {
                name: Some("dns-tcp".into()),
                port: 53,
                protocol: Protocol::Tcp,
            },
        ],
        ips: Vec::new(),
        host_network: false,
        exploitability: None,
        replicas: 1,
        workload: WorkloadRef {
            namespace: "kube-system".into(),
            name: "coredns".into(),
            kind: "Deployment".into(),
        },
        origin: Origin::default(),
    }
}
