//! BR003: workloads that live in the `default` namespace.

use super::{list, plural, Auditor, Severity};

impl Auditor<'_> {
    pub(super) fn default_namespace(&mut self) {
        let pods: Vec<usize> = self
            .c
            .pods
            .iter()
            .enumerate()
            .filter(|(_, p)| p.namespace == "default")
            .map(|(i, _)| i)
            .collect();
        if pods.is_empty() {
            return;
        }
        let names = self.workload_names(&pods);
        let n = names.len();
        let title = format!(
            "{n} workload{} run{} in the default namespace",
            plural(n),
            if n == 1 { "s" } else { "" }
        );
        let why = format!(
            "{} live{} in `default`, where every object applied without `metadata.namespace` also lands (SEM-46). Namespace-wide policies (`podSelector: {{}}`) and namespaceSelectors cannot tell these workloads apart from whatever is dropped there next, and a manifest that forgot its namespace silently joins them.",
            list(&names, 8),
            if n == 1 { "s" } else { "" }
        );
        let fix = format!(
            "Move them into a dedicated namespace per application and set `metadata.namespace` in their manifests (and in the policies that govern them), then give that namespace a default-deny baseline:\n\n{}",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: <application>\n"
        );
        let objects = self.workload_locs(&pods);
        self.push("BR003", Severity::Low, title, objects, why, fix);
    }
}
