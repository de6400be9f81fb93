//! YAML read the way kubectl reads it: sigs.k8s.io/yaml converts YAML to
//! JSON with go-yaml v2 (YAML 1.1) before the API server sees it, and the
//! API server decodes that JSON with Go's `encoding/json`. Every rule here
//! holds on every input path: the general YAML decoder, the parallel
//! many-document path, the parallel `kind: List` item path (64 items or
//! more), and JSON (single objects and Lists, whose Pods take the lean
//! fast path). The refusals live in `tests/bad_inputs/` (122..128).

use assert_cmd::Command;
use blastradius::input::{load_str, load_text, LoadOptions};
use blastradius::model::policy::PortRef;
use blastradius::model::ports::Protocol;
use blastradius::model::Cluster;

fn load(text: &str) -> Cluster {
    load_str("t.yaml", text, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn refused(name: &str, text: &str) -> String {
    match load_text(name, text, name.ends_with(".json"), &LoadOptions::default()) {
        Ok(_) => panic!("{name} was accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn pod(name: &str, labels: &str, ports: &str) -> String {
    format!("---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: shop\n  labels: {labels}\nspec:\n  containers:\n  - name: c\n    ports: {ports}\n")
}

/// The same pod `n` times as items of one block `kind: List` (the
/// parallel item path from 64 items), or as `n` documents.
fn many(n: usize, labels: &str, as_list: bool) -> String {
    let mut y = String::new();
    if as_list {
        y += "apiVersion: v1\nkind: List\nitems:\n";
        for i in 0..n {
            y += &format!("- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p{i}\n    namespace: shop\n    labels: {labels}\n  spec:\n    containers: []\n");
        }
    } else {
        for i in 0..n {
            y += &pod(&format!("p{i}"), labels, "[]");
        }
    }
    y
}

#[test]
fn yes_no_on_off_are_booleans_on_every_yaml_path_go_yaml_v2_resolve() {
    // go-yaml v2 resolve.go: `yes` is `true`; the API server refuses a
    // boolean label value (ObjectMeta.Labels is map[string]string).
    for text in [
        pod("web", "{app: yes}", "[]"),
        many(80, "{app: On}", true),
        many(80, "{app: n}", false),
    ] {
        let e = refused("t.yaml", &text);
        assert!(
            e.contains("metadata.labels.app: invalid type: boolean"),
            "{e}"
        );
        assert!(e.contains("kubectl reads YAML 1.1"), "{e}");
    }
    // Quoted, they are strings, as for kubectl.
    let c = load(&pod("web", "{app: \"yes\", tier: 'off'}", "[]"));
    assert_eq!(c.pods[0].labels.get("app").map(String::as_str), Some("yes"));
    assert_eq!(
        c.pods[0].labels.get("tier").map(String::as_str),
        Some("off")
    );
    let c = load(&many(80, "{app: 'on'}", true));
    assert!(c
        .pods
        .iter()
        .all(|p| p.labels.get("app").map(String::as_str) == Some("on")));
}

#[test]
fn octal_and_underscore_ports_go_parse_int_base_0() {
    // go-yaml v2 resolve.go: `_` removed, then strconv.ParseInt(s, 0, 64):
    // `0443` is octal 291, `8_0` is 80, `0x50` is 80; `1e3` is a float that
    // Go's JSON encoder writes as 1000.
    let text = pod(
        "web",
        "{app: web}",
        "[{containerPort: 0443}, {containerPort: 8_0, name: http}, {containerPort: 1e3, protocol: UDP}]",
    ) + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector: {}\n  ingress:\n  - ports: [{port: 8_0}, {port: 0x50, endPort: 0o120}]\n";
    let c = load(&text);
    let ports: Vec<_> = c.pods[0]
        .ports
        .iter()
        .map(|p| (p.port, p.protocol))
        .collect();
    assert_eq!(
        ports,
        [
            (291, Protocol::Tcp),
            (80, Protocol::Tcp),
            (1000, Protocol::Udp)
        ]
    );
    let rule = &c.policies[0].ingress.as_ref().unwrap()[0];
    let ports: Vec<_> = rule
        .ports
        .iter()
        .flatten()
        .map(|p| p.port.clone())
        .collect();
    assert_eq!(ports, [PortRef::Range(80, 80), PortRef::Range(80, 80)]);
}

#[test]
fn merge_keys_are_merged_go_yaml_v2_decode_merge() {
    // A Deployment whose template labels merge an anchored map: the
    // selector must match them (it would be refused otherwise), and a key
    // after `<<` overrides the merged one.
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n  labels: &common {app: web, tier: front}\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      <<: *common\n  template:\n    metadata:\n      labels:\n        <<: [*common, {team: a}]\n        tier: front\n    spec: {containers: []}\n";
    let c = load(text);
    assert_eq!(c.pods.len(), 1);
    let labels: Vec<_> = c.pods[0]
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    assert_eq!(labels, ["app=web", "team=a", "tier=front"]);
}

#[test]
fn binary_labels_are_decoded_so_explain_allows_what_the_policy_allows() {
    // go-yaml v2 decode.go scalar: `!!binary` is base64-decoded, so the
    // client's label is `client` and the policy admits it; read literally it
    // was `Y2xpZW50` and explain said DENIED.
    let text = pod("client", "{app: !!binary Y2xpZW50}", "[]")
        + &pod("db", "{app: db}", "[{containerPort: 5432}]")
        + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db-in, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: client}}}]\n";
    let c = load(&text);
    assert_eq!(
        c.pods[0].labels.get("app").map(String::as_str),
        Some("client")
    );
    let dir = tempdir();
    let file = dir.join("binary.yaml");
    std::fs::write(&file, &text).unwrap();
    let out = Command::cargo_bin("blastradius")
        .unwrap()
        .args([
            "explain",
            file.to_str().unwrap(),
            "--from",
            "shop/client",
            "--to",
            "shop/db",
            "--port",
            "5432/TCP",
        ])
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("TCP 5432: ALLOWED"), "{stdout}");
}

