//! One or more focused tests per rule of the cluster-policy checklist
//! (../shared/SEMANTICS-CNP.md: CNP-1 … CNP-20 for v1alpha2
//! ClusterNetworkPolicy, CNP-A1 … A11 for v1alpha1 AdminNetworkPolicy and
//! BaselineAdminNetworkPolicy). Each builds a tiny cluster from YAML and
//! asserts exact verdicts, cross-checked between the matrix and `explain`.
//! Tests are named `cnpNN_…` / `cnpaNN_…` after the rule they check.

use blastradius::engine::explain::{explain, Endpoint, Explanation};
use blastradius::engine::reach::{ReachOptions, Reachability};
use blastradius::engine::view::{ConnView, Level};
use blastradius::input::{load_str, LoadOptions};
use blastradius::model::Cluster;
use blastradius::output::text::connlist::connlist;

// ---------------------------------------------------------------- helpers

struct World {
    c: Cluster,
    r: Reachability,
}

impl World {
    fn new(docs: &[&str]) -> World {
        let c = load(docs).unwrap_or_else(|e| panic!("load failed: {e}"));
        let r = Reachability::compile(&c, &ReachOptions::default());
        World { c, r }
    }

    fn idx(&self, spec: &str) -> usize {
        let v = self.c.find_pods(spec).unwrap_or_else(|e| panic!("{e}"));
        v[0]
    }

    fn explain(&self, s: &str, d: &str) -> Explanation {
        explain(
            &self.c,
            &self.r.options,
            &Endpoint::Pod(self.idx(s), s.into()),
            &Endpoint::Pod(self.idx(d), d.into()),
        )
    }

    /// Pod to pod in np-guard spelling, cross-checked against `explain`
    /// (allowed and ambiguous parts).
    fn pp(&self, s: &str, d: &str) -> String {
        let (a, b) = (self.idx(s), self.idx(d));
        let got = self.r.pod_to_pod(a, b);
        let e = self.explain(s, d);
        assert_eq!(got, e.allowed, "{s} -> {d}: matrix and explain disagree");
        assert_eq!(
            self.r.ambiguous_pod_to_pod(a, b),
            e.ambiguous,
            "{s} -> {d}: ambiguity"
        );
        got.to_connlist()
    }

    fn ambiguous(&self, s: &str, d: &str) -> String {
        self.r
            .ambiguous_pod_to_pod(self.idx(s), self.idx(d))
            .to_connlist()
    }

    /// Pod to a named destination (CNP-12), cross-checked against `explain`.
    fn to_domain(&self, s: &str, name: &str) -> String {
        let d = self
            .r
            .domain_index(name)
            .unwrap_or_else(|| panic!("no dns:{name}"));
        let got = self.r.pod_to_domain(self.idx(s), d);
        let e = self.explain_domain(s, name);
        assert_eq!(
            got, e.allowed,
            "{s} -> dns:{name}: matrix and explain disagree"
        );
        assert_eq!(
            self.r.ambiguous_pod_to_domain(self.idx(s), d),
            e.ambiguous,
            "{s} -> dns:{name}: ambiguity"
        );
        got.to_connlist()
    }

    fn domain_ambiguity(&self, s: &str, name: &str) -> String {
        let d = self
            .r
            .domain_index(name)
            .unwrap_or_else(|| panic!("no dns:{name}"));
        self.r.ambiguous_pod_to_domain(self.idx(s), d).to_connlist()
    }

    fn explain_domain(&self, s: &str, name: &str) -> Explanation {
        explain(
            &self.c,
            &self.r.options,
            &Endpoint::Pod(self.idx(s), s.into()),
            &Endpoint::Domain(name.into()),
        )
    }

    fn to_ip(&self, s: &str, ip: &str) -> String {
        self.r
            .pod_to_ip(self.idx(s), ip.parse().unwrap())
            .to_connlist()
    }
}

fn load(docs: &[&str]) -> Result<Cluster, String> {
    load_str("t.yaml", &docs.join("---\n"), &LoadOptions::default()).map_err(|e| e.to_string())
}

fn refused(docs: &[&str]) -> String {
    match load(docs) {
        Ok(_) => panic!("accepted, expected a refusal:\n{}", docs.join("---\n")),
        Err(e) => e,
    }
}

fn ns(name: &str, labels: &str) -> String {
    format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels: {{{labels}}}\n")
}

fn pod(ns: &str, name: &str, labels: &str, extra: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels: {{{labels}}}\nspec:\n  containers:\n  - name: c\n    image: x\n    ports:\n    - {{name: http, containerPort: 8080, protocol: TCP}}\n    - {{name: dns, containerPort: 53, protocol: UDP}}\n{extra}"
    )
}

