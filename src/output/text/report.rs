//! The Markdown summary of `report` (summary.md).

use crate::attack::simulate::{Ranked, SimResult};
use crate::output::text::simulate::{ranking_md, sim_md};
use crate::output::text::words::{hops_words, ASSUMPTIONS};
use crate::review::audit::{Finding, Severity};
use crate::util::text::{count, thousands};

/// Findings summary.md lists, one line each; `blastradius audit` lists all.
pub const MD_FINDINGS: usize = 10;

/// summary.md: the summary, the worst case, the ranking, the audit
/// findings, each start, the assumptions.
pub fn summary_md(
    name: &str,
    summary: &[String],
    sims: &[SimResult],
    ranked: &[Ranked],
    findings: &[Finding],
) -> String {
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
    md.push_str("\n## Audit findings\n\n");
    md.push_str(&audit_md(name, findings));
    md.push_str("\n## Starting points\n\n");
    md.push_str(&sim_md(sims, Some(12)));
    md.push_str("## Assumptions\n\n");
    for a in ASSUMPTIONS {
        md.push_str(&format!("- {a}\n"));
    }
    md
}

/// The audit section: counts by severity, then the most severe findings,
/// one line each with the first sentence of their fix.
fn audit_md(name: &str, findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "The audit found nothing to fix.\n".into();
    }
    let n = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let mut md = format!(
        "{}: {} high, {} medium, {} low{}. Each fix's YAML is in index.html and `blastradius audit {name}`.\n\n",
        count(findings.len(), "finding", "findings"),
        thousands(n(Severity::High)),
        thousands(n(Severity::Medium)),
        thousands(n(Severity::Low)),
        if findings.len() > MD_FINDINGS {
            format!("; the {MD_FINDINGS} most severe below")
        } else {
            String::new()
        }
    );
    let mut order: Vec<&Finding> = findings.iter().collect();
    order.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(b.id)));
    for f in order.into_iter().take(MD_FINDINGS) {
        md.push_str(&format!(
            "- **{}** [{}] {} Fix: {}\n",
            f.id,
            f.severity,
            one_line(&f.title, true),
            one_line(fix_sentence(&f.fix).trim_end_matches(':'), true)
        ));
    }
    md
}

/// The fix's first sentence (its prose before any snippet).
fn fix_sentence(fix: &str) -> &str {
    let prose = fix.split("\n\n").next().unwrap_or(fix);
    match prose.find(". ") {
        Some(i) => prose.get(..=i).unwrap_or(prose),
        None => prose,
    }
}

/// Whitespace runs as one space, a full stop at the end when `stop`.
fn one_line(s: &str, stop: bool) -> String {
    let mut t = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if stop && !t.ends_with('.') {
        t.push('.');
    }
    t
}
