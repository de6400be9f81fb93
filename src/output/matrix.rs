//! Reachability matrices for the matrix charts: namespace × namespace and pod × pod.

use crate::engine::reach::{Reachability, EMPTY};
use crate::model::{Cluster, Pod};
use std::collections::BTreeMap;

/// A matrix for the heatmap: row and column labels, the share of pod pairs
/// allowed per cell, None where the cell has no pair (one pod and itself).
pub type Matrix = (Vec<String>, Vec<Vec<Option<f64>>>);

/// Namespace × namespace share of (source pod, destination pod) pairs with
/// any allowed connection; a pod and itself are not a pair.
pub fn namespace_matrix(cluster: &Cluster, reach: &Reachability) -> Matrix {
    let names: Vec<String> = {
        let mut v: Vec<String> = cluster.pods.iter().map(|p| p.namespace.clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    let idx: BTreeMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    // pods per (namespace, class)
    let mut per: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    // `reach` is compiled from `cluster`: one class per pod.
    for (p, &class) in cluster.pods.iter().zip(&reach.pod_class) {
        if let Some(&ns) = idx.get(p.namespace.as_str()) {
            *per.entry((ns, class)).or_default() += u64::from(p.replicas);
        }
    }
    let n = names.len();
    // Pair counts in u128: a class can hold more than 2^32 pods (replicas
    // are i32), and their pairs overflow u64.
    let mut allowed = vec![vec![0u128; n]; n];
    let mut total = vec![vec![0u128; n]; n];
    fn at(m: &mut [Vec<u128>], a: usize, b: usize) -> Option<&mut u128> {
        m.get_mut(a).and_then(|row| row.get_mut(b))
    }
    for (&(na, ca), &pa) in &per {
        for (&(nb, cb), &pb) in &per {
            let (pa, pb) = (u128::from(pa), u128::from(pb));
            let pairs = if ca == cb { pa * pb - pa } else { pa * pb };
            if let Some(t) = at(&mut total, na, nb) {
                *t += pairs;
            }
            if reach.class_id(ca, cb) != EMPTY {
                if let Some(a) = at(&mut allowed, na, nb) {
                    *a += pairs;
                }
            }
        }
    }
    let values = total
        .iter()
        .zip(&allowed)
        .map(|(total_row, allowed_row)| {
            total_row
                .iter()
                .zip(allowed_row)
                .map(|(&t, &a)| (t > 0).then(|| a as f64 / t as f64))
                .collect()
        })
        .collect();
    (names, values)
}

/// Workload × workload matrix (pod entries: a workload template or a bare
/// pod, counting its replicas), for small clusters. The same rule as the
/// namespace matrix: the share of (source pod, destination pod) pairs
/// allowed, a pod and itself never a pair; so a single pod's diagonal cell
/// has no pair (None), and a workload's diagonal is whether its replicas
/// reach each other.
pub fn pod_matrix(cluster: &Cluster, reach: &Reachability) -> Matrix {
    let mut order: Vec<(usize, &Pod)> = cluster.pods.iter().enumerate().collect();
    order.sort_by_key(|(_, p)| p.id());
    let labels = order.iter().map(|(_, p)| p.id()).collect();
    let values = order
        .iter()
        .map(|&(a, pod_a)| {
            order
                .iter()
                .map(|&(b, _)| {
                    let ok = match (reach.pod_class.get(a), reach.pod_class.get(b)) {
                        (Some(&ca), Some(&cb)) => reach.class_id(ca, cb) != EMPTY,
                        _ => false,
                    };
                    if a == b && pod_a.replicas <= 1 {
                        None
                    } else if ok {
                        // Replicas of one entry share a class: every pair
                        // of the cell has the same verdict.
                        Some(1.0)
                    } else {
                        Some(0.0)
                    }
                })
                .collect()
        })
        .collect();
    (labels, values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attack::fixtures::{deny_ingress, deployment, pod, World};

    /// Both matrices count (source pod, destination pod) pairs and never a
    /// pod with itself (SEM-47: same-pod traffic is always allowed, policies
    /// cannot block localhost, so it says nothing): a single pod's diagonal
    /// cell has no pair, a workload's diagonal is whether its replicas reach
    /// each other.
    #[test]
    fn a_pod_never_counts_reaching_itself_in_either_matrix() {
        // Namespace x: a (1 pod), b (3 replicas); ingress denied to all.
        let w = World::new(&[pod("a", &[80]), deployment("b", 3, &[80]), deny_ingress()]);
        let (labels, v) = pod_matrix(&w.c, &w.r);
        assert_eq!(labels, vec!["x/a".to_string(), "x/b".to_string()]);
        assert_eq!(v[0][0], None, "one pod and itself: no pair");
        assert_eq!(
            v[1][1],
            Some(0.0),
            "b's replicas are isolated from each other"
        );
        assert_eq!(v[0][1], Some(0.0));
        // The namespace cell: 4 pods, 12 pairs, none allowed, not 4/16.
        let (_, n) = namespace_matrix(&w.c, &w.r);
        assert_eq!(n[0][0], Some(0.0));
        // With no policy everything is allowed: 100%, never above.
        let w = World::new(&[pod("a", &[80]), deployment("b", 3, &[80])]);
        let (_, v) = pod_matrix(&w.c, &w.r);
        assert_eq!((v[0][0], v[1][1], v[0][1]), (None, Some(1.0), Some(1.0)));
        let (_, n) = namespace_matrix(&w.c, &w.r);
        assert_eq!(n[0][0], Some(1.0));
        // A namespace of one pod has no pair at all.
        let w = World::new(&[pod("a", &[80])]);
        assert_eq!(namespace_matrix(&w.c, &w.r).1[0][0], None);
    }
}
