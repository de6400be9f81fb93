//! Live dumps against manifests: what `kubectl get … -o json|yaml` prints
//! for a running cluster (made by `util::live`, as `synth --live` does) must
//! give the same workloads, pod counts and blast-radius ranking as the
//! manifests it runs, with and without the workload objects, in JSON and
//! YAML. `--ipblock-pods ignore`, since live pods have IPs.

use blastradius::attack::graph::{AttackGraph, SimOptions};
use blastradius::attack::rank::rank_all;
use blastradius::engine::reach::{ReachOptions, Reachability};
use blastradius::engine::view::{entities, Level};
use blastradius::input::{load_paths, manifest_objects, LoadOptions};
use blastradius::model::Cluster;
use blastradius::util::live::{write_dump, LiveOptions};
use blastradius::util::synth::{generate, SynthOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Workload → pods, and the ranking (workload, pods, blast radius).
type Summary = (BTreeMap<String, u64>, Vec<(String, u64, u64)>);

fn summary(c: &Cluster) -> Summary {
    let opts = ReachOptions {
        ipblock_pods: false,
    };
    let reach = Reachability::compile(c, &opts);
    let ents = entities(c, &reach, Level::Workload);
    let pods = ents.iter().map(|e| (e.name.clone(), e.replicas)).collect();
    let graph = AttackGraph::build(c, &reach, &SimOptions::default());
    let ranking = rank_all(&graph, &ents)
        .into_iter()
        .map(|r| (r.workload, r.replicas, r.blast_radius))
        .collect();
    (pods, ranking)
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(p);
        }
    }
}

/// Load every live dump of these manifests and compare with them.
fn check(name: &str, manifests: &Cluster, text: &str) -> usize {
    let objects = manifest_objects(name, text, false).unwrap();
    let want = summary(manifests);
    assert!(!want.0.is_empty(), "{name}: no workloads");
    let tmp = std::env::temp_dir().join(format!("blastradius-live-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut checked = 0;
    for workloads in [false, true] {
        for yaml in [false, true] {
            let opts = LiveOptions {
                workloads,
                yaml,
                seed: 3,
            };
            let mut buf = Vec::new();
            write_dump(&objects, opts, &mut buf).unwrap();
            let file = tmp.join(format!(
                "{}.{}",
                name.replace('/', "_"),
                if yaml { "yaml" } else { "json" }
            ));
            std::fs::write(&file, &buf).unwrap();
            let live = load_paths(std::slice::from_ref(&file), &LoadOptions::default())
                .unwrap_or_else(|e| panic!("{name} {opts:?}: {e}"));
            // Every object is as kubectl prints it: pods carry IPs and owners.
            assert!(live.pods.iter().all(|p| !p.ips.is_empty()), "{name}");
            let got = summary(&live);
            assert_eq!(got.0, want.0, "{name} {opts:?}: workloads and pod counts");
            assert_eq!(got.1, want.1, "{name} {opts:?}: ranking");
            std::fs::remove_file(&file).unwrap();
            checked += 1;
        }
    }
    checked
}

/// The clusters of the bundled scenarios: `shop` is one; every lesson
/// folder holds one per subfolder (`mistake`, `fixed`, `before`, …).
fn scenario_clusters() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let subdirs = |d: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        v.sort();
        v
    };
    let mut out = Vec::new();
    for dir in subdirs(&root) {
        if dir.ends_with("shop") {
            out.push(dir);
        } else {
            out.extend(subdirs(&dir));
        }
    }
    out
}

#[test]
fn bundled_scenarios_live_dumps_match_their_manifests() {
    let clusters = scenario_clusters();
    let mut checked = 0;
    for dir in &clusters {
        let mut files = Vec::new();
        yaml_files(dir, &mut files);
        let text: String = files
            .iter()
            .map(|f| format!("---\n{}\n", std::fs::read_to_string(f).unwrap()))
            .collect();
        let manifests = load_paths(&files, &LoadOptions::default()).unwrap();
        let name = dir
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap()
            .display()
            .to_string();
        checked += check(&name, &manifests, &text);
    }
    assert_eq!(clusters.len(), 18, "{clusters:?}");
    assert_eq!(checked, 18 * 4);
}

#[test]
fn synthetic_cluster_live_dumps_match_the_manifests() {
    let text = generate(&SynthOptions {
        pods: 600,
        namespaces: 8,
        policies: 120,
        seed: 5,
        label_diversity: 6,
        ..SynthOptions::default()
    });
    let manifests = blastradius::input::load_str("synth", &text, &LoadOptions::default()).unwrap();
    assert_eq!(check("synth", &manifests, &text), 4);
}
