//! Deterministic synthetic clusters for benches, tests and demos.
//!
//! Realistic shape: namespaces with team/env labels; Deployments with
//! replicas and some bare Pods; a policy mix of default-deny ingress and
//! egress, DNS egress, allow-by-label (matchLabels and matchExpressions),
//! namespaceSelector, AND peers, ipBlock with except, numeric, named and
//! endPort ports over TCP and UDP, and some allow-all rules.
//! The same seed always gives the same bytes.

use std::fmt::Write as _;

#[derive(Clone, Debug)]
pub struct SynthOptions {
    pub pods: usize,
    pub namespaces: usize,
    pub policies: usize,
    pub seed: u64,
    /// Distinct `app` values per namespace: drives the number of pod classes.
    pub label_diversity: usize,
    /// Admin-tier cluster policies (v1alpha1 AdminNetworkPolicy and
    /// v1alpha2 ClusterNetworkPolicy, alternately).
    pub admin_policies: usize,
    /// Baseline-tier cluster policies (the BaselineAdminNetworkPolicy
    /// `default`, then ClusterNetworkPolicies of tier Baseline).
    pub baseline_policies: usize,
    /// Heavy NetworkPolicies ([`heavy_policies`]), written last.
    pub heavy_policies: usize,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            pods: 1000,
            namespaces: 10,
            policies: 100,
            seed: 1,
            label_diversity: 20,
            admin_policies: 0,
            baseline_policies: 0,
            heavy_policies: 0,
        }
    }
}

use crate::util::rng::Rng;

/// `xs[i]`, or the default for an index out of range (never, for the
/// constant tables below and indices drawn with `below(len)`).
fn at<T: Copy + Default>(xs: &[T], i: usize) -> T {
    xs.get(i).copied().unwrap_or_default()
}

const TEAMS: [&str; 5] = ["payments", "search", "identity", "platform", "data"];
const ENVS: [&str; 3] = ["prod", "staging", "dev"];
const TIERS: [&str; 5] = ["web", "api", "db", "cache", "worker"];
const PORTS: [(u16, &str); 5] = [
    (8080, "http"),
    (9090, "metrics"),
    (5432, "postgres"),
    (6379, "redis"),
    (50051, "grpc"),
];

