//! SVG charts (plotters). Fixed sizes, a colour-blind-safe palette
//! (Okabe-Ito), no timestamps and only sorted inputs: the same data gives
//! byte-identical SVG.

use plotters::coord::ranged1d::SegmentValue;
use plotters::coord::types::{RangedCoordu32, RangedCoordu64};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Okabe & Ito's palette, safe for the common colour-vision deficiencies.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(240, 228, 66),  // yellow
    RGBColor(0, 0, 0),       // black
];

/// The `i`-th palette colour, cycling.
fn palette(i: usize) -> RGBColor {
    PALETTE.get(i % PALETTE.len()).copied().unwrap_or(BLACK)
}

const FONT: &str = "sans-serif";
const WIDTH: u32 = 800;

/// Drawing a chart failed (plotters' error, as it describes itself).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("chart drawing failed: {0}")]
pub struct ChartError(pub String);

type Res<T> = Result<T, ChartError>;

/// The legend box every chart with series uses.
fn legend<'a, 'b: 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'b>, CT>,
    position: SeriesLabelPosition,
) -> Res<()> {
    chart
        .configure_series_labels()
        .label_font((FONT, 15))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(position)
        .draw()
        .map_err(err)
}

/// The frame shared by the horizontal bar charts: one row per label, the
/// first label on top, values on x from 0 to `xmax`.
type HBarChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<RangedCoordu64, plotters::coord::ranged1d::SegmentedCoord<RangedCoordu32>>,
>;

fn hbar_frame<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    title: &str,
    labels: &[String],
    xmax: u64,
    x_desc: &str,
    y_desc: &str,
) -> Res<HBarChart<'a, 'b>> {
    let n = labels.len().max(1) as u32;
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(330)
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
        .y_label_formatter(&label_of)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()
        .map_err(err)?;
    Ok(chart)
}

fn err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError(format!("{e:?}"))
}

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