/// A v1alpha2 ClusterNetworkPolicy (CNP-1).
fn cnp(name: &str, tier: &str, priority: u32, body: &str) -> String {
    format!(
        "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata:\n  name: {name}\nspec:\n  tier: {tier}\n  priority: {priority}\n{body}"
    )
}

/// A v1alpha1 AdminNetworkPolicy (CNP-A1).
fn anp(name: &str, priority: u32, body: &str) -> String {
    format!(
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata:\n  name: {name}\nspec:\n  priority: {priority}\n{body}"
    )
}

fn banp(body: &str) -> String {
    format!(
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata:\n  name: default\nspec:\n{body}"
    )
}

fn np(ns: &str, name: &str, body: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n{body}"
    )
}

/// Two tenants (`a`, `b`) and a `dns` namespace, one pod each.
fn base() -> Vec<String> {
    vec![
        ns("a", "tenant: a"),
        ns("b", "tenant: b"),
        ns("dns", "role: dns"),
        pod("a", "web", "app: web", ""),
        pod("b", "api", "app: api", ""),
        pod("dns", "coredns", "app: dns", ""),
    ]
}

fn world(extra: &[String]) -> World {
    let mut docs = base();
    docs.extend(extra.iter().cloned());
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    World::new(&refs)
}

const SUBJECT_ALL: &str = "  subject:\n    namespaces: {}\n";

fn deny_from_tenants() -> String {
    format!("{SUBJECT_ALL}  ingress:\n  - action: Deny\n    from:\n    - namespaces: {{matchExpressions: [{{key: tenant, operator: Exists}}]}}\n")
}

// ---------------------------------------------------------------- v1alpha2

#[test]
fn cnp1_admin_deny_beats_a_networkpolicy_allow() {
    // CNP-1: Admin tier first; its Deny is final even where a NetworkPolicy allows.
    let w = world(&[
        cnp("deny", "Admin", 10, &deny_from_tenants()),
        np("b", "allow-all", "  podSelector: {}\n  ingress:\n  - {}\n"),
    ]);
    assert_eq!(w.pp("a/web", "b/api"), "No Connections");
    assert_eq!(w.pp("dns/coredns", "b/api"), "All Connections");
    let e = w.explain("a/web", "b/api");
    let reasons = e.segments[0].reasons.join(" | ");
    assert!(
        reasons.contains("ClusterNetworkPolicy deny ingress[0] (priority 10): Deny"),
        "{reasons}"
    );
}

#[test]
fn cnp1_baseline_deny_is_overridden_by_a_networkpolicy() {
    // CNP-1, CNP-7: a NetworkPolicy that selects the pod decides; Baseline
    // only for pods no NetworkPolicy selects.
    let w = world(&[
        cnp("base", "Baseline", 10, &deny_from_tenants()),
        np("b", "allow-all", "  podSelector: {}\n  ingress:\n  - {}\n"),
    ]);
    assert_eq!(w.pp("a/web", "b/api"), "All Connections");
    assert_eq!(w.pp("b/api", "a/web"), "No Connections");
    let e = w.explain("b/api", "a/web");
    let r = e.segments[0].reasons.join(" | ");
    assert!(
        r.contains("no NetworkPolicy selects a/web for ingress → Baseline tier: ClusterNetworkPolicy base ingress[0] (priority 10): Deny"),
        "{r}"
    );
}

#[test]
fn cnp2_egress_accept_still_meets_ingress_at_the_destination() {
    // CNP-2: an egress Accept ends egress only; the destination's ingress
    // Deny still drops the connection.
    let w = world(&[
        cnp(
            "out",
            "Admin",
            5,
            &format!("{SUBJECT_ALL}  egress:\n  - action: Accept\n    to:\n    - namespaces: {{}}\n"),
        ),
        cnp(
            "in",
            "Admin",
            6,
            "  subject:\n    namespaces: {matchLabels: {tenant: b}}\n  ingress:\n  - action: Deny\n    from:\n    - namespaces: {matchLabels: {tenant: a}}\n",
        ),
    ]);
    assert_eq!(w.pp("a/web", "b/api"), "No Connections");
    assert_eq!(w.pp("dns/coredns", "b/api"), "All Connections");
}

