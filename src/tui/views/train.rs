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
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Sparkline};
use ratatui::Frame;

use super::setup::grouped;
use crate::train::{best_epoch, EpochReport};
use crate::tui::app::{App, Session};
use crate::tui::theme::Theme;
use crate::tui::widgets::{clock, gauge_line, panel};

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let Some(s) = &app.session else {
        let p = Paragraph::new("No training yet: set up a network in Setup (1) and press s.").block(panel(" Train ", t));
        frame.render_widget(p, area);
        return;
    };
    let title = match &s.progress.start {
        Some(info) => format!(" Train{}{}{}{} parameters ", t.sep(), t.text(&info.arch.to_string()), t.sep(), grouped(info.params)),
        None => " Train (starting) ".into(),
    };
    let block = panel(title, t);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [head, spark, charts] =
        Layout::vertical([Constraint::Length(5), Constraint::Length(5), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(head_lines(s, head.width, t)), head);
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
                "{}: test {:.2}%{}  (last: test {:.2}%, loss {:.4})",
                e.epoch,
                e.test_accuracy * 100.0,
                e.val_accuracy.map_or(String::new(), |v| format!(", val {:.2}%", v * 100.0)),
                p.history.last().map_or(0.0, |l| l.test_accuracy * 100.0),
                p.history.last().map_or(0.0, |l| l.train_loss),
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

fn series(history: &[EpochReport], f: impl Fn(&EpochReport) -> Option<f64>) -> Vec<(f64, f64)> {
    history.iter().filter_map(|e| Some((e.epoch as f64, f(e)?))).collect()
}

fn render_charts(frame: &mut Frame, left: Rect, right: Rect, history: &[EpochReport], epochs: usize, t: &Theme) {
    let x_max = epochs.max(2) as f64;
    let x_axis = |t: &Theme| {
        Axis::default().bounds([1.0, x_max]).style(t.dim()).labels(vec!["1".to_string(), format!("{}", epochs.max(2))])
    };
    let graph = if history.len() < 2 { GraphType::Scatter } else { GraphType::Line };
    let color = |c: Color| if t.color { ratatui::style::Style::new().fg(c) } else { ratatui::style::Style::new() };

    let train_loss = series(history, |e| Some(e.train_loss));
    let test_loss = series(history, |e| Some(e.test_loss));
    let val_loss = series(history, |e| e.val_loss);
    let loss_max = train_loss.iter().chain(&test_loss).chain(&val_loss).map(|p| p.1).fold(0.0f64, f64::max).max(0.1) * 1.1;
    let mut sets = vec![
        Dataset::default().name("train").marker(t.marker()).graph_type(graph).style(color(Color::Cyan)).data(&train_loss),
        Dataset::default().name("test").marker(t.marker()).graph_type(graph).style(color(Color::Magenta)).data(&test_loss),
    ];
    if !val_loss.is_empty() {
        sets.push(Dataset::default().name("val").marker(t.marker()).graph_type(graph).style(color(Color::Yellow)).data(&val_loss));
    }
    let chart = Chart::new(sets)
        .block(panel(" loss per epoch ", t))
        .x_axis(x_axis(t))
        .y_axis(Axis::default().bounds([0.0, loss_max]).style(t.dim()).labels(vec!["0".to_string(), format!("{loss_max:.2}")]));
    frame.render_widget(chart, left);

    let train_acc = series(history, |e| Some(e.train_accuracy));
    let test_acc = series(history, |e| Some(e.test_accuracy));
    let val_acc = series(history, |e| e.val_accuracy);
    let lowest = train_acc.iter().chain(&test_acc).chain(&val_acc).map(|p| p.1).fold(1.0f64, f64::min);
    let y_min = ((lowest * 10.0).floor() / 10.0).clamp(0.0, 0.9);
    let mut sets = vec![
        Dataset::default().name("train").marker(t.marker()).graph_type(graph).style(color(Color::Cyan)).data(&train_acc),
        Dataset::default().name("test").marker(t.marker()).graph_type(graph).style(color(Color::Magenta)).data(&test_acc),
    ];
    if !val_acc.is_empty() {
        sets.push(Dataset::default().name("val").marker(t.marker()).graph_type(graph).style(color(Color::Yellow)).data(&val_acc));
    }
    let chart = Chart::new(sets)
        .block(panel(" accuracy per epoch ", t))
        .x_axis(x_axis(t))
        .y_axis(Axis::default().bounds([y_min, 1.0]).style(t.dim()).labels(vec![format!("{:.0}%", y_min * 100.0), "100%".to_string()]));
    frame.render_widget(chart, right);
}
