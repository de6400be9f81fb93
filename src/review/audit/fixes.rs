//! YAML builders for the fixes: selectors, peers, ports, rules and whole
//! NetworkPolicy documents as text lines.

use crate::model::ports::Protocol;
use crate::model::selector::{Requirement, Selector};
use crate::model::{Direction, Peer, PortRef, PortSpec, NS_NAME_LABEL};

pub(super) fn dns_peer() -> Peer {
    Peer::Pods {
        namespaces: Some(placeholder_selector(&[(NS_NAME_LABEL, "kube-system")])),
        pods: Some(placeholder_selector(&[("k8s-app", "kube-dns")])),
    }
}

pub(super) fn dns_ports() -> Vec<PortSpec> {
    vec![
        PortSpec {
            protocol: Protocol::Udp,
            port: PortRef::Range(53, 53),
        },
        PortSpec {
            protocol: Protocol::Tcp,
            port: PortRef::Range(53, 53),
        },
    ]
}

pub(super) fn placeholder_selector(kv: &[(&str, &str)]) -> Selector {
    Selector {
        match_labels: kv
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        requirements: Vec::new(),
    }
}

/// `namespaceSelector` (optional) AND `podSelector` with placeholders.
pub(super) fn placeholder_peer_lines(with_namespace: bool) -> Vec<String> {
    let peer = Peer::Pods {
        namespaces: with_namespace.then(|| placeholder_selector(&[(NS_NAME_LABEL, "<namespace>")])),
        pods: Some(placeholder_selector(&[("app", "<app>")])),
    };
    peer_lines(&peer)
}

/// A label value or key as a YAML scalar, quoted when YAML would read it as
/// something other than a string (SEM-43).
pub(super) fn yaml_scalar(s: &str) -> String {
    let special = [
        "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "yes",
        "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N",
    ];
    let numeric = s.parse::<f64>().is_ok()
        || s.starts_with("0x")
        || s.starts_with("0o")
        || s.starts_with('.')
        || s.starts_with('+');
    let indicator = s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c));
    if special.contains(&s) || numeric || indicator || s.contains(": ") || s.contains(" #") {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        s.to_string()
    }
}

pub(super) fn selector_lines(key: &str, sel: &Selector) -> Vec<String> {
    if sel.is_empty() {
        return vec![format!("{key}: {{}}")];
    }
    let mut out = vec![format!("{key}:")];
    if !sel.match_labels.is_empty() {
        out.push("  matchLabels:".into());
        for (k, v) in &sel.match_labels {
            out.push(format!("    {}: {}", yaml_scalar(k), yaml_scalar(v)));
        }
    }
    if !sel.requirements.is_empty() {
        out.push("  matchExpressions:".into());
        for r in &sel.requirements {
            let (op, vals) = match r {
                Requirement::In(_, v) => ("In", Some(v)),
                Requirement::NotIn(_, v) => ("NotIn", Some(v)),
                Requirement::Exists(_) => ("Exists", None),
                Requirement::DoesNotExist(_) => ("DoesNotExist", None),
            };
            out.push(format!("    - key: {}", yaml_scalar(r.key())));
            out.push(format!("      operator: {op}"));
            if let Some(vs) = vals {
                let vs: Vec<String> = vs.iter().map(|v| yaml_scalar(v)).collect();
                out.push(format!("      values: [{}]", vs.join(", ")));
            }
        }
    }
    out
}

/// A peer's keys at column 0 (the caller makes it a list item).
pub(super) fn peer_lines(p: &Peer) -> Vec<String> {
    match p {
        Peer::Pods { namespaces, pods } => {
            let mut out = Vec::new();
            if let Some(ns) = namespaces {
                out.extend(selector_lines("namespaceSelector", ns));
            }
            if let Some(ps) = pods {
                out.extend(selector_lines("podSelector", ps));
            }
            out
        }
        Peer::IpBlock(b) => {
            let mut out = vec!["ipBlock:".to_string(), format!("  cidr: {}", b.cidr)];
            if !b.except.is_empty() {
                out.push("  except:".into());
                out.extend(b.except.iter().map(|e| format!("    - {e}")));
            }
            out
        }
        Peer::Nodes { selector, .. } => selector_lines("nodes", selector),
        Peer::DomainNames(names) => std::iter::once("domainNames:".to_string())
            .chain(names.iter().map(|n| format!("  - {n}")))
            .collect(),
    }
}

