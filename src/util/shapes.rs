//! Small crafted inputs that are hard for one part of the tool (issue 14,
//! "bounded on small inputs"): each is about a megabyte or less and must be
//! answered in seconds, or refused. `synth --shape NAME --size N` prints
//! them; `bench/bounds.sh` runs every command on them under `/usr/bin/time`.

use std::fmt::Write as _;

/// A crafted input; `size` is its N.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// N bare pods in `default`, one distinct label value each
    /// (`id: vI`), no policy: one class, N workloads.
    DistinctLabels,
    /// The same pods and one policy whose selector reads `id` (it selects
    /// nothing): N classes, every pod reaching every pod, N² edges.
    DistinctClasses,
    /// The same pods and one policy over all of them with an ingress and
    /// an egress rule per pod (`id: vI`): N classes with N row and N column
    /// keys, so the matrix really has N² cells.
    DistinctKeys,
    /// One ingress rule with N `/32` ipBlocks: N source atoms or more.
    IpBlocks,
    /// N ipBlocks (`/24`), each with an except (`/28`).
    IpBlockExcepts,
    /// One ipBlock `10.0.0.0/8` with N excepts (`/28`).
    Excepts,
    /// N pods (distinct classes) in layers of 10; a pod reaches every pod
    /// of the later layers and no other: a DAG with about N²/2 edges, each
    /// a choke-point candidate whose bound overestimates its real drop.
    LayeredDag,
}

/// Pods per layer of [`Shape::LayeredDag`].
const LAYER_WIDTH: usize = 10;

fn pod(y: &mut String, i: usize, extra: &str) {
    let _ = writeln!(
        y,
        "---\n{{apiVersion: v1, kind: Pod, metadata: {{name: p{i}, namespace: default, labels: {{id: v{i}{extra}}}}}, spec: {{containers: [{{name: c, image: x}}]}}}}"
    );
}

fn policy_head(y: &mut String, name: &str) {
    let _ = write!(
        y,
        "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n"
    );
}

/// A dotted IPv4 address from its 32-bit value.
fn v4(x: u32) -> String {
    std::net::Ipv4Addr::from(x).to_string()
}

/// The input as one multi-document YAML text; the same arguments always
/// give the same bytes.
pub fn generate(shape: Shape, n: usize) -> String {
    let mut y = String::with_capacity(n * 100 + 1000);
    let ten = 10u32 << 24;
    match shape {
        Shape::DistinctLabels | Shape::DistinctClasses => {
            for i in 0..n {
                pod(&mut y, i, "");
            }
            if shape == Shape::DistinctClasses {
                policy_head(&mut y, "reads-id");
                y.push_str(
                    "  podSelector:\n    matchLabels:\n      id: none\n  ingress:\n  - {}\n",
                );
            }
        }
        Shape::DistinctKeys => {
            for i in 0..n {
                pod(&mut y, i, "");
            }
            policy_head(&mut y, "a-rule-per-pod");
            y.push_str("  podSelector: {}\n  ingress:\n");
            for i in 0..n {
                let _ = writeln!(
                    y,
                    "  - from: [{{podSelector: {{matchLabels: {{id: v{i}}}}}}}]"
                );
            }
            y.push_str("  egress:\n");
            for i in 0..n {
                let _ = writeln!(
                    y,
                    "  - to: [{{podSelector: {{matchLabels: {{id: v{i}}}}}}}]"
                );
            }
        }
        Shape::IpBlocks | Shape::IpBlockExcepts | Shape::Excepts => {
            pod(&mut y, 0, "");
            policy_head(&mut y, "blocks");
            y.push_str("  podSelector: {}\n  ingress:\n  - from:\n");
            let n32 = u32::try_from(n).unwrap_or(u32::MAX);
            match shape {
                Shape::IpBlocks => {
                    // Every other address, so no two blocks touch.
                    for i in 0..n32.min(1 << 22) {
                        let _ = writeln!(y, "    - ipBlock: {{cidr: {}/32}}", v4(ten + 2 * i));
                    }
                }
                Shape::IpBlockExcepts => {
                    for i in 0..n32.min(1 << 16) {
                        let net = ten + (i << 8);
                        let _ = writeln!(
                            y,
                            "    - ipBlock: {{cidr: {}/24, except: [{}/28]}}",
                            v4(net),
                            v4(net + 16)
                        );
                    }
                }
                _ => {
                    y.push_str("    - ipBlock:\n        cidr: 10.0.0.0/8\n        except:\n");
                    for i in 0..n32.min(1 << 20) {
                        // Every other /28: touching holes would merge into one.
                        let _ = writeln!(y, "        - {}/28", v4(ten + (i << 5)));
                    }
                }
            }
        }
        Shape::LayeredDag => {
            let layers = n.div_ceil(LAYER_WIDTH);
            for i in 0..n {
                pod(&mut y, i, &format!(", layer: l{}", i / LAYER_WIDTH));
            }
            policy_head(&mut y, "reads-id");
            y.push_str("  podSelector:\n    matchLabels:\n      id: none\n  ingress:\n  - {}\n");
            for l in 0..layers {
                policy_head(&mut y, &format!("layer-{l}"));
                let _ = write!(y, "  podSelector:\n    matchLabels:\n      layer: l{l}\n");
                if l == 0 {
                    y.push_str("  policyTypes: [Ingress]\n");
                } else {
                    let earlier: Vec<String> = (0..l).map(|k| format!("l{k}")).collect();
                    let _ = writeln!(
                        y,
                        "  ingress:\n  - from:\n    - podSelector:\n        matchExpressions:\n        - {{key: layer, operator: In, values: [{}]}}",
                        earlier.join(", ")
                    );
                }
            }
        }
    }
    y
}

