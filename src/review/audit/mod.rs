//! Audit: lint-style findings about the loaded policies and workloads.
//!
//! Each check reads the model (and the compiled isolation flags of the
//! [`Reachability`]) and reports what a reviewer should look at: missing
//! default-deny baselines, rules that admit everything, selectors that match
//! nothing, named ports that resolve nowhere, egress isolation that forgot
//! DNS, and the `[{namespaceSelector}, {podSelector}]` AND/OR trap. Every
//! finding names the objects involved (file, document, line) and proposes a
//! concrete fix, usually a NetworkPolicy snippet.
//!
//! This file holds the entry point, the finding types and the shared
//! `Auditor` context; each check (BR001..BR009) has its own file, the
//! cluster tiers' checks (BR010..BR015) are in `cluster.rs` over the exact
//! sweep of `tiers.rs`, and rendering lives in `crate::output::audit`.
//!
//! Choices:
//! - `hostNetwork` pods are left out of the isolation checks (BR001, BR002,
//!   BR004, BR008): no policy can govern them (SEM-49), so no fix applies.
//! - DNS (BR005 severity, BR008) means 53/UDP or 53/TCP. When no pod of
//!   `kube-system` is among the inputs, BR008 checks against a standard
//!   CoreDNS pod (`k8s-app=kube-dns` in `kube-system`, 53/UDP and 53/TCP).
//! - A namespace declared nowhere is located at its first object (where
//!   `metadata.namespace` names it), marked as a stand-in.
//! - A finding about one rule or one peer of a policy is located at that
//!   rule's or peer's line (`spec.ingress[i]`, `spec.ingress[i].from[j]`),
//!   recorded by the parser; other rules or peers it names follow as
//!   further locations.

mod and_or;
mod any_peer;
mod cluster;
mod dead_selectors;
mod default_deny;
mod default_namespace;
mod dns;
mod fixes;
mod matching;
mod named_ports;
mod tiers;
mod unprotected;

