//! The attacker model (`simulate`), checked on small hand-computed clusters.
//!
//! Every scenario is a few Pods or Deployments plus NetworkPolicies in YAML;
//! each expected value (hop of every workload, cumulative pods per hop, blast
//! radius, paths, crown-jewel hops, exfiltration ranges) is computed by hand
//! in the comment next to it. Every simulation also goes through
//! `check_counts` and `check_paths`: fractions equal pods / total, paths start at the held
//! workload, have one step per hop, and each step is allowed by `explain`.

use assert_cmd::Command;
use blastradius::attack::graph::{AttackGraph, SimOptions, Target};
use blastradius::attack::rank::rank_all;
use blastradius::attack::simulate::SimResult;
use blastradius::engine::explain::{explain, Endpoint};
use blastradius::engine::reach::{ReachOptions, Reachability};
use blastradius::engine::view::{entities, Level};
use blastradius::input::{load_str, LoadOptions};
use blastradius::model::ports::{parse_port_list, ConnSet, Protocol};
use blastradius::model::Cluster;
use std::collections::BTreeMap;

// ---------------------------------------------------------------- helpers

struct World {
    c: Cluster,
    r: Reachability,
}

impl World {
    fn new(docs: &[String]) -> World {
        let text = docs.join("---\n");
        let c = load_str("t", &text, &LoadOptions::default())
            .unwrap_or_else(|e| panic!("load failed:\n{e}\n--- input ---\n{text}"));
        let r = Reachability::compile(&c, &ReachOptions::default());
        World { c, r }
    }

    fn idx(&self, spec: &str) -> usize {
        self.c.find_pods(spec).unwrap_or_else(|e| panic!("{e}"))[0]
    }

    /// Simulate from `start` (one pod held, as `--from` does) and check the
    /// invariants every result must satisfy.
    fn sim(&self, opts: &SimOptions, start: &str, targets: &[&str]) -> SimResult {
        let res = self.sim_counts_only(opts, start, targets);
        self.check_paths(&res, opts);
        res
    }

    /// Like `sim`, checking counts and fractions but not paths.
    fn sim_counts_only(&self, opts: &SimOptions, start: &str, targets: &[&str]) -> SimResult {
        let g = AttackGraph::build(&self.c, &self.r, opts);
        let p = self.idx(start);
        let name = self.c.pods[p].workload.to_string();
        let targets: Vec<Target> = targets.iter().map(|t| Target::parse(t).unwrap()).collect();
        let res = g.simulate(&name, &[(p, 1)], &targets);
        self.check_counts(&res);
        res
    }

    fn run(&self, start: &str) -> SimResult {
        self.sim(&SimOptions::default(), start, &[])
    }

    /// The connections `explain` allows from pod entry `s` to pod entry `d`
    /// (both `ns/name`).
    fn allowed(&self, s: &str, d: &str) -> ConnSet {
        explain(
            &self.c,
            &ReachOptions::default(),
            &Endpoint::Pod(self.idx(s), String::new()),
            &Endpoint::Pod(self.idx(d), String::new()),
        )
        .allowed
    }

    fn check_counts(&self, res: &SimResult) {
        let total = res.total_pods;
        assert_eq!(total, self.c.pod_count());
        // 10. fractions are pods / total.
        assert_eq!(res.blast_fraction, res.blast_radius as f64 / total as f64);
        for h in &res.hops {
            assert_eq!(h.fraction, h.pods as f64 / total as f64, "hop {}", h.hop);
        }
        // Hops are 0.. in order; cumulative pods add up; the last hop's
        // count is the held pods plus the blast radius.
        let mut cum = 0;
        for (i, h) in res.hops.iter().enumerate() {
            assert_eq!(h.hop, i);
            cum += h.new_pods;
            assert_eq!(h.pods, cum, "hop {i}: cumulative pods");
            assert_eq!(
                h.new_by_namespace.values().sum::<u64>(),
                h.new_pods,
                "hop {i}: new_by_namespace adds up to new_pods"
            );
        }
        assert_eq!(res.hops[0].new_pods, res.start_pods);
        assert_eq!(
            res.hops.last().unwrap().pods,
            res.start_pods + res.blast_radius
        );
    }

    fn check_paths(&self, res: &SimResult, opts: &SimOptions) {
        // Paths: start at the held workload, one step per hop, every step
        // allowed on the ports it shows (within `via` when given).
        let start = plain(&res.start);
        for r in &res.reached {
            self.check_path(&r.path, start, r.hop, opts);
            assert_eq!(plain(&r.workload), last_node(&r.path), "{}", r.path);
        }
        for t in &res.targets {
            if let (Some(h), Some(p)) = (t.hop, &t.path) {
                if h > 0 {
                    self.check_path(p, start, h, opts);
                }
            }
        }
    }

    fn check_path(&self, path: &str, start: &str, hop: usize, opts: &SimOptions) {
        let (nodes, conns) = split_path(path);
        assert_eq!(nodes[0], start, "path {path} starts at the held workload");
        assert_eq!(conns.len(), hop, "path {path} has one step per hop");
        for (i, label) in conns.iter().enumerate() {
            let allowed = self.allowed(&nodes[i], &nodes[i + 1]);
            let shown = parse_label(label);
            assert!(!shown.is_empty(), "{path}: step {i} shows no ports");
            assert!(
                shown.subtract(&allowed).is_empty(),
                "{path}: step {} -> {} shows `{label}` but explain allows {}",
                nodes[i],
                nodes[i + 1],
                allowed.to_connlist()
            );
            if let Some(via) = &opts.via {
                assert!(
                    shown.subtract(via).is_empty(),
                    "{path}: step {i} `{label}` outside --via"
                );
            }
        }
    }
}

/// `ns/name[Kind]` -> `ns/name`.
fn plain(s: &str) -> &str {
    s.split('[').next().unwrap()
}

