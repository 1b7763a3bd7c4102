//! The `?` overlay: every key binding, from the same table that maps keys.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use crate::tui::app::{App, View};
use crate::tui::keys::{Scope, BINDINGS};
use crate::tui::widgets::{centered, panel};

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut lines = Vec::new();
    let scopes = View::ALL.iter().map(|&v| (Scope::In(v), v.title())).chain([(Scope::Global, "everywhere")]);
    for (scope, name) in scopes {
        lines.push(Line::from(Span::styled(name, t.title())));
        for b in BINDINGS.iter().filter(|b| b.scope == scope && !b.keys.is_empty()) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<10}", t.text(b.keys)), t.key()),
                Span::raw(t.text(b.help)),
            ]));
        }
    }
    lines.push(Line::from(Span::styled("  Ctrl-C    quit now (a running run is saved)", t.dim())));
    let r = centered(area, 64, lines.len() as u16 + 2);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(panel(" keys (? or Esc closes) ", t)), r);
}