#[test]
fn cnp3_lower_priority_value_first() {
    // CNP-3: priority 1 Accept beats priority 2 Deny; swapped, Deny wins.
    let accept = |p| {
        cnp(
            &format!("accept-{p}"),
            "Admin",
            p,
            &format!(
                "{SUBJECT_ALL}  ingress:\n  - action: Accept\n    from:\n    - namespaces: {{}}\n"
            ),
        )
    };
    let deny = |p| cnp(&format!("deny-{p}"), "Admin", p, &deny_from_tenants());
    let w = world(&[accept(1), deny(2)]);
    assert_eq!(w.pp("a/web", "b/api"), "All Connections");
    let w = world(&[accept(2), deny(1)]);
    assert_eq!(w.pp("a/web", "b/api"), "No Connections");
}

#[test]
fn cnp4_equal_priorities_that_disagree_are_ambiguous() {
    // CNP-4: the implementation may apply either; shown allowed (worst case)
    // and marked ambiguous in the matrix, the list and explain.
    let w = world(&[
        cnp("deny", "Admin", 7, &deny_from_tenants()),
        cnp(
            "pass",
            "Admin",
            7,
            &format!("{SUBJECT_ALL}  ingress:\n  - action: Pass\n    from:\n    - namespaces: {{matchLabels: {{tenant: a}}}}\n      \n"),
        ),
    ]);
    assert_eq!(w.pp("a/web", "b/api"), "All Connections");
    assert_eq!(w.ambiguous("a/web", "b/api"), "All Connections");
    // b is matched by the Deny only: not ambiguous.
    assert_eq!(w.pp("b/api", "a/web"), "No Connections");
    assert_eq!(w.ambiguous("b/api", "a/web"), "No Connections");
    let e = w.explain("a/web", "b/api");
    let r = e.segments[0].reasons.join(" | ");
    assert!(r.contains("ambiguous: ClusterNetworkPolicy deny ingress[0] (priority 7): Deny or ClusterNetworkPolicy pass ingress[0] (priority 7): Pass"), "{r}");
    let view = ConnView::build(&w.c, &w.r, Level::Workload);
    let list = connlist(&view);
    assert!(
        list.contains("a/web[Pod] => b/api[Pod] : All Connections (ambiguous: All Connections)"),
        "{list}"
    );
    assert!(
        view.warnings.iter().any(|x| x.contains("CNP-4")),
        "{:?}",
        view.warnings
    );
}

#[test]
fn cnp4_equal_priorities_that_agree_are_not_ambiguous() {
    let w = world(&[
        cnp("deny-1", "Admin", 7, &deny_from_tenants()),
        cnp("deny-2", "Admin", 7, &deny_from_tenants()),
    ]);
    assert_eq!(w.pp("a/web", "b/api"), "No Connections");
    assert!(!w.r.has_ambiguity());
}

#[test]
fn cnp5_first_matching_rule_decides() {
    // CNP-5: the Accept on 8080 comes first; the Deny of everything second.
    let body = format!(
        "{SUBJECT_ALL}  ingress:\n  - action: Accept\n    from:\n    - namespaces: {{}}\n    protocols:\n    - tcp: {{destinationPort: {{number: 8080}}}}\n  - action: Deny\n    from:\n    - namespaces: {{}}\n"
    );
    let w = world(&[cnp("order", "Admin", 1, &body)]);
    assert_eq!(w.pp("a/web", "b/api"), "TCP 8080");
}

#[test]
fn cnp6_pass_skips_the_rest_of_the_admin_tier() {
    // CNP-6: Pass at priority 1 skips the Deny at priority 2; the
    // NetworkPolicy tier then decides (here it allows only TCP 8080).
    let pass = format!(
        "{SUBJECT_ALL}  ingress:\n  - action: Pass\n    from:\n    - namespaces: {{matchLabels: {{tenant: a}}}}\n"
    );
    let w = world(&[
        cnp("pass", "Admin", 1, &pass),
        cnp("deny", "Admin", 2, &deny_from_tenants()),
        np(
            "b",
            "web-only",
            "  podSelector: {}\n  ingress:\n  - ports: [{port: 8080}]\n",
        ),
    ]);
    assert_eq!(w.pp("a/web", "b/api"), "TCP 8080");
    // From b itself (not passed): the priority-2 Deny.
    assert_eq!(w.pp("a/web", "a/web"), "All Connections"); // SEM-47, CNP-17
}

#[test]
fn cnp8_baseline_pass_means_default_allow() {
    // CNP-8: Pass in the Baseline tier skips the rest of it: allowed.
    let pass = format!(
        "{SUBJECT_ALL}  ingress:\n  - action: Pass\n    from:\n    - namespaces: {{matchLabels: {{tenant: a}}}}\n"
    );
    let w = world(&[
        cnp("pass", "Baseline", 1, &pass),
        cnp("deny", "Baseline", 2, &deny_from_tenants()),
    ]);
    assert_eq!(w.pp("a/web", "b/api"), "All Connections");
    assert_eq!(w.pp("b/api", "a/web"), "No Connections");
}

