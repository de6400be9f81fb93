//! Why a connection is allowed or denied: the policies and rules on each side.
//!
//! Evaluated straight from the model for one pair of endpoints, keeping
//! provenance; tests check that its verdict always equals the matrix's.

use crate::engine::eval::{self, Target};
use crate::engine::reach::ReachOptions;
use crate::model::ports::{ConnSet, Protocol, MAX_PORT, MIN_PORT};
use crate::model::{Cluster, Direction, Peer, Pod, Rule};
use std::net::IpAddr;

/// One end of the question.
#[derive(Clone, Debug)]
pub enum Endpoint {
    /// A pod (index into `Cluster::pods`) and the name it was asked by.
    /// An index outside `Cluster::pods` stands for no pod: that end has no
    /// policies (like an IP end) and matches no peer.
    Pod(usize, String),
    Ip(IpAddr),
}

impl Endpoint {
    pub fn name(&self) -> String {
        match self {
            Endpoint::Pod(_, n) => n.clone(),
            Endpoint::Ip(ip) => ip.to_string(),
        }
    }
}

/// What one rule says about this pair.
#[derive(Clone, Debug)]
pub struct RuleVerdict {
    /// `ns/name`.
    pub policy: String,
    /// `ingress[0]` / `egress[2]`.
    pub rule: String,
    /// `from[1]` for the first matching peer, `from (absent): every peer`, or
    /// `none of from[..] matches`.
    pub peer: String,
    pub peer_matches: bool,
    /// `ingress[0].from[1]`: the rule and its first matching peer.
    pub at: String,
    /// What the rule's ports allow towards this destination.
    pub ports: ConnSet,
}

/// One side (egress at the source, ingress at the destination).
#[derive(Clone, Debug)]
pub struct Side {
    pub direction: &'static str,
    /// The pod whose policies are read.
    pub pod: String,
    /// Policies that select the pod for this direction; empty = not isolated.
    pub isolated_by: Vec<String>,
    pub rules: Vec<RuleVerdict>,
    pub allows: ConnSet,
    /// Why the side is open or not governed, when it is.
    pub note: Option<String>,
}

/// A run of ports with one verdict and one set of reasons.
#[derive(Clone, Debug)]
pub struct Segment {
    pub conns: ConnSet,
    pub allowed: bool,
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Explanation {
    pub from: String,
    pub to: String,
    pub same_pod: bool,
    pub egress: Option<Side>,
    pub ingress: Option<Side>,
    pub allowed: ConnSet,
    pub segments: Vec<Segment>,
}

pub fn explain(c: &Cluster, opts: &ReachOptions, from: &Endpoint, to: &Endpoint) -> Explanation {
    let same_pod = matches!((from, to), (Endpoint::Pod(a, _), Endpoint::Pod(b, _)) if a == b);
    let src_pod = endpoint_pod(c, from);
    let dst_pod = endpoint_pod(c, to);
    let egress = src_pod.map(|p| side(c, opts, p, Direction::Egress, to, dst_pod));
    let ingress = dst_pod.map(|p| side(c, opts, p, Direction::Ingress, from, dst_pod));
    let all = ConnSet::all();
    let eg = egress.as_ref().map_or(&all, |s| &s.allows);
    let ing = ingress.as_ref().map_or(&all, |s| &s.allows);
    let allowed = if same_pod {
        ConnSet::all()
    } else {
        eg.intersect(ing)
    };
    let segments = if same_pod {
        vec![Segment {
            conns: ConnSet::all(),
            allowed: true,
            reasons: vec![
                "a pod always reaches itself; policies cannot block loopback (SEM-47)".into(),
            ],
        }]
    } else {
        segments(egress.as_ref(), ingress.as_ref())
    };
    Explanation {
        from: from.name(),
        to: to.name(),
        same_pod,
        egress,
        ingress,
        allowed,
        segments,
    }
}

/// The pod an endpoint stands for, if it is one (and the index is valid).
fn endpoint_pod<'c>(c: &'c Cluster, e: &Endpoint) -> Option<&'c Pod> {
    match e {
        Endpoint::Pod(i, _) => c.pods.get(*i),
        Endpoint::Ip(_) => None,
    }
}

