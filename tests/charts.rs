//! SVG structure of every chart (issue 15), read back with roxmltree: no
//! two text boxes overlap, every text is inside the canvas, every visible
//! series has a legend entry, heatmaps have a colour scale, stacked charts
//! never repeat a colour. At the 9-workload shop, at a 10,000-pod /
//! 50-namespace synthetic cluster (`synth --pods 10000 --namespaces 50
//! --policies 500 --seed 1`) and at 500 namespaces (`synth --pods 5000
//! --namespaces 500 --policies 500 --seed 3`: half the pods of 10,000 keep
//! the debug run near 30 s; the namespaces are what the charts must fold).
//!
//! Text boxes come from the charts' one font metric
//! (`attack_graph::text_width`: 0.6 em a character) at each text's
//! `font-size`, placed by its `text-anchor`, its `dy` (plotters' vertical
//! anchors: `0.76em` top, `0.5ex` centre, `-0.5ex` bottom, none: baseline)
//! and its `rotate(…)` transform.

use assert_cmd::Command;
use blastradius::output::attack_graph::text_width;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn bin() -> Command {
    Command::cargo_bin("blastradius").unwrap()
}

/// A fresh folder under cargo's scratch space for integration tests
/// (target/tmp): the reports are shared by this file's tests, so they are
/// left there for a look and replaced by the next run.
fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("charts-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// The shop report (with a crown jewel), written once for this file's tests.
fn shop() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = tmp("shop");
        bin()
            .args(["report", "scenarios/shop", "--target", "tier=data", "--out"])
            .arg(&d)
            .assert()
            .success();
        d
    })
}

/// The report of a 10,000-pod, 50-namespace synthetic cluster.
fn big() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = tmp("10k");
        std::fs::create_dir_all(&d).unwrap();
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
        let input = d.join("synth.yaml");
        std::fs::write(&input, &out.stdout).unwrap();
        bin()
            .arg("report")
            .arg(&input)
            .args(["--target", "app=app-3", "--out"])
            .arg(d.join("report"))
            .assert()
            .success();
        d.join("report")
    })
}

/// The report of a 5,000-pod, 500-namespace synthetic cluster.
fn wide() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = tmp("500ns");
        std::fs::create_dir_all(&d).unwrap();
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
        let input = d.join("synth.yaml");
        std::fs::write(&input, &out.stdout).unwrap();
        bin()
            .arg("report")
            .arg(&input)
            .args(["--target", "app=app-3", "--out"])
            .arg(d.join("report"))
            .assert()
            .success();
        d.join("report")
    })
}

type TextBox = (f64, f64, f64, f64);

/// One text element: its content and its box.
struct Txt {
    text: String,
    bx: TextBox,
}

fn num(n: &roxmltree::Node, a: &str) -> f64 {
    n.attribute(a).unwrap_or("0").trim().parse::<f64>().unwrap()
}

/// Every text of the SVG with its estimated box.
fn text_boxes(doc: &roxmltree::Document) -> Vec<Txt> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            let text = n.text().unwrap_or("").trim().to_string();
            let s = num(&n, "font-size");
            let w = text_width(&text, s);
            let (x, y) = (num(&n, "x"), num(&n, "y"));
            // Along the text (u) and across it (v), relative to (x, y).
            let (u0, u1) = match n.attribute("text-anchor") {
                Some("end") => (-w, 0.0),
                Some("middle") => (-w / 2.0, w / 2.0),
                _ => (0.0, w),
            };
            let (v0, v1) = match n.attribute("dy") {
                Some("0.76em") => (0.0, s),
                Some("0.5ex") => (-s / 2.0, s / 2.0),
                Some("-0.5ex") => (-s, 0.0),
                _ => (-s, s * 0.25),
            };
            let bx = match n.attribute("transform") {
                Some(t) if t.starts_with("rotate(270") => (x + v0, y - u1, x + v1, y - u0),
                Some(t) if t.starts_with("rotate(90") => (x - v1, y + u0, x - v0, y + u1),
                Some(t) => panic!("unexpected transform {t}"),
                None => (x + u0, y + v0, x + u1, y + v1),
            };
            Txt { text, bx }
        })
        .collect()
}

