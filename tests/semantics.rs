//! One or more small, focused tests per rule of the semantics checklist
//! (../shared/SEMANTICS.md, SEM-1 … SEM-64). Each test builds a tiny cluster
//! from YAML, and asserts exact verdicts on both the allowed and the denied
//! side. Tests are named `semNN_…` after the rule they check.
//!
//! Rules that are explanations only and have nothing a static evaluator can
//! get wrong are skipped with a comment where they would be (SEM-48, SEM-53).

use blastradius::engine::explain::{explain, Endpoint, Explanation};
use blastradius::engine::reach::{ReachOptions, Reachability};
use blastradius::input::{load_str, LoadErrors, LoadOptions};
use blastradius::model::ports::{ConnSet, Protocol};
use blastradius::model::{Cluster, NS_NAME_LABEL};
use std::net::IpAddr;

use Protocol::{Sctp, Tcp, Udp};

// ---------------------------------------------------------------- helpers

/// A loaded cluster and its compiled reachability.
struct World {
    c: Cluster,
    r: Reachability,
}

impl World {
    fn new(docs: &[String]) -> World {
        World::with(docs, &LoadOptions::default(), &ReachOptions::default())
    }

    fn with(docs: &[String], lo: &LoadOptions, ro: &ReachOptions) -> World {
        let c = load(docs, lo)
            .unwrap_or_else(|e| panic!("load failed:\n{e}\n--- input ---\n{}", docs.join("---\n")));
        let r = Reachability::compile(&c, ro);
        World { c, r }
    }

    fn idx(&self, spec: &str) -> usize {
        let v = self.c.find_pods(spec).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.len(), 1, "{spec} names exactly one pod entry");
        v[0]
    }

    /// Pod to pod. Every query is cross-checked against `explain`, which
    /// evaluates the policies directly instead of reading the matrix.
    fn pp(&self, s: &str, d: &str) -> ConnSet {
        let got = self.r.pod_to_pod(self.idx(s), self.idx(d));
        let e = self.explain(s, d);
        assert_eq!(
            got.to_connlist(),
            e.allowed.to_connlist(),
            "{s} -> {d}: matrix and explain disagree"
        );
        got
    }

    /// Pod to pod, np-guard spelling (`TCP 80`, `All Connections`, `No Connections`).
    fn pps(&self, s: &str, d: &str) -> String {
        self.pp(s, d).to_connlist()
    }

    /// External address to pod (cross-checked against `explain`).
    fn ip_to(&self, ip: &str, d: &str) -> ConnSet {
        let got = self.r.ip_to_pod(addr(ip), self.idx(d));
        let e = explain(
            &self.c,
            &self.r.options,
            &Endpoint::Ip(addr(ip)),
            &Endpoint::Pod(self.idx(d), d.to_string()),
        );
        assert_eq!(
            got.to_connlist(),
            e.allowed.to_connlist(),
            "{ip} -> {d}: matrix and explain disagree"
        );
        got
    }

    /// Pod to external address (cross-checked against `explain`).
    fn to_ip(&self, s: &str, ip: &str) -> ConnSet {
        let got = self.r.pod_to_ip(self.idx(s), addr(ip));
        let e = explain(
            &self.c,
            &self.r.options,
            &Endpoint::Pod(self.idx(s), s.to_string()),
            &Endpoint::Ip(addr(ip)),
        );
        assert_eq!(
            got.to_connlist(),
            e.allowed.to_connlist(),
            "{s} -> {ip}: matrix and explain disagree"
        );
        got
    }

    fn explain(&self, s: &str, d: &str) -> Explanation {
        explain(
            &self.c,
            &self.r.options,
            &Endpoint::Pod(self.idx(s), s.to_string()),
            &Endpoint::Pod(self.idx(d), d.to_string()),
        )
    }
}

fn addr(s: &str) -> IpAddr {
    s.parse().unwrap_or_else(|_| panic!("{s} is not an IP"))
}

fn load(docs: &[String], lo: &LoadOptions) -> Result<Cluster, LoadErrors> {
    load_str("test.yaml", &docs.join("---\n"), lo)
}

/// A pod; `labels` is the inside of a flow mapping (`app: web, tier: fe`).
// Namespaces are quoted: these tests name one `y`, a boolean in YAML 1.1
// as kubectl reads it.
fn pod(ns: &str, name: &str, labels: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: '{ns}', labels: {{{labels}}}}}\nspec: {{containers: [{{name: c, image: x}}]}}\n"
    )
}

/// A pod with a known IP (`status.podIP`).
fn pod_ip(ns: &str, name: &str, labels: &str, ip: &str) -> String {
    format!("{}status: {{podIP: \"{ip}\"}}\n", pod(ns, name, labels))
}

/// A pod with container ports; `ports` is the inside of a flow sequence
/// (`{name: http, containerPort: 8080}`).
fn pod_ports(ns: &str, name: &str, labels: &str, ports: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: '{ns}', labels: {{{labels}}}}}\nspec: {{containers: [{{name: c, image: x, ports: [{ports}]}}]}}\n"
    )
}

/// A Namespace manifest; `labels` is the inside of a flow mapping.
fn namespace(name: &str, labels: &str) -> String {
    format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: '{name}', labels: {{{labels}}}}}\n")
}

/// A NetworkPolicy; `spec` is a whole flow mapping (`{podSelector: {}, ...}`).
fn np(ns: &str, name: &str, spec: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: '{ns}'}}\nspec: {spec}\n"
    )
}

/// The input is refused, with an error at exactly `path` whose message
/// contains `word`; the Display text names the path too.
fn assert_refused(docs: &[String], path: &str, word: &str) {
    assert_refused_with(docs, &LoadOptions::default(), path, word)
}

fn assert_refused_with(docs: &[String], lo: &LoadOptions, path: &str, word: &str) {
    let errs = match load(docs, lo) {
        Ok(_) => panic!(
            "expected a refusal at {path} ({word}), but the input was accepted:\n{}",
            docs.join("---\n")
        ),
        Err(e) => e,
    };
    let text = errs.to_string();
    assert!(
        errs.0
            .iter()
            .any(|e| e.path.as_deref() == Some(path) && e.problem.to_string().contains(word)),
        "expected an error at `{path}` containing {word:?}, got:\n{text}"
    );
    assert!(text.contains(&format!("): {path}: ")), "{text}");
    assert!(text.starts_with("error: test.yaml: document "), "{text}");
}

/// A policy alone (plus one pod) is accepted.
fn assert_accepted(docs: &[String]) -> Cluster {
    load(docs, &LoadOptions::default()).unwrap_or_else(|e| {
        panic!(
            "expected acceptance, got:\n{e}\n--- input ---\n{}",
            docs.join("---\n")
        )
    })
}

/// Ingress policy on `x` pods labelled `pod: a` with the given rule list.
fn ingress_on_xa(rules: &str) -> String {
    np(
        "x",
        "p-in",
        &format!("{{podSelector: {{matchLabels: {{pod: a}}}}, policyTypes: [Ingress], ingress: {rules}}}"),
    )
}

/// Egress policy on `x` pods labelled `pod: a` with the given rule list.
fn egress_on_xa(rules: &str) -> String {
    np(
        "x",
        "p-out",
        &format!(
            "{{podSelector: {{matchLabels: {{pod: a}}}}, policyTypes: [Egress], egress: {rules}}}"
        ),
    )
}

const EXT: &str = "203.0.113.7";

// ------------------------------------------- §1 policies and isolation

#[test]
fn sem01_policy_only_governs_pods_in_its_own_namespace() {
    // SEM-1: a policy in x with podSelector {} does nothing to pods in y.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("y", "a", "pod: a"),
        pod("y", "b", "pod: b"),
        np("x", "deny-in", "{podSelector: {}, policyTypes: [Ingress]}"),
    ]);
    assert!(w.pp("y/a", "x/a").is_empty());
    assert!(w.ip_to(EXT, "x/a").is_empty());
    assert!(w.pp("x/a", "y/a").is_all());
    assert!(w.pp("y/b", "y/a").is_all());
    assert!(w.ip_to(EXT, "y/a").is_all());
}

#[test]
fn sem02_empty_or_absent_pod_selector_selects_every_pod_of_the_namespace() {
    // SEM-2: `{}`, `{matchLabels: {}}`, `{matchLabels: null}` and no
    // podSelector at all are "every pod in the namespace".
    for spec in [
        "{podSelector: {}, policyTypes: [Ingress]}",
        "{podSelector: {matchLabels: {}}, policyTypes: [Ingress]}",
        "{podSelector: {matchLabels: null}, policyTypes: [Ingress]}",
        "{policyTypes: [Ingress]}",
    ] {
        let w = World::new(&[
            pod("x", "a", "pod: a"),
            pod("x", "b", "pod: b"),
            pod("y", "a", "pod: a"),
            np("x", "deny-in", spec),
        ]);
        assert!(w.pp("y/a", "x/a").is_empty(), "{spec}");
        assert!(w.pp("y/a", "x/b").is_empty(), "{spec}");
        assert!(w.pp("x/a", "x/b").is_empty(), "{spec}");
        assert!(w.pp("x/a", "y/a").is_all(), "{spec}");
    }
    // Control: a non-empty selector picks only its pods.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("x", "b", "pod: b"),
        pod("y", "a", "pod: a"),
        np(
            "x",
            "deny-in",
            "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress]}",
        ),
    ]);
    assert!(w.pp("y/a", "x/a").is_empty());
    assert!(w.pp("y/a", "x/b").is_all());
}

#[test]
fn sem03_isolation_is_per_direction() {
    // SEM-3: an Egress-only policy blocks x/a's outbound traffic, nothing inbound.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("y", "a", "pod: a"),
        np(
            "x",
            "eg",
            "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress]}",
        ),
    ]);
    assert!(w.pp("x/a", "y/a").is_empty());
    assert!(w.to_ip("x/a", EXT).is_empty());
    assert!(w.pp("y/a", "x/a").is_all());
    assert!(w.ip_to(EXT, "x/a").is_all());
    // And an Ingress-only policy the other way round.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("y", "a", "pod: a"),
        np(
            "x",
            "in",
            "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress]}",
        ),
    ]);
    assert!(w.pp("y/a", "x/a").is_empty());
    assert!(w.pp("x/a", "y/a").is_all());
    assert!(w.to_ip("x/a", EXT).is_all());
}

