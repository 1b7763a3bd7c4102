//! Runs: this session's runs and the run directories under `runs/`, sortable by any column, then the run
//! in training and the queued setups. Two runs marked with `m` can be compared side by side (`c`).
//! With `g`, runs that differ only in seed are one row with their mean test accuracy ± sd. A run's name
//! is marked when it is chosen for the hand-in (✓, `space`) and when it has a note (✎, `n`), before its
//! A/B mark; the line under the table shows the selected run's note.
//!
//! ```text
//! ┌ Runs · 3 (sorted by test acc ▼) · queue: 2 waiting · hand-in: 1 chosen ─────────┐
//! │ run                    hidden  activations opt  lr     epochs test acc macro F1    │
//! │ ✓✎ [A] 20261128-1203-32relu 32 relu        adam 0.001  1      95.12%   0.9501      │
//! │ 20261128-1210-64relu (training) 64 relu    adam 0.001  1/3    94.80%   0.9470      │
//! │ queued #1              128     sigmoid     sgd  0.1    0/5    -        -           │
//! │ ✎ note: ReLU beats sigmoid here; try 64 units next                               │
//! └─────────────────────────────────────────────────────────────────────────────────┘
//!
//! Grouped (`g`):
//! ┌ Runs · 7 in 4 rows, seeds grouped (sorted by test acc ± sd ▼) ───────────────────────┐
//! │ run                 hidden activations opt  lr    epochs test acc ± sd macro F1 │
//! │ 3 runs, seeds 1 2 3 64     relu        adam 0.001 3      96.80% ±0.12  0.9675   │
//! └─────────────────────────────────────────────────────────────────────────────┘
//! ```

use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

use super::compare;
use crate::tui::app::{App, Cell, Pick, RunColumn, RunEntry, RunRow};
use crate::tui::theme::Theme;
use crate::tui::widgets::{fit, panel};

/// The marks before a finished run's name: chosen for the hand-in, has a note (readable or not). In
/// the name's cell, like the A/B marks, so that only a marked run's name gives room for them.
fn marks(app: &App, e: &RunEntry) -> String {
    let (chosen, noted) = app.theme.marks();
    let c = if app.runs.chosen.contains(&e.id) { chosen } else { "" };
    let n = if note_of(app, e).is_some() { noted } else { "" };
    let both = format!("{c}{n}");
    if both.is_empty() { both } else { both + " " }
}

fn note_of<'a>(app: &'a App, e: &RunEntry) -> Option<&'a Result<String, String>> {
    e.dir.as_ref().and_then(|d| app.runs.notes.get(d))
}

/// The line under the table, cut to `width`: the selected run's note, or what the marks mean.
fn detail_line(app: &App, selected: Option<&RunRow>, width: usize) -> Line<'static> {
    let t = &app.theme;
    let (chosen, noted) = t.marks();
    if let Some(RunRow::Done(e)) = selected {
        match note_of(app, e) {
            Some(Ok(text)) => {
                let first = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
                // The person's text, shown as plain as the terminal can.
                let first: String = first.chars().map(|c| if c.is_control() || (t.ascii && !c.is_ascii()) { '?' } else { c }).collect();
                let head = format!("{noted} note: ");
                let room = width.saturating_sub(head.chars().count());
                return Line::from(vec![Span::styled(fit(&head, width, t), t.title()), Span::raw(fit(&first, room, t))]);
            }
            Some(Err(why)) => return Line::from(Span::styled(fit(&t.text(&format!("{noted} note unreadable: {why}")), width, t), t.error())),
            None => {}
        }
    }
    let n = app.chosen_runs().len();
    let text = if n > 0 {
        format!("{chosen} {n} run(s) chosen for the hand-in: H makes it · space adds or removes the selected run")
    } else {
        format!("space chooses runs for the hand-in ({chosen}), H makes it · n writes a note ({noted})")
    };
    Line::from(Span::styled(fit(&t.text(&text), width, t), t.dim()))
}

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
    let RunRow::Done(e) = row else { return s };
    let tag = app.runs.marked.iter().position(|&m| m == e.id).map(|i| if i == 0 { "[A] " } else { "[B] " });
    format!("{}{}{s}", marks(app, e), tag.unwrap_or(""))
}