/// Every text inside the canvas and no two overlapping (half a pixel of
/// rounding allowed); returns the texts.
fn check_layout(name: &str, svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{name}: {e}"));
    let root = doc.root_element();
    let (w, h) = (num(&root, "width"), num(&root, "height"));
    let texts = text_boxes(&doc);
    assert!(!texts.is_empty(), "{name}: no text");
    for t in &texts {
        let b = t.bx;
        assert!(
            b.0 >= -0.5 && b.1 >= -0.5 && b.2 <= w + 0.5 && b.3 <= h + 0.5,
            "{name}: text {:?} at {b:?} outside the {w}x{h} canvas",
            t.text
        );
    }
    // Sweep by x: only boxes whose x ranges meet are compared.
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by(|&a, &b| texts[a].bx.0.total_cmp(&texts[b].bx.0));
    for (k, &i) in order.iter().enumerate() {
        let a = texts[i].bx;
        for &j in &order[k + 1..] {
            let b = texts[j].bx;
            if b.0 >= a.2 - 0.5 {
                break;
            }
            let overlap = a.0 < b.2 - 0.5 && b.0 < a.2 - 0.5 && a.1 < b.3 - 0.5 && b.1 < a.3 - 0.5;
            assert!(
                !overlap,
                "{name}: text boxes overlap: {:?} {a:?} and {:?} {b:?}",
                texts[i].text, texts[j].text
            );
        }
    }
    texts.into_iter().map(|t| t.text).collect()
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn svgs(dir: &Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".svg"))
        .map(|n| (n.clone(), read(dir, &n)))
        .collect();
    v.sort();
    v
}

fn report_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&read(dir, "report.json")).unwrap()
}

/// Fills of the rects drawn at least `min` px wide and tall (bars, cells,
/// swatches), except white.
fn fills(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter(|n| {
            n.attribute("fill")
                .is_some_and(|f| f != "#FFFFFF" && f != "none")
        })
        .map(|n| n.attribute("fill").unwrap().to_string())
        .collect()
}

#[test]
fn every_shop_chart_has_no_overlapping_text_and_stays_in_its_canvas() {
    let all = svgs(shop());
    assert_eq!(
        all.len(),
        8,
        "{:?}",
        all.iter().map(|a| &a.0).collect::<Vec<_>>()
    );
    for (name, svg) in &all {
        check_layout(name, svg);
    }
}

#[test]
fn every_10k_chart_has_no_overlapping_text_and_stays_in_its_canvas() {
    let all = svgs(big());
    // The workload matrix of the top 25 by blast radius; no choke point
    // toward `app=app-3`.
    let names: Vec<&str> = all.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "attack-graph.svg",
            "hop-by-namespace.svg",
            "namespace-matrix.svg",
            "pod-matrix.svg",
            "ranking.svg",
            "reach-by-hop.svg",
            "spread.svg"
        ]
    );
    for (name, svg) in &all {
        check_layout(name, svg);
    }
}

/// reach-by-hop.svg: a legend entry per starting point (those with the
/// same curve as an earlier one say so and share its line); the crown
/// jewel's selector is either beside its mark or in the legend.
#[test]
fn reach_by_hop_has_a_legend_entry_per_start_and_jewels_are_labelled() {
    for dir in [shop(), big(), wide()] {
        let svg = read(dir, "reach-by-hop.svg");
        let t = check_layout("reach-by-hop.svg", &svg);
        let json = report_json(dir);
        let sims = json["simulations"].as_array().unwrap();
        let mut curves = BTreeSet::new();
        for sim in sims {
            let start = sim["start"].as_str().unwrap();
            assert!(
                t.iter().any(|x| x == start
                    || *x == format!("{start} (same curve)")
                    || x.starts_with(&format!("{start} (same line, within "))),
                "legend entry for {start}: {t:?}"
            );
            let pods: Vec<u64> = sim["hops"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["pods"].as_u64().unwrap())
                .collect();
            curves.insert(pods);
        }
        // Identical curves share a line, and so do curves within 0.5% of
        // the cluster at every hop (they would be drawn 2 px apart).
        let same = t.iter().filter(|x| x.ends_with(" (same curve)")).count();
        let near = t
            .iter()
            .filter(|x| x.contains(" (same line, within "))
            .count();
        assert_eq!(same + near + lines(&t, sims), sims.len(), "{t:?}");
        assert!(lines(&t, sims) <= curves.len());
        let jewels = t
            .iter()
            .filter(|x| x.split(": hop ").next().is_some_and(|l| l.contains('=')))
            .count();
        assert!(jewels >= 1, "a crown-jewel label: {t:?}");
        assert!(t.iter().any(|x| x.starts_with("crown jewel reached")));
    }
}

/// Legend entries that start a line of their own: a start's bare name.
fn lines(t: &[String], sims: &[serde_json::Value]) -> usize {
    sims.iter()
        .filter(|s| t.contains(&s["start"].as_str().unwrap().to_string()))
        .count()
}

/// The shop's crown jewel `tier=data` falls at several points: each label
/// is drawn once per point and none overlaps another (checked above).
#[test]
fn shop_crown_jewel_labels_are_each_drawn_once_per_point() {
    let svg = read(shop(), "reach-by-hop.svg");
    let t = check_layout("reach-by-hop.svg", &svg);
    let labels = t.iter().filter(|x| x.starts_with("tier=data")).count();
    assert!(labels >= 3, "{t:?}");
}

