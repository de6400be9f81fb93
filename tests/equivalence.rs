//! Property test: the class/bitset matrix and the naive evaluator agree on
//! every pod pair, protocol and probe port, and on external addresses, for
//! random clusters and policies. PROPTEST_CASES raises the case count.

mod naive;

use blastradius::engine::explain;
use blastradius::engine::reach::{ReachOptions, Reachability};
use blastradius::model::ip::IpBlock;
use blastradius::model::ports::Protocol;
use blastradius::model::selector::{Labels, Requirement, Selector};
use blastradius::model::*;
use naive::End;
use proptest::prelude::*;
use std::net::IpAddr;

const NAMESPACES: [&str; 3] = ["a", "b", "c"];
const LABEL_KEYS: [&str; 3] = ["app", "tier", "team"];
const LABEL_VALUES: [&str; 3] = ["x", "y", "z"];
const PORT_NAMES: [&str; 3] = ["http", "dns", "nope"];
const CIDRS: [&str; 6] = [
    "0.0.0.0/0",
    "10.0.0.0/8",
    "10.1.0.0/16",
    "10.1.2.0/24",
    "192.168.0.0/16",
    "fd00::/8",
];
const PROBE_IPS: [&str; 6] = [
    "10.1.2.3",
    "10.1.9.9",
    "10.200.0.1",
    "192.168.1.1",
    "8.8.8.8",
    "fd00::1",
];
/// `domainNames` patterns (CNP-12): names, wildcards that cover some of
/// them, one that covers none; mixed case and a final dot are canonical.
const DOMAINS: [&str; 6] = [
    "api.example.com",
    "*.example.com",
    "example.com",
    "*.a.example.com",
    "b.a.example.com",
    "other.io",
];
const PROBE_PORTS: [u16; 8] = [1, 53, 79, 80, 81, 443, 8080, 65535];

fn labels() -> impl Strategy<Value = Labels> {
    proptest::collection::btree_map(
        prop::sample::select(&LABEL_KEYS[..]).prop_map(str::to_string),
        prop::sample::select(&LABEL_VALUES[..]).prop_map(str::to_string),
        0..3,
    )
}

fn selector() -> impl Strategy<Value = Selector> {
    let req = (
        0..4u8,
        prop::sample::select(&LABEL_KEYS[..]),
        prop::sample::subsequence(&LABEL_VALUES[..], 1..3),
    )
        .prop_map(|(op, k, vs)| {
            let k = k.to_string();
            let vs: Vec<String> = vs.into_iter().map(str::to_string).collect();
            match op {
                0 => Requirement::In(k, vs),
                1 => Requirement::NotIn(k, vs),
                2 => Requirement::Exists(k),
                _ => Requirement::DoesNotExist(k),
            }
        });
    (
        proptest::collection::btree_map(
            prop::sample::select(&LABEL_KEYS[..]).prop_map(str::to_string),
            prop::sample::select(&LABEL_VALUES[..]).prop_map(str::to_string),
            0..2,
        ),
        proptest::collection::vec(req, 0..2),
    )
        .prop_map(|(match_labels, requirements)| Selector {
            match_labels,
            requirements,
        })
}

fn protocol() -> impl Strategy<Value = Protocol> {
    prop_oneof![4 => Just(Protocol::Tcp), 2 => Just(Protocol::Udp), 1 => Just(Protocol::Sctp)]
}

fn port_spec() -> impl Strategy<Value = PortSpec> {
    let port = prop_oneof![
        Just(PortRef::Any),
        prop::sample::select(&PROBE_PORTS[..]).prop_map(|p| PortRef::Range(p, p)),
        (prop::sample::select(&PROBE_PORTS[..]), 0u16..500)
            .prop_map(|(p, w)| PortRef::Range(p, p.saturating_add(w))),
        prop::sample::select(&PORT_NAMES[..]).prop_map(|n| PortRef::Named(n.to_string())),
    ];
    (protocol(), port).prop_map(|(protocol, port)| PortSpec { protocol, port })
}

