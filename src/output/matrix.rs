//! Reachability matrices for the matrix charts: namespace × namespace and
//! workload × workload, as shares of (source pod, destination pod) pairs.
//! Past [`MATRIX_TOP`] rows the charts show the top ones and fold the rest
//! into one "other" row and column ([`Heat::fold`], [`workload_shown`]);
//! report.json keeps the full namespace matrix.

use crate::attack::simulate::Ranked;
use crate::engine::reach::{Reachability, EMPTY};
use crate::engine::view::{entities, Level};
use crate::model::Cluster;
use std::collections::BTreeMap;

/// A matrix for the heatmap: row and column labels, the share of pod pairs
/// allowed per cell, None where the cell has no pair (one pod and itself).
pub type Matrix = (Vec<String>, Vec<Vec<Option<f64>>>);

/// Rows (and columns) a matrix chart shows by name; beyond, the top
/// `MATRIX_TOP` and one "other" row. 26 rows of 22-px cells keep the chart
/// within the report's 1,000-px column, its 10-px cell values legible.
pub const MATRIX_TOP: usize = 25;

/// Groups of pods (namespaces or workloads) and their pair counts.
pub struct Heat {
    /// Group names, in display order.
    pub labels: Vec<String>,
    /// Pods per group (replicas counted).
    pub pods: Vec<u64>,
    /// (source group, destination group) pod pairs, and those allowed.
    pairs: Vec<Vec<u128>>,
    allowed: Vec<Vec<u128>>,
}

/// A chart's matrix: the rows shown, and how many groups there were
/// (`of` > shown rows: the rest are folded into the last, "other").
pub struct Shown {
    pub matrix: Matrix,
    /// Groups before folding.
    pub of: usize,
    /// Groups named (the top ones); `of - named` are in "other".
    pub named: usize,
}

impl Heat {
    /// No group at all.
    pub fn empty() -> Heat {
        Heat {
            labels: Vec::new(),
            pods: Vec::new(),
            pairs: Vec::new(),
            allowed: Vec::new(),
        }
    }

    /// Pair counts over `members`: (group, class, pods) of every pod entry.
    /// A pod and itself are never a pair; pods of one class share every
    /// verdict. Pairs are `pods[a] × pods[b]` (less `pods[a]` on the
    /// diagonal); allowed pairs are summed over the matrix keys, one visit
    /// per (row key, column key) cell, not per pair of classes: a class's
    /// verdicts are its row key's as a source and its column key's as a
    /// destination.
    fn count(reach: &Reachability, labels: Vec<String>, members: &[(usize, usize, u64)]) -> Heat {
        let n = labels.len();
        let mut pods = vec![0u64; n];
        // Pods per (row key, group) and per (column key, group); pods whose
        // class reaches itself, per group (the pairs of a pod with itself
        // to take out again).
        let mut by_row: BTreeMap<usize, BTreeMap<usize, u128>> = BTreeMap::new();
        let mut by_col: BTreeMap<usize, BTreeMap<usize, u128>> = BTreeMap::new();
        let mut to_itself = vec![0u128; n];
        for &(g, class, p) in members {
            if g >= n {
                continue;
            }
            if let Some(x) = pods.get_mut(g) {
                *x += p;
            }
            let p = u128::from(p);
            *by_row
                .entry(reach.row_key(class))
                .or_default()
                .entry(g)
                .or_default() += p;
            *by_col
                .entry(reach.col_key(class))
                .or_default()
                .entry(g)
                .or_default() += p;
            if reach.class_id(class, class) != EMPTY {
                if let Some(x) = to_itself.get_mut(g) {
                    *x += p;
                }
            }
        }
        // Pair counts in u128: a class can hold more than 2^32 pods (replicas
        // are i32), and their pairs overflow u64.
        let pairs: Vec<Vec<u128>> = (0..n)
            .map(|a| {
                let pa = u128::from(pods.get(a).copied().unwrap_or(0));
                (0..n)
                    .map(|b| {
                        let pb = u128::from(pods.get(b).copied().unwrap_or(0));
                        if a == b {
                            pa * pb - pa
                        } else {
                            pa * pb
                        }
                    })
                    .collect()
            })
            .collect();
        let cols: Vec<(usize, Vec<(usize, u128)>)> = by_col
            .into_iter()
            .map(|(k, m)| (k, m.into_iter().collect()))
            .collect();
        let mut allowed = vec![vec![0u128; n]; n];
        // Per row key: pods of each destination group its cells reach.
        let mut reached = vec![0u128; n];
        for (rk, sources) in &by_row {
            reached.iter_mut().for_each(|x| *x = 0);
            for (ck, dsts) in &cols {
                if reach.key_cell(*rk, *ck) == EMPTY {
                    continue;
                }
                for &(g, p) in dsts {
                    if let Some(x) = reached.get_mut(g) {
                        *x += p;
                    }
                }
            }
            for (&ga, &pa) in sources {
                if let Some(row) = allowed.get_mut(ga) {
                    for (cell, &pb) in row.iter_mut().zip(&reached) {
                        *cell += pa * pb;
                    }
                }
            }
        }
        for (g, &own) in to_itself.iter().enumerate() {
            if let Some(x) = allowed.get_mut(g).and_then(|r| r.get_mut(g)) {
                *x = x.saturating_sub(own);
            }
        }
        Heat {
            labels,
            pods,
            pairs,
            allowed,
        }
    }

