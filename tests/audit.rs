//! `audit`: every check fires on a minimal manifest and stays quiet on its
//! fixed version; the demo scenario's known traps are found; text, JSON and
//! SARIF output (validated against the vendored SARIF 2.1.0 schema).

use blastradius::engine::reach::{ReachOptions, Reachability};
use blastradius::input::{load_paths, load_str, LoadOptions};
use blastradius::output::audit::{to_json, to_sarif, to_text};
use blastradius::review::audit::{audit, Finding, Severity};
use std::path::{Path, PathBuf};

/// A name for in-memory input: lines come from decoding, not from re-reading a file.
const MEM: &str = "<mem>/audit.yaml";

fn run(yaml: &str) -> Vec<Finding> {
    let c = load_str(MEM, yaml, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let r = Reachability::compile(&c, &ReachOptions::default());
    audit(&c, &r)
}

fn run_paths(paths: &[PathBuf]) -> Vec<Finding> {
    let c = load_paths(paths, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let r = Reachability::compile(&c, &ReachOptions::default());
    audit(&c, &r)
}

fn of<'a>(f: &'a [Finding], id: &str) -> Vec<&'a Finding> {
    f.iter().filter(|x| x.id == id).collect()
}

/// Object names of each finding with this id.
fn objects(f: &[Finding], id: &str) -> Vec<Vec<String>> {
    of(f, id)
        .iter()
        .map(|x| x.objects.iter().map(|o| o.object.clone()).collect())
        .collect()
}

fn titles(f: &[Finding], id: &str) -> Vec<String> {
    of(f, id).iter().map(|x| x.title.clone()).collect()
}

fn ids(f: &[Finding]) -> Vec<&'static str> {
    let mut v: Vec<&str> = f.iter().map(|x| x.id).collect();
    v.dedup();
    v
}

/// The YAML part of a fix: everything after the first blank line.
fn fix_yaml(f: &Finding) -> String {
    f.fix
        .split_once("\n\n")
        .map(|(_, y)| y.to_string())
        .unwrap_or_else(|| panic!("no snippet in fix of {}: {}", f.id, f.fix))
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("blastradius-audit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn deployment(ns: &str, name: &str, labels: &str, ports: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {ns}
spec:
  replicas: 2
  selector:
    matchLabels: {labels}
  template:
    metadata:
      labels: {labels}
    spec:
      containers:
        - name: c
          image: example
          ports: {ports}
---
"
    )
}

fn web() -> String {
    deployment(
        "app",
        "web",
        "{app: web}",
        "[{name: http, containerPort: 8080}]",
    )
}

fn namespace(name: &str, labels: &str) -> String {
    format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels: {labels}\n---\n")
}

fn policy(ns: &str, name: &str, spec: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {name}
  namespace: {ns}
spec:
{spec}
---
"
    )
}

const DENY_ALL: &str = "  podSelector: {}\n  policyTypes: [Ingress, Egress]";
const ALLOW_DNS: &str = "  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector:
            matchLabels: {kubernetes.io/metadata.name: kube-system}
          podSelector:
            matchLabels: {k8s-app: kube-dns}
      ports:
        - {protocol: UDP, port: 53}
        - {protocol: TCP, port: 53}";

/// `web` plus a default-deny-all and DNS: the quiet baseline.
fn locked() -> String {
    web() + &policy("app", "deny", DENY_ALL) + &policy("app", "allow-dns", ALLOW_DNS)
}

// ---- the quiet baseline -------------------------------------------------------

#[test]
fn locked_down_namespace_has_no_findings() {
    let f = run(&locked());
    assert!(f.is_empty(), "{}", to_text(&f));
    assert_eq!(to_text(&f), "no findings\n");
}

// ---- BR001, BR002, BR004 ------------------------------------------------------

#[test]
fn br001_br002_br004_fire_on_an_unprotected_namespace() {
    let f = run(&web());
    // `app` is declared nowhere: it would be located at the Deployment,
    // which is listed itself, so the place is named once (issue 16).
    assert_eq!(objects(&f, "BR001"), vec![vec!["Deployment app/web"]]);
    assert_eq!(of(&f, "BR001")[0].severity, Severity::High);
    assert_eq!(objects(&f, "BR002"), vec![vec!["Deployment app/web"]]);
    assert_eq!(of(&f, "BR002")[0].severity, Severity::Medium);
    assert_eq!(objects(&f, "BR004"), vec![vec!["Deployment app/web"]]);
    assert_eq!(of(&f, "BR004")[0].severity, Severity::High);
    assert_eq!(ids(&f), ["BR001", "BR002", "BR004"]);
    assert!(of(&f, "BR001")[0]
        .fix
        .contains("name: default-deny-ingress"));
    assert!(of(&f, "BR001")[0].fix.contains("podSelector: {}"));
    // Every object carries the model's origin, line included: in-memory
    // input (stdin) has lines too, since decoding records them.
    for x in &f {
        for o in &x.objects {
            assert_eq!((o.file.as_str(), o.doc, o.line), (MEM, 1, Some(1)));
        }
    }
}

#[test]
fn br001_fixed_by_its_own_snippet() {
    let f = run(&web());
    let fix = fix_yaml(of(&f, "BR001")[0]);
    let fixed = run(&(web() + &fix));
    assert!(objects(&fixed, "BR001").is_empty(), "{}", to_text(&fixed));
    // Ingress is closed, egress still open: BR002 stays, BR004 is gone.
    assert_eq!(ids(&fixed), ["BR002"]);
}

#[test]
fn br002_fixed_by_its_own_snippet_with_dns() {
    let f = run(&web());
    let fix = fix_yaml(of(&f, "BR002")[0]);
    assert!(fix.contains("name: default-deny-egress") && fix.contains("k8s-app: kube-dns"));
    let fixed = run(&(web() + &fix));
    assert!(objects(&fixed, "BR002").is_empty(), "{}", to_text(&fixed));
    // The snippet brings DNS along, so BR008 does not follow.
    assert!(objects(&fixed, "BR008").is_empty(), "{}", to_text(&fixed));
    assert_eq!(ids(&fixed), ["BR001"]);
}

#[test]
fn br001_lists_only_the_open_workloads() {
    let yaml = web()
        + &deployment("app", "db", "{app: db}", "[{containerPort: 5432}]")
        + &policy(
            "app",
            "db",
            "  podSelector: {matchLabels: {app: db}}\n  policyTypes: [Ingress]",
        );
    let f = run(&yaml);
    assert_eq!(objects(&f, "BR001"), vec![vec!["Deployment app/web"]]);
    assert!(titles(&f, "BR001")[0].contains("1 of 2 workloads"));
    // Both are open for egress.
    assert_eq!(
        objects(&f, "BR002"),
        vec![vec!["Deployment app/db", "Deployment app/web"]]
    );
    // db is selected (ingress only): not fully open.
    assert_eq!(objects(&f, "BR004"), vec![vec!["Deployment app/web"]]);
}

#[test]
fn br004_fixed_by_any_selecting_policy() {
    let yaml = web()
        + &policy(
            "app",
            "web",
            "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress]",
        );
    let f = run(&yaml);
    assert!(objects(&f, "BR004").is_empty());
    assert_eq!(ids(&f), ["BR002"]);
}

#[test]
fn host_network_pods_are_left_out_of_isolation_checks() {
    let yaml = "apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: infra}
spec:
  hostNetwork: true
  containers: [{name: c, image: x}]
";
    let f = run(yaml);
    assert!(f.is_empty(), "{}", to_text(&f));
}

// ---- BR003 ----------------------------------------------------------------------

#[test]
fn br003_fires_on_workloads_in_default() {
    let yaml = "apiVersion: v1
kind: Pod
metadata: {name: tool, labels: {app: tool}}
spec:
  containers: [{name: c, image: x}]
---
"
    .to_string()
        + &deployment("default", "api", "{app: api}", "[]")
        + &policy("default", "deny", DENY_ALL)
        + &policy("default", "allow-dns", ALLOW_DNS);
    let f = run(&yaml);
    assert_eq!(
        objects(&f, "BR003"),
        vec![vec!["Deployment default/api", "Pod default/tool"]]
    );
    assert_eq!(of(&f, "BR003")[0].severity, Severity::Low);
    assert_eq!(ids(&f), ["BR003"]);
    assert!(of(&f, "BR003")[0].fix.contains("kind: Namespace"));
}