#[test]
fn sem04_non_isolated_direction_allows_everything() {
    // SEM-4: with no policies at all, the matrix is all ones.
    let w = World::new(&[pod("x", "a", "pod: a"), pod("y", "b", "pod: b")]);
    for (s, d) in [("x/a", "y/b"), ("y/b", "x/a")] {
        let c = w.pp(s, d);
        assert!(c.is_all(), "{s} -> {d}: {}", c.to_connlist());
        assert!(c.contains(Sctp, 1) && c.contains(Udp, 65535) && c.contains(Tcp, 443));
    }
    assert!(w.ip_to(EXT, "x/a").is_all());
    assert!(w.to_ip("x/a", EXT).is_all());
    assert!(w.to_ip("x/a", "2001:db8::1").is_all());
}

#[test]
fn sem05_policytypes_default_adds_egress_only_with_rules() {
    // SEM-5: no policyTypes + egress rules: Ingress AND Egress; the ingress
    // side has no rules, so all ingress to app=api is denied.
    for types in ["", "policyTypes: [], "] {
        let w = World::new(&[
            pod("x", "api", "app: api"),
            pod("x", "db", "app: db"),
            pod("x", "web", "app: web"),
            np(
                "x",
                "api-egress",
                &format!("{{podSelector: {{matchLabels: {{app: api}}}}, {types}egress: [{{to: [{{podSelector: {{matchLabels: {{app: db}}}}}}]}}]}}"),
            ),
        ]);
        let p = &w.c.policies[0];
        assert_eq!(p.ingress.as_ref().map(Vec::len), Some(0), "{types}");
        assert_eq!(p.egress.as_ref().map(Vec::len), Some(1), "{types}");
        assert!(
            w.pp("web", "api").is_empty(),
            "{types}: ingress to api denied"
        );
        assert!(w.ip_to(EXT, "api").is_empty(), "{types}");
        assert!(w.pp("api", "db").is_all(), "{types}");
        assert!(w.pp("api", "web").is_empty(), "{types}: egress isolated");
        assert!(w.pp("db", "web").is_all(), "{types}");
    }
}

#[test]
fn sem05_empty_egress_list_does_not_add_egress() {
    // SEM-5: `egress: []` without policyTypes: Ingress only.
    let w = World::new(&[
        pod("x", "api", "app: api"),
        pod("x", "web", "app: web"),
        np(
            "x",
            "p",
            "{podSelector: {matchLabels: {app: api}}, egress: []}",
        ),
    ]);
    assert!(w.c.policies[0].egress.is_none());
    assert!(w.pp("api", "web").is_all());
    assert!(w.to_ip("api", EXT).is_all());
    assert!(w.pp("web", "api").is_empty());
}

#[test]
fn sem06_rules_of_a_direction_missing_from_policytypes_are_ignored() {
    // SEM-6: policyTypes [Ingress] plus an egress list: the egress list has no effect.
    let w = World::new(&[
        pod("x", "api", "app: api"),
        pod("x", "db", "app: db"),
        pod("x", "web", "app: web"),
        np(
            "x",
            "p",
            "{podSelector: {matchLabels: {app: api}}, policyTypes: [Ingress], ingress: [{ports: [{port: 80}]}], egress: [{to: [{podSelector: {matchLabels: {app: db}}}]}]}",
        ),
    ]);
    assert!(w.c.policies[0].egress.is_none());
    assert!(w.pp("api", "web").is_all());
    assert!(w.to_ip("api", EXT).is_all());
    assert_eq!(w.pps("web", "api"), "TCP 80");
    // And the other way round: policyTypes [Egress] plus an ingress list.
    let w = World::new(&[
        pod("x", "api", "app: api"),
        pod("x", "db", "app: db"),
        pod("x", "web", "app: web"),
        np(
            "x",
            "p",
            "{podSelector: {matchLabels: {app: api}}, policyTypes: [Egress], egress: [{ports: [{port: 5432}]}], ingress: [{from: [{podSelector: {matchLabels: {app: db}}}]}]}",
        ),
    ]);
    assert!(w.c.policies[0].ingress.is_none());
    assert!(w.pp("web", "api").is_all());
    assert!(w.ip_to(EXT, "api").is_all());
    assert_eq!(w.pps("api", "web"), "TCP 5432");
}

#[test]
fn sem07_allows_are_a_union_there_is_no_deny() {
    // SEM-7: [E2E] an allow-all policy next to a port-80-only policy opens 81 again.
    let p80 = np(
        "x",
        "allow-80",
        "{podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{port: 80}]}]}",
    );
    let all = np(
        "x",
        "allow-all",
        "{podSelector: {matchLabels: {pod: a}}, ingress: [{}]}",
    );
    let deny = np(
        "x",
        "deny-all",
        "{podSelector: {}, policyTypes: [Ingress, Egress]}",
    );
    let a = pod("x", "a", "pod: a");
    let b = pod("x", "b", "pod: b");

    let w = World::new(&[a.clone(), b.clone(), p80.clone()]);
    assert_eq!(w.pps("x/b", "x/a"), "TCP 80");
    assert!(!w.pp("x/b", "x/a").contains(Tcp, 81));

    let w = World::new(&[a.clone(), b.clone(), p80.clone(), all.clone()]);
    assert!(w.pp("x/b", "x/a").is_all());
    // Order does not matter.
    let w = World::new(&[all.clone(), p80.clone(), b.clone(), a.clone()]);
    assert!(w.pp("x/b", "x/a").is_all());

    // A policy with no rules only isolates; it removes nothing that another allows.
    let w = World::new(&[a.clone(), b.clone(), p80.clone(), deny.clone()]);
    // x/b is egress-isolated by deny-all with no egress rule: nothing leaves it.
    assert!(w.pp("x/b", "x/a").is_empty());
    assert_eq!(w.ip_to(EXT, "x/a").to_connlist(), "TCP 80");
    assert!(w.ip_to(EXT, "x/b").is_empty());
}

#[test]
fn sem08_pod_to_pod_needs_both_egress_and_ingress() {
    // SEM-8: [E2E] y/b's ingress allows x/a, but x/a's egress only allows
    // y/a, so x/a -> y/b is denied.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("y", "a", "pod: a"),
        pod("y", "b", "pod: b"),
        np(
            "y",
            "b-in",
            "{podSelector: {matchLabels: {pod: b}}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: x}}, podSelector: {matchLabels: {pod: a}}}]}]}",
        ),
        np(
            "x",
            "a-out",
            "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: 'y'}}, podSelector: {matchLabels: {pod: a}}}]}]}",
        ),
    ]);
    assert!(w.pp("x/a", "y/b").is_empty());
    assert!(w.pp("x/a", "y/a").is_all());
    assert!(w.pp("y/a", "y/b").is_empty());
    let e = w.explain("x/a", "y/b");
    assert!(e.allowed.is_empty());
    let eg = e.egress.expect("egress side");
    assert_eq!(eg.isolated_by, vec!["x/a-out".to_string()]);
    assert!(eg.allows.is_empty());
    let ing = e.ingress.expect("ingress side");
    assert_eq!(ing.isolated_by, vec!["y/b-in".to_string()]);
    assert!(ing.allows.is_all());
    assert!(ing.rules[0].peer_matches);
    // explain agrees with the matrix on the allowed pair too.
    assert!(w.explain("x/a", "y/a").allowed.is_all());
}

#[test]
fn sem09_only_the_pod_end_counts_for_external_traffic() {
    // SEM-9: external -> pod: only the pod's ingress; pod -> external: only its egress.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("x", "b", "pod: b"),
        np(
            "x",
            "a-no-egress",
            "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress]}",
        ),
        np(
            "x",
            "b-no-ingress",
            "{podSelector: {matchLabels: {pod: b}}, policyTypes: [Ingress]}",
        ),
    ]);
    assert!(w.ip_to(EXT, "x/a").is_all());
    assert!(w.to_ip("x/a", EXT).is_empty());
    assert!(w.ip_to(EXT, "x/b").is_empty());
    assert!(w.to_ip("x/b", EXT).is_all());
    let e = explain(
        &w.c,
        &w.r.options,
        &Endpoint::Ip(addr(EXT)),
        &Endpoint::Pod(w.idx("x/a"), "x/a".into()),
    );
    assert!(e.egress.is_none());
    assert!(e.allowed.is_all());
}

#[test]
fn sem10_labels_are_live() {
    // SEM-10: [E2E] labelling x/a `target=isolated` makes an existing policy isolate it.
    let policy = np(
        "x",
        "isolate",
        "{podSelector: {matchLabels: {target: isolated}}, policyTypes: [Ingress]}",
    );
    let before = World::new(&[
        pod("x", "a", "pod: a"),
        pod("y", "a", "pod: a"),
        policy.clone(),
    ]);
    assert!(before.pp("y/a", "x/a").is_all());
    let after = World::new(&[
        pod("x", "a", "pod: a, target: isolated"),
        pod("y", "a", "pod: a"),
        policy,
    ]);
    assert!(after.pp("y/a", "x/a").is_empty());
    // Namespace labels are live too.
    let ns_policy = np(
        "x",
        "ops-only",
        "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: ops}}}]}]}",
    );
    let before = World::new(&[
        namespace("y", ""),
        pod("x", "a", "pod: a"),
        pod("y", "a", "pod: a"),
        ns_policy.clone(),
    ]);
    assert!(before.pp("y/a", "x/a").is_empty());
    let after = World::new(&[
        namespace("y", "team: ops"),
        pod("x", "a", "pod: a"),
        pod("y", "a", "pod: a"),
        ns_policy,
    ]);
    assert!(after.pp("y/a", "x/a").is_all());
}

#[test]
fn sem11_same_named_policies_are_refused_not_merged() {
    // SEM-11: namespace + name identify a policy; the loader must not keep both.
    let first = np(
        "x",
        "allow",
        "{podSelector: {}, ingress: [{ports: [{port: 80}]}]}",
    );
    let second = np(
        "x",
        "allow",
        "{podSelector: {}, ingress: [{ports: [{port: 81}]}]}",
    );
    assert_refused(&[first.clone(), second], "metadata.name", "duplicate");
    // The same name in another namespace is another policy.
    let other_ns = np(
        "y",
        "allow",
        "{podSelector: {}, ingress: [{ports: [{port: 81}]}]}",
    );
    let c = assert_accepted(&[first, other_ns]);
    assert_eq!(c.policies.len(), 2);
    // No namespace means `default` (SEM-46), so these two collide.
    let implicit = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow}\nspec: {podSelector: {}}\n".to_string();
    let explicit = np("default", "allow", "{podSelector: {}}");
    assert_refused(&[implicit, explicit], "metadata.name", "duplicate");
}