    /// Shares of pairs allowed; None where a cell has no pair.
    pub fn matrix(&self) -> Matrix {
        let values = self
            .pairs
            .iter()
            .zip(&self.allowed)
            .map(|(t_row, a_row)| {
                t_row
                    .iter()
                    .zip(a_row)
                    .map(|(&t, &a)| (t > 0).then(|| a as f64 / t as f64))
                    .collect()
            })
            .collect();
        (self.labels.clone(), values)
    }

    /// The chart's rows: every group while there are at most `top`, else
    /// the `top` first of `rank` (group indices, most important first) in
    /// this matrix's order and one last row and column, `other: N <what>`,
    /// holding the rest (its cells count their pairs, so the shares stay
    /// exact).
    pub fn fold(&self, rank: &[usize], top: usize, what: &str) -> Shown {
        let n = self.labels.len();
        if n <= top {
            return Shown {
                matrix: self.matrix(),
                of: n,
                named: n,
            };
        }
        let (keep, row) = shown_rows(rank, n, top);
        let named = keep.len();
        let m = named + 1;
        let mut pairs = vec![vec![0u128; m]; m];
        let mut allowed = vec![vec![0u128; m]; m];
        for (a, (t_row, a_row)) in self.pairs.iter().zip(&self.allowed).enumerate() {
            for (b, (&t, &al)) in t_row.iter().zip(a_row).enumerate() {
                let (Some(&ra), Some(&rb)) = (row.get(a), row.get(b)) else {
                    continue;
                };
                if let Some(x) = pairs.get_mut(ra).and_then(|r| r.get_mut(rb)) {
                    *x += t;
                }
                if let Some(x) = allowed.get_mut(ra).and_then(|r| r.get_mut(rb)) {
                    *x += al;
                }
            }
        }
        let mut labels: Vec<String> = keep
            .iter()
            .filter_map(|&g| self.labels.get(g).cloned())
            .collect();
        labels.push(format!("other: {} {what}", n - named));
        let folded = Heat {
            labels,
            pods: Vec::new(),
            pairs,
            allowed,
        };
        Shown {
            matrix: folded.matrix(),
            of: n,
            named,
        }
    }
}

/// The `top` first of `rank` (indices below `n`), in index order, and each
/// index's shown row: its place among those, or the last row (`other`).
fn shown_rows(rank: &[usize], n: usize, top: usize) -> (Vec<usize>, Vec<usize>) {
    let mut keep: Vec<usize> = rank.iter().copied().filter(|&g| g < n).take(top).collect();
    keep.sort_unstable();
    keep.dedup();
    let mut row = vec![keep.len(); n];
    for (r, &g) in keep.iter().enumerate() {
        if let Some(x) = row.get_mut(g) {
            *x = r;
        }
    }
    (keep, row)
}

/// Namespace × namespace pair counts, namespaces by name.
pub fn namespace_heat(cluster: &Cluster, reach: &Reachability) -> Heat {
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
    // `reach` is compiled from `cluster`: one class per pod.
    let members: Vec<(usize, usize, u64)> = cluster
        .pods
        .iter()
        .zip(&reach.pod_class)
        .filter_map(|(p, &class)| {
            idx.get(p.namespace.as_str())
                .map(|&g| (g, class, u64::from(p.replicas)))
        })
        .collect();
    Heat::count(reach, names, &members)
}

/// Namespace × namespace share of (source pod, destination pod) pairs with
/// any allowed connection; a pod and itself are not a pair.
pub fn namespace_matrix(cluster: &Cluster, reach: &Reachability) -> Matrix {
    namespace_heat(cluster, reach).matrix()
}

