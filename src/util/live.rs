//! Live dumps: what `kubectl get … -A -o json|yaml` prints for a cluster that
//! runs some manifests. Controllers have done their work: a Deployment has a
//! ReplicaSet `<name>-<pod-template-hash>` and pods `<rs>-<xxxxx>`, a
//! StatefulSet pods `<name>-<i>`, a Job pods `<job>-<xxxxx>`, a CronJob one
//! Job; every object carries uid, resourceVersion, managedFields, and pods
//! carry status with IPs, conditions and container statuses (4–6 KB each,
//! as real ones). A DaemonSet runs on one node (one pod), like its manifest
//! reading.
//!
//! The order is kubectl's for `get ns,pods,netpol` (namespaces, pods,
//! policies), with the workloads after the pods when they are asked for
//! (`kubectl get all` prints the pods first too). Names and hashes are
//! drawn from a hash of the seed and the object, so the same input always
//! gives the same bytes.

use serde_json::{json, Map, Value};
use std::io::{self, Write};

/// Which objects a dump holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiveOptions {
    /// Also the Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs,
    /// CronJobs and ReplicationControllers (`kubectl get all,netpol,ns`).
    pub workloads: bool,
    /// YAML (`-o yaml`) instead of JSON (`-o json`).
    pub yaml: bool,
    pub seed: u64,
}

/// The characters Kubernetes uses for generated names and hashes.
const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
const CREATED: &str = "2026-11-30T09:12:44Z";

/// FNV-1a over the seed and some words: names that depend only on them.
fn hash(seed: u64, words: &[&str]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64 ^ seed;
    for w in words {
        for b in w.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn token(mut h: u64, len: usize) -> String {
    (0..len)
        .map(|_| {
            let i = (h % ALPHABET.len() as u64) as usize;
            h = (h / ALPHABET.len() as u64) ^ h.rotate_left(17);
            ALPHABET.get(i).copied().map_or('b', char::from)
        })
        .collect()
}

fn uid(seed: u64, words: &[&str]) -> String {
    let a = hash(seed, words);
    let b = hash(a, words);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

static NULL: Value = Value::Null;

/// `v[k]`, null when absent (serde_json's index without the lint).
fn field<'a>(v: &'a Value, k: &str) -> &'a Value {
    v.get(k).unwrap_or(&NULL)
}

/// Set `v[path…] = x`, making the objects on the way; a non-object on the
/// way leaves `v` as it is.
fn set(v: &mut Value, path: &[&str], x: Value) {
    let Some((last, init)) = path.split_last() else {
        return;
    };
    let mut cur = v;
    for k in init {
        if cur.is_null() {
            *cur = json!({});
        }
        let Some(m) = cur.as_object_mut() else { return };
        cur = m.entry(*k).or_insert(Value::Null);
    }
    if cur.is_null() {
        *cur = json!({});
    }
    if let Some(m) = cur.as_object_mut() {
        m.insert((*last).to_string(), x);
    }
}

fn text(v: &Value, path: &[&str]) -> String {
    get(v, path)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn namespace(v: &Value) -> String {
    let ns = text(v, &["metadata", "namespace"]);
    if ns.is_empty() {
        "default".into()
    } else {
        ns
    }
}

/// A `managedFields` entry the way the API server writes one: the set of
/// fields a manager owns, mirrored from the object.
fn managed(manager: &str, operation: &str, sub: Option<&str>, owned: &Value) -> Value {
    fn fields(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut out = Map::new();
                out.insert(".".into(), json!({}));
                for (k, x) in m {
                    out.insert(format!("f:{k}"), fields(x));
                }
                Value::Object(out)
            }
            Value::Array(xs) => {
                let mut out = Map::new();
                for (i, x) in xs.iter().enumerate() {
                    let key = x
                        .get("name")
                        .and_then(Value::as_str)
                        .map_or(format!("i:{i}"), |n| format!("k:{{\"name\":\"{n}\"}}"));
                    out.insert(key, fields(x));
                }
                Value::Object(out)
            }
            _ => json!({}),
        }
    }
    let mut e = json!({
        "apiVersion": "v1",
        "fieldsType": "FieldsV1",
        "fieldsV1": fields(owned),
        "manager": manager,
        "operation": operation,
        "time": CREATED,
    });
    if let (Some(s), Some(m)) = (sub, e.as_object_mut()) {
        m.insert("subresource".into(), json!(s));
    }
    e
}

