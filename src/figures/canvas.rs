//! An RGB picture to draw charts on: rectangles, anti-aliased lines and dots, text, grayscale tiles,
//! and PNG encoding. Coordinates are pixels from the top-left corner.

use anyhow::Result;

use super::font::{text_mask, Mask};
use crate::viz::GrayImage;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const WHITE: Rgb = Rgb(255, 255, 255);
    pub const BLACK: Rgb = Rgb(0, 0, 0);

    /// `self` moved towards `other` by `t` (0 = self, 1 = other).
    pub fn mix(self, other: Rgb, t: f64) -> Rgb {
        let t = t.clamp(0.0, 1.0);
        let m = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }

    /// Relative brightness, 0–255 (Rec. 601 weights), to choose dark or light text on a fill.
    pub fn luma(self) -> f64 {
        0.299 * self.0 as f64 + 0.587 * self.1 as f64 + 0.114 * self.2 as f64
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: usize,
    pub y: usize,
    pub w: usize,
    pub h: usize,
}

impl Rect {
    pub fn new(x: usize, y: usize, w: usize, h: usize) -> Rect {
        Rect { x, y, w, h }
    }
    pub fn right(&self) -> usize {
        self.x + self.w
    }
    pub fn bottom(&self) -> usize {
        self.y + self.h
    }
}

/// Where a text's box sits relative to the point given: its start, centre or end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Start,
    Center,
    End,
}

