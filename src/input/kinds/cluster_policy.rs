//! The cluster-scoped policy kinds of the network-policy-api
//! (`policy.networking.k8s.io`) into model policies: v1alpha1
//! AdminNetworkPolicy and BaselineAdminNetworkPolicy, v1alpha2
//! ClusterNetworkPolicy (SEMANTICS-CNP.md). Validation follows the CRDs'
//! OpenAPI and CEL rules (CNP-18, CNP-A2, CNP-A6..A9); what they accept is
//! accepted, with a warning where it cannot do what it says.

use super::typed;
use crate::input::error::LoadError;
use crate::input::loader::{ok_or, Ctx, Loader};
use crate::input::validate::{parse_cidr, required_name, selector};
use crate::model::domain;
use crate::model::ip::IpBlock;
use crate::model::ports::Protocol;
use crate::model::selector::Selector;
use crate::model::{
    Action, Direction, Peer, Policy, PolicyKind, PortRef, PortSpec, Rule, RuleLines, Scope,
    Subject, Tier,
};
use crate::util::text::{quoted, ticked};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::Deserialize;
use serde_yaml::Value;

pub(super) const V1ALPHA1: &str = "policy.networking.k8s.io/v1alpha1";
pub(super) const V1ALPHA2: &str = "policy.networking.k8s.io/v1alpha2";

#[derive(Deserialize)]
struct Object {
    #[serde(default)]
    metadata: ObjectMeta,
    spec: Option<Spec>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Spec {
    tier: Option<String>,
    priority: Option<i64>,
    subject: Option<SubjectIn>,
    ingress: Option<Vec<RuleIn>>,
    egress: Option<Vec<RuleIn>>,
}

#[derive(Deserialize)]
struct SubjectIn {
    namespaces: Option<LabelSelector>,
    pods: Option<NamespacedPod>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NamespacedPod {
    namespace_selector: Option<LabelSelector>,
    pod_selector: Option<LabelSelector>,
}

#[derive(Deserialize)]
struct RuleIn {
    name: Option<String>,
    action: Option<String>,
    from: Option<Vec<PeerIn>>,
    to: Option<Vec<PeerIn>>,
    ports: Option<Vec<PortIn>>,
    protocols: Option<Vec<ProtocolIn>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PeerIn {
    namespaces: Option<LabelSelector>,
    pods: Option<NamespacedPod>,
    nodes: Option<LabelSelector>,
    networks: Option<Vec<String>>,
    domain_names: Option<Vec<String>>,
    /// Fields of a newer API version (CNP-16).
    #[serde(flatten)]
    other: std::collections::BTreeMap<String, Value>,
}

/// v1alpha1 `AdminNetworkPolicyPort` (CNP-A5).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PortIn {
    port_number: Option<PortNumber>,
    named_port: Option<String>,
    port_range: Option<RangeIn>,
}

#[derive(Deserialize)]
struct PortNumber {
    protocol: Option<String>,
    port: Option<i64>,
}

#[derive(Deserialize)]
struct RangeIn {
    protocol: Option<String>,
    start: Option<i64>,
    end: Option<i64>,
}

/// v1alpha2 `ClusterNetworkPolicyProtocol` (CNP-14).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProtocolIn {
    tcp: Option<ProtocolPorts>,
    udp: Option<ProtocolPorts>,
    sctp: Option<ProtocolPorts>,
    destination_named_port: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProtocolPorts {
    destination_port: Option<DestinationPort>,
}

#[derive(Deserialize)]
struct DestinationPort {
    number: Option<i64>,
    range: Option<RangeIn>,
}

/// Per-version limits and spellings (CNP-18, CNP-A3, CNP-A4, CNP-A7, CNP-A8).
struct Version {
    kind: PolicyKind,
    /// v1alpha2 spells Allow `Accept`.
    accept: &'static str,
    pass: bool,
    max_rules: usize,
    max_peers: usize,
    max_ports: usize,
    domain_names: bool,
    /// CNP-A9: v1alpha1 requires both selectors of a NamespacedPod.
    namespace_selector_required: bool,
}

impl Version {
    fn of(kind: PolicyKind) -> Version {
        match kind {
            PolicyKind::ClusterNetworkPolicy => Version {
                kind,
                accept: "Accept",
                pass: true,
                max_rules: 25,
                max_peers: 25,
                max_ports: 25,
                domain_names: true,
                namespace_selector_required: false,
            },
            _ => Version {
                kind,
                accept: "Allow",
                pass: kind == PolicyKind::AdminNetworkPolicy,
                max_rules: 100,
                max_peers: 100,
                max_ports: 100,
                domain_names: kind == PolicyKind::AdminNetworkPolicy,
                namespace_selector_required: true,
            },
        }
    }

