//! The first layer's units split into bands, one a thread of the pool, and its weights (and their
//! gradient, and Adam's moments) stored band after band while a run trains with Adam.
//!
//! gemm splits the forward product `X · W` by batch rows, so each of its threads reads every weight of
//! the layer, half of them just rewritten by Adam on the other core; reading a cache line another core
//! has modified waits for it to come across. With the weights stored band-major (band `i`'s columns
//! as one contiguous `fan_in × width` block) each thread multiplies, differentiates and steps only its
//! own band: thread `i` takes band `i` in all three (rayon runs the first task on the calling thread and
//! hands the next to the spinning one, in the same order every time), so a band's weights stay in one
//! core's cache. Measured on the Intel lab machine (2 MB of L2 a core) in a loop that rewrites the
//! weights between products as Adam does: W2's 64×784×512 forward product 314–328 → 202–204 ms an epoch,
//! W1's 128×784×128 50–52 → 41–43 ms and its weight gradient 44–46 → 39–40 ms. (Row-major bands, each
//! thread taking its columns of every row, were several times slower in Adam: the hardware prefetchers
//! reach across every row's band edge into the other core's lines.)
//!
//! Every element is the same sum as in the one product over the row-major matrix when
//! [`super::matmul::bands_keep_bits`] holds, which the optimizer checks for its batch size before it
//! lays the weights out in bands; a batch for which it does not hold (an epoch's short last batch)
//! multiplies a row-major copy instead. So training gives the same bits with and without bands (tested).

use std::ops::Range;

/// Columns a band's width is a multiple of (a 512-bit vector of floats), except the last band's.
const WIDTH_STEP: usize = 16;

/// `units` columns in `threads` bands of nearly equal width, each a multiple of 16 columns (the last
/// takes the rest); `None` for one thread or when a band would be under 16 columns.
pub fn split(units: usize, threads: usize) -> Option<Vec<Range<usize>>> {
    if threads < 2 || units < threads * WIDTH_STEP {
        return None;
    }
    let mut edges: Vec<usize> = (0..threads).map(|t| (t * units / threads) / WIDTH_STEP * WIDTH_STEP).collect();
    edges.push(units);
    let bands: Vec<Range<usize>> = edges.windows(2).map(|w| w[0]..w[1]).collect();
    bands.iter().all(|b| b.len() >= WIDTH_STEP).then_some(bands)
}

/// Checks that `bands` cover columns `0..cols` in order, none empty.
pub fn check(bands: &[Range<usize>], cols: usize) {
    assert!(bands.first().is_some_and(|f| f.start == 0) && bands.last().is_some_and(|l| l.end == cols), "bands cover the columns");
    assert!(bands.iter().all(|b| b.start < b.end) && bands.windows(2).all(|w| w[0].end == w[1].start), "bands in order");
}

/// The blocks of a band-major matrix of `rows` rows, one a band (`rows × band.len()`), in order.
pub fn blocks<'a>(matrix: &'a [f32], rows: usize, bands: &[Range<usize>]) -> Vec<&'a [f32]> {
    let cols = bands.last().map_or(0, |b| b.end);
    check(bands, cols);
    assert_eq!(matrix.len(), rows * cols, "matrix size");
    let mut rest = matrix;
    bands
        .iter()
        .map(|band| {
            let (block, tail) = rest.split_at(rows * band.len());
            rest = tail;
            block
        })
        .collect()
}

/// [`blocks`], to write.
pub fn blocks_mut<'a>(matrix: &'a mut [f32], rows: usize, bands: &[Range<usize>]) -> Vec<&'a mut [f32]> {
    let cols = bands.last().map_or(0, |b| b.end);
    check(bands, cols);
    assert_eq!(matrix.len(), rows * cols, "matrix size");
    let mut rest = matrix;
    bands
        .iter()
        .map(|band| {
            let (block, tail) = std::mem::take(&mut rest).split_at_mut(rows * band.len());
            rest = tail;
            block
        })
        .collect()
}

/// A row-major `rows × cols` matrix in band-major order.
pub fn to_band_major(matrix: &[f32], rows: usize, cols: usize, bands: &[Range<usize>]) -> Vec<f32> {
    assert_eq!(matrix.len(), rows * cols, "matrix size");
    let mut out = Vec::with_capacity(matrix.len());
    for band in bands {
        for row in matrix.chunks_exact(cols) {
            out.extend_from_slice(&row[band.clone()]);
        }
    }
    out
}

/// A band-major `rows × cols` matrix back in row-major order.
pub fn to_row_major(blocks: &[f32], rows: usize, cols: usize, bands: &[Range<usize>]) -> Vec<f32> {
    assert_eq!(blocks.len(), rows * cols, "matrix size");
    let mut out = vec![0.0; rows * cols];
    for (band, block) in bands.iter().zip(self::blocks(blocks, rows, bands)) {
        for (row, part) in out.chunks_exact_mut(cols).zip(block.chunks_exact(band.len())) {
            row[band.clone()].copy_from_slice(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_cover_the_units_in_steps_of_sixteen() {
        assert_eq!(split(128, 2), Some(vec![0..64, 64..128]));
        assert_eq!(split(512, 2), Some(vec![0..256, 256..512]));
        assert_eq!(split(100, 3), Some(vec![0..32, 32..64, 64..100]));
        assert_eq!(split(300, 4), Some(vec![0..64, 64..144, 144..224, 224..300]));
        assert_eq!(split(128, 1), None);
        assert_eq!(split(40, 3), None, "bands under 16 columns");
    }

    #[test]
    fn band_major_order_goes_there_and_back() {
        let (rows, cols) = (7, 100);
        let m: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
        let bands = split(cols, 3).unwrap();
        let b = to_band_major(&m, rows, cols, &bands);
        // Band 1 (columns 32..64) starts with row 0's column 32, then row 0's 33.
        let band1 = blocks(&b, rows, &bands)[1];
        assert_eq!((band1.len(), band1[0], band1[1]), (rows * 32, 32.0, 33.0));
        assert_eq!(band1[32], 100.0 + 32.0, "row 1 of the band");
        assert_eq!(to_row_major(&b, rows, cols, &bands), m);
    }
}