use crate::engine::reach::Reachability;
use crate::model::selector::Labels;
use crate::model::{Cluster, Direction, Origin, Peer, Pod, Policy, WorkloadRef};
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    /// SARIF `level`: high -> error, medium -> warning, low -> note.
    pub fn sarif_level(self) -> &'static str {
        match self {
            Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low => "note",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an object of a finding is written.
#[derive(Clone, Debug)]
pub struct Location {
    pub file: String,
    /// 1-based document number in the file.
    pub doc: usize,
    /// `NetworkPolicy ns/name`, `Deployment ns/name`, `Namespace ns`.
    pub object: String,
    /// The part of the object meant, when it is one rule or one peer of a
    /// policy: `spec.ingress[0]`, `spec.egress[1].to[0]`.
    pub field: Option<String>,
    /// 1-based line where the object's text starts (past the comments
    /// that open its document), or where `field` is written, when known.
    pub line: Option<usize>,
    /// A namespace declared nowhere: the place is that of an object in it
    /// (where `metadata.namespace` names it), not of a Namespace.
    pub stand_in: bool,
}

#[derive(Clone, Debug)]
pub struct Finding {
    /// `BR001`..`BR015`.
    pub id: &'static str,
    /// Short kebab-case name of the check.
    pub rule: &'static str,
    pub severity: Severity,
    pub title: String,
    /// Never empty; the first one is the main object.
    pub objects: Vec<Location>,
    pub why: String,
    /// What to change, with a YAML snippet where one fits.
    pub fix: String,
}

impl Location {
    /// The namespace the object is in (or is, for a Namespace); `None` for
    /// a cluster-scoped object (AdminNetworkPolicy, ClusterNetworkPolicy, …).
    pub fn namespace(&self) -> Option<&str> {
        let (kind, name) = self.object.split_once(' ')?;
        match name.split_once('/') {
            Some((ns, _)) => Some(ns),
            None if kind == "Namespace" => Some(name),
            None => None,
        }
    }
}

impl Finding {
    /// `audit -n NS`: the main object is NS or lives in it.
    pub fn in_namespace(&self, ns: &str) -> bool {
        self.objects
            .first()
            .and_then(Location::namespace)
            .is_some_and(|n| n == ns)
    }
}

/// One check, as listed in SARIF `tool.driver.rules`.
#[derive(Clone, Copy, Debug)]
pub struct RuleInfo {
    pub id: &'static str,
    pub name: &'static str,
    /// The usual severity; a finding may differ (BR005, BR006, BR009).
    pub severity: Severity,
    pub short: &'static str,
    pub full: &'static str,
}

pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "BR001",
        name: "no-default-deny-ingress",
        severity: Severity::High,
        short: "Namespace without default-deny ingress",
        full: "A namespace has pods that no policy selects for ingress, so anything may connect to them on any port (SEM-3, SEM-4). A podSelector: {} policy with policyTypes [Ingress] makes deny the default.",
    },
    RuleInfo {
        id: "BR002",
        name: "no-default-deny-egress",
        severity: Severity::Medium,
        short: "Namespace without default-deny egress",
        full: "A namespace has pods that no policy selects for egress, so they may connect anywhere, external addresses included (SEM-3, SEM-4). A podSelector: {} policy with policyTypes [Egress] plus a DNS allowance makes deny the default.",
    },
    RuleInfo {
        id: "BR003",
        name: "workload-in-default-namespace",
        severity: Severity::Low,
        short: "Workloads in the default namespace",
        full: "Objects without metadata.namespace land in `default` (SEM-46), so it collects unrelated workloads that namespace-wide policies and namespaceSelectors cannot tell apart.",
    },
    RuleInfo {
        id: "BR004",
        name: "unprotected-workload",
        severity: Severity::High,
        short: "Workload selected by no NetworkPolicy",
        full: "No policy selects the workload's pods, so they are isolated in neither direction: reachable by everything and able to reach everything (SEM-3, SEM-4).",
    },
    RuleInfo {
        id: "BR005",
        name: "allow-any-peer",
        severity: Severity::Medium,
        short: "Rule that admits every source or destination",
        full: "An ingress or egress rule with `from`/`to` absent (SEM-14), a `namespaceSelector: {}` peer without a narrowing podSelector (SEM-17), or an ipBlock /0 admits every peer. Rules limited to DNS (53/UDP, 53/TCP) are reported at low severity.",
    },
    RuleInfo {
        id: "BR006",
        name: "dead-selector",
        severity: Severity::Medium,
        short: "Selector that matches no pod",
        full: "A policy's podSelector that selects no pod (low), or a peer whose selectors match no loaded pod (medium): often a label typo that silently turns a rule into a no-op (SEM-64).",
    },
    RuleInfo {
        id: "BR007",
        name: "unresolved-named-port",
        severity: Severity::Medium,
        short: "Named port that no destination declares",
        full: "Named ports resolve on each destination pod, by name and protocol (SEM-34..36). When no destination declares the name with that protocol, the port entry allows nothing.",
    },
    RuleInfo {
        id: "BR008",
        name: "egress-without-dns",
        severity: Severity::High,
        short: "Egress isolation without a DNS allowance",
        full: "Pods isolated for egress whose rules allow neither 53/UDP nor 53/TCP to the cluster DNS pods in kube-system cannot resolve names: too little access, most connections fail.",
    },
    RuleInfo {
        id: "BR009",
        name: "and-or-peer-trap",
        severity: Severity::Medium,
        short: "namespaceSelector and podSelector in separate peers (OR)",
        full: "A peer list holding one peer with only a namespaceSelector and another with only a podSelector is ORed (SEM-19); one list item with both selectors is ANDed (SEM-18). One dash of indentation is the difference. Rated by consequence: high when a pod only the OR form admits connects and is reachable from outside the cluster, medium when such pods connect, low when none can connect today.",
    },
    RuleInfo {
        id: "BR010",
        name: "cluster-rule-never-first",
        severity: Severity::Medium,
        short: "Cluster policy rule that is never the first match",
        full: "A rule of an AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy that, for every pod its policy selects and every pod or address, is decided before it is reached: by an earlier rule of the same policy or by a policy of the same tier with a lower priority value (CNP-3, CNP-5), or that matches no connection at all. Checked exactly over the pod classes and IP atoms.",
    },
    RuleInfo {
        id: "BR011",
        name: "pass-means-allow",
        severity: Severity::Medium,
        short: "Admin Pass handed to a tier where nothing governs the pod",
        full: "An Admin tier Pass skips to the NetworkPolicy tier (CNP-6); where no NetworkPolicy isolates the pod for that direction and no Baseline policy selects it, the default applies and the Pass means allow (CNP-7..9, CNP-A10).",
    },
    RuleInfo {
        id: "BR012",
        name: "priority-tie",
        severity: Severity::Medium,
        short: "Equal-priority cluster policies that disagree",
        full: "Two policies of one tier with the same priority both match a connection with different actions: the implementation may apply either (CNP-4). Medium when the verdict is ambiguous, low when the lower tiers give the same verdict either way.",
    },
    RuleInfo {
        id: "BR013",
        name: "no-baseline-default-deny",
        severity: Severity::Medium,
        short: "No Baseline default deny where no namespace has one",
        full: "The cluster uses cluster-scoped policies, but some namespaces' pods are isolated by no NetworkPolicy and denied by no catch-all Baseline rule, so they fall through to allow (CNP-1, CNP-9). A Baseline default deny catches every namespace that has no policy of its own.",
    },
    RuleInfo {
        id: "BR014",
        name: "admin-allow-bypasses-isolation",
        severity: Severity::High,
        short: "Admin Accept/Allow that overrides a namespace's isolation",
        full: "An Admin tier Accept/Allow is final (CNP-6): it lets through connections that the NetworkPolicies isolating the pod would deny. High for ingress, medium for egress (the destination's ingress still applies, CNP-2), low when only DNS (53/UDP, 53/TCP).",
    },
    RuleInfo {
        id: "BR015",
        name: "cluster-policy-selects-nothing",
        severity: Severity::Medium,
        short: "Cluster policy whose subject selects no pod",
        full: "An AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy whose subject matches no loaded pod (CNP-10, CNP-13): none of its rules does anything.",
    },
];

