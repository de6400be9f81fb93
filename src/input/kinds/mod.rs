//! Converting one decoded object: dispatch by apiVersion and kind, hints for
//! misspelt kinds and wrong apiVersions; other kinds are listed as skipped.

mod cluster_policy;
pub(super) mod lean;
mod namespace;
mod networkpolicy;
mod pod;
mod workload;

use crate::input::decode::{Body, Object};
use crate::input::error::LoadError;
use crate::input::loader::{Ctx, Loader};
use crate::model::{PolicyKind, Skipped};
use crate::util::text::{cut_quoted_spans, ticked};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// The kinds converted, with their apiVersion. A known group with a misspelt
/// kind would otherwise be skipped silently.
const KNOWN: [(&str, &str); 14] = [
    ("v1", "Namespace"),
    ("v1", "Node"),
    (cluster_policy::V1ALPHA1, "AdminNetworkPolicy"),
    (cluster_policy::V1ALPHA1, "BaselineAdminNetworkPolicy"),
    (cluster_policy::V1ALPHA2, "ClusterNetworkPolicy"),
    ("v1", "Pod"),
    ("v1", "ReplicationController"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "ReplicaSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
];

impl Loader {
    /// Convert one object into the model, or say why it is refused.
    pub(super) fn convert(&mut self, o: Object) -> Result<(), Vec<LoadError>> {
        let Object {
            origin,
            kind,
            api,
            name,
            body,
            lines,
        } = o;
        let mut ctx = Ctx::new(
            origin,
            if name.is_empty() {
                format!("{kind} without a name")
            } else {
                format!("{kind} {name}")
            },
        );
        ctx.lines = lines;
        if api.is_empty() {
            return Err(vec![ctx.err(
                "apiVersion",
                "Required value: every Kubernetes object needs apiVersion (e.g. `v1`, `apps/v1`, `networking.k8s.io/v1`)",
            )]);
        }
        if let Some((_, k)) = KNOWN
            .iter()
            .find(|(a, k)| *a == api && *k != kind && k.eq_ignore_ascii_case(&kind))
        {
            return Err(vec![ctx.err(
                "kind",
                format!(
                    "unknown kind \"{kind}\" in {api} (did you mean {k}? kinds are case-sensitive)"
                ),
            )]);
        }
        let v = match body {
            Body::Value(v) => v,
            Body::Pod(p) => return self.lean_pod(&ctx, *p),
        };
        workload::check_template(&ctx, &api, &kind, &v)?;
        match (api.as_str(), kind.as_str()) {
            ("v1", "Namespace") => self.namespace(&ctx, v),
            ("v1", "Pod") => self.pod(&ctx, v),
            ("v1", "ReplicationController")
            | ("apps/v1", "Deployment" | "StatefulSet" | "ReplicaSet" | "DaemonSet")
            | ("batch/v1", "Job" | "CronJob") => self.workload(&ctx, &kind, v),
            ("networking.k8s.io/v1", "NetworkPolicy") => self.network_policy(&ctx, v),
            ("v1", "Node") => self.node(&ctx, v),
            (cluster_policy::V1ALPHA1, "AdminNetworkPolicy") => {
                self.cluster_policy(&ctx, PolicyKind::AdminNetworkPolicy, v)
            }
            (cluster_policy::V1ALPHA1, "BaselineAdminNetworkPolicy") => {
                self.cluster_policy(&ctx, PolicyKind::BaselineAdminNetworkPolicy, v)
            }
            (cluster_policy::V1ALPHA2, "ClusterNetworkPolicy") => {
                self.cluster_policy(&ctx, PolicyKind::ClusterNetworkPolicy, v)
            }
            // A known kind in a Kubernetes group at another version; a kind
            // of the same name in another group (Calico's
            // projectcalico.org/v3 NetworkPolicy, Antrea's
            // ClusterNetworkPolicy) is another kind.
            (_, k) if KNOWN.iter().any(|(_, known)| *known == k) && kubernetes_group(&api) => {
                Err(vec![ctx.err(
                    "apiVersion",
                    format!(
                        "unsupported apiVersion {} for {kind}: use {}",
                        ticked(&api),
                        supported_api(&kind)
                    ),
                )])
            }
            _ => {
                let unevaluated_policy = unevaluated_policy(&api, &kind);
                self.cluster.skipped.push(Skipped {
                    kind: kind.clone(),
                    reason: if unevaluated_policy {
                        format!("a policy kind of {api} that is not evaluated: connections it blocks are shown as allowed")
                    } else {
                        "kind not used by NetworkPolicy analysis".into()
                    },
                    api,
                    name,
                    origin: ctx.origin(),
                    unevaluated_policy,
                });
                Ok(())
            }
        }
    }
}

/// Whether an apiVersion belongs to Kubernetes itself (the core group, a
/// group without a dot such as `apps` or `extensions`, or `*.k8s.io`),
/// not to a third party's custom resources.
fn kubernetes_group(api: &str) -> bool {
    match api.rsplit_once('/') {
        None => true,
        Some((group, _)) => !group.contains('.') || group.ends_with(".k8s.io"),
    }
}

/// Whether a skipped kind is a network policy of another implementation
/// (CiliumNetworkPolicy, Calico's projectcalico.org NetworkPolicy and
/// GlobalNetworkPolicy, Antrea's crd.antrea.io policies, Istio's
/// AuthorizationPolicy, …): any `*NetworkPolicy`, and any `*Policy` of a
/// third-party group. Kubernetes' own groups hold no other network policy
/// (PodSecurityPolicy, ValidatingAdmissionPolicy are admission), and
/// Kyverno's `Policy`/`ClusterPolicy` are admission rules, not traffic.
fn unevaluated_policy(api: &str, kind: &str) -> bool {
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    if group == "kyverno.io" || group.ends_with(".kyverno.io") {
        return false;
    }
    kind.ends_with("NetworkPolicy") || (kind.ends_with("Policy") && !kubernetes_group(api))
}

/// The apiVersion a converted kind is read in.
fn supported_api(kind: &str) -> &'static str {
    match kind {
        "NetworkPolicy" => "networking.k8s.io/v1",
        "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy" => cluster_policy::V1ALPHA1,
        "ClusterNetworkPolicy" => cluster_policy::V1ALPHA2,
        "Job" | "CronJob" => "batch/v1",
        "Namespace" | "Node" | "Pod" | "ReplicationController" => "v1",
        _ => "apps/v1",
    }
}