/// The namespace chart's rows: the [`MATRIX_TOP`] namespaces with the most
/// pods (ties by name) and "other".
pub fn namespace_shown(heat: &Heat) -> Shown {
    let mut rank: Vec<usize> = (0..heat.labels.len()).collect();
    rank.sort_by(|&a, &b| heat.pods.get(b).cmp(&heat.pods.get(a)).then(a.cmp(&b)));
    heat.fold(&rank, MATRIX_TOP, "namespaces")
}

/// Workload × workload pair counts (a workload or a bare pod, its replicas
/// counted), labelled `ns/name`, by name. The same rule as the namespace
/// matrix: a single pod's diagonal cell has no pair (None), a workload's
/// diagonal is whether its replicas reach each other.
pub fn workload_heat(cluster: &Cluster, reach: &Reachability) -> (Heat, Vec<String>) {
    let ents = entities(cluster, reach, Level::Workload);
    let mut members = Vec::new();
    for (g, e) in ents.iter().enumerate() {
        for &i in &e.pods {
            if let (Some(p), Some(&class)) = (cluster.pods.get(i), reach.pod_class.get(i)) {
                members.push((g, class, u64::from(p.replicas)));
            }
        }
    }
    let full: Vec<String> = ents.iter().map(|e| e.name.clone()).collect();
    let labels = full
        .iter()
        .map(|n| n.split('[').next().unwrap_or(n).to_string())
        .collect();
    (Heat::count(reach, labels, &members), full)
}

/// Workload × workload shares (see [`workload_heat`]).
pub fn pod_matrix(cluster: &Cluster, reach: &Reachability) -> Matrix {
    workload_heat(cluster, reach).0.matrix()
}

/// The workload chart's rows: the [`MATRIX_TOP`] workloads with the
/// largest blast radius (the ranking's order), else with the most pods; and
/// "other". Counted folded: only the shown rows are ever allocated (a
/// 100,000-pod cluster has 50,000 workloads, 2.5 G cells unfolded).
pub fn workload_shown(cluster: &Cluster, reach: &Reachability, ranked: Option<&[Ranked]>) -> Shown {
    workload_shown_top(cluster, reach, ranked, MATRIX_TOP)
}

