//! The text and Markdown of `simulate`: each starting point's spread and the `--all` ranking.

use crate::attack::simulate::{Ranked, SimResult};
use crate::output::text::words::{hop_cells, hops_words, newly_reached, range_words};
use crate::util::text::{count, thousands};
use std::fmt::Write as _;

fn pct(f: f64) -> String {
    format!("{:.1}%", f * 100.0)
}

pub fn sim_text(results: &[SimResult]) -> String {
    let mut s = String::new();
    for (i, r) in results.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        let last = r.hops.last();
        let _ = writeln!(
            s,
            "Compromised: {} ({} pod{} held of {} in the cluster)",
            r.start,
            thousands(r.start_pods),
            if r.start_pods == 1 { "" } else { "s" },
            thousands(r.total_pods)
        );
        let _ = writeln!(
            s,
            "Blast radius: {} ({} of the cluster) in {} hop{}\n",
            count(r.blast_radius, "pod", "pods"),
            pct(r.blast_fraction),
            last.map_or(0, |h| h.hop),
            if last.map_or(0, |h| h.hop) == 1 {
                ""
            } else {
                "s"
            }
        );
        let _ = writeln!(
            s,
            "{:<4} {:>8} {:>6} {:>9} {:>9} {:>10}  NEWLY REACHED",
            "HOP", "NEW PODS", "PODS", "%CLUSTER", "WORKLOADS", "NAMESPACES"
        );
        for h in &r.hops {
            let _ = writeln!(
                s,
                "{:<4} {:>8} {:>6} {:>9} {:>9} {:>10}  {}",
                h.hop,
                thousands(h.new_pods),
                thousands(h.pods),
                pct(h.fraction),
                thousands(h.workloads),
                thousands(h.namespaces),
                newly_reached(h, "")
            );
        }
        if !r.reached.is_empty() {
            s.push_str("\nShortest attack paths:\n");
            for w in &r.reached {
                let _ = writeln!(s, "  hop {}  {}", w.hop, w.path);
            }
        }
        if !r.targets.is_empty() {
            s.push_str("\nCrown jewels:\n");
            for t in &r.targets {
                match (t.hop, &t.path) {
                    (Some(h), Some(p)) => {
                        let _ = writeln!(s, "  {}: reached at hop {h}: {p}", t.selector);
                    }
                    _ if t.matches.is_empty() => {
                        let _ = writeln!(s, "  {}: matches no pod", t.selector);
                    }
                    _ => {
                        let _ = writeln!(
                            s,
                            "  {}: unreachable ({})",
                            t.selector,
                            t.matches.join(", ")
                        );
                    }
                }
            }
        }
        // Names only when some are (CNP-12).
        if r.exfiltration.iter().any(|e| e.span.is_none()) {
            s.push_str("\nExfiltration (external IP ranges and names reachable):\n");
        } else {
            s.push_str("\nExfiltration (external IP ranges reachable):\n");
        }
        if r.exfiltration.is_empty() {
            s.push_str("  none\n");
        }
        for e in &r.exfiltration {
            let _ = writeln!(
                s,
                "  {}  hop {} from {} : {}",
                range_words(&e.range),
                e.hop,
                e.from,
                e.conns
            );
        }
    }
    s
}

/// Attack paths listed per start when the lists are cut (the page's 15).
const MD_PATHS: usize = 15;