    fn v2(&self) -> bool {
        self.kind == PolicyKind::ClusterNetworkPolicy
    }

    fn actions(&self) -> String {
        let mut a = vec![format!("\"{}\"", self.accept), "\"Deny\"".to_string()];
        if self.pass {
            a.push("\"Pass\"".into());
        }
        a.join(", ")
    }
}

impl Loader {
    /// An AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy.
    pub(super) fn cluster_policy(
        &mut self,
        ctx: &Ctx,
        kind: PolicyKind,
        v: Value,
    ) -> Result<(), Vec<LoadError>> {
        let o = typed::<Object>(ctx, v)?;
        let name = required_name(ctx, &o.metadata)?;
        let ver = Version::of(kind);
        let mut errs = Vec::new();
        let spec = match o.spec {
            Some(s) => s,
            None => {
                errs.push(ctx.err(
                    "spec",
                    "Required value: a cluster policy needs a spec with a subject",
                ));
                Spec::default()
            }
        };
        let tier = self.tier_of(ctx, &ver, &name, &spec, &mut errs);
        let subject = match &spec.subject {
            None => {
                errs.push(ctx.err(
                    "spec.subject",
                    "Required value: exactly one of `namespaces` or `pods` (CNP-10)",
                ));
                None
            }
            Some(s) => self.subject(ctx, &ver, s, &mut errs),
        };
        let mut rules = [Vec::new(), Vec::new()];
        let mut lines = RuleLines::default();
        for (slot, dir, list) in [
            (0, Direction::Ingress, &spec.ingress),
            (1, Direction::Egress, &spec.egress),
        ] {
            let list = list.as_deref().unwrap_or(&[]);
            let field = format!("spec.{}", dir.as_str());
            if list.len() > ver.max_rules {
                errs.push(ctx.err(
                    &field,
                    format!(
                        "Too many: {} rules, must have at most {} (CNP-18, CNP-A7)",
                        list.len(),
                        ver.max_rules
                    ),
                ));
            }
            for (i, r) in list.iter().enumerate() {
                let path = format!("{field}[{i}]");
                if let Some((rule, from)) = self.cluster_rule(ctx, &ver, dir, &path, r, &mut errs) {
                    if let Some(slot) = rules.get_mut(slot) {
                        // Kept only without errors: model index i is rule i.
                        if let Some(l) = ctx.lines.rule(dir, i) {
                            lines.set(dir, i, None, l);
                        }
                        for (m, &j) in from.iter().enumerate() {
                            if let Some(l) = ctx.lines.peer(dir, i, j) {
                                lines.set(dir, i, Some(m), l);
                            }
                        }
                        slot.push(rule);
                    }
                }
            }
        }
        ok_or(errs)?;
        let (Some(tier), Some(subject)) = (tier, subject) else {
            return Ok(());
        };
        // CNP-20: cluster-scoped, one name per kind (v1alpha2: across both tiers).
        self.claim(ctx, kind.as_str(), "", &name)?;
        let [ingress, egress] = rules;
        let pods = subject.pods.clone();
        // CNP-9: a policy with no rules for a direction does not affect it.
        self.cluster.policies.push(Policy {
            name,
            kind,
            scope: Scope::Cluster,
            tier,
            subject,
            ingress: (!ingress.is_empty()).then_some(ingress),
            egress: (!egress.is_empty()).then_some(egress),
            origin: ctx.origin(),
            lines,
            namespace: String::new(),
            pod_selector: pods,
        });
        Ok(())
    }