/// The whole cluster as one multi-document YAML text.
pub fn generate(o: &SynthOptions) -> String {
    let mut r = Rng(o.seed);
    let nns = o.namespaces.max(1);
    let div = o.label_diversity.max(1);
    let mut y = String::with_capacity(o.pods * 120 + o.policies * 600);
    let ns_name = |i: usize| format!("ns-{i:05}");
    for i in 0..nns {
        let _ = write!(
            y,
            "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {}\n  labels:\n    team: {}\n    env: {}\n",
            ns_name(i),
            r.pick(&TEAMS),
            r.pick(&ENVS)
        );
    }
    // Workloads until the pod budget is spent: mostly Deployments, some bare Pods.
    let mut placed = 0;
    let mut w = 0;
    while placed < o.pods {
        let ns = ns_name(r.below(nns));
        let app = format!("app-{}", r.below(div));
        let tier_i = r.below(TIERS.len());
        let tier = at(&TIERS, tier_i);
        let (port, pname) = at(&PORTS, tier_i);
        if r.chance(10) {
            let _ = write!(
                y,
                "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-{w:06}\n  namespace: {ns}\n  labels:\n    app: {app}\n    tier: {tier}\nspec:\n  containers:\n  - name: main\n    image: registry.example/{tier}:1\n    ports:\n    - name: {pname}\n      containerPort: {port}\n"
            );
            placed += 1;
        } else {
            let replicas = (1 + r.below(5)).min(o.pods - placed);
            let _ = write!(
                y,
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: wl-{w:06}\n  namespace: {ns}\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n      app: {app}\n  template:\n    metadata:\n      labels:\n        app: {app}\n        tier: {tier}\n    spec:\n      containers:\n      - name: main\n        image: registry.example/{tier}:1\n        ports:\n        - name: {pname}\n          containerPort: {port}\n        - name: dns-probe\n          containerPort: 53\n          protocol: UDP\n"
            );
            placed += replicas;
        }
        w += 1;
    }
    for p in 0..o.policies {
        let ns = ns_name(r.below(nns));
        let name = format!("np-{p:06}");
        let app = format!("app-{}", r.below(div));
        let kind = r.below(100);
        let head = format!("---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n");
        y.push_str(&head);
        match kind {
            0..=14 => y.push_str("  podSelector: {}\n  policyTypes: [Ingress]\n"),
            15..=24 => y.push_str(
                "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - namespaceSelector:\n        matchLabels:\n          kubernetes.io/metadata.name: kube-system\n      podSelector:\n        matchLabels:\n          k8s-app: kube-dns\n    ports:\n    - port: 53\n      protocol: UDP\n    - port: 53\n      protocol: TCP\n",
            ),
            25..=54 => {
                let from_app = format!("app-{}", r.below(div));
                let tier_i = r.below(TIERS.len());
                let _ = write!(
                    y,
                    "  podSelector:\n    matchLabels:\n      app: {app}\n  ingress:\n  - from:\n    - podSelector:\n        matchLabels:\n          app: {from_app}\n    ports:\n    - port: {}\n",
                    at(&PORTS, tier_i).1
                );
            }
            55..=69 => {
                let _ = write!(
                    y,
                    "  podSelector:\n    matchExpressions:\n    - key: tier\n      operator: In\n      values: [{}, {}]\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels:\n          team: {}\n      podSelector:\n        matchExpressions:\n        - key: app\n          operator: NotIn\n          values: [app-{}]\n    ports:\n    - port: 8000\n      endPort: 9100\n      protocol: TCP\n",
                    r.pick(&TIERS),
                    r.pick(&TIERS),
                    r.pick(&TEAMS),
                    r.below(div)
                );
            }
            70..=79 => {
                let _ = write!(
                    y,
                    "  podSelector:\n    matchLabels:\n      app: {app}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - ipBlock:\n        cidr: 0.0.0.0/0\n        except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]\n    ports:\n    - port: 443\n  - to:\n    - namespaceSelector:\n        matchLabels:\n          env: {}\n    ports:\n    - port: 5432\n    - port: 6379\n",
                    r.pick(&ENVS)
                );
            }
            80..=89 => {
                let _ = write!(
                    y,
                    "  podSelector:\n    matchLabels:\n      tier: {}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels:\n          team: {}\n    - podSelector:\n        matchLabels:\n          app: {app}\n    ports:\n    - port: 53\n      protocol: UDP\n    - port: grpc\n",
                    r.pick(&TIERS),
                    r.pick(&TEAMS)
                );
            }
            90..=94 => {
                let _ = write!(y, "  podSelector:\n    matchLabels:\n      app: {app}\n  ingress:\n  - {{}}\n");
            }
            _ => {
                let _ = write!(
                    y,
                    "  podSelector:\n    matchLabels:\n      app: {app}\n  ingress:\n  - from:\n    - ipBlock:\n        cidr: 10.0.0.0/8\n        except: [10.{}.0.0/16]\n",
                    r.below(256)
                );
            }
        }
    }
    cluster_policies(&mut y, &mut r, o, nns);
    heavy_policies(&mut y, &mut r, o, nns);
    y
}

