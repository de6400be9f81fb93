//! Structure-aware fuzz target: arbitrary small clusters (namespaces, pods,
//! NetworkPolicies, AdminNetworkPolicies, BaselineAdminNetworkPolicy and
//! ClusterNetworkPolicies) written as YAML, then every command's
//! invariants:
//! - no panic anywhere (load, compile, list, explain, attack graph, ranking,
//!   audit, chokepoints);
//! - determinism: compiling and listing twice gives the same bytes;
//! - `explain` gives the matrix's verdict and ambiguity for every pod pair
//!   and for an external address.
//! The generator spends its bytes on choices (labels, selectors, actions,
//! priorities, ports), never on syntax, so nearly every input loads.
#![no_main]

use arbitrary::Unstructured;
use blastradius::attack::chokepoints::chokepoints_within;
use blastradius::attack::graph::AttackGraph;
use blastradius::attack::rank::rank_all;
use blastradius::engine::explain::{explain, Endpoint};
use blastradius::engine::reach::{ReachOptions, Reachability};
use blastradius::engine::view::{entities, ConnView, Level};
use blastradius::input::{load_str, LoadOptions};
use blastradius::output::text::connlist::connlist;
use libfuzzer_sys::fuzz_target;
use std::fmt::Write as _;

const NS: [&str; 3] = ["a", "b", "c"];
const KEYS: [&str; 3] = ["app", "tier", "team"];
const VALUES: [&str; 3] = ["x", "z", "w"];
const CIDRS: [&str; 5] = [
    "0.0.0.0/0",
    "10.0.0.0/8",
    "10.1.0.0/16",
    "192.168.0.0/16",
    "fd00::/8",
];
const IPS: [&str; 4] = ["10.1.2.3", "10.9.0.1", "192.168.1.1", "8.8.8.8"];

fn pick<'a, T>(u: &mut Unstructured, xs: &'a [T]) -> arbitrary::Result<&'a T> {
    u.choose(xs)
}

fn labels(u: &mut Unstructured) -> arbitrary::Result<String> {
    let n = u.int_in_range(0..=2)?;
    let mut v = Vec::new();
    for _ in 0..n {
        v.push(format!("{}: {}", pick(u, &KEYS)?, pick(u, &VALUES)?));
    }
    v.sort();
    v.dedup_by(|a, b| a.split(':').next() == b.split(':').next());
    Ok(format!("{{{}}}", v.join(", ")))
}

fn selector(u: &mut Unstructured) -> arbitrary::Result<String> {
    Ok(match u.int_in_range(0..=3)? {
        0 => "{}".into(),
        1 => format!("{{matchLabels: {}}}", labels(u)?),
        2 => format!(
            "{{matchExpressions: [{{key: {}, operator: In, values: [{}]}}]}}",
            pick(u, &KEYS)?,
            pick(u, &VALUES)?
        ),
        _ => format!(
            "{{matchExpressions: [{{key: {}, operator: {}}}]}}",
            pick(u, &KEYS)?,
            pick(u, &["Exists", "DoesNotExist"])?
        ),
    })
}

fn np_ports(u: &mut Unstructured) -> arbitrary::Result<String> {
    Ok(match u.int_in_range(0..=3)? {
        0 => String::new(),
        1 => format!(", ports: [{{port: {}}}]", pick(u, &[53, 80, 8080])?),
        2 => ", ports: [{port: http}]".into(),
        _ => ", ports: [{protocol: UDP, port: 53}, {port: 8000, endPort: 9000}]".into(),
    })
}

fn np_peer(u: &mut Unstructured) -> arbitrary::Result<String> {
    Ok(match u.int_in_range(0..=3)? {
        0 => format!("{{podSelector: {}}}", selector(u)?),
        1 => format!("{{namespaceSelector: {}}}", selector(u)?),
        2 => format!(
            "{{namespaceSelector: {}, podSelector: {}}}",
            selector(u)?,
            selector(u)?
        ),
        _ => format!("{{ipBlock: {{cidr: {}}}}}", pick(u, &CIDRS)?),
    })
}

