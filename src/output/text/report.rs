//! The Markdown summary of `report` (summary.md).

use crate::attack::simulate::{Ranked, SimResult};
use crate::output::text::simulate::{ranking_md, sim_md};
use crate::output::text::words::{hops_words, ASSUMPTIONS};
use crate::util::text::count;

/// summary.md: the summary, the worst case, the ranking, each start, the assumptions.
pub fn summary_md(name: &str, summary: &[String], sims: &[SimResult], ranked: &[Ranked]) -> String {
    let mut md = format!("# Blast radius report: {name}\n\n");
    for l in summary {
        md.push_str(&format!("- {l}\n"));
    }
    if let Some(w) = ranked.first() {
        md.push_str(&format!(
            "\n**Worst case:** compromising `{}` reaches {} ({:.1}% of the cluster) in {}.\n\n",
            w.workload,
            count(w.blast_radius, "more pod", "more pods"),
            w.fraction * 100.0,
            hops_words(w.max_hop)
        ));
    }
    md.push_str("## Ranking\n\n");
    md.push_str(&ranking_md(ranked, 10));
    md.push_str("\n## Starting points\n\n");
    md.push_str(&sim_md(sims));
    md.push_str("## Assumptions\n\n");
    for a in ASSUMPTIONS {
        md.push_str(&format!("- {a}\n"));
    }
    md
}
