//! Namespaces into model namespaces, with the name label the API server
//! always sets (SEM-45).

use super::typed;
use crate::input::error::LoadError;
use crate::input::loader::{ok_or, Ctx, Loader};
use crate::input::validate::{checked_labels, required_name};
use crate::model::{Namespace, NS_NAME_LABEL};
use k8s_openapi::api::core::v1 as core;
use serde_yaml::Value;

impl Loader {
    pub(super) fn namespace(&mut self, ctx: &Ctx, v: Value) -> Result<(), Vec<LoadError>> {
        let o = typed::<core::Namespace>(ctx, v)?;
        let name = required_name(ctx, &o.metadata)?;
        let mut errs = Vec::new();
        let labels = checked_labels(ctx, "metadata.labels", o.metadata.labels, &mut errs);
        ok_or(errs)?;
        self.claim(ctx, "Namespace", "", &name)?;
        let mut labels = labels;
        if let Some(v) = labels.get(NS_NAME_LABEL) {
            if v != &name {
                self.cluster.warnings.push(format!(
                    "{}: namespace `{name}` sets {NS_NAME_LABEL}={v}; the API server always sets it to the name (SEM-45), so `{name}` is used",
                    ctx.origin()
                ));
            }
        }
        labels.insert(NS_NAME_LABEL.into(), name.clone());
        self.cluster.namespaces.push(Namespace {
            name,
            labels,
            declared: true,
            origin: Some(ctx.origin()),
        });
        Ok(())
    }

    /// A Node: its labels and addresses, for cluster policies' `nodes`
    /// peers (CNP-12).
    pub(super) fn node(&mut self, ctx: &Ctx, v: Value) -> Result<(), Vec<LoadError>> {
        let o = typed::<core::Node>(ctx, v)?;
        let name = required_name(ctx, &o.metadata)?;
        let mut errs = Vec::new();
        let labels = checked_labels(ctx, "metadata.labels", o.metadata.labels, &mut errs);
        ok_or(errs)?;
        self.claim(ctx, "Node", "", &name)?;
        let mut addrs: Vec<std::net::IpAddr> = o
            .status
            .and_then(|s| s.addresses)
            .into_iter()
            .flatten()
            .filter_map(|a| a.address.parse().ok())
            .collect();
        addrs.sort_unstable();
        addrs.dedup();
        self.cluster.nodes.push(crate::model::Node {
            name,
            labels,
            addrs,
            origin: ctx.origin(),
        });
        Ok(())
    }
}