/// The metadata every stored object gets.
fn stored_meta(
    seed: u64,
    kind: &str,
    ns: Option<&str>,
    name: &str,
    meta: &Value,
) -> Map<String, Value> {
    let mut m = meta.as_object().cloned().unwrap_or_default();
    m.insert("name".into(), json!(name));
    if let Some(ns) = ns {
        m.insert("namespace".into(), json!(ns));
    }
    m.insert(
        "uid".into(),
        json!(uid(seed, &[kind, ns.unwrap_or(""), name])),
    );
    let rv = hash(seed, &["rv", kind, name]) % 90_000_000 + 10_000_000;
    m.insert("resourceVersion".into(), json!(rv.to_string()));
    m.insert("creationTimestamp".into(), json!(CREATED));
    m
}

/// Container defaults the API server fills in.
fn stored_pod_spec(spec: &Value, node: &str, sa_token: &str) -> Value {
    let mut s = spec.as_object().cloned().unwrap_or_default();
    let mount = json!([{
        "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
        "name": format!("kube-api-access-{sa_token}"),
        "readOnly": true
    }]);
    for key in ["containers", "initContainers"] {
        if let Some(Value::Array(cs)) = s.get_mut(key) {
            for c in cs.iter_mut().filter_map(Value::as_object_mut) {
                c.entry("imagePullPolicy").or_insert(json!("IfNotPresent"));
                c.entry("resources").or_insert(json!({}));
                c.entry("terminationMessagePath")
                    .or_insert(json!("/dev/termination-log"));
                c.entry("terminationMessagePolicy").or_insert(json!("File"));
                c.entry("volumeMounts").or_insert(mount.clone());
                c.entry("env").or_insert(json!([
                    {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
                    {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
                    {"name": "LOG_LEVEL", "value": "info"}
                ]));
                if let Some(Value::Array(ps)) = c.get_mut("ports") {
                    for p in ps.iter_mut().filter_map(Value::as_object_mut) {
                        p.entry("protocol").or_insert(json!("TCP"));
                    }
                }
            }
        }
    }
    s.entry("containers").or_insert(json!([]));
    s.insert("nodeName".into(), json!(node));
    for (k, v) in [
        ("dnsPolicy", json!("ClusterFirst")),
        ("enableServiceLinks", json!(true)),
        ("preemptionPolicy", json!("PreemptLowerPriority")),
        ("priority", json!(0)),
        ("restartPolicy", json!("Always")),
        ("schedulerName", json!("default-scheduler")),
        ("securityContext", json!({})),
        ("serviceAccount", json!("default")),
        ("serviceAccountName", json!("default")),
        ("terminationGracePeriodSeconds", json!(30)),
        (
            "tolerations",
            json!([
                {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
                {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}
            ]),
        ),
        (
            "volumes",
            json!([{
                "name": format!("kube-api-access-{sa_token}"),
                "projected": {"defaultMode": 420, "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
                    {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}, "path": "namespace"}]}}
                ]}
            }]),
        ),
    ] {
        s.entry(k).or_insert(v);
    }
    Value::Object(s)
}

/// What the generator keeps between objects: the pod counter for IPs.
pub struct Live {
    opts: LiveOptions,
    pods: u64,
}

/// One owner of a pod: (apiVersion, kind, name).
type OwnerRef<'a> = (&'a str, &'a str, &'a str);

impl Live {
    pub fn new(opts: LiveOptions) -> Live {
        Live { opts, pods: 0 }
    }

    fn owner_ref(&self, ns: &str, (api, kind, name): OwnerRef) -> Value {
        json!([{
            "apiVersion": api,
            "blockOwnerDeletion": true,
            "controller": true,
            "kind": kind,
            "name": name,
            "uid": uid(self.opts.seed, &[kind, ns, name]),
        }])
    }

