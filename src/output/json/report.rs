//! `blastradius.report/v1`: report.json, everything the report shows.
//! Fields alphabetical (see the module header).

use crate::attack::chokepoints::ChokeReport;
use crate::attack::graph::SimOptions;
use crate::attack::montecarlo::McResult;
use crate::attack::simulate::{Ranked, SimResult};
use crate::output::json::chokepoints::ChokeReportJson;
use crate::output::json::montecarlo::McResultJson;
use crate::output::json::simulate::{self, RankedJson, SimOptionsJson, SimResultJson};
use serde::Serialize;

pub const SCHEMA: &str = "blastradius.report/v1";

#[derive(Serialize)]
pub struct ReportDoc {
    pub assumptions: Vec<&'static str>,
    pub charts: Vec<String>,
    pub chokepoints: ChokeReportJson,
    pub input: String,
    pub monte_carlo: Option<McResultJson>,
    /// The namespace the starting points were restricted to (`-n`);
    /// `null`: every namespace.
    pub namespace: Option<String>,
    pub options: SimOptionsJson,
    pub ranking: Vec<RankedJson>,
    pub schema: &'static str,
    pub simulations: Vec<SimResultJson>,
    pub summary: Vec<String>,
}

/// What report.json is made of.
pub struct ReportParts<'a> {
    pub input: &'a str,
    pub ipblock_pods: bool,
    pub options: &'a SimOptions,
    pub summary: &'a [String],
    pub ranking: &'a [Ranked],
    pub simulations: &'a [SimResult],
    pub charts: Vec<String>,
    pub chokepoints: &'a ChokeReport,
    pub monte_carlo: Option<&'a McResult>,
    pub assumptions: &'a [&'static str],
    /// `-n NS`: the starting points' namespace.
    pub namespace: Option<&'a str>,
}

impl From<&ReportParts<'_>> for ReportDoc {
    fn from(p: &ReportParts<'_>) -> Self {
        ReportDoc {
            assumptions: p.assumptions.to_vec(),
            charts: p.charts.clone(),
            chokepoints: ChokeReportJson::from(p.chokepoints),
            input: p.input.to_string(),
            monte_carlo: p.monte_carlo.map(McResultJson::from),
            namespace: p.namespace.map(str::to_string),
            options: SimOptionsJson::new(p.ipblock_pods, p.options),
            ranking: simulate::ranking(p.ranking),
            schema: SCHEMA,
            simulations: simulate::simulations(p.simulations),
            summary: p.summary.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::json::testing::assert_sorted;

    #[test]
    fn fields_sorted_and_converted() {
        let sims = [simulate::tests::sample()];
        let ranked = [simulate::tests::ranked()];
        let chokes = crate::output::json::chokepoints::tests::sample();
        let mc = crate::output::json::montecarlo::tests::sample();
        let o = SimOptions {
            max_hops: None,
            via: Some(crate::model::ports::ConnSet::all()),
            listening_only: false,
        };
        let summary = ["one".to_string()];
        let parts = ReportParts {
            input: "shop",
            ipblock_pods: true,
            options: &o,
            summary: &summary,
            ranking: &ranked,
            simulations: &sims,
            charts: vec!["a.svg".into()],
            chokepoints: &chokes,
            monte_carlo: Some(&mc),
            assumptions: &["assume"],
            namespace: None,
        };
        let doc = ReportDoc::from(&parts);
        assert_sorted(&doc);
        let v = serde_json::to_value(&doc).unwrap();
        assert_eq!(v["options"]["via"], "All Connections");
        assert_eq!(v["monte_carlo"]["seed"], 7);
        assert_eq!(v["schema"], SCHEMA);
    }
}
