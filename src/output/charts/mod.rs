//! SVG charts (plotters for the plot areas; legends, colour scales and
//! labels placed here). Fixed sizes, a colour-blind-safe palette
//! (Okabe-Ito), no timestamps and only sorted inputs: the same data gives
//! byte-identical SVG.
//!
//! Layout rules, checked by `tests/charts.rs` on the shop and on a
//! 10,000-pod / 50-namespace cluster: no two text boxes overlap, every text
//! is inside the canvas, and every visible series has a legend entry. Text
//! widths come from the charts' one font metric
//! ([`attack_graph::text_width`](crate::output::attack_graph::text_width));
//! legends sit below the plot, never over it; label areas are as wide as
//! their labels; stacked charts show the top [`TOP_SERIES`] namespaces and
//! one "other" series, so no colour repeats.

mod draw;

use crate::util::text::{count, group_digits, thousands};
use draw::*;
pub use draw::{line_style, ChartError, LineStyle, PALETTE};
use plotters::coord::ranged1d::SegmentValue;
use plotters::coord::types::{RangedCoordu32, RangedCoordu64};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

// -------------------------------------------------------------- bar charts

/// The frame shared by the horizontal bar charts: one row per label, the
/// first label on top, values on x from 0 to `xmax`.
type HBarChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<RangedCoordu64, plotters::coord::ranged1d::SegmentedCoord<RangedCoordu32>>,
>;

/// Widest row label of a bar chart, in px; longer ones are cut.
const MAX_ROW_LABEL: f64 = 380.0;

/// Row labels cut to [`MAX_ROW_LABEL`], and the label area they need
/// (labels, a gap, the rotated axis title).
fn row_labels(labels: &[String]) -> (Vec<String>, u32) {
    let cut: Vec<String> = labels
        .iter()
        .map(|l| fit(l, MAX_ROW_LABEL, LABEL))
        .collect();
    let widest = cut.iter().map(|l| tw(l, LABEL)).fold(0.0, f64::max);
    (cut, widest.ceil() as u32 + 20 + th(DESC).ceil() as u32 + 14)
}