fn side(
    c: &Cluster,
    opts: &ReachOptions,
    pod: &Pod,
    dir: Direction,
    other: &Endpoint,
    dst_pod: Option<&Pod>,
) -> Side {
    let ns_labels = c.namespace_labels(&pod.namespace);
    let other_labels = endpoint_pod(c, other).map(|o| c.namespace_labels(&o.namespace));
    let target = match (other, &other_labels) {
        (Endpoint::Ip(ip), _) => Some(Target::Ip(*ip)),
        (Endpoint::Pod(..), Some(l)) => {
            endpoint_pod(c, other).map(|pod| Target::Pod { pod, ns_labels: l })
        }
        (Endpoint::Pod(..), None) => None,
    };
    let mut isolated_by = Vec::new();
    let mut rules = Vec::new();
    for pol in &c.policies {
        let Some(rs) = eval::applying_rules(pol, pod, &ns_labels, dir) else {
            continue;
        };
        if eval::isolates(pol, dir) {
            isolated_by.push(pol.id());
        }
        for (i, rule) in rs.iter().enumerate() {
            let (peer, peer_matches, idx) = peer_match(opts, rule, &pol.namespace, dir, target);
            let at = match idx {
                Some(j) => format!("{}[{i}].{}[{j}]", dir.as_str(), dir.peers_field()),
                None => format!("{}[{i}]", dir.as_str()),
            };
            rules.push(RuleVerdict {
                policy: pol.id(),
                rule: format!("{}[{i}]", dir.as_str()),
                peer,
                peer_matches,
                at,
                ports: rule.ports_towards(dst_pod),
            });
        }
    }
    let note = if pod.host_network {
        Some("hostNetwork pod: no policy selects it (SEM-49), so it is not isolated".into())
    } else if isolated_by.is_empty() {
        Some(format!(
            "no policy selects {} for {}: not isolated, everything allowed (SEM-3, SEM-4)",
            pod.id(),
            dir.as_str()
        ))
    } else {
        None
    };
    let allows = eval::combine(
        !isolated_by.is_empty(),
        rules
            .iter()
            .filter(|r| r.peer_matches)
            .map(|r| r.ports.clone()),
    );
    Side {
        direction: dir.as_str(),
        pod: pod.id(),
        isolated_by,
        rules,
        allows,
        note,
    }
}

/// The rule's peer part in words, whether it matches the other end, and
/// the index of the first matching peer. `target: None` is an end that is
/// no pod of the cluster: it matches no peer, only an absent `from`/`to`.
fn peer_match(
    opts: &ReachOptions,
    rule: &Rule,
    policy_ns: &str,
    dir: Direction,
    target: Option<Target<'_>>,
) -> (String, bool, Option<usize>) {
    let field = dir.peers_field();
    let Some(peers) = &rule.peers else {
        return (format!("{field} absent: every peer (SEM-14)"), true, None);
    };
    let hit = target.and_then(|t| eval::first_matching_peer(peers, policy_ns, t, opts));
    if let Some((j, peer)) = hit.and_then(|j| peers.get(j).map(|p| (j, p))) {
        return (
            format!("{field}[{j}] ({})", describe_peer(peer, policy_ns)),
            true,
            Some(j),
        );
    }
    let all: Vec<String> = peers.iter().map(|p| describe_peer(p, policy_ns)).collect();
    (
        format!("no peer of {field} matches: {}", all.join(" | ")),
        false,
        None,
    )
}

