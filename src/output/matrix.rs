//! Reachability matrices for the matrix charts: namespace × namespace and pod × pod.

use crate::engine::reach::{Reachability, EMPTY};
use crate::model::{Cluster, Pod};
use std::collections::BTreeMap;

/// Namespace × namespace share of (source pod, destination pod) pairs with
/// any allowed connection; a pod and itself are not a pair.
pub fn namespace_matrix(cluster: &Cluster, reach: &Reachability) -> (Vec<String>, Vec<Vec<f64>>) {
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
                .map(|(&t, &a)| if t == 0 { 0.0 } else { a as f64 / t as f64 })
                .collect()
        })
        .collect();
    (names, values)
}

/// Pod × pod matrix (pod entries; a template counts its replicas), for small
/// clusters.
pub fn pod_matrix(cluster: &Cluster, reach: &Reachability) -> (Vec<String>, Vec<Vec<f64>>) {
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
                    if a == b {
                        // Replicas reach each other, or only themselves.
                        let r = u64::from(pod_a.replicas);
                        if r <= 1 || ok {
                            1.0
                        } else {
                            1.0 / r as f64
                        }
                    } else if ok {
                        1.0
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    (labels, values)
}
