//! CLI behaviour: commands, formats, exit codes, error messages.

use assert_cmd::Command;
use predicates::prelude::*;

fn bin() -> Command {
    Command::cargo_bin("blastradius").unwrap()
}

const SMALL: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: prod, labels: {app: web}}
spec: {containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: prod, labels: {app: client}}
spec: {containers: [{name: c, image: curl}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-allow-client, namespace: prod}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: client}}}]
    ports: [{port: http}]
"#;

#[test]
fn reach_connlist_from_stdin() {
    bin()
        .args(["reach", "-", "-o", "connlist"])
        .write_stdin(SMALL)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "prod/client[Pod] => prod/web[Pod] : TCP 8080\n",
        ))
        // web is isolated for ingress: nothing from outside.
        .stdout(predicate::str::contains("[External] => prod/web[Pod]").not())
        .stdout(predicate::str::contains(
            "0.0.0.0-255.255.255.255[External] => prod/client[Pod] : All Connections",
        ));
}

#[test]
fn reach_text_json_csv_md_dot() {
    let out = bin()
        .args(["reach", "-"])
        .write_stdin(SMALL)
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("SOURCE"), "{text}");
    assert!(text.contains("1 namespace, 2 pods"), "{text}");

    let out = bin()
        .args(["reach", "-", "-o", "json"])
        .write_stdin(SMALL)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["schema"], "blastradius.reach/v1");
    let conns = v["connections"].as_array().unwrap();
    let c = conns
        .iter()
        .find(|c| c["src"] == "prod/client[Pod]" && c["dst"] == "prod/web[Pod]")
        .unwrap();
    assert_eq!(c["conn"], "TCP 8080");
    assert_eq!(c["ports"]["TCP"], serde_json::json!([[8080, 8080]]));

    bin()
        .args(["reach", "-", "-o", "csv"])
        .write_stdin(SMALL)
        .assert()
        .success()
        .stdout(predicate::str::starts_with("src,dst,conn\n"))
        .stdout(predicate::str::contains(
            "prod/client[Pod],prod/web[Pod],TCP 8080\n",
        ));
    bin()
        .args(["reach", "-", "-o", "md"])
        .write_stdin(SMALL)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "| prod/client[Pod] | prod/web[Pod] | TCP 8080 |",
        ));
    bin()
        .args(["reach", "-", "-o", "dot"])
        .write_stdin(SMALL)
        .assert()
        .success()
        .stdout(predicate::str::starts_with("digraph {"))
        .stdout(predicate::str::contains(
            "\"prod/client[Pod]\" -> \"prod/web[Pod]\" [label=\"TCP 8080\"",
        ));
}

#[test]
fn reach_is_deterministic() {
    for fmt in ["text", "json", "csv", "md", "dot", "connlist"] {
        let a = bin()
            .args(["reach", "scenarios/shop", "-o", fmt])
            .output()
            .unwrap();
        let b = bin()
            .args(["reach", "scenarios/shop", "-o", fmt])
            .output()
            .unwrap();
        assert!(a.status.success());
        assert_eq!(a.stdout, b.stdout, "format {fmt} differs between runs");
    }
}

#[test]
fn explain_allowed_and_denied() {
    bin()
        .args([
            "explain",
            "-",
            "--from",
            "prod/client",
            "--to",
            "prod/web",
            "--port",
            "8080/TCP,80/TCP",
        ])
        .write_stdin(SMALL)
        .assert()
        .success()
        .stdout(predicate::str::contains("TCP 8080: ALLOWED"))
        .stdout(predicate::str::contains(
            "ingress allowed by prod/web-allow-client ingress[0].from[0]",
        ))
        .stdout(predicate::str::contains("TCP 80: DENIED"))
        .stdout(predicate::str::contains(
            "ingress of prod/web is isolated by prod/web-allow-client and no rule allows it",
        ));
    // From an IP: only the destination's ingress counts.
    bin()
        .args([
            "explain",
            "-",
            "--from",
            "203.0.113.9",
            "--to",
            "prod/web",
            "-o",
            "json",
        ])
        .write_stdin(SMALL)
        .assert()
        .success()
        .stdout(predicate::str::contains("\"allowed\": \"No Connections\""));
}

#[test]
fn explain_unknown_endpoint_is_exit_2() {
    bin()
        .args(["explain", "-", "--from", "prod/nope", "--to", "prod/web"])
        .write_stdin(SMALL)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--from: no pod or workload `prod/nope`",
        ));
}

