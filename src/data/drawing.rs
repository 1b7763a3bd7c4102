//! A digit drawn by hand, and the network input it becomes, made the way MNIST's digits were: the
//! ink's bounding box scaled (aspect kept, anti-aliased) to fit a 20×20 box, then placed in the 28×28
//! field so that its center of mass is at the field's center. A drawing is painted with a round brush
//! on a 28×28 canvas of ink values in 0–1.

/// Canvas and input side, in pixels.
pub const SIDE: usize = 28;
/// The box MNIST scaled each digit's ink into.
pub const BOX: usize = 20;
/// Brush radii the view offers, in pixels (MNIST strokes are about 2–3 pixels wide).
pub const BRUSHES: [f32; 4] = [0.7, 1.0, 1.4, 2.0];

/// Ink below this counts as paper when the bounding box is found.
const PAPER: f32 = 0.02;

#[derive(Debug, Clone, PartialEq)]
pub struct Drawing {
    ink: Vec<f32>,
}

impl Default for Drawing {
    fn default() -> Self {
        Drawing { ink: vec![0.0; SIDE * SIDE] }
    }
}

impl Drawing {
    pub fn clear(&mut self) {
        self.ink.fill(0.0);
    }

    pub fn is_empty(&self) -> bool {
        self.ink.iter().all(|&v| v < PAPER)
    }

    /// Ink per pixel, row-major, 0 (paper) to 1.
    pub fn ink(&self) -> &[f32] {
        &self.ink
    }

    /// A round dab of radius `r` centered at (`x`, `y`) in pixel units (pixel (i, j) covers
    /// [i, i+1) × [j, j+1)); its edge is soft over one pixel, as a pen's would be when scanned.
    /// Erasing takes ink away with the same shape.
    pub fn dab(&mut self, (x, y): (f32, f32), r: f32, erase: bool) {
        let reach = (r + 1.0).ceil() as i64;
        let (cx, cy) = (x.floor() as i64, y.floor() as i64);
        for py in (cy - reach)..=(cy + reach) {
            for px in (cx - reach)..=(cx + reach) {
                if px < 0 || py < 0 || px >= SIDE as i64 || py >= SIDE as i64 {
                    continue;
                }
                let d = ((px as f32 + 0.5 - x).powi(2) + (py as f32 + 0.5 - y).powi(2)).sqrt();
                let cover = (r + 0.5 - d).clamp(0.0, 1.0);
                let v = &mut self.ink[py as usize * SIDE + px as usize];
                *v = if erase { (*v - cover).max(0.0) } else { v.max(cover) };
            }
        }
    }

    /// Dabs every half pixel from `from` to `to`: a stroke without gaps however fast the pen moved.
    pub fn stroke(&mut self, from: (f32, f32), to: (f32, f32), r: f32, erase: bool) {
        let len = ((to.0 - from.0).powi(2) + (to.1 - from.1).powi(2)).sqrt();
        let steps = (len / 0.5).ceil().max(1.0) as usize;
        for s in 0..=steps {
            let t = s as f32 / steps as f32;
            self.dab((from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t), r, erase);
        }
    }

    /// The network's input for this drawing: 28×28 pixels 0–255, light ink on black as in MNIST;
    /// `None` while nothing is drawn.
    pub fn mnist_input(&self) -> Option<Vec<u8>> {
        mnist_style(&self.ink, SIDE)
    }
}

