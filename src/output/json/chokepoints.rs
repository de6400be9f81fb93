//! `blastradius.chokepoints/v1`: edges ranked by how much removing each
//! cuts the blast radius. Fields alphabetical (see the module header).

use crate::attack::chokepoints::{ChokePoint, ChokeReport};
use serde::Serialize;

pub const SCHEMA: &str = "blastradius.chokepoints/v1";

#[derive(Serialize)]
pub struct ChokepointsDoc {
    pub chokepoints: ChokeReportJson,
    /// The namespace the starting workloads were restricted to (`-n`);
    /// `null`: every namespace.
    pub namespace: Option<String>,
    pub schema: &'static str,
}

#[derive(Serialize)]
pub struct ChokeReportJson {
    /// Exact evaluations the work budget allows (a count, never seconds).
    pub budget_evaluations: usize,
    pub candidates: usize,
    pub edges: usize,
    pub evaluated: usize,
    pub exact: bool,
    pub measure: String,
    pub skipped_inner: usize,
    pub top: Vec<ChokePointJson>,
    pub total: u64,
}

#[derive(Serialize)]
pub struct ChokePointJson {
    pub also: Vec<String>,
    pub conns: String,
    pub drop: u64,
    pub from: String,
    pub measure_before: u64,
    pub rules: Vec<String>,
    pub to: String,
}

impl From<&ChokePoint> for ChokePointJson {
    fn from(c: &ChokePoint) -> Self {
        ChokePointJson {
            also: c.also.clone(),
            conns: c.conns.clone(),
            drop: c.drop,
            from: c.from.clone(),
            measure_before: c.measure_before,
            rules: c.rules.clone(),
            to: c.to.clone(),
        }
    }
}

impl From<&ChokeReport> for ChokeReportJson {
    fn from(r: &ChokeReport) -> Self {
        ChokeReportJson {
            budget_evaluations: r.budget,
            candidates: r.candidates,
            edges: r.edges,
            evaluated: r.evaluated,
            exact: r.exact,
            measure: r.measure.clone(),
            skipped_inner: r.skipped_inner,
            top: r.top.iter().map(ChokePointJson::from).collect(),
            total: r.total,
        }
    }
}

impl From<&ChokeReport> for ChokepointsDoc {
    fn from(r: &ChokeReport) -> Self {
        ChokepointsDoc {
            chokepoints: ChokeReportJson::from(r),
            namespace: None,
            schema: SCHEMA,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::output::json::testing::assert_sorted;

    pub fn sample() -> ChokeReport {
        ChokeReport {
            measure: "blast radius".into(),
            total: 9,
            edges: 3,
            candidates: 2,
            evaluated: 2,
            budget: 100,
            skipped_inner: 0,
            exact: true,
            top: vec![ChokePoint {
                from: "a/x[Deployment]".into(),
                to: "a/y[Deployment]".into(),
                also: vec!["a/z[Deployment]".into()],
                conns: "TCP 80".into(),
                rules: vec!["a/p ingress[0].from[0]".into()],
                drop: 4,
                measure_before: 9,
            }],
        }
    }

    #[test]
    fn fields_sorted_and_converted() {
        let doc = ChokepointsDoc::from(&sample());
        assert_sorted(&doc);
        let v = serde_json::to_value(&doc).unwrap();
        assert_eq!(v["chokepoints"]["top"][0]["drop"], 4);
        assert_eq!(v["chokepoints"]["top"][0]["also"][0], "a/z[Deployment]");
    }
}
