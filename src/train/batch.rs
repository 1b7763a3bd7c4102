//! Assembling a training batch: the chosen images as inputs, and their labels.
//!
//! The images of a batch are scattered over the 47 MB training set, so reading them is mostly cache
//! misses: the conversion to inputs runs over the pool, straight from the data set (no copy of the
//! bytes first), each task fetching its next image while it converts this one.
//!
//! The trainer used to also prefetch the whole next batch while this one trained. On the Zen 4 lab
//! machine that measured as noise once the conversion prefetched for itself; on the Intel one
//! (AVX-512, 2 MB L2) it cost: W1 epochs 143-151 ms with it, 132-133 ms without (harness, same
//! binary otherwise), the gather itself 15 -> 10 ms an epoch. So it went.

use rayon::prelude::*;

use crate::data::Dataset;
use crate::model::Standardization;

/// Images converted per parallel task.
const IMAGES_PER_TASK: usize = 16;

/// Writes the inputs of images `rows` of `data`, one row after another, into `x` (replacing its
/// contents), and their labels into `labels`. The values are [`Standardization::apply`]'s.
pub fn assemble(data: &Dataset, rows: &[usize], st: &Standardization, x: &mut Vec<f32>, labels: &mut Vec<u8>) {
    let width = data.pixels();
    let n = rows.len() * width;
    let (scale, shift) = st.scale_shift();
    labels.clear();
    labels.extend(rows.iter().map(|&i| data.labels[i]));
    x.clear();
    x.reserve(n);
    let spare = &mut x.spare_capacity_mut()[..n];
    // Each task asks for its next image while converting this one, and converts with the widest
    // vectors the CPU has (pulp, as the Adam step; the build's baseline is 4-wide SSE, one byte load
    // a pixel): profiled, 60 % of the conversion's time was that load waiting on the cache, and the
    // gather fell from 27 to 17 µs a W1 batch. Same values at any width (a multiply, then a subtract).
    let convert = |(dst, rows): (&mut [std::mem::MaybeUninit<f32>], &[usize])| {
        pulp::Arch::new().dispatch(
            #[inline(always)]
            || {
                for (k, (dst, &i)) in dst.chunks_exact_mut(width).zip(rows).enumerate() {
                    if let Some(&next) = rows.get(k + 1) {
                        prefetch(data, &[next]);
                    }
                    for (d, &p) in dst.iter_mut().zip(data.image(i)) {
                        d.write(p as f32 * scale - shift);
                    }
                }
            },
        )
    };
    if rayon::current_thread_index().is_some() && rows.len() > IMAGES_PER_TASK {
        spare.par_chunks_mut(width * IMAGES_PER_TASK).zip(rows.par_chunks(IMAGES_PER_TASK)).for_each(convert);
    } else {
        convert((spare, rows));
    }
    // SAFETY: the first `n` elements were all written just above: the chunks of `spare` (exactly `n`
    // long) go with groups of rows of the same count, each row filling `width` elements of its chunk
    // with one value per pixel (every image has `width` pixels).
    unsafe { x.set_len(n) };
}

/// Asks the CPU to bring images `rows` of `data` into its caches, without waiting for them.
#[inline(always)]
fn prefetch(data: &Dataset, rows: &[usize]) {
    #[cfg(target_arch = "x86_64")]
    for &i in rows {
        let image = data.image(i);
        for line in image.chunks(64) {
            // SAFETY: a prefetch is only a hint; the address is inside `image` anyway.
            unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(line.as_ptr().cast()) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The assembled batch is the images' bytes through `Standardization::apply`, in the order asked
    /// for, with their labels, whether it runs in a pool or not.
    #[test]
    fn a_batch_is_the_chosen_images_standardised_in_order() {
        let m = crate::data::load_dir(&crate::data::locate::bundled_dir().unwrap()).unwrap();
        let test = m.test.head(200);
        let st = Standardization::of(test.images());
        let rows: Vec<usize> = (0..70).map(|k| (k * 37 + 11) % 200).collect();
        let mut bytes = Vec::new();
        rows.iter().for_each(|&i| bytes.extend_from_slice(test.image(i)));
        let mut want = Vec::new();
        st.apply(&bytes, &mut want);
        let want_labels: Vec<u8> = rows.iter().map(|&i| test.labels[i]).collect();
        let (mut x, mut labels) = (vec![9.0; 5], vec![7; 3]);
        assemble(&test, &rows, &st, &mut x, &mut labels);
        assert_eq!((&x, &labels), (&want, &want_labels));
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let (mut x, mut labels) = (Vec::new(), Vec::new());
        pool.install(|| assemble(&test, &rows, &st, &mut x, &mut labels));
        assert_eq!((&x, &labels), (&want, &want_labels));
        prefetch(&test, &rows);
    }
}
