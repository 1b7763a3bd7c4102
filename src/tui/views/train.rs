//! Train: live progress of the current run.
//!
//! ```text
//! ┌ Train · 784 → 32 relu → 10 softmax · 25,450 parameters ─────────────┐
//! │ epoch [██████░░░░░░] 1/3                                            │
//! │ batch [███░░░░░░░░░] 400/938                                        │
//! │ loss 0.23  acc 93.1%  18,000 samples/s  elapsed 0:12  ETA 0:30      │
//! │ best epoch 1: test 95.1%                                            │
//! │ ┌ recent batch losses ┐ (sparkline)                                 │
//! │ ┌ loss per epoch ─────┐┌ accuracy per epoch ──────┐ (ASCII: a table) │
//! └─────────────────────────────────────────────────────────────────────┘
//! ```

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Sparkline, Wrap};
use ratatui::Frame;

use super::setup::grouped;
use crate::train::{best_epoch, EpochReport};
use crate::tui::app::{App, Session};
use crate::tui::theme::Theme;
use crate::tui::widgets::{clock, diagnostics_lines, gauge_line, notice, panel, wrapped_height};

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let Some(s) = &app.session else {
        frame.render_widget(notice(" Train ", "No training yet: set up a network in Setup (1) and press s.", t), area);
        return;
    };
    let title = match &s.progress.start {
        Some(info) => format!(
            " Train{}{}{}{} parameters{}{} of {} cores ",
            t.sep(),
            t.text(&info.arch.to_string()),
            t.sep(),
            grouped(info.params),
            t.sep(),
            info.threads,
            crate::threads::cores()
        ),
        None => " Train (starting) ".into(),
    };
    let block = panel(title, t);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // Diagnostics of the last finished epoch (not of a run opened from Runs, which Results shows).
    let diag = match (&app.diagnostics, &app.opened) {
        (Some(d), None) => diagnostics_lines(d, t),
        _ => Vec::new(),
    };
    let diag_h = if diag.is_empty() { 0 } else { wrapped_height(&diag, inner.width).min(4) };
    let [head, diag_area, spark, charts] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(diag_h),
        Constraint::Length(5),
        Constraint::Min(0),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(head_lines(s, head.width, t)), head);
    frame.render_widget(Paragraph::new(diag).wrap(Wrap { trim: true }), diag_area);
    let losses: Vec<u64> = recent_losses(s, spark.width.saturating_sub(2) as usize);
    // The first batches' losses dwarf the rest: scale to the bulk and let the outliers clip.
    let mut sorted = losses.clone();
    sorted.sort_unstable();
    let bulk = sorted.get(sorted.len() * 9 / 10).copied().unwrap_or(1);
    let spark_max = (bulk + bulk / 4).max(1);
    let spark_title = match s.losses.back() {
        Some(l) => format!(" recent batch losses (last {l:.4}) "),
        None => " recent batch losses ".into(),
    };
    frame.render_widget(
        Sparkline::default().block(panel(spark_title, t)).data(&losses).max(spark_max).bar_set(t.bars()).style(t.good()),
        spark,
    );
    if charts.height < 3 {
        return;
    }
    let history = &s.progress.history;
    let epochs = s.progress.config.epochs;
    if t.ascii {
        frame.render_widget(Paragraph::new(epoch_table(history)).block(panel(" epochs ", t)), charts);
    } else {
        let [left, right] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(charts);
        render_charts(frame, left, right, history, epochs, t);
    }
}

/// Batch losses scaled to integers for the sparkline, the newest `width` of them.
fn recent_losses(s: &Session, width: usize) -> Vec<u64> {
    let skip = s.losses.len().saturating_sub(width);
    s.losses.iter().skip(skip).map(|&l| (l.max(0.0) * 1000.0) as u64).collect()
}

fn head_lines<'a>(s: &Session, width: u16, t: &Theme) -> Vec<Line<'a>> {
    let p = &s.progress;
    let epochs = p.config.epochs;
    let mut lines = Vec::new();
    let (epoch_ratio, batch_ratio, batch_text, epoch_text) = match &p.last_batch {
        Some(b) => {
            let done = (b.epoch - 1) as f64 + b.batch as f64 / b.batches.max(1) as f64;
            (done / epochs as f64, b.batch as f64 / b.batches.max(1) as f64, format!("{}/{}", b.batch, b.batches), format!("{}/{epochs}", b.epoch))
        }
        None => (0.0, 0.0, "-".into(), format!("0/{epochs}")),
    };
    let finished = p.is_finished();
    let epoch_ratio = if finished { p.history.len() as f64 / epochs as f64 } else { epoch_ratio };
    lines.push(gauge_line("epoch", epoch_ratio, epoch_text, width, t));
    lines.push(gauge_line("batch", batch_ratio, batch_text, width, t));
    let state = match &p.outcome {
        Some(Ok(r)) => Span::styled(format!("{}  ", r.status.name()), t.good()),
        Some(Err(e)) => Span::styled(format!("failed: {}  ", t.text(e)), t.error()),
        None if p.paused => Span::styled("paused  ", t.focused()),
        None => match &p.last_batch {
            Some(b) if b.batch == b.batches && p.history.len() < b.epoch => Span::styled("evaluating…  ", t.focused()),
            _ => Span::styled("running  ", t.good()),
        },
    };
    match &p.last_batch {
        Some(b) => {
            let total = (epochs * b.batches) as f64;
            let done = ((b.epoch - 1) * b.batches + b.batch) as f64;
            let eta = if done > 0.0 && !finished { clock(b.elapsed * (total - done) / done) } else { "-".into() };
            lines.push(Line::from(vec![
                state,
                Span::raw(format!(
                    "loss {:.4}  acc {:.2}%  {} samples/s  elapsed {}  ETA {eta}",
                    b.loss,
                    b.accuracy * 100.0,
                    grouped(b.samples_per_sec.max(0.0) as usize),
                    clock(b.elapsed)
                )),
            ]));
        }
        None => lines.push(Line::from(vec![state, Span::raw("waiting for the first batch")])),
    }
    match best_epoch(&p.history) {
        Some(e) => lines.push(Line::from(vec![
            Span::styled("best epoch ", t.title()),
            Span::raw(format!(
                "{}: test {:.2}%{}  (last: test {:.2}%, test loss {:.4})",
                e.epoch,
                e.test_accuracy * 100.0,
                e.val_accuracy.map_or(String::new(), |v| format!(", val {:.2}%", v * 100.0)),
                p.history.last().map_or(0.0, |l| l.test_accuracy * 100.0),
                p.history.last().map_or(0.0, |l| l.test_loss),
            )),
        ])),
        None => lines.push(Line::from(Span::styled("best epoch: none finished yet", t.dim()))),
    }
    lines
}

