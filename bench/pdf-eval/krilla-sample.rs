// krilla 0.8 sample: low-level surface API (top-left origin, y down), manual layout.
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::Document;
use skrifa::{instance::{LocationRef, Size as FSize}, MetadataProvider};

const FONT: &[u8] = include_bytes!("/tmp/pdfeval/assets/DejaVuSans-subset.ttf");
const PNG: &[u8] = include_bytes!("/tmp/pdfeval/assets/curves.png");
const TEXT: &str = "The network reached 97.84 % ± 0.12 test accuracy → see the curves below. \
    Café, naïve, résumé: Latin-1 text must survive the round trip to pdftotext. \
    Training used plain SGD with a learning rate of 0.1 for ten epochs on 60 000 images.";
const PAGE_W: f32 = 595.28; // A4 in pt
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 56.7; // 20 mm

/// Text width in pt (advance widths via skrifa; krilla has no public measuring API).
fn width(s: &str, size: f32) -> f32 {
    let f = skrifa::FontRef::new(FONT).unwrap();
    let (cmap, gm) = (f.charmap(), f.glyph_metrics(FSize::new(size), LocationRef::default()));
    s.chars().filter_map(|c| cmap.map(c)).filter_map(|g| gm.advance_width(g)).sum()
}

fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let cur = lines.last_mut().unwrap();
        let cand = if cur.is_empty() { word.to_string() } else { format!("{cur} {word}") };
        if width(&cand, size) > max && !cur.is_empty() { lines.push(word.to_string()) } else { *cur = cand }
    }
    lines
}

struct Cursor { y: f32, font: Font }
impl Cursor {
    fn text(&self, s: &mut Surface, x: f32, y: f32, size: f32, t: &str) {
        s.draw_text(Point::from_xy(x, y), self.font.clone(), size, t, false, TextDirection::Auto);
    }
    fn para(&mut self, s: &mut Surface, t: &str, size: f32, gap_after: f32) {
        for line in wrap(t, size, PAGE_W - 2.0 * MARGIN) {
            self.y += size * 1.25;
            self.text(s, MARGIN, self.y, size, &line);
        }
        self.y += gap_after;
    }
    fn footer(&self, s: &mut Surface, n: usize, total: usize) {
        let t = format!("Page {n} of {total}");
        self.text(s, (PAGE_W - width(&t, 9.0)) / 2.0, PAGE_H - 30.0, 9.0, &t);
    }
}

fn stroke_rect(s: &mut Surface, x: f32, y: f32, w: f32, h: f32) {
    let mut pb = PathBuilder::new();
    pb.push_rect(Rect::from_xywh(x, y, w, h).unwrap());
    s.set_fill(None);
    s.set_stroke(Some(Stroke { paint: rgb::Color::black().into(), width: 0.5, ..Default::default() }));
    s.draw_path(&pb.finish().unwrap());
    s.set_stroke(None);
    s.set_fill(Some(Fill::default()));
}

fn main() {
    let font = Font::new(FONT.to_vec().into(), 0).expect("font");
    let mut doc = Document::new();
    let a4 = || PageSettings::from_wh(PAGE_W, PAGE_H).unwrap();

    // ---- page 1
    let mut page = doc.start_page_with(a4());
    let mut s = page.surface();
    let mut c = Cursor { y: MARGIN, font: font.clone() };
    c.para(&mut s, "digitlab lab report — run n64", 20.0, 10.0);
    c.para(&mut s, "1. Results", 14.0, 2.0);
    c.para(&mut s, TEXT, 10.0, 12.0);

    let widths = [40.0, 90.0, 90.0, 90.0, 90.0, 81.9];
    let (row_h, size, pad) = (16.0, 10.0, 4.0);
    let mut rows = vec![["epoch", "train loss", "train acc", "test loss", "test acc", "lr"].map(String::from).to_vec()];
    for e in 1..=10 {
        let x = e as f64;
        rows.push(vec![format!("{e}"), format!("{:.4}", 0.9 / x), format!("{:.2} %", 90.0 + x * 0.78),
            format!("{:.4}", 0.95 / x + 0.01), format!("{:.2} %", 89.5 + x * 0.83), format!("{:.3}", 0.1)]);
    }
    for row in &rows {
        let mut x = MARGIN;
        for (cell, w) in row.iter().zip(widths) {
            stroke_rect(&mut s, x, c.y, w, row_h);
            c.text(&mut s, x + w - pad - width(cell, size), c.y + row_h - 4.5, size, cell);
            x += w;
        }
        c.y += row_h;
    }
    c.footer(&mut s, 1, 2);
    s.finish();
    page.finish();

    // ---- page 2: figure scaled to the text width
    let mut page = doc.start_page_with(a4());
    let mut s = page.surface();
    let mut c = Cursor { y: MARGIN, font: font.clone() };
    c.para(&mut s, "2. Training curves", 14.0, 8.0);
    let img = Image::from_png(PNG.to_vec().into(), true).expect("png");
    let (iw, ih) = img.size();
    let w = PAGE_W - 2.0 * MARGIN;
    let h = w * ih as f32 / iw as f32;
    s.push_transform(&Transform::from_translate(MARGIN, c.y));
    s.draw_image(img, Size::from_wh(w, h).unwrap());
    s.pop();
    c.y += h + 4.0;
    c.para(&mut s, "Figure 1: loss and accuracy per epoch → converged after epoch 7.", 10.0, 0.0);
    c.footer(&mut s, 2, 2);
    s.finish();
    page.finish();

    let pdf = doc.finish().expect("pdf");
    std::fs::write("/tmp/pdfeval/krilla/out.pdf", pdf).unwrap();
}