/// hop-by-namespace.svg at 50 namespaces: the top 7 by pods and one
/// "other" series, one legend entry each, no colour used twice, the legend
/// below the plot (inside the canvas, checked by the layout test).
#[test]
fn hop_by_namespace_shows_the_top_namespaces_and_other_with_distinct_colours() {
    let svg = read(big(), "hop-by-namespace.svg");
    let t = check_layout("hop-by-namespace.svg", &svg);
    let entries: Vec<&String> = t.iter().filter(|x| x.ends_with(" pods)")).collect();
    assert_eq!(entries.len(), 8, "{t:?}");
    let other: usize = entries
        .last()
        .unwrap()
        .strip_prefix("other: ")
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{entries:?}"));
    assert!((30..=43).contains(&other), "{entries:?}");
    let used: BTreeSet<String> = fills(&svg).into_iter().collect();
    assert_eq!(used.len(), 8, "one colour per series, no repeat: {used:?}");
    // The legend is below the plot: every swatch's top is under the x axis title.
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let axis_y = text_boxes(&doc)
        .iter()
        .find(|x| x.text.starts_with("hop ("))
        .unwrap()
        .bx
        .3;
    for e in text_boxes(&doc)
        .iter()
        .filter(|x| x.text.ends_with(" pods)"))
    {
        assert!(e.bx.1 > axis_y, "legend entry {:?} over the plot", e.text);
    }
    // The shop: four namespaces, all named.
    let t = check_layout(
        "hop-by-namespace.svg",
        &read(shop(), "hop-by-namespace.svg"),
    );
    for ns in ["data", "kube-system", "monitoring", "shop"] {
        assert!(
            t.iter().any(|x| x.starts_with(&format!("{ns} ("))),
            "{ns}: {t:?}"
        );
    }
}

/// Both heatmaps have a colour scale (min, max, no pair); at 50 namespaces
/// every cell still prints its value (in %, the scale says so).
#[test]
fn heatmaps_have_a_colour_scale_and_values_at_50_namespaces() {
    for (dir, name) in [
        (shop(), "namespace-matrix.svg"),
        (shop(), "pod-matrix.svg"),
        (big(), "namespace-matrix.svg"),
    ] {
        let t = check_layout(name, &read(dir, name));
        for l in ["pairs allowed", "100% (max)", "0% (min)", "– no pair"] {
            assert!(t.contains(&l.to_string()), "{name}: {l}: {t:?}");
        }
        assert!(t
            .iter()
            .any(|x| x.starts_with("source ") && x.ends_with("(rows)")));
    }
    let t = check_layout("namespace-matrix.svg", &read(big(), "namespace-matrix.svg"));
    assert!(t.contains(&"cell numbers are %".to_string()));
    let cells = t
        .iter()
        .filter(|x| x.parse::<u32>().is_ok_and(|v| v <= 100) || *x == "–")
        .count();
    // The top 25 namespaces by pods and "other": 26 x 26 cells and the 26
    // column numbers.
    assert_eq!(cells, 26 * 26 + 26, "{}", t.len());
    assert!(
        t.contains(&"other: 25 namespaces [26]".to_string()),
        "{t:?}"
    );
}

