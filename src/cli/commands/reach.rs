//! `reach`: list every allowed connection.

use crate::cli::args::ReachArgs;
use crate::cli::error::{CliError, Outcome};
use crate::cli::input::{check_namespace, compile, load, memory_budget};
use crate::cli::print::{err_line, write_out};
use crate::engine::view::{ConnCounts, ConnView};
use crate::output::render::render;

/// Bytes a listed connection costs at peak: the entry (40) and its line of
/// output (up to about 160 in JSON, held until written).
const BYTES_PER_CONNECTION: u64 = 200;

pub fn run(a: ReachArgs) -> Result<Outcome, CliError> {
    let cluster = load(&a.input)?;
    let reach = compile(&cluster, &a.input)?;
    let level = a.level.into();
    // The list is quadratic in entities: counted first (one matrix read a
    // pair, no allocation), refused before it is built when too long.
    let counts = ConnCounts::count(&cluster, &reach, level);
    if counts.connections > a.max_connections {
        return Err(CliError::Usage(format!(
            "the connection list would hold {} connections between {} entities, more than --max-connections ({}; each million takes about 5 s and 200 MB of output): use --level namespace, or `simulate --all` and `report`, which count without listing, or raise --max-connections",
            counts.connections, counts.entities, a.max_connections
        )));
    }
    memory_budget()?
        .check_of(
            "the connection list",
            counts.entities,
            "entities",
            (counts.connections as u64).saturating_mul(BYTES_PER_CONNECTION),
        )
        .map_err(CliError::TooLarge)?;
    let mut view = ConnView::build(&cluster, &reach, level);
    if let Some(ns) = &a.namespace {
        check_namespace(&cluster, ns)?;
        view.keep_namespace(ns);
    }
    for w in &view.warnings {
        err_line(format_args!("warning: {w}"));
    }
    write_out(&render(&cluster, &reach, &view, a.output.into())?)
}
