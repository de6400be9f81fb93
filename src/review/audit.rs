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
//! Choices:
//! - `hostNetwork` pods are left out of the isolation checks (BR001, BR002,
//!   BR004, BR008): no policy can govern them (SEM-49), so no fix applies.
//! - DNS (BR005 severity, BR008) means 53/UDP or 53/TCP. When no pod of
//!   `kube-system` is among the inputs, BR008 checks against a standard
//!   CoreDNS pod (`k8s-app=kube-dns` in `kube-system`, 53/UDP and 53/TCP).
//! - Namespaces carry no origin in the model, so a namespace is located at
//!   its first workload (where `metadata.namespace` names it).

use crate::engine::explain::describe_peer;
use crate::engine::reach::Reachability;
use crate::model::ports::Protocol;
use crate::model::selector::{Labels, Requirement, Selector};
use crate::model::{
    Cluster, ContainerPort, Direction, Origin, Peer, Pod, Policy, PortRef, PortSpec, Rule,
    WorkloadRef, NS_NAME_LABEL,
};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
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
#[derive(Clone, Debug, serde::Serialize)]
pub struct Location {
    pub file: String,
    /// 1-based document number in the file.
    pub doc: usize,
    /// `NetworkPolicy ns/name`, `Deployment ns/name`, `Namespace ns`.
    pub object: String,
    /// 1-based line where the document starts, when the file can be read.
    pub line: Option<usize>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Finding {
    /// `BR001`..`BR009`.
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

/// One check, as listed in SARIF `tool.driver.rules`.
#[derive(Clone, Copy, Debug)]
pub struct RuleInfo {
    pub id: &'static str,
    pub name: &'static str,
    /// The usual severity; a finding may differ (BR005, BR006).
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
        severity: Severity::Low,
        short: "namespaceSelector and podSelector in separate peers (OR)",
        full: "A peer list holding one peer with only a namespaceSelector and another with only a podSelector is ORed (SEM-19); one list item with both selectors is ANDed (SEM-18). One dash of indentation is the difference.",
    },
];

/// The name of a check (every finding id is in [`RULES`]).
fn rule_name(id: &'static str) -> &'static str {
    RULES.iter().find(|r| r.id == id).map_or(id, |r| r.name)
}

/// Run every check. Findings are sorted by id, then by their first object.
pub fn audit(cluster: &Cluster, reach: &Reachability) -> Vec<Finding> {
    let mut a = Auditor::new(cluster, reach);
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
    fill_lines(&mut findings);
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
        Auditor {
            c,
            reach,
            ns_labels,
            dns_stand_in: (!dns_loaded).then(standard_dns_pod),
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

    // ---- matching -------------------------------------------------------

    fn ns_matches(&self, sel: &Selector, ns: &str) -> bool {
        match self.ns_labels.get(ns) {
            Some(l) => sel.matches(l),
            None => sel.matches(&self.c.namespace_labels(ns)),
        }
    }

    /// Same semantics as the matrix (SEM-16..18, SEM-21, SEM-27, SEM-49).
    fn peer_matches(&self, peer: &Peer, policy_ns: &str, pod: &Pod) -> bool {
        match peer {
            Peer::Pods { namespaces, pods } => {
                if pod.host_network {
                    return false;
                }
                let ns_ok = match namespaces {
                    None => pod.namespace == policy_ns,
                    Some(sel) => self.ns_matches(sel, &pod.namespace),
                };
                ns_ok && pods.as_ref().is_none_or(|s| s.matches(&pod.labels))
            }
            Peer::IpBlock(b) => {
                (self.reach.options.ipblock_pods || pod.host_network)
                    && pod.ips.iter().any(|ip| b.contains_addr(*ip))
            }
        }
    }

    fn peers_match(&self, peers: Option<&[Peer]>, policy_ns: &str, pod: &Pod) -> bool {
        match peers {
            None => true, // SEM-14
            Some(ps) => ps.iter().any(|p| self.peer_matches(p, policy_ns, pod)),
        }
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
        if !self.classes_usable() {
            return self
                .c
                .pods
                .iter()
                .enumerate()
                .filter(|(_, p)| pred(p))
                .map(|(i, _)| i)
                .collect();
        }
        let mut out: Vec<usize> = self
            .reach
            .classes
            .iter()
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

    fn pods_matching(&self, peers: Option<&[Peer]>, policy_ns: &str) -> Vec<usize> {
        self.pods_where(|p| self.peers_match(peers, policy_ns, p))
    }

    fn selected(&self, pol: &Policy) -> Vec<usize> {
        self.pods_where(|p| pol.selects(p))
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

    fn replicas(&self, pods: &[usize]) -> u64 {
        pods.iter()
            .filter_map(|&i| self.pod(i))
            .map(|p| u64::from(p.replicas))
            .sum()
    }

    // ---- locations ------------------------------------------------------

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

    fn workload_names(&self, pods: &[usize]) -> Vec<String> {
        self.workloads(pods)
            .iter()
            .map(|(w, _)| workload_object(w))
            .collect()
    }

    /// A namespace has no origin in the model: it is located at the first
    /// object that lives in it.
    fn namespace_loc(&self, ns: &str) -> Location {
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
        location(&origin, format!("Namespace {ns}"))
    }

    fn policy_loc(pol: &Policy) -> Location {
        location(&pol.origin, format!("NetworkPolicy {}", pol.id()))
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

    // ---- BR001, BR002 ---------------------------------------------------

    fn default_deny(&mut self, dir: Direction) {
        for (ns, pods) in self.pods_by_namespace() {
            let open: Vec<usize> = pods
                .iter()
                .copied()
                .filter(|&i| !self.isolated(i, dir))
                .collect();
            if open.is_empty() {
                continue;
            }
            let total = self.workloads(&pods).len();
            let names = self.workload_names(&open);
            let mut objects = vec![self.namespace_loc(ns)];
            objects.extend(self.workload_locs(&open));
            let governed: BTreeSet<String> = self
                .c
                .policies
                .iter()
                .filter(|p| p.namespace == ns && p.rules(dir).is_some())
                .map(|p| p.id())
                .collect();
            let others = if governed.is_empty() {
                format!(" No policy in `{ns}` applies to {}.", dir.as_str())
            } else {
                format!(
                    " The {} policies of `{ns}` ({}) select only some of its pods.",
                    dir.as_str(),
                    list(&governed.into_iter().collect::<Vec<_>>(), 6)
                )
            };
            let k = names.len();
            let listed = list(&names, 8);
            let (it_is, them) = if k == 1 {
                ("it is", "it")
            } else {
                ("they are", "them")
            };
            let all = Selector::everything();
            let (id, sev, title, why, fix) = if dir == Direction::Ingress {
                let title = format!(
                    "namespace {ns} has no default-deny ingress: {k} of {total} workload{} accept{} connections from any source",
                    plural(total),
                    if k == 1 { "s" } else { "" }
                );
                let why = format!(
                    "No NetworkPolicy selects {listed} for ingress, so {it_is} not isolated (SEM-3, SEM-4): every pod of every namespace, and every external address that can route to {them}, may connect on any port and protocol.{others} A policy with `podSelector: {{}}` and `policyTypes: [Ingress]` makes deny the default for the whole namespace, including workloads added later."
                );
                let deny = policy_doc("default-deny-ingress", ns, &all, &["Ingress"], None, None);
                let fix = format!(
                    "Add a default-deny ingress policy to `{ns}`, together with allow policies for the connections these workloads must accept (they lose every other one):\n\n{deny}"
                );
                ("BR001", Severity::High, title, why, fix)
            } else {
                let title = format!(
                    "namespace {ns} has no default-deny egress: {k} of {total} workload{} may connect to any destination",
                    plural(total)
                );
                let they = if k == 1 { "it" } else { "they" };
                let why = format!(
                    "No NetworkPolicy selects {listed} for egress, so {it_is} not isolated (SEM-3, SEM-4): {they} may open connections to every pod of every namespace and to every external address, on any port. A compromised pod there can reach the whole cluster and exfiltrate freely.{others} A policy with `podSelector: {{}}` and `policyTypes: [Egress]` makes deny the default; it must come with a DNS allowance (see BR008)."
                );
                let deny = policy_doc("default-deny-egress", ns, &all, &["Egress"], None, None);
                let dns = allow_dns_doc("allow-dns", ns, &all);
                let fix = format!(
                    "Add a default-deny egress policy and a DNS allowance to `{ns}`, then allow the destinations these workloads need:\n\n{deny}---\n{dns}"
                );
                ("BR002", Severity::Medium, title, why, fix)
            };
            self.push(id, sev, title, objects, why, fix);
        }
    }

    // ---- BR003 ----------------------------------------------------------

    fn default_namespace(&mut self) {
        let pods: Vec<usize> = self
            .c
            .pods
            .iter()
            .enumerate()
            .filter(|(_, p)| p.namespace == "default")
            .map(|(i, _)| i)
            .collect();
        if pods.is_empty() {
            return;
        }
        let names = self.workload_names(&pods);
        let n = names.len();
        let title = format!(
            "{n} workload{} run{} in the default namespace",
            plural(n),
            if n == 1 { "s" } else { "" }
        );
        let why = format!(
            "{} live{} in `default`, where every object applied without `metadata.namespace` also lands (SEM-46). Namespace-wide policies (`podSelector: {{}}`) and namespaceSelectors cannot tell these workloads apart from whatever is dropped there next, and a manifest that forgot its namespace silently joins them.",
            list(&names, 8),
            if n == 1 { "s" } else { "" }
        );
        let fix = format!(
            "Move them into a dedicated namespace per application and set `metadata.namespace` in their manifests (and in the policies that govern them), then give that namespace a default-deny baseline:\n\n{}",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: <application>\n"
        );
        let objects = self.workload_locs(&pods);
        self.push("BR003", Severity::Low, title, objects, why, fix);
    }

    // ---- BR004 ----------------------------------------------------------

    fn unprotected(&mut self) {
        // Every policy applies in at least one direction (SEM-5), so "selected
        // by no policy" is "isolated in neither direction".
        let mut by_workload: BTreeMap<WorkloadRef, Vec<usize>> = BTreeMap::new();
        for (i, p) in self.c.pods.iter().enumerate() {
            if !p.host_network
                && !self.isolated(i, Direction::Ingress)
                && !self.isolated(i, Direction::Egress)
            {
                by_workload.entry(p.workload.clone()).or_default().push(i);
            }
        }
        for (w, pods) in by_workload {
            let obj = workload_object(&w);
            let Some(rep) = pods.first().and_then(|&i| self.pod(i)) else {
                continue;
            };
            let labels = Selector {
                match_labels: rep.labels.clone(),
                requirements: Vec::new(),
            };
            let n = self.replicas(&pods);
            let title = format!("{obj} is selected by no NetworkPolicy: open in both directions");
            let why = format!(
                "No policy in namespace `{}` selects its pods (labels {}), so they are isolated neither for ingress nor for egress (SEM-3, SEM-4): anything may connect to its {n} pod{} on any port, and {} may connect anywhere, external addresses included. If one is compromised it is a free pivot.",
                w.namespace,
                labels,
                plural(n as usize),
                if n == 1 { "it" } else { "they" }
            );
            let selector = if rep.labels.is_empty() {
                placeholder_selector(&[("app", "<label this workload>")])
            } else {
                labels
            };
            let ingress_ports: Vec<PortSpec> = declared_ports(&rep.ports);
            let ingress = rule_lines(
                Direction::Ingress,
                Some(&[placeholder_peer_lines(true)]),
                if ingress_ports.is_empty() {
                    None
                } else {
                    Some(&ingress_ports)
                },
            );
            let egress = rule_lines(
                Direction::Egress,
                Some(&[peer_lines(&dns_peer())]),
                Some(&dns_ports()),
            );
            let fix = format!(
                "Select it with a policy for both directions that allows only what it needs: its clients on the ports it declares, and DNS plus its real destinations on the way out:\n\n{}",
                policy_doc(
                    &w.name,
                    &w.namespace,
                    &selector,
                    &["Ingress", "Egress"],
                    Some(ingress),
                    Some(egress)
                )
            );
            let objects = self.workload_locs(&pods);
            self.push("BR004", Severity::High, title, objects, why, fix);
        }
    }

    // ---- BR005 ----------------------------------------------------------

    fn any_peer(&mut self) {
        for pol in &self.c.policies {
            for dir in [Direction::Ingress, Direction::Egress] {
                for (i, rule) in pol.rules(dir).unwrap_or(&[]).iter().enumerate() {
                    self.any_peer_rule(pol, dir, i, rule);
                }
            }
        }
    }

    fn any_peer_rule(&mut self, pol: &Policy, dir: Direction, i: usize, rule: &Rule) {
        let field = dir.peers_field();
        let (at, descs, notes): (String, Vec<String>, Vec<&str>) = match &rule.peers {
            None => (
                format!("{}[{i}]", dir.as_str()),
                vec![format!(
                    "`{field}` is absent, so every pod of every namespace and every IP address"
                )],
                vec![ANY_PEER_NOTE],
            ),
            Some(peers) => {
                let wide: Vec<(usize, &Peer)> = peers
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| is_wide(p))
                    .collect();
                if wide.is_empty() {
                    return;
                }
                let at = wide
                    .iter()
                    .map(|(j, _)| format!("{}[{i}].{field}[{j}]", dir.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ");
                let (descs, mut notes): (Vec<String>, Vec<&str>) = wide
                    .iter()
                    .map(|&(_, p)| wide_peer_desc(p, &pol.namespace))
                    .unzip();
                notes.sort_unstable();
                notes.dedup();
                (at, descs, notes)
            }
        };
        let dns_only = is_dns_only(rule);
        let severity = if dns_only {
            Severity::Low
        } else {
            Severity::Medium
        };
        let ports = match &rule.ports {
            None => "every port and protocol".to_string(),
            Some(ps) => ps
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        };
        let every = match dir {
            Direction::Ingress => "source",
            Direction::Egress => "destination",
        };
        let title = format!(
            "{} {at} admits every {every}: {}, on {ports}",
            pol.id(),
            descs.join("; ")
        );
        let selected = self.selected(pol);
        let targets = if selected.is_empty() {
            "no pod today".to_string()
        } else {
            list(&self.workload_names(&selected), 6)
        };
        let reach = match dir {
            Direction::Ingress => {
                format!("lets every such source connect to the pods it selects ({targets})")
            }
            Direction::Egress => {
                format!("lets the pods it selects ({targets}) open connections to every such destination")
            }
        };
        let severity_note = if dns_only {
            " Its ports are limited to DNS (53/UDP, 53/TCP), so it is reported at low severity: the exposure is name resolution only, but an unrestricted resolver target still allows DNS tunnelling and rogue resolvers."
        } else {
            " Reported at medium severity; a rule whose ports are limited to DNS (53/UDP, 53/TCP) would be low."
        };
        let why = format!(
            "Allows are a union (SEM-7): whatever the other rules say, this rule {reach}, on {ports}. {}{severity_note}",
            notes.join(" ")
        );
        let fix = self.any_peer_fix(pol, dir, i, rule, dns_only);
        self.push(
            "BR005",
            severity,
            title,
            vec![Self::policy_loc(pol)],
            why,
            fix,
        );
    }

    fn any_peer_fix(
        &self,
        pol: &Policy,
        dir: Direction,
        i: usize,
        rule: &Rule,
        dns_only: bool,
    ) -> String {
        let replacement = |is_ip: bool| -> Vec<String> {
            if dns_only {
                peer_lines(&dns_peer())
            } else if is_ip {
                vec![
                    "ipBlock:".to_string(),
                    "  cidr: <the real address range>  # e.g. 203.0.113.0/24".to_string(),
                ]
            } else {
                placeholder_peer_lines(true)
            }
        };
        let mut has_ip = false;
        let peers: Vec<Vec<String>> = match &rule.peers {
            None => vec![replacement(false)],
            Some(ps) => ps
                .iter()
                .map(|p| {
                    if is_wide(p) {
                        let ip = matches!(p, Peer::IpBlock(_));
                        has_ip |= ip;
                        replacement(ip)
                    } else {
                        peer_lines(p)
                    }
                })
                .collect(),
        };
        let placeholder_ports;
        let ports = match &rule.ports {
            Some(ps) => Some(ps.as_slice()),
            None => {
                placeholder_ports = vec![PortSpec {
                    protocol: Protocol::Tcp,
                    port: PortRef::Range(0, 0),
                }];
                Some(placeholder_ports.as_slice())
            }
        };
        let head = if dns_only {
            format!(
                "Point `{}` at the cluster DNS pods instead of every peer:",
                dir.peers_field()
            )
        } else if has_ip {
            "If the exposure is intended (a public entry point, an external provider), keep the rule with its ports as narrow as they are and record the exception; otherwise name the real address range:".to_string()
        } else {
            format!(
                "Narrow the peer to the {} that need it{}:",
                match dir {
                    Direction::Ingress => "clients",
                    Direction::Egress => "destinations",
                },
                if rule.ports.is_none() {
                    ", and list the ports"
                } else {
                    ""
                }
            )
        };
        let mut lines = vec![format!("# {}: spec.{}[{i}]", pol.id(), dir.as_str())];
        lines.extend(rule_lines(dir, Some(&peers), ports));
        format!("{head}\n\n{}", join_lines(&lines))
    }

    // ---- BR006 ----------------------------------------------------------

    fn dead_selectors(&mut self) {
        for pol in &self.c.policies {
            if self.selected(pol).is_empty() {
                self.dead_policy(pol);
            }
            for dir in [Direction::Ingress, Direction::Egress] {
                for (i, rule) in pol.rules(dir).unwrap_or(&[]).iter().enumerate() {
                    for (j, peer) in rule.peers.iter().flatten().enumerate() {
                        let stand_in = self
                            .dns_stand_in
                            .as_ref()
                            .is_some_and(|d| self.peer_matches(peer, &pol.namespace, d));
                        if matches!(peer, Peer::Pods { .. })
                            && !stand_in
                            && self
                                .pods_matching(Some(std::slice::from_ref(peer)), &pol.namespace)
                                .is_empty()
                        {
                            self.dead_peer(pol, dir, i, rule, j, peer);
                        }
                    }
                }
            }
        }
    }

    fn dead_policy(&mut self, pol: &Policy) {
        let ns = &pol.namespace;
        let in_ns: Vec<&Pod> = self.c.pods.iter().filter(|p| &p.namespace == ns).collect();
        let title = format!(
            "{} spec.podSelector ({}) selects no pod",
            pol.id(),
            pol.pod_selector
        );
        let mut why = format!(
            "The policy governs no pod in namespace `{ns}`, so it isolates nothing and its rules have no effect (SEM-1, SEM-64). Usually a label typo, a policy applied to the wrong namespace, or workloads missing from the inputs."
        );
        if in_ns.is_empty() {
            why.push_str(&format!(
                " No pod of `{ns}` is among the inputs: load its workloads to check the policy."
            ));
        } else if in_ns
            .iter()
            .any(|p| p.host_network && pol.pod_selector.matches(&p.labels))
        {
            why.push_str(
                " It matches hostNetwork pods only, which policies do not govern (SEM-49).",
            );
        } else {
            why.push_str(&label_hints(
                &pol.pod_selector,
                in_ns.iter().map(|p| &p.labels),
                &format!("pods of `{ns}`"),
            ));
        }
        let fix = format!(
            "Set `spec.podSelector` to labels the intended pods carry (check with `kubectl get pods -n {ns} --show-labels`), or delete the policy if those pods are gone."
        );
        self.push(
            "BR006",
            Severity::Low,
            title,
            vec![Self::policy_loc(pol)],
            why,
            fix,
        );
    }

    fn dead_peer(
        &mut self,
        pol: &Policy,
        dir: Direction,
        i: usize,
        rule: &Rule,
        j: usize,
        peer: &Peer,
    ) {
        let Peer::Pods { namespaces, pods } = peer else {
            return;
        };
        let at = format!("{}[{i}].{}[{j}]", dir.as_str(), dir.peers_field());
        let title = format!(
            "{} {at} matches no pod: {}",
            pol.id(),
            describe_peer(peer, &pol.namespace)
        );
        // Which namespaces the peer looks in, and whether any of them has pods.
        let nss: Vec<&str> = match namespaces {
            None => vec![pol.namespace.as_str()],
            Some(sel) => self
                .c
                .namespaces
                .iter()
                .filter(|n| sel.matches(&n.labels))
                .map(|n| n.name.as_str())
                .collect(),
        };
        let pods_there: Vec<&Pod> = self
            .c
            .pods
            .iter()
            .filter(|p| !p.host_network && nss.contains(&p.namespace.as_str()))
            .collect();
        let named_ns: Vec<String> = namespaces.as_ref().map_or(Vec::new(), names_selected);
        let mut severity = Severity::Medium;
        let mut why = String::from("The peer admits nothing today, so the rule does not allow the flow it was written for; and it starts admitting whatever later gets these labels.");
        // `nss` is empty only for a namespaceSelector that matches no namespace.
        if let Some(sel) = namespaces.as_ref().filter(|_| nss.is_empty()) {
            if named_ns.is_empty() {
                why.push_str(&format!(
                    " Its namespaceSelector ({sel}) matches no namespace."
                ));
                why.push_str(&label_hints(
                    sel,
                    self.c.namespaces.iter().map(|n| &n.labels),
                    "namespaces",
                ));
            } else {
                severity = Severity::Low;
                why.push_str(&format!(
                    " It names namespace{} {} by `{NS_NAME_LABEL}`, which {} not among the inputs: load {} manifests to check this peer (low severity until then).",
                    plural(named_ns.len()),
                    named_ns.join(", "),
                    if named_ns.len() == 1 { "is" } else { "are" },
                    if named_ns.len() == 1 { "its" } else { "their" }
                ));
            }
        } else if pods_there.is_empty() {
            severity = Severity::Low;
            why.push_str(&format!(
                " No pod of {} is among the inputs: load {} workloads to check this peer (low severity until then).",
                nss.join(", "),
                if nss.len() == 1 { "its" } else { "their" }
            ));
        } else if let Some(sel) = pods {
            why.push_str(&format!(
                " Its podSelector ({sel}) matches no pod in {} {}.",
                if nss.len() == 1 {
                    "namespace"
                } else {
                    "namespaces"
                },
                list(&nss.iter().map(|s| s.to_string()).collect::<Vec<_>>(), 6)
            ));
            if namespaces.is_none() {
                why.push_str(&format!(
                    " A podSelector without namespaceSelector only looks in the policy's own namespace `{}` (SEM-16).",
                    pol.namespace
                ));
            }
            why.push_str(&label_hints(
                sel,
                pods_there.iter().map(|p| &p.labels),
                "pods there",
            ));
        }
        if and_or_pair(rule.peers.as_deref().unwrap_or(&[])).is_some() {
            why.push_str(" The rule also has the AND/OR shape of BR009: one peer with both selectors may have been meant.");
        }
        let fix = format!(
            "Correct the selectors of {} {at} (check with `kubectl get pods -A --show-labels` and `kubectl get ns --show-labels`), or remove the peer if the flow is gone.",
            pol.id(),
        );
        self.push(
            "BR006",
            severity,
            title,
            vec![Self::policy_loc(pol)],
            why,
            fix,
        );
    }

    // ---- BR007 ----------------------------------------------------------

    fn named_ports(&mut self) {
        for pol in &self.c.policies {
            let selected = self.selected(pol);
            if selected.is_empty() {
                continue; // BR006 covers a policy that governs nothing
            }
            for dir in [Direction::Ingress, Direction::Egress] {
                for (i, rule) in pol.rules(dir).unwrap_or(&[]).iter().enumerate() {
                    if !rule.has_named_ports() {
                        continue;
                    }
                    let dsts: Vec<usize> = match dir {
                        Direction::Ingress => selected.clone(),
                        Direction::Egress => {
                            let d: Vec<usize> = self
                                .pods_matching(rule.peers.as_deref(), &pol.namespace)
                                .into_iter()
                                .filter(|&k| self.pod(k).is_some_and(|p| !p.host_network))
                                .collect();
                            let pod_peers = rule
                                .peers
                                .iter()
                                .flatten()
                                .any(|p| matches!(p, Peer::Pods { .. }));
                            if d.is_empty() && pod_peers {
                                continue; // dead peers: BR006
                            }
                            d
                        }
                    };
                    for (k, spec) in rule.ports.iter().flatten().enumerate() {
                        let PortRef::Named(name) = &spec.port else {
                            continue;
                        };
                        if dsts
                            .iter()
                            .filter_map(|&d| self.pod(d))
                            .any(|p| p.named_port(name, spec.protocol).is_some())
                        {
                            continue;
                        }
                        self.unresolved(pol, dir, i, rule, k, name, spec.protocol, &dsts);
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn unresolved(
        &mut self,
        pol: &Policy,
        dir: Direction,
        i: usize,
        rule: &Rule,
        k: usize,
        name: &str,
        proto: Protocol,
        dsts: &[usize],
    ) {
        let at = format!("{}[{i}].ports[{k}]", dir.as_str());
        let title = format!(
            "{} {at}: no destination pod declares port {name}/{proto}",
            pol.id()
        );
        let where_ = match dir {
            Direction::Ingress => "the pods the policy selects".to_string(),
            Direction::Egress => "the pods the rule's peers match".to_string(),
        };
        let mut why = format!(
            "Named ports resolve on each destination pod, by name and protocol (SEM-34..36); for {dir} that is {where_}",
            dir = dir.as_str()
        );
        if dsts.is_empty() {
            why.push_str(": here none, as the rule's peers are ipBlocks and names never resolve on IP destinations (SEM-35).");
        } else {
            why.push_str(&format!(
                " ({}). None of them declares a container port named `{name}` with protocol {proto}, so this entry allows nothing; it is not a validation error, just silently dead (SEM-64).",
                list(&self.workload_names(dsts), 6)
            ));
        }
        // Same name, other protocol: the classic `protocol` omission (SEM-34).
        let other: BTreeSet<(Protocol, u16)> = dsts
            .iter()
            .filter_map(|&d| self.pod(d))
            .flat_map(|p| p.ports.iter())
            .filter(|p| p.name.as_deref() == Some(name) && p.protocol != proto)
            .map(|p| (p.protocol, p.port))
            .collect();
        let declared: BTreeSet<String> = dsts
            .iter()
            .filter_map(|&d| self.pod(d))
            .flat_map(|p| p.ports.iter())
            .map(|p| match &p.name {
                Some(n) => format!("{n} ({}/{})", p.port, p.protocol),
                None => format!("{}/{}", p.port, p.protocol),
            })
            .collect();
        let suggestion = if let Some(&(p, _)) = other.iter().next() {
            why.push_str(&format!(
                " The destinations do declare `{name}` as {p}: the entry's protocol is {proto}{}.",
                if proto == Protocol::Tcp {
                    " (the default when `protocol` is omitted, SEM-30)"
                } else {
                    ""
                }
            ));
            vec![PortSpec {
                protocol: p,
                port: PortRef::Named(name.to_string()),
            }]
        } else {
            vec![PortSpec {
                protocol: proto,
                port: PortRef::Range(0, 0),
            }]
        };
        let mut lines = vec![format!("# {}: spec.{}[{i}]", pol.id(), dir.as_str())];
        let peers: Option<Vec<Vec<String>>> = rule
            .peers
            .as_ref()
            .map(|ps| ps.iter().map(peer_lines).collect());
        let ports: Vec<PortSpec> = rule
            .ports
            .iter()
            .flatten()
            .enumerate()
            .flat_map(|(x, p)| {
                if x == k {
                    suggestion.clone()
                } else {
                    vec![p.clone()]
                }
            })
            .collect();
        lines.extend(rule_lines(dir, peers.as_deref(), Some(&ports)));
        let head = if other.is_empty() {
            if declared.is_empty() {
                "Use the port number the destination listens on:".to_string()
            } else {
                format!(
                    "Use the port number, or a name the destinations declare ({}):",
                    list(&declared.into_iter().collect::<Vec<_>>(), 8)
                )
            }
        } else {
            "Set the protocol the destinations declare for that name:".to_string()
        };
        let fix = format!("{head}\n\n{}", join_lines(&lines));
        self.push(
            "BR007",
            Severity::Medium,
            title,
            vec![Self::policy_loc(pol)],
            why,
            fix,
        );
    }

    // ---- BR008 ----------------------------------------------------------

    fn dns(&mut self) {
        let targets: Vec<&Pod> = match &self.dns_stand_in {
            Some(d) => vec![d],
            None => self
                .c
                .pods
                .iter()
                .filter(|p| p.namespace == "kube-system" && !p.host_network)
                .collect(),
        };
        let mut affected: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        // Policy selection is a class property: decide once per class.
        let mut by_class: BTreeMap<usize, bool> = BTreeMap::new();
        for (ns, pods) in self.pods_by_namespace() {
            for i in pods {
                if !self.isolated(i, Direction::Egress) {
                    continue;
                }
                let Some(pod) = self.pod(i) else {
                    continue;
                };
                let class = self
                    .reach
                    .pod_class
                    .get(i)
                    .filter(|_| self.classes_usable());
                let allowed = match class {
                    Some(&class) => *by_class
                        .entry(class)
                        .or_insert_with(|| self.dns_allowed(pod, &targets)),
                    None => self.dns_allowed(pod, &targets),
                };
                if !allowed {
                    affected.entry(ns).or_default().push(i);
                }
            }
        }
        let assumed = if self.dns_stand_in.is_some() {
            " No pod of kube-system is among the inputs, so the check used a standard CoreDNS pod (k8s-app=kube-dns in kube-system, 53/UDP and 53/TCP)."
        } else {
            ""
        };
        for (ns, pods) in affected {
            let names = self.workload_names(&pods);
            let n = names.len();
            let policies: BTreeSet<String> = self
                .c
                .policies
                .iter()
                .filter(|pol| {
                    pol.egress.is_some()
                        && pods
                            .iter()
                            .filter_map(|&i| self.pod(i))
                            .any(|p| pol.selects(p))
                })
                .map(|pol| pol.id())
                .collect();
            let all_isolated = self.c.pods.iter().enumerate().all(|(i, p)| {
                p.namespace != ns || p.host_network || self.isolated(i, Direction::Egress)
            });
            let title = format!(
                "{n} workload{} in namespace {ns} cannot resolve names: egress allows no DNS (53/UDP, 53/TCP) to kube-system",
                plural(n)
            );
            let why = format!(
                "{} {} isolated for egress by {}, whose rules allow neither 53/UDP nor 53/TCP towards the cluster DNS pods in kube-system.{assumed} Every lookup of a Service name times out, so most connections fail before they start: too little access, name resolution breaks.",
                list(&names, 8),
                if n == 1 { "is" } else { "are" },
                list(&policies.into_iter().collect::<Vec<_>>(), 6)
            );
            // A `podSelector: {}` allow-dns would also isolate for egress the
            // pods of the namespace that are not isolated yet: only use it when
            // every pod already is. Otherwise reuse the selectors of the
            // egress policies that isolate the affected pods.
            let fix = if all_isolated {
                format!(
                    "Allow DNS to the cluster DNS pods for the whole namespace (every pod of `{ns}` is isolated for egress already, so this isolates nothing new):\n\n{}",
                    allow_dns_doc("allow-dns", ns, &Selector::everything())
                )
            } else {
                let mut sels: Vec<Selector> = Vec::new();
                for pol in &self.c.policies {
                    if pol.egress.is_some()
                        && pods
                            .iter()
                            .filter_map(|&i| self.pod(i))
                            .any(|p| pol.selects(p))
                        && !sels.contains(&pol.pod_selector)
                    {
                        sels.push(pol.pod_selector.clone());
                    }
                }
                let docs: Vec<String> = sels
                    .iter()
                    .enumerate()
                    .map(|(x, s)| {
                        let name = if x == 0 {
                            "allow-dns".to_string()
                        } else {
                            format!("allow-dns-{}", x + 1)
                        };
                        allow_dns_doc(&name, ns, s)
                    })
                    .collect();
                format!(
                    "Allow DNS to the cluster DNS pods for the pods that are isolated for egress (same podSelector as the policies that isolate them; `podSelector: {{}}` would also isolate the other pods of `{ns}` for egress):\n\n{}",
                    docs.join("---\n")
                )
            };
            let objects = self.workload_locs(&pods);
            self.push("BR008", Severity::High, title, objects, why, fix);
        }
    }

    fn dns_allowed(&self, pod: &Pod, targets: &[&Pod]) -> bool {
        let dns = |c: &crate::model::ports::ConnSet| {
            c.contains(Protocol::Udp, 53) || c.contains(Protocol::Tcp, 53)
        };
        self.c
            .policies
            .iter()
            .filter(|pol| pol.selects(pod))
            .flat_map(|pol| pol.egress.iter().flatten().map(move |r| (pol, r)))
            .any(|(pol, rule)| {
                let to_pod = targets.iter().any(|t| {
                    self.peers_match(rule.peers.as_deref(), &pol.namespace, t)
                        && dns(&rule.ports_towards(Some(t)))
                });
                // An ipBlock with 53 may be a node-local cache or a resolver
                // the pods are configured for: give it the benefit of the doubt.
                let to_ip = rule
                    .peers
                    .iter()
                    .flatten()
                    .any(|p| matches!(p, Peer::IpBlock(_)))
                    && dns(&rule.ports_towards(None));
                to_pod || to_ip
            })
    }

    // ---- BR009 ----------------------------------------------------------

    fn and_or(&mut self) {
        for pol in &self.c.policies {
            for dir in [Direction::Ingress, Direction::Egress] {
                for (i, rule) in pol.rules(dir).unwrap_or(&[]).iter().enumerate() {
                    let Some(peers) = &rule.peers else { continue };
                    let Some((j, k)) = and_or_pair(peers) else {
                        continue;
                    };
                    self.and_or_rule(pol, dir, i, rule, peers, j, k);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn and_or_rule(
        &mut self,
        pol: &Policy,
        dir: Direction,
        i: usize,
        rule: &Rule,
        peers: &[Peer],
        j: usize,
        k: usize,
    ) {
        let field = dir.peers_field();
        let (Some(peer_j), Some(peer_k)) = (peers.get(j), peers.get(k)) else {
            return;
        };
        let merged = match (peer_j, peer_k) {
            (Peer::Pods { namespaces, .. }, Peer::Pods { pods, .. }) => Peer::Pods {
                namespaces: namespaces.clone(),
                pods: pods.clone(),
            },
            _ => return,
        };
        let first = j.min(k);
        let and_peers: Vec<Peer> = peers
            .iter()
            .enumerate()
            .filter(|&(x, _)| x != j && x != k || x == first)
            .map(|(x, p)| {
                if x == first {
                    merged.clone()
                } else {
                    p.clone()
                }
            })
            .collect();
        let or_pods = self.pods_matching(Some(peers), &pol.namespace);
        let and_pods = self.pods_matching(Some(&and_peers), &pol.namespace);
        let (a, b) = (self.replicas(&or_pods), self.replicas(&and_pods));
        let title = format!(
            "{} {}[{i}]: {field}[{j}] (namespaceSelector only) OR {field}[{k}] (podSelector only) matches {a} pod{}; as one peer (AND) it would match {b}",
            pol.id(),
            dir.as_str(),
            plural(a as usize),
        );
        let extra: Vec<&Pod> = or_pods
            .iter()
            .filter(|x| !and_pods.contains(x))
            .filter_map(|&x| self.pod(x))
            .collect();
        let mut why = format!(
            "Two items of a peer list are ORed (SEM-19): `{}` OR `{}`. One item holding both selectors ANDs them (SEM-18): `{}`. A single dash of YAML indentation is the whole difference, and the OR form is rarely what was meant. Counted against the loaded cluster, the rule as written matches {a} pod{} ({}); the AND form would match {b} ({}).",
            describe_peer(peer_j, &pol.namespace),
            describe_peer(peer_k, &pol.namespace),
            describe_peer(&merged, &pol.namespace),
            plural(a as usize),
            workloads_or_none(&self.workload_names(&or_pods)),
            workloads_or_none(&self.workload_names(&and_pods)),
        );
        if !extra.is_empty() {
            let idx: Vec<usize> = or_pods
                .iter()
                .copied()
                .filter(|x| !and_pods.contains(x))
                .collect();
            why.push_str(&format!(
                " Only the OR form admits {}.",
                list(&self.workload_names(&idx), 6)
            ));
        }
        why.push_str(" This is a heuristic: if the OR is intended, split it into two rules or comment it so the next reader knows.");
        let mut lines = vec![format!(
            "# {}: spec.{}[{i}], AND form (one peer, both selectors)",
            pol.id(),
            dir.as_str()
        )];
        let peer_blocks: Vec<Vec<String>> = and_peers.iter().map(peer_lines).collect();
        lines.extend(rule_lines(dir, Some(&peer_blocks), rule.ports.as_deref()));
        let fix = format!(
            "If the intent is pods matching the podSelector inside the namespaces matching the namespaceSelector, make them one peer (no dash before `podSelector`):\n\n{}",
            join_lines(&lines)
        );
        self.push(
            "BR009",
            Severity::Low,
            title,
            vec![Self::policy_loc(pol)],
            why,
            fix,
        );
    }
}

// ---- helpers --------------------------------------------------------------

fn location(o: &Origin, object: String) -> Location {
    Location {
        file: o.file.clone(),
        doc: o.doc,
        object,
        line: None,
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

/// A peer that admits every pod of the cluster or every address of a family.
fn is_wide(p: &Peer) -> bool {
    match p {
        Peer::Pods {
            namespaces: Some(ns),
            pods,
        } => ns.is_empty() && pods.as_ref().is_none_or(|s| s.is_empty()),
        Peer::Pods {
            namespaces: None, ..
        } => false,
        Peer::IpBlock(b) => b.cidr.prefix_len() == 0,
    }
}

const ANY_PEER_NOTE: &str =
    "An absent or empty `from`/`to` means every peer, external addresses included (SEM-14).";

/// A wide peer in words, and the rule behind it.
fn wide_peer_desc(p: &Peer, policy_ns: &str) -> (String, &'static str) {
    let desc = describe_peer(p, policy_ns);
    match p {
        Peer::IpBlock(b) => {
            let fam = if b.cidr.addr().is_ipv4() {
                "IPv4"
            } else {
                "IPv6"
            };
            let but = if b.except.is_empty() {
                ""
            } else {
                " but the excepted ranges"
            };
            (
                format!("{desc} (every {fam} address{but})"),
                "A /0 block is every address of its family; with the default choice it also \
                 matches every pod with a known IP (SEM-27), and `except` only punches holes \
                 (SEM-21, SEM-22).",
            )
        }
        Peer::Pods { .. } => (
            desc,
            "`namespaceSelector: {}` matches every namespace, including ones created later, \
             and without a podSelector it takes every pod in them (SEM-17).",
        ),
    }
}

/// Ports present and limited to 53/UDP and 53/TCP.
fn is_dns_only(rule: &Rule) -> bool {
    match &rule.ports {
        Some(ps) if !ps.is_empty() => ps.iter().all(|p| {
            matches!(p.protocol, Protocol::Udp | Protocol::Tcp) && p.port == PortRef::Range(53, 53)
        }),
        _ => false,
    }
}

/// First peer with only a namespaceSelector and first with only a podSelector.
fn and_or_pair(peers: &[Peer]) -> Option<(usize, usize)> {
    let j = peers.iter().position(|p| {
        matches!(
            p,
            Peer::Pods {
                namespaces: Some(_),
                pods: None
            }
        )
    })?;
    let k = peers.iter().position(|p| {
        matches!(
            p,
            Peer::Pods {
                namespaces: None,
                pods: Some(_)
            }
        )
    })?;
    Some((j, k))
}

/// Namespace names a selector pins by `kubernetes.io/metadata.name`.
fn names_selected(sel: &Selector) -> Vec<String> {
    let mut out: Vec<String> = sel
        .match_labels
        .get(NS_NAME_LABEL)
        .cloned()
        .into_iter()
        .collect();
    for r in &sel.requirements {
        if let Requirement::In(k, vs) = r {
            if k == NS_NAME_LABEL {
                out.extend(vs.iter().cloned());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// ` Values of app among pods of `shop`: api, cart.` for each selector key.
fn label_hints<'l>(sel: &Selector, labels: impl Iterator<Item = &'l Labels>, what: &str) -> String {
    let labels: Vec<&Labels> = labels.collect();
    let mut out = String::new();
    let keys: BTreeSet<&str> = sel.keys().collect();
    for key in keys {
        let vals: BTreeSet<&str> = labels
            .iter()
            .filter_map(|l| l.get(key).map(|v| v.as_str()))
            .collect();
        if vals.is_empty() {
            out.push_str(&format!(" No {what} have the label `{key}`."));
        } else {
            let vals: Vec<String> = vals.into_iter().map(str::to_string).collect();
            out.push_str(&format!(
                " Values of `{key}` among {what}: {}.",
                list(&vals, 8)
            ));
        }
    }
    out
}

/// Declared container ports as ingress port entries (by number, sorted).
fn declared_ports(ports: &[ContainerPort]) -> Vec<PortSpec> {
    let mut v: Vec<(Protocol, u16)> = ports.iter().map(|p| (p.protocol, p.port)).collect();
    v.sort();
    v.dedup();
    v.into_iter()
        .map(|(protocol, p)| PortSpec {
            protocol,
            port: PortRef::Range(p, p),
        })
        .collect()
}

fn dns_peer() -> Peer {
    Peer::Pods {
        namespaces: Some(placeholder_selector(&[(NS_NAME_LABEL, "kube-system")])),
        pods: Some(placeholder_selector(&[("k8s-app", "kube-dns")])),
    }
}

fn dns_ports() -> Vec<PortSpec> {
    vec![
        PortSpec {
            protocol: Protocol::Udp,
            port: PortRef::Range(53, 53),
        },
        PortSpec {
            protocol: Protocol::Tcp,
            port: PortRef::Range(53, 53),
        },
    ]
}

/// The usual CoreDNS deployment, used when kube-system is not loaded.
fn standard_dns_pod() -> Pod {
    let mut labels = Labels::new();
    labels.insert("k8s-app".into(), "kube-dns".into());
    Pod {
        namespace: "kube-system".into(),
        name: "coredns".into(),
        labels,
        ports: vec![
            ContainerPort {
                name: Some("dns".into()),
                port: 53,
                protocol: Protocol::Udp,
            },
            ContainerPort {
                name: Some("dns-tcp".into()),
                port: 53,
                protocol: Protocol::Tcp,
            },
        ],
        ips: Vec::new(),
        host_network: false,
        exploitability: None,
        replicas: 1,
        workload: WorkloadRef {
            namespace: "kube-system".into(),
            name: "coredns".into(),
            kind: "Deployment".into(),
        },
        origin: Origin::default(),
    }
}

fn placeholder_selector(kv: &[(&str, &str)]) -> Selector {
    Selector {
        match_labels: kv
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        requirements: Vec::new(),
    }
}

/// `namespaceSelector` (optional) AND `podSelector` with placeholders.
fn placeholder_peer_lines(with_namespace: bool) -> Vec<String> {
    let peer = Peer::Pods {
        namespaces: with_namespace.then(|| placeholder_selector(&[(NS_NAME_LABEL, "<namespace>")])),
        pods: Some(placeholder_selector(&[("app", "<app>")])),
    };
    peer_lines(&peer)
}

// ---- YAML snippets --------------------------------------------------------

/// A label value or key as a YAML scalar, quoted when YAML would read it as
/// something other than a string (SEM-43).
fn yaml_scalar(s: &str) -> String {
    let special = [
        "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "yes",
        "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N",
    ];
    let numeric = s.parse::<f64>().is_ok()
        || s.starts_with("0x")
        || s.starts_with("0o")
        || s.starts_with('.')
        || s.starts_with('+');
    let indicator = s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c));
    if special.contains(&s) || numeric || indicator || s.contains(": ") || s.contains(" #") {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        s.to_string()
    }
}

fn selector_lines(key: &str, sel: &Selector) -> Vec<String> {
    if sel.is_empty() {
        return vec![format!("{key}: {{}}")];
    }
    let mut out = vec![format!("{key}:")];
    if !sel.match_labels.is_empty() {
        out.push("  matchLabels:".into());
        for (k, v) in &sel.match_labels {
            out.push(format!("    {}: {}", yaml_scalar(k), yaml_scalar(v)));
        }
    }
    if !sel.requirements.is_empty() {
        out.push("  matchExpressions:".into());
        for r in &sel.requirements {
            let (op, vals) = match r {
                Requirement::In(_, v) => ("In", Some(v)),
                Requirement::NotIn(_, v) => ("NotIn", Some(v)),
                Requirement::Exists(_) => ("Exists", None),
                Requirement::DoesNotExist(_) => ("DoesNotExist", None),
            };
            out.push(format!("    - key: {}", yaml_scalar(r.key())));
            out.push(format!("      operator: {op}"));
            if let Some(vs) = vals {
                let vs: Vec<String> = vs.iter().map(|v| yaml_scalar(v)).collect();
                out.push(format!("      values: [{}]", vs.join(", ")));
            }
        }
    }
    out
}

/// A peer's keys at column 0 (the caller makes it a list item).
fn peer_lines(p: &Peer) -> Vec<String> {
    match p {
        Peer::Pods { namespaces, pods } => {
            let mut out = Vec::new();
            if let Some(ns) = namespaces {
                out.extend(selector_lines("namespaceSelector", ns));
            }
            if let Some(ps) = pods {
                out.extend(selector_lines("podSelector", ps));
            }
            out
        }
        Peer::IpBlock(b) => {
            let mut out = vec!["ipBlock:".to_string(), format!("  cidr: {}", b.cidr)];
            if !b.except.is_empty() {
                out.push("  except:".into());
                out.extend(b.except.iter().map(|e| format!("    - {e}")));
            }
            out
        }
    }
}

/// Port entries; `PortRef::Range(0, 0)` stands for a `<port>` placeholder.
fn port_lines(ports: &[PortSpec]) -> Vec<String> {
    let mut out = Vec::new();
    for p in ports {
        out.push(format!("- protocol: {}", p.protocol));
        match &p.port {
            PortRef::Any => {}
            PortRef::Range(0, 0) => out.push("  port: <port>".into()),
            PortRef::Range(lo, hi) if lo == hi => out.push(format!("  port: {lo}")),
            PortRef::Range(lo, hi) => {
                out.push(format!("  port: {lo}"));
                out.push(format!("  endPort: {hi}"));
            }
            PortRef::Named(n) => out.push(format!("  port: {}", yaml_scalar(n))),
        }
    }
    out
}

fn list_item(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .enumerate()
        .map(|(x, l)| {
            if x == 0 {
                format!("- {l}")
            } else {
                format!("  {l}")
            }
        })
        .collect()
}

fn indent(lines: Vec<String>, n: usize) -> Vec<String> {
    let pad = " ".repeat(n);
    lines.into_iter().map(|l| format!("{pad}{l}")).collect()
}

/// `ingress:` / `egress:` with one rule.
fn rule_lines(
    dir: Direction,
    peers: Option<&[Vec<String>]>,
    ports: Option<&[PortSpec]>,
) -> Vec<String> {
    let mut rule = Vec::new();
    if let Some(ps) = peers {
        rule.push(format!("{}:", dir.peers_field()));
        for p in ps {
            rule.extend(indent(list_item(p), 2));
        }
    }
    if let Some(ps) = ports {
        rule.push("ports:".into());
        rule.extend(indent(port_lines(ps), 2));
    }
    if rule.is_empty() {
        return vec![format!("{}:", dir.as_str()), "  - {}".into()];
    }
    let mut out = vec![format!("{}:", dir.as_str())];
    out.extend(indent(list_item(&rule), 2));
    out
}

fn join_lines(lines: &[String]) -> String {
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

fn policy_doc(
    name: &str,
    ns: &str,
    pod_selector: &Selector,
    types: &[&str],
    ingress: Option<Vec<String>>,
    egress: Option<Vec<String>>,
) -> String {
    let mut out = vec![
        "apiVersion: networking.k8s.io/v1".to_string(),
        "kind: NetworkPolicy".into(),
        "metadata:".into(),
        format!("  name: {}", yaml_scalar(name)),
        format!("  namespace: {}", yaml_scalar(ns)),
        "spec:".into(),
    ];
    out.extend(indent(selector_lines("podSelector", pod_selector), 2));
    out.push("  policyTypes:".into());
    out.extend(types.iter().map(|t| format!("    - {t}")));
    out.extend(indent(ingress.unwrap_or_default(), 2));
    out.extend(indent(egress.unwrap_or_default(), 2));
    join_lines(&out)
}

fn allow_dns_doc(name: &str, ns: &str, pod_selector: &Selector) -> String {
    let egress = rule_lines(
        Direction::Egress,
        Some(&[peer_lines(&dns_peer())]),
        Some(&dns_ports()),
    );
    policy_doc(name, ns, pod_selector, &["Egress"], None, Some(egress))
}

// ---- line numbers ---------------------------------------------------------

fn fill_lines(findings: &mut [Finding]) {
    let mut cache: BTreeMap<String, Option<Vec<usize>>> = BTreeMap::new();
    for f in findings.iter_mut() {
        for o in &mut f.objects {
            let starts = cache.entry(o.file.clone()).or_insert_with(|| {
                std::fs::read_to_string(&o.file)
                    .ok()
                    .map(|t| doc_start_lines(&t))
            });
            o.line = starts
                .as_ref()
                .and_then(|s| o.doc.checked_sub(1).and_then(|d| s.get(d)).copied());
        }
    }
}

/// 1-based first line of each document: the line after its `---`
/// separator, or line 1 for a first document written without one. Text
/// before the first separator that holds only comments, blank lines and
/// directives is no document, as for the YAML parser.
fn doc_start_lines(text: &str) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut starts = Vec::new();
    let mut seen_sep = false;
    let mut prefix_content = false;
    for (i, l) in lines.iter().enumerate() {
        let sep =
            l.starts_with("---") && l[3..].chars().next().is_none_or(|c| c == ' ' || c == '\t');
        if sep {
            if !seen_sep && prefix_content {
                starts.push(1);
            }
            seen_sep = true;
            starts.push(i + 2);
        } else if !seen_sep {
            let t = l.trim();
            if !(t.is_empty() || t.starts_with('#') || t.starts_with('%')) {
                prefix_content = true;
            }
        }
    }
    if !seen_sep {
        starts.push(1);
    }
    starts.retain(|&s| s <= lines.len().max(1));
    starts
}

// ---- output -----------------------------------------------------------------

/// Human-readable report; ends with a summary line.
pub fn to_text(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!(
            "{} [{}] {}: {}\n",
            f.id, f.severity, f.rule, f.title
        ));
        for o in &f.objects {
            let at = match o.line {
                Some(l) => format!("{}:{l}", o.file),
                None => o.file.clone(),
            };
            out.push_str(&format!("    at {} ({at}, document {})\n", o.object, o.doc));
        }
        out.push_str(&wrap(&format!("why: {}", f.why), "  ", "       ", 100));
        // The prose is wrapped; the snippet after the blank line is kept as is.
        let (prose, snippet) = f.fix.split_once("\n\n").unwrap_or((&f.fix, ""));
        out.push_str(&wrap(&format!("fix: {prose}"), "  ", "       ", 100));
        if !snippet.is_empty() {
            out.push('\n');
            for l in snippet.lines() {
                if !l.is_empty() {
                    out.push_str("       ");
                }
                out.push_str(l);
                out.push('\n');
            }
        }
        out.push('\n');
    }
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    if findings.is_empty() {
        out.push_str("no findings\n");
    } else {
        out.push_str(&format!(
            "{} finding{}: {} high, {} medium, {} low\n",
            findings.len(),
            plural(findings.len()),
            count(Severity::High),
            count(Severity::Medium),
            count(Severity::Low)
        ));
    }
    out
}

fn wrap(text: &str, first: &str, rest: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::from(first);
    let mut empty = true;
    for w in text.split_whitespace() {
        if !empty && line.len() + 1 + w.len() > width {
            out.push_str(&line);
            out.push('\n');
            line = String::from(rest);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(w);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// `{"schema": "blastradius.audit/v1", "findings": [...]}`, pretty.
pub fn to_json(findings: &[Finding]) -> String {
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        schema: &'static str,
        findings: &'a [Finding],
    }
    let doc = Doc {
        schema: "blastradius.audit/v1",
        findings,
    };
    // Plain structs of strings and numbers: serialization cannot fail.
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn information_uri() -> &'static str {
    let repo = env!("CARGO_PKG_REPOSITORY");
    let home = env!("CARGO_PKG_HOMEPAGE");
    if !repo.is_empty() {
        repo
    } else if !home.is_empty() {
        home
    } else {
        "https://kubernetes.io/docs/concepts/services-networking/network-policies/"
    }
}

/// A file path as a relative URI reference: `/` separators, and bytes
/// outside the unreserved set percent-encoded.
fn path_uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// SARIF 2.1.0 log with one run.
pub fn to_sarif(findings: &[Finding]) -> String {
    use serde_json::json;
    let rules: Vec<serde_json::Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.short},
                "fullDescription": {"text": r.full},
                "help": {"text": r.full},
                "defaultConfiguration": {"level": r.severity.sarif_level()},
                "properties": {"severity": r.severity.as_str()},
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            let locations: Vec<serde_json::Value> = f
                .objects
                .iter()
                .map(|o| {
                    let mut phys = serde_json::Map::new();
                    phys.insert("artifactLocation".into(), json!({"uri": path_uri(&o.file)}));
                    if let Some(l) = o.line {
                        phys.insert("region".into(), json!({"startLine": l}));
                    }
                    json!({
                        "physicalLocation": serde_json::Value::Object(phys),
                        "logicalLocations": [{"fullyQualifiedName": o.object, "kind": "resource"}],
                    })
                })
                .collect();
            json!({
                "ruleId": f.id,
                "ruleIndex": RULES.iter().position(|r| r.id == f.id).unwrap_or(0),
                "level": f.severity.sarif_level(),
                "message": {"text": format!("{}. {}", f.title, f.why)},
                "locations": locations,
                "properties": {"severity": f.severity.as_str(), "title": f.title, "fix": f.fix},
            })
        })
        .collect();
    let v = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "blastradius",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": information_uri(),
                "rules": rules,
            }},
            "results": results,
        }],
    });
    // A `json!` value (string keys only): serialization cannot fail.
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
