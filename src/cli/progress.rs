//! A progress line on stderr for the phases that take a while (loading a
//! 1 GB dump, compiling 40,000 classes): a spinner with the phase's name
//! and time, shown only when stderr is a terminal, only once the phase has
//! run a second, never with `-q`. Output files and stdout never see it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

static QUIET: AtomicBool = AtomicBool::new(false);

/// How long a phase runs before its line appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether a progress line may be drawn at all.
fn enabled() -> bool {
    !QUIET.load(Ordering::Relaxed) && std::io::stderr().is_terminal()
}

/// Run `f`, showing `what` with a spinner if it outlasts [`SHOW_AFTER`].
pub fn phase<T>(what: &str, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        bar.set_style(style);
    }
    bar.set_message(what.to_string());
    // `done` is held while the line is switched on, so a phase that ends
    // meanwhile never leaves a line behind.
    let done = Arc::new(Mutex::new(false));
    let (b, d) = (bar.clone(), Arc::clone(&done));
    let shower = std::thread::spawn(move || {
        std::thread::park_timeout(SHOW_AFTER);
        if let Ok(finished) = d.lock() {
            if !*finished {
                b.set_draw_target(ProgressDrawTarget::stderr());
                b.enable_steady_tick(Duration::from_millis(120));
            }
        }
    });
    let r = f();
    if let Ok(mut finished) = done.lock() {
        *finished = true;
    }
    bar.finish_and_clear();
    shower.thread().unpark();
    let _ = shower.join();
    r
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_phase_returns_its_value_quiet_or_not() {
        super::set_quiet(true);
        assert_eq!(super::phase("x", || 41 + 1), 42);
        super::set_quiet(false);
        assert_eq!(super::phase("x", || "y"), "y");
    }
}