#[test]
fn br003_fixed_by_a_dedicated_namespace() {
    let f = run(&locked());
    assert!(objects(&f, "BR003").is_empty());
}

// ---- BR005 ----------------------------------------------------------------------

#[test]
fn br005_fires_on_rules_that_admit_everything() {
    let yaml = locked()
        + &policy(
            "app",
            "open-in",
            "  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
    - ports: [{port: 8080}]
    - from:
        - podSelector: {matchLabels: {app: web}}
        - namespaceSelector: {}
    - from:
        - ipBlock: {cidr: 0.0.0.0/0}",
        )
        + &policy(
            "app",
            "open-out",
            "  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector: {}
    - to:
        - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}
      ports: [{port: 443}]
    - ports:
        - {protocol: UDP, port: 53}
        - {protocol: TCP, port: 53}",
        );
    let f = run(&yaml);
    let t = titles(&f, "BR005");
    assert_eq!(t.len(), 6, "{t:#?}");
    let expect = [
        (
            "app/open-in ingress[0] admits every source: `from` is absent, so every pod of every \
             namespace and every IP address, on 8080/TCP",
            Severity::Medium,
        ),
        (
            "app/open-in ingress[1].from[1] admits every source: all pods in every namespace, on \
             every port and protocol",
            Severity::Medium,
        ),
        (
            "app/open-in ingress[2].from[0] admits every source: ipBlock 0.0.0.0/0 (every IPv4 \
             address), on every port and protocol",
            Severity::Medium,
        ),
        (
            "app/open-out egress[0].to[0] admits every destination: all pods in every namespace, \
             on every port and protocol",
            Severity::Medium,
        ),
        (
            "app/open-out egress[1].to[0] admits every destination: ipBlock 0.0.0.0/0 except \
             10.0.0.0/8 (every IPv4 address but the excepted ranges), on 443/TCP",
            Severity::Medium,
        ),
        (
            "app/open-out egress[2] admits every destination: `to` is absent, so every pod of \
             every namespace and every IP address, on 53/UDP, 53/TCP",
            Severity::Low,
        ),
    ];
    let found = of(&f, "BR005");
    let got: Vec<(&str, Severity)> = found
        .iter()
        .map(|g| (g.title.as_str(), g.severity))
        .collect();
    assert_eq!(got, expect);
    assert_eq!(
        objects(&f, "BR005"),
        [
            vec!["NetworkPolicy app/open-in"; 3],
            vec!["NetworkPolicy app/open-out"; 3]
        ]
        .concat()
        .into_iter()
        .map(|o| vec![o])
        .collect::<Vec<_>>()
    );
    let dns = found.iter().find(|g| g.severity == Severity::Low).unwrap();
    assert!(dns.why.contains("low severity"), "{}", dns.why);
    assert!(dns.fix.contains("k8s-app: kube-dns"), "{}", dns.fix);
    let wide = found
        .iter()
        .find(|g| g.title.starts_with("app/open-out egress[0]"))
        .unwrap();
    assert!(wide.why.contains("medium severity"), "{}", wide.why);
    assert!(wide.fix.contains("port: <port>"), "{}", wide.fix);
}

#[test]
fn br005_quiet_on_narrowed_peers() {
    let yaml = locked()
        + &policy(
            "app",
            "narrow",
            "  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: app}}
          podSelector: {matchLabels: {app: web}}
        - ipBlock: {cidr: 203.0.113.0/24}
      ports: [{port: 8080}]
  egress:
    - to:
        - podSelector: {}
      ports: [{port: 8080}]",
        );
    let f = run(&yaml);
    assert!(f.is_empty(), "{}", to_text(&f));
}

// ---- BR006 ----------------------------------------------------------------------

#[test]
fn br006_fires_on_dead_selectors() {
    let yaml = locked()
        + &policy(
            "app",
            "typo",
            "  podSelector: {matchLabels: {app: wbe}}
  policyTypes: [Ingress]",
        )
        + &policy(
            "app",
            "web-in",
            "  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector: {matchLabels: {app: web}}
        - podSelector: {matchLabels: {app: frontnd}}
      ports: [{port: 8080}]
    - from:
        - namespaceSelector: {matchLabels: {team: nobody}}
      ports: [{port: 8080}]
    - from:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}
      ports: [{port: 8080}]",
        );
    let f = run(&yaml);
    let got: Vec<(String, Severity)> = of(&f, "BR006")
        .iter()
        .map(|x| (x.title.clone(), x.severity))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "app/typo spec.podSelector (app=wbe) selects no pod".to_string(),
                Severity::Low
            ),
            (
                "app/web-in ingress[0].from[1] matches no pod: pods app=frontnd in namespace app"
                    .to_string(),
                Severity::Medium
            ),
            (
                "app/web-in ingress[1].from[0] matches no pod: all pods in namespaces team=nobody"
                    .to_string(),
                Severity::Medium
            ),
            // The namespace is named but not loaded: cannot tell, so low.
            (
                "app/web-in ingress[2].from[0] matches no pod: all pods in namespaces \
                 kubernetes.io/metadata.name=ingress-nginx"
                    .to_string(),
                Severity::Low
            ),
        ]
    );
    assert_eq!(
        objects(&f, "BR006"),
        vec![
            vec!["NetworkPolicy app/typo"],
            vec!["NetworkPolicy app/web-in"],
            vec!["NetworkPolicy app/web-in"],
            vec!["NetworkPolicy app/web-in"],
        ]
    );
    let typo = of(&f, "BR006")[1];
    assert!(
        typo.why.contains("Values of `app` among pods there: web"),
        "{}",
        typo.why
    );
    assert_eq!(ids(&f), ["BR006"]);
}

#[test]
fn br006_quiet_when_selectors_match() {
    let yaml = locked()
        + &namespace("edge", "{team: edge}")
        + &deployment("edge", "proxy", "{app: proxy}", "[]")
        + &policy("edge", "deny", DENY_ALL)
        + &policy("edge", "allow-dns", ALLOW_DNS)
        + &policy(
            "app",
            "web-in",
            "  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector: {matchLabels: {app: web}}
        - namespaceSelector: {matchLabels: {team: edge}}
          podSelector: {matchLabels: {app: proxy}}
      ports: [{port: 8080}]",
        );
    let f = run(&yaml);
    assert!(f.is_empty(), "{}", to_text(&f));
}

// ---- BR007 ----------------------------------------------------------------------

fn named_port_case(ingress_port: &str, egress_port: &str) -> String {
    locked()
        + &deployment(
            "app",
            "dns-cache",
            "{app: dns-cache}",
            "[{name: dns, containerPort: 53, protocol: UDP}]",
        )
        + &policy(
            "app",
            "web-ports",
            &format!(
                "  podSelector: {{matchLabels: {{app: web}}}}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - podSelector: {{}}
      ports: [{ingress_port}]
  egress:
    - to:
        - podSelector: {{matchLabels: {{app: dns-cache}}}}
      ports: [{egress_port}]"
            ),
        )
}

#[test]
fn br007_fires_on_undeclared_named_ports() {
    let f = run(&named_port_case("{port: metrics}", "{port: dns}"));
    assert_eq!(
        titles(&f, "BR007"),
        vec![
            "app/web-ports egress[0].ports[0]: no destination pod declares port dns/TCP",
            "app/web-ports ingress[0].ports[0]: no destination pod declares port metrics/TCP",
        ]
    );
    assert_eq!(
        objects(&f, "BR007"),
        vec![
            vec!["NetworkPolicy app/web-ports"],
            vec!["NetworkPolicy app/web-ports"]
        ]
    );
    let egress = of(&f, "BR007")[0];
    // The name exists as UDP: the fix sets the protocol.
    assert!(
        egress.why.contains("declare `dns` as UDP"),
        "{}",
        egress.why
    );
    assert!(egress.fix.contains("protocol: UDP"), "{}", egress.fix);
    let ingress = of(&f, "BR007")[1];
    assert!(ingress.fix.contains("http (8080/TCP)"), "{}", ingress.fix);
    assert!(f.iter().all(|x| x.id == "BR007"), "{}", to_text(&f));
}

