//! Where each image has ink: its non-zero pixels, found once per data set.
//!
//! Evaluation sums the first layer over inked pixels only (model/inked.rs); finding them took as long
//! as the sums themselves, every epoch, for the same test images. A data set finds them once, when
//! first asked ([`super::Dataset::ink`]): 5 bytes per inked pixel (7.6 MB for MNIST's test set).

/// The inked pixels of every image of a set, image after image.
#[derive(Debug, Clone, PartialEq)]
pub struct Ink {
    /// Image `i`'s inked pixels are `pixel[starts[i]..starts[i + 1]]`.
    starts: Vec<usize>,
    /// Index of the pixel within its image.
    pixel: Vec<u32>,
    /// Its byte value (never 0).
    value: Vec<u8>,
    /// Pixels per image.
    width: usize,
}

impl Ink {
    /// The inked pixels of `images`, whole images of `width` bytes each.
    pub fn of(images: &[u8], width: usize) -> Ink {
        let mut ink = Ink { starts: vec![0], pixel: Vec::new(), value: Vec::new(), width };
        if width == 0 {
            return ink;
        }
        for image in images.chunks_exact(width) {
            inked_pixels(image, |i, p| {
                ink.pixel.push(i as u32);
                ink.value.push(p);
            });
            ink.starts.push(ink.pixel.len());
        }
        ink
    }

    /// Image `i`'s inked pixels (indices within the image, in order) and their values.
    pub fn image(&self, i: usize) -> (&[u32], &[u8]) {
        let range = self.starts[i]..self.starts[i + 1];
        (&self.pixel[range.clone()], &self.value[range])
    }

    /// Share of all the pixels that are inked (0 for an empty set).
    pub fn share(&self) -> f64 {
        let all = (self.starts.len() - 1) * self.width;
        if all == 0 {
            0.0
        } else {
            self.pixel.len() as f64 / all as f64
        }
    }
}

/// Calls `f(index, value)` for each non-zero byte of `image`, in order. Eight bytes at a time: most
/// words of a digit are all background, and within a word the inked bytes are found from a mask of
/// their high bits, without a branch per byte.
#[inline(always)]
pub fn inked_pixels(image: &[u8], mut f: impl FnMut(usize, u8)) {
    let words = image.chunks_exact(8);
    let tail = words.remainder();
    for (k, word) in words.enumerate() {
        let word = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        // Bit 7 of each byte of `inked` is set when that byte of `word` is not zero.
        let mut inked = ((word & LOW7).wrapping_add(LOW7) | word) & !LOW7;
        while inked != 0 {
            let byte = inked.trailing_zeros() as usize / 8;
            inked &= inked - 1;
            f(8 * k + byte, (word >> (8 * byte)) as u8);
        }
    }
    let done = image.len() - tail.len();
    for (i, &p) in tail.iter().enumerate().filter(|(_, &p)| p != 0) {
        f(done + i, p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every non-zero byte is found once, in order, whatever its value (1, 0x7f, 0x80, 0xff: the
    /// mask's edge cases) and wherever it is (a word's first and last byte, the tail past the last
    /// whole word); real digits agree with a plain filter.
    #[test]
    fn finds_every_inked_pixel_in_order() {
        let image: Vec<u8> = vec![1, 0, 0, 0, 0, 0, 0, 0x80, 0, 0x7f, 0xff, 0, 0, 0, 0, 0, 0, 0, 3];
        let mut found = Vec::new();
        inked_pixels(&image, |i, p| found.push((i, p)));
        assert_eq!(found, vec![(0, 1), (7, 0x80), (9, 0x7f), (10, 0xff), (18, 3)]);

        let m = crate::data::load_dir(&crate::data::locate::bundled_dir().unwrap()).unwrap();
        let test = m.test.head(100);
        let ink = Ink::of(test.images(), test.pixels());
        for i in 0..test.len() {
            let want: Vec<(u32, u8)> = test.image(i).iter().enumerate().filter(|(_, &p)| p != 0).map(|(k, &p)| (k as u32, p)).collect();
            let (pixels, values) = ink.image(i);
            assert_eq!(pixels.iter().copied().zip(values.iter().copied()).collect::<Vec<_>>(), want, "image {i}");
        }
        let share = test.images().iter().filter(|&&p| p != 0).count() as f64 / test.images().len() as f64;
        assert!((ink.share() - share).abs() < 1e-12 && share > 0.1 && share < 0.3, "{share}");
        assert_eq!(Ink::of(&[], 784).share(), 0.0);
    }
}
