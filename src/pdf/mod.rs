//! Markdown → PDF, without any program outside digitlab: the text is read into blocks (`markdown`),
//! laid out on pages (`layout`, ours: wrapping, tables that fit, pictures that fit) and written by krilla
//! with the bundled fonts embedded (subset), so the text can be selected, searched and extracted.
//! Every page gets "title · page n of N" at its foot; headings become the PDF's outline.

pub mod fonts;
pub mod layout;
pub mod markdown;

use anyhow::{anyhow, Result};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::outline::{Outline, OutlineNode};
use krilla::destination::XyzDestination;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::Document;

use fonts::{Face, Fonts};
use layout::{Color, Geometry, Item, MUTED};

/// Page size of the PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, strum::EnumString, strum::Display)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase", ascii_case_insensitive)]
pub enum Paper {
    #[default]
    A4,
    Letter,
}

impl Paper {
    /// The page in pt with 20 mm margins (A4 210 × 297 mm, Letter 8.5 × 11 in).
    pub fn geometry(self) -> Geometry {
        let (width, height) = match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        };
        Geometry { width, height, margin: 56.7 }
    }
}

/// What goes around the text.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub paper: Paper,
    /// The document's title (its metadata, and the foot of every page).
    pub title: String,
    pub authors: Vec<String>,
    /// "digitlab 0.1.0", recorded as the PDF's creator.
    pub creator: String,
}

/// A written PDF and what it holds.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub pages: usize,
    /// Pictures drawn (each file once, however often it is shown).
    pub pictures: usize,
    /// Pictures the text names that could not be shown, with why.
    pub missing: Vec<String>,
    /// The smallest type a table was set in, when one had to shrink.
    pub smallest_table_size: Option<f32>,
}

/// Largest picture accepted, in pixels: a 50-megapixel photo, far beyond any figure digitlab draws.
const MAX_PIXELS: u64 = 50_000_000;

fn color((r, g, b): Color) -> rgb::Color {
    rgb::Color::new(r, g, b)
}

fn fill(c: Color) -> Option<Fill> {
    Some(Fill { paint: color(c).into(), ..Fill::default() })
}

fn draw(s: &mut Surface, fonts: &Fonts, item: &Item, pictures: &[Image]) {
    match item {
        Item::Text { x, y, size, face, color: c, text } => {
            s.set_fill(fill(*c));
            s.draw_glyphs(Point::from_xy(*x, *y), &fonts.glyphs(*face, text), fonts.font(*face), text, *size, false);
        }
        Item::Rect { x, y, w, h, fill: f, stroke } => {
            let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else { return };
            let mut pb = PathBuilder::new();
            pb.push_rect(rect);
            let Some(path) = pb.finish() else { return };
            s.set_fill(f.and_then(fill));
            s.set_stroke(stroke.map(|(c, width)| Stroke { paint: color(c).into(), width, ..Stroke::default() }));
            s.draw_path(&path);
            s.set_stroke(None);
        }
        Item::Line { from, to, width, color: c } => {
            let mut pb = PathBuilder::new();
            pb.move_to(from.0, from.1);
            pb.line_to(to.0, to.1);
            let Some(path) = pb.finish() else { return };
            s.set_fill(None);
            s.set_stroke(Some(Stroke { paint: color(*c).into(), width: *width, ..Stroke::default() }));
            s.draw_path(&path);
            s.set_stroke(None);
        }
        Item::Picture { x, y, w, h, index } => {
            if let (Some(img), Some(size)) = (pictures.get(*index), Size::from_wh(*w, *h)) {
                s.push_transform(&Transform::from_translate(*x, *y));
                s.draw_image(img.clone(), size);
                s.pop();
            }
        }
    }
}

/// Decodes a picture's header: PNG or JPEG, at most [`MAX_PIXELS`].
fn picture(bytes: Vec<u8>) -> Result<Image> {
    let jpeg = bytes.starts_with(&[0xFF, 0xD8]);
    let img = if jpeg { Image::from_jpeg(bytes.into(), true) } else { Image::from_png(bytes.into(), true) }
        .map_err(|e| anyhow!("not a PNG or JPEG picture krilla can read ({e})"))?;
    let (w, h) = img.size();
    if w as u64 * h as u64 > MAX_PIXELS {
        return Err(anyhow!("{w}x{h} pixels, more than the {MAX_PIXELS} a report picture may have"));
    }
    Ok(img)
}

