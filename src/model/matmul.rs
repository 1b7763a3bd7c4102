//! Single-precision matrix products on row-major slices, through the `gemm` crate.
//!
//! dfdx 0.13 pins gemm 0.15, whose AVX-512 kernels need a nightly compiler; on stable Rust its AVX2
//! kernels reach about half of what this kind of machine can do. gemm 0.19 with its `x86-v4` feature has
//! AVX-512 kernels on stable (chosen at run time, with AVX2 and scalar fallbacks) and is about twice as
//! fast on every shape of the standard workloads (README, Speed). The training and evaluation passes
//! multiply with it; dfdx keeps the parameters, the optimizer's arithmetic, and the autodiff reference
//! (`reference.rs`) that the tests hold this path to.

use std::ops::Range;

/// A matrix over a row-major slice; `t()` transposes it by swapping strides, without copying.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: isize,
    col_stride: isize,
}

impl<'a> View<'a> {
    /// `data` as a `rows` × `cols` row-major matrix.
    pub fn new(data: &'a [f32], rows: usize, cols: usize) -> View<'a> {
        assert_eq!(data.len(), rows * cols, "a {rows}x{cols} matrix needs {} values", rows * cols);
        View { data, rows, cols, row_stride: cols as isize, col_stride: 1 }
    }

    pub fn t(self) -> View<'a> {
        View { rows: self.cols, cols: self.rows, row_stride: self.col_stride, col_stride: self.row_stride, ..self }
    }
}

/// `dst = a · b`, `dst` row-major (`a.rows` × `b.cols`). Inside a rayon pool (the trainer's, the
/// bench's) it uses the pool's threads; called from any other thread (the dashboard's, a CLI's main
/// thread) it stays on that thread, so that a diagnostic or a re-evaluation in the dashboard never wakes
/// a second set of workers to compete with a training run for the cores.
pub fn matmul(a: View, b: View, dst: &mut [f32]) {
    assert_eq!(a.cols, b.rows, "inner dimensions differ");
    assert_eq!(dst.len(), a.rows * b.cols, "output size");
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        dst.fill(0.0);
        return;
    }
    let threads = if rayon::current_thread_index().is_some() { rayon::current_num_threads() } else { 1 };
    let parallelism = if threads > 1 { gemm::Parallelism::Rayon(threads) } else { gemm::Parallelism::None };
    // SAFETY: `dst` holds a.rows × b.cols values (asserted above), row stride b.cols.
    unsafe { product(a, b, dst.as_mut_ptr(), n, parallelism) }
}

/// Whether a product computed one band of the result's columns at a time gives the bits of the one
/// product ([`matmul`]) for `rows` rows, `depth` and these bands (see `bands.rs`). Each element is one
/// sum over the depth, cut into blocks whose size gemm chooses from the caches and the depth alone,
/// except on its small path (both sides of the result ≤ 64: blocks of 512); and it is summed otherwise
/// only by its matrix-vector (a side of 1), depth ≤ 2 and horizontal (m·n ≤ 256) kernels. The whole
/// and the bands must all avoid those.
pub fn bands_keep_bits(rows: usize, depth: usize, bands: &[Range<usize>]) -> bool {
    let narrowest = bands.iter().map(|b| b.len()).min().unwrap_or(0);
    depth > 2 && rows >= 2 && narrowest >= 2 && rows * narrowest > 256 && (rows > 64 || narrowest > 64)
}

/// `dst = a · B` for row-major `dst` (`a.rows` × the bands' total width) where `B` is given as one
/// block a band (`blocks[i]` holds columns `bands[i]`): band `i` of the result from block `i`, one band
/// a task over the pool, each task's product on its own thread.
pub fn matmul_column_bands(a: View, blocks: &[View], dst: &mut [f32], bands: &[Range<usize>]) {
    use rayon::prelude::*;
    let n = bands.last().map_or(0, |b| b.end);
    super::bands::check(bands, n);
    assert_eq!(dst.len(), a.rows * n, "output size");
    assert_eq!(blocks.len(), bands.len(), "a block a band");
    for (block, band) in blocks.iter().zip(bands) {
        assert!(block.rows == a.cols && block.cols == band.len(), "block shape");
    }
    let out = SendPtr(dst.as_mut_ptr());
    blocks.par_iter().zip(bands).for_each(|(&block, band)| {
        // SAFETY: the bands are disjoint column ranges inside 0..n, so each task writes its own
        // elements of `dst` (a.rows rows of stride n), all inside it.
        unsafe { product(a, block, out.get().add(band.start), n, gemm::Parallelism::None) }
    });
}

