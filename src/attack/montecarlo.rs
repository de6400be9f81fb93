//! Probabilistic spread (Monte Carlo): who *will* be compromised, and how
//! fast, when each attempt only succeeds with some probability.
//!
//! Model: at every step each compromised pod tries every allowed edge; an
//! attempt on a pod succeeds with the probability of the best port the edge
//! allows, taken from, in order: the destination pod's annotation
//! `blastradius.io/exploitability`, a per-port table, the global default.
//! Attempts are independent, so an uncompromised pod falls in a step with
//! probability `1 - Π (1 - p_a)^{k_a}` over source groups `a` with `k_a`
//! compromised pods. Pods compromised in a step attack from the next one.
//! Pods of one attack-graph group (same class, same declared ports, same
//! annotation) are interchangeable, so a trial tracks counts per group and
//! draws binomials.
//!
//! Determinism: trial `i` draws from its own generator seeded from
//! `(seed, i)`, trials run in parallel (rayon) and are aggregated in trial
//! order, so the same seed gives the same output on any number of threads.
//!
//! Budget: a trial costs one visit per edge out of a compromised group per
//! step (a trial stops early once nothing can change: no healthy pod is
//! attacked). Trials run in chunks; in trial order, a trial is kept while
//! the visits of the trials before it stay under
//! [`McOptions::max_edge_visits`] (at least [`McOptions::min_trials`]
//! always run). The count depends on the trials' draws only, never on the
//! clock or the threads, so the same input runs the same trials.

use crate::attack::graph::{AttackGraph, Target};
use crate::model::ports::{ConnSet, Protocol};
use rayon::prelude::*;
use std::collections::HashMap;

/// The default per-port exploit table: remote shells and admin ports high,
/// databases medium, generic HTTP low. (protocol, port, probability)
pub const DEFAULT_EXPLOIT_TABLE: [(Protocol, u16, f64); 14] = [
    (Protocol::Tcp, 22, 0.9),    // ssh
    (Protocol::Tcp, 23, 0.9),    // telnet
    (Protocol::Tcp, 2375, 0.9),  // docker API, unauthenticated
    (Protocol::Tcp, 10250, 0.8), // kubelet
    (Protocol::Tcp, 6443, 0.6),  // kube-apiserver
    (Protocol::Tcp, 3389, 0.8),  // rdp
    (Protocol::Tcp, 5432, 0.3),  // postgres
    (Protocol::Tcp, 3306, 0.3),  // mysql
    (Protocol::Tcp, 27017, 0.4), // mongodb
    (Protocol::Tcp, 6379, 0.5),  // redis (often no auth)
    (Protocol::Tcp, 9200, 0.4),  // elasticsearch
    (Protocol::Tcp, 80, 0.1),    // http
    (Protocol::Tcp, 8080, 0.1),  // http-alt
    (Protocol::Tcp, 443, 0.05),  // https
];

#[derive(Clone, Debug)]
pub struct McOptions {
    pub trials: usize,
    pub seed: u64,
    pub steps: usize,
    /// Probability when neither annotation nor table says otherwise.
    pub default_p: f64,
    /// (protocol, port, probability); later entries win.
    pub table: Vec<(Protocol, u16, f64)>,
    /// Work budget in edge visits (see the module header).
    pub max_edge_visits: u64,
    /// Trials run whatever the budget (at most `trials`).
    pub min_trials: usize,
}

/// The default budget: about 2–4 s on the project's two cores (a visit is
/// a few nanoseconds): all 1,000 trials on graphs up to ~10,000 edges, 250
/// on a 1,000-class graph where every pod reaches every pod (1 M edges).
pub const MC_EDGE_VISITS: u64 = 500_000_000;
/// Trials always run: enough for the p10/p90 bands to mean something.
pub const MC_MIN_TRIALS: usize = 20;
/// Trials run in parallel at a time; any size gives the same result.
const CHUNK: usize = 64;

impl Default for McOptions {
    fn default() -> Self {
        McOptions {
            trials: 1000,
            seed: 1,
            steps: 20,
            default_p: 0.2,
            table: DEFAULT_EXPLOIT_TABLE.to_vec(),
            max_edge_visits: MC_EDGE_VISITS,
            min_trials: MC_MIN_TRIALS,
        }
    }
}

/// A `--exploit-prob` entry or a probability that does not parse; the text
/// names the part at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct McParseError(pub String);

