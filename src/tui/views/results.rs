//! Results: the test confusion matrix, per-class report, top confusions and example images of the
//! selected cell.
//!
//! ```text
//! ┌ Results · current run, epoch 3 (completed) ───────────────────────────────────┐
//! │ rows = predicted, columns = actual (counts)  │              precision recall … │
//! │ pred\act   0   1 …   9  total                │           0     0.98   0.99 … │
//! │ …  (colored table)                           │ …   macro avg, weighted avg    │
//! │ top confusions: 4 → 9: 23  7 → 2: 15 …                                        │
//! │ cell predicted 9, actual 4: 23 misclassified test images                      │
//! │ [28x14 shaded digits with true/pred labels, as many as fit the width]         │
//! └───────────────────────────────────────────────────────────────────────────────┘
//! ```

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::metrics::ClassificationReport;
use crate::tui::app::{cell_examples, App, Pick, Shade, Shown};
use crate::tui::theme::Theme;
use crate::tui::widgets::confusion::{self, ConfusionTable};
use crate::tui::widgets::{diagnostics_lines, notice, panel, wrapped_height};
use crate::tui::widgets::shaded::picture;
use crate::viz::GrayImage;

/// Width of the per-class report.
const REPORT_W: u16 = 50;
/// Lines of the per-class report for ten classes.
const REPORT_H: u16 = 17;

/// Cells are 6 wide when the matrix and the per-class report fit side by side that way, else 5.
pub fn matrix_cell_width(inner_width: u16, classes: usize) -> u16 {
    if inner_width >= confusion::size(classes, 6).0 + 1 + REPORT_W {
        6
    } else {
        5
    }
}

/// Where the parts of the view go inside its panel.
struct Areas {
    /// The axis line and the table, unless the per-class report takes their place (`t`).
    matrix: Option<(Rect, Rect)>,
    report: Rect,
    /// Under the matrix, beside the end of the report, when the two stand side by side.
    beside: Option<Rect>,
    examples: Rect,
}

/// The view's layout in `inner` (the panel's inside) for a matrix of `classes`: the matrix and the
/// per-class report side by side on wide screens, else the report under the matrix, or instead of
/// it on short screens when `report_only`. The renderer draws into it and a click is read against it.
fn areas(inner: Rect, classes: usize, report_only: bool) -> Areas {
    let (conf_w, h) = confusion::size(classes, matrix_cell_width(inner.width, classes));
    if inner.width >= conf_w + 1 + REPORT_W {
        let [top, rest] = Layout::vertical([Constraint::Length((1 + h).max(REPORT_H)), Constraint::Min(0)]).areas(inner);
        let [left, _, right] =
            Layout::horizontal([Constraint::Length(conf_w), Constraint::Length(1), Constraint::Min(0)]).areas(top);
        let [axis, table, below] = Layout::vertical([Constraint::Length(1), Constraint::Length(h), Constraint::Min(0)]).areas(left);
        Areas { matrix: Some((axis, table)), report: right, beside: Some(below), examples: rest }
    } else if report_only && inner.height < 1 + h + REPORT_H {
        let [left, _, right] =
            Layout::horizontal([Constraint::Length(REPORT_W), Constraint::Length(2), Constraint::Min(0)]).areas(inner);
        Areas { matrix: None, report: left, beside: None, examples: right }
    } else {
        let [axis, table, rest] = Layout::vertical([Constraint::Length(1), Constraint::Length(h), Constraint::Min(0)]).areas(inner);
        let [left, _, right] =
            Layout::horizontal([Constraint::Length(REPORT_W), Constraint::Length(2), Constraint::Min(0)]).areas(rest);
        Areas { matrix: Some((axis, table)), report: left, beside: None, examples: right }
    }
}

