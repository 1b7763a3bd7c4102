//! Optimizer state per parameter tensor, stepped with dfdx's own SGD and Adam kernels.

use dfdx::optim::{AdamConfig, Momentum, SgdConfig};
use dfdx::tensor::Storage;

use super::config::{OptimizerKind, TrainConfig};
use crate::model::backprop::{GradBuf, Gradients};
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
}

impl Optimizer {
    pub fn new(cfg: &TrainConfig, mlp: &Mlp) -> Optimizer {
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
        Optimizer { rule, step: 0, m1: alloc(), m2 }
    }

    pub fn step(&mut self, mlp: &mut Mlp, grads: &Gradients) {
        self.step += 1;
        for (i, layer) in mlp.layers.iter_mut().enumerate() {
            let (wi, bi) = (2 * i, 2 * i + 1);
            match &self.rule {
                Rule::Sgd(c) => {
                    c.try_update(&mut layer.w, &mut self.m1[wi], &grads.w[i]).expect("sgd step");
                    c.try_update(&mut layer.b, &mut self.m1[bi], &grads.b[i]).expect("sgd step");
                }
                Rule::Adam(c) => {
                    let (m1, m2) = (&mut self.m1, &mut self.m2);
                    c.try_update(self.step, &mut layer.w, &mut m1[wi], &mut m2[wi], &grads.w[i]).expect("adam step");
                    c.try_update(self.step, &mut layer.b, &mut m1[bi], &mut m2[bi], &grads.b[i]).expect("adam step");
                }
            }
        }
    }
}
