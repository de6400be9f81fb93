//! Issue 8: Monte Carlo spread checked against exact enumeration, seeds,
//! and choke points on graphs where the answer is known.

use assert_cmd::Command;
use blastradius::attack::chokepoints::chokepoints;
use blastradius::attack::graph::{AttackGraph, SimOptions, Target};
use blastradius::attack::montecarlo::{monte_carlo, McOptions};
use blastradius::engine::reach::{ReachOptions, Reachability};
use blastradius::engine::view::{entities, Level};
use blastradius::input::{load_str, LoadOptions};

fn pod(name: &str, labels: &str, p: Option<&str>) -> String {
    let ann = p.map_or(String::new(), |p| {
        format!(", annotations: {{blastradius.io/exploitability: \"{p}\"}}")
    });
    format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: x, labels: {{{labels}}}{ann}}}\nspec: {{containers: [{{name: c, image: i}}]}}\n")
}

fn allow(to: &str, from: &[&str]) -> String {
    let peers: Vec<String> = from
        .iter()
        .map(|f| format!("{{podSelector: {{matchLabels: {{app: {f}}}}}}}"))
        .collect();
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: to-{to}, namespace: x}}\nspec: {{podSelector: {{matchLabels: {{app: {to}}}}}, ingress: [{{from: [{}]}}]}}\n",
        peers.join(", ")
    )
}

const DENY: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: x}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n";

/// a -> b -> d, a -> c -> d, with per-pod success probabilities.
fn diamond() -> String {
    [
        pod("a", "app: a", Some("1.0")),
        pod("b", "app: b", Some("0.5")),
        pod("c", "app: c", Some("0.3")),
        pod("d", "app: d, tier: db", Some("0.6")),
        DENY.to_string(),
        allow("b", &["a"]),
        allow("c", &["a"]),
        allow("d", &["b", "c"]),
    ]
    .join("---\n")
}

/// Exact distribution by enumerating compromised sets, straight from the
/// model's definition: per step each healthy pod v falls with probability
/// 1 - prod over compromised u with an allowed u -> v of (1 - p_v).
fn exact(
    allowed: &[Vec<bool>],
    p: &[f64],
    start: usize,
    steps: usize,
    target: usize,
) -> (Vec<f64>, Vec<f64>) {
    let n = p.len();
    let mut dist = vec![0.0f64; 1 << n];
    dist[1 << start] = 1.0;
    let mut expected = vec![1.0];
    let mut target_by = vec![if start == target { 1.0 } else { 0.0 }];
    for _ in 0..steps {
        let mut next = vec![0.0f64; 1 << n];
        for (s, &ps) in dist.iter().enumerate() {
            if ps == 0.0 {
                continue;
            }
            let fall: Vec<f64> = (0..n)
                .map(|v| {
                    if s & (1 << v) != 0 {
                        return 0.0;
                    }
                    let attackers = (0..n)
                        .filter(|&u| s & (1 << u) != 0 && allowed[u][v])
                        .count();
                    1.0 - (1.0 - p[v]).powi(attackers as i32)
                })
                .collect();
            // every subset of healthy pods that falls
            let healthy: Vec<usize> = (0..n).filter(|&v| s & (1 << v) == 0).collect();
            for m in 0..(1usize << healthy.len()) {
                let mut prob = ps;
                let mut t = s;
                for (k, &v) in healthy.iter().enumerate() {
                    if m & (1 << k) != 0 {
                        prob *= fall[v];
                        t |= 1 << v;
                    } else {
                        prob *= 1.0 - fall[v];
                    }
                }
                next[t] += prob;
            }
        }
        dist = next;
        expected.push(
            dist.iter()
                .enumerate()
                .map(|(s, &q)| q * s.count_ones() as f64)
                .sum(),
        );
        target_by.push(
            dist.iter()
                .enumerate()
                .filter(|(s, _)| s & (1 << target) != 0)
                .map(|(_, &q)| q)
                .sum(),
        );
    }
    (expected, target_by)
}

