//! Why a connection is allowed or denied: the policies and rules on each side.
//!
//! Evaluated straight from the model for one pair of endpoints, keeping
//! provenance; tests check that its verdict always equals the matrix's.

use crate::engine::eval::{self, Target};
use crate::engine::reach::ReachOptions;
use crate::model::ip::IpRange;
use crate::model::ports::{ConnSet, Protocol, MAX_PORT, MIN_PORT};
use crate::model::selector::Labels;
use crate::model::{Action, Cluster, Direction, Peer, Pod, PolicyKind, Rule, Tier};
use std::net::IpAddr;

/// One end of the question.
#[derive(Clone, Debug)]
pub enum Endpoint {
    /// A pod (index into `Cluster::pods`) and the name it was asked by.
    /// An index outside `Cluster::pods` stands for no pod: that end has no
    /// policies (like an IP end) and matches no peer.
    Pod(usize, String),
    Ip(IpAddr),
    /// A `domainNames` destination (CNP-12), its canonical name without
    /// the `dns:` prefix.
    Domain(String),
}

impl Endpoint {
    pub fn name(&self) -> String {
        match self {
            Endpoint::Pod(_, n) => n.clone(),
            Endpoint::Ip(ip) => ip.to_string(),
            Endpoint::Domain(d) => format!("dns:{d}"),
        }
    }
}

/// A named destination's egress side where the address it resolves to
/// changes the verdict (CNP-12): the ranges that give this side.
#[derive(Clone, Debug)]
pub struct Resolution {
    pub ranges: Vec<IpRange>,
    pub side: Side,
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
    /// Rules of the cluster policies (Admin and Baseline tiers) that select
    /// the pod, in precedence order (CNP-3, CNP-5).
    pub cluster_rules: Vec<ClusterRuleVerdict>,
    /// What this side may allow (with ambiguous parts, the worst case).
    pub allows: ConnSet,
    /// What this side may deny (CNP-4: overlaps `allows` where ambiguous).
    pub denies: ConnSet,
    /// Why the side is open or not governed, when it is.
    pub note: Option<String>,
}

/// What one rule of a cluster policy says about this pair.
#[derive(Clone, Debug)]
pub struct ClusterRuleVerdict {
    /// `AdminNetworkPolicy tenant-isolation`.
    pub policy: String,
    pub kind: PolicyKind,
    pub tier: Tier,
    /// `ingress[1]`, with the rule's name when it has one.
    pub rule: String,
    pub action: Action,
    pub peer: String,
    pub peer_matches: bool,
    /// What the rule's ports match towards this destination.
    pub ports: ConnSet,
}

impl ClusterRuleVerdict {
    /// `AdminNetworkPolicy tenant-isolation ingress[1] (priority 10): Deny`.
    pub fn describe(&self) -> String {
        // The BaselineAdminNetworkPolicy has no priority (CNP-A2).
        let tier = match self.tier {
            _ if self.kind == PolicyKind::BaselineAdminNetworkPolicy => String::new(),
            Tier::Admin { priority } | Tier::Baseline { priority } => {
                format!(" (priority {priority})")
            }
            Tier::NetworkPolicy => String::new(),
        };
        // v1alpha2 spells Allow `Accept` (CNP-A3).
        let action = match (self.kind, self.action) {
            (PolicyKind::ClusterNetworkPolicy, Action::Allow) => "Accept",
            (_, a) => a.as_str(),
        };
        format!("{} {}{tier}: {action}", self.policy, self.rule)
    }

    fn matches(&self, proto: Protocol, port: u16) -> bool {
        self.peer_matches && self.ports.contains(proto, port)
    }
}

