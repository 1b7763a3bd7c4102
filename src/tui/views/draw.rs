//! Draw: a digit drawn with the keyboard and the shown network's answer, live.
//!
//! ```text
//! ┌ draw · pen down · brush 1.0 px ─┐┌ what the network sees (MNIST-style: 20×20 box, centered) ┐
//! │   28×28 canvas, cursor [ ]      ││ 28×28 input             0  0.01 %                       │
//! │                                 ││                         1 99.93 % ████████████ ← answer  │
//! └─────────────────────────────────┘└──────────────────────────────────────────────────────────┘
//! ```

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::data::drawing::SIDE;
use crate::tui::app::App;
use crate::tui::widgets::panel;
use crate::tui::widgets::shaded::{cells_for, ink_shade, picture, ShadedImage};
use crate::viz::GrayImage;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let d = &app.draw;
    // The same rectangle a mouse click is read against.
    let (canvas, k) = crate::tui::draw::canvas_in(area);
    let [left, right] = Layout::horizontal([Constraint::Length(canvas.width + 2), Constraint::Min(20)]).areas(area);
    let state = format!("pen {} · {} · brush {:.1} px", if d.pen { "down" } else { "up" }, if d.erase { "eraser" } else { "ink" }, d.radius());
    frame.render_widget(panel(t.text(&state), t), left);
    let ink = GrayImage { width: SIDE, height: SIDE, pixels: d.drawing.ink().iter().map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8).collect() };
    let shade = ink_shade(app.weights.shade, t);
    frame.render_widget(ShadedImage { image: &ink, shade }, canvas);
    // The cursor: its pixel's cell(s), marked over the picture.
    let (cx, cy) = d.cursor;
    let (x, y) = (canvas.x + cx as u16 * k, canvas.y + (cy as u16 * k) / 2);
    let mark = if k == 2 { if t.ascii { "[]" } else { "◖◗" } } else if t.ascii { "+" } else { "◆" };
    if x < canvas.right() && y < canvas.bottom() {
        frame.buffer_mut().set_string(x, y, mark, t.key());
    }

    let block = panel(t.text("the network's input: ink scaled into 20×20, centered by mass"), t);
    let side = block.inner(right);
    frame.render_widget(block, right);
    let (iw, ih) = cells_for(SIDE, SIDE, 1);
    let input = d.drawing.mnist_input();
    let mut lines: Vec<Line> = Vec::new();
    // The first-layer units this drawing excites most, with their activation.
    let mut units: Vec<(usize, f32)> = Vec::new();
    match (&input, app.shown()) {
        (None, _) => lines.push(Line::from("Nothing drawn yet: space puts the pen down, the arrows draw, space lifts it.")),
        (_, None) => lines.push(Line::from("No network yet: train one (Setup, s) or open a run (Runs, Enter).")),
        (Some(pixels), Some(shown)) if shown.model.arch.input != pixels.len() => {
            lines.push(Line::from(format!("The shown network takes {} inputs; a drawing is {SIDE}×{SIDE}.", shown.model.arch.input)));
        }
        (Some(pixels), Some(shown)) => {
            // One image through the network: a few hundred thousand multiply-adds.
            let mut x = Vec::new();
            shown.model.inputs(pixels, &mut x);
            if !shown.model.arch.hidden.is_empty() {
                units = crate::headless::top_classes(&shown.model.first_layer_outputs(x.clone()), 3);
            }
            let out = shown.model.outputs(x);
            let best = (0..out.len()).max_by(|&a, &b| out[a].total_cmp(&out[b])).unwrap_or(0);
            let output = shown.model.arch.output;
            lines.push(Line::from(Span::styled(format!("{}: reads it as {best}", shown.title), t.title())));
            let hi = out.iter().copied().fold(f32::MIN, f32::max).max(1e-6);
            let bar_w = side.width.saturating_sub(iw + 18).min(30) as f32;
            let full = if t.ascii { "#" } else { "█" };
            for (c, &v) in out.iter().enumerate() {
                let len = ((v.max(0.0) / hi) * bar_w).round() as usize;
                let value = if output.is_probability() { format!("{:6.2} %", v * 100.0) } else { format!("{v:8.3}") };
                let style = if c == best { t.good() } else { t.dim() };
                lines.push(Line::from(vec![Span::raw(format!("{c:>2} {value} ")), Span::styled(full.repeat(len), style)]));
            }
        }
    }
    if let Some(pixels) = &input {
        let img = GrayImage { width: SIDE, height: SIDE, pixels: pixels.clone() };
        picture(frame, &app.graphics, &img, shade, Rect::new(side.x, side.y, iw.min(side.width), ih.min(side.height)));
    }
    let text_x = if input.is_some() { side.x + iw + 2 } else { side.x };
    let text_area = Rect::new(text_x, side.y, side.right().saturating_sub(text_x), side.height);
    frame.render_widget(Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true }), text_area);
    // Below: the units that fire most, as their weight pictures (when there is room for them).
    let top = side.y + ih.max(12) + 1;
    let pictures = &app.pictures().images;
    if units.is_empty() || top + 1 + ih > side.bottom() {
        return;
    }
    let title = Line::from(Span::styled("first-layer units that fire most for this drawing (their weights):", t.dim()));
    frame.render_widget(Paragraph::new(title), Rect::new(side.x, top, side.width, 1));
    let mut x = side.x;
    for (j, v) in units {
        let Some(img) = pictures.get(j) else { continue };
        if x + iw > side.right() {
            break;
        }
        picture(frame, &app.graphics, img, shade, Rect::new(x, top + 1, iw, ih));
        let prefers = app.shown().and_then(|s| s.neurons.units.get(j).map(|u| u.preferred));
        let label = match prefers {
            Some(p) => format!("#{j} {v:.1} (prefers {p})"),
            None => format!("#{j} {v:.1}"),
        };
        if top + 1 + ih < side.bottom() {
            frame.buffer_mut().set_stringn(x, top + 1 + ih, label, iw as usize, t.dim());
        }
        x += iw + 2;
    }
}
