//! The hand-in form, drawn over the Runs view (`H`): what the report says and where it goes, the runs
//! it covers, and whether Enter can make it.
//!
//! ```text
//! ┌ hand-in · Enter makes it, Esc closes ─────────────────────────────────────┐
//! │> title    Lab 3: one hidden layer_                                       │
//! │  authors  Ada Lovelace (12345), Alan Turing (67890)                      │
//! │  paper    ◂ A4 ▸                                                         │
//! │  models   ◂ no ▸   each run's model.safetensors in the zip               │
//! │  out      handin   a new directory (handin-2, … if taken)                │
//! │                                                                          │
//! │  runs     20261128-1203-32relu, 20261128-1210-64relu                     │
//! │  Enter makes report.pdf and handin.zip                                   │
//! └──────────────────────────────────────────────────────────────────────────┘
//! ```

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use crate::tui::app::App;
use crate::tui::handin_form::{paper_name, Field};
use crate::tui::widgets::{centered, fit, panel, tail};

const WIDTH: u16 = 78;
const LABEL: usize = 10;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    if !app.handin().open {
        return;
    }
    let t = &app.theme;
    let f = &app.handin().form;
    let width = area.width.min(WIDTH);
    // Inside the border, after the label.
    let room = (width as usize).saturating_sub(2 + LABEL);
    let (lt, gt) = if t.ascii { ("<", ">") } else { ("◂", "▸") };
    let mut lines = Vec::new();
    for field in <Field as strum::IntoEnumIterator>::iter() {
        let focused = field == f.focus;
        let style = if focused { t.focused() } else { Style::new() };
        let mut spans = vec![Span::styled(format!("{}{:<w$}", if focused { "> " } else { "  " }, field.label(), w = LABEL - 2), style)];
        let (value, hint) = match field {
            Field::Title | Field::Authors | Field::Out => {
                let text = f.text(field).unwrap_or_default();
                let value = if focused { tail(&format!("{text}_"), room) } else { fit(text, room, t) };
                let hint = match field {
                    Field::Authors if text.is_empty() => "Name (ID), Name (ID)".to_string(),
                    Field::Out => format!("a new directory ({}-2, … if taken)", text.trim()),
                    _ => String::new(),
                };
                (value, hint)
            }
            Field::Paper => (format!("{lt} {} {gt}", paper_name(f.paper)), String::new()),
            Field::Models => (format!("{lt} {} {gt}", if f.with_models { "yes" } else { "no" }), "each run's model.safetensors in the zip".into()),
        };
        let used = value.chars().count();
        spans.push(Span::styled(value, style));
        if !hint.is_empty() && used + 3 < room {
            spans.push(Span::styled(format!("   {}", fit(&t.text(&hint), room - used - 3, t)), t.dim()));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(""));
    let runs = match app.handin_sources() {
        Ok((dirs, from_selection)) => {
            let names: Vec<String> = dirs.iter().map(|d| crate::rundir::dir_name(d)).collect();
            let what = if from_selection { format!("{} (selected; none chosen with space)", names.join(", ")) } else { names.join(", ") };
            Span::raw(fit(&what, room, t))
        }
        Err(e) => Span::styled(fit(&t.text(&e), room, t), t.error()),
    };
    lines.push(Line::from(vec![Span::styled(format!("  {:<w$}", "runs", w = LABEL - 2), t.title()), runs]));
    lines.push(match app.handin_request() {
        Ok(_) => Line::from(Span::styled("  Enter makes report.pdf and handin.zip", t.good())),
        Err((field, why)) => {
            let at = field.map_or(String::new(), |f| format!("{}: ", f.label()));
            Line::from(Span::styled(format!("  {}", fit(&t.text(&format!("{at}{why}")), width as usize - 4, t)), t.error()))
        }
    });
    let r = centered(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(panel(t.text(" hand-in · Enter makes it, Esc closes "), t)), r);
}
