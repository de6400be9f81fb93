//! Audit findings as human-readable text, wrapped at 100 columns.

use crate::review::audit::{Finding, Severity};
use crate::util::text::thousands;

/// `BR001 [high] no-default-deny-ingress: <title>`: a finding's first line.
fn head(f: &Finding) -> String {
    format!("{} [{}] {}: {}\n", f.id, f.severity, f.rule, f.title)
}

/// `audit --brief`: one line per finding, then the summary line.
pub fn to_brief(findings: &[Finding]) -> String {
    let mut out: String = findings.iter().map(head).collect();
    out.push_str(&summary(findings));
    out
}

/// Human-readable report; ends with a summary line.
pub fn to_text(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&head(f));
        for o in &f.objects {
            let at = match o.line {
                Some(l) => format!("{}:{l}", o.file),
                None => o.file.clone(),
            };
            let what = match &o.field {
                Some(f) => format!("{} {f}", o.object),
                None => o.object.clone(),
            };
            if o.stand_in {
                out.push_str(&format!(
                    "    at {what} (declared nowhere; named at {at}, document {})\n",
                    o.doc
                ));
            } else {
                out.push_str(&format!("    at {what} ({at}, document {})\n", o.doc));
            }
        }
        out.push_str(&wrap(&format!("why: {}", f.why), "  ", "       ", 100));
        // The prose is wrapped; the snippet after the blank line is kept as is.
        let (prose, snippet) = f.fix.split_once("\n\n").unwrap_or((&f.fix, ""));
        out.push_str(&wrap(&format!("fix: {prose}"), "  ", "       ", 100));
        if !snippet.is_empty() {
            out.push('\n');
            for l in snippet.lines() {
                if !l.is_empty() {
                    out.push_str("       ");
                }
                out.push_str(l);
                out.push('\n');
            }
        }
        out.push('\n');
    }
    out.push_str(&summary(findings));
    out
}

/// `13 findings: 5 high, 7 medium, 1 low`, or `no findings`.
fn summary(findings: &[Finding]) -> String {
    let mut out = String::new();
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    if findings.is_empty() {
        out.push_str("no findings\n");
    } else {
        out.push_str(&format!(
            "{}: {} high, {} medium, {} low\n",
            crate::util::text::count(findings.len(), "finding", "findings"),
            thousands(count(Severity::High)),
            thousands(count(Severity::Medium)),
            thousands(count(Severity::Low))
        ));
    }
    out
}

fn wrap(text: &str, first: &str, rest: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::from(first);
    let mut empty = true;
    for w in text.split_whitespace() {
        if !empty && line.len() + 1 + w.len() > width {
            out.push_str(&line);
            out.push('\n');
            line = String::from(rest);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(w);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}