fn epoch_table<'a>(history: &[EpochReport]) -> Vec<Line<'a>> {
    let mut lines = vec![Line::from(format!(
        "{:>5} {:>10} {:>9} {:>9} {:>9} {:>8}",
        "epoch", "train loss", "train acc", "val acc", "test acc", "seconds"
    ))];
    for e in history.iter().rev() {
        lines.push(Line::from(format!(
            "{:>5} {:>10.4} {:>8.2}% {:>9} {:>8.2}% {:>8.2}",
            e.epoch,
            e.train_loss,
            e.train_accuracy * 100.0,
            e.val_accuracy.map_or("-".into(), |v| format!("{:.2}%", v * 100.0)),
            e.test_accuracy * 100.0,
            e.train_seconds
        )));
    }
    lines
}

/// One curve per split: (epoch, value) points of train, test and (when there is one) validation.
struct Curves {
    train: Vec<(f64, f64)>,
    test: Vec<(f64, f64)>,
    val: Vec<(f64, f64)>,
}

impl Curves {
    fn of(history: &[EpochReport], pick: impl Fn(&EpochReport) -> (f64, f64, Option<f64>)) -> Curves {
        let mut c = Curves { train: Vec::new(), test: Vec::new(), val: Vec::new() };
        for e in history {
            let (train, test, val) = pick(e);
            let x = e.epoch as f64;
            c.train.push((x, train));
            c.test.push((x, test));
            if let Some(v) = val {
                c.val.push((x, v));
            }
        }
        c
    }

    fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.train.iter().chain(&self.test).chain(&self.val).map(|p| p.1)
    }

    /// A chart of the curves with the x axis over all planned epochs and the given y axis.
    fn chart<'a>(&'a self, title: &'a str, epochs: usize, y: Axis<'a>, t: &Theme) -> Chart<'a> {
        let graph = if self.train.len() < 2 { GraphType::Scatter } else { GraphType::Line };
        let style = |c: Color| if t.color { Style::new().fg(c) } else { Style::new() };
        let sets = [("train", &self.train, Color::Cyan), ("test", &self.test, Color::Magenta), ("val", &self.val, Color::Yellow)]
            .into_iter()
            .filter(|(name, data, _)| *name != "val" || !data.is_empty())
            .map(|(name, data, color)| Dataset::default().name(name).marker(t.marker()).graph_type(graph).style(style(color)).data(data))
            .collect();
        let x_max = epochs.max(2);
        Chart::new(sets)
            .block(panel(title, t))
            .x_axis(Axis::default().bounds([1.0, x_max as f64]).style(t.dim()).labels(vec!["1".to_string(), x_max.to_string()]))
            .y_axis(y.style(t.dim()))
    }
}

fn render_charts(frame: &mut Frame, left: Rect, right: Rect, history: &[EpochReport], epochs: usize, t: &Theme) {
    let loss = Curves::of(history, |e| (e.train_loss, e.test_loss, e.val_loss));
    let loss_max = loss.values().fold(0.0f64, f64::max).max(0.1) * 1.1;
    let y = Axis::default().bounds([0.0, loss_max]).labels(vec!["0".to_string(), format!("{loss_max:.2}")]);
    frame.render_widget(loss.chart(" loss per epoch ", epochs, y, t), left);

    let acc = Curves::of(history, |e| (e.train_accuracy, e.test_accuracy, e.val_accuracy));
    let lowest = acc.values().fold(1.0f64, f64::min);
    let y_min = ((lowest * 10.0).floor() / 10.0).clamp(0.0, 0.9);
    let y = Axis::default().bounds([y_min, 1.0]).labels(vec![format!("{:.0}%", y_min * 100.0), "100%".to_string()]);
    frame.render_widget(acc.chart(" accuracy per epoch ", epochs, y, t), right);
}
