//! `simulate`: an attacker's lateral movement from the starting points,
//! deterministic or Monte Carlo.

use crate::attack::graph::{AttackGraph, Target};
use crate::attack::montecarlo::{monte_carlo, parse_probability, parse_table, McOptions, McResult};
use crate::attack::rank::{rank_all, target_hops};
use crate::attack::simulate::SimResult;
use crate::cli::args::{SimModel, SimulateArgs};
use crate::cli::error::{CliError, Outcome};
use crate::cli::input::{
    attack_graph, compile_for_attack, held_from, in_namespace, input_name, load, start_entities,
    timed, Held,
};
use crate::cli::print::write_out;
use crate::engine::view::{entities, Level};
use crate::model::selector::Selector;
use crate::model::Cluster;
use crate::output::charts::spread_bands;
use crate::output::files::{write_into, Chosen};
use crate::output::format::{check, render};
use crate::output::run_charts;
use crate::output::simulate::{MonteCarloOutput, SimulateOutput};

pub fn run(a: SimulateArgs) -> Result<Outcome, CliError> {
    let cluster = load(&a.input)?;
    let reach = compile_for_attack(&cluster, &a.input)?;
    let opts = a.attack.sim_options()?;
    let targets = a.attack.targets()?;
    crate::cli::input::check_targets(&[&cluster], &targets)?;
    if a.from.is_empty() && a.from_selector.is_none() && !a.all {
        return Err(CliError::Usage(
            "say where the attacker starts: --from ns/name, --from-selector SELECTOR, or --all"
                .into(),
        ));
    }
    let ns = a.namespace.as_deref().filter(|_| !a.all_namespaces);
    if let Some(ns) = ns {
        crate::cli::input::check_namespace(&cluster, ns)?;
    }
    let graph = attack_graph(&cluster, &reach, &opts, a.input.opts.verbose)?;
    let mut starts: Vec<Held> = Vec::new();
    for f in &a.from {
        starts.push(held_from(
            &cluster,
            &in_namespace(f, a.namespace.as_deref()),
        )?);
    }
    if let Some(sel) = &a.from_selector {
        starts.push(from_selector(&cluster, &a, sel)?);
    }
    if a.model == SimModel::MonteCarlo {
        return run_monte_carlo(&a, &graph, &starts, &targets);
    }
    let sims: Vec<SimResult> = starts
        .iter()
        .map(|(name, held)| graph.simulate(name, held, &targets))
        .collect();
    // `--all -n NS`: the workloads of NS ranked, as chokepoints and report.
    let ranked = if a.all {
        let ents = start_entities(&cluster, entities(&cluster, &reach, Level::Workload), ns)?;
        let mut ranked = rank_all(&graph, &ents);
        target_hops(&graph, &ents, &mut ranked, &targets, a.top);
        Some(ranked)
    } else {
        None
    };
    let out = SimulateOutput {
        ipblock_pods: reach.options.ipblock_pods,
        options: &opts,
        simulations: &sims,
        ranking: ranked.as_deref(),
        top: a.top,
        namespace: ns,
    };
    // Asking for a format simulate cannot write fails before any file is written.
    let text = render(&out, a.output.into())?;
    if let Some(dir) = &a.svg {
        let name = input_name(&a.input.paths);
        let files = run_charts::charts(&name, &cluster, &reach, &sims, ranked.as_deref())?;
        write_into(dir, Chosen::ByUser, &files).map_err(CliError::svg)?;
    }
    write_out(&text)
}

/// `--from-selector`: every matching pod in the namespace (or all), held together.
fn from_selector(cluster: &Cluster, a: &SimulateArgs, sel: &str) -> Result<Held, CliError> {
    let selector = Selector::parse(sel).map_err(|e| CliError::flag("from-selector", e))?;
    let ns = if a.all_namespaces {
        None
    } else {
        Some(a.namespace.clone().unwrap_or_else(|| "default".into()))
    };
    let held: Vec<(usize, u64)> = cluster
        .pods
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            ns.as_deref().is_none_or(|n| p.namespace == n) && selector.matches(&p.labels)
        })
        .map(|(i, p)| (i, u64::from(p.replicas)))
        .collect();
    if held.is_empty() {
        let labels: std::collections::BTreeSet<String> = cluster
            .pods
            .iter()
            .filter(|p| ns.as_deref().is_none_or(|n| p.namespace == n))
            .flat_map(|p| p.labels.iter().map(|(k, v)| format!("{k}={v}")))
            .collect();
        let near = crate::util::text::closest(sel, labels.iter().map(String::as_str), 3);
        return Err(CliError::Usage(format!(
            "--from-selector {sel} matches no pod in {}{}",
            ns.map_or("any namespace".into(), |n| format!(
                "namespace {n} (use -A for all namespaces)"
            )),
            if near.is_empty() {
                String::new()
            } else {
                format!("; the closest labels there: {}", near.join(", "))
            }
        )));
    }
    let scope = ns.map_or("all namespaces".into(), |n| format!("namespace {n}"));
    Ok((format!("pods {sel} in {scope}"), held))
}

fn run_monte_carlo(
    a: &SimulateArgs,
    graph: &AttackGraph,
    starts: &[Held],
    targets: &[Target],
) -> Result<Outcome, CliError> {
    if a.all || starts.is_empty() {
        return Err(CliError::Usage(
            "--model monte-carlo needs --from or --from-selector (not --all)".into(),
        ));
    }
    if a.trials == 0 {
        return Err(CliError::Usage("--trials must be at least 1".into()));
    }
    let mut o = McOptions {
        trials: a.trials,
        seed: a.seed,
        steps: a.steps,
        default_p: parse_probability(&a.p).map_err(|e| CliError::flag("p", e))?,
        max_edge_visits: a.max_edge_visits,
        ..McOptions::default()
    };
    if let Some(t) = &a.exploit_prob {
        o.table
            .extend(parse_table(t).map_err(|e| CliError::flag("exploit-prob", e))?);
    }
    let format = a.output.into();
    // Refuse an unsupported -o before running the trials.
    check(
        &MonteCarloOutput {
            options: &o,
            results: &[],
        },
        format,
    )?;
    let results: Vec<McResult> = timed(a.input.opts.verbose, "monte carlo", || {
        starts
            .iter()
            .map(|(name, held)| monte_carlo(graph, name, held, targets, &o))
            .collect()
    });
    if let Some(dir) = &a.svg {
        let name = input_name(&a.input.paths);
        let mut files = Vec::new();
        for (i, r) in results.iter().enumerate() {
            let file = if i == 0 {
                "spread.svg".to_string()
            } else {
                format!("spread-{}.svg", i + 1)
            };
            files.push((file, spread_bands(&name, r)?));
        }
        write_into(dir, Chosen::ByUser, &files).map_err(CliError::svg)?;
    }
    write_out(&render(
        &MonteCarloOutput {
            options: &o,
            results: &results,
        },
        format,
    )?)
}
