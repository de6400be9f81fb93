//! The self-contained HTML page of `report`.
//!
//! In the order a reviewer reads it: the headline, the attack graph from
//! the worst start, the ranking, the crown jewels (or how to mark them),
//! the audit findings with their fixes, the exits to the internet, the hop
//! tables of every starting point (with why it is shown), who reaches whom
//! (the matrices), the Monte Carlo spread from the worst start, the
//! assumptions. Every chart has a caption that says what it shows. No
//! script is needed to read it: long lists fold with `<details>`; the one
//! small script only records the charts' laid-out sizes for the browser
//! test.

use crate::attack::montecarlo::McResult;
use crate::attack::simulate::{Ranked, SimResult};
use crate::output::matrix::MATRIX_TOP;
use crate::output::text::words::{hop_cells, hops_words, newly_reached, range_words, ASSUMPTIONS};
use crate::review::audit::Finding;
use crate::util::text::{self as words, thousands};
use std::fmt::Write as _;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Findings listed in full on the page; `blastradius audit` lists the rest.
pub const PAGE_FINDINGS: usize = 25;
/// Attack paths listed per starting point.
const PAGE_PATHS: usize = 15;

/// What the page is made from.
pub struct Page<'a> {
    pub input: &'a str,
    pub summary: &'a [String],
    pub sims: &'a [SimResult],
    /// Why each simulation's start is shown, in `sims` order.
    pub reasons: &'a [String],
    /// The simulation the attack graph, the namespace breakdown and the
    /// Monte Carlo spread start from (the largest blast radius).
    pub worst: Option<usize>,
    pub ranked: &'a [Ranked],
    pub findings: &'a [Finding],
    pub monte_carlo: Option<&'a McResult>,
    /// (file name, SVG) of every chart.
    pub svgs: &'a [(String, String)],
    /// `-n NS`: the starting points' (and the ranking's) namespace.
    pub namespace: Option<&'a str>,
}

/// What a chart shows, in a sentence.
pub fn caption(name: &str, worst: &str) -> String {
    match name {
        "attack-graph.svg" => format!("Who reaches whom from {worst}, hop by hop: each workload sits in the column of the hop it falls at, with the connection (and ports) that first reaches it; the red path leads to a crown jewel, dashed orange lines are exits to the internet."),
        "ranking.svg" => "How many pods an attacker reaches from one pod of each workload (its blast radius), largest first.".into(),
        "reach-by-hop.svg" => "Pods compromised after each hop, one line per starting point (right axis: share of the cluster); triangles mark the hop a crown jewel falls.".into(),
        "hop-by-namespace.svg" => format!("Where the pods newly reached at each hop from {worst} live: the namespaces with the most pods by name, the rest as \"other\"."),
        "namespace-matrix.svg" => format!("For each pair of namespaces, the share of (source pod, destination pod) pairs that may connect; a pod and itself are never a pair. Past {MATRIX_TOP} namespaces the {MATRIX_TOP} with the most pods are named and the rest share the last row and column, \"other\" (report.json has the whole matrix)."),
        "pod-matrix.svg" => format!("The same share workload by workload: rows are the source workloads, columns the destinations; a single-pod workload has no pair with itself (a dash). Past {MATRIX_TOP} workloads the {MATRIX_TOP} with the largest blast radius are named and the rest are \"other\"."),
        "chokepoints.svg" => "The allowed connections whose removal cuts the most blast radius, summed over every starting workload: the first edges to close.".into(),
        "spread.svg" => format!("Pods compromised per step when each attempt only succeeds with a probability, from {worst}: the median and mean over the trials, and the band holding the middle 80% of them."),
        n => n.to_string(),
    }
}

