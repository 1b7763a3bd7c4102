//! `misclassified.png`: test digits the network got wrong, in test-file order, each captioned
//! true → predicted with its index in the test set.

use super::canvas::{Align, Canvas, Rect, Rgb};
use super::style::{self, INK, MUTED, PAPER};
use crate::data::Dataset;

/// One misclassified test image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Miss {
    /// Position in the test files.
    pub index: usize,
    pub actual: u8,
    pub predicted: u8,
}

impl Miss {
    pub fn caption(&self) -> String {
        format!("{} → {}", self.actual, self.predicted)
    }
}

/// Every test image whose prediction differs from its label, in file order.
pub fn misses(labels: &[u8], predicted: &[u8]) -> Vec<Miss> {
    labels
        .iter()
        .zip(predicted)
        .enumerate()
        .filter(|(_, (a, p))| a != p)
        .map(|(index, (&actual, &predicted))| Miss { index, actual, predicted })
        .collect()
}

/// MNIST stores ink as 255 on a 0 background; the report shows it dark on white.
pub fn ink_on_paper(v: u8) -> Rgb {
    Rgb(255 - v, 255 - v, 255 - v)
}

/// At most this many digits are shown (ten rows of ten).
pub const MAX_SHOWN: usize = 100;
const COLUMNS: usize = 10;
const SCALE: usize = 3;
const MARGIN: usize = 24;
const HEADER: usize = 84;

/// Size of one tile: the enlarged digit, then its caption and index.
fn tile_size(test: &Dataset) -> (usize, usize) {
    ((test.cols * SCALE).max(84) + 16, test.rows * SCALE + 54)
}

/// Where the `k`-th shown digit's tile is.
pub fn tile_rect(test: &Dataset, k: usize) -> Rect {
    let (tw, th) = tile_size(test);
    Rect::new(MARGIN + (k % COLUMNS) * tw, HEADER + (k / COLUMNS) * th, tw, th)
}

/// Where a digit is drawn inside its tile `r`: enlarged, centred at the top, room for a frame around it.
fn digit_in(test: &Dataset, r: Rect) -> Rect {
    let (w, h) = (test.cols * SCALE, test.rows * SCALE);
    Rect::new(r.x + (r.w - w) / 2, r.y + 2, w, h)
}

/// Where the `k`-th shown digit itself is drawn.
pub fn digit_rect(test: &Dataset, k: usize) -> Rect {
    digit_in(test, tile_rect(test, k))
}

/// Draws one tile in `r`: the digit, dark on white in a thin frame, its caption and its test index.
pub fn draw_tile(c: &mut Canvas, r: Rect, test: &Dataset, m: &Miss) {
    let d = digit_in(test, r);
    let digit = crate::viz::GrayImage::from_pixels(test.cols, test.rows, test.image(m.index).to_vec()).upscale(SCALE);
    c.blit_gray(&digit, d.x, d.y, ink_on_paper);
    c.stroke_rect(Rect::new(d.x - 1, d.y - 1, d.w + 2, d.h + 2), 1, style::GRID);
    c.text(&m.caption(), style::LABEL_PX + 1.0, (r.x + r.w / 2, d.bottom() + 4), (Align::Center, Align::Start), style::HEAT_HIGH);
    c.text(&format!("#{}", m.index), style::TICK_PX - 2.0, (r.x + r.w / 2, d.bottom() + 26), (Align::Center, Align::Start), MUTED);
}

/// The picture's (width, height) when it shows `shown` digits.
pub fn size(test: &Dataset, shown: usize) -> (usize, usize) {
    let (tw, th) = tile_size(test);
    (2 * MARGIN + COLUMNS * tw, HEADER + shown.div_ceil(COLUMNS).max(1) * th + MARGIN)
}

/// The grid of the first [`MAX_SHOWN`] misses; `misses` must index into `test`.
pub fn misclassified_chart(test: &Dataset, misses: &[Miss]) -> Canvas {
    let shown = &misses[..misses.len().min(MAX_SHOWN)];
    let (w, h) = size(test, shown.len());
    let mut c = Canvas::new(w, h, PAPER);
    let title = if misses.is_empty() {
        "No test digit was misclassified".to_string()
    } else if shown.len() < misses.len() {
        format!("Misclassified test digits: the first {} of {}", shown.len(), misses.len())
    } else {
        format!("Misclassified test digits: all {}", misses.len())
    };
    c.text(&title, style::TITLE_PX, (w / 2, 12), (Align::Center, Align::Start), INK);
    c.text("Caption: true class → predicted class; below it, the image's index in the test set (test-file order).",
        style::TICK_PX, (w / 2, 46), (Align::Center, Align::Start), MUTED);
    for (k, m) in shown.iter().enumerate() {
        draw_tile(&mut c, tile_rect(test, k), test, m);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misses_are_the_disagreements_in_file_order() {
        let m = misses(&[7, 2, 1, 0], &[7, 3, 1, 6]);
        assert_eq!(m, vec![Miss { index: 1, actual: 2, predicted: 3 }, Miss { index: 3, actual: 0, predicted: 6 }]);
        assert_eq!(m[0].caption(), "2 → 3");
    }
}
