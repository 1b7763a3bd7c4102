//! Compare (inside Runs): two marked runs side by side — their confusion matrices with the cells that
//! differ colored (green: this run does better there), the per-class F1 of both with the difference,
//! and the difference matrix B − A.
//!
//! ```text
//! ┌ Compare · A vs B (c or Esc: back) ────────────────────────────────────────────────┐
//! │ A  run-a  784 → 32 relu → 10 · adam 0.001 · 1 epoch · test 95.12% · macro F1 0.9501 │
//! │ B  run-b  …                                                                       │
//! │ B − A: test accuracy +1.20 points, macro F1 +0.0121                                │
//! │ A: rows = predicted, columns = actual      B: rows = predicted, columns = actual   │
//! │ [matrix A]                                 [matrix B]                              │
//! │ class   F1 A   F1 B  B − A                 B − A (rows = predicted, columns = actual)│
//! └───────────────────────────────────────────────────────────────────────────────────┘
//! ```
//! Below 136 columns the two matrices give way to the difference matrix alone.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use ratatui::Frame;

use crate::metrics::ConfusionMatrix;
use crate::tui::app::{App, RunEntry};
use crate::tui::theme::Theme;
use crate::tui::widgets::confusion::{self, is_better, put, ConfusionTable, LABEL_W};
use crate::rundir::TestMetrics;
use crate::tui::widgets::{panel, wrapped_height};

/// Width of the per-class F1 table.
const F1_W: u16 = 36;
/// Per-class F1 differences smaller than this are shown as unchanged.
const F1_EPS: f64 = 0.0005;

fn describe(tag: &str, e: &RunEntry, test: &TestMetrics, t: &Theme) -> Line<'static> {
    let s = &e.summary;
    Line::from(vec![
        Span::styled(format!("{tag}  "), t.key()),
        Span::styled(e.name(), t.title()),
        Span::raw(t.text(&format!(
            "  {} · {} {} · {} epoch(s) · test {:.2}% · macro F1 {:.4}",
            s.model.architecture,
            s.config.optimizer.name(),
            s.config.lr,
            s.epochs.len(),
            test.accuracy * 100.0,
            test.macro_avg.f1
        ))),
    ])
}

/// Green when positive beyond `eps` (B better), red when negative, dim when about equal.
fn signed_style(delta: f64, eps: f64, t: &Theme) -> Style {
    if delta > eps {
        t.better()
    } else if delta < -eps {
        t.worse()
    } else {
        t.dim()
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, a: &RunEntry, b: &RunEntry) {
    let t = &app.theme;
    let block = panel(format!(" Compare{}A vs B (c or Esc: back) ", t.sep()), t);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // Marking refuses runs without results; this only guards against a rescan replacing one.
    let (Some(ta), Some(tb)) = (&a.summary.test, &b.summary.test) else { return };
    let (ma, mb) = (ta.confusion(), tb.confusion());
    let n = ma.classes();
    let d_acc = (tb.accuracy - ta.accuracy) * 100.0;
    let d_f1 = tb.macro_avg.f1 - ta.macro_avg.f1;
    let head = vec![
        describe("A", a, ta, t),
        describe("B", b, tb, t),
        Line::from(vec![
            Span::styled("B − A: ", t.title()),
            Span::styled(format!("test accuracy {d_acc:+.2} points"), signed_style(d_acc, 0.005, t)),
            Span::raw(", "),
            Span::styled(format!("macro F1 {d_f1:+.4}"), signed_style(d_f1, F1_EPS, t)),
            Span::styled(
                "   green: that run does better (more correct, fewer mistakes), red: worse",
                t.dim(),
            ),
        ]),
    ];
    let (mw, mh) = confusion::size(n, 5);
    let both = inner.width >= 2 * mw + 2;
    // The run lines wrap rather than lose their figures on narrow terminals.
    let head_h = wrapped_height(&head, inner.width) + 1;
    let [top, mid, bottom] = Layout::vertical([
        Constraint::Length(head_h),
        Constraint::Length(if both { mh + 1 } else { 0 }),
        Constraint::Min(0),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(head).wrap(Wrap { trim: false }), top);
    if both {
        let [left, _, right] = Layout::horizontal([Constraint::Length(mw), Constraint::Length(2), Constraint::Length(mw)]).areas(mid);
        for (tag, m, other, r) in [("A", &ma, &mb, left), ("B", &mb, &ma, right)] {
            let [axis, table] = Layout::vertical([Constraint::Length(1), Constraint::Length(mh)]).areas(r);
            frame.render_widget(
                Paragraph::new(Line::from(vec![
                    Span::styled(format!("{tag}: "), t.key()),
                    Span::styled("rows = predicted, columns = actual", t.title()),
                ])),
                axis,
            );
            frame.render_widget(ConfusionTable { matrix: m, normalized: false, cursor: None, theme: *t, compare_to: Some(other) }, table);
        }
    }
    let [f1, _, diff] = Layout::horizontal([Constraint::Length(F1_W), Constraint::Length(2), Constraint::Min(0)]).areas(bottom);
    frame.render_widget(Paragraph::new(f1_lines(ta, tb, t)), f1);
    if diff.width > 0 {
        let [axis, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(diff);
        let hint = if both { "" } else { " (wider terminal: both matrices)" };
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("B − A: ", t.key()),
                Span::styled("rows = predicted, columns = actual", t.title()),
                Span::styled(hint, t.dim()),
            ])),
            axis,
        );
        frame.render_widget(DiffTable { a: &ma, b: &mb, theme: *t }, table);
    }
}