#[cfg(test)]
mod tests {
    use super::{generate, Shape};
    use crate::engine::reach::{ReachOptions, Reachability};

    fn load(s: Shape, n: usize) -> (crate::model::Cluster, Reachability) {
        let text = generate(s, n);
        assert_eq!(text, generate(s, n), "same arguments, same bytes");
        let c = crate::input::load_str("shape", &text, &Default::default()).unwrap();
        let r = Reachability::compile(&c, &ReachOptions::default());
        (c, r)
    }

    #[test]
    fn each_shape_loads_with_the_size_it_names() {
        // Classes by what selectors read (README "Limits"): no selector
        // reads `id`, one class; a selector reading it, one class a pod.
        let (c, r) = load(Shape::DistinctLabels, 50);
        assert_eq!((c.pods.len(), r.class_count()), (50, 1));
        let (_, r) = load(Shape::DistinctClasses, 50);
        assert_eq!(r.class_count(), 50);
        // Nothing tells their rows or columns apart: one cell.
        assert_eq!(r.key_counts(), (1, 1));
        let (_, r) = load(Shape::DistinctKeys, 50);
        assert_eq!((r.class_count(), r.key_counts()), (50, (50, 50)));
        // SEM-21: N disjoint /32 blocks cut 2N + 1 IPv4 atoms (+ IPv6).
        let (c, r) = load(Shape::IpBlocks, 40);
        assert_eq!(c.policies.len(), 1);
        assert_eq!(r.ext_src.iter().filter(|a| !a.v6).count(), 81);
        let (_, r) = load(Shape::IpBlockExcepts, 30);
        assert!(r.ext_src.len() > 60);
        let (_, r) = load(Shape::Excepts, 30);
        assert!(r.ext_src.len() > 30);
        let (c, r) = load(Shape::LayeredDag, 45);
        assert_eq!(
            (c.pods.len(), r.class_count(), c.policies.len()),
            (45, 45, 6)
        );
        // A pod of layer 0 reaches a pod of layer 4, not the other way.
        assert!(!r.pod_to_pod(0, 44).is_empty());
        assert!(r.pod_to_pod(44, 0).is_empty());
        assert!(r.pod_to_pod(0, 1).is_empty(), "same layer: isolated");
    }
}
