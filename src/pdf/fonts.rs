//! The report's faces, bundled (DejaVu Sans regular, bold, oblique and mono, subset: see
//! assets/fonts/README.md) so a PDF looks the same on a machine with no fonts, and the text widths the
//! layout breaks lines by.

use std::collections::HashMap;

use skrifa::instance::{LocationRef, Size};
use skrifa::MetadataProvider;

/// A face of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Face {
    Regular,
    Bold,
    Italic,
    Mono,
}

const FACES: [Face; 4] = [Face::Regular, Face::Bold, Face::Italic, Face::Mono];

fn bytes(face: Face) -> &'static [u8] {
    match face {
        Face::Regular => include_bytes!("../../assets/fonts/DejaVuSans-subset.ttf"),
        Face::Bold => include_bytes!("../../assets/fonts/DejaVuSans-Bold-subset.ttf"),
        Face::Italic => include_bytes!("../../assets/fonts/DejaVuSans-Oblique-subset.ttf"),
        Face::Mono => include_bytes!("../../assets/fonts/DejaVuSansMono-subset.ttf"),
    }
}

/// One face: the font krilla embeds, and each character's glyph and advance at 1 pt (the layout
/// measures with these advances and the PDF places glyphs by them, so what is measured is what is
/// drawn; no shaping engine is needed for Latin text without ligatures).
struct Loaded {
    font: krilla::text::Font,
    advance: HashMap<char, f32>,
    glyph: HashMap<char, u32>,
}

/// The four faces, loaded once per PDF.
pub struct Fonts {
    faces: Vec<Loaded>,
}

impl Fonts {
    pub fn load() -> anyhow::Result<Fonts> {
        let mut faces = Vec::new();
        for face in FACES {
            let data = bytes(face);
            let font = krilla::text::Font::new(data.into(), 0).ok_or_else(|| anyhow::anyhow!("the bundled {face:?} font cannot be read"))?;
            let f = skrifa::FontRef::new(data).map_err(|e| anyhow::anyhow!("the bundled {face:?} font: {e}"))?;
            let metrics = f.glyph_metrics(Size::new(1.0), LocationRef::default());
            let (mut advance, mut glyphs) = (HashMap::new(), HashMap::new());
            for (code, glyph) in f.charmap().mappings() {
                if let (Some(c), Some(w)) = (char::from_u32(code), metrics.advance_width(glyph)) {
                    advance.insert(c, w);
                    glyphs.insert(c, glyph.to_u32());
                }
            }
            faces.push(Loaded { font, advance, glyph: glyphs });
        }
        Ok(Fonts { faces })
    }

    fn face(&self, face: Face) -> &Loaded {
        &self.faces[FACES.iter().position(|f| *f == face).unwrap_or(0)]
    }

    pub fn font(&self, face: Face) -> krilla::text::Font {
        self.face(face).font.clone()
    }

    /// `text` with every character the face lacks shown as `?` (and tabs as spaces), so no glyph
    /// is drawn as an empty box and the widths measured are the widths drawn.
    pub fn printable(&self, face: Face, text: &str) -> String {
        let known = &self.face(face).advance;
        text.chars()
            .map(|c| match c {
                '\t' => ' ',
                // Line breaks are the layout's to act on.
                '\n' => '\n',
                c if known.contains_key(&c) => c,
                _ => '?',
            })
            .collect()
    }

    /// The glyphs of `text` (printable) for krilla, each with the advance [`Fonts::width`] measures and
    /// the text it stands for, so the PDF's text can be extracted as written.
    pub fn glyphs(&self, face: Face, text: &str) -> Vec<krilla::text::KrillaGlyph> {
        let f = self.face(face);
        let q = (f.glyph.get(&'?').copied().unwrap_or(0), f.advance.get(&'?').copied().unwrap_or(0.6));
        text.char_indices()
            .map(|(i, c)| {
                let (id, adv) = match (f.glyph.get(&c), f.advance.get(&c)) {
                    (Some(&g), Some(&a)) => (g, a),
                    _ => q,
                };
                krilla::text::KrillaGlyph::new(krilla::text::GlyphId::new(id), adv, 0.0, 0.0, 0.0, i..i + c.len_utf8(), None)
            })
            .collect()
    }

    /// Width in pt of `text` (printable) at `size` pt.
    pub fn width(&self, face: Face, size: f32, text: &str) -> f32 {
        let adv = &self.face(face).advance;
        let q = adv.get(&'?').copied().unwrap_or(0.6);
        text.chars().map(|c| adv.get(&c).copied().unwrap_or(q)).sum::<f32>() * size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_grow_with_text_and_size_and_bold_is_wider() {
        let f = Fonts::load().unwrap();
        let w = f.width(Face::Regular, 10.0, "precision");
        assert!(w > 30.0 && w < 60.0, "{w}");
        assert!((f.width(Face::Regular, 20.0, "precision") - 2.0 * w).abs() < 1e-3);
        assert!(f.width(Face::Bold, 10.0, "precision") > w);
        // Mono: every character the same width.
        assert!((f.width(Face::Mono, 10.0, "iiii") - f.width(Face::Mono, 10.0, "WWWW")).abs() < 1e-3);
    }

    #[test]
    fn characters_outside_the_subset_become_question_marks() {
        let f = Fonts::load().unwrap();
        assert_eq!(f.printable(Face::Regular, "784 → 128 ± é"), "784 → 128 ± é");
        assert_eq!(f.printable(Face::Regular, "σ 数"), "? ?");
    }
}
