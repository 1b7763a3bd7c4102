//! `confusion.png`: the test confusion matrix as a heatmap with the count written in every cell, in the
//! lab's orientation (rows = predicted, columns = actual, stated on the picture), with the totals of
//! `confusion.csv` as an extra row and column.
//!
//! ```text
//!            Confusion matrix …
//!     rows = predicted class, columns = actual class
//!                  actual class (columns)
//!  p  pred\act   0     1   …   9   total
//!  r      0    [970] [ 0]  … [ 5]  [990]
//!  e      …
//!  d  total    [980] …           [10000]
//! ```

use super::canvas::{Align, Canvas, Rect, Rgb};
use super::style::{self, INK, MUTED, PAPER};
use crate::metrics::{ConfusionMatrix, ORIENTATION};

const CELL_W: usize = 66;
const CELL_H: usize = 40;
const GAP: usize = 1;
const LEFT: usize = 40;
const HEAD_W: usize = 78;
const TOP: usize = 120;
const HEAD_H: usize = 30;
const FOOTER: usize = 64;

/// Where each cell of a `classes`-class matrix (plus its totals) is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub classes: usize,
}

impl Layout {
    pub fn new(classes: usize) -> Layout {
        Layout { classes }
    }

    /// The picture's (width, height).
    pub fn size(&self) -> (usize, usize) {
        let grid = self.cell(self.classes, self.classes);
        ((grid.right() + 40).max(620), grid.bottom() + FOOTER)
    }

    /// Cell (row, column): rows are predicted classes and columns actual classes; index `classes` is
    /// the totals row or column, as in `confusion.csv`.
    pub fn cell(&self, row: usize, col: usize) -> Rect {
        let x0 = LEFT + HEAD_W + GAP;
        let y0 = TOP + HEAD_H + GAP;
        Rect::new(x0 + col * (CELL_W + GAP), y0 + row * (CELL_H + GAP), CELL_W, CELL_H)
    }
}

/// The number in cell (row, column), totals included: exactly what `confusion.csv` holds there.
pub fn cell_value(m: &ConfusionMatrix, row: usize, col: usize) -> u64 {
    let n = m.classes();
    match (row == n, col == n) {
        (false, false) => m.get(row, col),
        (false, true) => m.row_sum(row),
        (true, false) => m.col_sum(col),
        (true, true) => m.total(),
    }
}

/// Diagonal green by the share of the class recognised; errors white to red by their count relative
/// to the most frequent error; totals gray.
pub fn cell_fill(m: &ConfusionMatrix, row: usize, col: usize) -> Rgb {
    let n = m.classes();
    if row == n || col == n {
        return style::TOTAL;
    }
    if row == col {
        return style::DIAGONAL_LOW.mix(style::DIAGONAL_HIGH, m.column_normalized(row, col));
    }
    let count = m.get(row, col);
    if count == 0 {
        return PAPER;
    }
    let max_off = (0..n).flat_map(|p| (0..n).map(move |a| (p, a))).filter(|(p, a)| p != a).map(|(p, a)| m.get(p, a)).max().unwrap_or(1);
    style::HEAT_LOW.mix(style::HEAT_HIGH, count as f64 / max_off.max(1) as f64)
}

/// Paints one cell: its fill, and `value` centred in a color readable on it.
pub fn draw_cell(c: &mut Canvas, r: Rect, value: u64, fill: Rgb) {
    c.fill_rect(r, fill);
    c.text(&value.to_string(), style::CELL_PX, (r.x + r.w / 2, r.y + r.h / 2), (Align::Center, Align::Center), style::text_on(fill));
}

pub fn confusion_chart(m: &ConfusionMatrix) -> Canvas {
    let n = m.classes();
    let layout = Layout::new(n);
    let (w, h) = layout.size();
    let mut c = Canvas::new(w, h, PAPER);
    let (first, last) = (layout.cell(0, 0), layout.cell(n, n));
    let grid = Rect::new(first.x - GAP, first.y - GAP, last.right() - first.x + 2 * GAP, last.bottom() - first.y + 2 * GAP);
    let accuracy = if m.total() > 0 { m.correct() as f64 / m.total() as f64 * 100.0 } else { 0.0 };
    c.text(&format!("Confusion matrix, test set ({} images, accuracy {accuracy:.2} %)", m.total()), style::TITLE_PX,
        (w / 2, 12), (Align::Center, Align::Start), INK);
    c.text(ORIENTATION, style::LABEL_PX, (w / 2, 46), (Align::Center, Align::Start), INK);
    c.text("actual class (columns) →", style::LABEL_PX, (first.x + (last.right() - first.x) / 2, TOP - 8), (Align::Center, Align::End), INK);
    c.text_vertical("← predicted class (rows)", style::LABEL_PX, (LEFT / 2, first.y + (last.bottom() - first.y) / 2), INK);
    c.text("pred \\ act", style::TICK_PX, (LEFT + HEAD_W / 2, TOP + HEAD_H / 2), (Align::Center, Align::Center), MUTED);
    c.fill_rect(grid, style::GRID);
    for i in 0..=n {
        let label = if i == n { "total".to_string() } else { i.to_string() };
        let col = layout.cell(0, i);
        c.text(&label, style::LABEL_PX, (col.x + col.w / 2, TOP + HEAD_H / 2), (Align::Center, Align::Center), INK);
        let row = layout.cell(i, 0);
        c.text(&label, style::LABEL_PX, (LEFT + HEAD_W - 10, row.y + row.h / 2), (Align::End, Align::Center), INK);
        for j in 0..=n {
            draw_cell(&mut c, layout.cell(i, j), cell_value(m, i, j), cell_fill(m, i, j));
        }
    }
    c.text("Green: correct predictions (darker = larger share of the class recognised).", style::TICK_PX,
        (LEFT, grid.bottom() + 14), (Align::Start, Align::Start), MUTED);
    c.text("Red: errors (darker = closer to the most frequent error). Totals in gray.", style::TICK_PX,
        (LEFT, grid.bottom() + 36), (Align::Start, Align::Start), MUTED);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_follow_the_csv_layout_and_meaning() {
        // actual 0 0 1 2 ; predicted 0 1 1 1
        let m = ConfusionMatrix::new(3, &[0, 0, 1, 2], &[0, 1, 1, 1]);
        assert_eq!(cell_value(&m, 1, 0), 1, "row = predicted 1, column = actual 0");
        assert_eq!((cell_value(&m, 1, 3), cell_value(&m, 3, 0), cell_value(&m, 3, 3)), (3, 2, 4));
        assert_eq!(cell_fill(&m, 2, 0), PAPER, "no error, no heat");
        assert_eq!(cell_fill(&m, 1, 0), style::HEAT_HIGH, "the most frequent error is the darkest");
        assert_eq!(cell_fill(&m, 1, 1), style::DIAGONAL_HIGH, "class 1 fully recognised");
        let l = Layout::new(3);
        let (a, b) = (l.cell(0, 0), l.cell(0, 1));
        assert_eq!(b.x, a.right() + GAP, "cells never overlap");
        let (w, h) = l.size();
        assert!(l.cell(3, 3).right() <= w && l.cell(3, 3).bottom() <= h);
    }
}