/// The confusion cell drawn under (`column`, `row`) when the view fills `area`.
pub fn pick_at(area: Rect, app: &App, column: u16, row: u16) -> Option<Pick> {
    let n = app.shown()?.eval.report.confusion.classes();
    // The panel's inside does not depend on its title.
    let (_, table) = areas(panel("", &app.theme).inner(area), n, app.results.report_only).matrix?;
    confusion::cell_at(table, n, column, row).map(|(p, a)| Pick::Cell(p, a))
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let Some(shown) = app.shown() else {
        frame.render_widget(notice(" Results ", "No results yet: they appear after the first epoch (or open a run in Runs, 5).", t), area);
        return;
    };
    let report = &shown.eval.report;
    let block = panel(format!(" Results{}{}{}test accuracy {:.2}% ", t.sep(), shown.title, t.sep(), report.accuracy * 100.0), t);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let cursor = app.results_cursor();
    let a = areas(inner, report.confusion.classes(), app.results.report_only);
    if let Some((axis, table)) = a.matrix {
        render_matrix(frame, axis, table, app, &shown, cursor);
    }
    frame.render_widget(Paragraph::new(report_lines(report, t)), a.report);
    let with_diag = match a.beside {
        // The diagnostics go where they fit in full: under the matrix (beside the end of the per-class
        // report), else above the examples if full-size digits still fit, else shortened under the matrix.
        Some(below) => {
            let full = app.diagnostics.as_ref().map(|d| diagnostics_lines(d, t)).unwrap_or_default();
            let rest = a.examples;
            let in_header = wrapped_height(&full, below.width) > below.height
                && (rest.height >= wrapped_height(&full, rest.width) + 3 + 15 || fitted_diagnostics(app, below).is_empty());
            if !in_header {
                frame.render_widget(Paragraph::new(fitted_diagnostics(app, below)).wrap(Wrap { trim: true }), below);
            }
            in_header
        }
        None => true,
    };
    render_examples(frame, a.examples, app, &shown, cursor, with_diag);
}

/// The diagnostics as they fit `area`: in full, or the figures with a pointer to the Train view where
/// the notes are shown in full; empty when not even that fits.
fn fitted_diagnostics<'a>(app: &App, area: Rect) -> Vec<Line<'a>> {
    let Some(d) = &app.diagnostics else { return Vec::new() };
    let mut lines = diagnostics_lines(d, &app.theme);
    if wrapped_height(&lines, area.width) <= area.height {
        return lines;
    }
    let notes = lines.len() - 1;
    lines.truncate(1);
    lines[0].spans.push(Span::styled(format!("{}{notes} note(s): Train view (2)", app.theme.sep()), app.theme.focused()));
    if wrapped_height(&lines, area.width) <= area.height {
        lines
    } else {
        Vec::new()
    }
}

fn render_matrix(frame: &mut Frame, axis: Rect, table: Rect, app: &App, shown: &Shown, cursor: (usize, usize)) {
    let t = &app.theme;
    let mode = if app.results.normalized { "each column sums to 1" } else { "counts" };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("rows = predicted, columns = actual", t.title()),
            Span::styled(format!(" ({mode})"), t.dim()),
        ])),
        axis,
    );
    frame.render_widget(
        ConfusionTable {
            matrix: &shown.eval.report.confusion,
            normalized: app.results.normalized,
            cursor: Some(cursor),
            theme: *t,
            compare_to: None,
        },
        table,
    );
}

/// sklearn's `classification_report` layout.
pub fn report_lines<'a>(r: &ClassificationReport, t: &Theme) -> Vec<Line<'a>> {
    let mut lines = vec![
        Line::from(Span::styled(format!("{:>12} {:>9} {:>9} {:>9} {:>7}", "", "precision", "recall", "f1-score", "support"), t.title())),
        Line::from(""),
    ];
    for c in &r.per_class {
        lines.push(Line::from(format!(
            "{:>12} {:>9.4} {:>9.4} {:>9.4} {:>7}",
            c.class, c.precision, c.recall, c.f1, c.support
        )));
    }
    let total = r.confusion.total();
    lines.push(Line::from(""));
    lines.push(Line::from(format!("{:>12} {:>9} {:>9} {:>9.4} {:>7}", "accuracy", "", "", r.accuracy, total)));
    for (name, a) in [("macro avg", &r.macro_avg), ("weighted avg", &r.weighted_avg)] {
        lines.push(Line::from(format!("{name:>12} {:>9.4} {:>9.4} {:>9.4} {total:>7}", a.precision, a.recall, a.f1)));
    }
    lines.push(Line::from(Span::styled("precision of a never-predicted class is 0", t.dim())));
    lines
}

