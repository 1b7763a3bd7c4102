//! Setup: the experiment form.
//!
//! ```text
//! ┌ Setup ───────────────────────────────────────────────────────┐
//! │ network  784 → 128 relu → 10 softmax   101,770 parameters    │
//! │ hidden layers                                                │
//! │ > layer 1      128         < relu >                          │
//! │   optimizer    < adam >                                      │
//! │   learning rate 0.001                                        │
//! │   …                        reason next to an invalid field   │
//! └──────────────────────────────────────────────────────────────┘
//! ```

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::app::App;
use crate::tui::form::Focus;
use crate::tui::widgets::panel;

/// Thousands separators: 101,770.
pub fn grouped(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The form's setup's memory estimate (the batch size as typed, 64 while it is not a number).
fn memory_hint(app: &App, arch: &crate::model::Architecture) -> String {
    use crate::train::memory::{data_bytes, estimate, human};
    let batch = app.form.batch_size.trim().parse().unwrap_or(64);
    format!(" · ~{} memory", human(estimate(arch, batch, data_bytes(&app.data))))
}

/// What the outputs are, in a few words.
fn output_hint(output: crate::model::Output) -> &'static str {
    match output {
        crate::model::Output::Softmax => "probabilities summing to 1",
        crate::model::Output::Sigmoid => "one probability per class",
        crate::model::Output::Identity => "raw scores",
    }
}

/// What the loss compares, in a few words (none when the pair is refused: the error says why).
fn loss_hint(output: crate::model::Output, loss: crate::model::Loss) -> Option<&'static str> {
    use crate::model::{Loss, Output};
    match (output, loss) {
        (Output::Softmax, Loss::CrossEntropy) => Some("-ln p(true class)"),
        (Output::Sigmoid, Loss::CrossEntropy) => Some("binary, per class"),
        (Output::Identity, Loss::CrossEntropy) => None,
        (_, Loss::Mse) => Some("squared error against one-hot targets"),
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let f = &app.form;
    let train_len = app.data.train.len();
    let bounds = app.bounds();
    let arch = f.architecture(app.data.train.pixels(), app.data.classes);
    let mut lines = vec![
        Line::from(vec![Span::styled("network  ", t.title()), Span::styled(t.text(&arch.to_string()), t.focused())]),
        // On a line of its own: with eight layers the network line alone fills a terminal's width.
        Line::from(vec![
            Span::styled("size     ", t.title()),
            Span::styled(format!("{} parameters", grouped(arch.param_count())), t.dim()),
            Span::styled(t.text(&memory_hint(app, &arch)), t.dim()),
        ]),
        Line::from(Span::styled(
            format!("data     {} train + {} test images", grouped(train_len), grouped(app.data.test.len())),
            t.dim(),
        )),
        Line::from(""),
        Line::from(Span::styled(
            if f.layers.is_empty() { "hidden layers: none (softmax regression; a adds one)" } else { "hidden layers" },
            t.title(),
        )),
    ];
    let (lt, gt) = if t.ascii { ("<", ">") } else { ("◂", "▸") };
    let mut focus_line = 0;
    for row in f.rows() {
        if row == Focus::Output {
            lines.push(Line::from(Span::styled(format!("output layer ({} units, one per class)", app.data.classes), t.title())));
        }
        if row == Focus::Optimizer {
            lines.push(Line::from(Span::styled("training", t.title())));
        }
        let focused = row == f.focus;
        if focused {
            focus_line = lines.len();
        }
        let editing = focused && f.editing.is_some();
        let marker = if focused { "> " } else { "  " };
        let label_style = if focused { t.focused() } else { ratatui::style::Style::new() };
        let mut spans = vec![Span::styled(format!("{marker}{:<14}", row.label()), label_style)];
        // The old value shows selected until a key changes it (the first character typed replaces it).
        let untouched = f.editing.as_ref().is_some_and(|e| !e.touched);
        let value_style = if editing && untouched { t.selected() } else if editing { t.focused() } else { label_style };
        match row {
            Focus::Layer(i) => {
                let l = &f.layers[i];
                spans.push(Span::styled(format!("{:<8}", l.neurons), value_style));
                spans.push(Span::raw(format!(" neurons  {lt} {:<10} {gt}", l.activation.name())));
            }
            Focus::Output => {
                spans.push(Span::styled(format!("{lt} {} {gt}", f.output), value_style));
                spans.push(Span::styled(format!("  {}", output_hint(f.output)), t.dim()));
            }
            Focus::Loss => {
                spans.push(Span::styled(format!("{lt} {} {gt}", f.loss), value_style));
                if let Some(hint) = loss_hint(f.output, f.loss) {
                    spans.push(Span::styled(format!("  {hint}"), t.dim()));
                }
            }
            Focus::Optimizer => spans.push(Span::styled(format!("{lt} {} {gt}", f.optimizer), value_style)),
            Focus::Nesterov => {
                spans.push(Span::styled(format!("{lt} {} {gt}", if f.nesterov { "on" } else { "off" }), value_style))
            }
            _ => {
                let text = f.text(row).unwrap_or_default();
                let shown = if editing { format!("{text}_") } else { text.to_string() };
                spans.push(Span::styled(format!("{shown:<8}"), value_style));
                if row == Focus::Momentum && f.optimizer.name() == "adam" {
                    spans.push(Span::styled("  (sgd only)", t.dim()));
                }
                if row == Focus::Threads && text.trim().is_empty() && !editing {
                    spans.push(Span::styled(format!("  all {} cores", crate::threads::cores()), t.dim()));
                }
            }
        }
        if let Some(reason) = f.field_error(row, &bounds) {
            spans.push(Span::styled(format!("  {}", t.text(&reason)), t.error()));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(""));
    let ready = match f.first_error(&bounds) {
        None => Span::styled("ready: s starts training, Q adds it to the queue", t.good()),
        Some((row, _)) => Span::styled(format!("fix {} before starting", row.label()), t.error()),
    };
    lines.push(Line::from(ready));
    queue_lines(app, &mut lines);
    // Keep the focused row visible on short terminals.
    let inner_h = area.height.saturating_sub(2) as usize;
    let scroll = focus_line.saturating_sub(inner_h.saturating_sub(2)) as u16;
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)).block(panel(" Setup ", t)), area);
}

/// The run queue under the form: what waits, in order.
fn queue_lines(app: &App, lines: &mut Vec<Line<'_>>) {
    let t = &app.theme;
    if app.queue.is_empty() && !app.queue_running {
        return;
    }
    lines.push(Line::from(""));
    let state = if app.queue_running { "running; the next starts when a run ends" } else { "S runs it, C clears it" };
    lines.push(Line::from(vec![
        Span::styled(format!("queue: {} setup(s) waiting", app.queue.len()), t.title()),
        Span::styled(format!(" ({state})"), t.dim()),
    ]));
    for (i, q) in app.queue.iter().enumerate() {
        let c = &q.config;
        let arch = c.architecture(app.data.train.pixels(), app.data.classes);
        lines.push(Line::from(t.text(&format!(
            "  {}. {} · {} lr {} · batch {} · {} epoch(s)",
            i + 1,
            arch,
            c.optimizer.name(),
            c.lr,
            c.batch_size,
            c.epochs
        ))));
    }
}
