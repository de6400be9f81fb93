//! The text of `simulate --model monte-carlo`: per-step bands and crown-jewel odds.

use crate::attack::montecarlo::McResult;

/// One starting point's result.
pub fn text(r: &McResult) -> String {
    let mut s = format!(
        "Monte Carlo from {}: {} trials, seed {}, {} steps, {} pods in the cluster\n\n{:<5} {:>9} {:>7} {:>7} {:>7}\n",
        r.start, r.trials, r.seed, r.steps, r.total_pods, "STEP", "MEAN", "P10", "P50", "P90"
    );
    for (t, b) in r.compromised.iter().enumerate() {
        s.push_str(&format!(
            "{:<5} {:>9.2} {:>7} {:>7} {:>7}\n",
            t, b.mean, b.p10, b.p50, b.p90
        ));
    }
    for t in &r.targets {
        s.push_str(&format!(
            "\nCrown jewel {}: compromised within {} steps with probability {:.3}",
            t.selector, r.steps, t.probability
        ));
        if let Some(b) = &t.time_to_compromise {
            s.push_str(&format!(
                "; steps to compromise p10 {} / p50 {} / p90 {} (mean {:.2})",
                b.p10, b.p50, b.p90, b.mean
            ));
        }
        s.push('\n');
    }
    s
}