#[test]
fn cnp9_selecting_isolates_nothing() {
    // CNP-9: a policy whose rules match nothing leaves traffic allowed; a
    // policy without egress rules does not affect egress.
    let w = world(&[cnp(
        "ingress-only",
        "Admin",
        1,
        "  subject:\n    namespaces: {}\n  ingress:\n  - action: Deny\n    from:\n    - namespaces: {matchLabels: {tenant: nobody}}\n",
    )]);
    assert_eq!(w.pp("a/web", "b/api"), "All Connections");
    assert_eq!(w.to_ip("a/web", "1.2.3.4"), "All Connections");
}

#[test]
fn cnp10_subject_pods_and_host_network() {
    // CNP-10, CNP-13: `pods` subject = namespace selector AND pod selector
    // (matchExpressions included); hostNetwork pods are never subjects.
    let subject = "  subject:\n    pods:\n      namespaceSelector: {matchLabels: {tenant: b}}\n      podSelector: {matchExpressions: [{key: app, operator: In, values: [api]}]}\n";
    let deny_all =
        format!("{subject}  ingress:\n  - action: Deny\n    from:\n    - namespaces: {{}}\n");
    let mut docs = base();
    docs.push(pod("b", "host", "app: api", "  hostNetwork: true\n"));
    docs.push(cnp("deny", "Admin", 1, &deny_all));
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let w = World::new(&refs);
    assert_eq!(w.pp("a/web", "b/api"), "No Connections");
    assert_eq!(w.pp("a/web", "b/host"), "All Connections");
}

#[test]
fn cnp11_ingress_from_host_network_pods_is_not_matched() {
    // CNP-11: namespaces/pods peers never match hostNetwork pods, so an
    // ingress Deny from every namespace leaves node traffic alone.
    let mut docs = base();
    docs.push(pod(
        "b",
        "node-agent",
        "app: agent",
        "  hostNetwork: true\n",
    ));
    docs.push(cnp(
        "deny",
        "Admin",
        1,
        "  subject:\n    namespaces: {matchLabels: {tenant: a}}\n  ingress:\n  - action: Deny\n    from:\n    - namespaces: {}\n",
    ));
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let w = World::new(&refs);
    assert_eq!(w.pp("b/api", "a/web"), "No Connections");
    assert_eq!(w.pp("b/node-agent", "a/web"), "All Connections");
}

#[test]
fn cnp12_networks_match_external_addresses() {
    // CNP-12: `networks` CIDRs; the egress Deny to 10.0.0.0/8 leaves the rest.
    let w = world(&[cnp(
        "no-internal",
        "Admin",
        1,
        &format!(
            "{SUBJECT_ALL}  egress:\n  - action: Deny\n    to:\n    - networks: [10.0.0.0/8]\n"
        ),
    )]);
    assert_eq!(w.to_ip("a/web", "10.1.2.3"), "No Connections");
    assert_eq!(w.to_ip("a/web", "8.8.8.8"), "All Connections");
    // SEM-51: pods without a known IP are not matched; the loader says so.
    assert!(
        w.c.warnings
            .iter()
            .any(|x| x.contains("3 pod entries have no known IP")),
        "{:?}",
        w.c.warnings
    );
}

#[test]
fn cnp12_nodes_match_node_addresses_and_host_network_pods() {
    // CNP-12: `nodes` selects Node objects; their status.addresses are the
    // peer, which is also what a hostNetwork pod on the node speaks with.
    let node = "apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n  labels: {role: worker}\nstatus:\n  addresses:\n  - {type: InternalIP, address: 10.9.0.1}\n  - {type: Hostname, address: n1}\n";
    let mut docs = base();
    docs.push(node.to_string());
    docs.push(pod(
        "b",
        "agent",
        "app: agent",
        "  hostNetwork: true\nstatus:\n  podIP: 10.9.0.1\n  podIPs: [{ip: 10.9.0.1}]\n",
    ));
    docs.push(cnp(
        "no-nodes",
        "Admin",
        1,
        "  subject:\n    namespaces: {matchLabels: {tenant: a}}\n  egress:\n  - action: Deny\n    to:\n    - nodes: {matchLabels: {role: worker}}\n",
    ));
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let w = World::new(&refs);
    assert_eq!(w.to_ip("a/web", "10.9.0.1"), "No Connections");
    assert_eq!(w.to_ip("a/web", "10.9.0.2"), "All Connections");
    assert_eq!(w.pp("a/web", "b/agent"), "No Connections");
    assert_eq!(w.pp("a/web", "b/api"), "All Connections");
}