    /// A running pod from a template (or a bare Pod's own spec).
    fn pod(
        &mut self,
        ns: &str,
        name: &str,
        template: &Value,
        extra_labels: &[(&str, String)],
        owner: Option<OwnerRef>,
        generate_name: Option<&str>,
    ) -> Value {
        let seed = self.opts.seed;
        let n = self.pods;
        self.pods += 1;
        let node_i = n % 50;
        let node = format!("node-{node_i:03}");
        let host_ip = format!("10.0.{}.{}", node_i / 250, node_i % 250 + 2);
        let spec = template.get("spec").cloned().unwrap_or_else(|| json!({}));
        let host_network = spec.get("hostNetwork") == Some(&json!(true));
        let pod_ip = if host_network {
            host_ip.clone()
        } else {
            format!(
                "10.{}.{}.{}",
                64 + (n >> 16) % 64,
                (n >> 8) & 0xff,
                n & 0xff
            )
        };
        let mut meta = stored_meta(seed, "Pod", Some(ns), name, field(template, "metadata"));
        let mut labels = meta
            .get("labels")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (k, v) in extra_labels {
            labels.insert((*k).into(), json!(v));
        }
        meta.insert("labels".into(), Value::Object(labels));
        if let Some(g) = generate_name {
            meta.insert("generateName".into(), json!(g));
        }
        if let Some(o) = owner {
            meta.insert("ownerReferences".into(), self.owner_ref(ns, o));
        }
        let sa = token(hash(seed, &["sa", ns, name]), 5);
        let spec = stored_pod_spec(&spec, &node, &sa);
        let phase = get(template, &["status", "phase"])
            .and_then(Value::as_str)
            .unwrap_or("Running")
            .to_string();
        let statuses: Vec<Value> = field(&spec, "containers")
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                json!({
                    "containerID": format!("containerd://{:016x}{:016x}", hash(seed, &[name, "c"]), hash(seed, &[name, "d"])),
                    "image": field(c, "image").clone(),
                    "imageID": format!("registry.example/sha256:{:016x}", hash(seed, &["img", field(c, "image").as_str().unwrap_or("")])),
                    "lastState": {},
                    "name": field(c, "name").clone(),
                    "ready": true,
                    "restartCount": 0,
                    "started": true,
                    "state": {"running": {"startedAt": CREATED}},
                })
            })
            .collect();
        let conditions: Vec<Value> = [
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled",
        ]
        .iter()
        .map(|t| json!({"lastProbeTime": null, "lastTransitionTime": CREATED, "status": "True", "type": t}))
        .collect();
        let status = json!({
            "conditions": conditions,
            "containerStatuses": statuses,
            "hostIP": host_ip,
            "hostIPs": [{"ip": host_ip}],
            "phase": phase,
            "podIP": pod_ip,
            "podIPs": [{"ip": pod_ip}],
            "qosClass": "BestEffort",
            "startTime": CREATED,
        });
        let owned_meta = json!({
            "generateName": generate_name,
            "labels": meta.get("labels").cloned(),
            "ownerReferences": meta.get("ownerReferences").cloned(),
        });
        let mf = json!([
            managed(
                "kube-controller-manager",
                "Update",
                None,
                &json!({"metadata": owned_meta, "spec": spec})
            ),
            managed(
                "kubelet",
                "Update",
                Some("status"),
                &json!({"status": {"conditions": field(&status, "conditions"), "containerStatuses": field(&status, "containerStatuses"), "hostIP": {}, "phase": {}, "podIP": {}, "podIPs": {}, "startTime": {}}})
            ),
        ]);
        meta.insert("managedFields".into(), mf);
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status})
    }

    /// A workload object as stored: the manifest with metadata and status.
    fn stored(
        &self,
        obj: &Value,
        kind: &str,
        ns: &str,
        name: &str,
        owner: Option<OwnerRef>,
        replicas: u64,
    ) -> Value {
        let mut o = obj.as_object().cloned().unwrap_or_default();
        let mut meta = stored_meta(self.opts.seed, kind, Some(ns), name, field(obj, "metadata"));
        meta.insert("generation".into(), json!(1));
        if let Some(ow) = owner {
            meta.insert("ownerReferences".into(), self.owner_ref(ns, ow));
        }
        meta.insert(
            "managedFields".into(),
            json!([managed(
                "kubectl-client-side-apply",
                "Update",
                None,
                &json!({"spec": obj.get("spec")})
            )]),
        );
        o.insert("metadata".into(), Value::Object(meta));
        o.insert(
            "status".into(),
            json!({"availableReplicas": replicas, "observedGeneration": 1, "readyReplicas": replicas, "replicas": replicas}),
        );
        Value::Object(o)
    }

    /// Every live object a manifest object stands for, in dump order:
    /// pass 0 namespaces, 1 pods, 2 workloads, 3 policies.
    pub fn objects(
        &mut self,
        obj: &Value,
        pass: u8,
        out: &mut dyn FnMut(Value) -> io::Result<()>,
    ) -> io::Result<()> {
        let kind = text(obj, &["kind"]);
        let name = text(obj, &["metadata", "name"]);
        let seed = self.opts.seed;
        let ns = namespace(obj);
        let replicas =
            |path: &[&str], default: u64| get(obj, path).and_then(Value::as_u64).unwrap_or(default);
        let template = |path: &[&str]| get(obj, path).cloned().unwrap_or_else(|| json!({}));
        let suffix = |words: &[&str]| token(hash(seed, words), 5);
        match (pass, kind.as_str()) {
            (0, "Namespace") => {
                let mut meta = stored_meta(seed, "Namespace", None, &name, field(obj, "metadata"));
                let mut labels = meta
                    .get("labels")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                labels.insert("kubernetes.io/metadata.name".into(), json!(name));
                meta.insert("labels".into(), Value::Object(labels));
                meta.insert(
                    "managedFields".into(),
                    json!([managed(
                        "kubectl-create",
                        "Update",
                        None,
                        &json!({"metadata": {"labels": meta.get("labels")}})
                    )]),
                );
                out(
                    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": meta, "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}),
                )
            }
            (1, "Pod") => {
                let p = self.pod(&ns, &name, obj, &[], None, None);
                out(p)
            }
            (1, "Deployment") => {
                let h = token(hash(seed, &["pth", &ns, &name]), 10);
                let rs = format!("{name}-{h}");
                let t = template(&["spec", "template"]);
                for i in 0..replicas(&["spec", "replicas"], 1) {
                    let pod = format!("{rs}-{}", suffix(&[&ns, &rs, &i.to_string()]));
                    let p = self.pod(
                        &ns,
                        &pod,
                        &t,
                        &[("pod-template-hash", h.clone())],
                        Some(("apps/v1", "ReplicaSet", &rs)),
                        Some(&format!("{rs}-")),
                    );
                    out(p)?;
                }
                Ok(())
            }
            (1, "StatefulSet") => {
                let rev = format!("{name}-{}", token(hash(seed, &["crh", &ns, &name]), 10));
                let t = template(&["spec", "template"]);
                for i in 0..replicas(&["spec", "replicas"], 1) {
                    let pod = format!("{name}-{i}");
                    let labels = [
                        ("controller-revision-hash", rev.clone()),
                        ("statefulset.kubernetes.io/pod-name", pod.clone()),
                        ("apps.kubernetes.io/pod-index", i.to_string()),
                    ];
                    let p = self.pod(
                        &ns,
                        &pod,
                        &t,
                        &labels,
                        Some(("apps/v1", "StatefulSet", &name)),
                        Some(&format!("{name}-")),
                    );
                    out(p)?;
                }
                Ok(())
            }
            (1, "DaemonSet") => {
                let rev = token(hash(seed, &["crh", &ns, &name]), 10);
                let t = template(&["spec", "template"]);
                let pod = format!("{name}-{}", suffix(&[&ns, &name]));
                let labels = [
                    ("controller-revision-hash", rev),
                    ("pod-template-generation", "1".to_string()),
                ];
                let p = self.pod(
                    &ns,
                    &pod,
                    &t,
                    &labels,
                    Some(("apps/v1", "DaemonSet", &name)),
                    Some(&format!("{name}-")),
                );
                out(p)
            }
            (1, "ReplicaSet" | "ReplicationController") => {
                let api = if kind == "ReplicaSet" {
                    "apps/v1"
                } else {
                    "v1"
                };
                let t = template(&["spec", "template"]);
                for i in 0..replicas(&["spec", "replicas"], 1) {
                    let pod = format!("{name}-{}", suffix(&[&ns, &name, &i.to_string()]));
                    let p = self.pod(
                        &ns,
                        &pod,
                        &t,
                        &[],
                        Some((api, &kind, &name)),
                        Some(&format!("{name}-")),
                    );
                    out(p)?;
                }
                Ok(())
            }
            (1, "Job" | "CronJob") => {
                let (job, t, n) = if kind == "Job" {
                    (
                        name.clone(),
                        template(&["spec", "template"]),
                        replicas(&["spec", "parallelism"], 1),
                    )
                } else {
                    (
                        format!("{name}-29000000"),
                        template(&["spec", "jobTemplate", "spec", "template"]),
                        1,
                    )
                };
                let cuid = uid(seed, &["Job", &ns, &job]);
                for i in 0..n {
                    let pod = format!("{job}-{}", suffix(&[&ns, &job, &i.to_string()]));
                    let labels = [
                        ("batch.kubernetes.io/controller-uid", cuid.clone()),
                        ("batch.kubernetes.io/job-name", job.clone()),
                        ("controller-uid", cuid.clone()),
                        ("job-name", job.clone()),
                    ];
                    let p = self.pod(
                        &ns,
                        &pod,
                        &t,
                        &labels,
                        Some(("batch/v1", "Job", &job)),
                        Some(&format!("{job}-")),
                    );
                    out(p)?;
                }
                Ok(())
            }
            (2, "Deployment") if self.opts.workloads => {
                let n = replicas(&["spec", "replicas"], 1);
                out(self.stored(obj, "Deployment", &ns, &name, None, n))?;
                // The current ReplicaSet, and an old one scaled to zero.
                let h = token(hash(seed, &["pth", &ns, &name]), 10);
                for (rs, count) in [
                    (format!("{name}-{h}"), n),
                    (
                        format!("{name}-{}", token(hash(seed, &["old", &ns, &name]), 10)),
                        0,
                    ),
                ] {
                    let mut r = obj.clone();
                    set(&mut r, &["kind"], json!("ReplicaSet"));
                    set(&mut r, &["spec", "replicas"], json!(count));
                    set(
                        &mut r,
                        &[
                            "spec",
                            "template",
                            "metadata",
                            "labels",
                            "pod-template-hash",
                        ],
                        json!(h),
                    );
                    set(
                        &mut r,
                        &["spec", "selector", "matchLabels", "pod-template-hash"],
                        json!(h),
                    );
                    out(self.stored(
                        &r,
                        "ReplicaSet",
                        &ns,
                        &rs,
                        Some(("apps/v1", "Deployment", &name)),
                        count,
                    ))?;
                }
                Ok(())
            }
            (2, "CronJob") if self.opts.workloads => {
                out(self.stored(obj, "CronJob", &ns, &name, None, 1))?;
                let job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"labels": get(obj, &["spec", "jobTemplate", "metadata", "labels"]).cloned().unwrap_or(json!({}))}, "spec": get(obj, &["spec", "jobTemplate", "spec"]).cloned().unwrap_or(json!({}))});
                out(self.stored(
                    &job,
                    "Job",
                    &ns,
                    &format!("{name}-29000000"),
                    Some(("batch/v1", "CronJob", &name)),
                    1,
                ))
            }
            (2, "StatefulSet" | "DaemonSet" | "ReplicaSet" | "ReplicationController" | "Job")
                if self.opts.workloads =>
            {
                let n = replicas(&["spec", "replicas"], 1);
                out(self.stored(obj, &kind, &ns, &name, None, n))
            }
            // The cluster-scoped kinds as `kubectl get anp,banp,cnp` prints
            // them: no namespace (CNP-20).
            (
                3,
                "NetworkPolicy"
                | "AdminNetworkPolicy"
                | "BaselineAdminNetworkPolicy"
                | "ClusterNetworkPolicy",
            ) => {
                let mut o = obj.as_object().cloned().unwrap_or_default();
                let scope = (kind == "NetworkPolicy").then_some(ns.as_str());
                let mut meta = stored_meta(seed, &kind, scope, &name, field(obj, "metadata"));
                meta.insert("generation".into(), json!(1));
                let mut ann = meta
                    .get("annotations")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                ann.insert(
                    "kubectl.kubernetes.io/last-applied-configuration".into(),
                    json!(format!("{obj}\n")),
                );
                meta.insert("annotations".into(), Value::Object(ann));
                meta.insert(
                    "managedFields".into(),
                    json!([managed(
                        "kubectl-client-side-apply",
                        "Update",
                        None,
                        &json!({"spec": obj.get("spec")})
                    )]),
                );
                o.insert("metadata".into(), Value::Object(meta));
                out(Value::Object(o))
            }
            _ => Ok(()),
        }
    }
}