/// Port entries; `PortRef::Range(0, 0)` stands for a `<port>` placeholder.
pub(super) fn port_lines(ports: &[PortSpec]) -> Vec<String> {
    let mut out = Vec::new();
    for p in ports {
        out.push(format!("- protocol: {}", p.protocol));
        match &p.port {
            PortRef::Any => {}
            PortRef::Range(0, 0) => out.push("  port: <port>".into()),
            PortRef::Range(lo, hi) if lo == hi => out.push(format!("  port: {lo}")),
            PortRef::Range(lo, hi) => {
                out.push(format!("  port: {lo}"));
                out.push(format!("  endPort: {hi}"));
            }
            PortRef::Named(n) => out.push(format!("  port: {}", yaml_scalar(n))),
        }
    }
    out
}

pub(super) fn list_item(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .enumerate()
        .map(|(x, l)| {
            if x == 0 {
                format!("- {l}")
            } else {
                format!("  {l}")
            }
        })
        .collect()
}

pub(super) fn indent(lines: Vec<String>, n: usize) -> Vec<String> {
    let pad = " ".repeat(n);
    lines.into_iter().map(|l| format!("{pad}{l}")).collect()
}

/// `ingress:` / `egress:` with one rule.
pub(super) fn rule_lines(
    dir: Direction,
    peers: Option<&[Vec<String>]>,
    ports: Option<&[PortSpec]>,
) -> Vec<String> {
    let mut rule = Vec::new();
    if let Some(ps) = peers {
        rule.push(format!("{}:", dir.peers_field()));
        for p in ps {
            rule.extend(indent(list_item(p), 2));
        }
    }
    if let Some(ps) = ports {
        rule.push("ports:".into());
        rule.extend(indent(port_lines(ps), 2));
    }
    if rule.is_empty() {
        return vec![format!("{}:", dir.as_str()), "  - {}".into()];
    }
    let mut out = vec![format!("{}:", dir.as_str())];
    out.extend(indent(list_item(&rule), 2));
    out
}

pub(super) fn join_lines(lines: &[String]) -> String {
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

pub(super) fn policy_doc(
    name: &str,
    ns: &str,
    pod_selector: &Selector,
    types: &[&str],
    ingress: Option<Vec<String>>,
    egress: Option<Vec<String>>,
) -> String {
    let mut out = vec![
        "apiVersion: networking.k8s.io/v1".to_string(),
        "kind: NetworkPolicy".into(),
        "metadata:".into(),
        format!("  name: {}", yaml_scalar(name)),
        format!("  namespace: {}", yaml_scalar(ns)),
        "spec:".into(),
    ];
    out.extend(indent(selector_lines("podSelector", pod_selector), 2));
    out.push("  policyTypes:".into());
    out.extend(types.iter().map(|t| format!("    - {t}")));
    out.extend(indent(ingress.unwrap_or_default(), 2));
    out.extend(indent(egress.unwrap_or_default(), 2));
    join_lines(&out)
}

pub(super) fn allow_dns_doc(name: &str, ns: &str, pod_selector: &Selector) -> String {
    let egress = rule_lines(
        Direction::Egress,
        Some(&[peer_lines(&dns_peer())]),
        Some(&dns_ports()),
    );
    policy_doc(name, ns, pod_selector, &["Egress"], None, Some(egress))
}

#[cfg(test)]
mod tests {
    use super::{allow_dns_doc, yaml_scalar};
    use crate::model::selector::Selector;

    #[test]
    fn scalars_yaml_would_misread_are_quoted() {
        for s in ["yes", "1.5", "0x1f", "", "-a", "a: b", "null"] {
            assert!(yaml_scalar(s).starts_with('"'), "{s}");
        }
        assert_eq!(yaml_scalar("web"), "web");
        assert_eq!(yaml_scalar("a\"b"), "a\"b");
        assert_eq!(yaml_scalar("on"), "\"on\"");
    }

    #[test]
    fn allow_dns_is_one_egress_rule_to_kube_dns() {
        let doc = allow_dns_doc("allow-dns", "shop", &Selector::everything());
        assert_eq!(
            doc,
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-dns\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes:\n    - Egress\n  egress:\n    - to:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: kube-system\n          podSelector:\n            matchLabels:\n              k8s-app: kube-dns\n      ports:\n        - protocol: UDP\n          port: 53\n        - protocol: TCP\n          port: 53\n"
        );
    }
}