    /// Tier and priority (CNP-1, CNP-3, CNP-A1, CNP-A2).
    fn tier_of(
        &mut self,
        ctx: &Ctx,
        ver: &Version,
        name: &str,
        spec: &Spec,
        errs: &mut Vec<LoadError>,
    ) -> Option<Tier> {
        if ver.kind == PolicyKind::BaselineAdminNetworkPolicy {
            // CNP-A2: the singleton, named `default`, without a priority.
            if name != "default" {
                errs.push(ctx.err(
                    "metadata.name",
                    format!("Invalid value: \"{name}\": a BaselineAdminNetworkPolicy must be named `default`: it is a singleton (only one baseline admin network policy with metadata.name=default can exist, CNP-A2)"),
                ));
            }
            if spec.priority.is_some() {
                self.cluster.warnings.push(format!(
                    "{} ({}): spec.priority: a BaselineAdminNetworkPolicy has no priority; the field is dropped (CNP-A2)",
                    ctx.origin(),
                    ctx.object
                ));
            }
            return Some(Tier::Baseline { priority: 0 });
        }
        let priority = match spec.priority {
            None => {
                errs.push(ctx.err(
                    "spec.priority",
                    "Required value: an integer from 0 to 1000, lower values first (CNP-3)",
                ));
                None
            }
            Some(p) if !(0..=1000).contains(&p) => {
                errs.push(ctx.err(
                    "spec.priority",
                    format!("Invalid value: {p}: the priority must be between 0 and 1000 (CNP-3, CNP-18)"),
                ));
                None
            }
            Some(p) => u32::try_from(p).ok(),
        }?;
        if !ver.v2() {
            if spec.tier.is_some() {
                self.cluster.warnings.push(format!(
                    "{} ({}): spec.tier: v1alpha1 has no tier field (the kind is the tier, CNP-A1); it is dropped",
                    ctx.origin(),
                    ctx.object
                ));
            }
            return Some(Tier::Admin { priority });
        }
        match spec.tier.as_deref() {
            Some("Admin") => Some(Tier::Admin { priority }),
            Some("Baseline") => Some(Tier::Baseline { priority }),
            Some(other) => {
                errs.push(ctx.err(
                    "spec.tier",
                    format!(
                        "Unsupported value: {}: supported values: \"Admin\", \"Baseline\" (CNP-1)",
                        quoted(other)
                    ),
                ));
                None
            }
            None => {
                errs.push(ctx.err(
                    "spec.tier",
                    "Required value: \"Admin\" or \"Baseline\" (CNP-1)",
                ));
                None
            }
        }
    }

    fn subject(
        &mut self,
        ctx: &Ctx,
        ver: &Version,
        s: &SubjectIn,
        errs: &mut Vec<LoadError>,
    ) -> Option<Subject> {
        match (&s.namespaces, &s.pods) {
            (Some(ns), None) => Some(Subject {
                namespaces: Some(selector(ctx, "spec.subject.namespaces", ns, errs)),
                pods: Selector::everything(),
            }),
            (None, Some(p)) => {
                let (namespaces, pods) =
                    self.namespaced_pod(ctx, ver, "spec.subject.pods", p, errs)?;
                Some(Subject {
                    namespaces: Some(namespaces),
                    pods,
                })
            }
            _ => {
                errs.push(ctx.err(
                    "spec.subject",
                    "exactly one field must be set in a subject: `namespaces` or `pods` (CNP-10, CNP-18)",
                ));
                None
            }
        }
    }

