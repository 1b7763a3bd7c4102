//! The note editor, drawn over the view: a run's `notes.md` in a text area. The title says what Esc
//! does (save and close), the bottom line whether the text on screen is saved.
//!
//! ```text
//! ┌ note for 20261128-1203-32relu · Esc saves and closes ───────────────────────┐
//! │ ReLU learns faster than sigmoid here; lr 0.01 diverged after epoch 3.       │
//! │ Next: try 64 units.                                                         │
//! └ saved · Ctrl-S saves ───────────────────────────────────────────────────────┘
//! ```

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Clear;
use ratatui::Frame;

use crate::tui::app::App;
use crate::tui::widgets::{centered, fit, panel};

/// Wide enough for a paragraph, narrow enough to read.
const MAX_WIDTH: u16 = 100;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let Some(e) = app.note() else { return };
    let t = &app.theme;
    let r = centered(area, area.width.min(MAX_WIDTH), area.height);
    frame.render_widget(Clear, r);
    let (head, tail) = (" note for ", t.text(" · Esc saves and closes "));
    // The run's name gives way first: what Esc does must stay in view.
    let room = (r.width as usize).saturating_sub(2 + head.chars().count() + tail.chars().count());
    let title = format!("{head}{}{tail}", fit(&e.run, room, t));
    let state = if e.saving.is_some() {
        "saving…"
    } else if e.unsaved() {
        "not saved yet"
    } else {
        "saved"
    };
    let bottom = Line::from(t.text(&format!(" {state} · Ctrl-S saves · Enter: new line "))).style(t.dim());
    let block = panel(title, t).title_bottom(bottom);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    frame.render_widget(&e.area, inner);
}