/// The top confusions and example digits of the selected cell, under the diagnostics when `with_diag`.
fn render_examples(frame: &mut Frame, area: Rect, app: &App, shown: &Shown, cursor: (usize, usize), with_diag: bool) {
    if area.height == 0 {
        return;
    }
    let t = &app.theme;
    let m = &shown.eval.report.confusion;
    let arrow = t.arrow();
    let top: Vec<String> = m.top_confusions(6).iter().map(|c| format!("{} {arrow} {}: {}", c.actual, c.predicted, c.count)).collect();
    let (p, a) = cursor;
    let what = if p == a { "correct" } else { "misclassified" };
    let mut header = match &app.diagnostics {
        Some(d) if with_diag => diagnostics_lines(d, t),
        _ => Vec::new(),
    };
    let confusions_and_cell = [
        Line::from(vec![
            Span::styled(format!("top confusions (actual {arrow} predicted): "), t.title()),
            Span::raw(if top.is_empty() { "none".into() } else { top.join("  ") }),
        ]),
        Line::from(vec![
            Span::styled(format!("cell predicted {p}, actual {a}: "), t.title()),
            Span::raw(format!("{} {what} test images", m.get(p, a))),
        ]),
    ];
    // Full-size example digits need 15 rows: where the notes would take them, the notes give way to a
    // pointer to the Train view, which shows them in full.
    let notes = header.len().saturating_sub(1);
    if notes > 0 && area.height < wrapped_height(&header, area.width) + 3 + 15 {
        header.truncate(1);
        header[0].spans.push(Span::styled(format!("{}{notes} note(s): Train view (2)", t.sep()), t.focused()));
    }
    header.extend(confusions_and_cell);
    let head_h = wrapped_height(&header, area.width) + 1;
    let [head, pics] = Layout::vertical([Constraint::Length(head_h), Constraint::Min(0)]).areas(area);
    frame.render_widget(Paragraph::new(header).wrap(Wrap { trim: true }), head);
    let test = &app.data.test;
    if test.len() != shown.eval.predicted.len() || pics.height < 4 {
        return;
    }
    // Full size (28x14 cells) when there is room, else half size.
    let (iw, ih) = if pics.height >= 15 { (test.cols as u16, (test.rows as u16).div_ceil(2)) } else { ((test.cols as u16) / 2, (test.rows as u16).div_ceil(4)) };
    let per_row = (pics.width / (iw + 2)).max(1) as usize;
    // As many rows of digits as fit below one line saying which page this is.
    let rows = ((pics.height.saturating_sub(1)) / (ih + 1)).max(1) as usize;
    let all = cell_examples(&test.labels, &shown.eval.predicted, cursor, usize::MAX);
    let page_size = if app.results.inspect { 1 } else { per_row * rows };
    let pages = all.len().div_ceil(page_size).max(1);
    let page = app.results.page.rem_euclid(pages as isize) as usize;
    let idx = &all[(page * page_size).min(all.len())..((page + 1) * page_size).min(all.len())];
    if !all.is_empty() {
        let first = page * page_size + 1;
        let paging = if pages > 1 { format!("{}PgUp/PgDn pages", t.sep()) } else { String::new() };
        let line = Line::from(vec![
            Span::styled(
                if app.results.inspect { format!("digit {first} of {} (Enter: all)", all.len()) } else { format!("digits {first}–{} of {}", first + idx.len() - 1, all.len()) },
                t.focused(),
            ),
            Span::styled(format!("{paging}{}w saves them all as a PNG", t.sep()), t.dim()),
        ]);
        frame.render_widget(Paragraph::new(line), Rect::new(pics.x, pics.y, pics.width, 1));
    }
    let pics = Rect::new(pics.x, pics.y + 1, pics.width, pics.height.saturating_sub(1));
    let shade = crate::tui::widgets::shaded::ink_shade(app.weights.shade, t);
    if app.results.inspect {
        if let Some(&i) = idx.first() {
            render_enlarged(frame, pics, app, shown, i, shade);
        }
        return;
    }
    for (k, &i) in idx.iter().enumerate() {
        let x = pics.x + (k % per_row) as u16 * (iw + 2);
        let y = pics.y + (k / per_row) as u16 * (ih + 1);
        let label = Rect::new(x, y, iw + 1, 1).intersection(pics);
        let label_text = if iw >= 20 {
            format!("#{i} true {} pred {}", test.labels[i], shown.eval.predicted[i])
        } else {
            format!("{}{arrow}{}", test.labels[i], shown.eval.predicted[i])
        };
        frame.render_widget(Paragraph::new(Span::styled(label_text, t.dim())), label);
        let img = GrayImage::from_pixels(test.cols, test.rows, test.image(i).to_vec());
        let r = Rect::new(x, y + 1, iw, ih).intersection(pics);
        picture(frame, &app.graphics, &img, shade, r);
    }
}

