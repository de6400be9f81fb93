//! Loading manifests: files, folders, stdin; multi-document YAML; `kind: List`.
//! Workloads expand into pod templates; NetworkPolicies are validated like the
//! API server does (SEM-54..63) and converted into the internal model.
//! Every error names the file, the document number and the field path.

use crate::model::ip::IpBlock;
use crate::model::ports::Protocol;
use crate::model::selector::{Labels, Requirement, Selector};
use crate::model::*;
use ipnet::IpNet;
use k8s_openapi::api::{
    apps::v1 as apps, batch::v1 as batch, core::v1 as core, networking::v1 as net,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io::Read;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

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
}

/// One refusal, with where it is and what would be valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub file: String,
    /// 1-based document number in the file, when known.
    pub doc: Option<usize>,
    /// `kind ns/name` of the object, when known.
    pub object: Option<String>,
    /// Field path inside the document, e.g. `spec.ingress[0].ports[1].endPort`.
    pub path: Option<String>,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(d) = self.doc {
            write!(f, ": document {d}")?;
        }
        if let Some(o) = &self.object {
            write!(f, " ({o})")?;
        }
        if let Some(p) = &self.path {
            write!(f, ": {p}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// All the errors found, in input order.
#[derive(Clone, Debug)]
pub struct LoadErrors(pub Vec<LoadError>);

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadErrors {}

/// Most errors reported from one input before giving up.
const MAX_ERRORS: usize = 50;

/// Largest input file (or stdin) read. YAML is parsed in memory: a 256 MiB
/// file needs a few times that at peak, which stays well inside a laptop.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Read every path (`-` is stdin) and build the cluster.
pub fn load_paths(paths: &[PathBuf], opts: &LoadOptions) -> Result<Cluster, LoadErrors> {
    let mut loader = Loader::new(opts.clone());
    for p in paths {
        if p.as_os_str() == "-" {
            let mut bytes = Vec::new();
            match std::io::stdin()
                .take(MAX_FILE_BYTES + 1)
                .read_to_end(&mut bytes)
            {
                Ok(n) if n as u64 > MAX_FILE_BYTES => loader.file_error("<stdin>", too_big()),
                Ok(_) => match String::from_utf8(bytes) {
                    Ok(text) => loader.add_text("<stdin>", &text, false),
                    Err(_) => loader.file_error("<stdin>", not_text()),
                },
                Err(e) => loader.file_error("<stdin>", format!("cannot read: {e}")),
            }
            continue;
        }
        let mut files = Vec::new();
        let mut errors = Vec::new();
        collect_files(p, &mut files, &mut HashSet::new(), true, &mut errors);
        for (f, e) in errors {
            loader.file_error(&f.display().to_string(), e);
        }
        for f in files {
            let name = f.display().to_string();
            if std::fs::metadata(&f).is_ok_and(|m| m.len() > MAX_FILE_BYTES) {
                loader.file_error(&name, too_big());
                continue;
            }
            match std::fs::read(&f) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => {
                        let json = f.extension().is_some_and(|e| e == "json");
                        loader.add_text(&name, &text, json)
                    }
                    Err(_) => loader.file_error(&name, not_text()),
                },
                Err(e) => loader.file_error(&name, format!("cannot read: {e}")),
            }
        }
    }
    loader.finish()
}

fn too_big() -> String {
    format!(
        "is larger than the {} MiB input limit; split it into several files",
        MAX_FILE_BYTES / (1024 * 1024)
    )
}

fn not_text() -> String {
    "is not UTF-8 text (binary data?); expected YAML or JSON manifests".into()
}

/// Load from in-memory text (tests, fuzzing, benches).
pub fn load_str(name: &str, text: &str, opts: &LoadOptions) -> Result<Cluster, LoadErrors> {
    let mut loader = Loader::new(opts.clone());
    loader.add_text(name, text, false);
    loader.finish()
}

fn is_manifest(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Walk a folder recursively (sorted, symlink loops cut); a file is taken as is.
fn collect_files(
    p: &Path,
    out: &mut Vec<PathBuf>,
    seen: &mut HashSet<PathBuf>,
    top: bool,
    errors: &mut Vec<(PathBuf, String)>,
) {
    let meta = match std::fs::metadata(p) {
        Ok(m) => m,
        Err(e) => {
            // Inside a folder, only manifests we would have read matter.
            if top || is_manifest(p) {
                errors.push((p.to_path_buf(), format!("cannot read: {e}")));
            }
            return;
        }
    };
    if meta.is_file() {
        if top || is_manifest(p) {
            out.push(p.to_path_buf());
        }
        return;
    }
    if !meta.is_dir() {
        if top {
            errors.push((p.to_path_buf(), "is neither a file nor a folder".into()));
        }
        return;
    }
    let canon = match std::fs::canonicalize(p) {
        Ok(c) => c,
        Err(e) => {
            errors.push((p.to_path_buf(), format!("cannot read: {e}")));
            return;
        }
    };
    if !seen.insert(canon) {
        return; // a symlink loop: this folder was walked already
    }
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(p) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            errors.push((p.to_path_buf(), format!("cannot read folder: {e}")));
            return;
        }
    };
    entries.sort();
    for e in entries {
        collect_files(&e, out, seen, false, errors);
    }
}