fn ip_block() -> impl Strategy<Value = IpBlock> {
    (
        prop::sample::select(&CIDRS[..]),
        prop::sample::subsequence(&CIDRS[..], 0..3),
    )
        .prop_map(|(c, ex)| {
            let cidr: ipnet::IpNet = c.parse().unwrap();
            // Keep only valid excepts (SEM-56: strict subsets).
            let except = ex
                .into_iter()
                .map(|e| e.parse::<ipnet::IpNet>().unwrap())
                .filter(|e| e.prefix_len() > cidr.prefix_len() && cidr.contains(e))
                .collect();
            IpBlock { cidr, except }
        })
}

fn peer() -> impl Strategy<Value = Peer> {
    prop_oneof![
        3 => (proptest::option::of(selector()), proptest::option::of(selector()))
            .prop_filter("a peer sets something (SEM-57)", |(n, p)| n.is_some() || p.is_some())
            .prop_map(|(namespaces, pods)| Peer::Pods { namespaces, pods }),
        1 => ip_block().prop_map(Peer::IpBlock),
    ]
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        proptest::option::of(proptest::collection::vec(peer(), 1..3)),
        proptest::option::of(proptest::collection::vec(port_spec(), 1..3)),
    )
        .prop_map(|(peers, ports)| Rule {
            peers,
            ports,
            action: Action::Allow,
            name: None,
        })
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        prop::sample::select(&NAMESPACES[..]),
        selector(),
        proptest::option::of(proptest::collection::vec(rule(), 0..3)),
        proptest::option::of(proptest::collection::vec(rule(), 0..3)),
    )
        .prop_map(|(ns, pod_selector, ingress, egress)| {
            Policy::network_policy(
                ns.to_string(),
                "p".into(),
                pod_selector,
                ingress,
                egress,
                Origin::default(),
            )
        })
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![Just(Action::Allow), Just(Action::Deny), Just(Action::Pass)]
}

/// A cluster policy's peer (CNP-11, CNP-12): namespaces, pods (namespace
/// selector AND pod selector), and on egress networks, nodes or domain
/// names.
fn cluster_peer(egress: bool) -> impl Strategy<Value = Peer> {
    let selectors = prop_oneof![
        selector().prop_map(|n| Peer::Pods {
            namespaces: Some(n),
            pods: None
        }),
        (selector(), selector()).prop_map(|(n, p)| Peer::Pods {
            namespaces: Some(n),
            pods: Some(p)
        }),
    ];
    let addresses = prop_oneof![
        prop::sample::select(&CIDRS[..]).prop_map(|c| Peer::IpBlock(IpBlock {
            cidr: c.parse().unwrap(),
            except: vec![],
        })),
        selector().prop_map(|selector| Peer::Nodes {
            selector,
            addrs: vec![]
        }),
        prop::sample::subsequence(&DOMAINS[..], 1..3)
            .prop_map(|d| Peer::DomainNames(d.iter().map(|s| s.to_string()).collect())),
    ];
    if egress {
        prop_oneof![3 => selectors, 2 => addresses].boxed()
    } else {
        selectors.boxed()
    }
}

fn cluster_rule(egress: bool) -> impl Strategy<Value = Rule> {
    (
        proptest::collection::vec(cluster_peer(egress), 1..3),
        proptest::option::of(proptest::collection::vec(port_spec(), 1..3)),
        action(),
    )
        .prop_map(|(peers, ports, action)| Rule {
            peers: Some(peers),
            ports,
            action,
            name: None,
        })
}