/// `x/a -[TCP 80]-> x/b` -> (["x/a", "x/b"], ["TCP 80"]). A step to the
/// start's own other replicas (`x/a → its other replica`, or `… -[TCP
/// 80]-> its 2 other replicas`) names the start again; the `→` step shows
/// its ports in parentheses (`x/a → its other replica (TCP 80)`).
fn split_path(path: &str) -> (Vec<String>, Vec<String>) {
    let mut nodes = Vec::new();
    let mut conns = Vec::new();
    let mut rest = path;
    if let Some((a, b)) = path.split_once(" → ") {
        let (who, ports) = b.split_once(" (").expect("`(ports)` after the replicas");
        assert!(is_other_replicas(who), "{path}");
        let ports = ports.strip_suffix(')').expect("`)` closes the ports");
        return (vec![a.to_string(), a.to_string()], vec![ports.to_string()]);
    }
    loop {
        match rest.split_once(" -[") {
            None => {
                nodes.push(rest.to_string());
                break;
            }
            Some((n, tail)) => {
                nodes.push(n.to_string());
                let (c, tail) = tail.split_once("]-> ").expect("`]-> ` after `-[`");
                conns.push(c.to_string());
                rest = tail;
            }
        }
    }
    if nodes.last().is_some_and(|n| is_other_replicas(n)) {
        let first = nodes[0].clone();
        *nodes.last_mut().unwrap() = first;
    }
    (nodes, conns)
}

/// `its other replica`, `its 3 other replicas`.
fn is_other_replicas(s: &str) -> bool {
    s == "its other replica" || (s.starts_with("its ") && s.ends_with(" other replicas"))
}

fn last_node(path: &str) -> String {
    split_path(path).0.pop().unwrap()
}

/// A path label (`any`, `TCP 53,UDP 53`, `TCP 80,…`) as a ConnSet; a
/// shortened label stands for its first port.
fn parse_label(label: &str) -> ConnSet {
    if label == "any" {
        return ConnSet::all();
    }
    let label = label.trim_end_matches(",…");
    let mut proto = "";
    let mut specs = Vec::new();
    for tok in label.split(',') {
        let ports = match tok.split_once(' ') {
            Some((p, ports)) => {
                proto = p;
                ports
            }
            None => tok,
        };
        specs.push(format!("{ports}/{proto}"));
    }
    parse_port_list(&specs.join(",")).unwrap_or_else(|e| panic!("label `{label}`: {e}"))
}

/// Hop of every reached workload, by `ns/name[Kind]`.
fn hops_of(res: &SimResult) -> BTreeMap<String, usize> {
    res.reached
        .iter()
        .map(|r| (r.workload.clone(), r.hop))
        .collect()
}

fn path_of(res: &SimResult, workload: &str) -> String {
    res.reached
        .iter()
        .find(|r| r.workload == workload)
        .unwrap_or_else(|| panic!("{workload} not reached: {:#?}", res.reached))
        .path
        .clone()
}

/// Cumulative pods per hop.
fn cumulative(res: &SimResult) -> Vec<u64> {
    res.hops.iter().map(|h| h.pods).collect()
}

fn new_pods(res: &SimResult) -> Vec<u64> {
    res.hops.iter().map(|h| h.new_pods).collect()
}

fn exfil(res: &SimResult) -> Vec<(String, usize, String, String)> {
    res.exfiltration
        .iter()
        .map(|e| (e.range.clone(), e.hop, e.from.clone(), e.conns.clone()))
        .collect()
}

fn max_hops(n: usize) -> SimOptions {
    SimOptions {
        max_hops: Some(n),
        ..SimOptions::default()
    }
}

fn m(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

// ---------------------------------------------------------------- manifests

/// A pod; `labels` is the inside of a flow mapping (`app: a, tier: db`).
// Namespaces are quoted: a test names one `y`, a boolean in YAML 1.1 as
// kubectl reads it.
fn pod(ns: &str, name: &str, labels: &str, ports: &[u16]) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: '{ns}', labels: {{{labels}}}}}\nspec: {{containers: [{{name: c, image: img{}}}]}}\n",
        container_ports(ports)
    )
}

fn deployment(ns: &str, name: &str, replicas: u32, labels: &str, ports: &[u16]) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: '{ns}'}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{{labels}}}}}\n  template:\n    metadata: {{labels: {{{labels}}}}}\n    spec: {{containers: [{{name: c, image: img{}}}]}}\n",
        container_ports(ports)
    )
}

fn container_ports(ports: &[u16]) -> String {
    if ports.is_empty() {
        return String::new();
    }
    let list: Vec<String> = ports
        .iter()
        .map(|p| format!("{{containerPort: {p}}}"))
        .collect();
    format!(", ports: [{}]", list.join(", "))
}

fn namespace(name: &str, labels: &str) -> String {
    format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {{{labels}}}}}\n")
}

/// A NetworkPolicy; `spec` is the body of `spec:` in block style, indented
/// by two spaces.
fn np(ns: &str, name: &str, spec: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: '{ns}'}}\nspec:\n{spec}"
    )
}

/// Deny all ingress to every pod of `ns`.
fn deny_ingress(ns: &str) -> String {
    np(
        ns,
        "deny-ingress",
        "  podSelector: {}\n  policyTypes: [Ingress]\n",
    )
}

/// Let pods `app=from` (same namespace) reach pods `app=to` on TCP `port`.
fn allow(ns: &str, to: &str, from: &str, port: u16) -> String {
    np(
        ns,
        &format!("{to}-from-{from}"),
        &format!(
            "  podSelector: {{matchLabels: {{app: {to}}}}}\n  ingress:\n  - from: [{{podSelector: {{matchLabels: {{app: {from}}}}}}}]\n    ports: [{{port: {port}, protocol: TCP}}]\n"
        ),
    )
}

// ---------------------------------------------------------------- 1. chain

/// a -> b (8080) -> c (5432) -> d (6379) in namespace x; every pod is
/// ingress-isolated, egress is open.
fn chain() -> World {
    World::new(&[
        pod("x", "a", "app: a", &[]),
        pod("x", "b", "app: b", &[8080]),
        pod("x", "c", "app: c", &[5432]),
        pod("x", "d", "app: d", &[6379]),
        deny_ingress("x"),
        allow("x", "b", "a", 8080),
        allow("x", "c", "b", 5432),
        allow("x", "d", "c", 6379),
    ])
}

