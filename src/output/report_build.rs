//! The report's analysis plan and its files: default starting points, the
//! probabilistic spread it shows, and the assembly of charts, index.html,
//! summary.md and report.json (`blastradius.report/v1`) from their renderers.

use crate::attack::chokepoints::ChokeReport;
use crate::attack::graph::{AttackGraph, SimOptions, Target};
use crate::attack::montecarlo::{monte_carlo, McOptions, McResult};
use crate::attack::simulate::{Ranked, SimResult};
use crate::engine::reach::Reachability;
use crate::engine::view::{ConnCounts, Entity, Level};
use crate::model::Cluster;
use crate::output::error::OutputError;
use crate::output::files::OutFile;
use crate::output::json::report::{ReportDoc, ReportParts};
use crate::output::render::summary_lines;
use crate::output::text::words::ASSUMPTIONS;
use crate::output::{charts, html, json, run_charts, text};

/// How many exposed workloads the report starts from, at most.
const MAX_EXPOSED_STARTS: usize = 5;
/// How many of the worst-ranked workloads it adds.
const TOP_STARTS: usize = 3;
/// Trials of the report's Monte Carlo spread: fewer when the Monte Carlo
/// work budget (`montecarlo::MC_EDGE_VISITS` edge visits, counted per trial
/// in trial order, never seconds) runs out, never below
/// `montecarlo::MC_MIN_TRIALS`; the chart and report.json say how many.
const REPORT_TRIALS: usize = 500;

/// Starting points when none are given: the workloads that outside
/// addresses reach (up to 5), then the top 3 by blast radius.
pub fn default_starts(entities: &[Entity], reach: &Reachability, ranked: &[Ranked]) -> Vec<String> {
    let mut starts: Vec<String> = Vec::new();
    for e in entities {
        let exposed = e
            .classes
            .iter()
            .any(|&c| (0..reach.ext_src.len()).any(|x| !reach.ext_to_class(x, c).is_empty()));
        if exposed && starts.len() < MAX_EXPOSED_STARTS {
            starts.push(e.name.clone());
        }
    }
    for r in ranked.iter().take(TOP_STARTS) {
        if !starts.contains(&r.workload) {
            starts.push(r.workload.clone());
        }
    }
    starts
}

/// One pod of every workload that has pods: where the choke-point measure
/// starts from.
pub fn workload_starts(entities: &[Entity]) -> Vec<usize> {
    entities
        .iter()
        .filter(|e| e.replicas > 0)
        .filter_map(|e| e.pods.first().copied())
        .collect()
}

/// The spread the report charts: 500 trials from its first starting point.
pub fn report_spread(
    graph: &AttackGraph,
    first: Option<&(String, Vec<(usize, u64)>)>,
    targets: &[Target],
) -> Option<McResult> {
    let (start, held) = first?;
    let o = McOptions {
        trials: REPORT_TRIALS,
        ..Default::default()
    };
    Some(monte_carlo(graph, start, held, targets, &o))
}

/// Everything the report is made from.
pub struct ReportInputs<'a> {
    /// The input's name: titles, report.json's `input`.
    pub name: &'a str,
    pub cluster: &'a Cluster,
    pub reach: &'a Reachability,
    pub options: &'a SimOptions,
    pub simulations: &'a [SimResult],
    pub ranking: &'a [Ranked],
    pub chokepoints: &'a ChokeReport,
    pub monte_carlo: Option<&'a McResult>,
}

/// The report's files, in the order they are listed and written.
pub fn report_files(r: &ReportInputs<'_>) -> Result<Vec<OutFile>, OutputError> {
    let name = r.name;
    // Counted, never listed: the list is quadratic in workloads.
    let counts = ConnCounts::count(r.cluster, r.reach, Level::Workload);
    let summary = summary_lines(r.cluster, r.reach, &counts, Level::Workload);
    let mut files = run_charts::charts(name, r.cluster, r.reach, r.simulations, Some(r.ranking))?;
    if !r.chokepoints.top.is_empty() {
        let items: Vec<(String, u64)> = r
            .chokepoints
            .top
            .iter()
            .map(|c| {
                let short = |w: &str| w.split('[').next().unwrap_or(w).to_string();
                (format!("{} -> {}", short(&c.from), short(&c.to)), c.drop)
            })
            .collect();
        files.push((
            "chokepoints.svg".into(),
            charts::ranking_with(
                &format!("{name}: edges whose removal cuts the most blast radius"),
                &items,
                0,
                "drop in total blast radius (pods, summed over every starting workload)",
                "allowed edge",
            )?,
        ));
    }
    if let Some(mc) = r.monte_carlo {
        files.push(("spread.svg".into(), charts::spread_bands(name, mc)?));
    }
    let html = html::html(name, &summary, r.simulations, r.ranking, &files);
    let md = text::report::summary_md(name, &summary, r.simulations, r.ranking);
    let doc = ReportDoc::from(&ReportParts {
        input: name,
        ipblock_pods: r.reach.options.ipblock_pods,
        options: r.options,
        summary: &summary,
        ranking: r.ranking,
        simulations: r.simulations,
        charts: files.iter().map(|f| f.0.clone()).collect(),
        chokepoints: r.chokepoints,
        monte_carlo: r.monte_carlo,
        assumptions: &ASSUMPTIONS,
    });
    files.push(("index.html".into(), html));
    files.push(("summary.md".into(), md));
    files.push(("report.json".into(), json::pretty(&doc)));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use crate::attack::graph::{AttackGraph, SimOptions};
    use crate::util::shapes::{generate, Shape};

    #[test]
    fn the_report_spread_asks_500_trials_within_the_work_budget() {
        let c = crate::input::load_str(
            "s",
            &generate(Shape::DistinctClasses, 30),
            &Default::default(),
        )
        .unwrap();
        let r = crate::engine::reach::Reachability::compile(&c, &Default::default());
        let g = AttackGraph::build(&c, &r, &SimOptions::default());
        let held = (String::from("default/p0[Pod]"), vec![(0, 1)]);
        let mc = super::report_spread(&g, Some(&held), &[]).unwrap();
        assert_eq!((mc.trials, mc.trials_requested), (500, 500));
        assert_eq!(
            mc.edge_visit_budget,
            crate::attack::montecarlo::MC_EDGE_VISITS
        );
        assert!(mc.edge_visits > 0 && mc.edge_visits < mc.edge_visit_budget);
    }
}
