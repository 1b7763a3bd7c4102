//! Study charts: a figure's mean over the seeds of each setting against one setting (hidden neurons,
//! hidden layers), one line per combination of the other settings, with ± 1 sd error bars.
//!
//! ```text
//!                         Title
//!        what every line shares (the note)
//!   ┌──────────────────────────────────┐  ─●─ relu
//!   │        ┬                         │  ─●─ sigmoid
//!   │   ┬    ●────────●                │
//!   │   ●────┴        ○                │  ● mean over seeds
//!   │   ┴                              │  ┬ ± 1 sd (n − 1)
//!   └──────────────────────────────────┘  ○ one run
//!          16       32       64
//! ```

use super::canvas::{Align, Canvas, Rect};
use super::charts::{axes_panel, Axis};
use super::font::{fit, text_width};
use super::style::{self, INK, MUTED, PAPER};

/// One setting's mean, and its sample standard deviation when more than one run makes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanPoint {
    pub x: f64,
    pub mean: f64,
    pub sd: Option<f64>,
    /// The same setting on several lines (where they start): drawn once, in ink, where it is.
    pub shared: bool,
}

/// A line of the chart: settings that differ only in the x value.
#[derive(Debug, Clone, PartialEq)]
pub struct MeanSeries {
    pub name: String,
    pub points: Vec<MeanPoint>,
}

pub const WIDTH: usize = 1100;
/// The height with a short legend; a longer one makes the picture taller rather than run off it.
pub const HEIGHT: usize = 620;
const LEGEND_ROW: usize = 26;
const SWATCH: usize = 26;
/// The widest the legend may be; longer names are shortened with `…`.
const MAX_LEGEND_W: usize = 380;

/// Where series `i` of `n` is drawn beside the true x, in pixels, so that error bars at the same x
/// stay apart.
fn dodge(i: usize, n: usize) -> f64 {
    let step = (36.0 / n.max(1) as f64).min(7.0);
    (i as f64 - (n as f64 - 1.0) / 2.0) * step
}

/// The series' color: one per line, in order.
pub fn color(i: usize) -> super::canvas::Rgb {
    style::SERIES[i % style::SERIES.len()]
}

/// Lines past the palette reuse its colors dashed, so no two lines look alike until twice as many.
fn dashed(i: usize) -> bool {
    i / style::SERIES.len() % 2 == 1
}

/// How a line is drawn: solid, or in dashes of `on` pixels every `every` pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Dash {
    Solid,
    Dashed { on: f64, every: f64 },
}

/// Dashes of a line on the plot, and of its short swatch in the legend (where three must fit).
const PLOT_DASH: Dash = Dash::Dashed { on: 9.0, every: 17.0 };
const SWATCH_DASH: Dash = Dash::Dashed { on: 4.0, every: 10.0 };

/// A line from `a` to `b` as `dash` says (the round ends of a dash reach width / 2 past it).
fn stroke(c: &mut Canvas, a: (f64, f64), b: (f64, f64), width: f64, color: super::canvas::Rgb, dash: Dash) {
    let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
    let Dash::Dashed { on, every } = dash else { return c.line(a, b, width, color) };
    if len < 1.0 || every <= 0.0 {
        return c.line(a, b, width, color);
    }
    let at = |t: f64| (a.0 + (b.0 - a.0) * t / len, a.1 + (b.1 - a.1) * t / len);
    let mut t = 0.0;
    while t < len {
        c.line(at(t), at((t + on).min(len)), width, color);
        t += every;
    }
}

/// The picture's (width, height) for a legend of `lines` lines and `keys` key rows: the legend,
/// which starts level with the plot, always fits.
pub fn size(lines: usize, keys: usize) -> (usize, usize) {
    // The plot starts 78 px down (title, note); half a row between the lines and the key; a margin.
    (WIDTH, HEIGHT.max(78 + 8 + (lines + keys) * LEGEND_ROW + LEGEND_ROW / 2 + 24))
}