#[test]
fn monte_carlo_matches_exact_enumeration() {
    let c = load_str("t", &diamond(), &LoadOptions::default()).unwrap();
    let r = Reachability::compile(&c, &ReachOptions::default());
    let g = AttackGraph::build(&c, &r, &SimOptions::default());
    let idx = |n: &str| c.find_pods(&format!("x/{n}")).unwrap()[0];
    let names = ["a", "b", "c", "d"];
    let ids: Vec<usize> = names.iter().map(|n| idx(n)).collect();
    // Allowed edges from the matrix; probabilities from the annotations.
    let allowed: Vec<Vec<bool>> = ids
        .iter()
        .map(|&u| {
            ids.iter()
                .map(|&v| u != v && !r.pod_to_pod(u, v).is_empty())
                .collect()
        })
        .collect();
    let p: Vec<f64> = ids
        .iter()
        .map(|&i| c.pods[i].exploitability.unwrap())
        .collect();
    let steps = 6;
    let (exp_count, exp_target) = exact(&allowed, &p, 0, steps, 3);
    let trials = 20_000;
    let o = McOptions {
        trials,
        seed: 7,
        steps,
        ..McOptions::default()
    };
    let res = monte_carlo(
        &g,
        "x/a",
        &[(ids[0], 1)],
        &[Target::parse("tier=db").unwrap()],
        &o,
    );
    // Tolerance: 4 standard errors (counts are at most 4, variance <= 4).
    for t in 0..=steps {
        let tol = 4.0 * (4.0f64 / trials as f64).sqrt();
        let got = res.compromised[t].mean;
        assert!(
            (got - exp_count[t]).abs() < tol,
            "step {t}: mean {got} vs exact {}",
            exp_count[t]
        );
        let q = exp_target[t];
        let tol = 4.0 * (q * (1.0 - q) / trials as f64).sqrt() + 1e-9;
        let got = res.targets[0].by_step[t];
        assert!((got - q).abs() <= tol, "step {t}: P(db) {got} vs exact {q}");
    }
    // Sanity on the exact numbers themselves: d can only fall from step 2.
    assert_eq!(exp_target[1], 0.0);
    assert!(exp_target[2] > 0.0 && exp_target[6] > exp_target[2]);
}

