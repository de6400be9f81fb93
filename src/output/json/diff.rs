//! `blastradius.diff/v1`: connections gained and lost, blast radius before
//! and after. Fields alphabetical (see the module header).

use crate::review::diff::{BlastChange, ConnChange, Diff, TargetChange};
use serde::Serialize;

pub const SCHEMA: &str = "blastradius.diff/v1";

#[derive(Serialize)]
pub struct DiffDoc {
    pub diff: DiffJson,
    pub schema: &'static str,
}

#[derive(Serialize)]
pub struct DiffJson {
    pub added: Vec<ConnChangeJson>,
    pub blast_radius: Vec<BlastChangeJson>,
    pub changed: Vec<ConnChangeJson>,
    pub closer_targets: Vec<TargetChangeJson>,
    pub further_targets: Vec<TargetChangeJson>,
    pub level: &'static str,
    pub new_target_paths: Vec<TargetChangeJson>,
    pub removed: Vec<ConnChangeJson>,
    pub total_pods_after: u64,
    pub total_pods_before: u64,
    pub workloads_added: Vec<String>,
    pub workloads_removed: Vec<String>,
}

#[derive(Serialize)]
pub struct ConnChangeJson {
    pub after: String,
    pub before: String,
    pub dst: String,
    pub gained: String,
    pub lost: String,
    pub src: String,
}

#[derive(Serialize)]
pub struct BlastChangeJson {
    pub after: Option<u64>,
    pub before: Option<u64>,
    pub delta: i64,
    pub workload: String,
}

#[derive(Serialize)]
pub struct TargetChangeJson {
    pub hops_after: Option<usize>,
    pub hops_before: Option<usize>,
    pub path_after: Option<String>,
    pub target: String,
    pub workload: String,
}

impl From<&ConnChange> for ConnChangeJson {
    fn from(c: &ConnChange) -> Self {
        ConnChangeJson {
            after: c.after.to_connlist(),
            before: c.before.to_connlist(),
            dst: c.dst.clone(),
            gained: c.gained.to_connlist(),
            lost: c.lost.to_connlist(),
            src: c.src.clone(),
        }
    }
}

impl From<&BlastChange> for BlastChangeJson {
    fn from(b: &BlastChange) -> Self {
        BlastChangeJson {
            after: b.after,
            before: b.before,
            delta: b.delta,
            workload: b.workload.clone(),
        }
    }
}

impl From<&TargetChange> for TargetChangeJson {
    fn from(t: &TargetChange) -> Self {
        TargetChangeJson {
            hops_after: t.hops_after,
            hops_before: t.hops_before,
            path_after: t.path_after.clone(),
            target: t.target.clone(),
            workload: t.workload.clone(),
        }
    }
}

fn conns(v: &[ConnChange]) -> Vec<ConnChangeJson> {
    v.iter().map(ConnChangeJson::from).collect()
}

fn targets(v: &[TargetChange]) -> Vec<TargetChangeJson> {
    v.iter().map(TargetChangeJson::from).collect()
}

impl From<&Diff> for DiffJson {
    fn from(d: &Diff) -> Self {
        DiffJson {
            added: conns(&d.added),
            blast_radius: d.blast_radius.iter().map(BlastChangeJson::from).collect(),
            changed: conns(&d.changed),
            closer_targets: targets(&d.closer_targets),
            further_targets: targets(&d.further_targets),
            level: d.level,
            new_target_paths: targets(&d.new_target_paths),
            removed: conns(&d.removed),
            total_pods_after: d.total_pods_after,
            total_pods_before: d.total_pods_before,
            workloads_added: d.workloads_added.clone(),
            workloads_removed: d.workloads_removed.clone(),
        }
    }
}

impl From<&Diff> for DiffDoc {
    fn from(d: &Diff) -> Self {
        DiffDoc {
            diff: DiffJson::from(d),
            schema: SCHEMA,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ports::ConnSet;
    use crate::output::json::testing::assert_sorted;

    #[test]
    fn fields_sorted_and_conns_as_connlist() {
        let c = ConnChange {
            src: "a/x[Deployment]".into(),
            dst: "a/y[Deployment]".into(),
            before: ConnSet::empty(),
            after: ConnSet::all(),
            gained: ConnSet::all(),
            lost: ConnSet::empty(),
        };
        let t = TargetChange {
            workload: "a/x[Deployment]".into(),
            target: "tier=db".into(),
            hops_before: None,
            hops_after: Some(2),
            path_after: Some("a/x -> a/y".into()),
        };
        let d = Diff {
            level: "workload",
            added: vec![c.clone()],
            removed: vec![],
            changed: vec![c],
            workloads_added: vec!["a/y[Deployment]".into()],
            workloads_removed: vec![],
            blast_radius: vec![BlastChange {
                workload: "a/x[Deployment]".into(),
                before: None,
                after: Some(1),
                delta: 1,
            }],
            new_target_paths: vec![t.clone()],
            closer_targets: vec![t.clone()],
            further_targets: vec![t],
            total_pods_before: 1,
            total_pods_after: 2,
        };
        let doc = DiffDoc::from(&d);
        assert_sorted(&doc);
        let v = serde_json::to_value(&doc).unwrap();
        assert_eq!(v["diff"]["added"][0]["after"], "All Connections");
        assert!(v["diff"]["blast_radius"][0]["before"].is_null());
        assert_eq!(v["diff"]["closer_targets"][0]["hops_after"], 2);
    }
}