/// Ink of a `side`×`side` picture (0–1) made into a 28×28 MNIST-style input (see the module's text).
pub fn mnist_style(ink: &[f32], side: usize) -> Option<Vec<u8>> {
    let at = |x: usize, y: usize| ink[y * side + x];
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for y in 0..side {
        for x in 0..side {
            if at(x, y) >= PAPER {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            }
        }
    }
    if x0 == usize::MAX {
        return None;
    }
    let (w, h) = ((x1 - x0 + 1) as f32, (y1 - y0 + 1) as f32);
    let scale = BOX as f32 / w.max(h);
    let (tw, th) = (((w * scale).round() as usize).clamp(1, BOX), ((h * scale).round() as usize).clamp(1, BOX));
    // Each target pixel averages the source over its footprint (4×4 samples, bilinear): anti-aliased
    // whether the ink is scaled up or down.
    let sample = |sx: f32, sy: f32| -> f32 {
        let (fx, fy) = ((sx - 0.5).max(0.0), (sy - 0.5).max(0.0));
        let (ix, iy) = (fx.floor() as usize, fy.floor() as usize);
        let (ax, ay) = (fx - ix as f32, fy - iy as f32);
        let px = |x: usize, y: usize| at(x.min(side - 1), y.min(side - 1));
        px(ix, iy) * (1.0 - ax) * (1.0 - ay) + px(ix + 1, iy) * ax * (1.0 - ay) + px(ix, iy + 1) * (1.0 - ax) * ay + px(ix + 1, iy + 1) * ax * ay
    };
    const N: usize = 4;
    let mut small = vec![0f32; tw * th];
    for ty in 0..th {
        for tx in 0..tw {
            let mut sum = 0.0;
            for sy in 0..N {
                for sx in 0..N {
                    let u = x0 as f32 + (tx as f32 + (sx as f32 + 0.5) / N as f32) * w / tw as f32;
                    let v = y0 as f32 + (ty as f32 + (sy as f32 + 0.5) / N as f32) * h / th as f32;
                    sum += sample(u, v);
                }
            }
            small[ty * tw + tx] = sum / (N * N) as f32;
        }
    }
    // Center of mass (pixel centers), then the shift that puts it at the field's center.
    let mass: f32 = small.iter().sum();
    let (mut cx, mut cy) = (0.0, 0.0);
    for (i, v) in small.iter().enumerate() {
        cx += v * ((i % tw) as f32 + 0.5);
        cy += v * ((i / tw) as f32 + 0.5);
    }
    let (cx, cy) = if mass > 0.0 { (cx / mass, cy / mass) } else { (tw as f32 / 2.0, th as f32 / 2.0) };
    let half = SIDE as f32 / 2.0;
    let ox = ((half - cx).round() as i64).clamp(0, (SIDE - tw) as i64) as usize;
    let oy = ((half - cy).round() as i64).clamp(0, (SIDE - th) as i64) as usize;
    let mut out = vec![0u8; SIDE * SIDE];
    for y in 0..th {
        for x in 0..tw {
            out[(oy + y) * SIDE + ox + x] = (small[y * tw + x].clamp(0.0, 1.0) * 255.0).round() as u8;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bbox(img: &[u8]) -> (usize, usize, usize, usize) {
        let on: Vec<(usize, usize)> = (0..SIDE * SIDE).filter(|&i| img[i] > 5).map(|i| (i % SIDE, i / SIDE)).collect();
        (on.iter().map(|p| p.0).min().unwrap(), on.iter().map(|p| p.1).min().unwrap(), on.iter().map(|p| p.0).max().unwrap(), on.iter().map(|p| p.1).max().unwrap())
    }

    #[test]
    fn a_small_stroke_in_a_corner_is_scaled_to_the_20_box_and_centered() {
        let mut d = Drawing::default();
        assert!(d.is_empty() && d.mnist_input().is_none());
        d.stroke((3.0, 2.0), (3.0, 10.0), 1.0, false);
        let img = d.mnist_input().unwrap();
        let (x0, y0, x1, y1) = bbox(&img);
        // Tall: its height fills the 20-pixel box, and it sits around the middle.
        assert!((19..=21).contains(&(y1 - y0 + 1)), "{y0}..{y1}");
        assert!((x0 + x1) / 2 >= 12 && (x0 + x1) / 2 <= 15 && (y0 + y1) / 2 >= 12 && (y0 + y1) / 2 <= 15, "{x0},{y0}–{x1},{y1}");
        assert_eq!(img.iter().copied().max(), Some(255));
    }

    #[test]
    fn erasing_takes_the_ink_away() {
        let mut d = Drawing::default();
        d.stroke((5.0, 14.0), (22.0, 14.0), 1.4, false);
        d.stroke((0.0, 14.0), (27.9, 14.0), 3.0, true);
        assert!(d.is_empty());
        d.dab((14.0, 14.0), 1.0, false);
        d.clear();
        assert!(d.is_empty());
    }

    #[test]
    fn the_same_drawing_gives_the_same_input_and_dabs_stay_on_the_canvas() {
        let mut a = Drawing::default();
        a.dab((-5.0, 40.0), 2.0, false);
        assert!(a.is_empty(), "off the canvas");
        a.stroke((27.5, 0.2), (0.3, 27.6), 2.0, false);
        let b = a.clone();
        assert_eq!(a.mnist_input(), b.mnist_input());
    }
}