/// Policy sets as CNI teams load-test them (issue 12): each policy selects
/// an `app` and has ten ingress rules from ten namespaces each (by
/// `kubernetes.io/metadata.name`, with a pod selector), ten from an
/// ipBlock /24, twenty ports on every rule. Written after everything else,
/// so the rest of the cluster is the same bytes with or without them.
fn heavy_policies(y: &mut String, r: &mut Rng, o: &SynthOptions, nns: usize) {
    let div = o.label_diversity.max(1);
    for p in 0..o.heavy_policies {
        let ns = r.below(nns);
        let _ = write!(
            y,
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: heavy-{p:06}\n  namespace: ns-{ns:05}\nspec:\n  podSelector:\n    matchLabels:\n      app: app-{}\n  policyTypes: [Ingress]\n  ingress:\n",
            r.below(div)
        );
        let ports = |y: &mut String, r: &mut Rng| {
            y.push_str("    ports:\n");
            let base = 1000 + r.below(60_000) as u32;
            for k in 0..20u32 {
                let proto = if k % 4 == 3 { "UDP" } else { "TCP" };
                let _ = write!(y, "    - port: {}\n      protocol: {proto}\n", base + k * 7);
            }
        };
        for _ in 0..10 {
            y.push_str("  - from:\n    - namespaceSelector:\n        matchExpressions:\n        - key: kubernetes.io/metadata.name\n          operator: In\n          values: [");
            for k in 0..10 {
                let sep = if k == 0 { "" } else { ", " };
                let _ = write!(y, "{sep}ns-{:05}", r.below(nns));
            }
            let _ = write!(
                y,
                "]\n      podSelector:\n        matchLabels:\n          tier: {}\n",
                r.pick(&TIERS)
            );
            ports(y, r);
        }
        for _ in 0..10 {
            let _ = write!(
                y,
                "  - from:\n    - ipBlock:\n        cidr: 10.{}.{}.0/24\n",
                r.below(256),
                r.below(256)
            );
            ports(y, r);
        }
    }
}