/// Each start's spread in Markdown; `max_listed` cuts each hop's "newly
/// reached" list after that many workloads ("and N more"; summary.md: 12,
/// as the page) and lists [`MD_PATHS`] attack paths, so a 10,000-pod
/// summary stays a page, not megabytes.
pub fn sim_md(results: &[SimResult], max_listed: Option<usize>) -> String {
    let mut s = String::new();
    for r in results {
        let _ = writeln!(
            s,
            "### Compromised: `{}`\n\n**Blast radius: {} ({} of {}) in {}.**\n",
            r.start,
            count(r.blast_radius, "pod", "pods"),
            pct(r.blast_fraction),
            thousands(r.total_pods),
            hops_words(r.hops.last().map(|h| h.hop))
        );
        s.push_str("| hop | new pods | pods | % cluster | workloads | namespaces | newly reached |\n|---|---|---|---|---|---|---|\n");
        for h in &r.hops {
            let cells = hop_cells(h, cut_list(&newly_reached(h, "`"), max_listed));
            let _ = writeln!(s, "| {} |", cells.join(" | "));
        }
        if !r.targets.is_empty() {
            s.push_str("\n| crown jewel | hop | path |\n|---|---|---|\n");
            for t in &r.targets {
                let _ = writeln!(
                    s,
                    "| `{}` | {} | {} |",
                    t.selector,
                    t.hop.map_or("unreachable".into(), |h| h.to_string()),
                    t.path
                        .as_deref()
                        .map_or(String::from("-"), |p| format!("`{p}`"))
                );
            }
        }
        if !r.reached.is_empty() {
            s.push_str("\n<details><summary>Shortest attack paths</summary>\n\n");
            // As many paths as the page lists when the lists are cut.
            let shown = max_listed.map_or(r.reached.len(), |_| MD_PATHS);
            for w in r.reached.iter().take(shown) {
                let _ = writeln!(s, "- hop {}: `{}`", w.hop, w.path);
            }
            if r.reached.len() > shown {
                let _ = writeln!(
                    s,
                    "- and {} more (`blastradius simulate` lists them all)",
                    thousands(r.reached.len() - shown)
                );
            }
            s.push_str("\n</details>\n");
        }
        if !r.exfiltration.is_empty() {
            let head = if r.exfiltration.iter().any(|e| e.span.is_none()) {
                "external range or name"
            } else {
                "external range"
            };
            let _ = write!(s, "\n| {head} | hop | from | ports |\n|---|---|---|---|\n");
            for e in &r.exfiltration {
                let _ = writeln!(
                    s,
                    "| {} | {} | `{}` | {} |",
                    range_words(&e.range),
                    e.hop,
                    e.from,
                    e.conns
                );
            }
        }
        s.push('\n');
    }
    s
}

/// A comma-separated list cut after `max` items (`a, b and 3 more`).
pub fn cut_list(list: &str, max: Option<usize>) -> String {
    let Some(max) = max else {
        return list.to_string();
    };
    let items: Vec<&str> = list.split(", ").collect();
    if items.len() <= max {
        return list.to_string();
    }
    format!(
        "{} and {} more",
        items
            .iter()
            .take(max)
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
        thousands(items.len() - max)
    )
}

pub fn ranking_text(r: &[Ranked], top: usize) -> String {
    ranking_text_in(r, top, None)
}

/// [`ranking_text`] of the workloads of one namespace (`--all -n NS`), said
/// in its heading.
pub fn ranking_text_in(r: &[Ranked], top: usize, namespace: Option<&str>) -> String {
    let with_targets = r.iter().take(top).any(|x| !x.target_hops.is_empty());
    let mut s = format!(
        "Blast radius of every workload{} ({}; top {}):\n\n{:<5} {:<50} {:>6} {:>12} {:>9} {:>7}{}\n",
        namespace.map_or(String::new(), |ns| format!(" of namespace {ns}")),
        count(r.len(), "workload", "workloads"),
        top.min(r.len()),
        "RANK",
        "WORKLOAD",
        "PODS",
        "BLAST RADIUS",
        "%CLUSTER",
        "MAX HOP",
        if with_targets { "  TARGET HOP" } else { "" }
    );
    for (i, x) in r.iter().take(top).enumerate() {
        let _ = writeln!(
            s,
            "{:<5} {:<50} {:>6} {:>12} {:>9} {:>7}{}",
            i + 1,
            x.workload,
            thousands(x.replicas),
            thousands(x.blast_radius),
            pct(x.fraction),
            x.max_hop.map_or("-".into(), |h| h.to_string()),
            if with_targets {
                format!("  {}", target_hops(x))
            } else {
                String::new()
            }
        );
    }
    if with_targets {
        s.push_str("\nTARGET HOP: the hop at which each --target is first reached (`-`: never), in --target order\n");
    }
    s
}

/// `2`, or `1/-` for two targets.
fn target_hops(x: &Ranked) -> String {
    let hops: Vec<String> = x
        .target_hops
        .iter()
        .map(|h| h.map_or("-".into(), |h| h.to_string()))
        .collect();
    hops.join("/")
}

pub fn ranking_md(r: &[Ranked], top: usize) -> String {
    let with_targets = r.iter().take(top).any(|x| !x.target_hops.is_empty());
    let mut s = if with_targets {
        String::from("| rank | workload | pods | blast radius | % cluster | max hop | target hop |\n|---|---|---|---|---|---|---|\n")
    } else {
        String::from("| rank | workload | pods | blast radius | % cluster | max hop |\n|---|---|---|---|---|---|\n")
    };
    for (i, x) in r.iter().take(top).enumerate() {
        let _ = writeln!(
            s,
            "| {} | `{}` | {} | {} | {} | {} |{}",
            i + 1,
            x.workload,
            thousands(x.replicas),
            thousands(x.blast_radius),
            pct(x.fraction),
            x.max_hop.map_or("-".into(), |h| h.to_string()),
            if with_targets {
                format!(" {} |", target_hops(x))
            } else {
                String::new()
            }
        );
    }
    s
}