/// `client` may reach `*.example.com` on TCP 443 unless the name resolves
/// into 10.0.0.0/8 (CNP-12).
fn named_exit() -> String {
    format!(
        "{SMALL}---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {{name: exits}}
spec:
  tier: Admin
  priority: 5
  subject: {{pods: {{namespaceSelector: {{}}, podSelector: {{matchLabels: {{app: client}}}}}}}}
  egress:
  - {{action: Deny, to: [{{networks: [10.0.0.0/8]}}]}}
  - action: Accept
    to: [{{domainNames: ['*.Example.com']}}]
    protocols: [{{tcp: {{destinationPort: {{number: 443}}}}}}]
  - {{action: Deny, to: [{{networks: [0.0.0.0/0]}}]}}
"
    )
}

#[test]
fn named_destinations_in_reach_explain_and_their_errors() {
    // CNP-12: listed as `dns:<name>`, ambiguous where resolution decides.
    bin()
        .args(["reach", "-", "-o", "connlist"])
        .write_stdin(named_exit())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "prod/client[Pod] => dns:*.example.com : TCP 443",
        ));
    bin()
        .args([
            "explain",
            "-",
            "--from",
            "prod/client",
            "--to",
            "dns:*.example.com",
            "-o",
            "json",
        ])
        .write_stdin(named_exit())
        .assert()
        .success()
        .stdout(predicate::str::contains("\"to\": \"dns:*.example.com\""))
        .stdout(predicate::str::contains("\"resolutions\""))
        .stdout(predicate::str::contains("\"ambiguous\": \"TCP 443\""));
    // `-n` does not prefix a name; a name is never a source.
    bin()
        .args([
            "explain",
            "-",
            "-n",
            "prod",
            "--from",
            "client",
            "--to",
            "dns:api.example.com",
            "--port",
            "443",
        ])
        .write_stdin(named_exit())
        .assert()
        .success()
        .stdout(predicate::str::contains("TCP 443: ALLOWED"));
    bin()
        .args([
            "explain",
            "-",
            "--from",
            "dns:api.example.com",
            "--to",
            "prod/web",
        ])
        .write_stdin(named_exit())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "a named destination is only ever a destination",
        ));
    bin()
        .args([
            "explain",
            "-",
            "--from",
            "prod/client",
            "--to",
            "dns:www.*.io",
        ])
        .write_stdin(named_exit())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a domain name"));
}

#[test]
fn invalid_policy_names_file_document_and_path() {
    let bad = format!(
        "{SMALL}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: bad}}\nspec:\n  podSelector: {{}}\n  ingress:\n  - ports: [{{port: 30000, endPort: 20000}}]\n"
    );
    bin()
        .args(["reach", "-"])
        .write_stdin(bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "<stdin>: document 4 (NetworkPolicy bad): spec.ingress[0].ports[0].endPort",
        ))
        .stderr(predicate::str::contains(
            "must be greater than or equal to `port`",
        ));
}

#[test]
fn yaml_syntax_error_refuses_whole_input() {
    bin()
        .args(["reach", "-"])
        .write_stdin(format!("{SMALL}---\nkind: Pod\nmetadata: [unclosed\n"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid YAML"))
        .stdout(predicate::str::is_empty());
}

#[test]
fn wrong_type_names_field_path() {
    let bad = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {matchLabels: {enabled: true}}\n";
    bin()
        .args(["reach", "-"])
        .write_stdin(bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "spec.podSelector.matchLabels.enabled",
        ))
        .stderr(predicate::str::contains("quote"));
}

#[test]
fn missing_path_and_usage_errors_are_exit_2() {
    bin()
        .args(["reach", "does/not/exist"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does/not/exist: cannot read"));
    bin().args(["reach"]).assert().code(2);
    bin().args(["frobnicate"]).assert().code(2);
}

#[test]
fn verbose_lists_skipped_kinds() {
    bin()
        .args(["reach", "scenarios/shop", "-v"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "skipped 4 objects: ConfigMap 2, Service 2",
        ));
}

#[test]
fn unknown_fields_warn_and_strict_refuses() {
    let typo = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelecter: {matchLabels: {app: db}}\n  ingress:\n  - from: [{podSelector: {}}]\n    prts: [{port: 80}]\n";
    bin()
        .args(["reach", "-"])
        .write_stdin(typo)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "spec.podSelecter: unknown field `podSelecter` (did you mean `podSelector`?)",
        ))
        .stderr(predicate::str::contains(
            "spec.ingress[0].prts: unknown field `prts` (did you mean `ports`?)",
        ));
    bin()
        .args(["reach", "-", "--strict"])
        .write_stdin(typo)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "document 1 (NetworkPolicy p): spec.podSelecter: unknown field",
        ));
}

