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

/// Write one line on stderr (a warning, a note, an error). A stderr that
/// cannot be written (`2>/dev/full`, closed) is not the run's failure: the
/// line is dropped and the exit code stays what the run decided, never a
/// panic (which `eprintln!` would raise).
pub fn err_line(line: impl std::fmt::Display) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}