/// Write the dump of these manifest objects as one `kind: List`.
pub fn write_dump(objects: &[Value], opts: LiveOptions, w: &mut dyn Write) -> io::Result<()> {
    let mut live = Live::new(opts);
    let mut first = true;
    if opts.yaml {
        w.write_all(b"apiVersion: v1\nitems:\n")?;
    } else {
        w.write_all(b"{\n    \"apiVersion\": \"v1\",\n    \"items\": [")?;
    }
    for pass in 0..4 {
        for o in objects {
            live.objects(o, pass, &mut |item| {
                if opts.yaml {
                    let mut s = String::new();
                    yaml_item(&item, &mut s);
                    w.write_all(s.as_bytes())
                } else {
                    if !first {
                        w.write_all(b",")?;
                    }
                    first = false;
                    w.write_all(b"\n")?;
                    serde_json::to_writer(&mut *w, &item).map_err(io::Error::other)
                }
            })?;
        }
    }
    if opts.yaml {
        w.write_all(b"kind: List\nmetadata:\n  resourceVersion: \"\"\n")
    } else {
        w.write_all(b"\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n")
    }
}

/// One list item in kubectl's block style: `- key: value`, children
/// indented by two.
fn yaml_item(v: &Value, out: &mut String) {
    out.push_str("- ");
    yaml_value(v, 2, true, out);
}

