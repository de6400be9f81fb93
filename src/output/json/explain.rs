//! `blastradius.explain/v1`: why a connection is allowed or denied.

use crate::engine::explain::{ClusterRuleVerdict, Explanation, RuleVerdict, Segment, Side};
use serde::Serialize;

pub const SCHEMA: &str = "blastradius.explain/v1";

/// The document; fields in declaration order, `schema` first.
#[derive(Serialize)]
pub struct ExplainDoc {
    pub schema: &'static str,
    pub from: String,
    pub to: String,
    pub same_pod: bool,
    pub egress: Option<SideJson>,
    pub ingress: Option<SideJson>,
    pub allowed: String,
    /// The ambiguous part of `allowed` (CNP-4); absent when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ambiguous: Option<String>,
    pub segments: Vec<SegmentJson>,
    /// Towards a named destination whose verdict depends on the address it
    /// resolves to (CNP-12): each egress side and its address ranges
    /// (absent otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resolutions: Vec<ResolutionJson>,
}

#[derive(Serialize)]
pub struct ResolutionJson {
    pub ranges: Vec<String>,
    pub egress: SideJson,
}

#[derive(Serialize)]
pub struct SideJson {
    pub direction: &'static str,
    pub pod: String,
    pub isolated_by: Vec<String>,
    pub rules: Vec<RuleJson>,
    /// Admin and Baseline tier rules selecting the pod (absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cluster_rules: Vec<ClusterRuleJson>,
    pub allows: String,
    pub note: Option<String>,
}

#[derive(Serialize)]
pub struct ClusterRuleJson {
    pub policy: String,
    /// `Admin` or `Baseline`.
    pub tier: &'static str,
    pub priority: u32,
    pub rule: String,
    pub action: &'static str,
    pub peer: String,
    pub peer_matches: bool,
    pub ports: String,
}

impl From<&ClusterRuleVerdict> for ClusterRuleJson {
    fn from(r: &ClusterRuleVerdict) -> Self {
        let (tier, priority) = match r.tier {
            crate::model::Tier::Admin { priority } => ("Admin", priority),
            crate::model::Tier::Baseline { priority } => ("Baseline", priority),
            crate::model::Tier::NetworkPolicy => ("NetworkPolicy", 0),
        };
        ClusterRuleJson {
            policy: r.policy.clone(),
            tier,
            priority,
            rule: r.rule.clone(),
            action: r.action.as_str(),
            peer: r.peer.clone(),
            peer_matches: r.peer_matches,
            ports: r.ports.to_connlist(),
        }
    }
}

#[derive(Serialize)]
pub struct RuleJson {
    pub policy: String,
    pub rule: String,
    pub peer: String,
    pub peer_matches: bool,
    pub at: String,
    pub ports: String,
}

#[derive(Serialize)]
pub struct SegmentJson {
    pub conns: String,
    pub allowed: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ambiguous: bool,
    pub reasons: Vec<String>,
}

impl From<&RuleVerdict> for RuleJson {
    fn from(r: &RuleVerdict) -> Self {
        RuleJson {
            policy: r.policy.clone(),
            rule: r.rule.clone(),
            peer: r.peer.clone(),
            peer_matches: r.peer_matches,
            at: r.at.clone(),
            ports: r.ports.to_connlist(),
        }
    }
}

impl From<&Side> for SideJson {
    fn from(s: &Side) -> Self {
        SideJson {
            direction: s.direction,
            pod: s.pod.clone(),
            isolated_by: s.isolated_by.clone(),
            rules: s.rules.iter().map(RuleJson::from).collect(),
            cluster_rules: s.cluster_rules.iter().map(ClusterRuleJson::from).collect(),
            allows: s.allows.to_connlist(),
            note: s.note.clone(),
        }
    }
}

impl From<&Segment> for SegmentJson {
    fn from(s: &Segment) -> Self {
        SegmentJson {
            conns: s.conns.to_connlist(),
            allowed: s.allowed,
            ambiguous: s.ambiguous,
            reasons: s.reasons.clone(),
        }
    }
}

impl From<&Explanation> for ExplainDoc {
    fn from(e: &Explanation) -> Self {
        ExplainDoc {
            schema: SCHEMA,
            from: e.from.clone(),
            to: e.to.clone(),
            same_pod: e.same_pod,
            egress: e.egress.as_ref().map(SideJson::from),
            ingress: e.ingress.as_ref().map(SideJson::from),
            allowed: e.allowed.to_connlist(),
            ambiguous: (!e.ambiguous.is_empty()).then(|| e.ambiguous.to_connlist()),
            segments: e.segments.iter().map(SegmentJson::from).collect(),
            resolutions: e
                .resolutions
                .iter()
                .map(|r| ResolutionJson {
                    ranges: r.ranges.iter().map(|x| x.label()).collect(),
                    egress: SideJson::from(&r.side),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ports::ConnSet;

    #[test]
    fn schema_first_then_fields_in_order() {
        let e = Explanation {
            from: "a/x[Deployment]".into(),
            to: "10.0.0.1".into(),
            same_pod: false,
            egress: Some(Side {
                direction: "egress",
                pod: "a/x-1".into(),
                isolated_by: vec!["a/deny".into()],
                rules: vec![RuleVerdict {
                    policy: "a/deny".into(),
                    rule: "egress[0]".into(),
                    peer: "to[0]".into(),
                    peer_matches: true,
                    at: "egress[0].to[0]".into(),
                    ports: ConnSet::all(),
                }],
                cluster_rules: vec![],
                allows: ConnSet::all(),
                denies: ConnSet::empty(),
                note: None,
            }),
            ingress: None,
            allowed: ConnSet::empty(),
            ambiguous: ConnSet::empty(),
            segments: vec![],
            resolutions: vec![],
        };
        let s = crate::output::json::pretty(&ExplainDoc::from(&e));
        assert!(s.starts_with(
            "{\n  \"schema\": \"blastradius.explain/v1\",\n  \"from\": \"a/x[Deployment]\",\n"
        ));
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["egress"]["rules"][0]["ports"], "All Connections");
        assert_eq!(v["allowed"], "No Connections");
        assert!(v["ingress"].is_null());
        let keys: Vec<&str> = s
            .lines()
            .filter(|l| l.starts_with("  \""))
            .map(|l| l.trim().split('"').nth(1).unwrap())
            .collect();
        assert_eq!(
            keys,
            ["schema", "from", "to", "same_pod", "egress", "ingress", "allowed", "segments"]
        );
    }
}
