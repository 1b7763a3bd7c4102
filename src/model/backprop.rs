//! The training path: forward and backward passes written layer by layer over plain slices.
//!
//! dfdx's tape would also work (see `reference.rs`, which the tests compare against), but it computes a
//! gradient for every operand, including the input batch of the first layer, which is a third of the
//! arithmetic of a 784-128-10 network and of no use. Here each matrix product is one [`matmul`] call
//! (AVX-512 kernels, see `matmul.rs`) writing straight into its destination, and the cheap element-wise
//! work (bias, activation, the head's loss) is plain loops over slices.

use dfdx::prelude::*;
use dfdx::tensor::Storage;

use std::ops::Range;

use super::bands;
use super::head;
use super::matmul::{bands_keep_bits, matmul, matmul_column_bands, matmul_to_blocks, matmul_transposed_b, View};
use super::Mlp;

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

/// A model's parameters as plain row-major vectors, weights then bias of each layer: what the products
/// read (dfdx lends no slice of a tensor's storage) and what the optimizer updates in place. During
/// training the optimizer owns the current values (`Optimizer::params`), so a batch no longer copies
/// every tensor first: for W2 that copy was 2 MB a batch, 6 % of an epoch.
///
/// The first layer's weights may be stored band-major (`bands.rs`): then [`Params::first_layer_bands`]
/// gives the bands, and so must the first layer's weight gradient and Adam's moments be.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    tensors: Vec<Vec<f32>>,
    first_layer_bands: Option<Vec<Range<usize>>>,
}

impl Params {
    /// A copy of `mlp`'s tensors, all row-major.
    pub fn of(mlp: &Mlp) -> Params {
        Params { tensors: mlp.layers.iter().flat_map(|l| [l.weights(), l.b.as_vec()]).collect(), first_layer_bands: None }
    }

    /// A copy of `mlp`'s tensors with the first layer's weights in `bands` of its units.
    pub fn in_bands(mlp: &Mlp, bands: Vec<Range<usize>>) -> Params {
        let mut params = Params::of(mlp);
        let first = &mlp.layers[0];
        params.tensors[0] = bands::to_band_major(&params.tensors[0], first.fan_in(), first.fan_out(), &bands);
        params.first_layer_bands = Some(bands);
        params
    }

    /// The bands the first layer's weights are stored in, if they are.
    pub fn first_layer_bands(&self) -> Option<&[Range<usize>]> {
        self.first_layer_bands.as_deref()
    }

    /// Copies `mlp`'s tensors in again (same shapes as when made).
    pub fn refresh(&mut self, mlp: &Mlp) {
        for (i, l) in mlp.layers.iter().enumerate() {
            l.w.copy_into(&mut self.tensors[2 * i]);
            l.b.copy_into(&mut self.tensors[2 * i + 1]);
        }
        if let Some(bands) = &self.first_layer_bands {
            let first = &mlp.layers[0];
            self.tensors[0] = bands::to_band_major(&self.tensors[0], first.fan_in(), first.fan_out(), bands);
        }
    }

    /// Writes these values into `mlp`'s tensors.
    pub fn store_into(&self, mlp: &mut Mlp) {
        let dev = mlp.dev.clone();
        for (i, l) in mlp.layers.iter_mut().enumerate() {
            let w = self.row_major_weights(i);
            l.w = dev.tensor_from_vec(w, *l.w.shape());
            l.b = dev.tensor_from_vec(self.tensors[2 * i + 1].clone(), *l.b.shape());
        }
    }

    /// Layer `l`'s weights, `fan_in × fan_out`, row-major or (the first layer's) band-major.
    pub fn weights(&self, l: usize) -> &[f32] {
        &self.tensors[2 * l]
    }

    /// A row-major copy of layer `l`'s weights.
    fn row_major_weights(&self, l: usize) -> Vec<f32> {
        match (&self.first_layer_bands, l) {
            (Some(bands), 0) => {
                let units = bands.last().map_or(0, |b| b.end);
                bands::to_row_major(&self.tensors[0], self.tensors[0].len() / units.max(1), units, bands)
            }
            _ => self.tensors[2 * l].clone(),
        }
    }

    pub fn bias(&self, l: usize) -> &[f32] {
        &self.tensors[2 * l + 1]
    }

    /// Every tensor, weights then bias of each layer, and the bands the first is stored in, if any.
    pub fn tensors_mut(&mut self) -> (&mut [Vec<f32>], Option<&[Range<usize>]>) {
        (&mut self.tensors, self.first_layer_bands.as_deref())
    }
}

/// Rows of the output layer's loss per parallel task.
const HEAD_ROWS_PER_TASK: usize = 32;

/// What one batch did: mean loss and how many predictions were right.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchStats {
    pub loss: f32,
    pub correct: usize,
}

