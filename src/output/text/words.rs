//! Phrases shared by the text, Markdown and HTML outputs: the assumptions and hop counts.

/// The attacker model and the implementation choices, printed in reports.
pub const ASSUMPTIONS: [&str; 7] = [
    "An attacker holding a pod can open every connection the policies allow from it; reaching a pod on an allowed port compromises it; compromise spreads in hops until nothing new is reached (or --max-hops).",
    "A compromised workload starts with one pod held; its other replicas count as reached at hop 1 if the policies let replicas reach each other.",
    "Pods may listen on ports they do not declare, so every allowed port counts unless --ports-listening-only is given.",
    "Only NetworkPolicy (networking.k8s.io/v1) is modelled: no AdminNetworkPolicy, service mesh, or host firewall. A pod always reaches itself.",
    "hostNetwork pods are not selected by any selector (most plugins); pods in phase Succeeded/Failed take no part.",
    "Workload templates stand for `replicas` identical pods; a DaemonSet counts as one pod (the node count is unknown).",
    "Traffic from a pod's own node (kubelet probes) is always allowed and not shown.",
];

/// `1 hop`, `3 hops`, `- hops` when unknown.
pub fn hops_words(h: Option<usize>) -> String {
    match h {
        Some(1) => "1 hop".into(),
        Some(n) => format!("{n} hops"),
        None => "an uncounted number of hops".into(),
    }
}