    /// `namespaceSelector` AND `podSelector` (CNP-13, CNP-A9).
    fn namespaced_pod(
        &mut self,
        ctx: &Ctx,
        ver: &Version,
        path: &str,
        p: &NamespacedPod,
        errs: &mut Vec<LoadError>,
    ) -> Option<(Selector, Selector)> {
        let ns = match &p.namespace_selector {
            Some(s) => selector(ctx, &format!("{path}.namespaceSelector"), s, errs),
            None if ver.namespace_selector_required && self.opts.np_guard_quirks => {
                self.lenient_selector(ctx, &format!("{path}.namespaceSelector"));
                Selector::everything()
            }
            None if ver.namespace_selector_required => {
                errs.push(ctx.err(
                    &format!("{path}.namespaceSelector"),
                    "Required value: v1alpha1 needs both namespaceSelector and podSelector (`{}` selects every namespace, CNP-A9)",
                ));
                return None;
            }
            None => Selector::everything(),
        };
        let pods = match &p.pod_selector {
            Some(s) => selector(ctx, &format!("{path}.podSelector"), s, errs),
            None if self.opts.np_guard_quirks => {
                self.lenient_selector(ctx, &format!("{path}.podSelector"));
                Selector::everything()
            }
            None => {
                errs.push(ctx.err(
                    &format!("{path}.podSelector"),
                    "Required value: a podSelector (`{}` selects every pod, CNP-13)",
                ));
                return None;
            }
        };
        Some((ns, pods))
    }

    fn lenient_selector(&mut self, ctx: &Ctx, path: &str) {
        self.cluster.warnings.push(format!(
            "{} ({}): {path}: absent, read as `{{}}` (every one) because of --compat np-guard; the API server requires it (CNP-13, CNP-A9)",
            ctx.origin(),
            ctx.object
        ));
    }

    fn cluster_rule(
        &mut self,
        ctx: &Ctx,
        ver: &Version,
        dir: Direction,
        path: &str,
        r: &RuleIn,
        errs: &mut Vec<LoadError>,
    ) -> Option<(Rule, Vec<usize>)> {
        if let Some(n) = &r.name {
            if n.chars().count() > 100 {
                errs.push(ctx.err(
                    &format!("{path}.name"),
                    format!(
                        "Too long: may not be more than 100 characters, got {} (CNP-18)",
                        n.chars().count()
                    ),
                ));
            }
        }
        let action = match r.action.as_deref() {
            Some(a) if a == ver.accept => Some(Action::Allow),
            Some("Deny") => Some(Action::Deny),
            Some("Pass") if ver.pass => Some(Action::Pass),
            Some(a) => {
                let why = if a == "Pass" {
                    " (a BaselineAdminNetworkPolicy cannot Pass: there is no lower tier, CNP-A4)"
                } else if a == "Allow" || a == "Accept" {
                    " (v1alpha1 says Allow, v1alpha2 says Accept, CNP-A3)"
                } else {
                    ""
                };
                errs.push(ctx.err(
                    &format!("{path}.action"),
                    format!(
                        "Unsupported value: {}: unrecognized action; supported values: {}{why}",
                        quoted(a),
                        ver.actions()
                    ),
                ));
                None
            }
            None => {
                errs.push(ctx.err(
                    &format!("{path}.action"),
                    format!(
                        "Required value: unrecognized action (none given); supported values: {}",
                        ver.actions()
                    ),
                ));
                None
            }
        };
        let field = dir.peers_field();
        let (peers_in, wrong) = match dir {
            Direction::Ingress => (&r.from, &r.to),
            Direction::Egress => (&r.to, &r.from),
        };
        if wrong.is_some() {
            errs.push(ctx.err(
                &format!("{path}.{}", if field == "from" { "to" } else { "from" }),
                format!("unknown field in an {} rule: use `{field}`", dir.as_str()),
            ));
        }
        let peers_in = peers_in.as_deref().unwrap_or(&[]);
        if peers_in.is_empty() {
            errs.push(ctx.err(
                &format!("{path}.{field}"),
                format!("Required value: {field} field must be defined and contain at least one item (CNP-11, CNP-12)"),
            ));
        } else if peers_in.len() > ver.max_peers {
            errs.push(ctx.err(
                &format!("{path}.{field}"),
                format!(
                    "Too many: {} peers, must have at most {} (CNP-18, CNP-A7)",
                    peers_in.len(),
                    ver.max_peers
                ),
            ));
        }
        let mut peers = Vec::new();
        // The input peer each model peer comes from (a `networks` peer is
        // one model peer per CIDR).
        let mut from = Vec::new();
        let mut address_peer = false;
        for (j, p) in peers_in.iter().enumerate() {
            let pp = format!("{path}.{field}[{j}]");
            address_peer |= p.nodes.is_some() || p.networks.is_some() || p.domain_names.is_some();
            self.cluster_peer(ctx, ver, dir, &pp, p, action, &mut peers, errs);
            from.resize(peers.len(), j);
        }
        let ports = self.cluster_ports(ctx, ver, path, r, errs);
        if address_peer
            && ports
                .iter()
                .flatten()
                .any(|p| matches!(p.port, PortRef::Named(_)))
        {
            // Refused only by the experimental channel's CRD (CNP-15).
            self.cluster.warnings.push(format!(
                "{} ({}): {path}: a named port matches only pods that declare it, never an address outside the cluster (CNP-15); the experimental CRD refuses named ports beside networks/nodes/domainNames peers",
                ctx.origin(),
                ctx.object
            ));
        }
        let rule = Rule {
            peers: Some(peers),
            ports,
            action: action?,
            name: r.name.clone().filter(|n| !n.is_empty()),
        };
        Some((rule, from))
    }