struct Loader {
    opts: LoadOptions,
    cluster: Cluster,
    errors: Vec<LoadError>,
    seen: BTreeMap<(String, String, String), String>,
    skipped_kinds: BTreeMap<String, usize>,
}

/// Where we are while converting one object.
struct Ctx<'a> {
    file: &'a str,
    doc: usize,
    item: Option<usize>,
    object: String,
}

impl Ctx<'_> {
    fn origin(&self) -> Origin {
        Origin {
            file: self.file.to_string(),
            doc: self.doc,
            item: self.item,
        }
    }

    fn path(&self, p: &str) -> String {
        match self.item {
            Some(i) => format!("items[{i}].{p}"),
            None => p.to_string(),
        }
    }

    fn err(&self, path: &str, msg: impl Into<String>) -> LoadError {
        LoadError {
            file: self.file.to_string(),
            doc: Some(self.doc),
            object: Some(self.object.clone()),
            path: Some(self.path(path)),
            message: msg.into(),
        }
    }
}

impl Loader {
    fn new(opts: LoadOptions) -> Loader {
        Loader {
            opts,
            cluster: Cluster::default(),
            errors: Vec::new(),
            seen: BTreeMap::new(),
            skipped_kinds: BTreeMap::new(),
        }
    }

    fn file_error(&mut self, file: &str, message: String) {
        self.errors.push(LoadError {
            file: file.to_string(),
            doc: None,
            object: None,
            path: None,
            message,
        });
    }

    fn add_text(&mut self, file: &str, text: &str, json: bool) {
        // A UTF-8 byte-order mark is not part of the YAML (kubectl skips it too).
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // Parse every document first: a syntax error anywhere refuses the whole
        // file rather than silently dropping the documents after it. JSON may
        // hold several values one after the other (as kubectl reads them).
        let (format, parsed): (&str, Vec<Result<serde_yaml::Value, String>>) = if json {
            let stream = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
            let values = stream.map(|v| {
                v.map_err(|e| e.to_string())
                    .and_then(|v| serde_yaml::to_value(v).map_err(|e| e.to_string()))
            });
            ("JSON", until_error(values))
        } else {
            let values = serde_yaml::Deserializer::from_str(text)
                .map(|de| serde_yaml::Value::deserialize(de).map_err(|e| e.to_string()));
            ("YAML", until_error(values))
        };
        let mut docs = Vec::with_capacity(parsed.len());
        for (i, v) in parsed.into_iter().enumerate() {
            match v {
                Ok(v) => docs.push(v),
                Err(e) => {
                    self.errors.push(doc_error(
                        file,
                        i + 1,
                        format!("invalid {format}: {e}; nothing from this file was used"),
                    ));
                    return;
                }
            }
        }
        for (i, v) in docs.into_iter().enumerate() {
            self.add_doc(file, i + 1, None, v);
            if self.errors.len() >= MAX_ERRORS {
                return;
            }
        }
    }