/// A run of ports with one verdict and one set of reasons.
#[derive(Clone, Debug)]
pub struct Segment {
    pub conns: ConnSet,
    pub allowed: bool,
    /// Equal-priority cluster policies disagree (CNP-4): `allowed` is the
    /// worst case.
    pub ambiguous: bool,
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
    /// The part of `allowed` that is ambiguous (CNP-4), or that depends on
    /// the address a named destination resolves to (CNP-12).
    pub ambiguous: ConnSet,
    pub segments: Vec<Segment>,
    /// Towards a named destination whose verdict depends on the address
    /// it resolves to: each distinct egress side and where it holds
    /// (empty otherwise; `egress` is then their union).
    pub resolutions: Vec<Resolution>,
}

pub fn explain(c: &Cluster, opts: &ReachOptions, from: &Endpoint, to: &Endpoint) -> Explanation {
    let same_pod = matches!((from, to), (Endpoint::Pod(a, _), Endpoint::Pod(b, _)) if a == b);
    let src_pod = endpoint_pod(c, from);
    let dst_pod = endpoint_pod(c, to);
    let src_labels = src_pod.map(|p| c.namespace_labels(&p.namespace));
    let dst_labels = dst_pod.map(|p| c.namespace_labels(&p.namespace));
    let src_end = src_pod.zip(src_labels.as_ref());
    let dst_end = dst_pod.zip(dst_labels.as_ref());
    let (egress, resolutions) = match (src_pod, to) {
        (Some(p), Endpoint::Domain(name)) => {
            let (side, res) = domain_side(c, opts, p, name);
            (Some(side), res)
        }
        (Some(p), _) => {
            let target = target_of(to, dst_end);
            (
                Some(side(c, opts, p, Direction::Egress, target, dst_pod)),
                Vec::new(),
            )
        }
        (None, _) => (None, Vec::new()),
    };
    let ingress = dst_pod.map(|p| {
        side(
            c,
            opts,
            p,
            Direction::Ingress,
            target_of(from, src_end),
            dst_pod,
        )
    });
    let all = ConnSet::all();
    let none = ConnSet::empty();
    let eg = egress.as_ref().map_or(&all, |s| &s.allows);
    let ing = ingress.as_ref().map_or(&all, |s| &s.allows);
    let (allowed, ambiguous) = if same_pod {
        (ConnSet::all(), ConnSet::empty())
    } else {
        // CNP-2: allowed when both sides may allow; ambiguous where either
        // side may also deny.
        let allowed = eg.intersect(ing);
        let eg_deny = egress.as_ref().map_or(&none, |s| &s.denies);
        let ing_deny = ingress.as_ref().map_or(&none, |s| &s.denies);
        let ambiguous = allowed.intersect(&eg_deny.union(ing_deny));
        (allowed, ambiguous)
    };
    let segments = if same_pod {
        vec![Segment {
            conns: ConnSet::all(),
            allowed: true,
            ambiguous: false,
            reasons: vec![
                "a pod always reaches itself; policies cannot block loopback (SEM-47, CNP-17)"
                    .into(),
            ],
        }]
    } else if resolutions.is_empty() {
        let sides: Vec<(String, &Side)> = egress
            .iter()
            .chain(ingress.iter())
            .map(|s| (String::new(), s))
            .collect();
        segments(&sides, &allowed, &ambiguous)
    } else {
        let to_name = to.name();
        let sides: Vec<(String, &Side)> = resolutions
            .iter()
            .map(|r| {
                let at: Vec<String> = r.ranges.iter().map(IpRange::label).collect();
                (
                    format!("if {to_name} resolves into {}: ", at.join(", ")),
                    &r.side,
                )
            })
            .collect();
        segments(&sides, &allowed, &ambiguous)
    };
    Explanation {
        from: from.name(),
        to: to.name(),
        same_pod,
        egress,
        ingress,
        allowed,
        ambiguous,
        segments,
        resolutions,
    }
}

/// The other end as a peer sees it, with its pod and namespace labels
/// when it is a pod; `None` for an index that is no pod.
fn target_of<'a>(e: &Endpoint, pod: Option<(&'a Pod, &'a Labels)>) -> Option<Target<'a>> {
    match e {
        Endpoint::Ip(ip) => Some(Target::Ip(*ip)),
        Endpoint::Pod(..) => pod.map(|(pod, ns_labels)| Target::Pod { pod, ns_labels }),
        // Resolved range by range in `domain_side`.
        Endpoint::Domain(_) => None,
    }
}