#[test]
fn chain_spreads_one_hop_per_link() {
    let w = chain();
    let res = w.run("x/a");
    // Held: a (1 pod). Hop 1: b; hop 2: c; hop 3: d. Nothing reaches a.
    assert_eq!(res.start, "x/a[Pod]");
    assert_eq!(res.start_pods, 1);
    assert_eq!(res.total_pods, 4);
    assert_eq!(
        hops_of(&res),
        m(&[("x/b[Pod]", 1), ("x/c[Pod]", 2), ("x/d[Pod]", 3)])
    );
    // Cumulative pods: 1 held, then +1 per hop.
    assert_eq!(cumulative(&res), vec![1, 2, 3, 4]);
    assert_eq!(new_pods(&res), vec![1, 1, 1, 1]);
    assert_eq!(res.blast_radius, 3);
    assert_eq!(res.blast_fraction, 0.75);
    let fr: Vec<f64> = res.hops.iter().map(|h| h.fraction).collect();
    assert_eq!(fr, vec![0.25, 0.5, 0.75, 1.0]);
    let wl: Vec<usize> = res.hops.iter().map(|h| h.workloads).collect();
    assert_eq!(wl, vec![1, 2, 3, 4]);
    let nws: Vec<Vec<String>> = res.hops.iter().map(|h| h.new_workloads.clone()).collect();
    assert_eq!(
        nws,
        vec![
            s(&["x/a[Pod]"]),
            s(&["x/b[Pod]"]),
            s(&["x/c[Pod]"]),
            s(&["x/d[Pod]"])
        ]
    );
    assert!(res.hops.iter().all(|h| h.namespaces == 1));
    assert!(res
        .hops
        .iter()
        .all(|h| h.new_by_namespace == BTreeMap::from([("x".to_string(), 1)])));
    // Paths, sorted by hop.
    let paths: Vec<&str> = res.reached.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "x/a -[TCP 8080]-> x/b",
            "x/a -[TCP 8080]-> x/b -[TCP 5432]-> x/c",
            "x/a -[TCP 8080]-> x/b -[TCP 5432]-> x/c -[TCP 6379]-> x/d",
        ]
    );
    // a has no egress policy: every external address, all ports, at hop 0.
    // No ipBlock anywhere: one IPv4 atom (IPv6 is not in use, not listed).
    assert_eq!(
        exfil(&res),
        vec![(
            "0.0.0.0/0".into(),
            0,
            "x/a[Pod]".into(),
            "All Connections".into()
        )]
    );
}

#[test]
fn chain_from_the_middle_and_the_end() {
    let w = chain();
    // From b: c at 1, d at 2; a is never reached (only ingress-denied).
    let res = w.run("x/b");
    assert_eq!(hops_of(&res), m(&[("x/c[Pod]", 1), ("x/d[Pod]", 2)]));
    assert_eq!(cumulative(&res), vec![1, 2, 3]);
    assert_eq!(res.blast_radius, 2);
    assert_eq!(
        path_of(&res, "x/d[Pod]"),
        "x/b -[TCP 5432]-> x/c -[TCP 6379]-> x/d"
    );
    // From d: nothing (every other pod denies d's ingress).
    let res = w.run("x/d");
    assert!(res.reached.is_empty());
    assert_eq!(cumulative(&res), vec![1]);
    assert_eq!(res.blast_radius, 0);
    assert_eq!(res.blast_fraction, 0.0);
}

#[test]
fn chain_max_hops_stops_the_spread() {
    let w = chain();
    // max_hops 2: b (1), c (2); d would fall at hop 3.
    let res = w.sim(&max_hops(2), "x/a", &["app=d"]);
    assert_eq!(hops_of(&res), m(&[("x/b[Pod]", 1), ("x/c[Pod]", 2)]));
    assert_eq!(cumulative(&res), vec![1, 2, 3]);
    assert_eq!(res.blast_radius, 2);
    assert_eq!(res.blast_fraction, 0.5);
    assert_eq!(res.targets[0].matches, s(&["x/d[Pod]"]));
    assert_eq!(res.targets[0].hop, None);
    // max_hops 3 is exactly enough.
    let res = w.sim(&max_hops(3), "x/a", &[]);
    assert_eq!(res.blast_radius, 3);
    assert_eq!(hops_of(&res).get("x/d[Pod]"), Some(&3));
    // max_hops 1: b only.
    let res = w.sim(&max_hops(1), "x/a", &[]);
    assert_eq!(hops_of(&res), m(&[("x/b[Pod]", 1)]));
    assert_eq!(cumulative(&res), vec![1, 2]);
    // max_hops 0: only the held pod.
    let res = w.sim(&max_hops(0), "x/a", &[]);
    assert!(res.reached.is_empty());
    assert_eq!(cumulative(&res), vec![1]);
    assert_eq!(res.blast_radius, 0);
}

// ---------------------------------------------------------------- 2. diamond

#[test]
fn diamond_reaches_the_sink_at_hop_two_along_allowed_steps() {
    // a -> b (8080), a -> c (8081), b -> d (9000), c -> d (9001).
    let w = World::new(&[
        pod("x", "a", "app: a", &[]),
        pod("x", "b", "app: b", &[8080]),
        pod("x", "c", "app: c", &[8081]),
        pod("x", "d", "app: d", &[9000, 9001]),
        deny_ingress("x"),
        allow("x", "b", "a", 8080),
        allow("x", "c", "a", 8081),
        np(
            "x",
            "d-from-b-and-c",
            "  podSelector: {matchLabels: {app: d}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: b}}}]\n    ports: [{port: 9000}]\n  - from: [{podSelector: {matchLabels: {app: c}}}]\n    ports: [{port: 9001}]\n",
        ),
    ]);
    let res = w.run("x/a");
    // Hop 1: b and c (2 pods); hop 2: d.
    assert_eq!(
        hops_of(&res),
        m(&[("x/b[Pod]", 1), ("x/c[Pod]", 1), ("x/d[Pod]", 2)])
    );
    assert_eq!(cumulative(&res), vec![1, 3, 4]);
    assert_eq!(new_pods(&res), vec![1, 2, 1]);
    assert_eq!(res.hops[1].new_workloads, s(&["x/b[Pod]", "x/c[Pod]"]));
    assert_eq!(res.blast_radius, 3);
    assert_eq!(path_of(&res, "x/b[Pod]"), "x/a -[TCP 8080]-> x/b");
    assert_eq!(path_of(&res, "x/c[Pod]"), "x/a -[TCP 8081]-> x/c");
    let p = path_of(&res, "x/d[Pod]");
    assert!(
        p == "x/a -[TCP 8080]-> x/b -[TCP 9000]-> x/d"
            || p == "x/a -[TCP 8081]-> x/c -[TCP 9001]-> x/d",
        "{p}"
    );
    // Every step of every path is allowed on the port shown (explicitly here,
    // on top of check_paths).
    for r in &res.reached {
        let (nodes, conns) = split_path(&r.path);
        for i in 0..conns.len() {
            let allowed = w.allowed(&nodes[i], &nodes[i + 1]);
            assert!(!allowed.is_empty(), "{}", r.path);
            let (proto, port) = conns[i].split_once(' ').unwrap();
            assert_eq!(proto, "TCP");
            assert!(
                allowed.contains(Protocol::Tcp, port.parse().unwrap()),
                "{}: {} -> {} does not allow {}",
                r.path,
                nodes[i],
                nodes[i + 1],
                conns[i]
            );
        }
    }
    // The cross steps are denied: b may not use 9001, a may not reach d.
    assert_eq!(w.allowed("x/b", "x/d").to_connlist(), "TCP 9000");
    assert!(w.allowed("x/a", "x/d").is_empty());
}