/// `dst = a · b` stored band-major: block `i` of `dst` (`a.rows` × `bands[i].len()`, row-major, the
/// blocks one after another) from columns `bands[i]` of `b`, one band a task over the pool.
pub fn matmul_to_blocks(a: View, b: View, bands: &[Range<usize>], dst: &mut [f32]) {
    use rayon::prelude::*;
    assert_eq!(a.cols, b.rows, "inner dimensions differ");
    super::bands::check(bands, b.cols);
    super::bands::blocks_mut(dst, a.rows, bands).into_par_iter().zip(bands).for_each(|(block, band)| {
        let columns = View { data: &b.data[band.start * b.col_stride as usize..], cols: band.len(), ..b };
        // SAFETY: `block` is a.rows × band.len() values of this task's own, row stride band.len();
        // the columns start inside `b` and reach no further than `b` did.
        unsafe { product(a, columns, block.as_mut_ptr(), band.len(), gemm::Parallelism::None) }
    });
}

/// `dst`'s start, shared between the tasks of [`matmul_column_bands`], which write disjoint elements.
#[derive(Clone, Copy)]
struct SendPtr(*mut f32);
// SAFETY: see `matmul_column_bands`: the tasks write disjoint elements.
unsafe impl Send for SendPtr {}
unsafe impl Sync for SendPtr {}

impl SendPtr {
    fn get(self) -> *mut f32 {
        self.0
    }
}

/// `dst = a · b` in one gemm call, `dst` row-major with row stride `dst_stride`.
///
/// # Safety
/// `dst` points at `a.rows` rows of `b.cols` writable values each, `dst_stride` apart, that nothing
/// else reads or writes during the call.
unsafe fn product(a: View, b: View, dst: *mut f32, dst_stride: usize, parallelism: gemm::Parallelism) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        for row in 0..m {
            // SAFETY: the caller vouches for dst's rows.
            unsafe { std::slice::from_raw_parts_mut(dst.add(row * dst_stride), n) }.fill(0.0);
        }
        return;
    }
    // SAFETY: `View::new` checked that each operand's slice holds rows × cols values, a transposed
    // view keeps the same extent and a view of some columns starts inside it, so every element gemm
    // reads (m×k of a, k×n of b through their strides) is inside its slice; the caller vouches for
    // dst, which aliases neither input.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            dst_stride as isize,
            false,
            a.data.as_ptr(),
            a.col_stride,
            a.row_stride,
            b.data.as_ptr(),
            b.col_stride,
            b.row_stride,
            0.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// `dst = a · bᵀ` for row-major `a` (`m` × `k`) and `b` (`n` × `k`): the backward pass's `dz · Wᵀ`.
