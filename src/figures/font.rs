//! Text for the report's PNGs, from a font compiled into the binary, so a chart renders the same on a
//! machine with no fonts installed. The font is a subset of DejaVu Sans (Latin-1, dashes, quotes,
//! arrows, ≤ ≥); see `assets/fonts/README.md` for its licence and how the subset was made.

use std::sync::OnceLock;

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};

static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-subset.ttf");

fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).expect("the bundled font parses"))
}

/// One line of text as anti-aliased coverage (0 = paper, 255 = ink), `height` covering the font's
/// ascent and descent, so lines of the same size stack evenly whatever their letters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mask {
    pub width: usize,
    pub height: usize,
    pub coverage: Vec<u8>,
}

impl Mask {
    pub fn get(&self, x: usize, y: usize) -> u8 {
        self.coverage[y * self.width + x]
    }

    /// The mask turned a quarter turn counter-clockwise (for a vertical axis label read bottom-up).
    pub fn rotated_ccw(&self) -> Mask {
        let (w, h) = (self.height, self.width);
        let mut coverage = vec![0; w * h];
        for y in 0..h {
            for x in 0..w {
                coverage[y * w + x] = self.get(self.width - 1 - y, x);
            }
        }
        Mask { width: w, height: h, coverage }
    }
}

/// Renders `text` at `px` pixels per em. Characters outside the bundled subset are drawn as `?`.
/// Glyphs are placed from x = 0 whatever the caller's position, so the same text always gives the same
/// pixels (the confusion-matrix test relies on it).
pub fn text_mask(text: &str, px: f32) -> Mask {
    let font = font();
    let scaled = font.as_scaled(PxScale::from(px));
    let ascent = scaled.ascent();
    let height = (ascent - scaled.descent()).ceil().max(1.0) as usize;
    let fallback = font.glyph_id('?');
    let mut glyphs = Vec::new();
    let mut caret = 0.0f32;
    let mut previous = None;
    for c in text.chars() {
        let mut id = font.glyph_id(c);
        if id.0 == 0 && !c.is_whitespace() {
            id = fallback;
        }
        if let Some(p) = previous {
            caret += scaled.kern(p, id);
        }
        glyphs.push(id.with_scale_and_position(px, point(caret, ascent)));
        caret += scaled.h_advance(id);
        previous = Some(id);
    }
    let width = caret.ceil().max(1.0) as usize;
    let mut coverage = vec![0u8; width * height];
    for g in glyphs {
        let Some(outlined) = font.outline_glyph(g) else { continue };
        let b = outlined.px_bounds();
        outlined.draw(|x, y, c| {
            let (px, py) = (b.min.x as i64 + x as i64, b.min.y as i64 + y as i64);
            if px >= 0 && py >= 0 && (px as usize) < width && (py as usize) < height {
                let cell = &mut coverage[py as usize * width + px as usize];
                *cell = cell.saturating_add((c.clamp(0.0, 1.0) * 255.0).round() as u8);
            }
        });
    }
    Mask { width, height, coverage }
}

/// Width in pixels that `text` takes at `px`.
pub fn text_width(text: &str, px: f32) -> usize {
    text_mask(text, px).width
}

/// `text` shortened with a trailing `…` until it fits in `max_width` pixels at `px`.
pub fn fit(text: &str, px: f32, max_width: usize) -> String {
    if text_width(text, px) <= max_width {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len())
        .rev()
        .map(|n| format!("{}…", chars[..n].iter().collect::<String>()))
        .find(|t| text_width(t, px) <= max_width)
        .unwrap_or_else(|| "…".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_has_ink_and_grows_with_its_length() {
        let one = text_mask("8", 20.0);
        let three = text_mask("888", 20.0);
        assert!(one.coverage.contains(&255), "a digit has solid ink");
        assert_eq!(one.height, three.height);
        assert!(three.width >= 3 * one.width - 2);
        assert_ne!(text_mask("17", 20.0), text_mask("71", 20.0));
    }

    #[test]
    fn arrows_are_in_the_subset_and_unknown_characters_fall_back() {
        assert_ne!(text_mask("→", 20.0), text_mask("?", 20.0));
        assert_eq!(text_mask("字", 20.0), text_mask("?", 20.0));
    }

    #[test]
    fn long_text_is_shortened_to_fit() {
        assert_eq!(fit("short", 14.0, 500), "short");
        let long = "a-very-long-run-directory-name-for-a-sweep";
        let f = fit(long, 14.0, 120);
        assert!(f.ends_with('…') && text_width(&f, 14.0) <= 120 && long.starts_with(f.trim_end_matches('…')), "{f}");
    }

    #[test]
    fn rotation_swaps_the_sides() {
        let m = text_mask("ab", 16.0);
        let r = m.rotated_ccw();
        assert_eq!((r.width, r.height), (m.height, m.width));
        // The text's first column becomes the bottom row.
        assert_eq!(r.get(3, r.height - 1), m.get(0, 3));
    }
}
