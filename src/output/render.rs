//! The connection list (reach) in each of its formats. Everything iterates
//! sorted data, so the same input gives byte-identical output.

use crate::engine::reach::Reachability;
use crate::engine::view::{ConnCounts, ConnView, Endpoint, Level};
use crate::model::Cluster;
use crate::output::format::Format;
use crate::output::format::{FormatError, Render};
use crate::util::text::count;

/// What `reach` prints.
pub struct ReachOutput<'a> {
    pub cluster: &'a Cluster,
    pub reach: &'a Reachability,
    pub view: &'a ConnView,
}

impl Render for ReachOutput<'_> {
    fn what(&self) -> &'static str {
        "reach"
    }
    fn formats(&self) -> &'static [Format] {
        &[
            Format::Text,
            Format::Json,
            Format::Csv,
            Format::Md,
            Format::Dot,
            Format::Connlist,
        ]
    }
    fn write(&self, format: Format) -> Option<String> {
        let (cluster, reach, view) = (self.cluster, self.reach, self.view);
        Some(match format {
            Format::Connlist => crate::output::text::connlist::connlist(view),
            Format::Text => text(cluster, reach, view),
            Format::Json => crate::output::json::reach::write(cluster, reach, view),
            Format::Csv => csv(view),
            Format::Md => md(view),
            Format::Dot => dot(view),
            Format::Sarif => return None,
        })
    }
}

/// A one-paragraph header: what was read and which choices were made.
pub fn summary_lines(
    cluster: &Cluster,
    reach: &Reachability,
    counts: &ConnCounts,
    level: Level,
) -> Vec<String> {
    vec![
        format!(
            "{}, {} ({}), {}, {}",
            count(cluster.namespaces.len(), "namespace", "namespaces"),
            count(cluster.pod_count(), "pod", "pods"),
            match level {
                Level::Workload => count(counts.entities, "workload", "workloads"),
                Level::Pod => count(counts.entities, "pod entry", "pod entries"),
                Level::Namespace => count(
                    counts.entities,
                    "namespace holding pods",
                    "namespaces holding pods",
                ),
            },
            count(cluster.policies.len(), "policy", "policies"),
            count(reach.class_count(), "pod class", "pod classes")
        ),
        format!(
            "{} ({} with external IP ranges{}); ipBlock matches pod IPs: {}",
            count(
                counts.connections,
                "allowed connection",
                "allowed connections"
            ),
            crate::util::text::thousands(counts.external),
            // CNP-12: named destinations count as external.
            if reach.domains.is_empty() {
                ""
            } else {
                " or names"
            },
            if reach.options.ipblock_pods {
                "yes"
            } else {
                "no"
            }
        ),
    ]
    .into_iter()
    .chain(tiers_line(cluster, reach))
    .collect()
}

/// Which tiers are in force, when a cluster policy is (CNP-1), and whether
/// some connection is ambiguous (CNP-4).
pub fn tiers_line(cluster: &Cluster, reach: &Reachability) -> Option<String> {
    use crate::model::Tier;
    let count = |f: &dyn Fn(&Tier) -> bool| cluster.policies.iter().filter(|p| f(&p.tier)).count();
    let admin = count(&|t| matches!(t, Tier::Admin { .. }));
    let baseline = count(&|t| matches!(t, Tier::Baseline { .. }));
    if admin + baseline == 0 {
        return None;
    }
    let np = count(&|t| *t == Tier::NetworkPolicy);
    let n = |k: usize| if k == 1 { "policy" } else { "policies" };
    let mut line = format!(
        "tiers in force: Admin {admin} {}, NetworkPolicy {np} {}, Baseline {baseline} {}, then allow",
        n(admin),
        n(np),
        n(baseline)
    );
    if reach.has_ambiguity() {
        line.push_str("; some connections are ambiguous (equal-priority policies disagree, CNP-4) and counted as allowed");
    }
    Some(line)
}

