//! Optimizer state per parameter tensor. SGD steps with dfdx's own kernel; Adam with the same
//! arithmetic as dfdx's kernel (bit for bit, see the test), split over the rayon pool.

use dfdx::optim::{AdamConfig, Momentum, SgdConfig};
use dfdx::tensor::Storage;
use rayon::prelude::*;

use super::config::{OptimizerKind, TrainConfig};
use std::ops::Range;

use crate::model::backprop::{GradBuf, Gradients, Params};
use crate::model::bands;
use crate::model::matmul::bands_keep_bits;
use crate::model::Mlp;

enum Rule {
    Sgd(SgdConfig),
    Adam(AdamConfig),
}

pub struct Optimizer {
    rule: Rule,
    step: i32,
    /// Velocity (SGD) or first moment (Adam), weights then bias of each layer.
    m1: Vec<GradBuf>,
    /// Second moment (Adam only).
    m2: Vec<GradBuf>,
    /// The current parameters, which the next batch's products read. Adam updates them here, in place
    /// and over both cores (dfdx lends no mutable view of a tensor's storage except to its own
    /// single-threaded kernels), and writes them into the model's tensors only when asked
    /// ([`Optimizer::store_into`]): rebuilding the tensors every step was one more write of every
    /// parameter, and reading them back for the products one more copy. SGD steps the tensors with
    /// dfdx's kernel and copies them here after each step. The model must not be changed by anything
    /// else while this optimizer trains it.
    params: Params,
}

/// Tensors shorter than this are updated on the calling thread; longer ones in chunks of this size.
const PARALLEL_CHUNK: usize = 16 * 1024;

impl Optimizer {
    /// An optimizer whose gradients come row-major, whoever computes them (dfdx's tape, say).
    pub fn new(cfg: &TrainConfig, mlp: &Mlp) -> Optimizer {
        Optimizer::laid_out(cfg, mlp, false)
    }

    /// An optimizer for gradients from [`crate::model::backprop::loss_and_grads`] with
    /// [`Optimizer::params`]: with Adam, in a pool, it keeps the first layer's weights in bands of
    /// units (`model::bands`) when a batch's products in bands give the bits of the whole ones, and
    /// that layer's gradient then comes band-major too.
    pub fn for_backprop(cfg: &TrainConfig, mlp: &Mlp) -> Optimizer {
        Optimizer::laid_out(cfg, mlp, true)
    }

    fn laid_out(cfg: &TrainConfig, mlp: &Mlp, may_band: bool) -> Optimizer {
        let rule = match cfg.optimizer {
            OptimizerKind::Sgd => Rule::Sgd(SgdConfig {
                lr: cfg.lr,
                momentum: match (cfg.momentum > 0.0, cfg.nesterov) {
                    (false, _) => None,
                    (true, false) => Some(Momentum::Classic(cfg.momentum)),
                    (true, true) => Some(Momentum::Nesterov(cfg.momentum)),
                },
                weight_decay: None,
            }),
            OptimizerKind::Adam => Rule::Adam(AdamConfig { lr: cfg.lr, ..Default::default() }),
        };
        let alloc = || -> Vec<GradBuf> {
            mlp.layers
                .iter()
                .flat_map(|l| [l.fan_in() * l.fan_out(), l.fan_out()])
                .map(|n| mlp.dev.try_alloc_len(n).expect("CPU allocation"))
                .collect()
        };
        let m2 = if matches!(rule, Rule::Adam(_)) { alloc() } else { Vec::new() };
        let bands = match (&rule, rayon::current_thread_index(), mlp.layers.first()) {
            (Rule::Adam(_), Some(_), Some(first)) if may_band => bands::split(first.fan_out(), rayon::current_num_threads())
                .filter(|b| bands_keep_bits(cfg.batch_size, first.fan_in(), b) && bands_keep_bits(first.fan_in(), cfg.batch_size, b)),
            _ => None,
        };
        let params = match bands {
            Some(bands) => Params::in_bands(mlp, bands),
            None => Params::of(mlp),
        };
        Optimizer { rule, step: 0, m1: alloc(), m2, params }
    }

    /// The parameters after the last step (the model's at the start): what the next batch trains.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Brings the model's tensors up to date with [`Optimizer::params`], for anything that reads the
    /// model itself (evaluation, snapshots, saving). SGD keeps them current already.
    pub fn store_into(&self, mlp: &mut Mlp) {
        if matches!(self.rule, Rule::Adam(_)) {
            self.params.store_into(mlp);
        }
    }