    fn add_doc(&mut self, file: &str, doc: usize, item: Option<usize>, v: serde_yaml::Value) {
        let v = match v {
            serde_yaml::Value::Null => return, // empty document
            serde_yaml::Value::Tagged(t) => t.value,
            v => v,
        };
        let serde_yaml::Value::Mapping(map) = &v else {
            let mut e = doc_error(
                file,
                doc,
                "expected a Kubernetes object (a mapping with apiVersion, kind and metadata)"
                    .into(),
            );
            e.path = item.map(|i| format!("items[{i}]"));
            self.errors.push(e);
            return;
        };
        let kind = map.get("kind").and_then(|k| k.as_str()).map(str::to_string);
        let api = map
            .get("apiVersion")
            .and_then(|k| k.as_str())
            .unwrap_or("")
            .to_string();
        let Some(kind) = kind else {
            let mut e = doc_error(
                file,
                doc,
                "missing `kind`: every Kubernetes object needs apiVersion and kind".into(),
            );
            e.path = Some(item.map_or("kind".into(), |i| format!("items[{i}].kind")));
            self.errors.push(e);
            return;
        };
        if kind.ends_with("List") && map.contains_key("items") {
            match map.get("items") {
                Some(serde_yaml::Value::Sequence(items)) => {
                    // Items of a typed list (`PodList`) may omit kind and
                    // apiVersion: they are implied by the list.
                    let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
                    for (i, it) in items.iter().enumerate() {
                        let mut it = it.clone();
                        if let (Some(k), serde_yaml::Value::Mapping(m)) = (item_kind, &mut it) {
                            if !m.contains_key("kind") {
                                m.insert("kind".into(), k.into());
                            }
                            if !m.contains_key("apiVersion") && !api.is_empty() {
                                m.insert("apiVersion".into(), api.as_str().into());
                            }
                        }
                        self.add_doc(file, doc, Some(i), it);
                    }
                }
                Some(serde_yaml::Value::Null) | None => {}
                Some(_) => self.errors.push(LoadError {
                    file: file.into(),
                    doc: Some(doc),
                    object: Some(kind.clone()),
                    path: Some("items".into()),
                    message: "must be a list of objects".into(),
                }),
            }
            return;
        }
        let name = map
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(|n| n.as_str())
            .unwrap_or("")
            .to_string();
        let ctx = Ctx {
            file,
            doc,
            item,
            object: if name.is_empty() {
                format!("{kind} without a name")
            } else {
                format!("{kind} {name}")
            },
        };
        if api.is_empty() {
            self.errors.push(ctx.err(
                "apiVersion",
                "Required value: every Kubernetes object needs apiVersion (e.g. `v1`, `apps/v1`, `networking.k8s.io/v1`)",
            ));
            return;
        }
        // A known group with a misspelt kind would otherwise be skipped silently.
        const KNOWN: [(&str, &str); 10] = [
            ("v1", "Namespace"),
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
        if let Some((_, k)) = KNOWN
            .iter()
            .find(|(a, k)| *a == api && *k != kind && k.eq_ignore_ascii_case(&kind))
        {
            self.errors.push(ctx.err(
                "kind",
                format!(
                    "unknown kind \"{kind}\" in {api} (did you mean {k}? kinds are case-sensitive)"
                ),
            ));
            return;
        }
        // Workloads without a pod template are refused by the API server.
        let template_path: Option<&[&str]> = match kind.as_str() {
            "Deployment" | "StatefulSet" | "DaemonSet" | "Job" => Some(&["spec", "template"]),
            "CronJob" => Some(&["spec", "jobTemplate", "spec", "template"]),
            _ => None,
        };
        if let Some(tp) = template_path.filter(|_| api != "v1") {
            let mut cur = Some(&v);
            for k in tp {
                cur = cur.and_then(|c| c.get(*k));
            }
            if cur.is_none_or(|c| c.is_null()) {
                self.errors.push(ctx.err(
                    &tp.join("."),
                    "Required value: a workload needs a pod template (metadata.labels and spec.containers)",
                ));
                return;
            }
        }
        let r = match (api.as_str(), kind.as_str()) {
            ("v1", "Namespace") => {
                typed::<core::Namespace>(&ctx, v).and_then(|o| self.namespace(&ctx, o))
            }
            ("v1", "Pod") => typed::<core::Pod>(&ctx, v).and_then(|o| self.pod(&ctx, o)),
            ("v1", "ReplicationController") => typed::<core::ReplicationController>(&ctx, v)
                .and_then(|o| {
                    let s = o.spec.unwrap_or_default();
                    self.workload(&ctx, &kind, o.metadata, s.template, s.replicas.unwrap_or(1))
                }),
            ("apps/v1", "Deployment") => typed::<apps::Deployment>(&ctx, v).and_then(|o| {
                let s = o.spec;
                workload_selector(&ctx, &s.selector, Some(&s.template))?;
                self.workload(
                    &ctx,
                    &kind,
                    o.metadata,
                    Some(s.template),
                    s.replicas.unwrap_or(1),
                )
            }),
            ("apps/v1", "StatefulSet") => typed::<apps::StatefulSet>(&ctx, v).and_then(|o| {
                let s = o.spec;
                workload_selector(&ctx, &s.selector, Some(&s.template))?;
                self.workload(
                    &ctx,
                    &kind,
                    o.metadata,
                    Some(s.template),
                    s.replicas.unwrap_or(1),
                )
            }),
            ("apps/v1", "ReplicaSet") => typed::<apps::ReplicaSet>(&ctx, v).and_then(|o| {
                let s = o.spec;
                workload_selector(&ctx, &s.selector, s.template.as_ref())?;
                self.workload(&ctx, &kind, o.metadata, s.template, s.replicas.unwrap_or(1))
            }),
            // One pod per node; the node count is unknown, so one pod.
            ("apps/v1", "DaemonSet") => typed::<apps::DaemonSet>(&ctx, v).and_then(|o| {
                let s = o.spec;
                workload_selector(&ctx, &s.selector, Some(&s.template))?;
                self.workload(&ctx, &kind, o.metadata, Some(s.template), 1)
            }),
            ("batch/v1", "Job") => typed::<batch::Job>(&ctx, v).and_then(|o| {
                let s = o.spec.unwrap_or_default();
                self.workload(
                    &ctx,
                    &kind,
                    o.metadata,
                    Some(s.template),
                    s.parallelism.unwrap_or(1),
                )
            }),
            ("batch/v1", "CronJob") => typed::<batch::CronJob>(&ctx, v).and_then(|o| {
                let t = o.spec.job_template.spec.map(|s| s.template);
                self.workload(&ctx, &kind, o.metadata, t, 1)
            }),
            ("networking.k8s.io/v1", "NetworkPolicy") => {
                let unknown = fields::unknown_in_policy(&v);
                if !unknown.is_empty() {
                    let mut errs = Vec::new();
                    for u in unknown {
                        let msg = format!("unknown field `{}`{}", u.key, u.hint());
                        if self.opts.strict {
                            errs.push(
                                ctx.err(&u.path, format!("{msg} (refused because of --strict)")),
                            );
                        } else {
                            self.cluster.warnings.push(format!(
                                "{} ({}): {}: {msg}; it is ignored, as the API server drops unknown fields (--strict refuses it)",
                                ctx.origin(),
                                ctx.object,
                                ctx.path(&u.path)
                            ));
                        }
                    }
                    if !errs.is_empty() {
                        self.errors.extend(errs);
                        return;
                    }
                }
                typed::<net::NetworkPolicy>(&ctx, v).and_then(|o| self.policy(&ctx, o))
            }
            (
                _,
                "Namespace"
                | "Pod"
                | "ReplicationController"
                | "Deployment"
                | "StatefulSet"
                | "ReplicaSet"
                | "DaemonSet"
                | "Job"
                | "CronJob"
                | "NetworkPolicy",
            ) => Err(vec![ctx.err(
                "apiVersion",
                format!(
                    "unsupported apiVersion `{api}` for {kind}: use {}",
                    match kind.as_str() {
                        "NetworkPolicy" => "networking.k8s.io/v1",
                        "Job" | "CronJob" => "batch/v1",
                        "Namespace" | "Pod" | "ReplicationController" => "v1",
                        _ => "apps/v1",
                    }
                ),
            )]),
            _ => {
                *self.skipped_kinds.entry(kind.clone()).or_default() += 1;
                self.cluster.skipped.push(Skipped {
                    kind: kind.clone(),
                    name,
                    reason: "kind not used by NetworkPolicy analysis".into(),
                    origin: ctx.origin(),
                });
                Ok(())
            }
        };
        if let Err(es) = r {
            self.errors.extend(es);
        }
    }

    fn finish(mut self) -> Result<Cluster, LoadErrors> {
        if !self.errors.is_empty() {
            self.errors.truncate(MAX_ERRORS);
            return Err(LoadErrors(self.errors));
        }
        if self.cluster.pods.is_empty()
            && self.cluster.policies.is_empty()
            && self.cluster.namespaces.is_empty()
        {
            self.cluster.warnings.push(if self.cluster.skipped.is_empty() {
                "no Kubernetes objects found in the input".to_string()
            } else {
                format!(
                    "no pods, workloads, namespaces or NetworkPolicies in the input (only {} other objects)",
                    self.cluster.skipped.len()
                )
            });
        }
        self.cluster.finish();
        Ok(self.cluster)
    }

    /// Refuse a second object with the same kind, namespace and name (SEM-11).
    fn claim(&mut self, ctx: &Ctx, kind: &str, ns: &str, name: &str) -> Result<(), Vec<LoadError>> {
        let key = (kind.to_string(), ns.to_string(), name.to_string());
        let here = ctx.origin().to_string();
        if let Some(first) = self.seen.get(&key) {
            let what = if ns.is_empty() {
                format!("{kind} \"{name}\"")
            } else {
                format!("{kind} \"{ns}/{name}\"")
            };
            return Err(vec![ctx.err(
                "metadata.name",
                format!(
                    "duplicate object: {what} is already defined at {first}; an object is identified by kind, namespace and name, so remove or rename one of them"
                ),
            )]);
        }
        self.seen.insert(key, here);
        Ok(())
    }

    fn namespace(&mut self, ctx: &Ctx, o: core::Namespace) -> Result<(), Vec<LoadError>> {
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
        });
        Ok(())
    }

    fn pod(&mut self, ctx: &Ctx, o: core::Pod) -> Result<(), Vec<LoadError>> {
        let name = required_name(ctx, &o.metadata)?;
        let ns = namespace_of(&o.metadata);
        self.claim(ctx, "Pod", &ns, &name)?;
        // SEM-50: pods in a terminal phase take no part.
        let phase = o.status.as_ref().and_then(|s| s.phase.clone());
        if let Some(ph @ ("Succeeded" | "Failed")) = phase
            .as_deref()
            .filter(|_| !self.opts.include_terminal_pods)
        {
            self.cluster.skipped.push(Skipped {
                kind: "Pod".into(),
                name: format!("{ns}/{name}"),
                reason: format!("phase {ph}: terminal pods take no part (SEM-50)"),
                origin: ctx.origin(),
            });
            return Ok(());
        }
        let owner = o
            .metadata
            .owner_references
            .iter()
            .flatten()
            .filter(|r| r.kind != "Node")
            .max_by_key(|r| r.controller == Some(true))
            .filter(|r| !r.name.is_empty())
            .map(|r| WorkloadRef {
                namespace: ns.clone(),
                name: r.name.clone(),
                // An owner reference without a kind: listed as a pod group.
                kind: if r.kind.is_empty() {
                    "Pod".into()
                } else {
                    r.kind.clone()
                },
            })
            .unwrap_or_else(|| WorkloadRef {
                namespace: ns.clone(),
                name: name.clone(),
                kind: "Pod".into(),
            });
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
                            format!("`{s}` is not an IP address (e.g. 10.244.1.7 or fd00::7)"),
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
            workload: owner,
            origin: ctx.origin(),
        });
        Ok(())
    }

    fn workload(
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
        let exploitability = exploitability(
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
        let ports = container_ports(
            ctx,
            &format!("{tpath}.spec"),
            &spec,
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
                namespace: ns,
                name,
                kind: kind.to_string(),
            },
            origin: ctx.origin(),
        });
        Ok(())
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
                            format!("Unsupported value: \"{other}\": supported values: \"Ingress\", \"Egress\" (exact case)"),
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
        self.cluster.policies.push(Policy::network_policy(
            ns,
            name,
            pod_selector,
            has_in.then_some(ingress),
            has_eg.then_some(egress),
            ctx.origin(),
        ));
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
            peers: (!out_peers.is_empty()).then_some(out_peers),
            ports: (!out_ports.is_empty()).then_some(out_ports),
            action: crate::model::Action::Allow,
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

