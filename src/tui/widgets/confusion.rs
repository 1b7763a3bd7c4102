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
use ratatui::layout::Rect;
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

/// Where cell (predicted, actual) is drawn inside `area`.
pub fn cell_rect(area: Rect, classes: usize, predicted: usize, actual: usize) -> Rect {
    let w = cell_width(area.width, classes);
    Rect::new(area.x + LABEL_W + w * actual as u16, area.y + 1 + predicted as u16, w, 1)
}

/// `text` right-aligned in a `w`-wide cell at (`x`, `y`) of `area`, clipped to it.
pub fn put(buf: &mut Buffer, area: Rect, x: u16, y: u16, w: u16, text: &str, style: ratatui::style::Style) {
    let r = Rect::new(area.x + x, area.y + y, w, 1).intersection(area);
    if !r.is_empty() {
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
            put(buf, area, LABEL_W + w * a as u16, 0, w, &a.to_string(), style);
        }
        put(buf, area, LABEL_W + w * n as u16, 0, TOTAL_W, "total", header);
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
                put(buf, area, LABEL_W + w * a as u16, y, w, &text, style);
            }
            put(buf, area, LABEL_W + w * n as u16, y, TOTAL_W, &m.row_sum(p).to_string(), header);
        }
        let y = 1 + n as u16;
        put(buf, area, 0, y, LABEL_W - 1, "total", header);
        for a in 0..n {
            put(buf, area, LABEL_W + w * a as u16, y, w, &m.col_sum(a).to_string(), header);
        }
        put(buf, area, LABEL_W + w * n as u16, y, TOTAL_W, &m.total().to_string(), header);
    }
}