fn workload_shown_top(
    cluster: &Cluster,
    reach: &Reachability,
    ranked: Option<&[Ranked]>,
    top: usize,
) -> Shown {
    let ents = entities(cluster, reach, Level::Workload);
    let n = ents.len();
    let pods_of = |i: usize| -> u64 {
        ents.get(i).map_or(0, |e| {
            e.pods
                .iter()
                .filter_map(|&p| cluster.pods.get(p))
                .map(|p| u64::from(p.replicas))
                .sum()
        })
    };
    let mut rank: Vec<usize> = Vec::new();
    if let Some(r) = ranked {
        let idx: BTreeMap<&str, usize> = ents
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.as_str(), i))
            .collect();
        rank = r
            .iter()
            .filter_map(|x| idx.get(x.workload.as_str()).copied())
            .collect();
    }
    if rank.is_empty() {
        let pods: Vec<u64> = (0..n).map(pods_of).collect();
        rank = (0..n).collect();
        rank.sort_by(|&a, &b| pods.get(b).cmp(&pods.get(a)).then(a.cmp(&b)));
    }
    let short =
        |e: &crate::engine::view::Entity| e.name.split('[').next().unwrap_or(&e.name).to_string();
    // Entity -> shown row: every entity up to `top`, else the top ones (in
    // the entities' order) and the rest in a last row.
    let (row, labels, named): (Vec<usize>, Vec<String>, usize) = if n <= top {
        ((0..n).collect(), ents.iter().map(short).collect(), n)
    } else {
        let (keep, row) = shown_rows(&rank, n, top);
        let named = keep.len();
        let mut labels: Vec<String> = keep
            .iter()
            .filter_map(|&g| ents.get(g))
            .map(short)
            .collect();
        labels.push(format!("other: {} workloads", n - named));
        (row, labels, named)
    };
    let mut members = Vec::new();
    for (g, e) in ents.iter().enumerate() {
        let Some(&r) = row.get(g) else { continue };
        for &i in &e.pods {
            if let (Some(p), Some(&class)) = (cluster.pods.get(i), reach.pod_class.get(i)) {
                members.push((r, class, u64::from(p.replicas)));
            }
        }
    }
    Shown {
        matrix: Heat::count(reach, labels, &members).matrix(),
        of: n,
        named,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attack::fixtures::{allow, deny_ingress, deployment, pod, World};

    /// The keyed count equals counting pod by pod: every (source pod,
    /// destination pod) pair of distinct pods, replicas expanded, allowed
    /// when the matrix has any connection for it.
    #[test]
    fn keyed_counts_equal_counting_every_pod_pair() {
        let text = crate::util::synth::generate(&crate::util::synth::SynthOptions {
            pods: 300,
            namespaces: 5,
            policies: 60,
            seed: 4,
            label_diversity: 4,
            ..crate::util::synth::SynthOptions::default()
        });
        let c = crate::input::load_str("s", &text, &Default::default()).unwrap();
        let r = Reachability::compile(&c, &Default::default());
        let heat = namespace_heat(&c, &r);
        let ns = |i: usize| {
            heat.labels
                .iter()
                .position(|l| *l == c.pods[i].namespace)
                .unwrap()
        };
        let n = heat.labels.len();
        let (mut pairs, mut allowed) = (vec![vec![0u128; n]; n], vec![vec![0u128; n]; n]);
        for i in 0..c.pods.len() {
            for j in 0..c.pods.len() {
                let (ri, rj) = (
                    u128::from(c.pods[i].replicas),
                    u128::from(c.pods[j].replicas),
                );
                let (count, ok) = if i == j {
                    (ri * ri - ri, !r.replica_to_replica(i).is_empty())
                } else {
                    (ri * rj, !r.pod_to_pod(i, j).is_empty())
                };
                pairs[ns(i)][ns(j)] += count;
                if ok {
                    allowed[ns(i)][ns(j)] += count;
                }
            }
        }
        assert_eq!(heat.pairs, pairs);
        assert_eq!(heat.allowed, allowed);
        assert!(allowed.iter().flatten().any(|&a| a > 0));
        // Folded while counting, the workload rows are the full matrix
        // folded afterwards.
        let (full, names) = workload_heat(&c, &r);
        let mut rank: Vec<usize> = (0..names.len()).collect();
        rank.sort_by(|&a, &b| full.pods[b].cmp(&full.pods[a]).then(a.cmp(&b)));
        let folded = full.fold(&rank, 7, "workloads");
        let direct = workload_shown_top(&c, &r, None, 7);
        assert_eq!(direct.matrix, folded.matrix);
        assert_eq!((direct.of, direct.named), (folded.of, folded.named));
        assert!(direct.of > 7);
    }

    /// Folded rows and columns count the pairs of what they hold, so their
    /// shares are exact (not an average of shares): from {c, d} (2 pods) to
    /// a (3 replicas) 6 pairs, c's 3 allowed.
    #[test]
    fn folding_keeps_the_top_groups_and_counts_the_rest_as_other() {
        let w = World::new(&[
            deployment("a", 3, &[80]),
            deployment("b", 2, &[80]),
            pod("c", &[80]),
            pod("d", &[80]),
            deny_ingress(),
            allow("a", "c", 80),
        ]);
        let (heat, names) = workload_heat(&w.c, &w.r);
        assert_eq!(heat.labels, ["x/a", "x/b", "x/c", "x/d"]);
        assert_eq!(names[0], "x/a[Deployment]");
        assert_eq!(heat.pods, [3, 2, 1, 1]);
        // Under the top: nothing folded.
        let all = heat.fold(&[0, 1, 2, 3], 4, "workloads");
        assert_eq!((all.of, all.named, all.matrix.0.len()), (4, 4, 4));
        // Top 2 (a, then b) of 4 and "other".
        let shown = heat.fold(&[1, 0, 2, 3], 2, "workloads");
        assert_eq!((shown.of, shown.named), (4, 2));
        assert_eq!(shown.matrix.0, ["x/a", "x/b", "other: 2 workloads"]);
        let v = &shown.matrix.1;
        assert_eq!(v[2][0], Some(0.5), "c reaches a, d does not");
        assert_eq!(v[2][2], Some(0.0), "c and d: 2 pairs, none allowed");
        assert_eq!(v[0][0], Some(0.0));
        assert_eq!(v[0][2], Some(0.0));
        // By pods without a ranking: a (3), b (2), then c by name.
        let by_pods = workload_shown(&w.c, &w.r, None);
        assert_eq!(by_pods.named, 4, "4 workloads fit under the top 25");
        // Folded while counting, by pods: a (3) and b (2) named.
        let direct = workload_shown_top(&w.c, &w.r, None, 2);
        assert_eq!(direct.matrix.0, ["x/a", "x/b", "other: 2 workloads"]);
        assert_eq!(direct.matrix.1, v.clone());
    }

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
