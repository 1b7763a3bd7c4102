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
use crate::tui::widgets::{notice, panel};
use crate::tui::widgets::shaded::{cells_for, ShadedImage};
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
    let layer = if model.arch.hidden.is_empty() { "output class (no hidden layer)" } else { "first hidden layer" };
    let info = Line::from(vec![
        Span::styled(format!("neuron {j} of {units}"), t.focused()),
        Span::raw(format!(" ({layer}){}min {lo:.4}  max {hi:.4}{}", t.sep(), t.sep())),
        Span::styled(
            match shade {
                Shade::HalfBlock => "half blocks: dark = most negative, bright = most positive",
                Shade::Diverging => "diverging: blue < 0 < red, white = 0",
                Shade::Ramp => "ASCII ramp: ' ' = most negative, '@' = most positive",
            },
            t.dim(),
        ),
    ]);
    let [info_area, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(inner);
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
        frame.render_widget(ShadedImage { image: img, shade }, Rect::new(big.x, big.y, big.width, bh.min(big.height)));
    }
    if side.width >= THUMB_W {
        render_grid(frame, side, app, units, j, shade);
    }
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
            frame.render_widget(ShadedImage { image: img, shade }, Rect::new(x, y + 1, THUMB_W, THUMB_H).intersection(area));
        }
    }
}
