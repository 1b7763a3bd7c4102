//! Single-precision matrix products on row-major slices, through the `gemm` crate.
//!
//! dfdx 0.13 pins gemm 0.15, whose AVX-512 kernels need a nightly compiler; on stable Rust its AVX2
//! kernels reach about half of what this kind of machine can do. gemm 0.19 with its `x86-v4` feature has
//! AVX-512 kernels on stable (chosen at run time, with AVX2 and scalar fallbacks) and is about twice as
//! fast on every shape of the standard workloads (README, Speed). The training and evaluation passes
//! multiply with it; dfdx keeps the parameters, the optimizer's arithmetic, and the autodiff reference
//! (`reference.rs`) that the tests hold this path to.

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
    // SAFETY: `View::new` checked that each operand's slice holds rows × cols values, and a transposed
    // view keeps the same extent, so every element gemm reads (m×k of a, k×n of b through their
    // strides) and writes (m×n of dst, row stride n) is inside its slice; dst is a unique borrow, so it
    // aliases neither input.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
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
