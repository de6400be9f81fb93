//! `blastradius.simulate/v1`: deterministic spread from starting points, and
//! the `--all` ranking. Fields alphabetical (see the module header).

use crate::attack::graph::SimOptions;
use crate::attack::simulate::{Exfil, HopStat, Ranked, ReachedWorkload, SimResult, TargetResult};
use serde::Serialize;
use std::collections::BTreeMap;

pub const SCHEMA: &str = "blastradius.simulate/v1";

#[derive(Serialize)]
pub struct SimulateDoc {
    pub options: SimOptionsJson,
    pub ranking: Option<Vec<RankedJson>>,
    /// `--all -n NS`: the namespace whose workloads are ranked (absent:
    /// every namespace).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ranking_namespace: Option<String>,
    pub schema: &'static str,
    pub simulations: Vec<SimResultJson>,
}

/// The attacker model's options, as simulate and report print them.
#[derive(Serialize)]
pub struct SimOptionsJson {
    pub ipblock_pods: bool,
    pub max_hops: Option<usize>,
    pub ports_listening_only: bool,
    pub via: Option<String>,
}

impl SimOptionsJson {
    pub fn new(ipblock_pods: bool, o: &SimOptions) -> Self {
        SimOptionsJson {
            ipblock_pods,
            max_hops: o.max_hops,
            ports_listening_only: o.listening_only,
            via: o.via.as_ref().map(|c| c.to_connlist()),
        }
    }
}

#[derive(Serialize)]
pub struct SimResultJson {
    pub blast_fraction: f64,
    pub blast_radius: u64,
    pub exfiltration: Vec<ExfilJson>,
    pub hops: Vec<HopJson>,
    pub reached: Vec<ReachedJson>,
    pub start: String,
    pub start_pods: u64,
    pub targets: Vec<TargetJson>,
    pub total_pods: u64,
}

#[derive(Serialize)]
pub struct HopJson {
    pub fraction: f64,
    pub hop: usize,
    /// Workloads seen earlier with more pods reached at this hop.
    pub more_of: Vec<String>,
    pub namespaces: usize,
    pub new_by_namespace: BTreeMap<String, u64>,
    pub new_pods: u64,
    pub new_workloads: Vec<String>,
    pub pods: u64,
    pub workloads: usize,
}

#[derive(Serialize)]
pub struct ReachedJson {
    pub hop: usize,
    pub path: String,
    pub workload: String,
}

#[derive(Serialize)]
pub struct TargetJson {
    pub hop: Option<usize>,
    pub matches: Vec<String>,
    pub path: Option<String>,
    pub selector: String,
    pub workload: Option<String>,
}

#[derive(Serialize)]
pub struct ExfilJson {
    pub conns: String,
    /// First address of the range (absent for a named destination).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    pub from: String,
    pub hop: usize,
    /// Last address of the range (absent for a named destination).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
    /// A named destination, `dns:api.example.com` (CNP-12); absent for a
    /// range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The CIDR when the range is exactly one (`0.0.0.0/0`), else
    /// `first-last` (absent for a named destination).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<String>,
}

#[derive(Serialize)]
pub struct RankedJson {
    pub blast_radius: u64,
    pub fraction: f64,
    pub max_hop: Option<usize>,
    pub namespace: String,
    pub replicas: u64,
    /// With `--target`: the hop at which each crown jewel is first reached
    /// (null: never), in `--target` order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub target_hops: Vec<Option<usize>>,
    pub workload: String,
}

impl From<&HopStat> for HopJson {
    fn from(h: &HopStat) -> Self {
        HopJson {
            fraction: h.fraction,
            hop: h.hop,
            more_of: h.more_of.clone(),
            namespaces: h.namespaces,
            new_by_namespace: h.new_by_namespace.clone(),
            new_pods: h.new_pods,
            new_workloads: h.new_workloads.clone(),
            pods: h.pods,
            workloads: h.workloads,
        }
    }
}

impl From<&ReachedWorkload> for ReachedJson {
    fn from(r: &ReachedWorkload) -> Self {
        ReachedJson {
            hop: r.hop,
            path: r.path.clone(),
            workload: r.workload.clone(),
        }
    }
}

impl From<&TargetResult> for TargetJson {
    fn from(t: &TargetResult) -> Self {
        TargetJson {
            hop: t.hop,
            matches: t.matches.clone(),
            path: t.path.clone(),
            selector: t.selector.clone(),
            workload: t.workload.clone(),
        }
    }
}