#[test]
fn br007_quiet_when_names_resolve() {
    let f = run(&named_port_case(
        "{port: http}",
        "{port: dns, protocol: UDP}",
    ));
    assert!(f.is_empty(), "{}", to_text(&f));
}

// ---- BR008 ----------------------------------------------------------------------

fn egress_only_to_db(with_dns: bool) -> String {
    let mut y = web()
        + &deployment("app", "db", "{app: db}", "[{containerPort: 5432}]")
        + &policy("app", "deny", DENY_ALL)
        + &policy(
            "app",
            "web-out",
            "  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
    - to:
        - podSelector: {matchLabels: {app: db}}
      ports: [{port: 5432}]",
        );
    if with_dns {
        y += &policy("app", "allow-dns", ALLOW_DNS);
    }
    y
}

#[test]
fn br008_fires_without_a_dns_allowance() {
    let f = run(&egress_only_to_db(false));
    assert_eq!(
        objects(&f, "BR008"),
        vec![vec!["Deployment app/db", "Deployment app/web"]]
    );
    let x = of(&f, "BR008")[0];
    assert_eq!(x.severity, Severity::High);
    assert!(x.title.contains("namespace app"), "{}", x.title);
    assert!(x.title.contains("cannot resolve names"), "{}", x.title);
    assert!(x.why.contains("standard CoreDNS pod"), "{}", x.why);
    assert!(x.fix.contains("k8s-app: kube-dns"), "{}", x.fix);
    assert_eq!(ids(&f), ["BR008"]);
}

#[test]
fn br008_fixed_by_its_own_snippet() {
    let f = run(&egress_only_to_db(false));
    let fixed = run(&(egress_only_to_db(false) + &fix_yaml(of(&f, "BR008")[0])));
    assert!(fixed.is_empty(), "{}", to_text(&fixed));
    let f = run(&egress_only_to_db(true));
    assert!(f.is_empty(), "{}", to_text(&f));
}

#[test]
fn br008_snippet_does_not_isolate_other_pods() {
    // Only web is isolated for egress: a `podSelector: {}` allow-dns would
    // newly isolate db, so the fix reuses web's selector.
    let yaml = web()
        + &deployment("app", "db", "{app: db}", "[{containerPort: 5432}]")
        + &policy(
            "app",
            "web-out",
            "  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress, Egress]",
        );
    let f = run(&yaml);
    assert_eq!(objects(&f, "BR008"), vec![vec!["Deployment app/web"]]);
    let fix = fix_yaml(of(&f, "BR008")[0]);
    assert!(
        fix.contains("app: web") && !fix.contains("podSelector: {}"),
        "{fix}"
    );
    let fixed = run(&(yaml.clone() + &fix));
    assert!(objects(&fixed, "BR008").is_empty(), "{}", to_text(&fixed));
    // db stays exactly as open as before.
    assert_eq!(objects(&fixed, "BR004"), vec![vec!["Deployment app/db"]]);
}

#[test]
fn br008_checks_the_loaded_dns_pods() {
    // kube-system is loaded and its DNS pods carry other labels: the
    // standard allow-dns peer matches nothing there.
    let dns = deployment(
        "kube-system",
        "coredns",
        "{k8s-app: coredns}",
        "[{name: dns, containerPort: 53, protocol: UDP}]",
    );
    let yaml = locked() + &dns;
    let f = run(&yaml);
    assert_eq!(objects(&f, "BR008"), vec![vec!["Deployment app/web"]]);
    assert!(!of(&f, "BR008")[0].why.contains("standard CoreDNS"));
    // And the dead peer is reported (kube-system has pods, none match).
    assert_eq!(
        titles(&f, "BR006"),
        vec![
            "app/allow-dns egress[0].to[0] matches no pod: pods k8s-app=kube-dns in namespaces \
             kubernetes.io/metadata.name=kube-system"
        ]
    );
}

// ---- BR009 ----------------------------------------------------------------------

fn and_or_case(and: bool) -> String {
    let peers = if and {
        "        - namespaceSelector: {matchLabels: {team: shop}}
          podSelector: {matchLabels: {role: client}}"
    } else {
        "        - namespaceSelector: {matchLabels: {team: shop}}
        - podSelector: {matchLabels: {role: client}}"
    };
    locked()
        + &namespace("shop", "{team: shop}")
        + &deployment("shop", "client", "{app: client, role: client}", "[]")
        + &deployment("shop", "other", "{app: other}", "[]")
        + &policy("shop", "deny", DENY_ALL)
        + &policy("shop", "allow-dns", ALLOW_DNS)
        + &deployment("app", "local", "{app: local, role: client}", "[]")
        + &policy(
            "app",
            "web-in",
            &format!(
                "  podSelector: {{matchLabels: {{app: web}}}}
  policyTypes: [Ingress]
  ingress:
    - from:
{peers}
      ports: [{{port: 8080}}]"
            ),
        )
}

#[test]
fn br009_fires_on_the_and_or_trap_with_counts() {
    let f = run(&and_or_case(false));
    // OR: shop/client (2) + shop/other (2) + app/local (2) = 6 pods;
    // AND: only shop/client = 2.
    assert_eq!(
        titles(&f, "BR009"),
        vec![
            "app/web-in ingress[0]: from[0] (namespaceSelector only) OR from[1] (podSelector \
             only) matches 6 pods; as one peer (AND) it would match 2"
        ]
    );
    assert_eq!(objects(&f, "BR009"), vec![vec!["NetworkPolicy app/web-in"]]);
    let x = of(&f, "BR009")[0];
    assert_eq!(x.severity, Severity::Low);
    assert!(
        x.why
            .contains("Only the OR form admits Deployment app/local, Deployment shop/other"),
        "{}",
        x.why
    );
    assert!(
        x.fix.contains(
            "      - namespaceSelector:\n          matchLabels:\n            team: shop\n        podSelector:\n          matchLabels:\n            role: client\n"
        ),
        "{}",
        x.fix
    );
    assert_eq!(ids(&f), ["BR009"], "{}", to_text(&f));
}

#[test]
fn br009_quiet_on_the_and_form() {
    let f = run(&and_or_case(true));
    assert!(f.is_empty(), "{}", to_text(&f));
}

// ---- determinism, lines, output -------------------------------------------------

/// One manifest set that trips every check.
fn everything() -> String {
    let mut y = and_or_case(false);
    y += &deployment("default", "legacy", "{app: legacy}", "[]");
    y += &named_port_case("{port: metrics}", "{port: dns}");
    y += &deployment("open", "svc", "{app: svc}", "[]");
    y += &policy(
        "app",
        "typo",
        "  podSelector: {matchLabels: {app: wbe}}\n  policyTypes: [Ingress]",
    );
    y += &policy(
        "app",
        "any",
        "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress]\n  ingress: [{}]",
    );
    y += &deployment("tight", "job", "{app: job}", "[]");
    y += &policy("tight", "deny", DENY_ALL);
    // load_str refuses duplicate objects; drop the repeated ones.
    let mut seen = std::collections::HashSet::new();
    y.split("---\n")
        .filter(|d| !d.trim().is_empty() && seen.insert(d.to_string()))
        .map(|d| format!("{d}---\n"))
        .collect()
}

#[test]
fn every_check_fires_on_the_combined_manifest_and_text_names_them() {
    let f = run(&everything());
    assert_eq!(
        ids(&f),
        ["BR001", "BR002", "BR003", "BR004", "BR005", "BR006", "BR007", "BR008", "BR009"],
        "{}",
        to_text(&f)
    );
    let text = to_text(&f);
    for id in ids(&f) {
        assert!(text.contains(&format!("{id} [")), "{id} missing from text");
    }
    for x in &f {
        assert!(!x.objects.is_empty(), "{}", x.title);
        assert!(text.contains(&x.title));
        assert!(!x.why.is_empty() && !x.fix.is_empty());
    }
    assert!(text.ends_with(&format!(
        "{} findings: {} high, {} medium, {} low\n",
        f.len(),
        f.iter().filter(|x| x.severity == Severity::High).count(),
        f.iter().filter(|x| x.severity == Severity::Medium).count(),
        f.iter().filter(|x| x.severity == Severity::Low).count()
    )));
}