fn figure(s: &mut String, svgs: &[(String, String)], name: &str, worst: &str) {
    let Some((_, svg)) = svgs.iter().find(|(n, _)| n == name) else {
        return;
    };
    // Charts shrink to the page's width, never below MIN_SCALE of their
    // size (their smallest text, 10 px, stays at 7.5 px or more); a chart
    // wider than that scrolls sideways in its own box instead of widening
    // the page.
    let _ = writeln!(
        s,
        "<figure id=\"{}\" class=\"wide\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
        esc(name),
        scalable(svg),
        esc(&caption(name, worst))
    );
}

/// The smallest a chart is drawn on the page, as a share of its size.
pub const MIN_SCALE: f64 = 0.75;

/// The SVG with a minimum width of [`MIN_SCALE`] of its own (`width="…"`
/// of its root element); the page's style shrinks it to the column.
fn scalable(svg: &str) -> String {
    let width = svg
        .split_once("<svg ")
        .and_then(|(_, rest)| rest.split_once('>'))
        .and_then(|(attrs, _)| attrs.split_once("width=\""))
        .and_then(|(_, rest)| rest.split_once('"'))
        .and_then(|(w, _)| w.parse::<f64>().ok());
    match width {
        Some(w) => svg.replacen(
            "<svg ",
            &format!("<svg style=\"min-width:{:.0}px\" ", (w * MIN_SCALE).ceil()),
            1,
        ),
        None => svg.to_string(),
    }
}

fn pct(f: f64) -> String {
    format!("{:.1}%", f * 100.0)
}