///
/// gemm 0.19 is slow when the right operand's rows run across memory (a transposed view) or when
/// the destination is column-major: W2's 64×256 by 256×512 product ran at 65-75 GFLOP/s either way,
/// against ~200 with every operand row-major. So for all but small products this transposes `a`,
/// multiplies `b · aᵀ` with row-major operands and transposes the result back: two transposes of the
/// small operands (4.5 and 9 µs for W2) instead of 150 µs lost in the product. Every element is
/// the same sum of the same products in the same order, so the results are the same bits (tested).
pub fn matmul_transposed_b(a: &[f32], b: &[f32], m: usize, k: usize, n: usize, dst: &mut [f32]) {
    assert_eq!(a.len(), m * k, "left operand size");
    assert_eq!(b.len(), n * k, "right operand size");
    assert_eq!(dst.len(), m * n, "output size");
    // Below this the two transposes cost more than they save (W1's 128×10 by 10×128: 10 µs vs 5).
    const SMALL: usize = 64;
    if k < SMALL || n < SMALL || m == 0 {
        return matmul(View::new(a, m, k), View::new(b, n, k).t(), dst);
    }
    let mut at = vec![0.0; k * m];
    transpose::transpose(a, &mut at, k, m);
    let mut product = vec![0.0; n * m];
    matmul(View::new(b, n, k), View::new(&at, k, m), &mut product);
    transpose::transpose(&product, dst, m, n);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook triple loop.
    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut c = vec![0.0f64; m * n];
        for i in 0..m {
            for p in 0..k {
                for j in 0..n {
                    c[i * n + j] += a[i * k + p] as f64 * b[p * n + j] as f64;
                }
            }
        }
        c.into_iter().map(|v| v as f32).collect()
    }

    fn transpose(x: &[f32], rows: usize, cols: usize) -> Vec<f32> {
        (0..cols).flat_map(|j| (0..rows).map(move |i| x[i * cols + j])).collect()
    }

    /// The first layer's products in bands (W1: 128 rows, 128 units; W2: 64 rows, 512 units; the
    /// weight gradients with the input transposed) give the one product's bits where
    /// `bands_keep_bits` says so, the weights and the gradient stored band-major.
    #[test]
    fn products_in_bands_give_the_bits_of_one_product() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        for (rows, k, units) in [(128, 784, 128), (64, 784, 512), (100, 300, 96)] {
            let bands = crate::model::bands::split(units, 2).unwrap();
            let x: Vec<f32> = (0..rows * k).map(|i| ((i * 7919 % 1000) as f32 - 500.0) / 317.0).collect();
            let w: Vec<f32> = (0..k * units).map(|i| ((i * 104_729 % 1000) as f32 - 500.0) / 2111.0).collect();
            // Forward: x · w, w band-major.
            assert!(bands_keep_bits(rows, k, &bands), "{rows}x{k}x{units}");
            let mut one = vec![f32::NAN; rows * units];
            matmul(View::new(&x, rows, k), View::new(&w, k, units), &mut one);
            let wb = crate::model::bands::to_band_major(&w, k, units, &bands);
            let blocks: Vec<View> = crate::model::bands::blocks(&wb, k, &bands).into_iter().zip(&bands).map(|(w, b)| View::new(w, k, b.len())).collect();
            let mut banded = vec![f32::NAN; rows * units];
            pool.install(|| matmul_column_bands(View::new(&x, rows, k), &blocks, &mut banded, &bands));
            assert_eq!(bits(&banded), bits(&one), "forward {rows}x{k}x{units}");
            // Weight gradient: xᵀ · dz into band-major blocks.
            assert!(bands_keep_bits(k, rows, &bands));
            let dz: Vec<f32> = (0..rows * units).map(|i| ((i * 31 % 97) as f32 - 48.0) / 1000.0).collect();
            let mut one = vec![f32::NAN; k * units];
            matmul(View::new(&x, rows, k).t(), View::new(&dz, rows, units), &mut one);
            let mut banded = vec![f32::NAN; k * units];
            pool.install(|| matmul_to_blocks(View::new(&x, rows, k).t(), View::new(&dz, rows, units), &bands, &mut banded));
            assert_eq!(bits(&crate::model::bands::to_row_major(&banded, k, units, &bands)), bits(&one), "gradient {rows}x{k}x{units}");
        }
        // gemm's small path (both sides ≤ 64) cuts the sum elsewhere: not banded.
        assert!(!bands_keep_bits(64, 784, &crate::model::bands::split(128, 2).unwrap()));
    }

    #[test]
    fn products_with_and_without_transposes_match_the_triple_loop() {
        // Odd sizes exercise the kernels' edges; values from a fixed sequence.
        let (m, k, n) = (37, 129, 23);
        let a: Vec<f32> = (0..m * k).map(|i| ((i * 7919 % 1000) as f32 - 500.0) / 250.0).collect();
        let b: Vec<f32> = (0..k * n).map(|i| ((i * 104_729 % 1000) as f32 - 500.0) / 250.0).collect();
        let want = naive(&a, &b, m, k, n);
        let close = |got: &[f32]| got.iter().zip(&want).all(|(g, w)| (g - w).abs() <= 1e-3 * (1.0 + w.abs()));
        let mut c = vec![f32::NAN; m * n];
        matmul(View::new(&a, m, k), View::new(&b, k, n), &mut c);
        assert!(close(&c), "plain");
        let (at, bt) = (transpose(&a, m, k), transpose(&b, k, n));
        let mut c = vec![f32::NAN; m * n];
        matmul(View::new(&at, k, m).t(), View::new(&bt, n, k).t(), &mut c);
        assert!(close(&c), "both transposed");
        // a · bᵀ both ways: the transposing path for large operands gives the strided product's bits.
        for (m, k, n) in [(m, k, n), (64, 256, 96), (65, 70, 130)] {
            let a: Vec<f32> = (0..m * k).map(|i| ((i * 7919 % 1000) as f32 - 500.0) / 250.0).collect();
            let b: Vec<f32> = (0..n * k).map(|i| ((i * 104_729 % 1000) as f32 - 500.0) / 250.0).collect();
            let mut strided = vec![f32::NAN; m * n];
            matmul(View::new(&a, m, k), View::new(&b, n, k).t(), &mut strided);
            let mut got = vec![f32::NAN; m * n];
            matmul_transposed_b(&a, &b, m, k, n, &mut got);
            assert_eq!(got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), strided.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), "{m}x{k}x{n}");
            let want = naive(&a, &transpose(&b, n, k), m, k, n);
            assert!(got.iter().zip(&want).all(|(g, w)| (g - w).abs() <= 1e-3 * (1.0 + w.abs())), "{m}x{k}x{n} against the triple loop");
        }
        let mut empty = vec![5.0; m * n];
        matmul(View::new(&[], m, 0), View::new(&[], 0, n), &mut empty);
        assert!(empty.iter().all(|&v| v == 0.0));
    }
}