/// The name of a check (every finding id is in [`RULES`]).
fn rule_name(id: &'static str) -> &'static str {
    RULES.iter().find(|r| r.id == id).map_or(id, |r| r.name)
}

/// Run every check. Findings are sorted by id, then by their first object.
pub fn audit(cluster: &Cluster, reach: &Reachability) -> Vec<Finding> {
    // The cluster tiers' checks (BR010..BR015) read every policy; they also
    // tell BR001, BR002 and BR004 which pods a Baseline default deny covers.
    let mut full = Auditor::new(cluster, reach);
    full.cluster_checks();
    let cover = if cluster.policies.iter().any(|p| p.tier.is_cluster()) {
        [
            full.baseline_cover(Direction::Ingress),
            full.baseline_cover(Direction::Egress),
        ]
    } else {
        [Vec::new(), Vec::new()]
    };
    let tier_findings = full.out;
    // The NetworkPolicy checks read NetworkPolicies only: an Admin or
    // Baseline rule's peers mean something else (Deny, Pass; CNP-6).
    let np_only;
    let cluster = if cluster.policies.iter().any(|p| p.tier.is_cluster()) {
        let mut c = cluster.clone();
        c.policies.retain(|p| !p.tier.is_cluster());
        np_only = c;
        &np_only
    } else {
        cluster
    };
    let mut a = Auditor::new(cluster, reach);
    a.baseline_cover = cover;
    a.default_deny(Direction::Ingress);
    a.default_deny(Direction::Egress);
    a.default_namespace();
    a.unprotected();
    a.any_peer();
    a.dead_selectors();
    a.named_ports();
    a.dns();
    a.and_or();
    let mut findings = a.out;
    findings.extend(tier_findings);
    for f in &mut findings {
        each_place_once(&mut f.objects);
    }
    findings.sort_by(|x, y| {
        let k = |f: &Finding| {
            // `objects` is never empty.
            let o = f
                .objects
                .first()
                .map(|o| (o.object.clone(), o.file.clone(), o.doc));
            (f.id, o, f.title.clone())
        };
        k(x).cmp(&k(y))
    });
    findings
}

struct Auditor<'a> {
    c: &'a Cluster,
    reach: &'a Reachability,
    ns_labels: BTreeMap<String, Labels>,
    /// A standard CoreDNS pod when no pod of kube-system is loaded: DNS
    /// peers are checked against it (BR006, BR008).
    dns_stand_in: Option<Pod>,
    /// Per direction (ingress, egress) and pod: a Baseline default deny
    /// covers it (empty: none), so BR001, BR002 and BR004 count it as
    /// guarded (CNP-7, CNP-8).
    baseline_cover: [Vec<bool>; 2],
    /// Per namespace: its classes (when the classes stand for their pods)
    /// or its pods, so a selector scoped to one namespace (a NetworkPolicy's
    /// podSelector, SEM-1; a peer without namespaceSelector, SEM-16) is
    /// tried on that namespace only (5,000 policies × 25,000 classes at
    /// 100,000 pods otherwise).
    by_namespace: HashMap<&'a str, Vec<usize>>,
    /// Each pod's workload as a rank in workload order, and the workloads'
    /// names in that order: lists of workloads are sorted and deduplicated
    /// as integers (a finding may name 50,000 of them).
    pod_workload: Vec<u32>,
    workload_label: Vec<String>,
    /// The ranges a named destination may resolve to (CNP-12); empty when
    /// no rule names one. Egress columns after the atoms are (name, range)
    /// pairs, `name * ranges + range`.
    resolution: Vec<crate::model::ip::IpRange>,
    out: Vec<Finding>,
}

