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

/// `tiles` (a miss, or an empty place) in rows of ten under `title` and `subtitle`; every miss
/// must index into `test`.
fn tile_chart(test: &Dataset, tiles: &[Option<Miss>], title: &str, subtitle: &str) -> Canvas {
    let (w, h) = size(test, tiles.len());
    let mut c = Canvas::new(w, h, PAPER);
    c.text(title, style::TITLE_PX, (w / 2, 12), (Align::Center, Align::Start), INK);
    c.text(subtitle, style::TICK_PX, (w / 2, 46), (Align::Center, Align::Start), MUTED);
    for (k, m) in tiles.iter().enumerate() {
        if let Some(m) = m {
            draw_tile(&mut c, tile_rect(test, k), test, m);
        }
    }
    c
}

/// The tiles of `misclassified.png` in order: the most-confused pairs a row each (most images first,
/// up to ten of each, at most ten pairs), `None` where a row is padded so the next pair starts a row.
pub fn grouped_tiles(misses: &[Miss]) -> Vec<Option<Miss>> {
    let mut tiles: Vec<Option<Miss>> = Vec::new();
    for group in by_pair(misses).iter().take(MAX_SHOWN / COLUMNS) {
        while !tiles.len().is_multiple_of(COLUMNS) {
            tiles.push(None);
        }
        tiles.extend(group.iter().take(COLUMNS).map(|&m| Some(m)));
    }
    tiles
}

/// The misses of the most-confused pairs, a row each, so each pair shows its own digits (see
/// [`grouped_tiles`]); `misses` must index into `test`.
pub fn misclassified_chart(test: &Dataset, misses: &[Miss]) -> Canvas {
    let tiles = grouped_tiles(misses);
    let pairs = by_pair(misses).len().min(MAX_SHOWN / COLUMNS);
    let title = if misses.is_empty() {
        "No test digit was misclassified".to_string()
    } else {
        format!("Misclassified test digits of the {pairs} most-confused pairs ({} misclassified in all)", misses.len())
    };
    let subtitle = "One row per pair (true → predicted), most frequent first, up to ten digits each; below each digit its index in the test set.";
    tile_chart(test, &tiles, &title, subtitle)
}

/// Every miss of one pair, true class `actual` taken for `predicted`, in test-file order (at most
/// [`MAX_SHOWN`]).
pub fn pair_chart(test: &Dataset, misses: &[Miss], actual: u8, predicted: u8) -> Canvas {
    let of_pair: Vec<Miss> = misses.iter().copied().filter(|m| m.actual == actual && m.predicted == predicted).collect();
    let title = match of_pair.len() {
        0 => format!("No test image of a {actual} was taken for a {predicted}"),
        n if n > MAX_SHOWN => format!("Test images of a {actual} taken for a {predicted}: the first {MAX_SHOWN} of {n}"),
        n => format!("Test images of a {actual} taken for a {predicted}: all {n}"),
    };
    let tiles: Vec<Option<Miss>> = of_pair.iter().take(MAX_SHOWN).map(|&m| Some(m)).collect();
    tile_chart(test, &tiles, &title, "Caption: true class → predicted class; below it, the image's index in the test set (test-file order).")
}

/// Misses grouped by (actual, predicted), the most frequent pair first (ties: by actual, then
/// predicted); within a pair, in test-file order.
pub fn by_pair(misses: &[Miss]) -> Vec<Vec<Miss>> {
    let mut groups: std::collections::BTreeMap<(u8, u8), Vec<Miss>> = std::collections::BTreeMap::new();
    for m in misses {
        groups.entry((m.actual, m.predicted)).or_default().push(*m);
    }
    let mut out: Vec<Vec<Miss>> = groups.into_values().collect();
    out.sort_by_key(|g| std::cmp::Reverse(g.len()));
    out
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

    #[test]
    fn pairs_are_grouped_most_frequent_first_in_file_order() {
        let m = misses(&[9, 4, 9, 9, 4, 7], &[4, 9, 4, 7, 9, 1]);
        let g = by_pair(&m);
        assert_eq!(g.iter().map(|p| (p[0].actual, p[0].predicted, p.len())).collect::<Vec<_>>(), [(4, 9, 2), (9, 4, 2), (7, 1, 1), (9, 7, 1)]);
        assert_eq!(g[1].iter().map(|m| m.index).collect::<Vec<_>>(), [0, 2]);
    }
}
