//! NetworkPolicies into model policies: unknown-field warnings, policyTypes
//! (SEM-5, SEM-61), rules, peers, ipBlocks and ports.

use super::{namespace_of, typed};
use crate::input::error::LoadError;
use crate::input::loader::{ok_or, Ctx, Loader};
use crate::input::unknown_fields::unknown_in_policy;
use crate::input::validate::{
    check_dns_subdomain, check_port_name, parse_cidr, required_name, selector,
};
use crate::model::ip::IpBlock;
use crate::model::ports::Protocol;
use crate::model::selector::Selector;
use crate::model::{Peer, Policy, PortRef, PortSpec, Rule};
use crate::util::text::quoted;
use k8s_openapi::api::networking::v1 as net;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_yaml::Value;

impl Loader {
    /// Warn about (or, with --strict, refuse) unknown fields, then convert.
    pub(super) fn network_policy(&mut self, ctx: &Ctx, v: Value) -> Result<(), Vec<LoadError>> {
        let mut errs = Vec::new();
        for u in unknown_in_policy(&v) {
            let msg = format!("unknown field `{}`{}", u.key, u.hint());
            if self.opts.strict {
                errs.push(ctx.err(&u.path, format!("{msg} (refused because of --strict)")));
            } else {
                self.cluster.warnings.push(format!(
                    "{} ({}): {}: {msg}; it is ignored, as the API server drops unknown fields (--strict refuses it)",
                    ctx.origin(),
                    ctx.object,
                    ctx.path(&u.path)
                ));
            }
        }
        ok_or(errs)?;
        let o = typed::<net::NetworkPolicy>(ctx, v)?;
        self.policy(ctx, o)
    }

    fn policy(&mut self, ctx: &Ctx, o: net::NetworkPolicy) -> Result<(), Vec<LoadError>> {
        let name = required_name(ctx, &o.metadata)?;
        let ns = namespace_of(&o.metadata);
        let mut errs = Vec::new();
        // SEM-63: the name is a DNS subdomain.
        if let Err(m) = check_dns_subdomain(&name) {
            if self.opts.lenient_names {
                self.cluster.warnings.push(format!(
                    "{} ({}): metadata.name: {m}; accepted because of --lenient-names",
                    ctx.origin(),
                    ctx.object
                ));
            } else {
                errs.push(ctx.err("metadata.name", m));
            }
        }
        let spec = o.spec.unwrap_or_default();
        // SEM-2: absent podSelector selects every pod of the namespace.
        let pod_selector = match &spec.pod_selector {
            Some(s) => selector(ctx, "spec.podSelector", s, &mut errs),
            None => Selector::everything(),
        };
        // SEM-5, SEM-61: effective policyTypes.
        let (mut has_in, mut has_eg) = (false, false);
        match spec.policy_types.as_deref() {
            Some(types) if !types.is_empty() => {
                if types.len() > 2 {
                    errs.push(ctx.err(
                        "spec.policyTypes",
                        format!("may hold at most 2 entries, got {}", types.len()),
                    ));
                }
                for (i, t) in types.iter().enumerate() {
                    match t.as_str() {
                        "Ingress" => has_in = true,
                        "Egress" => has_eg = true,
                        other => errs.push(ctx.err(
                            &format!("spec.policyTypes[{i}]"),
                            format!("Unsupported value: {}: supported values: \"Ingress\", \"Egress\" (exact case)", quoted(other)),
                        )),
                    }
                }
            }
            _ => {
                has_in = true;
                has_eg = spec.egress.as_ref().is_some_and(|e| !e.is_empty());
            }
        }
        let mut ingress = Vec::new();
        for (i, r) in spec.ingress.iter().flatten().enumerate() {
            let base = format!("spec.ingress[{i}]");
            ingress.push(self.rule(
                ctx,
                &base,
                "from",
                r.from.as_deref(),
                r.ports.as_deref(),
                &mut errs,
            ));
        }
        let mut egress = Vec::new();
        for (i, r) in spec.egress.iter().flatten().enumerate() {
            let base = format!("spec.egress[{i}]");
            egress.push(self.rule(
                ctx,
                &base,
                "to",
                r.to.as_deref(),
                r.ports.as_deref(),
                &mut errs,
            ));
        }
        ok_or(errs)?;
        self.claim(ctx, "NetworkPolicy", &ns, &name)?;
        // SEM-6: rules of a direction not in policyTypes are ignored.
        let mut policy = Policy::network_policy(
            ns,
            name,
            pod_selector,
            has_in.then_some(ingress),
            has_eg.then_some(egress),
            ctx.origin(),
        );
        // One model rule per rule and one peer per peer, in input order.
        policy.lines = ctx.lines.clone();
        self.cluster.policies.push(policy);
        Ok(())
    }

