//! `diff -o svg`: blast radius before and after, and the worst workload's
//! spread by hop on each side (its simulation re-run on both sides).

use crate::attack::graph::{AttackGraph, SimOptions, Target};
use crate::engine::reach::Reachability;
use crate::model::Cluster;
use crate::output::charts::{self, ChartError, HopSeries};
use crate::output::files::OutFile;
use crate::review::diff::Diff;

/// One side of the comparison, for the charts.
pub struct ChartSide<'a> {
    pub cluster: &'a Cluster,
    pub reach: &'a Reachability,
}

/// `diff-blast-radius.svg`, and `diff-reach-by-hop.svg` when some workload's
/// blast radius is listed.
pub fn diff_charts(
    name: &str,
    d: &Diff,
    old: &ChartSide<'_>,
    new: &ChartSide<'_>,
    sim: &SimOptions,
    targets: &[Target],
) -> Result<Vec<OutFile>, ChartError> {
    let items: Vec<(String, u64, u64)> = d
        .blast_radius
        .iter()
        .take(20)
        .map(|b| {
            (
                b.workload.clone(),
                b.before.unwrap_or(0),
                b.after.unwrap_or(0),
            )
        })
        .collect();
    let total = d.total_pods_before.max(d.total_pods_after);
    let mut files = vec![(
        "diff-blast-radius.svg".to_string(),
        charts::paired_bars(
            &format!("{name}: blast radius before and after"),
            &items,
            total,
        )?,
    )];
    if let Some(worst) = d.blast_radius.first() {
        let mut series = Vec::new();
        for (label, side) in [("before", old), ("after", new)] {
            if let Some(first) = side
                .cluster
                .find_pods(&worst.workload)
                .ok()
                .and_then(|pods| pods.first().copied())
            {
                let g = AttackGraph::build(side.cluster, side.reach, sim);
                let r = g.simulate(&worst.workload, &[(first, 1)], targets);
                series.push(HopSeries {
                    name: format!("{} ({label})", worst.workload),
                    pods: r.hops.iter().map(|h| h.pods).collect(),
                });
            }
        }
        files.push((
            "diff-reach-by-hop.svg".to_string(),
            charts::reach_by_hop(
                &format!("{name}: {} before and after", worst.workload),
                &series,
                total,
                &[],
            )?,
        ));
    }
    Ok(files)
}