/// An Admin or Baseline tier policy; priorities from a small range so that
/// ties (CNP-4) are common.
fn cluster_policy() -> impl Strategy<Value = Policy> {
    (
        any::<bool>(),
        0u32..3,
        selector(),
        selector(),
        proptest::collection::vec(cluster_rule(false), 0..3),
        proptest::collection::vec(cluster_rule(true), 0..3),
    )
        .prop_map(|(admin, priority, ns, pods, ingress, egress)| {
            let tier = if admin {
                Tier::Admin { priority }
            } else {
                Tier::Baseline { priority }
            };
            Policy {
                name: format!("cnp-{priority}"),
                kind: PolicyKind::ClusterNetworkPolicy,
                scope: Scope::Cluster,
                tier,
                subject: Subject {
                    namespaces: Some(ns),
                    pods: pods.clone(),
                },
                ingress: (!ingress.is_empty()).then_some(ingress),
                egress: (!egress.is_empty()).then_some(egress),
                origin: Origin::default(),
                lines: Default::default(),
                namespace: String::new(),
                pod_selector: pods,
            }
        })
}

fn node() -> impl Strategy<Value = Node> {
    (labels(), prop::sample::subsequence(&PROBE_IPS[..], 0..3)).prop_map(|(labels, ips)| Node {
        name: String::new(),
        labels,
        addrs: ips.iter().map(|i| i.parse().unwrap()).collect(),
        origin: Origin::default(),
    })
}

fn pod() -> impl Strategy<Value = Pod> {
    let ports = prop::sample::subsequence(
        vec![
            (Some("http"), 80u16, Protocol::Tcp),
            (Some("dns"), 53, Protocol::Udp),
            (None, 8080, Protocol::Tcp),
        ],
        0..3,
    )
    .prop_flat_map(|ps| {
        // `http` is 80 on some pods and 8080 on others (SEM-36).
        (Just(ps), any::<bool>())
    })
    .prop_map(|(ps, alt)| {
        ps.into_iter()
            .map(|(n, p, proto)| ContainerPort {
                name: n.map(str::to_string),
                port: if alt && n == Some("http") { 8080 } else { p },
                protocol: proto,
            })
            .collect::<Vec<_>>()
    });
    (
        prop::sample::select(&NAMESPACES[..]),
        labels(),
        ports,
        proptest::option::of(prop::sample::select(&PROBE_IPS[..])),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(ns, labels, ports, ip, host_network)| Pod {
            namespace: ns.to_string(),
            name: String::new(),
            labels,
            ports,
            ips: ip
                .map(|i| vec![i.parse::<IpAddr>().unwrap()])
                .unwrap_or_default(),
            host_network,
            exploitability: None,
            replicas: 1,
            workload: WorkloadRef {
                namespace: ns.to_string(),
                name: String::new(),
                kind: "Pod".into(),
            },
            origin: Origin::default(),
        })
}

fn cluster() -> impl Strategy<Value = Cluster> {
    (
        proptest::collection::vec(labels(), 3),
        proptest::collection::vec(pod(), 1..7),
        proptest::collection::vec(policy(), 0..5),
        prop_oneof![
            1 => Just(Vec::new()),
            2 => proptest::collection::vec(cluster_policy(), 1..4),
        ],
        proptest::collection::vec(node(), 0..3),
    )
        .prop_map(
            |(ns_labels, mut pods, mut policies, cluster_policies, nodes)| {
                policies.extend(cluster_policies);
                for (i, p) in pods.iter_mut().enumerate() {
                    p.name = format!("p{i}");
                    p.workload.name = p.name.clone();
                }
                let mut c = Cluster {
                    namespaces: NAMESPACES
                        .iter()
                        .zip(ns_labels)
                        .map(|(n, labels)| Namespace {
                            name: n.to_string(),
                            labels,
                            declared: true,
                            origin: None,
                        })
                        .collect(),
                    pods,
                    policies,
                    nodes,
                    ..Default::default()
                };
                c.finish();
                c
            },
        )
}