/// The items up to and including the first error: a parser may not recover
/// after one, so nothing after it is read.
fn until_error<T, E>(it: impl Iterator<Item = Result<T, E>>) -> Vec<Result<T, E>> {
    let mut out = Vec::new();
    for v in it {
        let stop = v.is_err();
        out.push(v);
        if stop {
            break;
        }
    }
    out
}

fn doc_error(file: &str, doc: usize, message: String) -> LoadError {
    LoadError {
        file: file.into(),
        doc: Some(doc),
        object: None,
        path: None,
        message,
    }
}

fn ok_or(errs: Vec<LoadError>) -> Result<(), Vec<LoadError>> {
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs)
    }
}

/// Deserialize into a k8s-openapi type, keeping the field path of type errors.
fn typed<T: serde::de::DeserializeOwned>(
    ctx: &Ctx,
    v: serde_yaml::Value,
) -> Result<T, Vec<LoadError>> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let hint = if inner.contains("expected a string") {
            " (label values and names are strings: quote values like \"true\" or \"8080\", SEM-43)"
        } else {
            ""
        };
        vec![ctx.err(
            if path == "." { "" } else { &path },
            format!("{inner}{hint}"),
        )]
    })
}

/// apps/v1 workloads: the selector must be set and select the template's
/// labels, or the API server refuses the object.
fn workload_selector(
    ctx: &Ctx,
    sel: &LabelSelector,
    template: Option<&core::PodTemplateSpec>,
) -> Result<(), Vec<LoadError>> {
    let mut errs = Vec::new();
    let compiled = selector(ctx, "spec.selector", sel, &mut errs);
    ok_or(errs)?;
    if compiled.is_empty() {
        return Err(vec![ctx.err(
            "spec.selector",
            "Required value: an apps/v1 workload needs a non-empty selector that matches its template labels",
        )]);
    }
    let labels = template
        .and_then(|t| t.metadata.as_ref())
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    if !compiled.matches(&labels) {
        return Err(vec![ctx.err(
            "spec.template.metadata.labels",
            format!("Invalid value: `selector` ({compiled}) does not match template `labels`: add the selector's labels to the pod template"),
        )]);
    }
    Ok(())
}

