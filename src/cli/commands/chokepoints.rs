//! `chokepoints`: rank allowed edges by how much removing each cuts the
//! blast radius.

use crate::attack::chokepoints::chokepoints;
use crate::cli::args::ChokeArgs;
use crate::cli::error::{CliError, Outcome};
use crate::cli::input::{attack_graph, compile_for_attack, load, start_entities, timed};
use crate::cli::print::write_out;
use crate::engine::view::{entities, Level};
use crate::output::chokepoints::{ChokepointsOutput, StartScope};
use crate::output::format::render;
use crate::output::report_build::workload_starts;

pub fn run(a: ChokeArgs) -> Result<Outcome, CliError> {
    let cluster = load(&a.input)?;
    let reach = compile_for_attack(&cluster, &a.input)?;
    let opts = a.attack.sim_options()?;
    if opts.max_hops.is_some() {
        return Err(CliError::Usage(
            "chokepoints measures reachability at no hop limit; drop --max-hops".into(),
        ));
    }
    let targets = a.attack.targets()?;
    crate::cli::input::check_targets(&[&cluster], &targets)?;
    // `-n NS`: only the workloads of NS are compromised (the starts the
    // measure sums over); `-A`, the default, every namespace.
    let ns = a.namespace.as_deref().filter(|_| !a.all_namespaces);
    let ents = start_entities(&cluster, entities(&cluster, &reach, Level::Workload), ns)?;
    let graph = attack_graph(&cluster, &reach, &opts, a.input.opts.verbose)?;
    let starts = workload_starts(&ents);
    let scope = ns.map(|n| StartScope {
        namespace: n.to_string(),
        workloads: starts.len(),
    });
    let r = timed(a.input.opts.verbose, "chokepoints", || {
        chokepoints(&graph, &starts, &targets, a.top)
    });
    write_out(&render(
        &ChokepointsOutput(&r, scope.as_ref()),
        a.output.into(),
    )?)
}
