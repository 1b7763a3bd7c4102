//! The report's charts: training curves (loss and accuracy per epoch) and the comparison of a sweep's
//! runs. Shaping numbers into axes and series is kept apart from drawing them.

use super::canvas::{Align, Canvas, Rect, Rgb};
use super::style::{self, INK, MUTED, PAPER};
use crate::train::EpochReport;

/// One line on a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: &'static str,
    pub color: Rgb,
    pub points: Vec<(f64, f64)>,
}

/// An axis: its range, where the ticks go, and how a tick is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub label: String,
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<f64>,
    pub decimals: usize,
    /// Logarithmic: equal ratios take equal room (lo and every value must be positive).
    pub log: bool,
}

impl Axis {
    /// Where `v` falls between `from` (at `lo`) and `to` (at `hi`) in pixels.
    pub fn map(&self, v: f64, from: f64, to: f64) -> f64 {
        let f = |v: f64| if self.log { v.log10() } else { v };
        from + (f(v) - f(self.lo)) / (f(self.hi) - f(self.lo)) * (to - from)
    }
    fn tick_label(&self, v: f64) -> String {
        format!("{v:.*}", self.decimals)
    }
}

/// A step of 1, 2, 2.5 or 5 times a power of ten giving about `target` intervals over `span`.
pub fn nice_step(span: f64, target: f64) -> f64 {
    let raw = (span / target).max(f64::MIN_POSITIVE);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    mag * [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().find(|&s| f <= s).unwrap_or(10.0)
}

/// An axis over [lo, hi] widened to whole steps, with ticks at every step.
pub fn nice_axis(label: impl Into<String>, lo: f64, hi: f64, target: f64) -> Axis {
    let hi = if hi > lo { hi } else { lo + 1.0 };
    let step = nice_step(hi - lo, target);
    let (lo, hi) = ((lo / step + 1e-9).floor() * step, (hi / step - 1e-9).ceil() * step);
    let count = ((hi - lo) / step).round() as usize;
    Axis { label: label.into(), lo, hi, ticks: (0..=count).map(|i| lo + i as f64 * step).collect(), decimals: decimals_for(step), log: false }
}

/// Decimals needed to write multiples of `step` exactly (0.25 → 2, 5 → 0).
fn decimals_for(step: f64) -> usize {
    (0..6).find(|&d| {
        let s = step * 10f64.powi(d as i32);
        (s - s.round()).abs() < 1e-6
    }).unwrap_or(6)
}

/// Epochs 1..=n with half an epoch of room on both sides, so no point sits on the frame.
pub fn epoch_axis(n: usize) -> Axis {
    let step = nice_step(n as f64, 8.0).ceil().max(1.0) as usize;
    let ticks = (1..=n.max(1)).filter(|e| e % step == 0 || *e == 1).map(|e| e as f64).collect();
    Axis { label: "epoch".into(), lo: 0.5, hi: n.max(1) as f64 + 0.5, ticks, decimals: 0, log: false }
}

/// A logarithmic axis over the positive `values`, ticked at each distinct value (so a sweep's neuron
/// counts are read off directly), with a margin so no point sits on the frame.
pub fn log_axis(label: impl Into<String>, values: &[f64]) -> Axis {
    let mut ticks: Vec<f64> = values.iter().copied().filter(|v| v.is_finite() && *v > 0.0).collect();
    ticks.sort_by(f64::total_cmp);
    ticks.dedup();
    let (lo, hi) = match (ticks.first(), ticks.last()) {
        (Some(&lo), Some(&hi)) => (lo, hi),
        _ => (1.0, 10.0),
    };
    // At least a factor of 2 wide, then a margin of 8 % of the width on each side (in decades).
    let span = (hi / lo).log10();
    let wide = span.max(2f64.log10());
    let pad = 10f64.powf((wide - span) / 2.0 + wide * 0.08);
    let decimals = ticks.iter().map(|&t| decimals_for(t)).max().unwrap_or(0);
    Axis { label: label.into(), lo: lo / pad, hi: hi * pad, ticks, decimals, log: true }
}

/// Whole numbers from the smallest to the largest of `values` (counts, such as hidden layers), with
/// half a step of room on both sides.
pub fn count_axis(label: impl Into<String>, values: &[f64]) -> Axis {
    let lo = values.iter().copied().filter(|v| v.is_finite()).fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().filter(|v| v.is_finite()).fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo <= hi { (lo.round(), hi.round()) } else { (0.0, 1.0) };
    let step = nice_step(hi - lo, 8.0).ceil().max(1.0);
    let ticks = (0..=((hi - lo) / step) as usize).map(|i| lo + i as f64 * step).collect();
    Axis { label: label.into(), lo: lo - 0.5, hi: hi + 0.5, ticks, decimals: 0, log: false }
}

/// Reads one figure of an epoch (absent: the run has no validation split).
type EpochValue = fn(&EpochReport) -> Option<f64>;

/// Loss and accuracy (in %) per epoch for train, validation (when the run held some out) and test.
pub fn curve_series(epochs: &[EpochReport]) -> (Vec<Series>, Vec<Series>) {
    let pick = |f: EpochValue| -> Vec<(f64, f64)> {
        epochs.iter().filter_map(|e| f(e).filter(|v| v.is_finite()).map(|v| (e.epoch as f64, v))).collect()
    };
    let splits: [(&'static str, Rgb, EpochValue, EpochValue); 3] = [
        ("train", style::TRAIN, |e| Some(e.train_loss), |e| Some(e.train_accuracy * 100.0)),
        ("validation", style::VALIDATION, |e| e.val_loss, |e| e.val_accuracy.map(|a| a * 100.0)),
        ("test", style::TEST, |e| Some(e.test_loss), |e| Some(e.test_accuracy * 100.0)),
    ];
    let mut loss = Vec::new();
    let mut acc = Vec::new();
    for (name, color, l, a) in splits {
        let (lp, ap) = (pick(l), pick(a));
        if !lp.is_empty() {
            loss.push(Series { name, color, points: lp });
        }
        if !ap.is_empty() {
            acc.push(Series { name, color, points: ap });
        }
    }
    (loss, acc)
}

fn extent(series: &[Series]) -> (f64, f64) {
    let ys = series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
    ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| (lo.min(y), hi.max(y)))
}

/// The accuracy axis: up to 100 %, down to a whole step below the lowest point.
pub fn accuracy_axis(label: &str, lowest: f64) -> Axis {
    let lowest = if lowest.is_finite() { lowest } else { 0.0 };
    let mut axis = nice_axis(label, (lowest - 1.0).max(0.0), 100.0, 5.0);
    axis.lo = axis.lo.max(0.0);
    axis.ticks.retain(|t| (0.0..=100.0).contains(t));
    axis.hi = 100.0;
    axis
}

/// Draws a chart's frame inside `frame`: title on top, tick labels and axis labels on the left and
/// below, light grid lines at the ticks. Returns the plot area. An x tick label that would run into
/// the previous one is left out (its grid line stays).
pub fn axes_panel(c: &mut Canvas, frame: Rect, title: &str, x: &Axis, y: &Axis) -> Rect {
    let tick_w = y.ticks.iter().map(|&t| super::font::text_width(&y.tick_label(t), style::TICK_PX)).max().unwrap_or(0);
    let plot = Rect::new(frame.x + 34 + tick_w, frame.y + 34, 0, 0);
    let plot = Rect { w: frame.right() - 16 - plot.x, h: frame.bottom() - 58 - plot.y, ..plot };
    c.text(title, style::LABEL_PX + 1.0, (plot.x + plot.w / 2, frame.y + 6), (Align::Center, Align::Start), INK);
    let sx = |v: f64| x.map(v, plot.x as f64, plot.right() as f64);
    let sy = |v: f64| y.map(v, plot.bottom() as f64, plot.y as f64);
    for &t in &y.ticks {
        let yy = sy(t).round() as usize;
        c.fill_rect(Rect::new(plot.x, yy, plot.w, 1), style::GRID);
        c.text(&y.tick_label(t), style::TICK_PX, (plot.x - 6, yy), (Align::End, Align::Center), MUTED);
    }
    let mut free_from = 0;
    for &t in &x.ticks {
        let xx = sx(t).round() as usize;
        c.fill_rect(Rect::new(xx, plot.y, 1, plot.h), style::GRID);
        let label = x.tick_label(t);
        let w = super::font::text_width(&label, style::TICK_PX);
        if xx.saturating_sub(w / 2) >= free_from {
            c.text(&label, style::TICK_PX, (xx, plot.bottom() + 5), (Align::Center, Align::Start), MUTED);
            free_from = xx + w / 2 + 8;
        }
    }
    c.stroke_rect(plot, 1, style::AXIS);
    c.text(&x.label, style::LABEL_PX, (plot.x + plot.w / 2, frame.bottom() - 6), (Align::Center, Align::End), INK);
    c.text_vertical(&y.label, style::LABEL_PX, (frame.x + 12, plot.y + plot.h / 2), INK);
    plot
}

/// Plots `series` inside `frame` (see [`axes_panel`]), each point marked with a dot so a one-epoch
/// run still shows.
pub fn line_panel(c: &mut Canvas, frame: Rect, title: &str, x: &Axis, y: &Axis, series: &[Series]) {
    let plot = axes_panel(c, frame, title, x, y);
    let sx = |v: f64| x.map(v, plot.x as f64, plot.right() as f64);
    let sy = |v: f64| y.map(v, plot.bottom() as f64, plot.y as f64);
    for s in series {
        let pts: Vec<(f64, f64)> = s.points.iter().map(|&(vx, vy)| (sx(vx), sy(vy))).collect();
        for w in pts.windows(2) {
            c.line(w[0], w[1], 2.5, s.color);
        }
        for &p in &pts {
            c.dot(p, 3.5, s.color);
        }
    }
}

/// A row of legend entries (a short line in the series color, then its name) centred on `center_x`.
pub fn legend(c: &mut Canvas, entries: &[(&str, Rgb)], center_x: usize, y: usize) {
    const SWATCH: usize = 26;
    let widths: Vec<usize> = entries.iter().map(|(n, _)| SWATCH + 6 + super::font::text_width(n, style::LABEL_PX)).collect();
    let total = widths.iter().sum::<usize>() + 28 * entries.len().saturating_sub(1);
    let mut x = center_x.saturating_sub(total / 2);
    for ((name, color), w) in entries.iter().zip(widths) {
        c.line((x as f64, y as f64), ((x + SWATCH) as f64, y as f64), 3.0, *color);
        c.dot(((x + SWATCH / 2) as f64, y as f64), 3.5, *color);
        c.text(name, style::LABEL_PX, (x + SWATCH + 6, y), (Align::Start, Align::Center), INK);
        x += w + 28;
    }
}

/// `curves.png`: loss (left) and accuracy (right) per epoch, one shared legend below.
/// Loss and accuracy per epoch, side by side, under `title` (what the run was: network, optimizer,
/// and how it ended when it did not complete).
pub fn curves(epochs: &[EpochReport], title: &str) -> Canvas {
    let (w, h) = (1200, 540);
    let mut c = Canvas::new(w, h, PAPER);
    let title = super::font::fit(title, style::TITLE_PX, w - 24);
    c.text(&title, style::TITLE_PX, (w / 2, 12), (Align::Center, Align::Start), INK);
    let (loss, acc) = curve_series(epochs);
    let x = epoch_axis(epochs.iter().map(|e| e.epoch).max().unwrap_or(1));
    let (_, loss_hi) = extent(&loss);
    let loss_axis = nice_axis("loss (cross-entropy)", 0.0, if loss_hi.is_finite() { loss_hi } else { 1.0 }, 5.0);
    let acc_axis = accuracy_axis("accuracy (%)", extent(&acc).0);
    line_panel(&mut c, Rect::new(0, 48, w / 2, h - 48 - 44), "Loss per epoch (lower is better)", &x, &loss_axis, &loss);
    line_panel(&mut c, Rect::new(w / 2, 48, w / 2, h - 48 - 44), "Accuracy per epoch (higher is better)", &x, &acc_axis, &acc);
    let entries: Vec<(&str, Rgb)> = acc.iter().map(|s| (s.name, s.color)).collect();
    legend(&mut c, &entries, w / 2, h - 22);
    c
}

/// One bar of the sweep comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct RunBar {
    /// The run's directory name.
    pub name: String,
    pub architecture: String,
    /// Final test accuracy, 0–1.
    pub accuracy: f64,
}

