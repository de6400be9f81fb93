//! The internal model: what the loader produces and every later stage reads.
//! Nothing here mentions k8s-openapi.

use crate::model::error::PodLookupError;
use crate::model::policy::Policy;
use crate::model::ports::Protocol;
use crate::model::selector::Labels;
use std::fmt;
use std::net::IpAddr;

/// Annotation giving a pod's exploitability, a probability in [0, 1]: read
/// by the input layer, used by the attack simulation.
pub const EXPLOITABILITY_ANNOTATION: &str = "blastradius.io/exploitability";

/// Where an object came from: file, 1-based document number, and the path
/// inside the document (`items[3]` for an item of a `kind: List`).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    pub file: String,
    pub doc: usize,
    pub item: Option<usize>,
    /// 1-based line of the file where the object starts, when known: for
    /// YAML the first line of its document (the line after its `---`, or 1)
    /// or, for an item of a `kind: List`, the line of its `-`. Not printed by
    /// `Display`; compared last, so it never changes the order of origins.
    pub line: Option<usize>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: document {}", self.file, self.doc)?;
        if let Some(i) = self.item {
            write!(f, ", items[{i}]")?;
        }
        Ok(())
    }
}

#[derive(Clone, Debug)]
pub struct Namespace {
    pub name: String,
    /// Always holds `kubernetes.io/metadata.name=<name>` (SEM-45).
    pub labels: Labels,
    /// False when the namespace is only referenced, never declared.
    pub declared: bool,
    /// Where the Namespace object was declared (None when only referenced).
    pub origin: Option<Origin>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub port: u16,
    pub protocol: Protocol,
}

/// The entity a pod is listed under: a workload (`ns/name[Kind]`), or the pod
/// itself (`ns/name[Pod]`) when it has no controller owner.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkloadRef {
    pub namespace: String,
    pub name: String,
    pub kind: String,
}

impl fmt::Display for WorkloadRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}[{}]", self.namespace, self.name, self.kind)
    }
}

/// One pod, or one pod template standing for `replicas` identical pods.
#[derive(Clone, Debug)]
pub struct Pod {
    pub namespace: String,
    /// Pod name, or the workload name for a template.
    pub name: String,
    pub labels: Labels,
    pub ports: Vec<ContainerPort>,
    /// Known pod IPs (`status.podIPs`); empty for templates (SEM-51).
    pub ips: Vec<IpAddr>,
    /// SEM-49: ignored by selectors; its traffic is node traffic.
    pub host_network: bool,
    /// The `blastradius.io/exploitability` annotation: the probability that
    /// one attempt on this pod succeeds (Monte Carlo spread).
    pub exploitability: Option<f64>,
    /// How many pods this entry stands for (a workload's replicas).
    pub replicas: u32,
    pub workload: WorkloadRef,
    pub origin: Origin,
}

impl Pod {
    /// `ns/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// Resolve a named port on this (destination) pod (SEM-34, SEM-36):
    /// the name and the protocol must both match.
    pub fn named_port(&self, name: &str, protocol: Protocol) -> Option<u16> {
        self.ports
            .iter()
            .find(|p| p.name.as_deref() == Some(name) && p.protocol == protocol)
            .map(|p| p.port)
    }
}

/// Why an input object was left out of the model.
#[derive(Clone, Debug)]
pub struct Skipped {
    pub kind: String,
    /// The object's apiVersion (`v1`, `cilium.io/v2`).
    pub api: String,
    pub name: String,
    pub reason: String,
    pub origin: Origin,
    /// A network policy of a kind this tool does not evaluate (Cilium,
    /// Calico, Antrea, …): the connections it blocks are counted as allowed.
    pub unevaluated_policy: bool,
}

/// A Node object: what a cluster policy's `nodes` peer selects (CNP-12).
#[derive(Clone, Debug)]
pub struct Node {
    pub name: String,
    pub labels: Labels,
    /// IP addresses of `status.addresses` (InternalIP, ExternalIP).
    pub addrs: Vec<IpAddr>,
    pub origin: Origin,
}

/// Everything the loader read.
#[derive(Clone, Debug, Default)]
pub struct Cluster {
    /// Sorted by name.
    pub namespaces: Vec<Namespace>,
    pub pods: Vec<Pod>,
    /// Node objects of the input, in input order.
    pub nodes: Vec<Node>,
    pub policies: Vec<Policy>,
    pub skipped: Vec<Skipped>,
    /// Documents and folders that are not manifests, left out: `place`
    /// (file, document) and why.
    pub not_read: Vec<(String, String)>,
    pub warnings: Vec<String>,
}