// ---------------------------------------------------------------- 3. AND vs OR

/// prod/db accepts TCP 5432 from `peers`; everything else denies all
/// ingress. prod and dev are labelled env=prod / env=dev.
fn and_or(peers: &str) -> World {
    World::new(&[
        namespace("prod", "env: prod"),
        namespace("dev", "env: dev"),
        pod("prod", "db", "app: db", &[5432]),
        pod("prod", "web", "app: web", &[]),
        pod("prod", "other", "app: other", &[]),
        pod("dev", "web", "app: web", &[]),
        pod("dev", "other", "app: other", &[]),
        deny_ingress("prod"),
        deny_ingress("dev"),
        np(
            "prod",
            "db-ingress",
            &format!(
                "  podSelector: {{matchLabels: {{app: db}}}}\n  ingress:\n  - from: {peers}\n    ports: [{{port: 5432}}]\n"
            ),
        ),
    ])
}

#[test]
fn and_peer_versus_or_peers() {
    // One peer: namespace env=dev AND pod app=web -> only dev/web.
    let and = and_or(
        "[{namespaceSelector: {matchLabels: {env: dev}}, podSelector: {matchLabels: {app: web}}}]",
    );
    // Two peers: any pod of env=dev, OR app=web in prod (the policy's
    // namespace) -> dev/web, dev/other, prod/web.
    let or = and_or("[{namespaceSelector: {matchLabels: {env: dev}}}, {podSelector: {matchLabels: {app: web}}}]");
    let db_only = m(&[("prod/db[Pod]", 1)]);
    let none = m(&[]);
    for (start, and_expect, or_expect) in [
        ("dev/web", &db_only, &db_only),
        ("dev/other", &none, &db_only),
        ("prod/web", &none, &db_only),
        ("prod/other", &none, &none),
        ("prod/db", &none, &none),
    ] {
        let a = and.run(start);
        assert_eq!(&hops_of(&a), and_expect, "AND from {start}");
        assert_eq!(a.blast_radius, and_expect.len() as u64, "AND from {start}");
        let o = or.run(start);
        assert_eq!(&hops_of(&o), or_expect, "OR from {start}");
        assert_eq!(o.blast_radius, or_expect.len() as u64, "OR from {start}");
        if !or_expect.is_empty() {
            assert_eq!(
                path_of(&o, "prod/db[Pod]"),
                format!("{start} -[TCP 5432]-> prod/db")
            );
            // The new pod is in prod.
            assert_eq!(
                o.hops[1].new_by_namespace,
                BTreeMap::from([("prod".to_string(), 1)])
            );
            assert_eq!(
                o.hops[1].namespaces,
                if start.starts_with("dev/") { 2 } else { 1 }
            );
        }
    }
}

// ---------------------------------------------------------------- 4. egress-only isolation

#[test]
fn egress_policy_to_one_destination_reaches_only_it() {
    // No ingress policy anywhere; a may only send to app=b on TCP 80.
    let w = World::new(&[
        pod("x", "a", "app: a", &[]),
        pod("x", "b", "app: b", &[80]),
        pod("x", "c", "app: c", &[80]),
        pod("x", "d", "app: d", &[]),
        np(
            "x",
            "a-egress",
            "  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{podSelector: {matchLabels: {app: b}}}]\n    ports: [{port: 80}]\n",
        ),
    ]);
    assert_eq!(w.allowed("x/a", "x/b").to_connlist(), "TCP 80");
    assert!(w.allowed("x/a", "x/c").is_empty());
    assert!(w.allowed("x/a", "x/d").is_empty());
    // One hop: b only.
    let res = w.sim(&max_hops(1), "x/a", &[]);
    assert_eq!(hops_of(&res), m(&[("x/b[Pod]", 1)]));
    assert_eq!(res.blast_radius, 1);
    assert_eq!(path_of(&res, "x/b[Pod]"), "x/a -[TCP 80]-> x/b");
    // a reaches no external address; b (no policy) does, from hop 1.
    assert_eq!(
        exfil(&res),
        vec![(
            "0.0.0.0/0".into(),
            1,
            "x/b[Pod]".into(),
            "All Connections".into()
        )]
    );
    // Unbounded: b is not isolated, so c and d fall at hop 2 through b.
    let res = w.run("x/a");
    assert_eq!(
        hops_of(&res),
        m(&[("x/b[Pod]", 1), ("x/c[Pod]", 2), ("x/d[Pod]", 2)])
    );
    assert_eq!(cumulative(&res), vec![1, 2, 4]);
    assert_eq!(
        path_of(&res, "x/c[Pod]"),
        "x/a -[TCP 80]-> x/b -[any]-> x/c"
    );
    assert_eq!(
        path_of(&res, "x/d[Pod]"),
        "x/a -[TCP 80]-> x/b -[any]-> x/d"
    );
    // a cannot leave the cluster; b can, from hop 1.
    assert_eq!(
        exfil(&res),
        vec![(
            "0.0.0.0/0".into(),
            1,
            "x/b[Pod]".into(),
            "All Connections".into()
        )]
    );
    // From c (no policy at all): a, b, d at hop 1 (a is not ingress-isolated).
    let res = w.run("x/c");
    assert_eq!(
        hops_of(&res),
        m(&[("x/a[Pod]", 1), ("x/b[Pod]", 1), ("x/d[Pod]", 1)])
    );
    assert_eq!(path_of(&res, "x/a[Pod]"), "x/c -[any]-> x/a");
}

// ---------------------------------------------------------------- 5. ipBlock exfiltration

/// web -> relay (TCP 8080) only; relay -> 0.0.0.0/0 except 10.0.0.0/8 on
/// TCP 443 only; db has no policy. Pods have no IPs, so the ipBlock matches
/// no pod.
fn exfil_world() -> World {
    World::new(&[
        pod("x", "web", "app: web", &[]),
        pod("x", "relay", "app: relay", &[8080]),
        pod("x", "db", "app: db", &[5432]),
        np(
            "x",
            "web-egress",
            "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{podSelector: {matchLabels: {app: relay}}}]\n    ports: [{port: 8080}]\n",
        ),
        np(
            "x",
            "relay-egress",
            "  podSelector: {matchLabels: {app: relay}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]\n    ports: [{port: 443, protocol: TCP}]\n",
        ),
    ])
}