    #[allow(clippy::too_many_arguments)]
    fn cluster_peer(
        &mut self,
        ctx: &Ctx,
        ver: &Version,
        dir: Direction,
        path: &str,
        p: &PeerIn,
        action: Option<Action>,
        out: &mut Vec<Peer>,
        errs: &mut Vec<LoadError>,
    ) {
        let egress = dir == Direction::Egress;
        let set = [
            p.namespaces.is_some(),
            p.pods.is_some(),
            p.nodes.is_some(),
            p.networks.is_some(),
            p.domain_names.is_some(),
        ];
        let allowed = if !egress {
            "`namespaces` or `pods`"
        } else if ver.domain_names {
            "`namespaces`, `pods`, `nodes`, `networks` or `domainNames`"
        } else {
            "`namespaces`, `pods`, `nodes` or `networks`"
        };
        let only_selectors = !set[2] && !set[3] && !set[4];
        // CNP-16: a peer with no field we know, only fields of a newer
        // version: fail closed. An Accept rule matches nothing through it;
        // a Deny or Pass rule denies everything.
        if set.iter().all(|s| !s) && !p.other.is_empty() {
            let names: Vec<&str> = p.other.keys().map(String::as_str).collect();
            let closed = action.is_some_and(|a| a != Action::Allow);
            self.cluster.warnings.push(format!(
                "{} ({}): {path}: no peer field this version knows (only {}): failing closed as CNP-16 says: {}",
                ctx.origin(),
                ctx.object,
                names.join(", "),
                if closed {
                    "this Deny/Pass rule is read as denying everything"
                } else {
                    "this Accept rule matches nothing through this peer"
                }
            ));
            if closed {
                // Every pod and every address (SEM-14's absent peers).
                out.push(Peer::Pods {
                    namespaces: Some(Selector::everything()),
                    pods: None,
                });
                for all in ["0.0.0.0/0", "::/0"] {
                    if let Ok(cidr) = all.parse() {
                        out.push(Peer::IpBlock(IpBlock {
                            cidr,
                            except: Vec::new(),
                        }));
                    }
                }
            }
            return;
        }
        if set.iter().filter(|s| **s).count() != 1 || (!egress && !only_selectors) {
            errs.push(ctx.err(
                path,
                format!("exactly one field must be set in a rule peer: {allowed} (CNP-11, CNP-12, CNP-18)"),
            ));
            return;
        }
        if let Some(ns) = &p.namespaces {
            out.push(Peer::Pods {
                namespaces: Some(selector(ctx, &format!("{path}.namespaces"), ns, errs)),
                pods: None,
            });
        } else if let Some(np) = &p.pods {
            if let Some((ns, pods)) =
                self.namespaced_pod(ctx, ver, &format!("{path}.pods"), np, errs)
            {
                out.push(Peer::Pods {
                    namespaces: Some(ns),
                    pods: Some(pods),
                });
            }
        } else if let Some(n) = &p.nodes {
            out.push(Peer::Nodes {
                selector: selector(ctx, &format!("{path}.nodes"), n, errs),
                addrs: Vec::new(),
            });
        } else if let Some(nets) = &p.networks {
            if nets.is_empty() || nets.len() > 25 {
                errs.push(ctx.err(
                    &format!("{path}.networks"),
                    format!("must hold 1 to 25 CIDRs, got {} (CNP-18)", nets.len()),
                ));
            }
            for (k, c) in nets.iter().enumerate() {
                let np = format!("{path}.networks[{k}]");

                if c.len() > 43 {
                    errs.push(ctx.err(
                        &np,
                        format!(
                            "Too long: may not be more than 43 characters, got {} (CNP-18)",
                            c.len()
                        ),
                    ));
                    continue;
                }
                // CEL's isCIDR accepts host bits (CNP-18): normalised, with a warning.
                match parse_cidr(c, true) {
                    Ok((net, _)) if self.opts.np_guard_quirks && net.addr().is_ipv6() => {
                        self.cluster.warnings.push(format!(
                            "{} ({}): {np}: IPv6 {} dropped because of --compat np-guard (np-guard reads IPv4 only)",
                            ctx.origin(),
                            ctx.object,
                            ticked(c)
                        ));
                    }
                    Ok((net, warn)) => {
                        if let Some(w) = warn {
                            self.cluster.warnings.push(format!(
                                "{} ({}): {np}: {}",
                                ctx.origin(),
                                ctx.object,
                                w.replace(
                                    "because of --lenient-cidr",
                                    "as the CRD's isCIDR rule does, CNP-18"
                                )
                            ));
                        }
                        out.push(Peer::IpBlock(IpBlock {
                            cidr: net.trunc(),
                            except: Vec::new(),
                        }))
                    }
                    Err(m) => errs.push(ctx.err(&np, format!("invalid CIDR address: {m}"))),
                }
            }
        } else if let Some(names) = &p.domain_names {
            if !ver.domain_names {
                errs.push(ctx.err(
                    &format!("{path}.domainNames"),
                    "a BaselineAdminNetworkPolicy has no domainNames peer (CNP-A8)",
                ));
                return;
            }
            if names.is_empty() || names.len() > 25 {
                errs.push(ctx.err(
                    &format!("{path}.domainNames"),
                    format!("must hold 1 to 25 names, got {} (CNP-18)", names.len()),
                ));
            }
            for (k, n) in names.iter().enumerate() {
                if !domain::valid(n) {
                    errs.push(ctx.err(
                        &format!("{path}.domainNames[{k}]"),
                        format!("Invalid value: {}: a domain name like `example.com` or `*.example.com` (the wildcard only as a whole first label, CNP-12)", quoted(n)),
                    ));
                }
            }
            if action.is_some_and(|a| a != Action::Allow) {
                self.cluster.warnings.push(format!(
                    "{} ({}): {path}.domainNames: domainNames is only supported in {} rules (CNP-12); implementations may refuse this rule",
                    ctx.origin(),
                    ctx.object,
                    ver.accept
                ));
            }
            // CNP-12: compared as names; `Example.com.` is `example.com`.
            let mut names: Vec<String> = names.iter().map(|n| domain::canonical(n)).collect();
            names.dedup();
            out.push(Peer::DomainNames(names));
        }
    }