impl Cluster {
    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.namespaces
            .binary_search_by(|n| n.name.as_str().cmp(name))
            .ok()
            .and_then(|i| self.namespaces.get(i))
    }

    /// Labels of a namespace; an unknown one has only its name label (SEM-45).
    pub fn namespace_labels(&self, name: &str) -> Labels {
        self.namespace(name).map_or_else(
            || {
                let mut l = Labels::new();
                l.insert(NS_NAME_LABEL.to_string(), name.to_string());
                l
            },
            |n| n.labels.clone(),
        )
    }

    /// Find pods by `ns/name[Kind]` (a workload or pod entity), `ns/name`
    /// (a pod, or else a workload), or `name` alone when it is unique.
    pub fn find_pods(&self, spec: &str) -> Result<Vec<usize>, PodLookupError> {
        let by = |pred: &dyn Fn(&Pod) -> bool| -> Vec<usize> {
            self.pods
                .iter()
                .enumerate()
                .filter(|(_, p)| pred(p))
                .map(|(i, _)| i)
                .collect()
        };
        let found = if spec.ends_with(']') {
            by(&|p| p.workload.to_string() == spec || format!("{}[Pod]", p.id()) == spec)
        } else if let Some((ns, name)) = spec.split_once('/') {
            let pods = by(&|p| p.namespace == ns && p.name == name);
            if pods.is_empty() {
                by(&|p| p.namespace == ns && p.workload.name == name)
            } else {
                pods
            }
        } else {
            let pods = by(&|p| p.name == spec);
            let pods = if pods.is_empty() {
                by(&|p| p.workload.name == spec)
            } else {
                pods
            };
            let mut nss: Vec<&str> = pods
                .iter()
                .filter_map(|&i| self.pods.get(i))
                .map(|p| p.namespace.as_str())
                .collect();
            nss.sort_unstable();
            nss.dedup();
            if nss.len() > 1 {
                return Err(PodLookupError::Ambiguous {
                    spec: spec.to_string(),
                    namespaces: nss.into_iter().map(str::to_string).collect(),
                });
            }
            pods
        };
        if found.is_empty() {
            Err(PodLookupError::NotFound {
                spec: spec.to_string(),
            })
        } else {
            Ok(found)
        }
    }

    /// Total pods, replicas counted.
    pub fn pod_count(&self) -> u64 {
        self.pods.iter().map(|p| u64::from(p.replicas)).sum()
    }

    /// Add every namespace that objects reference, with the name label (SEM-45),
    /// and sort. Called by the loader; public for tests that build clusters by hand.
    pub fn finish(&mut self) {
        let mut names: Vec<String> = self
            .pods
            .iter()
            .map(|p| p.namespace.clone())
            .chain(
                self.policies
                    .iter()
                    .filter_map(|p| p.scope.namespace().map(str::to_string)),
            )
            .collect();
        names.sort();
        names.dedup();
        let declared: std::collections::HashSet<String> =
            self.namespaces.iter().map(|x| x.name.clone()).collect();
        for n in names {
            if !declared.contains(&n) {
                let mut labels = Labels::new();
                labels.insert(NS_NAME_LABEL.to_string(), n.clone());
                self.namespaces.push(Namespace {
                    name: n,
                    labels,
                    declared: false,
                    origin: None,
                });
            }
        }
        for ns in &mut self.namespaces {
            ns.labels.insert(NS_NAME_LABEL.to_string(), ns.name.clone());
        }
        self.namespaces.sort_by(|a, b| a.name.cmp(&b.name));
        self.resolve_node_peers();
    }

    /// Fill every `nodes` peer with the addresses of the Node objects its
    /// selector matches (CNP-12); no Node object, no address. Say when pods
    /// without a known IP keep address peers from matching them.
    fn resolve_node_peers(&mut self) {
        use crate::model::Peer;
        let cluster_peers = |f: &dyn Fn(&Peer) -> bool| {
            self.policies
                .iter()
                .filter(|p| p.tier.is_cluster())
                .any(|p| {
                    p.ingress
                        .iter()
                        .chain(p.egress.iter())
                        .flatten()
                        .flat_map(|r| r.peers.iter().flatten())
                        .any(f)
                })
        };
        let networks = cluster_peers(&|p| matches!(p, Peer::IpBlock(_)));
        let node_peers = cluster_peers(&|p| matches!(p, Peer::Nodes { .. }));
        let no_ip = |host: bool| {
            self.pods
                .iter()
                .filter(|p| p.host_network == host && p.ips.is_empty())
                .count()
        };
        let (pods, hosts) = (no_ip(false), no_ip(true));
        if networks && pods > 0 {
            self.warnings.push(format!(
                "{pods} pod entr{} no known IP (status.podIPs): a cluster policy's `networks` peer matches pods by IP (with --ipblock-pods match), so it matches none of them here, though in the running cluster 0.0.0.0/0 covers every IPv4 pod (CNP-12, SEM-51)",
                if pods == 1 { "y has" } else { "ies have" }
            ));
        }
        if node_peers && hosts > 0 {
            self.warnings.push(format!(
                "{hosts} hostNetwork pod entr{} no known IP: a `nodes` peer matches a hostNetwork pod by its node's address in status.podIPs, so it matches none of them here (CNP-12)",
                if hosts == 1 { "y has" } else { "ies have" }
            ));
        }
        let nodes = &self.nodes;
        for pol in &mut self.policies {
            for rule in pol
                .ingress
                .iter_mut()
                .chain(pol.egress.iter_mut())
                .flatten()
            {
                for peer in rule.peers.iter_mut().flatten() {
                    if let crate::model::Peer::Nodes { selector, addrs } = peer {
                        *addrs = nodes
                            .iter()
                            .filter(|n| selector.matches(&n.labels))
                            .flat_map(|n| n.addrs.iter().copied())
                            .collect();
                        addrs.sort_unstable();
                        addrs.dedup();
                    }
                }
            }
        }
    }
}

/// Labels that controllers stamp on the pods they create: they change at
/// every rollout or differ per pod, so a fix never selects on them.
pub const CONTROLLER_LABELS: [&str; 10] = [
    "pod-template-hash",
    "controller-revision-hash",
    "pod-template-generation",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "controller-uid",
    "job-name",
    "batch.kubernetes.io/controller-uid",
    "batch.kubernetes.io/job-name",
    "batch.kubernetes.io/job-completion-index",
];

pub const NS_NAME_LABEL: &str = "kubernetes.io/metadata.name";