// ------------------------------------------------------ §2 rules and peers

#[test]
fn sem12_rule_needs_peer_and_port_to_match() {
    // SEM-12: `{from: [{podSelector: {role: fe}}], ports: [{port: 80}]}`:
    // role=fe in on 80 only, nobody in on 81.
    let w = World::new(&[
        pod("x", "fe", "role: fe"),
        pod("x", "other", "role: other"),
        pod("x", "db", "role: db"),
        np(
            "x",
            "db-in",
            "{podSelector: {matchLabels: {role: db}}, ingress: [{from: [{podSelector: {matchLabels: {role: fe}}}], ports: [{port: 80}]}]}",
        ),
    ]);
    assert_eq!(w.pps("x/fe", "x/db"), "TCP 80");
    assert!(!w.pp("x/fe", "x/db").contains(Tcp, 81));
    assert!(w.pp("x/other", "x/db").is_empty());
    let e = w.explain("x/fe", "x/db");
    let ing = e.ingress.unwrap();
    assert!(ing.rules[0].peer_matches);
    assert_eq!(ing.rules[0].ports.to_connlist(), "TCP 80");
    assert_eq!(ing.rules[0].at, "ingress[0].from[0]");
    let e = w.explain("x/other", "x/db");
    assert!(!e.ingress.unwrap().rules[0].peer_matches);
}

#[test]
fn sem13_empty_rule_list_allows_nothing_one_empty_rule_allows_everything() {
    // SEM-13: with the direction in policyTypes, `ingress` absent, null or []
    // allows nothing; `ingress: [{}]` allows everything, external IPs included.
    for spec in [
        "{podSelector: {}, policyTypes: [Ingress]}",
        "{podSelector: {}, policyTypes: [Ingress], ingress: null}",
        "{podSelector: {}, policyTypes: [Ingress], ingress: []}",
    ] {
        let w = World::new(&[
            pod("x", "a", "pod: a"),
            pod("y", "a", "pod: a"),
            np("x", "p", spec),
        ]);
        assert!(w.pp("y/a", "x/a").is_empty(), "{spec}");
        assert!(w.ip_to(EXT, "x/a").is_empty(), "{spec}");
    }
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("y", "a", "pod: a"),
        np(
            "x",
            "p",
            "{podSelector: {}, policyTypes: [Ingress], ingress: [{}]}",
        ),
    ]);
    assert!(w.pp("y/a", "x/a").is_all());
    assert!(w.ip_to(EXT, "x/a").is_all());
    assert!(w.ip_to("2001:db8::7", "x/a").is_all());
    // Same for egress.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("y", "a", "pod: a"),
        np(
            "x",
            "p",
            "{podSelector: {}, policyTypes: [Egress], egress: [{}]}",
        ),
    ]);
    assert!(w.pp("x/a", "y/a").is_all());
    assert!(w.to_ip("x/a", EXT).is_all());
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("y", "a", "pod: a"),
        np("x", "p", "{podSelector: {}, policyTypes: [Egress]}"),
    ]);
    assert!(w.pp("x/a", "y/a").is_empty());
    assert!(w.to_ip("x/a", EXT).is_empty());
}

#[test]
fn sem14_absent_or_empty_from_means_any_peer() {
    // SEM-14: `ingress: [{ports: [{port: 53, protocol: UDP}]}]` lets anyone in on 53/UDP.
    for rules in [
        "[{ports: [{port: 53, protocol: UDP}]}]",
        "[{from: [], ports: [{port: 53, protocol: UDP}]}]",
    ] {
        let w = World::new(&[
            pod("x", "a", "pod: a"),
            pod("x", "b", "pod: b"),
            pod("y", "a", "pod: a"),
            ingress_on_xa(rules),
        ]);
        assert_eq!(w.pps("y/a", "x/a"), "UDP 53", "{rules}");
        assert_eq!(w.pps("x/b", "x/a"), "UDP 53", "{rules}");
        assert_eq!(w.ip_to(EXT, "x/a").to_connlist(), "UDP 53", "{rules}");
        assert!(!w.pp("y/a", "x/a").contains(Tcp, 53), "{rules}");
    }
    // Same for `to`.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("y", "a", "pod: a"),
        egress_on_xa("[{to: [], ports: [{port: 53, protocol: UDP}]}]"),
    ]);
    assert_eq!(w.pps("x/a", "y/a"), "UDP 53");
    assert_eq!(w.to_ip("x/a", "8.8.8.8").to_connlist(), "UDP 53");
}

#[test]
fn sem15_empty_peer_is_rejected() {
    // SEM-15: `from: [{}]` is rejected ("must specify a peer"), not "everything".
    assert_refused(
        &[ingress_on_xa("[{from: [{}]}]")],
        "spec.ingress[0].from[0]",
        "must specify a peer",
    );
    assert_refused(
        &[egress_on_xa("[{to: [{podSelector: {}}, {}]}]")],
        "spec.egress[0].to[1]",
        "must specify a peer",
    );
}

#[test]
fn sem16_pod_selector_alone_selects_in_the_policy_namespace() {
    // SEM-16: [E2E] `from: [{podSelector: {}}]` in x admits every pod of x and no pod of y.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("x", "b", "pod: b"),
        pod("y", "b", "pod: b"),
        ingress_on_xa("[{from: [{podSelector: {}}]}]"),
    ]);
    assert!(w.pp("x/b", "x/a").is_all());
    assert!(w.pp("y/b", "x/a").is_empty());
    assert!(w.ip_to(EXT, "x/a").is_empty());
    // With a non-empty selector: still only x.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("x", "b", "pod: b"),
        pod("y", "b", "pod: b"),
        ingress_on_xa("[{from: [{podSelector: {matchLabels: {pod: b}}}]}]"),
    ]);
    assert!(w.pp("x/b", "x/a").is_all());
    assert!(w.pp("y/b", "x/a").is_empty());
}

#[test]
fn sem17_namespace_selector_alone_selects_every_pod_of_matching_namespaces() {
    // SEM-17: `team=ops` namespaces, the policy's own included when it matches.
    let docs = |x_labels: &str| {
        vec![
            namespace("x", x_labels),
            namespace("y", "team: ops"),
            namespace("z", "team: dev"),
            pod("x", "a", "pod: a"),
            pod("x", "b", "pod: b"),
            pod("y", "a", "pod: a"),
            pod("z", "a", "pod: a"),
            ingress_on_xa("[{from: [{namespaceSelector: {matchLabels: {team: ops}}}]}]"),
        ]
    };
    let w = World::new(&docs("team: ops"));
    assert!(w.pp("y/a", "x/a").is_all());
    assert!(w.pp("x/b", "x/a").is_all());
    assert!(w.pp("z/a", "x/a").is_empty());
    assert!(w.ip_to(EXT, "x/a").is_empty());
    let w = World::new(&docs("team: dev"));
    assert!(w.pp("y/a", "x/a").is_all());
    assert!(w.pp("x/b", "x/a").is_empty());
    // `namespaceSelector: {}` is every pod in the cluster but no external IP.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("z", "a", "pod: a"),
        ingress_on_xa("[{from: [{namespaceSelector: {}}]}]"),
    ]);
    assert!(w.pp("z/a", "x/a").is_all());
    assert!(w.ip_to(EXT, "x/a").is_empty());
}

fn alice_bob(from: &str) -> World {
    World::new(&[
        namespace("y", "user: alice"),
        namespace("z", "user: bob"),
        pod("x", "a", "pod: a"),
        pod("x", "client", "role: client"),
        pod("y", "client", "role: client"),
        pod("y", "other", "role: other"),
        pod("z", "client", "role: client"),
        ingress_on_xa(&format!("[{{from: {from}}}]")),
    ])
}

#[test]
fn sem18_both_selectors_in_one_peer_are_anded() {
    // SEM-18: only role=client pods in user=alice namespaces.
    let w = alice_bob("[{namespaceSelector: {matchLabels: {user: alice}}, podSelector: {matchLabels: {role: client}}}]");
    assert!(w.pp("y/client", "x/a").is_all());
    assert!(w.pp("y/other", "x/a").is_empty());
    assert!(w.pp("z/client", "x/a").is_empty());
    assert!(w.pp("x/client", "x/a").is_empty());
}

#[test]
fn sem19_two_peers_are_ored() {
    // SEM-19: every pod of user=alice namespaces OR role=client pods of x.
    let w = alice_bob("[{namespaceSelector: {matchLabels: {user: alice}}}, {podSelector: {matchLabels: {role: client}}}]");
    assert!(w.pp("y/client", "x/a").is_all());
    assert!(w.pp("y/other", "x/a").is_all());
    assert!(w.pp("x/client", "x/a").is_all());
    assert!(w.pp("z/client", "x/a").is_empty());
}

#[test]
fn sem20_all_pods_peer_is_not_the_same_as_omitting_from() {
    // SEM-20: `{podSelector: {}, namespaceSelector: {}}` is every pod, not external IPs.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("z", "a", "pod: a"),
        ingress_on_xa("[{from: [{podSelector: {}, namespaceSelector: {}}]}]"),
    ]);
    assert!(w.pp("z/a", "x/a").is_all());
    assert!(w.ip_to(EXT, "x/a").is_empty());
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("z", "a", "pod: a"),
        ingress_on_xa("[{}]"),
    ]);
    assert!(w.pp("z/a", "x/a").is_all());
    assert!(w.ip_to(EXT, "x/a").is_all());
}

