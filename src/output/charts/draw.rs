//! Drawing primitives shared by the charts: the palette and fonts, the one
//! text metric, titles, line styles (colour, dash, marker), legends and
//! text-box overlap.

use crate::output::attack_graph::text_width;
use plotters::coord::Shift;
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

/// The colour of the "other" series and of cells with no pair.
pub(super) const GREY: RGBColor = RGBColor(170, 170, 170);

/// Series a stacked chart shows by name; the rest are one "other" series,
/// so the palette never repeats within a chart.
pub const TOP_SERIES: usize = PALETTE.len();

/// The `i`-th palette colour, cycling.
pub(super) fn palette(i: usize) -> RGBColor {
    PALETTE.get(i % PALETTE.len()).copied().unwrap_or(BLACK)
}

pub(super) const FONT: &str = "sans-serif";
pub(super) const WIDTH: u32 = 800;
/// Font sizes as plotters takes them (its SVG writes `size / 1.24`).
pub(super) const TITLE: f64 = 24.0;
pub(super) const LABEL: f64 = 15.0;
pub(super) const DESC: f64 = 17.0;
pub(super) const SMALL: f64 = 12.0;
pub(super) const MARGIN: u32 = 15;

/// Drawing a chart failed (plotters' error, as it describes itself).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("chart drawing failed: {0}")]
pub struct ChartError(pub String);

pub(super) type Res<T> = Result<T, ChartError>;
pub(super) type Area<'b> = DrawingArea<SVGBackend<'b>, Shift>;

pub(super) fn err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError(format!("{e:?}"))
}

/// Width in px of `s` drawn at plotters size `size`.
pub(super) fn tw(s: &str, size: f64) -> f64 {
    text_width(s, size / 1.24)
}

/// Height in px of a line of text at plotters size `size`.
pub(super) fn th(size: f64) -> f64 {
    size / 1.24
}

/// `s` cut with `…` to fit `px` at plotters size `size`.
pub(super) fn fit(s: &str, px: f64, size: f64) -> String {
    if tw(s, size) <= px {
        return s.to_string();
    }
    let per = tw("x", size).max(1.0);
    let max = (px / per).floor() as usize;
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The chart's title and its font size: smaller (down to 17) for a long
/// title, then cut to the canvas width.
pub(super) fn title_of(title: &str, width: u32) -> (String, f64) {
    let room = f64::from(width) - 2.0 * f64::from(MARGIN);
    let size = (TITLE * room / tw(title, TITLE).max(1.0))
        .clamp(17.0, TITLE)
        .floor();
    (fit(title, room, size), size)
}

/// Space above a plot for its title.
pub(super) const TITLE_ROOM: u32 = MARGIN + 40;

/// The title centred at the top of the canvas (the plot starts
/// [`TITLE_ROOM`] below the top, clear of it and of the top tick label).
pub(super) fn draw_title(root: &Area<'_>, title: &str) -> Res<()> {
    let width = root.dim_in_pixel().0;
    let (title, size) = title_of(title, width);
    root.draw(&Text::new(
        title,
        ((width / 2) as i32, MARGIN as i32),
        (FONT, size)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top)),
    ))
    .map_err(err)
}

// ------------------------------------------------------------------ styles

/// Dash pattern of a line: solid or (dash, gap) in px.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dash {
    Solid,
    Dashed(u32, u32),
}

/// The marker drawn at each point of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
    Cross,
    Ring,
    /// No marker (a line of a band chart).
    Nothing,
}

pub(super) const DASHES: [Dash; 4] = [
    Dash::Solid,
    Dash::Dashed(9, 5),
    Dash::Dashed(3, 4),
    Dash::Dashed(14, 4),
];
pub(super) const MARKERS: [Marker; 6] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Diamond,
    Marker::Cross,
    Marker::Ring,
];

/// How a line series is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LineStyle {
    pub color: RGBColor,
    pub dash: Dash,
    pub marker: Marker,
}

/// The `i`-th line's style: colour, dash and marker all change with `i`,
/// so lines that run together stay apart (up to 24 lines distinct).
pub fn line_style(i: usize) -> LineStyle {
    LineStyle {
        color: palette(i),
        dash: DASHES.get(i % DASHES.len()).copied().unwrap_or(Dash::Solid),
        marker: MARKERS
            .get(i % MARKERS.len())
            .copied()
            .unwrap_or(Marker::Circle),
    }
}

/// A polyline in pixels, drawn with the style's dash pattern.
pub(super) fn draw_path(
    area: &Area<'_>,
    pts: &[(i32, i32)],
    color: RGBColor,
    dash: Dash,
) -> Res<()> {
    let style = color.stroke_width(2);
    let (on, off) = match dash {
        Dash::Solid => {
            return area
                .draw(&PathElement::new(pts.to_vec(), style))
                .map_err(err)
        }
        Dash::Dashed(on, off) => (f64::from(on), f64::from(off)),
    };
    // Walk the polyline; `phase` is how far into the current dash+gap period.
    let mut phase = 0.0f64;
    let mut seg: Vec<(i32, i32)> = Vec::new();
    for w in pts.windows(2) {
        let (Some(&(x0, y0)), Some(&(x1, y1))) = (w.first(), w.get(1)) else {
            continue;
        };
        let (dx, dy) = (f64::from(x1 - x0), f64::from(y1 - y0));
        let len = (dx * dx + dy * dy).sqrt();
        let mut t = 0.0f64;
        while t < len {
            let at = |t: f64| {
                (
                    (f64::from(x0) + dx * t / len).round() as i32,
                    (f64::from(y0) + dy * t / len).round() as i32,
                )
            };
            if phase < on {
                let step = (on - phase).min(len - t);
                if seg.is_empty() {
                    seg.push(at(t));
                }
                t += step;
                phase += step;
                seg.push(at(t));
                if phase >= on && seg.len() > 1 {
                    area.draw(&PathElement::new(std::mem::take(&mut seg), style))
                        .map_err(err)?;
                }
            } else {
                let step = (on + off - phase).min(len - t);
                t += step;
                phase += step;
                if phase >= on + off {
                    phase = 0.0;
                }
            }
        }
    }
    if seg.len() > 1 {
        area.draw(&PathElement::new(seg, style)).map_err(err)?;
    }
    Ok(())
}