#[test]
fn empty_input_is_refused_unless_allowed() {
    bin()
        .args(["reach", "-", "-o", "connlist"])
        .write_stdin("")
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "no Kubernetes objects in the input",
        ));
}

#[test]
fn audit_formats_and_gate() {
    bin()
        .args(["audit", "scenarios/shop"])
        .assert()
        .success()
        .stdout(predicate::str::contains("BR009 [low]"))
        .stdout(predicate::str::contains("data/db ingress[0]"));
    bin()
        .args(["audit", "scenarios/shop", "--fail-on-severity", "high"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("gate failed"));
    // Only low findings kept, gate on high: nothing high is listed, but the
    // gate looks at what is listed.
    bin()
        .args([
            "audit",
            "scenarios/shop",
            "--min-severity",
            "high",
            "-o",
            "json",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"severity\": \"high\""))
        .stdout(predicate::str::contains("\"severity\": \"low\"").not());
    let out = bin()
        .args(["audit", "scenarios/shop", "-o", "sarif"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    // A clean input passes the gate.
    bin()
        .args(["audit", "-", "--fail-on-severity", "low"])
        .write_stdin("apiVersion: v1\nkind: Namespace\nmetadata: {name: empty}\n")
        .assert()
        .code(0);
}

#[test]
fn bom_nested_lists_and_json_streams_are_read() {
    // A UTF-8 byte-order mark is skipped, as kubectl does.
    bin()
        .args(["reach", "-", "-o", "connlist"])
        .write_stdin(format!("\u{feff}{SMALL}"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "prod/client[Pod] => prod/web[Pod] : TCP 8080",
        ));
    // A NetworkPolicyList inside a List is expanded, not dropped.
    let nested = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicyList\n  items:\n  - metadata: {name: deny, namespace: prod}\n    spec: {podSelector: {}}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: web, namespace: prod}\n  spec: {containers: [{name: c, image: x}]}\n";
    bin()
        .args(["reach", "-", "-o", "connlist"])
        .write_stdin(nested)
        .assert()
        .success()
        .stdout(predicate::str::contains("[External] => prod/web").not());
    // Several JSON objects in one .json file.
    let dir = std::env::temp_dir().join(format!("blastradius-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("two.json");
    std::fs::write(
        &f,
        r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"x"},"spec":{"containers":[{"name":"c","image":"i"}]}}
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"b","namespace":"x"},"spec":{"containers":[{"name":"c","image":"i"}]}}"#,
    )
    .unwrap();
    bin()
        .args(["reach", "-o", "connlist"])
        .arg(&f)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "x/a[Pod] => x/b[Pod] : All Connections",
        ));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Found by the fuzzer: a workload with `replicas: 0` whose class reaches
/// itself made the --all ranking subtract past zero (debug builds panicked).
#[test]
fn fuzz_zero_replicas_self_reaching_class() {
    let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\nspec:\n  replicas: 0\n  selector:\n    matchLabels:\n      app: w\n  template:\n    metadata:\n      labels:\n        app: w\n";
    for args in [
        vec!["simulate", "-", "--all"],
        vec!["chokepoints", "-"],
        vec!["reach", "-"],
    ] {
        bin().args(&args).write_stdin(yaml).assert().success();
    }
}

/// Pods of one owner with different labels (a label gap): the workload's
/// rows towards external ranges are the union over its pods, like its rows
/// towards other workloads.
#[test]
fn label_gap_union_includes_external_ranges() {
    let owner = "ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: rs, uid: u, controller: true}]";
    let yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p1, namespace: x, labels: {{app: b}}, {owner}}}\nspec: {{containers: [{{name: c, image: i}}]}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p2, namespace: x, labels: {{app: a}}, {owner}}}\nspec: {{containers: [{{name: c, image: i}}]}}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: deny, namespace: x}}\nspec: {{podSelector: {{}}, policyTypes: [Ingress]}}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: web, namespace: x}}\nspec: {{podSelector: {{matchLabels: {{app: a}}}}, ingress: [{{from: [{{ipBlock: {{cidr: 0.0.0.0/0}}}}], ports: [{{port: 80}}]}}]}}\n"
    );
    bin()
        .args(["reach", "-", "-o", "connlist"])
        .write_stdin(yaml)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "0.0.0.0-255.255.255.255[External] => x/rs[ReplicaSet] : TCP 80",
        ))
        .stderr(predicate::str::contains(
            "pods of x/rs[ReplicaSet] have different labels",
        ));
}

#[test]
fn explain_json_names_its_schema_first() {
    bin()
        .args([
            "explain",
            "-",
            "--from",
            "prod/client",
            "--to",
            "prod/web",
            "-o",
            "json",
        ])
        .write_stdin(SMALL)
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "{\n  \"schema\": \"blastradius.explain/v1\",\n  \"from\": \"prod/client[Pod]\",\n",
        ));
}