impl<'a> Auditor<'a> {
    fn new(c: &'a Cluster, reach: &'a Reachability) -> Auditor<'a> {
        let ns_labels = c
            .namespaces
            .iter()
            .map(|n| (n.name.clone(), n.labels.clone()))
            .collect();
        let dns_loaded = c
            .pods
            .iter()
            .any(|p| p.namespace == "kube-system" && !p.host_network);
        let mut by_namespace: HashMap<&'a str, Vec<usize>> = HashMap::new();
        if reach.pod_class.len() == c.pods.len() {
            for (k, members) in reach.classes.iter().enumerate() {
                if let Some(p) = members.first().and_then(|&i| c.pods.get(i)) {
                    by_namespace
                        .entry(p.namespace.as_str())
                        .or_default()
                        .push(k);
                }
            }
        } else {
            for (i, p) in c.pods.iter().enumerate() {
                by_namespace
                    .entry(p.namespace.as_str())
                    .or_default()
                    .push(i);
            }
        }
        let mut refs: Vec<&WorkloadRef> = c.pods.iter().map(|p| &p.workload).collect();
        refs.sort();
        refs.dedup();
        let pod_workload = c
            .pods
            .iter()
            .map(|p| refs.binary_search(&&p.workload).map_or(0, |i| i as u32))
            .collect();
        let workload_label = refs.iter().map(|w| workload_object(w)).collect();
        Auditor {
            c,
            reach,
            ns_labels,
            dns_stand_in: (!dns_loaded).then(dns::standard_dns_pod),
            baseline_cover: [Vec::new(), Vec::new()],
            by_namespace,
            pod_workload,
            workload_label,
            resolution: if reach.domains.is_empty() {
                Vec::new()
            } else {
                crate::engine::eval::resolution_ranges(c)
            },
            out: Vec::new(),
        }
    }

    fn push(
        &mut self,
        id: &'static str,
        severity: Severity,
        title: String,
        objects: Vec<Location>,
        why: String,
        fix: String,
    ) {
        debug_assert!(!objects.is_empty());
        self.out.push(Finding {
            id,
            rule: rule_name(id),
            severity,
            title,
            objects,
            why,
            fix,
        });
    }

    /// Whether `reach` was compiled from this cluster, so that its pod
    /// classes (same namespace, labels, named ports, hostNetwork and relevant
    /// IPs) can stand for their members.
    fn classes_usable(&self) -> bool {
        self.reach.pod_class.len() == self.c.pods.len()
    }

    /// Indices of the pods a predicate on selectors holds for, sorted;
    /// evaluated once per class.
    fn pods_where(&self, pred: impl Fn(&Pod) -> bool) -> Vec<usize> {
        self.pods_where_in(None, pred)
    }

    /// [`Auditor::pods_where`] over the pods of the namespaces in `scope`
    /// only (every namespace for None): for predicates that hold for no pod
    /// elsewhere.
    fn pods_where_in(&self, scope: Option<&[&str]>, pred: impl Fn(&Pod) -> bool) -> Vec<usize> {
        let usable = self.classes_usable();
        let candidates: Box<dyn Iterator<Item = usize> + '_> = match scope {
            Some(nss) => Box::new(
                nss.iter()
                    .flat_map(|ns| self.by_namespace.get(ns).into_iter().flatten().copied())
                    .collect::<Vec<usize>>()
                    .into_iter(),
            ),
            None if usable => Box::new(0..self.reach.classes.len()),
            None => Box::new(0..self.c.pods.len()),
        };
        if !usable {
            let mut out: Vec<usize> = candidates
                .filter(|&i| self.pod(i).is_some_and(&pred))
                .collect();
            out.sort_unstable();
            return out;
        }
        let mut out: Vec<usize> = candidates
            .filter_map(|k| self.reach.classes.get(k))
            .filter(|members| {
                members
                    .first()
                    .and_then(|&rep| self.pod(rep))
                    .is_some_and(&pred)
            })
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out
    }

    /// The namespaces some of `peers` can match a pod in, when only pod
    /// peers are given: the policy's own for a peer without
    /// namespaceSelector (SEM-16), those whose labels a namespaceSelector
    /// matches (SEM-18: both parts must hold). None (every namespace) for
    /// no peers (SEM-14) or an ipBlock or other peer.
    fn peer_namespaces(&self, peers: Option<&[Peer]>, policy_ns: &str) -> Option<Vec<&str>> {
        let mut out: Vec<&str> = Vec::new();
        for peer in peers? {
            if !matches!(peer, Peer::Pods { .. }) {
                return None;
            }
            out.extend(self.by_namespace.keys().filter(|ns| {
                crate::engine::eval::peer_matches_namespace(
                    peer,
                    policy_ns,
                    ns,
                    &self.labels_of(ns),
                )
            }));
        }
        out.sort_unstable();
        out.dedup();
        Some(out)
    }

    /// Whether [`Auditor::pods_matching`] would find any pod: stops at the
    /// first class that matches.
    fn any_pod_matching(&self, peers: Option<&[Peer]>, policy_ns: &str) -> bool {
        let matches = |p: &Pod| self.peers_match(peers, policy_ns, p);
        let usable = self.classes_usable();
        let rep = |k: usize| -> Option<&Pod> {
            if usable {
                self.reach
                    .classes
                    .get(k)?
                    .first()
                    .and_then(|&i| self.pod(i))
            } else {
                self.pod(k)
            }
        };
        match self.peer_namespaces(peers, policy_ns) {
            Some(nss) => nss.iter().any(|ns| {
                self.by_namespace
                    .get(ns)
                    .is_some_and(|ks| ks.iter().any(|&k| rep(k).is_some_and(matches)))
            }),
            None if usable => (0..self.reach.classes.len()).any(|k| rep(k).is_some_and(matches)),
            None => self.c.pods.iter().any(matches),
        }
    }

    fn pods_matching(&self, peers: Option<&[Peer]>, policy_ns: &str) -> Vec<usize> {
        let scope = self.peer_namespaces(peers, policy_ns);
        self.pods_where_in(scope.as_deref(), |p| self.peers_match(peers, policy_ns, p))
    }

    fn selected(&self, pol: &Policy) -> Vec<usize> {
        // A NetworkPolicy selects in its own namespace only (SEM-1).
        let own = [pol.namespace.as_str()];
        let scope = pol.subject.namespaces.is_none().then_some(&own[..]);
        self.pods_where_in(scope, |p| self.selects(pol, p))
    }

    /// A pod by index (indices come from this cluster's own lists).
    fn pod(&self, i: usize) -> Option<&'a Pod> {
        self.c.pods.get(i)
    }

    fn isolated(&self, pod: usize, dir: Direction) -> bool {
        let Some(&class) = self.reach.pod_class.get(pod) else {
            return false;
        };
        let isolated = match dir {
            Direction::Ingress => &self.reach.ingress_isolated,
            Direction::Egress => &self.reach.egress_isolated,
        };
        isolated.get(class).copied().unwrap_or(false)
    }

    /// Isolated by a NetworkPolicy, or denied by default by the Baseline tier.
    fn guarded(&self, pod: usize, dir: Direction) -> bool {
        let cover = match dir {
            Direction::Ingress => &self.baseline_cover[0],
            Direction::Egress => &self.baseline_cover[1],
        };
        self.isolated(pod, dir) || cover.get(pod).copied().unwrap_or(false)
    }

    fn replicas(&self, pods: &[usize]) -> u64 {
        pods.iter()
            .filter_map(|&i| self.pod(i))
            .map(|p| u64::from(p.replicas))
            .sum()
    }

    /// Workload entities of these pods, sorted, each at its first origin.
    fn workloads(&self, pods: &[usize]) -> Vec<(WorkloadRef, Origin)> {
        let mut m: BTreeMap<WorkloadRef, Origin> = BTreeMap::new();
        for p in pods.iter().filter_map(|&i| self.pod(i)) {
            m.entry(p.workload.clone())
                .and_modify(|o| {
                    if p.origin < *o {
                        *o = p.origin.clone();
                    }
                })
                .or_insert_with(|| p.origin.clone());
        }
        m.into_iter().collect()
    }

    fn workload_locs(&self, pods: &[usize]) -> Vec<Location> {
        self.workloads(pods)
            .iter()
            .map(|(w, o)| location(o, workload_object(w)))
            .collect()
    }

    /// The workloads of these pods, in workload order, once each.
    fn workload_ids(&self, pods: &[usize]) -> Vec<u32> {
        let mut ids: Vec<u32> = pods
            .iter()
            .filter_map(|&i| self.pod_workload.get(i).copied())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn workload_names(&self, pods: &[usize]) -> Vec<String> {
        self.workload_ids(pods)
            .iter()
            .filter_map(|&w| self.workload_label.get(w as usize).cloned())
            .collect()
    }

    /// "no workload", or the [`Auditor::workload_list`] of these pods.
    fn workloads_or_none(&self, pods: &[usize]) -> String {
        if pods.is_empty() {
            "no workload".to_string()
        } else {
            self.workload_list(pods, 6)
        }
    }

    /// [`list`] of the workloads of these pods, naming at most `max`.
    fn workload_list(&self, pods: &[usize], max: usize) -> String {
        let ids = self.workload_ids(pods);
        let shown: Vec<String> = ids
            .iter()
            .take(max)
            .filter_map(|&w| self.workload_label.get(w as usize).cloned())
            .collect();
        match ids.len() {
            0 => "none".to_string(),
            n if n <= max => shown.join(", "),
            n => format!("{} and {} more", shown.join(", "), n - max),
        }
    }

    /// A namespace has no origin in the model: it is located at the first
    /// object that lives in it.
    /// The Namespace object's own place when it is declared; otherwise the
    /// first object that lives in it.
    fn namespace_loc(&self, ns: &str) -> Location {
        if let Some(o) = self.c.namespace(ns).and_then(|n| n.origin.as_ref()) {
            return location(o, format!("Namespace {ns}"));
        }
        let origin = self
            .c
            .pods
            .iter()
            .filter(|p| p.namespace == ns)
            .map(|p| &p.origin)
            .chain(
                self.c
                    .policies
                    .iter()
                    .filter(|p| p.namespace == ns)
                    .map(|p| &p.origin),
            )
            .min()
            .cloned()
            .unwrap_or_default();
        Location {
            stand_in: true,
            ..location(&origin, format!("Namespace {ns}"))
        }
    }

    fn policy_loc(pol: &Policy) -> Location {
        location(&pol.origin, format!("{} {}", pol.kind, pol.id()))
    }

    /// Rule `i` of `dir` of a policy: at its own line when known, else at
    /// the policy's.
    fn rule_loc(pol: &Policy, dir: Direction, i: usize) -> Location {
        let mut l = Self::policy_loc(pol);
        l.field = Some(format!("spec.{}[{i}]", dir.as_str()));
        l.line = pol.lines.rule(dir, i).or(l.line);
        l
    }

    /// Peer `j` of rule `i` of `dir` of a policy: at its own line when
    /// known, else at its rule's, else at the policy's.
    fn peer_loc(pol: &Policy, dir: Direction, i: usize, j: usize) -> Location {
        let mut l = Self::rule_loc(pol, dir, i);
        l.field = Some(format!(
            "spec.{}[{i}].{}[{j}]",
            dir.as_str(),
            dir.peers_field()
        ));
        l.line = pol.lines.peer(dir, i, j).or(l.line);
        l
    }

    /// Pods that policies can govern, grouped by namespace.
    fn pods_by_namespace(&self) -> BTreeMap<&'a str, Vec<usize>> {
        let mut m: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, p) in self.c.pods.iter().enumerate() {
            if !p.host_network {
                m.entry(p.namespace.as_str()).or_default().push(i);
            }
        }
        m
    }
}