/// Deserialize into a k8s-openapi type, keeping the field path of type errors.
fn typed<T: serde::de::DeserializeOwned>(
    ctx: &Ctx,
    v: serde_yaml::Value,
) -> Result<T, Vec<LoadError>> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        type_error(
            ctx,
            TypeError {
                path: e.path().to_string(),
                message: cut_quoted_spans(&e.into_inner().to_string()).into_owned(),
            },
        )
    })
}

/// A value of the wrong type: where, and serde's words for it.
struct TypeError {
    /// `.`-separated field path (`spec.containers[0].ports`), `.` for the root.
    path: String,
    message: String,
}

/// A type error, located, with a hint for the commonest one.
fn type_error(ctx: &Ctx, e: TypeError) -> Vec<LoadError> {
    let TypeError { path, message } = e;
    let hint = if message.contains("invalid type: boolean") && message.contains("expected a string")
    {
        " (kubectl reads YAML 1.1: unquoted y, n, yes, no, on, off, true and false are booleans; quote the value, e.g. \"yes\", SEM-43)"
    } else if message.contains("expected a string") {
        " (label values and names are strings: quote values like \"true\" or \"8080\", SEM-43)"
    } else {
        ""
    };
    vec![ctx.err(
        if path == "." { "" } else { &path },
        format!("{message}{hint}"),
    )]
}

/// The controller owner (kind, name), else the first owner with a name.
fn controller_owner(m: &ObjectMeta) -> Option<(String, String)> {
    m.owner_references
        .iter()
        .flatten()
        .filter(|r| r.kind != "Node")
        .max_by_key(|r| r.controller == Some(true))
        .filter(|r| !r.name.is_empty())
        .map(|r| (r.kind.clone(), r.name.clone()))
}

fn namespace_of(m: &ObjectMeta) -> String {
    // SEM-46: no namespace means the client's current one, `default`.
    m.namespace
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "default".into())
}

#[cfg(test)]
mod tests {
    use crate::input::{load_str, LoadOptions};

    fn errors(yaml: &str) -> String {
        match load_str("t.yaml", yaml, &LoadOptions::default()) {
            Ok(_) => String::new(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn misspelt_kind_gets_a_hint() {
        let e = errors("apiVersion: v1\nkind: pod\nmetadata: {name: a}\n");
        assert_eq!(
            e,
            "error: t.yaml: document 1 (pod a): kind: unknown kind \"pod\" in v1 (did you mean Pod? kinds are case-sensitive)"
        );
    }

    #[test]
    fn wrong_api_version_names_the_right_one() {
        let e =
            errors("apiVersion: extensions/v1beta1\nkind: NetworkPolicy\nmetadata: {name: a}\n");
        assert!(
            e.ends_with("apiVersion: unsupported apiVersion `extensions/v1beta1` for NetworkPolicy: use networking.k8s.io/v1"),
            "{e}"
        );
        let e = errors("apiVersion: v1\nkind: Deployment\nmetadata: {name: a}\n");
        assert!(e.ends_with("for Deployment: use apps/v1"), "{e}");
    }

    #[test]
    fn dispatch_by_kind() {
        let c = load_str(
            "t.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: 'n'}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: 'n'}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: 'n'}\nspec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: []}}}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: 'n'}\nspec: {podSelector: {}}\n",
            &LoadOptions::default(),
        )
        .unwrap();
        assert_eq!(c.namespaces.iter().filter(|n| n.declared).count(), 1);
        assert_eq!(c.skipped.len(), 1);
        assert_eq!(c.skipped[0].kind, "ConfigMap");
        assert_eq!(c.pods.len(), 1);
        assert_eq!(c.pods[0].workload.kind, "Deployment");
        assert_eq!(c.policies.len(), 1);
    }
}