/// The connection list in `format` (through the [`Render`] seam).
pub fn render(
    cluster: &Cluster,
    reach: &Reachability,
    view: &ConnView,
    format: Format,
) -> Result<String, FormatError> {
    crate::output::format::render(
        &ReachOutput {
            cluster,
            reach,
            view,
        },
        format,
    )
}

fn csv(view: &ConnView) -> String {
    let mut s = String::from("src,dst,conn\n");
    for c in &view.connections {
        s.push_str(&format!(
            "{},{},{}\n",
            csv_field(view.name(c.src)),
            csv_field(view.name(c.dst)),
            csv_field(&c.conn_text())
        ));
    }
    s
}

fn md(view: &ConnView) -> String {
    let mut s = String::from("| src | dst | conn |\n|-----|-----|------|\n");
    for c in &view.connections {
        s.push_str(&format!(
            "| {} | {} | {} |\n",
            view.name(c.src),
            view.name(c.dst),
            c.conn_text()
        ));
    }
    s
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn text(cluster: &Cluster, reach: &Reachability, view: &ConnView) -> String {
    let mut s = String::new();
    for l in summary_lines(cluster, reach, &ConnCounts::of_view(view), view.level) {
        s.push_str(&l);
        s.push('\n');
    }
    s.push('\n');
    let rows: Vec<[String; 3]> = view
        .connections
        .iter()
        .map(|c| {
            [
                view.name(c.src).to_string(),
                view.name(c.dst).to_string(),
                c.conn_text(),
            ]
        })
        .collect();
    let header = ["SOURCE".to_string(), "DESTINATION".into(), "ALLOWED".into()];
    let w0 = rows
        .iter()
        .map(|r| r[0].len())
        .chain([header[0].len()])
        .max()
        .unwrap_or(0);
    let w1 = rows
        .iter()
        .map(|r| r[1].len())
        .chain([header[1].len()])
        .max()
        .unwrap_or(0);
    for r in std::iter::once(&header).chain(rows.iter()) {
        s.push_str(&format!("{:<w0$}  {:<w1$}  {}\n", r[0], r[1], r[2]));
    }
    if rows.is_empty() {
        s.push_str("(nothing is allowed between any two entities)\n");
    }
    s
}

fn dot_id(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn dot(view: &ConnView) -> String {
    let mut s = String::from("digraph {\n");
    let mut namespaces: Vec<&str> = view.entities.iter().map(|e| e.namespace.as_str()).collect();
    namespaces.dedup();
    for ns in namespaces {
        s.push_str(&format!(
            "\tsubgraph {} {{\n",
            dot_id(&format!("cluster_{ns}[namespace]"))
        ));
        for e in view.entities.iter().filter(|e| e.namespace == ns) {
            let label = format!("{}[{}]", e.workload.name, e.workload.kind);
            s.push_str(&format!(
                "\t\t{} [label={} color=\"blue\" fontcolor=\"blue\"]\n",
                dot_id(&e.name),
                dot_id(&label)
            ));
        }
        s.push_str(&format!(
            "\t\tlabel={}\n\t}}\n",
            dot_id(&format!("{ns}[namespace]"))
        ));
    }
    let mut ext: Vec<&str> = view
        .connections
        .iter()
        .flat_map(|c| {
            [
                (!matches!(c.src, Endpoint::Entity(_))).then_some(view.name(c.src)),
                (!matches!(c.dst, Endpoint::Entity(_))).then_some(view.name(c.dst)),
            ]
        })
        .flatten()
        .collect();
    ext.sort_unstable();
    ext.dedup();
    for x in ext {
        s.push_str(&format!(
            "\t{} [label={} color=\"red2\" fontcolor=\"red2\"]\n",
            dot_id(x),
            dot_id(x)
        ));
    }
    for c in &view.connections {
        s.push_str(&format!(
            "\t{} -> {} [label={} color=\"gold2\" fontcolor=\"darkgreen\"]\n",
            dot_id(view.name(c.src)),
            dot_id(view.name(c.dst)),
            dot_id(&c.conn_text())
        ));
    }
    s.push_str("}\n");
    s
}