/// Parse `22/TCP=0.9,5432/TCP=0.3` into table entries.
pub fn parse_table(s: &str) -> Result<Vec<(Protocol, u16, f64)>, McParseError> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (port, p) = part.split_once('=').ok_or_else(|| {
            McParseError(format!(
                "`{part}`: write PORT/PROTOCOL=PROBABILITY, e.g. 22/TCP=0.9"
            ))
        })?;
        let (num, proto) = port.split_once('/').unwrap_or((port, "TCP"));
        let proto = Protocol::parse(proto)
            .ok_or_else(|| McParseError(format!("`{part}`: protocol must be TCP, UDP or SCTP")))?;
        let num: u16 =
            num.parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
                McParseError(format!("`{part}`: `{num}` is not a port in 1..65535"))
            })?;
        let p = parse_probability(p).map_err(|e| McParseError(format!("`{part}`: {e}")))?;
        out.push((proto, num, p));
    }
    Ok(out)
}

pub fn parse_probability(s: &str) -> Result<f64, McParseError> {
    match s.trim().parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(McParseError(format!(
            "`{s}` is not a probability between 0 and 1"
        ))),
    }
}

/// The exploitability annotation of a group's pods (one per group).
fn annotated(g: &AttackGraph, group: usize) -> Option<f64> {
    g.groups
        .get(group)
        .and_then(|gr| gr.pods.first())
        .and_then(|&p| g.cluster.pods.get(p))
        .and_then(|p| p.exploitability)
}

/// Success probability over an edge that allows `conns`, into a pod
/// without an exploitability annotation.
fn port_probability(conns: &ConnSet, o: &McOptions) -> f64 {
    // The best port the edge allows; ports not in the table count at the
    // default.
    let mut best: Option<f64> = None;
    let mut covered = ConnSet::empty();
    for &(proto, port, p) in o.table.iter().rev() {
        let one = ConnSet::port(proto, port);
        if covered.contains(proto, port) {
            continue; // a later entry already decided this port
        }
        covered = covered.union(&one);
        if conns.contains(proto, port) {
            best = Some(best.map_or(p, |b: f64| b.max(p)));
        }
    }
    if !conns.subtract(&covered).is_empty() {
        best = Some(best.map_or(o.default_p, |b| b.max(o.default_p)));
    }
    best.unwrap_or(0.0)
}

use crate::util::rng::Rng;

/// Quantiles and mean of one quantity over trials.
#[derive(Clone, Debug)]
pub struct Band {
    pub mean: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
}

