//! The text of `simulate --model monte-carlo`: per-step bands and crown-jewel odds.

use crate::attack::montecarlo::McResult;
use crate::util::text::{count, group_digits, thousands};

/// One starting point's result.
pub fn text(r: &McResult) -> String {
    let trials = if r.trials < r.trials_requested {
        format!(
            "{} of {} trials (the budget of {} edge visits ran out; --max-edge-visits raises it)",
            thousands(r.trials),
            thousands(r.trials_requested),
            thousands(r.edge_visit_budget)
        )
    } else {
        format!(
            "{} trials ({} edge visits, budget {})",
            thousands(r.trials),
            thousands(r.edge_visits),
            thousands(r.edge_visit_budget)
        )
    };
    let mut s = format!(
        "Monte Carlo from {}: {trials}, seed {}, {}, {} in the cluster\n\n{:<5} {:>9} {:>7} {:>7} {:>7}\n",
        r.start,
        r.seed,
        count(r.steps, "step", "steps"),
        count(r.total_pods, "pod", "pods"),
        "STEP", "MEAN", "P10", "P50", "P90"
    );
    for (t, b) in r.compromised.iter().enumerate() {
        s.push_str(&format!(
            "{:<5} {:>9} {:>7} {:>7} {:>7}\n",
            t,
            group_digits(&format!("{:.2}", b.mean)),
            thousands(b.p10),
            thousands(b.p50),
            thousands(b.p90)
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

#[cfg(test)]
mod tests {
    use super::text;
    use crate::attack::fixtures::chain;
    use crate::attack::graph::{SimOptions, Target};
    use crate::attack::montecarlo::{monte_carlo, McOptions};

    #[test]
    fn a_table_per_step_then_each_crown_jewel() {
        let w = chain();
        let g = w.graph(&SimOptions::default());
        let o = McOptions {
            trials: 10,
            seed: 1,
            steps: 2,
            default_p: 1.0,
            table: Vec::new(),
            ..McOptions::default()
        };
        let t = [Target::parse("app=d").unwrap()];
        let s = text(&monte_carlo(&g, "x/a", &[(w.pod("x/a"), 1)], &t, &o));
        assert!(s.starts_with(
            "Monte Carlo from x/a: 10 trials (30 edge visits, budget 500,000,000), seed 1, 2 steps, 5 pods in the cluster\n\nSTEP       MEAN     P10     P50     P90\n0          1.00       1       1       1\n"
        ), "{s}");
        assert!(
            s.ends_with("\nCrown jewel app=d: compromised within 2 steps with probability 0.000\n"),
            "{s}"
        );
    }
}