/// The self-contained HTML page.
pub fn html(p: &Page<'_>) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>blastradius report: {}</title>\n<style>\n\
body{{font-family:sans-serif;max-width:1060px;margin:2em auto;padding:0 1em;color:#222;line-height:1.4}}\n\
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #bbb;padding:4px 8px;text-align:left;vertical-align:top}}th{{background:#eee}}\n\
.scroll{{overflow-x:auto;max-width:100%}}td code{{overflow-wrap:break-word}}\n\
.headline{{background:#fff4e0;border-left:6px solid #D55E00;padding:1em;font-size:1.15em}}\n\
.why{{color:#555}}.hint{{background:#eef6fb;border-left:6px solid #0072B2;padding:.6em 1em}}\n\
figure{{margin:1.5em 0}}.wide{{overflow-x:auto;max-width:100%}}.wide svg{{max-width:100%;height:auto;display:block}}figcaption{{color:#444;max-width:60em}}\n\
code{{background:#f3f3f3;padding:1px 3px}}pre{{background:#f6f6f6;padding:.6em;overflow-x:auto;max-width:100%}}\n\
details{{margin:.4em 0}}summary{{cursor:pointer}}nav li{{display:inline;margin-right:1em}}\n\
</style>\n</head>\n<body>\n<h1>Blast radius report: {}</h1>\n",
        esc(p.input),
        esc(p.input)
    );
    let worst = p.worst.and_then(|i| p.sims.get(i));
    let worst_name = worst.map_or(String::from("the worst starting point"), |w| {
        w.start.clone()
    });
    headline(&mut s, p, worst);
    s.push_str("<nav><ul><li><a href=\"#attack-graph\">attack graph</a></li><li><a href=\"#ranking\">ranking</a></li><li><a href=\"#crown-jewels\">crown jewels</a></li><li><a href=\"#findings\">audit findings</a></li><li><a href=\"#exits\">exits to the internet</a></li><li><a href=\"#hops\">hop by hop</a></li><li><a href=\"#matrices\">who reaches whom</a></li><li><a href=\"#monte-carlo\">Monte Carlo</a></li><li><a href=\"#assumptions\">assumptions</a></li></ul></nav>\n");

    // The attack graph of the worst start.
    let _ = writeln!(
        s,
        "<h2 id=\"attack-graph\">The attack graph from <code>{}</code></h2>\n<p class=\"why\">Drawn from the starting point with the largest blast radius among those simulated.</p>",
        esc(&worst_name)
    );
    figure(&mut s, p.svgs, "attack-graph.svg", &worst_name);

    ranking(&mut s, p);
    figure(&mut s, p.svgs, "ranking.svg", &worst_name);
    crown_jewels(&mut s, p);
    findings(&mut s, p);
    figure(&mut s, p.svgs, "chokepoints.svg", &worst_name);
    exits(&mut s, p);
    hop_tables(&mut s, p);
    figure(&mut s, p.svgs, "reach-by-hop.svg", &worst_name);
    figure(&mut s, p.svgs, "hop-by-namespace.svg", &worst_name);
    s.push_str("<h2 id=\"matrices\">Who reaches whom</h2>\n");
    figure(&mut s, p.svgs, "namespace-matrix.svg", &worst_name);
    figure(&mut s, p.svgs, "pod-matrix.svg", &worst_name);
    monte_carlo(&mut s, p);
    figure(&mut s, p.svgs, "spread.svg", &worst_name);

    s.push_str("<h2 id=\"assumptions\">Assumptions</h2>\n<ul>\n");
    for a in ASSUMPTIONS {
        let _ = writeln!(s, "<li>{}</li>", esc(a));
    }
    s.push_str("</ul>\n");
    // Records each chart's rendered size and what is wider than the page,
    // so a headless browser test can check the layout.
    s.push_str("<script>\nwindow.addEventListener('load',function(){var b=[];document.querySelectorAll('figure svg').forEach(function(e){var r=e.getBoundingClientRect();b.push(Math.round(r.width)+'x'+Math.round(r.height));});document.body.setAttribute('data-chart-boxes',b.join(' '));var k=[],q=[];document.querySelectorAll('figure').forEach(function(f){var e=f.querySelector('svg');if(!e)return;k.push((e.getBoundingClientRect().width/e.viewBox.baseVal.width).toFixed(3));if(f.scrollWidth>f.clientWidth+1)q.push(f.id);});document.body.setAttribute('data-chart-scales',k.join(' '));document.body.setAttribute('data-scrolling',q.join(' '));var W=document.documentElement.clientWidth,w=[];document.querySelectorAll('body *').forEach(function(e){var o=e.parentElement&&e.parentElement.closest('.wide,.scroll,pre');if(o)return;var r=e.getBoundingClientRect();if(r.right>W+1)w.push(e.tagName.toLowerCase()+(e.id?'#'+e.id:''));});document.body.setAttribute('data-too-wide',w.join(' '));document.body.setAttribute('data-page-width',W+' '+document.documentElement.scrollWidth);document.body.setAttribute('data-page-height',document.documentElement.scrollHeight);});\n</script>\n</body>\n</html>\n");
    s
}

fn headline(s: &mut String, p: &Page<'_>, worst: Option<&SimResult>) {
    if let Some(w) = p.ranked.first() {
        let _ = write!(
            s,
            "<p class=\"headline\">Worst case: compromising <code>{}</code> lets an attacker reach <b>{} more pods ({} of the cluster)</b> in {}.",
            esc(&w.workload),
            thousands(w.blast_radius),
            pct(w.fraction),
            hops_words(w.max_hop)
        );
        if let Some(r) = worst {
            for t in &r.targets {
                if let Some(h) = t.hop {
                    let _ = write!(
                        s,
                        " From <code>{}</code> the crown jewel <code>{}</code> falls at hop {h}.",
                        esc(&r.start),
                        esc(&t.selector)
                    );
                }
            }
        }
        s.push_str("</p>\n");
    }
    s.push_str("<ul>\n");
    for l in p.summary {
        let _ = writeln!(s, "<li>{}</li>", esc(l));
    }
    s.push_str("</ul>\n");
}

