//! Every SVG chart of a simulation run, from its results and the reachability.

use crate::attack::simulate::{Ranked, SimResult};
use crate::engine::reach::Reachability;
use crate::model::Cluster;
use crate::output::attack_graph::{attack_graph_svg, AgData};
use crate::output::charts::{self, HopSeries, JewelMark};
use crate::output::matrix::{namespace_heat, namespace_shown, workload_shown, Shown};
use crate::output::report_build::worst_sim;
use crate::util::text::thousands;

/// Every chart for a run, as (file name, SVG).
pub fn charts(
    input: &str,
    cluster: &Cluster,
    reach: &Reachability,
    sims: &[SimResult],
    ranked: Option<&[Ranked]>,
) -> Result<Vec<(String, String)>, charts::ChartError> {
    let mut out = Vec::new();
    if !sims.is_empty() {
        let series: Vec<HopSeries> = sims
            .iter()
            .map(|r| HopSeries {
                name: r.start.clone(),
                pods: r.hops.iter().map(|h| h.pods).collect(),
            })
            .collect();
        let jewels: Vec<JewelMark> = sims
            .iter()
            .enumerate()
            .flat_map(|(i, r)| {
                r.targets.iter().filter_map(move |t| {
                    t.hop.map(|h| JewelMark {
                        series: i,
                        hop: h,
                        label: t.selector.clone(),
                    })
                })
            })
            .collect();
        out.push((
            "reach-by-hop.svg".to_string(),
            charts::reach_by_hop(
                &format!("{input}: pods compromised per hop"),
                &series,
                cluster.pod_count(),
                &jewels,
            )?,
        ));
    }
    // The worst starting point gets the per-namespace breakdown.
    let worst = worst_sim(sims).and_then(|i| sims.get(i));
    if let Some(first) = worst {
        out.push((
            "attack-graph.svg".to_string(),
            attack_graph_svg(&AgData::from_sim(input, first)),
        ));
        let mut nss: Vec<String> = first
            .hops
            .iter()
            .flat_map(|h| h.new_by_namespace.keys().cloned())
            .collect();
        nss.sort();
        nss.dedup();
        let rows: Vec<Vec<u64>> = first
            .hops
            .iter()
            .map(|h| {
                nss.iter()
                    .map(|n| h.new_by_namespace.get(n).copied().unwrap_or(0))
                    .collect()
            })
            .collect();
        out.push((
            "hop-by-namespace.svg".to_string(),
            charts::hop_by_namespace(
                &format!(
                    "{input}: new pods per hop by namespace, from {}",
                    first.start
                ),
                &nss,
                &rows,
            )?,
        ));
    }
    if let Some(r) = ranked {
        let items: Vec<(String, u64)> = r
            .iter()
            .take(20)
            .map(|x| (x.workload.clone(), x.blast_radius))
            .collect();
        out.push((
            "ranking.svg".to_string(),
            charts::ranking(
                &format!(
                    "{input}: top {} workloads by blast radius",
                    thousands(items.len())
                ),
                &items,
                cluster.pod_count(),
            )?,
        ));
    }
    let heat = namespace_heat(cluster, reach);
    let shown = namespace_shown(&heat);
    out.push((
        "namespace-matrix.svg".to_string(),
        charts::matrix(
            &format!(
                "{input}: share of pod pairs allowed, by namespace{}",
                fold_words(&shown, "namespaces", "pods")
            ),
            &shown.matrix.0,
            &shown.matrix.1,
            "namespace",
        )?,
    ));
    if !cluster.pods.is_empty() {
        let by = if ranked.is_some_and(|r| !r.is_empty()) {
            "blast radius"
        } else {
            "pods"
        };
        let shown = workload_shown(cluster, reach, ranked);
        out.push((
            "pod-matrix.svg".to_string(),
            charts::matrix(
                &format!(
                    "{input}: share of pod pairs allowed, by workload{}",
                    fold_words(&shown, "workloads", by)
                ),
                &shown.matrix.0,
                &shown.matrix.1,
                "workload",
            )?,
        ));
    }
    Ok(out)
}

/// `, top 25 of 500 namespaces by pods` when rows were folded, else nothing.
pub fn fold_words(shown: &Shown, what: &str, by: &str) -> String {
    if shown.named < shown.of {
        format!(
            ", top {} of {} {what} by {by}",
            thousands(shown.named as u64),
            thousands(shown.of as u64)
        )
    } else {
        String::new()
    }
}