#[test]
fn output_is_sorted_and_deterministic() {
    let a = run(&everything());
    // The same manifests in reverse document order give the same report
    // (modulo document numbers).
    let docs: Vec<&str> = everything().leak().split("---\n").collect();
    let reversed: String = docs
        .iter()
        .rev()
        .filter(|d| !d.trim().is_empty())
        .map(|d| format!("{d}---\n"))
        .collect();
    let b = run(&reversed);
    let key = |f: &[Finding]| -> Vec<(String, String)> {
        f.iter()
            .map(|x| (x.id.to_string(), x.title.clone()))
            .collect()
    };
    assert_eq!(key(&a), key(&b));
    let sorted = {
        let mut k: Vec<(&str, String)> = a
            .iter()
            .map(|x| (x.id, x.objects[0].object.clone()))
            .collect();
        k.sort();
        k
    };
    let got: Vec<(&str, String)> = a
        .iter()
        .map(|x| (x.id, x.objects[0].object.clone()))
        .collect();
    assert_eq!(got, sorted);
    assert_eq!(to_json(&a), to_json(&run(&everything())));
    assert_eq!(to_sarif(&a), to_sarif(&run(&everything())));
    assert_eq!(to_text(&a), to_text(&run(&everything())));
}

#[test]
fn json_output_shape() {
    let f = run(&web());
    let s = to_json(&f);
    assert!(s.ends_with("}\n"));
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    assert_eq!(v["schema"], "blastradius.audit/v1");
    let arr = v["findings"].as_array().unwrap();
    assert_eq!(arr.len(), f.len());
    assert_eq!(arr[0]["id"], "BR001");
    assert_eq!(arr[0]["rule"], "no-default-deny-ingress");
    assert_eq!(arr[0]["severity"], "high");
    assert_eq!(arr[0]["objects"][0]["object"], "Deployment app/web");
    assert_eq!(arr[0]["objects"][0]["file"], MEM);
    assert_eq!(arr[0]["objects"][0]["doc"], 1);
    assert_eq!(arr[0]["objects"][0]["line"], 1);
    for key in ["title", "why", "fix"] {
        assert!(arr[0][key].as_str().is_some_and(|s| !s.is_empty()));
    }
    assert_eq!(
        to_json(&[]),
        "{\n  \"schema\": \"blastradius.audit/v1\",\n  \"findings\": []\n}\n"
    );
}

#[test]
fn lines_point_at_the_start_of_each_document() {
    let dir = tmpdir("lines");
    // A header comment before the first separator is no document; an
    // empty document still counts.
    let text = format!(
        "# header\n---\n{}---\n---\n# the deny policy\n{}",
        web().trim_end_matches("---\n"),
        policy(
            "app",
            "typo",
            "  podSelector: {matchLabels: {app: wbe}}\n  policyTypes: [Ingress]"
        )
        .trim_end_matches("---\n")
    );
    let path = dir.join("m.yaml");
    std::fs::write(&path, &text).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let dep = lines
        .iter()
        .position(|l| l.starts_with("apiVersion: apps/v1"))
        .unwrap()
        + 1;
    // The policy's own first line, past the comment that opens its document.
    let pol = lines
        .iter()
        .position(|l| *l == "# the deny policy")
        .unwrap()
        + 2;
    let f = run_paths(std::slice::from_ref(&path));
    let file = path.display().to_string();
    let br004 = &of(&f, "BR004")[0].objects[0];
    assert_eq!(
        (br004.file.as_str(), br004.doc, br004.line),
        (file.as_str(), 1, Some(dep))
    );
    let br006 = &of(&f, "BR006")[0].objects[0];
    assert_eq!((br006.doc, br006.line), (3, Some(pol)));
    // Text shows file:line.
    assert!(to_text(&f).contains(&format!("({file}:{dep}, document 1)")));
    // A first document without a separator starts on line 1.
    let path2 = dir.join("n.yaml");
    std::fs::write(&path2, web()).unwrap();
    let f = run_paths(&[path2]);
    assert_eq!(of(&f, "BR004")[0].objects[0].line, Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- SARIF ----------------------------------------------------------------------

/// The schema's `language` pattern (run, toolComponent) has a stray `]`,
/// a known defect of the published SARIF 2.1.0 schema that a strict check of
/// the schema itself refuses. The vendored file stays as published; the
/// pattern is replaced in memory by the one intended (`en` or `en-US`).
const BROKEN_LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";

fn fix_language_pattern(v: &mut serde_json::Value) -> usize {
    match v {
        serde_json::Value::Object(m) => {
            let mut n = 0;
            if m.get("pattern").and_then(|p| p.as_str()) == Some(BROKEN_LANGUAGE_PATTERN) {
                m.insert("pattern".into(), "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into());
                n += 1;
            }
            n + m.values_mut().map(fix_language_pattern).sum::<usize>()
        }
        serde_json::Value::Array(a) => a.iter_mut().map(fix_language_pattern).sum(),
        _ => 0,
    }
}

fn sarif_validator() -> jsonschema::Validator {
    let mut schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new("tests/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    assert_eq!(fix_language_pattern(&mut schema), 2);
    // Formats too: `artifactLocation.uri` must be a URI reference.
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(s: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(s).unwrap();
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(&v)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
    v
}

#[test]
fn sarif_schema_rejects_a_broken_log() {
    // The validator is live: a wrong version and level are refused.
    let v = serde_json::json!({
        "version": "2.0.0",
        "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "level": "high"}]}]
    });
    assert!(!sarif_validator().is_valid(&v));
    // Formats are checked: a URI reference may not hold a space.
    let with_uri = |uri: &str| {
        serde_json::json!({
            "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{
                "message": {"text": "m"},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}}]
            }]}]
        })
    };
    assert!(sarif_validator().is_valid(&with_uri("dir/a%20b.yaml")));
    assert!(!sarif_validator().is_valid(&with_uri("dir/a b.yaml")));
}