/// A peer in words: `pods app=web in namespace shop`.
pub fn describe_peer(p: &Peer, policy_ns: &str) -> String {
    match p {
        Peer::IpBlock(b) => format!("ipBlock {b}"),
        Peer::Pods { namespaces, pods } => {
            let pods = match pods {
                None => "all pods".to_string(),
                Some(s) if s.is_empty() => "all pods".to_string(),
                Some(s) => format!("pods {s}"),
            };
            let ns = match namespaces {
                None => format!("in namespace {policy_ns}"),
                Some(s) if s.is_empty() => "in every namespace".to_string(),
                Some(s) => format!("in namespaces {s}"),
            };
            format!("{pods} {ns}")
        }
    }
}

/// Split the port space where any rule's ports start or end, and group the
/// pieces by verdict and reasons.
fn segments(eg: Option<&Side>, ing: Option<&Side>) -> Vec<Segment> {
    let sides: Vec<&Side> = eg.into_iter().chain(ing).collect();
    let mut groups: Vec<(bool, Vec<String>, ConnSet)> = Vec::new();
    for proto in Protocol::ALL {
        let mut cuts: Vec<u32> = vec![u32::from(MIN_PORT), u32::from(MAX_PORT) + 1];
        for s in &sides {
            for r in &s.rules {
                for &(lo, hi) in r.ports.ranges(proto) {
                    cuts.push(u32::from(lo));
                    cuts.push(u32::from(hi) + 1);
                }
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        for (&start, &next) in cuts.iter().zip(cuts.iter().skip(1)) {
            let (lo, hi) = (start as u16, (next - 1) as u16);
            let mut allowed = true;
            let mut reasons = Vec::new();
            for s in &sides {
                if s.isolated_by.is_empty() {
                    reasons.push(format!("{} of {}: not isolated", s.direction, s.pod));
                    continue;
                }
                let granting: Vec<String> = s
                    .rules
                    .iter()
                    .filter(|r| r.peer_matches && r.ports.contains(proto, lo))
                    .map(|r| format!("{} {}", r.policy, r.at))
                    .collect();
                if granting.is_empty() {
                    allowed = false;
                    reasons.push(format!(
                        "{} of {} is isolated by {} and no rule allows it",
                        s.direction,
                        s.pod,
                        s.isolated_by.join(", ")
                    ));
                } else {
                    reasons.push(format!(
                        "{} allowed by {}",
                        s.direction,
                        granting.join(", ")
                    ));
                }
            }
            if sides.is_empty() {
                reasons.push("no pod at either end: out of scope (SEM-9)".into());
            }
            let piece = ConnSet::range(proto, lo, hi);
            match groups
                .iter_mut()
                .find(|(a, r, _)| *a == allowed && *r == reasons)
            {
                Some(g) => g.2 = g.2.union(&piece),
                None => groups.push((allowed, reasons, piece)),
            }
        }
    }
    // Allowed first, then by the ports they cover.
    groups.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.2.first().cmp(&b.2.first())));
    groups
        .into_iter()
        .map(|(allowed, reasons, conns)| Segment {
            conns,
            allowed,
            reasons,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::reach::tests::{cluster, ipblock, pod, pods_peer, policy, rule, tcp};
    use crate::engine::reach::Reachability;

    fn sample() -> Cluster {
        let from_a = Some(vec![
            pods_peer(None, Some("app=c")),
            pods_peer(None, Some("app=a")),
        ]);
        cluster(
            vec![pod("x", "a", "app=a"), pod("x", "b", "app=b")],
            vec![policy(
                "x",
                "app=b",
                Some(vec![rule(from_a, Some(vec![tcp(80)]))]),
                None,
            )],
        )
    }

    fn pod_end(i: usize, name: &str) -> Endpoint {
        Endpoint::Pod(i, name.into())
    }

    #[test]
    fn provenance_names_the_rule_and_the_matching_peer() {
        // SEM-12, SEM-19: the second peer of ingress[0] matches.
        let c = sample();
        let e = explain(
            &c,
            &ReachOptions::default(),
            &pod_end(0, "x/a"),
            &pod_end(1, "x/b"),
        );
        let ing = e.ingress.as_ref().unwrap();
        assert_eq!(ing.isolated_by, vec!["x/p"]);
        let r = &ing.rules[0];
        assert_eq!(r.rule, "ingress[0]");
        assert_eq!(r.at, "ingress[0].from[1]");
        assert_eq!(r.peer, "from[1] (pods app=a in namespace x)");
        assert!(r.peer_matches);
        assert_eq!(e.allowed, ConnSet::port(Protocol::Tcp, 80));
        // SEM-3, SEM-4: a's egress is open, with a note saying why.
        let eg = e.egress.as_ref().unwrap();
        assert!(eg.isolated_by.is_empty());
        assert_eq!(
            eg.note.as_deref(),
            Some(
                "no policy selects x/a for egress: not isolated, everything allowed (SEM-3, SEM-4)"
            )
        );
        let allowed = e.segments.iter().find(|s| s.allowed).unwrap();
        assert_eq!(
            allowed.reasons,
            vec![
                "egress of x/a: not isolated",
                "ingress allowed by x/p ingress[0].from[1]"
            ]
        );
        let denied = e.segments.iter().find(|s| !s.allowed).unwrap();
        assert_eq!(
            denied.reasons[1],
            "ingress of x/b is isolated by x/p and no rule allows it"
        );
    }

    #[test]
    fn no_matching_peer_lists_every_peer() {
        let c = sample();
        let e = explain(
            &c,
            &ReachOptions::default(),
            &Endpoint::Ip("1.2.3.4".parse().unwrap()),
            &pod_end(1, "x/b"),
        );
        let r = &e.ingress.as_ref().unwrap().rules[0];
        assert!(!r.peer_matches);
        assert_eq!(r.at, "ingress[0]");
        assert_eq!(
            r.peer,
            "no peer of from matches: pods app=c in namespace x | pods app=a in namespace x"
        );
        assert!(e.allowed.is_empty());
        assert!(e.egress.is_none(), "an IP end has no side (SEM-9)");
    }

    #[test]
    fn absent_peers_same_pod_and_unknown_index() {
        // SEM-14.
        let c = cluster(
            vec![pod("x", "a", ""), pod("x", "b", "")],
            vec![policy("x", "", Some(vec![rule(None, None)]), None)],
        );
        let opts = ReachOptions::default();
        let e = explain(&c, &opts, &pod_end(0, "x/a"), &pod_end(1, "x/b"));
        assert_eq!(
            e.ingress.as_ref().unwrap().rules[0].peer,
            "from absent: every peer (SEM-14)"
        );
        assert!(e.allowed.is_all());
        // SEM-47.
        let e = explain(&c, &opts, &pod_end(0, "x/a"), &pod_end(0, "x/a"));
        assert!(e.same_pod && e.allowed.is_all());
        // An index that is no pod has no side.
        let e = explain(&c, &opts, &pod_end(9, "x/ghost"), &pod_end(1, "x/b"));
        assert!(e.egress.is_none());
    }

    #[test]
    fn describes_peers() {
        assert_eq!(
            describe_peer(&pods_peer(Some(""), Some("")), "x"),
            "all pods in every namespace"
        );
        assert_eq!(
            describe_peer(&pods_peer(Some("team=ops"), None), "x"),
            "all pods in namespaces team=ops"
        );
        let b = Peer::IpBlock(ipblock("10.0.0.0/8", &[]));
        assert!(describe_peer(&b, "x").starts_with("ipBlock 10.0.0.0/8"));
    }

    #[test]
    fn verdict_equals_the_matrix() {
        let c = sample();
        let opts = ReachOptions::default();
        let r = Reachability::compile(&c, &opts);
        for s in 0..2 {
            for d in 0..2 {
                let e = explain(&c, &opts, &pod_end(s, "s"), &pod_end(d, "d"));
                assert_eq!(e.allowed, r.pod_to_pod(s, d), "{s} -> {d}");
            }
        }
    }
}
