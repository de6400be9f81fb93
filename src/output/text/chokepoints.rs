//! The text of `chokepoints`: the measure, the search's reach, the ranked edges.

use crate::attack::chokepoints::{ChokeReport, MAX_SCC_FOR_INNER_EDGES};
use crate::output::chokepoints::StartScope;
use crate::util::text::thousands;

/// The ranked edges with the rules to change for each.
pub fn text(r: &ChokeReport) -> String {
    text_in(r, None)
}

/// [`text`], saying under the measure which namespace the starting
/// workloads were restricted to (`-n`).
pub fn text_in(r: &ChokeReport, scope: Option<&StartScope>) -> String {
    let mut s = format!("Measure: {}\n", r.measure);
    if let Some(sc) = scope {
        s.push_str(&sc.line());
        s.push('\n');
    }
    s += &format!(
        "Total now: {}; {} edges, {} could matter; evaluated {} of {} candidate edges exactly (budget: {} evaluations){}\n",
        thousands(r.total),
        thousands(r.edges),
        thousands(r.candidates),
        thousands(r.evaluated),
        thousands(r.candidates),
        thousands(r.budget),
        if r.exact {
            ": the ranking is exact"
        } else {
            ": budget reached, best found, not proven"
        }
    );
    if r.skipped_inner > 0 {
        s.push_str(&format!(
            "{} edges inside strongly connected groups of more than {} pod classes were not evaluated one by one\n",
            thousands(r.skipped_inner),
            MAX_SCC_FOR_INNER_EDGES
        ));
    }
    s.push('\n');
    if r.top.is_empty() {
        s.push_str("No single edge lowers the measure: every path has an alternative.\n");
    }
    for (i, c) in r.top.iter().enumerate() {
        let pct = if c.measure_before == 0 {
            0.0
        } else {
            c.drop as f64 * 100.0 / c.measure_before as f64
        };
        s.push_str(&format!(
            "{:>2}. {} -> {} ({}): -{} ({pct:.1}%)\n",
            i + 1,
            c.from,
            c.to,
            c.conns,
            thousands(c.drop)
        ));
        if !c.also.is_empty() {
            s.push_str(&format!("    same pod classes as: {}\n", c.also.join(", ")));
        }
        for r in &c.rules {
            s.push_str(&format!("    change: {r}\n"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::text;
    use crate::attack::chokepoints::chokepoints;
    use crate::attack::fixtures::chain;
    use crate::attack::graph::SimOptions;

    #[test]
    fn ranks_the_edges_with_their_share_and_the_rules_to_change() {
        let w = chain();
        let g = w.graph(&SimOptions::default());
        let starts = ["x/a", "x/b", "x/c", "x/d"].map(|s| w.pod(s));
        let s = text(&chokepoints(&g, &starts, &[], 10));
        assert!(s.starts_with("Measure: "), "{s}");
        assert!(s.contains("; 3 edges, "), "{s}");
        assert!(
            s.contains(
                " could matter; evaluated 3 of 3 candidate edges exactly (budget: 3 evaluations): the ranking is exact\n\n"
            ),
            "{s}"
        );
        assert!(
            s.contains("\n 1. x/a[Pod] -> x/b[Deployment] (TCP 8080): -4 (57.1%)\n"),
            "{s}"
        );
        assert!(s.contains("    change: "), "{s}");
    }

    #[test]
    fn says_when_no_edge_matters() {
        let w = chain();
        let g = w.graph(&SimOptions::default());
        let s = text(&chokepoints(&g, &[w.pod("x/d")], &[], 10));
        assert!(
            s.ends_with("\nNo single edge lowers the measure: every path has an alternative.\n")
        );
    }
}
