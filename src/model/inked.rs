//! The first layer of whole images summed over their inked pixels only: what evaluation runs.
//!
//! An MNIST digit is 19 % ink; every background pixel (byte 0) has the same input value, so its share
//! of a unit's sum is the same for every image and is computed once per pass (`base`: the bias plus
//! the background value times each unit's summed weights). Each image then adds, for each inked pixel
//! only, the pixel's weight row scaled by how far its value is above the background's: a fifth of the
//! full product's arithmetic, and no float copy of the images. A whole data set's inked pixels are
//! found once and kept with it (data/ink.rs); a selection of images (validation) finds them per task.
//! Measured on the 10k MNIST test images with a 128-unit first layer: the first layer alone, best of
//! 20, the full product (standardise + gemm) 21.3 ms on one core and 11.8 ms on two, these sums
//! finding the ink as they go 14.1 and 7.2 ms; the whole evaluation (W1), best of 30, 13.7 ms on two
//! cores before, 6.3-7.0 ms with the ink index (10.1 ms on one core).
//!
//! The sums run in another order than the full product's, so a unit's value can differ from it in
//! its last bits (tested: within 1e-5 of the largest value). Images that are mostly ink (an inverted
//! data set, most photographs) take the full product, where these sums would gain nothing.

use rayon::prelude::*;

use super::{Activation, Mlp};
use crate::data::ink::{inked_pixels, Ink};
use crate::data::Dataset;

/// Share of inked (non-zero) bytes under which a batch is summed over inked pixels only.
const SPARSE_BELOW: f64 = 0.35;
/// Images per parallel task.
const IMAGES_PER_TASK: usize = 64;
/// Units summed together, their sums held in registers over an image's inked pixels: 8 AVX-512
/// registers of f32 (one accumulator at a time, or the sums kept in memory, were slower than the
/// full product).
const GROUP: usize = 128;

/// Whether the share of inked bytes over every `step`th image of `sample` (whole images of `input`
/// bytes) is under [`SPARSE_BELOW`].
fn mostly_background(sample: &[u8], input: usize, step: usize) -> bool {
    if input == 0 || sample.is_empty() {
        return false;
    }
    let (mut seen, mut inked) = (0usize, 0usize);
    for image in sample.chunks(input).step_by(step) {
        seen += image.len();
        inked += image.iter().filter(|&&p| p != 0).count();
    }
    inked as f64 <= SPARSE_BELOW * seen as f64
}

/// A model's first layer, prepared once for a pass over many images: summed over inked pixels when
/// images like the sample it was made with are mostly background, else the full product.
pub struct FirstLayer<'m> {
    mlp: &'m Mlp,
    inked: Option<Inked>,
}

