//! Bare Pods into model pods (owner, IPs, phase, hostNetwork); the container
//! ports and exploitability annotation shared with workload templates.

use super::{lean, typed};
use crate::input::error::LoadError;
use crate::input::loader::{ok_or, Ctx, Loader};
use crate::input::validate::{check_port_name, checked_labels, required_name_of};
use crate::model::ports::Protocol;
use crate::model::{ContainerPort, Pod, Skipped, WorkloadRef, EXPLOITABILITY_ANNOTATION};
use crate::util::text::{quoted, ticked};
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::net::IpAddr;

impl Loader {
    pub(super) fn pod(&mut self, ctx: &Ctx, v: Value) -> Result<(), Vec<LoadError>> {
        let o = typed::<lean::Pod>(ctx, v)?;
        self.lean_pod(ctx, o)
    }

    /// A Pod read into the lean types (from a YAML value, or straight from
    /// the JSON text of a list item).
    pub(super) fn lean_pod(&mut self, ctx: &Ctx, o: lean::Pod) -> Result<(), Vec<LoadError>> {
        let name = required_name_of(
            ctx,
            o.metadata.name.as_deref(),
            o.metadata.namespace.as_deref(),
        )?;
        let ns = o
            .metadata
            .namespace
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default".into());
        self.claim(ctx, "Pod", &ns, &name)?;
        // SEM-50: pods in a terminal phase take no part.
        let phase = o.status.as_ref().and_then(|s| s.phase.clone());
        if let Some(ph @ ("Succeeded" | "Failed")) = phase
            .as_deref()
            .filter(|_| !self.opts.include_terminal_pods)
        {
            self.cluster.skipped.push(Skipped {
                kind: "Pod".into(),
                api: "v1".into(),
                name: format!("{ns}/{name}"),
                reason: format!("phase {ph}: terminal pods take no part (SEM-50)"),
                origin: ctx.origin(),
                unevaluated_policy: false,
            });
            return Ok(());
        }
        // The direct owner; `Owners::resolve` follows the chain at the end.
        let owner = o
            .metadata
            .owner_references
            .iter()
            .flatten()
            .filter(|r| r.kind != "Node")
            .max_by_key(|r| r.controller == Some(true))
            .filter(|r| !r.name.is_empty())
            .map(|r| (r.kind.clone(), r.name.clone()));
        let workload = match &owner {
            // An owner reference without a kind: listed as a pod group.
            Some((k, n)) => WorkloadRef {
                namespace: ns.clone(),
                name: n.clone(),
                kind: if k.is_empty() {
                    "Pod".into()
                } else {
                    k.clone()
                },
            },
            None => WorkloadRef {
                namespace: ns.clone(),
                name: name.clone(),
                kind: "Pod".into(),
            },
        };
        let mut ips: Vec<IpAddr> = Vec::new();
        if let Some(st) = &o.status {
            let single = st
                .pod_ip
                .iter()
                .map(|s| ("status.podIP".to_string(), s.as_str()));
            let listed = st
                .pod_ips
                .iter()
                .flatten()
                .enumerate()
                .map(|(i, p)| (format!("status.podIPs[{i}].ip"), p.ip.as_str()));
            for (path, s) in single.chain(listed) {
                match s.parse::<IpAddr>() {
                    Ok(ip) if !ips.contains(&ip) => ips.push(ip),
                    Ok(_) => {}
                    Err(_) => {
                        return Err(vec![ctx.err(
                            &path,
                            format!(
                                "{} is not an IP address (e.g. 10.244.1.7 or fd00::7)",
                                ticked(s)
                            ),
                        )])
                    }
                }
            }
        }
        let mut errs = Vec::new();
        let exploitability = exploitability(
            ctx,
            "metadata.annotations",
            o.metadata.annotations.as_ref(),
            &mut errs,
        );
        let labels = checked_labels(ctx, "metadata.labels", o.metadata.labels, &mut errs);
        let spec = o.spec.unwrap_or_default();
        let host_network = spec.host_network == Some(true) && !self.opts.host_network_as_pods;
        let ports = container_ports(ctx, "spec", &spec, &mut errs, &mut self.cluster.warnings);
        ok_or(errs)?;
        self.cluster.pods.push(Pod {
            namespace: ns,
            name,
            labels,
            ports,
            ips,
            host_network,
            exploitability,
            replicas: 1,
            workload,
            origin: ctx.origin(),
        });
        let index = self.cluster.pods.len() - 1;
        self.owners
            .live_pod(index, owner.filter(|(k, _)| !k.is_empty()));
        Ok(())
    }
}