/// Chart 1, `reach-by-hop.svg`: cumulative pods (and % of the cluster) per hop.
pub fn reach_by_hop(
    title: &str,
    series: &[HopSeries],
    total_pods: u64,
    jewels: &[JewelMark],
) -> Res<String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, 500)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let max_hop = series
            .iter()
            .map(|s| s.pods.len().saturating_sub(1))
            .max()
            .unwrap_or(0)
            .max(1) as u32;
        let ymax = total_pods.max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 24))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(65)
            .right_y_label_area_size(65)
            .build_cartesian_2d(0u32..max_hop, 0u64..ymax)
            .map_err(err)?
            .set_secondary_coord(0u32..max_hop, 0f64..100f64);
        chart
            .configure_mesh()
            .x_desc("hop (lateral-movement steps from the compromised pod)")
            .y_desc("pods compromised (cumulative)")
            .x_labels(max_hop as usize + 1)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .draw()
            .map_err(err)?;
        chart
            .configure_secondary_axes()
            .y_desc("% of cluster pods")
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .draw()
            .map_err(err)?;
        for (i, s) in series.iter().enumerate() {
            let color = palette(i);
            chart
                .draw_series(LineSeries::new(
                    s.pods.iter().enumerate().map(|(h, &y)| (h as u32, y)),
                    color.stroke_width(2),
                ))
                .map_err(err)?
                .label(s.name.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            chart
                .draw_series(
                    s.pods
                        .iter()
                        .enumerate()
                        .map(|(h, &y)| Circle::new((h as u32, y), 3, color.filled())),
                )
                .map_err(err)?;
        }
        for j in jewels {
            let Some(s) = series.get(j.series) else {
                continue;
            };
            let y = s.pods.get(j.hop).copied().unwrap_or(0);
            let marker = EmptyElement::at((j.hop as u32, y))
                + TriangleMarker::new((0, 0), 7, PALETTE[5].filled())
                + Text::new(
                    j.label.clone(),
                    (9, -14),
                    (FONT, 15).into_font().color(&BLACK),
                );
            chart.draw_series(std::iter::once(marker)).map_err(err)?;
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// Chart 2, `ranking.svg`: horizontal bars, largest blast radius on top.
pub fn ranking(title: &str, items: &[(String, u64)], total_pods: u64) -> Res<String> {
    ranking_with(
        title,
        items,
        total_pods,
        &format!("pods compromised (blast radius, of {total_pods} pods)"),
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
        let root = SVGBackend::with_string(&mut buf, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let labels: Vec<String> = items.iter().map(|x| x.0.clone()).collect();
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
                    format!(" {v}"),
                    (*v, SegmentValue::CenterOf(y)),
                    (FONT, 15)
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

/// Chart 3, `namespace-matrix.svg`: share of (source, destination) pod
/// pairs allowed; rows are sources, columns destinations, values in cells;
/// a cell with no pair (None) is grey with a dash.
pub fn matrix(
    title: &str,
    labels: &[String],
    values: &[Vec<Option<f64>>],
    axis: &str,
) -> Res<String> {
    let mut buf = String::new();
    {
        let n = labels.len().max(1) as u32;
        let cell = if n <= 12 { 40 } else { 22 };
        let label_w = 20 + 9 * labels.iter().map(|l| l.len()).max().unwrap_or(4) as u32;
        let width = WIDTH.max(label_w + cell * n + 60);
        let height = 150 + cell * n;
        let root = SVGBackend::with_string(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 24))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(label_w)
            .build_cartesian_2d(
                (0u32..n.saturating_sub(1).max(1)).into_segmented(),
                (0u32..n.saturating_sub(1).max(1)).into_segmented(),
            )
            .map_err(err)?;
        // Many columns: number them, and put the numbers before the row names.
        let numbered = n > 6;
        let name = |v: &SegmentValue<u32>, flip: bool| -> String {
            match v {
                SegmentValue::CenterOf(i) => {
                    let i = if flip {
                        (n - 1).checked_sub(*i)
                    } else {
                        Some(*i)
                    };
                    let Some((i, l)) = i.and_then(|i| labels.get(i as usize).map(|l| (i, l)))
                    else {
                        return String::new();
                    };
                    match (numbered, flip) {
                        (false, _) => l.clone(),
                        (true, true) => format!("{l} [{}]", i + 1),
                        (true, false) => (i + 1).to_string(),
                    }
                }
                _ => String::new(),
            }
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(n as usize)
            .y_labels(n as usize)
            .x_label_formatter(&|v| name(v, false))
            .y_label_formatter(&|v| name(v, true))
            .x_label_style((FONT, 15))
            .y_label_style((FONT, 15))
            .x_desc(if numbered {
                format!("destination {axis} (numbered as the rows)")
            } else {
                format!("destination {axis}")
            })
            .y_desc(format!("source {axis}"))
            .axis_desc_style((FONT, 17))
            .draw()
            .map_err(err)?;
        for (r, row) in values.iter().enumerate() {
            let y = n - 1 - r as u32;
            for (c, &cell_value) in row.iter().enumerate() {
                let x = c as u32;
                let fill = cell_value.map_or(RGBColor(221, 221, 221), ramp);
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
                if cell >= 40 {
                    let text_color = if v > 0.6 { BLACK } else { WHITE };
                    chart
                        .draw_series(std::iter::once(Text::new(
                            cell_value.map_or("–".to_string(), |v| format!("{:.0}%", v * 100.0)),
                            (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)),
                            (FONT, 15)
                                .into_font()
                                .color(&text_color)
                                .pos(Pos::new(HPos::Center, VPos::Center)),
                        )))
                        .map_err(err)?;
                }
            }
        }
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// Chart 4, `hop-by-namespace.svg`: new pods per hop, stacked by
/// namespace; `rows[h][k]` is the new pods of namespace k at hop h.
pub fn hop_by_namespace(title: &str, namespaces: &[String], rows: &[Vec<u64>]) -> Res<String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, 500)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let hops = rows.len().max(1) as u32;
        let ymax = rows
            .iter()
            .map(|r| r.iter().sum::<u64>())
            .max()
            .unwrap_or(0)
            .max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 24))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(
                (0u32..hops.saturating_sub(1).max(1)).into_segmented(),
                0u64..ymax + ymax / 10 + 1,
            )
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(hops as usize)
            .x_desc("hop")
            .y_desc("pods newly compromised at this hop")
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .draw()
            .map_err(err)?;
        for (k, ns) in namespaces.iter().enumerate() {
            let color = palette(k);
            let bars: Vec<Rectangle<(SegmentValue<u32>, u64)>> = rows
                .iter()
                .enumerate()
                .filter_map(|(h, r)| match r.get(k) {
                    Some(&v) if v > 0 => Some((h, r, v)),
                    _ => None,
                })
                .map(|(h, r, v)| {
                    let below: u64 = r.iter().take(k).sum();
                    let mut rect = Rectangle::new(
                        [
                            (SegmentValue::Exact(h as u32), below),
                            (SegmentValue::Exact(h as u32 + 1), below + v),
                        ],
                        color.filled(),
                    );
                    rect.set_margin(0, 0, 12, 12);
                    rect
                })
                .collect();
            chart
                .draw_series(bars)
                .map_err(err)?
                .label(ns.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled())
                });
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// Before/after blast radius per workload: two bars each (before, after).
pub fn paired_bars(title: &str, items: &[(String, u64, u64)], total_pods: u64) -> Res<String> {
    let mut buf = String::new();
    {
        let n = items.len().max(1) as u32;
        let height = 150 + 36 * n;
        let root = SVGBackend::with_string(&mut buf, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let labels: Vec<String> = items.iter().map(|x| x.0.clone()).collect();
        let xmax = items
            .iter()
            .map(|i| i.1.max(i.2))
            .max()
            .unwrap_or(0)
            .max(total_pods);
        let mut chart = hbar_frame(
            &root,
            title,
            &labels,
            xmax,
            &format!("pods compromised (blast radius, of {total_pods} pods)"),
            "compromised workload",
        )?;
        for (k, (label, color)) in [("before", PALETTE[4]), ("after", PALETTE[5])]
            .into_iter()
            .enumerate()
        {
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
            chart
                .draw_series(bars)
                .map_err(err)?
                .label(label)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled())
                });
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// `spread.svg`: Monte Carlo bands: pods compromised per step, p10–p90
/// shaded, median and mean lines.
pub fn spread_bands(input: &str, r: &crate::attack::montecarlo::McResult) -> Res<String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, 500)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let steps = r.compromised.len().saturating_sub(1).max(1) as u32;
        let ymax = (r.total_pods as f64).max(1.0);
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "{input}: probabilistic spread from {} ({} trials)",
                    r.start, r.trials
                ),
                (FONT, 22),
            )
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(65)
            .build_cartesian_2d(0u32..steps, 0f64..ymax)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("step (each compromised pod tries every allowed edge once)")
            .y_desc("pods compromised")
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .draw()
            .map_err(err)?;
        let blue = PALETTE[0];
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
            .map_err(err)?
            .label("p10 to p90")
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 20, y + 5)], blue.mix(0.25).filled())
            });
        chart
            .draw_series(LineSeries::new(
                r.compromised
                    .iter()
                    .enumerate()
                    .map(|(t, b)| (t as u32, b.p50)),
                blue.stroke_width(2),
            ))
            .map_err(err)?
            .label("median")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], blue.stroke_width(2))
            });
        let orange = PALETTE[1];
        chart
            .draw_series(LineSeries::new(
                r.compromised
                    .iter()
                    .enumerate()
                    .map(|(t, b)| (t as u32, b.mean)),
                orange.stroke_width(2),
            ))
            .map_err(err)?
            .label("mean")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], orange.stroke_width(2))
            });
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}