    pub fn step(&mut self, mlp: &mut Mlp, grads: &Gradients) {
        self.step += 1;
        match &self.rule {
            Rule::Sgd(c) => {
                for (i, layer) in mlp.layers.iter_mut().enumerate() {
                    let (wi, bi) = (2 * i, 2 * i + 1);
                    c.try_update(&mut layer.w, &mut self.m1[wi], &grads.w[i]).expect("sgd step");
                    c.try_update(&mut layer.b, &mut self.m1[bi], &grads.b[i]).expect("sgd step");
                }
                self.params.refresh(mlp);
            }
            Rule::Adam(c) => {
                let k = AdamStep::new(c, self.step);
                let (params, bands) = self.params.tensors_mut();
                let grads = grads.w.iter().zip(&grads.b).flat_map(|(w, b)| [w, b]);
                for (i, (((p, m), v), g)) in params.iter_mut().zip(&mut self.m1).zip(&mut self.m2).zip(grads).enumerate() {
                    match bands.filter(|_| i == 0) {
                        Some(bands) => k.update_blocks(p, m, v, g, bands),
                        None => k.update_parallel(p, m, v, g),
                    }
                }
            }
        }
    }
}

/// `x`, or 0 when it is subnormal. The moments of a weight whose gradient stays 0 (a dead unit's, a
/// pixel that is the same in every image) decay geometrically into the subnormal range within an epoch
/// or two, and every operation on a subnormal costs a microcode assist of ~100 cycles: W2's Adam step
/// took 2-3x longer from the second epoch on. A subnormal moment moves a weight by less than 1e-30.
#[inline(always)]
fn flush_subnormal(x: f32) -> f32 {
    if x.abs() < f32::MIN_POSITIVE {
        0.0
    } else {
        x
    }
}

/// dfdx's Adam update for step `t` (no weight decay, which this crate never sets), with the bias
/// corrections computed once instead of per element; the operations and their order are dfdx's.
struct AdamStep {
    b1: f32,
    b2: f32,
    eps: f32,
    lr: f32,
    correct1: f32,
    correct2: f32,
}

impl AdamStep {
    fn new(c: &AdamConfig, t: i32) -> AdamStep {
        assert!(c.weight_decay.is_none(), "weight decay is not implemented in the Adam kernel");
        let [b1, b2] = c.betas.map(|b| b as f32);
        AdamStep {
            b1,
            b2,
            eps: c.eps as f32,
            lr: c.lr as f32,
            correct1: (1.0 - b1.powi(t)).recip(),
            correct2: (1.0 - b2.powi(t)).recip(),
        }
    }