/// The PDF of `markdown`. `load` gives a picture's bytes by the path the text names (relative to the
/// report); a picture that cannot be loaded or read is shown as a visible note and listed in
/// [`Rendered::missing`], never an error: the rest of the report is still worth having.
pub fn render(markdown: &str, load: &dyn Fn(&str) -> Result<Vec<u8>>, opts: &Options) -> Result<Rendered> {
    let fonts = Fonts::load()?;
    let geo = opts.paper.geometry();
    let blocks = markdown::parse(markdown);
    // Each named picture decoded once; its number is its place in `pictures`.
    let mut pictures: Vec<Image> = Vec::new();
    let mut known: Vec<(String, Option<usize>)> = Vec::new();
    let mut missing = Vec::new();
    for b in &blocks {
        if let markdown::Block::Image { src, .. } = b {
            if known.iter().any(|(s, _)| s == src) {
                continue;
            }
            match load(src).and_then(picture) {
                Ok(img) => {
                    known.push((src.clone(), Some(pictures.len())));
                    pictures.push(img);
                }
                Err(e) => {
                    known.push((src.clone(), None));
                    missing.push(format!("{src}: {e:#}"));
                }
            }
        }
    }
    let lookup = |src: &str| -> Option<layout::PictureInfo> {
        let (_, index) = known.iter().find(|(s, _)| s == src)?;
        let i = (*index)?;
        let (w, h) = pictures[i].size();
        Some((i, w, h))
    };
    let laid = layout::layout(&fonts, geo, &blocks, &lookup);

    let mut doc = Document::new();
    let total = laid.pages.len();
    let foot_title = fonts.printable(Face::Regular, &opts.title);
    for (n, page) in laid.pages.iter().enumerate() {
        let settings = PageSettings::from_wh(geo.width, geo.height).ok_or_else(|| anyhow!("page size {}x{} pt", geo.width, geo.height))?;
        let mut p = doc.start_page_with(settings);
        let mut s = p.surface();
        for item in &page.items {
            draw(&mut s, &fonts, item, &pictures);
        }
        // The foot: title on the left, page n of N on the right, under a thin rule.
        let y = geo.height - geo.margin / 2.0;
        let number = format!("page {} of {total}", n + 1);
        let size = 8.0;
        let right = geo.width - geo.margin - fonts.width(Face::Regular, size, &number);
        let mut foot = vec![Item::Text { x: right, y, size, face: Face::Regular, color: MUTED, text: number }];
        if !foot_title.is_empty() {
            let mut t = foot_title.clone();
            while fonts.width(Face::Regular, size, &t) > right - geo.margin - 12.0 && t.chars().count() > 1 {
                t.pop();
                t = format!("{}…", t.trim_end_matches('…'));
            }
            foot.push(Item::Text { x: geo.margin, y, size, face: Face::Regular, color: MUTED, text: t });
        }
        for item in &foot {
            draw(&mut s, &fonts, item, &pictures);
        }
        s.finish();
        p.finish();
    }
    let mut outline = Outline::new();
    // Level-1 headings at the top, level 2 under the one before (level 3+ stay out: a long list).
    let mut top: Vec<OutlineNode> = Vec::new();
    for h in &laid.headings {
        let node = OutlineNode::new(h.text.clone(), XyzDestination::new(h.page, Point::from_xy(geo.margin, h.y)));
        match (h.level, top.last_mut()) {
            (1, _) | (2, None) => top.push(node),
            (2, Some(parent)) => parent.push_child(node),
            _ => {}
        }
    }
    for node in top {
        outline.push_child(node);
    }
    doc.set_outline(outline);
    let mut meta = Metadata::new().creator(opts.creator.clone()).producer(format!("{} (krilla)", opts.creator));
    if !opts.title.is_empty() {
        meta = meta.title(opts.title.clone());
    }
    if !opts.authors.is_empty() {
        meta = meta.authors(opts.authors.clone());
    }
    doc.set_metadata(meta);
    let bytes = doc.finish().map_err(|e| anyhow!("the PDF could not be written: {e:?}"))?;
    Ok(Rendered { bytes, pages: total, pictures: pictures.len(), missing, smallest_table_size: laid.smallest_table_size })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_becomes_a_pdf_with_its_pictures_and_pages() {
        let png = crate::figures::canvas::Canvas::new(300, 200, crate::figures::canvas::Rgb(200, 30, 30)).png().unwrap();
        let md = "# Lab report\n\nSome text.\n\n![a chart](fig.png)\n\n<!-- new page -->\n\n## Second\n\n![again](fig.png)\n\n![absent](none.png)\n";
        let load = |src: &str| if src == "fig.png" { Ok(png.clone()) } else { Err(anyhow!("no such file")) };
        let r = render(md, &load, &Options { title: "Lab".into(), creator: "digitlab test".into(), ..Options::default() }).unwrap();
        assert!(r.bytes.starts_with(b"%PDF-"));
        assert_eq!(r.pages, 2);
        assert_eq!(r.pictures, 1, "one file shown twice is embedded once");
        assert_eq!(r.missing.len(), 1);
        assert!(r.missing[0].starts_with("none.png: no such file"), "{:?}", r.missing);
    }

    #[test]
    fn a_damaged_picture_is_named_not_fatal() {
        let load = |_: &str| Ok(b"\x89PNG\r\n\x1a\nbroken".to_vec());
        let r = render("![x](bad.png)\n", &load, &Options::default()).unwrap();
        assert_eq!(r.pictures, 0);
        assert!(r.missing[0].starts_with("bad.png: not a PNG or JPEG"), "{:?}", r.missing);
    }

    #[test]
    fn letter_is_wider_and_shorter_than_a4() {
        let (a4, letter) = (Paper::A4.geometry(), Paper::Letter.geometry());
        assert!(letter.width > a4.width && letter.height < a4.height);
        assert_eq!("letter".parse::<Paper>().unwrap(), Paper::Letter);
        assert_eq!(Paper::A4.to_string(), "a4");
    }
}