/// Guardrails as platform teams write them (SEMANTICS-CNP.md): tenant
/// isolation by team, DNS and monitoring let through, the metadata service
/// denied, Pass to the namespaces' own policies; a baseline default deny.
/// Drawn after everything else, so the rest of a seed's output is unchanged.
fn cluster_policies(y: &mut String, r: &mut Rng, o: &SynthOptions, nns: usize) {
    let ns_name = |i: usize| format!("ns-{i:05}");
    for p in 0..o.admin_policies {
        let v2 = p % 2 == 1;
        let (api, kind, allow, tier) = if v2 {
            (
                "v1alpha2",
                "ClusterNetworkPolicy",
                "Accept",
                "  tier: Admin\n",
            )
        } else {
            ("v1alpha1", "AdminNetworkPolicy", "Allow", "")
        };
        let team = r.pick(&TEAMS);
        let _ = write!(
            y,
            "---\napiVersion: policy.networking.k8s.io/{api}\nkind: {kind}\nmetadata:\n  name: admin-{p:04}\nspec:\n{tier}  priority: {}\n  subject:\n    namespaces:\n      matchLabels:\n        team: {team}\n",
            (p * 7) % 1000
        );
        let ports = |udp: bool, port: u16| {
            if v2 {
                format!("    protocols:\n    - {}:\n        destinationPort:\n          number: {port}\n", if udp { "udp" } else { "tcp" })
            } else {
                format!(
                    "    ports:\n    - portNumber:\n        protocol: {}\n        port: {port}\n",
                    if udp { "UDP" } else { "TCP" }
                )
            }
        };
        match r.below(4) {
            0 => {
                // Tenant isolation: other teams' namespaces may not come in.
                let _ = write!(
                    y,
                    "  ingress:\n  - name: from-own-team\n    action: Pass\n    from:\n    - namespaces:\n        matchLabels:\n          team: {team}\n  - name: not-from-other-teams\n    action: Deny\n    from:\n    - namespaces: {{}}\n"
                );
            }
            1 => {
                let _ = write!(
                    y,
                    "  egress:\n  - name: dns\n    action: {allow}\n    to:\n    - pods:\n        namespaceSelector:\n          matchLabels:\n            kubernetes.io/metadata.name: kube-system\n        podSelector:\n          matchLabels:\n            k8s-app: kube-dns\n{}  - name: no-metadata-service\n    action: Deny\n    to:\n    - networks: [169.254.169.254/32]\n",
                    ports(true, 53)
                );
            }
            2 => {
                let _ = write!(
                    y,
                    "  ingress:\n  - name: monitoring\n    action: {allow}\n    from:\n    - namespaces:\n        matchLabels:\n          kubernetes.io/metadata.name: {}\n{}",
                    ns_name(r.below(nns)),
                    ports(false, 9090)
                );
            }
            _ => {
                let _ = write!(
                    y,
                    "  egress:\n  - name: to-db-tier-of-{}\n    action: Pass\n    to:\n    - pods:\n        namespaceSelector:\n          matchLabels:\n            env: {}\n        podSelector:\n          matchLabels:\n            tier: db\n{}",
                    r.pick(&ENVS),
                    r.pick(&ENVS),
                    ports(false, 5432)
                );
            }
        }
    }
    for b in 0..o.baseline_policies {
        if b == 0 {
            let _ = write!(
                y,
                "---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata:\n  name: default\nspec:\n  subject:\n    namespaces: {{}}\n  ingress:\n  - name: default-deny-from-other-namespaces\n    action: Deny\n    from:\n    - namespaces:\n        matchLabels:\n          env: {}\n",
                r.pick(&ENVS)
            );
            continue;
        }
        let _ = write!(
            y,
            "---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata:\n  name: baseline-{b:04}\nspec:\n  tier: Baseline\n  priority: {b}\n  subject:\n    namespaces:\n      matchLabels:\n        env: {}\n  egress:\n  - name: no-internet\n    action: Deny\n    to:\n    - networks: [0.0.0.0/0]\n",
            r.pick(&ENVS)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_and_it_loads() {
        let o = SynthOptions {
            pods: 300,
            namespaces: 5,
            policies: 60,
            seed: 7,
            label_diversity: 5,
            ..SynthOptions::default()
        };
        let a = generate(&o);
        assert_eq!(a, generate(&o));
        // Cluster policies come after everything else and load.
        let with = generate(&SynthOptions {
            admin_policies: 20,
            baseline_policies: 3,
            ..o.clone()
        });
        assert!(with.starts_with(&a));
        let c = crate::input::load_str("s", &with, &Default::default()).unwrap();
        assert_eq!(
            c.policies.iter().filter(|p| p.tier.is_cluster()).count(),
            23
        );
        assert_ne!(
            a,
            generate(&SynthOptions {
                seed: 8,
                ..o.clone()
            })
        );
        let c = crate::input::load_str("synth", &a, &Default::default()).unwrap();
        assert_eq!(c.pod_count(), 300);
        assert_eq!(c.policies.len(), 60);
    }

    /// Heavy policies come last, load, and have the promised shape.
    #[test]
    fn heavy_policies_load_with_twenty_rules_of_twenty_ports() {
        let o = SynthOptions {
            pods: 200,
            namespaces: 12,
            policies: 10,
            seed: 3,
            ..SynthOptions::default()
        };
        let plain = generate(&o);
        let heavy = generate(&SynthOptions {
            heavy_policies: 4,
            ..o.clone()
        });
        assert!(heavy.starts_with(&plain));
        let c = crate::input::load_str("synth", &heavy, &Default::default()).unwrap();
        let h: Vec<_> = c
            .policies
            .iter()
            .filter(|p| p.name.starts_with("heavy-"))
            .collect();
        assert_eq!(h.len(), 4);
        for p in h {
            let rules = p.ingress.as_deref().unwrap_or_default();
            assert_eq!(rules.len(), 20, "{}", p.name);
            assert!(rules
                .iter()
                .all(|r| r.ports.as_ref().map(Vec::len) == Some(20)));
        }
    }
}