fn namespace_of(m: &ObjectMeta) -> String {
    // SEM-46: no namespace means the client's current one, `default`.
    m.namespace
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "default".into())
}

fn required_name(ctx: &Ctx, m: &ObjectMeta) -> Result<String, Vec<LoadError>> {
    let name = match m.name.as_deref() {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => {
            return Err(vec![ctx.err(
                "metadata.name",
                "Required value: every object needs metadata.name (generateName is not supported in manifests read offline)",
            )])
        }
    };
    let mut errs = Vec::new();
    // Namespaces are DNS labels; other objects DNS subdomains (SEM-63).
    // NetworkPolicy names are checked in `policy` (they have --lenient-names).
    if ctx.object.starts_with("Namespace ") {
        if let Err(m) = check_dns_label(&name) {
            errs.push(ctx.err("metadata.name", m));
        }
    } else if !ctx.object.starts_with("NetworkPolicy ") {
        if let Err(m) = check_dns_subdomain(&name) {
            errs.push(ctx.err("metadata.name", m));
        }
    }
    if let Some(ns) = m.namespace.as_deref().filter(|n| !n.is_empty()) {
        if let Err(m) = check_dns_label(ns) {
            errs.push(ctx.err("metadata.namespace", m));
        }
    }
    ok_or(errs)?;
    Ok(name)
}

/// A lower-case RFC 1123 label: at most 63 characters (namespace names).
fn check_dns_label(s: &str) -> Result<(), String> {
    let ok = !s.is_empty() && s.len() <= 63 && !s.contains('.') && check_dns_subdomain(s).is_ok();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "Invalid value: \"{s}\": a namespace name must be a lowercase RFC 1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters (e.g. 'prod')"
        ))
    }
}

/// The `blastradius.io/exploitability` annotation: a probability in [0, 1].
fn exploitability(
    ctx: &Ctx,
    path: &str,
    annotations: Option<&BTreeMap<String, String>>,
    errs: &mut Vec<LoadError>,
) -> Option<f64> {
    let key = crate::attack::montecarlo::EXPLOITABILITY_ANNOTATION;
    let v = annotations?.get(key)?;
    match v.trim().parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Some(p),
        _ => {
            errs.push(ctx.err(
                &format!("{path}.{key}"),
                format!("`{v}` is not a probability: write a number from 0 to 1, e.g. \"0.4\""),
            ));
            None
        }
    }
}