#[test]
fn ipblock_exfiltration_at_the_hop_it_falls() {
    let w = exfil_world();
    let res = w.run("x/web");
    // Hop 1: relay. relay reaches no pod; web reaches no address.
    assert_eq!(hops_of(&res), m(&[("x/relay[Pod]", 1)]));
    assert_eq!(res.blast_radius, 1);
    // Atoms: 0-9.255.255.255, 10/8 (the hole, not allowed), 11-255...;
    // relay falls at hop 1 and allows TCP 443 to both outer atoms.
    assert_eq!(
        exfil(&res),
        vec![
            (
                "0.0.0.0-9.255.255.255".into(),
                1,
                "x/relay[Pod]".into(),
                "TCP 443".into()
            ),
            (
                "11.0.0.0-255.255.255.255".into(),
                1,
                "x/relay[Pod]".into(),
                "TCP 443".into()
            ),
        ]
    );
    // Held relay: the same two ranges at hop 0 (the 10/8 gap between them
    // keeps them apart).
    let res = w.run("x/relay");
    assert!(res.reached.is_empty());
    let ex = exfil(&res);
    assert_eq!(ex.len(), 2);
    assert!(ex.iter().all(|e| e.1 == 0 && e.3 == "TCP 443"));
}

/// Exfiltration rows are merged per source: adjacent atoms the source
/// reaches at the same hop with the same connections are one row, even when
/// another pod's ipBlock cuts them (SEM-21: an ipBlock is a CIDR minus its
/// holes; a cut made for another pod is no difference for this source).
/// A range that is exactly one CIDR prints as it (RFC 4632).
#[test]
fn exfiltration_merges_adjacent_ranges_per_source() {
    let w = World::new(&[
        pod("x", "web", "app: web", &[]),
        pod("x", "relay", "app: relay", &[8080]),
        pod("x", "db", "app: db", &[5432]),
        np(
            "x",
            "web-egress",
            "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{podSelector: {matchLabels: {app: relay}}}]\n    ports: [{port: 8080}]\n",
        ),
        np(
            "x",
            "relay-egress",
            "  podSelector: {matchLabels: {app: relay}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]\n    ports: [{port: 443}]\n  - to: [{ipBlock: {cidr: 10.0.0.0/8}}]\n    ports: [{port: 80}]\n",
        ),
        // db is never reached; its block cuts the atoms at 192.168/16.
        np(
            "x",
            "db-egress",
            "  podSelector: {matchLabels: {app: db}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 192.168.0.0/16}}]\n    ports: [{port: 22}]\n",
        ),
    ]);
    let res = w.run("x/web");
    // relay (hop 1): TCP 443 everywhere, TCP 80 too in 10/8; db's
    // 192.168/16 cut is no difference for relay: one row above 10/8.
    let row = |r: &str, c: &str| (r.to_string(), 1, "x/relay[Pod]".to_string(), c.to_string());
    assert_eq!(
        exfil(&res),
        vec![
            row("0.0.0.0-9.255.255.255", "TCP 443"),
            row("10.0.0.0/8", "TCP 80,443"),
            row("11.0.0.0-255.255.255.255", "TCP 443"),
        ]
    );
    // From db (held): only its block, printed as the CIDR.
    let res = w.run("x/db");
    assert_eq!(
        exfil(&res),
        vec![(
            "192.168.0.0/16".into(),
            0,
            "x/db[Pod]".into(),
            "TCP 22".into()
        )]
    );
}

#[test]
fn no_egress_policy_reaches_everything() {
    let w = exfil_world();
    // db has no policy: web and relay (not ingress-isolated) at hop 1, and
    // every external atom, 10/8 included, with all connections at hop 0.
    let res = w.run("x/db");
    assert_eq!(hops_of(&res), m(&[("x/relay[Pod]", 1), ("x/web[Pod]", 1)]));
    assert_eq!(path_of(&res, "x/web[Pod]"), "x/db -[any]-> x/web");
    // The atoms are cut at relay's 10.0.0.0/8 hole, but db sees no
    // difference between them: one row, the whole space as its CIDR.
    let ex = exfil(&res);
    let ranges: Vec<&str> = ex.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(ranges, vec!["0.0.0.0/0"]);
    assert!(
        ex.iter()
            .all(|e| e.1 == 0 && e.2 == "x/db[Pod]" && e.3 == "All Connections"),
        "{ex:?}"
    );
}

// ---------------------------------------------------------------- 6. crown jewels

/// x/web -> x/api (TCP 8080) -> y/db (tier=db, TCP 5432); y/db2 (tier=db)
/// and y/vault deny all ingress.
fn jewels() -> World {
    World::new(&[
        pod("x", "web", "app: web", &[]),
        pod("x", "api", "app: api", &[8080]),
        pod("y", "db", "app: db, tier: db", &[5432]),
        pod("y", "db2", "app: db2, tier: db", &[5432]),
        pod("y", "vault", "app: vault", &[8200]),
        deny_ingress("x"),
        deny_ingress("y"),
        allow("x", "api", "web", 8080),
        np(
            "y",
            "db-from-api",
            "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: x}}, podSelector: {matchLabels: {app: api}}}]\n    ports: [{port: 5432}]\n",
        ),
    ])
}

#[test]
fn crown_jewels_hop_path_and_misses() {
    let w = jewels();
    let res = w.run_targets(
        "x/web",
        &["tier=db", "tier=nothing", "app=vault", "app=web"],
    );
    // api at 1, db at 2; db2 and vault never.
    assert_eq!(hops_of(&res), m(&[("x/api[Pod]", 1), ("y/db[Pod]", 2)]));
    assert_eq!(cumulative(&res), vec![1, 2, 3]);
    let ns: Vec<usize> = res.hops.iter().map(|h| h.namespaces).collect();
    assert_eq!(ns, vec![1, 1, 2]);
    assert_eq!(
        res.hops[2].new_by_namespace,
        BTreeMap::from([("y".to_string(), 1)])
    );
    assert_eq!(res.total_pods, 5);
    assert_eq!(res.blast_fraction, 0.4);

    let t = &res.targets[0];
    assert_eq!(t.selector, "tier=db");
    // BTreeSet order: '2' < '['.
    assert_eq!(t.matches, s(&["y/db2[Pod]", "y/db[Pod]"]));
    assert_eq!(t.hop, Some(2));
    assert_eq!(t.workload.as_deref(), Some("y/db[Pod]"));
    assert_eq!(
        t.path.as_deref(),
        Some("x/web -[TCP 8080]-> x/api -[TCP 5432]-> y/db")
    );

    let t = &res.targets[1];
    assert_eq!(t.selector, "tier=nothing");
    assert!(t.matches.is_empty());
    assert_eq!((t.hop, &t.workload, &t.path), (None, &None, &None));

    let t = &res.targets[2];
    assert_eq!(t.matches, s(&["y/vault[Pod]"]));
    assert_eq!((t.hop, &t.workload, &t.path), (None, &None, &None));

    // A target the attacker already holds: hop 0, the path is the start.
    let t = &res.targets[3];
    assert_eq!(t.matches, s(&["x/web[Pod]"]));
    assert_eq!(t.hop, Some(0));
    assert_eq!(t.path.as_deref(), Some("x/web"));

    // Cut one hop short, the jewel is out of reach.
    let res = w.sim(&max_hops(1), "x/web", &["tier=db"]);
    assert_eq!(res.targets[0].hop, None);
    assert_eq!(res.targets[0].matches.len(), 2);
}

