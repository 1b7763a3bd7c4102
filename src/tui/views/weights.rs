//! Weights: first-layer neurons as pictures (each neuron's 784 incoming weights as 28x28, its own
//! min → black and max → white).
//!
//! ```text
//! ┌ Weights · current run, epoch 3 ─────────────────────────────────────────────┐
//! │ neuron 5 of 32 · min -0.1234 max 0.4567 · half blocks                       │
//! │ ┌──────────────┐  #000 #001 #002 …   (grid overview; g shows only the grid)   │
//! │ │ 28x28 shaded │  ░▒▓  ░▒▓  ░▒▓                                              │
//! │ └──────────────┘                                                            │
//! └─────────────────────────────────────────────────────────────────────────────┘
//! ```

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::tui::app::{App, Shade};
use crate::tui::widgets::{notice, panel, wrapped_height};
use crate::tui::widgets::shaded::{cells_for, picture};
use crate::viz::fit_scale;

/// Thumbnail size in the grid overview (cells), plus one label row.
const THUMB_W: u16 = 14;
const THUMB_H: u16 = 7;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let Some(shown) = app.shown() else {
        frame.render_widget(notice(" Weights ", "No weights yet: they appear after the first epoch (or open a run in Runs, 5).", t), area);
        return;
    };
    let model = shown.model;
    let block = panel(format!(" Weights{}{} ", t.sep(), shown.title), t);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let units = model.first_layer_units();
    let j = app.weights.neuron.min(units.saturating_sub(1));
    let (lo, hi) = app.pictures.ranges.get(j).copied().unwrap_or_default();
    let shade = if t.color && !t.ascii { app.weights.shade } else { Shade::Ramp };
    let layer = if model.arch.hidden.is_empty() { "output units, no hidden layer" } else { "first hidden layer" };
    let mut info = vec![Line::from(vec![
        Span::styled(format!("neuron {j}"), t.focused()),
        Span::raw(format!(" (0–{}, {layer}){}min {lo:.4}  max {hi:.4}{}", units.saturating_sub(1), t.sep(), t.sep())),
        Span::styled(
            match shade {
                Shade::HalfBlock => "gray: dark = most negative, bright = most positive",
                Shade::Diverging => "diverging: blue < 0 < red, white = 0",
                Shade::Ramp => "ASCII ramp: ' ' = most negative, '@' = most positive",
            },
            t.dim(),
        ),
    ])];
    if let Some(n) = shown.neurons.units.get(j) {
        let seq = app.neuron_sequence();
        let at = seq.iter().position(|&k| k == j).map_or(String::new(), |p| format!(" ({} of {})", p + 1, seq.len()));
        let showing = match (app.weights.class, app.weights.by_selectivity) {
            (Some(c), _) => format!("neurons preferring {c}, clearest first{at}"),
            (None, true) => format!("all, most selective first{at}"),
            (None, false) => "all, in layer order".to_string(),
        };
        info.push(Line::from(vec![
            Span::styled(format!("prefers {}", n.preferred), t.good()),
            Span::raw(format!(" · selectivity {:.2} · runner-up {} · feeds output {}", n.selectivity, n.runner_up, n.feeds)),
            Span::styled(format!("{}{showing}", t.sep()), t.dim()),
        ]));
    }
    let info_h = wrapped_height(&info, inner.width);
    let [info_area, body] = Layout::vertical([Constraint::Length(info_h + 1), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(info).wrap(Wrap { trim: true }), info_area);
    let (rows, cols) = (app.data.train.rows, app.data.train.cols);
    if app.weights.grid {
        render_grid(frame, body, app, units, j, shade);
        return;
    }
    let (w1, h1) = cells_for(cols, rows, 1);
    let k = fit_scale(w1 as usize, h1 as usize, body.width as usize / 2, body.height as usize).min(2);
    let (bw, bh) = cells_for(cols, rows, k);
    let [big, _, side] = Layout::horizontal([Constraint::Length(bw), Constraint::Length(2), Constraint::Min(0)]).areas(body);
    if let Some(img) = pictures(app, shade).get(j) {
        picture(frame, &app.graphics, img, shade, Rect::new(big.x, big.y, big.width, bh.min(big.height)));
    }
    let mut rest = side;
    if let Some(n) = shown.neurons.units.get(j) {
        rest = render_profile(frame, rest, app, n);
        rest = render_top_digits(frame, rest, app, n);
    }
    if rest.width >= THUMB_W && rest.height > THUMB_H {
        render_grid(frame, rest, app, units, j, shade);
    }
}

