//! Simulation outputs: text, Markdown and JSON; chart data; the HTML report.

use crate::attack::simulate::{Ranked, SimResult};
use crate::engine::reach::{Reachability, EMPTY};
use crate::model::{Cluster, Pod};
use crate::output::charts::{self, HopSeries, JewelMark};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The attacker model and the implementation choices, printed in reports.
pub const ASSUMPTIONS: [&str; 7] = [
    "An attacker holding a pod can open every connection the policies allow from it; reaching a pod on an allowed port compromises it; compromise spreads in hops until nothing new is reached (or --max-hops).",
    "A compromised workload starts with one pod held; its other replicas count as reached at hop 1 if the policies let replicas reach each other.",
    "Pods may listen on ports they do not declare, so every allowed port counts unless --ports-listening-only is given.",
    "Only NetworkPolicy (networking.k8s.io/v1) is modelled: no AdminNetworkPolicy, service mesh, or host firewall. A pod always reaches itself.",
    "hostNetwork pods are not selected by any selector (most plugins); pods in phase Succeeded/Failed take no part.",
    "Workload templates stand for `replicas` identical pods; a DaemonSet counts as one pod (the node count is unknown).",
    "Traffic from a pod's own node (kubelet probes) is always allowed and not shown.",
];

/// `1 hop`, `3 hops`, `- hops` when unknown.
pub fn hops_words(h: Option<usize>) -> String {
    match h {
        Some(1) => "1 hop".into(),
        Some(n) => format!("{n} hops"),
        None => "an uncounted number of hops".into(),
    }
}

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
            r.start_pods,
            if r.start_pods == 1 { "" } else { "s" },
            r.total_pods
        );
        let _ = writeln!(
            s,
            "Blast radius: {} pods ({} of the cluster) in {} hop{}\n",
            r.blast_radius,
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
                h.new_pods,
                h.pods,
                pct(h.fraction),
                h.workloads,
                h.namespaces,
                h.new_workloads.join(", ")
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
        s.push_str("\nExfiltration (external IP ranges reachable):\n");
        if r.exfiltration.is_empty() {
            s.push_str("  none\n");
        }
        for e in &r.exfiltration {
            let _ = writeln!(
                s,
                "  {}  hop {} from {} : {}",
                e.range, e.hop, e.from, e.conns
            );
        }
    }
    s
}