#[test]
fn sem21_ipblock_matches_cidr_minus_except() {
    // SEM-21: 172.17.0.0/16 except 172.17.1.0/24 matches 172.17.0.5 and
    // 172.17.2.5, not 172.17.1.5.
    let block = "{ipBlock: {cidr: 172.17.0.0/16, except: [172.17.1.0/24]}}";
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        ingress_on_xa(&format!("[{{from: [{block}]}}]")),
        np(
            "x",
            "out",
            &format!("{{podSelector: {{matchLabels: {{pod: a}}}}, policyTypes: [Egress], egress: [{{to: [{block}]}}]}}"),
        ),
    ]);
    for (ip, ok) in [
        ("172.17.0.5", true),
        ("172.17.2.5", true),
        ("172.17.255.255", true),
        ("172.17.1.5", false),
        ("172.17.1.0", false),
        ("172.17.1.255", false),
        ("172.18.0.1", false),
        ("172.16.255.255", false),
    ] {
        assert_eq!(w.ip_to(ip, "x/a").is_all(), ok, "{ip} -> x/a");
        assert_eq!(w.ip_to(ip, "x/a").is_empty(), !ok, "{ip} -> x/a");
        assert_eq!(w.to_ip("x/a", ip).is_all(), ok, "x/a -> {ip}");
        assert_eq!(w.to_ip("x/a", ip).is_empty(), !ok, "x/a -> {ip}");
    }
}

#[test]
fn sem22_except_only_punches_holes_in_its_own_block() {
    // SEM-22: A allows 0.0.0.0/0 except 10.0.0.0/8, B allows 10.1.2.3/32: 10.1.2.3 allowed.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        np(
            "x",
            "a",
            "{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]}]}",
        ),
        np(
            "x",
            "b",
            "{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.1.2.3/32}}]}]}",
        ),
    ]);
    assert!(w.to_ip("x/a", "10.1.2.3").is_all());
    assert!(w.to_ip("x/a", "10.1.2.4").is_empty());
    assert!(w.to_ip("x/a", "8.8.8.8").is_all());
    // Within one rule, another peer can allow the excepted address too.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        egress_on_xa("[{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}, {ipBlock: {cidr: 10.1.2.0/24}}]}]"),
    ]);
    assert!(w.to_ip("x/a", "10.1.2.9").is_all());
    assert!(w.to_ip("x/a", "10.1.3.9").is_empty());
    assert!(w.to_ip("x/a", "10.2.0.1").is_all());
}

#[test]
fn sem23_address_families_do_not_mix() {
    // SEM-23: `cidr: 0.0.0.0/0` does not allow egress to 2001:db8::1.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        egress_on_xa("[{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]"),
        ingress_on_xa("[{from: [{ipBlock: {cidr: \"::/0\"}}]}]"),
    ]);
    assert!(w.to_ip("x/a", "8.8.8.8").is_all());
    assert!(w.to_ip("x/a", "2001:db8::1").is_empty());
    assert!(w.ip_to("2001:db8::1", "x/a").is_all());
    assert!(w.ip_to("10.1.1.1", "x/a").is_empty());
}

#[test]
fn sem23_dual_stack_pod_matches_a_block_of_either_family() {
    // SEM-23: a dual-stack pod matches if one of its addresses is in the block.
    let server = "apiVersion: v1\nkind: Pod\nmetadata: {name: server, namespace: x, labels: {pod: server}}\nspec: {containers: [{name: c, image: x}]}\nstatus: {podIP: 10.0.0.5, podIPs: [{ip: 10.0.0.5}, {ip: \"fd00::5\"}]}\n".to_string();
    for (cidr, ok) in [
        ("10.0.0.5/32", true),
        ("\"fd00::5/128\"", true),
        ("10.0.0.6/32", false),
        ("\"fd00::6/128\"", false),
    ] {
        let w = World::new(&[
            server.clone(),
            pod("x", "a", "pod: a"),
            egress_on_xa(&format!("[{{to: [{{ipBlock: {{cidr: {cidr}}}}}]}}]")),
        ]);
        assert_eq!(w.pp("x/a", "x/server").is_all(), ok, "{cidr}");
        assert_eq!(w.pp("x/a", "x/server").is_empty(), !ok, "{cidr}");
    }
}

// SEM-24 and SEM-26 describe what the docs say and what some implementations
// do; the documented choice (SEM-27) is tested below, and SEM-25's upstream
// expectations are tested here.

#[test]
fn sem25_upstream_e2e_ipblocks_built_from_pod_ips_match_those_pods() {
    // SEM-25: a /32 of the server pod's IP matches it; a /4 around it with
    // the pod's /32 as `except` does not.
    let pods = || {
        vec![
            pod_ip("x", "a", "pod: a", "10.0.0.4"),
            pod_ip("x", "b", "pod: b", "10.0.0.5"),
            pod_ip("x", "c", "pod: c", "10.0.0.6"),
        ]
    };
    let mut docs = pods();
    docs.push(egress_on_xa("[{to: [{ipBlock: {cidr: 10.0.0.5/32}}]}]"));
    let w = World::new(&docs);
    assert!(w.pp("x/a", "x/b").is_all());
    assert!(w.pp("x/a", "x/c").is_empty());
    let mut docs = pods();
    docs.push(egress_on_xa(
        "[{to: [{ipBlock: {cidr: 0.0.0.0/4, except: [10.0.0.5/32]}}]}]",
    ));
    let w = World::new(&docs);
    assert!(w.pp("x/a", "x/b").is_empty());
    assert!(w.pp("x/a", "x/c").is_all());
}

#[test]
fn sem27_ipblock_matches_pod_ips_by_default_and_never_with_the_switch_off() {
    // SEM-27: egress to 0.0.0.0/0 reaches every IPv4 pod by default and no
    // pod with ipblock_pods=false; a pod without a known IP never matches.
    let docs = vec![
        pod_ip("x", "a", "pod: a", "10.0.0.4"),
        pod_ip("y", "b", "pod: b", "10.0.0.5"),
        pod("y", "noip", "pod: noip"),
        egress_on_xa("[{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]"),
        np(
            "y",
            "b-in",
            "{podSelector: {matchLabels: {pod: b}}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/24}}]}]}",
        ),
    ];
    let on = World::new(&docs);
    assert!(on.pp("x/a", "y/b").is_all());
    assert!(on.pp("x/a", "y/noip").is_empty());
    assert!(on.to_ip("x/a", "8.8.8.8").is_all());
    assert!(on.ip_to("10.0.0.9", "y/b").is_all());
    let off = World::with(
        &docs,
        &LoadOptions::default(),
        &ReachOptions {
            ipblock_pods: false,
        },
    );
    assert!(off.pp("x/a", "y/b").is_empty());
    assert!(off.pp("x/a", "y/noip").is_empty());
    assert!(off.to_ip("x/a", "8.8.8.8").is_all());
    assert!(off.ip_to("10.0.0.9", "y/b").is_all());
    // Ingress side: y/a (no policy on its egress) at 10.0.0.4 -> y/b.
    let mut docs2 = docs.clone();
    docs2.push(pod_ip("y", "c", "pod: c", "10.0.0.7"));
    let on = World::new(&docs2);
    let off = World::with(
        &docs2,
        &LoadOptions::default(),
        &ReachOptions {
            ipblock_pods: false,
        },
    );
    assert!(on.pp("y/c", "y/b").is_all());
    assert!(off.pp("y/c", "y/b").is_empty());
    // explain agrees with the matrix under both choices.
    assert!(on.explain("y/c", "y/b").allowed.is_all());
    assert!(off.explain("y/c", "y/b").allowed.is_empty());
}

// ------------------------------------------------- §3 ports and protocols

#[test]
fn sem28_38_services_are_not_destinations_policies_use_pod_ports() {
    // SEM-28, SEM-38: a client calling `web:80` (Service 80 -> targetPort
    // 8080) is judged on port 8080 of the web pod; the Service itself is not
    // an endpoint.
    let w = World::new(&[
        pod("x", "client", "app: client"),
        pod_ports("x", "web", "app: web", "{name: http, containerPort: 8080}"),
        "apiVersion: v1\nkind: Service\nmetadata: {name: web-svc, namespace: x}\nspec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}\n".to_string(),
        np(
            "x",
            "web-in",
            "{podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: 8080}]}]}",
        ),
    ]);
    assert_eq!(w.pps("x/client", "x/web"), "TCP 8080");
    assert!(!w.pp("x/client", "x/web").contains(Tcp, 80));
    assert!(w
        .c
        .skipped
        .iter()
        .any(|s| s.kind == "Service" && s.name == "web-svc"));
    assert!(w.c.find_pods("x/web-svc").is_err());
}

#[test]
fn sem29_absent_or_empty_ports_means_every_port_of_every_protocol() {
    // SEM-29: `ingress: [{from: [{podSelector: {}}]}]` allows TCP, UDP and SCTP on any port.
    for rules in [
        "[{from: [{podSelector: {}}]}]",
        "[{from: [{podSelector: {}}], ports: []}]",
    ] {
        let w = World::new(&[
            pod("x", "a", "pod: a"),
            pod("x", "b", "pod: b"),
            ingress_on_xa(rules),
        ]);
        let c = w.pp("x/b", "x/a");
        assert!(c.is_all(), "{rules}: {}", c.to_connlist());
        assert!(c.contains(Sctp, 9) && c.contains(Udp, 1) && c.contains(Tcp, 65535));
    }
}

#[test]
fn sem30_protocol_defaults_to_tcp_per_entry() {
    // SEM-30: `ports: [{}]` is every TCP port; UDP and SCTP stay closed.
    let one = |ports: &str| {
        World::new(&[
            pod("x", "a", "pod: a"),
            pod("x", "b", "pod: b"),
            ingress_on_xa(&format!("[{{ports: {ports}}}]")),
        ])
        .pps("x/b", "x/a")
    };
    assert_eq!(one("[{}]"), "TCP 1-65535");
    // [E2E] `ports: [{protocol: TCP}]` allows TCP/80, denies UDP/80.
    assert_eq!(one("[{protocol: TCP}]"), "TCP 1-65535");
    assert_eq!(one("[{port: 80}]"), "TCP 80");
    // Per entry: the UDP entry does not make the other entry UDP.
    assert_eq!(
        one("[{port: 80}, {port: 53, protocol: UDP}]"),
        "TCP 80,UDP 53"
    );
}

