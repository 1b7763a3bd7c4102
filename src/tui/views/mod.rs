//! The whole screen, drawn from `&App` alone.
//!
//! ```text
//! digitlab  1 Setup  2 Train  3 Results  4 Weights  5 Runs  6 Draw   training 2/5 · 41%
//! ┌ the current view ───────────────────────────────────────────────────────────┐
//! └─────────────────────────────────────────────────────────────────────────────┘
//! status line (last message)
//! key hints for this view
//! ```

pub mod compare;
pub mod draw;
pub mod handin;
pub mod help;
pub mod note;
pub mod results;
pub mod runs;
pub mod setup;
pub mod train;
pub mod weights;

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, Msg, Pick, StatusKind, View};
use super::keys;
use super::widgets::{centered, panel};

/// Below this size the layout is replaced by a message.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 18;

/// Draws the dashboard. Pure: reads the state, never changes it.
pub fn render(frame: &mut Frame, app: &App) {
    draw(frame, app);
    // Drawn with the full theme, then down to what the terminal shows.
    app.theme.depth.apply(frame.buffer_mut());
}

/// What a left click at (`column`, `row`) of `screen` picks in the current view, found by the view
/// with the geometry it draws with; `None` where nothing is, and on a screen too small for the layout.
pub fn pick_at(app: &App, screen: Rect, column: u16, row: u16) -> Option<Pick> {
    if too_small(screen) {
        return None;
    }
    let body = super::draw::body_of(screen, app.status_line().as_deref());
    match app.view {
        View::Results => results::pick_at(body, app, column, row),
        View::Weights => weights::pick_at(body, app, column, row),
        View::Runs => runs::pick_at(body, app, column, row),
        View::Setup | View::Train | View::Draw => None,
    }
}

/// The message a mouse event means: a left press on something the view lists picks it; any other
/// event goes to `update` as it came (tabs, drawing, the wheel).
pub fn mouse_msg(app: &App, event: crossterm::event::MouseEvent, screen: Rect) -> Msg {
    use crossterm::event::{MouseButton, MouseEventKind};
    if event.kind == MouseEventKind::Down(MouseButton::Left) {
        if let Some(p) = pick_at(app, screen, event.column, event.row) {
            return Msg::Pick(p);
        }
    }
    Msg::Mouse { event, screen }
}

fn too_small(screen: Rect) -> bool {
    screen.width < MIN_WIDTH || screen.height < MIN_HEIGHT
}

fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if too_small(area) {
        let text = format!("terminal too small (need {MIN_WIDTH}{}{MIN_HEIGHT})", if app.theme.ascii { "x" } else { "×" });
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let status_line = app.status_line();
    let [tabs, body, status, footer] = super::draw::screen_rows(area, status_line.as_deref());
    render_tabs(frame, tabs, app);
    match app.view {
        View::Setup => setup::render(frame, body, app),
        View::Train => train::render(frame, body, app),
        View::Results => results::render(frame, body, app),
        View::Weights => weights::render(frame, body, app),
        View::Runs => runs::render(frame, body, app),
        View::Draw => draw::render(frame, body, app),
    }
    if let Some(s) = &app.status {
        let style = match s.kind {
            StatusKind::Info => app.theme.good(),
            StatusKind::Error => app.theme.error(),
        };
        frame.render_widget(Paragraph::new(Span::styled(status_line.unwrap_or_default(), style)).wrap(Wrap { trim: false }), status);
    }
    render_footer(frame, footer, app);
    if app.help {
        help::render(frame, body, app);
    }
    handin::render(frame, body, app);
    note::render(frame, body, app);
    if app.confirm_quit && !app.is_training() {
        let k = |key: &'static str| Span::styled(key, app.theme.key());
        let ended = app.session.as_ref().and_then(|s| s.progress.result()).map_or("The run has ended".to_string(), |r| {
            format!("The run has ended ({} after {} epoch(s)).", r.status.name(), r.history.len())
        });
        quit_box(frame, body, app, vec![
            Line::from(ended),
            Line::from(vec![k("q"), Span::raw(", "), k("s"), Span::raw(" or any key quit; the run is kept")]),
            Line::from(vec![k("Esc"), Span::raw(" stay")]),
        ]);
    } else if app.confirm_quit {
        let k = |key: &'static str| Span::styled(key, app.theme.key());
        let p = app.session.as_ref().map(|s| &s.progress);
        let paused = p.is_some_and(|p| p.paused);
        let epochs = p.map_or(0, |p| p.history.len());
        let keep = match epochs {
            0 => " stop and quit (no epoch has finished: nothing to keep)".to_string(),
            n => format!(" stop, keep the {n} finished epoch(s), quit"),
        };
        quit_box(frame, body, app, vec![
            Line::from(if paused { "Training is paused. Quit?" } else { "Training is running. Quit?" }),
            Line::from(vec![k("s"), Span::raw(keep)]),
            Line::from(vec![k("d"), Span::raw(" stop and discard this run, quit")]),
            Line::from(vec![k("Esc"), Span::raw(if paused { " go back (still paused)" } else { " go back, keep training" })]),
        ]);
    }
}

