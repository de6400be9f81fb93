//! `reach`: list every allowed connection.

use crate::cli::args::ReachArgs;
use crate::cli::error::{CliError, Outcome};
use crate::cli::input::{compile, load};
use crate::cli::print::{err_line, write_out};
use crate::engine::view::ConnView;
use crate::output::render::render;

pub fn run(a: ReachArgs) -> Result<Outcome, CliError> {
    let cluster = load(&a.input)?;
    let reach = compile(&cluster, &a.input);
    let view = ConnView::build(&cluster, &reach, a.level.into());
    for w in &view.warnings {
        err_line(format_args!("warning: {w}"));
    }
    write_out(&render(&cluster, &reach, &view, a.output.into())?)
}