#[test]
fn sem31_protocols_are_exact() {
    // SEM-31: a UDP or SCTP rule never allows TCP on the same port, and the
    // pod stays isolated for TCP.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("x", "b", "pod: b"),
        ingress_on_xa("[{ports: [{port: 80, protocol: SCTP}, {port: 53, protocol: UDP}]}]"),
    ]);
    let c = w.pp("x/b", "x/a");
    assert_eq!(c.to_connlist(), "SCTP 80,UDP 53");
    assert!(!c.contains(Tcp, 80));
    assert!(!c.contains(Tcp, 53));
    assert!(!c.contains(Udp, 80));
    // Values are case-sensitive.
    assert_refused(
        &[ingress_on_xa("[{ports: [{port: 80, protocol: tcp}]}]")],
        "spec.ingress[0].ports[0].protocol",
        "Unsupported value",
    );
}

#[test]
fn sem32_numeric_port_need_not_be_declared() {
    // SEM-32: `ports: [{port: 9090}]` allows 9090/TCP even if the pod declares only 8080.
    let w = World::new(&[
        pod_ports("x", "a", "pod: a", "{name: http, containerPort: 8080}"),
        pod("x", "b", "pod: b"),
        ingress_on_xa("[{ports: [{port: 9090}]}]"),
    ]);
    assert_eq!(w.pps("x/b", "x/a"), "TCP 9090");
    assert!(!w.pp("x/b", "x/a").contains(Tcp, 8080));
}

#[test]
fn sem33_port_omitted_protocol_given_means_all_ports_of_that_protocol() {
    // SEM-33: `ports: [{protocol: UDP}]` is all UDP.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("x", "b", "pod: b"),
        ingress_on_xa("[{ports: [{protocol: UDP}]}]"),
    ]);
    assert_eq!(w.pps("x/b", "x/a"), "UDP 1-65535");
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("x", "b", "pod: b"),
        ingress_on_xa("[{ports: [{protocol: SCTP}]}]"),
    ]);
    assert_eq!(w.pps("x/b", "x/a"), "SCTP 1-65535");
}

#[test]
fn sem34_named_ports_resolve_on_name_and_protocol() {
    // SEM-34: `ports: [{port: serve-80-udp}]` (protocol TCP) never matches,
    // because serve-80-udp is a UDP port; container ports default to TCP.
    let server = || {
        pod_ports(
            "x",
            "a",
            "pod: a",
            "{name: serve-80-tcp, containerPort: 80}, {name: serve-80-udp, containerPort: 80, protocol: UDP}, {name: serve-81-sctp, containerPort: 81, protocol: SCTP}",
        )
    };
    let one = |ports: &str| {
        World::new(&[
            server(),
            pod("x", "b", "pod: b"),
            ingress_on_xa(&format!("[{{ports: {ports}}}]")),
        ])
        .pps("x/b", "x/a")
    };
    assert_eq!(one("[{port: serve-80-udp}]"), "No Connections");
    assert_eq!(one("[{port: serve-80-udp, protocol: UDP}]"), "UDP 80");
    assert_eq!(one("[{port: serve-80-tcp}]"), "TCP 80");
    assert_eq!(
        one("[{port: serve-80-tcp, protocol: UDP}]"),
        "No Connections"
    );
    assert_eq!(one("[{port: serve-81-sctp, protocol: SCTP}]"), "SCTP 81");
    assert_eq!(one("[{port: serve-81-sctp}]"), "No Connections");
}

#[test]
fn sem35_egress_named_ports_resolve_on_the_destination() {
    // SEM-35: [E2E] `egress: [{ports: [{port: serve-80-tcp}]}]` lets x/a reach
    // every pod on its serve-80-tcp number, nothing on 81, and no IP.
    let w = World::new(&[
        // The source gives the name another number: it must not be used.
        pod_ports(
            "x",
            "a",
            "pod: a",
            "{name: serve-80-tcp, containerPort: 9999}",
        ),
        pod_ports(
            "y",
            "b",
            "pod: b",
            "{name: serve-80-tcp, containerPort: 80}, {name: serve-81-tcp, containerPort: 81}",
        ),
        pod("y", "c", "pod: c"),
        egress_on_xa("[{ports: [{port: serve-80-tcp}]}]"),
    ]);
    assert_eq!(w.pps("x/a", "y/b"), "TCP 80");
    assert!(!w.pp("x/a", "y/b").contains(Tcp, 9999));
    assert!(w.pp("x/a", "y/c").is_empty());
    assert!(w.to_ip("x/a", EXT).is_empty());
    assert!(w.c.warnings.is_empty(), "{:?}", w.c.warnings);
}

#[test]
fn sem35_named_port_towards_an_ipblock_never_matches_and_warns() {
    // SEM-35: an ipBlock destination cannot resolve a name; the loader warns.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        egress_on_xa("[{to: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: http}, {port: 443}]}]"),
    ]);
    assert_eq!(w.to_ip("x/a", "8.8.8.8").to_connlist(), "TCP 443");
    assert!(
        w.c.warnings
            .iter()
            .any(|m| m.contains("spec.egress[0]") && m.contains("named port")),
        "{:?}",
        w.c.warnings
    );
    // An ingress rule with an ipBlock and a named port resolves on the
    // selected pod: no warning, and the external source gets the port.
    let w = World::new(&[
        pod_ports("x", "a", "pod: a", "{name: http, containerPort: 8080}"),
        ingress_on_xa("[{from: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: http}]}]"),
    ]);
    assert_eq!(w.ip_to(EXT, "x/a").to_connlist(), "TCP 8080");
    assert!(w.c.warnings.is_empty(), "{:?}", w.c.warnings);
}

#[test]
fn sem36_named_ports_resolve_per_destination_pod_never_pooled() {
    // SEM-36: `http` is 8080 on A and 9090 on B: A:8080 and B:9090, not A:9090.
    // Ingress names are looked up on the destination, never on the source.
    let w = World::new(&[
        pod_ports(
            "x",
            "a",
            "tier: srv, pod: a",
            "{name: http, containerPort: 8080}",
        ),
        pod_ports(
            "x",
            "b",
            "tier: srv, pod: b",
            "{name: http, containerPort: 9090}",
        ),
        pod("x", "c", "tier: srv, pod: c"),
        pod_ports("x", "src", "pod: src", "{name: http, containerPort: 7070}"),
        np(
            "x",
            "srv-in",
            "{podSelector: {matchLabels: {tier: srv}}, ingress: [{ports: [{port: http}]}]}",
        ),
    ]);
    assert_eq!(w.pps("x/src", "x/a"), "TCP 8080");
    assert_eq!(w.pps("x/src", "x/b"), "TCP 9090");
    assert_eq!(w.pps("x/src", "x/c"), "No Connections");
    assert_eq!(w.pps("x/a", "x/b"), "TCP 9090");
    assert_eq!(w.pps("x/b", "x/a"), "TCP 8080");
    // explain resolves the same way.
    assert_eq!(w.explain("x/src", "x/b").allowed.to_connlist(), "TCP 9090");
}

#[test]
fn sem37_endport_is_an_inclusive_range_on_the_entry_protocol() {
    // SEM-37: `{protocol: TCP, port: 32000, endPort: 32768}` allows 32000..32768 inclusive.
    let one = |ports: &str| {
        World::new(&[
            pod("x", "a", "pod: a"),
            pod("x", "b", "pod: b"),
            ingress_on_xa(&format!("[{{ports: {ports}}}]")),
        ])
        .pp("x/b", "x/a")
    };
    let c = one("[{protocol: TCP, port: 32000, endPort: 32768}]");
    assert_eq!(c.to_connlist(), "TCP 32000-32768");
    assert!(!c.contains(Tcp, 31999) && c.contains(Tcp, 32000));
    assert!(c.contains(Tcp, 32768) && !c.contains(Tcp, 32769));
    assert!(!c.contains(Udp, 32000));
    assert_eq!(
        one("[{protocol: UDP, port: 100, endPort: 200}]").to_connlist(),
        "UDP 100-200"
    );
    assert_eq!(
        one("[{port: 20000, endPort: 20000}]").to_connlist(),
        "TCP 20000"
    );
    assert_eq!(
        one("[{port: 1, endPort: 65535}]").to_connlist(),
        "TCP 1-65535"
    );
}

#[test]
fn sem39_only_tcp_udp_and_sctp_are_modelled() {
    // SEM-39: ICMP and other protocols are out of scope (plugin-specific); the
    // connection space is exactly TCP, UDP and SCTP, and a policy cannot name ICMP.
    assert_eq!(Protocol::ALL.len(), 3);
    let all = Protocol::ALL
        .iter()
        .fold(ConnSet::empty(), |acc, p| acc.union(&ConnSet::all_of(*p)));
    assert!(all.is_all());
    assert!(Protocol::parse("ICMP").is_none());
    assert_refused(
        &[ingress_on_xa("[{ports: [{protocol: ICMP}]}]")],
        "spec.ingress[0].ports[0].protocol",
        "Unsupported value",
    );
}

// --------------------------------------------------------- §4 selectors

/// Which of the pods p-prod (env=prod), p-dev (env=dev), p-none (no env)
/// a policy with this podSelector isolates for ingress.
fn isolated_by_selector(sel: &str) -> Vec<&'static str> {
    let w = World::new(&[
        pod("x", "p-prod", "env: prod, app: web"),
        pod("x", "p-dev", "env: dev, app: web"),
        pod("x", "p-none", "app: web"),
        np(
            "x",
            "p",
            &format!("{{podSelector: {sel}, policyTypes: [Ingress]}}"),
        ),
    ]);
    ["p-prod", "p-dev", "p-none"]
        .into_iter()
        .filter(|p| {
            let c = w.ip_to(EXT, &format!("x/{p}"));
            assert!(c.is_all() || c.is_empty());
            c.is_empty()
        })
        .collect()
}

#[test]
fn sem40_match_labels_and_expressions_are_anded() {
    // SEM-40: matchLabels and every matchExpressions entry are ANDed.
    assert_eq!(
        isolated_by_selector("{matchLabels: {app: web}, matchExpressions: [{key: env, operator: In, values: [prod]}]}"),
        vec!["p-prod"]
    );
    assert_eq!(
        isolated_by_selector("{matchLabels: {app: api}, matchExpressions: [{key: env, operator: In, values: [prod]}]}"),
        Vec::<&str>::new()
    );
    assert_eq!(
        isolated_by_selector("{matchExpressions: [{key: env, operator: Exists}, {key: env, operator: NotIn, values: [prod]}]}"),
        vec!["p-dev"]
    );
    // An empty selector matches everything.
    assert_eq!(
        isolated_by_selector("{}"),
        vec!["p-prod", "p-dev", "p-none"]
    );
}