    /// Updates `p`, `m`, `v` in place. Inlined into [`AdamStep::update`]'s dispatch so that it is
    /// compiled for the widest vectors the CPU has.
    #[inline(always)]
    fn update_elements(&self, p: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32]) {
        for (((p, m), v), &g) in p.iter_mut().zip(m).zip(v).zip(g) {
            // The new moments stay in registers: reading them back from `*m` and `*v` made the
            // compiler load each vector right after storing it, and on Zen 4 a 512-bit load from a
            // 512-bit store in flight stalls (store forwarding): 0.92 ns an element against 0.36.
            let m_new = flush_subnormal(*m * self.b1 + g * (1.0 - self.b1));
            let v_new = flush_subnormal(*v * self.b2 + g * g * (1.0 - self.b2));
            *m = m_new;
            *v = v_new;
            let m_hat = m_new * self.correct1;
            let v_hat = v_new * self.correct2;
            *p -= self.lr * m_hat / (v_hat.sqrt() + self.eps);
        }
    }

    /// [`AdamStep::update_elements`] with AVX-512 when the CPU has it, chosen at run time
    /// by pulp (gemm's own dispatcher). The build targets baseline x86-64, where this loop ran on
    /// 4-wide SSE and its division alone was a third of the step. The arithmetic per element is the
    /// same at any width (no fused multiply-adds: Rust never contracts), so are the results.
    fn update(&self, p: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32]) {
        pulp::Arch::new().dispatch(
            #[inline(always)]
            || self.update_elements(p, m, v, g),
        );
    }

    /// One step over the first layer's weights stored band-major, task `i` of the pool stepping
    /// band `i`'s block (as the products do, so each band stays in one core's cache).
    fn update_blocks(&self, p: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32], bands: &[Range<usize>]) {
        let n = p.len();
        let units = bands.last().map_or(1, |b| b.end);
        assert!(m.len() == n && v.len() == n && g.len() == n && n.is_multiple_of(units), "Adam buffers of different lengths");
        let rows = n / units;
        bands::blocks_mut(p, rows, bands)
            .into_par_iter()
            .zip(bands::blocks_mut(m, rows, bands))
            .zip(bands::blocks_mut(v, rows, bands))
            .zip(bands::blocks(g, rows, bands))
            .for_each(|(((p, m), v), g)| self.update(p, m, v, g));
    }

    /// One step over a whole tensor, split over the pool when long.
    fn update_parallel(&self, p: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32]) {
        let n = p.len();
        assert!(m.len() == n && v.len() == n && g.len() == n, "Adam buffers of different lengths");
        if n < 2 * PARALLEL_CHUNK {
            self.update(p, m, v, g);
        } else {
            p.par_chunks_mut(PARALLEL_CHUNK)
                .zip(m.par_chunks_mut(PARALLEL_CHUNK))
                .zip(v.par_chunks_mut(PARALLEL_CHUNK))
                .zip(g.par_chunks(PARALLEL_CHUNK))
                .for_each(|(((p, m), v), g)| self.update(p, m, v, g));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Activation, Architecture, HiddenLayer};

    /// Training with the first layer in bands (a pool of two) gives the bits of training without
    /// (one thread), over real batches and short last batches, which multiply a row-major copy
    /// instead; and the bands were used.
    #[test]
    fn first_layer_bands_train_the_same_bits_as_one_thread() {
        use crate::model::backprop::loss_and_grads;
        let mnist = crate::data::load_dir(&crate::data::locate::bundled_dir().unwrap()).unwrap();
        // Six whole batches, then a short one of 56 rows (its forward product would take gemm's small
        // path in bands) and one of 2 (its weight gradient, of depth 2, another of gemm's paths).
        let data = mnist.train.head(128 * 6 + 56 + 2);
        let arch = {
            let mut a = Architecture::new(784, vec![HiddenLayer { neurons: 128, activation: Activation::Relu }], 10);
            a.input_standardization = crate::model::Standardization::of(data.images());
            a
        };
        let cfg = TrainConfig { batch_size: 128, ..TrainConfig::default() };
        let train = |banded: bool| {
            let mlp = Mlp::new(&arch, 3);
            let opt = Optimizer::for_backprop(&cfg, &mlp);
            assert_eq!(opt.params().first_layer_bands().is_some(), banded, "bands in a pool of two only");
            assert!(Optimizer::new(&cfg, &mlp).params().first_layer_bands().is_none(), "never for other gradients");
            let mut run = (mlp, opt);
            let (mlp, opt) = &mut run;
            let mut grads = Gradients::zeros(mlp);
            let rows: Vec<usize> = (0..data.len()).collect();
            let (whole, short) = rows.split_at(128 * 6);
            let batches: Vec<&[usize]> = whole.chunks(cfg.batch_size).chain([&short[..56], &short[56..]]).collect();
            let mut losses = Vec::new();
            for _ in 0..2 {
                for &batch in &batches {
                    let (mut x, mut labels) = (Vec::new(), Vec::new());
                    crate::train::batch::assemble(&data, batch, &mlp.arch.input_standardization, &mut x, &mut labels);
                    losses.push(loss_and_grads(mlp, opt.params(), x, &labels, &mut grads).loss.to_bits());
                    opt.step(mlp, &grads);
                }
            }
            opt.store_into(mlp);
            let bits = |v: Vec<f32>| v.into_iter().map(f32::to_bits).collect::<Vec<_>>();
            (losses, mlp.layers.iter().map(|l| (bits(l.weights()), bits(l.b.as_vec()))).collect::<Vec<_>>())
        };
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| train(false));
        let two = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap().install(|| train(true));
        assert!(one.0.len() == 16 && one.0[0] != one.0[14], "the loss moved");
        assert_eq!(one, two);
    }

    /// The split Adam gives exactly dfdx's numbers, over several steps and on tensors long enough to
    /// be split into chunks.
    #[test]
    fn adam_matches_dfdx_kernel_bit_for_bit() {
        let arch = Architecture::new(784, vec![HiddenLayer { neurons: 96, activation: Activation::Relu }], 10);
        let cfg = TrainConfig { lr: 3e-3, ..TrainConfig::default() };
        let mut mlp = Mlp::new(&arch, 5);
        let mut reference = mlp.clone();
        let mut opt = Optimizer::new(&cfg, &mlp);
        let adam = AdamConfig { lr: cfg.lr, ..Default::default() };
        let mut ref_m: Vec<GradBuf> = Vec::new();
        let mut ref_v: Vec<GradBuf> = Vec::new();
        for l in &mlp.layers {
            for n in [l.fan_in() * l.fan_out(), l.fan_out()] {
                ref_m.push(mlp.dev.try_alloc_len(n).unwrap());
                ref_v.push(mlp.dev.try_alloc_len(n).unwrap());
            }
        }
        let mut grads = Gradients::zeros(&mlp);
        for t in 1..=4 {
            for (k, g) in grads.w.iter_mut().chain(grads.b.iter_mut()).enumerate() {
                let n = g.len();
                g.iter_mut().enumerate().for_each(|(i, v)| *v = (((i * 7919 + k * 31 + t * 17) % 2001) as f32 - 1000.0) / (n as f32 * 3.0));
            }
            opt.step(&mut mlp, &grads);
            for (i, l) in reference.layers.iter_mut().enumerate() {
                adam.try_update(t as i32, &mut l.w, &mut ref_m[2 * i], &mut ref_v[2 * i], &grads.w[i]).unwrap();
                adam.try_update(t as i32, &mut l.b, &mut ref_m[2 * i + 1], &mut ref_v[2 * i + 1], &grads.b[i]).unwrap();
            }
        }
        opt.store_into(&mut mlp);
        for (a, b) in mlp.layers.iter().zip(&reference.layers) {
            assert_eq!(a.w.as_vec(), b.w.as_vec());
            assert_eq!(a.b.as_vec(), b.b.as_vec());
        }
    }
}
