//! The `?` overlay: the keys of the current view, then those that work everywhere, from the same table
//! that maps keys. Two columns when one does not fit the height and two fit the width; the README lists
//! every view's keys.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use crate::tui::keys::{Scope, BINDINGS};
use crate::tui::app::App;
use crate::tui::widgets::{centered, panel};

const KEY_W: usize = 11;
const COLUMN_W: u16 = 70;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut lines = Vec::new();
    for (scope, name) in [(Scope::In(app.view), app.view.title()), (Scope::Global, "everywhere")] {
        lines.push(Line::from(Span::styled(name, t.title())));
        // A binding without help text is said on another key's line (and in the footer).
        for b in BINDINGS.iter().filter(|b| b.scope == scope && !b.keys.is_empty() && !b.help.is_empty()) {
            lines.push(Line::from(vec![Span::styled(format!("  {:<w$} ", t.text(b.keys), w = KEY_W - 3), t.key()), Span::raw(t.text(b.help))]));
        }
    }
    lines.push(Line::from(vec![Span::styled(format!("  {:<w$} ", "Ctrl-C", w = KEY_W - 3), t.key()), Span::raw("quit now (a running run is saved)")]));
    lines.push(Line::from(Span::styled(app.graphics.describe(), t.dim())));
    let widest = lines.iter().map(Line::width).max().unwrap_or(0) as u16;
    let col_w = widest.clamp(20, COLUMN_W);
    let two = lines.len() as u16 + 2 > area.height && 2 * col_w + 3 <= area.width;
    let (w, h) = if two { (2 * col_w + 3, lines.len().div_ceil(2) as u16 + 2) } else { (col_w + 2, lines.len() as u16 + 2) };
    let r = centered(area, w, h);
    frame.render_widget(Clear, r);
    let block = panel(" keys (? or Esc closes) ", t);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    if two {
        let right = lines.split_off(lines.len().div_ceil(2));
        let [a, _, b] = Layout::horizontal([Constraint::Length(col_w), Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        frame.render_widget(Paragraph::new(lines), a);
        frame.render_widget(Paragraph::new(right), b);
    } else {
        frame.render_widget(Paragraph::new(lines), inner);
    }
}
