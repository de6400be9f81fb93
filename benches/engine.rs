//! Criterion benches over deterministic synthetic clusters.
//! `cargo bench -- --quick` runs them all in a few minutes on 2 cores.

use blastradius::attack::graph::{AttackGraph, SimOptions};
use blastradius::attack::rank::rank_all;
use blastradius::engine::reach::{ReachOptions, Reachability};
use blastradius::engine::view::{entities, ConnView, Level};
use blastradius::input::{load_str, LoadOptions};
use blastradius::util::synth::{generate, SynthOptions};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

fn sizes() -> Vec<(usize, usize, usize)> {
    // (pods, namespaces, policies); BLASTRADIUS_BENCH_SMALL=1 skips 100k.
    let mut v = vec![(1_000, 10, 100), (10_000, 50, 1_000)];
    if std::env::var_os("BLASTRADIUS_BENCH_SMALL").is_none() {
        v.push((100_000, 700, 7_000));
    }
    v
}

fn synth(pods: usize, namespaces: usize, policies: usize) -> String {
    generate(&SynthOptions {
        pods,
        namespaces,
        policies,
        seed: 1,
        // Keeps classes in the thousands at every size, as in real clusters
        // where replicas and templates repeat.
        label_diversity: if pods >= 100_000 { 1 } else { 20 },
        ..SynthOptions::default()
    })
}

fn bench_load(c: &mut Criterion) {
    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    for (p, n, k) in sizes() {
        let text = synth(p, n, k);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(p), &text, |b, t| {
            b.iter(|| load_str("synth", black_box(t), &LoadOptions::default()).unwrap())
        });
    }
    g.finish();
}

