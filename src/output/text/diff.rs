//! The text and Markdown (pull-request comment) of `diff`.

use crate::output::text::words::hops_words;
use crate::review::diff::{BlastChange, ConnChange, Diff};
use crate::util::text::{count, group_digits, thousands};

fn gains(c: &ConnChange) -> String {
    let mut parts = Vec::new();
    if !c.gained.is_empty() {
        parts.push(format!("+{}", c.gained.to_connlist()));
    }
    if !c.lost.is_empty() {
        parts.push(format!("-{}", c.lost.to_connlist()));
    }
    parts.join(" ")
}

/// One line for the top of a PR comment or a terminal.
pub fn headline(d: &Diff) -> String {
    let up = d.blast_radius.iter().filter(|b| b.delta > 0).count();
    let down = d.blast_radius.iter().filter(|b| b.delta < 0).count();
    let mut s = format!(
        "{} added, {} removed, {} changed connections; blast radius up for {up} workload{}, down for {down}",
        thousands(d.added.len()),
        thousands(d.removed.len()),
        thousands(d.changed.len()),
        if up == 1 { "" } else { "s" }
    );
    if let Some(b) = d.blast_radius.first().filter(|b| b.delta > 0) {
        s.push_str(&format!(
            " (largest: {} +{})",
            b.workload,
            count(b.delta, "pod", "pods")
        ));
    }
    if !d.new_target_paths.is_empty() {
        s.push_str(&format!(
            "; {} TO CROWN JEWELS",
            count(d.new_target_paths.len(), "NEW PATH", "NEW PATHS")
        ));
    }
    s
}

/// The terminal text: crown-jewel paths first, then connections and blast radius.
pub fn text(d: &Diff) -> String {
    let mut s = format!("{}\n", headline(d));
    if !d.new_target_paths.is_empty() {
        s.push_str("\nNew paths to crown jewels:\n");
        for t in &d.new_target_paths {
            s.push_str(&format!(
                "  ! {} reaches {} at hop {} (was unreachable): {}\n",
                t.workload,
                t.target,
                t.hops_after.unwrap_or(0),
                t.path_after.as_deref().unwrap_or("")
            ));
        }
    }
    if !d.closer_targets.is_empty() {
        s.push_str("\nCrown jewels now closer:\n");
        for t in &d.closer_targets {
            s.push_str(&format!(
                "  {} reaches {} in {} (was {})\n",
                t.workload,
                t.target,
                hops_words(t.hops_after),
                hops_words(t.hops_before)
            ));
        }
    }
    if !d.further_targets.is_empty() {
        s.push_str("\nCrown jewels now further:\n");
        for t in &d.further_targets {
            s.push_str(&format!("  {}", further_line(t)));
            if let Some(p) = &t.path_after {
                s.push_str(&format!(": {p}"));
            }
            s.push('\n');
        }
    }
    if !d.workloads_added.is_empty() || !d.workloads_removed.is_empty() {
        s.push_str("\nWorkloads:\n");
        for w in &d.workloads_added {
            s.push_str(&format!("  + {w} (new workload)\n"));
        }
        for w in &d.workloads_removed {
            s.push_str(&format!("  - {w} (removed workload)\n"));
        }
    }
    for (title, list, mark) in [
        ("Connections added", &d.added, '+'),
        ("Connections removed", &d.removed, '-'),
    ] {
        if !list.is_empty() {
            s.push_str(&format!("\n{title}:\n"));
            for c in list {
                let conns = if mark == '+' { &c.after } else { &c.before };
                s.push_str(&format!(
                    "  {mark} {} => {} : {}\n",
                    c.src,
                    c.dst,
                    conns.to_connlist()
                ));
            }
        }
    }
    if !d.changed.is_empty() {
        s.push_str("\nConnections changed:\n");
        for c in &d.changed {
            s.push_str(&format!("  ~ {} => {} : {}\n", c.src, c.dst, gains(c)));
        }
    }
    let moved: Vec<&BlastChange> = d.blast_radius.iter().filter(|b| b.delta != 0).collect();
    if !moved.is_empty() {
        s.push_str("\nBlast radius (pods reached; before -> after):\n");
        for b in moved {
            s.push_str(&format!(
                "  {:<50} {:>6} -> {:<6} {}\n",
                b.workload,
                b.before.map_or("-".into(), thousands),
                b.after.map_or("-".into(), thousands),
                group_digits(&format!("{:+}", b.delta))
            ));
        }
    }
    s
}

/// `shop/frontend[Deployment] reaches tier=db in 2 hops (was 1 hop)`, or
/// `no longer reaches` when the path is cut.
fn further_line(t: &crate::review::diff::TargetChange) -> String {
    match t.hops_after {
        Some(_) => format!(
            "{} reaches {} in {} (was {})",
            t.workload,
            t.target,
            hops_words(t.hops_after),
            hops_words(t.hops_before)
        ),
        None => format!(
            "{} no longer reaches {} (was {})",
            t.workload,
            t.target,
            hops_words(t.hops_before)
        ),
    }
}

