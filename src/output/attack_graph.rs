//! `attack-graph.svg`: who reaches whom, hop by hop, from one starting
//! point. Workloads are boxes in columns by hop, coloured by namespace; each
//! is drawn with the edge that first reached it (the shortest-path tree),
//! labelled with its ports; crown jewels and exits to the internet are
//! marked, and the shortest path to each crown jewel is drawn in red.
//!
//! The layout is layered (Sugiyama-style): layers are the hops, the order in
//! each layer comes from barycenter sweeps down and up ([`barycenter_order`])
//! with the members of a namespace kept together. Beyond [`TOP_PER_HOP`]
//! workloads a column shows the most important ones and collapses the rest
//! into "+N more in ns" boxes, and the legend says so.
//!
//! Written by hand as SVG text (no plotters: boxes and curves only) with the
//! charts' conventions: the `sans-serif` font, the Okabe–Ito palette, fixed
//! font metrics ([`text_width`]), numbers printed with one decimal, so the
//! same result gives the same bytes.

use crate::attack::simulate::SimResult;
use crate::output::charts::PALETTE;
use crate::util::text::{count, thousands};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Workloads shown per hop column; the rest are collapsed.
pub const TOP_PER_HOP: usize = 12;
/// Collapsed boxes per column: one per namespace, the rest in one box.
const SUMMARIES_PER_HOP: usize = 3;
/// Average glyph width of the charts' sans-serif font, in em: wide enough
/// for the text of names and ports (digits, lower case, `/`, `-`).
pub const CHAR_EM: f64 = 0.6;

const FONT: &str = "sans-serif";
const NAME_SIZE: f64 = 12.0;
const PORT_SIZE: f64 = 11.0;
const TITLE_SIZE: f64 = 18.0;
const HEAD_SIZE: f64 = 13.0;
const LEGEND_SIZE: f64 = 12.0;
/// Box width bounds: the widest text shown, within these.
const MIN_NODE_W: f64 = 150.0;
const NODE_W: f64 = 250.0;
const NODE_H: f64 = 22.0;
const ROW_H: f64 = 32.0;
/// Gap between columns: the widest port label, within these.
const MIN_GAP: f64 = 80.0;
const GAP: f64 = 170.0;
/// The widest gap that holds a port label on one line; wider labels take two.
const ONE_LINE_GAP: f64 = 130.0;
const MARGIN: f64 = 20.0;
const TOP: f64 = 80.0;
const JEWEL: &str = "#D55E00";
const EXIT: &str = "#E69F00";

/// A port label (`TCP 8000-9100,UDP 53`) in one line when it fits `px` at
/// the port size, else in two split at a comma (the first as long as fits,
/// the rest second); the second is empty for one line.
fn port_lines(ports: &str, px: f64) -> (String, String) {
    if text_width(ports, PORT_SIZE) <= px || !ports.contains(',') {
        return (ports.to_string(), String::new());
    }
    let mut first = String::new();
    let mut rest: Vec<&str> = Vec::new();
    for piece in ports.split(',') {
        let more = format!("{first}{piece},");
        if rest.is_empty() && (first.is_empty() || text_width(&more, PORT_SIZE) <= px) {
            first = more;
        } else {
            rest.push(piece);
        }
    }
    if rest.is_empty() {
        // Every piece fitted but the whole did not (the last comma): two lines still.
        return (ports.to_string(), String::new());
    }
    (first, rest.join(","))
}

/// The width of `s` at `size` px in the charts' font metrics.
pub fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * CHAR_EM * size
}

