//! Live input counted once: what `kubectl get … -A -o json|yaml` prints holds
//! Deployments, their ReplicaSets and their Pods side by side. Each pod is
//! counted once and listed under the workload a user knows it by.
//!
//! The rules (README "Live clusters"):
//! 1. A Pod in the input is one pod. Its workload is the top of its owner
//!    chain (`ownerReferences`, the controller first), followed through the
//!    workload objects in the input: Pod → ReplicaSet → Deployment,
//!    Pod → Job → CronJob.
//! 2. A ReplicaSet that is not in the input but is named
//!    `<deployment>-<pod-template-hash>`, where the hash is the pod's
//!    `pod-template-hash` label, is the Deployment's: the pod is listed as
//!    `ns/<deployment>[Deployment]`. `--compat np-guard` keeps the
//!    ReplicaSet's name, as netpol-analyzer does.
//! 3. A workload with a pod of its own in the input (directly or further down
//!    its chain) adds no pods from its template: its size is its live pods
//!    (a DaemonSet's too).
//! 4. A workload whose controller owner is in the input adds no pods either:
//!    the owner's template stands for them (no double count for
//!    `kubectl get deploy,rs`), and old ReplicaSets scaled to zero vanish.
//! 5. A workload not dropped by 3 or 4 is listed under the top of its owner
//!    chain: a ReplicaSet owned by a Deployment that is not in the input is
//!    listed as the Deployment.
//!
//! Manifests (no Pods, no ownerReferences) are untouched by all of this.

use crate::model::{Pod, Skipped, WorkloadRef};
use std::collections::{HashMap, HashSet};

/// The label a Deployment's ReplicaSets and pods carry.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";

/// Owner chains longer than this are cut (crafted inputs may loop).
const MAX_CHAIN: usize = 16;

/// (kind, namespace, name) of an object.
type Key = (String, String, String);

/// What the loader records while converting, for [`Owners::resolve`].
#[derive(Default)]
pub struct Owners {
    /// Workload objects: their controller owner (kind, name) and the index
    /// of their template pod in `Cluster::pods`.
    workloads: HashMap<Key, (Option<(String, String)>, usize)>,
    /// Live pods: index in `Cluster::pods` and controller owner (kind, name).
    live: Vec<(usize, Option<(String, String)>)>,
}

impl Owners {
    pub fn workload(
        &mut self,
        kind: &str,
        ns: &str,
        name: &str,
        owner: Option<(String, String)>,
        pod: usize,
    ) {
        self.workloads.insert(
            (kind.to_string(), ns.to_string(), name.to_string()),
            (owner, pod),
        );
    }

    pub fn live_pod(&mut self, pod: usize, owner: Option<(String, String)>) {
        self.live.push((pod, owner));
    }

    /// Name every pod by its top workload and drop the templates that live
    /// pods or present owners stand for (the rules above). Dropped
    /// templates are listed in `skipped`.
    pub fn resolve(self, pods: &mut Vec<Pod>, skipped: &mut Vec<Skipped>, keep_rs_names: bool) {
        if self.live.is_empty() && self.workloads.values().all(|(o, _)| o.is_none()) {
            return; // manifests: nothing to do
        }
        // Rule 1, 2: live pods up their chains; every workload passed is
        // marked as having live pods (rule 3).
        let mut has_live: HashSet<Key> = HashSet::new();
        let mut live_count: HashMap<usize, u32> = HashMap::new();
        for (i, owner) in &self.live {
            let Some(pod) = pods.get(*i) else { continue };
            let ns = pod.namespace.clone();
            let hash = pod.labels.get(POD_TEMPLATE_HASH).cloned();
            let Some((kind, name)) = owner.clone() else {
                continue;
            };
            let (top, passed) = self.climb(&ns, kind, name, hash.as_deref(), keep_rs_names);
            for k in passed {
                if let Some((_, t)) = self.workloads.get(&k) {
                    *live_count.entry(*t).or_default() += 1;
                }
                has_live.insert(k);
            }
            if let Some(p) = pods.get_mut(*i) {
                p.workload = top;
            }
        }
        // Rules 3..5 for every workload's template.
        let mut drop: HashMap<usize, String> = HashMap::new();
        for (key, (owner, t)) in &self.workloads {
            let (kind, ns, name) = key;
            if has_live.contains(key) {
                let n = live_count.get(t).copied().unwrap_or(0);
                let what = if n == 1 {
                    "its 1 live pod is in the input: counted from it".to_string()
                } else {
                    format!("its {n} live pods are in the input: counted from them")
                };
                drop.insert(*t, format!("{what}, not from its template"));
                continue;
            }
            if let Some((ok, on)) = owner {
                let owner_key = (ok.clone(), ns.clone(), on.clone());
                if self.workloads.contains_key(&owner_key) {
                    drop.insert(
                        *t,
                        format!("owned by {ok} {on}, which is in the input: its pods are counted once, as the {ok}'s"),
                    );
                    continue;
                }
                let (top, _) = self.climb(ns, ok.clone(), on.clone(), None, true);
                if let Some(p) = pods.get_mut(*t) {
                    p.workload = top;
                }
            }
            let _ = (kind, name);
        }
        if drop.is_empty() {
            return;
        }
        let mut i = 0;
        pods.retain(|p| {
            let keep = match drop.get(&i) {
                Some(reason) => {
                    skipped.push(Skipped {
                        kind: p.workload.kind.clone(),
                        api: String::new(),
                        name: format!("{}/{}", p.namespace, p.name),
                        reason: reason.clone(),
                        origin: p.origin.clone(),
                        unevaluated_policy: false,
                    });
                    false
                }
                None => true,
            };
            i += 1;
            keep
        });
    }