fn ranking(s: &mut String, p: &Page<'_>) {
    s.push_str("<h2 id=\"ranking\">Which compromise hurts most</h2>\n");
    if p.ranked.is_empty() {
        s.push_str("<p>No workload to rank.</p>\n");
        return;
    }
    let _ = writeln!(
        s,
        "<p class=\"why\">Every workload{} ranked by its blast radius (the pods reachable from one of its pods); the top {} of {}.</p>",
        p.namespace
            .map(|ns| format!(" of namespace <code>{}</code>", esc(ns)))
            .unwrap_or_default(),
        p.ranked.len().min(10),
        thousands(p.ranked.len())
    );
    s.push_str("<div class=\"scroll\"><table><tr><th>rank</th><th>workload</th><th>pods</th><th>blast radius</th><th>% cluster</th><th>max hop</th></tr>\n");
    for (i, x) in p.ranked.iter().take(10).enumerate() {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            i + 1,
            esc(&x.workload),
            thousands(x.replicas),
            thousands(x.blast_radius),
            pct(x.fraction),
            x.max_hop.map_or("not counted".into(), |h| h.to_string())
        );
    }
    s.push_str("</table></div>\n");
}

fn crown_jewels(s: &mut String, p: &Page<'_>) {
    s.push_str("<h2 id=\"crown-jewels\">Crown jewels</h2>\n");
    if p.sims.iter().all(|r| r.targets.is_empty()) {
        s.push_str("<p class=\"hint\">No crown jewel is marked: add <code>--target tier=db</code> to mark what must never be reached (any label selector; repeat the flag for several).</p>\n");
        return;
    }
    s.push_str("<p class=\"why\">For each starting point, the hop at which each crown jewel is first reached and the shortest path to it.</p>\n<div class=\"scroll\"><table><tr><th>crown jewel</th><th>from</th><th>hop</th><th>path</th></tr>\n");
    for r in p.sims {
        for t in &r.targets {
            let _ = writeln!(
                s,
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&t.selector),
                esc(&r.start),
                t.hop.map_or("unreachable".into(), |h| h.to_string()),
                t.path
                    .as_deref()
                    .map_or(String::from("never reached"), |x| format!(
                        "<code>{}</code>",
                        esc(x)
                    ))
            );
        }
    }
    s.push_str("</table></div>\n");
}

fn findings(s: &mut String, p: &Page<'_>) {
    s.push_str("<h2 id=\"findings\">Audit findings and their fixes</h2>\n");
    if p.findings.is_empty() {
        s.push_str("<p>The audit found nothing to fix.</p>\n");
        return;
    }
    let count = |sev: &str| {
        p.findings
            .iter()
            .filter(|f| f.severity.as_str() == sev)
            .count()
    };
    let _ = writeln!(
        s,
        "<p class=\"why\">{} ({} high, {} medium, {} low), most severe first; open one for why it matters and the fix.{}</p>",
        words::count(p.findings.len(), "finding", "findings"),
        thousands(count("high")),
        thousands(count("medium")),
        thousands(count("low")),
        if p.findings.len() > PAGE_FINDINGS {
            format!(
                " The first {PAGE_FINDINGS} are listed; <code>blastradius audit {}</code> lists all.",
                esc(p.input)
            )
        } else {
            String::new()
        }
    );
    let mut order: Vec<&Finding> = p.findings.iter().collect();
    order.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(b.id)));
    for f in order.into_iter().take(PAGE_FINDINGS) {
        let _ = writeln!(
            s,
            "<details><summary><b>{}</b> [{}] {}</summary>",
            esc(f.id),
            f.severity,
            esc(&f.title)
        );
        s.push_str("<ul>\n");
        for o in &f.objects {
            let _ = writeln!(
                s,
                "<li>{} ({}{}, document {})</li>",
                esc(&o.object),
                esc(&o.file),
                o.line.map_or(String::new(), |l| format!(":{l}")),
                o.doc
            );
        }
        let _ = writeln!(
            s,
            "</ul>\n<p><b>Why:</b> {}</p>\n<p><b>Fix:</b></p>\n<pre>{}</pre>\n</details>",
            esc(&f.why),
            esc(&f.fix)
        );
    }
}

