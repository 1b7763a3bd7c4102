//! The "naive dfdx" baseline: the same training loop with gradients from dfdx's tape
//! ([`crate::model::reference`]), which also differentiates the input batch.

use std::time::Instant;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::data::Mnist;
use crate::model::backprop::Gradients;
use crate::model::{reference, Mlp};
use crate::train::optimizer::Optimizer;
use crate::train::TrainConfig;

/// Seconds for one full epoch over the training set, after `warmup_batches` untimed batches.
pub fn epoch_seconds(cfg: &TrainConfig, data: &Mnist, warmup_batches: usize) -> f64 {
    let arch = cfg.architecture(data.train.pixels(), data.classes);
    let mut mlp = Mlp::new(&arch, cfg.seed);
    let mut opt = Optimizer::new(cfg, &mlp);
    let mut grads = Gradients::zeros(&mlp);
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut order: Vec<usize> = (0..data.train.len()).collect();
    let mut pixels = Vec::new();
    let mut x = Vec::new();
    let mut step = |chunk: &[usize], mlp: &mut Mlp| {
        pixels.clear();
        for &i in chunk {
            pixels.extend_from_slice(data.train.image(i));
        }
        let labels: Vec<u8> = chunk.iter().map(|&i| data.train.labels[i]).collect();
        mlp.inputs(&pixels, &mut x);
        let (_, w, b) = reference::loss_and_grads(mlp, std::mem::take(&mut x), &labels);
        for (dst, src) in grads.w.iter_mut().zip(&w).chain(grads.b.iter_mut().zip(&b)) {
            dst.copy_from_slice(src);
        }
        opt.step(mlp, &grads);
        opt.store_into(mlp); // the tape reads the model's tensors
    };
    order.shuffle(&mut rng);
    for chunk in order.chunks(cfg.batch_size).take(warmup_batches) {
        step(chunk, &mut mlp);
    }
    order.shuffle(&mut rng);
    let start = Instant::now();
    for chunk in order.chunks(cfg.batch_size) {
        step(chunk, &mut mlp);
    }
    start.elapsed().as_secs_f64()
}