#[test]
fn cnp12_domain_names_are_destinations_of_their_own() {
    // CNP-12 (docs/semantics.md, "domainNames destinations"): each named
    // name or pattern is a destination `dns:<name>`, decided by the source's
    // egress only, in tier order; never an address.
    let body = format!(
        "{SUBJECT_ALL}  egress:\n  - action: Accept\n    to:\n    - domainNames: ['*.Example.com.', api.stripe.com]\n    protocols:\n    - tcp: {{destinationPort: {{number: 443}}}}\n  - action: Deny\n    to:\n    - networks: [0.0.0.0/0]\n"
    );
    let w = world(&[cnp("dns-allow", "Admin", 1, &body)]);
    // Canonical (lower case, no final dot), sorted.
    assert_eq!(w.r.domains, ["*.example.com", "api.stripe.com"]);
    assert_eq!(w.to_domain("a/web", "*.example.com"), "TCP 443");
    assert_eq!(w.to_domain("a/web", "api.stripe.com"), "TCP 443");
    // The name is no address: the Deny decides every address.
    assert_eq!(w.to_ip("a/web", "93.184.216.34"), "No Connections");
    assert!(
        !w.c.warnings.iter().any(|x| x.contains("not evaluated")),
        "{:?}",
        w.c.warnings
    );
    let e = refused(&[&cnp(
        "bad",
        "Admin",
        1,
        &format!("{SUBJECT_ALL}  egress:\n  - action: Accept\n    to:\n    - domainNames: ['www.*.io']\n"),
    )]);
    assert!(e.contains("spec.egress[0].to[0].domainNames[0]"), "{e}");
}

#[test]
fn cnp12_a_higher_priority_deny_on_every_address_beats_a_named_accept() {
    // CNP-3, CNP-12: Deny 0.0.0.0/0 at priority 1 covers every address the
    // name may resolve to, so the Accept at priority 5 never applies.
    let deny =
        format!("{SUBJECT_ALL}  egress:\n  - action: Deny\n    to:\n    - networks: [0.0.0.0/0]\n");
    let accept = format!("{SUBJECT_ALL}  egress:\n  - action: Accept\n    to:\n    - domainNames: [api.example.com]\n");
    let w = world(&[
        cnp("deny-all", "Admin", 1, &deny),
        cnp("dns", "Admin", 5, &accept),
    ]);
    assert_eq!(w.to_domain("a/web", "api.example.com"), "No Connections");
    assert_eq!(
        w.domain_ambiguity("a/web", "api.example.com"),
        "No Connections"
    );
}

#[test]
fn cnp12_a_narrower_deny_makes_the_name_depend_on_resolution() {
    // CNP-12: Deny 10.0.0.0/8 first: if the name resolves there it is
    // denied, elsewhere the Accept applies. Counted as allowed (the worst
    // case) and marked ambiguous, in reach and in explain.
    let body = format!(
        "{SUBJECT_ALL}  egress:\n  - action: Deny\n    to:\n    - networks: [10.0.0.0/8]\n  - action: Accept\n    to:\n    - domainNames: ['*.example.com']\n  - action: Deny\n    to:\n    - networks: [0.0.0.0/0]\n"
    );
    let w = world(&[cnp("guard", "Admin", 1, &body)]);
    assert_eq!(w.to_domain("a/web", "*.example.com"), "All Connections");
    assert_eq!(
        w.domain_ambiguity("a/web", "*.example.com"),
        "All Connections"
    );
    let e = w.explain_domain("a/web", "*.example.com");
    assert_eq!(e.resolutions.len(), 2, "{:?}", e.resolutions);
    let denied = e
        .resolutions
        .iter()
        .find(|r| r.side.allows.is_empty())
        .expect("a denied resolution");
    assert_eq!(
        denied.ranges.iter().map(|r| r.label()).collect::<Vec<_>>(),
        ["10.0.0.0/8"]
    );
    let text = blastradius::output::text::explain::text(&e, None);
    assert!(
        text.contains("if dns:*.example.com resolves into 10.0.0.0/8"),
        "{text}"
    );
    assert!(text.contains("depends on the address"), "{text}");
}

