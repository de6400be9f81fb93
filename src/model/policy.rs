//! Policies in one internal form: scope, tier, subject, ordered rules with
//! actions, peers and ports. NetworkPolicy maps onto it today; the cluster
//! kinds (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy,
//! see SEMANTICS-CNP.md) are meant to map onto it later.
//!
//! This is data only: what matches what is decided in `engine::eval`.

use crate::model::cluster::{Origin, Pod};
use crate::model::ip::IpBlock;
use crate::model::ports::{ConnSet, Protocol};
use crate::model::selector::Selector;
use std::collections::BTreeMap;
use std::fmt;

/// A port entry of a rule (SEM-29..37).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PortRef {
    /// `port` absent: every port of the protocol (SEM-30, SEM-33).
    Any,
    /// `[port, endPort]` (SEM-37); a single port is `[p, p]`.
    Range(u16, u16),
    /// A container port name, resolved on the destination pod (SEM-34..36).
    Named(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PortSpec {
    pub protocol: Protocol,
    pub port: PortRef,
}

impl PortSpec {
    /// The connections this entry allows towards `dst` (`None`: an IP
    /// destination, where names never resolve, SEM-35).
    pub fn resolve(&self, dst: Option<&Pod>) -> ConnSet {
        match &self.port {
            PortRef::Any => ConnSet::all_of(self.protocol),
            PortRef::Range(lo, hi) => ConnSet::range(self.protocol, *lo, *hi),
            PortRef::Named(n) => dst
                .and_then(|p| p.named_port(n, self.protocol))
                .map(|port| ConnSet::port(self.protocol, port))
                .unwrap_or_default(),
        }
    }
}

impl fmt::Display for PortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.port {
            PortRef::Any => write!(f, "{} (all ports)", self.protocol),
            PortRef::Range(lo, hi) if lo == hi => write!(f, "{}/{}", lo, self.protocol),
            PortRef::Range(lo, hi) => write!(f, "{}-{}/{}", lo, hi, self.protocol),
            PortRef::Named(n) => write!(f, "{}/{} (named)", n, self.protocol),
        }
    }
}

/// One element of `from` / `to` (SEM-16..21; CNP-11, CNP-12).
///
/// The cluster kinds map onto it too: their `namespaces` peer is
/// `Pods { namespaces: Some(sel), pods: None }`, their `pods` peer
/// `Pods { namespaces: Some(sel or {}), pods: Some(sel) }` (CNP-11, CNP-13),
/// each CIDR of `networks` one `IpBlock` without `except` (CNP-12).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Peer {
    /// `podSelector` and/or `namespaceSelector` in one peer: ANDed (SEM-18).
    /// `namespaces: None` means the policy's own namespace (SEM-16);
    /// `pods: None` means every pod of the selected namespaces (SEM-17).
    Pods {
        namespaces: Option<Selector>,
        pods: Option<Selector>,
    },
    IpBlock(IpBlock),
    /// A cluster policy's `nodes` egress peer (CNP-12): the addresses in the
    /// `status.addresses` of the Node objects its selector matches, filled
    /// in by [`crate::model::Cluster::finish`]; hostNetwork pods on those
    /// nodes speak with them (SEM-49).
    Nodes {
        selector: Selector,
        addrs: Vec<std::net::IpAddr>,
    },
    /// A ClusterNetworkPolicy / AdminNetworkPolicy `domainNames` egress peer
    /// (CNP-12), its names in [`crate::model::domain::canonical`] spelling.
    /// It matches the named destinations (`dns:api.example.com`), never an
    /// address or a pod: names are not resolved.
    DomainNames(Vec<String>),
}

/// What a matching rule does (CNP-6, CNP-8). NetworkPolicy rules only allow
/// (SEM-7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// `Allow` (v1alpha1, NetworkPolicy) / `Accept` (v1alpha2).
    Allow,
    Deny,
    /// Skip the rest of the tier (CNP-6, CNP-8).
    Pass,
}

/// One ingress or egress rule (SEM-12).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    /// `None`: `from`/`to` absent or empty, every peer (SEM-14).
    pub peers: Option<Vec<Peer>>,
    /// `None`: `ports` absent or empty, every port and protocol (SEM-29).
    pub ports: Option<Vec<PortSpec>>,
    /// Always `Allow` for NetworkPolicy.
    pub action: Action,
    /// The rule's `name` (cluster kinds only), for explanations.
    pub name: Option<String>,
}

impl Rule {
    /// Connections this rule allows towards `dst`, ignoring peers.
    pub fn ports_towards(&self, dst: Option<&Pod>) -> ConnSet {
        match &self.ports {
            None => ConnSet::all(),
            Some(ps) => ps
                .iter()
                .fold(ConnSet::empty(), |acc, p| acc.union(&p.resolve(dst))),
        }
    }

    pub fn has_named_ports(&self) -> bool {
        self.ports
            .iter()
            .flatten()
            .any(|p| matches!(p.port, PortRef::Named(_)))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
    pub fn peers_field(self) -> &'static str {
        match self {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        }
    }
}

/// Where a policy object lives.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// A NetworkPolicy in its namespace (SEM-1).
    Namespaced(String),
    /// AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy (CNP-20).
    Cluster,
}

impl Scope {
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Scope::Namespaced(ns) => Some(ns),
            Scope::Cluster => None,
        }
    }
}

impl Action {
    /// The spelling of the policy's API version: v1alpha2 says `Accept`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "Allow",
            Action::Deny => "Deny",
            Action::Pass => "Pass",
        }
    }
}