    fn rule(
        &mut self,
        ctx: &Ctx,
        base: &str,
        field: &str,
        peers: Option<&[net::NetworkPolicyPeer]>,
        ports: Option<&[net::NetworkPolicyPort]>,
        errs: &mut Vec<LoadError>,
    ) -> Rule {
        let mut out_peers = Vec::new();
        let mut has_ipblock = false;
        for (j, p) in peers.iter().copied().flatten().enumerate() {
            let path = format!("{base}.{field}[{j}]");
            match (&p.ip_block, &p.namespace_selector, &p.pod_selector) {
                (None, None, None) => errs.push(ctx.err(
                    &path,
                    "must specify a peer: set podSelector, namespaceSelector or ipBlock (an empty peer `{}` is rejected by the API server; to allow every source omit `from`/`to`, or use `namespaceSelector: {}` for every pod) (SEM-15)",
                )),
                (Some(_), Some(_), _) | (Some(_), _, Some(_)) => errs.push(ctx.err(
                    &path,
                    "may not specify both ipBlock and another peer: put the ipBlock in a peer of its own (SEM-21, SEM-57)",
                )),
                (Some(b), None, None) => {
                    has_ipblock = true;
                    if let Some(b) = self.ip_block(ctx, &format!("{path}.ipBlock"), b, errs) {
                        out_peers.push(Peer::IpBlock(b));
                    }
                }
                (None, ns, pods) => out_peers.push(Peer::Pods {
                    namespaces: ns
                        .as_ref()
                        .map(|s| selector(ctx, &format!("{path}.namespaceSelector"), s, errs)),
                    pods: pods
                        .as_ref()
                        .map(|s| selector(ctx, &format!("{path}.podSelector"), s, errs)),
                }),
            }
        }
        let mut out_ports = Vec::new();
        for (k, p) in ports.iter().copied().flatten().enumerate() {
            let path = format!("{base}.ports[{k}]");
            if let Some(ps) = port_spec(ctx, &path, p, errs) {
                out_ports.push(ps);
            }
        }
        let rule = Rule {
            action: crate::model::Action::Allow,
            peers: (!out_peers.is_empty()).then_some(out_peers),
            ports: (!out_ports.is_empty()).then_some(out_ports),
            name: None,
        };
        // SEM-35: on egress the ipBlock is the destination, which cannot
        // resolve a port name. (On ingress the name resolves on the selected pod.)
        if field == "to" && has_ipblock && rule.has_named_ports() {
            self.cluster.warnings.push(format!(
                "{} ({}): {base}: a named port never matches an ipBlock destination, only pods that declare it (SEM-35); the API server accepts this, np-guard refuses it",
                ctx.origin(),
                ctx.object
            ));
        }
        rule
    }

