//! `reach`: list every allowed connection.

use crate::cli::args::ReachArgs;
use crate::cli::error::{CliError, Outcome};
use crate::cli::input::{compile, load};
use crate::cli::print::write_out;
use crate::engine::view::ConnView;
use crate::output::render::render;

pub fn run(a: ReachArgs) -> Result<Outcome, CliError> {
    let cluster = load(&a.input)?;
    let reach = compile(&cluster, &a.input);
    let view = ConnView::build(&cluster, &reach, a.level.into());
    for w in &view.warnings {
        eprintln!("warning: {w}");
    }
    write_out(&render(&cluster, &reach, &view, a.output.into())?)
}