/// The egress side towards a named destination (CNP-12): decided once per
/// address range it may resolve to. When every range gives one side, that
/// side; else their union (the worst case: what one range may allow is
/// allowed, what one may deny makes it ambiguous) and each distinct side
/// with its ranges.
fn domain_side(c: &Cluster, opts: &ReachOptions, pod: &Pod, name: &str) -> (Side, Vec<Resolution>) {
    let mut groups: Vec<Resolution> = Vec::new();
    for range in eval::resolution_ranges(c) {
        let target = Target::Domain {
            name,
            addr: range.first_addr(),
        };
        let s = side(c, opts, pod, Direction::Egress, Some(target), None);
        match groups
            .iter_mut()
            .find(|g| g.side.allows == s.allows && g.side.denies == s.denies)
        {
            Some(g) => g.ranges.push(range),
            None => groups.push(Resolution {
                ranges: vec![range],
                side: s,
            }),
        }
    }
    let Some(first) = groups.first() else {
        // No address at all cannot happen (IPv4 is always in use); decide
        // by name alone.
        let target = Target::Domain {
            name,
            addr: IpAddr::from([0, 0, 0, 0]),
        };
        return (
            side(c, opts, pod, Direction::Egress, Some(target), None),
            Vec::new(),
        );
    };
    let mut merged = first.side.clone();
    if groups.len() == 1 {
        return (merged, Vec::new());
    }
    for g in groups.iter().skip(1) {
        merged.allows = merged.allows.union(&g.side.allows);
        merged.denies = merged.denies.union(&g.side.denies);
    }
    merged.note = Some(format!(
        "the verdict depends on the address dns:{name} resolves to (CNP-12): {} ways, shown one by one below",
        groups.len()
    ));
    (merged, groups)
}

/// The pod an endpoint stands for, if it is one (and the index is valid).
fn endpoint_pod<'c>(c: &'c Cluster, e: &Endpoint) -> Option<&'c Pod> {
    match e {
        Endpoint::Pod(i, _) => c.pods.get(*i),
        Endpoint::Ip(_) | Endpoint::Domain(_) => None,
    }
}