#[test]
fn sarif_is_valid_and_maps_levels() {
    let f = run(&everything());
    let s = to_sarif(&f);
    assert!(s.ends_with('\n'));
    let v = assert_valid_sarif(&s);
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"]
        .as_str()
        .unwrap()
        .ends_with("sarif-schema-2.1.0.json"));
    let driver = &v["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "blastradius");
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    let rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        rule_ids,
        [
            "BR001", "BR002", "BR003", "BR004", "BR005", "BR006", "BR007", "BR008", "BR009",
            "BR010", "BR011", "BR012", "BR013", "BR014", "BR015"
        ]
    );
    for r in rules {
        for key in ["name", "shortDescription", "fullDescription", "help"] {
            assert!(!r[key].is_null(), "{key} missing in {r}");
        }
        assert!(["error", "warning", "note"]
            .contains(&r["defaultConfiguration"]["level"].as_str().unwrap()));
    }
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), f.len());
    for (r, x) in results.iter().zip(&f) {
        assert_eq!(r["ruleId"], x.id);
        let level = match x.severity {
            Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low => "note",
        };
        assert_eq!(r["level"], level, "{}", x.title);
        assert!(r["message"]["text"].as_str().unwrap().starts_with(&x.title));
        // The main object is the one location; the others are related.
        let locs = r["locations"].as_array().unwrap();
        assert_eq!(locs.len(), 1);
        let related = r["relatedLocations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(1 + related.len(), x.objects.len());
        for (i, l) in related.iter().enumerate() {
            assert_eq!(l["id"], i + 1);
        }
        for l in locs.iter().chain(&related) {
            // In-memory input has lines too (recorded while decoding).
            assert!(l["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .is_some_and(|n| n >= 1));
            assert_eq!(
                l["physicalLocation"]["artifactLocation"]["uri"],
                "%3Cmem%3E/audit.yaml"
            );
        }
    }
    // Every level occurs.
    for level in ["error", "warning", "note"] {
        assert!(results.iter().any(|r| r["level"] == level), "{level}");
    }
    // No findings is still a valid log.
    let empty = assert_valid_sarif(&to_sarif(&[]));
    assert_eq!(empty["runs"][0]["results"].as_array().unwrap().len(), 0);
}

// ---- the demo scenario ----------------------------------------------------------

fn shop() -> Vec<Finding> {
    run_paths(&[PathBuf::from("scenarios/shop")])
}

#[test]
fn shop_scenario_known_findings() {
    let f = shop();
    let text = to_text(&f);
    // The cart's egress: namespaceSelector {} with no ports.
    let cart: Vec<&Finding> = of(&f, "BR005")
        .into_iter()
        .filter(|x| x.title.starts_with("shop/cart egress[0]"))
        .collect();
    assert_eq!(cart.len(), 1, "{text}");
    assert_eq!(
        cart[0].title,
        "shop/cart egress[0].to[0] admits every destination: all pods in every namespace, on \
         every port and protocol"
    );
    assert_eq!(cart[0].severity, Severity::Medium);
    assert_eq!(cart[0].objects[0].object, "NetworkPolicy shop/cart");
    assert_eq!(
        cart[0].objects[0].file,
        "scenarios/shop/policies/shop-cart.yaml"
    );
    // The AND/OR trap on the database: 9 shop pods as written, 6 meant.
    assert_eq!(
        titles(&f, "BR009"),
        vec![
            "data/db ingress[0]: from[0] (namespaceSelector only) OR from[1] (podSelector only) \
             matches 9 pods; as one peer (AND) it would match 6"
        ]
    );
    assert_eq!(objects(&f, "BR009"), vec![vec!["NetworkPolicy data/db"]]);
    // ... whose podSelector-only peer looks in `data` and finds nothing.
    assert!(titles(&f, "BR006").contains(
        &"data/db ingress[0].from[1] matches no pod: pods tier=backend in namespace data"
            .to_string()
    ));
    // Monitoring has no policy at all.
    let br004 = objects(&f, "BR004");
    for w in [
        "DaemonSet monitoring/node-exporter",
        "Deployment monitoring/prometheus",
    ] {
        assert!(br004.contains(&vec![w.to_string()]), "{w}: {br004:?}");
    }
    // data is isolated for ingress only.
    let br002 = objects(&f, "BR002");
    assert!(
        br002.contains(&vec![
            "Namespace data".to_string(),
            "Deployment data/cache".to_string(),
            "StatefulSet data/db".to_string()
        ]),
        "{br002:?}"
    );
    assert!(!objects(&f, "BR001")
        .iter()
        .any(|o| o[0] == "Namespace data"));
    assert!(!objects(&f, "BR001")
        .iter()
        .any(|o| o[0] == "Namespace shop"));
    // shop allows DNS everywhere: no BR008; no named-port slip either.
    assert!(of(&f, "BR008").is_empty(), "{text}");
    assert!(of(&f, "BR007").is_empty(), "{text}");
    // Files exist: every location has a line, and it is a real line.
    for x in &f {
        for o in &x.objects {
            let line = o.line.unwrap_or_else(|| panic!("no line: {o:?}"));
            let n = std::fs::read_to_string(&o.file).unwrap().lines().count();
            assert!(line >= 1 && line <= n, "{o:?}");
        }
    }
    let sarif = assert_valid_sarif(&to_sarif(&f));
    let first = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert!(first["region"]["startLine"].as_u64().unwrap() >= 1);
    assert!(first["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .starts_with("scenarios/shop/"));
}

/// Locations come from decoding: the line of a `List` item is the item's own
/// line (re-reading the file pointed every item at the list's first line).
#[test]
fn list_items_point_at_their_own_line() {
    let yaml = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: app\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n    namespace: app\n  spec:\n    selector:\n      matchLabels: {app: web}\n    template:\n      metadata:\n        labels: {app: web}\n      spec:\n        containers: [{name: c, image: i}]\n";
    let f = run(yaml);
    let br004 = of(&f, "BR004");
    let o = &br004[0].objects[0];
    assert_eq!(o.object, "Deployment app/web");
    assert_eq!(o.line, Some(8));
    let br001 = of(&f, "BR001");
    assert_eq!(br001[0].objects[0].line, Some(4));
}

// ---- the cluster tiers: BR010..BR015 (SEMANTICS-CNP.md) -------------------------

fn anp(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata:\n  name: {name}\nspec:\n{spec}\n---\n"
    )
}

fn cnp(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata:\n  name: {name}\nspec:\n{spec}\n---\n"
    )
}

fn banp(spec: &str) -> String {
    format!(
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata:\n  name: default\nspec:\n{spec}\n---\n"
    )
}

/// `app/web` and `client/cli`, namespaces labelled by team.
fn two_teams() -> String {
    namespace("app", "{team: a}")
        + &namespace("client", "{team: b}")
        + &web()
        + &deployment("client", "cli", "{app: cli}", "[]")
}

/// An ingress rule of a v1alpha1 policy from the namespaces `sel`.
fn from_ns(action: &str, sel: &str, name: &str) -> String {
    format!(
        "    - name: {name}\n      action: {action}\n      from:\n        - namespaces: {sel}\n"
    )
}

fn subject_app(priority: u32) -> String {
    format!("  priority: {priority}\n  subject:\n    namespaces: {{matchLabels: {{kubernetes.io/metadata.name: app}}}}\n")
}

/// A catch-all Baseline: deny every pod (and every IPv4 address on egress).
const BANP_DENY: &str = "  subject:\n    namespaces: {}\n  ingress:\n    - action: Deny\n      from:\n        - namespaces: {}\n  egress:\n    - action: Deny\n      to:\n        - namespaces: {}\n        - networks: [0.0.0.0/0]";

#[test]
fn br010_cnp5_a_rule_after_a_broader_rule_of_its_policy_is_never_first() {
    // CNP-5: first match decides; the Allow from team b comes after a Deny
    // from every namespace, so it never decides anything.
    let spec = subject_app(10)
        + "  ingress:\n"
        + &from_ns("Deny", "{}", "all")
        + &from_ns("Allow", "{matchLabels: {team: b}}", "team-b");
    let f = run(&(two_teams() + &anp("guard", &spec) + &banp(BANP_DENY)));
    assert_eq!(
        titles(&f, "BR010"),
        vec!["AdminNetworkPolicy guard ingress[1] \"team-b\" (Allow) is never the first match: its own earlier rule ingress[0] decides every connection it matches"],
        "{}",
        to_text(&f)
    );
    // The rule, then the rule that takes its traffic (issue 16: at their lines).
    assert_eq!(
        objects(&f, "BR010"),
        vec![vec!["AdminNetworkPolicy guard", "AdminNetworkPolicy guard"]]
    );
    let fields: Vec<Option<&str>> = of(&f, "BR010")[0]
        .objects
        .iter()
        .map(|o| o.field.as_deref())
        .collect();
    assert_eq!(fields, [Some("spec.ingress[1]"), Some("spec.ingress[0]")]);
    let text = two_teams() + &anp("guard", &spec) + &banp(BANP_DENY);
    let rule_line = |name: &str| {
        text.lines()
            .position(|l| l.ends_with(&format!("- name: {name}")))
            .map(|i| i + 1)
    };
    let lines: Vec<Option<usize>> = of(&f, "BR010")[0].objects.iter().map(|o| o.line).collect();
    assert_eq!(lines, [rule_line("team-b"), rule_line("all")], "{text}");
    assert_eq!(of(&f, "BR010")[0].severity, Severity::Medium);
    // The exception first: both rules decide something.
    let spec = subject_app(10)
        + "  ingress:\n"
        + &from_ns("Allow", "{matchLabels: {team: b}}", "team-b")
        + &from_ns("Deny", "{}", "all");
    let f = run(&(two_teams() + &anp("guard", &spec) + &banp(BANP_DENY)));
    assert!(of(&f, "BR010").is_empty(), "{}", to_text(&f));
}

#[test]
fn br010_cnp12_named_destinations_are_columns_of_the_sweep() {
    // CNP-12: a Deny of every address at priority 1 takes whatever a name
    // may resolve to, so the Accept naming it at priority 2 never decides;
    // alone, the Accept is the first match for its name.
    let deny = "  tier: Admin\n  priority: 1\n  subject:\n    namespaces: {}\n  egress:\n    - name: no-exit\n      action: Deny\n      to:\n        - networks: [0.0.0.0/0]\n";
    let accept = "  tier: Admin\n  priority: 2\n  subject:\n    namespaces: {}\n  egress:\n    - name: stripe\n      action: Accept\n      to:\n        - domainNames: [api.stripe.com]\n";
    let f = run(&(two_teams() + &cnp("no-exit", deny) + &cnp("stripe", accept)));
    assert_eq!(
        titles(&f, "BR010"),
        vec!["ClusterNetworkPolicy stripe egress[0] \"stripe\" (Accept) is never the first match: ClusterNetworkPolicy no-exit egress[0] \"no-exit\" (Admin tier, priority 1) decides every connection it matches"],
        "{}",
        to_text(&f)
    );
    let f = run(&(two_teams() + &cnp("stripe", accept)));
    assert!(of(&f, "BR010").is_empty(), "{}", to_text(&f));
}

#[test]
fn br010_cnp3_a_lower_priority_value_shadows_a_later_policy_of_the_tier() {
    // CNP-3: priority 1 is checked before priority 2 and takes every
    // connection into `app`; priority 2's rule never decides.
    let first = subject_app(1) + "  ingress:\n" + &from_ns("Deny", "{}", "all");
    let later =
        subject_app(2) + "  ingress:\n" + &from_ns("Allow", "{matchLabels: {team: b}}", "b");
    let y = two_teams() + &anp("first", &first) + &anp("later", &later) + &banp(BANP_DENY);
    let f = run(&y);
    assert_eq!(
        titles(&f, "BR010"),
        vec!["AdminNetworkPolicy later ingress[0] \"b\" (Allow) is never the first match: AdminNetworkPolicy first ingress[0] \"all\" (Admin tier, priority 1) decides every connection it matches"],
        "{}",
        to_text(&f)
    );
    // Ports make it exact: the earlier policy denying only TCP 80 leaves
    // the rest of the later rule's traffic to it.
    let first80 =
        format!("{first}      ports:\n        - portNumber: {{protocol: TCP, port: 80}}\n");
    let f =
        run(&(two_teams() + &anp("first", &first80) + &anp("later", &later) + &banp(BANP_DENY)));
    assert!(of(&f, "BR010").is_empty(), "{}", to_text(&f));
}

#[test]
fn br010_cnp11_a_rule_whose_peers_match_nothing() {
    // CNP-11: a namespace selector no namespace satisfies matches no pod.
    let spec =
        subject_app(10) + "  ingress:\n" + &from_ns("Deny", "{matchLabels: {team: typo}}", "t");
    let f = run(&(two_teams() + &anp("guard", &spec) + &banp(BANP_DENY)));
    assert_eq!(
        titles(&f, "BR010"),
        vec!["AdminNetworkPolicy guard ingress[0] \"t\" (Deny) matches no connection: its peers match no pod, node or address of the inputs"]
    );
}

#[test]
fn br011_cnp6_cnp9_a_pass_to_no_lower_tier_means_allow() {
    // CNP-6: Pass goes to the NetworkPolicy tier; nothing isolates app/web
    // and no Baseline policy selects it, so the traffic is allowed (CNP-9).
    let spec = subject_app(10) + "  ingress:\n" + &from_ns("Pass", "{}", "delegate");
    let f = run(&(two_teams() + &anp("delegate", &spec)));
    assert_eq!(
        titles(&f, "BR011"),
        vec!["AdminNetworkPolicy delegate ingress[0] \"delegate\" (Pass) hands ingress traffic of 1 workload to no tier: nothing below governs it, so the Pass means allow"],
        "{}",
        to_text(&f)
    );
    assert_eq!(
        objects(&f, "BR011"),
        vec![vec!["AdminNetworkPolicy delegate", "Deployment app/web"]]
    );
    let why = &of(&f, "BR011")[0].why;
    assert!(
        why.contains("-> app/web[Deployment] All Connections is allowed"),
        "{why}"
    );
    // A NetworkPolicy that isolates app/web decides instead (CNP-7) ...
    let f = run(&(two_teams() + &anp("delegate", &spec) + &policy("app", "deny", DENY_ALL)));
    assert!(of(&f, "BR011").is_empty(), "{}", to_text(&f));
    // ... and so does a Baseline policy that selects it (CNP-8).
    let f = run(&(two_teams() + &anp("delegate", &spec) + &banp(BANP_DENY)));
    assert!(of(&f, "BR011").is_empty(), "{}", to_text(&f));
}

#[test]
fn br012_cnp4_equal_priorities_that_disagree_are_reported_with_a_sample() {
    let allow =
        subject_app(10) + "  ingress:\n" + &from_ns("Allow", "{matchLabels: {team: b}}", "a");
    let deny = subject_app(10) + "  ingress:\n" + &from_ns("Deny", "{}", "d");
    let f = run(&(two_teams() + &anp("allow-b", &allow) + &anp("deny-all", &deny)));
    assert_eq!(
        titles(&f, "BR012"),
        vec!["AdminNetworkPolicy allow-b and AdminNetworkPolicy deny-all share the Admin tier, priority 10 and disagree on client/cli[Deployment] -> app/web[Deployment] All Connections (ingress): Allow vs Deny"],
        "{}",
        to_text(&f)
    );
    assert_eq!(
        objects(&f, "BR012"),
        vec![vec![
            "AdminNetworkPolicy allow-b",
            "AdminNetworkPolicy deny-all"
        ]]
    );
    // The verdict is ambiguous, so medium.
    assert_eq!(of(&f, "BR012")[0].severity, Severity::Medium);
    // Deny vs Pass where a NetworkPolicy denies anyway: the same verdict
    // either way, so low.
    let pass = subject_app(10) + "  ingress:\n" + &from_ns("Pass", "{matchLabels: {team: b}}", "p");
    let f = run(&(two_teams()
        + &anp("pass-b", &pass)
        + &anp("deny-all", &deny)
        + &policy("app", "deny", DENY_ALL)));
    assert_eq!(of(&f, "BR012").len(), 1, "{}", to_text(&f));
    assert_eq!(of(&f, "BR012")[0].severity, Severity::Low);
    // CNP-3: different priorities are ordered, no tie.
    let deny11 = subject_app(11) + "  ingress:\n" + &from_ns("Deny", "{}", "d");
    let f = run(&(two_teams() + &anp("allow-b", &allow) + &anp("deny-all", &deny11)));
    assert!(of(&f, "BR012").is_empty(), "{}", to_text(&f));
}

#[test]
fn br013_cnp9_no_baseline_default_deny_and_no_namespace_default_deny() {
    // Cluster policies in use, nothing denies by default: everything falls
    // through to allow (CNP-1, CNP-9).
    let spec = subject_app(10) + "  ingress:\n" + &from_ns("Deny", "{matchLabels: {team: b}}", "b");
    let f = run(&(two_teams() + &anp("guard", &spec)));
    assert_eq!(
        titles(&f, "BR013"),
        vec![
            "the cluster has no Baseline tier, so no default deny for egress, and 2 namespaces (app, client) have none either: 2 workloads fall through to allow",
            "the cluster has no Baseline tier, so no default deny for ingress, and 2 namespaces (app, client) have none either: 2 workloads fall through to allow",
        ],
        "{}",
        to_text(&f)
    );
    assert!(fix_yaml(of(&f, "BR013")[0]).contains("kind: BaselineAdminNetworkPolicy"));
    // A NetworkPolicy default deny in `app` leaves only `client`.
    let f = run(&(two_teams() + &anp("guard", &spec) + &policy("app", "deny", DENY_ALL)));
    assert!(titles(&f, "BR013")
        .iter()
        .all(|t| t.contains("1 namespace (client) has none")));
    // A catch-all Baseline Deny: no BR013, and BR001/BR002/BR004 count its
    // pods as guarded (CNP-8).
    let f = run(&(two_teams() + &anp("guard", &spec) + &banp(BANP_DENY)));
    for id in ["BR001", "BR002", "BR004", "BR013"] {
        assert!(of(&f, id).is_empty(), "{id}: {}", to_text(&f));
    }
    // A Baseline that denies egress to pods only leaves every address open:
    // not a default deny for egress.
    let pods_only = BANP_DENY.replace("        - networks: [0.0.0.0/0]", "");
    let f = run(&(two_teams() + &anp("guard", &spec) + &banp(&pods_only)));
    assert_eq!(
        titles(&f, "BR013"),
        vec!["the Baseline tier has no default deny for egress, and 2 namespaces (app, client) have none either: 2 workloads fall through to allow"]
    );
    assert_eq!(
        objects(&f, "BR013")[0][0],
        "BaselineAdminNetworkPolicy default"
    );
}

#[test]
fn br014_cnp6_admin_allow_overrides_namespace_isolation_by_what_it_lets_in() {
    // app denies all; an admin Allow from team b decides first (CNP-6).
    let allow =
        subject_app(10) + "  ingress:\n" + &from_ns("Allow", "{matchLabels: {team: b}}", "b");
    let f = run(&(two_teams() + &anp("open-b", &allow) + &policy("app", "deny", DENY_ALL)));
    let br014 = of(&f, "BR014");
    assert_eq!(br014.len(), 1, "{}", to_text(&f));
    assert_eq!(br014[0].title, "AdminNetworkPolicy open-b ingress[0] \"b\" (Allow) lets All Connections into 1 workload whose NetworkPolicies deny it: e.g. client/cli[Deployment] -> app/web[Deployment] All Connections");
    assert_eq!(br014[0].severity, Severity::High);
    // Egress DNS only: low. v1alpha2 spells it Accept (CNP-A3).
    let dns = "  tier: Admin\n  priority: 5\n  subject:\n    namespaces: {}\n  egress:\n    - action: Accept\n      to:\n        - namespaces: {}\n      protocols:\n        - udp: {destinationPort: {number: 53}}\n";
    let f = run(&(two_teams() + &cnp("dns", dns) + &policy("app", "deny", DENY_ALL)));
    let br014 = of(&f, "BR014");
    assert_eq!(br014.len(), 1, "{}", to_text(&f));
    assert!(
        br014[0].title.starts_with(
            "ClusterNetworkPolicy dns egress[0] (Accept) lets UDP 53 out of 1 workload"
        ),
        "{}",
        br014[0].title
    );
    assert_eq!(br014[0].severity, Severity::Low);
    // Egress beyond DNS: medium (the destination's ingress still applies, CNP-2).
    let any = dns.replace(
        "      protocols:\n        - udp: {destinationPort: {number: 53}}\n",
        "",
    );
    let f = run(&(two_teams() + &cnp("dns", &any) + &policy("app", "deny", DENY_ALL)));
    assert_eq!(of(&f, "BR014")[0].severity, Severity::Medium);
    // Without isolation there is nothing to bypass.
    let f = run(&(two_teams() + &anp("open-b", &allow)));
    assert!(of(&f, "BR014").is_empty(), "{}", to_text(&f));
    // An Allow the NetworkPolicies also allow bypasses nothing.
    let np = policy(
        "app",
        "from-b",
        "  podSelector: {}\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - namespaceSelector: {matchLabels: {team: b}}",
    );
    let f = run(&(two_teams() + &anp("open-b", &allow) + &np));
    assert!(of(&f, "BR014").is_empty(), "{}", to_text(&f));
}

#[test]
fn br015_cnp10_a_cluster_policy_whose_subject_selects_no_pod() {
    let spec = "  tier: Baseline\n  priority: 0\n  subject:\n    namespaces: {matchLabels: {team: typo}}\n  ingress:\n    - action: Deny\n      from:\n        - namespaces: {}\n";
    let f = run(&(two_teams() + &cnp("fence", spec)));
    assert_eq!(
        titles(&f, "BR015"),
        vec!["ClusterNetworkPolicy fence spec.subject selects no pod: pods (all) in namespaces team=typo"]
    );
    assert!(of(&f, "BR015")[0]
        .why
        .contains("no loaded namespace matches"));
    // Its rules are not reported again as matching nothing.
    assert!(of(&f, "BR010").is_empty(), "{}", to_text(&f));
    // The finding points at the object's document and line.
    let y = two_teams() + &cnp("fence", spec);
    let line = y.lines().position(|l| l.ends_with("v1alpha2")).unwrap() + 1;
    let loc = &of(&f, "BR015")[0].objects[0];
    assert_eq!((loc.doc, loc.line), (5, Some(line)), "{loc:?}");
}

#[test]
fn cluster_findings_render_in_text_json_and_valid_sarif() {
    let allow =
        subject_app(10) + "  ingress:\n" + &from_ns("Allow", "{matchLabels: {team: b}}", "a");
    let deny = subject_app(10) + "  ingress:\n" + &from_ns("Deny", "{}", "d");
    let f = run(&(two_teams() + &anp("allow-b", &allow) + &anp("deny-all", &deny)));
    for id in ["BR012", "BR013"] {
        assert!(!of(&f, id).is_empty(), "{id}");
        assert!(to_text(&f).contains(&format!("{id} [")));
    }
    let v: serde_json::Value = serde_json::from_str(&to_json(&f)).unwrap();
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["rule"] == "priority-tie"));
    let sarif = assert_valid_sarif(&to_sarif(&f));
    let r = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "BR012")
        .unwrap();
    assert_eq!(
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "AdminNetworkPolicy allow-b"
    );
    assert_eq!(
        to_text(&f),
        to_text(&run(&(two_teams()
            + &anp("allow-b", &allow)
            + &anp("deny-all", &deny))))
    );
}