/// The quit question's `lines` in a box over the middle of `body`, as wide as its longest line (and
/// the borders), so that no choice is cut.
fn quit_box(frame: &mut Frame, body: Rect, app: &App, lines: Vec<Line>) {
    let width = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 2;
    let r = centered(body, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(panel(" quit? ", &app.theme)), r);
}

fn render_tabs(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut spans = vec![Span::styled(crate::tui::msg::TABS_LEAD, t.title())];
    for v in <View as strum::IntoEnumIterator>::iter() {
        let style = if v == app.view { t.selected() } else { t.dim() };
        spans.push(Span::styled(v.tab_label(area.width), style));
    }
    if let Some(s) = &app.session {
        let p = &s.progress;
        let state = if let Some(outcome) = &p.outcome {
            match outcome {
                Ok(r) => format!("run {}", r.status.name()),
                Err(_) => "run failed".into(),
            }
        } else if p.paused {
            "paused".into()
        } else {
            match (&p.last_batch, &p.start) {
                (Some(b), Some(info)) => {
                    // Of the whole run, not of this epoch.
                    let done = (b.epoch.saturating_sub(1) * b.batches + b.batch) as f64 / (info.epochs * b.batches).max(1) as f64;
                    format!("training {}/{} · {:.0}%", b.epoch, info.epochs, done * 100.0)
                }
                _ => "starting".into(),
            }
        };
        spans.push(Span::styled(format!("  {}", t.text(&state)), t.focused()));
    }
    // Saves, reports and scans run off the UI thread; say that something is still being written.
    if app.handin().building {
        spans.push(Span::styled(t.text("  making the hand-in…"), t.focused()));
    } else if app.pending > 0 {
        spans.push(Span::styled(t.text("  writing…"), t.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn render_footer(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut spans = Vec::new();
    let hints: Vec<(&str, &str)> = if app.note.is_some() {
        keys::NOTE_HINTS.to_vec()
    } else if app.handin.open {
        keys::FORM_HINTS.to_vec()
    } else if app.form.editing.is_some() && app.view == View::Setup {
        keys::EDIT_HINTS.to_vec()
    } else {
        // Help and quit first: they must survive a narrow footer.
        let first = |b: &&keys::Binding| matches!(b.action, keys::Action::Help | keys::Action::Quit);
        let all = || keys::bindings_for(app.view).filter(|b| !b.footer.is_empty());
        all().filter(first).chain(all().filter(|b| !first(b))).map(|b| (b.keys, b.footer)).collect()
    };
    // Whole hints only: one that does not fit is left out rather than cut mid-word (? lists them all).
    let mut room = area.width as usize;
    for (k, h) in hints {
        let (key, hint) = (t.text(k), format!(" {h}  "));
        let w = key.chars().count() + hint.trim_end().chars().count();
        if w > room {
            break;
        }
        room = room.saturating_sub(w + 2);
        spans.push(Span::styled(key, t.key()));
        spans.push(Span::styled(hint, t.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