fn exits(s: &mut String, p: &Page<'_>) {
    s.push_str("<h2 id=\"exits\">Exits to the internet</h2>\n");
    if p.sims.iter().all(|r| r.exfiltration.is_empty()) {
        s.push_str("<p>No starting point reaches an address outside the cluster.</p>\n");
        return;
    }
    s.push_str("<p class=\"why\">External addresses an attacker can send data to, from each starting point: the compromised workload that opens the connection and the hop it falls at.</p>\n<div class=\"scroll\"><table><tr><th>starting point</th><th>external range</th><th>hop</th><th>from</th><th>ports</th></tr>\n");
    for r in p.sims {
        for e in &r.exfiltration {
            let _ = writeln!(
                s,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                esc(&r.start),
                esc(&range_words(&e.range)),
                e.hop,
                esc(&e.from),
                esc(&e.conns)
            );
        }
    }
    s.push_str("</table></div>\n");
}

fn hop_tables(s: &mut String, p: &Page<'_>) {
    s.push_str("<h2 id=\"hops\">Hop by hop, from each starting point</h2>\n");
    s.push_str("<p class=\"why\">Each starting point folds open; the worst is open.</p>\n");
    for (i, r) in p.sims.iter().enumerate() {
        let _ = writeln!(
            s,
            "<details{}><summary><b>From <code>{}</code></b>: blast radius {} pods ({}) in {}</summary>\n<p class=\"why\">Shown because it is {}.</p>",
            if p.worst == Some(i) { " open" } else { "" },
            esc(&r.start),
            thousands(r.blast_radius),
            pct(r.blast_fraction),
            hops_words(r.hops.last().map(|h| h.hop)),
            esc(p.reasons.get(i).map_or("a starting point asked for", |x| x.as_str())),
        );
        s.push_str("<div class=\"scroll\"><table><tr><th>hop</th><th>new pods</th><th>pods</th><th>% cluster</th><th>workloads</th><th>namespaces</th><th>newly reached</th></tr>\n");
        for h in &r.hops {
            let cells = hop_cells(h, cut_list(&newly_reached(h, ""), 12));
            let _ = writeln!(s, "<tr><td>{}</td></tr>", cells.join("</td><td>"));
        }
        s.push_str("</table></div>\n");
        if !r.reached.is_empty() {
            let _ = writeln!(
                s,
                "<details><summary>Shortest attack paths ({} of {})</summary>\n<ol>",
                r.reached.len().min(PAGE_PATHS),
                thousands(r.reached.len())
            );
            for w in r.reached.iter().take(PAGE_PATHS) {
                let _ = writeln!(s, "<li>hop {}: <code>{}</code></li>", w.hop, esc(&w.path));
            }
            s.push_str("</ol>\n</details>\n");
        }
        s.push_str("</details>\n");
    }
}

/// A comma-separated list cut after `max` items ("and N more"), escaped.
fn cut_list(list: &str, max: usize) -> String {
    esc(&crate::output::text::simulate::cut_list(list, Some(max)))
}