impl<'m> FirstLayer<'m> {
    /// For images like `sample` (pixel bytes, whole images; judged on every 16th).
    pub fn new(mlp: &'m Mlp, sample: &[u8]) -> FirstLayer<'m> {
        let inked = mostly_background(sample, mlp.arch.input, 16).then(|| Inked::prepare(mlp)).flatten();
        FirstLayer { mlp, inked }
    }

    /// For the images of `data`: judged on every 16th image first, so that a set that is mostly ink
    /// never builds an ink index (5 bytes an inked pixel), then on all of them (the index, found on
    /// first use and kept with the set).
    pub fn for_set(mlp: &'m Mlp, data: &Dataset) -> FirstLayer<'m> {
        let sparse = data.pixels() == mlp.arch.input
            && mostly_background(data.images(), data.pixels(), 16)
            && data.ink().share() <= SPARSE_BELOW;
        FirstLayer { mlp, inked: sparse.then(|| Inked::prepare(mlp)).flatten() }
    }

    /// [`Mlp::first_layer_outputs`] of images `range` of `data`, which this was made for
    /// ([`FirstLayer::for_set`]).
    pub fn outputs_of_set(&self, data: &Dataset, range: std::ops::Range<usize>) -> Vec<f32> {
        match &self.inked {
            Some(inked) if data.pixels() == inked.input => inked.outputs_of_set(data, range),
            _ => self.outputs(&data.images()[range.start * data.pixels()..range.end * data.pixels()]),
        }
    }

    /// [`Mlp::first_layer_outputs`] of `pixels` (whole images).
    pub fn outputs(&self, pixels: &[u8]) -> Vec<f32> {
        match &self.inked {
            Some(inked) => inked.outputs(pixels),
            None => {
                let mut x = Vec::new();
                self.mlp.inputs(pixels, &mut x);
                self.mlp.first_layer_outputs(x)
            }
        }
    }
}

/// Where a task's images come from.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// Whole images' bytes.
    Bytes(&'a [u8]),
    /// A data set's ink index, from the given image on.
    Indexed(&'a Ink, usize),
}

/// The first layer prepared for summing over inked pixels.
struct Inked {
    /// The first layer's weights, `input × units` row-major.
    w: Vec<f32>,
    /// Each unit's value for an all-background image.
    base: Vec<f32>,
    /// Input of each byte value minus the background's.
    above: [f32; 256],
    input: usize,
    activation: Option<Activation>,
}

impl Inked {
    /// The first layer of `mlp` (None for a model without inputs).
    fn prepare(mlp: &Mlp) -> Option<Inked> {
        let input = mlp.arch.input;
        if input == 0 {
            return None;
        }
        let w = mlp.layers[0].weights();
        let b = mlp.layers[0].b.as_vec();
        let units = b.len();
        // As Standardization::apply: input(p) = p * scale - shift, so the background's is -shift.
        let (scale, shift) = mlp.arch.input_standardization.scale_shift();
        let background = 0.0 * scale - shift;
        let above: [f32; 256] = std::array::from_fn(|p| (p as f32 * scale - shift) - background);
        let mut base = vec![0.0f32; units];
        for row in w.chunks_exact(units) {
            base.iter_mut().zip(row).for_each(|(s, v)| *s += v);
        }
        base.iter_mut().zip(&b).for_each(|(s, bias)| *s = bias + background * *s);
        Some(Inked { w, base, above, input, activation: mlp.activation(0) })
    }

    /// [`Mlp::first_layer_outputs`] of `pixels` (whole images).
    fn outputs(&self, pixels: &[u8]) -> Vec<f32> {
        let images = pixels.len() / self.input;
        self.outputs_by_task(images, |first, n| Source::Bytes(&pixels[first * self.input..(first + n) * self.input]))
    }

    /// [`Mlp::first_layer_outputs`] of images `range` of `data`, from its ink index.
    fn outputs_of_set(&self, data: &Dataset, range: std::ops::Range<usize>) -> Vec<f32> {
        let ink = data.ink();
        self.outputs_by_task(range.len(), |first, _| Source::Indexed(ink, range.start + first))
    }

    /// The outputs of `images` images, in tasks of [`IMAGES_PER_TASK`]; `source(first, n)` gives the
    /// task's images (the `n` from the `first`th on).
    fn outputs_by_task<'s>(&self, images: usize, source: impl Fn(usize, usize) -> Source<'s> + Sync) -> Vec<f32> {
        let units = self.base.len();
        let mut z = vec![0.0f32; images * units];
        let task = |(k, out): (usize, &mut [f32])| {
            self.widest(out, source(k * IMAGES_PER_TASK, out.len() / units));
            if let Some(act) = self.activation {
                act.apply(out);
            }
        };
        if rayon::current_thread_index().is_some() {
            z.par_chunks_mut(units * IMAGES_PER_TASK).enumerate().for_each(task);
        } else {
            // Outside a pool (the dashboard's thread, a command's main thread) stay on this thread,
            // as the products do (matmul.rs).
            z.chunks_mut(units * IMAGES_PER_TASK).enumerate().for_each(task);
        }
        z
    }

    /// The sums of the images of `source` into `out`, units in groups of [`GROUP`], inked pixels in
    /// order.
    #[inline(always)]
    fn run<const FMA: bool>(&self, out: &mut [f32], source: Source) {
        let units = self.base.len();
        match source {
            Source::Indexed(ink, first) => {
                for (k, row) in out.chunks_exact_mut(units).enumerate() {
                    let (pixels, values) = ink.image(first + k);
                    let inked = pixels.iter().zip(values).map(|(&i, &p)| (i as usize * units, self.above[p as usize]));
                    self.accumulate::<FMA>(row, inked);
                }
            }
            Source::Bytes(images) => {
                // Offsets of the inked pixels' weight rows and their values above the background,
                // written by index into buffers of an image's size (pushing onto a vector cost a
                // third of the time).
                let (mut rows_at, mut values) = (vec![0usize; self.input], vec![0f32; self.input]);
                for (row, image) in out.chunks_exact_mut(units).zip(images.chunks_exact(self.input)) {
                    let mut count = 0;
                    inked_pixels(image, |i, p| {
                        rows_at[count] = i * units;
                        values[count] = self.above[p as usize];
                        count += 1;
                    });
                    self.accumulate::<FMA>(row, rows_at[..count].iter().copied().zip(values[..count].iter().copied()));
                }
            }
        }
    }

    /// One image's sums into `row`, from its inked pixels' weight-row offsets and values.
    #[inline(always)]
    fn accumulate<const FMA: bool>(&self, row: &mut [f32], ink: impl Iterator<Item = (usize, f32)> + Clone) {
        for (start, (sums, from)) in row.chunks_mut(GROUP).zip(self.base.chunks(GROUP)).enumerate().map(|(k, c)| (k * GROUP, c)) {
            if sums.len() == GROUP {
                let mut acc = [0.0f32; GROUP];
                acc.copy_from_slice(from);
                for (at, d) in ink.clone() {
                    let wr: &[f32; GROUP] = self.w[at + start..at + start + GROUP].try_into().expect("a group of weights");
                    for l in 0..GROUP {
                        acc[l] = if FMA { d.mul_add(wr[l], acc[l]) } else { acc[l] + d * wr[l] };
                    }
                }
                sums.copy_from_slice(&acc);
            } else {
                sums.copy_from_slice(from);
                let n = sums.len();
                for (at, d) in ink.clone() {
                    sums.iter_mut().zip(&self.w[at + start..at + start + n]).for_each(|(a, &wv)| *a += d * wv);
                }
            }
        }
    }

    /// [`Inked::run`] compiled for the widest vectors the CPU has. (pulp's closure dispatch, which
    /// the Adam step uses, left this loop on SSE inside rayon's tasks; functions with the target
    /// features do not.)
    fn widest(&self, out: &mut [f32], source: Source) {
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx512f,fma")]
            fn avx512(s: &Inked, out: &mut [f32], source: Source) {
                s.run::<true>(out, source)
            }
            #[target_feature(enable = "avx2,fma")]
            fn avx2(s: &Inked, out: &mut [f32], source: Source) {
                s.run::<true>(out, source)
            }
            if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("fma") {
                // SAFETY: the CPU was just found to have the two features `avx512` enables.
                return unsafe { avx512(self, out, source) };
            }
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                // SAFETY: as above, for `avx2`.
                return unsafe { avx2(self, out, source) };
            }
        }
        self.run::<false>(out, source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Activation, Architecture, HiddenLayer};

    fn arch(units: usize) -> Architecture {
        Architecture::new(784, vec![HiddenLayer { neurons: units, activation: Activation::Relu }], 10)
    }

    /// On real test digits the inked-pixel sums agree with the full product to float rounding, for
    /// unit counts in whole groups and not, in a pool and outside; mostly-inked images take the full
    /// product itself.
    #[test]
    fn inked_pixel_sums_agree_with_the_full_product() {
        let m = crate::data::load_dir(&crate::data::locate::bundled_dir().unwrap()).unwrap();
        let test = m.test.head(300);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        for units in [12, 128, 200] {
            let mlp = Mlp::new(&arch(units), 3);
            let mut x = Vec::new();
            mlp.inputs(test.images(), &mut x);
            let full = mlp.first_layer_outputs(x.clone());
            let of_pixels = |px: &[u8]| FirstLayer::new(&mlp, px).outputs(px);
            let inked = of_pixels(test.images());
            assert_eq!(full.len(), inked.len());
            let scale = full.iter().fold(1f32, |m, v| m.max(v.abs()));
            let worst = full.iter().zip(&inked).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
            assert!(worst <= 1e-5 * scale, "{units} units: off by {worst} (values up to {scale})");
            assert!(full != inked, "{units} units: the sums did run in another order");
            assert_eq!(pool.install(|| of_pixels(test.images())), inked, "{units} units in a pool");
            // From the set's ink index: the same sums, bit for bit, for any range of its images.
            let layer = FirstLayer::for_set(&mlp, &test);
            assert_eq!(layer.outputs_of_set(&test, 0..300), inked, "{units} units from the ink index");
            assert_eq!(pool.install(|| layer.outputs_of_set(&test, 70..201)), inked[70 * units..201 * units], "{units} units, images 70..201");
            // Negated digits are mostly ink: the full product, bit for bit.
            let dark: Vec<u8> = test.images().iter().map(|p| 255 - p).collect();
            mlp.inputs(&dark, &mut x);
            assert_eq!(of_pixels(&dark), mlp.first_layer_outputs(x.clone()));
            let dark_set = Dataset::new(test.rows, test.cols, dark, test.labels.clone());
            assert_eq!(FirstLayer::for_set(&mlp, &dark_set).outputs_of_set(&dark_set, 0..300), mlp.first_layer_outputs(x.clone()));
        }
    }
}
