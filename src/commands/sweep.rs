//! `digitlab sweep`: a grid of runs into one sweep directory.

use std::path::PathBuf;

use super::options::{activations_arg, layers_arg, loss_arg, lr_arg, optimizer_arg, output_arg, seed_arg, unit_interval_arg, Activations, LayerSizes};
use crate::model::{Loss, Output};
use crate::train::OptimizerKind;

use anyhow::Result;
use clap::Args;


/// Sweep options take one or more alternatives after the flag (or the flag repeated); each
/// alternative is written as for `digitlab train`: `--layers 64 128,64 none` is three architectures.
#[derive(Debug, Args)]
pub struct SweepCmd {
    /// Hidden layer lists to try, e.g. `--layers 32 64 128,64`.
    #[arg(long, value_name = "LIST", num_args = 1.., value_parser = layers_arg)]
    pub layers: Vec<LayerSizes>,
    /// Activations to try (each one for all layers, or a per-layer comma list), e.g. `--activation sigmoid relu`.
    #[arg(long, value_name = "LIST", num_args = 1.., value_parser = activations_arg)]
    pub activation: Vec<Activations>,
    /// Output layer functions to try (softmax, sigmoid, identity).
    #[arg(long, value_name = "NAME", num_args = 1.., value_parser = output_arg)]
    pub output: Vec<Output>,
    /// Losses to try (cross-entropy, mse).
    #[arg(long, value_name = "NAME", num_args = 1.., value_parser = loss_arg)]
    pub loss: Vec<Loss>,
    /// Optimizers to try.
    #[arg(long, value_name = "NAME", num_args = 1.., value_parser = optimizer_arg)]
    pub optimizer: Vec<OptimizerKind>,
    /// Learning rates to try (default: the optimizer's).
    #[arg(long, value_name = "RATE", num_args = 1.., allow_negative_numbers = true, value_parser = lr_arg)]
    pub lr: Vec<f64>,
    /// SGD momentums to try.
    #[arg(long, value_name = "M", num_args = 1.., allow_negative_numbers = true, value_parser = unit_interval_arg)]
    pub momentum: Vec<f64>,
    /// Use Nesterov momentum where momentum > 0.
    #[arg(long)]
    pub nesterov: bool,
    /// Epoch counts to try.
    #[arg(long, value_name = "N", num_args = 1.., allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=crate::train::config::limits::MAX_EPOCHS as i64))]
    pub epochs: Vec<u32>,
    /// Batch sizes to try.
    #[arg(long, value_name = "N", num_args = 1.., allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..))]
    pub batch_size: Vec<u32>,
    /// Seeds to try (repeats of one configuration).
    #[arg(long, value_name = "N", num_args = 1.., allow_negative_numbers = true, value_parser = seed_arg)]
    pub seed: Vec<u64>,
    /// Validation splits to try.
    #[arg(long, value_name = "S", num_args = 1.., allow_negative_numbers = true, value_parser = unit_interval_arg)]
    pub val_split: Vec<f64>,
    /// MNIST directory (default: $DIGITLAB_DATA, else the bundled copy).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Sweep directory (default: runs/sweep-<timestamp>).
    #[arg(long, value_name = "DIR", conflicts_with = "resume")]
    pub out: Option<PathBuf>,
    /// Finish the sweep in DIR (its grid is read from DIR/sweep.json), skipping completed runs.
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
    /// Run only slice K of N (1-based), e.g. `--shard 2/4`; run every shard into one shared --out.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::experiments::grid::Shard>,
    /// Cores to use (default: all); 1 keeps the work to one core on a shared machine.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=crate::train::config::limits::MAX_THREADS as i64))]
    pub threads: Option<u32>,
    /// Runs to train at once, the threads split between them (default: one per core, up to 4, when every
    /// network has at most 300,000 parameters; else 1). Results are the same as one after another.
    #[arg(long, value_name = "J", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub jobs: Option<u32>,
}

pub fn run(cmd: &SweepCmd) -> Result<()> {
    use crate::experiments::{grid::Grid, sweep};
    crate::threads::set(cmd.threads.map(|t| t as usize));
    if let Some(dir) = &cmd.resume {
        return sweep::resume(dir, cmd.shard, cmd.jobs.map(|j| j as usize));
    }
    let grid = Grid {
        layers: cmd.layers.iter().map(|l| l.0.clone()).collect(),
        activations: cmd.activation.iter().map(|a| a.0.clone()).collect(),
        outputs: cmd.output.clone(),
        losses: cmd.loss.clone(),
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
    sweep::start(grid, cmd.data.as_deref(), &dir, cmd.shard, cmd.jobs.map(|j| j as usize))
}