    fn ip_block(
        &mut self,
        ctx: &Ctx,
        path: &str,
        b: &net::IPBlock,
        errs: &mut Vec<LoadError>,
    ) -> Option<IpBlock> {
        let cidr = match parse_cidr(&b.cidr, self.opts.lenient_cidr) {
            Ok((n, warn)) => {
                if let Some(w) = warn {
                    self.cluster.warnings.push(format!(
                        "{} ({}): {path}.cidr: {w}",
                        ctx.origin(),
                        ctx.object
                    ));
                }
                n
            }
            Err(m) => {
                errs.push(ctx.err(&format!("{path}.cidr"), m));
                return None;
            }
        };
        let mut except = Vec::new();
        for (i, e) in b.except.iter().flatten().enumerate() {
            let p = format!("{path}.except[{i}]");
            match parse_cidr(e, self.opts.lenient_cidr) {
                Ok((n, warn)) => {
                    if let Some(w) = warn {
                        self.cluster.warnings.push(format!(
                            "{} ({}): {p}: {w}",
                            ctx.origin(),
                            ctx.object
                        ));
                    }
                    // SEM-56: a strict subset of cidr.
                    let strict_subset = n.prefix_len() > cidr.prefix_len() && cidr.contains(&n);
                    if strict_subset {
                        except.push(n);
                    } else {
                        errs.push(ctx.err(
                            &p,
                            format!("`{e}` must be a strict subset of `cidr` {cidr} (inside it, with a longer prefix, same address family) (SEM-56)"),
                        ));
                    }
                }
                Err(m) => errs.push(ctx.err(&p, m)),
            }
        }
        Some(IpBlock { cidr, except })
    }
}

fn port_spec(
    ctx: &Ctx,
    path: &str,
    p: &net::NetworkPolicyPort,
    errs: &mut Vec<LoadError>,
) -> Option<PortSpec> {
    // SEM-30: protocol defaults to TCP per entry; SEM-58: exact case.
    let proto = p.protocol.as_deref().unwrap_or("TCP");
    let Some(protocol) = Protocol::parse(proto) else {
        errs.push(ctx.err(
            &format!("{path}.protocol"),
            format!("Unsupported value: {}: supported values: \"TCP\", \"UDP\", \"SCTP\" (exact case, SEM-58)", quoted(proto)),
        ));
        return None;
    };
    let port = match (&p.port, p.end_port) {
        (None, None) => PortRef::Any,
        (None, Some(_)) => {
            errs.push(ctx.err(
                &format!("{path}.endPort"),
                "may not be specified when `port` is not specified (SEM-60)",
            ));
            return None;
        }
        (Some(IntOrString::Int(n)), end) => {
            let Some(lo) = u16::try_from(*n).ok().filter(|n| *n >= 1) else {
                errs.push(ctx.err(
                    &format!("{path}.port"),
                    format!("must be between 1 and 65535, inclusive, got {n} (SEM-59)"),
                ));
                return None;
            };
            let hi = match end {
                None => lo,
                Some(e) => {
                    match u16::try_from(e).ok().filter(|e| *e >= 1) {
                        Some(hi) if hi >= lo => hi,
                        Some(_) => {
                            errs.push(ctx.err(
                            &format!("{path}.endPort"),
                            format!("must be greater than or equal to `port` ({lo}), got {e} (SEM-60)"),
                        ));
                            return None;
                        }
                        None => {
                            errs.push(ctx.err(
                                &format!("{path}.endPort"),
                                format!("must be between 1 and 65535, inclusive, got {e} (SEM-60)"),
                            ));
                            return None;
                        }
                    }
                }
            };
            PortRef::Range(lo, hi)
        }
        (Some(IntOrString::String(name)), end) => {
            if end.is_some() {
                errs.push(ctx.err(
                    &format!("{path}.endPort"),
                    "may not be specified when `port` is non-numeric (a named port); use a numeric port with endPort (SEM-60)",
                ));
                return None;
            }
            if let Err(m) = check_port_name(name) {
                errs.push(ctx.err(&format!("{path}.port"), m));
                return None;
            }
            PortRef::Named(name.clone())
        }
    };
    Some(PortSpec { protocol, port })
}
