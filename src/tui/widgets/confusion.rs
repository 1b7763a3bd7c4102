//! The confusion matrix as a colored table in the lab's orientation (rows = predicted, columns =
//! actual): the diagonal in its own color, off-diagonal errors on a heat scale, totals on both sides.
//!
//! ```text
//! pred\act     0     1 …     9   total
//!        0   970     0 …     5     990
//!        …
//!    total   980  1135 …  1009   10000
//! ```

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::widgets::Widget;

use crate::metrics::ConfusionMatrix;
use crate::tui::theme::Theme;

pub struct ConfusionTable<'a> {
    pub matrix: &'a ConfusionMatrix,
    pub normalized: bool,
    /// Selected (predicted, actual) cell; `None` underlines nothing.
    pub cursor: Option<(usize, usize)>,
    pub theme: Theme,
    /// Another run's matrix of the same test set: cells that differ from it are colored by whether this
    /// one does better there (more on the diagonal, fewer off it) instead of by heat.
    pub compare_to: Option<&'a ConfusionMatrix>,
}

/// True when `count` at (predicted, actual) is better than `other`: more correct, or fewer mistakes.
pub fn is_better(predicted: usize, actual: usize, count: u64, other: u64) -> bool {
    if predicted == actual {
        count > other
    } else {
        count < other
    }
}

/// Width of the row-label column ("pred\\act ").
pub const LABEL_W: u16 = 9;
const TOTAL_W: u16 = 7;

/// Width of one matrix cell: 6 when the area allows, else 5.
pub fn cell_width(area_width: u16, classes: usize) -> u16 {
    if area_width >= LABEL_W + 6 * classes as u16 + TOTAL_W {
        6
    } else {
        5
    }
}

/// (width, height) the table needs at a cell width.
pub fn size(classes: usize, cell_w: u16) -> (u16, u16) {
    (LABEL_W + cell_w * classes as u16 + TOTAL_W, classes as u16 + 2)
}

/// Where column `actual` starts from the table's left edge (`classes` for the totals).
fn column_x(cell_w: u16, actual: usize) -> u16 {
    LABEL_W + cell_w * actual as u16
}

/// Where cell (predicted, actual) is drawn inside `area`.
pub fn cell_rect(area: Rect, classes: usize, predicted: usize, actual: usize) -> Rect {
    let w = cell_width(area.width, classes);
    Rect::new(area.x + column_x(w, actual), area.y + 1 + predicted as u16, w, 1)
}

/// The cell (predicted, actual) drawn under (`column`, `row`) by a table in `area`; `None` on the
/// class labels, the totals and outside. Found through [`cell_rect`], so a click reads the table as
/// it is drawn.
pub fn cell_at(area: Rect, classes: usize, column: u16, row: u16) -> Option<(usize, usize)> {
    let at = Position::new(column, row);
    (0..classes)
        .flat_map(|p| (0..classes).map(move |a| (p, a)))
        .find(|&(p, a)| cell_rect(area, classes, p, a).intersection(area).contains(at))
}

/// `text` right-aligned in a `w`-wide cell at (`x`, `y`) of `area`; a cell the area's edge cuts stays
/// blank, since the left part of a right-aligned number reads as another number (955 as 95).
pub fn put(buf: &mut Buffer, area: Rect, x: u16, y: u16, w: u16, text: &str, style: ratatui::style::Style) {
    let r = Rect::new(area.x + x, area.y + y, w, 1).intersection(area);
    if r.width == w && r.height == 1 {
        buf.set_stringn(r.x, r.y, format!("{text:>width$}", width = w as usize), r.width as usize, style);
    }
}