/// At 500 namespaces every chart stays readable and as wide as the
/// report's page holds it (1,060 px at 0.75 of its size, see
/// `html::MIN_SCALE`): the matrices name the top 25 (namespaces by pods,
/// workloads by blast radius) and fold the rest into "other", and say so
/// in their titles; report.json keeps the whole namespace matrix.
#[test]
fn every_500_namespace_chart_is_readable_and_fits_the_page() {
    let dir = wide();
    let json = report_json(dir);
    let nss = json["namespace_matrix"]["namespaces"].as_array().unwrap();
    let share = json["namespace_matrix"]["share"].as_array().unwrap();
    assert!(nss.len() > 400, "{}", nss.len());
    assert_eq!(share.len(), nss.len());
    assert!(share
        .iter()
        .all(|r| r.as_array().unwrap().len() == nss.len()));
    let pods: u64 = json["namespace_matrix"]["pods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_u64().unwrap())
        .sum();
    assert_eq!(pods, 5000);
    for (name, svg) in svgs(dir) {
        check_layout(&name, &svg);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let w = num(&doc.root_element(), "width");
        assert!(w * 0.75 <= 1060.0, "{name} is {w} px wide: it would scroll");
    }
    let t = check_layout("namespace-matrix.svg", &read(dir, "namespace-matrix.svg"));
    let title = format!(
        "synth: share of pod pairs allowed, by namespace, top 25 of {} namespaces by pods",
        nss.len()
    );
    assert!(t.contains(&title), "{t:?}");
    let other = format!("other: {} namespaces [26]", nss.len() - 25);
    assert!(t.contains(&other), "{t:?}");
    let rows = t.iter().filter(|x| x.ends_with(']')).count();
    assert_eq!(rows, 26, "{t:?}");
    let t = check_layout("pod-matrix.svg", &read(dir, "pod-matrix.svg"));
    assert!(
        t.iter()
            .any(|x| x.contains("by workload, top 25 of ")
                && x.ends_with(" workloads by blast radius")),
        "{t:?}"
    );
    // The top workload by blast radius is a row.
    let top = json["ranking"][0]["workload"].as_str().unwrap();
    let plain = top.split('[').next().unwrap();
    assert!(
        t.iter().any(|x| x.starts_with(&format!("{plain} ["))),
        "{plain}: {t:?}"
    );
    // hop-by-namespace: the top 7 and other.
    let t = check_layout("hop-by-namespace.svg", &read(dir, "hop-by-namespace.svg"));
    assert_eq!(
        t.iter().filter(|x| x.ends_with(" pods)")).count(),
        8,
        "{t:?}"
    );
}

/// spread.svg, ranking.svg, chokepoints.svg: their legend entries and one
/// label per bar.
#[test]
fn bar_and_band_charts_label_every_series() {
    for dir in [shop(), big(), wide()] {
        let json = report_json(dir);
        let t = check_layout("spread.svg", &read(dir, "spread.svg"));
        for l in ["p10 to p90", "median", "mean"] {
            assert!(t.contains(&l.to_string()), "legend {l}");
        }
        let t = check_layout("ranking.svg", &read(dir, "ranking.svg"));
        for r in json["ranking"].as_array().unwrap().iter().take(20) {
            let w = r["workload"].as_str().unwrap();
            assert!(t.contains(&w.to_string()), "{w} labelled: {t:?}");
        }
    }
}

/// The check itself fails on overlapping labels (two crown-jewel labels
/// drawn at one point, as `docs/reach-by-hop.svg` had them) and on text
/// outside the canvas.
#[test]
#[should_panic(expected = "text boxes overlap")]
fn the_layout_check_catches_overlapping_labels() {
    let svg = r#"<svg width="800" height="500" xmlns="http://www.w3.org/2000/svg">
<text x="389" y="117" dy="0.76em" text-anchor="start" font-size="12.1">tier=data</text>
<text x="389" y="121" dy="0.76em" text-anchor="start" font-size="12.1">pci=true</text>
</svg>"#;
    check_layout("two labels", svg);
}

#[test]
#[should_panic(expected = "outside the")]
fn the_layout_check_catches_text_outside_the_canvas() {
    let svg = r#"<svg width="800" height="500" xmlns="http://www.w3.org/2000/svg">
<text x="700" y="20" dy="0.76em" text-anchor="start" font-size="12.1">ns-00021 and a long legend entry</text>
</svg>"#;
    check_layout("legend off the canvas", svg);
}

/// Human-facing text groups thousands (summary.md, index.html, chart
/// labels, the text header); machine formats never do (report.json's
/// numbers, `reach -o json|csv|connlist`), and port ranges are not numbers
/// to group (`TCP 8000-9100`).
#[test]
fn thousands_are_grouped_for_people_only() {
    let dir = big();
    let md = read(dir, "summary.md");
    assert!(md.contains("10,000 pods"), "{}", &md[..300]);
    let html = read(dir, "index.html");
    assert!(html.contains("10,000 pods"));
    assert!(read(dir, "ranking.svg").contains("of 10,000 pods"));
    let json = report_json(dir);
    assert_eq!(json["simulations"][0]["total_pods"], 10000);
    let input = dir.parent().unwrap().join("synth.yaml");
    let run = |args: &[&str]| {
        let out = bin().arg("reach").arg(&input).args(args).output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(&["--level", "namespace"]);
    assert!(
        text.starts_with("50 namespaces, 10,000 pods"),
        "{}",
        &text[..200]
    );
    assert!(text.contains("TCP 8000-9100"), "port ranges as they are");
    let csv = run(&["--level", "namespace", "-o", "csv"]);
    let connlist = run(&["--level", "namespace", "-o", "connlist"]);
    for (name, out) in [("csv", &csv), ("connlist", &connlist)] {
        assert!(out.contains("8000-9100"), "{name}");
        assert!(
            !out.contains("10,000") && !out.contains("8,000"),
            "{name} grouped a number"
        );
    }
    let json = run(&["--level", "namespace", "-o", "json"]);
    assert!(
        json.contains("\"pods\":10000") || json.contains("\"pods\": 10000"),
        "{}",
        &json[..400]
    );
}
