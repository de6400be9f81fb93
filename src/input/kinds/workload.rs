//! Workloads (ReplicationController, Deployment, StatefulSet, ReplicaSet,
//! DaemonSet, Job, CronJob) into their pod templates, one model pod each.

use super::{namespace_of, typed};
use crate::input::error::LoadError;
use crate::input::loader::{ok_or, Ctx, Loader};
use crate::input::validate::{checked_labels, required_name, workload_selector};
use crate::model::{Pod, WorkloadRef};
use k8s_openapi::api::{apps::v1 as apps, batch::v1 as batch, core::v1 as core};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_yaml::Value;

/// Workloads without a pod template are refused by the API server; checked
/// before the apiVersion, for every apiVersion but `v1`.
pub(super) fn check_template(
    ctx: &Ctx,
    api: &str,
    kind: &str,
    v: &Value,
) -> Result<(), Vec<LoadError>> {
    let template_path: Option<&[&str]> = match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" => Some(&["spec", "template"]),
        "CronJob" => Some(&["spec", "jobTemplate", "spec", "template"]),
        _ => None,
    };
    if let Some(tp) = template_path.filter(|_| api != "v1") {
        let mut cur = Some(v);
        for k in tp {
            cur = cur.and_then(|c| c.get(*k));
        }
        if cur.is_none_or(|c| c.is_null()) {
            return Err(vec![ctx.err(
                &tp.join("."),
                "Required value: a workload needs a pod template (metadata.labels and spec.containers)",
            )]);
        }
    }
    Ok(())
}

impl Loader {
    /// A workload of a kind the caller matched with its apiVersion.
    pub(super) fn workload(
        &mut self,
        ctx: &Ctx,
        kind: &str,
        v: Value,
    ) -> Result<(), Vec<LoadError>> {
        match kind {
            "ReplicationController" => {
                let o = typed::<core::ReplicationController>(ctx, v)?;
                let s = o.spec.unwrap_or_default();
                self.template(ctx, kind, o.metadata, s.template, s.replicas.unwrap_or(1))
            }
            "Deployment" => {
                let o = typed::<apps::Deployment>(ctx, v)?;
                let s = o.spec;
                self.selector_of(ctx, &s.selector, Some(&s.template))?;
                self.template(
                    ctx,
                    kind,
                    o.metadata,
                    Some(s.template),
                    s.replicas.unwrap_or(1),
                )
            }
            "StatefulSet" => {
                let o = typed::<apps::StatefulSet>(ctx, v)?;
                let s = o.spec;
                self.selector_of(ctx, &s.selector, Some(&s.template))?;
                self.template(
                    ctx,
                    kind,
                    o.metadata,
                    Some(s.template),
                    s.replicas.unwrap_or(1),
                )
            }
            "ReplicaSet" => {
                let o = typed::<apps::ReplicaSet>(ctx, v)?;
                let s = o.spec;
                self.selector_of(ctx, &s.selector, s.template.as_ref())?;
                self.template(ctx, kind, o.metadata, s.template, s.replicas.unwrap_or(1))
            }
            // One pod per node; the node count is unknown, so one pod.
            "DaemonSet" => {
                let o = typed::<apps::DaemonSet>(ctx, v)?;
                let s = o.spec;
                self.selector_of(ctx, &s.selector, Some(&s.template))?;
                self.template(ctx, kind, o.metadata, Some(s.template), 1)
            }
            "Job" => {
                let o = typed::<batch::Job>(ctx, v)?;
                let s = o.spec.unwrap_or_default();
                self.template(
                    ctx,
                    kind,
                    o.metadata,
                    Some(s.template),
                    s.parallelism.unwrap_or(1),
                )
            }
            _ => {
                let o = typed::<batch::CronJob>(ctx, v)?;
                let t = o.spec.job_template.spec.map(|s| s.template);
                self.template(ctx, kind, o.metadata, t, 1)
            }
        }
    }

    /// The pod template of a workload, as one model pod with its replicas.
    fn template(
        &mut self,
        ctx: &Ctx,
        kind: &str,
        meta: ObjectMeta,
        template: Option<core::PodTemplateSpec>,
        replicas: i32,
    ) -> Result<(), Vec<LoadError>> {
        let name = required_name(ctx, &meta)?;
        let ns = namespace_of(&meta);
        self.claim(ctx, kind, &ns, &name)?;
        let replicas = u32::try_from(replicas).map_err(|_| {
            vec![ctx.err(
                "spec.replicas",
                format!("must be 0 or more, got {replicas}"),
            )]
        })?;
        let tpath = match kind {
            "CronJob" => "spec.jobTemplate.spec.template",
            _ => "spec.template",
        };
        let template = template.unwrap_or_default();
        let mut errs = Vec::new();
        let tmeta = template.metadata.unwrap_or_default();
        let exploitability = super::pod::exploitability(
            ctx,
            &format!("{tpath}.metadata.annotations"),
            tmeta.annotations.as_ref(),
            &mut errs,
        );
        let labels = checked_labels(
            ctx,
            &format!("{tpath}.metadata.labels"),
            tmeta.labels,
            &mut errs,
        );
        let spec = template.spec.unwrap_or_default();
        let ports = super::pod::container_ports(
            ctx,
            &format!("{tpath}.spec"),
            &super::lean::PodSpec::from(&spec),
            &mut errs,
            &mut self.cluster.warnings,
        );
        ok_or(errs)?;
        self.cluster.pods.push(Pod {
            namespace: ns.clone(),
            name: name.clone(),
            labels,
            ports,
            ips: Vec::new(),
            host_network: spec.host_network == Some(true) && !self.opts.host_network_as_pods,
            exploitability,
            replicas,
            workload: WorkloadRef {
                namespace: ns.clone(),
                name: name.clone(),
                kind: kind.to_string(),
            },
            origin: ctx.origin(),
        });
        let index = self.cluster.pods.len() - 1;
        let owner = super::controller_owner(&meta).filter(|(k, _)| !k.is_empty());
        self.owners.workload(kind, &ns, &name, owner, index);
        Ok(())
    }
}

impl Loader {
    /// [`workload_selector`], or under --compat np-guard a warning for a
    /// selector that does not match the template (np-guard reads such
    /// workloads; the API server refuses them).
    fn selector_of(
        &mut self,
        ctx: &Ctx,
        sel: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector,
        template: Option<&core::PodTemplateSpec>,
    ) -> Result<(), Vec<LoadError>> {
        match workload_selector(ctx, sel, template) {
            Err(errs) if self.opts.np_guard_quirks => {
                for e in errs {
                    self.cluster.warnings.push(format!(
                        "{e}; accepted because of --compat np-guard (the API server refuses it)"
                    ));
                }
                Ok(())
            }
            r => r,
        }
    }
}