fn band(mut v: Vec<f64>) -> Band {
    if v.is_empty() {
        return Band {
            mean: 0.0,
            p10: 0.0,
            p50: 0.0,
            p90: 0.0,
        };
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let q = |f: f64| -> f64 {
        // nearest rank
        let i = ((f * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
        v.get(i).copied().unwrap_or(0.0)
    };
    Band {
        mean: v.iter().sum::<f64>() / v.len() as f64,
        p10: q(0.10),
        p50: q(0.50),
        p90: q(0.90),
    }
}

#[derive(Clone, Debug)]
pub struct TargetRisk {
    pub selector: String,
    /// Probability that some target pod is compromised within the horizon.
    pub probability: f64,
    /// P(compromised by step t), t = 0..=steps.
    pub by_step: Vec<f64>,
    /// Steps to compromise, over the trials where it happened.
    pub time_to_compromise: Option<Band>,
}

#[derive(Clone, Debug)]
pub struct McResult {
    pub start: String,
    /// Trials run: `trials_requested`, or fewer when the budget ran out.
    pub trials: usize,
    pub trials_requested: usize,
    /// Edge visits the trials run cost, and the budget they had.
    pub edge_visits: u64,
    pub edge_visit_budget: u64,
    pub seed: u64,
    pub steps: usize,
    pub total_pods: u64,
    /// Compromised pods at step t (held ones included), t = 0..=steps.
    pub compromised: Vec<Band>,
    pub targets: Vec<TargetRisk>,
}

/// Run the trials from the held pods.
pub fn monte_carlo(
    g: &AttackGraph,
    start: &str,
    held: &[(usize, u64)],
    targets: &[Target],
    o: &McOptions,
) -> McResult {
    let n = g.groups.len();
    // Per connection set, once: an attack graph has tens of millions of
    // edges and a few dozen distinct sets.
    let by_conns: Vec<f64> = (0..g.conns.len())
        .map(|id| port_probability(g.conns.get(id as u32), o))
        .collect();
    // Edges are stored per (row, bucket) entry: every source group of a
    // row attacks every group of a bucket alike, and the groups of a bucket
    // share their annotation, so an entry has one probability of failing
    // (1 - p). Per row: (bucket, 1 - p) of the entries with p > 0, and the
    // edges they stand for (the visits a compromised group costs).
    let (rows, buckets) = g.edges.shape();
    let mut bucket_p: Vec<Option<f64>> = vec![None; buckets];
    for b in 0..buckets {
        if let (Some(&grp), Some(slot)) = (g.edges.bucket_groups(b).first(), bucket_p.get_mut(b)) {
            *slot = annotated(g, grp as usize);
        }
    }
    // The distinct probabilities of failing (a few dozen: one per connection
    // set and annotation), so a compromised group raises each to its
    // power once, not once an entry.
    let mut fails: Vec<f64> = Vec::new();
    let mut fail_index: HashMap<u64, usize> = HashMap::new();
    let row_attacks: Vec<(Vec<(usize, usize)>, u64)> = (0..rows)
        .map(|r| {
            let mut visits = 0u64;
            let attacks = g
                .edges
                .row_entries(r)
                .iter()
                .filter_map(|&(b, w)| {
                    let b = b as usize;
                    let p = bucket_p.get(b).copied().flatten().unwrap_or_else(|| {
                        by_conns
                            .get(w as usize)
                            .copied()
                            .unwrap_or_else(|| port_probability(g.conns.get(w), o))
                    });
                    (p > 0.0).then(|| {
                        visits += g.edges.bucket_groups(b).len() as u64;
                        let fail = 1.0 - p;
                        let fi = *fail_index.entry(fail.to_bits()).or_insert_with(|| {
                            fails.push(fail);
                            fails.len() - 1
                        });
                        (b, fi)
                    })
                })
                .collect();
            (attacks, visits)
        })
        .collect();
    let bucket_of: Vec<usize> = (0..n).map(|grp| g.edges.bucket_of(grp)).collect();
    let mut start_counts = vec![0u64; n];
    for &(p, k) in held {
        if let (Some(&grp), Some(gr)) = (
            g.pod_group.get(p),
            g.pod_group.get(p).and_then(|&x| g.groups.get(x)),
        ) {
            if let Some(c) = start_counts.get_mut(grp) {
                *c = (*c + k).min(gr.replicas);
            }
        }
    }
    let target_pods: Vec<Vec<u64>> = targets
        .iter()
        .map(|t| {
            g.groups
                .iter()
                .map(|gr| {
                    gr.pods
                        .iter()
                        .filter_map(|&p| g.cluster.pods.get(p))
                        .filter(|p| t.selector.matches(&p.labels))
                        .map(|p| u64::from(p.replicas))
                        .sum()
                })
                .collect()
        })
        .collect();
    let replicas: Vec<u64> = g.groups.iter().map(|gr| gr.replicas).collect();
    let all_pods: u64 = replicas.iter().sum();
    // One trial: compromised counts per step, the first step each target
    // group set has a compromised pod, and the edge visits it cost.
    let run = |trial: usize| -> (Vec<u64>, Vec<Option<usize>>, u64) {
        let mut rng = Rng::for_trial(o.seed, trial as u64);
        let mut comp = start_counts.clone();
        let mut per_step = vec![comp.iter().sum::<u64>()];
        // Pods of a group share their labels, so a group is all crown
        // jewel or none.
        let hit = |comp: &[u64], tp: &[u64]| comp.iter().zip(tp).any(|(&c, &t)| t > 0 && c > 0);
        let mut first: Vec<Option<usize>> = target_pods
            .iter()
            .map(|tp| hit(&comp, tp).then_some(0))
            .collect();
        let mut visits = 0u64;
        for step in 1..=o.steps {
            let now: u64 = per_step.last().copied().unwrap_or(0);
            if now >= all_pods {
                // Everything is held: the remaining steps are the same.
                per_step.resize(o.steps + 1, now);
                break;
            }
            // Probability of surviving this step, per bucket: the factors
            // of every source group, in group order (the order one edge at
            // a time would take them in, so the floats come out the same).
            let mut survive = vec![1.0f64; buckets];
            let mut powered: Vec<f64> = vec![1.0; fails.len()];
            let mut powered_k = 0u64; // k >= 1 below: computed on first use
            for a in 0..n {
                let k = comp.get(a).copied().unwrap_or(0);
                if k == 0 {
                    continue;
                }
                let Some((attacks, cost)) = row_attacks.get(g.edges.row_of(a)) else {
                    continue;
                };
                visits += cost;
                if k != powered_k {
                    // The same `powi` as one entry at a time would compute.
                    let e = k.min(i32::MAX as u64) as i32;
                    for (x, f) in powered.iter_mut().zip(&fails) {
                        *x = f.powi(e);
                    }
                    powered_k = k;
                }
                for &(b, fi) in attacks {
                    // A pod does not attack itself: in its own group only the
                    // other compromised pods attack a given pod, and those are
                    // all k of them (the attacked pod is not compromised).
                    if let (Some(s), Some(&f)) = (survive.get_mut(b), powered.get(fi)) {
                        *s *= f;
                    }
                }
            }
            let mut attacked = false;
            for b in 0..n {
                let healthy =
                    replicas.get(b).copied().unwrap_or(0) - comp.get(b).copied().unwrap_or(0);
                let q = 1.0
                    - bucket_of
                        .get(b)
                        .and_then(|&k| survive.get(k))
                        .copied()
                        .unwrap_or(1.0);
                if healthy > 0 && q > 0.0 {
                    attacked = true;
                    let fell = rng.binomial(healthy, q);
                    if let Some(c) = comp.get_mut(b) {
                        *c += fell;
                    }
                }
            }
            if !attacked {
                // No healthy pod is attacked and nothing changed: every
                // later step is this one again (and draws nothing).
                per_step.resize(o.steps + 1, now);
                break;
            }
            per_step.push(comp.iter().sum());
            for (ti, tp) in target_pods.iter().enumerate() {
                if let Some(f) = first.get_mut(ti) {
                    if f.is_none() && hit(&comp, tp) {
                        *f = Some(step);
                    }
                }
            }
        }
        (per_step, first, visits)
    };
    // In chunks, kept in trial order while the budget lasts.
    let mut results: Vec<(Vec<u64>, Vec<Option<usize>>, u64)> = Vec::new();
    let mut spent = 0u64;
    'chunks: while results.len() < o.trials {
        let from = results.len();
        let to = (from + CHUNK).min(o.trials);
        let chunk: Vec<_> = (from..to).into_par_iter().map(run).collect();
        for r in chunk {
            if results.len() >= o.min_trials && spent >= o.max_edge_visits {
                break 'chunks;
            }
            spent = spent.saturating_add(r.2);
            results.push(r);
        }
    }
    let ran = results.len();
    let compromised = (0..=o.steps)
        .map(|t| {
            band(
                results
                    .iter()
                    .map(|r| r.0.get(t).copied().unwrap_or(0) as f64)
                    .collect(),
            )
        })
        .collect();
    let targets = targets
        .iter()
        .enumerate()
        .map(|(ti, t)| {
            let firsts: Vec<Option<usize>> = results
                .iter()
                .map(|r| r.1.get(ti).copied().flatten())
                .collect();
            let trials = ran.max(1) as f64;
            let by_step = (0..=o.steps)
                .map(|s| {
                    firsts.iter().filter(|f| f.is_some_and(|x| x <= s)).count() as f64 / trials
                })
                .collect();
            let times: Vec<f64> = firsts.iter().flatten().map(|&x| x as f64).collect();
            TargetRisk {
                selector: t.text.clone(),
                probability: times.len() as f64 / trials,
                by_step,
                time_to_compromise: (!times.is_empty()).then(|| band(times)),
            }
        })
        .collect();
    McResult {
        start: start.to_string(),
        trials: ran,
        trials_requested: o.trials,
        edge_visits: spent,
        edge_visit_budget: o.max_edge_visits,
        seed: o.seed,
        steps: o.steps,
        total_pods: g.cluster.pod_count(),
        compromised,
        targets,
    }
}

#[cfg(test)]
mod tests {
    use super::{monte_carlo, parse_probability, parse_table, McOptions};
    use crate::attack::fixtures::chain;
    use crate::attack::graph::{SimOptions, Target};
    use crate::model::ports::Protocol;

    fn opts(p: f64, seed: u64) -> McOptions {
        McOptions {
            trials: 200,
            seed,
            steps: 6,
            default_p: p,
            table: Vec::new(),
            ..McOptions::default()
        }
    }

    #[test]
    fn same_seed_same_result() {
        let w = chain();
        let g = w.graph(&SimOptions::default());
        let held = [(w.pod("x/a"), 1)];
        let t = [Target::parse("app=d").unwrap()];
        let run = |seed| format!("{:?}", monte_carlo(&g, "x/a", &held, &t, &opts(0.5, seed)));
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }

    #[test]
    fn certain_exploits_equal_the_deterministic_spread() {
        let w = chain();
        let g = w.graph(&SimOptions::default());
        let held = [(w.pod("x/a"), 1)];
        let t = [Target::parse("app=d").unwrap()];
        let det = g.simulate("x/a", &held, &t);
        let mc = monte_carlo(&g, "x/a", &held, &t, &opts(1.0, 1));
        assert_eq!(mc.compromised.len(), 7);
        for (step, b) in mc.compromised.iter().enumerate() {
            let want = det.hops.get(step).or(det.hops.last()).unwrap().pods as f64;
            assert_eq!((b.mean, b.p10, b.p50, b.p90), (want, want, want, want));
        }
        let d = &mc.targets[0];
        assert_eq!(d.probability, 1.0);
        assert_eq!(d.by_step, vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]);
        assert_eq!(d.time_to_compromise.as_ref().map(|b| b.p50), Some(3.0));
    }

    #[test]
    fn the_budget_counts_edge_visits_in_trial_order() {
        // Issue 14: bounded work, and the same trials on any machine. 30
        // classes, every pod reaching every other (870 edges).
        let text = crate::util::shapes::generate(crate::util::shapes::Shape::DistinctClasses, 30);
        let c = crate::input::load_str("s", &text, &Default::default()).unwrap();
        let r = crate::engine::reach::Reachability::compile(&c, &Default::default());
        let g = crate::attack::graph::AttackGraph::build(&c, &r, &SimOptions::default());
        let o = McOptions {
            trials: 500,
            steps: 20,
            max_edge_visits: 50_000,
            min_trials: 5,
            ..opts(0.05, 1)
        };
        let run = |o: &McOptions| monte_carlo(&g, "p0", &[(0, 1)], &[], o);
        let a = run(&o);
        assert!(a.trials > 5 && a.trials < 500, "{}", a.trials);
        assert_eq!((a.trials_requested, a.edge_visit_budget), (500, 50_000));
        // Kept while the visits before a trial stay under the budget.
        assert!(a.edge_visits >= 50_000 && a.edge_visits < 50_000 + 20 * 870);
        assert_eq!(format!("{a:?}"), format!("{:?}", run(&o)));
        // The trials run are a prefix of the unbounded run: trial i is
        // trial i, only fewer of them.
        let all = run(&McOptions {
            max_edge_visits: u64::MAX,
            trials: a.trials,
            ..o.clone()
        });
        assert_eq!(
            format!("{:?}", all.compromised),
            format!("{:?}", a.compromised)
        );
        // The minimum always runs.
        let tiny = run(&McOptions {
            max_edge_visits: 0,
            ..o.clone()
        });
        assert_eq!(tiny.trials, 5);
        // Once every pod is held, a trial stops visiting edges.
        let sure = run(&McOptions {
            trials: 1,
            default_p: 1.0,
            table: Vec::new(),
            ..o.clone()
        });
        let out_of_p0 = g.edges.out_degree(g.pod_group[0]);
        assert!(out_of_p0 >= 29);
        assert_eq!(
            sure.edge_visits, out_of_p0,
            "one step over p0's edges takes all"
        );
        assert!(sure.compromised.iter().skip(1).all(|b| b.mean == 30.0));
    }

    #[test]
    fn impossible_exploits_keep_only_the_held_pod() {
        let w = chain();
        let g = w.graph(&SimOptions::default());
        let mc = monte_carlo(&g, "x/a", &[(w.pod("x/a"), 1)], &[], &opts(0.0, 1));
        assert!(mc.compromised.iter().all(|b| b.mean == 1.0 && b.p90 == 1.0));
    }

    #[test]
    fn parses_tables_and_probabilities() {
        assert_eq!(
            parse_table("22/TCP=0.9,53/UDP=0.1").unwrap(),
            vec![(Protocol::Tcp, 22, 0.9), (Protocol::Udp, 53, 0.1)]
        );
        assert!(parse_table("22/TCP=2").is_err());
        assert_eq!(parse_probability("0.25").unwrap(), 0.25);
        assert!(parse_probability("-0.1").is_err());
    }
}