impl World {
    fn run_targets(&self, start: &str, targets: &[&str]) -> SimResult {
        self.sim(&SimOptions::default(), start, targets)
    }
}

// ---------------------------------------------------------------- 7. replicas

/// Deployment x/web (3 replicas, TCP 80) -> x/b (TCP 80) -> x/c (TCP 90);
/// `extra` adds policies.
fn replicas(extra: &[String]) -> World {
    let mut docs = vec![
        deployment("x", "web", 3, "app: web", &[80]),
        pod("x", "b", "app: b", &[80]),
        pod("x", "c", "app: c", &[90]),
        deny_ingress("x"),
        allow("x", "b", "web", 80),
        allow("x", "c", "b", 90),
    ];
    docs.extend_from_slice(extra);
    World::new(&docs)
}

#[test]
fn replicas_isolated_from_each_other_never_count() {
    let w = replicas(&[]);
    assert!(w.r.replica_to_replica(w.idx("x/web")).is_empty());
    let res = w.run("x/web");
    // One pod of 3 held; b at 1, c at 2; the 2 other web pods never.
    assert_eq!(res.start, "x/web[Deployment]");
    assert_eq!(res.start_pods, 1);
    assert_eq!(res.total_pods, 5);
    assert_eq!(hops_of(&res), m(&[("x/b[Pod]", 1), ("x/c[Pod]", 2)]));
    assert_eq!(cumulative(&res), vec![1, 2, 3]);
    assert_eq!(res.blast_radius, 2);
    assert_eq!(res.blast_fraction, 0.4);
    assert_eq!(path_of(&res, "x/b[Pod]"), "x/web -[TCP 80]-> x/b");
    assert_eq!(
        path_of(&res, "x/c[Pod]"),
        "x/web -[TCP 80]-> x/b -[TCP 90]-> x/c"
    );
    assert_eq!(res.hops[0].new_workloads, s(&["x/web[Deployment]"]));
    // Unlimited hops do not change it.
    let res = w.sim(&max_hops(10), "x/web", &[]);
    assert_eq!(res.blast_radius, 2);
}

#[test]
fn replicas_that_reach_each_other_count_at_hop_one() {
    let w = replicas(&[allow("x", "web", "web", 80)]);
    assert_eq!(
        w.r.replica_to_replica(w.idx("x/web")).to_connlist(),
        "TCP 80"
    );
    let res = w.sim(&SimOptions::default(), "x/web", &[]);
    // Hop 0: 1 held. Hop 1: the 2 other web pods + b = 3. Hop 2: c.
    assert_eq!(res.start_pods, 1);
    assert_eq!(new_pods(&res), vec![1, 3, 1]);
    assert_eq!(cumulative(&res), vec![1, 4, 5]);
    assert_eq!(res.blast_radius, 4);
    assert_eq!(res.blast_fraction, 0.8);
    assert_eq!(
        hops_of(&res),
        m(&[("x/b[Pod]", 1), ("x/c[Pod]", 2), ("x/web[Deployment]", 1)])
    );
    assert_eq!(
        path_of(&res, "x/web[Deployment]"),
        "x/web → its 2 other replicas (TCP 80)"
    );
    assert_eq!(res.hops[1].new_by_namespace["x"], 3);
    // The start workload is already counted at hop 0; its other replicas
    // are named in the hop's "more pods of", so the cell is never empty.
    assert_eq!(res.hops[1].new_workloads, s(&["x/b[Pod]"]));
    assert_eq!(res.hops[1].more_of, s(&["x/web[Deployment]"]));
    assert!(res.hops[2].more_of.is_empty());
    // A 1-hop cap still takes the other replicas.
    let res = w.sim_counts_only(&max_hops(1), "x/web", &[]);
    assert_eq!(cumulative(&res), vec![1, 4]);
    assert_eq!(res.blast_radius, 3);
}

#[test]

fn replicas_that_reach_each_other_do_not_lengthen_other_paths() {
    let w = replicas(&[allow("x", "web", "web", 80)]);
    let res = w.run("x/web");
    // b falls at hop 1 straight from the held pod; c at hop 2 through b.
    assert_eq!(path_of(&res, "x/b[Pod]"), "x/web -[TCP 80]-> x/b");
    assert_eq!(
        path_of(&res, "x/c[Pod]"),
        "x/web -[TCP 80]-> x/b -[TCP 90]-> x/c"
    );
}

#[test]
fn other_replicas_fall_when_another_workload_reaches_them() {
    // web pods do not reach each other, but c may reach web on 80: the 2
    // other web pods fall at hop 3 (web -> b -> c -> web).
    let w = replicas(&[allow("x", "web", "c", 80)]);
    assert!(w.r.replica_to_replica(w.idx("x/web")).is_empty());
    let res = w.sim(&SimOptions::default(), "x/web", &[]);
    assert_eq!(new_pods(&res), vec![1, 1, 1, 2]);
    assert_eq!(cumulative(&res), vec![1, 2, 3, 5]);
    assert_eq!(res.blast_radius, 4);
    assert_eq!(
        hops_of(&res),
        m(&[("x/b[Pod]", 1), ("x/c[Pod]", 2), ("x/web[Deployment]", 3)])
    );
}

#[test]

