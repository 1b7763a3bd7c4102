//! Runs: this session's runs and the run directories under `runs/`, sortable by any column, then the run
//! in training and the queued setups. Two runs marked with `m` can be compared side by side (`c`).
//! With `g`, runs that differ only in seed are one row with their mean test accuracy ± sd.
//!
//! ```text
//! ┌ Runs · 3 (sorted by test acc ▼) · queue: 2 waiting ─────────────────────────┐
//! │ run                    hidden  activations opt  lr     epochs test acc macro F1 │
//! │ [A] 20261128-1203-32relu 32    relu        adam 0.001  1      95.12%   0.9501   │
//! │ 20261128-1210-64relu (training) 64 relu    adam 0.001  1/3    94.80%   0.9470   │
//! │ queued #1              128     sigmoid     sgd  0.1    0/5    -        -        │
//! └─────────────────────────────────────────────────────────────────────────────┘
//!
//! Grouped (`g`):
//! ┌ Runs · 7 in 4 rows, seeds grouped (sorted by test acc ± sd ▼) ───────────────────────┐
//! │ run                 hidden activations opt  lr    epochs test acc ± sd macro F1 │
//! │ 3 runs, seeds 1 2 3 64     relu        adam 0.001 3      96.80% ±0.12  0.9675   │
//! └─────────────────────────────────────────────────────────────────────────────┘
//! ```

use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

use super::compare;
use crate::tui::app::{App, Cell, RunColumn, RunRow};
use crate::tui::widgets::panel;

fn text(app: &App, row: &RunRow, col: RunColumn) -> String {
    if let (RunColumn::TestAccuracy, RunRow::Group(g)) = (col, row) {
        if let Some(a) = g.study.test_accuracy {
            return match a.sd {
                Some(sd) => app.theme.text(&format!("{:.2}% ±{:.2}", a.mean * 100.0, sd * 100.0)),
                None => format!("{:.2}%", a.mean * 100.0),
            };
        }
    }
    let s = match (col, row.cell(col)) {
        (RunColumn::TestAccuracy, Cell::Num(v)) => format!("{:.2}%", v * 100.0),
        (RunColumn::MacroF1, Cell::Num(v)) => format!("{v:.4}"),
        (RunColumn::Time, Cell::Num(v)) => format!("{v:.1}"),
        (_, Cell::Num(v)) => format!("{v}"),
        (_, Cell::Text(s)) => s,
    };
    if col != RunColumn::Name {
        return s;
    }
    let tag = match row {
        RunRow::Done(e) => app.runs.marked.iter().position(|&m| m == e.id).map(|i| if i == 0 { "[A] " } else { "[B] " }),
        _ => None,
    };
    format!("{}{s}", tag.unwrap_or(""))
}