impl Widget for ConfusionTable<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        let m = self.matrix;
        let n = m.classes();
        let w = cell_width(area.width, n);
        let t = self.theme;
        let header = t.title();
        let max_off = (0..n)
            .flat_map(|p| (0..n).map(move |a| (p, a)))
            .filter(|(p, a)| p != a)
            .map(|(p, a)| m.get(p, a))
            .max()
            .unwrap_or(0)
            .max(1);
        put(buf, area, 0, 0, LABEL_W, "pred\\act ", header);
        for a in 0..n {
            let style = if self.cursor.is_some_and(|c| c.1 == a) { header.add_modifier(Modifier::UNDERLINED) } else { header };
            put(buf, area, column_x(w, a), 0, w, &a.to_string(), style);
        }
        put(buf, area, column_x(w, n), 0, TOTAL_W, "total", header);
        for p in 0..n {
            let y = 1 + p as u16;
            let style = if self.cursor.is_some_and(|c| c.0 == p) { header.add_modifier(Modifier::UNDERLINED) } else { header };
            put(buf, area, 0, y, LABEL_W - 1, &p.to_string(), style);
            for a in 0..n {
                let count = m.get(p, a);
                let text = if self.normalized { format!("{:.2}", m.column_normalized(p, a)) } else { count.to_string() };
                let mut style = match self.compare_to.map(|o| o.get(p, a)) {
                    Some(other) if other != count => {
                        if is_better(p, a, count, other) {
                            t.better()
                        } else {
                            t.worse()
                        }
                    }
                    Some(_) if p != a => t.dim(),
                    _ if p == a => t.diagonal(),
                    _ => t.heat(count as f64 / max_off as f64),
                };
                if Some((p, a)) == self.cursor {
                    style = style.add_modifier(Modifier::REVERSED);
                }
                let cell = cell_rect(area, n, p, a);
                put(buf, area, cell.x - area.x, cell.y - area.y, cell.width, &text, style);
            }
            put(buf, area, column_x(w, n), y, TOTAL_W, &m.row_sum(p).to_string(), header);
        }
        let y = 1 + n as u16;
        put(buf, area, 0, y, LABEL_W - 1, "total", header);
        for a in 0..n {
            put(buf, area, column_x(w, a), y, w, &m.col_sum(a).to_string(), header);
        }
        put(buf, area, column_x(w, n), y, TOTAL_W, &m.total().to_string(), header);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cut by a narrow area (the dashboard at its smallest), the table shows whole numbers or none:
    /// the last column's 955 never as 95.
    #[test]
    fn a_narrow_area_shows_whole_numbers_or_none() {
        let labels: Vec<u8> = (0..10u8).flat_map(|c| std::iter::repeat_n(c, 955 + c as usize)).collect();
        let m = ConfusionMatrix::new(10, &labels, &labels);
        let theme = Theme { color: false, ascii: true, depth: crate::tui::colors::ColorDepth::TrueColor };
        let (full, h) = size(10, 5);
        for width in full - 9..=full {
            let area = Rect::new(0, 0, width, h);
            let mut buf = Buffer::empty(area);
            ConfusionTable { matrix: &m, normalized: false, cursor: None, theme, compare_to: None }.render(area, &mut buf);
            let rows: Vec<String> = (0..h).map(|y| (0..width).map(|x| buf[(x, y)].symbol().to_string()).collect()).collect();
            for (p, row) in rows.iter().enumerate().skip(1).take(10) {
                let numbers: Vec<&str> = row.split_whitespace().skip(1).collect();
                for (a, n) in numbers.iter().enumerate() {
                    let want = if a == 10 { m.row_sum(p - 1) } else { m.get(p - 1, a) };
                    assert_eq!(n.parse::<u64>().unwrap(), want, "width {width}, row {p}: {row:?}");
                }
            }
        }
    }

    /// Every cell is found where it is drawn, at both cell widths; the labels, the totals and what
    /// lies outside the table are no cell.
    #[test]
    fn a_cell_is_found_where_it_is_drawn_and_nowhere_else() {
        let n = 10;
        for w in [5, 6] {
            let (tw, th) = size(n, w);
            let area = Rect::new(3, 2, tw, th);
            assert_eq!(cell_width(area.width, n), w);
            let mut found = 0;
            for y in 0..area.bottom() + 2 {
                for x in 0..area.right() + 2 {
                    if let Some((p, a)) = cell_at(area, n, x, y) {
                        assert!(cell_rect(area, n, p, a).contains(Position::new(x, y)));
                        found += 1;
                    }
                }
            }
            assert_eq!(found, n * n * w as usize, "each cell, all its columns");
            assert_eq!(cell_at(area, n, area.x + LABEL_W, area.y + 1), Some((0, 0)));
            assert_eq!(cell_at(area, n, area.x + LABEL_W + w * 10 - 1, area.y + 10), Some((9, 9)));
            for (x, y) in [(area.x + 2, area.y + 3), (area.x + LABEL_W + 2, area.y), (area.x + LABEL_W + 2, area.y + 11), (area.x + LABEL_W + w * 10, area.y + 3)] {
                assert_eq!(cell_at(area, n, x, y), None, "({x}, {y})");
            }
        }
    }
}