/// A marker at a pixel position.
pub(super) fn draw_marker(area: &Area<'_>, at: (i32, i32), m: Marker, color: RGBColor) -> Res<()> {
    let fill = color.filled();
    let line = color.stroke_width(2);
    let e = EmptyElement::at(at);
    match m {
        Marker::Circle => area.draw(&(e + Circle::new((0, 0), 4, fill))),
        Marker::Ring => area.draw(&(e + Circle::new((0, 0), 5, line))),
        Marker::Square => area.draw(&(e + Rectangle::new([(-4, -4), (4, 4)], fill))),
        Marker::Triangle => area.draw(&(e + TriangleMarker::new((0, 0), 5, fill))),
        Marker::Diamond => {
            area.draw(&(e + Polygon::new(vec![(0, -5), (5, 0), (0, 5), (-5, 0)], fill)))
        }
        Marker::Cross => area.draw(&(e + Cross::new((0, 0), 4, line))),
        Marker::Nothing => Ok(()),
    }
    .map_err(err)
}

/// The crown-jewel mark: a vermillion triangle.
pub(super) fn draw_jewel(area: &Area<'_>, at: (i32, i32)) -> Res<()> {
    let e = EmptyElement::at(at) + TriangleMarker::new((0, -2), 8, PALETTE[5].filled());
    area.draw(&e).map_err(err)
}

// ------------------------------------------------------------------ legend

/// What a legend entry shows before its label.
#[derive(Clone, Copy, Debug)]
pub(super) enum Swatch {
    Line(LineStyle),
    Block(RGBColor),
    Band(RGBColor),
    Jewel,
}

pub(super) struct Entry {
    pub swatch: Swatch,
    pub label: String,
}

pub(super) const LEGEND_ROW: u32 = 22;
pub(super) const SWATCH_W: u32 = 34;

/// Columns, column width and rows of a legend across `width` px.
pub(super) fn legend_grid(entries: &[Entry], width: u32) -> (usize, u32, usize) {
    let avail = width.saturating_sub(2 * MARGIN).max(1);
    let widest = entries
        .iter()
        .map(|e| tw(&e.label, LABEL).ceil() as u32)
        .max()
        .unwrap_or(0);
    let col_w = (SWATCH_W + 8 + widest + 24).min(avail);
    let cols = ((avail / col_w.max(1)) as usize).clamp(1, entries.len().max(1));
    let rows = entries.len().div_ceil(cols);
    (cols, col_w, rows)
}

/// Height of a legend below a plot (0 with no entries).
pub(super) fn legend_height(entries: &[Entry], width: u32) -> u32 {
    if entries.is_empty() {
        return 0;
    }
    let (_, _, rows) = legend_grid(entries, width);
    rows as u32 * LEGEND_ROW + 20
}

/// The legend in rows below the plot from `top`, column by column, in a
/// light frame; labels cut to their column.
pub(super) fn draw_legend(root: &Area<'_>, entries: &[Entry], top: u32, width: u32) -> Res<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let (cols, col_w, rows) = legend_grid(entries, width);
    let h = rows as u32 * LEGEND_ROW + 8;
    let used = (cols as u32 * col_w).min(width.saturating_sub(2 * MARGIN));
    let x_left = MARGIN as i32;
    root.draw(&Rectangle::new(
        [
            (x_left, top as i32 + 4),
            (x_left + used as i32, (top + 4 + h) as i32),
        ],
        RGBColor(120, 120, 120).stroke_width(1),
    ))
    .map_err(err)?;
    for (i, e) in entries.iter().enumerate() {
        let (col, row) = (i / rows, i % rows);
        let x = x_left + 8 + (col as u32 * col_w) as i32;
        let y = (top + 8 + row as u32 * LEGEND_ROW + LEGEND_ROW / 2) as i32;
        let sw = SWATCH_W as i32;
        match e.swatch {
            Swatch::Line(st) => {
                draw_path(root, &[(x, y), (x + sw - 4, y)], st.color, st.dash)?;
                draw_marker(root, (x + sw / 2 - 2, y), st.marker, st.color)?;
            }
            Swatch::Block(c) => {
                root.draw(&Rectangle::new(
                    [(x + 8, y - 6), (x + 22, y + 6)],
                    c.filled(),
                ))
                .map_err(err)?;
            }
            Swatch::Band(c) => {
                root.draw(&Rectangle::new(
                    [(x, y - 6), (x + sw - 4, y + 6)],
                    c.mix(0.25).filled(),
                ))
                .map_err(err)?;
            }
            Swatch::Jewel => draw_jewel(root, (x + sw / 2 - 2, y + 2))?,
        }
        let room = f64::from(col_w.saturating_sub(SWATCH_W + 16));
        root.draw(&Text::new(
            fit(&e.label, room, LABEL),
            (x + sw + 4, y),
            (FONT, LABEL)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// A text box in px: (x0, y0, x1, y1).
pub(super) type TextBox = (f64, f64, f64, f64);

pub(super) fn overlaps(a: &TextBox, b: &TextBox) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}
