//! `explain`: why a connection is allowed or denied, rule by rule.

use crate::cli::args::ExplainArgs;
use crate::cli::error::{CliError, Outcome};
use crate::cli::input::{endpoint, in_namespace, load};
use crate::cli::print::write_out;
use crate::engine::explain::{explain, Endpoint};
use crate::model::ports::{parse_port_list, ConnSet};
use crate::output::explain::ExplainOutput;
use crate::output::format::render;

pub fn run(a: ExplainArgs) -> Result<Outcome, CliError> {
    let cluster = load(&a.input)?;
    let ns = a.namespace.as_deref();
    let from = endpoint(&cluster, &in_namespace(&a.from, ns), "from")?;
    let to = endpoint(&cluster, &in_namespace(&a.to, ns), "to")?;
    if matches!((&from, &to), (Endpoint::Ip(_), Endpoint::Ip(_))) {
        return Err(CliError::Usage(
            "--from and --to are both IP addresses: traffic with no pod at either end is out of scope (SEM-9)".into(),
        ));
    }
    let ports: Option<ConnSet> = a
        .port
        .as_deref()
        .map(parse_port_list)
        .transpose()
        .map_err(|e| CliError::flag("port", e))?;
    let e = explain(&cluster, &a.input.reach_options(), &from, &to);
    let out = ExplainOutput {
        explanation: &e,
        ports: ports.as_ref(),
    };
    write_out(&render(&out, a.output.into())?)?;
    // `--exit-code`: with --port, denied when some asked port is; without,
    // when nothing at all is allowed.
    let denied = match &ports {
        Some(p) => !p.subtract(&e.allowed).is_empty(),
        None => e.allowed.is_empty(),
    };
    if a.exit_code && denied {
        Ok(Outcome::GateFailed)
    } else {
        Ok(Outcome::Success)
    }
}