fn network_policy(u: &mut Unstructured, i: usize, out: &mut String) -> arbitrary::Result<()> {
    let ns = pick(u, &NS)?;
    let _ = write!(out, "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: np{i}, namespace: {ns}}}\nspec:\n  podSelector: {}\n", selector(u)?);
    let types = *pick(u, &["[Ingress]", "[Egress]", "[Ingress, Egress]"])?;
    let _ = writeln!(out, "  policyTypes: {types}");
    for (dir, field) in [("ingress", "from"), ("egress", "to")] {
        let n = u.int_in_range(0..=2)?;
        if n == 0 {
            continue;
        }
        let _ = writeln!(out, "  {dir}:");
        for _ in 0..n {
            let _ = writeln!(out, "  - {{{field}: [{}]{}}}", np_peer(u)?, np_ports(u)?);
        }
    }
    Ok(())
}

fn cluster_policy(u: &mut Unstructured, i: usize, out: &mut String) -> arbitrary::Result<()> {
    // 0: v1alpha1 ANP, 1: v1alpha2 CNP Admin, 2: v1alpha2 CNP Baseline.
    let kind = u.int_in_range(0..=2)?;
    let v2 = kind > 0;
    let prio = u.int_in_range(0..=3)?;
    let (api, k, tier) = match kind {
        0 => ("v1alpha1", "AdminNetworkPolicy", String::new()),
        1 => (
            "v1alpha2",
            "ClusterNetworkPolicy",
            "  tier: Admin\n".to_string(),
        ),
        _ => (
            "v1alpha2",
            "ClusterNetworkPolicy",
            "  tier: Baseline\n".to_string(),
        ),
    };
    let subject = if u.arbitrary()? {
        format!("{{namespaces: {}}}", selector(u)?)
    } else {
        format!(
            "{{pods: {{namespaceSelector: {}, podSelector: {}}}}}",
            selector(u)?,
            selector(u)?
        )
    };
    let _ = write!(out, "---\napiVersion: policy.networking.k8s.io/{api}\nkind: {k}\nmetadata: {{name: cp{i}}}\nspec:\n{tier}  priority: {prio}\n  subject: {subject}\n");
    let accept = if v2 { "Accept" } else { "Allow" };
    for (dir, field) in [("ingress", "from"), ("egress", "to")] {
        let n = u.int_in_range(0..=2)?;
        if n == 0 {
            continue;
        }
        let _ = writeln!(out, "  {dir}:");
        for _ in 0..n {
            let action = *pick(u, &[accept, "Deny", "Pass"])?;
            let peer = match u.int_in_range(0..=3)? {
                0 => format!("{{namespaces: {}}}", selector(u)?),
                1 => format!(
                    "{{pods: {{namespaceSelector: {}, podSelector: {}}}}}",
                    selector(u)?,
                    selector(u)?
                ),
                2 if dir == "egress" => format!("{{networks: [{}]}}", pick(u, &CIDRS)?),
                3 if dir == "egress" => format!("{{nodes: {}}}", selector(u)?),
                _ => "{namespaces: {}}".into(),
            };
            let ports = match (u.int_in_range(0..=2)?, v2) {
                (0, _) => String::new(),
                (1, false) => format!(
                    ", ports: [{{portNumber: {{port: {}}}}}]",
                    pick(u, &[53, 80, 8080])?
                ),
                (1, true) => format!(
                    ", protocols: [{{tcp: {{destinationPort: {{number: {}}}}}}}]",
                    pick(u, &[53, 80, 8080])?
                ),
                (_, false) => ", ports: [{namedPort: http}]".into(),
                (_, true) => ", protocols: [{destinationNamedPort: http}]".into(),
            };
            let _ = writeln!(out, "  - {{action: {action}, {field}: [{peer}]{ports}}}");
        }
    }
    Ok(())
}

