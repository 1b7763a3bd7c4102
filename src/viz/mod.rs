//! Turning weights and images into pixels: shared by the TUI's shaded text and the PNG exports.

/// Darkest to brightest, for terminals where only characters can shade.
pub const ASCII_RAMP: &[u8] = b" .:-=+*#%@";

/// Rescales values linearly so the minimum becomes 0 and the maximum 255 (the lab's rule for weight
/// pictures). A constant input maps to mid-gray rather than dividing by zero.
pub fn rescale_to_gray(values: &[f32]) -> Vec<u8> {
    let (min, max) = min_max(values);
    let span = max - min;
    if span.is_nan() || span <= 0.0 {
        return vec![128; values.len()];
    }
    values.iter().map(|&v| (((v - min) / span) * 255.0).round().clamp(0.0, 255.0) as u8).collect()
}

/// Rescales values symmetrically around zero: 0 → 128, the largest magnitude → 0 (negative) or 255
/// (positive), so a diverging color map shows each weight's sign. All zeros map to 128.
pub fn signed_gray(values: &[f32]) -> Vec<u8> {
    let (min, max) = min_max(values);
    let m = min.abs().max(max.abs());
    if m.is_nan() || m <= 0.0 {
        return vec![128; values.len()];
    }
    values
        .iter()
        .map(|&v| {
            let reach = if v < 0.0 { 128.0 } else { 127.0 };
            (128.0 + v / m * reach).round().clamp(0.0, 255.0) as u8
        })
        .collect()
}

/// The diverging map of a [`signed_gray`] level as RGB: blue (0) through white (128) to red (255).
/// The dashboard's shading and the report's pictures both use it.
pub fn diverging_rgb(v: u8) -> (u8, u8, u8) {
    let t = (v as f32 - 128.0) / 127.0;
    let fade = (255.0 * (1.0 - t.abs().min(1.0))).round() as u8;
    if t < 0.0 {
        (fade, fade, 255)
    } else {
        (255, fade, fade)
    }
}

/// Smallest and largest value (0, 0 for an empty slice). NaNs are ignored.
pub fn min_max(values: &[f32]) -> (f32, f32) {
    let mut it = values.iter().copied().filter(|v| !v.is_nan());
    let Some(first) = it.next() else { return (0.0, 0.0) };
    it.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

/// The ramp character for a gray level.
pub fn ramp_char(gray: u8) -> char {
    let i = gray as usize * (ASCII_RAMP.len() - 1) / 255;
    ASCII_RAMP[i] as char
}

/// A grayscale picture, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrayImage {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

impl GrayImage {
    pub fn new(width: usize, height: usize, fill: u8) -> GrayImage {
        GrayImage { width, height, pixels: vec![fill; width * height] }
    }

    pub fn from_pixels(width: usize, height: usize, pixels: Vec<u8>) -> GrayImage {
        assert_eq!(pixels.len(), width * height, "pixel count must match the size");
        GrayImage { width, height, pixels }
    }

    pub fn get(&self, x: usize, y: usize) -> u8 {
        self.pixels[y * self.width + x]
    }

    /// Nearest-neighbour enlargement by an integer factor, so 28x28 pictures are visible.
    pub fn upscale(&self, factor: usize) -> GrayImage {
        let (w, h) = (self.width * factor, self.height * factor);
        let mut pixels = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                pixels.push(self.get(x / factor, y / factor));
            }
        }
        GrayImage { width: w, height: h, pixels }
    }

    /// Copies `tile` with its top-left corner at (x, y).
    pub fn blit(&mut self, tile: &GrayImage, x: usize, y: usize) {
        for ty in 0..tile.height {
            let row = (y + ty) * self.width + x;
            self.pixels[row..row + tile.width].copy_from_slice(&tile.pixels[ty * tile.width..(ty + 1) * tile.width]);
        }
    }
}

/// Resampling to any size, so a 28x28 picture fits whatever terminal cells are available: each
/// target pixel is the mean of the source pixels it covers (nearest neighbour when enlarging), so
/// thumbnails keep the picture's shape instead of picking stray pixels. A zero-sized target gives an
/// empty image.
pub fn resample(img: &GrayImage, width: usize, height: usize) -> GrayImage {
    if img.width == 0 || img.height == 0 {
        return GrayImage::new(width, height, 0);
    }
    let span = |i: usize, from: usize, to: usize| {
        let a = i * from / to;
        (a, ((i + 1) * from / to).max(a + 1).min(from))
    };
    let mut pixels = Vec::with_capacity(width * height);
    for y in 0..height {
        let (y0, y1) = span(y, img.height, height);
        for x in 0..width {
            let (x0, x1) = span(x, img.width, width);
            let sum: u32 = (y0..y1).flat_map(|sy| (x0..x1).map(move |sx| (sx, sy))).map(|(sx, sy)| img.get(sx, sy) as u32).sum();
            pixels.push((sum as f32 / ((y1 - y0) * (x1 - x0)) as f32).round() as u8);
        }
    }
    GrayImage { width, height, pixels }
}

/// The largest integer scale at which a `w`x`h` picture fits in `max_w`x`max_h` (at least 1).
pub fn fit_scale(w: usize, h: usize, max_w: usize, max_h: usize) -> usize {
    if w == 0 || h == 0 {
        return 1;
    }
    (max_w / w).min(max_h / h).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescale_maps_min_to_0_and_max_to_255() {
        assert_eq!(rescale_to_gray(&[-0.5, 0.0, 1.5]), vec![0, 64, 255]);
        assert_eq!(rescale_to_gray(&[0.3, 0.3]), vec![128, 128]);
    }

    #[test]
    fn signed_gray_centres_zero() {
        assert_eq!(signed_gray(&[-2.0, 0.0, 1.0, 2.0]), vec![0, 128, 192, 255]);
        assert_eq!(signed_gray(&[0.0, 0.0]), vec![128, 128]);
    }

    #[test]
    fn ramp_ends() {
        assert_eq!((ramp_char(0), ramp_char(255)), (' ', '@'));
    }

    #[test]
    fn resample_averages_when_shrinking_and_repeats_when_growing() {
        let img = GrayImage::from_pixels(4, 2, vec![0, 10, 20, 30, 40, 50, 60, 70]);
        let half = resample(&img, 2, 1);
        assert_eq!(half.pixels, vec![25, 45]);
        assert_eq!(resample(&img, 4, 2), img);
        let big = resample(&img, 8, 4);
        assert_eq!(big, img.upscale(2));
        assert_eq!(resample(&img, 0, 3).pixels.len(), 0);
        assert_eq!(fit_scale(28, 14, 60, 30), 2);
        assert_eq!(fit_scale(28, 14, 10, 5), 1);
    }
}