fn start_reached_again_keeps_paths_rooted_at_the_start() {
    let w = replicas(&[allow("x", "web", "c", 80)]);
    let res = w.run("x/web");
    assert_eq!(path_of(&res, "x/b[Pod]"), "x/web -[TCP 80]-> x/b");
    assert_eq!(
        path_of(&res, "x/c[Pod]"),
        "x/web -[TCP 80]-> x/b -[TCP 90]-> x/c"
    );
    assert_eq!(
        path_of(&res, "x/web[Deployment]"),
        "x/web -[TCP 80]-> x/b -[TCP 90]-> x/c -[TCP 80]-> its 2 other replicas"
    );
}

// ---------------------------------------------------------------- 8. via / listening_only

/// b accepts only TCP 80, c only TCP 5432, d (listens 9090) and e (listens
/// on nothing) accept everything; a starts.
fn ports_world() -> World {
    World::new(&[
        pod("x", "a", "app: a", &[]),
        pod("x", "b", "app: b", &[80]),
        pod("x", "c", "app: c", &[5432]),
        pod("x", "d", "app: d", &[9090]),
        pod("x", "e", "app: e", &[]),
        np(
            "x",
            "b-80",
            "  podSelector: {matchLabels: {app: b}}\n  ingress:\n  - ports: [{port: 80}]\n",
        ),
        np(
            "x",
            "c-5432",
            "  podSelector: {matchLabels: {app: c}}\n  ingress:\n  - ports: [{port: 5432}]\n",
        ),
    ])
}

#[test]
fn via_and_listening_only_restrict_the_spread() {
    let w = ports_world();
    let all = m(&[
        ("x/b[Pod]", 1),
        ("x/c[Pod]", 1),
        ("x/d[Pod]", 1),
        ("x/e[Pod]", 1),
    ]);
    let res = w.run("x/a");
    assert_eq!(hops_of(&res), all);
    assert_eq!(res.blast_radius, 4);
    assert_eq!(path_of(&res, "x/d[Pod]"), "x/a -[any]-> x/d");

    // via 80/TCP: c (5432 only) drops out; b, d, e on TCP 80.
    let via80 = SimOptions {
        via: Some(parse_port_list("80/TCP").unwrap()),
        ..SimOptions::default()
    };
    let res = w.sim(&via80, "x/a", &[]);
    assert_eq!(
        hops_of(&res),
        m(&[("x/b[Pod]", 1), ("x/d[Pod]", 1), ("x/e[Pod]", 1)])
    );
    assert_eq!(res.blast_radius, 3);
    assert_eq!(path_of(&res, "x/b[Pod]"), "x/a -[TCP 80]-> x/b");
    assert_eq!(path_of(&res, "x/d[Pod]"), "x/a -[TCP 80]-> x/d");
    // via also narrows exfiltration.
    assert_eq!(
        exfil(&res),
        vec![("0.0.0.0/0".into(), 0, "x/a[Pod]".into(), "TCP 80".into())]
    );

    // via 80/TCP,443/TCP: the same set (nobody needs 443).
    let res = w.sim(
        &SimOptions {
            via: Some(parse_port_list("80/TCP,443/TCP").unwrap()),
            ..SimOptions::default()
        },
        "x/a",
        &[],
    );
    assert_eq!(res.blast_radius, 3);
    assert_eq!(path_of(&res, "x/e[Pod]"), "x/a -[TCP 80,443]-> x/e");

    // via UDP: only d and e (no port restriction) accept UDP.
    let res = w.sim(
        &SimOptions {
            via: Some(parse_port_list("UDP").unwrap()),
            ..SimOptions::default()
        },
        "x/a",
        &[],
    );
    assert_eq!(hops_of(&res), m(&[("x/d[Pod]", 1), ("x/e[Pod]", 1)]));

    // listening_only: b on 80, c on 5432, d on 9090; e declares nothing.
    let listening = SimOptions {
        listening_only: true,
        ..SimOptions::default()
    };
    let res = w.sim(&listening, "x/a", &[]);
    assert_eq!(
        hops_of(&res),
        m(&[("x/b[Pod]", 1), ("x/c[Pod]", 1), ("x/d[Pod]", 1)])
    );
    assert_eq!(res.blast_radius, 3);
    assert_eq!(path_of(&res, "x/c[Pod]"), "x/a -[TCP 5432]-> x/c");
    assert_eq!(path_of(&res, "x/d[Pod]"), "x/a -[TCP 9090]-> x/d");

    // Both: only b listens on a port within via 80/TCP.
    let both = SimOptions {
        via: Some(parse_port_list("80/TCP").unwrap()),
        listening_only: true,
        ..SimOptions::default()
    };
    let res = w.sim(&both, "x/a", &[]);
    assert_eq!(hops_of(&res), m(&[("x/b[Pod]", 1)]));
    assert_eq!(res.blast_radius, 1);
}

#[test]
fn listening_only_separates_pods_of_one_class_by_declared_ports() {
    // Two pods with the same labels (one class) but different declared
    // ports; an open cluster. With listening_only, via 80/TCP, only the one
    // listening on 80 falls.
    let w = World::new(&[
        pod("x", "a", "app: a", &[]),
        pod("x", "s1", "app: s", &[80]),
        pod("x", "s2", "app: s", &[8080]),
    ]);
    let res = w.sim(
        &SimOptions {
            via: Some(parse_port_list("80/TCP").unwrap()),
            listening_only: true,
            max_hops: None,
        },
        "x/a",
        &[],
    );
    assert_eq!(hops_of(&res), m(&[("x/s1[Pod]", 1)]));
    assert_eq!(res.blast_radius, 1);
    // Without listening_only both fall (one group; the path naming is
    // checked in the ignored twin test).
    let res = w.sim_counts_only(&SimOptions::default(), "x/a", &[]);
    assert_eq!(hops_of(&res), m(&[("x/s1[Pod]", 1), ("x/s2[Pod]", 1)]));
    assert_eq!(res.blast_radius, 2);
}

// ---------------------------------------------------------------- 9. rank_all

