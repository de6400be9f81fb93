//! `blastradius.montecarlo/v1`: probabilistic spread over seeded trials.
//! Fields alphabetical (see the module header).

use crate::attack::montecarlo::{Band, McOptions, McResult, TargetRisk};
use serde::Serialize;

pub const SCHEMA: &str = "blastradius.montecarlo/v1";

#[derive(Serialize)]
pub struct MonteCarloDoc {
    pub options: McOptionsJson,
    pub results: Vec<McResultJson>,
    pub schema: &'static str,
}

#[derive(Serialize)]
pub struct McOptionsJson {
    pub default_p: f64,
    /// The work budget in edge visits, and the trials it always allows.
    pub max_edge_visits: u64,
    pub min_trials: usize,
    pub seed: u64,
    pub steps: usize,
    /// `PORT/PROTOCOL=P`, in table order.
    pub table: Vec<String>,
    pub trials: usize,
}

#[derive(Serialize)]
pub struct McResultJson {
    pub compromised: Vec<BandJson>,
    /// Edge visits the trials cost, and their budget.
    pub edge_visit_budget: u64,
    pub edge_visits: u64,
    pub seed: u64,
    pub start: String,
    pub steps: usize,
    pub targets: Vec<TargetRiskJson>,
    pub total_pods: u64,
    /// Trials run; fewer than `trials_requested` when the budget ran out.
    pub trials: usize,
    pub trials_requested: usize,
}

#[derive(Serialize)]
pub struct BandJson {
    pub mean: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
}

#[derive(Serialize)]
pub struct TargetRiskJson {
    pub by_step: Vec<f64>,
    pub probability: f64,
    pub selector: String,
    pub time_to_compromise: Option<BandJson>,
}

impl From<&Band> for BandJson {
    fn from(b: &Band) -> Self {
        BandJson {
            mean: b.mean,
            p10: b.p10,
            p50: b.p50,
            p90: b.p90,
        }
    }
}

impl From<&TargetRisk> for TargetRiskJson {
    fn from(t: &TargetRisk) -> Self {
        TargetRiskJson {
            by_step: t.by_step.clone(),
            probability: t.probability,
            selector: t.selector.clone(),
            time_to_compromise: t.time_to_compromise.as_ref().map(BandJson::from),
        }
    }
}

impl From<&McResult> for McResultJson {
    fn from(r: &McResult) -> Self {
        McResultJson {
            compromised: r.compromised.iter().map(BandJson::from).collect(),
            edge_visit_budget: r.edge_visit_budget,
            edge_visits: r.edge_visits,
            seed: r.seed,
            start: r.start.clone(),
            steps: r.steps,
            targets: r.targets.iter().map(TargetRiskJson::from).collect(),
            total_pods: r.total_pods,
            trials: r.trials,
            trials_requested: r.trials_requested,
        }
    }
}

impl From<&McOptions> for McOptionsJson {
    fn from(o: &McOptions) -> Self {
        McOptionsJson {
            default_p: o.default_p,
            max_edge_visits: o.max_edge_visits,
            min_trials: o.min_trials,
            seed: o.seed,
            steps: o.steps,
            table: o
                .table
                .iter()
                .map(|(p, n, x)| format!("{n}/{p}={x}"))
                .collect(),
            trials: o.trials,
        }
    }
}

impl MonteCarloDoc {
    pub fn new(o: &McOptions, results: &[McResult]) -> Self {
        MonteCarloDoc {
            options: McOptionsJson::from(o),
            results: results.iter().map(McResultJson::from).collect(),
            schema: SCHEMA,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::output::json::testing::assert_sorted;

    pub fn sample() -> McResult {
        let b = || Band {
            mean: 1.5,
            p10: 1.0,
            p50: 2.0,
            p90: 2.0,
        };
        McResult {
            start: "a/x[Deployment]".into(),
            trials: 10,
            trials_requested: 10,
            edge_visits: 40,
            edge_visit_budget: 1000,
            seed: 7,
            steps: 1,
            total_pods: 3,
            compromised: vec![b(), b()],
            targets: vec![TargetRisk {
                selector: "tier=db".into(),
                probability: 0.25,
                by_step: vec![0.0, 0.25],
                time_to_compromise: Some(b()),
            }],
        }
    }

    #[test]
    fn fields_sorted_and_table_written_as_given() {
        let doc = MonteCarloDoc::new(&McOptions::default(), &[sample()]);
        assert_sorted(&doc);
        let v = serde_json::to_value(&doc).unwrap();
        assert_eq!(v["options"]["table"][0], "22/TCP=0.9");
        assert_eq!(
            v["results"][0]["targets"][0]["time_to_compromise"]["mean"],
            1.5
        );
        assert_eq!(v["schema"], SCHEMA);
        assert_eq!(v["results"][0]["edge_visit_budget"], 1000);
        assert_eq!(v["options"]["max_edge_visits"], 500_000_000);
    }
}
