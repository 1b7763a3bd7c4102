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

use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::tui::app::{App, Pick, Shade, Shown};
use crate::tui::widgets::{notice, panel, wrapped_height};
use crate::tui::widgets::shaded::{cells_for, picture};
use crate::viz::fit_scale;

/// Thumbnail size in the grid overview (cells), plus one label row.
const THUMB_W: u16 = 14;
const THUMB_H: u16 = 7;

/// The neuron the view shows: the selected one, within the layer.
fn neuron_shown(app: &App, shown: &Shown) -> usize {
    app.weights.neuron.min(shown.model.first_layer_units().saturating_sub(1))
}

/// The shading the pictures are drawn in: the chosen one where the terminal has colors and Unicode.
fn shade_of(app: &App) -> Shade {
    let t = &app.theme;
    if t.color && !t.ascii { app.weights.shade } else { Shade::Ramp }
}

/// The lines above the pictures: the neuron, its range and shading, what it prefers and the order ←/→
/// step in.
fn info_lines(app: &App, shown: &Shown) -> Vec<Line<'static>> {
    let t = &app.theme;
    let model = shown.model;
    let units = model.first_layer_units();
    let j = neuron_shown(app, shown);
    let (lo, hi) = app.pictures.ranges.get(j).copied().unwrap_or_default();
    let layer = if model.arch.hidden.is_empty() { "output units, no hidden layer" } else { "first hidden layer" };
    let mut info = vec![Line::from(vec![
        Span::styled(format!("neuron {j}"), t.focused()),
        Span::raw(format!(" (0–{}, {layer}){}min {lo:.4}  max {hi:.4}{}", units.saturating_sub(1), t.sep(), t.sep())),
        Span::styled(
            match shade_of(app) {
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
    info
}

/// Where the parts of the view go inside its panel.
struct Areas {
    info: Rect,
    /// The neuron's picture, large (not with `g`, the grid alone).
    picture: Option<Rect>,
    /// Its mean response to each class.
    profile: Option<Rect>,
    /// The test digits it answers most.
    top_digits: Option<Rect>,
    /// The thumbnails of the page of neurons, when they fit.
    grid: Option<Rect>,
}

/// The view's layout in `inner` (the panel's inside) under `info_h` rows of [`info_lines`]: the
/// neuron's picture with, beside it, its profile, its top digits and the grid in the room left; with
/// `g` the grid alone. The renderer draws into it and a click is read against it.
fn areas(app: &App, shown: &Shown, inner: Rect, info_h: u16) -> Areas {
    let [info, body] = Layout::vertical([Constraint::Length(info_h + 1), Constraint::Min(0)]).areas(inner);
    if app.weights.grid {
        return Areas { info, picture: None, profile: None, top_digits: None, grid: Some(body) };
    }
    let (rows, cols) = (app.data.train.rows, app.data.train.cols);
    let (w1, h1) = cells_for(cols, rows, 1);
    let k = fit_scale(w1 as usize, h1 as usize, body.width as usize / 2, body.height as usize).min(2);
    let (bw, bh) = cells_for(cols, rows, k);
    let [big, _, side] = Layout::horizontal([Constraint::Length(bw), Constraint::Length(2), Constraint::Min(0)]).areas(body);
    let picture = Some(Rect::new(big.x, big.y, big.width, bh.min(big.height)));
    let (mut profile, mut top_digits, mut rest) = (None, None, side);
    if let Some(n) = shown.neurons.units.get(neuron_shown(app, shown)) {
        if let Some((drawn, below)) = profile_split(rest, n.class_means.len()) {
            (profile, rest) = (Some(drawn), below);
        }
        let test_len = app.data.test.len();
        if n.top_images.iter().all(|&i| i < test_len) {
            if let Some((drawn, below)) = top_digits_split(rest, n.top_images.len()) {
                (top_digits, rest) = (Some(drawn), below);
            }
        }
    }
    let grid = (rest.width >= THUMB_W && rest.height > THUMB_H).then_some(rest);
    Areas { info, picture, profile, top_digits, grid }
}

/// The neuron of the grid drawn under (`column`, `row`) when the view fills `area`.
pub fn pick_at(area: Rect, app: &App, column: u16, row: u16) -> Option<Pick> {
    let shown = app.shown()?;
    // The panel's inside does not depend on its title.
    let inner = panel("", &app.theme).inner(area);
    let info_h = wrapped_height(&info_lines(app, &shown), inner.width);
    let grid = areas(app, &shown, inner, info_h).grid?;
    let at = Position::new(column, row);
    thumbnails(grid, shown.model.first_layer_units(), neuron_shown(app, &shown))
        .into_iter()
        .find(|(_, r)| r.contains(at))
        .map(|(j, _)| Pick::Neuron(j))
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let Some(shown) = app.shown() else {
        frame.render_widget(notice(" Weights ", "No weights yet: they appear after the first epoch (or open a run in Runs, 5).", t), area);
        return;
    };
    let block = panel(format!(" Weights{}{} ", t.sep(), shown.title), t);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let units = shown.model.first_layer_units();
    let j = neuron_shown(app, &shown);
    let shade = shade_of(app);
    let info = info_lines(app, &shown);
    let a = areas(app, &shown, inner, wrapped_height(&info, inner.width));
    frame.render_widget(Paragraph::new(info).wrap(Wrap { trim: true }), a.info);
    if let (Some(r), Some(img)) = (a.picture, pictures(app, shade).get(j)) {
        picture(frame, &app.graphics, img, shade, r);
    }
    if let Some(n) = shown.neurons.units.get(j) {
        if let Some(r) = a.profile {
            render_profile(frame, r, app, n);
        }
        if let Some(r) = a.top_digits {
            render_top_digits(frame, r, app, n);
        }
    }
    if let Some(r) = a.grid {
        render_grid(frame, r, app, units, j, shade);
    }
}

/// The rows the profile of `classes` takes at the top of `area`, and the room left under it; `None`
/// when it does not fit.
fn profile_split(area: Rect, classes: usize) -> Option<(Rect, Rect)> {
    if area.height < classes as u16 + 2 || area.width < 16 {
        return None;
    }
    let h = classes as u16 + 1;
    Some((Rect::new(area.x, area.y, area.width, h), Rect::new(area.x, area.y + h + 1, area.width, area.height.saturating_sub(h + 1))))
}

/// The rows `count` top digits take at the top of `area` (a title, then as many rows of thumbnails
/// as they need and fit), and the room left under them; `None` when not one row fits.
fn top_digits_split(area: Rect, count: usize) -> Option<(Rect, Rect)> {
    let per_row = (area.width / (THUMB_W + 1)) as usize;
    if per_row == 0 || area.height < THUMB_H + 2 {
        return None;
    }
    let rows = (count.div_ceil(per_row) as u16).min((area.height - 1) / (THUMB_H + 1));
    let used = 1 + rows * (THUMB_H + 1);
    Some((Rect::new(area.x, area.y, area.width, used), Rect::new(area.x, area.y + used, area.width, area.height.saturating_sub(used))))
}

/// The neuron's mean response to each class as bars, the preferred class highlighted, in the rows
/// [`profile_split`] gave it.
fn render_profile(frame: &mut Frame, area: Rect, app: &App, n: &crate::train::neurons::Neuron) {
    let t = &app.theme;
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
    frame.render_widget(Paragraph::new(lines), area);
}

/// The test digits that excite the neuron most, in the rows [`top_digits_split`] gave them.
fn render_top_digits(frame: &mut Frame, area: Rect, app: &App, n: &crate::train::neurons::Neuron) {
    let t = &app.theme;
    let test = &app.data.test;
    let per_row = (area.width / (THUMB_W + 1)) as usize;
    let rows = (area.height.saturating_sub(1) / (THUMB_H + 1)) as usize;
    frame.render_widget(Paragraph::new(Span::styled("test digits it answers most (label #index)", t.title())), Rect::new(area.x, area.y, area.width, 1));
    let shade = crate::tui::widgets::shaded::ink_shade(app.weights.shade, t);
    for (k, &i) in n.top_images.iter().take(per_row * rows).enumerate() {
        let x = area.x + (k % per_row) as u16 * (THUMB_W + 1);
        let y = area.y + 1 + (k / per_row) as u16 * (THUMB_H + 1);
        frame.render_widget(Paragraph::new(Span::styled(format!("{} #{i}", test.labels[i]), t.dim())), Rect::new(x, y, THUMB_W, 1));
        let img = crate::viz::GrayImage::from_pixels(test.cols, test.rows, test.image(i).to_vec());
        picture(frame, &app.graphics, &img, shade, Rect::new(x, y + 1, THUMB_W, THUMB_H - 1));
    }
}

/// The pictures for a shading: symmetric around 0 for the diverging map, min-to-max otherwise.
fn pictures(app: &App, shade: Shade) -> &[crate::viz::GrayImage] {
    match shade {
        Shade::Diverging => &app.pictures.signed,
        _ => &app.pictures.images,
    }
}

/// Each neuron of the page that holds `current`, with where its thumbnail (a label row over the
/// picture) goes in `area`: as many as fit, in layer order.
fn thumbnails(area: Rect, units: usize, current: usize) -> Vec<(usize, Rect)> {
    let per_row = (area.width / (THUMB_W + 1)).max(1) as usize;
    let per_col = (area.height / (THUMB_H + 1)) as usize;
    let capacity = per_row * per_col;
    if capacity == 0 {
        return Vec::new();
    }
    let start = current / capacity * capacity;
    (start..units.min(start + capacity))
        .enumerate()
        .map(|(k, j)| {
            let x = area.x + (k % per_row) as u16 * (THUMB_W + 1);
            let y = area.y + (k / per_row) as u16 * (THUMB_H + 1);
            (j, Rect::new(x, y, THUMB_W, THUMB_H + 1).intersection(area))
        })
        .collect()
}

/// Thumbnails of the page of neurons that holds `current`, the current one's label highlighted.
fn render_grid(frame: &mut Frame, area: Rect, app: &App, units: usize, current: usize, shade: Shade) {
    let t = &app.theme;
    for (j, r) in thumbnails(area, units, current) {
        let style = if j == current { t.selected() } else { t.dim() };
        frame.render_widget(Paragraph::new(Span::styled(format!("#{j:03}"), style)), Rect::new(r.x, r.y, r.width, 1));
        if let Some(img) = pictures(app, shade).get(j) {
            picture(frame, &app.graphics, img, shade, Rect::new(r.x, r.y + 1, r.width, r.height.saturating_sub(1)));
        }
    }
}