/// A pull-request comment: the summary first, details folded.
pub fn md(d: &Diff) -> String {
    let mut s = String::from("### NetworkPolicy change: blast radius review\n\n");
    if !d.new_target_paths.is_empty() {
        s.push_str("> [!CAUTION]\n> This change opens new paths to crown jewels:\n");
        for t in &d.new_target_paths {
            s.push_str(&format!(
                "> - `{}` reaches `{}` at hop {}: `{}`\n",
                t.workload,
                t.target,
                t.hops_after.unwrap_or(0),
                t.path_after.as_deref().unwrap_or("")
            ));
        }
        s.push('\n');
    }
    s.push_str(&format!("**{}**\n\n", headline(d)));
    if !d.further_targets.is_empty() {
        s.push_str("Crown jewels now further (this change lengthens or cuts these paths):\n");
        for t in &d.further_targets {
            s.push_str(&format!("- {}\n", further_line(t)));
        }
        s.push('\n');
    }
    let moved: Vec<&BlastChange> = d.blast_radius.iter().filter(|b| b.delta != 0).collect();
    if !moved.is_empty() {
        s.push_str("| workload | blast radius before | after | change |\n|---|---|---|---|\n");
        for b in moved.iter().take(10) {
            s.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                b.workload,
                b.before.map_or("-".into(), thousands),
                b.after.map_or("-".into(), thousands),
                group_digits(&format!("{:+}", b.delta))
            ));
        }
        s.push('\n');
    }
    let section =
        |s: &mut String, title: &str, list: &[ConnChange], f: &dyn Fn(&ConnChange) -> String| {
            if list.is_empty() {
                return;
            }
            s.push_str(&format!(
                "<details><summary>{title} ({})</summary>\n\n| src | dst | conn |\n|---|---|---|\n",
                list.len()
            ));
            for c in list {
                s.push_str(&format!("| `{}` | `{}` | {} |\n", c.src, c.dst, f(c)));
            }
            s.push_str("\n</details>\n\n");
        };
    section(&mut s, "Connections added", &d.added, &|c| {
        c.after.to_connlist()
    });
    section(&mut s, "Connections removed", &d.removed, &|c| {
        c.before.to_connlist()
    });
    section(&mut s, "Connections changed", &d.changed, &gains);
    if !d.workloads_added.is_empty() || !d.workloads_removed.is_empty() {
        s.push_str("<details><summary>Workloads added/removed</summary>\n\n");
        for w in &d.workloads_added {
            s.push_str(&format!("- added `{w}`\n"));
        }
        for w in &d.workloads_removed {
            s.push_str(&format!("- removed `{w}`\n"));
        }
        s.push_str("\n</details>\n");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::{headline, md, text};
    use crate::attack::fixtures::{allow, chain_docs, World};
    use crate::attack::graph::SimOptions;
    use crate::engine::view::Level;
    use crate::review::diff::{diff, Diff, Side};

    /// The chain, with c no longer reachable from b and d reachable from a.
    fn rewired() -> Diff {
        let old = World::new(&chain_docs());
        let mut docs: Vec<String> = chain_docs()
            .into_iter()
            .filter(|d| !d.contains("c-from-b"))
            .collect();
        docs.push(allow("d", "a", 6379));
        let new = World::new(&docs);
        let a = Side {
            cluster: &old.c,
            reach: &old.r,
        };
        let b = Side {
            cluster: &new.c,
            reach: &new.r,
        };
        diff(&a, &b, Level::Workload, &[], &SimOptions::default())
    }

    #[test]
    fn text_lists_added_and_removed_connections_under_the_headline() {
        let d = rewired();
        let h = headline(&d);
        assert!(
            h.starts_with("1 added, 1 removed, 0 changed connections; "),
            "{h}"
        );
        let s = text(&d);
        assert!(s.starts_with(&format!("{h}\n")));
        assert!(
            s.contains("\nConnections added:\n  + x/a[Pod] => x/d[Pod] : TCP 6379\n"),
            "{s}"
        );
        assert!(
            s.contains("\nConnections removed:\n  - x/b[Deployment] => x/c[Pod] : TCP 5432\n"),
            "{s}"
        );
    }

    #[test]
    fn markdown_folds_the_details() {
        let d = rewired();
        let s = md(&d);
        assert!(s.starts_with("### NetworkPolicy change: blast radius review\n\n**"));
        assert!(s.contains(&format!("**{}**\n\n", headline(&d))));
        assert!(s.contains(
            "<details><summary>Connections added (1)</summary>\n\n| src | dst | conn |\n|---|---|---|\n| `x/a[Pod]` | `x/d[Pod]` | TCP 6379 |\n\n</details>\n"
        ), "{s}");
    }
}
