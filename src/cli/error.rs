//! Why a command stopped: every error the CLI reports (all exit 2; the exit
//! code is chosen in `mod.rs`, in one place).

use crate::engine::budget::TooLarge;
use crate::input::LoadErrors;
use crate::output::charts::ChartError;
use crate::output::error::OutputError;
use crate::output::format::FormatError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A flag's value is wrong.
    #[error("error: --{flag}: {msg}")]
    Flag { flag: &'static str, msg: String },
    /// Flags that do not go together, or one that is missing.
    #[error("error: {0}")]
    Usage(String),
    /// The manifests could not be read.
    #[error("{0}")]
    Load(#[from] LoadErrors),
    /// `-o` names a format this command's output does not have.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// Writing the output folder (report, synth, diff -o svg).
    #[error("error: {0}")]
    Output(OutputError),
    /// Writing the `--svg` folder of simulate.
    #[error("error: --svg: {0}")]
    Svg(OutputError),
    #[error(transparent)]
    Chart(#[from] ChartError),
    /// Something proportional to classes² over the memory budget, refused
    /// before it was allocated.
    #[error("error: {}", too_large(.0))]
    TooLarge(TooLarge),
    /// Standard output is closed or full (a closed pipe is not an error).
    #[error("error: cannot write output: {0}")]
    Stdout(std::io::Error),
}

impl CliError {
    pub fn flag(flag: &'static str, msg: impl std::fmt::Display) -> Self {
        CliError::Flag {
            flag,
            msg: msg.to_string(),
        }
    }

    /// A folder write error; a chart error stays one.
    pub fn output(e: OutputError) -> Self {
        match e {
            OutputError::Chart(c) => CliError::Chart(c),
            e => CliError::Output(e),
        }
    }

    /// A `--svg` folder write error; a chart error stays one.
    pub fn svg(e: OutputError) -> Self {
        match e {
            OutputError::Chart(c) => CliError::Chart(c),
            e => CliError::Svg(e),
        }
    }
}

/// How a command that ran ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// A gate (`--fail-on`, `--fail-on-severity`) found what it looks for.
    GateFailed,
}

/// The memory guard's message: the numbers, why there are so many, what to do.
fn too_large(e: &TooLarge) -> String {
    let why = if e.unit == "pod classes" {
        "pods form one class when no policy can tell them apart (namespace, the values of the label keys some selector reads, named ports, ipBlock atoms); a selector on a label whose value differs per pod (an id, a hash) makes every pod a class of its own: select on labels pods share, or analyse the namespaces separately"
    } else {
        "the list is quadratic in entities: use --level namespace, or `simulate --all` and `report`, which count without listing"
    };
    format!(
        "{e}; {why}; on a machine with the memory, raise the budget with BLASTRADIUS_MEMORY_BUDGET (bytes, or with K, M or G; the default is half the memory available)"
    )
}
