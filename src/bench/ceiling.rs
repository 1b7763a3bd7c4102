//! The machine's float32 matrix-product ceiling, measured in the same run as the workloads: a large
//! sgemm (2048³) through the same gemm kernels and pool the trainer uses, and the floating-point work
//! an epoch of a workload needs, so each epoch time can be read as a multiple of the time the hardware
//! would need at that rate.

use crate::model::matmul::{matmul, View};

/// The product measured: n × n times n × n.
pub const N: usize = 2048;
const REPEATS: usize = 5;

/// Best GFLOP/s of [`REPEATS`] products of two n × n matrices, in a pool of `threads` threads.
pub fn gflops(threads: usize) -> f64 {
    let a: Vec<f32> = (0..N * N).map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5).collect();
    let b: Vec<f32> = (0..N * N).map(|i| ((i * 104_729) % 1000) as f32 / 1000.0 - 0.5).collect();
    let mut c = vec![0f32; N * N];
    let mut run = || {
        let mut best = f64::INFINITY;
        for _ in 0..REPEATS {
            let t = std::time::Instant::now();
            matmul(View::new(&a, N, N), View::new(&b, N, N), &mut c);
            best = best.min(t.elapsed().as_secs_f64());
        }
        best
    };
    let seconds = match crate::train::worker::compute_pool(threads) {
        Some(pool) => pool.install(run),
        None => run(),
    };
    2.0 * (N as f64).powi(3) / seconds / 1e9
}

/// Floating-point operations of one training epoch of `images` images through layers of the given
/// widths (input first): per layer the forward product, the weight gradient, and the input gradient
/// for every layer after the first (2 flops per multiply-add each).
pub fn epoch_flops(widths: &[usize], images: usize) -> f64 {
    let per_image: f64 = widths
        .windows(2)
        .enumerate()
        .map(|(l, w)| {
            let macs = (w[0] * w[1]) as f64;
            2.0 * macs * if l == 0 { 2.0 } else { 3.0 }
        })
        .sum();
    per_image * images as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_workloads_need_the_issues_flops() {
        // Issue 14: W1 is 24.6 GFLOP an epoch, W2 144.5.
        assert!((epoch_flops(&[784, 128, 10], 60_000) / 1e9 - 24.5).abs() < 0.2);
        assert!((epoch_flops(&[784, 512, 256, 10], 60_000) / 1e9 - 144.5).abs() < 0.5);
    }
}