#[test]
fn null_label_values_are_empty_strings_go_encoding_json() {
    // sigs.k8s.io/yaml turns YAML null into JSON null; Go's encoding/json
    // leaves "" for a null in a map[string]string. Same in JSON, on the
    // general path (a Deployment, matchLabels) and the lean Pod path.
    let text = pod("web", "{app: web, canary: }", "[]")
        + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api, canary: ~}}\n  template:\n    metadata: {labels: {app: api, canary: null}}\n    spec: {containers: []}\n";
    let c = load(&text);
    for p in &c.pods {
        assert_eq!(
            p.labels.get("canary").map(String::as_str),
            Some(""),
            "{}",
            p.name
        );
    }
    let json = r#"{"apiVersion": "v1", "kind": "List", "items": [
      {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "shop", "labels": {"canary": null}}, "spec": {"containers": []}}]}"#;
    let c = load_text("t.json", json, true, &LoadOptions::default()).unwrap();
    assert_eq!(c.pods[0].labels.get("canary").map(String::as_str), Some(""));
}

#[test]
fn an_empty_container_port_protocol_is_tcp_set_defaults_container_port() {
    // SetDefaults_ContainerPort: Protocol "" becomes TCP.
    let c = load(&pod(
        "web",
        "{app: web}",
        "[{containerPort: 80, protocol: ''}]",
    ));
    assert_eq!(c.pods[0].ports[0].protocol, Protocol::Tcp);
}

#[test]
fn duplicate_keys_are_refused_on_every_path() {
    // YAML mappings, JSON objects alone or as List items (the lean Pod fast
    // path), a duplicate inside a field the lean types skip, a List's own
    // metadata: all refused, never "the last one wins".
    let dup_label = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "shop", "labels": {"app": "x", "app": "y"}}, "spec": {"containers": []}}"#;
    let dup_skipped = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "shop", "managedFields": [{"manager": "m", "manager": "n"}]}, "spec": {"containers": []}}"#;
    let list = |item: &str| format!(r#"{{"apiVersion": "v1", "kind": "List", "items": [{item}]}}"#);
    let cases = [
        ("t.yaml", pod("web", "{app: x, app: y}", "[]")),
        ("t.yaml", many(80, "{app: x, app: y}", true)),
        ("t.json", dup_label.to_string()),
        ("t.json", list(dup_label)),
        ("t.json", list(dup_skipped)),
        ("t.json", format!("{dup_label}\n{dup_label}")),
        (
            "t.json",
            r#"{"apiVersion": "v1", "kind": "List", "metadata": {"a": 1, "a": 2}, "items": []}"#
                .to_string(),
        ),
    ];
    for (name, text) in &cases {
        let e = refused(name, text);
        assert!(
            e.contains("duplicate entry with key"),
            "{name}: {e}\n{text}"
        );
    }
}

#[test]
fn two_ports_with_one_name_are_refused_validate_container_ports() {
    let e = refused(
        "t.yaml",
        &pod(
            "web",
            "{app: web}",
            "[{name: http, containerPort: 80}, {name: http, containerPort: 81}]",
        ),
    );
    assert!(
        e.contains("spec.containers[0].ports[1].name: Duplicate value: \"http\""),
        "{e}"
    );
    // One name in two containers is allowed (the check is per container).
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  containers:\n  - {name: a, ports: [{name: http, containerPort: 80}]}\n  - {name: b, ports: [{name: http, containerPort: 81}]}\n";
    assert_eq!(load(text).pods[0].ports.len(), 2);
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("blastradius-kubectl-yaml-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
