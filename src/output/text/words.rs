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

/// An exfiltration range as a person reads it: the whole family says so.
pub fn range_words(range: &str) -> String {
    match range {
        "0.0.0.0/0" => "0.0.0.0/0 (every IPv4 address)".into(),
        "::/0" => "::/0 (every IPv6 address)".into(),
        r => r.into(),
    }
}

/// The "newly reached" cell of a hop, never empty: the workloads first
/// reached, then those with more pods reached (`quote` wraps each name,
/// e.g. in backticks for Markdown).
pub fn newly_reached(h: &crate::attack::simulate::HopStat, quote: &str) -> String {
    let q = |w: &String| format!("{quote}{w}{quote}");
    let mut parts: Vec<String> = h.new_workloads.iter().map(q).collect();
    if !h.more_of.is_empty() {
        let more: Vec<String> = h.more_of.iter().map(q).collect();
        parts.push(format!("more pods of {}", more.join(", ")));
    }
    if parts.is_empty() {
        return "nothing new".into();
    }
    parts.join(", ")
}

/// The cells of one hop-table row, in the tables' column order (hop, new
/// pods, pods, % cluster, workloads, namespaces, newly reached): the one
/// row builder of the Markdown table and the HTML page. `newly` is the
/// last cell, already quoted and cut for its format.
pub fn hop_cells(h: &crate::attack::simulate::HopStat, newly: String) -> [String; 7] {
    [
        h.hop.to_string(),
        crate::util::text::thousands(h.new_pods),
        crate::util::text::thousands(h.pods),
        format!("{:.1}%", h.fraction * 100.0),
        crate::util::text::thousands(h.workloads),
        crate::util::text::thousands(h.namespaces),
        newly,
    ]
}
