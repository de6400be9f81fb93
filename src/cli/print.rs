//! Printing a command's output on stdout.

use crate::cli::error::{CliError, Outcome};
use std::io::Write;

/// Write `s` to stdout; a closed pipe (`| head`) is not an error of ours.
pub fn write_out(s: &str) -> Result<Outcome, CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(Outcome::Success),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Outcome::Success),
        Err(e) => Err(CliError::Stdout(e)),
    }
}