#[test]
fn cnp12_names_fall_through_to_the_network_policy_and_baseline_tiers() {
    // CNP-1, CNP-7, CNP-12: a Pass hands the name to the NetworkPolicy tier;
    // an egress-isolated pod then reaches it only through an ipBlock that
    // covers every address (0.0.0.0/0); one that does not is isolated from
    // it. Outside the Admin tier's subject the Baseline decides.
    let pass = "  subject:\n    namespaces: {matchLabels: {kubernetes.io/metadata.name: a}}\n  egress:\n  - action: Pass\n    to:\n    - domainNames: [api.example.com]\n".to_string();
    let np_open = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: out, namespace: a}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - ipBlock: {cidr: 0.0.0.0/0}\n".to_string();
    let w = world(&[cnp("pass", "Admin", 1, &pass), np_open]);
    assert_eq!(w.to_domain("a/web", "api.example.com"), "All Connections");
    let np_narrow = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: out, namespace: a}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8}\n".to_string();
    let w = world(&[cnp("pass", "Admin", 1, &pass), np_narrow]);
    assert_eq!(w.to_domain("a/web", "api.example.com"), "All Connections");
    assert_eq!(
        w.domain_ambiguity("a/web", "api.example.com"),
        "All Connections"
    );
    let isolated = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: out, namespace: a}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n".to_string();
    let w = world(&[cnp("pass", "Admin", 1, &pass), isolated]);
    assert_eq!(w.to_domain("a/web", "api.example.com"), "No Connections");
    // CNP-8: b/api is no subject of the Pass; nothing isolates it, so the
    // Baseline tier's Deny on every address decides (and a/web, isolated by
    // no NetworkPolicy now, passes to the same Baseline).
    let base_deny =
        format!("{SUBJECT_ALL}  egress:\n  - action: Deny\n    to:\n    - networks: [0.0.0.0/0]\n");
    let w = world(&[
        cnp("pass", "Admin", 1, &pass),
        cnp("floor", "Baseline", 1, &base_deny),
    ]);
    assert_eq!(w.to_domain("b/api", "api.example.com"), "No Connections");
    assert_eq!(w.to_domain("a/web", "api.example.com"), "No Connections");
    assert_eq!(w.to_ip("b/api", "8.8.8.8"), "No Connections");
}

#[test]
fn cnp14_protocols_match_only_their_own_protocol() {
    // CNP-14: a `udp` entry matches UDP only; ranges are inclusive.
    let body = format!(
        "{SUBJECT_ALL}  ingress:\n  - action: Deny\n    from:\n    - namespaces: {{}}\n    protocols:\n    - udp: {{destinationPort: {{number: 53}}}}\n    - tcp: {{destinationPort: {{range: {{start: 1, end: 1000}}}}}}\n"
    );
    let w = world(&[cnp("d", "Admin", 1, &body)]);
    assert_eq!(
        w.pp("a/web", "b/api"),
        "SCTP 1-65535,TCP 1001-65535,UDP 1-52,54-65535"
    );
    let e = refused(&[&cnp(
        "r",
        "Admin",
        1,
        &format!("{SUBJECT_ALL}  ingress:\n  - action: Deny\n    from:\n    - namespaces: {{}}\n    protocols:\n    - tcp: {{destinationPort: {{range: {{start: 9, end: 9}}}}}}\n"),
    )]);
    assert!(e.contains("Start port must be less than End port"), "{e}");
}

#[test]
fn cnp15_named_ports_resolve_on_the_destination() {
    // CNP-15: `http` is TCP 8080 on the destination pod; `dns` UDP 53.
    let body = format!(
        "{SUBJECT_ALL}  ingress:\n  - action: Accept\n    from:\n    - namespaces: {{}}\n    protocols:\n    - destinationNamedPort: http\n    - destinationNamedPort: dns\n  - action: Deny\n    from:\n    - namespaces: {{}}\n"
    );
    let w = world(&[cnp("named", "Admin", 1, &body)]);
    assert_eq!(w.pp("a/web", "b/api"), "TCP 8080,UDP 53");
}