fn cluster(u: &mut Unstructured) -> arbitrary::Result<String> {
    let mut y = String::new();
    for ns in NS {
        let _ = write!(
            y,
            "---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}, labels: {}}}\n",
            labels(u)?
        );
    }
    let _ = write!(y, "---\napiVersion: v1\nkind: Node\nmetadata: {{name: n1, labels: {}}}\nstatus: {{addresses: [{{type: InternalIP, address: 10.9.0.1}}]}}\n", labels(u)?);
    for i in 0..u.int_in_range(1..=6)? {
        let host = u.ratio(1, 8)?;
        let ip = if u.arbitrary()? {
            format!(
                "\nstatus: {{podIP: {ip}, podIPs: [{{ip: {ip}}}]}}",
                ip = pick(u, &IPS)?
            )
        } else {
            String::new()
        };
        let _ = write!(y, "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: {}, labels: {}}}\nspec:\n  hostNetwork: {host}\n  containers: [{{name: c, image: x, ports: [{{name: http, containerPort: {}}}, {{name: dns, containerPort: 53, protocol: UDP}}]}}]{ip}\n", pick(u, &NS)?, labels(u)?, pick(u, &[80, 8080])?);
    }
    for i in 0..u.int_in_range(0..=3)? {
        network_policy(u, i, &mut y)?;
    }
    for i in 0..u.int_in_range(0..=3)? {
        cluster_policy(u, i, &mut y)?;
    }
    if u.ratio(1, 3)? {
        let _ = write!(y, "---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {{name: default}}\nspec:\n  subject: {{namespaces: {}}}\n  ingress: [{{action: Deny, from: [{{namespaces: {}}}]}}]\n", selector(u)?, selector(u)?);
    }
    Ok(y)
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(text) = cluster(&mut u) else {
        return;
    };
    let ipblock_pods = data.first().is_some_and(|b| b & 1 == 1);
    let Ok(c) = load_str("fuzz", &text, &LoadOptions::default()) else {
        return;
    };
    let opts = ReachOptions { ipblock_pods };
    let r = Reachability::compile(&c, &opts);
    // Determinism: the same input gives the same bytes.
    let list = connlist(&ConnView::build(&c, &r, Level::Workload));
    let again = Reachability::compile(&c, &opts);
    assert_eq!(
        list,
        connlist(&ConnView::build(&c, &again, Level::Workload)),
        "{text}"
    );
    // explain agrees with the matrix, verdict and ambiguity.
    let n = c.pods.len();
    for s in 0..n {
        for d in 0..n {
            let e = explain(
                &c,
                &opts,
                &Endpoint::Pod(s, String::new()),
                &Endpoint::Pod(d, String::new()),
            );
            assert_eq!(e.allowed, r.pod_to_pod(s, d), "{s} -> {d}\n{text}");
            assert_eq!(
                e.ambiguous,
                r.ambiguous_pod_to_pod(s, d),
                "{s} -> {d}\n{text}"
            );
        }
        let ip = "10.9.0.1".parse().unwrap();
        let e = explain(
            &c,
            &opts,
            &Endpoint::Pod(s, String::new()),
            &Endpoint::Ip(ip),
        );
        assert_eq!(e.allowed, r.pod_to_ip(s, ip), "{s} -> ip\n{text}");
    }
    let g = AttackGraph::build(&c, &r, &Default::default());
    let ents = entities(&c, &r, Level::Workload);
    let _ = std::hint::black_box(rank_all(&g, &ents));
    let _ = std::hint::black_box(blastradius::review::audit::audit(&c, &r));
    let starts: Vec<usize> = (0..n).collect();
    let _ = std::hint::black_box(chokepoints_within(&g, &starts, &[], 5, 1_000_000));
});
