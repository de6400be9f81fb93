//! BR001, BR002: namespaces without a default-deny baseline for ingress or egress.

use super::fixes::{allow_dns_doc, policy_doc};
use super::{list, plural, Auditor, Severity};
use crate::model::selector::Selector;
use crate::model::Direction;
use std::collections::BTreeSet;

impl Auditor<'_> {
    pub(super) fn default_deny(&mut self, dir: Direction) {
        for (ns, pods) in self.pods_by_namespace() {
            let open: Vec<usize> = pods
                .iter()
                .copied()
                .filter(|&i| !self.guarded(i, dir))
                .collect();
            if open.is_empty() {
                continue;
            }
            let total = self.workloads(&pods).len();
            let names = self.workload_names(&open);
            let mut objects = vec![self.namespace_loc(ns)];
            objects.extend(self.workload_locs(&open));
            let governed: BTreeSet<String> = self
                .c
                .policies
                .iter()
                .filter(|p| p.namespace == ns && p.rules(dir).is_some())
                .map(|p| p.id())
                .collect();
            let others = if governed.is_empty() {
                format!(" No policy in `{ns}` applies to {}.", dir.as_str())
            } else {
                format!(
                    " The {} policies of `{ns}` ({}) select only some of its pods.",
                    dir.as_str(),
                    list(&governed.into_iter().collect::<Vec<_>>(), 6)
                )
            };
            let k = names.len();
            let listed = list(&names, 8);
            let (it_is, them) = if k == 1 {
                ("it is", "it")
            } else {
                ("they are", "them")
            };
            let all = Selector::everything();
            let (id, sev, title, why, fix) = if dir == Direction::Ingress {
                let title = format!(
                    "namespace {ns} has no default-deny ingress: {k} of {total} workload{} accept{} connections from any source",
                    plural(total),
                    if k == 1 { "s" } else { "" }
                );
                let why = format!(
                    "No NetworkPolicy selects {listed} for ingress, so {it_is} not isolated (SEM-3, SEM-4): every pod of every namespace, and every external address that can route to {them}, may connect on any port and protocol.{others} A policy with `podSelector: {{}}` and `policyTypes: [Ingress]` makes deny the default for the whole namespace, including workloads added later."
                );
                let deny = policy_doc("default-deny-ingress", ns, &all, &["Ingress"], None, None);
                let fix = format!(
                    "Add a default-deny ingress policy to `{ns}`, together with allow policies for the connections these workloads must accept (they lose every other one):\n\n{deny}"
                );
                ("BR001", Severity::High, title, why, fix)
            } else {
                let title = format!(
                    "namespace {ns} has no default-deny egress: {k} of {total} workload{} may connect to any destination",
                    plural(total)
                );
                let they = if k == 1 { "it" } else { "they" };
                let why = format!(
                    "No NetworkPolicy selects {listed} for egress, so {it_is} not isolated (SEM-3, SEM-4): {they} may open connections to every pod of every namespace and to every external address, on any port. A compromised pod there can reach the whole cluster and exfiltrate freely.{others} A policy with `podSelector: {{}}` and `policyTypes: [Egress]` makes deny the default; it must come with a DNS allowance (see BR008)."
                );
                let deny = policy_doc("default-deny-egress", ns, &all, &["Egress"], None, None);
                let dns = allow_dns_doc("allow-dns", ns, &all);
                let fix = format!(
                    "Add a default-deny egress policy and a DNS allowance to `{ns}`, then allow the destinations these workloads need:\n\n{deny}---\n{dns}"
                );
                ("BR002", Severity::Medium, title, why, fix)
            };
            self.push(id, sev, title, objects, why, fix);
        }
    }
}