    /// Follow an owner reference up through the workloads in the input.
    /// Returns the top and every object of the input passed on the way.
    fn climb(
        &self,
        ns: &str,
        mut kind: String,
        mut name: String,
        hash: Option<&str>,
        keep_rs_names: bool,
    ) -> (WorkloadRef, Vec<Key>) {
        let mut passed = Vec::new();
        for _ in 0..MAX_CHAIN {
            let key = (kind.clone(), ns.to_string(), name.clone());
            match self.workloads.get(&key) {
                Some((owner, _)) => {
                    if passed.contains(&key) {
                        break; // a loop of owners
                    }
                    passed.push(key);
                    match owner {
                        Some((k, n)) => (kind, name) = (k.clone(), n.clone()),
                        None => break,
                    }
                }
                None => {
                    // Rule 2: `<deployment>-<hash>`, the ReplicaSet absent.
                    let deployment = hash
                        .filter(|_| kind == "ReplicaSet" && !keep_rs_names)
                        .filter(|h| !h.is_empty())
                        .and_then(|h| name.strip_suffix(h))
                        .and_then(|n| n.strip_suffix('-'))
                        .filter(|d| !d.is_empty())
                        .map(str::to_string);
                    match deployment {
                        Some(d) => (kind, name) = ("Deployment".into(), d),
                        None => break,
                    }
                    let key = (kind.clone(), ns.to_string(), name.clone());
                    if !self.workloads.contains_key(&key) {
                        break;
                    }
                }
            }
        }
        (
            WorkloadRef {
                namespace: ns.to_string(),
                name,
                kind,
            },
            passed,
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::input::{load_str, LoadOptions};
    use crate::model::Cluster;

    fn load(yaml: &str, keep: bool) -> Cluster {
        let opts = LoadOptions {
            keep_replicaset_names: keep,
            ..LoadOptions::default()
        };
        load_str("t.yaml", yaml, &opts).unwrap()
    }

    fn pod(name: &str, owner: Option<(&str, &str)>, hash: Option<&str>) -> String {
        let owner = owner.map_or(String::new(), |(k, n)| {
            format!("  ownerReferences: [{{apiVersion: apps/v1, kind: {k}, name: {n}, uid: u, controller: true}}]\n")
        });
        let hash = hash.map_or(String::new(), |h| format!(", pod-template-hash: \"{h}\""));
        format!("---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: 'n'\n  labels: {{app: web{hash}}}\n{owner}spec: {{containers: [{{name: c, image: i}}]}}\nstatus: {{phase: Running, podIP: 10.0.0.1}}\n")
    }

    const DEPLOYMENT: &str = "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: 'n'}\nspec: {replicas: 3, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: i}]}}}\n";

    fn rs(name: &str, replicas: u32) -> String {
        format!("---\napiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: {name}\n  namespace: 'n'\n  ownerReferences: [{{apiVersion: apps/v1, kind: Deployment, name: web, uid: u, controller: true}}]\nspec: {{replicas: {replicas}, selector: {{matchLabels: {{app: web}}}}, template: {{metadata: {{labels: {{app: web}}}}, spec: {{containers: [{{name: c, image: i}}]}}}}}}\n")
    }

    fn names(c: &Cluster) -> Vec<String> {
        c.pods
            .iter()
            .map(|p| format!("{} x{}", p.workload, p.replicas))
            .collect()
    }

    #[test]
    fn get_all_counts_each_pod_once_under_its_deployment() {
        // Rules 1, 3, 4: Deployment, its ReplicaSets (one current, one old
        // scaled to zero) and its pods: three pods, all `web[Deployment]`.
        let mut y = String::from(DEPLOYMENT);
        y += &rs("web-7c9d8f6b5", 2);
        y += &rs("web-5d4f8c7b9", 0);
        y += &pod(
            "web-7c9d8f6b5-abcde",
            Some(("ReplicaSet", "web-7c9d8f6b5")),
            Some("7c9d8f6b5"),
        );
        y += &pod(
            "web-7c9d8f6b5-fghij",
            Some(("ReplicaSet", "web-7c9d8f6b5")),
            Some("7c9d8f6b5"),
        );
        let c = load(&y, false);
        assert_eq!(
            names(&c),
            vec!["n/web[Deployment] x1", "n/web[Deployment] x1"]
        );
        assert_eq!(c.pod_count(), 2);
        let reasons: Vec<&str> = c.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(
            reasons.iter().any(|r| r.starts_with("its 2 live pods")),
            "{reasons:?}"
        );
        assert!(
            reasons
                .iter()
                .any(|r| r.starts_with("owned by Deployment web")),
            "{reasons:?}"
        );
    }

    #[test]
    fn pods_alone_are_named_by_their_deployment_through_the_hash() {
        // Rule 2: `kubectl get pods -o json`, no ReplicaSet in the input.
        let y = pod(
            "web-7c9d8f6b5-abcde",
            Some(("ReplicaSet", "web-7c9d8f6b5")),
            Some("7c9d8f6b5"),
        );
        assert_eq!(names(&load(&y, false)), vec!["n/web[Deployment] x1"]);
        // --compat np-guard keeps the ReplicaSet's name.
        assert_eq!(
            names(&load(&y, true)),
            vec!["n/web-7c9d8f6b5[ReplicaSet] x1"]
        );
        // No hash label, or a name that does not end in it: the ReplicaSet.
        let y = pod(
            "web-7c9d8f6b5-abcde",
            Some(("ReplicaSet", "web-7c9d8f6b5")),
            None,
        );
        assert_eq!(
            names(&load(&y, false)),
            vec!["n/web-7c9d8f6b5[ReplicaSet] x1"]
        );
        let y = pod("x-abcde", Some(("ReplicaSet", "other")), Some("7c9d8f6b5"));
        assert_eq!(names(&load(&y, false)), vec!["n/other[ReplicaSet] x1"]);
        // A bare pod is its own entity.
        assert_eq!(
            names(&load(&pod("solo", None, None), false)),
            vec!["n/solo[Pod] x1"]
        );
    }

    #[test]
    fn workloads_without_pods_are_counted_once_from_the_top() {
        // Rule 4: `kubectl get deploy,rs`: the Deployment's template only.
        let y = format!("{DEPLOYMENT}{}", rs("web-7c9d8f6b5", 3));
        assert_eq!(names(&load(&y, false)), vec!["n/web[Deployment] x3"]);
        // Rule 5: a ReplicaSet whose Deployment is absent is listed as it.
        assert_eq!(
            names(&load(&rs("web-7c9d8f6b5", 3), false)),
            vec!["n/web[Deployment] x3"]
        );
    }

    #[test]
    fn cronjob_jobs_and_daemonset_pods() {
        let cj = "---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly, namespace: 'n'}\nspec: {schedule: '@daily', jobTemplate: {spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: i}]}}}}}\n";
        let job = "---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: nightly-29000000\n  namespace: 'n'\n  ownerReferences: [{apiVersion: batch/v1, kind: CronJob, name: nightly, uid: u, controller: true}]\nspec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: i}]}}}\n";
        let jpod = pod(
            "nightly-29000000-x1",
            Some(("Job", "nightly-29000000")),
            None,
        );
        let c = load(&format!("{cj}{job}{jpod}"), false);
        assert_eq!(names(&c), vec!["n/nightly[CronJob] x1"]);
        // Without the CronJob, the Job's template is listed as the CronJob.
        assert_eq!(names(&load(job, false)), vec!["n/nightly[CronJob] x1"]);
        // A DaemonSet's size is its live pods.
        let ds = "---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: 'n'}\nspec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: i}]}}}\n";
        let mut y = ds.to_string();
        for i in 0..3 {
            y += &pod(&format!("agent-{i}"), Some(("DaemonSet", "agent")), None);
        }
        let c = load(&y, false);
        assert_eq!(c.pod_count(), 3);
        assert!(c
            .pods
            .iter()
            .all(|p| p.workload.to_string() == "n/agent[DaemonSet]"));
    }

    #[test]
    fn owner_loops_end() {
        // Two ReplicaSets owning each other: crafted, refused by nothing,
        // but the chain ends.
        let a = "---\napiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: a\n  namespace: 'n'\n  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: b, uid: u, controller: true}]\nspec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: i}]}}}\n";
        let b = a
            .replace("name: a\n", "name: x\n")
            .replace("name: b,", "name: a,")
            .replace("name: x\n", "name: b\n");
        let p = pod("p", Some(("ReplicaSet", "a")), None);
        let c = load(&format!("{a}{b}{p}"), false);
        assert_eq!(c.pod_count(), 1);
    }
}