#[test]
fn rank_all_orders_by_blast_radius_then_name() {
    // Chain a -> b -> c -> d, plus p -> q where q is a Deployment of 2.
    // Blast radii (7 pods in all): a 3 (max hop 3), b 2 (2), p 2 (1),
    // c 1 (1), d 0, q 0 (its replicas do not reach each other).
    // Ties by name: b < p; d < q.
    let w = World::new(&[
        pod("x", "a", "app: a", &[]),
        pod("x", "b", "app: b", &[8080]),
        pod("x", "c", "app: c", &[5432]),
        pod("x", "d", "app: d", &[6379]),
        pod("x", "p", "app: p", &[]),
        deployment("x", "q", 2, "app: q", &[80]),
        deny_ingress("x"),
        allow("x", "b", "a", 8080),
        allow("x", "c", "b", 5432),
        allow("x", "d", "c", 6379),
        allow("x", "q", "p", 80),
    ]);
    let g = AttackGraph::build(&w.c, &w.r, &SimOptions::default());
    let ranked = rank_all(&g, &entities(&w.c, &w.r, Level::Workload));
    let got: Vec<(&str, &str, u64, u64, Option<usize>)> = ranked
        .iter()
        .map(|r| {
            (
                r.workload.as_str(),
                r.namespace.as_str(),
                r.replicas,
                r.blast_radius,
                r.max_hop,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("x/a[Pod]", "x", 1, 3, Some(3)),
            ("x/b[Pod]", "x", 1, 2, Some(2)),
            ("x/p[Pod]", "x", 1, 2, Some(1)),
            ("x/c[Pod]", "x", 1, 1, Some(1)),
            ("x/d[Pod]", "x", 1, 0, Some(0)),
            ("x/q[Deployment]", "x", 2, 0, Some(0)),
        ]
    );
    for r in &ranked {
        assert_eq!(r.fraction, r.blast_radius as f64 / 7.0, "{}", r.workload);
    }
    // rank_all agrees with simulate from each workload.
    for r in &ranked {
        let res = w.run(plain(&r.workload));
        assert_eq!(res.blast_radius, r.blast_radius, "{}", r.workload);
        assert_eq!(Some(res.hops.len() - 1), r.max_hop, "{}", r.workload);
    }
    // max_hops 1 in the graph: a 1, b 1, c 1, p 2 -> p first.
    let g = AttackGraph::build(&w.c, &w.r, &max_hops(1));
    let ranked = rank_all(&g, &entities(&w.c, &w.r, Level::Workload));
    let got: Vec<(&str, u64)> = ranked
        .iter()
        .map(|r| (r.workload.as_str(), r.blast_radius))
        .collect();
    assert_eq!(
        got,
        vec![
            ("x/p[Pod]", 2),
            ("x/a[Pod]", 1),
            ("x/b[Pod]", 1),
            ("x/c[Pod]", 1),
            ("x/d[Pod]", 0),
            ("x/q[Deployment]", 0),
        ]
    );
}

// ---------------------------------------------------------------- 10. fractions

#[test]
fn fractions_are_pods_over_total() {
    // 3 + 1 + 1 = 5 pods; web's replicas reach each other.
    let w = replicas(&[allow("x", "web", "web", 80)]);
    let res = w.sim_counts_only(&SimOptions::default(), "x/web", &[]);
    let fr: Vec<f64> = res.hops.iter().map(|h| h.fraction).collect();
    assert_eq!(fr, vec![1.0 / 5.0, 4.0 / 5.0, 5.0 / 5.0]);
    assert_eq!(res.blast_fraction, 4.0 / 5.0);
    for h in &res.hops {
        assert_eq!(h.fraction, h.pods as f64 / res.total_pods as f64);
    }
    // And on the chain with a cut-off.
    let res = chain().sim(&max_hops(2), "x/a", &[]);
    let fr: Vec<f64> = res.hops.iter().map(|h| h.fraction).collect();
    assert_eq!(fr, vec![0.25, 0.5, 0.75]);
    assert_eq!(res.blast_fraction, 0.5);
}

// ---------------------------------------------------------------- start workload sharing a class

#[test]
fn twin_workload_of_the_start_counts() {
    // api1 and api2: two Deployments with identical labels (one class);
    // ingress denied, so nothing spreads. Only api1's pod is held.
    let w = World::new(&[
        deployment("x", "api1", 1, "app: api", &[80]),
        deployment("x", "api2", 1, "app: api", &[80]),
        pod("x", "a", "app: a", &[]),
        deny_ingress("x"),
        np(
            "x",
            "api-from-a",
            "  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: a}}}]\n",
        ),
    ]);
    let res = w.sim_counts_only(&SimOptions::default(), "x/api1", &[]);
    assert_eq!(res.start_pods, 1);
    assert_eq!(res.blast_radius, 0);
    assert!(res.reached.is_empty());
    // From a, both twins fall at hop 1.
    let res = w.sim_counts_only(&SimOptions::default(), "x/a", &[]);
    assert_eq!(
        hops_of(&res),
        m(&[("x/api1[Deployment]", 1), ("x/api2[Deployment]", 1)])
    );
    assert_eq!(cumulative(&res), vec![1, 3]);
    assert_eq!(res.blast_radius, 2);
}

#[test]

fn twin_workload_of_the_start_is_not_held() {
    let w = World::new(&[
        deployment("x", "api1", 1, "app: api", &[80]),
        deployment("x", "api2", 1, "app: api", &[80]),
        deny_ingress("x"),
    ]);
    let res = w.run("x/api1");
    assert_eq!(res.hops[0].new_workloads, s(&["x/api1[Deployment]"]));
    assert_eq!(res.hops[0].workloads, 1);
}

#[test]

fn twin_workload_path_ends_at_itself() {
    let w = World::new(&[
        pod("x", "a", "app: a", &[]),
        pod("x", "s1", "app: s", &[80]),
        pod("x", "s2", "app: s", &[8080]),
    ]);
    let res = w.run("x/a");
    assert_eq!(path_of(&res, "x/s1[Pod]"), "x/a -[any]-> x/s1");
    assert_eq!(path_of(&res, "x/s2[Pod]"), "x/a -[any]-> x/s2");
}

// ---------------------------------------------------------------- CLI

#[test]
fn cli_simulate_shop_json() {
    let out = Command::cargo_bin("blastradius")
        .unwrap()
        .args([
            "simulate",
            "scenarios/shop",
            "--from",
            "shop/frontend",
            "--target",
            "tier=data",
            "-o",
            "json",
        ])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(v["schema"], "blastradius.simulate/v1");
    let sim = &v["simulations"][0];
    assert_eq!(sim["start_pods"], 1);
    let reached = sim["reached"].as_array().expect("reached is an array");
    assert!(!reached.is_empty());
    for r in reached {
        let p = r["path"].as_str().unwrap();
        assert!(p.starts_with("shop/frontend"), "{p}");
    }
    assert_eq!(sim["targets"][0]["selector"], "tier=data");
}

#[test]
fn cli_simulate_without_a_start_is_a_usage_error() {
    Command::cargo_bin("blastradius")
        .unwrap()
        .args(["simulate", "scenarios/shop"])
        .assert()
        .code(2);
}