/// A scalar plain when YAML 1.1 and 1.2 both read it back as this string,
/// double-quoted (JSON escapes are YAML escapes) otherwise.
fn yaml_str(s: &str, out: &mut String) {
    let plain = !s.is_empty()
        && s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        );
    if plain {
        out.push_str(s);
    } else {
        out.push_str(&Value::String(s.to_string()).to_string());
    }
}

/// `v` at `indent`; `inline` when the cursor is already after `- ` or `key: `
/// of a block (maps and lists then start on this line or the next).
fn yaml_value(v: &Value, indent: usize, inline: bool, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 || !inline {
                    out.push_str(&pad);
                }
                yaml_str(k, out);
                out.push(':');
                match x {
                    Value::Object(c) if !c.is_empty() => {
                        out.push('\n');
                        yaml_value(x, indent + 2, false, out);
                    }
                    Value::Array(c) if !c.is_empty() => {
                        out.push('\n');
                        yaml_value(x, indent, false, out);
                    }
                    _ => {
                        out.push(' ');
                        yaml_value(x, indent + 2, true, out);
                    }
                }
            }
        }
        Value::Array(xs) if !xs.is_empty() => {
            for (i, x) in xs.iter().enumerate() {
                if i > 0 || !inline {
                    out.push_str(&pad);
                }
                out.push_str("- ");
                match x {
                    Value::Object(c) if !c.is_empty() => yaml_value(x, indent + 2, true, out),
                    Value::Array(c) if !c.is_empty() => {
                        out.push('\n');
                        yaml_value(x, indent + 2, false, out);
                    }
                    _ => yaml_value(x, indent + 2, true, out),
                }
            }
        }
        Value::Object(_) => out.push_str("{}\n"),
        Value::Array(_) => out.push_str("[]\n"),
        Value::String(s) => {
            yaml_str(s, out);
            out.push('\n');
        }
        Value::Null => out.push_str("null\n"),
        other => {
            out.push_str(&other.to_string());
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_reads_back_as_the_same_value() {
        let v = json!({"apiVersion": "v1", "kind": "X", "a": {"b": [1, "yes", {"c": [], "d": {}}, [true, null]], "e": "x: y"}, "f": "", "g": "0443", "h": "8_0", "i": "web"});
        let mut s = String::new();
        yaml_value(&v, 0, false, &mut s);
        let back = crate::input::manifest_objects("t", &s, false);
        // manifest_objects returns objects: wrap as one.
        assert_eq!(back.unwrap(), vec![v], "{s}");
    }

    #[test]
    fn names_and_uids_are_stable_and_look_generated() {
        let t = token(hash(1, &["a"]), 10);
        assert_eq!(t, token(hash(1, &["a"]), 10));
        assert_ne!(t, token(hash(2, &["a"]), 10));
        assert!(t.bytes().all(|b| ALPHABET.contains(&b)));
        assert_eq!(uid(1, &["a"]).len(), 36);
    }
}