fn monte_carlo(s: &mut String, p: &Page<'_>) {
    s.push_str("<h2 id=\"monte-carlo\">Monte Carlo: when attempts can fail</h2>\n");
    let Some(mc) = p.monte_carlo else {
        s.push_str("<p>No starting point to simulate from.</p>\n");
        return;
    };
    let trials = if mc.trials < mc.trials_requested {
        format!(
            "{} of {} trials (the work budget of {} edge visits ran out)",
            thousands(mc.trials),
            thousands(mc.trials_requested),
            thousands(mc.edge_visit_budget)
        )
    } else {
        format!("{} trials", thousands(mc.trials))
    };
    let _ = writeln!(
        s,
        "<p>From <code>{}</code>, the starting point with the largest blast radius: {trials}, seed {}, {} steps. Each step, every compromised pod tries every allowed connection once, and each try succeeds with a probability set by its port.</p>",
        esc(&mc.start),
        mc.seed,
        mc.steps
    );
    if let Some(last) = mc.compromised.last() {
        let _ = writeln!(
            s,
            "<p>After {} steps: median {} pods compromised (p10 {}, p90 {}, mean {:.1}) of {}.</p>",
            mc.steps,
            thousands(last.p50),
            thousands(last.p10),
            thousands(last.p90),
            last.mean,
            thousands(mc.total_pods)
        );
    }
    if mc.targets.is_empty() {
        s.push_str("<p class=\"hint\">No crown jewel is marked, so there is no probability of reaching one: add <code>--target tier=db</code>.</p>\n");
        return;
    }
    s.push_str("<div class=\"scroll\"><table><tr><th>crown jewel</th><th>probability compromised</th><th>steps to compromise (p10 / median / p90)</th><th>mean steps</th></tr>\n");
    for t in &mc.targets {
        let (q, mean) = t.time_to_compromise.as_ref().map_or(
            ("never compromised".to_string(), "-".to_string()),
            |b| {
                (
                    format!("{} / {} / {}", b.p10, b.p50, b.p90),
                    format!("{:.2}", b.mean),
                )
            },
        );
        let _ = writeln!(
            s,
            "<tr><td><code>{}</code></td><td>{} within {} steps</td><td>{q}</td><td>{mean}</td></tr>",
            esc(&t.selector),
            pct(t.probability),
            mc.steps
        );
    }
    s.push_str("</table></div>\n<p class=\"why\">The steps-to-compromise quantiles cover the compromised trials only: trials in which the crown jewel was never reached are left out, so they say how fast it falls when it falls; the probability says how often.</p>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_with<'a>(sims: &'a [SimResult], svgs: &'a [(String, String)]) -> Page<'a> {
        Page {
            input: "x",
            summary: &[],
            sims,
            reasons: &[],
            worst: None,
            ranked: &[],
            findings: &[],
            monte_carlo: None,
            svgs,
            namespace: None,
        }
    }

    #[test]
    fn without_crown_jewels_the_page_says_how_to_mark_them() {
        let h = html(&page_with(&[], &[]));
        assert!(h.contains("add <code>--target tier=db</code> to mark what must never be reached"));
    }

    #[test]
    fn every_chart_has_a_sentence_for_a_caption() {
        for n in [
            "attack-graph.svg",
            "ranking.svg",
            "reach-by-hop.svg",
            "hop-by-namespace.svg",
            "namespace-matrix.svg",
            "pod-matrix.svg",
            "chokepoints.svg",
            "spread.svg",
        ] {
            let c = caption(n, "a/b");
            assert!(c.ends_with('.') && !c.contains(".svg"), "{n}: {c}");
        }
    }

    #[test]
    fn sections_come_in_the_reviewers_order() {
        let svgs = vec![("spread.svg".to_string(), "<svg/>".to_string())];
        let h = html(&page_with(&[], &svgs));
        let at = |x: &str| h.find(x).unwrap_or_else(|| panic!("{x}"));
        let order = [
            "id=\"attack-graph\"",
            "id=\"ranking\"",
            "id=\"crown-jewels\"",
            "id=\"findings\"",
            "id=\"exits\"",
            "id=\"hops\"",
            "id=\"monte-carlo\"",
            "id=\"spread.svg\"",
            "id=\"assumptions\"",
        ];
        for w in order.windows(2) {
            assert!(at(w[0]) < at(w[1]), "{} before {}", w[0], w[1]);
        }
    }

    #[test]
    fn long_lists_are_cut() {
        assert_eq!(cut_list("a, b, c", 2), "a, b and 1 more");
        assert_eq!(cut_list("a, <b>", 2), "a, &lt;b&gt;");
    }
}
