//! The training path: forward and backward passes written layer by layer on dfdx tensors.
//!
//! dfdx's tape would also work (see `reference.rs`, which the tests compare against), but it computes a
//! gradient for every operand, including the input batch of the first layer, which is a third of the
//! arithmetic of a 784-128-10 network and of no use. Here each matmul is one dfdx `matmul` call with
//! no tape, and the cheap element-wise work (bias, activation, softmax) is plain loops over slices.

use dfdx::prelude::*;
use dfdx::tensor::Storage;

use super::{Dense, Matrix, Mlp};

/// A gradient buffer in the form dfdx's optimizer kernels take.
pub type GradBuf = <Cpu as Storage<f32>>::Vec;

/// Gradients of the mean batch loss for every layer's weights and biases, reused between batches.
pub struct Gradients {
    pub w: Vec<GradBuf>,
    pub b: Vec<GradBuf>,
}

impl Gradients {
    pub fn zeros(mlp: &Mlp) -> Gradients {
        let alloc = |n: usize| mlp.dev.try_alloc_len(n).expect("CPU allocation");
        Gradients {
            w: mlp.layers.iter().map(|l| alloc(l.fan_in() * l.fan_out())).collect(),
            b: mlp.layers.iter().map(|l| alloc(l.fan_out())).collect(),
        }
    }
}

/// What one batch did: mean cross-entropy and how many predictions were right.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchStats {
    pub loss: f32,
    pub correct: usize,
}

/// The elements of a freshly computed (hence contiguous) matrix. `as_vec` would walk them one index at
/// a time; this is one `memcpy`.
fn into_vec(m: Matrix) -> Vec<f32> {
    let (rows, cols) = *m.shape();
    let mut out = vec![0.0; rows * cols];
    m.copy_into(&mut out);
    out
}

/// `a · w + b` as a row-major vector.
pub fn affine(a: &Matrix, layer: &Dense) -> Vec<f32> {
    let mut z = into_vec(a.clone().matmul(layer.w.clone()));
    let b = layer.b.as_vec();
    for row in z.chunks_exact_mut(b.len()) {
        row.iter_mut().zip(&b).for_each(|(v, bias)| *v += bias);
    }
    z
}

/// Index of the largest value (first on ties), i.e. the predicted class.
pub fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}

/// Softmax cross-entropy of one row of logits against `label`: returns the loss and turns `row` into
/// dL/dlogits scaled by `scale` (= 1 / batch size for a mean loss).
pub fn softmax_xent_grad(row: &mut [f32], label: usize, scale: f32) -> f32 {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let target = row[label] - max;
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    // log-sum-exp form: finite for any finite logits, even when the target's probability underflows.
    let loss = sum.ln() - target;
    for (j, v) in row.iter_mut().enumerate() {
        let p = *v / sum;
        *v = (p - if j == label { 1.0 } else { 0.0 }) * scale;
    }
    loss
}

/// Mean softmax cross-entropy of `logits` against `labels` and the number of correct argmaxes,
/// without gradients (evaluation).
pub fn loss_and_correct(logits: &[f32], labels: &[u8]) -> (f64, usize, Vec<u8>) {
    let classes = logits.len() / labels.len();
    let mut loss = 0.0f64;
    let mut correct = 0;
    let mut predicted = Vec::with_capacity(labels.len());
    for (row, &label) in logits.chunks_exact(classes).zip(labels) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let sum: f32 = row.iter().map(|v| (v - max).exp()).sum();
        loss += (sum.ln() - (row[label as usize] - max)) as f64;
        let p = argmax(row);
        correct += (p == label as usize) as usize;
        predicted.push(p as u8);
    }
    (loss, correct, predicted)
}

/// Weight gradients of at least this many elements are computed in two halves on the two cores (see
/// [`weight_grad`]).
pub const SPLIT_GRAD_LEN: usize = 256 * 1024;

/// The columns `cols` of a row-major `rows`-row matrix, as a matrix of their own.
fn column_block(dev: &Cpu, src: &[f32], rows: usize, cols: std::ops::Range<usize>) -> Matrix {
    let width = src.len() / rows;
    let mut out = Vec::with_capacity(rows * cols.len());
    for row in src.chunks_exact(width) {
        out.extend_from_slice(&row[cols.clone()]);
    }
    dev.tensor_from_vec(out, (rows, cols.len()))
}

