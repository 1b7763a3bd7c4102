//! `digitlab bench`: epoch times, evaluation, loading and the dashboard's cost, beside PyTorch.

use std::path::PathBuf;
use anyhow::Result;
use clap::Args;

use crate::bench::Options;

#[derive(Debug, Args)]
pub struct BenchCmd {
    /// Timed epochs per workload (the median is reported), after one warm-up epoch.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub epochs: u32,
    /// Only these workloads (comma list of W1, W2).
    #[arg(long, value_name = "LIST")]
    pub only: Option<String>,
    /// Skip the PyTorch comparison even when `python3 -c "import torch"` works.
    #[arg(long)]
    pub no_pytorch: bool,
    /// MNIST directory (default: $DIGITLAB_DATA, else the bundled copy).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

pub fn run(cmd: &BenchCmd) -> Result<()> {
    crate::bench::run(&Options { epochs: cmd.epochs, only: cmd.only.clone(), no_pytorch: cmd.no_pytorch, data: cmd.data.clone() })
}