impl From<&Exfil> for ExfilJson {
    fn from(e: &Exfil) -> Self {
        let span = e.span.map(|s| s.first_last());
        ExfilJson {
            conns: e.conns.clone(),
            first: span.as_ref().map(|s| s.0.clone()),
            from: e.from.clone(),
            hop: e.hop,
            last: span.map(|s| s.1),
            name: e.span.is_none().then(|| e.range.clone()),
            range: e.span.is_some().then(|| e.range.clone()),
        }
    }
}

impl From<&SimResult> for SimResultJson {
    fn from(r: &SimResult) -> Self {
        SimResultJson {
            blast_fraction: r.blast_fraction,
            blast_radius: r.blast_radius,
            exfiltration: r.exfiltration.iter().map(ExfilJson::from).collect(),
            hops: r.hops.iter().map(HopJson::from).collect(),
            reached: r.reached.iter().map(ReachedJson::from).collect(),
            start: r.start.clone(),
            start_pods: r.start_pods,
            targets: r.targets.iter().map(TargetJson::from).collect(),
            total_pods: r.total_pods,
        }
    }
}

impl From<&Ranked> for RankedJson {
    fn from(r: &Ranked) -> Self {
        RankedJson {
            blast_radius: r.blast_radius,
            fraction: r.fraction,
            max_hop: r.max_hop,
            namespace: r.namespace.clone(),
            replicas: r.replicas,
            target_hops: r.target_hops.clone(),
            workload: r.workload.clone(),
        }
    }
}

/// The lists as the documents hold them.
pub fn simulations(sims: &[SimResult]) -> Vec<SimResultJson> {
    sims.iter().map(SimResultJson::from).collect()
}

pub fn ranking(r: &[Ranked]) -> Vec<RankedJson> {
    r.iter().map(RankedJson::from).collect()
}

impl SimulateDoc {
    pub fn new(
        ipblock_pods: bool,
        o: &SimOptions,
        sims: &[SimResult],
        ranked: Option<&[Ranked]>,
    ) -> Self {
        SimulateDoc {
            options: SimOptionsJson::new(ipblock_pods, o),
            ranking: ranked.map(ranking),
            ranking_namespace: None,
            schema: SCHEMA,
            simulations: simulations(sims),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::output::json::testing::assert_sorted;

    pub fn sample() -> SimResult {
        SimResult {
            start: "a/x[Deployment]".into(),
            start_pods: 1,
            total_pods: 3,
            blast_radius: 2,
            blast_fraction: 2.0 / 3.0,
            hops: vec![HopStat {
                hop: 1,
                new_pods: 2,
                pods: 3,
                workloads: 2,
                namespaces: 1,
                fraction: 1.0,
                new_workloads: vec!["a/y[Deployment]".into()],
                more_of: vec![],
                new_by_namespace: [("a".to_string(), 2)].into_iter().collect(),
            }],
            reached: vec![ReachedWorkload {
                workload: "a/y[Deployment]".into(),
                hop: 1,
                path: "a/x -[TCP 80]-> a/y".into(),
            }],
            targets: vec![TargetResult {
                selector: "tier=db".into(),
                matches: vec![],
                hop: None,
                workload: None,
                path: None,
            }],
            exfiltration: vec![Exfil {
                range: "0.0.0.0/0".into(),
                span: Some(crate::model::ip::IpRange::all_v4()),
                hop: 0,
                from: "a/x[Deployment]".into(),
                conns: "All Connections".into(),
            }],
        }
    }

    pub fn ranked() -> Ranked {
        Ranked {
            workload: "a/x[Deployment]".into(),
            namespace: "a".into(),
            replicas: 1,
            blast_radius: 2,
            fraction: 0.5,
            max_hop: Some(1),
            target_hops: Vec::new(),
        }
    }

    #[test]
    fn fields_sorted_as_the_v1_value_map() {
        let o = SimOptions {
            max_hops: Some(2),
            via: None,
            listening_only: true,
        };
        let r = [ranked()];
        assert_sorted(&SimulateDoc::new(true, &o, &[sample()], Some(&r)));
        assert_sorted(&SimulateDoc::new(false, &o, &[], None));
    }

    #[test]
    fn converts_every_field() {
        let j = SimResultJson::from(&sample());
        let v = serde_json::to_value(&j).unwrap();
        assert_eq!(v["hops"][0]["new_by_namespace"]["a"], 2);
        assert_eq!(v["reached"][0]["path"], "a/x -[TCP 80]-> a/y");
        assert!(v["targets"][0]["hop"].is_null());
        assert_eq!(v["exfiltration"][0]["conns"], "All Connections");
        assert_eq!(v["exfiltration"][0]["range"], "0.0.0.0/0");
        assert_eq!(v["exfiltration"][0]["last"], "255.255.255.255");
        assert_eq!(v["blast_fraction"], 2.0 / 3.0);
    }
}
