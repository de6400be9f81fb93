//! `completions SHELL` and `man`: generated from the one clap definition.

use crate::cli::args::Cli;
use crate::cli::error::{CliError, Outcome};
use crate::cli::print::write_out;
use clap::CommandFactory;

pub fn completions(shell: clap_complete::Shell) -> Result<Outcome, CliError> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "blastradius", &mut buf);
    write_out(&String::from_utf8_lossy(&buf))
}

pub fn man() -> Result<Outcome, CliError> {
    let cmd = Cli::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut buf)
        .map_err(CliError::Stdout)?;
    write_out(&String::from_utf8_lossy(&buf))
}