/// Test image `i` as large as fits, beside the network's output for each class (probabilities for
/// softmax and sigmoid outputs, scores for identity), the true and predicted classes marked.
fn render_enlarged(frame: &mut Frame, area: Rect, app: &App, shown: &Shown, i: usize, shade: Shade) {
    let t = &app.theme;
    let test = &app.data.test;
    let (w1, h1) = crate::tui::widgets::shaded::cells_for(test.cols, test.rows, 1);
    let k = crate::viz::fit_scale(w1 as usize, h1 as usize, (area.width / 2) as usize, area.height as usize).clamp(1, 2);
    let (bw, bh) = crate::tui::widgets::shaded::cells_for(test.cols, test.rows, k);
    let img = GrayImage::from_pixels(test.cols, test.rows, test.image(i).to_vec());
    picture(frame, &app.graphics, &img, shade, Rect::new(area.x, area.y, bw.min(area.width), bh.min(area.height)));
    // One image through the network: a few hundred thousand multiply-adds for the usual layers.
    let mut x = Vec::new();
    shown.model.inputs(test.image(i), &mut x);
    let out = shown.model.outputs(x);
    let side = Rect::new(area.x + bw + 2, area.y, area.width.saturating_sub(bw + 2), area.height);
    let (label, pred) = (test.labels[i] as usize, shown.eval.predicted[i] as usize);
    let output = shown.model.arch.output;
    let what = if output.is_probability() { "probability" } else { "score" };
    let mut lines = vec![Line::from(Span::styled(format!("test image #{i}: true {label}, predicted {pred}; {what} per class ({output} outputs)"), t.title()))];
    let hi = out.iter().copied().fold(f32::MIN, f32::max).max(1e-6);
    let bar_w = side.width.saturating_sub(22).min(40) as f32;
    let full = if t.ascii { "#" } else { "█" };
    for (c, &v) in out.iter().enumerate() {
        let len = ((v.max(0.0) / hi) * bar_w).round() as usize;
        let style = if c == pred && c != label { t.worse() } else if c == label { t.good() } else { t.dim() };
        let value = if output.is_probability() { format!("{:6.2} %", v * 100.0) } else { format!("{v:8.4}") };
        let mark = if c == label { " true" } else if c == pred { " predicted" } else { "" };
        lines.push(Line::from(vec![Span::raw(format!("{c:>2} {value} ")), Span::styled(full.repeat(len), style), Span::styled(mark, t.dim())]));
    }
    frame.render_widget(Paragraph::new(lines), side);
}