/// `s` cut with `…` to fit `px` at `size`.
fn fit(s: &str, px: f64, size: f64) -> String {
    let max = (px / (CHAR_EM * size)).floor() as usize;
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One workload of the graph.
#[derive(Clone, Debug)]
pub struct AgNode {
    /// `ns/name`.
    pub name: String,
    pub namespace: String,
    pub hop: usize,
    /// The node it was first reached from (None for the start).
    pub parent: Option<usize>,
    /// The ports of that edge, as the paths print them.
    pub ports: String,
    /// Crown-jewel selectors it stands for.
    pub jewel: Vec<String>,
    /// It can send to an external address range.
    pub exit: bool,
}

/// The graph of one simulation, ready to lay out.
#[derive(Clone, Debug)]
pub struct AgData {
    pub title: String,
    pub nodes: Vec<AgNode>,
    /// Edges (parent, child) on a shortest path to a crown jewel.
    pub jewel_edges: BTreeSet<(usize, usize)>,
    /// External range rows of the simulation.
    pub exit_ranges: usize,
}

fn plain(w: &str) -> &str {
    w.split('[').next().unwrap_or(w)
}

fn ns_of(w: &str) -> String {
    w.split('/').next().unwrap_or("").to_string()
}

/// `a -[TCP 80]-> b -[any]-> c` → nodes and labels.
fn split_path(p: &str) -> (Vec<&str>, Vec<&str>) {
    let mut nodes = Vec::new();
    let mut labels = Vec::new();
    let mut rest = p;
    while let Some((n, tail)) = rest.split_once(" -[") {
        nodes.push(n);
        let Some((c, tail)) = tail.split_once("]-> ") else {
            break;
        };
        labels.push(c);
        rest = tail;
    }
    nodes.push(rest);
    (nodes, labels)
}

impl AgData {
    /// The shortest-path tree of a simulation, read from its paths (the
    /// start's own other replicas are not a node of their own).
    pub fn from_sim(input: &str, r: &SimResult) -> AgData {
        let mut nodes: Vec<AgNode> = Vec::new();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let starts: Vec<String> = r
            .hops
            .first()
            .map(|h| h.new_workloads.clone())
            .unwrap_or_default();
        for w in &starts {
            index.insert(plain(w).to_string(), nodes.len());
            nodes.push(AgNode {
                name: plain(w).to_string(),
                namespace: ns_of(w),
                hop: 0,
                parent: None,
                ports: String::new(),
                jewel: Vec::new(),
                exit: false,
            });
        }
        // Paths come sorted by hop, so a parent is known before its child.
        for x in &r.reached {
            let name = plain(&x.workload).to_string();
            if x.path.contains(" → ") || index.contains_key(&name) {
                continue;
            }
            let (ns, labels) = split_path(&x.path);
            let parent = ns
                .len()
                .checked_sub(2)
                .and_then(|i| ns.get(i))
                .and_then(|p| index.get(*p).copied())
                .or(if nodes.is_empty() { None } else { Some(0) });
            index.insert(name.clone(), nodes.len());
            nodes.push(AgNode {
                namespace: ns_of(&name),
                name,
                hop: x.hop,
                parent,
                ports: labels.last().map(|l| l.to_string()).unwrap_or_default(),
                jewel: Vec::new(),
                exit: false,
            });
        }
        let mut jewel_edges = BTreeSet::new();
        for t in &r.targets {
            let (Some(w), Some(p)) = (&t.workload, &t.path) else {
                continue;
            };
            if let Some(&i) = index.get(plain(w)) {
                if let Some(n) = nodes.get_mut(i) {
                    n.jewel.push(t.selector.clone());
                }
            }
            let (ns, _) = split_path(p);
            for pair in ns.windows(2) {
                if let [a, b] = pair {
                    if let (Some(&a), Some(&b)) = (index.get(*a), index.get(*b)) {
                        jewel_edges.insert((a, b));
                    }
                }
            }
        }
        for e in &r.exfiltration {
            if let Some(&i) = index.get(plain(&e.from)) {
                if let Some(n) = nodes.get_mut(i) {
                    n.exit = true;
                }
            }
        }
        AgData {
            title: format!("{input}: attack graph from {}", plain(&r.start)),
            nodes,
            jewel_edges,
            exit_ranges: r.exfiltration.len(),
        }
    }
}

/// Barycenter ordering (Sugiyama et al. 1981, the layer-by-layer sweep):
/// `layers` lists node ids per layer, `edges` go from a lower layer to a
/// higher one, `group[v]` keeps nodes of one group (namespace) next to each
/// other. Each down sweep orders a layer by the mean position of its
/// neighbours in the layer above, each up sweep by those below; groups are
/// ordered by their members' mean. Ties keep the current order, so the
/// result is deterministic.
pub fn barycenter_order(
    layers: &mut [Vec<usize>],
    edges: &[(usize, usize)],
    group: &[usize],
    sweeps: usize,
) {
    let n = group.len();
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges {
        if let (Some(d), Some(u)) = (down.get_mut(a), up.get_mut(b)) {
            d.push(b);
            u.push(a);
        }
    }
    let mut pos = vec![0.0f64; n];
    let set_pos = |pos: &mut Vec<f64>, layer: &[usize]| {
        for (i, &v) in layer.iter().enumerate() {
            if let Some(p) = pos.get_mut(v) {
                *p = i as f64;
            }
        }
    };
    for l in layers.iter() {
        set_pos(&mut pos, l);
    }
    let reorder = |pos: &mut Vec<f64>, layer: &mut Vec<usize>, nb: &[Vec<usize>]| {
        let bary = |v: usize, pos: &[f64]| -> f64 {
            let ns = nb.get(v).map_or(&[][..], |x| &x[..]);
            if ns.is_empty() {
                pos.get(v).copied().unwrap_or(0.0)
            } else {
                ns.iter().filter_map(|&u| pos.get(u)).sum::<f64>() / ns.len() as f64
            }
        };
        let mut by_group: BTreeMap<usize, (f64, usize)> = BTreeMap::new();
        for &v in layer.iter() {
            let e = by_group
                .entry(group.get(v).copied().unwrap_or(0))
                .or_default();
            e.0 += bary(v, pos);
            e.1 += 1;
        }
        let gmean = |v: usize| {
            by_group
                .get(&group.get(v).copied().unwrap_or(0))
                .map_or(0.0, |(s, c)| s / *c as f64)
        };
        let mut keyed: Vec<(f64, usize, f64, f64, usize)> = layer
            .iter()
            .map(|&v| {
                let g = group.get(v).copied().unwrap_or(0);
                let cur = pos.get(v).copied().unwrap_or(0.0);
                (gmean(v), g, bary(v, pos), cur, v)
            })
            .collect();
        keyed.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then(a.1.cmp(&b.1))
                .then(a.2.total_cmp(&b.2))
                .then(a.3.total_cmp(&b.3))
        });
        *layer = keyed.into_iter().map(|k| k.4).collect();
        set_pos(pos, layer);
    };
    for _ in 0..sweeps {
        for l in layers.iter_mut().skip(1) {
            reorder(&mut pos, l, &up);
        }
        let len = layers.len();
        for l in layers.iter_mut().take(len.saturating_sub(1)).rev() {
            reorder(&mut pos, l, &down);
        }
    }
}