impl Align {
    fn offset(self, at: usize, size: usize) -> usize {
        match self {
            Align::Start => at,
            Align::Center => at.saturating_sub(size / 2),
            Align::End => at.saturating_sub(size),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canvas {
    pub width: usize,
    pub height: usize,
    /// RGB, row-major.
    pub pixels: Vec<u8>,
}

impl Canvas {
    pub fn new(width: usize, height: usize, fill: Rgb) -> Canvas {
        let pixels = [fill.0, fill.1, fill.2].repeat(width * height);
        Canvas { width, height, pixels }
    }

    pub fn get(&self, x: usize, y: usize) -> Rgb {
        let i = (y * self.width + x) * 3;
        Rgb(self.pixels[i], self.pixels[i + 1], self.pixels[i + 2])
    }

    /// Paints `color` over the pixel with opacity `alpha` (0–1); off-canvas pixels are ignored.
    pub fn blend(&mut self, x: i64, y: i64, color: Rgb, alpha: f64) {
        if x < 0 || y < 0 || x as usize >= self.width || y as usize >= self.height || alpha <= 0.0 {
            return;
        }
        let i = (y as usize * self.width + x as usize) * 3;
        let mixed = Rgb(self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]).mix(color, alpha);
        self.pixels[i..i + 3].copy_from_slice(&[mixed.0, mixed.1, mixed.2]);
    }

    pub fn fill_rect(&mut self, r: Rect, color: Rgb) {
        for y in r.y..r.bottom().min(self.height) {
            for x in r.x..r.right().min(self.width) {
                let i = (y * self.width + x) * 3;
                self.pixels[i..i + 3].copy_from_slice(&[color.0, color.1, color.2]);
            }
        }
    }

    /// A `width`-pixel frame drawn just inside `r`.
    pub fn stroke_rect(&mut self, r: Rect, width: usize, color: Rgb) {
        let w = width.min(r.w).min(r.h);
        self.fill_rect(Rect::new(r.x, r.y, r.w, w), color);
        self.fill_rect(Rect::new(r.x, r.bottom() - w, r.w, w), color);
        self.fill_rect(Rect::new(r.x, r.y, w, r.h), color);
        self.fill_rect(Rect::new(r.right() - w, r.y, w, r.h), color);
    }

    /// An anti-aliased segment `width` pixels thick with round ends.
    pub fn line(&mut self, (x0, y0): (f64, f64), (x1, y1): (f64, f64), width: f64, color: Rgb) {
        let half = width / 2.0;
        let (dx, dy) = (x1 - x0, y1 - y0);
        let len2 = dx * dx + dy * dy;
        let pad = half + 1.0;
        let (lo_x, hi_x) = ((x0.min(x1) - pad).floor() as i64, (x0.max(x1) + pad).ceil() as i64);
        let (lo_y, hi_y) = ((y0.min(y1) - pad).floor() as i64, (y0.max(y1) + pad).ceil() as i64);
        for py in lo_y..=hi_y {
            for px in lo_x..=hi_x {
                let (cx, cy) = (px as f64 + 0.5, py as f64 + 0.5);
                let t = if len2 > 0.0 { (((cx - x0) * dx + (cy - y0) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
                let d = ((cx - x0 - t * dx).powi(2) + (cy - y0 - t * dy).powi(2)).sqrt();
                self.blend(px, py, color, (half + 0.5 - d).clamp(0.0, 1.0));
            }
        }
    }

    /// A filled, anti-aliased dot (a zero-length line).
    pub fn dot(&mut self, at: (f64, f64), radius: f64, color: Rgb) {
        self.line(at, at, 2.0 * radius, color);
    }

    /// Inks `mask` with its top-left corner at (x, y).
    pub fn draw_mask(&mut self, mask: &Mask, x: usize, y: usize, color: Rgb) {
        for my in 0..mask.height {
            for mx in 0..mask.width {
                let c = mask.get(mx, my);
                if c > 0 {
                    self.blend((x + mx) as i64, (y + my) as i64, color, c as f64 / 255.0);
                }
            }
        }
    }

    /// Writes one line of text at `px` pixels per em, placed relative to (x, y) by the two alignments,
    /// and returns the box it took.
    pub fn text(&mut self, text: &str, px: f32, (x, y): (usize, usize), (h, v): (Align, Align), color: Rgb) -> Rect {
        let mask = text_mask(text, px);
        let r = Rect::new(h.offset(x, mask.width), v.offset(y, mask.height), mask.width, mask.height);
        self.draw_mask(&mask, r.x, r.y, color);
        r
    }

    /// Text turned a quarter turn counter-clockwise, centred on (x, y): a vertical axis label.
    pub fn text_vertical(&mut self, text: &str, px: f32, (x, y): (usize, usize), color: Rgb) -> Rect {
        let mask = text_mask(text, px).rotated_ccw();
        let r = Rect::new(x.saturating_sub(mask.width / 2), y.saturating_sub(mask.height / 2), mask.width, mask.height);
        self.draw_mask(&mask, r.x, r.y, color);
        r
    }

    /// Copies a grayscale picture with its top-left corner at (x, y), mapping each gray level through `shade`.
    pub fn blit_gray(&mut self, img: &GrayImage, x: usize, y: usize, shade: impl Fn(u8) -> Rgb) {
        for gy in 0..img.height {
            for gx in 0..img.width {
                let c = shade(img.get(gx, gy));
                self.fill_rect(Rect::new(x + gx, y + gy, 1, 1), c);
            }
        }
    }

    /// The pixels inside `r` as a canvas of their own.
    pub fn crop(&self, r: Rect) -> Canvas {
        let mut pixels = Vec::with_capacity(r.w * r.h * 3);
        for y in r.y..r.bottom() {
            pixels.extend_from_slice(&self.pixels[(y * self.width + r.x) * 3..(y * self.width + r.right()) * 3]);
        }
        Canvas { width: r.w, height: r.h, pixels }
    }

    /// Encodes an 8-bit RGB PNG.
    pub fn png(&self) -> Result<Vec<u8>> {
        self.png_with(png::Compression::Balanced)
    }

    /// [`Canvas::png`] with a choice of compression (see `export::images::encode_png_with`).
    pub fn png_with(&self, compression: png::Compression) -> Result<Vec<u8>> {
        crate::export::images::encode_png_with(self.width, self.height, png::ColorType::Rgb, &self.pixels, compression)
    }

    /// Decodes an 8-bit RGB PNG (what [`Canvas::png`] writes), for tests and for reading a bundle back.
    pub fn from_png(bytes: &[u8]) -> Result<Canvas> {
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info()?;
        let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
        let info = reader.next_frame(&mut buf)?;
        anyhow::ensure!(
            info.color_type == png::ColorType::Rgb && info.bit_depth == png::BitDepth::Eight,
            "not an 8-bit RGB PNG ({:?}, {:?})",
            info.color_type,
            info.bit_depth
        );
        buf.truncate(info.buffer_size());
        Ok(Canvas { width: info.width as usize, height: info.height as usize, pixels: buf })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_round_trips() {
        let mut c = Canvas::new(7, 5, Rgb::WHITE);
        c.fill_rect(Rect::new(1, 1, 2, 3), Rgb(200, 10, 20));
        c.line((0.0, 4.5), (7.0, 4.5), 1.0, Rgb::BLACK);
        let back = Canvas::from_png(&c.png().unwrap()).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.get(2, 3), Rgb(200, 10, 20));
        assert_eq!(back.get(3, 4), Rgb::BLACK);
        assert_eq!(back.crop(Rect::new(1, 1, 2, 3)), Canvas::new(2, 3, Rgb(200, 10, 20)));
    }

    #[test]
    fn text_lands_where_aligned() {
        let mut c = Canvas::new(200, 40, Rgb::WHITE);
        let r = c.text("Epoch", 16.0, (100, 20), (Align::Center, Align::Center), Rgb::BLACK);
        assert!(r.x < 100 && r.right() > 100 && r.y < 20 && r.bottom() > 20);
        let inked = |x: usize, y: usize| c.get(x, y) != Rgb::WHITE;
        assert!((r.y..r.bottom()).any(|y| (r.x..r.right()).any(|x| inked(x, y))));
        assert!(!(0..40).any(|y| inked(r.x.saturating_sub(2), y)), "nothing left of the box");
    }
}
