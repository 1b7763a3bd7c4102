//! The Draw view's state: a digit drawn with the keyboard (a cursor, a pen put down and lifted with
//! space, an eraser, four brush sizes). The network's answer is read off the drawing when the view is
//! drawn; saving writes the input the network sees as a PNG that `digitlab predict` reads the same way.

use crate::data::drawing::{Drawing, BRUSHES, SIDE};

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
}

impl Default for DrawState {
    fn default() -> Self {
        DrawState { drawing: Drawing::default(), cursor: (SIDE / 2, SIDE / 2), pen: false, erase: false, brush: 1 }
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