fn checked_labels(
    ctx: &Ctx,
    path: &str,
    labels: Option<BTreeMap<String, String>>,
    errs: &mut Vec<LoadError>,
) -> Labels {
    let labels = labels.unwrap_or_default();
    for (k, v) in &labels {
        if let Err(m) = check_label_key(k) {
            errs.push(ctx.err(&format!("{path}.{k}"), m));
        }
        if let Err(m) = check_label_value(v) {
            errs.push(ctx.err(&format!("{path}.{k}"), m));
        }
    }
    labels
}

fn container_ports(
    ctx: &Ctx,
    base: &str,
    spec: &core::PodSpec,
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
            let proto = p.protocol.as_deref().unwrap_or("TCP");
            let Some(protocol) = Protocol::parse(proto) else {
                errs.push(ctx.err(
                    &format!("{path}.protocol"),
                    format!("Unsupported value: \"{proto}\": supported values: \"TCP\", \"UDP\", \"SCTP\""),
                ));
                continue;
            };
            if let Some(n) = &p.name {
                if let Err(m) = check_port_name(n) {
                    errs.push(ctx.err(&format!("{path}.name"), m));
                }
            }
            if listens {
                out.push(ContainerPort {
                    name: p.name.clone(),
                    port,
                    protocol,
                });
            }
        }
    }
    out
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
            format!("Unsupported value: \"{proto}\": supported values: \"TCP\", \"UDP\", \"SCTP\" (exact case, SEM-58)"),
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

fn selector(ctx: &Ctx, path: &str, s: &LabelSelector, errs: &mut Vec<LoadError>) -> Selector {
    let mut out = Selector::default();
    for (k, v) in s.match_labels.iter().flatten() {
        if let Err(m) = check_label_key(k) {
            errs.push(ctx.err(&format!("{path}.matchLabels.{k}"), m));
        }
        if let Err(m) = check_label_value(v) {
            errs.push(ctx.err(&format!("{path}.matchLabels.{k}"), m));
        }
        out.match_labels.insert(k.clone(), v.clone());
    }
    for (i, e) in s.match_expressions.iter().flatten().enumerate() {
        let p = format!("{path}.matchExpressions[{i}]");
        if let Err(m) = check_label_key(&e.key) {
            errs.push(ctx.err(&format!("{p}.key"), m));
        }
        let values = e.values.clone().unwrap_or_default();
        for (j, v) in values.iter().enumerate() {
            if let Err(m) = check_label_value(v) {
                errs.push(ctx.err(&format!("{p}.values[{j}]"), m));
            }
        }
        // SEM-41, SEM-42.
        let req = match e.operator.as_str() {
            "In" | "NotIn" if values.is_empty() => {
                errs.push(ctx.err(
                    &format!("{p}.values"),
                    "Required value: must be specified when `operator` is 'In' or 'NotIn' (SEM-42)",
                ));
                continue;
            }
            "Exists" | "DoesNotExist" if !values.is_empty() => {
                errs.push(ctx.err(
                    &format!("{p}.values"),
                    "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist' (SEM-42)",
                ));
                continue;
            }
            "In" => Requirement::In(e.key.clone(), values),
            "NotIn" => Requirement::NotIn(e.key.clone(), values),
            "Exists" => Requirement::Exists(e.key.clone()),
            "DoesNotExist" => Requirement::DoesNotExist(e.key.clone()),
            other => {
                errs.push(ctx.err(
                    &format!("{p}.operator"),
                    format!("Unsupported value: \"{other}\": supported values: \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\" (SEM-41)"),
                ));
                continue;
            }
        };
        out.requirements.push(req);
    }
    out
}

// ---- syntax checks (apimachinery's validation, SEM-42, SEM-59, SEM-63) ----

fn is_alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// `(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?`, at most 63 characters.
fn check_label_value(v: &str) -> Result<(), String> {
    let ok = v.len() <= 63
        && (v.is_empty()
            || (v.starts_with(is_alnum)
                && v.ends_with(is_alnum)
                && v.chars().all(|c| is_alnum(c) || "-_.".contains(c))));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "Invalid value: \"{v}\": a label value must be at most 63 characters, empty or begin and end with a letter or digit, with only letters, digits, '-', '_' or '.' in between (SEM-42)"
        ))
    }
}

/// A qualified name: optional DNS-subdomain prefix and `/`, then a name part.
fn check_label_key(k: &str) -> Result<(), String> {
    let (prefix, name) = match k.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(is_alnum)
        && name.ends_with(is_alnum)
        && name.chars().all(|c| is_alnum(c) || "-_.".contains(c));
    let prefix_ok = prefix.is_none_or(|p| check_dns_subdomain(p).is_ok());
    if name_ok && prefix_ok {
        Ok(())
    } else {
        Err(format!(
            "Invalid value: \"{k}\": a label key is an optional DNS-subdomain prefix and '/', then a name of at most 63 characters that begins and ends with a letter or digit, with only letters, digits, '-', '_' or '.' in between (SEM-42)"
        ))
    }
}

