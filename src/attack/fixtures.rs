//! Test fixtures for the attack analyses: small clusters written as YAML.

use crate::attack::graph::{AttackGraph, SimOptions};
use crate::engine::reach::{ReachOptions, Reachability};
use crate::input::{load_str, LoadOptions};
use crate::model::Cluster;

/// A loaded cluster and its matrix.
pub struct World {
    pub c: Cluster,
    pub r: Reachability,
}

impl World {
    pub fn new(docs: &[String]) -> World {
        let text = docs.join("---\n");
        let c = load_str("t", &text, &LoadOptions::default()).unwrap();
        let r = Reachability::compile(&c, &ReachOptions::default());
        World { c, r }
    }

    pub fn graph(&self, o: &SimOptions) -> AttackGraph<'_> {
        AttackGraph::build(&self.c, &self.r, o)
    }

    /// Index of the first pod of `ns/name`.
    pub fn pod(&self, spec: &str) -> usize {
        self.c.find_pods(spec).unwrap()[0]
    }
}

/// A pod `app: <name>` in namespace `x`, declaring `ports` (TCP).
pub fn pod(name: &str, ports: &[u16]) -> String {
    deployment_or_pod(name, None, ports)
}

/// A Deployment `app: <name>` in namespace `x` with `replicas` pods.
pub fn deployment(name: &str, replicas: u32, ports: &[u16]) -> String {
    deployment_or_pod(name, Some(replicas), ports)
}

fn deployment_or_pod(name: &str, replicas: Option<u32>, ports: &[u16]) -> String {
    let ports = if ports.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = ports
            .iter()
            .map(|p| format!("{{containerPort: {p}}}"))
            .collect();
        format!(", ports: [{}]", list.join(", "))
    };
    match replicas {
        None => format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: x, labels: {{app: {name}}}}}\nspec: {{containers: [{{name: c, image: img{ports}}}]}}\n"
        ),
        Some(n) => format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: x}}\nspec:\n  replicas: {n}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec: {{containers: [{{name: c, image: img{ports}}}]}}\n"
        ),
    }
}

/// Deny all ingress in namespace `x`.
pub fn deny_ingress() -> String {
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: x}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n".to_string()
}

/// Let `app=from` reach `app=to` on TCP `port` (namespace `x`).
pub fn allow(to: &str, from: &str, port: u16) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {to}-from-{from}-{port}, namespace: x}}\nspec:\n  podSelector: {{matchLabels: {{app: {to}}}}}\n  ingress:\n  - from: [{{podSelector: {{matchLabels: {{app: {from}}}}}}}]\n    ports: [{{port: {port}, protocol: TCP}}]\n"
    )
}

/// `a -> b (8080) -> c (5432) -> d (6379)` in namespace `x`; `b` has two
/// replicas; ingress is denied otherwise, egress is open.
pub fn chain_docs() -> Vec<String> {
    vec![
        pod("a", &[]),
        deployment("b", 2, &[8080]),
        pod("c", &[5432]),
        pod("d", &[6379]),
        deny_ingress(),
        allow("b", "a", 8080),
        allow("c", "b", 5432),
        allow("d", "c", 6379),
    ]
}

pub fn chain() -> World {
    World::new(&chain_docs())
}