const BAR_ROW: usize = 40;
/// Run labels longer than this are shortened with `…`.
const MAX_LABEL_W: usize = 420;

fn label_width(runs: &[RunBar]) -> usize {
    let w = |r: &RunBar| super::font::text_width(&r.name, style::LABEL_PX).max(super::font::text_width(&r.architecture, style::TICK_PX));
    runs.iter().map(w).max().unwrap_or(0).min(MAX_LABEL_W)
}

/// The comparison picture's (width, height).
pub fn comparison_size(runs: &[RunBar]) -> (usize, usize) {
    ((label_width(runs) + 620).max(900), 60 + runs.len().max(1) * BAR_ROW + 64)
}

/// `comparison.png`: test accuracy of each run as horizontal bars, best first, each labelled with its
/// directory name and architecture and its value written at the end of the bar.
pub fn comparison(runs: &[RunBar]) -> Canvas {
    let label_w = label_width(runs);
    let (w, h) = comparison_size(runs);
    let mut runs: Vec<&RunBar> = runs.iter().collect();
    runs.sort_by(|a, b| b.accuracy.total_cmp(&a.accuracy).then(a.name.cmp(&b.name)));
    let mut c = Canvas::new(w, h, PAPER);
    c.text(&format!("Test accuracy per run ({})", crate::console::count(runs.len(), "run")), style::TITLE_PX, (w / 2, 12), (Align::Center, Align::Start), INK);
    let lowest = runs.iter().map(|r| r.accuracy * 100.0).fold(f64::INFINITY, f64::min);
    let mut axis = accuracy_axis("test accuracy (%)", lowest);
    if axis.lo > 0.0 {
        axis.label = format!("test accuracy (%), axis from {} %", axis.tick_label(axis.lo));
    }
    let plot = Rect::new(label_w + 28, 60, w - label_w - 28 - 90, runs.len().max(1) * BAR_ROW);
    let sx = |v: f64| axis.map(v, plot.x as f64, plot.right() as f64);
    for &t in &axis.ticks {
        let xx = sx(t).round() as usize;
        c.fill_rect(Rect::new(xx, plot.y, 1, plot.h), style::GRID);
        c.text(&axis.tick_label(t), style::TICK_PX, (xx, plot.bottom() + 6), (Align::Center, Align::Start), MUTED);
    }
    c.text(&axis.label, style::LABEL_PX, (plot.x + plot.w / 2, plot.bottom() + 30), (Align::Center, Align::Start), INK);
    for (i, r) in runs.iter().enumerate() {
        let top = plot.y + i * BAR_ROW;
        let value = (r.accuracy * 100.0).clamp(axis.lo, 100.0);
        let end = sx(value).round() as usize;
        let color = if i == 0 { style::TEST } else { style::TRAIN };
        c.fill_rect(Rect::new(plot.x, top + 8, end.saturating_sub(plot.x).max(1), BAR_ROW - 16), color);
        c.text(&format!("{:.2} %", r.accuracy * 100.0), style::TICK_PX, (end + 6, top + BAR_ROW / 2), (Align::Start, Align::Center), INK);
        let fit = |t: &str, px| super::font::fit(t, px, MAX_LABEL_W);
        c.text(&fit(&r.name, style::LABEL_PX), style::LABEL_PX, (label_w + 16, top + 4), (Align::End, Align::Start), INK);
        c.text(&fit(&r.architecture, style::TICK_PX), style::TICK_PX, (label_w + 16, top + BAR_ROW - 3), (Align::End, Align::End), MUTED);
    }
    c.fill_rect(Rect::new(plot.x, plot.y, 1, plot.h), style::AXIS);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_axes_cover_the_data_in_round_steps() {
        assert_eq!(nice_step(10.0, 5.0), 2.0);
        assert_eq!(nice_step(0.9, 5.0), 0.2);
        let a = nice_axis("loss", 0.0, 0.93, 5.0);
        assert_eq!((a.lo, a.hi, a.decimals), (0.0, 1.0, 1));
        assert_eq!(a.ticks.len(), 6);
        assert_eq!(a.tick_label(a.ticks[3]), "0.6");
        let acc = accuracy_axis("acc", 91.3);
        assert_eq!((acc.lo, acc.hi), (90.0, 100.0));
        assert!(acc.ticks.iter().all(|t| (90.0..=100.0).contains(t)));
        let e = epoch_axis(1);
        assert_eq!((e.lo, e.hi, e.ticks.clone()), (0.5, 1.5, vec![1.0]));
        assert_eq!(epoch_axis(30).ticks.len(), 7, "every 5th epoch plus the first");
    }

    #[test]
    fn a_log_axis_gives_equal_ratios_equal_room_and_ticks_the_values() {
        let a = log_axis("neurons", &[16.0, 64.0, 32.0, 16.0, 0.0]);
        assert_eq!(a.ticks, vec![16.0, 32.0, 64.0], "distinct positive values, sorted");
        assert!(a.lo < 16.0 && a.hi > 64.0);
        let (p16, p32, p64) = (a.map(16.0, 0.0, 1000.0), a.map(32.0, 0.0, 1000.0), a.map(64.0, 0.0, 1000.0));
        assert!((p32 - p16 - (p64 - p32)).abs() < 1e-9, "doubling takes the same room: {p16} {p32} {p64}");
        assert!(p16 > 0.0 && p64 < 1000.0);
        let single = log_axis("n", &[128.0]);
        assert!(single.lo < 128.0 && single.hi > 128.0 && single.hi / single.lo >= 2.0);
        let c = count_axis("layers", &[1.0, 3.0, 2.0]);
        assert_eq!((c.lo, c.hi, c.ticks.clone(), c.log), (0.5, 3.5, vec![1.0, 2.0, 3.0], false));
    }

    #[test]
    fn series_skip_a_missing_validation_split() {
        let e = EpochReport {
            epoch: 1,
            train_loss: 0.5,
            train_accuracy: 0.9,
            val_loss: None,
            val_accuracy: None,
            test_loss: 0.4,
            test_accuracy: 0.91,
            train_seconds: 1.0,
            eval_seconds: 0.1,
        };
        let (loss, acc) = curve_series(&[e]);
        assert_eq!(loss.iter().map(|s| s.name).collect::<Vec<_>>(), ["train", "test"]);
        assert_eq!(acc[1].points, vec![(1.0, 91.0)]);
    }
}