    /// v1alpha1 `ports` or v1alpha2 `protocols`; `None`: every port.
    fn cluster_ports(
        &mut self,
        ctx: &Ctx,
        ver: &Version,
        path: &str,
        r: &RuleIn,
        errs: &mut Vec<LoadError>,
    ) -> Option<Vec<PortSpec>> {
        let (field, n) = if ver.v2() {
            if r.ports.is_some() {
                errs.push(ctx.err(
                    &format!("{path}.ports"),
                    "unknown field in v1alpha2: use `protocols` (CNP-A5)",
                ));
            }
            ("protocols", r.protocols.as_ref().map(Vec::len))
        } else {
            if r.protocols.is_some() {
                errs.push(ctx.err(
                    &format!("{path}.protocols"),
                    "unknown field in v1alpha1: use `ports` (CNP-A5)",
                ));
            }
            ("ports", r.ports.as_ref().map(Vec::len))
        };
        let n = n?;
        if (ver.v2() && n == 0) || n > ver.max_ports {
            errs.push(ctx.err(
                &format!("{path}.{field}"),
                format!(
                    "must hold 1 to {} entries, got {n} (CNP-18, CNP-A7)",
                    ver.max_ports
                ),
            ));
        }
        let mut out = Vec::new();
        if ver.v2() {
            for (k, p) in r.protocols.iter().flatten().enumerate() {
                self.protocol_entry(ctx, &format!("{path}.protocols[{k}]"), p, &mut out, errs);
            }
        } else {
            for (k, p) in r.ports.iter().flatten().enumerate() {
                self.port_entry(ctx, &format!("{path}.ports[{k}]"), p, &mut out, errs);
            }
        }
        Some(out)
    }