fn hbar_frame<'a, 'b>(
    root: &'a Area<'b>,
    title: &str,
    labels: &[String],
    xmax: u64,
    x_desc: &str,
    y_desc: &str,
) -> Res<HBarChart<'a, 'b>> {
    let n = labels.len().max(1) as u32;
    let (labels, label_area) = row_labels(labels);
    // Room right of the longest bar for its value.
    let value_room = tw(&format!(" {}", thousands(xmax)), LABEL).ceil() as u32 + 6;
    let width = root.dim_in_pixel().0;
    draw_title(root, title)?;
    let mut chart = ChartBuilder::on(root)
        .margin(MARGIN)
        .margin_top(TITLE_ROOM)
        .margin_right(MARGIN + value_room)
        .x_label_area_size(45)
        .y_label_area_size(label_area)
        .build_cartesian_2d(
            0u64..xmax.max(1),
            (0u32..n.saturating_sub(1).max(1)).into_segmented(),
        )
        .map_err(err)?;
    let label_of = |v: &SegmentValue<u32>| -> String {
        match v {
            SegmentValue::CenterOf(i) => (n - 1)
                .checked_sub(*i)
                .and_then(|k| labels.get(k as usize))
                .cloned()
                .unwrap_or_default(),
            _ => String::new(),
        }
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n as usize)
        .x_labels(6)
        .y_label_formatter(&label_of)
        .x_label_formatter(&|v: &u64| thousands(*v))
        .x_desc(fit(
            x_desc,
            f64::from(width) - f64::from(label_area) - 40.0,
            DESC,
        ))
        .y_desc(y_desc)
        .label_style((FONT, LABEL))
        .axis_desc_style((FONT, DESC))
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// Canvas width of a bar chart: wide enough for its labels and a plot.
fn hbar_width(labels: &[String]) -> u32 {
    WIDTH.max(row_labels(labels).1 + 420)
}

/// Chart 2, `ranking.svg`: horizontal bars, largest blast radius on top.
pub fn ranking(title: &str, items: &[(String, u64)], total_pods: u64) -> Res<String> {
    ranking_with(
        title,
        items,
        total_pods,
        &format!(
            "pods compromised (blast radius, of {} pods)",
            thousands(total_pods)
        ),
        "compromised workload",
    )
}

/// Horizontal bars with chosen axis labels (ranking, choke points).
pub fn ranking_with(
    title: &str,
    items: &[(String, u64)],
    total_pods: u64,
    x_desc: &str,
    y_desc: &str,
) -> Res<String> {
    let mut buf = String::new();
    {
        let n = items.len().max(1) as u32;
        let height = 130 + 30 * n;
        let labels: Vec<String> = items.iter().map(|x| x.0.clone()).collect();
        let root =
            SVGBackend::with_string(&mut buf, (hbar_width(&labels), height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let xmax = items.iter().map(|i| i.1).max().unwrap_or(0).max(total_pods);
        let mut chart = hbar_frame(&root, title, &labels, xmax, x_desc, y_desc)?;
        chart
            .draw_series(items.iter().enumerate().map(|(i, (_, v))| {
                let y = n - 1 - i as u32;
                let mut r = Rectangle::new(
                    [
                        (0, SegmentValue::Exact(y)),
                        (*v, SegmentValue::Exact(y + 1)),
                    ],
                    PALETTE[0].filled(),
                );
                r.set_margin(4, 4, 0, 0);
                r
            }))
            .map_err(err)?;
        chart
            .draw_series(items.iter().enumerate().map(|(i, (_, v))| {
                let y = n - 1 - i as u32;
                Text::new(
                    format!(" {}", thousands(*v)),
                    (*v, SegmentValue::CenterOf(y)),
                    (FONT, LABEL)
                        .into_font()
                        .color(&BLACK)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                )
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// Before/after blast radius per workload: two bars each (before, after).
pub fn paired_bars(title: &str, items: &[(String, u64, u64)], total_pods: u64) -> Res<String> {
    let mut buf = String::new();
    {
        let n = items.len().max(1) as u32;
        let plot_h = 150 + 36 * n;
        let labels: Vec<String> = items.iter().map(|x| x.0.clone()).collect();
        let width = hbar_width(&labels);
        let sides = [("before", PALETTE[4]), ("after", PALETTE[5])];
        let entries: Vec<Entry> = sides
            .iter()
            .map(|(l, c)| Entry {
                swatch: Swatch::Block(*c),
                label: (*l).to_string(),
            })
            .collect();
        let height = plot_h + legend_height(&entries, width);
        let root = SVGBackend::with_string(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (upper, _) = root.split_vertically(plot_h);
        let xmax = items
            .iter()
            .map(|i| i.1.max(i.2))
            .max()
            .unwrap_or(0)
            .max(total_pods);
        let mut chart = hbar_frame(
            &upper,
            title,
            &labels,
            xmax,
            &format!(
                "pods compromised (blast radius, of {} pods)",
                thousands(total_pods)
            ),
            "compromised workload",
        )?;
        for (k, (_, color)) in sides.into_iter().enumerate() {
            let bars: Vec<Rectangle<(u64, SegmentValue<u32>)>> = items
                .iter()
                .enumerate()
                .map(|(i, it)| {
                    let y = n - 1 - i as u32;
                    let v = if k == 0 { it.1 } else { it.2 };
                    let mut r = Rectangle::new(
                        [(0, SegmentValue::Exact(y)), (v, SegmentValue::Exact(y + 1))],
                        color.filled(),
                    );
                    // before in the upper half of the row, after in the lower half
                    if k == 0 {
                        r.set_margin(4, 16, 0, 0);
                    } else {
                        r.set_margin(16, 4, 0, 0);
                    }
                    r
                })
                .collect();
            chart.draw_series(bars).map_err(err)?;
        }
        draw_legend(&root, &entries, plot_h, width)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// Chart 4, `hop-by-namespace.svg`: new pods per hop, stacked by
/// namespace; `rows[h][k]` is the new pods of namespace k at hop h. The
/// [`TOP_SERIES`] namespaces with the most pods are shown by name (largest
/// at the bottom of each bar, first in the legend), the rest as one grey
/// "other" series; the legend is below the plot.
pub fn hop_by_namespace(title: &str, namespaces: &[String], rows: &[Vec<u64>]) -> Res<String> {
    // Total per namespace; rank by it, then by name.
    let total = |k: usize| -> u64 { rows.iter().filter_map(|r| r.get(k)).sum() };
    let mut order: Vec<usize> = (0..namespaces.len()).filter(|&k| total(k) > 0).collect();
    order.sort_by(|&a, &b| {
        total(b)
            .cmp(&total(a))
            .then_with(|| namespaces.get(a).cmp(&namespaces.get(b)))
    });
    // Shown series: (label, colour, per-hop values).
    let mut series: Vec<(String, RGBColor, Vec<u64>)> = Vec::new();
    let fold = order.len() > TOP_SERIES;
    let named = if fold { TOP_SERIES - 1 } else { order.len() };
    for (i, &k) in order.iter().take(named).enumerate() {
        let name = namespaces.get(k).cloned().unwrap_or_default();
        series.push((
            format!("{name} ({} pods)", thousands(total(k))),
            palette(i),
            rows.iter()
                .map(|r| r.get(k).copied().unwrap_or(0))
                .collect(),
        ));
    }
    if fold {
        let rest: Vec<usize> = order.iter().skip(named).copied().collect();
        let values: Vec<u64> = rows
            .iter()
            .map(|r| rest.iter().filter_map(|&k| r.get(k)).sum())
            .collect();
        series.push((
            format!(
                "other: {} namespaces ({} pods)",
                thousands(rest.len()),
                thousands(values.iter().sum::<u64>())
            ),
            GREY,
            values,
        ));
    }
    let entries: Vec<Entry> = series
        .iter()
        .map(|(l, c, _)| Entry {
            swatch: Swatch::Block(*c),
            label: l.clone(),
        })
        .collect();
    let plot_h = 500;
    let height = plot_h + legend_height(&entries, WIDTH);
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (upper, _) = root.split_vertically(plot_h);
        let hops = rows.len().max(1) as u32;
        let ymax = rows
            .iter()
            .map(|r| r.iter().sum::<u64>())
            .max()
            .unwrap_or(0)
            .max(1);
        draw_title(&root, title)?;
        let mut chart = ChartBuilder::on(&upper)
            .margin(MARGIN)
            .margin_top(TITLE_ROOM)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(
                (0u32..hops.saturating_sub(1).max(1)).into_segmented(),
                0u64..ymax + ymax / 10 + 1,
            )
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(hops as usize)
            .y_labels(8)
            .y_label_formatter(&|v: &u64| thousands(*v))
            .x_desc("hop (lateral-movement steps from the start)")
            .y_desc("pods newly compromised at this hop")
            .label_style((FONT, LABEL))
            .axis_desc_style((FONT, DESC))
            .draw()
            .map_err(err)?;
        for h in 0..rows.len() {
            let mut below = 0u64;
            for (_, color, values) in &series {
                let v = values.get(h).copied().unwrap_or(0);
                if v == 0 {
                    continue;
                }
                let mut rect = Rectangle::new(
                    [
                        (SegmentValue::Exact(h as u32), below),
                        (SegmentValue::Exact(h as u32 + 1), below + v),
                    ],
                    color.filled(),
                );
                rect.set_margin(0, 0, 12, 12);
                chart.draw_series(std::iter::once(rect)).map_err(err)?;
                below += v;
            }
        }
        draw_legend(&root, &entries, plot_h, WIDTH)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

// -------------------------------------------------------------- line chart

/// One line of the reach-by-hop chart.
pub struct HopSeries {
    pub name: String,
    /// Cumulative pods compromised at hop 0, 1, …
    pub pods: Vec<u64>,
}

/// A crown jewel falling at a hop, marked on its series' line.
pub struct JewelMark {
    pub series: usize,
    pub hop: usize,
    pub label: String,
}

/// Where a jewel label may go, relative to its mark: (dx, dy, anchor).
const JEWEL_SPOTS: [(i32, i32, HPos); 8] = [
    (10, -14, HPos::Left),
    (10, 14, HPos::Left),
    (-10, -14, HPos::Right),
    (-10, 14, HPos::Right),
    (10, -30, HPos::Left),
    (-10, -30, HPos::Right),
    (10, 30, HPos::Left),
    (-10, 30, HPos::Right),
];

/// Chart 1, `reach-by-hop.svg`: cumulative pods (and % of the cluster) per
/// hop. Starting points with the same curve share one line (the legend
/// says "same curve"); each line has its own colour, dash and marker.
/// Crown jewels are triangles on the lines with their selectors next to
/// them where the label fits without touching another, else in the legend.
pub fn reach_by_hop(
    title: &str,
    series: &[HopSeries],
    total_pods: u64,
    jewels: &[JewelMark],
) -> Res<String> {
    // Lines: groups of starting points whose curves are the same, or so
    // close that two lines could not be told apart (every hop within
    // `near_pods` of the group's first curve: 0.5% of the cluster, 2.5 px
    // of the plot); the legend says which, and by how much.
    let near_pods = total_pods / 200;
    let mut groups: Vec<Line<'_>> = Vec::new();
    for (i, s) in series.iter().enumerate() {
        let gap = |g: &[u64]| -> Option<u64> {
            (g.len() == s.pods.len()).then(|| {
                g.iter()
                    .zip(&s.pods)
                    .map(|(a, b)| a.abs_diff(*b))
                    .max()
                    .unwrap_or(0)
            })
        };
        match groups
            .iter_mut()
            .find(|g| gap(g.1).is_some_and(|d| d <= near_pods))
        {
            Some(g) => {
                let d = gap(g.1).unwrap_or(0);
                g.0.push((i, d));
            }
            None => groups.push((vec![(i, 0)], &s.pods)),
        }
    }
    let mut entries: Vec<Entry> = Vec::new();
    for (gi, (members, _)) in groups.iter().enumerate() {
        for (k, &(i, d)) in members.iter().enumerate() {
            let name = series.get(i).map(|s| s.name.as_str()).unwrap_or_default();
            entries.push(Entry {
                swatch: Swatch::Line(line_style(gi)),
                label: if k == 0 {
                    name.to_string()
                } else if d == 0 {
                    format!("{name} (same curve)")
                } else {
                    format!("{name} (same line, within {})", count(d, "pod", "pods"))
                },
            });
        }
    }
    // Jewel marks merged per point: (hop, pods) -> selectors, the series.
    let mut marks: Vec<((usize, u64), Vec<String>, String)> = Vec::new();
    for j in jewels {
        let Some(s) = series.get(j.series) else {
            continue;
        };
        let Some(&y) = s.pods.get(j.hop) else {
            continue;
        };
        match marks.iter_mut().find(|m| m.0 == (j.hop, y)) {
            Some(m) => {
                if !m.1.contains(&j.label) {
                    m.1.push(j.label.clone());
                }
            }
            None => marks.push(((j.hop, y), vec![j.label.clone()], s.name.clone())),
        }
    }
    if !marks.is_empty() {
        entries.push(Entry {
            swatch: Swatch::Jewel,
            label: "crown jewel reached (its selector beside it)".into(),
        });
    }
    // Pass 1 finds the labels that do not fit; pass 2 lists them in the legend.
    let mut moved = Vec::new();
    for _ in 0..2 {
        let mut all: Vec<Entry> = Vec::new();
        for e in &entries {
            all.push(Entry {
                swatch: e.swatch,
                label: e.label.clone(),
            });
        }
        all.extend(moved.iter().map(|l: &String| Entry {
            swatch: Swatch::Jewel,
            label: l.clone(),
        }));
        let (svg, unplaced) = reach_svg(title, &groups, total_pods, &marks, &all)?;
        if unplaced.len() == moved.len() {
            return Ok(svg);
        }
        moved = unplaced;
    }
    let all: Vec<Entry> = entries
        .into_iter()
        .chain(moved.iter().map(|l| Entry {
            swatch: Swatch::Jewel,
            label: l.clone(),
        }))
        .collect();
    reach_svg(title, &groups, total_pods, &marks, &all).map(|r| r.0)
}

type Marks = [((usize, u64), Vec<String>, String)];

/// One line of reach-by-hop: its starting points (series index, and how far
/// its curve is from the line's, in pods) and the curve drawn.
type Line<'a> = (Vec<(usize, u64)>, &'a [u64]);

/// The reach-by-hop SVG with these legend entries, and the jewel labels
/// that found no free spot (as legend lines).
fn reach_svg(
    title: &str,
    groups: &[Line<'_>],
    total_pods: u64,
    marks: &Marks,
    entries: &[Entry],
) -> Res<(String, Vec<String>)> {
    let mut buf = String::new();
    let mut unplaced = Vec::new();
    {
        let plot_h = 500;
        let height = plot_h + legend_height(entries, WIDTH);
        let root = SVGBackend::with_string(&mut buf, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (upper, _) = root.split_vertically(plot_h);
        let max_hop = groups
            .iter()
            .map(|g| g.1.len().saturating_sub(1))
            .max()
            .unwrap_or(0)
            .max(1) as u32;
        let ymax = total_pods.max(1);
        draw_title(&root, title)?;
        let mut chart = ChartBuilder::on(&upper)
            .margin(MARGIN)
            .margin_top(TITLE_ROOM)
            .x_label_area_size(45)
            .y_label_area_size(75)
            .right_y_label_area_size(75)
            .build_cartesian_2d(0u32..max_hop, 0u64..ymax)
            .map_err(err)?
            .set_secondary_coord(0u32..max_hop, 0f64..100f64);
        chart
            .configure_mesh()
            .x_desc("hop (lateral-movement steps from the compromised pod)")
            .y_desc("pods compromised (cumulative)")
            .x_labels(max_hop as usize + 1)
            .y_labels(8)
            .y_label_formatter(&|v: &u64| thousands(*v))
            .label_style((FONT, LABEL))
            .axis_desc_style((FONT, DESC))
            .draw()
            .map_err(err)?;
        chart
            .configure_secondary_axes()
            .y_desc("% of cluster pods")
            .y_labels(8)
            .label_style((FONT, LABEL))
            .axis_desc_style((FONT, DESC))
            .draw()
            .map_err(err)?;
        let px = |h: usize, y: u64| chart.backend_coord(&(h as u32, y));
        // The first line drawn last, on top.
        for (gi, (_, pods)) in groups.iter().enumerate().rev() {
            let st = line_style(gi);
            let pts: Vec<(i32, i32)> = pods.iter().enumerate().map(|(h, &y)| px(h, y)).collect();
            draw_path(&root, &pts, st.color, st.dash)?;
            for &p in &pts {
                draw_marker(&root, p, st.marker, st.color)?;
            }
        }
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        // A label keeps clear of other labels, of every point marker and of
        // every jewel mark, so it can only belong to the mark beside it.
        let dot = |(x, y): (i32, i32), r: f64| {
            let (x, y) = (f64::from(x), f64::from(y));
            (x - r, y - r, x + r, y + r)
        };
        let mut placed: Vec<TextBox> = groups
            .iter()
            .flat_map(|g| g.1.iter().enumerate().map(|(h, &y)| dot(px(h, y), 5.0)))
            .chain(marks.iter().map(|m| dot(px(m.0 .0, m.0 .1), 9.0)))
            .collect();
        for ((hop, y), labels, start) in marks {
            let at = px(*hop, *y);
            draw_jewel(&root, at)?;
            let label = labels.join(", ");
            let w = tw(&label, LABEL);
            let h = th(LABEL);
            let spot = JEWEL_SPOTS.iter().find_map(|&(dx, dy, hp)| {
                let x = f64::from(at.0 + dx);
                let yc = f64::from(at.1 + dy);
                let x0 = if matches!(hp, HPos::Right) { x - w } else { x };
                let b = (
                    x0 - 1.0,
                    yc - h / 2.0 - 1.0,
                    x0 + w + 1.0,
                    yc + h / 2.0 + 1.0,
                );
                let inside = b.0 >= f64::from(xr.start)
                    && b.2 <= f64::from(xr.end)
                    && b.1 >= f64::from(yr.start)
                    && b.3 <= f64::from(yr.end);
                (inside && !placed.iter().any(|p| overlaps(p, &b))).then_some((dx, dy, hp, b))
            });
            match spot {
                Some((dx, dy, hp, b)) => {
                    placed.push(b);
                    root.draw(&Text::new(
                        label,
                        (at.0 + dx, at.1 + dy),
                        (FONT, LABEL)
                            .into_font()
                            .color(&BLACK)
                            .pos(Pos::new(hp, VPos::Center)),
                    ))
                    .map_err(err)?;
                }
                None => unplaced.push(format!("{label}: hop {hop} from {start}")),
            }
        }
        draw_legend(&root, entries, plot_h, WIDTH)?;
        root.present().map_err(err)?;
    }
    Ok((buf, unplaced))
}

// ----------------------------------------------------------------- heatmap

/// A sequential, colour-blind-safe ramp (viridis stops).
fn ramp(v: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 5] = [
        (68, 1, 84),
        (59, 82, 139),
        (33, 145, 140),
        (94, 201, 98),
        (253, 231, 37),
    ];
    let v = v.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (v.floor() as usize).min(STOPS.len() - 2);
    let t = v - i as f64;
    let (Some(&a), Some(&b)) = (STOPS.get(i), STOPS.get(i + 1)) else {
        return RGBColor(253, 231, 37);
    };
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Width of the colour scale right of a heatmap.
const SCALE_W: u32 = 170;

/// Chart 3, `namespace-matrix.svg` (and `pod-matrix.svg`): share of
/// (source, destination) pod pairs allowed; rows are sources, columns
/// destinations, the value printed in each cell (in %, without the sign in
/// small cells; none beyond 60 rows) and a colour scale from 0% to 100%
/// on the right; a cell with no pair (None) is grey with a dash. More than
/// 6 columns, or names too wide for a column, are numbered as the rows.
pub fn matrix(
    title: &str,
    labels: &[String],
    values: &[Vec<Option<f64>>],
    axis: &str,
) -> Res<String> {
    let mut buf = String::new();
    {
        let n = labels.len().max(1) as u32;
        let widest = labels.iter().map(|l| tw(l, LABEL)).fold(0.0, f64::max);
        // Full names under the columns when a few fit, else numbers.
        let numbered = n > 6 || widest > 150.0;
        let (cell, value_size) = match n {
            0..=12 => (
                if numbered {
                    40
                } else {
                    (widest.ceil() as u32 + 12).max(40)
                },
                Some(LABEL),
            ),
            13..=60 => (22, Some(10.0)),
            _ => (14, None),
        };
        let rows: Vec<String> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                if numbered {
                    format!("{} [{}]", fit(l, 300.0, LABEL), i + 1)
                } else {
                    l.clone()
                }
            })
            .collect();
        let row_w = rows.iter().map(|l| tw(l, LABEL)).fold(0.0, f64::max);
        let y_area = row_w.ceil() as u32 + 20 + th(DESC).ceil() as u32 + 14;
        let plot_w = y_area + cell * n + 2 * MARGIN;
        let width = WIDTH.max(plot_w + SCALE_W);
        let height = 150 + cell * n;
        let root = SVGBackend::with_string(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (left, _) = root.split_horizontally(width - SCALE_W);
        let mut chart = ChartBuilder::on(&left)
            .margin(MARGIN)
            .margin_top(TITLE_ROOM)
            .x_label_area_size(50)
            .y_label_area_size(y_area)
            .build_cartesian_2d(
                (0u32..n.saturating_sub(1).max(1)).into_segmented(),
                (0u32..n.saturating_sub(1).max(1)).into_segmented(),
            )
            .map_err(err)?;
        draw_title(&root, title)?;
        let name = |v: &SegmentValue<u32>, flip: bool| -> String {
            match v {
                SegmentValue::CenterOf(i) => {
                    let i = if flip {
                        (n - 1).checked_sub(*i)
                    } else {
                        Some(*i)
                    };
                    let Some((i, l)) = i.and_then(|i| rows.get(i as usize).map(|l| (i, l))) else {
                        return String::new();
                    };
                    if flip || !numbered {
                        l.clone()
                    } else {
                        (i + 1).to_string()
                    }
                }
                _ => String::new(),
            }
        };
        let col_font = if numbered && cell < 30 && n >= 10 {
            12.0
        } else {
            LABEL
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(n as usize)
            .y_labels(n as usize)
            .x_label_formatter(&|v| name(v, false))
            .y_label_formatter(&|v| name(v, true))
            .x_label_style((FONT, col_font))
            .y_label_style((FONT, LABEL))
            .x_desc(if numbered {
                format!("destination {axis} (columns, numbered as the rows)")
            } else {
                format!("destination {axis} (columns)")
            })
            .y_desc(format!("source {axis} (rows)"))
            .axis_desc_style((FONT, DESC))
            .draw()
            .map_err(err)?;
        for (r, row) in values.iter().enumerate() {
            let y = n - 1 - r as u32;
            for (c, &cell_value) in row.iter().enumerate() {
                let x = c as u32;
                let fill = cell_value.map_or(GREY, ramp);
                let v = cell_value.unwrap_or(1.0);
                let mut rect = Rectangle::new(
                    [
                        (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                        (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                    ],
                    fill.filled(),
                );
                rect.set_margin(1, 1, 1, 1);
                chart.draw_series(std::iter::once(rect)).map_err(err)?;
                if let Some(size) = value_size {
                    let text_color = if v > 0.6 { BLACK } else { WHITE };
                    let pct = |v: f64| {
                        let p = (v * 100.0).round();
                        if size < LABEL {
                            format!("{p:.0}")
                        } else {
                            format!("{p:.0}%")
                        }
                    };
                    chart
                        .draw_series(std::iter::once(Text::new(
                            cell_value.map_or("–".to_string(), pct),
                            (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)),
                            (FONT, size)
                                .into_font()
                                .color(&text_color)
                                .pos(Pos::new(HPos::Center, VPos::Center)),
                        )))
                        .map_err(err)?;
                }
            }
        }
        let (_, yr) = chart.plotting_area().get_pixel_range();
        let note = match value_size {
            Some(s) if s < LABEL => Some("cell numbers are %"),
            Some(_) => None,
            None => Some("too many rows to print values"),
        };
        draw_scale(&root, width - SCALE_W + 10, yr.start, note)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// The heatmap's colour scale: a vertical bar from 100% (top) to 0%, the
/// grey "no pair" swatch and an optional note below it.
fn draw_scale(root: &Area<'_>, x: u32, top: i32, note: Option<&str>) -> Res<()> {
    let x = x as i32;
    let small = (FONT, SMALL).into_font().color(&BLACK);
    let label = (FONT, LABEL).into_font().color(&BLACK);
    root.draw(&Text::new(
        "pairs allowed",
        (x, top),
        label.clone().pos(Pos::new(HPos::Left, VPos::Top)),
    ))
    .map_err(err)?;
    let (bar_top, bar_h, steps) = (top + 24, 160, 32);
    for k in 0..steps {
        let v = 1.0 - (f64::from(k) + 0.5) / f64::from(steps);
        let y0 = bar_top + k * bar_h / steps;
        let y1 = bar_top + (k + 1) * bar_h / steps;
        root.draw(&Rectangle::new([(x, y0), (x + 18, y1)], ramp(v).filled()))
            .map_err(err)?;
    }
    root.draw(&Rectangle::new(
        [(x, bar_top), (x + 18, bar_top + bar_h)],
        BLACK.stroke_width(1),
    ))
    .map_err(err)?;
    for (v, t) in [(1.0, "100% (max)"), (0.5, "50%"), (0.0, "0% (min)")] {
        let y = bar_top + (f64::from(bar_h) * (1.0 - v)).round() as i32;
        root.draw(&PathElement::new(vec![(x + 18, y), (x + 23, y)], BLACK))
            .map_err(err)?;
        root.draw(&Text::new(
            t,
            (x + 26, y),
            label.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
    }
    let y = bar_top + bar_h + 22;
    root.draw(&Rectangle::new(
        [(x, y - 8), (x + 18, y + 8)],
        GREY.filled(),
    ))
    .map_err(err)?;
    root.draw(&Text::new(
        "– no pair",
        (x + 26, y),
        label.pos(Pos::new(HPos::Left, VPos::Center)),
    ))
    .map_err(err)?;
    if let Some(note) = note {
        root.draw(&Text::new(
            note,
            (x, y + 24),
            small.pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
    }
    Ok(())
}

// ------------------------------------------------------------- Monte Carlo

/// `spread.svg`: Monte Carlo bands: pods compromised per step, p10–p90
/// shaded, median and mean lines, over every trial.
pub fn spread_bands(input: &str, r: &crate::attack::montecarlo::McResult) -> Res<String> {
    let blue = PALETTE[0];
    let orange = PALETTE[1];
    let entries = [
        Entry {
            swatch: Swatch::Band(blue),
            label: "p10 to p90".into(),
        },
        Entry {
            swatch: Swatch::Line(LineStyle {
                color: blue,
                dash: Dash::Solid,
                marker: Marker::Nothing,
            }),
            label: "median".into(),
        },
        Entry {
            swatch: Swatch::Line(LineStyle {
                color: orange,
                dash: Dash::Dashed(9, 5),
                marker: Marker::Nothing,
            }),
            label: "mean".into(),
        },
    ];
    let mut buf = String::new();
    {
        let plot_h = 500;
        let height = plot_h + legend_height(&entries, WIDTH);
        let root = SVGBackend::with_string(&mut buf, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (upper, _) = root.split_vertically(plot_h);
        let steps = r.compromised.len().saturating_sub(1).max(1) as u32;
        let ymax = (r.total_pods as f64).max(1.0);
        draw_title(
            &root,
            &format!(
                "{input}: probabilistic spread from {} ({} trials)",
                r.start,
                thousands(r.trials)
            ),
        )?;
        let mut chart = ChartBuilder::on(&upper)
            .margin(MARGIN)
            .margin_top(TITLE_ROOM)
            .x_label_area_size(45)
            .y_label_area_size(75)
            .build_cartesian_2d(0u32..steps, 0f64..ymax)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("step (each compromised pod tries every allowed edge once)")
            .y_desc("pods compromised")
            .y_labels(8)
            .y_label_formatter(&|v: &f64| {
                if v.fract() == 0.0 {
                    thousands(*v as i64)
                } else {
                    group_digits(&format!("{v:.1}"))
                }
            })
            .label_style((FONT, LABEL))
            .axis_desc_style((FONT, DESC))
            .draw()
            .map_err(err)?;
        let band: Vec<(u32, f64)> = r
            .compromised
            .iter()
            .enumerate()
            .map(|(t, b)| (t as u32, b.p90))
            .chain(
                r.compromised
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(t, b)| (t as u32, b.p10)),
            )
            .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(band, blue.mix(0.25).filled())))
            .map_err(err)?;
        for (k, e) in entries.iter().enumerate().skip(1) {
            let Swatch::Line(st) = e.swatch else { continue };
            let pts: Vec<(i32, i32)> = r
                .compromised
                .iter()
                .enumerate()
                .map(|(t, b)| chart.backend_coord(&(t as u32, if k == 1 { b.p50 } else { b.mean })))
                .collect();
            draw_path(&root, &pts, st.color, st.dash)?;
        }
        draw_legend(&root, &entries, plot_h, WIDTH)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_24_line_styles_are_all_different() {
        let styles: Vec<LineStyle> = (0..24).map(line_style).collect();
        for (i, a) in styles.iter().enumerate() {
            for b in styles.iter().skip(i + 1) {
                assert!(a != b, "{a:?} repeats");
            }
        }
        // Neighbours differ in colour, dash and marker at once.
        for w in styles.windows(2) {
            assert!(w[0].color != w[1].color && w[0].dash != w[1].dash);
            assert!(w[0].marker != w[1].marker);
        }
    }

    #[test]
    fn a_stacked_chart_of_20_namespaces_shows_the_top_7_and_other() {
        let names: Vec<String> = (0..20).map(|i| format!("ns-{i:02}")).collect();
        // ns-19 has the most pods, ns-00 the fewest.
        let rows = vec![(1..=20).collect::<Vec<u64>>(), vec![1; 20]];
        let svg = hop_by_namespace("t", &names, &rows).unwrap();
        assert!(svg.contains("ns-19 (21 pods)"), "{svg}");
        assert!(svg.contains("ns-13 (15 pods)"));
        assert!(!svg.contains("ns-12 ("), "the 8th is folded into other");
        assert!(svg.contains("other: 13 namespaces (104 pods)"));
        let fills: std::collections::BTreeSet<&str> = svg
            .split("fill=\"")
            .skip(1)
            .filter_map(|r| r.split('"').next())
            .filter(|f| *f != "#FFFFFF" && *f != "none")
            .collect();
        assert_eq!(fills.len(), 8 + 1, "8 series and the text black: {fills:?}");
    }

    #[test]
    fn identical_curves_share_a_line_and_crowded_jewel_labels_move_to_the_legend() {
        let series: Vec<HopSeries> = (0..24)
            .map(|i| HopSeries {
                name: format!("s{i}"),
                pods: vec![1, 50 + (i / 2), 90],
            })
            .collect();
        let jewels: Vec<JewelMark> = (0..24)
            .map(|i| JewelMark {
                series: i,
                hop: 1,
                label: format!("app=j{i}"),
            })
            .collect();
        let svg = reach_by_hop("t", &series, 100, &jewels).unwrap();
        // s0 and s1 have the same curve, and so on.
        assert_eq!(svg.matches(" (same curve)").count(), 12, "{svg}");
        // Two jewels at one point: one label for both.
        assert!(svg.contains("app=j0, app=j1"));
        // Twelve points a pixel or two apart: not every label finds a spot.
        assert!(svg.contains(": hop 1 from s"), "{svg}");
        // The same input, the same bytes.
        assert_eq!(svg, reach_by_hop("t", &series, 100, &jewels).unwrap());
    }

    /// At 10,000 pods, curves 43 pods apart (0.4% of the cluster, 2 px)
    /// share a line and the legend says by how much; 132 apart get their own.
    #[test]
    fn near_identical_curves_share_a_line_and_say_how_near() {
        let curve = |name: &str, h1: u64| HopSeries {
            name: name.into(),
            pods: vec![1, h1, 6071],
        };
        let series = [
            curve("a", 2323),
            curve("b", 2366),
            curve("c", 2191),
            curve("d", 2323),
        ];
        let svg = reach_by_hop("t", &series, 10_000, &[]).unwrap();
        assert!(svg.contains("b (same line, within 43 pods)"), "{svg}");
        assert!(svg.contains("d (same curve)"));
        assert!(!svg.contains("c (same"), "132 pods apart: its own line");
        assert!(svg.contains(">\na\n<") || svg.contains(">a<"), "{svg}");
    }

    #[test]
    fn long_titles_shrink_then_cut() {
        let (t, size) = title_of("short", 800);
        assert_eq!((t.as_str(), size), ("short", TITLE));
        let long = "x".repeat(200);
        let (t, size) = title_of(&long, 800);
        assert_eq!(size, 17.0);
        assert!(t.ends_with('…') && tw(&t, size) <= 770.0);
    }
}
