//! BR010..BR015: the cluster tiers (AdminNetworkPolicy,
//! BaselineAdminNetworkPolicy, ClusterNetworkPolicy; SEMANTICS-CNP.md).
//! BR010, BR011, BR012 and BR014 read the exact sweep of `tiers.rs`;
//! BR013 and the baseline cover of BR001/BR002/BR004 read rules; BR015
//! the subjects.

use super::tiers::{Sample, Sweep};
use super::{list, plural, Auditor, Location, Severity};
use crate::model::ip::IpRange;
use crate::model::ports::{ConnSet, Protocol};
use crate::model::{Action, Direction, Peer, Policy, PolicyKind, Rule, Tier};
use std::collections::BTreeMap;

/// `Accept` in v1alpha2, `Allow` in v1alpha1 (CNP-A3).
fn action_word(pol: &Policy, a: Action) -> &'static str {
    match (pol.kind, a) {
        (PolicyKind::ClusterNetworkPolicy, Action::Allow) => "Accept",
        _ => a.as_str(),
    }
}

/// `Admin tier, priority 10` / `Baseline tier` (the v1alpha1 singleton has
/// no priority, CNP-A2).
fn tier_words(pol: &Policy) -> String {
    match pol.tier {
        Tier::Admin { priority } => format!("Admin tier, priority {priority}"),
        Tier::Baseline { .. } if pol.kind == PolicyKind::BaselineAdminNetworkPolicy => {
            "Baseline tier".to_string()
        }
        Tier::Baseline { priority } => format!("Baseline tier, priority {priority}"),
        Tier::NetworkPolicy => "NetworkPolicy tier".to_string(),
    }
}

/// `ClusterNetworkPolicy tenants ingress[1] "other-tenants"`.
fn rule_label(pol: &Policy, dir: Direction, i: usize) -> String {
    let name = pol
        .rules(dir)
        .and_then(|rs| rs.get(i))
        .and_then(|r| r.name.as_ref())
        .map(|n| format!(" \"{n}\""))
        .unwrap_or_default();
    format!("{} {} {}[{i}]{name}", pol.kind, pol.name, dir.as_str())
}

/// DNS only: 53/UDP and 53/TCP (BR005's notion).
fn dns_only(c: &ConnSet) -> bool {
    let dns = ConnSet::port(Protocol::Udp, 53).union(&ConnSet::port(Protocol::Tcp, 53));
    !c.is_empty() && c.subtract(&dns).is_empty()
}

/// A rule that denies every pod (and, for egress, every IPv4 address, and
/// every IPv6 address when IPv6 is in use) on every port: the Baseline
/// tier's default deny. Ingress needs no address peer: no cluster policy
/// ingress peer matches an address (CNP-11).
pub(super) fn catch_all_deny(rule: &Rule, dir: Direction, ipv6: bool) -> bool {
    if rule.action != Action::Deny || rule.ports.is_some() {
        return false;
    }
    let Some(peers) = &rule.peers else {
        return true;
    };
    let all_pods = peers.iter().any(|p| {
        matches!(p, Peer::Pods { namespaces: Some(n), pods } if n.is_empty() && pods.as_ref().is_none_or(|s| s.is_empty()))
    });
    let covers = |r: IpRange| {
        peers
            .iter()
            .any(|p| matches!(p, Peer::IpBlock(b) if b.covers(&r)))
    };
    all_pods
        && (dir == Direction::Ingress
            || (covers(IpRange::all_v4()) && (!ipv6 || covers(IpRange::all_v6()))))
}

const BANP_DEFAULT: &str = "apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata:
  name: default
spec:
  subject:
    namespaces: {}
  ingress:
    - name: default-deny
      action: Deny
      from:
        - namespaces: {}
  egress:
    - name: allow-dns
      action: Allow
      to:
        - pods:
            namespaceSelector:
              matchLabels:
                kubernetes.io/metadata.name: kube-system
            podSelector:
              matchLabels:
                k8s-app: kube-dns
      ports:
        - portNumber: {protocol: UDP, port: 53}
        - portNumber: {protocol: TCP, port: 53}
    - name: default-deny
      action: Deny
      to:
        - namespaces: {}
        - networks: [0.0.0.0/0, ::/0]
