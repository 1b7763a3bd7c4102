//! Runs: this session's runs and the run directories under `runs/`, sortable by any column.
//!
//! ```text
//! ┌ Runs · 3 (sorted by test acc ▼) ────────────────────────────────────────────┐
//! │ run                 hidden  activations opt  lr     epochs test acc macro F1 │
//! │ 20261128-1203-32relu 32     relu        adam 0.001  1      95.12%   0.9501   │
//! └─────────────────────────────────────────────────────────────────────────────┘
//! ```

use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

use crate::tui::app::{App, Cell, RunColumn, RunEntry};
use crate::tui::widgets::panel;

fn text(entry: &RunEntry, col: RunColumn) -> String {
    match (col, entry.cell(col)) {
        (RunColumn::TestAccuracy, Cell::Num(v)) => format!("{:.2}%", v * 100.0),
        (RunColumn::MacroF1, Cell::Num(v)) => format!("{v:.4}"),
        (RunColumn::Time, Cell::Num(v)) => format!("{v:.1}"),
        (RunColumn::Epochs, Cell::Num(v)) => format!("{v}"),
        (_, Cell::Num(v)) => format!("{v}"),
        (_, Cell::Text(s)) => s,
    }
}

fn width(col: RunColumn) -> Constraint {
    match col {
        RunColumn::Name => Constraint::Min(22),
        RunColumn::Architecture => Constraint::Length(9),
        RunColumn::Activations => Constraint::Length(12),
        RunColumn::Optimizer => Constraint::Length(4),
        RunColumn::Lr => Constraint::Length(7),
        RunColumn::Epochs => Constraint::Length(6),
        RunColumn::TestAccuracy => Constraint::Length(8),
        RunColumn::MacroF1 => Constraint::Length(8),
        RunColumn::Time => Constraint::Length(7),
        RunColumn::Status => Constraint::Length(11),
    }
}

/// Columns that fit: below 120 columns the activations and status give way to the run's name
/// (the name ends with the architecture slug, which names the activations anyway).
fn visible(width: u16) -> Vec<RunColumn> {
    RunColumn::ALL
        .into_iter()
        .filter(|&c| width >= 120 || !matches!(c, RunColumn::Activations | RunColumn::Status))
        .collect()
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let runs = app.sorted_runs();
    let (up, down) = if t.ascii { ("^", "v") } else { ("▲", "▼") };
    let dir = if app.runs.descending { down } else { up };
    let mut title = format!(" Runs{}{} (sorted by {} {dir})", t.sep(), runs.len(), app.runs.sort.title());
    if app.runs.unreadable > 0 {
        title.push_str(&format!("{}{} unreadable summary.json skipped", t.sep(), app.runs.unreadable));
    }
    title.push(' ');
    if runs.is_empty() {
        let p = Paragraph::new(format!(
            "No runs yet: train one (Setup, 1) and export it (e), or run `digitlab train`; run directories under {} appear here (R rescans).",
            app.runs_root.display()
        ))
        .wrap(Wrap { trim: true })
        .block(panel(title, t));
        frame.render_widget(p, area);
        return;
    }
    let cols = visible(area.width);
    let header = Row::new(cols.iter().map(|&c| {
        let name = if c == app.runs.sort { format!("{}{dir}", c.title()) } else { c.title().to_string() };
        Span::styled(name, if c == app.runs.sort { t.focused() } else { t.title() })
    }));
    let rows = runs.iter().map(|e| Row::new(cols.iter().map(|&c| text(e, c))));
    let table = Table::new(rows, cols.iter().map(|&c| width(c)))
        .header(header)
        .row_highlight_style(t.selected())
        .column_spacing(1)
        .block(panel(title, t));
    let mut state = TableState::default().with_selected(Some(app.runs.selected.min(runs.len() - 1)));
    frame.render_stateful_widget(table, area, &mut state);
}