/// Issue 16: a namespace declared nowhere is not located at an object of
/// another file under the name "Namespace": the finding lists its open
/// workloads, each at its own line, once; the policy file that happens to
/// come first is not pointed at.
#[test]
fn an_undeclared_namespace_is_not_located_in_another_file() {
    let dir = tmpdir("undeclared");
    // a.yaml (read first) holds only a policy of `app` for egress.
    std::fs::write(
        dir.join("a.yaml"),
        policy(
            "app",
            "egress",
            "  podSelector: {}\n  policyTypes: [Egress]",
        ),
    )
    .unwrap();
    std::fs::write(dir.join("b.yaml"), format!("# the web tier\n{}", web())).unwrap();
    let f = run_paths(std::slice::from_ref(&dir));
    let br001 = &of(&f, "BR001")[0];
    let places: Vec<(String, usize, Option<usize>)> = br001
        .objects
        .iter()
        .map(|o| (o.object.clone(), o.doc, o.line))
        .collect();
    // Line 2: the Deployment, past the file's header comment.
    assert_eq!(places, vec![("Deployment app/web".to_string(), 1, Some(2))]);
    assert!(br001.objects.iter().all(|o| o.file.ends_with("b.yaml")));
    let text = to_text(&f);
    assert!(
        !text.contains("a.yaml:1, document 1)\n    at Deployment"),
        "{text}"
    );
    // SARIF: one location (the main object), the rest related, each once.
    let v: serde_json::Value = serde_json::from_str(&to_sarif(&f)).unwrap();
    for r in v["runs"][0]["results"].as_array().unwrap() {
        assert_eq!(r["locations"].as_array().unwrap().len(), 1);
        let mut seen = std::collections::BTreeSet::new();
        for l in r["locations"]
            .as_array()
            .unwrap()
            .iter()
            .chain(r["relatedLocations"].as_array().into_iter().flatten())
        {
            let p = &l["physicalLocation"];
            assert!(
                seen.insert((
                    p["artifactLocation"]["uri"].to_string(),
                    p["region"]["startLine"].to_string(),
                    l["logicalLocations"][0]["fullyQualifiedName"].to_string()
                )),
                "{r}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 16: BR009 is rated by what the OR form lets in (SEM-19), not by
/// kind: low when what it admits cannot connect today, medium when it
/// opens connections, high when a pod it admits is itself reachable from
/// outside the cluster (the protected pods are one hop from the internet).
#[test]
fn br009_is_rated_by_consequence() {
    let base = || {
        web()
            + &namespace("shop", "{team: shop}")
            + &deployment("shop", "client", "{app: client, role: client}", "[]")
            + &deployment("shop", "other", "{app: other}", "[]")
            + &policy(
                "app",
                "web-in",
                "  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {team: shop}}
        - podSelector: {matchLabels: {role: client}}
      ports: [{port: 8080}]",
            )
    };
    let rated = |yaml: &str| {
        let f = run(yaml);
        let x = of(&f, "BR009")[0].clone();
        (x.severity, x.why)
    };
    // The shop's own egress is closed: what the OR admits cannot connect.
    let (sev, why) = rated(&(base() + &policy("shop", "deny", DENY_ALL)));
    assert_eq!(sev, Severity::Low, "{why}");
    assert!(
        why.contains("no connection it admits is open today"),
        "{why}"
    );
    // shop/other may connect to app/web on 8080 (only through the OR),
    // but nothing outside the cluster reaches shop/other.
    let closed_ingress = policy(
        "shop",
        "no-ingress",
        "  podSelector: {}\n  policyTypes: [Ingress]",
    );
    let (sev, why) = rated(&(base() + &closed_ingress));
    assert_eq!(sev, Severity::Medium, "{why}");
    assert!(
        why.contains(
            "Rated medium: Deployment shop/other (only the OR form admits it) can connect"
        ),
        "{why}"
    );
    // shop/other is open to the internet: app/web is one hop from outside.
    let (sev, why) = rated(&base());
    assert_eq!(sev, Severity::High, "{why}");
    assert!(
        why.contains("because Deployment shop/other (which only the OR form admits) accepts connections from external addresses"),
        "{why}"
    );
}

/// Issue 16: BR004's fix for CoreDNS keeps it working when applied as
/// written: every pod still resolves through it (53/UDP and 53/TCP), it
/// still reaches an upstream resolver on 53 and the API server on 443, and
/// it is no longer open (SEM-3: selected in both directions).
#[test]
fn br004_fix_for_coredns_keeps_dns_working() {
    use blastradius::model::ports::Protocol;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shop = root.join("scenarios/shop");
    let f = run_paths(std::slice::from_ref(&shop));
    let finding = of(&f, "BR004")
        .into_iter()
        .find(|x| x.title.starts_with("Deployment kube-system/coredns"))
        .expect("BR004 for coredns");
    let fix = fix_yaml(finding);
    let dir = tmpdir("coredns-fix");
    std::fs::write(dir.join("fix.yaml"), &fix).unwrap();
    let c = load_paths(&[shop, dir.join("fix.yaml")], &LoadOptions::default()).unwrap();
    let r = Reachability::compile(&c, &ReachOptions::default());
    let dns = c.find_pods("kube-system/coredns").unwrap()[0];
    // Every pod of the shop still queries it, whatever its namespace (those
    // with isolated egress through their own DNS allowance).
    let mut clients = 0;
    for (i, p) in c.pods.iter().enumerate() {
        if i == dns || p.host_network {
            continue;
        }
        clients += 1;
        let conns = r.pod_to_pod(i, dns);
        assert!(
            conns.contains(Protocol::Udp, 53) && conns.contains(Protocol::Tcp, 53),
            "{} cannot query CoreDNS: {}",
            p.id(),
            conns.to_connlist()
        );
    }
    assert!(clients >= 3, "{clients}");
    // Egress: an upstream resolver and the API server.
    let out = |ip: &str| r.pod_to_ip(dns, ip.parse().unwrap());
    assert!(out("8.8.8.8").contains(Protocol::Udp, 53));
    assert!(out("8.8.8.8").contains(Protocol::Tcp, 53));
    assert!(out("10.96.0.1").contains(Protocol::Tcp, 443));
    // And nothing else: no longer open anywhere.
    assert!(!out("8.8.8.8").contains(Protocol::Tcp, 22));
    let after = audit(&c, &r);
    assert!(
        !after
            .iter()
            .any(|x| x.id == "BR004" && x.title.contains("kube-system/coredns")),
        "{}",
        to_text(&after)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 16: a finding about one rule or one peer points at that rule's or
/// peer's line, far below the policy's first line: in the text
/// (`file:line`), the JSON (`line`, `field`) and SARIF (`region.startLine`);
/// for YAML (a policy in a second document) and JSON (a `List` item).
#[test]
fn findings_about_a_rule_or_peer_point_at_its_line_yaml_and_json() {
    let notes: String = (0..30).map(|i| format!("    note{i}: x\n")).collect();
    let pol = format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web-in\n  namespace: app\n  annotations:\n{notes}spec:\n  podSelector: {{matchLabels: {{app: web}}}}\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - podSelector: {{matchLabels: {{app: typo}}}}\n      ports: [{{port: 8080}}]\n    - ports: [{{port: 443}}]\n"
    );
    let yaml = format!("{}{pol}", web());
    let line_of = |text: &str, marker: &str| {
        text.lines()
            .position(|l| l.contains(marker))
            .map(|i| i + 1)
            .unwrap_or_else(|| panic!("{marker}"))
    };
    // JSON: the same objects as a List, pretty-printed.
    let items: Vec<serde_json::Value> = yaml
        .split("---\n")
        .filter(|d| !d.trim().is_empty())
        .map(|d| {
            serde_json::to_value(serde_yaml::from_str::<serde_yaml::Value>(d).unwrap()).unwrap()
        })
        .collect();
    let json = serde_json::to_string_pretty(
        &serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items}),
    )
    .unwrap();
    let dir = tmpdir("rule-lines");
    // (file, text, policy's first line, peer's line, second rule's line, document)
    let cases = [
        (
            "m.yaml",
            &yaml,
            line_of(&yaml, "kind: NetworkPolicy") - 1,
            line_of(&yaml, "app: typo"),
            line_of(&yaml, "port: 443"),
            2,
        ),
        (
            "m.json",
            &json,
            line_of(&json, "\"networking.k8s.io/v1\"") - 1,
            // `{`, `"podSelector": {`, `"matchLabels": {`, `"app": "typo"`
            line_of(&json, "\"typo\"") - 3,
            // `{`, `"ports": [`, `{`, `"port": 443`
            line_of(&json, "443") - 3,
            1,
        ),
    ];
    for (name, text, start, peer, rule, doc) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let file = path.display().to_string();
        assert!(peer > start + 30, "{name}: {start} {peer}");
        let f = run_paths(std::slice::from_ref(&path));
        // BR006: the dead peer, at its line.
        let br006 = of(&f, "BR006");
        let dead = br006
            .iter()
            .find(|x| x.title.starts_with("app/web-in ingress[0].from[0]"))
            .unwrap_or_else(|| panic!("{name}: {}", to_text(&f)));
        let o = &dead.objects[0];
        assert_eq!(
            (o.line, o.field.as_deref(), o.doc),
            (Some(peer), Some("spec.ingress[0].from[0]"), doc),
            "{name}"
        );
        // BR005: the rule without `from`, at its line.
        let any = of(&f, "BR005");
        let any = any
            .iter()
            .find(|x| x.title.starts_with("app/web-in ingress[1]"))
            .unwrap_or_else(|| panic!("{name}: {}", to_text(&f)));
        assert_eq!(
            (any.objects[0].line, any.objects[0].field.as_deref()),
            (Some(rule), Some("spec.ingress[1]")),
            "{name}"
        );
        // Text.
        let t = to_text(&f);
        for (field, line) in [("spec.ingress[0].from[0]", peer), ("spec.ingress[1]", rule)] {
            let want = format!(
                "    at NetworkPolicy app/web-in {field} ({file}:{line}, document {doc})\n"
            );
            assert!(t.contains(&want), "{name}: {want}\n{t}");
        }
        // JSON.
        let v: serde_json::Value = serde_json::from_str(&to_json(&f)).unwrap();
        let j = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == "BR006" && x["objects"][0]["object"] == "NetworkPolicy app/web-in")
            .unwrap();
        assert_eq!(j["objects"][0]["line"], peer);
        assert_eq!(j["objects"][0]["field"], "spec.ingress[0].from[0]");
        // SARIF: the region's start line.
        let s = assert_valid_sarif(&to_sarif(&f));
        let start_line = |id: &str, msg: &str| {
            s["runs"][0]["results"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["ruleId"] == id)
                .map(|r| &r["locations"][0])
                .find(|l| l["message"]["text"] == msg)
                .map(|l| {
                    l["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap()
                })
        };
        assert_eq!(
            start_line("BR006", "NetworkPolicy app/web-in spec.ingress[0].from[0]"),
            Some(peer as u64),
            "{name}"
        );
        assert_eq!(
            start_line("BR005", "NetworkPolicy app/web-in spec.ingress[1]"),
            Some(rule as u64),
            "{name}"
        );
        // The same bytes on a second run.
        assert_eq!(
            to_sarif(&run_paths(std::slice::from_ref(&path))),
            to_sarif(&f)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
