//! Output formats for the connection list. Everything iterates sorted data,
//! so the same input gives byte-identical output.

use crate::engine::reach::Reachability;
use crate::engine::view::{ConnView, Endpoint, Level};
use crate::model::Cluster;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable table.
    Text,
    /// Stable schema `blastradius.reach/v1` (see README).
    Json,
    /// `src,dst,conn`, as np-guard writes it.
    Csv,
    /// A Markdown table, as np-guard writes it.
    Md,
    /// Graphviz, one cluster per namespace.
    Dot,
    /// np-guard netpol-analyzer's line format.
    Connlist,
}

/// A one-paragraph header: what was read and which choices were made.
pub fn summary_lines(cluster: &Cluster, reach: &Reachability, view: &ConnView) -> Vec<String> {
    let ext = view
        .connections
        .iter()
        .filter(|c| !matches!(c.src, Endpoint::Entity(_)) || !matches!(c.dst, Endpoint::Entity(_)))
        .count();
    vec![
        format!(
            "{} namespaces, {} pods ({} {}), {} policies, {} pod classes",
            cluster.namespaces.len(),
            cluster.pod_count(),
            view.entities.len(),
            match view.level {
                Level::Workload => "workloads",
                Level::Pod => "pod entries",
            },
            cluster.policies.len(),
            reach.class_count()
        ),
        format!(
            "{} allowed connections ({} with external IP ranges); ipBlock matches pod IPs: {}",
            view.connections.len(),
            ext,
            if reach.options.ipblock_pods {
                "yes"
            } else {
                "no"
            }
        ),
    ]
}

pub fn render(cluster: &Cluster, reach: &Reachability, view: &ConnView, format: Format) -> String {
    match format {
        Format::Connlist => view.to_connlist(),
        Format::Text => text(cluster, reach, view),
        Format::Json => json(cluster, reach, view),
        Format::Csv => {
            let mut s = String::from("src,dst,conn\n");
            for c in &view.connections {
                s.push_str(&format!(
                    "{},{},{}\n",
                    csv_field(view.name(c.src)),
                    csv_field(view.name(c.dst)),
                    csv_field(&c.conns.to_connlist())
                ));
            }
            s
        }
        Format::Md => {
            let mut s = String::from("| src | dst | conn |\n|-----|-----|------|\n");
            for c in &view.connections {
                s.push_str(&format!(
                    "| {} | {} | {} |\n",
                    view.name(c.src),
                    view.name(c.dst),
                    c.conns.to_connlist()
                ));
            }
            s
        }
        Format::Dot => dot(view),
    }
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
    for l in summary_lines(cluster, reach, view) {
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
                c.conns.to_connlist(),
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

/// JSON written piece by piece (one entity or connection per line), so a
/// million connections do not become a million-node value tree in memory.
fn json(cluster: &Cluster, reach: &Reachability, view: &ConnView) -> String {
    use serde_json::json;
    let mut warnings = cluster.warnings.clone();
    warnings.extend(view.warnings.iter().cloned());
    let head = [
        ("schema", json!("blastradius.reach/v1")),
        (
            "level",
            json!(match view.level {
                Level::Workload => "workload",
                Level::Pod => "pod",
            }),
        ),
        (
            "options",
            json!({ "ipblock_pods": reach.options.ipblock_pods }),
        ),
        (
            "summary",
            json!({
                "namespaces": cluster.namespaces.len(),
                "pods": cluster.pod_count(),
                "entities": view.entities.len(),
                "policies": cluster.policies.len(),
                "classes": reach.class_count(),
                "connections": view.connections.len(),
            }),
        ),
    ];
    let mut s = String::from("{\n");
    for (k, v) in head {
        s.push_str(&format!(
            "  \"{k}\": {},\n",
            serde_json::to_string(&v).unwrap_or_default()
        ));
    }
    let list = |s: &mut String,
                key: &str,
                items: &mut dyn Iterator<Item = serde_json::Value>,
                last: bool| {
        s.push_str(&format!("  \"{key}\": ["));
        let mut first = true;
        for it in items {
            s.push_str(if first { "\n    " } else { ",\n    " });
            first = false;
            s.push_str(&serde_json::to_string(&it).unwrap_or_default());
        }
        s.push_str(if first { "]" } else { "\n  ]" });
        s.push_str(if last { "\n" } else { ",\n" });
    };
    list(
        &mut s,
        "entities",
        &mut view.entities.iter().map(|e| {
            json!({
                "name": e.name,
                "namespace": e.namespace,
                "kind": e.workload.kind,
                "workload": e.workload.name,
                "pods": e.replicas,
            })
        }),
        false,
    );
    list(
        &mut s,
        "connections",
        &mut view.connections.iter().map(|c| {
            json!({
                "src": view.name(c.src),
                "dst": view.name(c.dst),
                "conn": c.conns.to_connlist(),
                "all": c.conns.is_all(),
                "ports": c.conns.to_json(),
            })
        }),
        false,
    );
    list(
        &mut s,
        "warnings",
        &mut warnings.into_iter().map(serde_json::Value::from),
        true,
    );
    s.push_str("}\n");
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
            dot_id(&c.conns.to_connlist())
        ));
    }
    s.push_str("}\n");
    s
}
