//! `weights-grid.png`: every first-layer neuron's weights as a tile, labelled with its number and the
//! class it prefers, large enough to read in print; beyond [`PAGE_UNITS`] neurons, more pages.

use super::canvas::{Align, Canvas, Rect, Rgb};
use super::style::{self, INK, MUTED, PAPER};
use crate::viz::{diverging_rgb, GrayImage};

/// Neurons per page (32 rows of 16 at most).
pub const PAGE_UNITS: usize = 512;
const MAX_COLUMNS: usize = 16;
/// Tiles are the picture at 3× (84 px for 28×28): a tile stays readable at 16 to an A4 page width.
const SCALE: usize = 3;
const GAP: usize = 10;
const LABEL: usize = 20;
const MARGIN: usize = 24;
const HEADER: usize = 76;

/// How the tiles are shaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shading {
    /// Each neuron's own minimum black and maximum white (the lab's 0..255 rescaling).
    Gray,
    /// Symmetric around 0: blue < 0 < red, white = 0 (the dashboard's diverging map).
    Diverging,
}

/// Pages needed for `units` neurons.
pub fn pages(units: usize) -> usize {
    units.div_ceil(PAGE_UNITS).max(1)
}

/// Page `page` (from 0) of the grid: `tiles` are every neuron's picture (gray levels, or
/// [`crate::viz::signed_gray`] levels for the diverging map) and `labels` what each tile says under it.
pub fn grid_page(tiles: &[GrayImage], labels: &[String], shading: Shading, page: usize) -> Canvas {
    let start = (page * PAGE_UNITS).min(tiles.len());
    let shown = &tiles[start..tiles.len().min(start + PAGE_UNITS)];
    let columns = ((tiles.len().min(PAGE_UNITS) as f64).sqrt().ceil() as usize).clamp(1, MAX_COLUMNS);
    let (tw, th) = shown.first().map_or((28, 28), |t| (t.width * SCALE, t.height * SCALE));
    let rows = shown.len().div_ceil(columns).max(1);
    let w = (2 * MARGIN + columns * (tw + GAP)).max(560);
    let h = HEADER + rows * (th + LABEL + GAP) + MARGIN;
    let mut c = Canvas::new(w, h, PAPER);
    let of_pages = if pages(tiles.len()) > 1 { format!(" (page {} of {})", page + 1, pages(tiles.len())) } else { String::new() };
    let title = format!("First-layer weights: {} neurons{of_pages}", tiles.len());
    c.text(&title, style::TITLE_PX, (w / 2, 12), (Align::Center, Align::Start), INK);
    let legend = match shading {
        Shading::Gray => "Each neuron's weights, its own minimum black and maximum white. Label: #neuron (preferred class).",
        Shading::Diverging => "Each neuron's weights, blue < 0 < red, white = 0. Label: #neuron (preferred class).",
    };
    c.text(legend, style::TICK_PX, (w / 2, 44), (Align::Center, Align::Start), MUTED);
    let x0 = (w - columns * (tw + GAP) + GAP) / 2;
    for (k, tile) in shown.iter().enumerate() {
        let x = x0 + (k % columns) * (tw + GAP);
        let y = HEADER + (k / columns) * (th + LABEL + GAP);
        let big = tile.upscale(SCALE);
        match shading {
            Shading::Gray => c.blit_gray(&big, x, y, |v| Rgb(v, v, v)),
            Shading::Diverging => c.blit_gray(&big, x, y, |v| {
                let (r, g, b) = diverging_rgb(v);
                Rgb(r, g, b)
            }),
        }
        c.stroke_rect(Rect::new(x - 1, y - 1, tw + 2, th + 2), 1, style::GRID);
        if let Some(label) = labels.get(start + k) {
            c.text(label, style::TICK_PX - 1.0, (x + tw / 2, y + th + 3), (Align::Center, Align::Start), INK);
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_keep_their_gray_levels_and_pages_split_at_512() {
        let tiles: Vec<GrayImage> = (0..600).map(|k| GrayImage::new(28, 28, (k % 256) as u8)).collect();
        let labels: Vec<String> = (0..600).map(|k| format!("#{k}")).collect();
        assert_eq!(pages(600), 2);
        let first = grid_page(&tiles, &labels, Shading::Gray, 0);
        let second = grid_page(&tiles, &labels, Shading::Gray, 1);
        assert!(second.height < first.height, "the second page holds the 88 left");
        // The first tile's pixels are its gray level exactly, at 3×.
        let x0 = (first.width - 16 * (84 + GAP) + GAP) / 2;
        assert_eq!(first.get(x0 + 40, HEADER + 40), Rgb(0, 0, 0));
        assert_eq!(first.get(x0 + (84 + GAP) + 40, HEADER + 40), Rgb(1, 1, 1));
        let div = grid_page(&tiles[..4], &labels, Shading::Diverging, 0);
        assert_eq!(pages(4), 1);
        let x0 = (div.width - 2 * (84 + GAP) + GAP) / 2;
        assert_eq!(div.get(x0 + 40, HEADER + 40), Rgb(0, 0, 255), "0 is the most negative: blue");
    }
}