#[test]
fn sem41_selector_operators() {
    // SEM-41: In, NotIn (absent key matches), Exists, DoesNotExist.
    assert_eq!(
        isolated_by_selector("{matchExpressions: [{key: env, operator: In, values: [prod, dev]}]}"),
        vec!["p-prod", "p-dev"]
    );
    assert_eq!(
        isolated_by_selector("{matchExpressions: [{key: env, operator: NotIn, values: [prod]}]}"),
        vec!["p-dev", "p-none"]
    );
    assert_eq!(
        isolated_by_selector("{matchExpressions: [{key: env, operator: Exists}]}"),
        vec!["p-prod", "p-dev"]
    );
    assert_eq!(
        isolated_by_selector("{matchExpressions: [{key: env, operator: DoesNotExist}]}"),
        vec!["p-none"]
    );
    // Operators are case-sensitive, and Gt/Lt are node-selector only.
    for op in ["in", "Gt"] {
        assert_refused(
            &[np(
                "x",
                "p",
                &format!("{{podSelector: {{matchExpressions: [{{key: env, operator: {op}, values: [\"1\"]}}]}}}}"),
            )],
            "spec.podSelector.matchExpressions[0].operator",
            "Unsupported value",
        );
    }
    // Peer selectors use the same operators.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("x", "prod", "env: prod"),
        pod("x", "none", "app: x"),
        ingress_on_xa("[{from: [{podSelector: {matchExpressions: [{key: env, operator: NotIn, values: [prod]}]}}]}]"),
    ]);
    assert!(w.pp("x/prod", "x/a").is_empty());
    assert!(w.pp("x/none", "x/a").is_all());
}

#[test]
fn sem42_selector_validation() {
    // SEM-42: In/NotIn need values; Exists/DoesNotExist must have none.
    let sel = |s: &str| vec![np("x", "p", &format!("{{podSelector: {s}}}"))];
    assert_refused(
        &sel("{matchExpressions: [{key: role, operator: In}]}"),
        "spec.podSelector.matchExpressions[0].values",
        "must be specified",
    );
    assert_refused(
        &sel("{matchExpressions: [{key: role, operator: NotIn, values: []}]}"),
        "spec.podSelector.matchExpressions[0].values",
        "must be specified",
    );
    assert_refused(
        &sel("{matchExpressions: [{key: role, operator: Exists, values: [a]}]}"),
        "spec.podSelector.matchExpressions[0].values",
        "may not be specified",
    );
    assert_refused(
        &sel("{matchExpressions: [{key: role, operator: DoesNotExist, values: [a]}]}"),
        "spec.podSelector.matchExpressions[0].values",
        "may not be specified",
    );
    // Keys are qualified names.
    assert_refused(
        &sel("{matchExpressions: [{key: -role, operator: Exists}]}"),
        "spec.podSelector.matchExpressions[0].key",
        "label key",
    );
    assert_refused(
        &sel("{matchExpressions: [{key: Example.com/role, operator: Exists}]}"),
        "spec.podSelector.matchExpressions[0].key",
        "label key",
    );
    let long_name = "a".repeat(64);
    assert_refused(
        &sel(&format!("{{matchLabels: {{{long_name}: x}}}}")),
        &format!("spec.podSelector.matchLabels.{long_name}"),
        "label key",
    );
    // Values inside matchExpressions are checked (at most 63 characters).
    let long_value = "v".repeat(64);
    assert_refused(
        &sel(&format!(
            "{{matchExpressions: [{{key: role, operator: In, values: [ok, {long_value}]}}]}}"
        )),
        "spec.podSelector.matchExpressions[0].values[1]",
        "63",
    );
    // In peer selectors too.
    assert_refused(
        &[ingress_on_xa(
            "[{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: In}]}}]}]",
        )],
        "spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values",
        "must be specified",
    );
    // Valid: a prefixed key, a 63-character value, an empty value.
    let ok63 = "v".repeat(63);
    assert_accepted(&sel(&format!(
        "{{matchLabels: {{example.com/role: \"\"}}, matchExpressions: [{{key: app.kubernetes.io/name, operator: In, values: [{ok63}, a_b.c-d]}}]}}"
    )));
}

#[test]
fn sem43_label_values_are_strings() {
    // SEM-43: unquoted `true` in matchLabels is not a string; quote it.
    let errs = load(
        &[np(
            "x",
            "p",
            "{podSelector: {matchLabels: {enabled: true}}}",
        )],
        &LoadOptions::default(),
    )
    .expect_err("an unquoted boolean label value must be refused");
    let text = errs.to_string();
    assert!(text.contains("spec.podSelector.matchLabels"), "{text}");
    assert!(text.contains("string"), "{text}");
    // Quoted, it is a string and selects pods labelled "true".
    let w = World::new(&[
        "apiVersion: v1\nkind: Pod\nmetadata: {name: enabled-pod, namespace: x, labels: {enabled: \"true\"}}\nspec: {containers: [{name: c, image: x}]}\n".to_string(),
        pod("x", "disabled-pod", "enabled: \"false\""),
        np(
            "x",
            "p",
            "{podSelector: {matchLabels: {enabled: \"true\"}}, policyTypes: [Ingress]}",
        ),
    ]);
    assert!(w.ip_to(EXT, "x/enabled-pod").is_empty());
    assert!(w.ip_to(EXT, "x/disabled-pod").is_all());
}

// -------------------------------------------------------- §5 namespaces

#[test]
fn sem44_namespaces_are_selected_by_label_including_the_name_label() {
    // SEM-44: `namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: prod}}`.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("prod", "a", "pod: a"),
        pod("staging", "a", "pod: a"),
        ingress_on_xa(
            "[{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: prod}}}]}]",
        ),
    ]);
    assert!(w.pp("prod/a", "x/a").is_all());
    assert!(w.pp("staging/a", "x/a").is_empty());
    assert!(w.pp("x/a", "x/a").is_all()); // self, SEM-47
}

#[test]
fn sem45_metadata_name_label_is_always_present_and_not_overridable() {
    // SEM-45: declared (no labels), referenced-only, and a manifest that
    // tries to set the label to another namespace's name.
    let w = World::new(&[
        namespace("prod", ""),
        namespace("evil", "kubernetes.io/metadata.name: prod"),
        pod("x", "a", "pod: a"),
        pod("prod", "a", "pod: a"),
        pod("dev", "a", "pod: a"),
        pod("evil", "a", "pod: a"),
        ingress_on_xa("[{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: prod}}}, {namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [dev]}]}}]}]"),
    ]);
    assert!(w.pp("prod/a", "x/a").is_all());
    assert!(w.pp("dev/a", "x/a").is_all());
    assert!(w.pp("evil/a", "x/a").is_empty());
    for n in ["prod", "dev", "evil", "x"] {
        assert_eq!(
            w.c.namespace_labels(n)
                .get(NS_NAME_LABEL)
                .map(String::as_str),
            Some(n)
        );
    }
    let dev =
        w.c.namespaces
            .iter()
            .find(|n| n.name == "dev")
            .expect("dev listed");
    assert!(!dev.declared);
    assert_eq!(
        dev.labels.get(NS_NAME_LABEL).map(String::as_str),
        Some("dev")
    );
    assert!(
        w.c.namespaces
            .iter()
            .find(|n| n.name == "prod")
            .unwrap()
            .declared
    );
    assert!(
        w.c.warnings
            .iter()
            .any(|m| m.contains("evil") && m.contains(NS_NAME_LABEL)),
        "{:?}",
        w.c.warnings
    );
}

#[test]
fn sem46_objects_without_namespace_live_in_default() {
    // SEM-46: the recipe policy `web-allow-prod` has no namespace and governs default/web.
    let w = World::new(&[
        namespace("prod", "purpose: production"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec: {containers: [{name: c, image: x}]}\n".to_string(),
        pod("prod", "client", "app: client"),
        pod("staging", "client", "app: client"),
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web-allow-prod}\nspec: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{namespaceSelector: {matchLabels: {purpose: production}}}]}]}\n".to_string(),
    ]);
    assert_eq!(w.c.policies[0].namespace, "default");
    let web = w.idx("default/web");
    assert_eq!(w.c.pods[web].namespace, "default");
    assert!(w.pp("prod/client", "default/web").is_all());
    assert!(w.pp("staging/client", "default/web").is_empty());
    assert_eq!(
        w.c.namespace_labels("default")
            .get(NS_NAME_LABEL)
            .map(String::as_str),
        Some("default")
    );
}

// -------------------------------------- §6 special endpoints, pod states

#[test]
fn sem47_same_pod_traffic_is_always_allowed() {
    // SEM-47: under a default-deny-all policy, x/a -> x/a is still allowed.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("x", "b", "pod: b"),
        np(
            "x",
            "deny-all",
            "{podSelector: {}, policyTypes: [Ingress, Egress]}",
        ),
    ]);
    assert!(w.pp("x/a", "x/a").is_all());
    assert!(w.pp("x/a", "x/b").is_empty());
    assert!(w.pp("x/b", "x/a").is_empty());
    let e = w.explain("x/a", "x/a");
    assert!(e.same_pod);
    assert!(e.allowed.is_all());
    assert!(!w.explain("x/a", "x/b").same_pod);
}

// SEM-48 (the pod's own node is always allowed in) is not modelled: the
// model has no nodes, and other nodes are ordinary IP addresses. Nothing to
// test beyond SEM-9's IP handling.

