//! How many colors the terminal shows, and drawing down to them: the views draw with the full theme,
//! then one pass over the frame maps each color to the nearest the terminal has, so no view needs to
//! know (and a 16-color xterm never receives 24-bit color codes it would print as garbage).

use ratatui::buffer::Buffer;
use ratatui::style::Color;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorDepth {
    /// 24-bit color (`COLORTERM=truecolor` or `24bit`).
    TrueColor,
    /// The 256-color palette (`TERM=…-256color`).
    Ansi256,
    /// The 16 basic colors (any other terminal, e.g. `TERM=xterm`, `TERM=linux`, `TERM=screen`).
    Ansi16,
}

impl ColorDepth {
    /// From `COLORTERM` and `TERM`, as terminals announce themselves (tmux passes both through).
    pub fn detect(colorterm: Option<&str>, term: Option<&str>) -> ColorDepth {
        let colorterm = colorterm.unwrap_or("").to_ascii_lowercase();
        let term = term.unwrap_or("").to_ascii_lowercase();
        if colorterm == "truecolor" || colorterm == "24bit" || term.contains("direct") {
            ColorDepth::TrueColor
        } else if term.contains("256color") {
            ColorDepth::Ansi256
        } else {
            ColorDepth::Ansi16
        }
    }

    pub fn from_env() -> ColorDepth {
        let var = |k| std::env::var(k).ok();
        ColorDepth::detect(var("COLORTERM").as_deref(), var("TERM").as_deref())
    }

    /// `c` as this depth can show it.
    pub fn map(self, c: Color) -> Color {
        match (self, c) {
            (ColorDepth::TrueColor, c) => c,
            (ColorDepth::Ansi256, Color::Rgb(r, g, b)) => Color::Indexed(nearest_256(r, g, b)),
            (ColorDepth::Ansi16, Color::Rgb(r, g, b)) => nearest_16(r, g, b),
            (ColorDepth::Ansi16, Color::Indexed(i)) if i >= 16 => {
                let (r, g, b) = rgb_of_index(i);
                nearest_16(r, g, b)
            }
            (_, c) => c,
        }
    }

    /// Maps every cell of a drawn frame.
    pub fn apply(self, buf: &mut Buffer) {
        if self == ColorDepth::TrueColor {
            return;
        }
        for cell in buf.content.iter_mut() {
            cell.fg = self.map(cell.fg);
            cell.bg = self.map(cell.bg);
        }
    }
}

/// The xterm 6×6×6 cube's levels.
const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];

fn dist((r1, g1, b1): (u8, u8, u8), (r2, g2, b2): (u8, u8, u8)) -> u32 {
    let d = |a: u8, b: u8| (a as i32 - b as i32).pow(2) as u32;
    d(r1, r2) + d(g1, g2) + d(b1, b2)
}

/// The palette's RGB for index `i` (16–255: the cube, then the gray ramp).
fn rgb_of_index(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => BASIC[i as usize].1,
        16..=231 => {
            let k = i - 16;
            (LEVELS[(k / 36) as usize], LEVELS[(k / 6 % 6) as usize], LEVELS[(k % 6) as usize])
        }
        _ => {
            let v = 8 + 10 * (i - 232);
            (v, v, v)
        }
    }
}

fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    (16..=255u8).min_by_key(|&i| dist(rgb_of_index(i), (r, g, b))).unwrap_or(16)
}

/// The 16 basic colors with xterm's default RGB.
const BASIC: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

fn nearest_16(r: u8, g: u8, b: u8) -> Color {
    BASIC.iter().min_by_key(|(_, rgb)| dist(*rgb, (r, g, b))).map_or(Color::Reset, |(c, _)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_comes_from_colorterm_then_term() {
        assert_eq!(ColorDepth::detect(Some("truecolor"), Some("xterm")), ColorDepth::TrueColor);
        assert_eq!(ColorDepth::detect(None, Some("xterm-256color")), ColorDepth::Ansi256);
        assert_eq!(ColorDepth::detect(None, Some("screen-256color")), ColorDepth::Ansi256);
        assert_eq!(ColorDepth::detect(None, Some("xterm")), ColorDepth::Ansi16);
        assert_eq!(ColorDepth::detect(None, Some("linux")), ColorDepth::Ansi16);
    }

    #[test]
    fn colors_map_to_the_nearest_the_terminal_has() {
        assert_eq!(ColorDepth::Ansi256.map(Color::Rgb(255, 0, 0)), Color::Indexed(196));
        assert_eq!(ColorDepth::Ansi256.map(Color::Rgb(128, 128, 128)), Color::Indexed(244));
        assert_eq!(ColorDepth::Ansi256.map(Color::Indexed(29)), Color::Indexed(29));
        assert_eq!(ColorDepth::Ansi16.map(Color::Indexed(160)), Color::Red);
        assert_eq!(ColorDepth::Ansi16.map(Color::Rgb(250, 250, 250)), Color::White);
        assert_eq!(ColorDepth::Ansi16.map(Color::Cyan), Color::Cyan);
        for i in 16..=255u8 {
            assert!(!matches!(ColorDepth::Ansi16.map(Color::Indexed(i)), Color::Indexed(_) | Color::Rgb(..)));
        }
    }
}
