//! Printing a command's output on stdout, and lines on stderr; colour on a
//! terminal only (`--color`, `NO_COLOR`).

use crate::cli::error::{CliError, Outcome};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU8, Ordering};

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set (and not empty).
    #[default]
    Auto,
    /// Always, into files and pipes too.
    Always,
    /// Never.
    Never,
}

/// 0 unset (auto), 1 always, 2 never.
static COLOR: AtomicU8 = AtomicU8::new(0);

/// Set once, in `main`, from `--color`.
pub fn set_color(when: ColorWhen) {
    let v = match when {
        ColorWhen::Auto => 0,
        ColorWhen::Always => 1,
        ColorWhen::Never => 2,
    };
    COLOR.store(v, Ordering::Relaxed);
}

/// Whether text for a stream that `is_terminal` says of gets colour.
fn color_for(is_terminal: bool) -> bool {
    match COLOR.load(Ordering::Relaxed) {
        1 => true,
        2 => false,
        _ => is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// Whether stdout gets colour.
pub fn stdout_color() -> bool {
    color_for(std::io::stdout().is_terminal())
}

/// Whether stderr gets colour.
pub fn stderr_color() -> bool {
    color_for(std::io::stderr().is_terminal())
}

const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const CYAN: &str = "\x1b[1;36m";
const RESET: &str = "\x1b[0m";

/// The tool's own line prefixes and their colours (as clap colours its
/// `error:`).
const PREFIXES: [(&str, &str); 4] = [
    ("error:", RED),
    ("gate failed:", RED),
    ("warning:", YELLOW),
    ("note:", CYAN),
];

/// Each line of `text` with its `error:`/`warning:`/`note:`/`gate failed:`
/// prefix coloured.
pub fn paint_prefixes(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match PREFIXES.iter().find(|(p, _)| line.starts_with(p)) {
            Some((p, colour)) => {
                out.push_str(colour);
                out.push_str(p);
                out.push_str(RESET);
                out.push_str(line.get(p.len()..).unwrap_or_default());
            }
            None => out.push_str(line),
        }
    }
    out
}

/// Audit's text: the `[high]`, `[medium]`, `[low]` after a finding's id
/// coloured (red, yellow, cyan), in the full and the `--brief` form.
pub fn paint_severities(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let painted = [("[high]", RED), ("[medium]", YELLOW), ("[low]", CYAN)]
            .iter()
            .find_map(|(tag, colour)| {
                let at = line.find(tag)?;
                // Only the tag right after `BRnnn `.
                let head = line.get(..at)?;
                let is_id = head.len() == 6
                    && head.starts_with("BR")
                    && head.ends_with(' ')
                    && head.get(2..5)?.bytes().all(|b| b.is_ascii_digit());
                is_id.then(|| {
                    format!(
                        "{head}{colour}{tag}{RESET}{}",
                        line.get(at + tag.len()..).unwrap_or_default()
                    )
                })
            });
        match painted {
            Some(p) => out.push_str(&p),
            None => out.push_str(line),
        }
    }
    out
}

/// Write `s` to stdout; a closed pipe (`| head`) is not an error of ours.
pub fn write_out(s: &str) -> Result<Outcome, CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(Outcome::Success),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Outcome::Success),
        Err(e) => Err(CliError::Stdout(e)),
    }
}

/// Write one line on stderr (a warning, a note, an error), its prefix
/// coloured when stderr gets colour. A stderr that cannot be written
/// (`2>/dev/full`, closed) is not the run's failure: the line is dropped and
/// the exit code stays what the run decided, never a panic (which
/// `eprintln!` would raise).
pub fn err_line(line: impl std::fmt::Display) {
    let text = line.to_string();
    let text = if stderr_color() {
        paint_prefixes(&text)
    } else {
        text
    };
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_severities_are_painted_only_where_they_stand() {
        assert_eq!(
            paint_prefixes("error: a\n  error: not a prefix\nwarning: b"),
            "\x1b[1;31merror:\x1b[0m a\n  error: not a prefix\n\x1b[1;33mwarning:\x1b[0m b"
        );
        assert_eq!(
            paint_severities("BR001 [high] x [low]\n  why: [high]\nBR009 [low] y"),
            "BR001 \x1b[1;31m[high]\x1b[0m x [low]\n  why: [high]\nBR009 \x1b[1;36m[low]\x1b[0m y"
        );
    }
}