/// Evaluation tier, in precedence order: the derived `Ord` puts every
/// `Admin` first (lower priority value first), then `NetworkPolicy`, then
/// `Baseline` (CNP-1, CNP-3). Equal tier and priority is ambiguous (CNP-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    /// AdminNetworkPolicy / ClusterNetworkPolicy `tier: Admin`; priority 0..1000.
    Admin { priority: u32 },
    /// networking.k8s.io/v1 NetworkPolicy: allows only, isolates (SEM-3, SEM-7).
    NetworkPolicy,
    /// BaselineAdminNetworkPolicy (the singleton: priority 0, CNP-A2) or
    /// ClusterNetworkPolicy `tier: Baseline` (with its priority, CNP-3).
    Baseline { priority: u32 },
}

/// Which pods a policy governs (SEM-1, SEM-2, SEM-49; CNP-10, CNP-13).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Subject {
    /// `None`: the policy's own namespace (NetworkPolicy, SEM-1); a
    /// cluster-scoped policy has none, so its loader writes `Some(..)`
    /// (`Some({})` for every namespace).
    pub namespaces: Option<Selector>,
    /// `spec.podSelector` (SEM-2: empty = every pod).
    pub pods: Selector,
}

/// The object kind a policy came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyKind {
    NetworkPolicy,
    /// policy.networking.k8s.io/v1alpha1 (CNP-A1).
    AdminNetworkPolicy,
    /// policy.networking.k8s.io/v1alpha1, the singleton `default` (CNP-A2).
    BaselineAdminNetworkPolicy,
    /// policy.networking.k8s.io/v1alpha2 (CNP-1).
    ClusterNetworkPolicy,
}

impl PolicyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::NetworkPolicy => "NetworkPolicy",
            PolicyKind::AdminNetworkPolicy => "AdminNetworkPolicy",
            PolicyKind::BaselineAdminNetworkPolicy => "BaselineAdminNetworkPolicy",
            PolicyKind::ClusterNetworkPolicy => "ClusterNetworkPolicy",
        }
    }
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tier::Admin { priority } => write!(f, "Admin tier (priority {priority})"),
            Tier::NetworkPolicy => f.write_str("NetworkPolicy tier"),
            Tier::Baseline { priority } => write!(f, "Baseline tier (priority {priority})"),
        }
    }
}

impl Tier {
    /// A cluster tier (Admin or Baseline), as opposed to NetworkPolicy.
    pub fn is_cluster(self) -> bool {
        !matches!(self, Tier::NetworkPolicy)
    }
}

/// Where a policy's rules and peers are written: 1-based lines of its file,
/// by direction, rule index and peer index (those of [`Policy::rules`] and
/// [`Rule::peers`]: a cluster policy's `networks` peer of three CIDRs is
/// three peers on one line). For messages and audit locations only: the
/// evaluator never reads it. Empty when unknown (in-memory models, an
/// anchor standing for the whole list).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleLines {
    lines: BTreeMap<(Direction, usize, Option<usize>), usize>,
}

impl RuleLines {
    /// The line of rule `i` of `dir`.
    pub fn rule(&self, dir: Direction, i: usize) -> Option<usize> {
        self.lines.get(&(dir, i, None)).copied()
    }

    /// The line of peer `j` of rule `i`.
    pub fn peer(&self, dir: Direction, i: usize, j: usize) -> Option<usize> {
        self.lines.get(&(dir, i, Some(j))).copied()
    }

    /// Record a rule's line (`peer: None`) or a peer's.
    pub fn set(&mut self, dir: Direction, rule: usize, peer: Option<usize>, line: usize) {
        self.lines.insert((dir, rule, peer), line);
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

#[derive(Clone, Debug)]
pub struct Policy {
    pub name: String,
    pub kind: PolicyKind,
    pub scope: Scope,
    pub tier: Tier,
    pub subject: Subject,
    /// `Some(rules)` iff `Ingress` is in the effective policyTypes (SEM-5,
    /// SEM-6). Rules are kept in their order (first match decides, CNP-5).
    pub ingress: Option<Vec<Rule>>,
    /// `Some(rules)` iff `Egress` is in the effective policyTypes (SEM-5, SEM-6).
    pub egress: Option<Vec<Rule>>,
    pub origin: Origin,
    /// Where its rules and peers are written in `origin.file`, when known.
    pub lines: RuleLines,
    /// NetworkPolicy view of `scope` (empty when cluster-scoped), kept for
    /// readers written before the cluster kinds (review/audit, tests/naive).
    pub namespace: String,
    /// NetworkPolicy view of `subject.pods`, kept for the same readers.
    pub pod_selector: Selector,
}

impl Policy {
    /// A networking.k8s.io/v1 NetworkPolicy: namespaced, NetworkPolicy tier,
    /// subject `podSelector` in its namespace, Allow rules.
    pub fn network_policy(
        namespace: String,
        name: String,
        pod_selector: Selector,
        ingress: Option<Vec<Rule>>,
        egress: Option<Vec<Rule>>,
        origin: Origin,
    ) -> Policy {
        Policy {
            name,
            kind: PolicyKind::NetworkPolicy,
            scope: Scope::Namespaced(namespace.clone()),
            tier: Tier::NetworkPolicy,
            subject: Subject {
                namespaces: None,
                pods: pod_selector.clone(),
            },
            ingress,
            egress,
            origin,
            lines: RuleLines::default(),
            namespace,
            pod_selector,
        }
    }

    /// `ns/name`, or `name` for a cluster-scoped policy.
    pub fn id(&self) -> String {
        match &self.scope {
            Scope::Namespaced(ns) => format!("{ns}/{}", self.name),
            Scope::Cluster => self.name.clone(),
        }
    }

    pub fn rules(&self, dir: Direction) -> Option<&[Rule]> {
        match dir {
            Direction::Ingress => self.ingress.as_deref(),
            Direction::Egress => self.egress.as_deref(),
        }
    }
}
