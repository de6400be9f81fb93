//! ../shared/reference: the 18 NetworkPolicy recipes and Online Boutique,
//! every row of every expected.tsv (self rows are always allowed, SEM-47).

mod common;

use blastradius::engine::reach::{ReachOptions, Reachability};
use blastradius::input::{load_paths, LoadOptions};
use blastradius::model::ports::Protocol;
use blastradius::model::Cluster;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

enum End {
    Pod(usize),
    Ip(IpAddr),
}

fn end(cluster: &Cluster, s: &str) -> End {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return End::Ip(ip);
    }
    let pods = cluster.find_pods(s).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pods.len(), 1, "{s} names one pod");
    End::Pod(pods[0])
}

/// Check every row; returns (rows, denied).
fn check_scenario(name: &str, paths: &[PathBuf], expected: &Path) -> (usize, usize) {
    let cluster =
        load_paths(paths, &LoadOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let reach = Reachability::compile(&cluster, &ReachOptions::default());
    let rows = common::read_tsv(expected);
    let mut denied = 0;
    let mut wrong = Vec::new();
    for r in &rows {
        let port: u16 = r["port"].parse().unwrap();
        let proto = Protocol::parse(&r["protocol"]).unwrap();
        let want = r["allowed"] == "1";
        if !want {
            denied += 1;
        }
        let got = match (end(&cluster, &r["src"]), end(&cluster, &r["dst"])) {
            (End::Pod(s), End::Pod(d)) => reach.pod_to_pod(s, d).contains(proto, port),
            (End::Ip(ip), End::Pod(d)) => reach.ip_to_pod(ip, d).contains(proto, port),
            (End::Pod(s), End::Ip(ip)) => reach.pod_to_ip(s, ip).contains(proto, port),
            (End::Ip(_), End::Ip(_)) => panic!("{name}: IP to IP is out of scope (SEM-9)"),
        };
        if got != want {
            wrong.push(format!(
                "{} -> {} {}/{}: expected {}, got {}",
                r["src"], r["dst"], port, r["protocol"], want as u8, got as u8
            ));
        }
    }
    assert!(wrong.is_empty(), "{name}:\n{}", wrong.join("\n"));
    (rows.len(), denied)
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    v
}

#[test]
fn recipes_all_rows() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let base = shared.join("reference/recipes");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&base)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.tsv").is_file())
        .collect();
    dirs.sort();
    let (mut rows, mut denied) = (0, 0);
    for d in &dirs {
        let name = d.file_name().unwrap().to_string_lossy().to_string();
        let (r, n) = check_scenario(&name, &yaml_files(d), &d.join("expected.tsv"));
        rows += r;
        denied += n;
    }
    println!(
        "recipes: {} scenarios, {rows} rows, {denied} denied, all match",
        dirs.len()
    );
    // The README's totals: 18 scenarios, 511 rows, 95 denied.
    assert_eq!((dirs.len(), rows, denied), (18, 511, 95));
}

#[test]
fn online_boutique_all_rows() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let base = shared.join("reference/microservices-demo");
    let (rows, denied) = check_scenario(
        "microservices-demo",
        &[
            base.join("kubernetes-manifests.yaml"),
            base.join("network-policies"),
        ],
        &base.join("expected.tsv"),
    );
    assert_eq!((rows, denied), (1344, 1041));
}