#[test]
fn monte_carlo_markdown_is_a_usage_error() {
    bin()
        .args([
            "simulate",
            "-",
            "--from",
            "prod/client",
            "--model",
            "monte-carlo",
            "--trials",
            "10",
            "-o",
            "md",
        ])
        .write_stdin(SMALL)
        .assert()
        .code(2)
        .stdout("")
        .stderr("error: simulate --model monte-carlo cannot write -o md; choose text or json\n");
    // Text and JSON still work.
    bin()
        .args([
            "simulate",
            "-",
            "--from",
            "prod/client",
            "--model",
            "monte-carlo",
            "--trials",
            "10",
            "-o",
            "json",
        ])
        .write_stdin(SMALL)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "\"schema\": \"blastradius.montecarlo/v1\"",
        ));
}

#[test]
fn diff_out_without_svg_is_a_usage_error() {
    let dir = std::env::temp_dir().join(format!("br-cli-diff-out-{}", std::process::id()));
    let f = dir.join("a.yaml");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(&f, SMALL).unwrap();
    bin()
        .args(["diff"])
        .arg(&f)
        .arg(&f)
        .args(["-o", "text", "--out"])
        .arg(dir.join("charts"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "error: --out is the folder of -o svg's charts",
        ));
    assert!(!dir.join("charts").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `synth --out` never overwrites, and a dangling link counts as a file: it
/// is refused, and nothing is created where the link points.
#[cfg(unix)]
#[test]
fn synth_refuses_a_dangling_link_in_place_of_its_file() {
    let dir = std::env::temp_dir().join(format!("br-cli-synth-link-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("elsewhere.yaml");
    std::os::unix::fs::symlink(&target, dir.join("cluster.yaml")).unwrap();
    bin()
        .args(["synth", "--pods", "10", "--out"])
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("synth never overwrites a file"));
    assert!(!target.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A pod of a Deployment as `kubectl get pods -o yaml` prints it: owned by
/// a ReplicaSet `<deployment>-<pod-template-hash>` that is not in the input.
const LIVE_POD: &str = r#"
apiVersion: v1
kind: Pod
metadata:
  name: web-7c9d8f6b5-x2x9k
  namespace: prod
  labels: {app: web, pod-template-hash: 7c9d8f6b5}
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: web-7c9d8f6b5, uid: 1b2c, controller: true, blockOwnerDeletion: true}
spec: {containers: [{name: c, image: nginx}]}
status: {phase: Running, podIP: 10.244.0.7, podIPs: [{ip: 10.244.0.7}]}
"#;

#[test]
fn live_pods_are_named_by_their_deployment_unless_compat_np_guard() {
    bin()
        .args(["reach", "-", "-o", "connlist"])
        .write_stdin(LIVE_POD)
        .assert()
        .success()
        .stdout(predicate::str::contains("prod/web[Deployment]"))
        .stdout(predicate::str::contains("ReplicaSet").not());
    // np-guard keeps the ReplicaSet's name; --compat sets its other
    // choices too (here: ipBlocks never match pods, so no IP-split class).
    bin()
        .args(["reach", "-", "-o", "connlist", "--compat", "np-guard"])
        .write_stdin(LIVE_POD)
        .assert()
        .success()
        .stdout(predicate::str::contains("prod/web-7c9d8f6b5[ReplicaSet]"));
}

#[test]
fn quiet_is_accepted_before_and_after_the_command_and_stderr_stays_clean() {
    // The progress line needs a terminal; here stderr is a pipe, so -q or
    // not, nothing but results is written.
    for args in [&["-q", "reach", "-"][..], &["reach", "-", "--quiet"][..]] {
        bin()
            .args(args)
            .write_stdin(SMALL)
            .assert()
            .success()
            .stderr("")
            .stdout(predicate::str::contains("prod/client[Pod]"));
    }
}

#[test]
fn reach_level_namespace_lists_namespaces_and_their_own_traffic() {
    // SMALL: client -> web on 8080 inside `prod`; at namespace level that is
    // one line from prod to itself (SEM-47 only drops a pod to itself).
    let out = bin()
        .args(["reach", "-", "-o", "json", "--level", "namespace"])
        .write_stdin(SMALL)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["level"], "namespace");
    let names: Vec<&str> = v["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["prod[Namespace]"]);
    let conns = v["connections"].as_array().unwrap();
    assert!(
        conns
            .iter()
            .any(|c| c["src"] == "prod[Namespace]" && c["dst"] == "prod[Namespace]"),
        "{conns:?}"
    );
}