/// The `blastradius.io/exploitability` annotation: a probability in [0, 1].
pub(super) fn exploitability(
    ctx: &Ctx,
    path: &str,
    annotations: Option<&BTreeMap<String, String>>,
    errs: &mut Vec<LoadError>,
) -> Option<f64> {
    let key = EXPLOITABILITY_ANNOTATION;
    let v = annotations?.get(key)?;
    match v.trim().parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Some(p),
        _ => {
            errs.push(ctx.err(
                &format!("{path}.{key}"),
                format!(
                    "{} is not a probability: write a number from 0 to 1, e.g. \"0.4\"",
                    ticked(v)
                ),
            ));
            None
        }
    }
}

/// The ports a pod listens on: those of its containers and native sidecars.
pub(super) fn container_ports(
    ctx: &Ctx,
    base: &str,
    spec: &lean::PodSpec,
    errs: &mut Vec<LoadError>,
    warnings: &mut Vec<String>,
) -> Vec<ContainerPort> {
    let mut out = Vec::new();
    // Every container is validated; native sidecars (init containers that
    // keep running) can listen too, other init containers have exited.
    let inits = spec
        .init_containers
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, c)| {
            (
                format!("{base}.initContainers[{i}]"),
                c,
                c.restart_policy.as_deref() == Some("Always"),
            )
        });
    let mains = spec
        .containers
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("{base}.containers[{i}]"), c, true));
    for (cpath, c, listens) in mains.chain(inits) {
        let mut names = std::collections::HashSet::new();
        for (j, p) in c.ports.iter().flatten().enumerate() {
            let path = format!("{cpath}.ports[{j}]");
            let port = match u16::try_from(p.container_port) {
                Ok(n) if n >= 1 => n,
                _ => {
                    // The API server refuses this pod, but it says nothing
                    // about policies: drop the port and warn.
                    warnings.push(format!(
                        "{} ({}): {path}.containerPort: {} is not a port (1..65535); the API server would refuse this pod; the port is ignored",
                        ctx.origin(),
                        ctx.object,
                        p.container_port
                    ));
                    continue;
                }
            };
            // SetDefaults_ContainerPort: an empty protocol is TCP.
            let proto = p
                .protocol
                .as_deref()
                .filter(|s| !s.is_empty())
                .unwrap_or("TCP");
            let Some(protocol) = Protocol::parse(proto) else {
                errs.push(ctx.err(
                    &format!("{path}.protocol"),
                    format!(
                        "Unsupported value: {}: supported values: \"TCP\", \"UDP\", \"SCTP\"",
                        quoted(proto)
                    ),
                ));
                continue;
            };
            if let Some(n) = p.name.as_deref().filter(|n| !n.is_empty()) {
                if let Err(m) = check_port_name(n) {
                    errs.push(ctx.err(&format!("{path}.name"), m));
                } else if !names.insert(n) {
                    // validateContainerPorts: names are unique per container.
                    errs.push(ctx.err(
                        &format!("{path}.name"),
                        format!("Duplicate value: \"{n}\": two ports of a container cannot share a name"),
                    ));
                }
            }
            if listens {
                out.push(ContainerPort {
                    name: p.name.clone().filter(|n| !n.is_empty()),
                    port,
                    protocol,
                });
            }
        }
    }
    out
}