/// What a chart shows: its title, a note under it (what every line shares), the axes, the lines, and
/// what a shared point stands for.
pub struct MeanChart<'a> {
    pub title: &'a str,
    pub note: &'a str,
    pub x: &'a Axis,
    pub y: &'a Axis,
    pub series: &'a [MeanSeries],
    pub shared: &'a str,
}

/// The symbols of the legend's key that `chart` uses, each with its text.
fn key(chart: &MeanChart) -> Vec<(Symbol, String)> {
    let points = || chart.series.iter().flat_map(|s| &s.points);
    let mut key = vec![(Symbol::Mean, "mean over seeds".to_string())];
    if points().any(|p| p.sd.is_some()) {
        key.push((Symbol::Bar, "± 1 sd (n − 1)".into()));
    }
    if points().any(|p| p.sd.is_none()) {
        key.push((Symbol::Single, "one run".into()));
    }
    if points().any(|p| p.shared) {
        key.push((Symbol::Shared, chart.shared.to_string()));
    }
    key
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Symbol {
    Mean,
    Bar,
    Single,
    Shared,
}

/// Draws the lines (means with ± 1 sd bars) of `chart`. A point made by one run is drawn open,
/// without a bar.
pub fn mean_chart(chart: &MeanChart) -> Canvas {
    let MeanChart { title, note, x, y, series, .. } = *chart;
    let key = key(chart);
    let (w, h) = size(series.len(), key.len());
    let mut c = Canvas::new(w, h, PAPER);
    c.text(&fit(title, style::TITLE_PX, w - 24), style::TITLE_PX, (w / 2, 12), (Align::Center, Align::Start), INK);
    let name_w = series.iter().map(|s| text_width(&s.name, style::LABEL_PX)).chain(key.iter().map(|(_, k)| text_width(k, style::TICK_PX))).max().unwrap_or(0);
    let legend_w = (name_w + SWATCH + 30).min(MAX_LEGEND_W);
    let frame = Rect::new(0, 44, w - legend_w, h - 44);
    let plot_w = frame.w.saturating_sub(120);
    let plot = axes_panel(&mut c, frame, &fit(note, style::LABEL_PX + 1.0, plot_w), x, y);
    let sx = |v: f64| x.map(v, plot.x as f64, plot.right() as f64);
    // Bars are cut at the frame (an sd can reach past 100 %).
    let sy = |v: f64| y.map(v, plot.bottom() as f64, plot.y as f64).clamp(plot.y as f64, plot.bottom() as f64);
    for (i, s) in series.iter().enumerate() {
        let color = color(i);
        let off = dodge(i, series.len());
        let mut points = s.points.clone();
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
        let px: Vec<(f64, f64)> = points.iter().map(|p| (sx(p.x) + if p.shared { 0.0 } else { off }, sy(p.mean))).collect();
        for seg in px.windows(2) {
            stroke(&mut c, seg[0], seg[1], 2.5, color, if dashed(i) { PLOT_DASH } else { Dash::Solid });
        }
        for (p, &(xx, yy)) in points.iter().zip(&px) {
            let color = if p.shared { INK } else { color };
            match p.sd {
                Some(sd) => {
                    error_bar(&mut c, xx, (sy(p.mean + sd), sy(p.mean - sd)), color);
                    c.dot((xx, yy), 4.5, color);
                }
                None => ring(&mut c, (xx, yy), color),
            }
        }
    }
    // The legend: one row per line, then how to read a point.
    let lx = frame.right() + 4;
    let mut ly = plot.y + 8;
    for (i, s) in series.iter().enumerate() {
        let color = color(i);
        let mid = (ly + LEGEND_ROW / 2) as f64;
        if dashed(i) {
            // No dot: it would hide the middle dash.
            stroke(&mut c, (lx as f64, mid), ((lx + SWATCH) as f64, mid), 3.0, color, SWATCH_DASH);
        } else {
            c.line((lx as f64, mid), ((lx + SWATCH) as f64, mid), 3.0, color);
            c.dot(((lx + SWATCH / 2) as f64, mid), 4.0, color);
        }
        let name = fit(&s.name, style::LABEL_PX, legend_w.saturating_sub(SWATCH + 16));
        c.text(&name, style::LABEL_PX, (lx + SWATCH + 8, ly + LEGEND_ROW / 2), (Align::Start, Align::Center), INK);
        ly += LEGEND_ROW;
    }
    ly += LEGEND_ROW / 2;
    for (symbol, text) in &key {
        let (xx, mid) = ((lx + SWATCH / 2) as f64, (ly + LEGEND_ROW / 2) as f64);
        match symbol {
            Symbol::Mean => c.dot((xx, mid), 4.5, MUTED),
            Symbol::Bar => error_bar(&mut c, xx, (mid - 9.0, mid + 9.0), MUTED),
            Symbol::Single => ring(&mut c, (xx, mid), MUTED),
            Symbol::Shared => c.dot((xx, mid), 4.5, INK),
        }
        let text = fit(text, style::TICK_PX, legend_w.saturating_sub(SWATCH + 16));
        c.text(&text, style::TICK_PX, (lx + SWATCH + 8, ly + LEGEND_ROW / 2), (Align::Start, Align::Center), MUTED);
        ly += LEGEND_ROW;
    }
    c
}

/// A vertical bar from `top` to `bottom` with caps.
fn error_bar(c: &mut Canvas, x: f64, (top, bottom): (f64, f64), color: super::canvas::Rgb) {
    c.line((x, top), (x, bottom), 1.8, color);
    c.line((x - 6.0, top), (x + 6.0, top), 1.8, color);
    c.line((x - 6.0, bottom), (x + 6.0, bottom), 1.8, color);
}

/// An open point: a run alone has no spread to show.
fn ring(c: &mut Canvas, at: (f64, f64), color: super::canvas::Rgb) {
    c.dot(at, 5.0, color);
    c.dot(at, 2.8, PAPER);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::charts::{accuracy_axis, log_axis};

    fn inked(c: &Canvas, x: usize, y: usize) -> bool {
        c.get(x, y) != PAPER && c.get(x, y) != style::GRID
    }

    /// A pixel at (x ± 1, y) is (nearly) `color`: a thin line's anti-aliasing spreads it.
    fn near(c: &Canvas, x: usize, y: usize, color: super::super::canvas::Rgb) -> bool {
        let d = |p: super::super::canvas::Rgb| p.0.abs_diff(color.0) as u32 + p.1.abs_diff(color.1) as u32 + p.2.abs_diff(color.2) as u32;
        (x - 1..=x + 1).any(|x| d(c.get(x, y)) < 40)
    }

    #[test]
    fn error_bars_span_one_sd_around_the_mean_and_single_runs_are_open() {
        let x = log_axis("hidden neurons (log scale)", &[16.0, 64.0]);
        let y = accuracy_axis("test accuracy (%)", 80.0);
        let series = [MeanSeries {
            name: "relu".into(),
            points: vec![MeanPoint { x: 16.0, mean: 85.0, sd: Some(2.0), shared: false }, MeanPoint { x: 64.0, mean: 90.0, sd: None, shared: false }],
        }];
        let chart = MeanChart { title: "t", note: "n", x: &x, y: &y, series: &series, shared: "" };
        let c = mean_chart(&chart);
        assert_eq!((c.width, c.height), (WIDTH, HEIGHT));
        // Recompute the plot area as the chart did, to find the points.
        let mut probe = Canvas::new(WIDTH, HEIGHT, PAPER);
        let name_w = text_width("relu", style::LABEL_PX).max(key(&chart).iter().map(|(_, k)| text_width(k, style::TICK_PX)).max().unwrap());
        assert_eq!(key(&chart).iter().map(|(s, _)| *s).collect::<Vec<_>>(), [Symbol::Mean, Symbol::Bar, Symbol::Single], "no shared point");
        let legend_w = (name_w + SWATCH + 30).min(MAX_LEGEND_W);
        let plot = axes_panel(&mut probe, Rect::new(0, 44, WIDTH - legend_w, HEIGHT - 44), "n", &x, &y);
        let px = |v: f64| x.map(v, plot.x as f64, plot.right() as f64) + dodge(0, 1);
        let py = |v: f64| y.map(v, plot.bottom() as f64, plot.y as f64);
        let (x16, x64) = (px(16.0).round() as usize, px(64.0).round() as usize);
        let color = color(0);
        // The bar reaches mean ± sd, and not much further.
        assert!(near(&c, x16, py(86.9).round() as usize, color));
        assert!(near(&c, x16, py(83.1).round() as usize, color));
        assert!(!inked(&c, x16, py(88.0).round() as usize), "nothing above mean + sd");
        assert!(!inked(&c, x16, py(82.0).round() as usize), "nothing below mean − sd");
        // The single run is a ring: paper at its centre, its color around it; no bar.
        let y90 = py(90.0).round() as usize;
        assert_eq!(c.get(x64, y90), PAPER);
        assert_eq!(c.get(x64 + 4, y90), color);
        assert!(!inked(&c, x64, y90 - 12) && !inked(&c, x64, y90 + 12));
    }

    #[test]
    fn a_long_legend_makes_the_picture_taller() {
        assert_eq!(size(2, 3), (WIDTH, HEIGHT));
        let (_, h) = size(30, 4);
        assert!(h >= 78 + 34 * LEGEND_ROW, "{h}");
        let x = log_axis("n", &[8.0, 16.0]);
        let y = accuracy_axis("acc", 90.0);
        let series: Vec<MeanSeries> = (0..30)
            .map(|i| MeanSeries { name: format!("line {i}"), points: vec![MeanPoint { x: 8.0, mean: 91.0, sd: Some(0.5), shared: false }] })
            .collect();
        let c = mean_chart(&MeanChart { title: "t", note: "n", x: &x, y: &y, series: &series, shared: "" });
        assert_eq!((c.width, c.height), size(30, 2));
        // The last key row's text is on the picture: ink in the bottom rows of the legend column.
        let inked_rows = (c.height - 60..c.height).filter(|&yy| (WIDTH - 300..WIDTH).any(|xx| c.get(xx, yy) != PAPER)).count();
        assert!(inked_rows > 0, "the legend's end is drawn");
    }

    #[test]
    fn lines_past_the_palette_are_dashed() {
        let n = style::SERIES.len();
        assert!((0..n).all(|i| !dashed(i)) && (n..2 * n).all(dashed) && !dashed(2 * n));
        // Gaps along the line: runs of paper between inked pixels.
        let gaps = |dash: Dash| {
            let mut c = Canvas::new(200, 20, PAPER);
            stroke(&mut c, (10.0, 10.0), (190.0, 10.0), 3.0, INK, dash);
            let inked: Vec<bool> = (10..190).map(|x| c.get(x, 10) != PAPER).collect();
            inked.windows(2).filter(|w| w[0] && !w[1]).count()
        };
        assert_eq!(gaps(Dash::Solid), 0);
        assert_eq!(gaps(PLOT_DASH), 180 / 17, "a gap after every dash but the last");
        assert!(gaps(SWATCH_DASH) >= 180 / 10 - 1, "{}", gaps(SWATCH_DASH));
    }

    #[test]
    fn lines_at_the_same_x_are_drawn_apart() {
        assert_eq!(dodge(0, 1), 0.0);
        assert!(dodge(0, 2) < 0.0 && dodge(1, 2) > 0.0 && (dodge(0, 2) + dodge(1, 2)).abs() < 1e-12);
        assert!(dodge(0, 9).abs() <= 18.0, "the spread stays within a small margin");
    }
}