/// Per-class F1 of A and B and B − A, then the macro average.
fn f1_lines(a: &TestMetrics, b: &TestMetrics, t: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled(format!("{:>6} {:>8} {:>8} {:>9}", "class", "F1 A", "F1 B", "B - A"), t.title()))];
    let row = |label: String, fa: f64, fb: f64| {
        let d = fb - fa;
        Line::from(vec![
            Span::raw(format!("{label:>6} {fa:>8.4} {fb:>8.4} ")),
            Span::styled(format!("{d:>+9.4}"), signed_style(d, F1_EPS, t)),
        ])
    };
    for (ca, cb) in a.per_class.iter().zip(&b.per_class) {
        lines.push(row(ca.class.to_string(), ca.f1, cb.f1));
    }
    lines.push(row("macro".into(), a.macro_avg.f1, b.macro_avg.f1));
    lines
}

/// The matrix B − A: each cell's count difference, green where B does better, red where worse, `.`
/// where equal.
pub struct DiffTable<'a> {
    pub a: &'a ConfusionMatrix,
    pub b: &'a ConfusionMatrix,
    pub theme: Theme,
}

impl Widget for DiffTable<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        let n = self.a.classes().min(self.b.classes());
        let t = self.theme;
        let w = 5u16;
        put(buf, area, 0, 0, LABEL_W, "pred\\act ", t.title());
        for a in 0..n {
            put(buf, area, LABEL_W + w * a as u16, 0, w, &a.to_string(), t.title());
        }
        for p in 0..n {
            let y = 1 + p as u16;
            put(buf, area, 0, y, LABEL_W - 1, &p.to_string(), t.title());
            for a in 0..n {
                let (va, vb) = (self.a.get(p, a), self.b.get(p, a));
                let d = vb as i64 - va as i64;
                let (text, style) = match d {
                    0 => (".".to_string(), t.dim()),
                    _ if is_better(p, a, vb, va) => (format!("{d:+}"), t.better()),
                    _ => (format!("{d:+}"), t.worse()),
                };
                put(buf, area, LABEL_W + w * a as u16, y, w, &text, style);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;
    use ratatui::style::Color;
    use ratatui::Terminal;

    #[test]
    fn diff_table_signs_and_colors_follow_the_lab_orientation() {
        // rows = predicted, columns = actual: B moves one 4 from "predicted 9" to "predicted 4".
        let a = ConfusionMatrix { counts: vec![vec![5, 0], vec![2, 3]] };
        let b = ConfusionMatrix { counts: vec![vec![6, 0], vec![1, 3]] };
        let theme = Theme { color: true, ascii: false, depth: crate::tui::colors::ColorDepth::TrueColor };
        let mut term = Terminal::new(TestBackend::new(30, 4)).unwrap();
        term.draw(|f| f.render_widget(DiffTable { a: &a, b: &b, theme }, f.area())).unwrap();
        let buf = term.backend().buffer().clone();
        let row = |y: u16| (0..30).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>();
        assert_eq!(row(1).trim_end(), "       0    +1    .");
        assert_eq!(row(2).trim_end(), "       1    -1    .");
        // +1 on the diagonal and -1 off it are both improvements: green.
        assert_eq!(buf[(13, 1)].bg, Color::Green);
        assert_eq!(buf[(13, 2)].bg, Color::Green);
        let worse = DiffTable { a: &b, b: &a, theme };
        term.draw(|f| f.render_widget(worse, f.area())).unwrap();
        assert_eq!(term.backend().buffer()[(13, 1)].bg, Color::Red);
    }
}