/// Lower-case RFC 1123 subdomain, at most 253 characters (SEM-63).
fn check_dns_subdomain(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && label.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "Invalid value: \"{s}\": must be a lowercase RFC 1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters (e.g. 'allow-web') (SEM-63)"
        ))
    }
}

/// IANA_SVC_NAME (SEM-59).
fn check_port_name(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 15
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && s.chars().any(|c| c.is_ascii_lowercase())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "Invalid value: \"{s}\": a port name is at most 15 characters of a-z, 0-9 and '-', with at least one letter, no leading, trailing or double '-'; a number must be written unquoted, 1..65535 (SEM-59)"
        ))
    }
}

/// Parse a CIDR like the API server (SEM-54, SEM-55). Returns the network and,
/// in lenient mode, a warning when it had to be normalised.
pub fn parse_cidr(s: &str, lenient: bool) -> Result<(IpNet, Option<String>), String> {
    let invalid = || {
        format!("Invalid value: \"{s}\": must be a valid CIDR value (e.g. 10.0.0.0/16 or fd00::/8) (SEM-54)")
    };
    let (addr, prefix) = s.split_once('/').ok_or_else(invalid)?;
    if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_digit()) || prefix.len() > 3 {
        return Err(invalid());
    }
    let prefix_zeros = prefix.len() > 1 && prefix.starts_with('0');
    let prefix: u8 = prefix.parse().map_err(|_| invalid())?;
    let (ip, addr_zeros) = match addr.parse::<IpAddr>() {
        Ok(ip) => (ip, false),
        Err(_) => (parse_v4_leading_zeros(addr).ok_or_else(invalid)?, true),
    };
    let leading_zeros = addr_zeros || prefix_zeros;
    // An IPv4-mapped IPv6 block (::ffff:a.b.c.d/n) names IPv4 addresses;
    // current API servers refuse it, older ones matched it as IPv4.
    let mapped = match ip {
        IpAddr::V6(v6) if prefix >= 96 => v6.to_ipv4_mapped().map(|v4| (v4, prefix - 96)),
        _ => None,
    };
    if let Some((v4, p4)) = mapped {
        let net = IpNet::new(IpAddr::V4(v4), p4)
            .map_err(|_| invalid())?
            .trunc();
        return if lenient {
            Ok((
                net,
                Some(format!(
                    "`{s}` is an IPv4-mapped IPv6 address; evaluated as {net} (accepted because of --lenient-cidr, SEM-55)"
                )),
            ))
        } else {
            Err(format!(
                "Invalid value: \"{s}\": must be a valid CIDR value: it must not have an IPv4-mapped IPv6 address; write {net} (SEM-54, SEM-55)"
            ))
        };
    }
    let net = IpNet::new(ip, prefix).map_err(|_| invalid())?;
    let masked = net.trunc();
    let host_bits = masked != net;
    if !host_bits && !leading_zeros {
        return Ok((net, None));
    }
    let what = if leading_zeros {
        "has leading zeros"
    } else {
        "has host bits set"
    };
    if lenient {
        Ok((
            masked,
            Some(format!(
                "`{s}` {what}; evaluated as {masked} (accepted because of --lenient-cidr, SEM-55)"
            )),
        ))
    } else {
        Err(format!(
            "Invalid value: \"{s}\": must be a valid CIDR value: it {what}; write {masked} (current API servers refuse it; --lenient-cidr accepts and normalises it, SEM-55)"
        ))
    }
}

