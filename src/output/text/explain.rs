//! The text of `explain`: the verdict per asked port, the allowed and denied
//! segments with their reasons, and each side's policies and rules.

use crate::engine::explain::{Explanation, Side};
use crate::model::ports::{ConnSet, Protocol};

/// The rule-by-rule text; `ports` (`--port`) are the ports it dwells on.
pub fn text(e: &Explanation, ports: Option<&ConnSet>) -> String {
    let mut s = format!("{} -> {}\n", e.from, e.to);
    if let Some(q) = ports {
        for p in Protocol::ALL {
            for &(lo, hi) in q.ranges(p) {
                let piece = ConnSet::range(p, lo, hi);
                let ok = e.allowed.intersect(&piece);
                let verdict = if ok == piece {
                    "ALLOWED"
                } else if ok.is_empty() {
                    "DENIED"
                } else {
                    "PARTLY ALLOWED"
                };
                s.push_str(&format!("  {}: {verdict}\n", piece.to_connlist()));
                for seg in &e.segments {
                    if !seg.conns.intersect(&piece).is_empty() {
                        for r in &seg.reasons {
                            s.push_str(&format!("    - {r}\n"));
                        }
                    }
                }
            }
        }
        s.push('\n');
    }
    s.push_str(&format!("Allowed: {}\n", e.allowed.to_connlist()));
    if !e.ambiguous.is_empty() {
        let why = if e.resolutions.is_empty() {
            "equal-priority cluster policies disagree; the implementation may apply either, CNP-4"
        } else {
            "it depends on the address the name resolves to (CNP-12), or equal-priority cluster policies disagree (CNP-4)"
        };
        s.push_str(&format!(
            "Ambiguous: {} ({why})\n",
            e.ambiguous.to_connlist()
        ));
    }
    for seg in &e.segments {
        s.push_str(&format!(
            "  {} {}{}\n",
            if seg.allowed { "ALLOW" } else { "DENY " },
            seg.conns.to_connlist(),
            if seg.ambiguous {
                " (ambiguous: counted as allowed, CNP-4)"
            } else {
                ""
            }
        ));
        for r in &seg.reasons {
            s.push_str(&format!("      {r}\n"));
        }
    }
    let mut sides: Vec<(String, &Side)> = Vec::new();
    if e.resolutions.is_empty() {
        sides.extend(e.egress.iter().map(|s| (String::new(), s)));
    } else {
        if let Some(n) = e.egress.as_ref().and_then(|s| s.note.as_ref()) {
            s.push_str(&format!("\nNote: {n}.\n"));
        }
        for r in &e.resolutions {
            let at: Vec<String> = r.ranges.iter().map(|x| x.label()).collect();
            sides.push((
                format!(" if {} resolves into {}", e.to, at.join(", ")),
                &r.side,
            ));
        }
    }
    sides.extend(e.ingress.iter().map(|s| (String::new(), s)));
    for (cond, side) in sides {
        s.push_str(&format!(
            "\n{} of {}{cond}:\n",
            capitalise(side.direction),
            side.pod
        ));
        if let Some(n) = &side.note {
            s.push_str(&format!("  {n}\n"));
        }
        if !side.isolated_by.is_empty() {
            s.push_str(&format!("  isolated by: {}\n", side.isolated_by.join(", ")));
            if side.rules.is_empty() {
                s.push_str("  no rules: everything denied in this direction (SEM-13)\n");
            }
        }
        for r in &side.cluster_rules {
            s.push_str(&format!(
                "  {}: {} -> {}\n",
                r.describe(),
                r.peer,
                if r.peer_matches {
                    r.ports.to_connlist()
                } else {
                    "does not apply".into()
                }
            ));
        }
        for r in &side.rules {
            s.push_str(&format!(
                "  {} {}: {} -> {}\n",
                r.policy,
                r.rule,
                r.peer,
                if r.peer_matches {
                    r.ports.to_connlist()
                } else {
                    "does not apply".into()
                }
            ));
        }
    }
    if e.to.starts_with("dns:") {
        s.push_str("\nA named destination is outside the cluster and never resolved: only the source's egress counts (CNP-12).\n");
    } else if e.egress.is_none() || e.ingress.is_none() {
        s.push_str("\nAn IP end is not a pod: only the pod end's policies count (SEM-9).\n");
    }
    s
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::text;
    use crate::attack::fixtures::chain;
    use crate::engine::explain::{explain, Endpoint};
    use crate::model::ports::{ConnSet, Protocol};

    #[test]
    fn verdict_per_asked_port_then_segments_then_sides() {
        let w = chain();
        let (a, b) = (w.pod("x/a"), w.pod("x/b"));
        let e = explain(
            &w.c,
            &w.r.options,
            &Endpoint::Pod(a, "x/a".into()),
            &Endpoint::Pod(b, "x/b".into()),
        );
        let q = ConnSet::port(Protocol::Tcp, 8080).union(&ConnSet::port(Protocol::Tcp, 9090));
        let s = text(&e, Some(&q));
        assert!(s.starts_with("x/a -> x/b\n  TCP 8080: ALLOWED\n"), "{s}");
        assert!(s.contains("\n  TCP 9090: DENIED\n"), "{s}");
        assert!(
            s.contains("\n\nAllowed: TCP 8080\n  ALLOW TCP 8080\n"),
            "{s}"
        );
        assert!(s.contains("\nEgress of x/a:\n"), "{s}");
        assert!(s.contains("\nIngress of x/b:\n  isolated by: "), "{s}");
        assert!(!s.contains("An IP end"), "{s}");
        // Without --port, no verdict lines.
        assert!(text(&e, None).starts_with("x/a -> x/b\nAllowed: TCP 8080\n"));
    }
}
