//! The report's analysis plan and its files: default starting points, the
//! probabilistic spread it shows, and the assembly of charts, index.html,
//! summary.md and report.json (`blastradius.report/v1`) from their renderers.

use crate::attack::chokepoints::ChokeReport;
use crate::attack::graph::{AttackGraph, SimOptions, Target};
use crate::attack::montecarlo::{monte_carlo, McOptions, McResult};
use crate::attack::simulate::{Ranked, SimResult};
use crate::engine::reach::Reachability;
use crate::engine::view::{entities, ConnCounts, Entity, Level};
use crate::model::Cluster;
use crate::output::error::OutputError;
use crate::output::files::OutFile;
use crate::output::json::report::{ReportDoc, ReportParts};
use crate::output::matrix::namespace_heat;
use crate::output::render::summary_lines;
use crate::output::text::words::ASSUMPTIONS;
use crate::output::{charts, html, json, run_charts, text};
use crate::review::audit::audit;

/// How many exposed workloads the report starts from, at most.
const MAX_EXPOSED_STARTS: usize = 5;
/// How many of the worst-ranked workloads it adds.
const TOP_STARTS: usize = 3;

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

/// The simulation with the largest blast radius (ties: the first start by
/// name): the start of the attack graph, the namespace breakdown and the
/// Monte Carlo spread.
pub fn worst_sim(sims: &[SimResult]) -> Option<usize> {
    sims.iter()
        .enumerate()
        .max_by(|(_, a), (_, b)| {
            a.blast_radius
                .cmp(&b.blast_radius)
                .then_with(|| b.start.cmp(&a.start))
        })
        .map(|(i, _)| i)
}

/// The spread the report charts, from the worst starting point (see
/// [`worst_sim`]; `held[i]` holds the pods of `sims[i]`'s start) with the
/// options of `simulate --model monte-carlo` by default: 1,000 trials,
/// fewer when the work budget (`montecarlo::MC_EDGE_VISITS` edge visits,
/// counted per trial in trial order, never seconds) runs out, never below
/// `montecarlo::MC_MIN_TRIALS`; the chart, the page and report.json say
/// how many.
pub fn report_spread(
    graph: &AttackGraph,
    held: &[(String, Vec<(usize, u64)>)],
    sims: &[SimResult],
    targets: &[Target],
) -> Option<McResult> {
    let (start, pods) = held.get(worst_sim(sims)?)?;
    Some(monte_carlo(
        graph,
        start,
        pods,
        targets,
        &McOptions::default(),
    ))
}

/// Why each starting point is in the report: reachable from outside the
/// cluster, among the top by blast radius, or asked for with `--from`.
pub fn start_reasons(
    sims: &[SimResult],
    entities: &[Entity],
    reach: &Reachability,
    ranked: &[Ranked],
    namespace: Option<&str>,
) -> Vec<String> {
    let among = namespace.map_or(String::new(), |ns| format!(" in namespace {ns}"));
    sims.iter()
        .map(|r| {
            let mut why = Vec::new();
            let exposed = entities.iter().any(|e| {
                e.name == r.start
                    && e.classes.iter().any(|&c| {
                        (0..reach.ext_src.len()).any(|x| !reach.ext_to_class(x, c).is_empty())
                    })
            });
            if exposed {
                why.push(
                    "reachable from addresses outside the cluster (an entry point)".to_string(),
                );
            }
            if let Some(k) = ranked.iter().position(|x| x.workload == r.start) {
                if k < TOP_STARTS {
                    why.push(format!(
                        "number {} of {}{among} by blast radius",
                        k + 1,
                        crate::util::text::thousands(ranked.len())
                    ));
                }
            }
            if why.is_empty() {
                "a starting point asked for with --from".to_string()
            } else {
                why.join(", and ")
            }
        })
        .collect()
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
    /// `-n NS`: the starting points, the ranking and the choke points are
    /// those of the workloads of NS (stated in every file).
    pub namespace: Option<&'a str>,
}

/// The report's files, in the order they are listed and written.
pub fn report_files(r: &ReportInputs<'_>) -> Result<Vec<OutFile>, OutputError> {
    let name = r.name;
    // Counted, never listed: the list is quadratic in workloads.
    let counts = ConnCounts::count(r.cluster, r.reach, Level::Workload);
    let mut summary = summary_lines(r.cluster, r.reach, &counts, Level::Workload);
    if let Some(ns) = r.namespace {
        summary.push(format!(
            "Starting points: {} of namespace {ns} only (-n {ns}): the ranking, the hop tables and the choke points start there; the policies of every namespace still decide where they reach",
            crate::util::text::count(r.ranking.len(), "workload", "workloads")
        ));
    }
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
    let entities = entities(r.cluster, r.reach, Level::Workload);
    let reasons = start_reasons(r.simulations, &entities, r.reach, r.ranking, r.namespace);
    let findings = audit(r.cluster, r.reach);
    let html = html::html(&html::Page {
        input: name,
        summary: &summary,
        sims: r.simulations,
        reasons: &reasons,
        worst: worst_sim(r.simulations),
        ranked: r.ranking,
        findings: &findings,
        monte_carlo: r.monte_carlo,
        svgs: &files,
        namespace: r.namespace,
    });
    let md = text::report::summary_md(name, &summary, r.simulations, r.ranking, &findings);
    let namespaces = namespace_heat(r.cluster, r.reach);
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
        namespace: r.namespace,
        findings: &findings,
        namespaces: &namespaces,
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
    fn the_report_spread_asks_the_cli_default_of_1000_trials_within_the_work_budget() {
        let c = crate::input::load_str(
            "s",
            &generate(Shape::DistinctClasses, 30),
            &Default::default(),
        )
        .unwrap();
        let r = crate::engine::reach::Reachability::compile(&c, &Default::default());
        let g = AttackGraph::build(&c, &r, &SimOptions::default());
        let held = vec![
            (String::from("default/p0[Pod]"), vec![(0, 1)]),
            (String::from("default/p1[Pod]"), vec![(1, 1)]),
        ];
        let sims: Vec<_> = held.iter().map(|(n, h)| g.simulate(n, h, &[])).collect();
        let mc = super::report_spread(&g, &held, &sims, &[]).unwrap();
        // From the worst start, as the attack graph.
        let worst = super::worst_sim(&sims).unwrap();
        assert_eq!(mc.start, sims[worst].start);
        // As many trials as `simulate --model monte-carlo` runs by default.
        use clap::Parser;
        let cli = crate::cli::args::Cli::try_parse_from(["blastradius", "simulate", "x"]).unwrap();
        let crate::cli::args::Command::Simulate(a) = cli.command else {
            panic!("not simulate")
        };
        assert_eq!(a.trials, 1000);
        assert_eq!((mc.trials, mc.trials_requested), (a.trials, a.trials));
        assert_eq!(
            mc.edge_visit_budget,
            crate::attack::montecarlo::MC_EDGE_VISITS
        );
        assert!(mc.edge_visits > 0 && mc.edge_visits < mc.edge_visit_budget);
    }
}