/// Edge crossings between consecutive layers for an order (the measure the
/// barycenter sweeps reduce).
pub fn crossings(layers: &[Vec<usize>], edges: &[(usize, usize)]) -> usize {
    let mut pos: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for (li, l) in layers.iter().enumerate() {
        for (i, &v) in l.iter().enumerate() {
            pos.insert(v, (li, i));
        }
    }
    let e: Vec<((usize, usize), (usize, usize))> = edges
        .iter()
        .filter_map(|(a, b)| Some((*pos.get(a)?, *pos.get(b)?)))
        .filter(|(a, b)| b.0 == a.0 + 1)
        .collect();
    let mut c = 0;
    for (i, x) in e.iter().enumerate() {
        for y in e.iter().skip(i + 1) {
            let (((la, xa), (_, xb)), ((lb, ya), (_, yb))) = (*x, *y);
            if la == lb && ((xa < ya && xb > yb) || (xa > ya && xb < yb)) {
                c += 1;
            }
        }
    }
    c
}

/// A box in the drawing: a node or a collapsed summary.
enum Slot {
    Node(usize),
    More { count: usize, what: String },
}

/// `attack-graph.svg` for one simulation.
pub fn attack_graph_svg(d: &AgData) -> String {
    let n = d.nodes.len();
    let max_hop = d.nodes.iter().map(|x| x.hop).max().unwrap_or(0);
    // Children and subtree sizes (nodes come parents first).
    let mut size = vec![1usize; n];
    for i in (0..n).rev() {
        if let Some(p) = d.nodes.get(i).and_then(|x| x.parent) {
            let s = size.get(i).copied().unwrap_or(1);
            if let Some(ps) = size.get_mut(p) {
                *ps += s;
            }
        }
    }
    let on_jewel: BTreeSet<usize> = d.jewel_edges.iter().flat_map(|&(a, b)| [a, b]).collect();
    // Visible: per hop the top nodes whose parent is visible.
    let mut visible = vec![false; n];
    let mut columns: Vec<Vec<Slot>> = Vec::new();
    let mut hidden_total = 0usize;
    for h in 0..=max_hop {
        let mut cand: Vec<(usize, &AgNode)> = d
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, x)| x.hop == h)
            .collect();
        cand.sort_by_key(|&(i, x)| {
            let parent_shown = x.parent.is_none_or(|p| visible.get(p) == Some(&true));
            (
                !parent_shown,
                !on_jewel.contains(&i) && x.jewel.is_empty(),
                !x.exit,
                std::cmp::Reverse(size.get(i).copied().unwrap_or(1)),
                x.name.clone(),
            )
        });
        let mut shown = Vec::new();
        let mut hidden: BTreeMap<String, usize> = BTreeMap::new();
        for &(i, x) in &cand {
            let parent_shown = x.parent.is_none_or(|p| visible.get(p) == Some(&true));
            if parent_shown && shown.len() < TOP_PER_HOP {
                shown.push(i);
                if let Some(v) = visible.get_mut(i) {
                    *v = true;
                }
            } else {
                *hidden.entry(x.namespace.clone()).or_default() += 1;
            }
        }
        hidden_total += hidden.values().sum::<usize>();
        let mut col: Vec<Slot> = shown.into_iter().map(Slot::Node).collect();
        let mut h_sorted: Vec<(String, usize)> = hidden.into_iter().collect();
        h_sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let (named, rest) = if h_sorted.len() > SUMMARIES_PER_HOP {
            h_sorted.split_at(SUMMARIES_PER_HOP - 1)
        } else {
            (&h_sorted[..], &[][..])
        };
        for (ns, c) in named {
            col.push(Slot::More {
                count: *c,
                what: format!("in {ns}/…"),
            });
        }
        if !rest.is_empty() {
            col.push(Slot::More {
                count: rest.iter().map(|r| r.1).sum(),
                what: format!("in {} other ns", thousands(rest.len())),
            });
        }
        columns.push(col);
    }
    // Namespace groups and colours: the namespaces with most visible nodes
    // get a palette colour, the rest grey.
    let mut ns_count: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, x) in d.nodes.iter().enumerate() {
        if visible.get(i) == Some(&true) {
            *ns_count.entry(x.namespace.as_str()).or_default() += 1;
        }
    }
    let mut ns_rank: Vec<(&str, usize)> = ns_count.into_iter().collect();
    ns_rank.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    // Palette entries free for namespaces: not the jewel's vermillion, the
    // exits' orange, or black (the text colour).
    const NS_COLOURS: [usize; 5] = [0, 2, 3, 4, 6];
    let colours = NS_COLOURS.len();
    let colour_of: BTreeMap<&str, usize> = ns_rank
        .iter()
        .enumerate()
        .map(|(i, (ns, _))| (*ns, i))
        .collect();
    let colour = |ns: &str| -> String {
        match colour_of.get(ns) {
            Some(&i) if i < colours => {
                let c = NS_COLOURS
                    .get(i)
                    .and_then(|&k| PALETTE.get(k))
                    .copied()
                    .unwrap_or(PALETTE[0]);
                format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
            }
            _ => "#999999".into(),
        }
    };
    // Order each column: barycenter sweeps over the visible nodes.
    let mut layers: Vec<Vec<usize>> = columns
        .iter()
        .map(|c| {
            c.iter()
                .filter_map(|s| match s {
                    Slot::Node(i) => Some(*i),
                    Slot::More { .. } => None,
                })
                .collect()
        })
        .collect();
    let edges: Vec<(usize, usize)> = d
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| visible.get(*i) == Some(&true))
        .filter_map(|(i, x)| Some((x.parent?, i)))
        .collect();
    let group: Vec<usize> = d
        .nodes
        .iter()
        .map(|x| colour_of.get(x.namespace.as_str()).copied().unwrap_or(0))
        .collect();
    barycenter_order(&mut layers, &edges, &group, 4);
    // Column heads; box and gap widths from the widest text they hold.
    // A head is the hop in bold and, below it, how many of its workloads are shown.
    let heads: Vec<(String, String)> = layers
        .iter()
        .enumerate()
        .map(|(c, layer)| {
            let shown = layer.len();
            let total = d.nodes.iter().filter(|x| x.hop == c).count();
            if c == 0 {
                ("start".to_string(), String::new())
            } else if shown < total {
                (
                    format!("hop {c}"),
                    format!(
                        "{} of {}",
                        thousands(shown as u64),
                        count(total, "workload", "workloads")
                    ),
                )
            } else {
                (format!("hop {c}"), count(total, "workload", "workloads"))
            }
        })
        .collect();
    let widest_name = d
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| visible.get(*i) == Some(&true))
        .map(|(_, x)| {
            text_width(&x.name, NAME_SIZE)
                + if x.jewel.is_empty() {
                    0.0
                } else {
                    2.0 * CHAR_EM * NAME_SIZE
                }
        })
        .chain(columns.iter().flatten().map(|s| match s {
            Slot::More { count, what } => text_width(
                &format!("+{} more {what}", thousands(*count as u64)),
                PORT_SIZE,
            ),
            Slot::Node(_) => 0.0,
        }))
        .fold(0.0f64, f64::max);
    let widest_head = heads
        .iter()
        .map(|h| text_width(&h.0, HEAD_SIZE).max(text_width(&h.1, HEAD_SIZE)))
        .fold(0.0f64, f64::max);
    let node_w = (widest_name + 18.0)
        .max(widest_head + 2.0)
        .clamp(MIN_NODE_W, NODE_W);
    // A port label on one line when the widest fits in a gap of
    // ONE_LINE_GAP, else split at its commas onto two lines (see port_lines).
    let ports_of = || {
        edges
            .iter()
            .filter_map(|&(_, b)| d.nodes.get(b))
            .map(|x| x.ports.as_str())
    };
    let widest_port = ports_of()
        .map(|p| text_width(p, PORT_SIZE))
        .fold(0.0f64, f64::max);
    let gap = if widest_port + 24.0 <= ONE_LINE_GAP {
        (widest_port + 24.0).max(MIN_GAP)
    } else {
        let widest_piece = ports_of()
            .flat_map(|p| p.split(','))
            .map(|piece| text_width(piece, PORT_SIZE) + text_width(",", PORT_SIZE))
            .fold(0.0f64, f64::max);
        (widest_piece + 24.0).clamp(MIN_GAP, GAP)
    };
    // Positions.
    let ncols = columns.len() + usize::from(d.exit_ranges > 0);
    let rows = columns.iter().map(|c| c.len()).max().unwrap_or(1).max(1);
    let mut xy: BTreeMap<usize, (f64, f64)> = BTreeMap::new();
    let col_x = |c: usize| MARGIN + c as f64 * (node_w + gap);
    // The internet column is as wide as its box's text.
    let inet_label = count(d.exit_ranges, "external range", "external ranges");
    let inet_w = (text_width(&inet_label, NAME_SIZE) + 14.0)
        .max(text_width("internet", HEAD_SIZE) + 2.0)
        .min(node_w);
    let mut body = String::new();
    let mut more_boxes: Vec<(f64, f64, String)> = Vec::new();
    for (c, (col, layer)) in columns.iter().zip(&layers).enumerate() {
        let x = col_x(c);
        for (r, &i) in layer.iter().enumerate() {
            xy.insert(i, (x, TOP + r as f64 * ROW_H));
        }
        let mut r = layer.len();
        for s in col {
            if let Slot::More { count, what } = s {
                more_boxes.push((
                    x,
                    TOP + r as f64 * ROW_H,
                    format!("+{} more {what}", thousands(*count as u64)),
                ));
                r += 1;
            }
        }
        let (hop, shown) = heads.get(c).cloned().unwrap_or_default();
        let _ = writeln!(
            body,
            r#"<text x="{:.1}" y="{:.1}" font-family="{FONT}" font-size="{HEAD_SIZE}" font-weight="bold">{}</text>"#,
            x,
            TOP - 31.0,
            esc(&fit(&hop, node_w, HEAD_SIZE))
        );
        if !shown.is_empty() {
            let _ = writeln!(
                body,
                r#"<text x="{:.1}" y="{:.1}" font-family="{FONT}" font-size="{HEAD_SIZE}">{}</text>"#,
                x,
                TOP - 14.0,
                esc(&fit(&shown, node_w, HEAD_SIZE))
            );
        }
    }
    let graph_h = TOP + rows as f64 * ROW_H;
    // Internet column.
    let inet = (d.exit_ranges > 0).then(|| (col_x(columns.len()), TOP));
    // Edges first (under the boxes).
    for &(a, b) in &edges {
        let (Some(&(ax, ay)), Some(&(bx, by))) = (xy.get(&a), xy.get(&b)) else {
            continue;
        };
        let (x1, y1, x2, y2) = (ax + node_w, ay + NODE_H / 2.0, bx, by + NODE_H / 2.0);
        let mx = (x1 + x2) / 2.0;
        let hot = d.jewel_edges.contains(&(a, b));
        let (stroke, width) = if hot { (JEWEL, 2.5) } else { ("#777777", 1.0) };
        let _ = writeln!(
            body,
            r#"<path d="M{x1:.1},{y1:.1} C{mx:.1},{y1:.1} {mx:.1},{y2:.1} {x2:.1},{y2:.1}" fill="none" stroke="{stroke}" stroke-width="{width}"/>"#
        );
        let ports = d.nodes.get(b).map_or("", |x| x.ports.as_str());
        let (first, second) = port_lines(ports, gap - 16.0);
        // The second line sits on the edge's end, the first above it.
        for (line, dy) in [
            (first, if second.is_empty() { 4.0 } else { 18.0 }),
            (second, 4.0),
        ] {
            if line.is_empty() {
                continue;
            }
            let _ = writeln!(
                body,
                r#"<text x="{:.1}" y="{:.1}" font-family="{FONT}" font-size="{PORT_SIZE}" text-anchor="end" fill="{}">{}</text>"#,
                x2 - 4.0,
                y2 - dy,
                if hot { JEWEL } else { "#333333" },
                esc(&fit(&line, gap - 16.0, PORT_SIZE))
            );
        }
    }
    if let Some((ix, iy)) = inet {
        for (i, x) in d.nodes.iter().enumerate() {
            let Some(&(ax, ay)) = xy.get(&i) else {
                continue;
            };
            if !x.exit {
                continue;
            }
            let (x1, y1, x2, y2) = (ax + node_w, ay + NODE_H / 2.0, ix, iy + NODE_H / 2.0);
            let mx = (x1 + x2) / 2.0;
            let _ = writeln!(
                body,
                r#"<path d="M{x1:.1},{y1:.1} C{mx:.1},{y1:.1} {mx:.1},{y2:.1} {x2:.1},{y2:.1}" fill="none" stroke="{EXIT}" stroke-width="1.5" stroke-dasharray="6,4"/>"#
            );
        }
        let _ = writeln!(
            body,
            r#"<text x="{:.1}" y="{:.1}" font-family="{FONT}" font-size="{HEAD_SIZE}" font-weight="bold">internet</text>"#,
            ix,
            TOP - 31.0
        );
        let label = inet_label.clone();
        let _ = writeln!(
            body,
            r##"<rect x="{ix:.1}" y="{iy:.1}" width="{inet_w:.1}" height="{NODE_H:.1}" rx="4" fill="#FFF4E0" stroke="{EXIT}" stroke-width="2"/>"##
        );
        let _ = writeln!(
            body,
            r#"<text x="{:.1}" y="{:.1}" font-family="{FONT}" font-size="{NAME_SIZE}">{}</text>"#,
            ix + 6.0,
            iy + 15.0,
            esc(&fit(&label, inet_w - 12.0, NAME_SIZE))
        );
    }
    // Boxes.
    for (&i, &(x, y)) in &xy {
        let Some(node) = d.nodes.get(i) else { continue };
        let c = colour(&node.namespace);
        let jewel = !node.jewel.is_empty();
        let (stroke, sw) = if jewel {
            (JEWEL.to_string(), 3.0)
        } else if node.exit {
            (EXIT.to_string(), 2.0)
        } else {
            (c.clone(), 1.5)
        };
        let _ = writeln!(
            body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{node_w:.1}" height="{NODE_H:.1}" rx="4" fill="{c}" fill-opacity="0.22" stroke="{stroke}" stroke-width="{sw}"/>"#
        );
        let _ = writeln!(
            body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="6" height="{NODE_H:.1}" fill="{c}"/>"#
        );
        let name = if jewel {
            format!("★ {}", node.name)
        } else {
            node.name.clone()
        };
        let _ = writeln!(
            body,
            r#"<text x="{:.1}" y="{:.1}" font-family="{FONT}" font-size="{NAME_SIZE}">{}</text>"#,
            x + 10.0,
            y + 15.0,
            esc(&fit(&name, node_w - 16.0, NAME_SIZE))
        );
    }
    for (x, y, label) in &more_boxes {
        let _ = writeln!(
            body,
            r##"<rect x="{x:.1}" y="{y:.1}" width="{node_w:.1}" height="{NODE_H:.1}" rx="4" fill="#F2F2F2" stroke="#999999" stroke-dasharray="3,3"/>"##
        );
        let _ = writeln!(
            body,
            r#"<text x="{:.1}" y="{:.1}" font-family="{FONT}" font-size="{PORT_SIZE}" font-style="italic">{}</text>"#,
            x + 10.0,
            y + 15.0,
            esc(&fit(label, node_w - 16.0, PORT_SIZE))
        );
    }
    // Legend: namespaces, then the marks, wrapped to the width.
    let width = (MARGIN * 2.0
        + columns.len() as f64 * node_w
        + ncols.saturating_sub(1) as f64 * gap
        + if d.exit_ranges > 0 { inet_w } else { 0.0 })
    .max(800.0);
    let mut items: Vec<(String, String, &str)> = ns_rank
        .iter()
        .take(colours)
        .map(|(ns, _)| (colour(ns), format!("namespace {ns}"), "box"))
        .collect();
    if ns_rank.len() > colours {
        items.push((
            "#999999".into(),
            format!("{} other namespaces", thousands(ns_rank.len() - colours)),
            "box",
        ));
    }
    if d.nodes.iter().any(|x| !x.jewel.is_empty()) {
        items.push((
            JEWEL.into(),
            "★ crown jewel, and the shortest path to it".into(),
            "line",
        ));
    }
    if d.exit_ranges > 0 {
        items.push((EXIT.into(), "can send to the internet".into(), "dash"));
    }
    items.push((
        "#777777".into(),
        "edge: how the workload was first reached, with its ports".into(),
        "line",
    ));
    let mut legend = String::new();
    let (mut lx, mut ly) = (MARGIN, graph_h + 24.0);
    for (c, label, kind) in &items {
        let w = 26.0 + text_width(label, LEGEND_SIZE) + 20.0;
        if lx + w > width - MARGIN && lx > MARGIN {
            lx = MARGIN;
            ly += 22.0;
        }
        match *kind {
            "box" => {
                let _ = writeln!(
                    legend,
                    r#"<rect x="{lx:.1}" y="{:.1}" width="18" height="12" fill="{c}"/>"#,
                    ly - 10.0
                );
            }
            k => {
                let dash = if k == "dash" {
                    r#" stroke-dasharray="6,4""#
                } else {
                    ""
                };
                let _ = writeln!(
                    legend,
                    r#"<path d="M{lx:.1},{:.1} L{:.1},{:.1}" stroke="{c}" stroke-width="2.5"{dash}/>"#,
                    ly - 4.0,
                    lx + 18.0,
                    ly - 4.0
                );
            }
        }
        let _ = writeln!(
            legend,
            r#"<text x="{:.1}" y="{ly:.1}" font-family="{FONT}" font-size="{LEGEND_SIZE}">{}</text>"#,
            lx + 26.0,
            esc(label)
        );
        lx += w;
    }
    ly += 22.0;
    let note = if hidden_total > 0 {
        format!(
            "{} in {} hops; each hop shows its top {TOP_PER_HOP} (crown-jewel paths, exits, most reached beyond them); {} more are collapsed into \"+N more\" boxes.",
            count(n, "workload", "workloads"),
            max_hop,
            thousands(hidden_total)
        )
    } else {
        format!(
            "{} in {max_hop} hops, all shown.",
            count(n, "workload", "workloads")
        )
    };
    let note = fit(&note, width - 2.0 * MARGIN, LEGEND_SIZE);
    let _ = writeln!(
        legend,
        r#"<text x="{MARGIN:.1}" y="{ly:.1}" font-family="{FONT}" font-size="{LEGEND_SIZE}">{}</text>"#,
        esc(&note)
    );
    let height = ly + 16.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" xmlns="http://www.w3.org/2000/svg">"#
    );
    let _ = writeln!(
        s,
        r#"<rect x="0" y="0" width="{width:.0}" height="{height:.0}" fill="white"/>"#
    );
    let _ = writeln!(
        s,
        r#"<text x="{MARGIN:.1}" y="30.0" font-family="{FONT}" font-size="{TITLE_SIZE}">{}</text>"#,
        esc(&fit(&d.title, width - 2.0 * MARGIN, TITLE_SIZE))
    );
    s.push_str(&body);
    s.push_str(&legend);
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two parents in layer 0 whose children start crossed: the down sweep
    /// (Sugiyama et al. 1981, barycenter method) uncrosses them.
    #[test]
    fn barycenter_sweeps_remove_a_crossing() {
        // 0 -> 3, 1 -> 2; layer 1 starts as [2, 3]: one crossing.
        let edges = [(0, 3), (1, 2)];
        let mut layers = vec![vec![0, 1], vec![2, 3]];
        assert_eq!(crossings(&layers, &edges), 1);
        barycenter_order(&mut layers, &edges, &[0, 0, 0, 0], 2);
        assert_eq!(crossings(&layers, &edges), 0);
        assert_eq!(layers[1], vec![3, 2]);
    }

    /// Members of one group (namespace) stay next to each other, groups
    /// ordered by their members' mean barycenter; ties keep the order.
    #[test]
    fn groups_stay_together() {
        // Parents 0, 1, 2; children 3 (of 0, group 1), 4 (of 1, group 2),
        // 5 (of 2, group 1): group 1's mean is 1, group 2's is 1 too; the
        // tie is broken by group id, so [3, 5, 4].
        let edges = [(0, 3), (1, 4), (2, 5)];
        let mut layers = vec![vec![0, 1, 2], vec![4, 3, 5]];
        barycenter_order(&mut layers, &edges, &[0, 0, 0, 1, 2, 1], 3);
        assert_eq!(layers[1], vec![3, 5, 4]);
        let again = {
            let mut l = vec![vec![0, 1, 2], vec![4, 3, 5]];
            barycenter_order(&mut l, &edges, &[0, 0, 0, 1, 2, 1], 3);
            l
        };
        assert_eq!(layers, again, "deterministic");
    }

    #[test]
    fn fit_cuts_with_an_ellipsis_within_the_width() {
        let s = fit("ns-00001/a-very-long-workload-name-indeed", 100.0, 12.0);
        assert!(text_width(&s, 12.0) <= 100.0, "{s}");
        assert!(s.ends_with('…'));
        assert_eq!(fit("short", 100.0, 12.0), "short");
    }

    #[test]
    fn split_path_reads_nodes_and_ports() {
        let (n, l) = split_path("a/x -[TCP 80]-> a/y -[any]-> b/z");
        assert_eq!(n, vec!["a/x", "a/y", "b/z"]);
        assert_eq!(l, vec!["TCP 80", "any"]);
    }
}
