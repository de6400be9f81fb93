//! Input layer: reading sources, decoding documents, converting kinds,
//! validating like the API server. The only layer that knows k8s-openapi
//! and serde_yaml. Every error names the file, the document number and the
//! field path.

mod decode;
mod error;
mod json;
mod kinds;
mod loader;
mod owners;
mod rule_lines;
mod sources;
mod unknown_fields;
mod validate;
mod yaml;
mod yaml11;

pub use error::{
    available_memory, input_limit, LoadError, LoadErrors, Problem, SourceError, ValueError,
    MIN_INPUT_LIMIT,
};
pub use validate::parse_cidr;

use crate::model::Cluster;
use loader::Loader;
use std::path::PathBuf;

/// Options that change how input is read.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// SEM-55: accept CIDRs with host bits or leading zeros (normalised, with
    /// a warning) as older API servers did. Off: refuse, like current ones.
    pub lenient_cidr: bool,
    /// SEM-50: keep pods in phase Succeeded/Failed (np-guard does); by
    /// default they take no part and are listed as skipped.
    pub include_terminal_pods: bool,
    /// SEM-49: treat `hostNetwork` pods as ordinary pods (np-guard does). By
    /// default they behave as most plugins make them: not selected by any
    /// selector, never isolated, reachable and seen only by their IP.
    pub host_network_as_pods: bool,
    /// SEM-63: accept NetworkPolicy names that are not DNS subdomains
    /// (np-guard does), with a warning.
    pub lenient_names: bool,
    /// Refuse unknown fields in NetworkPolicies (a typo like `podSelecter`)
    /// instead of warning.
    pub strict: bool,
    /// List a pod whose ReplicaSet is absent under the ReplicaSet's name,
    /// not its Deployment's (np-guard does). See `owners` for the rules.
    pub keep_replicaset_names: bool,
    /// np-guard's readings where the API server differs (set only by
    /// `--compat np-guard`, each with a warning): a cluster policy's
    /// `NamespacedPod` without `podSelector` (or, in v1alpha1,
    /// `namespaceSelector`) is `{}` (CNP-13, CNP-A9); a workload whose
    /// selector does not match its template is read; IPv6 CIDRs of cluster
    /// policies' `networks` are dropped (np-guard is IPv4-only).
    pub np_guard_quirks: bool,
    /// Follow every symbolic link inside an input folder. Off: a link that
    /// leads outside the folder is skipped (and said so in a warning), since
    /// in CI the folder is a pull request's and `/etc/passwd` is not.
    pub follow_links: bool,
    /// Globs of paths below an input folder not to read (`--exclude`).
    pub exclude: Vec<String>,
}

impl LoadOptions {
    /// What np-guard netpol-analyzer does (`--compat np-guard`): terminal
    /// and hostNetwork pods are ordinary pods, policy names are not checked,
    /// ReplicaSets keep their names.
    pub fn np_guard() -> LoadOptions {
        LoadOptions {
            include_terminal_pods: true,
            host_network_as_pods: true,
            lenient_names: true,
            keep_replicaset_names: true,
            np_guard_quirks: true,
            ..LoadOptions::default()
        }
    }
}

/// Read every path (`-` is stdin, a folder is walked) and build the cluster.
/// Workloads expand into pod templates; NetworkPolicies are validated like
/// the API server does (SEM-54..63) and converted into the internal model.
pub fn load_paths(paths: &[PathBuf], opts: &LoadOptions) -> Result<Cluster, LoadErrors> {
    let mut loader = Loader::new(opts.clone());
    for p in paths {
        let notes = sources::source_excluding(p, opts.follow_links, &opts.exclude).read(
            &mut |name, source| match source {
                Ok(sources::Content::Text(t)) => loader.add_text(name, &t.text, t.json),
                Ok(sources::Content::LargeYaml(path)) => loader.add_large_yaml(name, &path),
                Err(e) => loader.source_error(name, e),
            },
        );
        loader.cluster.warnings.extend(notes);
    }
    loader.finish()
}

/// Load from in-memory YAML text (tests, fuzzing, benches).
pub fn load_str(name: &str, text: &str, opts: &LoadOptions) -> Result<Cluster, LoadErrors> {
    load_text(name, text, false, opts)
}

/// Load from in-memory text, JSON (a stream of values) or YAML.
pub fn load_text(
    name: &str,
    text: &str,
    json: bool,
    opts: &LoadOptions,
) -> Result<Cluster, LoadErrors> {
    let mut loader = Loader::new(opts.clone());
    loader.add_text(name, text, json);
    loader.finish()
}

/// The objects of a manifest text (`kind: List` items expanded), as plain
/// JSON values, unconverted: for tools that rewrite manifests, such as the
/// live-dump generator. Syntax errors refuse the text.
pub fn manifest_objects(
    name: &str,
    text: &str,
    json: bool,
) -> Result<Vec<serde_json::Value>, LoadErrors> {
    let docs = decode::decode(name, text, json).map_err(|e| LoadErrors(vec![*e]))?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for d in docs {
        for o in decode::expand(name, d) {
            // `decode` yields values only (the lean Pod path is `json`'s).
            let value = |o: decode::Object| match o.body {
                decode::Body::Value(v) => serde_json::to_value(v),
                decode::Body::Pod(_) => Ok(serde_json::Value::Null),
            };
            match o.map(value) {
                Ok(Ok(v)) => out.push(v),
                Ok(Err(e)) => errors.push(LoadError::doc(
                    name,
                    0,
                    Problem::Syntax {
                        format: "YAML",
                        detail: e.to_string(),
                    },
                )),
                Err(e) => errors.push(e),
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(LoadErrors(errors))
    }
}
