//! Charts, the report folder, the README chart under docs/, and the HTML
//! page in a headless browser (when Chromium is installed).

mod common;

use assert_cmd::Command;
use blastradius::output::attack_graph::text_width;
use std::path::{Path, PathBuf};

fn bin() -> Command {
    Command::cargo_bin("blastradius").unwrap()
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("blastradius-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn svg(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every text element's content, trimmed.
fn texts(doc: &roxmltree::Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

fn report(dir: &Path) {
    bin()
        .args(["report", "scenarios/shop", "--target", "tier=data", "--out"])
        .arg(dir)
        .assert()
        .success();
}

#[test]
fn report_writes_every_file_and_charts_are_well_formed() {
    let dir = tmpdir("report");
    report(&dir);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "attack-graph.svg",
            "chokepoints.svg",
            "hop-by-namespace.svg",
            "index.html",
            "namespace-matrix.svg",
            "pod-matrix.svg",
            "ranking.svg",
            "reach-by-hop.svg",
            "report.json",
            "spread.svg",
            "summary.md"
        ]
    );

    // ranking.svg: one bar per workload (9 in the shop), largest first.
    let s = svg(&dir.join("ranking.svg"));
    let doc = roxmltree::Document::parse(&s).unwrap();
    assert_eq!(doc.root_element().attribute("width"), Some("800"));
    let t = texts(&doc);
    assert!(
        t.contains(&"shop: top 9 workloads by blast radius".to_string()),
        "{t:?}"
    );
    assert!(
        t.iter()
            .any(|x| x.starts_with("pods compromised (blast radius")),
        "x axis label"
    );
    let bars: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some("#0072B2"))
        .collect();
    assert_eq!(bars.len(), 9, "one bar per workload");
    let widths: Vec<f64> = bars
        .iter()
        .map(|b| b.attribute("width").unwrap().parse().unwrap())
        .collect();
    assert!(
        widths.windows(2).all(|w| w[0] >= w[1]),
        "bars sorted, largest first: {widths:?}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    let top = json["ranking"][0]["workload"].as_str().unwrap();
    assert!(
        t.contains(&top.to_string()),
        "the top workload {top} is labelled"
    );

    // reach-by-hop.svg: title, both axes, a legend entry per starting point.
    let s = svg(&dir.join("reach-by-hop.svg"));
    let doc = roxmltree::Document::parse(&s).unwrap();
    let t = texts(&doc);
    assert!(t.contains(&"shop: pods compromised per hop".to_string()));
    assert!(t.contains(&"% of cluster pods".to_string()));
    assert!(t.iter().any(|x| x.starts_with("hop (")));
    for sim in json["simulations"].as_array().unwrap() {
        let start = sim["start"].as_str().unwrap();
        assert!(
            t.contains(&start.to_string()) || t.contains(&format!("{start} (same curve)")),
            "legend entry for {start}"
        );
    }
    assert!(t.contains(&"tier=data".to_string()), "crown jewel marked");
    assert!(
        doc.descendants().any(|n| n.has_tag_name("polyline")),
        "lines drawn"
    );

    // namespace-matrix.svg: n x n cells with printed values.
    let s = svg(&dir.join("namespace-matrix.svg"));
    let doc = roxmltree::Document::parse(&s).unwrap();
    let t = texts(&doc);
    let values = t.iter().filter(|x| x.ends_with('%')).count();
    assert_eq!(
        values,
        16 + 1,
        "4 namespaces -> 16 cells with values, and the scale's 50%: {t:?}"
    );

    // hop-by-namespace.svg: a legend entry per namespace reached.
    let s = svg(&dir.join("hop-by-namespace.svg"));
    let doc = roxmltree::Document::parse(&s).unwrap();
    let t = texts(&doc);
    for ns in ["data", "kube-system", "monitoring", "shop"] {
        assert!(
            t.iter().any(|x| x.starts_with(&format!("{ns} ("))),
            "legend has {ns}: {t:?}"
        );
    }

    // index.html is self-contained: inline SVGs, no external references.
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 8);
    assert!(html.contains("Who reaches whom from shop/frontend[Deployment], hop by hop"));

    // spread.svg: the p10-p90 band and the median and mean lines.
    let s = svg(&dir.join("spread.svg"));
    let doc = roxmltree::Document::parse(&s).unwrap();
    let t = texts(&doc);
    assert!(
        t.iter()
            .any(|x| x.starts_with("shop: probabilistic spread from")),
        "{t:?}"
    );
    for l in ["p10 to p90", "median", "mean"] {
        assert!(t.contains(&l.to_string()), "legend {l}");
    }
    assert!(
        doc.descendants().any(|n| n.has_tag_name("polygon")),
        "the band is drawn"
    );
    // chokepoints.svg: one bar per listed edge, as in report.json.
    let s = svg(&dir.join("chokepoints.svg"));
    let doc = roxmltree::Document::parse(&s).unwrap();
    let bars = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some("#0072B2"))
        .count();
    assert_eq!(bars, json["chokepoints"]["top"].as_array().unwrap().len());
    assert!(bars > 0);
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
    assert!(html.contains("Worst case: compromising"));
    let md = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(md.starts_with("# Blast radius report: shop"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// summary.md's tables have every cell filled: a hop that only adds more
/// pods of a workload already reached says so ("more pods of …"), a step
/// to the start's own replica says "its other replica" (never `a -[any]-> a`),
/// and exfiltration reads as CIDRs merged per source (issue 15).
#[test]
fn summary_tables_have_no_empty_cell_and_no_self_step() {
    let dir = tmpdir("summary-cells");
    report(&dir);
    let md = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    assert!(rows.len() > 10, "{md}");
    for row in &rows {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        assert!(cells.iter().all(|c| !c.is_empty()), "empty cell in {row:?}");
    }
    assert!(
        md.contains("more pods of `kube-system/coredns[Deployment]`"),
        "{md}"
    );
    assert!(
        md.contains("`kube-system/coredns → its other replica (any)`"),
        "{md}"
    );
    for l in md.lines() {
        if let Some((a, b)) = l.split_once(" -[any]-> ") {
            let first = a.rsplit(['`', ' ']).next().unwrap();
            assert!(!b.starts_with(first), "self step in {l:?}");
        }
    }
    assert!(md.contains("| 0.0.0.0/0 (every IPv4 address) | 1 | `kube-system/coredns[Deployment]` | All Connections |"), "{md}");
    assert!(!md.contains("0.0.0.0-9.255.255.255"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn report_is_byte_identical_across_runs() {
    let (a, b) = (tmpdir("det-a"), tmpdir("det-b"));
    report(&a);
    report(&b);
    for e in std::fs::read_dir(&a).unwrap() {
        let name = e.unwrap().file_name();
        let x = std::fs::read(a.join(&name)).unwrap();
        let y = std::fs::read(b.join(&name)).unwrap();
        assert!(x == y, "{name:?} differs between runs");
    }
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn report_refuses_a_file_as_output_folder() {
    let dir = tmpdir("file");
    std::fs::write(&dir, "mine").unwrap();
    bin()
        .args(["report", "scenarios/shop", "--out"])
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is not a folder"));
    assert_eq!(
        std::fs::read_to_string(&dir).unwrap(),
        "mine",
        "the user's file is untouched"
    );
    let _ = std::fs::remove_file(&dir);
}

/// The README shows docs/reach-by-hop.svg; it must be what this command
/// makes today. Regenerate with:
/// `cargo run --release -- simulate scenarios/shop --from shop/frontend --from monitoring/prometheus --target tier=data --target pci=true --svg docs`
#[test]
fn docs_charts_are_not_stale() {
    let dir = tmpdir("docs");
    bin()
        .args([
            "simulate",
            "scenarios/shop",
            "--from",
            "shop/frontend",
            "--from",
            "monitoring/prometheus",
            "--target",
            "tier=data",
            "--target",
            "pci=true",
            "--svg",
        ])
        .arg(&dir)
        .assert()
        .success();
    for name in [
        "attack-graph.svg",
        "reach-by-hop.svg",
        "hop-by-namespace.svg",
        "namespace-matrix.svg",
        "pod-matrix.svg",
    ] {
        let fresh = std::fs::read(dir.join(name)).unwrap();
        let committed = std::fs::read(Path::new("docs").join(name)).unwrap();
        assert!(
            fresh == committed,
            "docs/{name} is stale: regenerate it with the command in this test's doc comment"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Chromium's flags for a quiet, offline, headless run.
const CHROME_FLAGS: [&str; 11] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=3000",
];

/// What the page's load script recorded at a window width: the charts'
/// laid-out sizes, the elements wider than the page (outside the
/// sideways-scrolling boxes), (client width, scroll width), page height.
struct Layout {
    charts: Vec<(u32, u32)>,
    /// Each chart's drawn width over its own.
    scales: Vec<f64>,
    /// Figures whose chart is wider than the page and scrolls in its box.
    scrolling: String,
    too_wide: String,
    widths: (u32, u32),
    height: u32,
}

fn attr<'a>(dom: &'a str, name: &str) -> &'a str {
    dom.split(&format!("{name}=\""))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| {
            panic!(
                "the page's load script did not set {name}: {}",
                &dom[..dom.len().min(500)]
            )
        })
}

fn layout(chrome: &Path, url: &str, profile: &Path, width: u32) -> Layout {
    let out = std::process::Command::new(chrome)
        .args(CHROME_FLAGS)
        .arg(format!("--window-size={width},1600"))
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("Uncaught"), "JavaScript error: {stderr}");
    let pair = |s: &str, sep: char| -> (u32, u32) {
        let (a, b) = s.split_once(sep).unwrap();
        (a.parse().unwrap(), b.parse().unwrap())
    };
    Layout {
        charts: attr(&dom, "data-chart-boxes")
            .split(' ')
            .map(|b| pair(b, 'x'))
            .collect(),
        too_wide: attr(&dom, "data-too-wide").to_string(),
        scales: attr(&dom, "data-chart-scales")
            .split(' ')
            .map(|x| x.parse().unwrap())
            .collect(),
        scrolling: attr(&dom, "data-scrolling").to_string(),
        widths: pair(attr(&dom, "data-page-width"), ' '),
        height: attr(&dom, "data-page-height").parse().unwrap(),
    }
}

/// A full-page screenshot of `url` at `width`, written to `shot`; returns
/// its (width, height) and byte size.
fn screenshot(
    chrome: &Path,
    url: &str,
    profile: &Path,
    width: u32,
    height: u32,
    shot: &Path,
) -> (u32, u32, usize) {
    std::fs::create_dir_all(shot.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(shot);
    let status = std::process::Command::new(chrome)
        .args(CHROME_FLAGS)
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(url)
        .output()
        .unwrap();
    assert!(status.status.success());
    let png = std::fs::read(shot).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let w = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
    let h = u32::from_be_bytes([png[20], png[21], png[22], png[23]]);
    (w, h, png.len())
}

/// Open a report's index.html in headless Chromium at 1,100 and 700 px:
/// no JavaScript errors, every chart laid out with a visible size, nothing
/// wider than the page (wide charts and tables scroll in their own box),
/// every chart drawn at 0.75 of its size or more (its text legible), none
/// scrolling sideways at 1,100 px (they shrink to the page), and a
/// full-page screenshot under out/screenshots/ for the reviewer.
fn check_in_chromium(chrome: &Path, dir: &Path, charts: usize, name: &str) {
    let index = std::fs::canonicalize(dir.join("index.html")).unwrap();
    let url = format!("file://{}", index.display());
    let profile = dir.join("profile");
    for width in [1100, 700] {
        let l = layout(chrome, &url, &profile, width);
        assert_eq!(
            l.charts.len(),
            charts,
            "{name} at {width} px: charts laid out: {:?}",
            l.charts
        );
        for (w, h) in &l.charts {
            assert!(
                *w >= 400 && *h >= 150,
                "{name} at {width} px: a chart is too small to see: {:?}",
                l.charts
            );
        }
        assert_eq!(l.too_wide, "", "{name} at {width} px: wider than the page");
        assert_eq!(l.scales.len(), charts);
        for k in &l.scales {
            assert!(
                *k >= 0.749 && *k <= 1.001,
                "{name} at {width} px: a chart drawn at {k} of its size: {:?}",
                l.scales
            );
        }
        if width == 1100 {
            assert_eq!(
                l.scrolling, "",
                "{name} at 1,100 px: these charts scroll sideways"
            );
        }
        assert!(
            l.widths.1 <= l.widths.0,
            "{name} at {width} px: the page scrolls sideways: {:?}",
            l.widths
        );
        let shot = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("out/screenshots")
            .join(format!("{name}-{width}.png"));
        let (w, h, bytes) = screenshot(chrome, &url, &profile, width, l.height, &shot);
        assert_eq!((w, h), (width, l.height));
        assert!(
            bytes > 30_000,
            "the screenshot is nearly blank ({bytes} bytes)"
        );
        eprintln!(
            "{name}: full-page screenshot at {width} px: {}",
            shot.display()
        );
    }
}

#[test]
fn report_renders_in_headless_chromium() {
    let Some(chrome) = chromium() else {
        common::skipped(
            "Chromium is not installed (apt-get install chromium); .ci/run installs it",
        );
        return;
    };
    let dir = tmpdir("browser");
    report(&dir);
    check_in_chromium(&chrome, &dir, 8, "shop");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The same at 10,000 pods and 50 namespaces (`synth --pods 10000
/// --namespaces 50 --policies 500 --seed 1`): 7 charts (no choke point),
/// the attack graph and the matrices shrunk to the page.
#[test]
fn a_10000_pod_report_renders_in_headless_chromium() {
    let Some(chrome) = chromium() else {
        eprintln!(
            "SKIPPED: Chromium is not installed (apt-get install chromium); .ci/run installs it"
        );
        return;
    };
    let dir = tmpdir("browser-10k");
    std::fs::create_dir_all(&dir).unwrap();
    let out = bin()
        .args([
            "synth",
            "--pods",
            "10000",
            "--namespaces",
            "50",
            "--policies",
            "500",
            "--seed",
            "1",
            "--out",
            "-",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let input = dir.join("synth.yaml");
    std::fs::write(&input, &out.stdout).unwrap();
    let report = dir.join("report");
    bin()
        .arg("report")
        .arg(&input)
        .arg("--out")
        .arg(&report)
        .assert()
        .success();
    let charts = std::fs::read_dir(&report)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".svg")
        })
        .count();
    assert!(charts >= 7, "{charts}");
    check_in_chromium(&chrome, &report, charts, "synth-10k");
    let _ = std::fs::remove_dir_all(&dir);
}

/// 500 namespaces (`synth --pods 5000 --namespaces 500 --policies 500
/// --seed 3`): the matrices fold to the top 25 and "other", and every chart
/// fits the page at 1,100 px.
#[test]
fn a_500_namespace_report_renders_in_headless_chromium() {
    let Some(chrome) = chromium() else {
        common::skipped(
            "Chromium is not installed (apt-get install chromium); .ci/run installs it",
        );
        return;
    };
    let dir = tmpdir("browser-500ns");
    std::fs::create_dir_all(&dir).unwrap();
    let out = bin()
        .args([
            "synth",
            "--pods",
            "5000",
            "--namespaces",
            "500",
            "--policies",
            "500",
            "--seed",
            "3",
            "--out",
            "-",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let input = dir.join("synth.yaml");
    std::fs::write(&input, &out.stdout).unwrap();
    let report = dir.join("report");
    bin()
        .arg("report")
        .arg(&input)
        .arg("--out")
        .arg(&report)
        .assert()
        .success();
    check_in_chromium(&chrome, &report, 7, "synth-500ns");
    let _ = std::fs::remove_dir_all(&dir);
}

/// pod-matrix.svg follows namespace-matrix.svg's rule (SEM-47: a pod always
/// reaches itself, so it is never counted): the shop's single-pod
/// DaemonSet node-exporter and Prometheus have no diagonal pair (a dash),
/// and the title says the rows are workloads.
#[test]
fn pod_matrix_never_counts_a_pod_reaching_itself() {
    let dir = tmpdir("pod-matrix");
    report(&dir);
    let s = svg(&dir.join("pod-matrix.svg"));
    let doc = roxmltree::Document::parse(&s).unwrap();
    let t = texts(&doc);
    assert!(
        t.contains(&"shop: share of pod pairs allowed, by workload".to_string()),
        "{t:?}"
    );
    assert!(t.contains(&"source workload (rows)".to_string()));
    assert_eq!(t.iter().filter(|x| *x == "–").count(), 2, "{t:?}");
    // Every other cell is all or nothing: a workload's replicas share a class.
    let cells: Vec<&String> = t
        .iter()
        .filter(|x| x.ends_with('%') && *x != "50%")
        .collect();
    assert_eq!(cells.len(), 81 - 2);
    assert!(
        cells.iter().all(|x| *x == "0%" || *x == "100%"),
        "{cells:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------- attack-graph.svg

/// A text element's box from the charts' font metrics
/// (`attack_graph::text_width`): anchor-aware x, the baseline minus the font
/// size up to a descender below it.
fn text_box(n: &roxmltree::Node) -> (f64, f64, f64, f64) {
    let f = |a: &str| n.attribute(a).unwrap_or("0").parse::<f64>().unwrap();
    let size = f("font-size");
    let w = text_width(n.text().unwrap_or(""), size);
    let x = f("x");
    let x0 = match n.attribute("text-anchor") {
        Some("end") => x - w,
        Some("middle") => x - w / 2.0,
        _ => x,
    };
    let y = f("y");
    (x0, y - size, x0 + w, y + size * 0.25)
}

/// Every text box inside the canvas, no two overlapping, every rect
/// inside the canvas; returns the texts.
fn check_layout(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let root = doc.root_element();
    let dim = |a: &str| root.attribute(a).unwrap().parse::<f64>().unwrap();
    let (w, h) = (dim("width"), dim("height"));
    let texts: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .collect();
    let boxes: Vec<(f64, f64, f64, f64)> = texts.iter().map(text_box).collect();
    for (n, b) in texts.iter().zip(&boxes) {
        assert!(
            b.0 >= 0.0 && b.1 >= 0.0 && b.2 <= w && b.3 <= h,
            "text {:?} at {b:?} outside the {w}x{h} canvas",
            n.text()
        );
    }
    for i in 0..boxes.len() {
        for j in i + 1..boxes.len() {
            let (a, b) = (boxes[i], boxes[j]);
            let overlap = a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3;
            assert!(
                !overlap,
                "text boxes overlap: {:?} {a:?} and {:?} {b:?}",
                texts[i].text(),
                texts[j].text()
            );
        }
    }
    for r in doc.descendants().filter(|n| n.has_tag_name("rect")) {
        let f = |a: &str| r.attribute(a).unwrap_or("0").parse::<f64>().unwrap();
        assert!(
            f("x") >= 0.0 && f("y") >= 0.0 && f("x") + f("width") <= w && f("y") + f("height") <= h,
            "rect outside the canvas"
        );
    }
    texts
        .iter()
        .map(|n| n.text().unwrap_or("").to_string())
        .collect()
}

/// The shop (9 workloads): every reached workload is a box, the crown jewel
/// is starred and its shortest path (frontend → api → db) is the red edges,
/// the exit to the internet is drawn, the ports label the edges; no text
/// overlaps and everything is inside the canvas.
#[test]
fn attack_graph_of_the_shop_is_readable() {
    let dir = tmpdir("ag-shop");
    bin()
        .args([
            "simulate",
            "scenarios/shop",
            "--from",
            "shop/frontend",
            "--target",
            "tier=data",
            "--svg",
        ])
        .arg(&dir)
        .assert()
        .success();
    let s = svg(&dir.join("attack-graph.svg"));
    let t = check_layout(&s);
    for w in [
        "shop/frontend",
        "shop/api",
        "kube-system/coredns",
        "shop/cart",
        "data/cache",
    ] {
        assert!(t.contains(&w.to_string()), "{w} drawn: {t:?}");
    }
    assert!(t.contains(&"★ data/db".to_string()), "{t:?}");
    assert!(t.contains(&"internet".to_string()));
    assert!(t.contains(&"TCP 5432".to_string()) && t.contains(&"TCP 8080".to_string()));
    assert!(
        t.iter().any(|x| x == "9 workloads in 3 hops, all shown."),
        "{t:?}"
    );
    let doc = roxmltree::Document::parse(&s).unwrap();
    let red = doc
        .descendants()
        .filter(|n| n.has_tag_name("path") && n.attribute("stroke") == Some("#D55E00"))
        .filter(|n| n.attribute("d").is_some_and(|d| d.contains(" C")))
        .count();
    assert_eq!(red, 2, "frontend -> api -> db highlighted");
    // Same input, same bytes.
    let dir2 = tmpdir("ag-shop2");
    bin()
        .args([
            "simulate",
            "scenarios/shop",
            "--from",
            "shop/frontend",
            "--target",
            "tier=data",
            "--svg",
        ])
        .arg(&dir2)
        .assert()
        .success();
    assert!(svg(&dir2.join("attack-graph.svg")) == s);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&dir2);
}

/// `synth --pods 10000 --namespaces 50 --policies 1000 --seed 1`: thousands
/// of workloads collapse beyond the top per hop into "+N more" boxes, the
/// chart says so, and it stays readable (no overlap, inside the canvas).
#[test]
fn attack_graph_of_a_10000_pod_cluster_collapses_and_stays_readable() {
    let dir = tmpdir("ag-10k");
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("synth.yaml");
    let out = bin()
        .args([
            "synth",
            "--pods",
            "10000",
            "--namespaces",
            "50",
            "--policies",
            "1000",
            "--seed",
            "1",
            "--out",
            "-",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::write(&input, &out.stdout).unwrap();
    let charts = dir.join("charts");
    bin()
        .arg("simulate")
        .arg(&input)
        .args([
            "--from",
            "ns-00008/pod-000826",
            "--target",
            "app=app-3",
            "--svg",
        ])
        .arg(&charts)
        .assert()
        .success();
    let s = svg(&charts.join("attack-graph.svg"));
    let t = check_layout(&s);
    let nodes = t
        .iter()
        .filter(|x| x.starts_with("ns-") || x.starts_with("★ ns-"))
        .count();
    assert!(nodes <= 5 * 12 + 1, "at most the top 12 per hop: {nodes}");
    assert!(
        t.iter()
            .any(|x| x.starts_with('+') && x.contains(" more in ")),
        "{t:?}"
    );
    assert!(
        t.iter()
            .any(|x| x.contains("more are collapsed into \"+N more\" boxes")),
        "{t:?}"
    );
    assert!(
        t.iter().any(|x| x.starts_with("★ ")),
        "the crown jewel is shown"
    );
    assert!(
        t.iter().any(|x| x.ends_with("other namespaces")),
        "legend: the rest grey"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// index.html in a reviewer's order (issue 15): the headline, the attack
/// graph from the worst start, the ranking, the crown jewels, the audit
/// findings with their fixes, the exits, the hop tables (each start with
/// why it is shown), the Monte Carlo spread from the worst start (not the
/// first entry point, coredns) with the CLI's 1,000 trials, the crown-jewel
/// probability and what the quantiles cover, the assumptions; captions are
/// sentences, not file names.
#[test]
fn the_report_page_reads_in_a_reviewers_order() {
    let dir = tmpdir("page-order");
    report(&dir);
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let at = |x: &str| html.find(x).unwrap_or_else(|| panic!("{x} missing"));
    let order = [
        "class=\"headline\"",
        "<figure id=\"attack-graph.svg\"",
        "<h2 id=\"ranking\"",
        "<h2 id=\"crown-jewels\"",
        "<h2 id=\"findings\"",
        "<h2 id=\"exits\"",
        "<h2 id=\"hops\"",
        "<h2 id=\"monte-carlo\"",
        "<figure id=\"spread.svg\"",
        "<h2 id=\"assumptions\"",
    ];
    for w in order.windows(2) {
        assert!(at(w[0]) < at(w[1]), "{} before {}", w[0], w[1]);
    }
    // The attack graph, the namespace breakdown and the spread all start
    // from the worst start.
    assert!(html.contains(
        "<h2 id=\"attack-graph\">The attack graph from <code>shop/frontend[Deployment]</code>"
    ));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["monte_carlo"]["start"], "shop/frontend[Deployment]");
    assert_eq!(json["monte_carlo"]["trials"], 1000);
    assert!(html.contains("From <code>shop/frontend[Deployment]</code>, the starting point with the largest blast radius: 1,000 trials"));
    assert!(
        html.contains("<tr><td><code>tier=data</code></td><td>100.0% within 20 steps</td>"),
        "{html}"
    );
    assert!(html.contains("The steps-to-compromise quantiles cover the compromised trials only"));
    let spread = svg(&dir.join("spread.svg"));
    assert!(spread.contains("probabilistic spread from shop/frontend[Deployment] (1,000 trials)"));
    // Findings with their fixes: the shop's 13, high first, each with a fix.
    assert_eq!(html.matches("<details><summary><b>BR").count(), 13);
    assert!(at("<b>BR001</b> [high]") < at("<b>BR009</b> [low]"));
    assert!(html
        .contains("<p><b>Fix:</b></p>\n<pre>Add a default-deny ingress policy to `kube-system`"));
    // Why each start is shown.
    assert!(html.contains("Shown because it is reachable from addresses outside the cluster (an entry point), and number 1 of 9 by blast radius."));
    assert!(html.contains("Shown because it is number 2 of 9 by blast radius."));
    // Captions are sentences.
    for cap in html.split("<figcaption>").skip(1) {
        let cap = cap.split("</figcaption>").next().unwrap();
        assert!(cap.ends_with('.') && !cap.contains(".svg"), "{cap}");
    }
    assert_eq!(html.matches("<figcaption>").count(), 8);
    // Readable with scripts off: the only script records sizes for tests.
    assert_eq!(html.matches("<script>").count(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Without --target the page says how to mark crown jewels, in the crown
/// jewels section and in the Monte Carlo one.
#[test]
fn without_a_target_the_page_hints_at_one() {
    let dir = tmpdir("page-hint");
    bin()
        .args(["report", "scenarios/shop", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(html.contains(
        "No crown jewel is marked: add <code>--target tier=db</code> to mark what must never be reached"
    ));
    assert!(html.contains("no probability of reaching one: add <code>--target tier=db</code>"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// summary.md and report.json carry the audit as the page does (issue 15):
/// summary.md counts the findings by severity and lists the 10 most severe
/// (high first) one line each with the first sentence of its fix;
/// report.json's `audit` (added within `blastradius.report/v1`) has every
/// finding of `blastradius audit -o json`, most severe first, and the counts.
#[test]
fn summary_and_report_json_list_the_audit_findings() {
    let dir = tmpdir("audit-md");
    report(&dir);
    let md = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    let section = md
        .split("## Audit findings\n\n")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    assert!(
        section.starts_with("13 findings: 5 high, 7 medium, 1 low; the 10 most severe below."),
        "{section}"
    );
    let items: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("- **BR"))
        .collect();
    assert_eq!(items.len(), 10, "{section}");
    for l in &items {
        assert!(l.contains(" Fix: ") && l.ends_with('.'), "{l}");
    }
    assert!(items[0]
        .starts_with("- **BR001** [high] namespace kube-system has no default-deny ingress"));
    assert!(
        items.iter().rposition(|l| l.contains("[high]"))
            < items.iter().position(|l| l.contains("[medium]"))
    );
    assert!(md.find("## Ranking") < md.find("## Audit findings"));
    assert!(md.find("## Audit findings") < md.find("## Starting points"));

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["schema"], "blastradius.report/v1");
    let audit = &json["audit"];
    assert_eq!(
        audit["counts"],
        serde_json::json!({"high": 5, "low": 1, "medium": 7})
    );
    let found: Vec<&serde_json::Value> = audit["findings"].as_array().unwrap().iter().collect();
    assert_eq!(found.len(), 13);
    assert_eq!(found[0]["severity"], "high");
    assert_eq!(found[12]["severity"], "low");
    let out = bin()
        .args(["audit", "scenarios/shop", "-o", "json"])
        .output()
        .unwrap();
    let cli: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let key = |f: &serde_json::Value| format!("{} {}", f["id"], f["title"]);
    let mut a: Vec<String> = found.iter().map(|f| key(f)).collect();
    let mut b: Vec<String> = cli["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(key)
        .collect();
    a.sort();
    b.sort();
    assert_eq!(a, b, "the same findings as blastradius audit");
    assert!(found
        .iter()
        .all(|f| f["fix"].as_str().is_some_and(|x| !x.is_empty())));
    let _ = std::fs::remove_dir_all(&dir);
}

/// summary.md lists at most 12 newly reached workloads a hop, as the page
/// does ("and N more"): at 500 namespaces and 5,000 pods it stays small.
#[test]
fn summary_lists_cut_long_hops() {
    let dir = tmpdir("summary-cut");
    std::fs::create_dir_all(&dir).unwrap();
    let out = bin()
        .args([
            "synth",
            "--pods",
            "2000",
            "--namespaces",
            "200",
            "--policies",
            "200",
            "--seed",
            "3",
            "--out",
            "-",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let input = dir.join("synth.yaml");
    std::fs::write(&input, &out.stdout).unwrap();
    let report = dir.join("report");
    bin()
        .arg("report")
        .arg(&input)
        .arg("--out")
        .arg(&report)
        .arg("-q")
        .assert()
        .success();
    let md = std::fs::read_to_string(report.join("summary.md")).unwrap();
    let mut cut = 0;
    for row in md
        .lines()
        .filter(|l| l.starts_with("| ") && l.ends_with(" more |"))
    {
        let last = row.trim_end_matches(" |").rsplit(" | ").next().unwrap();
        assert!(last.matches('`').count() <= 2 * 12 + 2, "{row}");
        cut += 1;
    }
    assert!(cut > 0, "a long hop is cut");
    assert!(md.len() < 200_000, "{} bytes", md.len());
    let _ = std::fs::remove_dir_all(&dir);
}