/// What `kubectl get ns,pods,netpol -A -o json|yaml` prints for a 10,000-pod
/// cluster (managedFields, status, owners): 64 MB of JSON, 100 MB of YAML.
/// `RAYON_NUM_THREADS=1` gives the one-core figure.
fn bench_load_live(c: &mut Criterion) {
    use blastradius::util::live::{write_dump, LiveOptions};
    let mut g = c.benchmark_group("load_live");
    g.sample_size(10);
    let manifests = synth(10_000, 100, 1_000);
    let objects = blastradius::input::manifest_objects("synth", &manifests, false).unwrap();
    for yaml in [false, true] {
        let mut buf = Vec::new();
        let opts = LiveOptions {
            workloads: false,
            yaml,
            seed: 1,
        };
        write_dump(&objects, opts, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        g.throughput(Throughput::Bytes(text.len() as u64));
        let id = if yaml { "yaml/10000" } else { "json/10000" };
        g.bench_with_input(BenchmarkId::from_parameter(id), &text, |b, t| {
            b.iter(|| {
                blastradius::input::load_text("live", black_box(t), !yaml, &LoadOptions::default())
                    .unwrap()
            })
        });
    }
    g.finish();
}

fn bench_compile(c: &mut Criterion) {
    let mut g = c.benchmark_group("compile");
    g.sample_size(10);
    for (p, n, k) in sizes() {
        let cluster = load_str("synth", &synth(p, n, k), &LoadOptions::default()).unwrap();
        g.bench_with_input(BenchmarkId::from_parameter(p), &cluster, |b, cl| {
            b.iter(|| Reachability::compile(black_box(cl), &ReachOptions::default()))
        });
    }
    g.finish();
}

/// Issue 13's target: a 10,000-pod cluster with 1,000 NetworkPolicies
/// compiles with 100 admin and 10 baseline policies added within 1.5× the
/// time without them (`tiers/without` vs `tiers/with`).
fn bench_compile_tiers(c: &mut Criterion) {
    let mut g = c.benchmark_group("tiers");
    g.sample_size(10);
    for (id, admin, baseline) in [("without", 0, 0), ("with", 100, 10)] {
        let text = generate(&SynthOptions {
            pods: 10_000,
            namespaces: 50,
            policies: 1_000,
            seed: 1,
            label_diversity: 20,
            admin_policies: admin,
            baseline_policies: baseline,
            heavy_policies: 0,
        });
        let cl = load_str("synth", &text, &LoadOptions::default()).unwrap();
        g.bench_function(BenchmarkId::from_parameter(id), |b| {
            b.iter(|| Reachability::compile(black_box(&cl), &ReachOptions::default()))
        });
    }
    g.finish();
}

fn bench_matrix_view(c: &mut Criterion) {
    let mut g = c.benchmark_group("workload_list");
    g.sample_size(10);
    // The full workload list is quadratic in workloads: 10k at most.
    for (p, n, k) in sizes().into_iter().filter(|s| s.0 <= 10_000) {
        let cluster = load_str("synth", &synth(p, n, k), &LoadOptions::default()).unwrap();
        let reach = Reachability::compile(&cluster, &ReachOptions::default());
        g.bench_function(BenchmarkId::from_parameter(p), |b| {
            b.iter(|| ConnView::build(black_box(&cluster), &reach, Level::Workload))
        });
    }
    g.finish();
}

fn bench_simulate(c: &mut Criterion) {
    let mut g = c.benchmark_group("simulate");
    g.sample_size(10);
    for (p, n, k) in sizes() {
        let cluster = load_str("synth", &synth(p, n, k), &LoadOptions::default()).unwrap();
        let reach = Reachability::compile(&cluster, &ReachOptions::default());
        let graph = AttackGraph::build(&cluster, &reach, &SimOptions::default());
        g.bench_function(BenchmarkId::new("graph", p), |b| {
            b.iter(|| AttackGraph::build(black_box(&cluster), &reach, &SimOptions::default()))
        });
        g.bench_function(BenchmarkId::new("one", p), |b| {
            b.iter(|| graph.spread(black_box(&[(0, 1)])))
        });
        let ents = entities(&cluster, &reach, Level::Workload);
        g.bench_function(BenchmarkId::new("all", p), |b| {
            b.iter(|| rank_all(black_box(&graph), &ents))
        });
    }
    g.finish();
}

/// Two clusters that differ in one policy: compile the new one and diff.
fn bench_diff(c: &mut Criterion) {
    use blastradius::review::diff::{diff, Side};
    let mut g = c.benchmark_group("diff");
    g.sample_size(10);
    for (p, n, k) in sizes().into_iter().filter(|s| s.0 <= 10_000) {
        let text = synth(p, n, k);
        let old = load_str("old", &text, &LoadOptions::default()).unwrap();
        let extra = "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: extra, namespace: ns-00001}\nspec:\n  podSelector: {matchLabels: {app: app-3}}\n  ingress:\n  - from: [{namespaceSelector: {}}]\n";
        let new = load_str("new", &format!("{text}{extra}"), &LoadOptions::default()).unwrap();
        let ro = Reachability::compile(&old, &ReachOptions::default());
        g.bench_function(BenchmarkId::from_parameter(p), |b| {
            b.iter(|| {
                let rn = Reachability::compile(&new, &ReachOptions::default());
                diff(
                    &Side {
                        cluster: &old,
                        reach: &ro,
                    },
                    &Side {
                        cluster: &new,
                        reach: &rn,
                    },
                    Level::Workload,
                    &[],
                    &SimOptions::default(),
                )
            })
        });
    }
    g.finish();
}

/// Choke points over every workload's blast radius.
fn bench_chokepoints(c: &mut Criterion) {
    let mut g = c.benchmark_group("chokepoints");
    g.sample_size(10);
    for (p, n, k) in sizes().into_iter().filter(|s| s.0 <= 10_000) {
        let cluster = load_str("synth", &synth(p, n, k), &LoadOptions::default()).unwrap();
        let reach = Reachability::compile(&cluster, &ReachOptions::default());
        let graph = AttackGraph::build(&cluster, &reach, &SimOptions::default());
        let starts: Vec<usize> = entities(&cluster, &reach, Level::Workload)
            .iter()
            .map(|e| e.pods[0])
            .collect();
        g.bench_function(BenchmarkId::from_parameter(p), |b| {
            b.iter(|| {
                blastradius::attack::chokepoints::chokepoints(black_box(&graph), &starts, &[], 10)
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    bench_load,
    bench_load_live,
    bench_compile,
    bench_compile_tiers,
    bench_matrix_view,
    bench_simulate,
    bench_diff,
    bench_chokepoints
);
criterion_main!(benches);
