//! `digitlab sweep`: a grid of runs into one sweep directory.

use std::path::PathBuf;

use anyhow::Result;

use crate::cli::SweepCmd;

pub fn run(cmd: &SweepCmd) -> Result<()> {
    use crate::experiments::{grid::Grid, sweep};
    if let Some(dir) = &cmd.resume {
        return sweep::resume(dir, cmd.shard);
    }
    let grid = Grid {
        layers: cmd.layers.iter().map(|l| l.0.clone()).collect(),
        activations: cmd.activation.iter().map(|a| a.0.clone()).collect(),
        optimizers: cmd.optimizer.clone(),
        lrs: cmd.lr.clone(),
        momentums: cmd.momentum.clone(),
        nesterov: cmd.nesterov,
        epochs: cmd.epochs.iter().map(|&e| e as usize).collect(),
        batch_sizes: cmd.batch_size.iter().map(|&b| b as usize).collect(),
        seeds: cmd.seed.clone(),
        val_splits: cmd.val_split.clone(),
    };
    let dir = cmd.out.clone().unwrap_or_else(|| {
        PathBuf::from("runs").join(format!("sweep-{}", chrono::Local::now().format("%Y%m%d-%H%M%S")))
    });
    sweep::start(grid, cmd.data.as_deref(), &dir, cmd.shard)
}