    /// A v1alpha1 port entry (CNP-A5, CNP-A6).
    fn port_entry(
        &mut self,
        ctx: &Ctx,
        path: &str,
        p: &PortIn,
        out: &mut Vec<PortSpec>,
        errs: &mut Vec<LoadError>,
    ) {
        let set = [
            p.port_number.is_some(),
            p.named_port.is_some(),
            p.port_range.is_some(),
        ];
        if set.iter().filter(|s| **s).count() != 1 {
            errs.push(ctx.err(
                path,
                "exactly one field must be set in an AdminNetworkPolicyPort: `portNumber`, `namedPort` or `portRange` (CNP-A5)",
            ));
            return;
        }
        if let Some(pn) = &p.port_number {
            let proto = protocol(
                ctx,
                &format!("{path}.portNumber.protocol"),
                pn.protocol.as_deref(),
                errs,
            );
            let port = port_number(ctx, &format!("{path}.portNumber.port"), pn.port, errs);
            if let (Some(protocol), Some(port)) = (proto, port) {
                out.push(PortSpec {
                    protocol,
                    port: PortRef::Range(port, port),
                });
            }
        } else if let Some(name) = &p.named_port {
            named(name, out);
        } else if let Some(r) = &p.port_range {
            let proto = protocol(
                ctx,
                &format!("{path}.portRange.protocol"),
                r.protocol.as_deref(),
                errs,
            );
            let start = port_number(ctx, &format!("{path}.portRange.start"), r.start, errs);
            let end = port_number(ctx, &format!("{path}.portRange.end"), r.end, errs);
            if let (Some(protocol), Some(lo), Some(hi)) = (proto, start, end) {
                if lo > hi {
                    // CNP-A6: "Start must be less than End" is only a doc
                    // comment in v1alpha1; the API server accepts it.
                    self.cluster.warnings.push(format!(
                        "{} ({}): {path}.portRange: {lo}-{hi} is empty (end before start) and matches no port; the v1alpha1 API server accepts it (CNP-A6), np-guard refuses it",
                        ctx.origin(),
                        ctx.object
                    ));
                } else {
                    out.push(PortSpec {
                        protocol,
                        port: PortRef::Range(lo, hi),
                    });
                }
            }
        }
    }