fn check(c: &Cluster, ipblock_pods: bool) -> Result<(), TestCaseError> {
    let reach = Reachability::compile(c, &ReachOptions { ipblock_pods });
    prop_assert_eq!(
        &reach.domains,
        &naive::domain_names(c),
        "named destinations"
    );
    let n = c.pods.len();
    for s in 0..n {
        for d in 0..n {
            let m = reach.pod_to_pod(s, d);
            // `explain` must give the matrix's verdict too.
            let e = explain::explain(
                c,
                &reach.options,
                &explain::Endpoint::Pod(s, String::new()),
                &explain::Endpoint::Pod(d, String::new()),
            );
            prop_assert_eq!(
                &e.allowed,
                &m,
                "explain disagrees on pod {} -> pod {}",
                s,
                d
            );
            let amb = reach.ambiguous_pod_to_pod(s, d);
            prop_assert_eq!(
                &e.ambiguous,
                &amb,
                "explain's ambiguity, pod {} -> pod {}",
                s,
                d
            );
            for proto in Protocol::ALL {
                for port in PROBE_PORTS {
                    let (want, may_deny) =
                        naive::outcomes(c, End::Pod(s), End::Pod(d), proto, port, ipblock_pods);
                    prop_assert_eq!(
                        m.contains(proto, port),
                        want,
                        "pod {} -> pod {} {}/{}",
                        s,
                        d,
                        port,
                        proto
                    );
                    // CNP-4: ambiguous exactly where both outcomes are possible.
                    prop_assert_eq!(
                        amb.contains(proto, port),
                        want && may_deny,
                        "ambiguity of pod {} -> pod {} {}/{}",
                        s,
                        d,
                        port,
                        proto
                    );
                }
            }
        }
        // CNP-12: every named destination, from the egress side only,
        // ambiguous where the address it resolves to decides.
        for (d, name) in reach.domains.iter().enumerate() {
            let out = reach.pod_to_domain(s, d);
            let amb = reach.ambiguous_pod_to_domain(s, d);
            let e = explain::explain(
                c,
                &reach.options,
                &explain::Endpoint::Pod(s, String::new()),
                &explain::Endpoint::Domain(name.clone()),
            );
            prop_assert_eq!(&e.allowed, &out, "explain, pod {} -> dns:{}", s, name);
            prop_assert_eq!(
                &e.ambiguous,
                &amb,
                "explain's ambiguity, pod {} -> dns:{}",
                s,
                name
            );
            for proto in Protocol::ALL {
                for port in PROBE_PORTS {
                    let (a, deny) = naive::domain_outcomes(c, s, name, proto, port, ipblock_pods);
                    prop_assert_eq!(
                        out.contains(proto, port),
                        a,
                        "pod {} -> dns:{} {}/{}",
                        s,
                        name,
                        port,
                        proto
                    );
                    prop_assert_eq!(
                        amb.contains(proto, port),
                        a && deny,
                        "ambiguity pod {} -> dns:{} {}/{}",
                        s,
                        name,
                        port,
                        proto
                    );
                }
            }
        }
        for ip in PROBE_IPS {
            let ip: IpAddr = ip.parse().unwrap();
            let out = reach.pod_to_ip(s, ip);
            let inn = reach.ip_to_pod(ip, s);
            let amb_out = reach.ambiguous_pod_to_ip(s, ip);
            let amb_in = reach.ambiguous_ip_to_pod(ip, s);
            for proto in Protocol::ALL {
                for port in PROBE_PORTS {
                    let (a, d) =
                        naive::outcomes(c, End::Pod(s), End::Ip(ip), proto, port, ipblock_pods);
                    prop_assert_eq!(
                        amb_out.contains(proto, port),
                        a && d,
                        "ambiguity {} -> {}",
                        s,
                        ip
                    );
                    let (a, d) =
                        naive::outcomes(c, End::Ip(ip), End::Pod(s), proto, port, ipblock_pods);
                    prop_assert_eq!(
                        amb_in.contains(proto, port),
                        a && d,
                        "ambiguity {} -> {}",
                        ip,
                        s
                    );
                    let want_out =
                        naive::allowed(c, End::Pod(s), End::Ip(ip), proto, port, ipblock_pods);
                    prop_assert_eq!(
                        out.contains(proto, port),
                        want_out,
                        "pod {} -> {} {}/{}",
                        s,
                        ip,
                        port,
                        proto
                    );
                    let want_in =
                        naive::allowed(c, End::Ip(ip), End::Pod(s), proto, port, ipblock_pods);
                    prop_assert_eq!(
                        inn.contains(proto, port),
                        want_in,
                        "{} -> pod {} {}/{}",
                        ip,
                        s,
                        port,
                        proto
                    );
                }
            }
        }
    }
    Ok(())
}

