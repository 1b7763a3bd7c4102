//! Reusable pieces drawn by several views.

pub mod confusion;
pub mod shaded;

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::theme::Theme;
use crate::train::diagnostics::Diagnostics;

/// A bordered panel with a title, in the theme's border glyphs.
pub fn panel<'a>(title: impl Into<Line<'a>>, theme: &Theme) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_set(theme.border())
        .border_style(theme.dim())
        .title(title.into().style(theme.title()))
}

/// A panel holding only a sentence: what a view says before it has anything to show.
pub fn notice<'a>(title: &'a str, text: &'a str, theme: &Theme) -> Paragraph<'a> {
    Paragraph::new(text).wrap(Wrap { trim: true }).block(panel(title, theme))
}

/// `label [█████░░░░░] text` sized to `width` columns.
pub fn gauge_line<'a>(label: &str, ratio: f64, text: String, width: u16, theme: &Theme) -> Line<'a> {
    let (full, empty) = theme.gauge_cells();
    let fixed = label.chars().count() + text.chars().count() + 4;
    let bar = (width as usize).saturating_sub(fixed);
    let filled = ((ratio.clamp(0.0, 1.0) * bar as f64).round() as usize).min(bar);
    Line::from(vec![
        Span::styled(format!("{label} "), theme.title()),
        Span::raw("["),
        Span::styled(full.repeat(filled), theme.good()),
        Span::styled(empty.repeat(bar - filled), theme.dim()),
        Span::raw("] "),
        Span::raw(text),
    ])
}

/// `s` cut to `width` characters, its end replaced by an ellipsis when cut.
pub fn fit(s: &str, width: usize, theme: &Theme) -> String {
    let dots = if theme.ascii { "..." } else { "…" };
    let n = dots.chars().count();
    if s.chars().count() <= width || width <= n {
        return s.chars().take(width).collect();
    }
    s.chars().take(width - n).chain(dots.chars()).collect()
}

/// The last `width` characters of `s` (what is being typed at its end stays in view).
pub fn tail(s: &str, width: usize) -> String {
    let n = s.chars().count();
    s.chars().skip(n.saturating_sub(width)).collect()
}

/// A `w`x`h` rectangle centred in `area` (clipped to it).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

/// `1:23` or `1:02:03`.
pub fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// Beginner diagnostics: one line of figures, then each finding as a sentence.
pub fn diagnostics_lines<'a>(d: &Diagnostics, t: &Theme) -> Vec<Line<'a>> {
    let mut figures = vec![
        Span::styled("diagnostics ", t.title()),
        Span::raw(format!("train - test gap {:+.2} points", d.train_test_gap_points)),
    ];
    if let Some(u) = &d.units {
        figures.push(Span::raw(format!(
            "{}{} first-layer units {} of {} ({:.0}%)",
            t.sep(),
            u.kind,
            u.count,
            u.total,
            u.count as f64 / u.total.max(1) as f64 * 100.0,
        )));
    }
    if d.notes.is_empty() {
        figures.push(Span::styled(format!("{}nothing to worry about", t.sep()), t.good()));
    }
    let mut lines = vec![Line::from(figures)];
    for note in &d.notes {
        lines.push(Line::from(Span::styled(format!("! {}", t.text(note)), t.focused())));
    }
    lines
}

/// Rows `lines` take when wrapped to `width` columns (word wrapping may need a little more; callers
/// leave a spare row).
pub fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let w = width.max(1) as usize;
    lines.iter().map(|l| l.width().max(1).div_ceil(w) as u16).sum()
}