/// The neuron's mean response to each class as bars, the preferred class highlighted; returns the
/// area left below.
fn render_profile(frame: &mut Frame, area: Rect, app: &App, n: &crate::train::neurons::Neuron) -> Rect {
    let t = &app.theme;
    let classes = n.class_means.len();
    if area.height < classes as u16 + 2 || area.width < 16 {
        return area;
    }
    let (lo, hi) = crate::viz::min_max(&n.class_means);
    let span = (hi - lo).max(1e-6);
    let bar_w = area.width.saturating_sub(12).min(30) as f32;
    let full = if t.ascii { "#" } else { "█" };
    let mut lines = vec![Line::from(Span::styled("mean response to each class's test images", t.title()))];
    for (c, &m) in n.class_means.iter().enumerate() {
        let len = (((m - lo) / span) * bar_w).round() as usize;
        let style = if c == n.preferred { t.good() } else { t.dim() };
        lines.push(Line::from(vec![
            Span::raw(format!("{c:>2} ")),
            Span::styled(full.repeat(len.max(1)), style),
            Span::styled(format!(" {m:.2}"), t.dim()),
        ]));
    }
    let h = lines.len() as u16;
    frame.render_widget(Paragraph::new(lines), Rect::new(area.x, area.y, area.width, h));
    Rect::new(area.x, area.y + h + 1, area.width, area.height.saturating_sub(h + 1))
}

/// The test digits that excite the neuron most, as many as fit in a row or two; returns the area
/// left below.
fn render_top_digits(frame: &mut Frame, area: Rect, app: &App, n: &crate::train::neurons::Neuron) -> Rect {
    let t = &app.theme;
    let test = &app.data.test;
    let per_row = (area.width / (THUMB_W + 1)) as usize;
    if per_row == 0 || area.height < THUMB_H + 2 || n.top_images.iter().any(|&i| i >= test.len()) {
        return area;
    }
    let rows = (n.top_images.len().div_ceil(per_row) as u16).min((area.height - 1) / (THUMB_H + 1));
    frame.render_widget(Paragraph::new(Span::styled("test digits it answers most (label #index)", t.title())), Rect::new(area.x, area.y, area.width, 1));
    let shade = crate::tui::widgets::shaded::ink_shade(app.weights.shade, t);
    for (k, &i) in n.top_images.iter().take(per_row * rows as usize).enumerate() {
        let x = area.x + (k % per_row) as u16 * (THUMB_W + 1);
        let y = area.y + 1 + (k / per_row) as u16 * (THUMB_H + 1);
        frame.render_widget(Paragraph::new(Span::styled(format!("{} #{i}", test.labels[i]), t.dim())), Rect::new(x, y, THUMB_W, 1));
        let img = crate::viz::GrayImage::from_pixels(test.cols, test.rows, test.image(i).to_vec());
        picture(frame, &app.graphics, &img, shade, Rect::new(x, y + 1, THUMB_W, THUMB_H - 1));
    }
    let used = 1 + rows * (THUMB_H + 1);
    Rect::new(area.x, area.y + used, area.width, area.height.saturating_sub(used))
}

/// The pictures for a shading: symmetric around 0 for the diverging map, min-to-max otherwise.
fn pictures(app: &App, shade: Shade) -> &[crate::viz::GrayImage] {
    match shade {
        Shade::Diverging => &app.pictures.signed,
        _ => &app.pictures.images,
    }
}

/// Thumbnails of the page of neurons that holds `current`, the current one's label highlighted.
fn render_grid(frame: &mut Frame, area: Rect, app: &App, units: usize, current: usize, shade: Shade) {
    let t = &app.theme;
    let per_row = (area.width / (THUMB_W + 1)).max(1) as usize;
    let per_col = (area.height / (THUMB_H + 1)) as usize;
    let capacity = per_row * per_col;
    if capacity == 0 {
        return;
    }
    let start = current / capacity * capacity;
    for (k, j) in (start..units.min(start + capacity)).enumerate() {
        let x = area.x + (k % per_row) as u16 * (THUMB_W + 1);
        let y = area.y + (k / per_row) as u16 * (THUMB_H + 1);
        let style = if j == current { t.selected() } else { t.dim() };
        frame.render_widget(Paragraph::new(Span::styled(format!("#{j:03}"), style)), Rect::new(x, y, THUMB_W, 1).intersection(area));
        if let Some(img) = pictures(app, shade).get(j) {
            picture(frame, &app.graphics, img, shade, Rect::new(x, y + 1, THUMB_W, THUMB_H).intersection(area));
        }
    }
}