proptest! {
    // 256 cases by default; PROPTEST_CASES=10000 for a long local run.
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn matrix_agrees_with_naive_evaluator(c in cluster(), ipblock_pods in any::<bool>()) {
        check(&c, ipblock_pods)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::default())]

    /// `rank_all` (transitive closure over strongly connected components)
    /// gives each workload the blast radius of its own breadth-first spread.
    #[test]
    fn closure_ranking_agrees_with_spread(c in cluster(), ipblock_pods in any::<bool>()) {
        use blastradius::attack::graph::{AttackGraph, SimOptions};
        use blastradius::attack::rank::rank_all;
        use blastradius::engine::view::{entities, Level};
        let reach = Reachability::compile(&c, &ReachOptions { ipblock_pods });
        let g = AttackGraph::build(&c, &reach, &SimOptions::default());
        let ents = entities(&c, &reach, Level::Workload);
        let ranked = rank_all(&g, &ents);
        // Counting connections by key signatures gives the list's counts.
        for level in [Level::Workload, Level::Pod, Level::Namespace] {
            use blastradius::engine::view::{ConnCounts, ConnView};
            let built = ConnCounts::of_view(&ConnView::build(&c, &reach, level));
            prop_assert_eq!(ConnCounts::count(&c, &reach, level), built, "{:?}", level);
        }
        // The factored edges are the matrix's class-to-class cells, pair by
        // pair (the matrix is checked against the naive evaluator above).
        let n = g.groups.len();
        let cell = |a: usize, b: usize| reach.class_to_class(g.groups[a].class, g.groups[b].class);
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (a, out_a) in out.iter_mut().enumerate() {
            for b in 0..n {
                let want = cell(a, b);
                let got = g.edges.weight(a, b).map(|w| g.conns.get(w).clone());
                prop_assert_eq!(got.as_ref(), (!want.is_empty()).then_some(want), "edge {} -> {}", a, b);
                if !want.is_empty() {
                    out_a.push(b);
                }
            }
        }
        // Hops of the (row- and bucket-skipping) spread equal a plain
        // breadth-first search over those cells.
        for e in &ents {
            let start = g.pod_group[e.pods[0]];
            let mut hop: Vec<Option<usize>> = vec![None; n];
            if g.groups[start].replicas <= 1 {
                hop[start] = Some(0);
            }
            let mut frontier = vec![start];
            let mut h = 0;
            while !frontier.is_empty() {
                h += 1;
                let mut next = Vec::new();
                for &a in &frontier {
                    for &b in &out[a] {
                        if hop[b].is_none() {
                            hop[b] = Some(h);
                            if b != start {
                                next.push(b);
                            }
                        }
                    }
                }
                frontier = next;
            }
            prop_assert_eq!(&g.spread(&[(e.pods[0], 1)]).hop, &hop, "{}", e.name);
        }
        for e in &ents {
            let want = g.spread(&[(e.pods[0], 1)]).blast_radius(&g);
            let got = ranked.iter().find(|r| r.workload == e.name).map(|r| r.blast_radius);
            prop_assert_eq!(got, Some(want), "{}", e.name);
        }
    }
}
