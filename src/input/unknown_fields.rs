//! Unknown-field detection for NetworkPolicies, with did-you-mean hints: the
//! API server silently drops unknown fields, so a typo like `podSelecter`
//! quietly selects every pod. Field names follow networking.k8s.io/v1.

use serde_yaml::Value;

/// One unknown key: its path, the key and the closest known key.
pub struct Unknown {
    pub path: String,
    pub key: String,
    pub suggestion: Option<&'static str>,
}

impl Unknown {
    pub fn hint(&self) -> String {
        self.suggestion
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default()
    }
}

const TOP: &[&str] = &["apiVersion", "kind", "metadata", "spec", "status"];
const SPEC: &[&str] = &["podSelector", "policyTypes", "ingress", "egress"];
const PEER: &[&str] = &["podSelector", "namespaceSelector", "ipBlock"];
const IPBLOCK: &[&str] = &["cidr", "except"];
const PORT: &[&str] = &["protocol", "port", "endPort"];
const SELECTOR: &[&str] = &["matchLabels", "matchExpressions"];
const EXPR: &[&str] = &["key", "operator", "values"];

fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            if let Some(c) = cur.get_mut(j + 1) {
                *c = sub.min(del).min(ins);
            }
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

fn keys(v: &Value, known: &[&'static str], path: &str, out: &mut Vec<Unknown>) {
    let Value::Mapping(m) = v else { return };
    for k in m.keys() {
        let Some(k) = k.as_str() else { continue };
        if known.contains(&k) {
            continue;
        }
        let suggestion = known
            .iter()
            .map(|c| (distance(k, c), *c))
            .filter(|(d, _)| *d <= 3)
            .min()
            .map(|(_, c)| c);
        out.push(Unknown {
            path: if path.is_empty() {
                k.to_string()
            } else {
                format!("{path}.{k}")
            },
            key: k.to_string(),
            suggestion,
        });
    }
}

fn list(v: Option<&Value>) -> impl Iterator<Item = (usize, &Value)> {
    v.and_then(|v| v.as_sequence())
        .into_iter()
        .flatten()
        .enumerate()
}

fn selector(v: Option<&Value>, path: &str, out: &mut Vec<Unknown>) {
    let Some(v) = v else { return };
    keys(v, SELECTOR, path, out);
    for (i, e) in list(v.get("matchExpressions")) {
        keys(e, EXPR, &format!("{path}.matchExpressions[{i}]"), out);
    }
}

pub fn unknown_in_policy(v: &Value) -> Vec<Unknown> {
    let mut out = Vec::new();
    keys(v, TOP, "", &mut out);
    let Some(spec) = v.get("spec") else {
        return out;
    };
    keys(spec, SPEC, "spec", &mut out);
    selector(spec.get("podSelector"), "spec.podSelector", &mut out);
    for (dir, field) in [("ingress", "from"), ("egress", "to")] {
        for (i, r) in list(spec.get(dir)) {
            let base = format!("spec.{dir}[{i}]");
            let rule_keys: &[&'static str] = if dir == "ingress" {
                &["from", "ports"]
            } else {
                &["to", "ports"]
            };
            keys(r, rule_keys, &base, &mut out);
            for (j, p) in list(r.get(field)) {
                let pp = format!("{base}.{field}[{j}]");
                keys(p, PEER, &pp, &mut out);
                selector(p.get("podSelector"), &format!("{pp}.podSelector"), &mut out);
                selector(
                    p.get("namespaceSelector"),
                    &format!("{pp}.namespaceSelector"),
                    &mut out,
                );
                if let Some(b) = p.get("ipBlock") {
                    keys(b, IPBLOCK, &format!("{pp}.ipBlock"), &mut out);
                }
            }
            for (k, p) in list(r.get("ports")) {
                keys(p, PORT, &format!("{base}.ports[{k}]"), &mut out);
            }
        }
    }
    out
}
