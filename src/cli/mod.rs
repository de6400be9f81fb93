//! Entry point: parse, dispatch to a command, and choose the exit code in
//! one place (0 success, 1 a check failed, 2 bad input or usage).

pub mod args;
pub mod commands;
pub mod error;
pub mod input;
pub mod print;
pub mod progress;

pub use args::{Cli, Command};
use clap::{CommandFactory, FromArgMatches, ValueEnum};
use error::{CliError, Outcome};

/// `--version`: the crate's version, and the commit when built from a git
/// checkout (`build.rs`; the version alone without git, as from crates.io).
pub const VERSION: &str = env!("BLASTRADIUS_VERSION_LONG");

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for a failed check (a gate).
pub const EXIT_GATE_FAILED: i32 = 1;
/// Exit code for bad input or usage.
pub const EXIT_BAD_INPUT: i32 = 2;

pub fn main() -> i32 {
    ignore_file_size_signal();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // clap's own usage errors follow --color too; it is read before parsing.
    let clap_color = match color_in_args(&args) {
        Some(print::ColorWhen::Always) => clap::ColorChoice::Always,
        Some(print::ColorWhen::Never) => clap::ColorChoice::Never,
        _ => clap::ColorChoice::Auto,
    };
    let parsed = Cli::command()
        .color(clap_color)
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            // `--help` and `--version` succeed only when stdout took them.
            let printed = e.print().is_ok();
            return if e.use_stderr() || !printed {
                EXIT_BAD_INPUT
            } else {
                EXIT_OK
            };
        }
    };
    progress::set_quiet(cli.quiet);
    print::set_color(cli.color);
    let result = run(cli.command);
    // `--fail-on-unevaluated`: the command ran and printed; the gate fails.
    let result = match result {
        Ok(Outcome::Success) if input::unevaluated_gate_failed() => {
            print::err_line(
                "gate failed: policy kinds that are not evaluated (--fail-on-unevaluated)",
            );
            Ok(Outcome::GateFailed)
        }
        r => r,
    };
    exit_code(result)
}

/// `--color WHEN` or `--color=WHEN` before any `--`, for clap's errors.
fn color_in_args(args: &[std::ffi::OsString]) -> Option<print::ColorWhen> {
    let mut it = args.iter().filter_map(|a| a.to_str());
    let mut found = None;
    while let Some(a) = it.next() {
        let value = match a {
            "--" => break,
            "--color" => it.next(),
            _ => a.strip_prefix("--color="),
        };
        if let Some(v) = value {
            found = print::ColorWhen::from_str(v, false).ok().or(found);
        }
    }
    found
}

/// A file-size limit (`ulimit -f`, RLIMIT_FSIZE) kills a process that
/// writes past it with SIGXFSZ; ignored, the write fails with EFBIG instead,
/// so the output writer removes what it had staged and the run ends with a
/// clear error (exit 2).
fn ignore_file_size_signal() {
    #[cfg(unix)]
    // SAFETY: SIG_IGN installs no handler code; this runs first thing in
    // `main`, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// Run one command.
pub fn run(command: Command) -> Result<Outcome, CliError> {
    match command {
        Command::Reach(a) => commands::reach::run(a),
        Command::Explain(a) => commands::explain::run(a),
        Command::Simulate(a) => commands::simulate::run(a),
        Command::Report(a) => commands::report::run(a),
        Command::Synth(a) => commands::synth::run(a),
        Command::Diff(a) => commands::diff::run(a),
        Command::Audit(a) => commands::audit::run(a),
        Command::Chokepoints(a) => commands::chokepoints::run(a),
        Command::Completions(a) => commands::shell::completions(a.shell),
        Command::Man => commands::shell::man(),
    }
}

/// The one mapping from how a command ended to the exit code; an error is
/// printed on stderr here.
pub fn exit_code(result: Result<Outcome, CliError>) -> i32 {
    match result {
        Ok(Outcome::Success) => EXIT_OK,
        Ok(Outcome::GateFailed) => EXIT_GATE_FAILED,
        Err(e) => {
            print::err_line(&e);
            EXIT_BAD_INPUT
        }
    }
}