fn side(
    c: &Cluster,
    opts: &ReachOptions,
    pod: &Pod,
    dir: Direction,
    target: Option<Target<'_>>,
    dst_pod: Option<&Pod>,
) -> Side {
    let ns_labels = c.namespace_labels(&pod.namespace);
    let mut isolated_by = Vec::new();
    let mut rules = Vec::new();
    for pol in c.policies.iter().filter(|p| p.tier == Tier::NetworkPolicy) {
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
    let mut cluster_rules = Vec::new();
    for admin in [true, false] {
        for group in eval::tier_groups(c, pod, &ns_labels, admin) {
            for pol in group {
                for (i, rule) in pol.rules(dir).unwrap_or(&[]).iter().enumerate() {
                    let (peer, peer_matches, _) = peer_match(opts, rule, "", dir, target);
                    let label = match &rule.name {
                        Some(n) => format!("{}[{i}] \"{n}\"", dir.as_str()),
                        None => format!("{}[{i}]", dir.as_str()),
                    };
                    cluster_rules.push(ClusterRuleVerdict {
                        policy: format!("{} {}", pol.kind, pol.name),
                        kind: pol.kind,
                        tier: pol.tier,
                        rule: label,
                        action: rule.action,
                        peer,
                        peer_matches,
                        ports: rule.ports_towards(dst_pod),
                    });
                }
            }
        }
    }
    let note = match note {
        Some(_) if isolated_by.is_empty() && !cluster_rules.is_empty() && !pod.host_network => {
            Some(format!(
                "no NetworkPolicy selects {} for {}: the cluster tiers decide, then allow (CNP-1, CNP-9)",
                pod.id(),
                dir.as_str()
            ))
        }
        n => n,
    };
    // The verdict is the evaluator's (CNP-1..9); the rules above are the
    // provenance.
    let verdict = eval::side_verdict_for(c, pod, dir, target, dst_pod, opts);
    Side {
        direction: dir.as_str(),
        pod: pod.id(),
        isolated_by,
        rules,
        cluster_rules,
        allows: verdict.allow,
        denies: verdict.deny,
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
        Peer::Nodes { selector, .. } if selector.is_empty() => "every node".to_string(),
        Peer::Nodes { selector, .. } => format!("nodes {selector}"),
        Peer::DomainNames(names) => format!("domainNames {}", names.join(", ")),
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
/// pieces by verdict and reasons. The verdict is the evaluator's
/// (`allowed`, `ambiguous`); the reasons walk the tiers (CNP-1).
/// Each side comes with the condition under which it holds (empty, or
/// `if dns:x resolves into …: ` for a named destination, CNP-12).
fn segments(sides: &[(String, &Side)], allowed: &ConnSet, ambiguous: &ConnSet) -> Vec<Segment> {
    let mut groups: Vec<(bool, bool, Vec<String>, ConnSet)> = Vec::new();
    for proto in Protocol::ALL {
        let mut cuts: Vec<u32> = vec![u32::from(MIN_PORT), u32::from(MAX_PORT) + 1];
        for (_, s) in sides {
            let ports = s
                .rules
                .iter()
                .map(|r| &r.ports)
                .chain(s.cluster_rules.iter().map(|r| &r.ports));
            for p in ports {
                for &(lo, hi) in p.ranges(proto) {
                    cuts.push(u32::from(lo));
                    cuts.push(u32::from(hi) + 1);
                }
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        for (&start, &next) in cuts.iter().zip(cuts.iter().skip(1)) {
            let (lo, hi) = (start as u16, (next - 1) as u16);
            let mut reasons = Vec::new();
            for (cond, s) in sides {
                side_reasons(s, cond, proto, lo, &mut reasons);
            }
            if sides.is_empty() {
                reasons.push("no pod at either end: out of scope (SEM-9)".into());
            }
            let ok = allowed.contains(proto, lo);
            let amb = ambiguous.contains(proto, lo);
            let piece = ConnSet::range(proto, lo, hi);
            match groups
                .iter_mut()
                .find(|(a, m, r, _)| *a == ok && *m == amb && *r == reasons)
            {
                Some(g) => g.3 = g.3.union(&piece),
                None => groups.push((ok, amb, reasons, piece)),
            }
        }
    }
    // Allowed first, then by the ports they cover.
    groups.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.3.first().cmp(&b.3.first())));
    groups
        .into_iter()
        .map(|(allowed, ambiguous, reasons, conns)| Segment {
            conns,
            allowed,
            ambiguous,
            reasons,
        })
        .collect()
}

/// Why one side decides one port as it does: the Admin tier, then the
/// NetworkPolicy tier, then the Baseline tier (CNP-1, CNP-6..8).
fn side_reasons(s: &Side, cond: &str, proto: Protocol, port: u16, out: &mut Vec<String>) {
    let who = format!("{cond}{} of {}", s.direction, s.pod);
    let admin = |r: &&ClusterRuleVerdict| matches!(r.tier, Tier::Admin { .. });
    let admin_rules: Vec<&ClusterRuleVerdict> = s.cluster_rules.iter().filter(admin).collect();
    let base_rules: Vec<&ClusterRuleVerdict> =
        s.cluster_rules.iter().filter(|r| !admin(r)).collect();
    let ambiguous = s.allows.contains(proto, port) && s.denies.contains(proto, port);
    if !admin_rules.is_empty() {
        match tier_decision(&admin_rules, proto, port) {
            Decision::Final(words) => {
                out.push(format!("{who}: {words}"));
                return;
            }
            Decision::Tie(words, passes) => {
                out.push(format!("{who}: {}", tie_words(&words, ambiguous)));
                if !passes {
                    return;
                }
                out.push(format!("{who}: where a Pass applies → NetworkPolicy tier"));
            }
            Decision::Passed(words) => out.push(format!("{who}: {words} → NetworkPolicy tier")),
            Decision::None => out.push(format!(
                "{who}: no Admin tier rule matches → NetworkPolicy tier"
            )),
        }
    }
    if !s.isolated_by.is_empty() {
        let granting: Vec<String> = s
            .rules
            .iter()
            .filter(|r| r.peer_matches && r.ports.contains(proto, port))
            .map(|r| format!("{} {}", r.policy, r.at))
            .collect();
        if granting.is_empty() {
            out.push(format!(
                "{who} is isolated by {} and no rule allows it",
                s.isolated_by.join(", ")
            ));
        } else {
            out.push(format!(
                "{cond}{} allowed by {}",
                s.direction,
                granting.join(", ")
            ));
        }
        return;
    }
    if base_rules.is_empty() {
        out.push(format!("{who}: not isolated"));
        return;
    }
    let head = format!(
        "{who}: no NetworkPolicy selects {} for {} → Baseline tier",
        s.pod, s.direction
    );
    match tier_decision(&base_rules, proto, port) {
        Decision::Final(words) => out.push(format!("{head}: {words}")),
        Decision::Tie(words, passes) => {
            out.push(format!("{head}: {}", tie_words(&words, ambiguous)));
            if passes {
                out.push(format!(
                    "{who}: where a Pass applies → allowed (default, CNP-8)"
                ));
            }
        }
        Decision::Passed(words) => out.push(format!("{head}: {words} → allowed (default, CNP-8)")),
        Decision::None => out.push(format!(
            "{head}: no Baseline rule matches → allowed (default, CNP-9)"
        )),
    }
}

/// Equal-priority policies that disagree, in words: ambiguous when the
/// verdict depends on the choice, else said to lead to the same verdict.
fn tie_words(words: &str, ambiguous: bool) -> String {
    if ambiguous {
        format!("ambiguous: {words} (equal priorities, the implementation may apply either, CNP-4)")
    } else {
        format!("{words} (equal priorities, either may apply; both lead to this verdict, CNP-4)")
    }
}

enum Decision {
    /// Accepted or denied: the words say which.
    Final(String),
    /// Equal-priority policies that disagree (CNP-4): their first matching
    /// rules, and whether one of them passes.
    Tie(String, bool),
    /// Every matching policy of the deciding priority passes.
    Passed(String),
    None,
}

/// The deciding rules of one tier for one port: at the first priority where
/// a selecting policy has a matching rule, each such policy's first
/// matching rule (CNP-3..5); several that disagree are ambiguous (CNP-4).
fn tier_decision(rules: &[&ClusterRuleVerdict], proto: Protocol, port: u16) -> Decision {
    let mut priorities: Vec<Tier> = rules.iter().map(|r| r.tier).collect();
    priorities.dedup();
    for tier in priorities {
        let mut firsts: Vec<&ClusterRuleVerdict> = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for r in rules.iter().filter(|r| r.tier == tier) {
            if seen.contains(&r.policy.as_str()) {
                continue;
            }
            if r.matches(proto, port) {
                seen.push(&r.policy);
                firsts.push(r);
            }
        }
        let Some(first) = firsts.first() else {
            continue;
        };
        let words: Vec<String> = firsts.iter().map(|r| r.describe()).collect();
        if firsts.iter().any(|r| r.action != first.action) {
            let passes = firsts.iter().any(|r| r.action == Action::Pass);
            return Decision::Tie(words.join(" or "), passes);
        }
        return match first.action {
            Action::Pass => Decision::Passed(words.join(", ")),
            _ => Decision::Final(words.join(", ")),
        };
    }
    Decision::None
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