fn width_of(col: RunColumn, grouped: bool) -> Constraint {
    match col {
        RunColumn::TestAccuracy if grouped => Constraint::Length(14),
        RunColumn::Status if grouped => Constraint::Length(15),
        // The one column that takes what is left; at least its time stamp (a name's end is cut before
        // a number is).
        RunColumn::Name => Constraint::Min(16),
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
    let mut cols: Vec<RunColumn> = <RunColumn as strum::IntoEnumIterator>::iter()
        .filter(|&c| width >= 120 || !matches!(c, RunColumn::Activations | RunColumn::Optimizer | RunColumn::Time))
        .filter(|&c| width >= 120 || !grouped || c != RunColumn::MacroF1)
        .collect();
    // Narrower still, whole columns go, least telling first, rather than every column being cut
    // (97.08 % shown as "97.08", a macro F1 of 0.9615 as "0.961"). Name and accuracy always stay.
    for drop in [RunColumn::Lr, RunColumn::Epochs, RunColumn::Status, RunColumn::MacroF1, RunColumn::Architecture] {
        if least_width(&cols, grouped) <= width.saturating_sub(2) {
            break;
        }
        cols.retain(|&c| c != drop);
    }
    cols
}

/// The least width `cols` fit in whole: each column's width (the name's minimum) and the spaces
/// between them.
fn least_width(cols: &[RunColumn], grouped: bool) -> u16 {
    let spacing = cols.len().saturating_sub(1) as u16;
    spacing + cols.iter().map(|&c| match width_of(c, grouped) { Constraint::Length(n) | Constraint::Min(n) => n, _ => 0 }).sum::<u16>()
}

/// The two marked runs, when they are shown side by side instead of the table.
fn compared(app: &App) -> Option<(&RunEntry, &RunEntry)> {
    match app.marked_runs()[..] {
        [a, b] if app.runs.comparing => Some((a, b)),
        _ => None,
    }
}

/// Where the parts of the view go in `area`.
struct Areas {
    /// The bordered panel around the table.
    panel: Rect,
    /// Under the panel: the runs whose record cannot be read.
    unreadable: Option<Rect>,
    /// The table, its header on the first row.
    table: Rect,
    /// Under the table: the selected run's note.
    detail: Option<Rect>,
}

/// The view's layout in `area` with `unreadable` runs to name under the panel. The renderer draws
/// into it and a click is read against it.
fn areas(area: Rect, unreadable: usize, t: &Theme) -> Areas {
    // Runs whose record cannot be read are named under the table, with why, as far as there is room.
    let (panel_area, unreadable) = if unreadable == 0 || area.height < 12 {
        (area, None)
    } else {
        let n = (unreadable as u16).min(area.height / 4);
        let [table, list] = Layout::vertical([Constraint::Min(0), Constraint::Length(n)]).areas(area);
        (table, Some(list))
    };
    // The panel's inside does not depend on its title.
    let inner = panel("", t).inner(panel_area);
    // The selected run's note (or what the marks mean) under the table, when there is room.
    let (table, detail) = if inner.height >= 6 {
        let [table, line] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
        (table, Some(line))
    } else {
        (inner, None)
    };
    Areas { panel: panel_area, unreadable, table, detail }
}

/// The first of `rows` rows the table in `table` shows: the first shown when a row was last clicked
/// (`top`), moved as little as keeps the selection in sight and the table full. Given to the table,
/// so that what is drawn is what a click reads.
fn first_row(rows: usize, selected: usize, top: usize, table: Rect) -> usize {
    // One line of header, one line a row.
    let room = table.height.saturating_sub(1).max(1) as usize;
    top.min(rows.saturating_sub(room)).max((selected + 1).saturating_sub(room)).min(selected)
}

/// The rows the table in `table` shows, each with its line, from the first of [`first_row`].
fn row_lines(table: Rect, rows: usize, first: usize) -> impl Iterator<Item = (usize, Rect)> {
    let room = table.height.saturating_sub(1) as usize;
    (first..rows.min(first + room)).map(move |i| (i, Rect::new(table.x, table.y + 1 + (i - first) as u16, table.width, 1)))
}

/// The row of the table drawn under (`column`, `row`) when the view fills `area`.
pub fn pick_at(area: Rect, app: &App, column: u16, row: u16) -> Option<Pick> {
    let n = app.run_rows().len();
    if n == 0 || compared(app).is_some() {
        return None;
    }
    let table = areas(area, app.runs.unreadable.len(), &app.theme).table;
    let first = first_row(n, app.runs.selected.min(n - 1), app.runs.top, table);
    let at = Position::new(column, row);
    row_lines(table, n, first).find(|(_, r)| r.contains(at)).map(|(i, _)| Pick::Run { row: i, top: first })
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    if let Some((a, b)) = compared(app) {
        return compare::render(frame, area, app, a, b);
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
    if !app.runs.chosen.is_empty() {
        title.push_str(&format!("{}hand-in: {} chosen", t.sep(), app.chosen_runs().len()));
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
    let a = areas(area, app.runs.unreadable.len(), t);
    if let Some(list) = a.unreadable {
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
    let cols = visible(a.panel.width, grouped);
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
    let selected = app.runs.selected.min(rows.len() - 1);
    frame.render_widget(panel(title, t), a.panel);
    if let Some(line) = a.detail {
        frame.render_widget(Paragraph::new(detail_line(app, rows.get(selected), line.width as usize)), line);
    }
    let widths = cols.iter().map(|&c| width_of(c, grouped));
    let table = Table::new(table_rows, widths).header(header).row_highlight_style(t.selected()).column_spacing(1);
    let first = first_row(rows.len(), selected, app.runs.top, a.table);
    let mut state = TableState::default().with_offset(first).with_selected(Some(selected));
    frame.render_stateful_widget(table, a.table, &mut state);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::buffer::Buffer;
    use ratatui::widgets::StatefulWidget;

    /// However narrow the panel, the columns shown fit whole (the name's minimum, and each value
    /// column's width); the name and the accuracy always stay; at 80 columns every usual one is there.
    #[test]
    fn narrow_panels_drop_whole_columns_instead_of_cutting_them() {
        for grouped in [false, true] {
            for width in 40..=160u16 {
                let cols = visible(width, grouped);
                assert!(cols.contains(&RunColumn::Name) && cols.contains(&RunColumn::TestAccuracy), "{width}");
                let need = least_width(&cols, grouped);
                assert!(need <= width - 2 || cols.len() == 2, "{width} wide, grouped {grouped}: {cols:?} need {need}");
            }
        }
        assert_eq!(visible(160, false).len(), <RunColumn as strum::IntoEnumIterator>::iter().count());
        assert!(visible(78, false).contains(&RunColumn::Lr) && visible(78, false).contains(&RunColumn::Status));
    }

    /// The table draws each row on the line a click reads it from, the selection always in sight,
    /// whatever the first row shown when a row was last clicked; without a click (top 0) the table
    /// scrolls as it does on its own.
    #[test]
    fn the_table_draws_each_row_where_a_click_reads_it() {
        for (rows, height) in [(5, 10), (40, 10), (40, 3), (12, 13)] {
            let area = Rect::new(2, 1, 20, height);
            let table = || Table::new((0..rows).map(|i| Row::new([format!("row{i}")])), [Constraint::Min(5)]).header(Row::new(["run"]));
            for selected in 0..rows {
                for top in [0, 3, 17, 39] {
                    let first = first_row(rows, selected, top, area);
                    let mut buf = Buffer::empty(Rect::new(0, 0, 30, height + 2));
                    let mut state = TableState::default().with_offset(first).with_selected(Some(selected));
                    StatefulWidget::render(table(), area, &mut buf, &mut state);
                    let lines: Vec<(usize, Rect)> = row_lines(area, rows, first).collect();
                    assert!(lines.iter().any(|&(i, _)| i == selected), "{rows} rows, {selected} selected, top {top}: {lines:?}");
                    for (i, r) in lines {
                        let text: String = (r.x..r.x + 6).map(|x| buf[(x, r.y)].symbol()).collect();
                        assert_eq!(text.trim(), format!("row{i}"), "{rows} rows in {height} lines, {selected} selected, top {top}");
                    }
                    if top == 0 {
                        let mut own = TableState::default().with_selected(Some(selected));
                        StatefulWidget::render(table(), area, &mut Buffer::empty(buf.area), &mut own);
                        assert_eq!(own.offset(), first, "{rows} rows, {selected} selected");
                    }
                }
            }
        }
    }
}
