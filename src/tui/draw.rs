//! The Draw view's state: a digit drawn with the keyboard (a cursor, a pen put down and lifted with
//! space, an eraser, four brush sizes). The network's answer is read off the drawing when the view is
//! drawn; saving writes the input the network sees as a PNG that `digitlab predict` reads the same way.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::data::drawing::{Drawing, BRUSHES, SIDE};

/// Columns the Draw view keeps right of the canvas for the network's answer.
const ANSWER_WIDTH: u16 = 34;

/// The screen's rows as the views lay them out: the tab row, the body, the status line, the key line.
/// The status line takes two rows when `status` (its text as shown) is wider than the screen: an
/// error naming a path, a command to copy, would otherwise be cut.
pub fn screen_rows(screen: Rect, status: Option<&str>) -> [Rect; 4] {
    let rows = if status.is_some_and(|s| ratatui::text::Span::raw(s).width() > screen.width as usize) { 2 } else { 1 };
    Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(rows), Constraint::Length(1)]).areas(screen)
}

/// The screen's body (below the tab row, above the status and key lines), as the views lay it out.
pub fn body_of(screen: Rect, status: Option<&str>) -> Rect {
    screen_rows(screen, status)[1]
}

/// Terminal cells per pixel across: 2 (a pixel is 2 cells wide, 1 tall) when the canvas fits so, else 1
/// (a cell holds two pixels, one above the other).
pub fn scale_for(body: Rect) -> u16 {
    let (w, h) = (body.width.saturating_sub(ANSWER_WIDTH + 2), body.height.saturating_sub(2));
    if w >= 2 * SIDE as u16 && h >= SIDE as u16 { 2 } else { 1 }
}

/// Where the Draw view puts the canvas in `body`, and at which scale: the view draws there and a
/// mouse click is read against the same rectangle.
pub fn canvas_in(body: Rect) -> (Rect, u16) {
    let k = scale_for(body);
    let (w, h) = (SIDE as u16 * k, (SIDE as u16 * k).div_ceil(2));
    let inner = Rect::new(body.x + 1, body.y + 1, w.min(body.width.saturating_sub(2)), h.min(body.height.saturating_sub(2)));
    (inner, k)
}

/// The pixel point under the cell (`column`, `row`) of the canvas, or `None` outside it.
pub fn pixel_at(canvas: Rect, k: u16, column: u16, row: u16) -> Option<(f32, f32)> {
    if column < canvas.x || row < canvas.y || column >= canvas.right() || row >= canvas.bottom() {
        return None;
    }
    let (dx, dy) = ((column - canvas.x) as f32, (row - canvas.y) as f32);
    // A cell's middle: at scale 2 a cell is half a pixel wide and a whole pixel tall; at 1 it is a
    // pixel wide and two tall.
    let (x, y) = if k == 2 { ((dx + 0.5) / 2.0, dy + 0.5) } else { (dx + 0.5, dy * 2.0 + 1.0) };
    Some((x.min(SIDE as f32 - 0.01), y.min(SIDE as f32 - 0.01)))
}

#[derive(Debug, Clone)]
pub struct DrawState {
    pub drawing: Drawing,
    /// The cursor's pixel (x, y).
    pub cursor: (usize, usize),
    /// The pen is down: moving the cursor draws (or erases).
    pub pen: bool,
    pub erase: bool,
    /// Index into [`BRUSHES`].
    pub brush: usize,
    /// Where a mouse drag was last seen, and whether it erases (right button).
    pub dragging: Option<((f32, f32), bool)>,
}

impl Default for DrawState {
    fn default() -> Self {
        DrawState { drawing: Drawing::default(), cursor: (SIDE / 2, SIDE / 2), pen: false, erase: false, brush: 1, dragging: None }
    }
}

impl DrawState {
    fn center(p: (usize, usize)) -> (f32, f32) {
        (p.0 as f32 + 0.5, p.1 as f32 + 0.5)
    }

    pub fn radius(&self) -> f32 {
        BRUSHES[self.brush.min(BRUSHES.len() - 1)]
    }

    /// Moves the cursor by (dx, dy) pixels, drawing the way when the pen is down.
    pub fn step(&mut self, dx: isize, dy: isize) {
        let from = self.cursor;
        let clamp = |v: usize, d: isize| (v as isize + d).clamp(0, SIDE as isize - 1) as usize;
        self.cursor = (clamp(from.0, dx), clamp(from.1, dy));
        if self.pen {
            let (r, erase) = (self.radius(), self.erase);
            self.drawing.stroke(Self::center(from), Self::center(self.cursor), r, erase);
        }
    }

    /// Puts the pen down (drawing a dot where it lands) or lifts it.
    pub fn toggle_pen(&mut self) {
        self.pen = !self.pen;
        if self.pen {
            let (r, erase) = (self.radius(), self.erase);
            self.drawing.dab(Self::center(self.cursor), r, erase);
        }
    }

    pub fn toggle_erase(&mut self) {
        self.erase = !self.erase;
    }

    pub fn brush_size(&mut self, bigger: bool) {
        self.brush = if bigger { (self.brush + 1).min(BRUSHES.len() - 1) } else { self.brush.saturating_sub(1) };
    }

    /// The mouse pressed (`Some(erase)`), dragged, or released (`None`) at `at` (a pixel point, `None`
    /// off the canvas): presses dab, drags draw from where the mouse was, a release ends the stroke.
    pub fn mouse(&mut self, at: Option<(f32, f32)>, press: Option<bool>) {
        let r = self.radius();
        match (at, press, self.dragging) {
            (Some(p), Some(erase), _) => {
                self.drawing.dab(p, r, erase);
                self.dragging = Some((p, erase));
                self.cursor = (p.0 as usize, p.1 as usize);
            }
            (Some(p), None, Some((from, erase))) => {
                self.drawing.stroke(from, p, r, erase);
                self.dragging = Some((p, erase));
                self.cursor = (p.0 as usize, p.1 as usize);
            }
            _ => self.dragging = None,
        }
    }

    pub fn clear(&mut self) {
        self.drawing.clear();
        self.pen = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pen_draws_only_while_down_and_the_cursor_stays_on_the_canvas() {
        let mut d = DrawState::default();
        d.step(-100, -100);
        assert_eq!(d.cursor, (0, 0));
        assert!(d.drawing.is_empty(), "pen up: no ink");
        d.toggle_pen();
        d.step(5, 0);
        assert!(!d.drawing.is_empty());
        let ink = d.drawing.ink().to_vec();
        d.toggle_pen();
        d.step(0, 10);
        assert_eq!(d.drawing.ink(), &ink[..], "lifted: moving draws nothing");
        d.toggle_erase();
        d.cursor = (0, 0);
        d.brush_size(true);
        d.toggle_pen();
        d.step(5, 0);
        assert!(d.drawing.is_empty(), "the eraser took the stroke away");
        d.clear();
        assert!(!d.pen);
    }
}
