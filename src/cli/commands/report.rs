//! `report`: write the full report (HTML, Markdown, JSON, SVG charts).

use crate::attack::chokepoints::chokepoints;
use crate::attack::rank::rank_all;
use crate::attack::simulate::SimResult;
use crate::cli::args::ReportArgs;
use crate::cli::error::{CliError, Outcome};
use crate::cli::input::{
    attack_graph, compile_for_attack, held_from, in_namespace, input_name, load, start_entities,
    timed, Held,
};
use crate::cli::print::err_line;
use crate::engine::view::{entities, Level};
use crate::output::files::{write_folder, Chosen};
use crate::output::report_build::{
    default_starts, report_files, report_spread, workload_starts, ReportInputs,
};
use crate::util::text::path_text;
use std::path::PathBuf;

pub fn run(a: ReportArgs) -> Result<Outcome, CliError> {
    let cluster = load(&a.input)?;
    let reach = compile_for_attack(&cluster, &a.input)?;
    let opts = a.attack.sim_options()?;
    let targets = a.attack.targets()?;
    crate::cli::input::check_targets(&[&cluster], &targets)?;
    // `-n NS`: the workloads of NS are the ones compromised (default
    // starting points, ranking, choke points); `-A`, the default, all.
    let ns = a.namespace.as_deref().filter(|_| !a.all_namespaces);
    let entities = start_entities(&cluster, entities(&cluster, &reach, Level::Workload), ns)?;
    let graph = attack_graph(&cluster, &reach, &opts, a.input.opts.verbose)?;
    let ranked = rank_all(&graph, &entities);
    let starts = if a.from.is_empty() {
        default_starts(&entities, &reach, &ranked)
    } else {
        a.from.iter().map(|f| in_namespace(f, ns)).collect()
    };
    let held: Vec<Held> = starts
        .iter()
        .map(|f| held_from(&cluster, f))
        .collect::<Result<_, _>>()?;
    let sims: Vec<SimResult> = held
        .iter()
        .map(|(name, held)| graph.simulate(name, held, &targets))
        .collect();
    let name = input_name(&a.input.paths);
    let (dir, chosen) = match &a.out {
        Some(d) => (d.clone(), Chosen::ByUser),
        None => (PathBuf::from("out").join(&name), Chosen::Default),
    };
    let chokes = timed(a.input.opts.verbose, "chokepoints", || {
        chokepoints(&graph, &workload_starts(&entities), &targets, 10)
    });
    let mc = report_spread(&graph, &held, &sims, &targets);
    let files = report_files(&ReportInputs {
        name: &name,
        cluster: &cluster,
        reach: &reach,
        options: &opts,
        simulations: &sims,
        ranking: &ranked,
        chokepoints: &chokes,
        monte_carlo: mc.as_ref(),
        namespace: ns,
    })
    .map_err(CliError::output)?;
    write_folder(&dir, chosen, &files).map_err(CliError::output)?;
    let mut names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    names.sort_unstable();
    err_line(format_args!(
        "wrote {} files to {}: {}",
        files.len(),
        path_text(&dir),
        names.join(", ")
    ));
    Ok(Outcome::Success)
}