#[test]
fn cnp18_validation_like_the_crd() {
    // CNP-18: priority range, tier enum, one field per subject/peer, limits.
    let e = refused(&[&cnp("p", "Admin", 1001, &deny_from_tenants())]);
    assert!(e.contains("spec.priority: Invalid value: 1001"), "{e}");
    let e = refused(&[&cnp("t", "Middle", 1, &deny_from_tenants())]);
    assert!(
        e.contains("spec.tier: Unsupported value: \"Middle\""),
        "{e}"
    );
    let e = refused(&[&cnp(
        "s",
        "Admin",
        1,
        "  subject:\n    namespaces: {}\n    pods: {podSelector: {}}\n",
    )]);
    assert!(
        e.contains("exactly one field must be set in a subject"),
        "{e}"
    );
    let e = refused(&[&cnp(
        "peer",
        "Admin",
        1,
        &format!(
            "{SUBJECT_ALL}  ingress:\n  - action: Deny\n    from:\n    - networks: [10.0.0.0/8]\n"
        ),
    )]);
    assert!(e.contains("spec.ingress[0].from[0]: exactly one field must be set in a rule peer: `namespaces` or `pods`"), "{e}");
    let many: String = (0..26)
        .map(|_| "  - action: Deny\n    from:\n    - namespaces: {}\n")
        .collect();
    let e = refused(&[&cnp(
        "many",
        "Admin",
        1,
        &format!("{SUBJECT_ALL}  ingress:\n{many}"),
    )]);
    assert!(e.contains("26 rules, must have at most 25"), "{e}");
    let e = refused(&[&cnp(
        "allow",
        "Admin",
        1,
        &format!("{SUBJECT_ALL}  ingress:\n  - action: Allow\n    from:\n    - namespaces: {{}}\n"),
    )]);
    assert!(e.contains("v1alpha2 says Accept"), "{e}");
    let e = refused(&[&cnp(
        "cidr",
        "Admin",
        1,
        &format!(
            "{SUBJECT_ALL}  egress:\n  - action: Deny\n    to:\n    - networks: [10.0.0.0/33]\n"
        ),
    )]);
    assert!(
        e.contains("spec.egress[0].to[0].networks[0]: invalid CIDR"),
        "{e}"
    );
}

#[test]
fn cnp20_names_are_unique_across_tiers() {
    // CNP-20: one kind, cluster-scoped: a name once, whatever the tier.
    let e = refused(&[
        &cnp("same", "Admin", 1, &deny_from_tenants()),
        &cnp("same", "Baseline", 1, &deny_from_tenants()),
    ]);
    assert!(
        e.contains("duplicate object: ClusterNetworkPolicy \"same\""),
        "{e}"
    );
}

// ---------------------------------------------------------------- v1alpha1

#[test]
fn cnpa1_kinds_are_the_tiers() {
    // CNP-A1: AdminNetworkPolicy is the Admin tier, the BANP the Baseline.
    let w = world(&[
        anp(
            "allow-dns",
            1,
            &format!("{SUBJECT_ALL}  ingress:\n  - action: Allow\n    from:\n    - namespaces: {{}}\n    ports:\n    - portNumber: {{protocol: UDP, port: 53}}\n"),
        ),
        banp(&deny_from_tenants()),
    ]);
    // The Allow first (Admin), the rest to the Baseline's Deny of tenants.
    assert_eq!(w.pp("a/web", "dns/coredns"), "UDP 53");
    assert_eq!(w.pp("a/web", "b/api"), "UDP 53");
    assert_eq!(w.pp("dns/coredns", "a/web"), "All Connections");
    // CNP-A2: the BANP has no priority, and explain prints none.
    let e = w.explain("a/web", "b/api");
    let denied: Vec<String> = e
        .segments
        .iter()
        .filter(|s| !s.allowed)
        .flat_map(|s| s.reasons.clone())
        .collect();
    assert!(
        denied
            .iter()
            .any(|r| r
                .ends_with("→ Baseline tier: BaselineAdminNetworkPolicy default ingress[0]: Deny")),
        "{denied:?}"
    );
}

#[test]
fn cnpa2_the_baseline_is_a_singleton_named_default() {
    let bad = deny_from_tenants();
    let other = format!(
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata:\n  name: mine\nspec:\n{bad}"
    );
    let e = refused(&[&other]);
    assert!(e.contains("must be named `default`"), "{e}");
    let e = refused(&[&banp(&bad), &banp(&bad)]);
    assert!(
        e.contains("duplicate object: BaselineAdminNetworkPolicy \"default\""),
        "{e}"
    );
}

#[test]
fn cnpa3_a4_actions_per_kind() {
    // CNP-A3: v1alpha1 says Allow; CNP-A4: no Pass in the BANP.
    let e = refused(&[&anp(
        "a",
        1,
        &format!(
            "{SUBJECT_ALL}  ingress:\n  - action: Accept\n    from:\n    - namespaces: {{}}\n"
        ),
    )]);
    assert!(e.contains("v1alpha1 says Allow"), "{e}");
    let e = refused(&[&banp(&format!(
        "{SUBJECT_ALL}  ingress:\n  - action: Pass\n    from:\n    - namespaces: {{}}\n"
    ))]);
    assert!(e.contains("cannot Pass"), "{e}");
}