/// `inputᵀ · dz` into `out` (fan_in × fan_out, row-major). dfdx's matmul returns a fresh, zero-filled
/// tensor that is then copied into `out`: two passes over the gradient on one core, which for a
/// gradient larger than L2 (W2's 784×512 first layer, 1.6 MB) cost a tenth of the batch. A large
/// gradient is therefore computed as two halves of its rows, `input[:, half]ᵀ · dz`, each half
/// filled, computed and copied on its own core; cutting out the input's columns costs one pass over
/// the (much smaller) input.
fn weight_grad(dev: &Cpu, input: &Matrix, input_rows: Option<&[f32]>, dz: &Matrix, out: &mut [f32]) {
    let (rows, fan_in) = *input.shape();
    match input_rows {
        Some(src) if out.len() >= SPLIT_GRAD_LEN && fan_in >= 2 => {
            let half = fan_in / 2;
            let fan_out = out.len() / fan_in;
            let (top, bottom) = out.split_at_mut(half * fan_out);
            let part = |cols: std::ops::Range<usize>, out: &mut [f32]| {
                let block = column_block(dev, src, rows, cols).permute::<(usize, usize), Axes2<1, 0>>();
                block.matmul(dz.clone()).copy_into(out);
            };
            rayon::join(|| part(0..half, top), || part(half..fan_in, bottom));
        }
        _ => {
            let input_t = input.clone().permute::<(usize, usize), Axes2<1, 0>>();
            input_t.matmul(dz.clone()).copy_into(out);
        }
    }
}

/// Runs forward and backward for one batch (`x` is `labels.len()` rows of the input width, row-major)
/// and writes the gradients of the mean loss into `grads`.
pub fn loss_and_grads(mlp: &Mlp, x: Vec<f32>, labels: &[u8], grads: &mut Gradients) -> BatchStats {
    let rows = labels.len();
    let n_layers = mlp.layers.len();
    // The input's columns are cut out of `x` for a split first-layer gradient (see `weight_grad`).
    let x_rows = (mlp.layers[0].fan_in() * mlp.layers[0].fan_out() >= SPLIT_GRAD_LEN).then(|| x.clone());
    // inputs[i] is the input of layer i; outputs[i] / pre[i] what backprop of layer i's activation needs.
    let mut inputs: Vec<Matrix> = Vec::with_capacity(n_layers);
    let mut outputs: Vec<Vec<f32>> = Vec::with_capacity(n_layers);
    let mut pre: Vec<Option<Vec<f32>>> = Vec::with_capacity(n_layers);
    inputs.push(mlp.input_matrix(x));
    let mut z = Vec::new();
    for (i, layer) in mlp.layers.iter().enumerate() {
        z = affine(&inputs[i], layer);
        if let Some(act) = mlp.activation(i) {
            pre.push(act.needs_preactivation().then(|| z.clone()));
            act.apply(&mut z);
            outputs.push(z.clone());
            inputs.push(mlp.dev.tensor_from_vec(std::mem::take(&mut z), (rows, layer.fan_out())));
        }
    }

    // z now holds the logits; turn it into dL/dlogits.
    let classes = mlp.arch.classes;
    let scale = 1.0 / rows as f32;
    let mut loss = 0.0f64;
    let mut correct = 0;
    for (row, &label) in z.chunks_exact_mut(classes).zip(labels) {
        correct += (argmax(row) == label as usize) as usize;
        loss += softmax_xent_grad(row, label as usize, scale) as f64;
    }

    let mut dz = z;
    for l in (0..n_layers).rev() {
        let layer = &mlp.layers[l];
        let fan_out = layer.fan_out();
        let db = &mut grads.b[l];
        db.iter_mut().for_each(|v| *v = 0.0);
        for row in dz.chunks_exact(fan_out) {
            db.iter_mut().zip(row).for_each(|(g, d)| *g += d);
        }
        let dz_t = mlp.dev.tensor_from_vec(dz, (rows, fan_out));
        let input_rows = if l == 0 { x_rows.as_deref() } else { Some(outputs[l - 1].as_slice()) };
        weight_grad(&mlp.dev, &inputs[l], input_rows, &dz_t, &mut grads.w[l]);
        if l == 0 {
            break; // the input batch needs no gradient
        }
        let mut da = into_vec(dz_t.matmul(layer.w.clone().permute::<(usize, usize), Axes2<1, 0>>()));
        let act = mlp.activation(l - 1).expect("hidden layers have activations");
        act.backprop(&mut da, &outputs[l - 1], pre[l - 1].as_deref());
        dz = da;
    }
    BatchStats { loss: (loss / rows as f64) as f32, correct }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_xent_gradient_sums_to_zero_and_loss_is_log_classes_for_equal_logits() {
        let mut row = vec![0.5f32; 10];
        let loss = softmax_xent_grad(&mut row, 3, 1.0);
        assert!((loss - (10f32).ln()).abs() < 1e-6);
        assert!(row.iter().sum::<f32>().abs() < 1e-6);
        assert!((row[3] - (0.1 - 1.0)).abs() < 1e-6);
    }

    #[test]
    fn argmax_prefers_first_on_ties() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0, -1.0]), 1);
    }
}