fn width(col: RunColumn, grouped: bool) -> Constraint {
    match col {
        RunColumn::TestAccuracy if grouped => Constraint::Length(14),
        RunColumn::Status if grouped => Constraint::Length(15),
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

/// Columns that fit: below 120 columns the activations, optimizer and time give way to the run's name
/// and its status (the name ends with the architecture slug, which names the activations anyway; an
/// interrupted or failed run must not pass for a finished one). Grouped, the wider mean ± sd also
/// takes the macro-F1's room.
fn visible(width: u16, grouped: bool) -> Vec<RunColumn> {
    <RunColumn as strum::IntoEnumIterator>::iter()
        .filter(|&c| width >= 120 || !matches!(c, RunColumn::Activations | RunColumn::Optimizer | RunColumn::Time))
        .filter(|&c| width >= 120 || !grouped || c != RunColumn::MacroF1)
        .collect()
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    if app.runs.comparing {
        if let [a, b] = app.marked_runs()[..] {
            return compare::render(frame, area, app, a, b);
        }
    }
    let rows = app.run_rows();
    let grouped = app.runs.grouped;
    let finished: usize = rows.iter().map(|r| match r {
        RunRow::Done(_) => 1,
        RunRow::Group(g) => g.members.len(),
        _ => 0,
    }).sum();
    let (up, down) = if t.ascii { ("^", "v") } else { ("▲", "▼") };
    let dir = if app.runs.descending { down } else { up };
    let title_of = |c: RunColumn| if grouped && c == RunColumn::TestAccuracy { t.text("test acc ± sd") } else { c.title().to_string() };
    let done_rows = rows.iter().filter(|r| matches!(r, RunRow::Done(_) | RunRow::Group(_))).count();
    let grouping = if grouped { format!(" in {done_rows} rows, seeds grouped") } else { String::new() };
    let mut title = format!(" Runs{}{finished}{grouping} (sorted by {} {dir})", t.sep(), title_of(app.runs.sort));
    if !app.queue.is_empty() || app.queue_running {
        let state = if app.queue_running { "running" } else { "S runs it" };
        title.push_str(&format!("{}queue: {} waiting, {state}", t.sep(), app.queue.len()));
    }
    if !app.runs.marked.is_empty() {
        title.push_str(&format!("{}marked {} of 2", t.sep(), app.marked_runs().len()));
    }
    if !app.runs.unreadable.is_empty() {
        title.push_str(&format!("{}{} unreadable summary.json skipped", t.sep(), app.runs.unreadable.len()));
    }
    title.push(' ');
    if rows.is_empty() {
        let p = Paragraph::new(format!(
            "No runs yet: train one (Setup, 1; runs are saved after every epoch), queue setups (Q in Setup, then S), or run `digitlab train`; run directories under {} appear here (R rescans).",
            app.runs_root.display()
        ))
        .wrap(Wrap { trim: true })
        .block(panel(title, t));
        frame.render_widget(p, area);
        return;
    }
    // Runs whose record cannot be read are named under the table, with why, as far as there is room.
    let (area, unreadable_area) = if app.runs.unreadable.is_empty() || area.height < 12 {
        (area, None)
    } else {
        let n = (app.runs.unreadable.len() as u16).min(area.height / 4);
        let [table, list] = ratatui::layout::Layout::vertical([Constraint::Min(0), Constraint::Length(n)]).areas(area);
        (table, Some(list))
    };
    if let Some(list) = unreadable_area {
        let lines: Vec<ratatui::text::Line> = app
            .runs
            .unreadable
            .iter()
            .take(list.height as usize)
            .map(|(dir, why)| {
                let name = crate::rundir::dir_name(dir);
                // The reason names the whole path; the run's name is enough here.
                let why = why.rsplit_once("summary.json: ").map_or(why.as_str(), |(_, w)| w);
                ratatui::text::Line::from(Span::styled(t.text(&format!("unreadable {name}: {why}")), t.error()))
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), list);
    }
    let cols = visible(area.width, grouped);
    let header = Row::new(cols.iter().map(|&c| {
        let name = if c == app.runs.sort { format!("{}{dir}", title_of(c)) } else { title_of(c) };
        Span::styled(name, if c == app.runs.sort { t.focused() } else { t.title() })
    }));
    let table_rows = rows.iter().map(|r| {
        let row = Row::new(cols.iter().map(|&c| text(app, r, c)));
        match r {
            RunRow::Done(e) if app.runs.marked.contains(&e.id) => row.style(t.key()),
            RunRow::Done(_) | RunRow::Group(_) => row,
            RunRow::Training(_) => row.style(t.focused()),
            RunRow::Queued(..) => row.style(t.dim()),
        }
    });
    let table = Table::new(table_rows, cols.iter().map(|&c| width(c, grouped)))
        .header(header)
        .row_highlight_style(t.selected())
        .column_spacing(1)
        .block(panel(title, t));
    let mut state = TableState::default().with_selected(Some(app.runs.selected.min(rows.len() - 1)));
    frame.render_stateful_widget(table, area, &mut state);
}