#[test]
fn cnpa5_a6_ports_and_inverted_ranges() {
    // CNP-A5: portNumber (TCP by default) and portRange; CNP-A6: an
    // inverted range is accepted by the API server and matches nothing.
    let body = format!(
        "{SUBJECT_ALL}  ingress:\n  - action: Deny\n    from:\n    - namespaces: {{}}\n    ports:\n    - portNumber: {{port: 80}}\n    - portRange: {{protocol: UDP, start: 100, end: 200}}\n    - portRange: {{start: 10, end: 1}}\n"
    );
    let w = world(&[anp("ports", 1, &body)]);
    assert_eq!(
        w.pp("a/web", "b/api"),
        "SCTP 1-65535,TCP 1-79,81-65535,UDP 1-99,201-65535"
    );
    assert!(w.c.warnings.iter().any(|x| x.contains("10-1 is empty")));
}

#[test]
fn cnpa8_a9_baseline_domain_names_and_required_selectors() {
    // CNP-A8: no domainNames in the BANP; CNP-A9: v1alpha1 needs both
    // selectors of a NamespacedPod.
    let e = refused(&[&banp(&format!(
        "{SUBJECT_ALL}  egress:\n  - action: Allow\n    to:\n    - domainNames: [example.com]\n"
    ))]);
    assert!(e.contains("no domainNames peer"), "{e}");
    let e = refused(&[&anp(
        "a",
        1,
        "  subject:\n    pods:\n      podSelector: {}\n",
    )]);
    assert!(
        e.contains("spec.subject.pods.namespaceSelector: Required value"),
        "{e}"
    );
}

#[test]
fn third_party_kinds_with_known_names_are_other_kinds() {
    // An Antrea ClusterNetworkPolicy or a Calico NetworkPolicy is not a
    // version of ours: skipped, never refused.
    let antrea = "apiVersion: crd.antrea.io/v1beta1\nkind: ClusterNetworkPolicy\nmetadata:\n  name: x\nspec: {}\n";
    let calico = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata:\n  name: x\n  namespace: a\nspec: {}\n";
    let c = load(&[antrea, calico]).unwrap();
    assert_eq!(c.skipped.len(), 2);
    assert!(c.policies.is_empty());
}

#[test]
fn cnp16_a_peer_of_a_newer_version_fails_closed() {
    // CNP-16: no known field: a Deny rule denies everything, an Accept rule
    // matches nothing through that peer; both said in a warning.
    let deny = format!(
        "{SUBJECT_ALL}  egress:\n  - action: Deny\n    to:\n    - futurePeer: {{foo: bar}}\n"
    );
    let w = world(&[cnp("future", "Admin", 1, &deny)]);
    assert_eq!(w.pp("a/web", "b/api"), "No Connections");
    assert_eq!(w.to_ip("a/web", "8.8.8.8"), "No Connections");
    assert!(w
        .c
        .warnings
        .iter()
        .any(|x| x.contains("failing closed as CNP-16 says")));
    let accept = format!(
        "{SUBJECT_ALL}  egress:\n  - action: Accept\n    to:\n    - futurePeer: {{foo: bar}}\n  - action: Deny\n    to:\n    - namespaces: {{matchLabels: {{tenant: b}}}}\n"
    );
    let w = world(&[cnp("future", "Admin", 1, &accept)]);
    assert_eq!(w.pp("a/web", "b/api"), "No Connections");
    assert_eq!(w.pp("a/web", "dns/coredns"), "All Connections");
}

#[test]
fn cnp4_a_tie_with_pass_that_leads_to_the_same_verdict_is_not_ambiguous() {
    // CNP-4, CNP-6: Pass and Accept at one priority, and nothing below:
    // either way allowed; explain says so instead of "ambiguous".
    let accept =
        format!("{SUBJECT_ALL}  ingress:\n  - action: Accept\n    from:\n    - namespaces: {{}}\n");
    let pass =
        format!("{SUBJECT_ALL}  ingress:\n  - action: Pass\n    from:\n    - namespaces: {{}}\n");
    let w = world(&[
        cnp("accept", "Admin", 5, &accept),
        cnp("pass", "Admin", 5, &pass),
    ]);
    assert_eq!(w.pp("a/web", "b/api"), "All Connections");
    assert_eq!(w.ambiguous("a/web", "b/api"), "No Connections");
    let e = w.explain("a/web", "b/api");
    let r = e.segments[0].reasons.join(" | ");
    assert!(!r.contains("ambiguous"), "{r}");
    assert!(
        r.contains("ClusterNetworkPolicy accept ingress[0] (priority 5): Accept or ClusterNetworkPolicy pass ingress[0] (priority 5): Pass (equal priorities, either may apply; both lead to this verdict, CNP-4)"),
        "{r}"
    );
}
