//! Every style and glyph the dashboard draws with, in one place: colors carry meaning (confusion heat,
//! the diagonal, errors), so `NO_COLOR` and `--ascii` are decided here and nowhere else.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::{bar, border, Marker};

pub use super::colors::ColorDepth;

/// How the terminal may be drawn on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// False when `NO_COLOR` is set: meaning is then carried by bold/reverse only.
    pub color: bool,
    /// Plain ASCII glyphs only (no blocks, arrows or box lines).
    pub ascii: bool,
    /// What the terminal can show; every frame is drawn down to it.
    pub depth: ColorDepth,
}

/// Off-diagonal heat, light (few errors) to dark red (the most frequent error).
const HEAT: [u8; 6] = [229, 222, 215, 209, 203, 160];
/// The diagonal (correct predictions) has a color of its own, outside the heat scale.
pub const DIAGONAL_BG: Color = Color::Indexed(29);

const ASCII_BORDER: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

const ASCII_BARS: bar::Set = bar::Set {
    full: "#",
    seven_eighths: "#",
    three_quarters: "*",
    five_eighths: "=",
    half: "=",
    three_eighths: "-",
    one_quarter: "-",
    one_eighth: ".",
    empty: " ",
};

impl Theme {
    /// Colors unless `NO_COLOR` is set to anything non-empty (<https://no-color.org>).
    pub fn from_env(ascii: bool) -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme { color: !no_color, ascii, depth: ColorDepth::from_env() }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn key(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray)
    }
    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn good(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    pub fn focused(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    /// A confusion-matrix cell on the diagonal (correct predictions).
    pub fn diagonal(&self) -> Style {
        if self.color {
            Style::new().bg(DIAGONAL_BG).fg(Color::White).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }
    /// An off-diagonal cell holding `share` of the largest off-diagonal count (0 = no errors).
    pub fn heat(&self, share: f64) -> Style {
        if share <= 0.0 {
            return self.dim();
        }
        if !self.color {
            return Style::new().add_modifier(if share >= 0.5 { Modifier::UNDERLINED } else { Modifier::empty() });
        }
        let i = ((share * HEAT.len() as f64).ceil() as usize).clamp(1, HEAT.len()) - 1;
        Style::new().bg(Color::Indexed(HEAT[i])).fg(Color::Black)
    }
    /// A value where this run does better than the one it is compared with.
    pub fn better(&self) -> Style {
        if self.color {
            Style::new().bg(Color::Green).fg(Color::Black).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }
    /// A value where this run does worse than the one it is compared with.
    pub fn worse(&self) -> Style {
        if self.color {
            Style::new().bg(Color::Red).fg(Color::White).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
    pub fn heat_colors() -> impl Iterator<Item = Color> {
        HEAT.iter().map(|&i| Color::Indexed(i))
    }

    pub fn border(&self) -> border::Set<'static> {
        if self.ascii {
            ASCII_BORDER
        } else {
            border::ROUNDED
        }
    }
    pub fn bars(&self) -> bar::Set<'static> {
        if self.ascii {
            ASCII_BARS
        } else {
            bar::NINE_LEVELS
        }
    }
    pub fn marker(&self) -> Marker {
        if self.ascii {
            Marker::Custom('*')
        } else {
            Marker::Braille
        }
    }
    /// (filled, empty) gauge cells.
    pub fn gauge_cells(&self) -> (&'static str, &'static str) {
        if self.ascii {
            ("#", "-")
        } else {
            ("█", "░")
        }
    }
    pub fn arrow(&self) -> &'static str {
        if self.ascii {
            "->"
        } else {
            "→"
        }
    }
    /// Text from elsewhere (architecture strings, reasons) made safe for ASCII mode.
    pub fn text(&self, s: &str) -> String {
        if self.ascii {
            s.replace('→', "->").replace('–', "-").replace('≥', ">=").replace('≤', "<=").replace('·', "|").replace('—', "-").replace('…', "...").replace('←', "<-").replace('↑', "^").replace('↓', "v").replace('▲', "^").replace('▼', "v").replace('±', "+/-").replace('×', "x")
        } else {
            s.to_string()
        }
    }
    /// The Runs view's marks: (chosen for the hand-in, has a note).
    pub fn marks(&self) -> (&'static str, &'static str) {
        if self.ascii {
            ("+", "*")
        } else {
            ("✓", "✎")
        }
    }
    pub fn sep(&self) -> &'static str {
        if self.ascii {
            " | "
        } else {
            " · "
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heat_rises_with_share_and_never_uses_the_diagonal_color() {
        let t = Theme { color: true, ascii: false, depth: ColorDepth::TrueColor };
        assert_eq!(t.heat(0.01).bg, Some(Color::Indexed(HEAT[0])));
        assert_eq!(t.heat(1.0).bg, Some(Color::Indexed(HEAT[5])));
        assert_eq!(t.heat(0.0).bg, None);
        assert!(Theme::heat_colors().all(|c| c != DIAGONAL_BG));
        let plain = Theme { color: false, ascii: true, depth: ColorDepth::TrueColor };
        assert_eq!((plain.diagonal().bg, plain.heat(1.0).bg), (None, None));
        assert_eq!(plain.text("784 → 10"), "784 -> 10");
    }
}
