//! `blastradius.reach/v1`: the connection list, written piece by piece (one
//! entity or connection per line), so a million connections never become
//! one value tree in memory. Fields alphabetical (see the module header).

use crate::engine::reach::Reachability;
use crate::engine::view::{ConnView, Entity, Level};
use crate::model::Cluster;
use serde::Serialize;

pub const SCHEMA: &str = "blastradius.reach/v1";

#[derive(Serialize)]
pub struct ReachOptionsJson {
    pub ipblock_pods: bool,
}

#[derive(Serialize)]
pub struct SummaryJson {
    pub classes: usize,
    pub connections: usize,
    pub entities: usize,
    pub namespaces: usize,
    pub pods: u64,
    pub policies: usize,
}

#[derive(Serialize)]
pub struct EntityJson<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub namespace: &'a str,
    pub pods: u64,
    pub workload: &'a str,
}

#[derive(Serialize)]
pub struct ConnectionJson<'a> {
    pub all: bool,
    /// The ambiguous part (CNP-4), np-guard's spelling; absent when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ambiguous: Option<String>,
    pub conn: String,
    pub dst: &'a str,
    /// Protocol → port ranges, as `ConnSet::to_json` writes it.
    pub ports: serde_json::Value,
    pub src: &'a str,
}

impl<'a> From<&'a Entity> for EntityJson<'a> {
    fn from(e: &'a Entity) -> Self {
        EntityJson {
            kind: &e.workload.kind,
            name: &e.name,
            namespace: &e.namespace,
            pods: e.replicas,
            workload: &e.workload.name,
        }
    }
}

fn one_line<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// One `"key": [` list, one item a line.
fn list<I: Iterator<Item = String>>(s: &mut String, key: &str, items: I, last: bool) {
    s.push_str(&format!("  \"{key}\": ["));
    let mut first = true;
    for it in items {
        s.push_str(if first { "\n    " } else { ",\n    " });
        first = false;
        s.push_str(&it);
    }
    s.push_str(if first { "]" } else { "\n  ]" });
    s.push_str(if last { "\n" } else { ",\n" });
}

pub fn write(cluster: &Cluster, reach: &Reachability, view: &ConnView) -> String {
    let mut warnings = cluster.warnings.clone();
    warnings.extend(view.warnings.iter().cloned());
    let level = match view.level {
        Level::Workload => "workload",
        Level::Pod => "pod",
        Level::Namespace => "namespace",
    };
    let summary = SummaryJson {
        classes: reach.class_count(),
        connections: view.connections.len(),
        entities: view.entities.len(),
        namespaces: cluster.namespaces.len(),
        pods: cluster.pod_count(),
        policies: cluster.policies.len(),
    };
    let head = [
        ("schema", one_line(&SCHEMA)),
        ("level", one_line(&level)),
        (
            "options",
            one_line(&ReachOptionsJson {
                ipblock_pods: reach.options.ipblock_pods,
            }),
        ),
        ("summary", one_line(&summary)),
    ];
    let mut s = String::from("{\n");
    for (k, v) in head {
        s.push_str(&format!("  \"{k}\": {v},\n"));
    }
    list(
        &mut s,
        "entities",
        view.entities.iter().map(|e| one_line(&EntityJson::from(e))),
        false,
    );
    list(
        &mut s,
        "connections",
        view.connections.iter().map(|c| {
            one_line(&ConnectionJson {
                all: c.conns.is_all(),
                ambiguous: c.ambiguous.as_ref().map(|a| a.to_connlist()),
                conn: c.conns.to_connlist(),
                dst: view.name(c.dst),
                ports: c.conns.to_json(),
                src: view.name(c.src),
            })
        }),
        false,
    );
    list(&mut s, "warnings", warnings.iter().map(one_line), true);
    s.push_str("}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::json::testing::assert_sorted;

    #[test]
    fn line_items_sorted_as_the_v1_value_maps() {
        assert_sorted(&SummaryJson {
            classes: 1,
            connections: 2,
            entities: 3,
            namespaces: 4,
            pods: 5,
            policies: 6,
        });
        assert_sorted(&ConnectionJson {
            ambiguous: None,
            all: false,
            conn: "TCP 80".into(),
            dst: "a/y[Deployment]",
            ports: serde_json::json!({"TCP": [[80, 80]]}),
            src: "a/x[Deployment]",
        });
        assert_sorted(&EntityJson {
            kind: "Deployment",
            name: "a/x[Deployment]",
            namespace: "a",
            pods: 2,
            workload: "x",
        });
    }

    #[test]
    fn empty_lists_close_on_their_line() {
        let mut s = String::new();
        list(&mut s, "warnings", std::iter::empty(), true);
        assert_eq!(s, "  \"warnings\": []\n");
        let mut s = String::new();
        list(&mut s, "w", ["\"a\"".to_string()].into_iter(), false);
        assert_eq!(s, "  \"w\": [\n    \"a\"\n  ],\n");
    }
}