#[test]
fn sem49_host_network_pods_are_ignored_by_selectors_but_seen_by_ip() {
    // SEM-49: a policy selecting a hostNetwork pod does not isolate it;
    // `from: [{podSelector: {app: agent}}]` does not admit the agent; an
    // ipBlock on its IP does (even with ipBlock-matches-pods off).
    let agent = "apiVersion: v1\nkind: Pod\nmetadata: {name: agent, namespace: x, labels: {app: agent}}\nspec: {hostNetwork: true, containers: [{name: c, image: x}]}\nstatus: {podIP: 192.168.1.10}\n".to_string();
    let docs = vec![
        agent.clone(),
        pod("x", "a", "pod: a"),
        pod("x", "b", "pod: b"),
        pod("y", "c", "pod: c"),
        np("x", "deny-in", "{podSelector: {}, policyTypes: [Ingress]}"),
        ingress_on_xa("[{from: [{podSelector: {matchLabels: {app: agent}}}]}, {from: [{ipBlock: {cidr: 192.168.1.0/24}}], ports: [{port: 10250}]}]"),
    ];
    let w = World::new(&docs);
    assert!(
        w.pp("y/c", "x/agent").is_all(),
        "not isolated by podSelector {{}}"
    );
    assert!(w.ip_to(EXT, "x/agent").is_all());
    assert!(w.pp("y/c", "x/b").is_empty());
    assert_eq!(w.pps("x/agent", "x/a"), "TCP 10250");
    let off = World::with(
        &docs,
        &LoadOptions::default(),
        &ReachOptions {
            ipblock_pods: false,
        },
    );
    assert_eq!(off.pps("x/agent", "x/a"), "TCP 10250");
    let e = w.explain("y/c", "x/agent");
    assert!(e.ingress.as_ref().unwrap().isolated_by.is_empty());
    assert!(e.ingress.unwrap().note.unwrap().contains("hostNetwork"));
    // With host_network_as_pods the agent is an ordinary pod.
    let pods = World::with(
        &docs,
        &LoadOptions {
            host_network_as_pods: true,
            ..LoadOptions::default()
        },
        &ReachOptions::default(),
    );
    assert!(pods.pp("y/c", "x/agent").is_empty());
    assert!(pods.pp("x/agent", "x/a").is_all());
}

#[test]
fn sem50_terminal_pods_take_no_part() {
    // SEM-50: a completed Job pod labelled app=db-migrate is not a peer of anything.
    let migrate = |name: &str, phase: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: x, labels: {{app: db-migrate}}}}\nspec: {{containers: [{{name: c, image: x}}]}}\nstatus: {{phase: {phase}, podIP: 10.0.0.9}}\n"
        )
    };
    let docs = vec![
        migrate("done", "Succeeded"),
        migrate("crashed", "Failed"),
        migrate("running", "Running"),
        pod("x", "db", "app: db"),
        np(
            "x",
            "db-in",
            "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: db-migrate}}}]}]}",
        ),
    ];
    let w = World::new(&docs);
    assert!(w.c.find_pods("x/done").is_err());
    assert!(w.c.find_pods("x/crashed").is_err());
    assert!(w.pp("x/running", "x/db").is_all());
    for (n, ph) in [("x/done", "Succeeded"), ("x/crashed", "Failed")] {
        assert!(
            w.c.skipped
                .iter()
                .any(|s| s.kind == "Pod" && s.name == n && s.reason.contains(ph)),
            "{n} listed as skipped: {:?}",
            w.c.skipped
        );
    }
    assert!(!w.c.skipped.iter().any(|s| s.name == "x/running"));
    let kept = World::with(
        &docs,
        &LoadOptions {
            include_terminal_pods: true,
            ..LoadOptions::default()
        },
        &ReachOptions::default(),
    );
    assert!(kept.pp("x/done", "x/db").is_all());
    assert!(kept.c.skipped.is_empty());
}

#[test]
fn sem51_pods_without_ip_match_selectors_but_never_ipblocks() {
    // SEM-51: a Deployment expanded from a manifest has labels but no IPs.
    let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: x}\nspec: {replicas: 2, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: x}]}}}\n".to_string();
    let w = World::new(&[
        deploy.clone(),
        pod("x", "db", "app: db"),
        np(
            "x",
            "db-in",
            "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]}",
        ),
    ]);
    let web = w.idx("x/web");
    assert!(w.c.pods[web].ips.is_empty());
    assert_eq!(w.c.pods[web].replicas, 2);
    assert!(w.pp("x/web", "x/db").is_all());
    let w = World::new(&[
        deploy,
        pod("x", "db", "app: db"),
        np(
            "x",
            "db-in",
            "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}, {ipBlock: {cidr: \"::/0\"}}]}]}",
        ),
    ]);
    assert!(w.pp("x/web", "x/db").is_empty());
    assert!(w.ip_to("10.1.2.3", "x/db").is_all());
}

#[test]
fn sem52_connections_are_directional_replies_are_implicit() {
    // SEM-52: x/a may open to y/a; y/a opening to x/a needs its own allowance.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("y", "a", "pod: a"),
        np("x", "deny-in", "{podSelector: {}, policyTypes: [Ingress]}"),
    ]);
    assert!(w.pp("x/a", "y/a").is_all());
    assert!(w.pp("y/a", "x/a").is_empty());
}

// SEM-53 (enforcement is eventually consistent) is about timing in a live
// cluster; a static simulator describes the converged state, so there is
// nothing to test.

// ------------------------------------------ §7 what the API server rejects

fn ipblock_in(block: &str) -> Vec<String> {
    vec![ingress_on_xa(&format!(
        "[{{from: [{{ipBlock: {block}}}]}}]"
    ))]
}

#[test]
fn sem54_cidr_must_parse() {
    // SEM-54: `cidr: 10.0.0.1` -> "must be a valid CIDR value".
    for cidr in [
        "10.0.0.1",
        "10.0.0.0/33",
        "garbage",
        "\"\"",
        "\"::/129\"",
        "10.0.0.0/-1",
    ] {
        assert_refused(
            &ipblock_in(&format!("{{cidr: {cidr}}}")),
            "spec.ingress[0].from[0].ipBlock.cidr",
            "valid CIDR",
        );
    }
    // Required.
    let errs = load(
        &ipblock_in("{except: [10.0.0.0/24]}"),
        &LoadOptions::default(),
    )
    .expect_err("an ipBlock without cidr must be refused");
    let text = errs.to_string();
    assert!(text.contains("spec.ingress[0].from[0].ipBlock"), "{text}");
    assert!(text.contains("cidr"), "{text}");
}

#[test]
fn sem55_host_bits_and_leading_zeros_strict_and_lenient() {
    // SEM-55: refused by default; with lenient_cidr accepted, normalised,
    // warned about, and evaluated as the masked network.
    for cidr in ["10.1.2.3/8", "010.0.0.0/8"] {
        let docs = vec![
            pod("x", "a", "pod: a"),
            egress_on_xa(&format!("[{{to: [{{ipBlock: {{cidr: {cidr}}}}}]}}]")),
        ];
        assert_refused(&docs, "spec.egress[0].to[0].ipBlock.cidr", "valid CIDR");
        let w = World::with(
            &docs,
            &LoadOptions {
                lenient_cidr: true,
                ..LoadOptions::default()
            },
            &ReachOptions::default(),
        );
        assert!(w.to_ip("x/a", "10.200.0.1").is_all(), "{cidr}");
        assert!(w.to_ip("x/a", "10.0.0.0").is_all(), "{cidr}");
        assert!(w.to_ip("x/a", "11.0.0.1").is_empty(), "{cidr}");
        assert!(w.to_ip("x/a", "9.255.255.255").is_empty(), "{cidr}");
        assert!(
            w.c.warnings
                .iter()
                .any(|m| m.contains(cidr) && m.contains("10.0.0.0/8")),
            "{cidr}: {:?}",
            w.c.warnings
        );
    }
    // `except` entries too.
    let docs = ipblock_in("{cidr: 10.0.0.0/8, except: [10.1.2.3/16]}");
    assert_refused(
        &docs,
        "spec.ingress[0].from[0].ipBlock.except[0]",
        "valid CIDR",
    );
    let mut docs = docs;
    docs.push(pod("x", "a", "pod: a"));
    let w = World::with(
        &docs,
        &LoadOptions {
            lenient_cidr: true,
            ..LoadOptions::default()
        },
        &ReachOptions::default(),
    );
    assert!(w.ip_to("10.1.200.1", "x/a").is_empty());
    assert!(w.ip_to("10.2.0.1", "x/a").is_all());
}

#[test]
fn sem56_except_must_be_a_strict_subset_of_cidr() {
    // SEM-56: equal, larger, outside, or of the other family -> refused.
    for except in ["10.0.0.0/16", "10.0.0.0/8", "10.1.0.0/24", "\"fd00::/64\""] {
        assert_refused(
            &[egress_on_xa(&format!(
                "[{{to: [{{ipBlock: {{cidr: 10.0.0.0/16, except: [10.0.1.0/24, {except}]}}}}]}}]"
            ))],
            "spec.egress[0].to[0].ipBlock.except[1]",
            "strict subset",
        );
    }
    assert_refused(
        &ipblock_in("{cidr: 10.0.0.0/16, except: [10.0.0.1]}"),
        "spec.ingress[0].from[0].ipBlock.except[0]",
        "valid CIDR",
    );
    assert_accepted(&ipblock_in(
        "{cidr: 10.0.0.0/16, except: [10.0.0.0/17, 10.0.255.255/32]}",
    ));
}

#[test]
fn sem57_peer_shape() {
    // SEM-57: at least one of the three; ipBlock with a selector is forbidden.
    for peer in [
        "{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}",
        "{ipBlock: {cidr: 10.0.0.0/8}, namespaceSelector: {}}",
        "{ipBlock: {cidr: 10.0.0.0/8}, namespaceSelector: {}, podSelector: {}}",
    ] {
        assert_refused(
            &[ingress_on_xa(&format!("[{{from: [{peer}]}}]"))],
            "spec.ingress[0].from[0]",
            "may not specify both",
        );
    }
    assert_refused(
        &[egress_on_xa("[{to: [{ipBlock: {cidr: 10.0.0.0/8}}, {}]}]")],
        "spec.egress[0].to[1]",
        "must specify a peer",
    );
}

#[test]
fn sem58_protocol_values() {
    // SEM-58: only TCP, UDP, SCTP, exact case.
    for proto in ["ICMP", "tcp", "Udp", "sctp", "\"\""] {
        assert_refused(
            &[ingress_on_xa(&format!(
                "[{{ports: [{{port: 80}}, {{port: 81, protocol: {proto}}}]}}]"
            ))],
            "spec.ingress[0].ports[1].protocol",
            "Unsupported value",
        );
    }
    for proto in ["TCP", "UDP", "SCTP"] {
        assert_accepted(&[egress_on_xa(&format!(
            "[{{ports: [{{port: 80, protocol: {proto}}}]}}]"
        ))]);
    }
}