";

impl Auditor<'_> {
    /// Per pod and direction: a Baseline policy selecting it holds a
    /// catch-all Deny (its default deny).
    pub(super) fn baseline_cover(&self, dir: Direction) -> Vec<bool> {
        let ipv6 = self.reach.ipv6_in_use;
        let banps: Vec<&Policy> = self
            .c
            .policies
            .iter()
            .filter(|p| {
                matches!(p.tier, Tier::Baseline { .. })
                    && p.rules(dir)
                        .is_some_and(|rs| rs.iter().any(|r| catch_all_deny(r, dir, ipv6)))
            })
            .collect();
        let mut cover = vec![false; self.c.pods.len()];
        if banps.is_empty() {
            return cover;
        }
        for i in self.pods_where(|pod| banps.iter().any(|p| self.selects(p, pod))) {
            if let Some(x) = cover.get_mut(i) {
                *x = true;
            }
        }
        cover
    }

    fn cluster_loc(pol: &Policy) -> Location {
        Self::policy_loc(pol)
    }

    pub(super) fn cluster_checks(&mut self) {
        if !self.c.policies.iter().any(|p| p.tier.is_cluster()) {
            return;
        }
        self.selects_nothing();
        self.no_baseline_default_deny(Direction::Ingress);
        self.no_baseline_default_deny(Direction::Egress);
        let sw = self.sweep();
        self.shadowed(&sw);
        self.pass_to_nothing(&sw);
        self.ties_found(&sw);
        self.bypasses(&sw);
    }

    /// BR015.
    fn selects_nothing(&mut self) {
        let mut found = Vec::new();
        for pol in self.c.policies.iter().filter(|p| p.tier.is_cluster()) {
            if !self.selected(pol).is_empty() {
                continue;
            }
            let ns: Vec<String> = self
                .c
                .namespaces
                .iter()
                .filter(|n| crate::engine::eval::subject_matches_namespace(pol, &n.name, &n.labels))
                .map(|n| n.name.clone())
                .collect();
            let sel = match &pol.subject.namespaces {
                Some(s) if s.is_empty() => "every namespace".to_string(),
                Some(s) => format!("namespaces {s}"),
                None => "no namespace".to_string(),
            };
            let title = format!(
                "{} {} spec.subject selects no pod: pods {} in {sel}",
                pol.kind,
                pol.name,
                if pol.subject.pods.is_empty() {
                    "(all)".to_string()
                } else {
                    pol.subject.pods.to_string()
                }
            );
            let where_ = if ns.is_empty() {
                "no loaded namespace matches its namespace selector".to_string()
            } else {
                format!(
                    "its namespace selector matches {} but no pod there matches its pod selector (hostNetwork pods are never subjects, CNP-10)",
                    list(&ns, 6)
                )
            };
            let why = format!(
                "A cluster policy acts only on the pods its subject selects (CNP-10, CNP-13): this one governs none, so none of its rules does anything ({where_}). A guardrail that selects nothing protects nothing; often a label typo or namespaces missing from the inputs."
            );
            let fix = "Set `spec.subject` to labels the intended namespaces and pods carry (`kubectl get ns --show-labels`), load the namespaces it is meant for, or delete the policy.".to_string();
            found.push((title, vec![Self::cluster_loc(pol)], why, fix));
        }
        for (t, o, w, f) in found {
            self.push("BR015", Severity::Medium, t, o, w, f);
        }
    }

    /// BR013.
    fn no_baseline_default_deny(&mut self, dir: Direction) {
        let cover = self.baseline_cover(dir);
        let mut open: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (ns, pods) in self.pods_by_namespace() {
            let o: Vec<usize> = pods
                .into_iter()
                .filter(|&i| !self.isolated(i, dir) && !cover.get(i).copied().unwrap_or(false))
                .collect();
            if !o.is_empty() {
                open.insert(ns, o);
            }
        }
        if open.is_empty() {
            return;
        }
        let banps: Vec<&Policy> = self
            .c
            .policies
            .iter()
            .filter(|p| matches!(p.tier, Tier::Baseline { .. }))
            .collect();
        let pods: Vec<usize> = open.values().flatten().copied().collect();
        let workloads = self.workload_names(&pods);
        let names: Vec<String> = open.keys().map(|s| s.to_string()).collect();
        let n = names.len();
        let d = dir.as_str();
        let tier = if banps.is_empty() {
            format!("the cluster has no Baseline tier, so no default deny for {d}")
        } else {
            format!("the Baseline tier has no default deny for {d}")
        };
        let title = format!(
            "{tier}, and {n} namespace{} ({}) {} none either: {} workload{} fall{} through to allow",
            plural(n),
            list(&names, 6),
            if n == 1 { "has" } else { "have" },
            workloads.len(),
            plural(workloads.len()),
            if workloads.len() == 1 { "s" } else { "" }
        );
        let what = if dir == Direction::Ingress {
            "every pod may connect to them"
        } else {
            "they may connect to every pod and address"
        };
        let why = format!(
            "This cluster uses cluster-scoped policies, yet {} ({}) are selected for {d} by no NetworkPolicy and by no Baseline rule that denies every peer on every port, so after the Admin tier the default applies: allow (CNP-1, CNP-7, CNP-9); {what}. A Baseline default deny is what catches the namespaces whose teams wrote no policy, and any namespace added later; NetworkPolicies that select a pod take precedence over it (CNP-7), so it breaks nothing they allow.",
            workloads_or(&workloads),
            list(&names, 6)
        );
        let fix = format!(
            "Add a Baseline default deny (one BaselineAdminNetworkPolicy named `default`, CNP-A2, or a ClusterNetworkPolicy with `tier: Baseline`), keeping DNS, then let the teams allow what they need with NetworkPolicies:\n\n{BANP_DEFAULT}"
        );
        let mut objects: Vec<Location> = banps.iter().map(|p| Self::cluster_loc(p)).collect();
        objects.extend(names.iter().map(|ns| self.namespace_loc(ns)));
        self.push("BR013", Severity::Medium, title, objects, why, fix);
    }

    fn policy_at(&self, i: usize) -> Option<&Policy> {
        self.c.policies.get(i)
    }

    /// `ClusterNetworkPolicy x ingress[0]` / `its own ingress[0]`.
    fn taker_text(&self, own: usize, dir: Direction, who: (usize, usize)) -> String {
        match self.policy_at(who.0) {
            Some(_) if who.0 == own => format!("its own earlier rule {}[{}]", dir.as_str(), who.1),
            Some(p) => format!("{} ({})", rule_label(p, dir, who.1), tier_words(p)),
            None => String::new(),
        }
    }

    /// BR010.
    fn shadowed(&mut self, sw: &Sweep) {
        if sw.stopped {
            let title = format!(
                "the cluster tiers are too large to check exactly for shadowed rules: stopped after {} evaluations",
                sw.work
            );
            let obj = self
                .c
                .policies
                .iter()
                .find(|p| p.tier.is_cluster())
                .map(Self::cluster_loc);
            if let Some(o) = obj {
                self.push(
                    "BR010",
                    Severity::Low,
                    title,
                    vec![o],
                    "BR010 (never the first match) needs every subject class against every pod class and IP atom; past its bound it reports nothing rather than guess. BR011, BR012 and BR014 report what the checked part showed.".into(),
                    "Audit a part of the cluster (one folder per tenant) to check the rest.".into(),
                );
            }
            return;
        }
        let mut found = Vec::new();
        for (p, pol) in self.c.policies.iter().enumerate() {
            if !pol.tier.is_cluster() || self.selected(pol).is_empty() {
                continue;
            }
            for dir in [Direction::Ingress, Direction::Egress] {
                for (i, rule) in pol.rules(dir).unwrap_or(&[]).iter().enumerate() {
                    let facts = sw.rules.get(&(dir, p, i));
                    let label = rule_label(pol, dir, i);
                    let act = action_word(pol, rule.action);
                    let (title, why, fix) = match facts {
                        Some(f) if f.first => continue,
                        Some(f) => {
                            let takers: Vec<String> = f
                                .takers
                                .iter()
                                .map(|&w| self.taker_text(p, dir, w))
                                .collect();
                            (
                                format!(
                                    "{label} ({act}) is never the first match: {} decide{} every connection it matches",
                                    list(&takers, 4),
                                    if takers.len() == 1 { "s" } else { "" }
                                ),
                                format!(
                                    "Within a policy the first matching rule decides, and within a tier the policy with the lower priority value goes first (CNP-3, CNP-5). Every connection this rule matches, for every pod the policy selects, is already decided before it is reached, so the rule does nothing: its `{act}` never happens. Often rules in the wrong order, or a broader rule above a narrow exception."
                                ),
                                "Move the rule above the rule that takes its traffic (an exception goes before the rule it excepts), give its policy a lower priority value than the other policy, or delete it if it is redundant.".to_string(),
                            )
                        }
                        None => {
                            (
                                format!(
                                    "{label} ({act}) matches no connection: its peers match no pod, node or address of the inputs"
                                ),
                                "A rule acts only on connections its peers and ports match (CNP-11..15); for the pods this policy selects, none does, so the rule is never the first match. Usually a selector typo, namespaces or Node objects missing from the inputs, or named ports no pod declares.".to_string(),
                                "Fix the selector to labels the intended peers carry, load the missing objects, or delete the rule.".to_string(),
                            )
                        }
                    };
                    // The rule, then the rules that take its traffic.
                    let mut objects = vec![Self::rule_loc(pol, dir, i)];
                    for &(q, k) in facts.map(|f| &f.takers).into_iter().flatten() {
                        if let Some(other) = self.policy_at(q) {
                            objects.push(Self::rule_loc(other, dir, k));
                        }
                    }
                    found.push((title, objects, why, fix));
                }
            }
        }
        for (t, o, w, f) in found {
            self.push("BR010", Severity::Medium, t, o, w, f);
        }
    }

    /// BR011.
    fn pass_to_nothing(&mut self, sw: &Sweep) {
        let mut found = Vec::new();
        for (&(dir, p, i), f) in &sw.rules {
            let Some(pol) = self.policy_at(p) else {
                continue;
            };
            if f.pass_open.is_empty() || !matches!(pol.tier, Tier::Admin { .. }) {
                continue;
            }
            let pods = self.class_pods(f.pass_open.iter().copied());
            let names = self.workload_names(&pods);
            let sample = f
                .pass_sample
                .as_ref()
                .map(|s| self.sample_text(s))
                .unwrap_or_default();
            let title = format!(
                "{} (Pass) hands {} traffic of {} workload{} to no tier: nothing below governs {}, so the Pass means allow",
                rule_label(pol, dir, i),
                dir.as_str(),
                names.len(),
                plural(names.len()),
                if names.len() == 1 { "it" } else { "them" }
            );
            let why = format!(
                "Pass skips the rest of the Admin tier and hands the connection to the NetworkPolicy tier (CNP-6); no NetworkPolicy isolates {} for {}, and no Baseline policy selects {} for it, so the connection is allowed by default (CNP-7..9, CNP-A10). For example {sample} is allowed. A Pass reads like \"let the team decide\", but here no one decides.",
                workloads_or(&names),
                dir.as_str(),
                if names.len() == 1 { "it" } else { "them" }
            );
            let fix = "If the traffic should be refused, make the rule `Deny`; if the team should decide, have the team's namespace deny by default (a NetworkPolicy with `podSelector: {}`) or add a Baseline default deny (see BR013).".to_string();
            let mut objects = vec![Self::rule_loc(pol, dir, i)];
            objects.extend(self.workload_locs(&pods));
            found.push((title, objects, why, fix));
        }
        for (t, o, w, f) in found {
            self.push("BR011", Severity::Medium, t, o, w, f);
        }
    }

    /// BR012.
    fn ties_found(&mut self, sw: &Sweep) {
        let mut found = Vec::new();
        for (&(p, q), t) in &sw.ties {
            let (Some(a), Some(b)) = (self.policy_at(p), self.policy_at(q)) else {
                continue;
            };
            let sample = self.sample_text(&t.sample);
            let d = t.sample.dir.as_str();
            let title = format!(
                "{} {} and {} {} share the {} and disagree on {sample} ({d}): {} vs {}",
                a.kind,
                a.name,
                b.kind,
                b.name,
                tier_words(a),
                action_word(a, t.actions.0),
                action_word(b, t.actions.1)
            );
            let outcome = if t.ambiguous {
                "blastradius marks the verdict ambiguous and counts it as reachable (the worst case)"
            } else {
                "the lower tiers happen to give the same verdict either way today, but a change below turns it into a coin toss"
            };
            let why = format!(
                "Two policies of one tier with the same priority both match this connection; the API leaves the choice to the implementation (CNP-4): one plugin applies `{}`, another `{}`, and neither is wrong. Here {outcome}.",
                action_word(a, t.actions.0),
                action_word(b, t.actions.1)
            );
            let fix = "Give the policy that must win the lower `priority` value (checked first, CNP-3), or narrow one subject or peer so they no longer overlap. Keep priorities unique within a tier.".to_string();
            let sev = if t.ambiguous {
                Severity::Medium
            } else {
                Severity::Low
            };
            found.push((
                sev,
                title,
                vec![Self::cluster_loc(a), Self::cluster_loc(b)],
                why,
                fix,
            ));
        }
        for (s, t, o, w, f) in found {
            self.push("BR012", s, t, o, w, f);
        }
    }

    /// BR014.
    fn bypasses(&mut self, sw: &Sweep) {
        let mut found = Vec::new();
        for (&(dir, p, i), f) in &sw.rules {
            let Some(pol) = self.policy_at(p) else {
                continue;
            };
            if f.bypass.is_empty() || !matches!(pol.tier, Tier::Admin { .. }) {
                continue;
            }
            let conns = f.bypass.values().fold(ConnSet::empty(), |a, c| a.union(c));
            let sev = if dns_only(&conns) {
                Severity::Low
            } else if dir == Direction::Ingress {
                Severity::High
            } else {
                Severity::Medium
            };
            let pods = self.class_pods(f.bypass.keys().copied());
            let names = self.workload_names(&pods);
            let act = action_word(pol, Action::Allow);
            let sample: &Option<Sample> = &f.bypass_sample;
            let sample = sample
                .as_ref()
                .map(|s| self.sample_text(s))
                .unwrap_or_default();
            let (into, side) = match dir {
                Direction::Ingress => ("into", "ingress"),
                Direction::Egress => ("out of", "egress"),
            };
            let title = format!(
                "{} ({act}) lets {} {into} {} workload{} whose NetworkPolicies deny it: e.g. {sample}",
                rule_label(pol, dir, i),
                conns.to_connlist(),
                names.len(),
                plural(names.len())
            );
            let rest = if dir == Direction::Egress {
                " The destination's ingress still applies (CNP-2)."
            } else {
                " Nothing the namespace writes can take it back."
            };
            let why = format!(
                "An Admin `{act}` is final for its direction: the NetworkPolicy tier is not consulted (CNP-1, CNP-6). {} {} isolated for {side} by NetworkPolicies that do not allow this, and the admin rule lets it through anyway.{rest}{}",
                workloads_or(&names),
                if names.len() == 1 { "is" } else { "are" },
                if sev == Severity::Low {
                    " It is DNS only, which is usually intended."
                } else {
                    ""
                }
            );
            let fix = format!(
                "If the namespace's own policies should decide, use `Pass` instead of `{act}`; otherwise narrow the rule's peers and ports to what every selected namespace must accept, and tell its teams."
            );
            let mut objects = vec![Self::rule_loc(pol, dir, i)];
            objects.extend(self.workload_locs(&pods));
            found.push((sev, title, objects, why, fix));
        }
        for (s, t, o, w, f) in found {
            self.push("BR014", s, t, o, w, f);
        }
    }
}

fn workloads_or(names: &[String]) -> String {
    super::workloads_or_none(names)
}
