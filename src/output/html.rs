//! The self-contained HTML page of `report`.

use crate::attack::simulate::{Ranked, SimResult};
use crate::output::text::words::{hops_words, range_words, ASSUMPTIONS};
use std::fmt::Write as _;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The self-contained HTML page.
pub fn html(
    input: &str,
    summary: &[String],
    sims: &[SimResult],
    ranked: &[Ranked],
    svgs: &[(String, String)],
) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>blastradius report: {}</title>\n<style>\nbody{{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}}\ntable{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #bbb;padding:4px 8px;text-align:left}}th{{background:#eee}}\n.headline{{background:#fff4e0;border-left:6px solid #D55E00;padding:1em;font-size:1.15em}}\nfigure{{margin:1.5em 0}}figure svg{{max-width:100%;height:auto}}.wide{{overflow-x:auto}}.wide svg{{max-width:none}}code{{background:#f3f3f3;padding:1px 3px}}\n</style>\n</head>\n<body>\n<h1>Blast radius report: {}</h1>\n",
        esc(input),
        esc(input)
    );
    if let Some(w) = ranked.first() {
        let _ = writeln!(
            s,
            "<p class=\"headline\">Worst case: compromising <code>{}</code> lets an attacker reach <b>{} more pods ({:.1}% of the cluster)</b> in {}.</p>",
            esc(&w.workload),
            w.blast_radius,
            w.fraction * 100.0,
            hops_words(w.max_hop)
        );
    }
    s.push_str("<ul>\n");
    for l in summary {
        let _ = writeln!(s, "<li>{}</li>", esc(l));
    }
    s.push_str("</ul>\n");
    if !ranked.is_empty() {
        s.push_str("<h2>Which compromise hurts most</h2>\n<table><tr><th>rank</th><th>workload</th><th>pods</th><th>blast radius</th><th>% cluster</th><th>max hop</th></tr>\n");
        for (i, x) in ranked.iter().take(10).enumerate() {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{:.1}%</td><td>{}</td></tr>",
                i + 1,
                esc(&x.workload),
                x.replicas,
                x.blast_radius,
                x.fraction * 100.0,
                x.max_hop.map_or("-".into(), |h| h.to_string())
            );
        }
        s.push_str("</table>\n");
    }
    for (name, svg) in svgs {
        let caption = match name.as_str() {
            "attack-graph.svg" => "The attack graph from the worst starting point: each workload in the column of the hop it falls at, with the edge and ports that first reach it; the red path leads to a crown jewel, dashed orange lines are exits to the internet.".to_string(),
            n => n.to_string(),
        };
        // The attack graph keeps its size (its text stays legible) and
        // scrolls sideways in its own box instead of widening the page.
        let class = if name == "attack-graph.svg" {
            " class=\"wide\""
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "<figure id=\"{}\"{class}>\n{}\n<figcaption>{}</figcaption>\n</figure>",
            esc(name),
            svg,
            esc(&caption)
        );
    }
    for r in sims {
        let _ = writeln!(
            s,
            "<h2>From <code>{}</code></h2>\n<p>Blast radius: <b>{} pods ({:.1}%)</b>.</p>",
            esc(&r.start),
            r.blast_radius,
            r.blast_fraction * 100.0
        );
        if !r.targets.is_empty() {
            s.push_str("<table><tr><th>crown jewel</th><th>hop</th><th>path</th></tr>\n");
            for t in &r.targets {
                let _ = writeln!(
                    s,
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    esc(&t.selector),
                    t.hop.map_or("unreachable".into(), |h| h.to_string()),
                    esc(t.path.as_deref().unwrap_or("-"))
                );
            }
            s.push_str("</table>\n");
        }
        s.push_str("<h3>Top attack paths</h3>\n<ol>\n");
        for w in r.reached.iter().take(15) {
            let _ = writeln!(s, "<li>hop {}: <code>{}</code></li>", w.hop, esc(&w.path));
        }
        s.push_str("</ol>\n");
        if !r.exfiltration.is_empty() {
            s.push_str("<h3>Exfiltration</h3>\n<table><tr><th>external range</th><th>hop</th><th>from</th><th>ports</th></tr>\n");
            for e in &r.exfiltration {
                let _ = writeln!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                    esc(&range_words(&e.range)),
                    e.hop,
                    esc(&e.from),
                    esc(&e.conns)
                );
            }
            s.push_str("</table>\n");
        }
    }
    s.push_str("<h2>Assumptions</h2>\n<ul>\n");
    for a in ASSUMPTIONS {
        let _ = writeln!(s, "<li>{}</li>", esc(a));
    }
    s.push_str("</ul>\n");
    // Records each chart's rendered size, so a headless browser test can
    // check that the charts are visible.
    s.push_str("<script>\nwindow.addEventListener('load',function(){var b=[];document.querySelectorAll('figure svg').forEach(function(e){var r=e.getBoundingClientRect();b.push(Math.round(r.width)+'x'+Math.round(r.height));});document.body.setAttribute('data-chart-boxes',b.join(' '));});\n</script>\n</body>\n</html>\n");
    s
}