#[test]
fn sem59_port_numbers_and_names() {
    // SEM-59: a number is 1..65535; a string is an IANA_SVC_NAME.
    for port in ["0", "65536", "-1"] {
        assert_refused(
            &[ingress_on_xa(&format!("[{{ports: [{{port: {port}}}]}}]"))],
            "spec.ingress[0].ports[0].port",
            "65535",
        );
    }
    for name in [
        "HTTP",
        "\"80\"",
        "-http",
        "http-",
        "ht--tp",
        "abcdefghijklmnop",
        "http_alt",
    ] {
        assert_refused(
            &[ingress_on_xa(&format!("[{{ports: [{{port: {name}}}]}}]"))],
            "spec.ingress[0].ports[0].port",
            "port name",
        );
    }
    for ok in [
        "1",
        "65535",
        "http",
        "http-alt",
        "abcdefghijklmno",
        "h2c",
        "9-web",
    ] {
        assert_accepted(&[ingress_on_xa(&format!("[{{ports: [{{port: {ok}}}]}}]"))]);
    }
}

#[test]
fn sem60_endport_validation() {
    // SEM-60: [E2E] `port: 30000, endPort: 20000` rejected; 20000/20000 and
    // 10000/20000 accepted.
    let ports = |p: &str| vec![ingress_on_xa(&format!("[{{ports: [{p}]}}]"))];
    assert_refused(
        &ports("{endPort: 20000}"),
        "spec.ingress[0].ports[0].endPort",
        "may not be specified when `port` is not specified",
    );
    assert_refused(
        &ports("{port: http, endPort: 20000}"),
        "spec.ingress[0].ports[0].endPort",
        "non-numeric",
    );
    assert_refused(
        &ports("{port: 30000, endPort: 20000}"),
        "spec.ingress[0].ports[0].endPort",
        "greater than or equal",
    );
    assert_refused(
        &ports("{port: 30000, endPort: 65536}"),
        "spec.ingress[0].ports[0].endPort",
        "65535",
    );
    assert_refused(
        &ports("{port: 30000, endPort: 0}"),
        "spec.ingress[0].ports[0].endPort",
        "65535",
    );
    assert_accepted(&ports("{port: 20000, endPort: 20000}"));
    assert_accepted(&ports("{port: 10000, endPort: 20000}"));
    assert_accepted(&ports("{port: 10000, endPort: 65535, protocol: SCTP}"));
}

#[test]
fn sem61_policytypes_values() {
    // SEM-61: at most two entries, each exactly Ingress or Egress.
    assert_refused(
        &[np("x", "p", "{podSelector: {}, policyTypes: [ingress]}")],
        "spec.policyTypes[0]",
        "Unsupported value",
    );
    assert_refused(
        &[np(
            "x",
            "p",
            "{podSelector: {}, policyTypes: [Ingress, EGRESS]}",
        )],
        "spec.policyTypes[1]",
        "Unsupported value",
    );
    assert_refused(
        &[np(
            "x",
            "p",
            "{podSelector: {}, policyTypes: [Ingress, Egress, Ingress]}",
        )],
        "spec.policyTypes",
        "at most 2",
    );
    // Duplicates pass and mean Ingress.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("x", "b", "pod: b"),
        np(
            "x",
            "p",
            "{podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress, Ingress]}",
        ),
    ]);
    assert!(w.pp("x/b", "x/a").is_empty());
    assert!(w.pp("x/a", "x/b").is_all());
    assert!(w.c.policies[0].egress.is_none());
}

#[test]
fn sem62_label_selectors_are_validated_in_spec_and_peers() {
    // SEM-62: `matchLabels: {app: "web server"}` -> invalid label value.
    assert_refused(
        &[np(
            "x",
            "p",
            "{podSelector: {matchLabels: {app: \"web server\"}}}",
        )],
        "spec.podSelector.matchLabels.app",
        "label value",
    );
    assert_refused(
        &[ingress_on_xa(
            "[{from: [{podSelector: {matchLabels: {app: \"-web\"}}}]}]",
        )],
        "spec.ingress[0].from[0].podSelector.matchLabels.app",
        "label value",
    );
    assert_refused(
        &[egress_on_xa(
            "[{to: [{namespaceSelector: {matchLabels: {\"team/\": ops}}}]}]",
        )],
        "spec.egress[0].to[0].namespaceSelector.matchLabels.team/",
        "label key",
    );
}

#[test]
fn sem63_policy_name_is_a_dns_subdomain() {
    // SEM-63: `name: Allow_Web` is rejected.
    for name in ["Allow_Web", "allow_web", "-allow", "allow.", "a..b"] {
        assert_refused(
            &[np("x", name, "{podSelector: {}}")],
            "metadata.name",
            "RFC 1123",
        );
    }
    let too_long = "a".repeat(254);
    assert_refused(
        &[np("x", &too_long, "{podSelector: {}}")],
        "metadata.name",
        "253",
    );
    for ok in ["allow-web", "allow.web-1", "0abc", &"a".repeat(253)] {
        assert_accepted(&[np("x", ok, "{podSelector: {}}")]);
    }
    // lenient_names accepts with a warning.
    let c = load(
        &[np("x", "Allow_Web", "{podSelector: {}}")],
        &LoadOptions {
            lenient_names: true,
            ..LoadOptions::default()
        },
    )
    .expect("lenient_names accepts");
    assert_eq!(c.policies.len(), 1);
    assert!(
        c.warnings.iter().any(|m| m.contains("Allow_Web")),
        "{:?}",
        c.warnings
    );
}

#[test]
fn sem64_things_that_are_not_validation_errors() {
    // SEM-64: a named port no pod declares (matches nothing); a podSelector
    // that matches no pod (no effect); rules for a direction missing from
    // policyTypes (ignored); `egress: []` without policyTypes; overlapping
    // or redundant policies.
    let w = World::new(&[
        pod("x", "a", "pod: a"),
        pod("x", "b", "pod: b"),
        pod("x", "c", "pod: c"),
        np(
            "x",
            "undeclared-name",
            "{podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{port: nobody-has-it}]}]}",
        ),
        np(
            "x",
            "selects-nothing",
            "{podSelector: {matchLabels: {pod: ghost}}, policyTypes: [Ingress, Egress]}",
        ),
        np(
            "x",
            "other-direction",
            "{podSelector: {matchLabels: {pod: b}}, policyTypes: [Egress], egress: [{}], ingress: [{from: [{podSelector: {matchLabels: {pod: zzz}}}]}]}",
        ),
        np("x", "empty-egress", "{podSelector: {matchLabels: {pod: c}}, egress: []}"),
        np("x", "overlap-1", "{podSelector: {matchLabels: {pod: c}}, ingress: [{ports: [{port: 80}]}]}"),
        np(
            "x",
            "overlap-2",
            "{podSelector: {matchLabels: {pod: c}}, ingress: [{ports: [{port: 80}, {port: 443}]}]}",
        ),
    ]);
    assert_eq!(w.c.policies.len(), 6);
    assert!(w.pp("x/b", "x/a").is_empty()); // undeclared name: nothing
    assert!(w.ip_to(EXT, "x/a").is_empty());
    assert!(w.pp("x/a", "x/b").is_all()); // selects-nothing: no effect; ingress rules ignored
    assert!(w.pp("x/c", "x/b").is_all());
    assert!(w.to_ip("x/c", EXT).is_all()); // egress: [] adds no egress isolation
    assert_eq!(w.pps("x/a", "x/c"), "TCP 80,443");
}

// ------------------------------------- found by these tests, fixed in the engine

#[test]
fn sem55_leading_zero_in_prefix_length_is_refused_by_default() {
    // SEM-55 (KEP-4858): strict validation parses with netip.ParsePrefix and
    // reports "must not have leading 0s in IP or prefix length" for both the
    // address and the prefix length.
    assert_refused(
        &ipblock_in("{cidr: 10.0.0.0/08}"),
        "spec.ingress[0].from[0].ipBlock.cidr",
        "leading",
    );
    // Lenient mode accepts it (as 10.0.0.0/8) with a warning.
    let c = load(
        &ipblock_in("{cidr: 10.0.0.0/08}"),
        &LoadOptions {
            lenient_cidr: true,
            ..LoadOptions::default()
        },
    )
    .expect("lenient accepts");
    assert!(!c.warnings.is_empty(), "lenient mode should warn");
}

#[test]
fn sem23_54_ipv4_mapped_ipv6_cidr_is_refused_or_means_its_ipv4_block() {
    // Strict API servers (KEP-4858, SEM-54/55) refuse it: "must not have an
    // IPv4-mapped IPv6 address". The engine accepts it; addresses are
    // unmapped to IPv4 before matching (`::ffff:10.0.0.1` counts as
    // 10.0.0.1) while the block stays an IPv6 range, so it matches nothing.
    let docs = vec![
        pod("x", "a", "pod: a"),
        egress_on_xa("[{to: [{ipBlock: {cidr: \"::ffff:10.0.0.0/104\"}}]}]"),
    ];
    match load(&docs, &LoadOptions::default()) {
        Err(e) => assert!(
            e.to_string().contains("spec.egress[0].to[0].ipBlock.cidr"),
            "{e}"
        ),
        Ok(_) => {
            // If accepted, it must at least match the addresses it names
            // (Go's net.IPNet.Contains matches 10.0.0.1 too).
            let w = World::new(&docs);
            assert!(w.to_ip("x/a", "::ffff:10.0.0.1").is_all());
            assert!(w.to_ip("x/a", "10.0.0.1").is_all());
        }
    }
}

#[test]
fn sem47_sibling_replicas_are_governed_by_policy() {
    // SEM-47 exempts a pod's traffic to itself, not traffic between two
    // replicas of one Deployment. Here replicas may talk to each other on
    // 8080 only; pod_to_pod(i, i) is a pod towards itself.
    let w = World::new(&[
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: x}\nspec: {replicas: 3, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: x}]}}}\n".to_string(),
        np(
            "x",
            "web-in",
            "{podSelector: {matchLabels: {app: web}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 8080}]}]}",
        ),
    ]);
    let i = w.idx("x/web");
    let c = w.r.pod_class[i];
    assert_eq!(w.r.class_to_class(c, c).to_connlist(), "TCP 8080");
    assert_eq!(w.r.replica_to_replica(i).to_connlist(), "TCP 8080");
    assert!(w.r.pod_to_pod(i, i).is_all());
}