/// Each place once: a namespace declared nowhere is located at an object
/// in it, so it is left out when the finding lists an object of that
/// namespace (the text would otherwise point at a Deployment, maybe in
/// another file, calling it a Namespace); and a location listed twice is
/// kept once. Never empties the list.
fn each_place_once(objects: &mut Vec<Location>) {
    let snapshot = objects.clone();
    objects.retain(|o| {
        !o.stand_in
            || !snapshot
                .iter()
                .any(|x| !x.stand_in && x.namespace().is_some() && x.namespace() == o.namespace())
    });
    let mut seen = std::collections::BTreeSet::new();
    objects.retain(|o| {
        seen.insert((
            o.file.clone(),
            o.doc,
            o.line,
            o.object.clone(),
            o.field.clone(),
        ))
    });
}

fn location(o: &Origin, object: String) -> Location {
    Location {
        file: o.file.clone(),
        doc: o.doc,
        object,
        field: None,
        line: o.line,
        stand_in: false,
    }
}

fn workload_object(w: &WorkloadRef) -> String {
    format!("{} {}/{}", w.kind, w.namespace, w.name)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `a, b, c and 3 more`.
fn list(items: &[String], max: usize) -> String {
    match items.len() {
        0 => "none".to_string(),
        n if n <= max => items.join(", "),
        n => format!(
            "{} and {} more",
            items.get(..max).unwrap_or(items).join(", "),
            n - max
        ),
    }
}

fn workloads_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "no workload".to_string()
    } else {
        list(names, 6)
    }
}