/// `a · w + b` for `rows` input rows (`a` row-major, `w` row-major with `b.len()` columns), as a
/// row-major vector.
pub fn affine(a: &[f32], rows: usize, w: &[f32], b: &[f32]) -> Vec<f32> {
    affine_in_bands(a, rows, w, b, None)
}

/// [`affine`] with `w` stored band-major in `bands` when given (see `bands.rs`).
fn affine_in_bands(a: &[f32], rows: usize, w: &[f32], b: &[f32], bands: Option<&[Range<usize>]>) -> Vec<f32> {
    let fan_out = b.len();
    let fan_in = w.len() / fan_out;
    let mut z = vec![0.0; rows * fan_out];
    let a = View::new(a, rows, fan_in);
    match bands {
        None => matmul(a, View::new(w, fan_in, fan_out), &mut z),
        Some(bands) if bands_keep_bits(rows, fan_in, bands) => {
            let blocks: Vec<View> = bands::blocks(w, fan_in, bands).into_iter().zip(bands).map(|(w, band)| View::new(w, fan_in, band.len())).collect();
            matmul_column_bands(a, &blocks, &mut z, bands)
        }
        // A batch whose bands would not give the one product's bits (an epoch's short last one).
        Some(bands) => matmul(a, View::new(&bands::to_row_major(w, fan_in, fan_out, bands), fan_in, fan_out), &mut z),
    }
    for row in z.chunks_exact_mut(fan_out) {
        row.iter_mut().zip(b).for_each(|(v, bias)| *v += bias);
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

/// Mean loss (the model's own, see `head.rs`) of `logits` against `labels`, the number of correct
/// argmaxes, and the predictions, without gradients (evaluation).
pub fn loss_and_correct(arch: &super::Architecture, logits: &[f32], labels: &[u8]) -> (f64, usize, Vec<u8>) {
    let classes = logits.len() / labels.len();
    let mut loss = 0.0f64;
    let mut correct = 0;
    let mut predicted = Vec::with_capacity(labels.len());
    let mut scratch = Vec::with_capacity(classes);
    for (row, &label) in logits.chunks_exact(classes).zip(labels) {
        scratch.clear();
        scratch.extend_from_slice(row);
        loss += head::loss_grad(arch.output, arch.loss, &mut scratch, label as usize, 0.0) as f64;
        // Every output function is increasing, so the largest value before it is the largest after.
        let p = argmax(row);
        correct += (p == label as usize) as usize;
        predicted.push(p as u8);
    }
    (loss, correct, predicted)
}

/// Runs forward and backward for one batch (`x` is `labels.len()` rows of the input width, row-major)
/// through `mlp`'s architecture with the parameter values `params`, and writes the gradients of the
/// mean loss into `grads` (the first layer's weight gradient band-major when `params` keeps that layer
/// in bands, as the optimizer that steps both expects).
pub fn loss_and_grads(mlp: &Mlp, params: &Params, x: Vec<f32>, labels: &[u8], grads: &mut Gradients) -> BatchStats {
    let rows = labels.len();
    let n_layers = mlp.layers.len();
    // acts[i] is the input of layer i (acts[0] the batch); pre[i] the pre-activation of layer i when its
    // activation's derivative needs it.
    let mut acts: Vec<Vec<f32>> = Vec::with_capacity(n_layers);
    let mut pre: Vec<Option<Vec<f32>>> = Vec::with_capacity(n_layers);
    acts.push(x);
    let mut z = Vec::new();
    for i in 0..n_layers {
        let bands = params.first_layer_bands().filter(|_| i == 0);
        z = affine_in_bands(&acts[i], rows, params.weights(i), params.bias(i), bands);
        if let Some(act) = mlp.activation(i) {
            pre.push(act.needs_preactivation().then(|| z.clone()));
            act.apply(&mut z);
            acts.push(std::mem::take(&mut z));
        }
    }

    // z now holds the last layer's values; turn it into dL/dz.
    let (classes, output, loss_kind) = (mlp.arch.classes, mlp.arch.output, mlp.arch.loss);
    let scale = 1.0 / rows as f32;
    // Each row's loss and gradient over the pool (one exp per class a row: W1's 128 rows took 10 µs
    // on one core while the other waited), the losses kept per row and summed in row order after,
    // so the total is the same sum whatever the split.
    let mut row_loss = vec![0.0f32; rows];
    let head_rows = |(z, (labels, losses)): (&mut [f32], (&[u8], &mut [f32]))| -> usize {
        let mut correct = 0;
        for ((row, &label), loss) in z.chunks_exact_mut(classes).zip(labels).zip(losses) {
            correct += (argmax(row) == label as usize) as usize;
            *loss = head::loss_grad(output, loss_kind, row, label as usize, scale);
        }
        correct
    };
    let correct = if rayon::current_thread_index().is_some() && rows >= 2 * HEAD_ROWS_PER_TASK {
        use rayon::prelude::*;
        z.par_chunks_mut(classes * HEAD_ROWS_PER_TASK)
            .zip(labels.par_chunks(HEAD_ROWS_PER_TASK).zip(row_loss.par_chunks_mut(HEAD_ROWS_PER_TASK)))
            .map(head_rows)
            .sum()
    } else {
        head_rows((&mut z, (labels, &mut row_loss)))
    };
    let loss: f64 = row_loss.iter().map(|&l| l as f64).sum();

    let mut dz = z;
    for l in (0..n_layers).rev() {
        let layer = &mlp.layers[l];
        let (fan_in, fan_out) = (layer.fan_in(), layer.fan_out());
        let db = &mut grads.b[l];
        db.iter_mut().for_each(|v| *v = 0.0);
        for row in dz.chunks_exact(fan_out) {
            db.iter_mut().zip(row).for_each(|(g, d)| *g += d);
        }
        // dW = inputᵀ · dz, written straight into the optimizer's buffer.
        let (input, dz_view) = (View::new(&acts[l], rows, fan_in).t(), View::new(&dz, rows, fan_out));
        match params.first_layer_bands().filter(|_| l == 0) {
            None => matmul(input, dz_view, &mut grads.w[l]),
            Some(bands) if bands_keep_bits(fan_in, rows, bands) => matmul_to_blocks(input, dz_view, bands, &mut grads.w[l]),
            Some(bands) => {
                let mut row_major = vec![0.0; fan_in * fan_out];
                matmul(input, dz_view, &mut row_major);
                grads.w[l].copy_from_slice(&bands::to_band_major(&row_major, fan_in, fan_out, bands));
            }
        }
        if l == 0 {
            break; // the input batch needs no gradient
        }
        // dA = dz · Wᵀ, then through the previous layer's activation.
        let mut da = vec![0.0; rows * fan_in];
        matmul_transposed_b(&dz, params.weights(l), rows, fan_out, fan_in, &mut da);
        let act = mlp.activation(l - 1).expect("hidden layers have activations");
        act.backprop(&mut da, &acts[l], pre[l - 1].as_deref());
        dz = da;
    }
    BatchStats { loss: (loss / rows as f64) as f32, correct }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A W1-sized batch (128 real images, 784-128-10) gives the same bits on the calling thread and
    /// over a pool of two, where the products and the output layer's rows are split between threads;
    /// so does a batch whose rows do not fill the last task (an epoch's last batch, 60,000 % 128 = 96).
    #[test]
    fn a_batch_gives_the_same_bits_in_a_pool_and_on_one_thread() {
        let mnist = crate::data::load_dir(&crate::data::locate::bundled_dir().unwrap()).unwrap();
        for rows in [128, 100] {
            same_bits_in_a_pool_and_alone(&mnist.train.head(rows));
        }
    }

    fn same_bits_in_a_pool_and_alone(batch: &crate::data::Dataset) {
        use crate::model::{Activation, Architecture, HiddenLayer, Standardization};
        let mut arch = Architecture::new(784, vec![HiddenLayer { neurons: 128, activation: Activation::Relu }], 10);
        arch.input_standardization = Standardization::of(batch.images());
        let mlp = Mlp::new(&arch, 7);
        let mut x = Vec::new();
        arch.input_standardization.apply(batch.images(), &mut x);
        let run = || {
            let mut grads = Gradients::zeros(&mlp);
            let stats = loss_and_grads(&mlp, &Params::of(&mlp), x.clone(), &batch.labels, &mut grads);
            let bits = |v: &[GradBuf]| v.iter().flat_map(|g| g.iter().map(|f| f.to_bits())).collect::<Vec<u32>>();
            (stats.loss.to_bits(), stats.correct, bits(&grads.w), bits(&grads.b))
        };
        let alone = run();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let pooled = pool.install(run);
        assert!(f32::from_bits(alone.0) > 0.5, "an untrained network's loss");
        assert_eq!(alone, pooled, "{} rows", batch.len());
    }

    #[test]
    fn softmax_xent_gradient_sums_to_zero_and_loss_is_log_classes_for_equal_logits() {
        let mut row = vec![0.5f32; 10];
        let loss = head::loss_grad(head::Output::Softmax, head::Loss::CrossEntropy, &mut row, 3, 1.0);
        assert!((loss - (10f32).ln()).abs() < 1e-6);
        assert!(row.iter().sum::<f32>().abs() < 1e-6);
        assert!((row[3] - (0.1 - 1.0)).abs() < 1e-6);
    }

    #[test]
    fn argmax_prefers_first_on_ties() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0, -1.0]), 1);
    }
}