    /// A v1alpha2 protocol entry (CNP-14, CNP-15).
    fn protocol_entry(
        &mut self,
        ctx: &Ctx,
        path: &str,
        p: &ProtocolIn,
        out: &mut Vec<PortSpec>,
        errs: &mut Vec<LoadError>,
    ) {
        let set = [
            p.tcp.is_some(),
            p.udp.is_some(),
            p.sctp.is_some(),
            p.destination_named_port.is_some(),
        ];
        if set.iter().filter(|s| **s).count() != 1 {
            errs.push(ctx.err(
                path,
                "exactly one field must be set in a protocol entry: `tcp`, `udp`, `sctp` or `destinationNamedPort` (CNP-14)",
            ));
            return;
        }
        if let Some(name) = &p.destination_named_port {
            named(name, out);
            return;
        }
        let (proto, key, pp) = match (&p.tcp, &p.udp, &p.sctp) {
            (Some(t), _, _) => (Protocol::Tcp, "tcp", t),
            (_, Some(u), _) => (Protocol::Udp, "udp", u),
            (_, _, Some(s)) => (Protocol::Sctp, "sctp", s),
            _ => return,
        };
        let base = format!("{path}.{key}.destinationPort");
        let Some(dp) = &pp.destination_port else {
            errs.push(ctx.err(&base, "Required value: `number` or `range` (CNP-14)"));
            return;
        };
        match (dp.number, &dp.range) {
            (Some(n), None) => {
                if let Some(port) = port_number(ctx, &format!("{base}.number"), Some(n), errs) {
                    out.push(PortSpec {
                        protocol: proto,
                        port: PortRef::Range(port, port),
                    });
                }
            }
            (None, Some(r)) => {
                let start = port_number(ctx, &format!("{base}.range.start"), r.start, errs);
                let end = port_number(ctx, &format!("{base}.range.end"), r.end, errs);
                if let (Some(lo), Some(hi)) = (start, end) {
                    if lo >= hi {
                        errs.push(ctx.err(
                            &format!("{base}.range"),
                            format!("Invalid value: {lo}-{hi}: Start port must be less than End port (CNP-14)"),
                        ));
                    } else {
                        out.push(PortSpec {
                            protocol: proto,
                            port: PortRef::Range(lo, hi),
                        });
                    }
                }
            }
            _ => errs.push(ctx.err(
                &base,
                "exactly one of `number` or `range` must be set (CNP-14)",
            )),
        }
    }
}

/// A named port matches the destination's container port of that name with
/// its own protocol (CNP-15): one entry per protocol, of which at most one
/// resolves (container port names are unique in a pod).
fn named(name: &str, out: &mut Vec<PortSpec>) {
    for protocol in Protocol::ALL {
        out.push(PortSpec {
            protocol,
            port: PortRef::Named(name.to_string()),
        });
    }
}

/// v1alpha1 protocol, TCP when absent (CNP-A5).
fn protocol(ctx: &Ctx, path: &str, p: Option<&str>, errs: &mut Vec<LoadError>) -> Option<Protocol> {
    match p {
        None | Some("") => Some(Protocol::Tcp),
        Some(s) => match Protocol::parse(s).filter(|_| s == s.to_ascii_uppercase()) {
            Some(proto) => Some(proto),
            None => {
                errs.push(ctx.err(
                    path,
                    format!(
                        "Unsupported value: {}: supported values: \"TCP\", \"UDP\", \"SCTP\"",
                        quoted(s)
                    ),
                ));
                None
            }
        },
    }
}

fn port_number(ctx: &Ctx, path: &str, p: Option<i64>, errs: &mut Vec<LoadError>) -> Option<u16> {
    match p {
        None => {
            errs.push(ctx.err(path, "Required value: a port number from 1 to 65535"));
            None
        }
        Some(n) => match u16::try_from(n).ok().filter(|&n| n >= 1) {
            Some(n) => Some(n),
            None => {
                errs.push(ctx.err(
                    path,
                    format!("Invalid value: {n}: must be between 1 and 65535, inclusive (CNP-18)"),
                ));
                None
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::model::domain::valid as valid_domain_name;

    #[test]
    fn domain_names_follow_the_crd_pattern() {
        // CNP-12: exact names or a `*.` prefix matching whole labels.
        for ok in [
            "kubernetes.io",
            "*.kubernetes.io",
            "a_b.example.com.",
            "x1.io",
        ] {
            assert!(valid_domain_name(ok), "{ok}");
        }
        for bad in ["io", "*kubernetes.io", "www.*.io", "-a.io", "a..io", ""] {
            assert!(!valid_domain_name(bad), "{bad}");
        }
    }
}