fn run(args: &[&str], threads: &str) -> Vec<u8> {
    let out = Command::cargo_bin("blastradius")
        .unwrap()
        .env("RAYON_NUM_THREADS", threads)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn seeds_reproduce_across_thread_counts() {
    let base = [
        "simulate",
        "scenarios/shop",
        "--from",
        "shop/frontend",
        "--model",
        "monte-carlo",
        "--trials",
        "300",
        "--target",
        "tier=data",
        "-o",
        "json",
    ];
    let with_seed = |s: &str| {
        let mut v: Vec<&str> = base.to_vec();
        v.extend(["--seed", s]);
        v.into_iter().map(str::to_string).collect::<Vec<String>>()
    };
    let a: Vec<String> = with_seed("5");
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let one = run(&a, "1");
    let two = run(&a, "2");
    assert_eq!(one, two, "same seed, different thread counts");
    let b: Vec<String> = with_seed("6");
    let b: Vec<&str> = b.iter().map(String::as_str).collect();
    assert_ne!(one, run(&b, "2"), "a different seed gives different draws");
    let v: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(v["schema"], "blastradius.montecarlo/v1");
    let p = v["results"][0]["targets"][0]["probability"]
        .as_f64()
        .unwrap();
    assert!(p > 0.0 && p <= 1.0);
}

/// Two fully connected triangles {a1, a2, a3} and {b1, b2, b3} joined by
/// one bridge a1 -> b1. Inside a triangle every edge has an alternative
/// path; the bridge has none.
fn bridge() -> String {
    let mut docs = vec![DENY.to_string()];
    for (me, others) in [
        ("a1", ["a2", "a3"]),
        ("a2", ["a1", "a3"]),
        ("a3", ["a1", "a2"]),
        ("b2", ["b1", "b3"]),
        ("b3", ["b1", "b2"]),
    ] {
        let labels = if me == "b3" {
            format!("app: {me}, tier: db")
        } else {
            format!("app: {me}")
        };
        docs.push(pod(me, &labels, None));
        docs.push(allow(me, &others));
    }
    docs.push(pod("b1", "app: b1", None));
    docs.push(allow("b1", &["b2", "b3", "a1"]));
    docs.join("---\n")
}

#[test]
fn the_bridge_is_the_first_choke_point() {
    let c = load_str("t", &bridge(), &LoadOptions::default()).unwrap();
    let r = Reachability::compile(&c, &ReachOptions::default());
    let g = AttackGraph::build(&c, &r, &SimOptions::default());
    let starts: Vec<usize> = entities(&c, &r, Level::Workload)
        .iter()
        .map(|e| e.pods[0])
        .collect();
    let rep = chokepoints(&g, &starts, &[], 10);
    assert!(rep.exact);
    // a-starts reach 6 pods (their triangle, cyclic, and b's), b-starts 3.
    assert_eq!(rep.total, 3 * 6 + 3 * 3);
    // Only the bridge matters: each a-start loses the 3 b pods.
    assert_eq!(
        rep.top.len(),
        1,
        "{}",
        blastradius::output::text::chokepoints::text(&rep)
    );
    let first = &rep.top[0];
    assert_eq!(
        (first.from.as_str(), first.to.as_str()),
        ("x/a1[Pod]", "x/b1[Pod]")
    );
    assert_eq!(first.drop, 9);
    assert!(
        first
            .rules
            .iter()
            .any(|r| r == "x/to-b1 ingress[0].from[2]"),
        "{:?}",
        first.rules
    );
    assert!(
        first
            .rules
            .iter()
            .any(|r| r.starts_with("egress of x/a1: not isolated")),
        "{:?}",
        first.rules
    );
    // Crown jewels: the bridge cuts the three a-starts' paths to b3.
    let rep = chokepoints(&g, &starts, &[Target::parse("tier=db").unwrap()], 10);
    assert_eq!(rep.top.len(), 1);
    assert_eq!(rep.top[0].drop, 3);
}

/// On the shop demo, the ranked drops equal a brute-force removal of every
/// edge, one at a time.
#[test]
fn choke_points_agree_with_brute_force_on_the_shop() {
    let c = blastradius::input::load_paths(&["scenarios/shop".into()], &LoadOptions::default())
        .unwrap();
    let r = Reachability::compile(&c, &ReachOptions::default());
    let g = AttackGraph::build(&c, &r, &SimOptions::default());
    let ents = entities(&c, &r, Level::Workload);
    let starts: Vec<usize> = ents.iter().map(|e| e.pods[0]).collect();
    let n = g.groups.len();
    let weight: Vec<u64> = g.groups.iter().map(|x| x.replicas).collect();
    let mut starts_in = vec![0u64; n];
    for &p in &starts {
        starts_in[g.pod_group[p]] += 1;
    }
    // Brute force, independent of the closure code: a breadth-first search
    // from every start, over the edges as a plain list, with each edge
    // removed in turn.
    let edges: Vec<(usize, usize)> = g.edges.edges().map(|(a, b, _)| (a, b)).collect();
    let measure_without = |cut: Option<(usize, usize)>| -> u64 {
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &e in &edges {
            if Some(e) != cut {
                out[e.0].push(e.1);
            }
        }
        (0..n)
            .map(|s| {
                let mut seen = vec![false; n];
                let mut queue = out[s].clone();
                while let Some(x) = queue.pop() {
                    if !seen[x] {
                        seen[x] = true;
                        queue.extend(out[x].iter().copied());
                    }
                }
                // Pods reached by one edge or more: a start's own group
                // counts when a path leads back to it, as in the measure.
                let reached: u64 = (0..n).filter(|&x| seen[x]).map(|x| weight[x]).sum();
                starts_in[s] * reached
            })
            .sum()
    };
    let total = measure_without(None);
    let mut brute: Vec<u64> = edges
        .iter()
        .map(|&e| total - measure_without(Some(e)))
        .filter(|d| *d > 0)
        .collect();
    brute.sort_unstable_by(|a, b| b.cmp(a));
    brute.truncate(10);
    let rep = chokepoints(&g, &starts, &[], 10);
    assert!(rep.exact && rep.skipped_inner == 0);
    let got: Vec<u64> = rep.top.iter().map(|c| c.drop).collect();
    assert_eq!(got, brute);
    assert_eq!(rep.total, total);
}