fn parse_v4_leading_zeros(s: &str) -> Option<IpAddr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut oct = [0u8; 4];
    for (o, p) in oct.iter_mut().zip(&parts) {
        if p.is_empty() || p.len() > 3 || !p.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        *o = p.parse().ok()?;
    }
    Some(IpAddr::from(oct))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sem55_host_bits_strict_and_lenient() {
        assert!(parse_cidr("10.1.2.3/8", false).is_err());
        let (n, w) = parse_cidr("10.1.2.3/8", true).unwrap();
        assert_eq!(n.to_string(), "10.0.0.0/8");
        assert!(w.is_some());
        let (n, _) = parse_cidr("010.0.0.0/8", true).unwrap();
        assert_eq!(n.to_string(), "10.0.0.0/8");
        assert!(parse_cidr("010.0.0.0/8", false).is_err());
        assert!(parse_cidr("10.0.0.0/08", false).is_err());
        assert_eq!(
            parse_cidr("10.0.0.0/08", true).unwrap().0.to_string(),
            "10.0.0.0/8"
        );
        assert!(parse_cidr("::ffff:10.0.0.0/104", false).is_err());
        assert_eq!(
            parse_cidr("::ffff:10.0.0.0/104", true)
                .unwrap()
                .0
                .to_string(),
            "10.0.0.0/8"
        );
    }

    #[test]
    fn sem54_bad_cidrs() {
        for s in ["10.0.0.1", "10.0.0.0/33", "garbage", "10.0.0.0/", "::/129"] {
            assert!(parse_cidr(s, true).is_err(), "{s}");
        }
        assert!(parse_cidr("fd00::/8", false).is_ok());
    }

    #[test]
    fn sem59_port_names() {
        assert!(check_port_name("http").is_ok());
        assert!(check_port_name("serve-80-tcp").is_ok());
        for bad in ["80", "HTTP", "-a", "a-", "a--b", "abcdefghijklmnop", ""] {
            assert!(check_port_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sem42_label_syntax() {
        assert!(check_label_key("kubernetes.io/metadata.name").is_ok());
        assert!(check_label_key("app").is_ok());
        assert!(check_label_key("-app").is_err());
        assert!(check_label_key("Bad_Prefix/app").is_err());
        assert!(check_label_value("").is_ok());
        assert!(check_label_value("web server").is_err());
    }
}

/// Unknown-field detection for NetworkPolicies: the API server silently
/// drops unknown fields, so a typo like `podSelecter` quietly selects every
/// pod. Field names follow networking.k8s.io/v1.
mod fields {
    use serde_yaml::Value;

    pub struct Unknown {
        pub path: String,
        pub key: String,
        pub suggestion: Option<&'static str>,
    }

    impl Unknown {
        pub fn hint(&self) -> String {
            self.suggestion
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default()
        }
    }

    const TOP: &[&str] = &["apiVersion", "kind", "metadata", "spec", "status"];
    const SPEC: &[&str] = &["podSelector", "policyTypes", "ingress", "egress"];
    const PEER: &[&str] = &["podSelector", "namespaceSelector", "ipBlock"];
    const IPBLOCK: &[&str] = &["cidr", "except"];
    const PORT: &[&str] = &["protocol", "port", "endPort"];
    const SELECTOR: &[&str] = &["matchLabels", "matchExpressions"];
    const EXPR: &[&str] = &["key", "operator", "values"];

    fn distance(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.to_lowercase().chars().collect();
        let b: Vec<char> = b.to_lowercase().chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.iter().enumerate() {
            let mut cur = vec![i + 1; b.len() + 1];
            for (j, cb) in b.iter().enumerate() {
                let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
                let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
                let ins = cur.get(j).copied().unwrap_or(0) + 1;
                if let Some(c) = cur.get_mut(j + 1) {
                    *c = sub.min(del).min(ins);
                }
            }
            prev = cur;
        }
        prev.last().copied().unwrap_or(0)
    }

    fn keys(v: &Value, known: &[&'static str], path: &str, out: &mut Vec<Unknown>) {
        let Value::Mapping(m) = v else { return };
        for k in m.keys() {
            let Some(k) = k.as_str() else { continue };
            if known.contains(&k) {
                continue;
            }
            let suggestion = known
                .iter()
                .map(|c| (distance(k, c), *c))
                .filter(|(d, _)| *d <= 3)
                .min()
                .map(|(_, c)| c);
            out.push(Unknown {
                path: if path.is_empty() {
                    k.to_string()
                } else {
                    format!("{path}.{k}")
                },
                key: k.to_string(),
                suggestion,
            });
        }
    }

    fn list(v: Option<&Value>) -> impl Iterator<Item = (usize, &Value)> {
        v.and_then(|v| v.as_sequence())
            .into_iter()
            .flatten()
            .enumerate()
    }

    fn selector(v: Option<&Value>, path: &str, out: &mut Vec<Unknown>) {
        let Some(v) = v else { return };
        keys(v, SELECTOR, path, out);
        for (i, e) in list(v.get("matchExpressions")) {
            keys(e, EXPR, &format!("{path}.matchExpressions[{i}]"), out);
        }
    }

    pub fn unknown_in_policy(v: &Value) -> Vec<Unknown> {
        let mut out = Vec::new();
        keys(v, TOP, "", &mut out);
        let Some(spec) = v.get("spec") else {
            return out;
        };
        keys(spec, SPEC, "spec", &mut out);
        selector(spec.get("podSelector"), "spec.podSelector", &mut out);
        for (dir, field) in [("ingress", "from"), ("egress", "to")] {
            for (i, r) in list(spec.get(dir)) {
                let base = format!("spec.{dir}[{i}]");
                let rule_keys: &[&'static str] = if dir == "ingress" {
                    &["from", "ports"]
                } else {
                    &["to", "ports"]
                };
                keys(r, rule_keys, &base, &mut out);
                for (j, p) in list(r.get(field)) {
                    let pp = format!("{base}.{field}[{j}]");
                    keys(p, PEER, &pp, &mut out);
                    selector(p.get("podSelector"), &format!("{pp}.podSelector"), &mut out);
                    selector(
                        p.get("namespaceSelector"),
                        &format!("{pp}.namespaceSelector"),
                        &mut out,
                    );
                    if let Some(b) = p.get("ipBlock") {
                        keys(b, IPBLOCK, &format!("{pp}.ipBlock"), &mut out);
                    }
                }
                for (k, p) in list(r.get("ports")) {
                    keys(p, PORT, &format!("{base}.ports[{k}]"), &mut out);
                }
            }
        }
        out
    }
}
