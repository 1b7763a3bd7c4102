//! The `?` overlay: every key binding, from the same table that maps keys. Two columns when one
//! does not fit the height.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use crate::tui::app::{App, View};
use crate::tui::keys::{Scope, BINDINGS};
use crate::tui::widgets::{centered, panel};

const COLUMN_W: u16 = 60;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut lines = Vec::new();
    let scopes = View::ALL.iter().map(|&v| (Scope::In(v), v.title())).chain([(Scope::Global, "everywhere")]);
    for (scope, name) in scopes {
        lines.push(Line::from(Span::styled(name, t.title())));
        for b in BINDINGS.iter().filter(|b| b.scope == scope && !b.keys.is_empty()) {
            lines.push(Line::from(vec![Span::styled(format!("  {:<10}", t.text(b.keys)), t.key()), Span::raw(t.text(b.help))]));
        }
    }
    lines.push(Line::from(vec![Span::styled("  Ctrl-C    ", t.key()), Span::raw("quit now (a running run is saved)")]));
    let one_column = lines.len() as u16 + 2 <= area.height;
    let (w, h) = if one_column { (COLUMN_W + 2, lines.len() as u16 + 2) } else { (2 * COLUMN_W + 2, lines.len().div_ceil(2) as u16 + 2) };
    let r = centered(area, w, h);
    frame.render_widget(Clear, r);
    let block = panel(" keys (? or Esc closes) ", t);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    if one_column {
        frame.render_widget(Paragraph::new(lines), inner);
    } else {
        let right = lines.split_off(lines.len().div_ceil(2));
        let [a, b] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(inner);
        frame.render_widget(Paragraph::new(lines), a);
        frame.render_widget(Paragraph::new(right), b);
    }
}