pub fn sim_md(results: &[SimResult]) -> String {
    let mut s = String::new();
    for r in results {
        let _ = writeln!(
            s,
            "### Compromised: `{}`\n\n**Blast radius: {} pods ({} of {}) in {}.**\n",
            r.start,
            r.blast_radius,
            pct(r.blast_fraction),
            r.total_pods,
            hops_words(r.hops.last().map(|h| h.hop))
        );
        s.push_str("| hop | new pods | pods | % cluster | workloads | namespaces | newly reached |\n|---|---|---|---|---|---|---|\n");
        for h in &r.hops {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} |",
                h.hop,
                h.new_pods,
                h.pods,
                pct(h.fraction),
                h.workloads,
                h.namespaces,
                h.new_workloads
                    .iter()
                    .map(|w| format!("`{w}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
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
            for w in &r.reached {
                let _ = writeln!(s, "- hop {}: `{}`", w.hop, w.path);
            }
            s.push_str("\n</details>\n");
        }
        if !r.exfiltration.is_empty() {
            s.push_str("\n| external range | hop | from | ports |\n|---|---|---|---|\n");
            for e in &r.exfiltration {
                let _ = writeln!(
                    s,
                    "| {} | {} | `{}` | {} |",
                    e.range, e.hop, e.from, e.conns
                );
            }
        }
        s.push('\n');
    }
    s
}

pub fn ranking_text(r: &[Ranked], top: usize) -> String {
    let mut s = format!(
        "Blast radius of every workload ({} workloads; top {}):\n\n{:<5} {:<50} {:>6} {:>12} {:>9} {:>7}\n",
        r.len(),
        top.min(r.len()),
        "RANK",
        "WORKLOAD",
        "PODS",
        "BLAST RADIUS",
        "%CLUSTER",
        "MAX HOP"
    );
    for (i, x) in r.iter().take(top).enumerate() {
        let _ = writeln!(
            s,
            "{:<5} {:<50} {:>6} {:>12} {:>9} {:>7}",
            i + 1,
            x.workload,
            x.replicas,
            x.blast_radius,
            pct(x.fraction),
            x.max_hop.map_or("-".into(), |h| h.to_string())
        );
    }
    s
}

pub fn ranking_md(r: &[Ranked], top: usize) -> String {
    let mut s = String::from("| rank | workload | pods | blast radius | % cluster | max hop |\n|---|---|---|---|---|---|\n");
    for (i, x) in r.iter().take(top).enumerate() {
        let _ = writeln!(
            s,
            "| {} | `{}` | {} | {} | {} | {} |",
            i + 1,
            x.workload,
            x.replicas,
            x.blast_radius,
            pct(x.fraction),
            x.max_hop.map_or("-".into(), |h| h.to_string())
        );
    }
    s
}

/// Namespace × namespace share of (source pod, destination pod) pairs with
/// any allowed connection; a pod and itself are not a pair.
pub fn namespace_matrix(cluster: &Cluster, reach: &Reachability) -> (Vec<String>, Vec<Vec<f64>>) {
    let names: Vec<String> = {
        let mut v: Vec<String> = cluster.pods.iter().map(|p| p.namespace.clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    let idx: BTreeMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    // pods per (namespace, class)
    let mut per: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    // `reach` is compiled from `cluster`: one class per pod.
    for (p, &class) in cluster.pods.iter().zip(&reach.pod_class) {
        if let Some(&ns) = idx.get(p.namespace.as_str()) {
            *per.entry((ns, class)).or_default() += u64::from(p.replicas);
        }
    }
    let n = names.len();
    // Pair counts in u128: a class can hold more than 2^32 pods (replicas
    // are i32), and their pairs overflow u64.
    let mut allowed = vec![vec![0u128; n]; n];
    let mut total = vec![vec![0u128; n]; n];
    fn at(m: &mut [Vec<u128>], a: usize, b: usize) -> Option<&mut u128> {
        m.get_mut(a).and_then(|row| row.get_mut(b))
    }
    for (&(na, ca), &pa) in &per {
        for (&(nb, cb), &pb) in &per {
            let (pa, pb) = (u128::from(pa), u128::from(pb));
            let pairs = if ca == cb { pa * pb - pa } else { pa * pb };
            if let Some(t) = at(&mut total, na, nb) {
                *t += pairs;
            }
            if reach.class_id(ca, cb) != EMPTY {
                if let Some(a) = at(&mut allowed, na, nb) {
                    *a += pairs;
                }
            }
        }
    }
    let values = total
        .iter()
        .zip(&allowed)
        .map(|(total_row, allowed_row)| {
            total_row
                .iter()
                .zip(allowed_row)
                .map(|(&t, &a)| if t == 0 { 0.0 } else { a as f64 / t as f64 })
                .collect()
        })
        .collect();
    (names, values)
}

/// Pod × pod matrix (pod entries; a template counts its replicas), for small
/// clusters.
pub fn pod_matrix(cluster: &Cluster, reach: &Reachability) -> (Vec<String>, Vec<Vec<f64>>) {
    let mut order: Vec<(usize, &Pod)> = cluster.pods.iter().enumerate().collect();
    order.sort_by_key(|(_, p)| p.id());
    let labels = order.iter().map(|(_, p)| p.id()).collect();
    let values = order
        .iter()
        .map(|&(a, pod_a)| {
            order
                .iter()
                .map(|&(b, _)| {
                    let ok = match (reach.pod_class.get(a), reach.pod_class.get(b)) {
                        (Some(&ca), Some(&cb)) => reach.class_id(ca, cb) != EMPTY,
                        _ => false,
                    };
                    if a == b {
                        // Replicas reach each other, or only themselves.
                        let r = u64::from(pod_a.replicas);
                        if r <= 1 || ok {
                            1.0
                        } else {
                            1.0 / r as f64
                        }
                    } else if ok {
                        1.0
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    (labels, values)
}

/// Every chart for a run, as (file name, SVG).
pub fn charts(
    input: &str,
    cluster: &Cluster,
    reach: &Reachability,
    sims: &[SimResult],
    ranked: Option<&[Ranked]>,
) -> Result<Vec<(String, String)>, charts::ChartError> {
    let mut out = Vec::new();
    if !sims.is_empty() {
        let series: Vec<HopSeries> = sims
            .iter()
            .map(|r| HopSeries {
                name: r.start.clone(),
                pods: r.hops.iter().map(|h| h.pods).collect(),
            })
            .collect();
        let jewels: Vec<JewelMark> = sims
            .iter()
            .enumerate()
            .flat_map(|(i, r)| {
                r.targets.iter().filter_map(move |t| {
                    t.hop.map(|h| JewelMark {
                        series: i,
                        hop: h,
                        label: t.selector.clone(),
                    })
                })
            })
            .collect();
        out.push((
            "reach-by-hop.svg".to_string(),
            charts::reach_by_hop(
                &format!("{input}: pods compromised per hop"),
                &series,
                cluster.pod_count(),
                &jewels,
            )?,
        ));
    }
    // The worst starting point gets the per-namespace breakdown.
    let worst = sims.iter().max_by(|a, b| {
        a.blast_radius
            .cmp(&b.blast_radius)
            .then_with(|| b.start.cmp(&a.start))
    });
    if let Some(first) = worst {
        let mut nss: Vec<String> = first
            .hops
            .iter()
            .flat_map(|h| h.new_by_namespace.keys().cloned())
            .collect();
        nss.sort();
        nss.dedup();
        let rows: Vec<Vec<u64>> = first
            .hops
            .iter()
            .map(|h| {
                nss.iter()
                    .map(|n| h.new_by_namespace.get(n).copied().unwrap_or(0))
                    .collect()
            })
            .collect();
        out.push((
            "hop-by-namespace.svg".to_string(),
            charts::hop_by_namespace(
                &format!(
                    "{input}: new pods per hop by namespace, from {}",
                    first.start
                ),
                &nss,
                &rows,
            )?,
        ));
    }
    if let Some(r) = ranked {
        let items: Vec<(String, u64)> = r
            .iter()
            .take(20)
            .map(|x| (x.workload.clone(), x.blast_radius))
            .collect();
        out.push((
            "ranking.svg".to_string(),
            charts::ranking(
                &format!("{input}: top {} workloads by blast radius", items.len()),
                &items,
                cluster.pod_count(),
            )?,
        ));
    }
    let (labels, values) = namespace_matrix(cluster, reach);
    out.push((
        "namespace-matrix.svg".to_string(),
        charts::matrix(
            &format!("{input}: share of pod pairs allowed, by namespace"),
            &labels,
            &values,
            "namespace",
        )?,
    ));
    if cluster.pod_count() <= 60 && !cluster.pods.is_empty() {
        let (labels, values) = pod_matrix(cluster, reach);
        out.push((
            "pod-matrix.svg".to_string(),
            charts::matrix(
                &format!("{input}: pod to pod reachability"),
                &labels,
                &values,
                "pod",
            )?,
        ));
    }
    Ok(out)
}

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
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>blastradius report: {}</title>\n<style>\nbody{{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}}\ntable{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #bbb;padding:4px 8px;text-align:left}}th{{background:#eee}}\n.headline{{background:#fff4e0;border-left:6px solid #D55E00;padding:1em;font-size:1.15em}}\nfigure{{margin:1.5em 0}}figure svg{{max-width:100%;height:auto}}code{{background:#f3f3f3;padding:1px 3px}}\n</style>\n</head>\n<body>\n<h1>Blast radius report: {}</h1>\n",
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
        let _ = writeln!(
            s,
            "<figure id=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
            esc(name),
            svg,
            esc(name)
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
                    esc(&e.range),
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
