//! `blastradius.report/v1`: report.json, everything the report shows.
//! Fields alphabetical (see the module header).

use crate::attack::chokepoints::ChokeReport;
use crate::attack::graph::SimOptions;
use crate::attack::montecarlo::McResult;
use crate::attack::simulate::{Ranked, SimResult};
use crate::output::json::chokepoints::ChokeReportJson;
use crate::output::json::montecarlo::McResultJson;
use crate::output::json::simulate::{self, RankedJson, SimOptionsJson, SimResultJson};
use crate::output::matrix::Heat;
use crate::review::audit::{Finding, Severity};
use serde::Serialize;

pub const SCHEMA: &str = "blastradius.report/v1";

#[derive(Serialize)]
pub struct ReportDoc {
    pub assumptions: Vec<&'static str>,
    /// Added within v1: the audit findings, most severe first, and their counts.
    pub audit: AuditJson,
    pub charts: Vec<String>,
    pub chokepoints: ChokeReportJson,
    pub input: String,
    pub monte_carlo: Option<McResultJson>,
    /// The namespace the starting points were restricted to (`-n`);
    /// `null`: every namespace.
    pub namespace: Option<String>,
    /// Added within v1: the whole namespace matrix the chart folds.
    pub namespace_matrix: NamespaceMatrixJson,
    pub options: SimOptionsJson,
    pub ranking: Vec<RankedJson>,
    pub schema: &'static str,
    pub simulations: Vec<SimResultJson>,
    pub summary: Vec<String>,
}

/// `audit`: counts by severity and every finding, most severe first (then by id).
#[derive(Serialize)]
pub struct AuditJson {
    pub counts: SeverityCounts,
    pub findings: Vec<FindingJson>,
}

#[derive(Serialize)]
pub struct SeverityCounts {
    pub high: usize,
    pub low: usize,
    pub medium: usize,
}

/// A finding as `blastradius.audit/v1` writes it, fields alphabetical.
#[derive(Serialize)]
pub struct FindingJson {
    pub fix: String,
    pub id: &'static str,
    pub objects: Vec<LocationJson>,
    pub rule: &'static str,
    pub severity: &'static str,
    pub title: String,
    pub why: String,
}

#[derive(Serialize)]
pub struct LocationJson {
    pub doc: usize,
    pub file: String,
    pub line: Option<usize>,
    pub object: String,
}

/// `namespace_matrix`: namespaces by name, their pods, and `share[i][j]`,
/// the share of (pod in i, pod in j) pairs allowed (null: no pair; a pod
/// and itself are never a pair).
#[derive(Serialize)]
pub struct NamespaceMatrixJson {
    pub namespaces: Vec<String>,
    pub pods: Vec<u64>,
    pub share: Vec<Vec<Option<f64>>>,
}

/// Findings most severe first, then by id (the page's order).
pub fn audit_json(findings: &[Finding]) -> AuditJson {
    let mut order: Vec<&Finding> = findings.iter().collect();
    order.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(b.id)));
    let n = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    AuditJson {
        counts: SeverityCounts {
            high: n(Severity::High),
            low: n(Severity::Low),
            medium: n(Severity::Medium),
        },
        findings: order
            .into_iter()
            .map(|f| FindingJson {
                fix: f.fix.clone(),
                id: f.id,
                objects: f
                    .objects
                    .iter()
                    .map(|o| LocationJson {
                        doc: o.doc,
                        file: o.file.clone(),
                        line: o.line,
                        object: o.object.clone(),
                    })
                    .collect(),
                rule: f.rule,
                severity: f.severity.as_str(),
                title: f.title.clone(),
                why: f.why.clone(),
            })
            .collect(),
    }
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
    pub findings: &'a [Finding],
    pub namespaces: &'a Heat,
}

impl From<&ReportParts<'_>> for ReportDoc {
    fn from(p: &ReportParts<'_>) -> Self {
        ReportDoc {
            assumptions: p.assumptions.to_vec(),
            audit: audit_json(p.findings),
            charts: p.charts.clone(),
            chokepoints: ChokeReportJson::from(p.chokepoints),
            input: p.input.to_string(),
            monte_carlo: p.monte_carlo.map(McResultJson::from),
            namespace: p.namespace.map(str::to_string),
            namespace_matrix: {
                let (namespaces, share) = p.namespaces.matrix();
                NamespaceMatrixJson {
                    namespaces,
                    pods: p.namespaces.pods.clone(),
                    share,
                }
            },
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
            findings: &[],
            namespaces: &crate::output::matrix::Heat::empty(),
        };
        let doc = ReportDoc::from(&parts);
        assert_sorted(&doc);
        let v = serde_json::to_value(&doc).unwrap();
        assert_eq!(v["options"]["via"], "All Connections");
        assert_eq!(v["monte_carlo"]["seed"], 7);
        assert_eq!(v["schema"], SCHEMA);
        assert_eq!(v["audit"]["counts"]["high"], 0);
        assert_eq!(v["namespace_matrix"]["share"], serde_json::json!([]));
    }
}
